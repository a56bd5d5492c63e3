/* SPDX-License-Identifier: GPL-2.0-or-later */
/* syslog_frame: exact bytes of a sample, SD escaping, bounds; relp_frame encode/parse. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/events/event_class.h"
#include "agent/uplink/relp_frame.h"
#include "agent/uplink/syslog_frame.h"

static char out[1024];

START_TEST(test_exact_sample)
{
	const char *json = "{\"seq\":42,\"type\":\"device_blocked\"}\n";
	struct syslog_frame f = {
		.pri = SYSLOG_PRI_DEFAULT,
		.time_usec = 1795768800123456LL, /* 2026-11-27T08:40:00.123456Z */
		.host = "ws-01",
		.procid = 812,
		.seq = 42,
		.msg = json,
		.msg_len = strlen(json),
	};
	int n = syslog_frame_encode(out, sizeof(out), &f, false);
	const char *body = "<85>1 2026-11-27T08:40:00.123456Z ws-01 portcullisd 812 EVENT "
	                   "[portcullis@32473 seq=\"42\"] {\"seq\":42,\"type\":\"device_blocked\"}";
	ck_assert_int_eq(n, (int)strlen(body));
	ck_assert_int_eq(memcmp(out, body, (size_t)n), 0);

	/* octet counting: "LEN " + the same bytes */
	n = syslog_frame_encode(out, sizeof(out), &f, true);
	char framed[512];
	snprintf(framed, sizeof(framed), "%zu %s", strlen(body), body);
	ck_assert_int_eq(n, (int)strlen(framed));
	ck_assert_int_eq(memcmp(out, framed, (size_t)n), 0);
}
END_TEST

/* A configured private enterprise number, and severity + MSGID of the event type. */
START_TEST(test_enterprise_number_and_class)
{
	const char *json = "{\"seq\":7,\"time\":\"x\",\"host\":\"ws-01\",\"machine_id\":null,"
	                   "\"agent_version\":\"0.1.0\",\"type\":\"tamper\",\"message\":\"x\"}";
	enum syslog_severity sev;
	const char *msgid;
	event_class_of_line(json, strlen(json), &sev, &msgid);
	ck_assert_int_eq(sev, SYSLOG_SEV_ALERT);
	ck_assert_str_eq(msgid, "tamper");
	struct syslog_frame f = {
		.pri = SYSLOG_FACILITY * 8 + sev,
		.time_usec = 1795768800123456LL,
		.host = "ws-01",
		.procid = 812,
		.msgid = msgid,
		.enterprise_number = 65535,
		.seq = 7,
		.msg = json,
		.msg_len = strlen(json),
	};
	int n = syslog_frame_encode(out, sizeof(out), &f, false);
	ck_assert_int_gt(n, 0);
	const char *head = "<81>1 2026-11-27T08:40:00.123456Z ws-01 portcullisd 812 tamper "
	                   "[portcullis@65535 seq=\"7\"] {";
	ck_assert_int_eq(memcmp(out, head, strlen(head)), 0);
	f.enterprise_number = 0; /* unset: the documentation example */
	n = syslog_frame_encode(out, sizeof(out), &f, false);
	ck_assert_ptr_nonnull(memmem(out, (size_t)n, "[portcullis@32473 ", 18));
}
END_TEST

