/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullisd life cycle under umockdev: fail-closed start (root hub defaults and usbcore written
 * 0 and read back), devices present at start, policy reload in both directions, tamper, audit
 * mode and a device that vanishes mid-decision.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_agent_harness.h"
#include "tests/support/testsupport.h"

static void write_sysfile(struct harness *h, const char *rel, const char *value)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", h->sysdir, rel);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(value, f);
	fclose(f);
}

/* Every root hub and usbcore are closed before anything is decided, and read back. */
START_TEST(test_fail_closed_start)
{
	struct harness *h = h_new();
	struct agent_stats st;
	char buf[32], *usb2 = NULL;

	ck_assert_int_eq(ts_add_root_hub(h->tb, 2, &usb2), 0);
	g_autofree gchar *params = g_build_filename(h->sysdir, "module/usbcore/parameters", NULL);
	ck_assert_int_eq(g_mkdir_with_parents(params, 0755), 0);
	write_sysfile(h, "module/usbcore/parameters/authorized_default", "-1\n");
	ck_assert_str_eq(
	    h_sysfile(h, "bus/usb/devices/usb1/interface_authorized_default", buf, sizeof(buf)),
	    "1");
	h_start(h);
	for (unsigned b = 1; b <= 2; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "bus/usb/devices/usb%u/authorized_default", b);
		ck_assert_str_eq(h_sysfile(h, rel, buf, sizeof(buf)), "0");
		snprintf(rel, sizeof(rel), "bus/usb/devices/usb%u/interface_authorized_default", b);
		ck_assert_str_eq(h_sysfile(h, rel, buf, sizeof(buf)), "0");
	}
	ck_assert_str_eq(
	    h_sysfile(h, "module/usbcore/parameters/authorized_default", buf, sizeof(buf)), "0");
	agent_get_stats(h->agent, &st);
	ck_assert_uint_eq(st.locked_buses, 2);
	ck_assert_uint_eq(st.unlocked_buses, 0);
	/* root hubs themselves are never deauthorized */
	ck_assert_int_eq(h_auth(h, usb2, NULL), 1);
	ck_assert_uint_eq(h_count(h, EVENT_AGENT_STARTED, NULL), 1);
	free(usb2);
	h_free(h);
}
END_TEST

/*
 * Root hubs whose defaults read 1 at start and a policy that cannot be loaded: every bus was
 * locked before the policy was even asked for, and stays locked on the built-in default.
 */
START_TEST(test_locked_when_policy_load_fails)
{
	struct harness *h = h_new();
	char *usb2 = NULL;

	ck_assert_int_eq(ts_add_root_hub(h->tb, 2, &usb2), 0);
	ck_assert(!h_all_buses_locked(h));
	h->loader_error = -EIO;
	h_start(h);
	ck_assert_int_eq(h->policy_loads, 1);
	ck_assert(h->locked_at_load);
	ck_assert(h_all_buses_locked(h));
	ck_assert_uint_eq(h_count(h, EVENT_POLICY_REJECTED, NULL), 1);
	free(usb2);
	h_free(h);
}
END_TEST

/*
 * Listing the devices fails (a root hub whose busnum cannot be read): the agent does not start,
 * and every bus reads 0 all the same. The end-state test above passes without the early lock,
 * because deciding each root hub locks it again; this one does not.
 */
START_TEST(test_locked_when_listing_fails)
{
	struct harness *h = h_new();
	char *usb2 = NULL, path[4096];

	ck_assert_int_eq(ts_add_root_hub(h->tb, 2, &usb2), 0);
	ck_assert_int_eq(ts_delete_attr(h->tb, usb2, "busnum"), 0);
	snprintf(path, sizeof(path), "%s%s/busnum", h->sysdir, usb2 + strlen("/sys"));
	ck_assert_int_eq(mkdir(path, 0755), 0); /* reads now fail (EISDIR) */
	ck_assert(!h_all_buses_locked(h));
	ck_assert_int_lt(h_try_start(h), 0);
	ck_assert(h->locked_at_load);
	ck_assert(h_all_buses_locked(h));
	free(usb2);
	h_free(h);
}
END_TEST

