/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/daemon/tracked.c: the agent's table of decided devices (pure). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/tracked.h"

/* A device "busid" with interfaces (config 1, numbers 0..n-1); decision: allow[k] per interface. */
struct fixture {
	struct usb_device_info *dev;
	struct decision *dec;
};

static struct fixture make(const char *busid, uint16_t n, const bool *allow, bool authorize)
{
	struct fixture f = { calloc(1, sizeof(*f.dev)), calloc(1, sizeof(*f.dec)) };

	ck_assert_ptr_nonnull(f.dev);
	ck_assert_ptr_nonnull(f.dec);
	snprintf(f.dev->syspath, sizeof(f.dev->syspath), "/sys/devices/pci0000:00/usb1/%s", busid);
	snprintf(f.dev->busid, sizeof(f.dev->busid), "%s", busid);
	f.dev->busnum = 1;
	f.dev->desc.vid = 0x0781;
	f.dev->desc.pid = 0x5567;
	f.dev->n_ifaces = n;
	f.dec->n_ifaces = n;
	f.dec->authorize_device = authorize;
	for (uint16_t k = 0; k < n; k++) {
		f.dev->ifaces[k].config_value = 1;
		f.dev->ifaces[k].number = (uint8_t)k;
		f.dec->ifaces[k].action = allow[k] ? POLICY_ACTION_ALLOW : POLICY_ACTION_BLOCK;
	}
	return f;
}

static void unmake(struct fixture *f)
{
	free(f->dev);
	free(f->dec);
}

static struct tracked *new_tracked(const struct fixture *f, bool allow_all)
{
	struct tracked *t = NULL;

	ck_assert_int_eq(tracked_new(f->dev, f->dec, allow_all, false, &t), 0);
	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(test_new_copies_the_decision)
{
	const bool allow[] = { true, false, true };
	struct fixture f = make("1-2", 3, allow, true);
	struct tracked *t = new_tracked(&f, false);

	ck_assert_str_eq(t->busid, "1-2");
	ck_assert_str_eq(t->syspath, f.dev->syspath);
	ck_assert_uint_eq(t->vid, 0x0781);
	ck_assert_uint_eq(t->pid, 0x5567);
	ck_assert(t->authorize_device);
	ck_assert_uint_eq(t->n_ifaces, 3);
	ck_assert(t->ifaces[0].allow && !t->ifaces[1].allow && t->ifaces[2].allow);
	ck_assert(tracked_has_blocked_iface(t));
	tracked_free(t);

	/* Audit: everything allowed whatever the decision. */
	f.dec->authorize_device = false;
	t = new_tracked(&f, true);
	ck_assert(t->authorize_device);
	ck_assert(t->ifaces[0].allow && t->ifaces[1].allow && t->ifaces[2].allow);
	ck_assert(!tracked_has_blocked_iface(t));
	tracked_free(t);

	/* Descriptors that did not parse: no vid/pid claimed. */
	f.dev->desc_status = -EBADMSG;
	t = new_tracked(&f, false);
	ck_assert_uint_eq(t->vid, 0);
	ck_assert_uint_eq(t->pid, 0);
	ck_assert(!t->authorize_device);
	ck_assert(!tracked_has_blocked_iface(t)); /* blocked devices have no "blocked iface" */
	tracked_free(t);
	unmake(&f);
}
END_TEST

/* read-only storage is authorized only when it will be made read-only (the udev helper's marker
 * is in place); else blocked (fail closed). Strings never narrow it: it is an allow. */
START_TEST(test_read_only_blocks)
{
	const bool allow[] = { true, true };
	struct fixture f = make("1-2", 2, allow, true);
	struct tracked *t;

	f.dec->ifaces[0].action = POLICY_ACTION_READ_ONLY;
	t = new_tracked(&f, false);
	ck_assert(!t->ifaces[0].allow);
	ck_assert(t->ifaces[1].allow);
	tracked_free(t);
	ck_assert_int_eq(tracked_new(f.dev, f.dec, false, true, &t), 0);
	ck_assert(t->ifaces[0].allow);
	ck_assert(t->ifaces[1].allow);
	f.dec->ifaces[0].action = POLICY_ACTION_ALLOW;
	f.dec->ifaces[1].action = POLICY_ACTION_READ_ONLY;
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 0);
	ck_assert(t->ifaces[1].allow);
	f.dec->ifaces[1].action = POLICY_ACTION_BLOCK;
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 1);
	ck_assert(!t->ifaces[1].allow);
	/* a copy limit cut it off: nothing authorized */
	tracked_cut_off(t);
	ck_assert(t->cut_off);
	ck_assert(!t->authorize_device);
	ck_assert(!t->ifaces[0].allow);
	tracked_free(t);
	unmake(&f);
}
END_TEST

