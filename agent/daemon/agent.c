/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The enforcement agent (see agent.h). One sd-event loop; every decision is
 *   read (agent/sysfs/) -> classify (policy/device/) -> evaluate (policy/lang/) -> track
 * (tracked.c) -> enforce (enforce.c, writing through authorize.c) -> event.
 *
 * This file: life cycle, uevents, the policy and its watch, decisions and reports. What the agent
 * remembers per device is small (tracked.h): interfaces appearing later, tamper uevents and
 * reloads are checked against it. This file uses _cleanup_ only.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/agent_internal.h"
#include "agent/daemon/authorize.h"
#include "agent/daemon/enforce.h"
#include "agent/daemon/status.h"
#include "agent/sysfs/usb_ep0.h"
#include "agent/sysfs/usb_sysfs.h"
#include "agent/transfer/transfer_watch.h"
#include "policy/base/clock.h"
#include "policy/base/strutil.h"
#include "policy/device/classify.h"

#define DEBOUNCE_USEC  (200u * 1000u)      /* policy watch: wait for the .sig as well */
#define MONITOR_RCVBUF (128 * 1024 * 1024) /* uevent floods must not overflow the socket */
/* Re-check of blocked interfaces of authorized devices: on Linux 6.1 writing 1 to an
 * interface's authorized sends no uevent. Armed only while such an interface is tracked. */
#define RECHECK_USEC          (1000u * 1000u)
#define RECHECK_ACCURACY_USEC (100u * 1000u)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device, udev_device_unref)

/* ---- events ---------------------------------------------------------------------------- */

void agent_emit(struct agent *a, const struct event *proto)
{
	char user[64];
	struct event ev = *proto;
	int r;

	ev.time_usec = clock_realtime_usec();
	ev.policy = a->policy;
	if (seat_active_user(&a->seat, user, sizeof(user)) >= 0)
		ev.seat_user = user;
	/* --audit / mode_override: the record says audit, like an audit policy would. */
	ev.audit_override = a->audit && (!a->policy || policy_mode(a->policy) != POLICY_MODE_AUDIT);
	switch (ev.type) {
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
	case EVENT_EVENTS_LOST:
	case EVENT_SEAL:
	case EVENT_REPEATED:
	case EVENT_TRANSFER:
	case EVENT_TRANSFER_ALERT:
	case EVENT_EXCEPTION_REQUESTED:
	case EVENT_EXCEPTION_GRANTED:
	case EVENT_EXCEPTION_EXPIRED:
	case EVENT_EXCEPTION_REFUSED:
	case _EVENT_TYPE_MAX:
		break;
	}
	r = event_sink_emit(&a->cfg.sink, &ev);
	if (r < 0)
		log_warning_errno(r, "Event sink failed for %s event, proceeding anyway: %m",
		                  event_type_to_string(ev.type));
}

void agent_report(struct agent *a, int level, const struct event *proto, const char *fmt, ...)
{
	struct event ev = *proto;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level != AGENT_LOG_NONE) {
		if (ev.error < 0)
			log_full_errno((enum log_level)level, ev.error, "%s: %m", msg);
		else
			log_full_errno((enum log_level)level, 0, "%s", msg);
	}
	ev.message = msg;
	agent_emit(a, &ev);
}

/* An event with nothing but its type and message (life cycle, policy). */
static void emit_simple(struct agent *a, enum event_type type, const char *message, int error)
{
	agent_emit(a, &(struct event){ .type = type, .message = message, .error = error });
}

struct event_device_id agent_tracked_id(const struct tracked *t)
{
	return (struct event_device_id){
		.syspath = t->syspath,
		.busid = t->busid,
		.busnum = t->busnum,
		.has_ids = t->has_ids,
		.vid = t->vid,
		.pid = t->pid,
		.bcd_device = t->bcd_device,
		.speed_mbps = t->speed_mbps,
		.manufacturer = t->manufacturer,
		.product = t->product,
		.serial = t->serial,
		.desc_sha256 = t->desc_sha256,
		.kinds = t->kinds,
	};
}

static void notify_status(struct agent *a)
{
	if (!a->cfg.notify)
		return;
	(void)sd_notifyf(0, "STATUS=%s policy '%s'; %zu devices, %llu decisions",
	                 a->audit ? "Auditing with" : "Enforcing",
	                 a->policy ? policy_name(a->policy) : "-", a->tracked.n,
	                 (unsigned long long)a->stats.decisions);
}

