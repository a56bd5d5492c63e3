/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How each event type is announced to a SIEM (docs/events.md, "For the SIEM"): its syslog
 * severity and MSGID upstream (RFC 5424), and its journald MESSAGE_ID. Pure, no dependencies, so
 * the unprivileged uplink child links it too.
 */
#pragma once

#include <stddef.h>

/* RFC 5424 severities */
enum syslog_severity {
	SYSLOG_SEV_EMERG = 0,
	SYSLOG_SEV_ALERT,
	SYSLOG_SEV_CRIT,
	SYSLOG_SEV_ERR,
	SYSLOG_SEV_WARNING,
	SYSLOG_SEV_NOTICE,
	SYSLOG_SEV_INFO,
	SYSLOG_SEV_DEBUG,
};

struct event_class {
	const char *type; /* "tamper", ... */
	enum syslog_severity severity;
	const char *msgid;      /* RFC 5424 MSGID: the type name (at most 32 printable ASCII) */
	const char *message_id; /* journald MESSAGE_ID: 32 lowercase hex digits */
};

/* The class of an event type, or NULL for a type this version does not know. */
const struct event_class *event_class_of(const char *type, size_t len);

/* The whole table (n entries), for docs and tests. */
const struct event_class *event_class_table(size_t *ret_n);

/*
 * Severity and MSGID of one record line (the event JSON as the recorder wrote it), read without
 * a JSON parser: the first "type" key (the record's own: every quote inside a string is escaped),
 * and for device_decision the top-level decision ("decision":{"verdict":...,"noteworthy":...}):
 * a refusal or a log-rule match is notice, a plain allow info. A line without a known type
 * gets notice and MSGID "EVENT". Never reads past len.
 */
void event_class_of_line(const char *line, size_t len, enum syslog_severity *ret_severity,
                         const char **ret_msgid);
