/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent/sysfs/usb_sysfs.c under umockdev: every device of the data set read back through libudev,
 * unauthorized and configured; topological enumeration; missing, malformed and oversized
 * descriptors; devices that vanish; bounded strings; interface state; the MTP database hint.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmtp.h>
#include <libudev.h>

#include "policy/device/classify.h"
#include "agent/sysfs/usb_sysfs.h"
#include "tests/support/testsupport.h"

static UMockdevTestbed *tb;
static struct udev *udev;
static char **names; /* the data set, loaded once before the tests fork */
static int n_names;

static void setup(void)
{
	tb = umockdev_testbed_new();
	ck_assert(umockdev_in_mock_environment());
	udev = udev_new();
	ck_assert_ptr_nonnull(udev);
}

static void teardown(void)
{
	udev_unref(udev);
	g_object_unref(tb);
}

static usb_kind_mask kinds_parse(const char *list)
{
	usb_kind_mask m = 0;
	char *copy = strdup(list), *save = NULL;

	ck_assert_ptr_nonnull(copy);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = usb_kind_from_string(t);
		ck_assert_msg(k >= 0, "unknown kind '%s'", t);
		m |= USB_KIND_BIT(k);
	}
	free(copy);
	return m;
}

static int errno_by_name(const char *s)
{
	if (!strcmp(s, "EBADMSG"))
		return -EBADMSG;
	if (!strcmp(s, "E2BIG"))
		return -E2BIG;
	if (!strcmp(s, "EFBIG"))
		return -EFBIG;
	ck_abort_msg("unknown expect.error %s", s);
	return 0;
}

/* What udev's hwdb says about the VID:PID (generated from libmtp's table, which the reader uses).
 */
static bool hwdb_mtp(uint16_t vid, uint16_t pid)
{
	struct udev_hwdb *hw = udev_hwdb_new(udev);
	struct udev_list_entry *e;
	char key[32];
	bool hit = false;

	if (!hw)
		return false;
	snprintf(key, sizeof(key), "usb:v%04Xp%04X", vid, pid);
	udev_list_entry_foreach (e, udev_hwdb_get_properties_list_entry(hw, key, 0)) {
		if (!strcmp(udev_list_entry_get_name(e), "ID_MTP_DEVICE") &&
		    !strcmp(udev_list_entry_get_value(e), "1"))
			hit = true;
	}
	udev_hwdb_unref(hw);
	return hit;
}

/* libmtp's table, the reader's last source for the hint. */
static bool libmtp_mtp(uint16_t vid, uint16_t pid)
{
	LIBMTP_device_entry_t *list = NULL;
	int n = 0;

	ck_assert_int_eq(LIBMTP_Get_Supported_Devices_List(&list, &n), 0);
	ck_assert_int_gt(n, 1000);
	for (int i = 0; i < n; i++)
		if (list[i].vendor_id == vid && list[i].product_id == pid)
			return true;
	return false;
}

static uint8_t active_config(const struct ts_fixture *f, const struct usb_device_info *ref)
{
	const char *a = ts_fixture_get(f, "active_config");

	if (a && *a)
		return (uint8_t)atoi(a);
	return ref->desc.n_configs ? ref->desc.configs[0].value : 0;
}

/*
 * The classification the reader must reach: the same blob, the interface strings sysfs shows
 * (configured interfaces only) and the MTP database hint, through the core. Compat IDs are not in
 * sysfs (they need endpoint 0), so they are left out.
 */
static void reference(const struct ts_fixture *f, bool configured, struct usb_device_info *ref)
{
	memset(ref, 0, sizeof(*ref));
	(void)usb_device_set_descriptors(ref, f->desc, f->desc_len);
	if (ref->desc_status == 0 && configured) {
		uint8_t cfg = active_config(f, ref);
		for (unsigned i = 0; i < ref->n_ifaces; i++) {
			struct usb_iface_info *fi = &ref->ifaces[i];
			const char *s = ts_fixture_iface_string(f, fi->config_value, fi->number);
			if (fi->config_value == cfg && s) {
				fi->has_string = true;
				snprintf(fi->string, sizeof(fi->string), "%s", s);
			}
		}
	}
	ref->mtp_db_hit = ref->desc_status == 0 &&
	                  (ts_fixture_mtp_db(f) || hwdb_mtp(ref->desc.vid, ref->desc.pid));
	classify_device(ref);
}

