/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc_testsupport builds what the kernel would show: checked here through libudev (as the agent
 * sees it) and through the testbed's files.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>

#include "tests/support/testsupport.h"

static UMockdevTestbed *tb;
static struct udev *udev;

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

static const char *attr(struct udev_device *d, const char *name)
{
	const char *v = udev_device_get_sysattr_value(d, name);
	ck_assert_msg(v, "attribute %s missing", name);
	return v;
}

START_TEST(test_stick_configured)
{
	char *sp = NULL, buf[256];
	struct udev_device *d, *i;

	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-2", true, true, &sp), 0);
	ck_assert_str_eq(sp, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2");

	d = udev_device_new_from_syspath(udev, sp);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(udev_device_get_devtype(d), "usb_device");
	ck_assert_str_eq(udev_device_get_subsystem(d), "usb");
	ck_assert_str_eq(attr(d, "idVendor"), "0781");
	ck_assert_str_eq(attr(d, "idProduct"), "5567");
	ck_assert_str_eq(attr(d, "bDeviceClass"), "00");
	ck_assert_str_eq(attr(d, "product"), "Cruzer Blade");
	ck_assert_str_eq(attr(d, "authorized"), "1");
	ck_assert_str_eq(attr(d, "bConfigurationValue"), "1");
	ck_assert_str_eq(attr(d, "busnum"), "1");
	ck_assert_str_eq(udev_device_get_property_value(d, "BUSNUM"), "001");
	ck_assert_ptr_null(udev_device_get_property_value(d, "ID_MTP_DEVICE"));
	ck_assert_str_eq(udev_device_get_sysname(udev_device_get_parent(d)), "usb1");
	udev_device_unref(d);

	/* binary descriptors, byte for byte (with NULs) */
	{
		struct ts_fixture *f = NULL;
		char *dir = umockdev_testbed_get_root_dir(tb);
		char *file = g_strconcat(dir, sp, "/descriptors", NULL);
		gchar *content = NULL;
		gsize len = 0;

		ck_assert_int_eq(ts_fixture_load("usb-stick", &f), 0);
		ck_assert(g_file_get_contents(file, &content, &len, NULL));
		ck_assert_uint_eq(len, f->desc_len);
		ck_assert_uint_eq(len, 50);
		ck_assert_mem_eq(content, f->desc, len);
		g_free(content);
		g_free(file);
		g_free(dir);
		ts_fixture_free(f);
	}

	i = udev_device_new_from_subsystem_sysname(udev, "usb", "1-2:1.0");
	ck_assert_ptr_nonnull(i);
	ck_assert_str_eq(udev_device_get_devtype(i), "usb_interface");
	ck_assert_str_eq(attr(i, "bInterfaceClass"), "08");
	ck_assert_str_eq(attr(i, "bInterfaceSubClass"), "06");
	ck_assert_str_eq(attr(i, "bInterfaceProtocol"), "50");
	ck_assert_str_eq(attr(i, "authorized"), "1");
	udev_device_unref(i);

	ck_assert_int_eq(ts_read_attr(tb, sp, "authorized", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "1");
	free(sp);
}
END_TEST

START_TEST(test_unauthorized_has_no_interfaces)
{
	char *sp = NULL, buf[64];

	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", NULL, "1-3", false, true, &sp), 0);
	ck_assert_int_eq(ts_read_attr(tb, sp, "authorized", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(ts_read_attr(tb, sp, "bConfigurationValue", buf, sizeof(buf)), 0);
	ck_assert_int_eq(ts_read_attr(tb, sp, "1-3:1.0/bInterfaceClass", buf, sizeof(buf)),
	                 -ENOENT);
	ck_assert_ptr_null(udev_device_new_from_subsystem_sysname(udev, "usb", "1-3:1.0"));
	ck_assert_int_eq(ts_read_attr(tb, sp, "product", buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "Pixel 7");
	free(sp);
}
END_TEST

START_TEST(test_phone_interfaces_and_strings)
{
	char *sp = NULL, buf[64];
	struct udev_device *d;

	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", NULL, "2-1", true, true, &sp), 0);
	ck_assert_str_eq(sp, "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1");
	d = udev_device_new_from_syspath(udev, sp);
	ck_assert_str_eq(udev_device_get_property_value(d, "ID_MTP_DEVICE"), "1");
	udev_device_unref(d);
	ck_assert_int_eq(ts_read_attr(tb, sp, "2-1:1.0/interface", buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "MTP");
	ck_assert_int_eq(ts_read_attr(tb, sp, "2-1:1.1/bInterfaceClass", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "ff");
	ck_assert_int_eq(ts_read_attr(tb, sp, "2-1:1.1/interface", buf, sizeof(buf)), 13);
	free(sp);
}
END_TEST

START_TEST(test_root_hub_and_hub)
{
	char *root = NULL, *hub = NULL, *kb = NULL, buf[64];

	ck_assert_int_eq(ts_add_root_hub(tb, 3, &root), 0);
	ck_assert_str_eq(root, "/sys/devices/pci0000:00/0000:00:14.0/usb3");
	ck_assert_int_eq(ts_read_attr(tb, root, "authorized_default", buf, sizeof(buf)), 1);
	ck_assert_int_eq(ts_read_attr(tb, root, "interface_authorized_default", buf, sizeof(buf)),
	                 1);
	ck_assert_int_eq(ts_read_attr(tb, root, "3-0:1.0/bInterfaceClass", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "09");
	/* idempotent */
	ck_assert_int_eq(ts_add_root_hub(tb, 3, NULL), 0);

	ck_assert_int_eq(ts_add_hub(tb, root, "3-1", &hub), 0);
	ck_assert_int_eq(ts_add_device(tb, "keyboard", hub, "3-1.4", true, true, &kb), 0);
	ck_assert_str_eq(kb, "/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1.4");
	ck_assert_int_eq(ts_read_attr(tb, kb, "devpath", buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "1.4");
	/* the data set's keyboard has no manufacturer (empty in meta): no attribute file */
	ck_assert_int_eq(ts_read_attr(tb, kb, "manufacturer", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(ts_read_attr(tb, kb, "speed", buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "1.5");
	ck_assert_int_eq(ts_read_attr(tb, kb, "3-1.4:1.0/bInterfaceClass", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "03");
	free(root);
	free(hub);
	free(kb);
}
END_TEST

/* The "add" uevent a monitor sees comes after the descriptors are in place. */
START_TEST(test_add_event_sees_descriptors)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(udev, "udev");
	struct pollfd p;
	char *sp = NULL;
	bool seen = false;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(udev_monitor_filter_add_match_subsystem_devtype(m, "usb", "usb_device"),
	                 0);
	ck_assert_int_eq(udev_monitor_enable_receiving(m), 0);
	ck_assert_int_eq(ts_add_device(tb, "usb-stick", NULL, "1-5", true, false, &sp), 0);
	p = (struct pollfd){ .fd = udev_monitor_get_fd(m), .events = POLLIN };
	while (!seen && poll(&p, 1, 5000) == 1) {
		struct udev_device *d = udev_monitor_receive_device(m);
		if (!d)
			continue;
		if (!strcmp(udev_device_get_sysname(d), "1-5")) {
			char buf[8];
			ck_assert_str_eq(udev_device_get_action(d), "add");
			/* the file is there by the time the event is received */
			ck_assert_int_eq(ts_read_attr(tb, sp, "descriptors", buf, sizeof(buf)), 7);
			seen = true;
		}
		udev_device_unref(d);
	}
	ck_assert(seen);
	udev_monitor_unref(m);
	free(sp);
}
END_TEST

/* Collects "action sysname" of the uevents that arrive before a short quiet period. */
static void drain(struct udev_monitor *m, char *buf, size_t size)
{
	struct pollfd p = { .fd = udev_monitor_get_fd(m), .events = POLLIN };
	size_t o = 0;

	buf[0] = '\0';
	/* the events are queued when the testbed call returns: the timeouts are deadlines */
	while (o < size && poll(&p, 1, o ? 200 : 2000) == 1) {
		struct udev_device *d = udev_monitor_receive_device(m);
		if (!d)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s %s", o ? "," : "",
		                      udev_device_get_action(d), udev_device_get_sysname(d));
		udev_device_unref(d);
	}
}

START_TEST(test_remove_sends_events)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(udev, "udev");
	char *sp = NULL, events[512], buf[8];

	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", NULL, "1-4", true, true, &sp), 0);
	ck_assert_int_eq(udev_monitor_enable_receiving(m), 0);
	ts_remove_device(tb, sp);
	drain(m, events, sizeof(events));
	ck_assert_str_eq(events, "remove 1-4:1.0,remove 1-4:1.1,remove 1-4");
	ck_assert_int_eq(ts_read_attr(tb, sp, "uevent", buf, sizeof(buf)), -ENOENT);
	udev_monitor_unref(m);
	free(sp);
}
END_TEST

/* The kernel's reaction to authorized=1 / 0, with interface_authorized_default=0 (Portcullis). */
START_TEST(test_kernel_set_authorized)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(udev, "udev");
	struct ts_fixture *f = NULL;
	char *root = NULL, *sp = NULL, events[512], buf[64];

	ck_assert_int_eq(ts_add_root_hub(tb, 1, &root), 0);
	ts_write_attr(tb, root, "interface_authorized_default", "0");
	ck_assert_int_eq(ts_fixture_load("android-mtp-adb", &f), 0);
	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", root, "1-6", false, false, &sp), 0);
	ck_assert_int_eq(udev_monitor_enable_receiving(m), 0);

	ck_assert_int_eq(ts_kernel_set_authorized(tb, sp, true, f), 0);
	drain(m, events, sizeof(events));
	ck_assert_str_eq(events, "add 1-6:1.0,add 1-6:1.1");
	ck_assert_int_eq(ts_read_attr(tb, sp, "authorized", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "1");
	ck_assert_int_eq(ts_read_attr(tb, sp, "bConfigurationValue", buf, sizeof(buf)), 1);
	ck_assert_int_eq(ts_read_attr(tb, sp, "1-6:1.0/authorized", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "0"); /* interface_authorized_default=0 */
	ck_assert_int_eq(ts_read_attr(tb, sp, "1-6:1.0/interface", buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "MTP");
	ck_assert_int_eq(ts_read_attr(tb, sp, "1-6:1.0/driver", buf, sizeof(buf)), -ENOENT);
	/* again: already configured, nothing new */
	ck_assert_int_eq(ts_kernel_set_authorized(tb, sp, true, f), 0);

	ck_assert_int_eq(ts_kernel_set_authorized(tb, sp, false, f), 0);
	drain(m, events, sizeof(events));
	ck_assert_str_eq(events, "remove 1-6:1.0,remove 1-6:1.1"); /* the device stays */
	ck_assert_int_eq(ts_read_attr(tb, sp, "authorized", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(ts_read_attr(tb, sp, "bConfigurationValue", buf, sizeof(buf)), 0);
	ck_assert_int_eq(ts_read_attr(tb, sp, "1-6:1.0/authorized", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_gt(ts_read_attr(tb, sp, "descriptors", buf, sizeof(buf)), 0);

	ts_fixture_free(f);
	udev_monitor_unref(m);
	free(root);
	free(sp);
}
END_TEST

START_TEST(test_missing_fixture)
{
	char *sp = NULL;

	ck_assert_int_eq(ts_add_device(tb, "no-such-device", NULL, "1-1", true, true, &sp),
	                 -ENOENT);
	ck_assert_ptr_null(sp);
	ck_assert_int_eq(ts_add_device(tb, "../etc", NULL, "1-1", true, true, &sp), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("testsupport");
	TCase *tc = tcase_create("umockdev");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stick_configured);
	tcase_add_test(tc, test_unauthorized_has_no_interfaces);
	tcase_add_test(tc, test_phone_interfaces_and_strings);
	tcase_add_test(tc, test_root_hub_and_hub);
	tcase_add_test(tc, test_add_event_sees_descriptors);
	tcase_add_test(tc, test_remove_sends_events);
	tcase_add_test(tc, test_kernel_set_authorized);
	tcase_add_test(tc, test_missing_fixture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
