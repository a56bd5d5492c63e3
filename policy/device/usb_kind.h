/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kinds an interface can be classified into. Pure, no state. */
#pragma once

#include <stdint.h>

/*
 * Order matters: when an interface carries several kinds (alternate settings, an interface
 * association, string or database hints), the kind with the LOWEST value is its primary kind, so
 * data channels come first and "other" last.
 */
enum usb_kind {
	USB_KIND_MASS_STORAGE = 0,
	USB_KIND_MTP,
	USB_KIND_PTP,
	USB_KIND_ADB,
	USB_KIND_APPLE_USBMUX,
	USB_KIND_APPLE_ETHERNET,
	USB_KIND_NETWORK,
	USB_KIND_WIRELESS,
	USB_KIND_SERIAL,
	USB_KIND_PRINTER,
	USB_KIND_VIDEO,
	USB_KIND_AUDIO,
	USB_KIND_SMARTCARD,
	USB_KIND_HID,
	USB_KIND_HUB,
	USB_KIND_OTHER,
	_USB_KIND_MAX,
};

typedef uint32_t usb_kind_mask;
#define USB_KIND_BIT(k)   ((usb_kind_mask)1u << (k))
#define USB_KIND_MASK_ALL ((usb_kind_mask)((1u << _USB_KIND_MAX) - 1u))

/* "mass-storage", "mtp", ... ; NULL for an invalid value. */
const char *usb_kind_to_string(enum usb_kind k);
/* Returns the kind (>= 0) or -EINVAL. */
int usb_kind_from_string(const char *s);
/* Lowest-valued kind in mask, USB_KIND_OTHER for an empty mask. */
enum usb_kind usb_kind_primary(usb_kind_mask mask);