static bool has_key_prefix(const struct ts_fixture *f, const char *prefix)
{
	for (unsigned i = 0; i < f->n_kv; i++)
		if (!strncmp(f->kv[i].key, prefix, strlen(prefix)))
			return true;
	return false;
}

static void check_string(bool has, const char *got, const char *meta)
{
	if (meta && *meta) {
		ck_assert(has);
		ck_assert_str_eq(got, meta);
	} else {
		ck_assert(!has);
	}
}

static void check_dataset_device(const char *name, bool authorized)
{
	struct ts_fixture *f = NULL;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct usb_device_info *ref = calloc(1, sizeof(*ref));
	char *sp = NULL, id[10];
	const char *err;
	int r;

	ck_assert_ptr_nonnull(dev);
	ck_assert_ptr_nonnull(ref);
	ck_assert_int_eq(ts_fixture_load(name, &f), 0);
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-2",
	                                &(struct ts_opts){ .authorized = authorized,
	                                                   .configured = true,
	                                                   .iface_authorized = -1,
	                                                   .driver_bound = true },
	                                &sp),
	                 0);

	r = usb_sysfs_read_syspath(udev, sp, dev);
	ck_assert_msg(r == 0, "%s: read: %s", name, strerror(-r));
	ck_assert_str_eq(dev->syspath, sp);
	ck_assert_str_eq(dev->busid, "1-2");
	ck_assert_uint_eq(dev->busnum, 1);
	ck_assert_uint_ge(dev->devnum, 2);
	ck_assert_uint_eq(dev->depth, 1);
	ck_assert(!dev->is_root_hub);
	ck_assert_int_eq(dev->authorized, authorized ? 1 : 0);
	check_string(dev->has_manufacturer, dev->manufacturer, ts_fixture_get(f, "manufacturer"));
	check_string(dev->has_product, dev->product, ts_fixture_get(f, "product"));
	check_string(dev->has_serial, dev->serial, ts_fixture_get(f, "serial"));
	ck_assert_uint_eq(dev->speed_mbps, (unsigned)atoi(ts_fixture_get(f, "speed")));

	reference(f, authorized, ref);
	err = ts_fixture_get(f, "expect.error");
	if (err) {
		/* malformed: recorded, not returned; no interfaces, no kinds */
		ck_assert_int_eq(dev->desc_status, errno_by_name(err));
		ck_assert_uint_eq(dev->desc_error.offset,
		                  (size_t)atol(ts_fixture_get(f, "expect.error_offset")));
		ck_assert_uint_eq(dev->n_ifaces, 0);
		ck_assert_uint_eq(dev->kinds, 0);
		/* identity kept (from the blob's first 18 bytes, else sysfs idVendor/idProduct) */
		usb_device_format_id(dev, id);
		id[4] = '\0';
		ck_assert_str_eq(id, ts_fixture_get(f, "vid"));
		ck_assert_str_eq(id + 5, ts_fixture_get(f, "pid"));
		goto out;
	}
	ck_assert_msg(dev->desc_status == 0, "%s: desc_status %d", name, dev->desc_status);
	usb_device_format_id(dev, id);
	id[4] = '\0';
	ck_assert_str_eq(id, ts_fixture_get(f, "vid"));
	ck_assert_str_eq(id + 5, ts_fixture_get(f, "pid"));
	ck_assert_mem_eq(dev->desc_sha256, ref->desc_sha256, 32);
	ck_assert_uint_eq(dev->n_ifaces, ref->n_ifaces);
	ck_assert_int_eq(dev->mtp_db_hit, ref->mtp_db_hit);

	uint8_t cfg = active_config(f, ref);
	for (unsigned i = 0; i < dev->n_ifaces; i++) {
		const struct usb_iface_info *g = &dev->ifaces[i];
		const char *s = ts_fixture_iface_string(f, g->config_value, g->number);
		char sysname[USB_BUSID_MAX];

		snprintf(sysname, sizeof(sysname), "1-2:%u.%u", g->config_value, g->number);
		if (authorized && g->config_value == cfg) {
			ck_assert_str_eq(g->sysname, sysname);
			ck_assert_int_eq(g->authorized, 1);
			ck_assert(g->has_driver);
			check_string(g->has_string, g->string, s);
		} else {
			/* unauthorized: only the descriptors know the interface */
			ck_assert_str_eq(g->sysname, "");
			ck_assert_int_eq(g->authorized, -1);
			ck_assert(!g->has_driver);
			ck_assert(!g->has_string);
		}
		ck_assert_msg(g->kinds == ref->ifaces[i].kinds, "%s: %s kinds %#x, want %#x", name,
		              sysname, g->kinds, ref->ifaces[i].kinds);
	}
	ck_assert_msg(dev->kinds == ref->kinds, "%s: kinds %#x, want %#x", name, dev->kinds,
	              ref->kinds);
	/* where sysfs carries every hint the data set used, the result is the data set's */
	if (authorized && !has_key_prefix(f, "compat.") && !ts_fixture_get(f, "active_config"))
		ck_assert_msg(dev->kinds == kinds_parse(ts_fixture_get(f, "expect.kinds")),
		              "%s: kinds %#x, expect.kinds %s", name, dev->kinds,
		              ts_fixture_get(f, "expect.kinds"));
	/* hints only add: what the reader finds is never more than the data set expects... */
	ck_assert((dev->kinds & ~kinds_parse(ts_fixture_get(f, "expect.kinds"))) == 0 ||
	          dev->mtp_db_hit);