/* ---- decisions ----------------------------------------------------------------------- */

int agent_write_refusal(struct agent *a, const struct usb_device_info *dev,
                        const struct decision *dec)
{
	char contact[700];

	status_contact_text(a->policy, contact, sizeof(contact));
	return status_write_last_refusal_contact(a->cfg.run_dir, dev, dec, clock_realtime_sec(),
	                                         contact);
}

void agent_env(const struct agent *a, struct policy_env *ret)
{
	*ret = (struct policy_env){
		.now = clock_realtime_sec(),
		.hostname = a->cfg.store.hostname,
		.machine_id = a->cfg.store.machine_id,
	};
}

enum decide_kind {
	DECIDE_NEW,    /* start-up or hot-plug: always reported */
	DECIDE_RELOAD, /* policy changed: reported when the effective decision changed */
	DECIDE_WINDOW, /* a rule's time window opened or closed: the same, another reason */
};

/* Kinds whose data does not go through a block device (accounted through the USB monitor). */
#define OTHER_DATA_KINDS                                                                           \
	(USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) | USB_KIND_BIT(USB_KIND_ADB) |    \
	 USB_KIND_BIT(USB_KIND_APPLE_USBMUX) | USB_KIND_BIT(USB_KIND_APPLE_ETHERNET) |             \
	 USB_KIND_BIT(USB_KIND_NETWORK) | USB_KIND_BIT(USB_KIND_WIRELESS) |                        \
	 USB_KIND_BIT(USB_KIND_SERIAL))

/* What the tracked (enforced) decision means for transfer accounting. */
static void transfer_plan_of(const struct agent *a, const struct tracked *t,
                             const struct usb_device_info *info, const struct decision *dec,
                             struct transfer_plan *ret)
{
	*ret = (struct transfer_plan){ 0 };
	if (!t->authorize_device)
		return;
	for (uint16_t k = 0; k < t->n_ifaces && k < info->n_ifaces; k++) {
		usb_kind_mask kinds = info->ifaces[k].kinds;
		if (!t->ifaces[k].allow)
			continue;
		ret->storage |= (kinds & USB_KIND_BIT(USB_KIND_MASS_STORAGE)) != 0;
		ret->other_data |= (kinds & OTHER_DATA_KINDS) != 0;
		ret->mtp |=
		    (kinds & (USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP))) != 0;
		ret->read_only |= !a->audit && k < dec->n_ifaces &&
		                  dec->ifaces[k].action == POLICY_ACTION_READ_ONLY;
	}
	ret->audit = a->audit;
	if (ret->storage || ret->other_data) {
		ret->limit = policy_transfer_limit(a->policy, dec);
		if (!ret->limit && a->audit)
			ret->limit = policy_default_transfer_limit(a->policy);
	}
}

/* Whether the decision makes an interface read-only (enforce mode only). */
static bool wants_read_only(const struct agent *a, const struct decision *dec)
{
	for (uint16_t k = 0; !a->audit && k < dec->n_ifaces; k++)
		if (dec->ifaces[k].action == POLICY_ACTION_READ_ONLY)
			return true;
	return false;
}

/* Transfer accounting follows the enforced decision (narrowed by strings, cut off, ...). */
static void decide_transfer(struct agent *a, const struct usb_device_info *info)
{
	struct tracked *t = tracked_table_get(&a->tracked, info->busid);
	struct transfer_plan plan = { 0 };

	if (t)
		transfer_plan_of(a, t, info, a->dec, &plan);
	if (!plan.read_only)
		(void)transfer_watch_prepare_read_only(a->transfer, info->busid, false);
	if (transfer_watch_device(a->transfer, info, &plan, a->starting) < 0)
		log_warning("%s: out of memory; its transfers are not accounted", info->busid);
}

/*
 * Descriptors alone leave a vendor-specific interface ambiguous (ff/ff/00 of a vendor the MTP
 * database does not know): read its interface strings and Microsoft OS compat IDs over endpoint
 * 0, from the device as it is (unconfigured), under a short timeout, and classify again. Hints
 * only add kinds. Any failure fails closed: the decision is made on the descriptors alone.
 */
