/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Upstream delivery, parent side (CONTRACT shared with the agent; implemented in uplink/).
 *
 * Records are appended to a durable, bounded on-disk spool (group-committed fsync) and fed to an
 * unprivileged child (fork+exec of portcullis-uplink, its own user) over a socketpair with a
 * fixed, length-checked message format. The child speaks RELP or RFC 5424 syslog (octet counting)
 * over TLS to the collector and reports acknowledged sequence numbers back; only then is a record
 * removed from the spool.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <systemd/sd-event.h>

#include "agent/uplink/uplink_config.h"

struct uplink;

/* Called when the spool had to drop count of the oldest undelivered records: every one the
 * spool held with a seq in first_seq..last_seq (the collector will never get those). */
typedef void (*uplink_dropped_fn)(void *userdata, uint64_t count, uint64_t first_seq,
                                  uint64_t last_seq);

/*
 * Opens the spool in spool_dir and, if cfg->enabled, starts the child on event loop e.
 * Caller owns *ret; free with uplink_free().
 */
int uplink_start(const struct uplink_config *cfg, const char *spool_dir, const char *helper_path,
                 sd_event *e, uplink_dropped_fn on_dropped, void *userdata, struct uplink **ret);
struct uplink *uplink_free(struct uplink *u);

/*
 * Appends one record (already durable in the incident log) to the spool: written at once, fsync'd
 * by group commit within a few milliseconds (or uplink_flush()). seq must grow: -EEXIST when it
 * is not above every seq already spooled; -EMSGSIZE for len 0 or above 64 KiB. When uplink is
 * disabled this does nothing and returns 0. on_dropped is called later from the event loop, never
 * from inside uplink_submit(), so the callback may submit its own events_dropped record.
 */
int uplink_submit(struct uplink *u, uint64_t seq, const char *line, size_t len);

uint64_t uplink_spool_depth(const struct uplink *u); /* records not yet acknowledged */

/* ---- additions (uplink owner) ---- */

/* Defaults of every setting (enabled = false, protocol "relp", tls, user "portcullis", ...). */
void uplink_config_init(struct uplink_config *ret);

/*
 * Forces the group commit now: every record submitted so far (and the ack state) is fsync'd.
 * Returns 0 or a negative errno.
 */
int uplink_flush(struct uplink *u);

struct uplink_status {
	bool child_running;
	bool connected;     /* the child's last STATUS */
	char error[256];    /* the child's last STATUS text, or why it was killed ("" = none) */
	uint64_t depth;     /* records not yet acknowledged */
	uint64_t acked_seq; /* highest seq the collector acknowledged */
	uint64_t last_seq;  /* highest seq ever spooled (or acknowledged): never reuse one below */
	uint64_t dropped;   /* records dropped because the spool was full (this process) */
	uint64_t corrupt_frames; /* damaged spool frames skipped at start */
	uint64_t child_restarts;
	uint64_t child_violations; /* malformed messages from the child (each killed it) */
};

/* Diagnostics for the agent's status output and heartbeats. */
void uplink_get_status(const struct uplink *u, struct uplink_status *ret);
