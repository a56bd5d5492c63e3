/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The enforcement steps (see enforce.h). This file uses _cleanup_ only.
 */
#include "agent/daemon/enforce.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/authorize.h"
#include "agent/daemon/status.h"
#include "agent/sysfs/usb_sysfs.h"
#include "policy/base/clock.h"
#include "policy/base/strutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir)

/* ---- root hubs ------------------------------------------------------------------------- */

int enforce_lock_bus(struct agent *a, unsigned busnum, bool report_tamper)
{
	static const char *const attrs[] = { "authorized_default", "interface_authorized_default" };
	char dir[AUTHZ_ROOT_HUB_DIR_MAX];
	bool ok = true;
	int r, v;

	authz_root_hub_dir(busnum, dir);
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		r = authz_read_int(a->authz, dir, attrs[i], &v);
		if (r >= 0 && v == 0)
			continue;
		if (r >= 0 && report_tamper)
			agent_report(a, AGENT_LOG_NONE, &(struct event){ .type = EVENT_TAMPER },
			             "usb%u %s was %d; restored to 0", busnum, attrs[i], v);
		r = authz_write_int(a->authz, dir, attrs[i], 0);
		if (r < 0) {
			ok = false;
			agent_report(a, LOG_LEVEL_ERR,
			             &(struct event){ .type = EVENT_ENFORCE_FAILED, .error = r },
			             "usb%u: %s could not be set to 0 (%s): no device on this bus "
			             "will be authorized",
			             busnum, attrs[i], strerror(-r));
		}
	}
	if (busnum < MAX_BUSES)
		a->bus[busnum] = ok ? BUS_LOCKED : BUS_UNLOCKED;
	return ok ? 0 : -EREMOTEIO;
}

/*
 * The hub interface of a root hub (N-0:C.I): the kernel's own hub, never a device someone
 * plugged in. On a controller added at runtime the kernel may configure its root hub after the
 * bus's interface_authorized_default was set to 0 (by the udev rule or the agent): that interface
 * is then born unauthorized, no hub driver binds and nothing behind its ports enumerates.
 * Authorize it and bind the hub driver. Returns 1 when it had to, 0 when it was fine.
 */
static int root_hub_iface(struct agent *a, const char *hubdir, DIR *d, const char *ifname)
{
	char dir[PATH_MAX], rel[NAME_MAX + 16];
	int r, cls, v;

	if (snprintf(dir, sizeof(dir), "%s/%s", hubdir, ifname) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* sysfs prints the class as two hex digits: only "09" reads as 9 in base 10 */
	r = authz_read_int(a->authz, dir, "bInterfaceClass", &cls);
	if (r < 0 || cls != 0x09)
		return r < 0 ? r : 0;
	r = authz_read_int(a->authz, dir, "authorized", &v);
	if (r < 0)
		return r;
	if (v == 1 && (snprintf(rel, sizeof(rel), "%s/driver", ifname) >= (int)sizeof(rel) ||
	               faccessat(dirfd(d), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0))
		return 0; /* authorized and bound: the usual case */
	if (v != 1) {
		r = authz_write_int(a->authz, dir, "authorized", 1);
		if (r < 0)
			return r;
	}
	r = authz_probe_interface(a->authz, ifname);
	if (r < 0)
		return r;
	log_notice("Root hub interface %s was %s; authorized and bound to the hub driver (the "
	           "kernel's own hub: devices behind it are decided as usual)",
	           ifname, v != 1 ? "born unauthorized" : "without a driver");
	return 1;
}

int enforce_root_hub(struct agent *a, const struct usb_device_info *info, bool report_tamper)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char hubdir[PATH_MAX], prefix[16];
	struct dirent *de;
	int fd, r;

	if (!info->is_root_hub || info->busnum == 0)
		return 0;
	/* Locked first: a device behind the hub must not meet a default of 1. */
	r = enforce_lock_bus(a, info->busnum, report_tamper);
	if (r < 0)
		return r;
	r = authz_relpath(info->syspath, hubdir, sizeof(hubdir));
	if (r < 0)
		return r;
	(void)snprintf(prefix, sizeof(prefix), "%u-0:", info->busnum);
	fd = authz_open_dir(a->authz, hubdir);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		(void)close(fd); /* directory fd */
		return r;
	}
	while ((de = readdir(d))) {
		int q;

		if (!str_startswith(de->d_name, prefix))
			continue;
		q = root_hub_iface(a, hubdir, d, de->d_name);
		if (q < 0 && !(q == -ENOENT || q == -ENODEV))
			agent_report(a, LOG_LEVEL_ERR,
			             &(struct event){ .type = EVENT_ENFORCE_FAILED, .error = q },
			             "root hub interface %s could not be authorized (%s): nothing "
			             "behind usb%u enumerates",
			             de->d_name, strerror(-q), info->busnum);
	}
	return 0;
}

