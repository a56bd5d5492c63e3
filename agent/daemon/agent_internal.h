/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the agent library: the state shared by agent.c (life cycle, uevents, policy,
 * decisions) and enforce.c (the sysfs steps that carry a decision out). Not for other modules.
 */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

#include <libusb.h>
#include <stdint.h>

#include <libudev.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/authorize.h"
#include "agent/daemon/exception.h"
#include "agent/daemon/seat.h"
#include "agent/daemon/tracked.h"
#include "policy/base/log.h"
#include "policy/base/macro.h"

#define MAX_BUSES AUTHZ_MAX_BUSES

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
	sd_event_source *monitor_src, *inotify_src, *debounce_src;
	sd_event_source *recheck_src;  /* NULL until first needed; disabled while not needed */
	sd_event_source *window_src;   /* next opening or closing of a rule's time window */
	struct exc_state exc;          /* offline exceptions (exception.h) */
	struct exc_server *exc_server; /* the operators' socket; NULL when none */
	struct authz *authz;
	struct transfer_watch *transfer; /* transfer accounting and read-only storage */
	struct policy *policy;
	bool audit;
	bool started;
	bool starting;      /* deciding the devices present at start */
	int64_t started_at; /* Unix seconds, for <run_dir>/status */

	/* What decide_udev_device() and agent_reload() read a device into before decide(); nothing
	 * else uses it (malloc'ed once: a struct usb_device_info is ~56 KiB). */
	struct usb_device_info *read_buf;
	/* decide()'s evaluation of that device; nothing else writes it. */
	struct decision *dec;

	struct tracked_table tracked;

	/* libusb for endpoint-0 hints (agent/sysfs/usb_ep0.h): made on first need, no device
	 * discovery (it only wraps /dev/bus/usb nodes it opens itself). */
	libusb_context *usb;
	bool usb_failed; /* libusb_init() failed once: descriptors alone from then on */

	uint8_t bus[MAX_BUSES]; /* enum bus_state */
	struct agent_stats stats;
	char policy_dir[PATH_MAX];
	char policy_base[NAME_MAX + 1];
	char ro_dir[PATH_MAX];    /* <run_dir>/read-only: markers for portcullis-blockro */
	char live_path[PATH_MAX]; /* <run_dir>/transfers: live counters for "portcullis devices" */
};

/* Where and when devices are decided now: rules with a window or hosts list depend on it. */
void agent_env(const struct agent *a, struct policy_env *ret);

/* <run_dir>/last-refusal for the operator's notice, with the policy's "ask IT" contact. */
int agent_write_refusal(struct agent *a, const struct usb_device_info *dev,
                        const struct decision *dec);

/* exception_server.c: the host key and the socket (at start), their end (agent_free). */
int agent_exception_setup(struct agent *a);
void agent_exception_teardown(struct agent *a);
/* An active exception for this device turns its blocked interfaces of the policy's exception
 * kinds into allowed (decide() and the interface-string refinement call it). */
void agent_exception_decision(struct agent *a, const struct usb_device_info *info,
                              struct decision *dec);
/* Ends the exceptions whose time is up (exception_expired events); true when any ended. */
bool agent_exception_expire(struct agent *a);
/* agent.c: decide every tracked device again (a time window or an exception began or ended)
 * and re-arm the timer. */
void agent_redecide_all(struct agent *a);

/* For agent_report(): emit the event, log nothing (the daemon's sink logs every event). */
#define AGENT_LOG_NONE 0

/*
 * The one way to report: formats the message, logs it at level (LOG_LEVEL_*, or AGENT_LOG_NONE)
 * with strerror(ev->error) appended when ev->error < 0, and emits *ev with that message. The
 * agent fills in the time, the policy in force, the seat user and the audit flag.
 */
void agent_report(struct agent *a, int level, const struct event *ev, const char *fmt, ...)
    _printf_(4, 5);
/* Emits *ev as it is, with the agent's time, policy, seat user and audit flag. */
void agent_emit(struct agent *a, const struct event *ev);

/* The identity of a tracked device for events (borrows from t). */
struct event_device_id agent_tracked_id(const struct tracked *t);

static inline bool is_vanished(int r)
{
	return r == -ENODEV || r == -ENOENT;
}
