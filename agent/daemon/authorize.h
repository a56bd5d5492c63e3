/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only code that writes to sysfs: USB authorization attributes, the root hubs' defaults,
 * usbcore's module parameter and drivers_probe. Every write is read back. Paths are relative to
 * a configurable sysfs root ("/sys", or a test tree), opened with O_CLOEXEC|O_NOFOLLOW.
 *
 * All functions return >= 0 on success or a negative errno: -ENOENT/-ENODEV when the device
 * vanished, -EREMOTEIO when a value read back differs from the one written, -EINVAL on a bad
 * argument or an unreadable value.
 */
#pragma once

#include <stddef.h>

struct authz;

/* Opens the sysfs root directory. Caller owns *ret; free with authz_free(). */
int authz_open(const char *sysfs_root, struct authz **ret);
struct authz *authz_free(struct authz *a);

/*
 * Converts an absolute sysfs path as libudev reports it ("/sys/devices/...") into one relative to
 * the root ("devices/..."). Paths not under "/sys/" are refused (-EINVAL). Writes at most size
 * bytes (-ENAMETOOLONG when it does not fit).
 */
int authz_relpath(const char *syspath, char *buf, size_t size);

/* Reads an integer attribute (e.g. "authorized") at dir/attr. dir is relative to the root. */
int authz_read_int(struct authz *a, const char *dir, const char *attr, int *ret_value);

/* Writes value to dir/attr and reads it back; -EREMOTEIO when the read-back differs. */
int authz_write_int(struct authz *a, const char *dir, const char *attr, int value);

/*
 * Opens the directory dir (relative to the root) for reading, O_DIRECTORY|O_CLOEXEC. Returns the
 * fd (caller owns) or a negative errno.
 */
int authz_open_dir(struct authz *a, const char *dir);

/* Writes the interface name ("1-2:1.0") to bus/usb/drivers_probe so a driver binds. */
int authz_probe_interface(struct authz *a, const char *ifname);
