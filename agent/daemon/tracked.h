/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's memory of the devices it decided (pure: no sysfs, no clocks, no logging).
 *
 * Per device it keeps only what later uevents, the re-check and reloads need: the effective
 * decision (authorize the device or not, and one allow bit per (configuration, interface number)),
 * not the large struct usb_device_info. Interfaces it does not know are blocked (fail closed).
 * The table keeps devices in the order they were first decided (hubs before their children).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/device/usb_device.h"
#include "policy/lang/policy.h"

/* "<busid>:<config>.<number>", the sysfs name of an interface. */
#define TRACKED_IFNAME_MAX (USB_BUSID_MAX + 8)

struct tracked_iface {
	uint8_t config_value, number;
	bool allow;
};

struct tracked {
	char *syspath;
	char busid[USB_BUSID_MAX];
	uint8_t busnum;
	uint16_t vid, pid; /* 0 when the descriptors did not parse */
	/* What later events about it say (device_removed, tamper, enforce_failed): the identity
	 * from the reading it was decided on. Strings NULL when the device has none. */
	bool has_ids; /* vid, pid, bcd_device: the descriptors parsed */
	uint16_t bcd_device;
	unsigned speed_mbps;
	uint8_t desc_sha256[32];
	usb_kind_mask kinds;
	char *manufacturer, *product, *serial;
	bool authorize_device; /* effective: the device itself is to be authorized */
	bool cut_off;          /* a copy limit deauthorized it: blocked until plugged in again */
	uint16_t n_ifaces;
	struct tracked_iface ifaces[]; /* effective per-interface decision */
};

struct tracked_table {
	struct tracked **devs;
	size_t n, cap;
};

/*
 * The effective decision for dev: dec as evaluated, or, with allow_all (audit mode), everything
 * allowed. Interfaces decided "read-only" are allowed only with read_only_ready (their block
 * devices will be made read-only before anything sees them), else blocked (fail closed).
 * Caller owns *ret; free with tracked_free(). Returns 0 or -ENOMEM.
 */
int tracked_new(const struct usb_device_info *dev, const struct decision *dec, bool allow_all,
                bool read_only_ready, struct tracked **ret);
/* A copy limit cut the device off: blocked, every interface too, and marked so. */
void tracked_cut_off(struct tracked *t);
struct tracked *tracked_free(struct tracked *t);

/* Whether two decisions for the same device are the same (syspath not compared). */
bool tracked_equal(const struct tracked *x, const struct tracked *y);

/* The allow bit of interface "busid:C.N"; false for unknown or malformed names, blocked devices. */
bool tracked_iface_allowed(const struct tracked *t, const char *ifname);

/* Whether the device is authorized but one of its interfaces is blocked (charge-only, partial). */
bool tracked_has_blocked_iface(const struct tracked *t);

/* The sysfs name of t->ifaces[k] into buf. */
void tracked_iface_name(const struct tracked *t, uint16_t k, char buf[static TRACKED_IFNAME_MAX]);

/*
 * Interface strings can only narrow: every interface that dec (evaluated on info, a re-read of the
 * same device) blocks is blocked in t. When something was narrowed, dec is rewritten to report
 * the narrowed decision: every interface t blocks is BLOCK in dec. Returns how many allowed
 * interfaces of t became blocked.
 */
unsigned tracked_narrow(struct tracked *t, const struct usb_device_info *info,
                        struct decision *dec);

/* Index of the device with sysfs name busid, or -1. */
ssize_t tracked_table_find(const struct tracked_table *tbl, const char *busid);
/* Borrowed; NULL when busid is not tracked. */
struct tracked *tracked_table_get(const struct tracked_table *tbl, const char *busid);

/*
 * Puts t in the table (it takes ownership, also on failure): replaces the device with the same
 * busid, in place, or appends. Returns 0 or -ENOMEM (t freed, the table unchanged).
 */
int tracked_table_put(struct tracked_table *tbl, struct tracked *t);

/* Forgets the device at index i (order of the others kept). */
void tracked_table_remove(struct tracked_table *tbl, size_t i);

/* Whether any tracked device has a blocked interface while authorized (see above). */
bool tracked_table_any_blocked_iface(const struct tracked_table *tbl);

/* Frees every entry; the table is empty and reusable afterwards. */
void tracked_table_clear(struct tracked_table *tbl);
