/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "portcullis policy generate", the pure part: devices seen (attached now, or in the device
 * decisions of incident logs) in, a ready-to-sign allow-list policy text out. No I/O, no clock.
 *
 *   - one device-scope allow rule per model and serial (vid, pid, serial and every interface
 *     kind seen); devices without a serial by vid, pid and kinds, with a comment saying so;
 *   - phones (a kind of the charge_only list) charge only, unless phone_data: then a rule;
 *   - keyboards, mice (hid) and hubs by kind: one rule each;
 *   - every rule's comment says where, when and how often the device was seen;
 *   - default "block": nothing else is allowed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/device/usb_device.h"

struct policy_gen;

/* One sighting of a device. Strings are borrowed (copied, cut at 255 bytes). */
struct gen_sighting {
	uint16_t vid, pid;
	const char *serial;       /* NULL: the device reports none */
	const char *manufacturer; /* may be NULL */
	const char *product;      /* may be NULL */
	usb_kind_mask kinds;      /* union of the interface kinds */
	const char *host;         /* where; may be NULL */
	int64_t time_usec;        /* when (Unix microseconds) */
};

/* Caller owns *ret; free with policy_gen_free(). Returns 0 or -ENOMEM. */
int policy_gen_new(struct policy_gen **ret);
struct policy_gen *policy_gen_free(struct policy_gen *g);

/* Adds a sighting. Returns 1 when it was a new device, 0 when seen before, -E2BIG when too many
 * distinct devices (PORTCULLIS_GEN_MAX_DEVICES), -EINVAL for a sighting without kinds, -ENOMEM. */
int policy_gen_add(struct policy_gen *g, const struct gen_sighting *s);

/* A device (attached, or from a log record: cli_seen.h). Root hubs are skipped (0); a device
 * whose descriptors did not parse is counted (policy_gen_n_unreadable()) and never allowed. */
int policy_gen_add_device(struct policy_gen *g, const struct usb_device_info *dev, const char *host,
                          int64_t time_usec);

size_t policy_gen_n_devices(const struct policy_gen *g);
uint64_t policy_gen_n_unreadable(const struct policy_gen *g);

struct policy_gen_options {
	uint64_t serial;    /* the policy's serial */
	const char *key_id; /* NULL: no key_id setting (a comment says to add one) */
	bool phone_data;    /* allow phones' data interfaces too (default: charge only) */
	const char *source; /* one line for the header: what was read (NULL: none) */
	int64_t now_usec;   /* generation time for the header */
};

/* Writes the policy text. Returns 0 or -EIO when out fails. */
int policy_gen_write(const struct policy_gen *g, const struct policy_gen_options *o, FILE *out);

/* A string as a libconfig string literal body (no quotes): '"' and '\\' escaped, control bytes,
 * DEL and '@' as \xNN (so no "@include" can appear in the text). Always NUL-terminates. */
void policy_gen_quote(char *dst, size_t size, const char *s);
