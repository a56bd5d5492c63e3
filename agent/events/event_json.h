/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Event → one JSON object (docs/events.md). Pure: no clocks, no I/O, no logging.
 *
 * Keys come in a fixed order and the output has no whitespace, so the same event always gives
 * the same bytes (the incident log chain hashes them). Device strings are hostile: they are cut
 * at their array size, bytes that are not valid UTF-8 become the text "\xNN", and json-c escapes
 * quotes, backslashes and control characters.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent/events/event.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"

/* Hard cap on one encoded event; a record (event + "prev") must fit LOG_RECORD_MAX_LINE, the one
 * record cap shared with the spool (SPOOL_RECORD_MAX): every record the log takes goes upstream. */
#define EVENT_JSON_MAX_BYTES (LOG_RECORD_MAX_LINE - 128u)

/* Caps on free-text fields we do not own the size of (bytes, before escaping). */
#define EVENT_MESSAGE_MAX 4096u
#define EVENT_NAME_MAX    256u /* hostname, machine id, version, user, rule ids, policy name */

/*
 * Encodes ev with sequence number seq (> 0) as one JSON object without a trailing newline.
 * On success *ret_json (NUL-terminated, caller frees with free()) and *ret_len are set and 0 is
 * returned. An event too large for EVENT_JSON_MAX_BYTES is encoded again with long strings cut
 * (64 bytes; message and reason 1024), at most 24 interfaces ("interfaces_total" says how many
 * there were) and "truncated":true, which always fits. Errors: -EINVAL (NULL argument, seq 0,
 * unknown type), -ENOMEM.
 */
int event_to_json(const struct event *ev, uint64_t seq, const struct recorder_host *host,
                  char **ret_json, size_t *ret_len);

/*
 * The record form of a JSON object: json-c's plain serialization (no spaces, '/' not escaped),
 * made inert by strenc_json_inert() (C0/C1 controls, bidi and format characters as \uXXXX,
 * bytes that are not UTF-8 as the string \xNN). Every record, "log show --json" and the
 * canonical-form check of log_record_decode() use it. Caller owns *ret. 0 or -ENOMEM.
 */
struct json_object;
int event_serialize(struct json_object *obj, char **ret, size_t *ret_len);
/* The same with json-c's flags (JSON_C_TO_STRING_PRETTY, ...): every JSON the CLI prints. */
int json_serialize_inert(struct json_object *obj, int flags, char **ret, size_t *ret_len);
