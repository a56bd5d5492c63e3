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
#include "agent/events/incident_log.h"

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
 * recorder_open_ex(): recorder_open() with settings; cfg may be NULL = defaults.
 *
 * Sequence numbers are allocated by the recorder and persisted in <state_dir>/log-state (see
 * docs/on-disk-layout.md), never derived from the log alone: the next seq is above the highest
 * of the state file, the log and its head file. A record that cannot be appended (ENOSPC, EIO,
 * log removed) keeps its seq and is still forwarded; once appending works again an
 * "events_lost" record names the range the local log lacks (count, first_seq, last_seq).
 *
 * Before every append (one fstat: removed, replaced, truncated, directory emptied) and, more
 * thoroughly, whenever recorder_check() is called (from inotify: also the directory removed or
 * the file renamed away) the recorder checks that the live file is still its own. If not: a
 * "tamper" record, the log is reopened, numbering continues above the highest seq issued and
 * the records the log lost are named by an events_lost record.
 *
 * recorder_emit() fills in chain_head of an EVENT_HEARTBEAT whose chain_head is NULL with the
 * current head (the hash of the record before the heartbeat, i.e. the heartbeat's "prev").
 *
 * Records written while no forward hook is set (the recovery records of recorder_open()) are kept
 * and handed to the hook by recorder_set_forward(); up to 8 such records are kept.
 *
 * A forward hook error is reported in the diagnostics and does not fail recorder_emit().
 *
 * Flood control: an event about a device identical (all but seq and time) to one written less
 * than repeat_window ago is not written; recorder_tick() (or the next differing occurrence)
 * writes one "repeated" record: count, first_time, last_time, same_as_seq. recorder_emit()
 * returns 0 for an event so summarized.
 */
#define RECORDER_STATE_FILE              "log-state"
#define RECORDER_DEFAULT_REPEAT_WINDOW_S 60u
#define RECORDER_DEFAULT_SEAL_INTERVAL_S 900u /* 15 minutes, as journald */

struct recorder_config {
	const char *state_dir; /* log-state and seal-key; NULL = the log directory */
	struct incident_log_config log;
	unsigned repeat_window_sec; /* 0 = default */
	bool no_flood_control;
};

int recorder_open_ex(const char *log_dir, const struct recorder_host *host,
                     const struct recorder_config *cfg, struct recorder **ret);

/* Highest seq acknowledged upstream (records above it are kept through rotation). */
typedef uint64_t (*recorder_acked_fn)(void *userdata);
void recorder_set_acked_source(struct recorder *r, recorder_acked_fn fn, void *userdata);

/* Never issue a seq at or below seq (e.g. the spool's highest, should the state file be lost). */
void recorder_raise_seq(struct recorder *r, uint64_t seq);

/* Checks the live log file now (inotify hook); writes the tamper record if it was touched.
 * Returns 1 when it was, 0 when not, or a negative errno. */
int recorder_check(struct recorder *r);

/* Writes due "repeated" summaries (all of them with flush_all). */
void recorder_flush_repeats(struct recorder *r, int64_t now_usec, bool flush_all);
/* CLOCK_REALTIME usec at which the first held-back repeat is due for its summary, INT64_MAX when
 * nothing is held back: the daemon sleeps until then, not on a fixed tick. */
int64_t recorder_repeats_due(const struct recorder *r);

/*
 * Seals the chain (a "seal" record: HMAC-SHA-256 of the head under the current epoch key), then
 * evolves the key one-way and overwrites the key file. Nothing to do (returns 0) without a key
 * (<state_dir>/seal-key, made by "portcullis log setup-keys"; looked for again at each call) or
 * when the last record is already a seal. Returns 1 when sealed, or a negative errno.
 * The recorder also seals before every rotation.
 */
int recorder_seal(struct recorder *r);
bool recorder_has_seal_key(const struct recorder *r);
int64_t recorder_last_seal_usec(const struct recorder *r); /* 0 = none this run */

/* Creates <state_dir>/seal-key (0600, epoch 0) from 32 random bytes and returns the hex
 * verification key (K[0]). -EEXIST when one exists and !force. */
int recorder_setup_keys(const char *state_dir, bool force,
                        char ret_verify_hex[static SEAL_KEY_HEX_LEN + 1]);