out:
	free(sp);
	ts_fixture_free(f);
	free(ref);
	free(dev);
}

START_TEST(test_dataset_configured)
{
	check_dataset_device(names[_i], true);
}
END_TEST

START_TEST(test_dataset_unauthorized)
{
	check_dataset_device(names[_i], false);
}
END_TEST

START_TEST(test_dataset_not_empty)
{
	/* the loop tests above would pass vacuously on an empty data set */
	ck_assert_int_ge(n_names, 20);
}
END_TEST

START_TEST(test_topology)
{
	static const char *const want[] = { "usb1",  "usb2",  "1-1",    "1-2",    "2-1",
		                            "1-1.2", "1-1.3", "1-1.10", "1-1.3.1" };
	static const uint8_t want_depth[] = { 0, 0, 1, 1, 1, 2, 2, 2, 3 };
	struct usb_device_info *devs = NULL;
	char *hub = NULL, *hub2 = NULL, *r2 = NULL;
	int n;

	/* added out of order on purpose */
	ck_assert_int_eq(ts_add_root_hub(tb, 2, &r2), 0);
	ck_assert_int_eq(ts_add_device(tb, "keyboard", r2, "2-1", true, true, NULL), 0);
	ck_assert_int_eq(ts_add_hub(tb, NULL, "1-1", &hub), 0);
	ck_assert_int_eq(ts_add_device(tb, "usb-stick", hub, "1-1.10", false, false, NULL), 0);
	ck_assert_int_eq(ts_add_hub(tb, hub, "1-1.3", &hub2), 0);
	ck_assert_int_eq(ts_add_device(tb, "mouse", hub2, "1-1.3.1", true, true, NULL), 0);
	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", hub, "1-1.2", false, false, NULL), 0);
	ck_assert_int_eq(ts_add_device(tb, "badusb", NULL, "1-2", false, false, NULL), 0);

	n = usb_sysfs_enumerate(udev, &devs);
	ck_assert_int_eq(n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < n; i++) {
		ck_assert_str_eq(devs[i].busid, want[i]);
		ck_assert_uint_eq(devs[i].depth, want_depth[i]);
	}
	/* root hubs: a device of their own, hub kind, the "N-0:1.0" interface present */
	ck_assert(devs[0].is_root_hub);
	ck_assert_uint_eq(devs[0].busnum, 1);
	ck_assert_uint_eq(devs[1].busnum, 2);
	ck_assert_int_eq(devs[0].desc_status, 0);
	ck_assert_uint_eq(devs[0].kinds, USB_KIND_BIT(USB_KIND_HUB));
	ck_assert_uint_eq(devs[0].n_ifaces, 1);
	ck_assert_str_eq(devs[0].ifaces[0].sysname, "1-0:1.0");
	ck_assert(devs[0].ifaces[0].has_driver);
	ck_assert(!devs[2].is_root_hub);
	ck_assert_uint_eq(devs[2].kinds, USB_KIND_BIT(USB_KIND_HUB));
	ck_assert_int_eq(devs[7].authorized, 0); /* 1-1.10: the stick */
	ck_assert_uint_eq(devs[7].kinds, USB_KIND_BIT(USB_KIND_MASS_STORAGE));
	usb_sysfs_devices_free(devs);
	free(hub);
	free(hub2);
	free(r2);
}
END_TEST

