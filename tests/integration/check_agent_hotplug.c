/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullisd hot-plug under umockdev: a device is added unauthorized (as with
 * authorized_default=0), the agent decides it; when it authorizes the device the test creates the
 * interfaces like the kernel would, and the agent decides each of them. Every case asserts the
 * resulting "authorized" of the device and of each interface.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_agent_harness.h"
#include "tests/support/testsupport.h"

/* Mass storage: blocked, stays unauthorized, the operator is told why. */
START_TEST(test_stick_blocked)
{
	struct harness *h = h_new();
	char buf[1024], path[128];
	FILE *f;

	h_start(h);
	char *sp = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, sp, NULL), 0);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-2");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK);
	/* last-refusal names the device and the reason in plain words */
	snprintf(path, sizeof(path), "%s/last-refusal", h->run_dir);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	ck_assert_msg(strstr(buf, "\"device\":\"1-2\"") && strstr(buf, "mass-storage") &&
	                  strstr(buf, "builtin-block-data"),
	              "last-refusal: %s", buf);
	free(sp);
	h_free(h);
}
END_TEST

/*
 * Host controllers added at runtime, one after another (a docking station): each root hub's own
 * hub interface was born unauthorized without a driver because the bus was locked before the
 * kernel configured the root hub. The agent authorizes it and binds the hub driver; the devices
 * behind the new root hubs are decided as usual (a keyboard works, a stick does not).
 */
START_TEST(test_hot_added_controllers)
{
	struct harness *h = h_new();
	char buf[64], iface[16], *kb = NULL, *stick = NULL;

	h_start(h);
	for (unsigned bus = 2; bus <= 4; bus++) {
		char *hub = NULL, ifpath[256];

		ck_assert_int_eq(ts_add_root_hub(h->tb, bus, &hub), 0);
		snprintf(iface, sizeof(iface), "%u-0:1.0", bus);
		snprintf(ifpath, sizeof(ifpath), "%s/%s", hub, iface);
		ts_write_attr(h->tb, ifpath, "authorized", "0");
		ck_assert_int_eq(ts_delete_attr(h->tb, ifpath, "driver"), 0);
		umockdev_testbed_uevent(h->tb, hub, "add");
		umockdev_testbed_uevent(h->tb, ifpath, "add");
		ck_assert_int_eq(h_wait_auth(h, hub, iface, 1), 1);
		ck_assert_str_eq(h_sysfile(h, "bus/usb/drivers_probe", buf, sizeof(buf)), iface);
		ck_assert(h_all_buses_locked(h));
		if (bus == 3)
			kb = h_add(h, "keyboard", hub, "3-1", false, false);
		if (bus == 4)
			stick = h_add(h, "usb-stick", hub, "4-2", false, false);
		free(hub);
	}
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 1), 1);
	h_configure(h, kb, "3-1", "keyboard");
	ck_assert_int_eq(h_wait_auth(h, kb, "3-1:1.0", 1), 1);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, stick, NULL), 0);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "4-2")->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_uint_eq(h_count(h, EVENT_ENFORCE_FAILED, NULL), 0);
	free(kb);
	free(stick);
	h_free(h);
}
END_TEST

/*
 * A bare ff/ff/00 of an unknown vendor is ambiguous from its descriptors, so the agent asks the
 * device over endpoint 0; umockdev has no device node to talk to, so that fails, and the device is
 * decided on its descriptors alone: blocked whole (kind "other"), promptly, no enforce_failed.
 */
START_TEST(test_ep0_failure_fails_closed)
{
	struct harness *h = h_new();

	h_start(h);
	char *sp = h_add(h, "vendor-bare", NULL, "1-6", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, sp, NULL), 0);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-6");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_uint_eq(h_count(h, EVENT_ENFORCE_FAILED, NULL), 0);
	free(sp);
	h_free(h);
}
END_TEST

/* Keyboard: device authorized, then both HID interfaces authorized and probed. */
START_TEST(test_keyboard_allowed)
{
	struct harness *h = h_new();
	char buf[64];

	h_start(h);
	char *sp = h_add(h, "keyboard", NULL, "1-3", false, false);
	ck_assert_int_eq(h_wait_auth(h, sp, NULL, 1), 1);
	h_configure(h, sp, "1-3", "keyboard");
	ck_assert_int_eq(h_wait_auth(h, sp, "1-3:1.0", 1), 1);
	ck_assert_int_eq(h_wait_auth(h, sp, "1-3:1.1", 1), 1);
	ck_assert_str_eq(h_sysfile(h, "bus/usb/drivers_probe", buf, sizeof(buf)), "1-3:1.1");
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-3")->verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_uint_eq(h_count(h, EVENT_ENFORCE_FAILED, NULL), 0);
	free(sp);
	h_free(h);
}
END_TEST

