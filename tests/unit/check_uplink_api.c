/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent-facing contract of uplink.h without a collector: on_dropped is called later from the
 * event loop (never from inside uplink_submit, so the agent may submit its events_dropped record
 * from the callback), seq must grow, a disabled uplink does nothing, flush works, and everything
 * submitted survives a restart of the uplink.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/uplink/uplink.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_uplink_api-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

struct ctx {
	struct uplink *u;
	bool in_submit;
	uint64_t dropped;
	uint64_t first, last; /* seq range of the drops */
	int calls;
	int64_t resubmit_r;
	uint64_t next_seq;
};

static void on_dropped(void *userdata, uint64_t count, uint64_t first_seq, uint64_t last_seq)
{
	struct ctx *c = userdata;
	ck_assert_msg(!c->in_submit, "on_dropped called from inside uplink_submit");
	c->dropped += count;
	c->first = first_seq;
	c->last = last_seq;
	c->calls++;
	/* what the agent does: record an events_dropped event and submit it */
	c->resubmit_r = uplink_submit(c->u, c->next_seq++, "{\"type\":\"events_dropped\"}", 25);
}

static struct uplink_config cfg_for_test(bool enabled)
{
	struct uplink_config cfg;
	uplink_config_init(&cfg);
	cfg.enabled = enabled;
	strcpy(cfg.host, "127.0.0.1");
	cfg.port = 9; /* nothing listens: the child never delivers */
	cfg.tls = false;
	strcpy(cfg.user, "nobody");
	cfg.spool_max_bytes = 8192;
	return cfg;
}

START_TEST(test_dropped_is_deferred)
{
	sd_event *e;
	struct ctx c = { .next_seq = 1 };
	struct uplink_config cfg = cfg_for_test(true);
	char line[200];

	ck_assert_int_eq(sd_event_new(&e), 0);
	/* /bin/true as the child: it exits at once and is restarted; records stay spooled */
	ck_assert_int_eq(uplink_start(&cfg, dir, "/bin/true", e, on_dropped, &c, &c.u), 0);
	memset(line, 'x', sizeof(line));
	for (int i = 0; i < 200; i++) {
		c.in_submit = true;
		ck_assert_int_eq(uplink_submit(c.u, c.next_seq++, line, sizeof(line)), 0);
		c.in_submit = false;
	}
	ck_assert_int_eq(c.calls, 0);
	ck_assert_int_eq(uplink_submit(c.u, 5, line, sizeof(line)), -EEXIST);
	ck_assert_int_eq(uplink_submit(c.u, c.next_seq, line, 0), -EMSGSIZE);
	for (int i = 0; i < 20 && c.calls == 0; i++)
		ck_assert_int_ge(sd_event_run(e, 100000), 0);
	ck_assert_int_eq(c.calls, 1); /* drops of one burst are reported together */
	ck_assert_int_eq(c.resubmit_r, 0);
	struct uplink_status st;
	uplink_get_status(c.u, &st);
	ck_assert_uint_eq(st.dropped, c.dropped);
	ck_assert_uint_eq(st.depth + c.dropped, 201); /* 200 records + the events_dropped one */
	/* the range: the oldest records, exactly as many as were dropped (seqs 1..200 all spooled)
	 */
	ck_assert_uint_eq(c.first, 1);
	ck_assert_uint_eq(c.last, c.dropped);
	ck_assert_uint_eq(uplink_spool_depth(c.u), st.depth);
	ck_assert_int_eq(uplink_flush(c.u), 0);
	uint64_t depth = st.depth;
	uplink_free(c.u);

	/* after a restart the undelivered records are all still there */
	cfg.enabled = true;
	ck_assert_int_eq(uplink_start(&cfg, dir, "/bin/true", e, on_dropped, &c, &c.u), 0);
	ck_assert_uint_eq(uplink_spool_depth(c.u), depth);
	ck_assert_int_eq(uplink_submit(c.u, 3, line, sizeof(line)), -EEXIST);
	uplink_free(c.u);
	sd_event_unref(e);
}
END_TEST

START_TEST(test_disabled_does_nothing)
{
	sd_event *e;
	struct uplink *u;
	struct uplink_config cfg = cfg_for_test(false);

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(uplink_start(&cfg, dir, NULL, e, NULL, NULL, &u), 0);
	ck_assert_int_eq(uplink_submit(u, 1, "{}", 2), 0);
	ck_assert_uint_eq(uplink_spool_depth(u), 0);
	struct uplink_status st;
	uplink_get_status(u, &st);
	ck_assert(!st.child_running);
	uplink_free(u);
	sd_event_unref(e);
}
END_TEST

START_TEST(test_missing_user_refused)
{
	sd_event *e;
	struct uplink *u = NULL;
	struct uplink_config cfg = cfg_for_test(true);
	strcpy(cfg.user, "pc-no-such-user-4242");

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(uplink_start(&cfg, dir, "/bin/true", e, NULL, NULL, &u), -ESRCH);
	ck_assert_ptr_null(u);
	sd_event_unref(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uplink_api");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dropped_is_deferred);
	tcase_add_test(tc, test_disabled_does_nothing);
	tcase_add_test(tc, test_missing_user_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