START_TEST(test_enumerate_empty)
{
	struct usb_device_info *devs = (void *)1;

	ck_assert_int_eq(usb_sysfs_enumerate(udev, &devs), 0);
	ck_assert_ptr_null(devs);
	ck_assert_int_eq(usb_sysfs_enumerate(NULL, &devs), -EINVAL);
}
END_TEST

START_TEST(test_descriptors_missing)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	o.no_descriptors = true;
	ck_assert_int_eq(ts_add_device_opts(tb, "usb-stick", NULL, "1-4", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_int_eq(dev->desc_status, -ENOENT);
	ck_assert_ptr_nonnull(dev->desc_error.reason);
	ck_assert_uint_eq(dev->n_ifaces, 0);
	ck_assert_uint_eq(dev->kinds, 0);
	ck_assert_str_eq(dev->product, "Cruzer Blade"); /* identity still read */
	ck_assert_uint_eq(dev->desc.vid, 0x0781);       /* from idVendor: no blob to read it from */
	ck_assert_uint_eq(dev->desc.pid, 0x5567);
	free(sp);
	free(dev);
}
END_TEST

START_TEST(test_descriptors_malformed)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct ts_fixture *f = NULL;
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	ck_assert_int_eq(ts_fixture_load("android-mtp-adb", &f), 0);
	f->desc_len = 30; /* device descriptor + part of the configuration */
	o.configured = false;
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-5", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_int_eq(dev->desc_status, -EBADMSG);
	ck_assert_uint_eq(dev->n_ifaces, 0);
	ck_assert_uint_eq(dev->kinds, 0);
	ck_assert(!dev->mtp_db_hit);
	ck_assert_uint_eq(dev->desc.vid, 0x18d1); /* identity kept for the event */
	free(sp);
	ts_fixture_free(f);
	free(dev);
}
END_TEST

/* A descriptors file over the cap is rejected without reading it all. */
START_TEST(test_descriptors_oversized)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct ts_fixture *f = NULL;
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	ck_assert_int_eq(ts_fixture_load("usb-stick", &f), 0);
	o.configured = false;
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-6", &o, &sp), 0);
	{
		size_t len = USB_DESC_MAX_BYTES + 100;
		uint8_t *big = calloc(1, len);
		memcpy(big, f->desc, f->desc_len);
		umockdev_testbed_set_attribute_binary(tb, sp, "descriptors", big, (gint)len);
		free(big);
	}
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_int_eq(dev->desc_status, -EFBIG);
	ck_assert_uint_eq(dev->desc.vid, 0x0781); /* identity kept, nothing else */
	ck_assert_uint_eq(dev->desc.n_alts, 0);
	ck_assert_uint_eq(dev->n_ifaces, 0);
	ck_assert_uint_eq(dev->kinds, 0);
	free(sp);
	ts_fixture_free(f);
	free(dev);
}
END_TEST

