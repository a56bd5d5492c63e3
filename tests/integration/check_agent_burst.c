/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 1,000 devices added in a burst (keyboards and sticks on 8 buses): every one is decided, keyboards
 * authorized, sticks left unauthorized. Then every tenth is removed: each removal reported.
 * (About 5 s with the testbed on tmpfs; the agent's own share is in bench_agent_latency.)
 *
 * And a hostile stick re-attached 1,000 times while the agent's events go to a real recorder
 * with a small rotation: the evidence from before the flood, and its seal, are still there.
 * (check_evidence floods the recorder itself 5,000 times. Here every re-attach is hundreds of
 * umockdev file operations, and umockdev 0.17's preload is not thread-safe under such churn:
 * about one run in twenty of 5,000 aborted in "fd_map_remove(): did not find fd". 1,000 still
 * overflows the 192 KiB rotation 15 times over without flood control.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "agent/events/seal.h"
#include "check_agent_harness.h"
#include "policy/base/strutil.h"
#include "tests/support/testsupport.h"
#include "tmptree.h"

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

/* How many records of type t the log directory holds; *ret_repeats: the sum of the "repeated"
 * records' counts. */
static unsigned count_records(const char *dir, const char *t, uint64_t *ret_repeats)
{
	char **names = NULL, want[64];
	unsigned n = 0;

	snprintf(want, sizeof(want), "\"type\":\"%s\"", t);
	*ret_repeats = 0;
	ck_assert_int_ge(incident_log_list_files(dir, &names), 1);
	for (char **p = names; *p; p++) {
		char path[512], *line = NULL;
		size_t cap = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, *p);
		FILE *f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		while (getline(&line, &cap, f) > 0) {
			const char *c = strstr(line, "\"count\":");
			n += strstr(line, want) != NULL;
			if (strstr(line, "\"type\":\"repeated\"") && c)
				*ret_repeats += strtoull(c + 8, NULL, 10);
		}
		free(line);
		fclose(f);
	}
	strv_free(names);
	return n;
}

#define N_REATTACH 1000

START_TEST(test_reattach_keeps_evidence)
{
	char base[] = "/tmp/pc-flood-XXXXXX", dir[64], state[64], hex[SEAL_KEY_HEX_LEN + 1];
	uint8_t k0[SEAL_KEY_LEN];
	struct recorder *rec = NULL;
	const struct recorder_host host = { .hostname = "ws-flood", .agent_version = "test" };
	struct recorder_config rc = { .repeat_window_sec = 3600 };
	struct agent_stats st;

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/log", base);
	snprintf(state, sizeof(state), "%s/state", base);
	ck_assert_int_eq(recorder_setup_keys(state, false, hex), 0);
	ck_assert_int_eq(seal_key_from_hex(hex, k0), 0);
	/* 64 KiB files, 2 kept, 3 at most: without flood control 1,000 decisions of a stick
	 * (about 1.5 KB each) would rotate the first records away many times over */
	rc.state_dir = state;
	rc.log.max_file_bytes = 65536;
	rc.log.keep_files = 2;
	rc.log.max_keep_files = 3;
	ck_assert_int_eq(recorder_open_ex(dir, &host, &rc, &rec), 0);

	struct harness *h = h_new();
	h->tee = recorder_sink(rec);
	h_start(h);
	char *kbd = h_add(h, "keyboard", NULL, "1-1", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, kbd, NULL), 1);
	ck_assert_int_eq(recorder_seal(rec), 1);
	uint64_t before = recorder_last_seq(rec); /* the keyboard's records and the seal */
	ck_assert_uint_ge(before, 2);

	struct ts_fixture *stick = NULL; /* loaded once: fewer file operations a round */
	struct ts_opts unplugged = ts_opts_default();
	unplugged.authorized = false;
	unplugged.configured = false;
	ck_assert_int_eq(ts_fixture_load("usb-stick", &stick), 0);
	for (unsigned i = 0; i < N_REATTACH; i++) {
		char *sp = NULL;
		ck_assert_int_eq(ts_add_fixture(h->tb, stick, NULL, "1-2", &unplugged, &sp), 0);
		/* decided while it is there (a removal first would be "vanished mid-decision") */
		for (int k = 0; k < 50 && (agent_get_stats(h->agent, &st), st.decisions < 2 + i) &&
		                st.enforce_failed == 0;
		     k++)
			(void)agent_run_until_idle(h->agent, 100 * 1000);
		ck_assert_msg(st.decisions == 2 + i && st.enforce_failed == 0,
		              "attach %u: %llu decisions, %llu failures", i,
		              (unsigned long long)st.decisions,
		              (unsigned long long)st.enforce_failed);
		umockdev_testbed_uevent(h->tb, sp, "remove");
		ts_remove_device(h->tb, sp);
		free(sp);
	}
	ts_fixture_free(stick);
	h_settle(h);
	agent_get_stats(h->agent, &st);
	ck_assert_uint_eq(st.decisions, 1 + N_REATTACH);
	recorder_flush_repeats(rec, INT64_MAX / 2, true);
	ck_assert_int_eq(recorder_seal(rec), 1);
	uint64_t last = recorder_last_seq(rec);
	h_free(h);
	recorder_free(rec);
	free(kbd);

	/* the flood is summarized: a handful of records, not 10,000 */
	ck_assert_msg(last < before + 40, "%llu records", (unsigned long long)last);
	uint64_t repeats = 0, r2 = 0;
	unsigned decisions = count_records(dir, "device_decision", &repeats);
	unsigned removed = count_records(dir, "device_removed", &r2);
	/* every decision and removal of the stick is there in full or counted by a summary */
	ck_assert_uint_eq(decisions + removed + repeats, 1 + 2 * N_REATTACH);

	/* the first records and the first seal are still there, and everything verifies sealed */
	struct chain_verifier v;
	chain_verifier_init(&v);
	chain_verifier_set_key(&v, k0);
	int r = incident_log_verify(dir, &v);
	chain_verifier_done(&v);
	ck_assert_msg(r == 0, "%s", v.error);
	ck_assert_uint_eq(v.first_seq, 1);
	ck_assert_uint_eq(v.last_seq, last);
	ck_assert_uint_eq(v.sealed_seq, last);
	ck_assert_uint_ge(v.seals, 2);
	ck_assert_uint_eq(v.lost_seqs_total, 0);
	ts_rm_rf(base);
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
	tcase_add_test(tc, test_reattach_keeps_evidence);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