/* The policy is put in force but saving the anti-rollback state failed: reported, not hidden. */
START_TEST(test_state_write_failure_reported)
{
	struct harness *h = h_new();
	const struct h_event *e;

	h->policy_text = H_POLICY_ALLOW_STORAGE;
	h->loader_state_error = -ENOSPC;
	h_start(h);
	ck_assert_uint_eq(policy_serial(agent_get_policy(h->agent)), 2);
	e = h_last(h, EVENT_POLICY_LOADED, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->error, -ENOSPC);
	ck_assert_msg(strstr(e->message, "anti-rollback state not saved"), "%s", e->message);
	h_free(h);
}
END_TEST

/* A bus whose interface default cannot be set to 0: nothing on it is authorized. */
START_TEST(test_bus_unlockable)
{
	struct harness *h = h_new();
	char *usb3 = NULL, path[4096];

	ck_assert_int_eq(ts_add_root_hub(h->tb, 3, &usb3), 0);
	ck_assert_int_eq(ts_delete_attr(h->tb, usb3, "interface_authorized_default"), 0);
	snprintf(path, sizeof(path), "%s/bus/usb/devices/usb3/interface_authorized_default",
	         h->sysdir);
	ck_assert_int_eq(mkdir(path, 0755), 0); /* every write now fails (EISDIR) */
	h_start(h);
	char *kb = h_add(h, "keyboard", usb3, "3-1", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, kb, NULL), 0);
	ck_assert_uint_ge(h_count(h, EVENT_ENFORCE_FAILED, NULL), 1);
	/* someone authorizes it anyway: it is kept blocked, and that is tamper */
	ts_write_attr(h->tb, kb, "authorized", "1");
	umockdev_testbed_uevent(h->tb, kb, "change");
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 0), 0);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, "3-1"), 1);
	/* the same keyboard on a good bus works */
	char *kb1 = h_add(h, "keyboard", NULL, "1-1", false, false);
	ck_assert_int_eq(h_wait_auth(h, kb1, NULL, 1), 1);
	free(usb3);
	free(kb);
	free(kb1);
	h_free(h);
}
END_TEST

/* A root hub that cannot be read is reported, never deauthorized (that would cut off its bus). */
START_TEST(test_unreadable_root_hub_kept)
{
	struct harness *h = h_new();
	char *usb2 = NULL, path[4096];

	h_start(h);
	ck_assert_int_eq(ts_add_root_hub(h->tb, 2, &usb2), 0);
	ck_assert_int_eq(ts_delete_attr(h->tb, usb2, "busnum"), 0);
	snprintf(path, sizeof(path), "%s%s/busnum", h->sysdir, usb2 + strlen("/sys"));
	ck_assert_int_eq(mkdir(path, 0755), 0); /* reads now fail (EISDIR) */
	h_settle(h);
	ck_assert_ptr_nonnull(h_last(h, EVENT_ENFORCE_FAILED, "usb2"));
	ck_assert_int_eq(h_auth(h, usb2, NULL), 1);
	free(usb2);
	h_free(h);
}
END_TEST

/* Devices usable before the agent started: a blocked one is deauthorized, an allowed one kept. */
START_TEST(test_present_at_start)
{
	struct harness *h = h_new();

	char *st = h_add(h, "usb-stick", NULL, "1-2", true, true);
	char *kb = h_add(h, "keyboard", NULL, "1-3", true, true);
	char *bu = h_add(h, "badusb", NULL, "1-4", true, true);
	ck_assert_int_eq(h_auth(h, st, "1-2:1.0"), 1);
	h_start(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	ck_assert_int_eq(h_auth(h, kb, NULL), 1);
	ck_assert_int_eq(h_auth(h, kb, "1-3:1.0"), 1);
	ck_assert_int_eq(h_auth(h, kb, "1-3:1.1"), 1);
	ck_assert_int_eq(h_auth(h, bu, NULL), 1);
	ck_assert_int_eq(h_auth(h, bu, "1-4:1.0"), 1);
	ck_assert_int_eq(h_auth(h, bu, "1-4:1.1"), 0);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-2")->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-3")->verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-4")->verdict, DEVICE_VERDICT_PARTIAL);
	free(st);
	free(kb);
	free(bu);
	h_free(h);
}
END_TEST