/* Every type's class; decisions by what they meant; hostile content cannot pick the type. */
START_TEST(test_event_class_of_line)
{
	static const struct {
		const char *line;
		enum syslog_severity sev;
		const char *msgid;
	} cases[] = {
		{ "{\"seq\":1,\"type\":\"heartbeat\",\"chain_head\":\"x\"}", SYSLOG_SEV_INFO,
		  "heartbeat" },
		{ "{\"seq\":1,\"type\":\"transfer_alert\"}", SYSLOG_SEV_WARNING, "transfer_alert" },
		{ "{\"seq\":1,\"type\":\"policy_rejected\"}", SYSLOG_SEV_WARNING,
		  "policy_rejected" },
		{ "{\"seq\":1,\"type\":\"policy_expired\"}", SYSLOG_SEV_WARNING, "policy_expired" },
		{ "{\"seq\":1,\"type\":\"device_decision\",\"device\":{\"interfaces\":[{"
		  "\"decision\":"
		  "\"allow\"}]},\"decision\":{\"verdict\":\"block\",\"charge_only\":false,"
		  "\"noteworthy\":false}}",
		  SYSLOG_SEV_NOTICE, "device_decision" },
		{ "{\"seq\":1,\"type\":\"device_decision\",\"decision\":{\"verdict\":\"allow\","
		  "\"charge_only\":false,\"noteworthy\":false}}",
		  SYSLOG_SEV_INFO, "device_decision" },
		{ "{\"seq\":1,\"type\":\"device_decision\",\"decision\":{\"verdict\":\"allow\","
		  "\"charge_only\":false,\"noteworthy\":true}}",
		  SYSLOG_SEV_NOTICE, "device_decision" },
		/* a host name cannot smuggle a type: its quotes are escaped */
		{ "{\"seq\":1,\"host\":\"a\\\",\\\"type\\\":\\\"tamper\",\"type\":\"heartbeat\"}",
		  SYSLOG_SEV_INFO, "heartbeat" },
		{ "{\"seq\":1,\"type\":\"test\"}", SYSLOG_SEV_NOTICE, "EVENT" },
		{ "{\"seq\":1,\"type\":\"tamp", SYSLOG_SEV_NOTICE, "EVENT" },
		{ "", SYSLOG_SEV_NOTICE, "EVENT" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum syslog_severity sev;
		const char *msgid;
		event_class_of_line(cases[i].line, strlen(cases[i].line), &sev, &msgid);
		ck_assert_msg(sev == cases[i].sev, "case %zu: severity %d", i, sev);
		ck_assert_str_eq(msgid, cases[i].msgid);
	}
	size_t n;
	const struct event_class *t = event_class_table(&n);
	ck_assert_uint_ge(n, 17);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(strlen(t[i].msgid), 32);
		ck_assert_uint_eq(strlen(t[i].message_id), 32);
		ck_assert_uint_eq(strspn(t[i].message_id, "0123456789abcdef"), 32);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(t[i].message_id, t[j].message_id);
	}
}
END_TEST

START_TEST(test_nil_fields_and_sanitizing)
{
	struct syslog_frame f = { .pri = 0,
		                  .time_usec = 0,
		                  .host = "",
		                  .procid = 0,
		                  .seq = 1,
		                  .msg = "{}",
		                  .msg_len = 2 };
	int n = syslog_frame_encode(out, sizeof(out), &f, false);
	const char *want = "<0>1 1970-01-01T00:00:00.000000Z - portcullisd - EVENT "
	                   "[portcullis@32473 seq=\"1\"] {}";
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_int_eq(memcmp(out, want, (size_t)n), 0);

	/* spaces and control bytes in HOST would shift every later field: replaced */
	f.host = "evil host\n[x";
	f.msgid = "A B";
	n = syslog_frame_encode(out, sizeof(out), &f, false);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, " evil_host_[x portcullisd - A_B [portcullis@32473"));
}
END_TEST

START_TEST(test_bounds)
{
	struct syslog_frame f = { .pri = 192, .time_usec = 0, .seq = 1, .msg = "x", .msg_len = 1 };
	ck_assert_int_eq(syslog_frame_encode(out, sizeof(out), &f, false), -EINVAL);
	f.pri = 13;
	f.time_usec = 253402300800LL * 1000000; /* year 10000 */
	ck_assert_int_eq(syslog_frame_encode(out, sizeof(out), &f, false), -EINVAL);
	f.time_usec = 0;
	ck_assert_int_eq(syslog_frame_encode(out, 20, &f, false), -ENOBUFS);
	int n = syslog_frame_encode(out, sizeof(out), &f, true);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(syslog_frame_encode(out, (size_t)n - 1, &f, true), -ENOBUFS);
}
END_TEST

START_TEST(test_sd_escape)
{
	char d[64];
	ck_assert_int_eq(syslog_sd_escape(d, sizeof(d), "plain", 5), 5);
	ck_assert_str_eq(d, "plain");
	ck_assert_int_eq(syslog_sd_escape(d, sizeof(d), "a\"b\\c]d", 7), 10);
	ck_assert_str_eq(d, "a\\\"b\\\\c\\]d");
	/* '[' and '=' need no escape inside a value */
	ck_assert_int_eq(syslog_sd_escape(d, sizeof(d), "[=", 2), 2);
	ck_assert_int_eq(syslog_sd_escape(d, 3, "]]", 2), -ENOBUFS);
	ck_assert_int_eq(syslog_sd_escape(d, 2, "ab", 2), -ENOBUFS);
	ck_assert_int_eq(syslog_sd_escape(d, 3, "ab", 2), 2);
}
END_TEST

