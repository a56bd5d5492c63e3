/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The enforcement agent (see agent.h). One sd-event loop; every decision is
 *   read (agent/sysfs/) -> classify (policy/device/) -> evaluate (policy/lang/) -> enforce
 * (authorize.c) -> event.
 *
 * What the agent remembers per device is small (struct tracked): the effective per-interface
 * allow set, so that interfaces appearing later, tamper uevents and reloads can be checked
 * without keeping the large struct usb_device_info around. This file uses _cleanup_ only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>
#include <systemd/sd-daemon.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/authorize.h"
#include "agent/daemon/seat.h"
#include "agent/daemon/status.h"
#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/device/classify.h"
#include "agent/sysfs/usb_sysfs.h"

#define DEBOUNCE_USEC  (200u * 1000u)      /* policy watch: wait for the .sig as well */
#define MONITOR_RCVBUF (128 * 1024 * 1024) /* uevent floods must not overflow the socket */
#define MAX_BUSES      AUTHZ_MAX_BUSES
/* Re-check of blocked interfaces of authorized devices: on Linux 6.1 writing 1 to an
 * interface's authorized sends no uevent. Armed only while such an interface is tracked. */
#define RECHECK_USEC          (1000u * 1000u)
#define RECHECK_ACCURACY_USEC (100u * 1000u)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device, udev_device_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir)

struct tracked_iface {
	uint8_t config_value, number;
	bool allow;
};

struct tracked {
	char *syspath;
	char busid[USB_BUSID_MAX];
	uint8_t busnum;
	uint16_t vid, pid;
	bool authorize_device; /* effective: the device itself is to be authorized */
	uint16_t n_ifaces;
	struct tracked_iface ifaces[]; /* effective per-interface decision */
};

enum bus_state {
	BUS_UNKNOWN = 0,
	BUS_LOCKED,   /* both defaults read back 0 */
	BUS_UNLOCKED, /* a default did not stick: authorize nothing on this bus */
};

struct agent {
	struct agent_config cfg;
	struct seat_cache seat; /* name of seat0's user, looked up once per uid */
	sd_event *event;
	struct udev *udev;
	struct udev_monitor *monitor;
	sd_event_source *monitor_src, *inotify_src, *debounce_src, *heartbeat_src;
	sd_event_source *recheck_src; /* NULL until first needed; disabled while not needed */
	struct authz *authz;
	struct policy *policy;
	bool audit;
	bool started;
	int64_t started_at; /* Unix seconds, for <run_dir>/status */

	struct usb_device_info *info;  /* scratch: the device being decided */
	struct usb_device_info *info2; /* scratch: re-read for interface strings */
	struct decision *dec, *dec2;

	struct tracked **devs;
	size_t n_devs, cap_devs;

	uint8_t bus[MAX_BUSES]; /* enum bus_state */
	struct agent_stats stats;
	char policy_dir[PATH_MAX];
	char policy_base[NAME_MAX + 1];
};