/* A blocked interface that cannot be written: the whole device is deauthorized instead. */
START_TEST(test_write_failure_blocks_device)
{
	struct harness *h = h_new();
	char ifpath[512], path[4096];

	char *bu = h_add(h, "badusb", NULL, "1-4", true, true);
	snprintf(ifpath, sizeof(ifpath), "%s/1-4:1.1", bu);
	ck_assert_int_eq(ts_delete_attr(h->tb, ifpath, "authorized"), 0);
	snprintf(path, sizeof(path), "%s%s/authorized", h->sysdir, ifpath + strlen("/sys"));
	ck_assert_int_eq(mkdir(path, 0755), 0); /* reads and writes now fail (EISDIR) */
	h_start(h);
	ck_assert_int_eq(h_auth(h, bu, NULL), 0);
	const struct h_event *e = h_last(h, EVENT_ENFORCE_FAILED, "1-4");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_lt(e->error, 0);
	free(bu);
	h_free(h);
}
END_TEST

/*
 * Time-boxed rules: the agent decides attached devices again the second a rule's window closes
 * (the stick on 1-2 is blocked) or opens (the stick on 1-3 is authorized), with no uevent.
 */
static time_t realtime_sec(void) /* time() reads a coarse clock that lags the agent's */
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

START_TEST(test_rule_window_timer)
{
	struct harness *h = h_new();
	char text[1024], end[32], begin[32];
	time_t t0 = realtime_sec();
	struct tm tm;

	strftime(end, sizeof(end), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&(time_t){ t0 + 1 }, &tm));
	strftime(begin, sizeof(begin), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&(time_t){ t0 + 2 }, &tm));
	snprintf(text, sizeof(text),
	         "version = 1; serial = 7; rules = (\n"
	         "{ id = \"until\"; action = \"allow\"; scope = \"device\"; port = \"1-2\";"
	         "  not_after = \"%s\"; },\n"
	         "{ id = \"from\"; action = \"allow\"; scope = \"device\"; port = \"1-3\";"
	         "  not_before = \"%s\"; });\n",
	         end, begin);
	h->policy_text = text;
	h_start(h);
	char *a = h_add(h, "usb-stick", NULL, "1-2", false, false);
	char *b = h_add(h, "usb-stick", NULL, "1-3", false, false);
	h_settle(h);
	if (realtime_sec() <= t0 + 1) { /* not too slow to see the first state */
		ck_assert_int_eq(h_auth(h, a, NULL), 1);
		ck_assert_int_eq(h_auth(h, b, NULL), 0);
	}
	ck_assert_int_eq(h_wait_auth(h, b, NULL, 1), 1);
	ck_assert_int_eq(h_wait_auth(h, a, NULL, 0), 0);
	ck_assert_int_ge(realtime_sec(), t0 + 2);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-2");
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_str_eq(e->message, "re-evaluated: a time window or an exception began or ended");
	e = h_last(h, EVENT_DEVICE_DECISION, "1-3");
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_ALLOW);
	free(a);
	free(b);
	h_free(h);
}
END_TEST

/* Reload (the SIGHUP path): newly allowed devices are authorized, newly blocked ones removed. */
START_TEST(test_reload_both_directions)
{
	struct harness *h = h_new();

	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	unsigned before = h_count(h, EVENT_DEVICE_DECISION, "1-2");

	h->policy_text = H_POLICY_ALLOW_STORAGE;
	ck_assert_int_eq(agent_reload(h->agent), 0);
	ck_assert_int_eq(h_auth(h, st, NULL), 1);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_DECISION, "1-2"), before + 1);
	h_configure(h, st, "1-2", "usb-stick");
	ck_assert_int_eq(h_wait_auth(h, st, "1-2:1.0", 1), 1);

	h->policy_text = NULL; /* back to the built-in default */
	ck_assert_int_eq(agent_reload(h->agent), 0);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	ck_assert_int_eq(h_auth(h, st, "1-2:1.0"), 0);
	ck_assert_int_eq(h_last(h, EVENT_DEVICE_DECISION, "1-2")->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_uint_eq(h_count(h, EVENT_POLICY_LOADED, NULL), 3);
	/* an unchanged policy re-decides nothing */
	unsigned n = h_count(h, EVENT_DEVICE_DECISION, NULL);
	ck_assert_int_eq(agent_reload(h->agent), 0);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_DECISION, NULL), n);
	free(st);
	h_free(h);
}
END_TEST

