/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Block devices: the kernel's read-only flag (BLKROSET). Shared by the agent and the udev helper.
 */
#pragma once

/*
 * Opens devnode read-only (no write, no exclusive claim) and sets the kernel's read-only flag
 * (BLKROSET), then reads it back (BLKROGET). Needs CAP_SYS_ADMIN. Returns 0 or a negative errno
 * (-EIO when the flag does not read back as set).
 */
int blockdev_set_read_only(const char *devnode);