static void add_ep0_hints(struct agent *a, struct usb_device_info *info)
{
	int r;

	if (a->cfg.no_ep0_hints || a->usb_failed || !classify_wants_ep0_hints(info))
		return;
	if (!a->usb) {
		/* No discovery: the context only wraps the nodes usb_ep0_read_hints() opens. */
		(void)libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
		r = libusb_init(&a->usb);
		if (r < 0) {
			a->usb = NULL;
			a->usb_failed = true;
			log_warning("libusb cannot be initialized (%s): vendor-specific interfaces "
			            "are decided on their descriptors alone",
			            libusb_error_name(r));
			return;
		}
	}
	r = usb_ep0_read_hints(a->usb, info, USB_EP0_TIMEOUT_MS);
	if (r < 0) {
		log_full_errno(LOG_LEVEL_INFO, r,
		               "%s: no endpoint-0 hints (%m); deciding on the descriptors alone",
		               info->busid);
		return;
	}
	if (r > 0) {
		classify_device(info);
		log_debug("%s: %d endpoint-0 hint(s) read before configuration", info->busid, r);
	}
}

/* info (read and classified) -> evaluate -> enforce -> report. */
static int decide(struct agent *a, struct usb_device_info *info, enum decide_kind kind)
{
	struct tracked *t = NULL, *old;
	bool changed = true, ro_ready = false;
	int r;

	if (info->is_root_hub) /* never deauthorized; its defaults and own hub interface matter */
		return enforce_root_hub(a, info, kind != DECIDE_NEW);
	add_ep0_hints(a, info);

	struct policy_env env;
	agent_env(a, &env);
	policy_evaluate(a->policy, info, &env, a->dec);
	agent_exception_decision(a, info, a->dec);
	if (wants_read_only(a, a->dec)) {
		/* The udev helper's marker must exist before the interface is authorized. */
		r = transfer_watch_prepare_read_only(a->transfer, info->busid, true);
		ro_ready = r >= 0;
		if (r < 0)
			agent_report(a, LOG_LEVEL_ERR,
			             &(struct event){ .type = EVENT_ENFORCE_FAILED,
			                              .device = info,
			                              .decision = a->dec,
			                              .error = r },
			             "%s: read-only storage cannot be prepared; kept blocked",
			             info->busid);
	}
	old = tracked_table_get(&a->tracked, info->busid);
	r = tracked_new(info, a->dec, a->audit, ro_ready, &t);
	if (r >= 0) {
		if (old && old->cut_off) /* cut off by a copy limit: until plugged in again */
			tracked_cut_off(t);
		if (kind != DECIDE_NEW && old)
			changed = !tracked_equal(old, t);
		r = tracked_table_put(&a->tracked, t); /* replaces old */
	}
	if (r < 0) {
		ssize_t i = tracked_table_find(&a->tracked, info->busid);
		char devdir[PATH_MAX];

		/* Forget the previous decision too: it may allow what the device is now denied, and
		 * a later "change" uevent must find the device untracked and decide it again. */
		if (i >= 0)
			tracked_table_remove(&a->tracked, (size_t)i);
		if (authz_relpath(info->syspath, devdir, sizeof(devdir)) >= 0)
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
		agent_emit(a, &(struct event){ .type = EVENT_ENFORCE_FAILED,
		                               .device = info,
		                               .decision = a->dec,
		                               .message = "out of memory; device blocked",
		                               .error = -ENOMEM });
		return -ENOMEM;
	}
	r = enforce_device(a, t, info);
	if (r < 0) {
		if (is_vanished(r))
			tracked_table_remove(&a->tracked,
			                     (size_t)tracked_table_find(&a->tracked, info->busid));
		return r;
	}
	if (changed) {
		agent_emit(
		    a, &(struct event){
		           .type = EVENT_DEVICE_DECISION,
		           .device = info,
		           .decision = a->dec,
		           .message =
		               kind == DECIDE_RELOAD ? "re-evaluated after a policy change"
		               : kind == DECIDE_WINDOW
		                   ? "re-evaluated: a time window or an exception began or ended"
		                   : NULL,
		       });
		if (!a->audit && a->dec->verdict != DEVICE_VERDICT_ALLOW && a->cfg.run_dir) {
			r = agent_write_refusal(a, info, a->dec);
			if (r < 0)
				log_warning_errno(r,
				                  "Failed to write %s/last-refusal, ignoring: %m",
				                  a->cfg.run_dir);
		}
	}
	decide_transfer(a, info);
	return 0;
}