/*
 * A reload the store rejects while last-known-good is unusable: the store hands back another
 * reference to the policy in force. The agent keeps enforcing that same policy and drops the extra
 * reference (the sanitizer build's leak check fails otherwise).
 */
START_TEST(test_reload_rejected_keeps_current)
{
	struct harness *h = h_new();

	h->policy_text = H_POLICY_ALLOW_STORAGE;
	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	ck_assert_int_eq(h_wait_auth(h, st, NULL, 1), 1);
	const struct policy *before = agent_get_policy(h->agent);
	unsigned decisions = h_count(h, EVENT_DEVICE_DECISION, "1-2");

	h->keep_current = true;
	h->policy_text = NULL; /* would block the stick, were it loaded */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(agent_reload(h->agent), 0);
	ck_assert_ptr_eq(agent_get_policy(h->agent), before);
	ck_assert_uint_eq(policy_serial(agent_get_policy(h->agent)), 2);
	ck_assert_uint_eq(h_count(h, EVENT_POLICY_REJECTED, NULL), 3);
	ck_assert_int_eq(h_auth(h, st, NULL), 1);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_DECISION, "1-2"), decisions);
	free(st);
	h_free(h);
}
END_TEST

/*
 * A device that can no longer be read on reload is deauthorized and its old "allow" forgotten: when
 * someone authorizes it again, the agent decides it afresh (and blocks it again).
 */
START_TEST(test_reload_unreadable_forgets_decision)
{
	struct harness *h = h_new();
	char path[4096];

	h_start(h);
	char *kb = h_add(h, "keyboard", NULL, "1-3", false, false);
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 1), 1);
	ck_assert_int_eq(ts_delete_attr(h->tb, kb, "busnum"), 0);
	snprintf(path, sizeof(path), "%s%s/busnum", h->sysdir, kb + strlen("/sys"));
	ck_assert_int_eq(mkdir(path, 0755), 0); /* reads now fail (EISDIR) */
	ck_assert_int_eq(agent_reload(h->agent), 0);
	ck_assert_int_eq(h_auth(h, kb, NULL), 0);
	ck_assert_ptr_nonnull(h_last(h, EVENT_ENFORCE_FAILED, "1-3"));

	ts_write_attr(h->tb, kb, "authorized", "1");
	umockdev_testbed_uevent(h->tb, kb, "change");
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 0), 0);
	free(kb);
	h_free(h);
}
END_TEST

/* <run_dir>/status after start and after each reload: the policy in force, its source, the mode. */
static char *read_status(struct harness *h)
{
	char path[128], *buf = calloc(1, 4097);
	FILE *f;

	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "%s/status", h->run_dir);
	f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s missing", path);
	ck_assert_uint_gt(fread(buf, 1, 4096, f), 0);
	fclose(f);
	return buf;
}

static void status_has(struct harness *h, const char *want)
{
	char *s = read_status(h);

	ck_assert_msg(strstr(s, want) != NULL, "no %s in %s", want, s);
	free(s);
}

START_TEST(test_status_file)
{
	struct harness *h = h_new();
	char path[128], pid[32];

	h->policy_text = H_POLICY_ALLOW_STORAGE;
	h_start(h);
	snprintf(pid, sizeof(pid), "{\"pid\":%ld,", (long)getpid());
	status_has(h, pid);
	status_has(h, "\"serial\":2,");
	status_has(h, "\"source\":\"file\"},\"mode\":\"enforce\",\"mode_forced\":false}");

	h->policy_text = H_POLICY_AUDIT;
	ck_assert_int_eq(agent_reload(h->agent), 0);
	status_has(h, "\"serial\":3,");
	status_has(h, "\"mode\":\"audit\",\"mode_forced\":false}");

	h->keep_current = true; /* rejected: the policy in force stays, and says so */
	ck_assert_int_eq(agent_reload(h->agent), 0);
	status_has(h, "\"serial\":3,");
	status_has(h, "\"source\":\"current\"},\"mode\":\"audit\"");

	h->keep_current = false;
	h->policy_text = NULL; /* the built-in default */
	ck_assert_int_eq(agent_reload(h->agent), 0);
	status_has(h, "\"key_id\":null,");
	status_has(h, "\"mode\":\"enforce\",\"mode_forced\":false}");
	snprintf(path, sizeof(path), "%s/status", h->run_dir);
	unlink(path);
	h_free(h);
}
END_TEST