START_TEST(test_vanished)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct udev_device *d;
	char *sp = NULL;

	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-7", true, true, &sp), 0);
	d = udev_device_new_from_syspath(udev, sp);
	ck_assert_ptr_nonnull(d);
	ts_remove_device(tb, sp);
	ck_assert_int_eq(usb_sysfs_read_device(d, dev), -ENODEV);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), -ENODEV);
	udev_device_unref(d);
	free(sp);
	free(dev);
}
END_TEST

/* The directory is there but its files are gone (the kernel removes them one by one). */
START_TEST(test_vanished_mid_read)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct udev_device *d;
	char *sp = NULL;

	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-8", true, true, &sp), 0);
	d = udev_device_new_from_syspath(udev, sp);
	ck_assert_ptr_nonnull(d);
	/* libudev has read "uevent" before the files went: the reader gets past its type check */
	ck_assert_str_eq(udev_device_get_devtype(d), "usb_device");
	ck_assert_int_eq(ts_delete_attr(tb, sp, "uevent"), 0);
	ck_assert_int_eq(ts_delete_attr(tb, sp, "busnum"), 0);
	ck_assert_int_eq(usb_sysfs_read_device(d, dev), -ENODEV);
	udev_device_unref(d);
	free(sp);
	free(dev);
}
END_TEST

START_TEST(test_not_a_usb_device)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	char *sp = NULL, *ifpath;

	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-9", true, true, &sp), 0);
	ifpath = g_strconcat(sp, "/1-9:1.0", NULL);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, ifpath, dev), -EINVAL);
	ck_assert_int_eq(usb_sysfs_read_device(NULL, dev), -EINVAL);
	g_free(ifpath);
	free(sp);
	free(dev);
}
END_TEST

/* Device strings: bounded copies, kept as the device sent them (escaping is the printer's job). */
START_TEST(test_strings_bounded)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	char *sp = NULL, longs[1001];

	memset(longs, 'A', 1000);
	longs[1000] = '\0';
	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-11", true, true, &sp), 0);
	ts_write_attr(tb, sp, "product", longs);
	ts_write_attr(tb, sp, "manufacturer", "Evil\x1b[2J\r\nCorp");
	ts_write_attr(tb, sp, "1-11:1.0/interface", longs);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert(dev->has_product);
	ck_assert_uint_eq(strlen(dev->product), USB_STRING_MAX - 1);
	ck_assert_str_eq(dev->manufacturer, "Evil\x1b[2J\r\nCorp");
	ck_assert(dev->ifaces[0].has_string);
	ck_assert_uint_eq(strlen(dev->ifaces[0].string), USB_IFACE_STRING_MAX - 1);
	free(sp);
	free(dev);
}
END_TEST

/* Per-interface sysfs state: authorized 0 (interface_authorized_default=0), no driver. */
START_TEST(test_interface_state)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	o.iface_authorized = 0;
	o.driver_bound = false;
	ck_assert_int_eq(ts_add_device_opts(tb, "android-mtp-adb", NULL, "1-12", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_uint_eq(dev->n_ifaces, 2);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(dev->ifaces[i].authorized, 0);
		ck_assert(!dev->ifaces[i].has_driver);
		ck_assert(dev->ifaces[i].has_string);
	}
	ck_assert_str_eq(dev->ifaces[0].sysname, "1-12:1.0");
	ck_assert_str_eq(dev->ifaces[0].string, "MTP");
	ck_assert_str_eq(dev->ifaces[1].string, "ADB Interface");
	ck_assert(dev->kinds & USB_KIND_BIT(USB_KIND_ADB));
	ck_assert(dev->kinds & USB_KIND_BIT(USB_KIND_MTP));
	ts_write_attr(tb, sp, "1-12:1.1/authorized", "1");
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_int_eq(dev->ifaces[0].authorized, 0);
	ck_assert_int_eq(dev->ifaces[1].authorized, 1);
	free(sp);
	free(dev);
}
END_TEST