static int64_t now_realtime_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t now_nsec(clockid_t clock)
{
	struct timespec ts;

	(void)clock_gettime(clock, &ts); /* cannot fail for the clocks used here */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool is_vanished(int r)
{
	return r == -ENODEV || r == -ENOENT;
}

/* ---- events ---------------------------------------------------------------------------- */

static void emit(struct agent *a, enum event_type type, const struct usb_device_info *dev,
                 const struct decision *dec, const char *message, int error)
{
	char user[64];
	struct event ev = {
		.type = type,
		.time_usec = now_realtime_usec(),
		.policy = a->policy,
		.device = dev,
		.decision = dec,
		.message = message,
		.error = error,
	};
	int r;

	if (seat_active_user(&a->seat, user, sizeof(user)) >= 0)
		ev.seat_user = user;
	/* --audit / mode_override: the record says audit, like an audit policy would. */
	ev.audit_override = a->audit && (!a->policy || policy_mode(a->policy) != POLICY_MODE_AUDIT);
	switch (type) {
	case EVENT_DEVICE_DECISION:
		a->stats.decisions++;
		break;
	case EVENT_ENFORCE_FAILED:
		a->stats.enforce_failed++;
		break;
	case EVENT_TAMPER:
		a->stats.tamper++;
		break;
	case EVENT_AGENT_STARTED:
	case EVENT_AGENT_STOPPING:
	case EVENT_DEVICE_ATTACHED:
	case EVENT_DEVICE_REMOVED:
	case EVENT_POLICY_LOADED:
	case EVENT_POLICY_REJECTED:
	case EVENT_POLICY_EXPIRED:
	case EVENT_HEARTBEAT:
	case EVENT_EVENTS_DROPPED:
	case _EVENT_TYPE_MAX:
		break;
	}
	r = event_sink_emit(&a->cfg.sink, &ev);
	if (r < 0)
		log_warning_errno(r, "Event sink failed for %s event, proceeding anyway: %m",
		                  event_type_to_string(type));
}

/* A minimal device for events about a device that could not be read (vanished, unreadable). */
static const struct usb_device_info *stub_info(struct agent *a, const char *syspath,
                                               const struct tracked *t)
{
	struct usb_device_info *info = a->info2;
	const char *slash;

	memset(info, 0, sizeof(*info));
	info->authorized = -1;
	info->desc_status = -ENODATA;
	if (syspath) {
		(void)str_copy(info->syspath, sizeof(info->syspath), syspath);
		slash = strrchr(syspath, '/');
		(void)str_copy(info->busid, sizeof(info->busid), slash ? slash + 1 : syspath);
	}
	if (t) {
		(void)str_copy(info->busid, sizeof(info->busid), t->busid);
		info->busnum = t->busnum;
		info->desc.vid = t->vid;
		info->desc.pid = t->pid;
	}
	return info;
}

static void notify_status(struct agent *a)
{
	if (!a->cfg.notify)
		return;
	(void)sd_notifyf(0, "STATUS=%s policy '%s'; %zu devices, %llu decisions",
	                 a->audit ? "Auditing with" : "Enforcing",
	                 a->policy ? policy_name(a->policy) : "-", a->n_devs,
	                 (unsigned long long)a->stats.decisions);
}

/* ---- tracked devices ------------------------------------------------------------------- */

static struct tracked *tracked_free(struct tracked *t)
{
	if (t) {
		free(t->syspath);
		free(t);
	}
	return NULL;
}

static ssize_t tracked_index(struct agent *a, const char *busid)
{
	for (size_t i = 0; i < a->n_devs; i++)
		if (!strcmp(a->devs[i]->busid, busid))
			return (ssize_t)i;
	return -1;
}

static void tracked_remove(struct agent *a, size_t i)
{
	tracked_free(a->devs[i]);
	memmove(&a->devs[i], &a->devs[i + 1], (a->n_devs - i - 1) * sizeof(a->devs[0]));
	a->n_devs--;
}

/* Whether an interface decided so is authorized. read-only storage is authorized only once its
 * block devices can be made read-only before anything sees them (not yet): fail closed. */
static bool action_authorizes(enum policy_action act)
{
	return act != POLICY_ACTION_BLOCK && act != POLICY_ACTION_READ_ONLY;
}

/* Replaces (or adds) the tracked state of dev with decision dec; in audit mode allows all. */
static struct tracked *tracked_set(struct agent *a, const struct usb_device_info *dev,
                                   const struct decision *dec)
{
	struct tracked *t;
	ssize_t i = tracked_index(a, dev->busid);

	t = calloc(1, sizeof(*t) + dev->n_ifaces * sizeof(t->ifaces[0]));
	if (!t)
		return NULL;
	t->syspath = strdup(dev->syspath);
	if (!t->syspath)
		return tracked_free(t);
	(void)str_copy(t->busid, sizeof(t->busid), dev->busid); /* same size */
	t->busnum = dev->busnum;
	t->vid = dev->desc_status == 0 ? dev->desc.vid : 0;
	t->pid = dev->desc_status == 0 ? dev->desc.pid : 0;
	t->authorize_device = a->audit || dec->authorize_device;
	t->n_ifaces = dev->n_ifaces;
	for (uint16_t k = 0; k < dev->n_ifaces; k++) {
		t->ifaces[k].config_value = dev->ifaces[k].config_value;
		t->ifaces[k].number = dev->ifaces[k].number;
		t->ifaces[k].allow =
		    a->audit || (k < dec->n_ifaces && action_authorizes(dec->ifaces[k].action));
	}
	if (i >= 0) {
		tracked_free(a->devs[i]);
		a->devs[i] = t;
		return t;
	}
	if (a->n_devs == a->cap_devs) {
		size_t cap = a->cap_devs ? a->cap_devs * 2 : 64;
		struct tracked **n = reallocarray(a->devs, cap, sizeof(*n));

		if (!n)
			return tracked_free(t);
		a->devs = n;
		a->cap_devs = cap;
	}
	a->devs[a->n_devs++] = t;
	return t;
}

/* The allow bit of interface "busid:C.N"; unknown interfaces are blocked (fail closed). */
static bool tracked_iface_allowed(const struct tracked *t, const char *ifname)
{
	const char *p = strrchr(ifname, ':');
	unsigned long c, n;
	char *end;

	if (!p || !t->authorize_device)
		return false;
	errno = 0;
	c = strtoul(p + 1, &end, 10);
	if (errno || *end != '.' || c > 255)
		return false;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || n > 255)
		return false;
	for (uint16_t k = 0; k < t->n_ifaces; k++)
		if (t->ifaces[k].config_value == c && t->ifaces[k].number == n)
			return t->ifaces[k].allow;
	return false;
}

/* ---- root hubs ------------------------------------------------------------------------- */

/*
 * Writes 0 to both defaults of root hub usbN (dir relative to the root) and reads them back.
 * With report_tamper, a default found non-zero is reported as tamper.
 */
static int lock_bus(struct agent *a, unsigned busnum, bool report_tamper)
{
	static const char *const attrs[] = { "authorized_default", "interface_authorized_default" };
	char dir[AUTHZ_ROOT_HUB_DIR_MAX], msg[160];
	bool ok = true;
	int r, v;

	authz_root_hub_dir(busnum, dir);
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		r = authz_read_int(a->authz, dir, attrs[i], &v);
		if (r >= 0 && v == 0)
			continue;
		if (r >= 0 && report_tamper) {
			(void)snprintf(msg, sizeof(msg), "usb%u %s was %d; restored to 0", busnum,
			               attrs[i], v);
			emit(a, EVENT_TAMPER, NULL, NULL, msg, 0);
		}
		r = authz_write_int(a->authz, dir, attrs[i], 0);
		if (r < 0) {
			ok = false;
			(void)snprintf(
			    msg, sizeof(msg),
			    "usb%u: %s could not be set to 0 (%s): no device on this bus "
			    "will be authorized",
			    busnum, attrs[i], strerror(-r));
			log_error("%s", msg);
			emit(a, EVENT_ENFORCE_FAILED, NULL, NULL, msg, r);
		}
	}
	if (busnum < MAX_BUSES)
		a->bus[busnum] = ok ? BUS_LOCKED : BUS_UNLOCKED;
	return ok ? 0 : -EREMOTEIO;
}

static void lock_found_bus(void *userdata, unsigned busnum)
{
	struct agent *a = userdata;

	if (lock_bus(a, busnum, false) < 0)
		a->stats.unlocked_buses++;
	else
		a->stats.locked_buses++;
}

/* Fail closed before anything is authorized: every root hub, then usbcore for later ones. */
static int lock_all_buses(struct agent *a)
{
	int r;

	r = authz_lock_usbcore(a->authz);
	if (r == -ENOENT)
		log_notice("usbcore is not loaded (no authorized_default parameter); controllers "
		           "added later rely on the udev rule");
	else if (r < 0)
		log_warning_errno(
		    r, "Failed to set usbcore authorized_default=0, proceeding anyway: %m");
	r = authz_for_each_root_hub(a->authz, lock_found_bus, a);
	if (r < 0)
		return log_error_errno(r, "Failed to list root hubs: %m");
	return 0;
}