/* --audit: audit mode, forced, whatever the policy says. */
START_TEST(test_status_file_forced_audit)
{
	struct harness *h = h_new();
	char path[128];

	h->audit = true;
	h->policy_text = H_POLICY_ALLOW_STORAGE;
	h_start(h);
	status_has(h, "\"serial\":2,");
	status_has(h, "\"mode\":\"audit\",\"mode_forced\":true}");
	snprintf(path, sizeof(path), "%s/status", h->run_dir);
	unlink(path);
	h_free(h);
}
END_TEST

/* Someone authorizes the blocked storage interface of a BadUSB device: blocked again, reported. */
START_TEST(test_tamper_interface)
{
	struct harness *h = h_new();
	char ifpath[512];

	h_start(h);
	char *bu = h_add(h, "badusb", NULL, "1-4", false, false);
	ck_assert_int_eq(h_wait_auth(h, bu, NULL, 1), 1);
	h_configure(h, bu, "1-4", "badusb");
	ck_assert_int_eq(h_wait_auth(h, bu, "1-4:1.0", 1), 1);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 0);

	snprintf(ifpath, sizeof(ifpath), "%s/1-4:1.1", bu);
	ts_write_attr(h->tb, ifpath, "authorized", "1");
	umockdev_testbed_uevent(h->tb, ifpath, "change");
	ck_assert_int_eq(h_wait_auth(h, bu, "1-4:1.1", 0), 0);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 1);
	/* a "bind" on the blocked interface is tamper as well */
	ts_write_attr(h->tb, ifpath, "authorized", "1");
	umockdev_testbed_uevent(h->tb, ifpath, "bind");
	ck_assert_int_eq(h_wait_auth(h, bu, "1-4:1.1", 0), 0);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 2);
	ck_assert_int_eq(h_auth(h, bu, "1-4:1.0"), 1);
	free(bu);
	h_free(h);
}
END_TEST

/* Polls (running the agent) until a tamper event of busid whose message has needle exists. */
static const struct h_event *wait_tamper(struct harness *h, const char *busid, const char *needle)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (unsigned i = 0; i < h->n_events; i++)
			if (h->events[i].type == EVENT_TAMPER &&
			    !strcmp(h->events[i].busid, busid) &&
			    strstr(h->events[i].message, needle))
				return &h->events[i];
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			return NULL;
		(void)agent_run_until_idle(h->agent, 10 * 1000);
	}
}

/*
 * A charge-only phone (device authorized by the agent, MTP interface blocked). Linux 6.1 sends no
 * uevent when the interface's authorized is written: the 1 s re-check must find the flip on its
 * own. A usbfs claim (libusb) binds the "usbfs" driver: that "bind" is tamper too. The re-check
 * runs only while such a device is attached.
 */
START_TEST(test_tamper_silent_interface_flip)
{
	struct harness *h = h_new();
	const struct h_event *e;
	char ifpath[512];

	h_start(h);
	/* nothing to re-check: the loop does not wake up at all */
	ck_assert_int_eq(agent_run_until_idle(h->agent, 1500 * 1000), 0);
	char *ph = h_add(h, "android-mtp", NULL, "1-5", false, false);
	ck_assert_int_eq(h_wait_auth(h, ph, NULL, 1), 1);
	h_configure(h, ph, "1-5", "android-mtp");
	h_settle(h);
	ck_assert_int_eq(h_auth(h, ph, "1-5:1.0"), 0);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 0); /* authorized by the agent itself */

	snprintf(ifpath, sizeof(ifpath), "%s/1-5:1.0", ph);
	ts_write_attr(h->tb, ifpath, "authorized", "1"); /* no uevent, as on Linux 6.1 */
	e = wait_tamper(h, "1-5", "1-5:1.0");
	ck_assert_msg(e, "silent authorized=1 of a blocked interface not caught");
	ck_assert_str_eq(e->message,
	                 "blocked interface 1-5:1.0 was authorized by someone else; blocked again");
	ck_assert_int_eq(h_auth(h, ph, "1-5:1.0"), 0);
	ck_assert_int_eq(h_auth(h, ph, NULL), 1); /* the phone still charges */
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 1);

	/* libusb_claim_interface after a flip: the usbfs driver binds */
	ts_write_attr(h->tb, ifpath, "authorized", "1");
	umockdev_testbed_set_property(h->tb, ifpath, "DRIVER", "usbfs");
	umockdev_testbed_uevent(h->tb, ifpath, "bind");
	ck_assert_ptr_nonnull(wait_tamper(h, "1-5", "bound to a driver"));
	ck_assert_int_eq(h_auth(h, ph, "1-5:1.0"), 0);

	/* unplugged: the re-check is disarmed, the loop sleeps again */
	ts_remove_device(h->tb, ph);
	h_settle(h);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_REMOVED, "1-5"), 1);
	ck_assert_int_eq(agent_run_until_idle(h->agent, 1500 * 1000), 0);
	free(ph);
	h_free(h);
}
END_TEST

