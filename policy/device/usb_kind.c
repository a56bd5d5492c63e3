/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "policy/device/usb_kind.h"

static const char *const kind_names[_USB_KIND_MAX] = {
	[USB_KIND_MASS_STORAGE] = "mass-storage",
	[USB_KIND_MTP] = "mtp",
	[USB_KIND_PTP] = "ptp",
	[USB_KIND_ADB] = "adb",
	[USB_KIND_APPLE_USBMUX] = "apple-usbmux",
	[USB_KIND_APPLE_ETHERNET] = "apple-ethernet",
	[USB_KIND_NETWORK] = "network",
	[USB_KIND_WIRELESS] = "wireless",
	[USB_KIND_SERIAL] = "serial",
	[USB_KIND_PRINTER] = "printer",
	[USB_KIND_VIDEO] = "video",
	[USB_KIND_AUDIO] = "audio",
	[USB_KIND_SMARTCARD] = "smartcard",
	[USB_KIND_HID] = "hid",
	[USB_KIND_HUB] = "hub",
	[USB_KIND_OTHER] = "other",
};

const char *usb_kind_to_string(enum usb_kind k)
{
	if ((unsigned)k >= _USB_KIND_MAX)
		return NULL;
	return kind_names[k];
}

int usb_kind_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int k = 0; k < _USB_KIND_MAX; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return -EINVAL;
}

enum usb_kind usb_kind_primary(usb_kind_mask mask)
{
	mask &= USB_KIND_MASK_ALL;
	if (!mask)
		return USB_KIND_OTHER;
	return (enum usb_kind)__builtin_ctz(mask);
}
