/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser for the raw USB descriptor blob the kernel exposes in sysfs ("descriptors"): the
 * 18-byte device descriptor followed by every configuration descriptor with its interface,
 * endpoint, interface-association and class-specific descriptors.
 *
 * The bytes come from whatever a person plugged in: every length is checked, bLength and
 * wTotalLength are never trusted, and all limits below are hard caps. Pure code, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USB_DESC_MAX_BYTES (64u * 1024u) /* whole blob; larger is rejected (-EFBIG) */
#define USB_MAX_CONFIGS    8             /* kernel USB_MAXCONFIG */
#define USB_MAX_IFACE_ALTS 256           /* interface alt settings over all configurations */
#define USB_MAX_IADS       64            /* interface association descriptors over all configs */

/* Descriptor types (USB 2.0 table 9-5, USB 3 additions). */
enum {
	USB_DT_DEVICE = 0x01,
	USB_DT_CONFIG = 0x02,
	USB_DT_STRING = 0x03,
	USB_DT_INTERFACE = 0x04,
	USB_DT_ENDPOINT = 0x05,
	USB_DT_INTERFACE_ASSOC = 0x0b,
	USB_DT_SS_ENDPOINT_COMP = 0x30,
};

/* One interface alternate setting, flattened, with a summary of its endpoints. */
struct usb_iface_alt {
	uint8_t config_value; /* bConfigurationValue of the configuration it belongs to */
	uint8_t config_index; /* 0-based index of that configuration in the blob */
	uint8_t number;       /* bInterfaceNumber */
	uint8_t alt;          /* bAlternateSetting */
	uint8_t cls, subclass, protocol;
	uint8_t i_interface;   /* string index, 0 = none */
	uint8_t num_endpoints; /* endpoint descriptors actually present */
	uint8_t bulk_in, bulk_out, intr_in, intr_out, iso_in, iso_out;
	bool in_iad; /* covered by an interface association descriptor */
	uint8_t iad_cls, iad_subclass, iad_protocol;
};

struct usb_config {
	uint8_t value;          /* bConfigurationValue */
	uint8_t attributes;     /* bmAttributes */
	uint8_t max_power;      /* bMaxPower, in 2 mA (or 8 mA for SuperSpeed) units */
	uint8_t num_interfaces; /* bNumInterfaces as declared */
	uint16_t total_length;  /* wTotalLength as declared */
};

/*
 * Parsed descriptors: plain data, fixed size, safe to memcpy.
 * alts[] is grouped: all alternate settings of one (configuration, bInterfaceNumber) follow each
 * other, configurations in blob order, interface numbers ascending, alternate settings in blob
 * order within a group.
 */
struct usb_descriptors {
	uint16_t bcd_usb;
	uint8_t dev_class, dev_subclass, dev_protocol;
	uint8_t max_packet0;
	uint16_t vid, pid, bcd_device;
	uint8_t i_manufacturer, i_product, i_serial;
	uint8_t num_configs_declared; /* bNumConfigurations */

	uint8_t n_configs;
	struct usb_config configs[USB_MAX_CONFIGS];

	uint16_t n_alts;
	struct usb_iface_alt alts[USB_MAX_IFACE_ALTS];
};

/* Where and why a blob was rejected. reason is a static string. */
struct usb_desc_error {
	size_t offset;
	const char *reason;
};

/*
 * Parses len bytes at buf. On success fills *ret and returns 0. On failure returns a negative
 * errno (-EBADMSG malformed, -EFBIG over a size cap, -E2BIG too many configurations/interfaces,
 * -EINVAL bad arguments), fills *reterr (if non-NULL) and leaves *ret unspecified.
 */
int usb_desc_parse(const uint8_t *buf, size_t len, struct usb_descriptors *ret,
                   struct usb_desc_error *reterr);

/*
 * Decodes hex text (the format of tests/data/descriptors/NAME.hex and "portcullis descriptor dump
 * --hex"): pairs of hex digits, any whitespace between bytes, and lines whose first non-blank
 * character is '#' are comments. Writes at most outsize bytes to out. Returns the number of bytes
 * (>= 0), -EBADMSG on any other character or an odd digit count (*reterr_offset = offset in text),
 * -EFBIG when out is too small.
 */
int usb_desc_hex_decode(const char *text, size_t len, uint8_t *out, size_t outsize,
                        size_t *reterr_offset);
