/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis-blockro DEVPATH DEVNODE — run by udev (udev-rules/71-portcullis-read-only.rules) in
 * the block device's own "add"/"change" event. If portcullisd decided the USB device the block
 * device belongs to "read-only" (it leaves <run>/read-only/<busid> before it authorizes the
 * interface), sets the kernel's read-only flag on DEVNODE. udev runs an event's RUN programs
 * before it announces the event to other listeners (udisks2, automounters, systemd), so they
 * only ever see the device read-only. Exit status: 0 done or nothing to do, 1 the flag could not
 * be set (portcullisd, which also sees the kernel's uevent, then deauthorizes the device).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/transfer/blockdev.h"
#include "agent/transfer/transfer_acct.h"
#include "paths.h"

int main(int argc, char **argv)
{
	char busid[64], marker[PATH_MAX];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: portcullis-blockro DEVPATH DEVNODE\n");
		return 2;
	}
	if (transfer_busid_from_devpath(argv[1], busid, sizeof(busid)) < 0)
		return 0; /* not a USB block device */
	if (snprintf(marker, sizeof(marker), "%s/read-only/%s", PORTCULLIS_RUN_DIR, busid) >=
	    (int)sizeof(marker))
		return 1;
	if (access(marker, F_OK) < 0)
		return 0; /* not decided read-only */
	r = blockdev_set_read_only(argv[2]);
	if (r < 0) {
		fprintf(stderr, "portcullis-blockro: %s (USB %s): cannot set read-only: %s\n",
		        argv[2], busid, strerror(-r));
		return 1;
	}
	return 0;
}