/* BadUSB composite: the keyboard half works, the storage half stays unauthorized. */
START_TEST(test_badusb_partial)
{
	struct harness *h = h_new();

	h_start(h);
	char *sp = h_add(h, "badusb", NULL, "1-4", false, false);
	ck_assert_int_eq(h_wait_auth(h, sp, NULL, 1), 1);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-4")->verdict, DEVICE_VERDICT_PARTIAL);
	h_configure(h, sp, "1-4", "badusb");
	ck_assert_int_eq(h_wait_auth(h, sp, "1-4:1.0", 1), 1);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, sp, "1-4:1.1"), 0);
	ck_assert_int_eq(h_auth(h, sp, NULL), 1);
	free(sp);
	h_free(h);
}
END_TEST

/* Phones: configured so they charge (charge_only), every data interface blocked. */
static const struct {
	const char *fixture;
	enum device_verdict verdict;
	const char *ifaces[4]; /* interfaces of the first configuration: all blocked */
} phones[] = {
	{ "android-mtp", DEVICE_VERDICT_BLOCK, { "1-5:1.0" } },
	{ "android-mtp-adb", DEVICE_VERDICT_BLOCK, { "1-5:1.0", "1-5:1.1" } },
	/* configuration 2 has audio + HID (allowed): partial, configuration 1 (PTP) blocked */
	{ "iphone", DEVICE_VERDICT_PARTIAL, { "1-5:1.0" } },
};

START_TEST(test_phone_charge_only)
{
	struct harness *h = h_new();

	h_start(h);
	char *sp = h_add(h, phones[_i].fixture, NULL, "1-5", false, false);
	ck_assert_int_eq(h_wait_auth(h, sp, NULL, 1), 1);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-5");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->verdict, phones[_i].verdict);
	h_configure(h, sp, "1-5", phones[_i].fixture);
	h_settle(h);
	for (unsigned k = 0; k < 4 && phones[_i].ifaces[k]; k++)
		ck_assert_msg(h_auth(h, sp, phones[_i].ifaces[k]) == 0, "%s %s authorized",
		              phones[_i].fixture, phones[_i].ifaces[k]);
	ck_assert_int_eq(h_auth(h, sp, NULL), 1);
	free(sp);
	h_free(h);
}
END_TEST

/* A hub and the devices behind it: hub allowed, keyboard allowed, stick blocked. */
START_TEST(test_hub_children)
{
	struct harness *h = h_new();
	char *hub = NULL;

	h_start(h);
	ck_assert_int_eq(ts_add_hub(h->tb, NULL, "1-1", &hub), 0);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, hub, NULL), 1);
	ck_assert_int_eq(h_auth(h, hub, "1-1:1.0"), 1);
	char *kb = h_add(h, "keyboard", hub, "1-1.2", false, false);
	char *st = h_add(h, "usb-stick", hub, "1-1.3", false, false);
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 1), 1);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	h_configure(h, kb, "1-1.2", "keyboard");
	ck_assert_int_eq(h_wait_auth(h, kb, "1-1.2:1.0", 1), 1);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-1.3")->verdict, DEVICE_VERDICT_BLOCK);
	free(hub);
	free(kb);
	free(st);
	h_free(h);
}
END_TEST

/* Descriptors over a cap (-E2BIG): blocked, with the reason. */
START_TEST(test_malformed_blocked)
{
	struct harness *h = h_new();

	h_start(h);
	char *sp = h_add(h, "bad-too-many-ifaces", NULL, "1-6", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, sp, NULL), 0);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-6");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK);
	free(sp);
	h_free(h);
}
END_TEST

/*
 * Interface strings exist only once configured: a 06/01/01 interface looks like PTP (allowed by
 * this policy) until its string says "MTP" (blocked). Strings only narrow.
 */
static const char policy_ptp_not_mtp[] =
    "version = 1;\nserial = 5;\nmode = \"enforce\";\ndefault = \"block\";\n"
    "rules = (\n"
    "  { id = \"no-mtp\"; action = \"block\"; kind = [ \"mtp\" ]; },\n"
    "  { id = \"cameras\"; action = \"allow\"; kind = [ \"ptp\" ]; }\n"
    ");\n";

