/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An incident event as journald structured fields (docs/events.md, "For the SIEM"): MESSAGE (the
 * agent's diagnostic line), PRIORITY, MESSAGE_ID per event type (agent/events/event_class.h) and
 * PORTCULLIS_* fields, so "journalctl -o json MESSAGE_ID=..." is machine-readable. Pure: the
 * daemon sends them with sd_journal_sendv(). Device strings and messages are hostile: they are
 * passed through str_escape() (printable ASCII, \xNN for the rest).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent/events/event.h"

#define EVENT_JOURNAL_MAX_FIELDS 28

struct event_journal {
	char *field[EVENT_JOURNAL_MAX_FIELDS]; /* "KEY=value", owned */
	size_t n;
};

/*
 * Fills ret with the fields of ev; seq 0 = not recorded (no PORTCULLIS_SEQ); message is the
 * MESSAGE text (borrowed, escaped here too). Returns 0 or -ENOMEM (ret is then empty).
 */
int event_journal_fields(const struct event *ev, uint64_t seq, const char *message,
                         struct event_journal *ret);
void event_journal_done(struct event_journal *j);

/* The syslog PRIORITY journald gets for ev: its type's severity; an allowed device info. */
int event_journal_priority(const struct event *ev);
