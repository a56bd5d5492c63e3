/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device model every part of Portcullis works on: plain data, filled by a shell (sysfs via
 * libudev, a test table, a fuzzer) and then classified and evaluated by pure code.
 *
 * Every string in here came from the device or from sysfs and is untrusted: escape it
 * (policy/base/strutil.h str_escape, or a JSON encoder) before it goes anywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/device/usb_desc.h"
#include "policy/device/usb_kind.h"

#define USB_STRING_MAX       256 /* bytes kept of a device-supplied string, incl. NUL */
#define USB_IFACE_STRING_MAX 128
#define USB_MAX_IFACES       256 /* (configuration, interface number) pairs */
#define USB_BUSID_MAX        32  /* "1-2.3.4.5.6.7:1.0" fits */
#define USB_SYSPATH_MAX      512

/* One interface: a (configuration, bInterfaceNumber) pair, merged over its alternate settings. */
struct usb_iface_info {
	uint8_t config_value;            /* bConfigurationValue */
	uint8_t number;                  /* bInterfaceNumber */
	uint8_t cls, subclass, protocol; /* of alternate setting 0 (or the first seen) */
	uint8_t n_alts;                  /* alternate settings seen */
	uint16_t first_alt;              /* index into desc.alts of the first alt setting */

	/* Hints a shell may add before classification; they only ever ADD kinds. */
	bool has_string;
	char string[USB_IFACE_STRING_MAX]; /* iInterface text, e.g. "MTP" (untrusted) */
	char compat_id[9];                 /* Microsoft OS compatible ID, e.g. "MTP" ("" = none) */

	/* Filled by classify_device(). */
	usb_kind_mask kinds;
	enum usb_kind kind; /* primary kind */

	/* sysfs state, filled by the shell; sysname is "" when the interface does not exist. */
	char sysname[USB_BUSID_MAX]; /* "1-2:1.0" */
	int authorized;              /* 0/1, -1 when unknown or absent */
	bool has_driver;
};

struct usb_device_info {
	/* Identity and sysfs state (shell-filled). */
	char syspath[USB_SYSPATH_MAX];
	char busid[USB_BUSID_MAX]; /* sysfs name, e.g. "1-2.3"; "usb1" for root hubs */
	uint8_t busnum, devnum;
	uint8_t depth; /* 0 = root hub, 1 = on a root port, ... */
	unsigned speed_mbps;
	int authorized; /* 0/1, -1 unknown */
	bool is_root_hub;

	bool has_manufacturer, has_product, has_serial;
	char manufacturer[USB_STRING_MAX];
	char product[USB_STRING_MAX];
	char serial[USB_STRING_MAX];

	/* Hint from the libmtp device database or udev hwdb (ID_MTP_DEVICE): adds "mtp". */
	bool mtp_db_hit;

	/* Descriptors: parse status, digest of the raw blob, parsed form. */
	int desc_status;                  /* 0 ok, negative errno from usb_desc_parse() */
	struct usb_desc_error desc_error; /* valid when desc_status < 0 */
	uint8_t desc_sha256[32];          /* SHA-256 of the raw descriptors blob */
	struct usb_descriptors desc;      /* valid when desc_status == 0 */

	/* Interfaces of every configuration (the union: userspace may switch configuration). */
	uint16_t n_ifaces;
	struct usb_iface_info ifaces[USB_MAX_IFACES];

	/* Filled by classify_device(): union of the interface kinds (and of the device class). */
	usb_kind_mask kinds;
};

/*
 * Parses the raw descriptor blob into dev->desc, stores its SHA-256 in dev->desc_sha256 and
 * builds dev->ifaces (one entry per configuration/interface number). Leaves identity, strings and
 * sysfs state alone. Returns 0, or the negative errno of the parse, which is also kept in
 * dev->desc_status (a device whose descriptors do not parse is always blocked).
 *
 * ifaces[] is rebuilt from scratch (hints empty, authorized = -1, sysname ""): fill the hints and
 * sysfs state afterwards. dev->kinds is reset until classify_device() runs. The digest is computed
 * even when parsing fails; on failure dev->desc is zero except, when the first 18 bytes look like a
 * device descriptor, its identity fields (vid, pid, bcd_usb, bcd_device, device class), so events
 * can still name the device. -EINVAL when dev is NULL or buf is NULL with len > 0.
 */
int usb_device_set_descriptors(struct usb_device_info *dev, const uint8_t *buf, size_t len);

/* Finds the interface (config_value, number); NULL when absent. Borrowed pointer. */
struct usb_iface_info *usb_device_find_iface(struct usb_device_info *dev, uint8_t config_value,
                                             uint8_t number);

/* Formats the vid:pid as "18d1:4ee1" into buf (needs 10 bytes). */
void usb_device_format_id(const struct usb_device_info *dev, char buf[static 10]);