/* A decision shorter than the interface list (cannot happen, but must fail closed). */
START_TEST(test_new_short_decision_blocks)
{
	const bool allow[] = { true, true };
	struct fixture f = make("1-2", 2, allow, true);
	struct tracked *t;

	f.dec->n_ifaces = 1;
	t = new_tracked(&f, false);
	ck_assert(t->ifaces[0].allow);
	ck_assert(!t->ifaces[1].allow);
	tracked_free(t);
	unmake(&f);
}
END_TEST

START_TEST(test_iface_allowed)
{
	const bool allow[] = { true, false };
	struct fixture f = make("1-2.4", 2, allow, true);
	struct tracked *t = new_tracked(&f, false);
	static const char *const bad[] = {
		"1-2.4",      "1-2.4:",      "1-2.4:1",     "1-2.4:1.",   "1-2.4:x.0",
		"1-2.4:1.0x", "1-2.4:256.0", "1-2.4:1.256", "1-2.4: 1.0", "1-2.4:+1.0",
		"1-2.4:1.-0", "1-2.4:-1.0",  "1-2.4:1.1",   "1-2.4:2.0",  "",
	};

	ck_assert(tracked_iface_allowed(t, "1-2.4:1.0"));
	ck_assert(!tracked_iface_allowed(t, "1-2.4:1.1"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!tracked_iface_allowed(t, bad[i]), "'%s' allowed", bad[i]);
	/* A device that is not authorized allows no interface. */
	t->authorize_device = false;
	ck_assert(!tracked_iface_allowed(t, "1-2.4:1.0"));
	tracked_free(t);
	unmake(&f);
}
END_TEST

START_TEST(test_iface_name)
{
	const bool allow[] = { true, false };
	struct fixture f = make("3-1.2.3.4.5.6.7", 2, allow, true);
	struct tracked *t = new_tracked(&f, false);
	char name[TRACKED_IFNAME_MAX];

	t->ifaces[1].config_value = 255;
	t->ifaces[1].number = 254;
	tracked_iface_name(t, 1, name);
	ck_assert_str_eq(name, "3-1.2.3.4.5.6.7:255.254");
	tracked_iface_name(t, 0, name);
	ck_assert(tracked_iface_allowed(t, name));
	tracked_free(t);
	unmake(&f);
}
END_TEST

START_TEST(test_equal)
{
	const bool allow[] = { true, false };
	struct fixture f = make("1-2", 2, allow, true);
	struct tracked *x = new_tracked(&f, false), *y = new_tracked(&f, false);

	ck_assert(tracked_equal(x, y));
	y->ifaces[1].allow = true;
	ck_assert(!tracked_equal(x, y));
	y->ifaces[1].allow = false;
	y->ifaces[1].number = 7;
	ck_assert(!tracked_equal(x, y));
	y->ifaces[1].number = 1;
	y->authorize_device = false;
	ck_assert(!tracked_equal(x, y));
	y->authorize_device = true;
	y->n_ifaces = 1;
	ck_assert(!tracked_equal(x, y));
	tracked_free(x);
	tracked_free(y);
	unmake(&f);
}
END_TEST

/* Interface strings narrow, never widen; the reported decision shows what t blocks. */
START_TEST(test_narrow)
{
	const bool allow[] = { true, true, false };
	struct fixture f = make("1-2", 3, allow, true);
	struct tracked *t = new_tracked(&f, false);

	/* Same decision again: nothing narrowed, dec left as it is. */
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 0);
	ck_assert_int_eq(f.dec->ifaces[0].action, POLICY_ACTION_ALLOW);

	/* The re-read decision allows 2 (blocked by t) and blocks 1. */
	f.dec->ifaces[1].action = POLICY_ACTION_BLOCK;
	f.dec->ifaces[2].action = POLICY_ACTION_ALLOW;
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 1);
	ck_assert(t->ifaces[0].allow);
	ck_assert(!t->ifaces[1].allow);
	ck_assert(!t->ifaces[2].allow); /* not widened */
	ck_assert_int_eq(f.dec->ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(f.dec->ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(f.dec->ifaces[2].action, POLICY_ACTION_BLOCK); /* reported as t has it */

	/* Once narrowed, the same decision narrows nothing more. */
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 0);
	tracked_free(t);
	unmake(&f);
}
END_TEST