/*
 * Linux 6.1: writing 1 to a blocked device's authorized configures it and sends only the "add"s
 * of its interfaces, no "change" on the device. The device is reset to 0 and that is tamper.
 */
START_TEST(test_tamper_device_silent_configure)
{
	struct harness *h = h_new();
	struct ts_fixture *f = NULL;
	const struct h_event *e;

	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	ck_assert_int_eq(ts_fixture_load("usb-stick", &f), 0);
	ck_assert_int_eq(ts_kernel_set_authorized(h->tb, st, true, f), 0);
	ck_assert_int_eq(h_auth(h, st, "1-2:1.0"), 0); /* interface_authorized_default=0 */
	e = wait_tamper(h, "1-2", "1-2/authorized");
	ck_assert_msg(e, "device authorized=1 with only interface adds not caught");
	ck_assert_str_eq(e->message, "1-2/authorized set to 1 by someone else; reset to 0");
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	h_settle(h);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 1);
	ck_assert_uint_eq(h_count(h, EVENT_ENFORCE_FAILED, NULL), 0);
	ck_assert_int_eq(h_auth(h, st, "1-2:1.0"), 0);
	/* a blocked device is never re-checked: only authorized ones have blocked interfaces */
	ck_assert_int_eq(agent_run_until_idle(h->agent, 1500 * 1000), 0);
	ts_fixture_free(f);
	free(st);
	h_free(h);
}
END_TEST

/* Someone authorizes a blocked device, or opens a root hub's defaults: undone and reported. */
START_TEST(test_tamper_device_and_root_hub)
{
	struct harness *h = h_new();
	char buf[16];

	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ts_write_attr(h->tb, st, "authorized", "1");
	umockdev_testbed_uevent(h->tb, st, "change");
	ck_assert_int_eq(h_wait_auth(h, st, NULL, 0), 0);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 1);

	ts_write_attr(h->tb, "/sys/devices/pci0000:00/0000:00:14.0/usb1",
	              "interface_authorized_default", "1");
	umockdev_testbed_uevent(h->tb, "/sys/devices/pci0000:00/0000:00:14.0/usb1", "change");
	h_settle(h);
	ck_assert_str_eq(
	    h_sysfile(h, "bus/usb/devices/usb1/interface_authorized_default", buf, sizeof(buf)),
	    "0");
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 2);
	free(st);
	h_free(h);
}
END_TEST

/*
 * A root hub's authorized_default flipped to 1 makes no uevent (drivers/usb/core/sysfs.c only sets
 * the field): the next device decided on that bus finds it, restores 0 and reports tamper.
 */
START_TEST(test_tamper_silent_root_hub_default)
{
	struct harness *h = h_new();
	char buf[16];

	h_start(h);
	h_settle(h);
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 0);
	ts_write_attr(h->tb, "/sys/devices/pci0000:00/0000:00:14.0/usb1", "authorized_default",
	              "1"); /* no uevent, as on Linux 6.1 */
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_str_eq(h_sysfile(h, "bus/usb/devices/usb1/authorized_default", buf, sizeof(buf)),
	                 "0");
	ck_assert_uint_eq(h_count(h, EVENT_TAMPER, NULL), 1);
	const struct h_event *e = h_last(h, EVENT_TAMPER, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, "usb1 authorized_default was 1; restored to 0"));
	ck_assert_int_eq(h_auth(h, st, NULL), 0); /* and the stick is blocked as always */
	free(st);
	h_free(h);
}
END_TEST

