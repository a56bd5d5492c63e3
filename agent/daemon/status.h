/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operator-facing status files in <run_dir>, read by "portcullis status" and the session
 * notifier (docs/operator-notice.md):
 *   last-refusal  one JSON object: which device was refused last and why, in plain words
 *   refusals      the same records as JSON lines, the newest last, at most STATUS_MAX_REFUSALS
 *   status        one JSON object: the agent's pid and start time, the policy in force and the mode
 * Every file is replaced atomically (temporary file + rename, mode 0644, never through a link).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/device/usb_device.h"
#include "policy/lang/policy.h"

/* How many refusal records <run_dir>/refusals keeps. */
#define STATUS_MAX_REFUSALS 10
/* The agent never reads back more of <run_dir>/refusals than this (10 records of <= 8 KiB). */
#define STATUS_REFUSALS_MAX_BYTES (16u * 8192u)

/*
 * Formats the plain-words reason for a (partly) refused device into buf, e.g.
 * "mass-storage interface blocked by rule 'no-storage'". Pure.
 */
void status_refusal_reason(const struct usb_device_info *dev, const struct decision *dec, char *buf,
                           size_t size);

/*
 * Writes the refusal record (one line of JSON, newline-terminated; the format of last-refusal,
 * see agent/notify/refusal.h) to f. now is Unix seconds. Pure apart from the stream.
 */
void status_format_refusal(FILE *f, const struct usb_device_info *dev, const struct decision *dec,
                           int64_t now, const char *contact);

/*
 * Writes dir/last-refusal atomically, then appends the same record to dir/refusals (rewritten
 * atomically with the newest STATUS_MAX_REFUSALS records). now is Unix seconds. Returns 0 or the
 * first negative errno (last-refusal is written even if refusals fails).
 */
int status_write_last_refusal(const char *dir, const struct usb_device_info *dev,
                              const struct decision *dec, int64_t now);
/* The same with the "ask IT" contact of the policy in force ("name, phone, url"; NULL or ""
 * for none), which the operator's notice shows. */
int status_write_last_refusal_contact(const char *dir, const struct usb_device_info *dev,
                                      const struct decision *dec, int64_t now, const char *contact);
/* The policy's contact as one line "name, phone, url" (the parts it has) into buf; "" if none. */
void status_contact_text(const struct policy *p, char *buf, size_t size);

/* What <run_dir>/status says. Strings are borrowed. */
struct agent_status_info {
	int64_t pid;
	int64_t started;       /* Unix seconds */
	const char *name;      /* policy_name() */
	uint64_t serial;       /* policy_serial() */
	const char *key_id;    /* NULL: unsigned (the built-in default) */
	const uint8_t *sha256; /* 32 bytes, NULL: written as null */
	int64_t not_after;     /* Unix seconds, INT64_MAX: no end (written as null) */
	const char *source;    /* "file", "last-known-good", "current", "built-in"; NULL = "?" */
	bool audit;            /* the mode in force */
	bool mode_forced;      /* audit because of --audit / mode_override, not the policy */
};

/*
 * Fills *ret from the policy in force. Pure. source is policy_load_result.source; forced_audit
 * is the agent's --audit / mode_override.
 */
void status_info_from_policy(const struct policy *p, const char *source, bool forced_audit,
                             int64_t pid, int64_t started, struct agent_status_info *ret);

/*
 * Writes the status object (one line of JSON, newline-terminated) to f:
 *   {"pid":812,"started":"2026-11-23T15:00:00Z","policy":{"name":"policy.conf","serial":7,
 *    "key_id":"it-2026","sha256":"ab..","not_after":"2027-01-01T00:00:00Z","source":"file"},
 *    "mode":"enforce","mode_forced":false}
 * Pure apart from the stream.
 */
void status_format_agent(FILE *f, const struct agent_status_info *info);

/* Writes dir/status atomically. Returns 0 or a negative errno. */
int status_write_agent(const char *dir, const struct agent_status_info *info);
