// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * claim: try to take each interface of one USB device through usbfs, as an MTP/ADB/usbmux
 * client would (libusb open + claim).
 *
 *   claim BUS DEV           (decimal, as in /sys/bus/usb/devices/X/busnum and devnum)
 *
 * Prints one line per interface of the active configuration:
 *   claim IFNUM ok                      the interface was claimed (a data channel is open)
 *   claim IFNUM fail ERRNAME            libusb refused (e.g. LIBUSB_ERROR_NO_DEVICE when the
 *                                       interface is not authorized, LIBUSB_ERROR_BUSY when a
 *                                       kernel driver holds it)
 * and "claim - fail ERRNAME" when the device cannot be opened or has no configuration (an
 * unauthorized device). Never detaches kernel drivers. Exit 0 when it could report, 1 otherwise.
 */
#define _GNU_SOURCE
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s BUS DEV\n", argv[0]);
		return 1;
	}
	int bus = atoi(argv[1]), addr = atoi(argv[2]);
	libusb_context *ctx = NULL;
	if (libusb_init(&ctx) != 0) {
		fprintf(stderr, "claim: libusb_init failed\n");
		return 1;
	}
	libusb_device **list = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);
	libusb_device *dev = NULL;
	for (ssize_t i = 0; i < n; i++)
		if (libusb_get_bus_number(list[i]) == bus &&
		    libusb_get_device_address(list[i]) == addr)
			dev = list[i];
	int rc = 1;
	if (!dev) {
		printf("claim - fail NOT_LISTED\n");
		goto out;
	}
	libusb_device_handle *h = NULL;
	int r = libusb_open(dev, &h);
	if (r != 0) {
		printf("claim - fail %s\n", libusb_error_name(r));
		rc = 0;
		goto out;
	}
	struct libusb_config_descriptor *cfg = NULL;
	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r != 0) {
		printf("claim - fail %s\n", libusb_error_name(r));
		libusb_close(h);
		rc = 0;
		goto out;
	}
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		int num = cfg->interface[i].altsetting[0].bInterfaceNumber;
		r = libusb_claim_interface(h, num);
		if (r == 0) {
			printf("claim %d ok\n", num);
			libusb_release_interface(h, num);
		} else {
			printf("claim %d fail %s\n", num, libusb_error_name(r));
		}
	}
	libusb_free_config_descriptor(cfg);
	libusb_close(h);
	rc = 0;
out:
	libusb_free_device_list(list, 1);
	libusb_exit(ctx);
	return rc;
}
