/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The enforcement agent as a library (pc_agent), so the daemon's main() and the integration
 * tests drive the same code: fail-closed defaults, start-up enforcement, udev hot-plug, policy
 * reload, tamper handling and events, all on one sd-event loop.
 *
 *     agent_new(&cfg, &a); agent_start(a);      // locks the buses, enforces present devices
 *     sd_event_loop(agent_get_event(a));        // or agent_run_until_idle() in tests
 *     agent_free(a);
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "agent/events/event.h"
#include "policy/lang/policy.h"
#include "policy/trust/policy_store.h"

struct agent;

/*
 * Where the policy comes from. Returns 0 and *ret_policy (caller owns) with *ret describing the
 * outcome, like policy_store_load(); current is the policy in force (NULL at start).
 */
typedef int (*agent_policy_loader_fn)(void *userdata, const struct policy *current, int64_t now,
                                      struct policy **ret_policy, struct policy_load_result *ret);

/*
 * Bench hook: called after each uevent with the time from its receipt to the agent's last write
 * for it: wall clock, and CPU time of the agent's thread (the difference is time spent waiting).
 */
struct udev_device;
typedef void (*agent_latency_fn)(void *userdata, struct udev_device *d, uint64_t wall_nsec,
                                 uint64_t cpu_nsec);

struct agent_config {
	const char *sysfs_root; /* where writes go; NULL = "/sys" */
	const char *run_dir;    /* status file "last-refusal"; NULL = none */

	/* Policy store (used when loader is NULL). */
	struct policy_store_config store;
	/*
	 * Set when portcullisd.conf could not be read or parsed (what and where): the policy store
	 * it would name is not trusted, the built-in default is enforced instead and every (re)load
	 * reports policy_rejected with this reason. NULL = the configuration is fine.
	 */
	const char *config_error;
	/* Test hook: replaces policy_store_load(). */
	agent_policy_loader_fn loader;
	void *loader_userdata;

	bool force_audit; /* --audit / mode_override = "audit" */
	/* Tests and benchmarks under umockdev (no control transfers): never read endpoint-0 hints
	 * (interface strings and MS OS compat IDs of ambiguous vendor-specific interfaces). */
	bool no_ep0_hints;
	bool watch_policy; /* inotify on the policy file's directory */
	bool notify;       /* sd_notify READY/STOPPING/STATUS */

	struct event_sink sink;        /* every incident event; copied */
	agent_latency_fn latency_hook; /* optional */
	void *latency_userdata;

	/* Offline exceptions (docs/exceptions.md): this host's key (hex, root-only; NULL or a
	 * missing file = exceptions impossible here) and the socket operators talk to (NULL =
	 * none). exception_minute_sec: seconds in a "minute" of an exception (0 = 60; tests shorten
	 * it). */
	const char *exception_key_file;
	const char *exception_socket;
	unsigned exception_minute_sec;

	/* Optional: event loop to attach to (a reference is taken); NULL = a new one. */
	sd_event *event;
};

/* Statistics for tests, the bench and STATUS=. */
struct agent_stats {
	uint64_t decisions;      /* device_decision events */
	uint64_t enforce_failed; /* enforce_failed events */
	uint64_t tamper;         /* tamper events */
	uint64_t uevents;        /* uevents received */
	unsigned locked_buses;   /* root hubs whose defaults read back 0 */
	unsigned unlocked_buses; /* root hubs whose defaults did not stick */
};

/* Allocates the agent; nothing touches sysfs yet. Caller owns *ret; free with agent_free(). */
int agent_new(const struct agent_config *cfg, struct agent **ret);
/* Does not restore any default: a stopped agent leaves new devices blocked. NULL-safe. */
struct agent *agent_free(struct agent *a);

/*
 * Fail closed (defaults 0 on every root hub and usbcore, read back), load the policy, start the
 * udev monitor, enforce on every present device (topological order), start watchers. Returns 0
 * or a negative errno (event loop or udev failures; sysfs write failures are events instead).
 */
int agent_start(struct agent *a);

/* Loads the policy again and re-enforces every attached device, in both directions (SIGHUP). */
int agent_reload(struct agent *a);

/*
 * Offline exceptions, as the socket's commands (also for tests). request: the device attached at
 * busid, for minutes, asked by uid: 0 and the challenge (EXC_CHALLENGE_TEXT bytes) to read to IT.
 * apply: the code IT read back: 0 and, in ret_text (size bytes), "BUSID MINUTES UNTIL" of the
 * exception now in force. Both: a negative errno and a reason (static text) when refused; every
 * step is an event (exception_requested, exception_granted, exception_refused).
 */
int agent_exception_request(struct agent *a, const char *busid, unsigned minutes, uint32_t uid,
                            char *ret_challenge, const char **ret_reason);
int agent_exception_apply(struct agent *a, const char *code, uint32_t uid, char *ret_text,
                          size_t size, const char **ret_reason);

/* Emits agent_stopping and tells systemd STOPPING=1. Does not free. */
void agent_stop(struct agent *a);

/*
 * Test helper: waits up to timeout_usec for the first event source to become ready, then
 * dispatches until nothing is pending. Returns the number of dispatches (>= 0) or < 0.
 */
int agent_run_until_idle(struct agent *a, uint64_t timeout_usec);

sd_event *agent_get_event(struct agent *a);                   /* borrowed */
const struct policy *agent_get_policy(const struct agent *a); /* borrowed */
void agent_get_stats(const struct agent *a, struct agent_stats *ret);
