/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy/base/strenc.c: the one encoding of untrusted text; every hostile character, each form. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/strenc.h"

/* Each code point issue 10 names (and U+2028/9), its UTF-8 and its \uXXXX escape. */
static const struct {
	const char *utf8, *esc;
} hostile[] = {
	{ "\x1b", "\\u001b" },         { "\x7f", "\\u007f" },         { "\xc2\x80", "\\u0080" },
	{ "\xc2\x9b", "\\u009b" },     { "\xc2\x9f", "\\u009f" },     { "\xd8\x9c", "\\u061c" },
	{ "\xe2\x80\x8e", "\\u200e" }, { "\xe2\x80\x8f", "\\u200f" }, { "\xe2\x80\xaa", "\\u202a" },
	{ "\xe2\x80\xab", "\\u202b" }, { "\xe2\x80\xac", "\\u202c" }, { "\xe2\x80\xad", "\\u202d" },
	{ "\xe2\x80\xae", "\\u202e" }, { "\xe2\x81\xa6", "\\u2066" }, { "\xe2\x81\xa7", "\\u2067" },
	{ "\xe2\x81\xa8", "\\u2068" }, { "\xe2\x81\xa9", "\\u2069" }, { "\xe2\x80\xa8", "\\u2028" },
	{ "\xe2\x80\xa9", "\\u2029" },
};

START_TEST(test_each_hostile_code_point)
{
	char in[32], out[STRENC_MAX(32)], want[64], *inert = NULL;
	size_t n;

	snprintf(in, sizeof(in), "a%sb", hostile[_i].utf8);
	snprintf(want, sizeof(want), "a%sb", hostile[_i].esc);
	strenc_json(out, in, strlen(in));
	ck_assert_str_eq(out, want);
	strenc_text(out, in, strlen(in));
	if (hostile[_i].utf8[1] == '\0') /* C0 and DEL in text: \xNN */
		snprintf(want, sizeof(want), "a\\x%02xb", (unsigned char)hostile[_i].utf8[0]);
	ck_assert_str_eq(out, want);
	/* serialized JSON with the character raw in a string */
	snprintf(in, sizeof(in), "{\"p\":\"a%sb\"}", hostile[_i].utf8);
	snprintf(want, sizeof(want), "{\"p\":\"a%sb\"}", hostile[_i].esc);
	ck_assert_int_eq(strenc_json_inert(in, strlen(in), &inert, &n), 0);
	ck_assert_str_eq(inert, want);
	ck_assert_uint_eq(n, strlen(want));
	free(inert);
}
END_TEST

/* Characters next to the hostile ranges, and ordinary UTF-8, are kept. */
START_TEST(test_neighbours_kept)
{
	static const char *const ok[] = {
		"caf\xc3\xa9",   "\xc2\xa0",     /* U+00A0 */
		"\xd8\x9b",      "\xd8\x9d",     /* U+061B, U+061D */
		"\xe2\x80\x8d",  "\xe2\x80\x90", /* U+200D, U+2010 */
		"\xe2\x80\xa9x",                 /* (U+2029 is escaped: checked above) */
		"\xe2\x80\xaf",  "\xe2\x81\xa5", /* U+202F, U+2065 */
		"\xe2\x81\xaa",  "\xf0\x9f\x98\x80",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!strcmp(ok[i], "\xe2\x80\xa9x"))
			continue;
		strenc_json(out, ok[i], strlen(ok[i]));
		ck_assert_str_eq(out, ok[i]);
		strenc_text(out, ok[i], strlen(ok[i]));
		ck_assert_str_eq(out, ok[i]);
	}
}
END_TEST

START_TEST(test_quotes_and_invalid_bytes)
{
	char out[STRENC_MAX(16)];

	strenc_json(out, "a\"b\\c", 5);
	ck_assert_str_eq(out, "a\\\"b\\\\c");
	strenc_text(out, "a\"b\\c", 5); /* CSV quoting is the caller's */
	ck_assert_str_eq(out, "a\"b\\c");
	/* a lone 0x9b (8-bit CSI), a cut sequence, an overlong form, a surrogate, NUL */
	strenc_json(out, "\x9b\xe2\x80\xc0\xaf\xed\xa0\x80", 8);
	ck_assert_str_eq(out, "\\\\x9b\\\\xe2\\\\x80\\\\xc0\\\\xaf\\\\xed\\\\xa0\\\\x80");
	strenc_text(out, "\x9bz\x00", 3);
	ck_assert_str_eq(out, "\\x9bz\\x00");
}
END_TEST

/* A 255-byte device string of nothing but U+009B and U+202E: within the documented bound. */
START_TEST(test_255_bytes)
{
	char in[256], out[STRENC_MAX(255)];
	size_t n = 0, o;

	while (n + 3 <= 255) {
		memcpy(in + n, n % 2 ? "\xe2\x80\xae" : "\xc2\x9b\x1b", 3);
		n += 3;
	}
	in[n] = '\0';
	o = strenc_json(out, in, n);
	ck_assert_uint_lt(o, STRENC_MAX(255));
	ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	o = strenc_text(out, in, n);
	ck_assert_uint_lt(o, STRENC_MAX(255));
	ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
	/* the worst case per byte: a 255-byte string of DEL and NUL-free invalid bytes */
	memset(in, 0x80, 255);
	ck_assert_uint_eq(strenc_json(out, in, 255), 5 * 255);
	memset(in, 0x01, 255);
	ck_assert_uint_eq(strenc_json(out, in, 255), 6 * 255);
}
END_TEST

/* Serialized JSON: escapes already there, structure and whitespace outside strings untouched. */
START_TEST(test_json_inert_structure)
{
	static const char in[] = "{\n  \"a\": \"x\\\"\xc2\x9b\\u202e\",\t\"b\": [ 1, \"\xff\" ]\n}";
	char *out = NULL;
	size_t n;

	ck_assert_int_eq(strenc_json_inert(in, sizeof(in) - 1, &out, &n), 0);
	ck_assert_str_eq(out, "{\n  \"a\": \"x\\\"\\u009b\\u202e\",\t\"b\": [ 1, \"\\\\xff\" ]\n}");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strenc");
	TCase *tc = tcase_create("strenc");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_each_hostile_code_point, 0,
	                    sizeof(hostile) / sizeof(hostile[0]));
	tcase_add_test(tc, test_neighbours_kept);
	tcase_add_test(tc, test_quotes_and_invalid_bytes);
	tcase_add_test(tc, test_255_bytes);
	tcase_add_test(tc, test_json_inert_structure);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
