/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hints over endpoint 0 (libusb), for devices that are still unauthorized: the kernel does not
 * read interface strings before a device is configured, and never reads Microsoft OS
 * descriptors. Both are asked for here with standard/vendor control requests and short
 * timeouts; they only ever ADD kinds (the caller runs classify_device() afterwards).
 *
 * Everything the device answers is untrusted: the parsers below are pure, bounds-checked and
 * public so tests and fuzzers call them directly. umockdev cannot replay control transfers, so
 * usb_ep0_read_hints() itself is tested only in the VM (tests/e2e).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "policy/device/usb_device.h"

#define USB_EP0_TIMEOUT_MS       200  /* per control transfer */
#define USB_EP0_MAX_COMPAT       32   /* functions kept from an extended compat ID descriptor */
#define USB_EP0_COMPAT_MAX_BYTES 4096 /* extended compat ID descriptor: larger is rejected */

/*
 * Decodes a string descriptor (bLength, bDescriptorType 3, UTF-16LE) of len bytes into UTF-8 in
 * out (NUL-terminated, cut at a whole character to fit outsize). Unpaired surrogates and NUL
 * become U+FFFD. Returns the length written, -EBADMSG when bLength/type are wrong, -EINVAL on
 * bad arguments.
 */
int usb_ep0_parse_string(const uint8_t *buf, size_t len, char *out, size_t outsize);

/*
 * Microsoft OS 1.0 string descriptor (index 0xEE): "MSFT100" and the vendor code. Returns the
 * vendor code (0..255), -ENOENT when the descriptor is not an MS OS descriptor.
 */
int usb_ep0_parse_msos_string(const uint8_t *buf, size_t len);

struct usb_ep0_compat {
	uint8_t first_interface;
	char compat_id[9]; /* e.g. "MTP", NUL-terminated; only [A-Z0-9_] */
	char sub_compat_id[9];
};

/*
 * Microsoft OS 1.0 extended compat ID descriptor (wIndex 4). Fills up to max entries of out and
 * returns their count; entries with an empty or invalid compatible ID are skipped. -EBADMSG
 * when the header is wrong or dwLength/bCount do not match len, -EFBIG over
 * USB_EP0_COMPAT_MAX_BYTES.
 */
int usb_ep0_parse_compat_ids(const uint8_t *buf, size_t len, struct usb_ep0_compat *out,
                             size_t max);

/*
 * Opens /dev/bus/usb/BBB/DDD of dev (busnum/devnum) through ctx, reads the interface strings
 * of every alternate setting with an iInterface index (those not already known) and the MS OS
 * compat IDs, and stores them in dev->ifaces[] (has_string/string, compat_id). Never claims an
 * interface; short timeouts. Returns the number of hints added (>= 0), or a negative errno:
 * -ENODEV (gone), -EACCES (no permission), -EIO/-ETIMEDOUT (the device did not answer).
 * A device that answers some requests and not others keeps what it answered; after the first
 * request that times out nothing more is asked (the delay per device stays a few timeouts).
 */
int usb_ep0_read_hints(libusb_context *ctx, struct usb_device_info *dev, unsigned timeout_ms);
