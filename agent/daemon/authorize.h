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

/* Root hubs usb1 .. usb255. */
#define AUTHZ_MAX_BUSES 256

/*
 * Calls fn(userdata, N) for every root hub "usbN" (1 <= N < AUTHZ_MAX_BUSES) listed in
 * bus/usb/devices. Returns 0 (also when there is no USB at all) or a negative errno when the
 * directory cannot be listed.
 */
typedef void (*authz_bus_fn)(void *userdata, unsigned busnum);
int authz_for_each_root_hub(struct authz *a, authz_bus_fn fn, void *userdata);

/* Writes 0 to usbcore's authorized_default parameter (read back); -ENOENT: usbcore not loaded. */
int authz_lock_usbcore(struct authz *a);

/* The directory of root hub usbN relative to the root, for the default attributes. */
#define AUTHZ_ROOT_HUB_DIR_MAX 32
void authz_root_hub_dir(unsigned busnum, char buf[static AUTHZ_ROOT_HUB_DIR_MAX]);

/*
 * The first thing portcullisd does, before it reads any file: usbcore's parameter and both
 * defaults of every root hub under sysfs_root set to 0 (read back). Nothing is reported here (the
 * agent reports every bus again when it starts); *ret_failed counts the root hubs whose defaults
 * did not stick. Returns 0 or a negative errno when sysfs_root or the bus list cannot be opened.
 */
int authz_lock_early(const char *sysfs_root, unsigned *ret_locked, unsigned *ret_failed);
