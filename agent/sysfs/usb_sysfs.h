/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading USB devices from sysfs through libudev (CONTRACT shared by the agent and the CLI;
 * implemented in sysfs/). Works unchanged under umockdev. Thin shell: reads bytes and attributes,
 * then calls the pure core (usb_device_set_descriptors, classify_device).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libudev.h>

#include "policy/device/usb_device.h"

/*
 * Fills *ret (caller-allocated, large: allocate it on the heap) from a udev device of
 * DEVTYPE usb_device: identity (syspath, busid, busnum, devnum, depth, root hub?), strings,
 * speed, authorized, the parsed "descriptors" (a parse failure is recorded in desc_status, not
 * returned), per-interface sysfs state (sysname, authorized, driver, "interface" string) for the
 * interfaces that exist, the MTP database hint (udev ID_MTP_DEVICE / hwdb), then classify_device().
 * Returns 0; -ENODEV/-ENOENT when the device vanished mid-read; -EINVAL when d is not a USB device.
 */
int usb_sysfs_read_device(struct udev_device *d, struct usb_device_info *ret);

/* Same, from a syspath. */
int usb_sysfs_read_syspath(struct udev *udev, const char *syspath, struct usb_device_info *ret);

/*
 * Enumerates every USB device (DEVTYPE usb_device, root hubs included) in topological order: a
 * hub always before the devices behind it (sorted by depth, then bus id). On success returns the
 * count and sets *ret_devices (caller owns: free with usb_sysfs_devices_free()).
 */
int usb_sysfs_enumerate(struct udev *udev, struct usb_device_info **ret_devices);
struct usb_device_info *usb_sysfs_devices_free(struct usb_device_info *devices);

/*
 * Reads a root hub's "authorized_default" and "interface_authorized_default" (the kernel's
 * per-bus defaults for new devices and interfaces; Portcullis wants both 0). Each value is 0/1,
 * or -1 when the attribute is missing or unreadable (old kernels have no
 * interface_authorized_default). Returns 0, -ENODEV when the hub is gone, -EINVAL when dev is
 * not a root hub.
 */
int usb_sysfs_read_bus_defaults(const struct usb_device_info *root_hub, int *ret_authorized_default,
                                int *ret_interface_authorized_default);