static void lock_found_bus(void *userdata, unsigned busnum)
{
	struct agent *a = userdata;

	if (enforce_lock_bus(a, busnum, false) < 0)
		a->stats.unlocked_buses++;
	else
		a->stats.locked_buses++;
}

int enforce_lock_all_buses(struct agent *a)
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
	return enforce_lock_bus(a, busnum, true) >= 0;
}

/* ---- devices and interfaces ------------------------------------------------------------ */

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

int enforce_iface(struct agent *a, const struct tracked *t, const char *devdir, const char *ifname,
                  bool bound, bool tamper)
{
	const struct event_device_id id = agent_tracked_id(t);
	char dir[PATH_MAX];
	bool allow = tracked_iface_allowed(t, ifname);
	int r;

	if (snprintf(dir, sizeof(dir), "%s/%s", devdir, ifname) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (tamper && allow)
		return 0; /* narrowing an allowed interface is not ours to undo */
	r = ensure(a, dir, allow ? 1 : 0);
	if (r == 1 && allow) {
		int p = authz_probe_interface(a->authz, ifname);
		if (p < 0)
			agent_report(a, LOG_LEVEL_WARNING,
			             &(struct event){ .type = EVENT_ENFORCE_FAILED,
			                              .device_id = &id,
			                              .error = p },
			             "interface %s authorized, driver probe failed", ifname);
	}
	if (r < 0) {
		agent_report(
		    a, is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR,
		    &(struct event){ .type = EVENT_ENFORCE_FAILED, .device_id = &id, .error = r },
		    "interface %s: %s %s", ifname, allow ? "authorizing" : "blocking",
		    is_vanished(r) ? "failed: device vanished" : "failed");
		if (!allow && !is_vanished(r)) /* cannot block the interface: block the device */
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
		return r;
	}
	if (!allow && (tamper && (r == 1 || bound)))
		agent_report(a, LOG_LEVEL_WARNING,
		             &(struct event){ .type = EVENT_TAMPER, .device_id = &id },
		             "blocked interface %s was %s by someone else; blocked again", ifname,
		             bound ? "bound to a driver" : "authorized");
	return 0;
}

/* Calls fn for each "<busid>:C.N" entry of the device directory; stops when fn returns > 0. */
static int for_each_iface_dir(struct agent *a, const struct tracked *t, const char *devdir,
                              int (*fn)(struct agent *a, const struct tracked *t,
                                        const char *devdir, DIR *d, const char *ifname))
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
			int q = fn(a, t, devdir, d, de->d_name);
			if (q > 0)
				return q;
			if (q < 0 && r == 0)
				r = q;
		}
	return r;
}

static int enforce_one_child(struct agent *a, const struct tracked *t, const char *devdir,
                             DIR *d _unused_, const char *ifname)
{
	return enforce_iface(a, t, devdir, ifname, false, false);
}

int enforce_children(struct agent *a, const struct tracked *t, const char *devdir)
{
	return for_each_iface_dir(a, t, devdir, enforce_one_child);
}

