/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading decoded incident records (json-c objects from log_record_decode()) for the views of
 * "portcullis log" and "portcullis report", and the honest wording of a decision. Pure.
 *
 * A record that decodes may still be forged (any JSON string in any key): every accessor checks
 * the type and returns NULL / false for anything unexpected.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "policy/lang/policy.h"

struct json_object;

/* The string / object / integer at key of o, or NULL / false when absent or of another type.
 * Strings are borrowed from o. */
const char *event_read_str(struct json_object *o, const char *key);
struct json_object *event_read_obj(struct json_object *o, const char *key);
bool event_read_int(struct json_object *o, const char *key, int64_t *ret);
bool event_read_bool(struct json_object *o, const char *key); /* false when absent */

/* Whether a record's "device" object matches want: "VID:PID" (hex, any case), an exact serial or
 * a bus id ("1-2.3"). dev may be NULL (no match). */
bool event_device_matches(struct json_object *dev, const char *want);

/* Whether the device's kinds (its "kinds" array) include kind ("mass-storage", ...). */
bool event_device_has_kind(struct json_object *dev, const char *kind);

/*
 * What a device decision meant, in the words a reviewer needs (docs/reviewer-guide.md). Audit mode
 * decides nothing: a decision that would have blocked (or made a device charge-only) is
 * DECISION_VIEW_AUDIT_BLOCK, never "block".
 */
enum decision_view {
	DECISION_VIEW_ALLOW = 0,   /* "allowed" */
	DECISION_VIEW_LOG,         /* "allowed, logged": a log rule matched */
	DECISION_VIEW_CHARGE_ONLY, /* "charge only": configured, every data interface blocked */
	DECISION_VIEW_BLOCK,       /* "blocked" (verdict partial: "partly blocked") */
	DECISION_VIEW_AUDIT_BLOCK, /* "would block (audit)" */
	_DECISION_VIEW_MAX,
};

enum decision_view decision_view_of(bool audit, enum device_verdict verdict, bool charge_only,
                                    bool noteworthy);
/* From a decoded record: its "decision" and "policy"."mode". Returns the view, or -ENOENT when the
 * record has no decision, -EINVAL when the verdict is not one this version knows. */
int decision_view_of_record(struct json_object *record);

/* "allow", "log", "charge_only", "block", "audit_block" (report JSON keys, --verdict values) */
const char *decision_view_key(enum decision_view v);
int decision_view_from_key(const char *s); /* also accepts '-' for '_'; >= 0 or -EINVAL */
/* Plain words: "allowed", "allowed, logged", "charge only", "blocked", "would block (audit)";
 * partial selects "partly blocked" for DECISION_VIEW_BLOCK. */
const char *decision_view_words(enum decision_view v, bool partial);
