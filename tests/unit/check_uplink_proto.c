/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uplink_proto: encode/decode of every message and every malformed case. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "agent/uplink/uplink_proto.h"

static uint8_t buf[UPLINK_MSG_MAX + 16];

START_TEST(test_record_round_trip)
{
	struct uplink_msg m;
	int n = uplink_msg_encode_record(buf, sizeof(buf), 77, "{\"a\":1}", 7);
	ck_assert_int_eq(n, 8 + 8 + 7);
	/* type 1, flags 0, body 15, little-endian */
	static const uint8_t head[8] = { 1, 0, 0, 0, 15, 0, 0, 0 };
	ck_assert_int_eq(memcmp(buf, head, 8), 0);
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert_int_eq(m.type, UPLINK_MSG_RECORD);
	ck_assert_uint_eq(m.seq, 77);
	ck_assert_uint_eq(m.len, 7);
	ck_assert_int_eq(memcmp(m.payload, "{\"a\":1}", 7), 0);

	static uint8_t big[SPOOL_RECORD_MAX];
	memset(big, 'x', sizeof(big));
	n = uplink_msg_encode_record(buf, sizeof(buf), 1, big, sizeof(big));
	ck_assert_int_eq(n, (int)UPLINK_MSG_MAX);
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert_int_eq(uplink_msg_encode_record(buf, sizeof(buf), 1, big, 0), -EMSGSIZE);
	ck_assert_int_eq(uplink_msg_encode_record(buf, 20, 1, big, 100), -ENOBUFS);
}
END_TEST

START_TEST(test_ack_status_round_trip)
{
	struct uplink_msg m;
	int n = uplink_msg_encode_ack(buf, sizeof(buf), 0x1122334455667788ull);
	ck_assert_int_eq(n, 16);
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert_int_eq(m.type, UPLINK_MSG_ACK);
	ck_assert_uint_eq(m.seq, 0x1122334455667788ull);

	n = uplink_msg_encode_status(buf, sizeof(buf), true, "");
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert(m.connected);
	ck_assert_str_eq(m.text, "");

	n = uplink_msg_encode_status(buf, sizeof(buf), false, "bad\ncert\x01");
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert(!m.connected);
	ck_assert_str_eq(m.text, "bad?cert?"); /* control bytes cannot travel */

	char longtext[400];
	memset(longtext, 'y', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	n = uplink_msg_encode_status(buf, sizeof(buf), false, longtext);
	ck_assert_int_eq(n, (int)(8 + 4 + UPLINK_STATUS_TEXT_MAX));
	ck_assert_int_eq(uplink_msg_decode(buf, (size_t)n, &m), 0);
	ck_assert_uint_eq(strlen(m.text), UPLINK_STATUS_TEXT_MAX);
}
END_TEST

static void expect_bad(const uint8_t *b, size_t len, const char *what)
{
	struct uplink_msg m;
	ck_assert_msg(uplink_msg_decode(b, len, &m) == -EBADMSG, "accepted: %s", what);
}

START_TEST(test_malformed)
{
	uint8_t c[64];
	int n;

	expect_bad(buf, 0, "empty");
	n = uplink_msg_encode_ack(c, sizeof(c), 5);
	expect_bad(c, 7, "shorter than a header");
	expect_bad(c, (size_t)n - 1, "truncated body");
	c[n] = 0;
	expect_bad(c, (size_t)n + 1, "trailing byte");
	c[2] = 1;
	expect_bad(c, (size_t)n, "flags set");
	c[2] = 0;
	c[0] = 9;
	expect_bad(c, (size_t)n, "unknown type");
	c[0] = 0;
	expect_bad(c, (size_t)n, "type 0");

	/* ACK with a 4-byte body */
	static const uint8_t ack4[] = { 2, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4 };
	expect_bad(ack4, sizeof(ack4), "ack body not 8 bytes");
	/* RECORD without payload */
	static const uint8_t rec0[] = { 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	expect_bad(rec0, sizeof(rec0), "record without payload");
	/* body_len claims more than the datagram */
	static const uint8_t lie[] = { 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	expect_bad(lie, sizeof(lie), "body_len larger than the message");

	/* STATUS cases */
	n = uplink_msg_encode_status(c, sizeof(c), true, "abc");
	uint8_t s[64];
	memcpy(s, c, (size_t)n);
	s[8] = 2;
	expect_bad(s, (size_t)n, "connected not 0/1");
	memcpy(s, c, (size_t)n);
	s[9] = 1;
	expect_bad(s, (size_t)n, "reserved byte set");
	memcpy(s, c, (size_t)n);
	s[10] = 4;
	expect_bad(s, (size_t)n, "text_len larger than the body");
	memcpy(s, c, (size_t)n);
	s[12] = '\n';
	expect_bad(s, (size_t)n, "control character in text");
	memcpy(s, c, (size_t)n);
	s[12] = 0x80;
	expect_bad(s, (size_t)n, "non-ASCII byte in text");
	static const uint8_t st2[] = { 3, 0, 0, 0, 2, 0, 0, 0, 1, 0 };
	expect_bad(st2, sizeof(st2), "status body shorter than 4");

	/* a datagram larger than any valid message */
	static uint8_t huge[UPLINK_MSG_MAX + 1], payload[SPOOL_RECORD_MAX];
	n = uplink_msg_encode_record(huge, sizeof(huge), 1, payload, sizeof(payload));
	ck_assert_int_gt(n, 0);
	expect_bad(huge, sizeof(huge), "longer than UPLINK_MSG_MAX");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uplink_proto");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_record_round_trip);
	tcase_add_test(tc, test_ack_status_round_trip);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