/* An interface of the re-read device that t does not know narrows nothing and is reported
 * blocked (unknown interfaces are blocked). */
START_TEST(test_narrow_unknown_iface)
{
	const bool allow[] = { true, true };
	struct fixture f = make("1-2", 2, allow, true);
	struct tracked *t = new_tracked(&f, false);

	f.dev->ifaces[1].number = 9;
	f.dec->ifaces[1].action = POLICY_ACTION_BLOCK;
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 0);
	ck_assert(t->ifaces[1].allow);
	f.dec->ifaces[0].action = POLICY_ACTION_BLOCK;
	f.dev->ifaces[1].number = 1;
	f.dec->ifaces[1].action = POLICY_ACTION_ALLOW;
	f.dev->n_ifaces = 3;
	f.dev->ifaces[2].config_value = 1;
	f.dev->ifaces[2].number = 9;
	f.dec->n_ifaces = 3;
	f.dec->ifaces[2].action = POLICY_ACTION_ALLOW;
	ck_assert_uint_eq(tracked_narrow(t, f.dev, f.dec), 1);
	ck_assert_int_eq(f.dec->ifaces[1].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(f.dec->ifaces[2].action, POLICY_ACTION_BLOCK);
	tracked_free(t);
	unmake(&f);
}
END_TEST

START_TEST(test_table)
{
	const bool allow[] = { true, false };
	struct tracked_table tbl = { 0 };
	char busid[USB_BUSID_MAX];

	ck_assert_int_eq(tracked_table_find(&tbl, "1-1"), -1);
	ck_assert_ptr_null(tracked_table_get(&tbl, "1-1"));
	ck_assert(!tracked_table_any_blocked_iface(&tbl));
	/* 200 devices: more than the first allocation. */
	for (int i = 0; i < 200; i++) {
		snprintf(busid, sizeof(busid), "1-%d", i);
		struct fixture f = make(busid, 2, allow, false);
		ck_assert_int_eq(tracked_table_put(&tbl, new_tracked(&f, false)), 0);
		unmake(&f);
	}
	ck_assert_uint_eq(tbl.n, 200);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-0"), 0);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-199"), 199);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-1"), 1); /* exact, not a prefix of 1-10 */
	ck_assert(!tracked_table_any_blocked_iface(&tbl));

	/* Replacing keeps the place (attach order: hubs before children). */
	struct fixture f = make("1-5", 2, allow, true);
	ck_assert_int_eq(tracked_table_put(&tbl, new_tracked(&f, false)), 0);
	unmake(&f);
	ck_assert_uint_eq(tbl.n, 200);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-5"), 5);
	ck_assert(tracked_table_get(&tbl, "1-5")->authorize_device);
	ck_assert(tracked_table_any_blocked_iface(&tbl));

	/* Removing keeps the order of the rest; out of range is ignored. */
	tracked_table_remove(&tbl, 5);
	ck_assert_uint_eq(tbl.n, 199);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-5"), -1);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-6"), 5);
	ck_assert_int_eq(tracked_table_find(&tbl, "1-199"), 198);
	ck_assert(!tracked_table_any_blocked_iface(&tbl));
	tracked_table_remove(&tbl, 199);
	ck_assert_uint_eq(tbl.n, 199);

	tracked_table_clear(&tbl);
	ck_assert_uint_eq(tbl.n, 0);
	ck_assert_ptr_null(tbl.devs);
	tracked_table_clear(&tbl); /* idempotent */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tracked");
	TCase *tc = tcase_create("tracked");

	tcase_add_test(tc, test_new_copies_the_decision);
	tcase_add_test(tc, test_new_short_decision_blocks);
	tcase_add_test(tc, test_read_only_blocks);
	tcase_add_test(tc, test_iface_allowed);
	tcase_add_test(tc, test_iface_name);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_narrow);
	tcase_add_test(tc, test_narrow_unknown_iface);
	tcase_add_test(tc, test_table);
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
