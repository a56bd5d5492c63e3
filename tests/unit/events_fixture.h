/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hand-filled devices, decisions and events for the agent/events/ tests, fuzz seeds and benchmarks.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent/events/event.h"
#include "agent/events/recorder.h"

struct events_fixture {
	struct usb_device_info dev;
	struct decision dec;
	struct transfer_report transfer;
	struct policy *policy; /* built-in default; owned */
	struct recorder_host host;
};

/* A USB stick (0781:5567, one mass-storage interface) and a phone-like second interface, blocked
 * by rule "no-storage". Returns 0 or -ENOMEM. */
int events_fixture_init(struct events_fixture *f);
void events_fixture_done(struct events_fixture *f);

/* An event of type t with everything that type carries filled in (device, decision, ...). */
struct event events_fixture_event(const struct events_fixture *f, enum event_type t,
                                  int64_t time_usec);

/* Encodes records seq 1..n of a chain into one malloc'd buffer of lines (each ending in '\n');
 * line_off[i] (if non-NULL, n+1 entries) gets the offset of record i+1, line_off[n] the end.
 * Returns the buffer (caller frees) or NULL. */
char *events_fixture_chain(const struct events_fixture *f, unsigned n, size_t *ret_len,
                           size_t *line_off);
