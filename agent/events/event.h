/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incident events: data, not log lines. The agent fills a struct event (borrowing everything),
 * hands it to an event sink, and the sink encodes it (JSON, docs/events.md), chains it into the
 * incident log and queues it for upstream delivery.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "policy/device/usb_device.h"
#include "policy/lang/policy.h"

enum event_type {
	EVENT_AGENT_STARTED = 0,
	EVENT_AGENT_STOPPING,
	EVENT_DEVICE_ATTACHED, /* facts only, before the decision */
	EVENT_DEVICE_DECISION, /* decision made and enforced (or, in audit mode, would be) */
	EVENT_DEVICE_REMOVED,
	EVENT_ENFORCE_FAILED, /* a sysfs write failed or the device vanished mid-decision */
	EVENT_TAMPER,         /* someone else authorized / bound a blocked device or interface,
	                         or changed an authorization default; undone */
	EVENT_POLICY_LOADED,
	EVENT_POLICY_REJECTED,
	EVENT_POLICY_EXPIRED, /* still enforced: never fail open */
	EVENT_HEARTBEAT,
	EVENT_EVENTS_DROPPED,
	EVENT_EVENTS_LOST, /* the local log lacks records lost_first..lost_last (they went upstream)
	                    */
	EVENT_SEAL,        /* forward-secure seal of the chain head (agent/events/seal.h) */
	EVENT_REPEATED,    /* identical records for one device summarized (flood control) */
	EVENT_TRANSFER,    /* what moved to and from an allowed device: session end, every 10 min */
	EVENT_TRANSFER_ALERT,      /* a copy limit (transfer_alert) was crossed */
	EVENT_EXCEPTION_REQUESTED, /* an operator asked for an offline exception (challenge) */
	EVENT_EXCEPTION_GRANTED,   /* a code was accepted: the device is allowed until a time */
	EVENT_EXCEPTION_EXPIRED,   /* the time is up: the device is decided by the policy again */
	EVENT_EXCEPTION_REFUSED,   /* a wrong, expired or too long code, or the lock */
	_EVENT_TYPE_MAX,
};

/*
 * Who an event is about when the agent has no fresh reading of the device (it vanished, could not
 * be read, or the event is about tamper with a device decided earlier): borrowed fields, not a
 * copy of struct usb_device_info. What the agent knew from its last reading (when it decided)
 * is optional. Encoded as a "device" object with the same keys as a read device, what is not
 * known null, and no interfaces (see docs/events.md).
 */
struct event_device_id {
	const char *syspath; /* NULL when unknown */
	const char *busid;   /* sysfs name ("1-2.3"); NULL when unknown */
	uint8_t busnum;      /* 0 when unknown */
	bool has_ids;        /* vid, pid and bcd_device are known: the descriptors parsed */
	uint16_t vid, pid, bcd_device;
	unsigned speed_mbps;                         /* 0 when unknown */
	const char *manufacturer, *product, *serial; /* NULL: none, or unknown */
	const uint8_t *desc_sha256;                  /* 32 bytes; NULL: never read */
	usb_kind_mask kinds;                         /* 0 when unknown */
};

/* One file written to a device (name relative to the mount, or the MTP object's name). */
struct transfer_file_ref {
	const char *name;
	uint64_t bytes;
};

/* The "transfer" object of EVENT_TRANSFER and EVENT_TRANSFER_ALERT (docs/events.md). */
struct transfer_report {
	uint64_t to_device_bytes, from_device_bytes;
	const struct transfer_file_ref *files; /* listed files, n_files of them */
	size_t n_files;
	uint64_t files_written;           /* files written in the period, listed or not */
	uint64_t files_omitted;           /* written but not listed (per-session cap, memory) */
	int64_t started_usec, ended_usec; /* CLOCK_REALTIME: the period this report covers */
	int64_t session_started_usec;
	const char *method;        /* "block", "usbmon", "unavailable" */
	const char *method_reason; /* why "unavailable", else NULL */
	const char *files_method;  /* "fanotify", "mtp", "unavailable", NULL = not applicable */
	const char *files_reason;  /* why files_method is "unavailable", else NULL */
	const char *end;           /* "removed", "deauthorized", "agent stopping"; NULL = interim */
	bool read_only;            /* the device's block devices are kept read-only */
	/* EVENT_TRANSFER_ALERT: the limit crossed and what the window held. */
	const struct transfer_limit *limit;
	uint64_t window_bytes, window_files;
};

struct event {
	enum event_type type;
	int64_t time_usec; /* CLOCK_REALTIME, passed in (the core reads no clocks) */

	/* Policy in force when the event happened (NULL before the first policy is in place). */
	const struct policy *policy;
	/* Effective mode is audit even though the policy says enforce (portcullisd --audit or the
	 * config's mode_override): recorded as the mode in force. */
	bool audit_override;

	/* The device, borrowed: read and classified (device), or only its identity (device_id),
	 * or neither when the event is not about a device. device wins when both are set. */
	const struct usb_device_info *device;
	const struct event_device_id *device_id;
	const struct decision *decision; /* borrowed, NULL when none */

	const char *seat_user; /* user logged in at seat0 (logind), NULL if none */
	const char *message;   /* human-readable detail: tamper target, rejection reason, ... */

	/* Type-specific numbers. */
	uint64_t dropped_count; /* EVENT_EVENTS_DROPPED */
	uint64_t spool_depth;   /* EVENT_HEARTBEAT */
	const char *chain_head; /* EVENT_HEARTBEAT: hex SHA-256 of the last log record */
	int error;              /* EVENT_ENFORCE_FAILED: negative errno */

	/* EVENT_EVENTS_LOST: seq range the local log lacks (count = last - first + 1).
	 * EVENT_EVENTS_DROPPED: seq range of the records the spool dropped (first..last). */
	uint64_t lost_first, lost_last, lost_count;
	/* EVENT_SEAL: epoch of the key, seq of the record sealed (the head), HMAC in hex. */
	uint64_t seal_epoch, seal_seq;
	const char *seal_mac;
	/* EVENT_REPEATED: how many identical records of repeat_type were left out, and when. */
	uint64_t repeat_count, repeat_of_seq; /* repeat_of_seq: the record written in full */
	int64_t repeat_first_usec, repeat_last_usec;
	enum event_type repeat_type;
	/* Set by the encoder's caller when long strings or the interface list were cut to fit
	 * the record cap (EVENT_JSON_MAX_BYTES); recorded as "truncated":true. */
	bool truncated;
	const struct transfer_report *transfer; /* EVENT_TRANSFER, EVENT_TRANSFER_ALERT */
};

const char *event_type_to_string(enum event_type t); /* "device_decision", ... */
int event_type_from_string(const char *s);           /* >= 0, or -EINVAL */

/*
 * Where events go. emit() must not keep pointers into ev after it returns. Returns 0 or a
 * negative errno; the agent reports a failing sink in its diagnostics and carries on enforcing.
 */
struct event_sink {
	void *userdata;
	int (*emit)(void *userdata, const struct event *ev);
};

static inline int event_sink_emit(const struct event_sink *s, const struct event *ev)
{
	return s && s->emit ? s->emit(s->userdata, ev) : 0;
}
