/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event recorder (CONTRACT shared with the agent; implemented in events/): gives each event
 * the next per-host sequence number, encodes it as one JSON line (docs/events.md), appends it to
 * the hash-chained incident log, and forwards the same line to upstream delivery.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent/events/event.h"

struct recorder;

struct recorder_host {
	const char *hostname;
	const char *machine_id; /* may be NULL */
	const char *agent_version;
};

/* Called after a record is durably in the incident log. Returns 0 or a negative errno. */
typedef int (*recorder_forward_fn)(void *userdata, uint64_t seq, const char *line, size_t len);

/*
 * Opens (creating if needed) the incident log in log_dir, recovers the last sequence number and
 * chain head, and returns the recorder (caller owns; free with recorder_free()). A log whose tail
 * is damaged is not rewritten: the recorder starts a new file whose first record names the break.
 */
int recorder_open(const char *log_dir, const struct recorder_host *host, struct recorder **ret);
struct recorder *recorder_free(struct recorder *r);

void recorder_set_forward(struct recorder *r, recorder_forward_fn fn, void *userdata);

/* Encodes, appends (fsync) and forwards one event. Returns the sequence number (> 0) or < 0. */
int64_t recorder_emit(struct recorder *r, const struct event *ev);

/* The recorder as an event sink (emit → recorder_emit). */
struct event_sink recorder_sink(struct recorder *r);

uint64_t recorder_last_seq(const struct recorder *r);
const char *recorder_chain_head(const struct recorder *r); /* hex SHA-256, borrowed */

/*
 * Added by events/ (not part of the original contract, nothing above changed):
 *
 * recorder_open_ex(): recorder_open() with incident-log settings (rotation size, files kept,
 * fault-injection ops for tests; see agent/events/incident_log.h); cfg may be NULL = defaults.
 *
 * recorder_emit() fills in chain_head of an EVENT_HEARTBEAT whose chain_head is NULL with the
 * current head (the hash of the record before the heartbeat, i.e. the heartbeat's "prev").
 *
 * A record written while no forward hook is set (the recovery record of recorder_open()) is kept
 * and handed to the hook by recorder_set_forward(); only the first such record is kept.
 *
 * A forward hook error is reported in the diagnostics and does not fail recorder_emit(): the
 * record is durable, and upstream delivery catches up from the spool.
 */
struct incident_log_config;
int recorder_open_ex(const char *log_dir, const struct recorder_host *host,
                     const struct incident_log_config *cfg, struct recorder **ret);