/* An interface attribute that cannot be read is "unknown", not a failed device read. */
START_TEST(test_interface_unreadable)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	char *sp = NULL, *root = umockdev_testbed_get_root_dir(tb), *path;

	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", NULL, "1-16", true, true, &sp), 0);
	ck_assert_int_eq(ts_delete_attr(tb, sp, "1-16:1.1/authorized"), 0);
	ck_assert_int_eq(ts_delete_attr(tb, sp, "1-16:1.1/interface"), 0);
	path = g_strconcat(root, sp, "/1-16:1.1/authorized", NULL);
	ck_assert_int_eq(mkdir(path, 0755), 0); /* reads fail with EISDIR */
	g_free(path);
	path = g_strconcat(root, sp, "/1-16:1.1/interface", NULL);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	g_free(path);

	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert_str_eq(dev->ifaces[1].sysname, "1-16:1.1"); /* present */
	ck_assert_int_eq(dev->ifaces[1].authorized, -1);      /* state unknown */
	ck_assert(!dev->ifaces[1].has_string);
	ck_assert_int_eq(dev->ifaces[0].authorized, 1); /* the other one is unaffected */
	ck_assert_str_eq(dev->ifaces[0].string, "MTP");
	ck_assert(dev->kinds & USB_KIND_BIT(USB_KIND_ADB)); /* from the descriptors */
	g_free(root);
	free(sp);
	free(dev);
}
END_TEST

/* ID_MTP_DEVICE=1 from udev is the MTP database hint even when the hwdb does not know it. */
START_TEST(test_mtp_property_hint)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct ts_fixture *f = NULL;
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	ck_assert_int_eq(ts_fixture_load("usb-serial", &f), 0);
	ck_assert(!hwdb_mtp(0x0403, 0x6001));
	ck_assert(!libmtp_mtp(0x0403, 0x6001));
	o.configured = false;
	o.authorized = false;
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-13", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert(!dev->mtp_db_hit);
	ck_assert(!(dev->kinds & USB_KIND_BIT(USB_KIND_MTP)));
	free(sp);

	ck_assert_int_eq(ts_fixture_set(f, "mtp_db", "1"), 0);
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-14", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert(dev->mtp_db_hit);
	ck_assert(dev->kinds & USB_KIND_BIT(USB_KIND_MTP)); /* vendor ff/ff/ff with bulk */
	free(sp);
	ts_fixture_free(f);

	/* no udev property (udev did not run): the databases still know a Pixel */
	ck_assert_int_eq(ts_fixture_load("android-mtp-adb", &f), 0);
	ck_assert_int_eq(ts_fixture_set(f, "mtp_db", "0"), 0);
	ck_assert(libmtp_mtp(0x18d1, 0x4ee2));
	ck_assert_int_eq(ts_add_fixture(tb, f, NULL, "1-15", &o, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	ck_assert(dev->mtp_db_hit);
	free(sp);
	ts_fixture_free(f);
	free(dev);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("usb_sysfs");
	TCase *tc = tcase_create("dataset");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dataset_not_empty);
	tcase_add_loop_test(tc, test_dataset_configured, 0, n_names);
	tcase_add_loop_test(tc, test_dataset_unauthorized, 0, n_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("shell");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_topology);
	tcase_add_test(tc, test_enumerate_empty);
	tcase_add_test(tc, test_descriptors_missing);
	tcase_add_test(tc, test_descriptors_malformed);
	tcase_add_test(tc, test_descriptors_oversized);
	tcase_add_test(tc, test_vanished);
	tcase_add_test(tc, test_vanished_mid_read);
	tcase_add_test(tc, test_not_a_usb_device);
	tcase_add_test(tc, test_strings_bounded);
	tcase_add_test(tc, test_interface_state);
	tcase_add_test(tc, test_interface_unreadable);
	tcase_add_test(tc, test_mtp_property_hint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	n_names = ts_fixture_list(&names);
	if (n_names < 0)
		n_names = 0;
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	g_strfreev(names);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