/*
 * Before every device decision: both defaults of the device's bus must read 0. The kernel sends no
 * uevent when someone writes them, so a 1 found here is tamper: restored and reported. Returns
 * whether the bus is locked (only then may a device on it be authorized).
 */
static bool bus_ready(struct agent *a, unsigned busnum)
{
	if (busnum == 0 || busnum >= MAX_BUSES)
		return false;
	return lock_bus(a, busnum, true) >= 0;
}

/* ---- enforcement ----------------------------------------------------------------------- */

/* Sets one attribute to want unless it already reads want. >0 written, 0 unchanged, <0 error. */
static int ensure(struct agent *a, const char *dir, int want)
{
	int r, v;

	r = authz_read_int(a->authz, dir, "authorized", &v);
	if (r < 0)
		return r;
	if (v == want)
		return 0;
	r = authz_write_int(a->authz, dir, "authorized", want);
	return r < 0 ? r : 1;
}

/*
 * Brings one interface in line with the tracked decision. tamper: the uevent says someone else
 * changed it. Returns 0 or a negative errno (already reported).
 */
static int enforce_iface(struct agent *a, const struct tracked *t, const char *devdir,
                         const char *ifname, bool bound, bool tamper)
{
	char dir[PATH_MAX], msg[256];
	bool allow = tracked_iface_allowed(t, ifname);
	int r;

	if (snprintf(dir, sizeof(dir), "%s/%s", devdir, ifname) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (tamper && allow)
		return 0; /* narrowing an allowed interface is not ours to undo */
	r = ensure(a, dir, allow ? 1 : 0);
	if (r == 1 && allow) {
		int p = authz_probe_interface(a->authz, ifname);
		if (p < 0) {
			(void)snprintf(msg, sizeof(msg),
			               "interface %s authorized, driver probe failed", ifname);
			log_warning_errno(p, "%s: %m", msg);
			emit(a, EVENT_ENFORCE_FAILED, stub_info(a, t->syspath, t), NULL, msg, p);
		}
	}
	if (r < 0) {
		(void)snprintf(msg, sizeof(msg), "interface %s: %s %s", ifname,
		               allow ? "authorizing" : "blocking",
		               is_vanished(r) ? "failed: device vanished" : "failed");
		log_full_errno(is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR, r, "%s: %m", msg);
		emit(a, EVENT_ENFORCE_FAILED, stub_info(a, t->syspath, t), NULL, msg, r);
		if (!allow && !is_vanished(r)) /* cannot block the interface: block the device */
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
		return r;
	}
	if (!allow && (tamper && (r == 1 || bound))) {
		(void)snprintf(msg, sizeof(msg),
		               "blocked interface %s was %s by someone else; blocked again", ifname,
		               bound ? "bound to a driver" : "authorized");
		log_warning("%s", msg);
		emit(a, EVENT_TAMPER, stub_info(a, t->syspath, t), NULL, msg, 0);
	}
	return 0;
}

/* Interfaces that exist now: "<busid>:C.N" entries of the device directory. */
static int enforce_children(struct agent *a, const struct tracked *t, const char *devdir)
{
	_cleanup_(closedirp) DIR *d = NULL;
	size_t plen = strlen(t->busid);
	struct dirent *de;
	int fd, r = 0;

	fd = authz_open_dir(a->authz, devdir);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		(void)close(fd); /* directory fd */
		return r;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, t->busid, plen) && de->d_name[plen] == ':') {
			int q = enforce_iface(a, t, devdir, de->d_name, false, false);
			if (q < 0 && r == 0)
				r = q;
		}
	return r;
}

/* Whether an existing interface of the device has a string ("interface" attribute). */
static bool any_iface_string(struct agent *a, const struct tracked *t, const char *devdir)
{
	_cleanup_(closedirp) DIR *d = NULL;
	size_t plen = strlen(t->busid);
	struct dirent *de;
	char rel[NAME_MAX + 16];
	int fd;

	fd = authz_open_dir(a->authz, devdir);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd); /* directory fd */
		return false;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, t->busid, plen) && de->d_name[plen] == ':' &&
		    snprintf(rel, sizeof(rel), "%s/interface", de->d_name) < (int)sizeof(rel) &&
		    faccessat(dirfd(d), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	return false;
}

/*
 * Interface strings exist only once the device is configured. Re-read the device, classify with
 * them and narrow the tracked allow set (strings never widen). Returns the number of interfaces
 * newly blocked.
 */
static int refine_with_strings(struct agent *a, struct tracked *t)
{
	struct usb_device_info *info = a->info2;
	int narrowed = 0, r;

	if (a->audit)
		return 0;
	r = usb_sysfs_read_syspath(a->udev, t->syspath, info);
	if (r < 0)
		return 0; /* vanished: the removal or the next write reports it */
	policy_evaluate(a->policy, info, a->dec2);
	for (uint16_t k = 0; k < info->n_ifaces && k < a->dec2->n_ifaces; k++) {
		if (a->dec2->ifaces[k].action != POLICY_ACTION_BLOCK)
			continue;
		for (uint16_t j = 0; j < t->n_ifaces; j++)
			if (t->ifaces[j].config_value == info->ifaces[k].config_value &&
			    t->ifaces[j].number == info->ifaces[k].number && t->ifaces[j].allow) {
				t->ifaces[j].allow = false;
				narrowed++;
			}
	}
	if (narrowed) {
		/* Report the narrowed decision: every interface the tracked set blocks. */
		for (uint16_t k = 0; k < info->n_ifaces && k < a->dec2->n_ifaces; k++) {
			char ifname[USB_BUSID_MAX + 8];

			(void)snprintf(ifname, sizeof(ifname), "%s:%u.%u", t->busid,
			               info->ifaces[k].config_value, info->ifaces[k].number);
			if (!tracked_iface_allowed(t, ifname))
				a->dec2->ifaces[k].action = POLICY_ACTION_BLOCK;
		}
		emit(a, EVENT_DEVICE_DECISION, info, a->dec2,
		     "interface strings narrowed the decision", 0);
		if (a->cfg.run_dir)
			(void)status_write_last_refusal(a->cfg.run_dir, info, a->dec2,
			                                now_realtime_usec() / 1000000);
	}
	return narrowed;
}

