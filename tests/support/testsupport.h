/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc_testsupport: builds emulated USB devices in a umockdev testbed from the descriptor data set
 * (tests/data/descriptors/NAME.hex + NAME.meta), the way the kernel shows them in sysfs.
 *
 * Test code only. Functions return 0 or a negative errno like the project's code; syspaths are
 * returned as "/sys/devices/..." strings the caller frees with free() (they are g_strdup'ed,
 * and glib's allocator is malloc on Debian).
 *
 * Kernel facts modelled here (see /work/shared/docs/usb-facts.md):
 *  - every usb_device has the "descriptors" file (all configurations), manufacturer/product/serial,
 *    authorized, bConfigurationValue (empty while unconfigured);
 *  - interface directories "<busid>:<cfg>.<n>" exist only while the device is configured, which
 *    needs authorized=1: an unauthorized device never has any;
 *  - interface strings ("interface" attribute) exist only on configured interfaces.
 *  - /dev/bus/usb/BBB/DDD exists (a char device for the preload, holding the descriptors, so
 *    lsusb and libusb enumeration work; control transfers are not answered).
 * The "add" uevent of a device is sent after its descriptors are in place (race-free for monitors).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umockdev.h>

#define TS_META_MAX_KEYS 64

/* One device of the data set, as read from NAME.hex and NAME.meta
 * (tests/data/descriptors/README.md). */
struct ts_fixture {
	char name[64];
	uint8_t *desc; /* raw descriptors blob (malloc'ed) */
	size_t desc_len;

	/* meta, key=value as written (value: everything after the first '=') */
	unsigned n_kv;
	struct {
		char key[64];
		char value[256];
	} kv[TS_META_MAX_KEYS];
};

/* How to emulate a device; ts_opts_default() gives authorized + configured. */
struct ts_opts {
	bool authorized; /* "authorized" attribute */
	bool configured; /* create the interfaces of the first configuration (needs authorized) */
	int iface_authorized; /* interfaces' "authorized": 0/1, -1 = same as the device */
	bool driver_bound;    /* give each interface a "driver" link */
	bool no_descriptors;  /* leave out the "descriptors" file */
	unsigned devnum;      /* 0 = allocate the next free number */
};

/*
 * Loads tests/data/descriptors/NAME.hex and NAME.meta. Caller owns *ret_fixture (free with
 * ts_fixture_free()). -ENOENT: no such device; -EBADMSG: a file is malformed; -EINVAL: bad name.
 */
int ts_fixture_load(const char *name, struct ts_fixture **ret_fixture);

/*
 * Names of every device of the data set (NAME.hex in tests/data/descriptors), sorted.
 * Returns the count and sets *ret_names (NULL-terminated; free with g_strfreev()).
 */
int ts_fixture_list(char ***ret_names);

/* Value of a meta key, NULL when absent. Borrowed. */
const char *ts_fixture_get(const struct ts_fixture *f, const char *key);

/* Sets (adds or replaces) a meta key, e.g. to give a test device a hostile product string. */
int ts_fixture_set(struct ts_fixture *f, const char *key, const char *value);
/* NULL-safe; returns NULL. */
struct ts_fixture *ts_fixture_free(struct ts_fixture *f);
/* "string.C.I" of meta: the iInterface text of interface (config, number), or NULL. Borrowed. */
const char *ts_fixture_iface_string(const struct ts_fixture *f, uint8_t config, uint8_t number);

/* meta mtp_db=1 */
bool ts_fixture_mtp_db(const struct ts_fixture *f);

struct ts_opts ts_opts_default(void);

/*
 * Adds the data-set device NAME as busid (e.g. "1-2", or "1-3.2" behind a hub) below
 * parent_syspath (a root hub or hub syspath; NULL = root hub "usb<bus of busid>", created on
 * demand). authorized/configured as in struct ts_opts; interface authorized = device authorized.
 * Sets *ret_syspath (caller frees with free()) when non-NULL. Returns 0 or a negative errno
 * (-ENOENT: no such fixture, -EBADMSG: fixture malformed).
 */
int ts_add_device(UMockdevTestbed *tb, const char *name, const char *parent_syspath,
                  const char *busid, bool authorized, bool configured, char **ret_syspath);

/* Same with every option. */
int ts_add_device_opts(UMockdevTestbed *tb, const char *name, const char *parent_syspath,
                       const char *busid, const struct ts_opts *opts, char **ret_syspath);

/*
 * Adds a device from a fixture already in memory (tests may edit it first, e.g. cut the blob
 * to make it malformed). Interfaces come from parsing f->desc; a blob that does not parse gives
 * a device without interfaces.
 */
int ts_add_fixture(UMockdevTestbed *tb, const struct ts_fixture *f, const char *parent_syspath,
                   const char *busid, const struct ts_opts *opts, char **ret_syspath);

/*
 * Adds root hub "usbN" at /sys/devices/pci0000:00/0000:00:14.0/usbN (1d6b:0002, class 09,
 * authorized, configured, interface "N-0:1.0" bound to "hub") with authorized_default=1 and
 * interface_authorized_default=1 (the kernel's defaults; the agent sets them to 0).
 * Idempotent: returns the existing one. Sets *ret_syspath when non-NULL.
 */
int ts_add_root_hub(UMockdevTestbed *tb, unsigned busnum, char **ret_syspath);

/*
 * Adds an authorized, configured 4-port USB 2.0 hub (05e3:0608, class 09, interface 09/00/00
 * bound to "hub") as busid below parent_syspath (NULL = its root hub). Devices behind it get
 * busids "<busid>.<port>" and its syspath as parent.
 */
int ts_add_hub(UMockdevTestbed *tb, const char *parent_syspath, const char *busid,
               char **ret_syspath);

/*
 * Unplugs: sends "remove" for the device's children (interfaces, devices behind a hub), then for
 * the device, and deletes them from the testbed.
 */
void ts_remove_device(UMockdevTestbed *tb, const char *syspath);

/*
 * What the kernel does when "authorized" of a usb_device is written (the agent's tests call this
 * after the agent wrote the attribute, since umockdev only stores the value):
 *  - authorized=1 on an unconfigured device: writes authorized=1, picks the configuration
 *    (meta active_config of f, else the first), sets bConfigurationValue and creates the
 *    interfaces ("add" uevents), each with authorized = the root hub's
 *    interface_authorized_default and a driver link when that is 1; interface strings come
 *    from f (may be NULL: no strings).
 *  - authorized=0: removes the interfaces ("remove" uevents), empties bConfigurationValue,
 *    writes authorized=0.
 * Returns 0, -ENODEV when the device has no descriptors file.
 */
int ts_kernel_set_authorized(UMockdevTestbed *tb, const char *syspath, bool authorized,
                             const struct ts_fixture *f);

/*
 * Reads attribute attr of syspath (or of syspath/sub when sub is non-NULL) straight from the
 * testbed's files, trailing newline removed. Returns the length or a negative errno.
 */
int ts_read_attr(UMockdevTestbed *tb, const char *syspath, const char *attr, char *buf,
                 size_t size);

/* Writes attribute attr (value + "\n") of syspath, no uevent. */
void ts_write_attr(UMockdevTestbed *tb, const char *syspath, const char *attr, const char *value);

/* Deletes one attribute file (e.g. "descriptors") of syspath. Returns 0 or a negative errno. */
int ts_delete_attr(UMockdevTestbed *tb, const char *syspath, const char *attr);
