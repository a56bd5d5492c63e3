/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy/base/rfc3339.c: the one RFC 3339 formatter and parser. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/rfc3339.h"

/* What "portcullis log --since" and log records accept. */
#define F (RFC3339_DATE_OK | RFC3339_SPACE_OK)

static const struct {
	int64_t usec;
	const char *text;
} times[] = {
	{ 0, "1970-01-01T00:00:00.000000Z" },
	{ -1, "1969-12-31T23:59:59.999999Z" },
	{ 951782400000000LL, "2000-02-29T00:00:00.000000Z" },
	{ 1795000000123456LL, "2026-11-18T11:06:40.123456Z" },
	{ 253402300799999999LL, "9999-12-31T23:59:59.999999Z" },
};

START_TEST(test_time_format_parse)
{
	char buf[RFC3339_MAX];
	int64_t back = 0;
	ck_assert_int_eq(rfc3339_format_usec(times[_i].usec, true, buf), 0);
	ck_assert_str_eq(buf, times[_i].text);
	ck_assert_int_eq(rfc3339_parse_usec(buf, 0, &back), 0);
	ck_assert_int_eq(back, times[_i].usec);
}
END_TEST

START_TEST(test_time_parse_forms)
{
	int64_t t = -7;
	ck_assert_int_eq(rfc3339_parse_usec("2026-11-18", F, &t), 0);
	ck_assert_int_eq(t, 1795000000000000LL - 40000000000LL);
	ck_assert_int_eq(rfc3339_parse_usec("2026-11-18T11:06:40Z", F, &t), 0);
	ck_assert_int_eq(t, 1795000000000000LL);
	ck_assert_int_eq(rfc3339_parse_usec("2026-11-18 11:06:40.5Z", F, &t), 0);
	ck_assert_int_eq(t, 1795000000500000LL);
	/* rejected: each named */
	static const char *const bad[] = {
		"",                             /* empty */
		"2026-11-18T11:06:40",          /* no zone */
		"2026-11-18T11:06:40+01:00",    /* not UTC */
		"2026-13-01",                   /* month 13 */
		"2026-02-29",                   /* not a leap year */
		"2026-11-31",                   /* November has 30 days */
		"2026-11-18T24:00:00Z",         /* hour 24 */
		"2026-11-18T11:06:40.Z",        /* empty fraction */
		"2026-11-18T11:06:40.1234567Z", /* more than microseconds */
		"2026-11-18T11:06:40Zjunk",     /* trailing text */
		"26-11-18",                     /* short year */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(rfc3339_parse_usec(bad[i], F, &t) == -EINVAL, "accepted '%s'",
		              bad[i]);
}
END_TEST

/* Seconds: no fraction; out of years 0..9999 (any int64_t) a printable "@N" and -ERANGE. */
START_TEST(test_format_sec)
{
	char buf[RFC3339_MAX];

	ck_assert_int_eq(rfc3339_format_sec(0, buf), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(rfc3339_format_sec(-62167219200LL, buf), 0);
	ck_assert_str_eq(buf, "0000-01-01T00:00:00Z");
	ck_assert_int_eq(rfc3339_format_sec(253402300799LL, buf), 0);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	ck_assert_int_eq(rfc3339_format_sec(253402300800LL, buf), -ERANGE);
	ck_assert_str_eq(buf, "@253402300800");
	ck_assert_int_eq(rfc3339_format_sec(INT64_MAX, buf), -ERANGE);
	ck_assert_int_eq(rfc3339_format_sec(INT64_MIN, buf), -ERANGE);
	ck_assert_int_eq(rfc3339_format_usec(-1, false, buf), 0);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z"); /* floor, not toward zero */
	ck_assert_int_eq(rfc3339_format_usec(INT64_MIN, true, buf), -ERANGE);
}
END_TEST

/* Strict by default; the flags widen exactly what they name. */
START_TEST(test_parse_flags)
{
	struct rfc3339_time t;

	ck_assert_int_eq(rfc3339_parse("2026-11-18", 0, &t), -EINVAL);
	ck_assert_int_eq(rfc3339_parse("2026-11-18 11:06:40Z", 0, &t), -EINVAL);
	ck_assert_int_eq(rfc3339_parse("2026-11-18T11:06:40.1234567Z", 0, &t), -EINVAL);
	ck_assert_int_eq(rfc3339_parse("2026-11-18T11:06:40.1234560Z", RFC3339_ANY_FRACTION, &t),
	                 0);
	ck_assert_int_eq(t.sec, 1795000000);
	ck_assert_uint_eq(t.usec, 123456);
	ck_assert(!t.finer);
	ck_assert_int_eq(rfc3339_parse("2026-11-18T11:06:40.0000001Z", RFC3339_ANY_FRACTION, &t),
	                 0);
	ck_assert_uint_eq(t.usec, 0);
	ck_assert(t.finer);
	ck_assert_int_eq(rfc3339_parse("2000-02-29T00:00:00Z", 0, &t), 0); /* leap */
	ck_assert_int_eq(rfc3339_parse("1900-02-29T00:00:00Z", 0, &t), -EINVAL);
	ck_assert_int_eq(rfc3339_parse(NULL, 0, &t), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rfc3339");
	TCase *tc = tcase_create("rfc3339");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_time_format_parse, 0, sizeof(times) / sizeof(times[0]));
	tcase_add_test(tc, test_time_parse_forms);
	tcase_add_test(tc, test_format_sec);
	tcase_add_test(tc, test_parse_flags);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