/*
 * Enforces the tracked decision on the device and the interfaces that exist. Returns 0 or a
 * negative errno (already reported as enforce_failed; the device is left blocked if possible).
 */
static int enforce_device(struct agent *a, struct tracked *t, const struct usb_device_info *info)
{
	char devdir[PATH_MAX], msg[256];
	int r;

	r = authz_relpath(t->syspath, devdir, sizeof(devdir));
	if (r < 0)
		return log_error_errno(r, "Unusable syspath: %m");

	bool locked = bus_ready(a, t->busnum);
	if (t->authorize_device && !locked) {
		(void)snprintf(
		    msg, sizeof(msg),
		    "bus %u: authorization defaults could not be set to 0; device kept blocked",
		    t->busnum);
		log_error("%s", msg);
		(void)authz_write_int(a->authz, devdir, "authorized", 0);
		t->authorize_device = false; /* kept blocked: re-authorizing it is tamper */
		emit(a, EVENT_ENFORCE_FAILED, info, NULL, msg, -EREMOTEIO);
		return -EREMOTEIO;
	}

	r = ensure(a, devdir, t->authorize_device ? 1 : 0);
	if (r < 0) {
		(void)snprintf(msg, sizeof(msg), "device %s: %s", t->busid,
		               is_vanished(r)        ? "vanished mid-decision"
		               : t->authorize_device ? "authorizing failed; left blocked"
		                                     : "blocking failed");
		log_full_errno(is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR, r, "%s: %m", msg);
		if (!is_vanished(r)) {
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
			t->authorize_device = false; /* left blocked, as above */
		}
		emit(a, EVENT_ENFORCE_FAILED, info, NULL, msg, r);
		return r;
	}
	if (t->authorize_device && any_iface_string(a, t, devdir))
		(void)refine_with_strings(a, t);
	/* Blocked devices have no interfaces on a real kernel; a stale tree gets them blocked too.
	 */
	r = enforce_children(a, t, devdir);
	return is_vanished(r) ? 0 : r;
}

enum decide_kind {
	DECIDE_NEW,    /* start-up or hot-plug: always reported */
	DECIDE_RELOAD, /* policy changed: reported when the effective decision changed */
};

static bool tracked_equal(const struct tracked *x, const struct tracked *y)
{
	if (x->authorize_device != y->authorize_device || x->n_ifaces != y->n_ifaces)
		return false;
	return !memcmp(x->ifaces, y->ifaces, x->n_ifaces * sizeof(x->ifaces[0]));
}

/* info (read and classified) -> evaluate -> enforce -> report. */
static int decide(struct agent *a, const struct usb_device_info *info, enum decide_kind kind)
{
	struct tracked *old = NULL, *t;
	ssize_t i;
	bool changed = true;
	int r;

	if (info->is_root_hub) /* never deauthorized; its defaults are what matter */
		return info->busnum ? lock_bus(a, info->busnum, kind == DECIDE_RELOAD) : 0;

	policy_evaluate(a->policy, info, a->dec);
	i = tracked_index(a, info->busid);
	if (kind == DECIDE_RELOAD && i >= 0) {
		size_t sz = sizeof(*old) + a->devs[i]->n_ifaces * sizeof(old->ifaces[0]);
		old = malloc(sz);
		if (old) {
			memcpy(old, a->devs[i], sz);
			old->syspath = NULL;
		}
	}
	t = tracked_set(a, info, a->dec);
	if (!t) {
		char devdir[PATH_MAX];

		free(old);
		/* Forget the previous decision too: it may allow what the device is now denied, and
		 * a later "change" uevent must find the device untracked and decide it again. */
		if (i >= 0)
			tracked_remove(a, (size_t)i);
		if (authz_relpath(info->syspath, devdir, sizeof(devdir)) >= 0)
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
		emit(a, EVENT_ENFORCE_FAILED, info, a->dec, "out of memory; device blocked",
		     -ENOMEM);
		return -ENOMEM;
	}
	if (old) {
		changed = !tracked_equal(old, t);
		free(old);
	}
	r = enforce_device(a, t, info);
	if (r < 0) {
		if (is_vanished(r))
			tracked_remove(a, (size_t)tracked_index(a, info->busid));
		return r;
	}
	if (changed) {
		emit(a, EVENT_DEVICE_DECISION, info, a->dec,
		     kind == DECIDE_RELOAD ? "re-evaluated after a policy change" : NULL, 0);
		if (!a->audit && a->dec->verdict != DEVICE_VERDICT_ALLOW && a->cfg.run_dir) {
			r = status_write_last_refusal(a->cfg.run_dir, info, a->dec,
			                              now_realtime_usec() / 1000000);
			if (r < 0)
				log_warning_errno(r,
				                  "Failed to write %s/last-refusal, ignoring: %m",
				                  a->cfg.run_dir);
		}
	}
	return 0;
}

/* Reading failed: a vanished device is an event; anything else leaves the device blocked. */
static void read_failed(struct agent *a, const char *syspath, int r)
{
	char devdir[PATH_MAX], msg[160];
	const char *slash = strrchr(syspath, '/');
	const char *name = slash ? slash + 1 : syspath;
	ssize_t i = tracked_index(a, name);
	/* Root hubs are never deauthorized (that would cut off every device on the bus, keyboard
	 * included); their defaults are what keeps the bus closed, and those are set apart. */
	bool root_hub = str_startswith(name, "usb");

	if (!is_vanished(r) && !root_hub && authz_relpath(syspath, devdir, sizeof(devdir)) >= 0)
		(void)authz_write_int(a->authz, devdir, "authorized", 0);
	(void)snprintf(msg, sizeof(msg), "%s: %s", name,
	               is_vanished(r) ? "vanished mid-decision"
	               : root_hub     ? "root hub could not be read"
	                              : "could not be read; left blocked");
	log_full_errno(is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR, r, "%s: %m", msg);
	emit(a, EVENT_ENFORCE_FAILED, stub_info(a, syspath, i >= 0 ? a->devs[i] : NULL), NULL, msg,
	     r);
	/* Unreadable now: the earlier decision (maybe "authorize") no longer holds. Untracked, the
	 * device is decided afresh on its next uevent, e.g. when someone re-authorizes it. */
	if (i >= 0)
		tracked_remove(a, (size_t)i);
}