/* Reading failed: a vanished device is an event; anything else leaves the device blocked. */
static void read_failed(struct agent *a, const char *syspath, int r)
{
	char devdir[PATH_MAX];
	const char *slash = strrchr(syspath, '/');
	const char *name = slash ? slash + 1 : syspath;
	ssize_t i = tracked_table_find(&a->tracked, name);
	struct event_device_id id = { .syspath = syspath, .busid = name };
	/* Root hubs are never deauthorized (that would cut off every device on the bus, keyboard
	 * included); their defaults are what keeps the bus closed, and those are set apart. */
	bool root_hub = str_startswith(name, "usb");

	if (!is_vanished(r) && !root_hub && authz_relpath(syspath, devdir, sizeof(devdir)) >= 0)
		(void)authz_write_int(a->authz, devdir, "authorized", 0);
	if (i >= 0) {
		id = agent_tracked_id(a->tracked.devs[i]);
		id.syspath = syspath;
	}
	agent_report(a, is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR,
	             &(struct event){ .type = EVENT_ENFORCE_FAILED, .device_id = &id, .error = r },
	             "%s: %s", name,
	             is_vanished(r) ? "vanished mid-decision"
	             : root_hub     ? "root hub could not be read"
	                            : "could not be read; left blocked");
	/* Unreadable now: the earlier decision (maybe "authorize") no longer holds. Untracked, the
	 * device is decided afresh on its next uevent, e.g. when someone re-authorizes it. */
	if (i >= 0)
		tracked_table_remove(&a->tracked, (size_t)i);
}

static int decide_udev_device(struct agent *a, struct udev_device *d, enum decide_kind kind)
{
	int r = usb_sysfs_read_device(d, a->read_buf);

	if (r < 0) {
		read_failed(a, udev_device_get_syspath(d), r);
		return r;
	}
	return decide(a, a->read_buf, kind);
}

/* ---- re-check of blocked interfaces ----------------------------------------------------- */

/*
 * Reads authorized of every blocked interface of every authorized device: Linux sends no uevent
 * when it is written, so a flip to 1 is only seen here (or by the "bind" of a driver, usbfs
 * included, that follows). A flip is undone (read back) and reported by enforce_iface().
 */
