/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The devices IT has seen, for "policy generate" and "policy diff": attached now, or in the
 * device_decision records of incident logs (a host's log directory, or a collector directory
 * holding such directories or files of received lines).
 */
#pragma once

#include <stdint.h>

#include "policy/device/usb_device.h"

struct json_object;

/* Where and when a device was seen (strings borrowed for the call; may be NULL). */
struct seen_where {
	const char *host;
	const char *machine_id;
	int64_t time_usec;
};

/* One device seen: dev (borrowed for the call), where and when. Return < 0 to stop. */
typedef int (*seen_fn)(void *userdata, const struct usb_device_info *dev,
                       const struct seen_where *where);

struct seen_stats {
	uint64_t files, records, decisions, bad_lines;
	char first_bad[256]; /* "FILE line N: reason" of the first line skipped, "" if none */
};

/*
 * Pure: the device of a decoded device_decision record (log_record_decode()'s object) as a
 * usb_device_info: identity, strings (cut to their buffers), descriptor digest, interfaces with
 * their class triple and kinds. Alternate settings are not in the record (desc.n_alts = 0). A
 * record with "descriptors_error" gives desc_status = -EBADMSG. Returns 0, -ENOENT when the
 * record is not a device_decision, or -EBADMSG when a key docs/events.md promises is missing or
 * malformed.
 */
int seen_device_from_record(struct json_object *record, struct usb_device_info *ret);

/*
 * Every device_decision in dir: a host's incident-log directory (incident.log*), or a collector
 * directory: its subdirectories that are incident-log directories and its regular files of
 * received lines (anything before the first '{' of a line, e.g. a syslog header, is skipped).
 * Lines that do not decode are counted in stats and skipped. Returns 0 or a negative errno
 * (-ENOENT: nothing to read in dir).
 */
int seen_from_log(const char *dir, seen_fn fn, void *userdata, struct seen_stats *stats);

/* Every attached device (root hubs included; fn decides). Returns the count or a negative errno. */
int seen_attached(const struct seen_where *where, seen_fn fn, void *userdata);