static int decide_udev_device(struct agent *a, struct udev_device *d, enum decide_kind kind)
{
	int r = usb_sysfs_read_device(d, a->info);

	if (r < 0) {
		read_failed(a, udev_device_get_syspath(d), r);
		return r;
	}
	return decide(a, a->info, kind);
}

/* ---- re-check of blocked interfaces ----------------------------------------------------- */

/* Whether a device the agent authorized has an interface it blocks (charge-only phone, partial). */
static bool tracked_has_blocked_iface(const struct tracked *t)
{
	if (!t->authorize_device)
		return false;
	for (uint16_t k = 0; k < t->n_ifaces; k++)
		if (!t->ifaces[k].allow)
			return true;
	return false;
}

/*
 * Reads authorized of every blocked interface of every authorized device: Linux sends no uevent
 * when it is written, so a flip to 1 is only seen here (or by the "bind" of a driver, usbfs
 * included, that follows). A flip is undone (read back) and reported by enforce_iface().
 */
static int on_recheck(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
	struct agent *a = userdata;
	char devdir[PATH_MAX], ifdir[PATH_MAX], ifname[USB_BUSID_MAX + 8];

	for (size_t i = 0; i < a->n_devs; i++) {
		const struct tracked *t = a->devs[i];

		if (!tracked_has_blocked_iface(t) ||
		    authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
			continue;
		for (uint16_t k = 0; k < t->n_ifaces; k++) {
			int r, v;

			if (t->ifaces[k].allow)
				continue;
			(void)snprintf(ifname, sizeof(ifname), "%s:%u.%u", t->busid,
			               t->ifaces[k].config_value, t->ifaces[k].number);
			if (snprintf(ifdir, sizeof(ifdir), "%s/%s", devdir, ifname) >=
			    (int)sizeof(ifdir))
				continue;
			/* Absent (not in the active configuration, unplugged) or still 0. */
			r = authz_read_int(a->authz, ifdir, "authorized", &v);
			if (r < 0 || v == 0)
				continue;
			(void)enforce_iface(a, t, devdir, ifname, false, true);
		}
	}
	(void)sd_event_source_set_time_relative(s, RECHECK_USEC);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Arms the re-check while a blocked interface of an authorized device is tracked; else off. */
static void recheck_update(struct agent *a)
{
	bool need = false;
	int r, state = SD_EVENT_OFF;

	for (size_t i = 0; i < a->n_devs && !need; i++)
		need = tracked_has_blocked_iface(a->devs[i]);
	if (!need) {
		if (a->recheck_src)
			(void)sd_event_source_set_enabled(a->recheck_src, SD_EVENT_OFF);
		return;
	}
	if (!a->recheck_src) {
		r = sd_event_add_time_relative(a->event, &a->recheck_src, CLOCK_MONOTONIC,
		                               RECHECK_USEC, RECHECK_ACCURACY_USEC, on_recheck, a);
		if (r < 0) {
			log_warning_errno(
			    r, "Failed to arm the re-check of blocked interfaces; "
			       "authorizing them stays caught only by a driver bind: %m");
			return;
		}
		(void)sd_event_source_set_enabled(a->recheck_src, SD_EVENT_ONESHOT);
		return;
	}
	if (sd_event_source_get_enabled(a->recheck_src, &state) >= 0 && state != SD_EVENT_OFF)
		return; /* armed already: keep its deadline */
	(void)sd_event_source_set_time_relative(a->recheck_src, RECHECK_USEC);
	(void)sd_event_source_set_enabled(a->recheck_src, SD_EVENT_ONESHOT);
}

/* ---- uevents --------------------------------------------------------------------------- */

/*
 * The device is tracked as blocked but something concerning it happened (its interfaces
 * appeared, a "change", a driver bind): someone authorized it. Reset to 0 (read back); the
 * kernel destroys its interfaces.
 */
static int reblock_device(struct agent *a, const struct tracked *t, const char *devdir)
{
	char msg[160];
	int r = ensure(a, devdir, 0);

	if (r == 1) {
		(void)snprintf(msg, sizeof(msg),
		               "%s/authorized set to 1 by someone else; reset to 0", t->busid);
		log_warning("%s", msg);
		emit(a, EVENT_TAMPER, stub_info(a, t->syspath, t), NULL, msg, 0);
	} else if (r < 0 && !is_vanished(r)) {
		log_error_errno(r, "%s: re-blocking a tampered device failed: %m", t->busid);
		emit(a, EVENT_ENFORCE_FAILED, stub_info(a, t->syspath, t), NULL,
		     "re-blocking a tampered device failed", r);
	}
	return r;
}

static void device_removed(struct agent *a, struct udev_device *d)
{
	ssize_t i = tracked_index(a, udev_device_get_sysname(d));

	if (i < 0)
		return;
	emit(a, EVENT_DEVICE_REMOVED, stub_info(a, a->devs[i]->syspath, a->devs[i]), NULL, NULL, 0);
	tracked_remove(a, (size_t)i);
}

/* "change" on a device: someone (re)authorized a blocked device, or touched a root hub. */
static void device_changed(struct agent *a, struct udev_device *d)
{
	const char *sysname = udev_device_get_sysname(d);
	char devdir[PATH_MAX];
	struct tracked *t;
	ssize_t i;

	if (str_startswith(sysname, "usb")) {
		unsigned long n = strtoul(sysname + 3, NULL, 10);
		if (n > 0 && n < MAX_BUSES)
			(void)lock_bus(a, (unsigned)n, true);
		return;
	}
	i = tracked_index(a, sysname);
	if (i < 0) {
		(void)decide_udev_device(a, d, DECIDE_NEW);
		return;
	}
	t = a->devs[i];
	if (t->authorize_device || authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
		return;
	(void)reblock_device(a, t, devdir);
}

static void interface_event(struct agent *a, struct udev_device *d, const char *action)
{
	struct udev_device *parent =
	    udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
	const char *ifname = udev_device_get_sysname(d);
	char devdir[PATH_MAX], ifdir[PATH_MAX];
	bool add = !strcmp(action, "add");
	bool bind = !strcmp(action, "bind");
	struct tracked *t;
	ssize_t i;
	int r, v;

	if (!parent || !ifname)
		return;
	i = tracked_index(a, udev_device_get_sysname(parent));
	if (i < 0) {
		/* Its device was never decided (event lost, or raced our start): decide it now. */
		(void)decide_udev_device(a, parent, DECIDE_NEW);
		return; /* deciding the device enforced its existing interfaces */
	}
	t = a->devs[i];
	if (authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
		return;
	if (!t->authorize_device) {
		/* Interfaces exist only on a configured, hence authorized, device: Linux 6.1 sends
		 * no "change" when a device's authorized is written, only these "add"s. Resetting
		 * the device destroys its interfaces; the rest of this burst finds them gone. */
		r = reblock_device(a, t, devdir);
		if (r == 1 || is_vanished(r) ||
		    snprintf(ifdir, sizeof(ifdir), "%s/%s", devdir, ifname) >= (int)sizeof(ifdir) ||
		    (r == 0 && authz_read_int(a->authz, ifdir, "authorized", &v) < 0))
			return;
		/* The device could not be blocked, or a stale tree kept the interface: block it. */
	}
	/* Any string may narrow: even that of an interface blocked already, since a device-scope
	 * rule sees the union of kinds. Nothing to narrow on a device that is blocked. */
	if (add && t->authorize_device && udev_device_get_sysattr_value(d, "interface") &&
	    refine_with_strings(a, t) > 0) {
		/* Interfaces authorized earlier may be narrowed too: bring every existing one in
		 * line, not just this one. */
		(void)enforce_children(a, t, devdir); /* failures are reported per interface */
		return;
	}
	(void)enforce_iface(a, t, devdir, ifname, bind, !add);
}

static void handle_uevent(struct agent *a, struct udev_device *d)
{
	const char *action = udev_device_get_action(d);
	const char *devtype = udev_device_get_devtype(d);

	if (!action)
		return;
	if (!strcmp(action, "remove")) {
		/* umockdev (and a racing reader) may not know the DEVTYPE of a removed device. */
		device_removed(a, d);
		return;
	}
	if (!devtype)
		return;
	if (!strcmp(devtype, "usb_device")) {
		if (!strcmp(action, "add"))
			(void)decide_udev_device(a, d, DECIDE_NEW);
		else if (!strcmp(action, "change"))
			device_changed(a, d);
		else if (!strcmp(action, "bind") &&
		         tracked_index(a, udev_device_get_sysname(d)) >= 0)
			device_changed(a, d); /* a blocked device bound to a driver: authorized */
	} else if (!strcmp(devtype, "usb_interface")) {
		if (!strcmp(action, "add") || !strcmp(action, "change") || !strcmp(action, "bind"))
			interface_event(a, d, action);
	}
}

static int resync(struct agent *a);

static int on_uevent(sd_event_source *s _unused_, int fd _unused_, uint32_t revents _unused_,
                     void *userdata)
{
	struct agent *a = userdata;

	for (;;) {
		_cleanup_(udev_device_unrefp) struct udev_device *d = NULL;
		uint64_t t0 = a->cfg.latency_hook ? now_nsec(CLOCK_MONOTONIC) : 0;
		uint64_t c0 = a->cfg.latency_hook ? now_nsec(CLOCK_THREAD_CPUTIME_ID) : 0;

		errno = 0;
		d = udev_monitor_receive_device(a->monitor);
		if (!d) {
			if (errno == ENOBUFS) {
				/* The kernel dropped uevents: decide everything again. */
				log_warning("uevent queue overflowed; re-reading every device");
				(void)resync(a);
				continue;
			}
			break;
		}
		a->stats.uevents++;
		handle_uevent(a, d);
		if (a->cfg.latency_hook)
			a->cfg.latency_hook(a->cfg.latency_userdata, d,
			                    now_nsec(CLOCK_MONOTONIC) - t0,
			                    now_nsec(CLOCK_THREAD_CPUTIME_ID) - c0);
	}
	recheck_update(a);
	notify_status(a);
	return 0;
}

/* ---- policy ---------------------------------------------------------------------------- */

/* <run_dir>/status: the policy in force and the mode. Never affects enforcement. */
static void publish_status(struct agent *a, const char *source)
{
	struct agent_status_info info;
	int r;

	if (!a->cfg.run_dir)
		return;
	status_info_from_policy(a->policy, source, a->cfg.force_audit, (int64_t)getpid(),
	                        a->started_at, &info);
	r = status_write_agent(a->cfg.run_dir, &info);
	if (r < 0)
		log_warning_errno(r, "Failed to write %s/status, ignoring: %m", a->cfg.run_dir);
}

static int load_policy(struct agent *a)
{
	struct policy_load_result res = { 0 };
	struct policy *p = NULL;
	int r;

	if (a->cfg.config_error) {
		/* The configuration names the store: without it, only the built-in default. */
		if (!a->policy) {
			a->policy = policy_builtin_default();
			if (!a->policy)
				return -ENOMEM;
		}
		log_error("%s; enforcing the built-in default policy", a->cfg.config_error);
		emit(a, EVENT_POLICY_REJECTED, NULL, NULL, a->cfg.config_error, -EBADMSG);
		publish_status(a, "built-in");
		return 0;
	}
	if (a->cfg.loader)
		r = a->cfg.loader(a->cfg.loader_userdata, a->policy, now_realtime_usec() / 1000000,
		                  &p, &res);
	else
		r = policy_store_load(&a->cfg.store, a->policy, now_realtime_usec() / 1000000, &p,
		                      &res);
	if (r < 0 || !p) {
		/* Nothing is weakened: keep what is in force, else the built-in default. */
		bool kept = a->policy != NULL;

		log_error_errno(r < 0 ? r : -EINVAL, "Loading the policy failed: %m");
		if (!a->policy) {
			a->policy = policy_builtin_default();
			if (!a->policy)
				return -ENOMEM;
		}
		emit(a, EVENT_POLICY_REJECTED, NULL, NULL, "policy could not be loaded", r);
		publish_status(a, kept ? "current" : "built-in");
		return 0;
	}
	if (p != a->policy) {
		policy_free(a->policy);
		a->policy = p;
	} else {
		/* The store kept the policy in force and handed us another reference to it. */
		policy_free(p);
	}
	a->audit = a->cfg.force_audit || policy_mode(a->policy) == POLICY_MODE_AUDIT;
	switch (res.status) {
	case POLICY_STATUS_ACCEPTED:
	case POLICY_STATUS_MISSING:
		log_info("Policy '%s' (serial %llu, %s) in force%s", policy_name(p),
		         (unsigned long long)policy_serial(p), res.source ? res.source : "?",
		         a->audit ? ", audit mode" : "");
		emit(a, EVENT_POLICY_LOADED, NULL, NULL, res.reason[0] ? res.reason : res.source,
		     0);
		break;
	case POLICY_STATUS_REJECTED:
		log_error("Policy rejected: %s; enforcing '%s' (%s)", res.reason, policy_name(p),
		          res.source ? res.source : "?");
		emit(a, EVENT_POLICY_REJECTED, NULL, NULL, res.reason, res.error);
		break;
	case POLICY_STATUS_UNCHANGED:
		break;
	}
	if (res.expired) {
		log_warning("Policy '%s' is outside its validity window; still enforced",
		            policy_name(p));
		emit(a, EVENT_POLICY_EXPIRED, NULL, NULL, "policy expired; still enforced", 0);
	}
	publish_status(a, res.source);
	return 0;
}

static int resync(struct agent *a)
{
	struct usb_device_info *devs = NULL;
	int n = usb_sysfs_enumerate(a->udev, &devs);

	if (n < 0)
		return log_error_errno(n, "Failed to enumerate USB devices: %m");
	for (int i = 0; i < n; i++)
		(void)decide(a, &devs[i], DECIDE_RELOAD);
	usb_sysfs_devices_free(devs);
	return n;
}

int agent_reload(struct agent *a)
{
	int r;

	if (!a || !a->started)
		return -EINVAL;
	if (a->cfg.notify)
		(void)sd_notify(0, "RELOADING=1");
	r = load_policy(a);
	if (r < 0)
		return r;
	/* Tracked devices in attach order (hubs before their children): both directions. */
	for (size_t i = 0; i < a->n_devs;) {
		struct tracked *t = a->devs[i];
		size_t before = a->n_devs;

		r = usb_sysfs_read_syspath(a->udev, t->syspath, a->info);
		if (r < 0)
			read_failed(a, t->syspath, r);
		else
			(void)decide(a, a->info, DECIDE_RELOAD);
		if (a->n_devs == before)
			i++;
	}
	recheck_update(a);
	if (a->cfg.notify)
		(void)sd_notify(0, "READY=1");
	notify_status(a);
	return 0;
}

static int on_debounce(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata)
{
	struct agent *a = userdata;

	log_info("Policy file changed; reloading");
	(void)agent_reload(a);
	return 0;
}

static int on_policy_dir(sd_event_source *s _unused_, const struct inotify_event *ev,
                         void *userdata)
{
	struct agent *a = userdata;
	size_t blen = strlen(a->policy_base);
	int r;

	if (!ev->len || strncmp(ev->name, a->policy_base, blen) ||
	    (ev->name[blen] && strcmp(ev->name + blen, ".sig")))
		return 0;
	if (!a->debounce_src) {
		r = sd_event_add_time_relative(a->event, &a->debounce_src, CLOCK_MONOTONIC,
		                               DEBOUNCE_USEC, 10000, on_debounce, a);
		if (r < 0) {
			log_warning_errno(r, "Failed to arm the policy debounce timer: %m");
			return 0;
		}
	} else {
		(void)sd_event_source_set_time_relative(a->debounce_src, DEBOUNCE_USEC);
	}
	(void)sd_event_source_set_enabled(a->debounce_src, SD_EVENT_ONESHOT);
	return 0;
}

/* ---- heartbeat ------------------------------------------------------------------------- */

static int on_heartbeat(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
	struct agent *a = userdata;
	struct event ev = { .type = EVENT_HEARTBEAT };
	uint64_t depth = 0;
	const char *head = NULL;
	int r;

	if (a->cfg.heartbeat_info)
		a->cfg.heartbeat_info(a->cfg.heartbeat_userdata, &depth, &head);
	ev.time_usec = now_realtime_usec();
	ev.policy = a->policy;
	ev.spool_depth = depth;
	ev.chain_head = head;
	r = event_sink_emit(&a->cfg.sink, &ev);
	if (r < 0)
		log_warning_errno(r, "Event sink failed for heartbeat, proceeding anyway: %m");
	(void)sd_event_source_set_time_relative(s, (uint64_t)a->cfg.heartbeat_sec * 1000000u);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* ---- life cycle ------------------------------------------------------------------------ */

int agent_new(const struct agent_config *cfg, struct agent **ret)
{
	struct agent *a;
	int r;

	if (!cfg || !ret)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	if (!a->cfg.sysfs_root)
		a->cfg.sysfs_root = "/sys";
	a->audit = cfg->force_audit;
	a->info = malloc(sizeof(*a->info));
	a->info2 = malloc(sizeof(*a->info2));
	a->dec = malloc(sizeof(*a->dec));
	a->dec2 = malloc(sizeof(*a->dec2));
	a->udev = udev_new();
	if (!a->info || !a->info2 || !a->dec || !a->dec2 || !a->udev) {
		agent_free(a);
		return -ENOMEM;
	}
	if (cfg->event)
		a->event = sd_event_ref(cfg->event);
	else if ((r = sd_event_new(&a->event)) < 0) {
		agent_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

struct agent *agent_free(struct agent *a)
{
	if (!a)
		return NULL;
	sd_event_source_disable_unref(a->monitor_src);
	sd_event_source_disable_unref(a->inotify_src);
	sd_event_source_disable_unref(a->debounce_src);
	sd_event_source_disable_unref(a->heartbeat_src);
	sd_event_source_disable_unref(a->recheck_src);
	udev_monitor_unref(a->monitor);
	udev_unref(a->udev);
	sd_event_unref(a->event);
	authz_free(a->authz);
	policy_free(a->policy);
	for (size_t i = 0; i < a->n_devs; i++)
		tracked_free(a->devs[i]);
	free(a->devs);
	free(a->info);
	free(a->info2);
	free(a->dec);
	free(a->dec2);
	free(a);
	return NULL;
}

static int start_monitor(struct agent *a)
{
	int r;

	/* The kernel's uevents, not udevd's: a decision must not wait for udev's rules to finish
	 * (69-libmtp.rules runs mtp-probe, which talks to the device); the agent reads sysfs itself
	 * and needs no udev properties. */
	a->monitor = udev_monitor_new_from_netlink(a->udev, "kernel");
	if (!a->monitor)
		return log_error_errno(-ENOMEM, "Failed to create the udev monitor");
	r = udev_monitor_filter_add_match_subsystem_devtype(a->monitor, "usb", NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to filter the udev monitor: %m");
	/* Best effort: without privileges the kernel caps the buffer; ENOBUFS triggers a resync. */
	(void)udev_monitor_set_receive_buffer_size(a->monitor, MONITOR_RCVBUF);
	r = udev_monitor_enable_receiving(a->monitor);
	if (r < 0)
		return log_error_errno(r, "Failed to enable the udev monitor: %m");
	r = sd_event_add_io(a->event, &a->monitor_src, udev_monitor_get_fd(a->monitor), EPOLLIN,
	                    on_uevent, a);
	if (r < 0)
		return log_error_errno(r, "Failed to watch the udev monitor: %m");
	return 0;
}

static int start_policy_watch(struct agent *a)
{
	char buf[PATH_MAX];
	const char *path = a->cfg.store.policy_path;
	int r;

	if (!a->cfg.watch_policy || !path)
		return 0;
	if (str_copy(buf, sizeof(buf), path) < 0)
		return -ENAMETOOLONG;
	(void)str_copy(a->policy_dir, sizeof(a->policy_dir), dirname(buf));
	if (str_copy(buf, sizeof(buf), path) < 0 ||
	    str_copy(a->policy_base, sizeof(a->policy_base), basename(buf)) < 0)
		return -ENAMETOOLONG;
	r = sd_event_add_inotify(a->event, &a->inotify_src, a->policy_dir,
	                         IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR, on_policy_dir, a);
	if (r < 0)
		log_warning_errno(r, "Cannot watch %s, reload with SIGHUP only: %m", a->policy_dir);
	return 0;
}

int agent_start(struct agent *a)
{
	struct usb_device_info *devs = NULL;
	int n, r;

	if (!a || a->started)
		return -EINVAL;
	r = authz_open(a->cfg.sysfs_root, &a->authz);
	if (r < 0)
		return log_error_errno(r, "Failed to open %s: %m", a->cfg.sysfs_root);

	/* 1. Fail closed before anything else, so nothing is authorized behind our back. */
	r = lock_all_buses(a);
	if (r < 0)
		return r;
	/* 2. Policy (the built-in default if nothing better). */
	a->started_at = now_realtime_usec() / 1000000;
	r = load_policy(a);
	if (r < 0)
		return r;
	/* 3. Monitor before enumerating: a device added in between is seen twice, never zero times.
	 */
	r = start_monitor(a);
	if (r < 0)
		return r;
	a->started = true;
	/* 4. Everything present, hubs before their children. */
	n = usb_sysfs_enumerate(a->udev, &devs);
	if (n < 0)
		/* Devices usable before we started would stay usable until their next uevent: fail,
		 * so the service manager starts us again (the buses are locked already). */
		return log_error_errno(n, "Failed to enumerate USB devices: %m");
	for (int i = 0; i < n; i++)
		(void)decide(a, &devs[i], DECIDE_NEW);
	usb_sysfs_devices_free(devs);

	r = start_policy_watch(a);
	if (r < 0)
		return r;
	if (a->cfg.heartbeat_sec) {
		r = sd_event_add_time_relative(a->event, &a->heartbeat_src, CLOCK_MONOTONIC,
		                               (uint64_t)a->cfg.heartbeat_sec * 1000000u, 1000000u,
		                               on_heartbeat, a);
		if (r < 0)
			return log_error_errno(r, "Failed to start the heartbeat timer: %m");
		(void)sd_event_source_set_enabled(a->heartbeat_src, SD_EVENT_ONESHOT);
	}
	recheck_update(a);
	emit(a, EVENT_AGENT_STARTED, NULL, NULL, NULL, 0);
	if (a->cfg.notify)
		(void)sd_notify(0, "READY=1");
	notify_status(a);
	return 0;
}

void agent_stop(struct agent *a)
{
	if (!a)
		return;
	if (a->cfg.notify)
		(void)sd_notify(0, "STOPPING=1");
	emit(a, EVENT_AGENT_STOPPING, NULL, NULL, "authorization defaults stay at 0", 0);
}

int agent_run_until_idle(struct agent *a, uint64_t timeout_usec)
{
	int n = 0, r;

	if (!a)
		return -EINVAL;
	r = sd_event_run(a->event, timeout_usec);
	if (r <= 0)
		return r;
	n++;
	while ((r = sd_event_run(a->event, 0)) > 0)
		n++;
	return r < 0 ? r : n;
}

sd_event *agent_get_event(struct agent *a)
{
	return a ? a->event : NULL;
}

const struct policy *agent_get_policy(const struct agent *a)
{
	return a ? a->policy : NULL;
}

void agent_get_stats(const struct agent *a, struct agent_stats *ret)
{
	if (a && ret)
		*ret = a->stats;
}
