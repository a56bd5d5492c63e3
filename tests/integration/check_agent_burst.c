/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 1,000 devices added in a burst (keyboards and sticks on 8 buses): every one is decided, keyboards
 * authorized, sticks left unauthorized. Then every tenth is removed: each removal reported.
 * (About 5 s with the testbed on tmpfs; the agent's own share is in bench_agent_latency.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_agent_harness.h"
#include "tests/support/testsupport.h"

#define N_BUSES 8
#define PER_BUS 125

START_TEST(test_burst_1000)
{
	struct harness *h = h_new();
	static char *sp[N_BUSES * PER_BUS];
	struct agent_stats st;
	unsigned n = 0;

	for (unsigned b = 2; b <= N_BUSES; b++)
		ck_assert_int_eq(ts_add_root_hub(h->tb, b, NULL), 0);
	h_start(h);
	for (unsigned b = 1; b <= N_BUSES; b++)
		for (unsigned p = 1; p <= PER_BUS; p++, n++) {
			char busid[16];

			snprintf(busid, sizeof(busid), "%u-%u", b, p);
			sp[n] =
			    h_add(h, n % 2 ? "usb-stick" : "keyboard", NULL, busid, false, false);
			/* umockdev's uevents travel over a unix datagram socket (queue:
			 * net.unix.max_dgram_qlen, 10 here) and its sender aborts when it is full:
			 * let the agent drain, without waiting, every 4 devices. (The kernel's
			 * netlink socket drops instead; the agent then re-reads everything on
			 * ENOBUFS.) */
			if (n % 4 == 3)
				(void)agent_run_until_idle(h->agent, 0);
		}
	h_settle(h);
	agent_get_stats(h->agent, &st);
	ck_assert_uint_eq(st.decisions, N_BUSES * PER_BUS);
	ck_assert_uint_eq(st.enforce_failed, 0);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(h_auth(h, sp[i], NULL) == (i % 2 ? 0 : 1), "device %u: %d", i,
		              h_auth(h, sp[i], NULL));
	for (unsigned i = 0; i < n; i++) {
		if (i % 10 == 0) {
			/* umockdev_testbed_remove_device() sends no uevent: the kernel's first */
			umockdev_testbed_uevent(h->tb, sp[i], "remove");
			ts_remove_device(h->tb, sp[i]);
		}
		free(sp[i]);
		if (i % 40 == 30)
			(void)agent_run_until_idle(h->agent, 0);
	}
	h_settle(h);
	ck_assert_uint_eq(h_count(h, EVENT_DEVICE_REMOVED, NULL), n / 10);
	h_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_burst");
	TCase *tc = tcase_create("burst");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_burst_1000);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