START_TEST(test_relp_encode)
{
	int n = relp_frame_encode(out, sizeof(out), 7, "syslog", "hello", 5);
	ck_assert_int_eq(n, 17);
	ck_assert_int_eq(memcmp(out, "7 syslog 5 hello\n", 17), 0);
	n = relp_frame_encode(out, sizeof(out), 3, "close", "", 0);
	ck_assert_int_eq(memcmp(out, "3 close 0\n", 10), 0);
	ck_assert_int_eq(relp_frame_encode(out, sizeof(out), 0, "syslog", "x", 1), -EINVAL);
	ck_assert_int_eq(relp_frame_encode(out, sizeof(out), 1000000000, "syslog", "x", 1),
	                 -EINVAL);
	ck_assert_int_eq(relp_frame_encode(out, sizeof(out), 1, "sys log", "x", 1), -EINVAL);
	ck_assert_int_eq(relp_frame_encode(out, 10, 1, "syslog", "hello", 5), -ENOBUFS);
}
END_TEST

START_TEST(test_relp_parse)
{
	struct relp_frame f;
	const char *ok = "12 rsp 6 200 OK\n";
	ck_assert_int_eq(relp_frame_parse((const uint8_t *)ok, strlen(ok), &f), (int)strlen(ok));
	ck_assert_uint_eq(f.txnr, 12);
	ck_assert_str_eq(f.cmd, "rsp");
	ck_assert_uint_eq(f.len, 6);
	ck_assert_int_eq(relp_rsp_code(&f), 200);
	/* every prefix needs more data */
	for (size_t i = 0; i < strlen(ok); i++)
		ck_assert_int_eq(relp_frame_parse((const uint8_t *)ok, i, &f), 0);
	const char *sc = "0 serverclose 0\n";
	ck_assert_int_eq(relp_frame_parse((const uint8_t *)sc, strlen(sc), &f), (int)strlen(sc));
	ck_assert_str_eq(f.cmd, "serverclose");
	ck_assert_uint_eq(f.len, 0);
	const char *err = "5 rsp 17 500 not permitted\n";
	ck_assert_int_gt(relp_frame_parse((const uint8_t *)err, strlen(err), &f), 0);
	ck_assert_int_eq(relp_rsp_code(&f), 500);

	/* malformed: each is named */
	static const char *bad[] = {
		"x rsp 6 200 OK\n",                           /* txnr not a number */
		"1234567890 rsp 6 200 OK\n",                  /* txnr above 9 digits */
		"00 rsp 0\n",                                 /* leading zero */
		"1  rsp 0\n",                                 /* empty command */
		"1 r$p 0\n",                                  /* bad command character */
		"1 rsp x\n",                                  /* datalen not a number */
		"1 rsp 999999 x\n",                           /* datalen above the cap */
		"1 rsp 0 \n",                                 /* datalen 0 with data */
		"1 rsp 2 okX",                                /* missing trailer */
		"1 rsp 2:ok\n",                               /* missing space before data */
		"1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\n", /* command too long */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(relp_frame_parse((const uint8_t *)bad[i], strlen(bad[i]), &f) < 0,
		              "accepted bad frame %zu: %s", i, bad[i]);
	struct relp_frame g = { .data = (const uint8_t *)"2x0", .len = 3 };
	ck_assert_int_eq(relp_rsp_code(&g), -EBADMSG);
	g.data = (const uint8_t *)"20";
	g.len = 2;
	ck_assert_int_eq(relp_rsp_code(&g), -EBADMSG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syslog_frame");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_exact_sample);
	tcase_add_test(tc, test_nil_fields_and_sanitizing);
	tcase_add_test(tc, test_enterprise_number_and_class);
	tcase_add_test(tc, test_event_class_of_line);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_sd_escape);
	tcase_add_test(tc, test_relp_encode);
	tcase_add_test(tc, test_relp_parse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