/* 1 when the interface has a string ("interface" attribute), else 0. */
static int iface_has_string(struct agent *a _unused_, const struct tracked *t _unused_,
                            const char *devdir _unused_, DIR *d, const char *ifname)
{
	char rel[NAME_MAX + 16];

	return snprintf(rel, sizeof(rel), "%s/interface", ifname) < (int)sizeof(rel) &&
	       faccessat(dirfd(d), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int enforce_refine_with_strings(struct agent *a, struct tracked *t)
{
	_cleanup_(freep) struct usb_device_info *info = NULL;
	_cleanup_(freep) struct decision *dec = NULL;
	unsigned narrowed;
	int r;

	if (a->audit)
		return 0;
	info = malloc(sizeof(*info));
	dec = malloc(sizeof(*dec));
	if (!info || !dec)
		return 0; /* strings only narrow: the decision in force stays, nothing widened */
	r = usb_sysfs_read_syspath(a->udev, t->syspath, info);
	if (r < 0)
		return 0; /* vanished: the removal or the next write reports it */
	struct policy_env env;
	agent_env(a, &env);
	policy_evaluate(a->policy, info, &env, dec);
	agent_exception_decision(a, info, dec);
	narrowed = tracked_narrow(t, info, dec);
	if (narrowed) {
		agent_report(a, AGENT_LOG_NONE,
		             &(struct event){
		                 .type = EVENT_DEVICE_DECISION, .device = info, .decision = dec },
		             "interface strings narrowed the decision");
		if (a->cfg.run_dir)
			(void)agent_write_refusal(a, info, dec);
	}
	return (int)narrowed;
}

int enforce_device(struct agent *a, struct tracked *t, const struct usb_device_info *info)
{
	char devdir[PATH_MAX];
	int r;

	r = authz_relpath(t->syspath, devdir, sizeof(devdir));
	if (r < 0)
		return log_error_errno(r, "Unusable syspath: %m");

	bool locked = bus_ready(a, t->busnum);
	if (t->authorize_device && !locked) {
		(void)authz_write_int(a->authz, devdir, "authorized", 0);
		t->authorize_device = false; /* kept blocked: re-authorizing it is tamper */
		agent_report(
		    a, LOG_LEVEL_ERR,
		    &(struct event){
		        .type = EVENT_ENFORCE_FAILED, .device = info, .error = -EREMOTEIO },
		    "bus %u: authorization defaults could not be set to 0; device kept blocked",
		    t->busnum);
		return -EREMOTEIO;
	}

	r = ensure(a, devdir, t->authorize_device ? 1 : 0);
	if (r < 0) {
		const char *what = is_vanished(r)        ? "vanished mid-decision"
		                   : t->authorize_device ? "authorizing failed; left blocked"
		                                         : "blocking failed";

		if (!is_vanished(r)) {
			(void)authz_write_int(a->authz, devdir, "authorized", 0);
			t->authorize_device = false; /* left blocked, as above */
		}
		agent_report(
		    a, is_vanished(r) ? LOG_LEVEL_INFO : LOG_LEVEL_ERR,
		    &(struct event){ .type = EVENT_ENFORCE_FAILED, .device = info, .error = r },
		    "device %s: %s", t->busid, what);
		return r;
	}
	if (t->authorize_device && for_each_iface_dir(a, t, devdir, iface_has_string) > 0)
		(void)enforce_refine_with_strings(a, t);
	/* Blocked devices have no interfaces on a real kernel; a stale tree gets them blocked too.
	 */
	r = enforce_children(a, t, devdir);
	return is_vanished(r) ? 0 : r;
}

int enforce_reblock_device(struct agent *a, const struct tracked *t, const char *devdir)
{
	const struct event_device_id id = agent_tracked_id(t);
	int r = ensure(a, devdir, 0);

	if (r == 1)
		agent_report(a, LOG_LEVEL_WARNING,
		             &(struct event){ .type = EVENT_TAMPER, .device_id = &id },
		             "%s/authorized set to 1 by someone else; reset to 0", t->busid);
	else if (r < 0 && !is_vanished(r))
		agent_report(
		    a, LOG_LEVEL_ERR,
		    &(struct event){ .type = EVENT_ENFORCE_FAILED, .device_id = &id, .error = r },
		    "re-blocking a tampered device failed");
	return r;
}

void enforce_recheck_blocked(struct agent *a)
{
	char devdir[PATH_MAX], ifdir[PATH_MAX], ifname[TRACKED_IFNAME_MAX];

	for (size_t i = 0; i < a->tracked.n; i++) {
		const struct tracked *t = a->tracked.devs[i];

		if (!tracked_has_blocked_iface(t) ||
		    authz_relpath(t->syspath, devdir, sizeof(devdir)) < 0)
			continue;
		for (uint16_t k = 0; k < t->n_ifaces; k++) {
			int r, v;

			if (t->ifaces[k].allow)
				continue;
			tracked_iface_name(t, k, ifname);
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
}