static int on_recheck(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
	enforce_recheck_blocked(userdata);
	(void)sd_event_source_set_time_relative(s, RECHECK_USEC);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Arms the re-check while a blocked interface of an authorized device is tracked; else off. */
static void recheck_update(struct agent *a)
{
	int r, state = SD_EVENT_OFF;

	if (!tracked_table_any_blocked_iface(&a->tracked)) {
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

/* ---- transfer accounting ---------------------------------------------------------------- */

/* transfer_watch callbacks: events about a device in a session, and the copy limit's cut-off. */
static void on_transfer_event(void *userdata, enum event_type type,
                              const struct usb_device_info *dev, const struct transfer_report *rep,
                              const char *message)
{
	agent_emit(
	    userdata,
	    &(struct event){ .type = type, .device = dev, .transfer = rep, .message = message });
}

static void on_transfer_cut_off(void *userdata, const char *busid,
                                const struct usb_device_info *dev, const char *why)
{
	struct agent *a = userdata;
	struct tracked *t = tracked_table_get(&a->tracked, busid);
	char devdir[PATH_MAX];
	int r;

	if (!t)
		return;
	tracked_cut_off(t);
	r = authz_relpath(t->syspath, devdir, sizeof(devdir));
	if (r >= 0)
		r = authz_write_int(a->authz, devdir, "authorized", 0);
	if (r < 0 && !is_vanished(r)) {
		struct event_device_id id = agent_tracked_id(t);
		agent_report(
		    a, LOG_LEVEL_ERR,
		    &(struct event){ .type = EVENT_ENFORCE_FAILED, .device_id = &id, .error = r },
		    "%s: deauthorizing failed after: %s", busid, why);
	}
	/* The operator notice: a copy limit cut the device off. */
	if (a->cfg.run_dir && dev) {
		struct decision *d = a->dec;
		memset(d, 0, sizeof(*d));
		d->verdict = DEVICE_VERDICT_BLOCK;
		d->n_ifaces = dev->n_ifaces < USB_MAX_IFACES ? dev->n_ifaces : USB_MAX_IFACES;
		bool limit = str_startswith(why, "copy limit");
		d->rule_id = limit ? "transfer_alert" : "read-only";
		d->reason = limit ? "a copy limit cut the device off"
		                  : "its storage could not be made read-only";
		for (uint16_t k = 0; k < d->n_ifaces; k++)
			d->ifaces[k] =
			    (struct iface_decision){ POLICY_ACTION_BLOCK, -1, d->rule_id };
		r = agent_write_refusal(a, dev, d);
		if (r < 0)
			log_warning_errno(r, "Failed to write %s/last-refusal, ignoring: %m",
			                  a->cfg.run_dir);
	}
	transfer_watch_end(a->transfer, busid, "deauthorized");
	recheck_update(a);
}

/* ---- uevents --------------------------------------------------------------------------- */

static void device_removed(struct agent *a, struct udev_device *d)
{
	ssize_t i = tracked_table_find(&a->tracked, udev_device_get_sysname(d));
	struct event_device_id id;

	if (i < 0)
		return;
	transfer_watch_end(a->transfer, a->tracked.devs[i]->busid, "removed");
	id = agent_tracked_id(a->tracked.devs[i]);
	agent_emit(a, &(struct event){ .type = EVENT_DEVICE_REMOVED, .device_id = &id });
	tracked_table_remove(&a->tracked, (size_t)i);
}

/* "change" on a device: someone (re)authorized a blocked device, or touched a root hub. */
static void device_changed(struct agent *a, struct udev_device *d)
{
	const char *sysname = udev_device_get_sysname(d);
	char devdir[PATH_MAX];
	struct tracked *t;

	if (str_startswith(sysname, "usb")) {
		unsigned long n = strtoul(sysname + 3, NULL, 10);
		if (n > 0 && n < MAX_BUSES)
			(void)enforce_lock_bus(a, (unsigned)n, true);
		return;
	}
	t = tracked_table_get(&a->tracked, sysname);
	if (!t) {
		(void)decide_udev_device(a, d, DECIDE_NEW);
		return;
	}
	if (t->authorize_device || authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
		return;
	(void)enforce_reblock_device(a, t, devdir);
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
	int r, v;

	if (!parent || !ifname)
		return;
	t = tracked_table_get(&a->tracked, udev_device_get_sysname(parent));
	if (!t) {
		/* Its device was never decided (event lost, or raced our start): decide it now. */
		(void)decide_udev_device(a, parent, DECIDE_NEW);
		return; /* deciding the device enforced its existing interfaces */
	}
	if (authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
		return;
	if (!t->authorize_device) {
		/* Interfaces exist only on a configured, hence authorized, device: Linux 6.1 sends
		 * no "change" when a device's authorized is written, only these "add"s. Resetting
		 * the device destroys its interfaces; the rest of this burst finds them gone. */
		r = enforce_reblock_device(a, t, devdir);
		if (r == 1 || is_vanished(r) ||
		    snprintf(ifdir, sizeof(ifdir), "%s/%s", devdir, ifname) >= (int)sizeof(ifdir) ||
		    (r == 0 && authz_read_int(a->authz, ifdir, "authorized", &v) < 0))
			return;
		/* The device could not be blocked, or a stale tree kept the interface: block it. */
	}
	/* Any string may narrow: even that of an interface blocked already, since a device-scope
	 * rule sees the union of kinds. Nothing to narrow on a device that is blocked. */
	if (add && t->authorize_device && udev_device_get_sysattr_value(d, "interface") &&
	    enforce_refine_with_strings(a, t) > 0) {
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
	const char *subsystem = udev_device_get_subsystem(d);
	if (subsystem && !strcmp(subsystem, "block")) {
		transfer_watch_block_uevent(a->transfer, action, udev_device_get_syspath(d),
		                            udev_device_get_property_value(d, "DEVNAME"), devtype);
		return;
	}
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
		         tracked_table_get(&a->tracked, udev_device_get_sysname(d)))
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
		uint64_t t0 = a->cfg.latency_hook ? clock_now_nsec(CLOCK_MONOTONIC) : 0;
		uint64_t c0 = a->cfg.latency_hook ? clock_now_nsec(CLOCK_THREAD_CPUTIME_ID) : 0;

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
			                    clock_now_nsec(CLOCK_MONOTONIC) - t0,
			                    clock_now_nsec(CLOCK_THREAD_CPUTIME_ID) - c0);
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
		emit_simple(a, EVENT_POLICY_REJECTED, a->cfg.config_error, -EBADMSG);
		publish_status(a, "built-in");
		return 0;
	}
	if (a->cfg.loader)
		r = a->cfg.loader(a->cfg.loader_userdata, a->policy, clock_realtime_sec(), &p,
		                  &res);
	else
		r = policy_store_load(&a->cfg.store, a->policy, clock_realtime_sec(), &p, &res);
	if (r < 0 || !p) {
		/* Nothing is weakened: keep what is in force, else the built-in default. */
		bool kept = a->policy != NULL;

		log_error_errno(r < 0 ? r : -EINVAL, "Loading the policy failed: %m");
		if (!a->policy) {
			a->policy = policy_builtin_default();
			if (!a->policy)
				return -ENOMEM;
		}
		emit_simple(a, EVENT_POLICY_REJECTED, "policy could not be loaded", r);
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
	/* Only the policy in force is kept. What loading it took (the file's bytes, the parser's
	 * scaffolding, the policy it replaces) is free now: give those pages back, so that a
	 * 100,000-rule policy pushed again and again does not leave the agent any bigger. */
	(void)malloc_trim(0);
	a->audit = a->cfg.force_audit || policy_mode(a->policy) == POLICY_MODE_AUDIT;
	switch (res.status) {
	case POLICY_STATUS_ACCEPTED:
	case POLICY_STATUS_MISSING:
		log_info("Policy '%s' (serial %llu, %s) in force%s", policy_name(p),
		         (unsigned long long)policy_serial(p), res.source ? res.source : "?",
		         a->audit ? ", audit mode" : "");
		if (res.state_error < 0) {
			/* In force all the same; the anti-rollback floor is held in memory. */
			char msg[sizeof(res.reason) + 96];

			(void)snprintf(msg, sizeof(msg),
			               "anti-rollback state not saved: %s; serial %llu kept as the "
			               "floor in memory",
			               res.reason, (unsigned long long)policy_serial(p));
			log_error("%s", msg);
			emit_simple(a, EVENT_POLICY_LOADED, msg, res.state_error);
			break;
		}
		emit_simple(a, EVENT_POLICY_LOADED, res.reason[0] ? res.reason : res.source, 0);
		break;
	case POLICY_STATUS_REJECTED:
		log_error("Policy rejected: %s; enforcing '%s' (%s)", res.reason, policy_name(p),
		          res.source ? res.source : "?");
		emit_simple(a, EVENT_POLICY_REJECTED, res.reason, res.error);
		break;
	case POLICY_STATUS_UNCHANGED:
		break;
	}
	if (res.expired) {
		log_warning("Policy '%s' is outside its validity window; still enforced",
		            policy_name(p));
		emit_simple(a, EVENT_POLICY_EXPIRED, "policy expired; still enforced", 0);
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

/* Decides every tracked device again, in attach order (hubs before their children). */
static void redecide_tracked(struct agent *a, enum decide_kind kind)
{
	for (size_t i = 0; i < a->tracked.n;) {
		struct tracked *t = a->tracked.devs[i];
		size_t before = a->tracked.n;
		int r = usb_sysfs_read_syspath(a->udev, t->syspath, a->read_buf);

		if (r < 0)
			read_failed(a, t->syspath, r);
		else
			(void)decide(a, a->read_buf, kind);
		if (a->tracked.n == before)
			i++;
	}
	recheck_update(a);
}

static void window_update(struct agent *a);

void agent_redecide_all(struct agent *a)
{
	redecide_tracked(a, DECIDE_WINDOW);
	window_update(a);
	notify_status(a);
}

static int on_window(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata)
{
	struct agent *a = userdata;

	(void)agent_exception_expire(a);
	log_info("A time window or an exception began or ended; deciding attached devices again");
	agent_redecide_all(a);
	return 0;
}

/* Arms a wall-clock timer for the next second a rule's window opens or closes or an exception
 * ends; off if none. */
static void window_update(struct agent *a)
{
	int64_t next = a->policy ? policy_next_change(a->policy, clock_realtime_sec()) : INT64_MAX;
	int64_t exc = exc_next_expiry(&a->exc);
	int r;

	if (exc < next)
		next = exc;
	if (next == INT64_MAX || next > INT64_MAX / 1000000) {
		if (a->window_src)
			(void)sd_event_source_set_enabled(a->window_src, SD_EVENT_OFF);
		return;
	}
	uint64_t usec = (uint64_t)next * 1000000u;
	if (!a->window_src) {
		r = sd_event_add_time(a->event, &a->window_src, CLOCK_REALTIME, usec, 1000,
		                      on_window, a);
		if (r < 0) {
			log_warning_errno(r,
			                  "Failed to arm the rule window timer; time-boxed rules "
			                  "take effect at the next uevent or reload: %m");
			return;
		}
	} else
		(void)sd_event_source_set_time(a->window_src, usec);
	(void)sd_event_source_set_enabled(a->window_src, SD_EVENT_ONESHOT);
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
	redecide_tracked(a, DECIDE_RELOAD);
	window_update(a);
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
	a->read_buf = malloc(sizeof(*a->read_buf));
	a->dec = malloc(sizeof(*a->dec));
	a->udev = udev_new();
	if (!a->read_buf || !a->dec || !a->udev) {
		agent_free(a);
		return -ENOMEM;
	}
	if (cfg->event)
		a->event = sd_event_ref(cfg->event);
	else if ((r = sd_event_new(&a->event)) < 0) {
		agent_free(a);
		return r;
	}
	if (cfg->run_dir && (snprintf(a->ro_dir, sizeof(a->ro_dir), "%s/read-only", cfg->run_dir) >=
	                         (int)sizeof(a->ro_dir) ||
	                     snprintf(a->live_path, sizeof(a->live_path), "%s/transfers",
	                              cfg->run_dir) >= (int)sizeof(a->live_path))) {
		agent_free(a);
		return -ENAMETOOLONG;
	}
	struct transfer_watch_config tc = {
		.event = a->event,
		.ro_dir = cfg->run_dir ? a->ro_dir : NULL,
		.live_path = cfg->run_dir ? a->live_path : NULL,
		.userdata = a,
		.emit = on_transfer_event,
		.cut_off = on_transfer_cut_off,
	};
	if ((r = transfer_watch_new(&tc, &a->transfer)) < 0) {
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
	sd_event_source_disable_unref(a->recheck_src);
	sd_event_source_disable_unref(a->window_src);
	transfer_watch_free(a->transfer);
	if (a->usb)
		libusb_exit(a->usb);
	agent_exception_teardown(a);
	udev_monitor_unref(a->monitor);
	udev_unref(a->udev);
	sd_event_unref(a->event);
	authz_free(a->authz);
	policy_free(a->policy);
	tracked_table_clear(&a->tracked);
	free(a->read_buf);
	free(a->dec);
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
	if (r >= 0) /* disks and partitions of allowed storage: accounting, read-only */
		r = udev_monitor_filter_add_match_subsystem_devtype(a->monitor, "block", NULL);
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
	r = enforce_lock_all_buses(a);
	if (r < 0)
		return r;
	/* 2. Policy (the built-in default if nothing better). */
	a->started_at = clock_realtime_sec();
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
	a->starting = true;
	for (int i = 0; i < n; i++)
		(void)decide(a, &devs[i], DECIDE_NEW);
	a->starting = false;
	usb_sysfs_devices_free(devs);

	r = start_policy_watch(a);
	if (r < 0)
		return r;
	r = agent_exception_setup(a);
	if (r < 0)
		return r;
	recheck_update(a);
	window_update(a);
	emit_simple(a, EVENT_AGENT_STARTED, NULL, 0);
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
	transfer_watch_stop(a->transfer); /* every session's report */
	emit_simple(a, EVENT_AGENT_STOPPING, "authorization defaults stay at 0", 0);
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
