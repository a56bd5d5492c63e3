/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/notify/refusal.c: parsing the agent's last-refusal record (each bad case) and its wording.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/notify/refusal.h"

#define GOOD                                                                                       \
	"{\"time\":\"2026-11-23T15:00:00Z\",\"device\":\"1-2\",\"id\":\"0781:5567\","              \
	"\"manufacturer\":\"SanDisk\",\"product\":\"Cruzer Blade\",\"verdict\":\"block\","         \
	"\"reason\":\"mass-storage blocked by rule 'default'\"}\n"

static int parse(const char *s, struct refusal *r, char *err)
{
	return refusal_parse(s, strlen(s), r, err, 256);
}

static void expect_bad(const char *s, int want, const char *why)
{
	struct refusal r;
	char err[256] = "";

	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(parse(s, &r, err), want);
	ck_assert_msg(strstr(err, why), "reason '%s' lacks '%s'", err, why);
	ck_assert_int_eq(((unsigned char *)&r)[0], 0x5a); /* not written on failure */
}

START_TEST(test_good)
{
	struct refusal r;
	char err[256] = "", msg[1024];

	ck_assert_int_eq(parse(GOOD, &r, err), 0);
	ck_assert_str_eq(r.device, "1-2");
	ck_assert_str_eq(r.id, "0781:5567");
	ck_assert_str_eq(r.product, "Cruzer Blade");
	ck_assert_str_eq(r.verdict, "block");
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_str_eq(msg,
	                 "USB storage device 'SanDisk Cruzer Blade' (0781:5567) on port 1-2 was "
	                 "blocked: mass storage is not allowed on this workstation (rule: "
	                 "default). Ask IT if you need it.");
}
END_TEST

START_TEST(test_raw_bytes_and_unknown_keys)
{
	struct refusal r;
	char err[256] = "", msg[1024];
	const char *s = "{\"future\":\"x\",\"time\":\"1\",\"device\":\"1-2\",\"id\":\"0001:0002\","
	                "\"manufacturer\":\"Caf\xc3\xa9\",\"product\":\"a\\u001bb\\\"\","
	                "\"verdict\":\"partial\",\"reason\":\"descriptors malformed\"}";

	ck_assert_int_eq(parse(s, &r, err), 0);
	ck_assert_str_eq(r.manufacturer, "Caf\xc3\xa9"); /* the device's UTF-8 as written */
	ck_assert_str_eq(r.product, "a\x1b"
	                            "b\"");
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_str_eq(msg, "USB device 'Caf\\xc3\\xa9 a\\x1bb\\x22' (0001:0002) on port 1-2 was "
	                      "partly blocked: descriptors malformed. Ask IT if you need it.");
}
END_TEST

START_TEST(test_bad_cases)
{
	char big[REFUSAL_MAX_BYTES + 2];

	expect_bad("", -EBADMSG, "empty");
	expect_bad("{", -EBADMSG, "not valid JSON");
	expect_bad("[1]", -EBADMSG, "not a JSON object");
	expect_bad("\"x\"", -EBADMSG, "not a JSON object");
	expect_bad(GOOD "{}", -EBADMSG, "");
	expect_bad(GOOD "x", -EBADMSG, "");
	expect_bad("{\"time\":\"t\"}", -EBADMSG, "missing field 'device'");
	expect_bad("{\"time\":1}", -EBADMSG, "not a string: field 'time'");
	expect_bad("{\"time\":\"t\",\"device\":\"1-2\",\"id\":\"x\",\"manufacturer\":\"\","
	           "\"product\":\"\",\"verdict\":\"allow\",\"reason\":\"\"}",
	           -EBADMSG, "unknown verdict");
	expect_bad("{\"time\":\"t\",\"device\":\"a\\u0000\"}", -EBADMSG,
	           "NUL character in field 'device'");
	expect_bad("{\"time\":\"t\",\"device\":\"0123456789012345678901234567890123\"}", -EBADMSG,
	           "too long: field 'device'");
	expect_bad("{\"time\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{}}}}}}}}}",
	           -EBADMSG, "not valid JSON");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_bad(big, -EFBIG, "larger than 16 KiB");
	{
		struct refusal r;
		char err[256] = "";
		ck_assert_int_eq(refusal_parse("{\"a\0\":1}", 8, &r, err, sizeof(err)), -EBADMSG);
		ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
	}
}
END_TEST

START_TEST(test_wording)
{
	struct refusal r;
	char err[256] = "", msg[1024];

	ck_assert_int_eq(parse(GOOD, &r, err), 0);
	strcpy(r.reason, "device blocked (charging only) by rule 'phones'");
	r.manufacturer[0] = '\0';
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_str_eq(msg, "USB device 'Cruzer Blade' (0781:5567) on port 1-2 was blocked: this "
	                      "device is not allowed on this workstation (rule: phones); it may "
	                      "still charge. Ask IT if you need it.");
	strcpy(r.reason, "mass-storage, mtp, hid blocked by the policy");
	r.product[0] = '\0';
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_str_eq(msg, "USB device (0781:5567) on port 1-2 was blocked: mass storage, phone "
	                      "file transfer (MTP) and keyboards and mice (HID) are not allowed on "
	                      "this workstation (several rules). Ask IT if you need it.");
	/* Not the agent's pattern (unknown kind): the reason as it is, escaped. */
	strcpy(r.reason, "warp-drive blocked by rule '\x07'");
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_str_eq(msg,
	                 "USB device (0781:5567) on port 1-2 was blocked: warp-drive blocked by "
	                 "rule '\\x07'. Ask IT if you need it.");
	/* Product repeating the manufacturer is not doubled; truncation stays terminated. */
	strcpy(r.manufacturer, "SanDisk");
	strcpy(r.product, "SanDisk Ultra");
	refusal_format_message(&r, msg, 20);
	ck_assert_str_eq(msg, "USB device 'SanDisk");
	refusal_format_message(&r, msg, sizeof(msg));
	ck_assert_ptr_nonnull(strstr(msg, "'SanDisk Ultra'"));
}
END_TEST

START_TEST(test_markup)
{
	char out[64];

	refusal_markup_escape("a<b>&c", out, sizeof(out));
	ck_assert_str_eq(out, "a&lt;b&gt;&amp;c");
	refusal_markup_escape("<<<<", out, 10);
	ck_assert_str_eq(out, "&lt;&lt;"); /* no half entity */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refusal");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_raw_bytes_and_unknown_keys);
	tcase_add_test(tc, test_bad_cases);
	tcase_add_test(tc, test_wording);
	tcase_add_test(tc, test_markup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