START_TEST(test_string_narrows)
{
	struct harness *h = h_new();

	struct ts_fixture *f = NULL;
	struct ts_opts o = ts_opts_default();
	char *sp = NULL;

	/* A camera (06/01/01, nothing says MTP) whose interface string, once configured, is "MTP".
	 */
	ck_assert_int_eq(ts_fixture_load("ptp-camera", &f), 0);
	ck_assert_int_eq(ts_fixture_set(f, "string.1.0", "MTP"), 0);
	h->policy_text = policy_ptp_not_mtp;
	h_start(h);
	o.authorized = false;
	o.configured = false;
	ck_assert_int_eq(ts_add_fixture(h->tb, f, NULL, "1-7", &o, &sp), 0);
	ck_assert_int_eq(h_wait_auth(h, sp, NULL, 1), 1);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-7")->verdict, DEVICE_VERDICT_ALLOW);
	h_configure_fixture(h, sp, "1-7", f);
	ts_fixture_free(f);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, sp, "1-7:1.0"), 0);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-7");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, "narrowed"));
	free(sp);
	h_free(h);
}
END_TEST

/*
 * A string seen late narrows interfaces already authorized: with a device-scope rule the kinds of
 * every interface count, so interface 1.1 saying "MTP" blocks 1.0, authorized a moment earlier.
 */
static const char policy_no_mtp_devices[] =
    "version = 1;\nserial = 6;\nmode = \"enforce\";\ndefault = \"block\";\n"
    "rules = (\n"
    "  { id = \"no-mtp-devices\"; action = \"block\"; scope = \"device\"; kind = [ \"mtp\" ]; },\n"
    "  { id = \"peripherals\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; }\n"
    ");\n";

START_TEST(test_late_string_narrows_earlier_iface)
{
	struct harness *h = h_new();

	h->policy_text = policy_no_mtp_devices;
	h_start(h);
	char *kb = h_add(h, "keyboard", NULL, "1-8", false, false);
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 1), 1);
	h_add_iface(h, kb, "1-8", 1, 0, 0x03, 0x00, 0x00, NULL);
	ck_assert_int_eq(h_wait_auth(h, kb, "1-8:1.0", 1), 1);
	h_add_iface(h, kb, "1-8", 1, 1, 0x03, 0x00, 0x00, "MTP");
	h_settle(h);
	ck_assert_int_eq(h_auth(h, kb, "1-8:1.1"), 0);
	ck_assert_int_eq(h_auth(h, kb, "1-8:1.0"), 0);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-8");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, "narrowed"));
	free(kb);
	h_free(h);
}
END_TEST

/* The same through an interface that is blocked anyway: its string still counts for the device. */
START_TEST(test_late_string_on_blocked_iface_narrows)
{
	struct harness *h = h_new();

	h->policy_text = policy_no_mtp_devices;
	h_start(h);
	/* BadUSB: 1.0 keyboard (allowed), 1.1 mass storage (blocked by the default) */
	char *bu = h_add(h, "badusb", NULL, "1-9", false, false);
	ck_assert_int_eq(h_wait_auth(h, bu, NULL, 1), 1);
	h_add_iface(h, bu, "1-9", 1, 0, 0x03, 0x01, 0x01, NULL);
	ck_assert_int_eq(h_wait_auth(h, bu, "1-9:1.0", 1), 1);
	h_add_iface(h, bu, "1-9", 1, 1, 0x08, 0x06, 0x50, "MTP");
	h_settle(h);
	ck_assert_int_eq(h_auth(h, bu, "1-9:1.1"), 0);
	ck_assert_int_eq(h_auth(h, bu, "1-9:1.0"), 0);
	free(bu);
	h_free(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("agent_hotplug");
	TCase *tc = tcase_create("hotplug");

	tcase_add_test(tc, test_stick_blocked);
	tcase_add_test(tc, test_keyboard_allowed);
	tcase_add_test(tc, test_badusb_partial);
	tcase_add_loop_test(tc, test_phone_charge_only, 0, sizeof(phones) / sizeof(phones[0]));
	tcase_add_test(tc, test_hub_children);
	tcase_add_test(tc, test_malformed_blocked);
	tcase_add_test(tc, test_string_narrows);
	tcase_add_test(tc, test_late_string_narrows_earlier_iface);
	tcase_add_test(tc, test_late_string_on_blocked_iface_narrows);
	tcase_add_test(tc, test_hot_added_controllers);
	tcase_add_test(tc, test_ep0_failure_fails_closed);
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