/* Audit mode (forced, or the policy's mode): everything usable, events say what would happen. */
START_TEST(test_audit)
{
	struct harness *h = h_new();

	if (_i == 0)
		h->audit = true;
	else
		h->policy_text = H_POLICY_AUDIT;
	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	ck_assert_int_eq(h_wait_auth(h, st, NULL, 1), 1);
	h_configure(h, st, "1-2", "usb-stick");
	ck_assert_int_eq(h_wait_auth(h, st, "1-2:1.0", 1), 1);
	const struct h_event *e = h_last(h, EVENT_DEVICE_DECISION, "1-2");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK); /* what enforce mode would do */
	/* The record says audit: forced by the agent, or the policy's own mode. */
	ck_assert(_i == 0 ? e->audit_override : !e->audit_override);
	free(st);
	h_free(h);
}
END_TEST

/* A device that is gone before the agent reads it: enforce_failed, no crash, nothing tracked. */
START_TEST(test_vanish_mid_decision)
{
	struct harness *h = h_new();

	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	/* the add uevent is queued; the device goes away before the agent runs */
	umockdev_testbed_remove_device(h->tb, st);
	h_settle(h);
	const struct h_event *e = h_last(h, EVENT_ENFORCE_FAILED, "1-2");
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(e->error == -ENOENT || e->error == -ENODEV, "error %d", e->error);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_DECISION, "1-2"), 0);
	/* the agent carries on */
	char *kb = h_add(h, "keyboard", NULL, "1-3", false, false);
	ck_assert_int_eq(h_wait_auth(h, kb, NULL, 1), 1);
	free(st);
	free(kb);
	h_free(h);
}
END_TEST

/* Writing the policy file (or its .sig) reloads it without a signal, after the debounce. */
START_TEST(test_policy_watch)
{
	struct harness *h = h_new();
	char path[128];
	struct timespec t0, t;
	FILE *f;

	snprintf(path, sizeof(path), "%s/policy.conf", h->run_dir);
	h->watch_path = path;
	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);
	ck_assert_int_eq(h->policy_loads, 1);

	h->policy_text = H_POLICY_ALLOW_STORAGE;
	f = fopen(path, "we"); /* the loader hook serves the text; the write is the trigger */
	ck_assert_ptr_nonnull(f);
	fputs("# new policy\n", f);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		(void)agent_run_until_idle(h->agent, 50 * 1000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (h->policy_loads < 2 && t.tv_sec - t0.tv_sec < 5);
	ck_assert_int_eq(h->policy_loads, 2);
	ck_assert_int_eq(h_auth(h, st, NULL), 1);
	unlink(path);
	free(st);
	h_free(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("agent_lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_test(tc, test_fail_closed_start);
	tcase_add_test(tc, test_locked_when_policy_load_fails);
	tcase_add_test(tc, test_locked_when_listing_fails);
	tcase_add_test(tc, test_state_write_failure_reported);
	tcase_add_test(tc, test_bus_unlockable);
	tcase_add_test(tc, test_unreadable_root_hub_kept);
	tcase_add_test(tc, test_present_at_start);
	tcase_add_test(tc, test_write_failure_blocks_device);
	tcase_add_test(tc, test_reload_both_directions);
	tcase_add_test(tc, test_reload_rejected_keeps_current);
	tcase_add_test(tc, test_status_file);
	tcase_add_test(tc, test_status_file_forced_audit);
	tcase_add_test(tc, test_reload_unreadable_forgets_decision);
	tcase_add_test(tc, test_tamper_interface);
	tcase_add_test(tc, test_tamper_device_and_root_hub);
	tcase_add_test(tc, test_tamper_silent_root_hub_default);
	tcase_add_test(tc, test_tamper_silent_interface_flip);
	tcase_add_test(tc, test_tamper_device_silent_configure);
	tcase_add_loop_test(tc, test_audit, 0, 2);
	tcase_add_test(tc, test_vanish_mid_decision);
	tcase_add_test(tc, test_policy_watch);
	tcase_add_test(tc, test_rule_window_timer);
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
