/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy loader: every bad file of tests/data/policies/bad/ is rejected with the line and reason
 * its first line announces ("# expect: LINE: substring of the reason"), every good file loads, and
 * the cases that cannot live in a text file (NUL byte, size cap, too many rules, empty input) are
 * built here.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "paths.h"
#include "policy/lang/policy.h"
#include "policy/lang/policy_internal.h"

#define MAX_FILES 256

static char *bad_files[MAX_FILES], *good_files[MAX_FILES];
static int n_bad, n_good;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, char **out)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d)) && n < MAX_FILES;) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".conf"))
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			abort();
		out[n++] = p;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(char *), cmp_str);
	return n;
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	ck_assert_msg(f, "%s: %m", path);
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

static struct policy *load_str(const char *s, struct policy_error *err, int *ret_r)
{
	struct policy *p = NULL;
	*ret_r = policy_load_from_bytes(s, strlen(s), "test.conf", &p, err);
	return p;
}

/* The corpus must not be empty, or the loop tests below would pass vacuously. */
START_TEST(test_corpus_present)
{
	ck_assert_int_ge(n_bad, 40);
	ck_assert_int_ge(n_good, 4);
}
END_TEST

START_TEST(test_bad_file)
{
	const char *path = bad_files[_i];
	size_t len;
	char *buf = slurp(path, &len);
	int line;
	char want[256];

	ck_assert_msg(sscanf(buf, "# expect: %d: %255[^\n]", &line, want) == 2,
	              "%s: first line must be \"# expect: LINE: reason\"", path);
	struct policy *p = (struct policy *)0x1, *orig = p;
	struct policy_error err = { .line = -1 };
	int r = policy_load_from_bytes(buf, len, path, &p, &err);
	ck_assert_msg(r == -EBADMSG, "%s: loaded (r=%d), expected rejection", path, r);
	ck_assert_msg(p == orig, "%s: *ret_policy written on failure", path);
	ck_assert_msg(err.line == line && strstr(err.reason, want),
	              "%s: got \"%d: %s\", expected \"%d: ...%s...\"", path, err.line, err.reason,
	              line, want);
	free(buf);
}
END_TEST

START_TEST(test_good_file)
{
	const char *path = good_files[_i];
	size_t len;
	char *buf = slurp(path, &len);
	struct policy *p = NULL;
	struct policy_error err = { 0 };
	uint8_t md[32];

	int r = policy_load_from_bytes(buf, len, path, &p, &err);
	ck_assert_msg(r == 0, "%s:%d: %s", path, err.line, err.reason);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(policy_name(p), path);
	ck_assert_int_eq(EVP_Digest(buf, len, md, NULL, EVP_sha256(), NULL), 1);
	ck_assert_mem_eq(policy_sha256(p), md, 32);
	for (size_t i = 0; i < policy_n_rules(p); i++) {
		ck_assert_ptr_nonnull(policy_rule_id(p, i));
		ck_assert_int_gt(policy_rule_line(p, i), 1);
	}
	policy_free(p);
	free(buf);
}
END_TEST

START_TEST(test_example_accessors)
{
	size_t len;
	char *buf = slurp(TEST_DATA_DIR "/policies/good/example.conf", &len);
	struct policy *p = NULL;
	struct policy_error err;

	ck_assert_int_eq(policy_load_from_bytes(buf, len, "example.conf", &p, &err), 0);
	ck_assert_uint_eq(policy_serial(p), 42);
	ck_assert_int_eq(policy_mode(p), POLICY_MODE_ENFORCE);
	ck_assert_int_eq(policy_default_action(p), POLICY_ACTION_BLOCK);
	ck_assert_str_eq(policy_key_id(p), "it-2026");
	ck_assert_int_eq(policy_not_before(p), 1793491200);
	ck_assert_int_eq(policy_not_after(p), 1825027200);
	ck_assert_uint_eq(policy_n_hosts(p), 2);
	ck_assert_str_eq(policy_host(p, 0), "ops-*");
	ck_assert_str_eq(policy_host(p, 1), "machine-id:0123456789abcdef0123456789abcdef");
	ck_assert_ptr_null(policy_host(p, 2));
	ck_assert_uint_eq(policy_n_rules(p), 4);
	ck_assert_str_eq(policy_rule_id(p, 0), "keyboards");
	ck_assert_str_eq(policy_rule_comment(p, 0), "HID is needed at the terminal");
	ck_assert_int_eq(policy_rule_line(p, 0), 12);
	ck_assert_int_eq(policy_rule_action(p, 0), POLICY_ACTION_ALLOW);
	ck_assert_str_eq(policy_rule_id(p, 3), "audit-cams");
	ck_assert_ptr_null(policy_rule_comment(p, 3));
	ck_assert_int_eq(policy_rule_line(p, 3), 15);
	ck_assert_int_eq(policy_rule_action(p, 3), POLICY_ACTION_LOG);
	ck_assert_ptr_null(policy_rule_id(p, 4));
	ck_assert_uint_eq(policy_charge_only(p),
	                  USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) |
	                      USB_KIND_BIT(USB_KIND_ADB) | USB_KIND_BIT(USB_KIND_APPLE_USBMUX) |
	                      USB_KIND_BIT(USB_KIND_APPLE_ETHERNET));
	ck_assert_int_eq(policy_rule_shadowed_by(p, 3), -1);
	policy_free(p);
	free(buf);
}
END_TEST

START_TEST(test_every_key_accessors)
{
	size_t len;
	char *buf = slurp(TEST_DATA_DIR "/policies/good/every-key.conf", &len);
	struct policy *p = NULL;
	struct policy_error err;

	ck_assert_int_eq(policy_load_from_bytes(buf, len, NULL, &p, &err), 0);
	ck_assert_str_eq(policy_name(p), "(unnamed)");
	ck_assert_uint_eq(policy_serial(p), 5000000000ull);
	ck_assert_int_eq(policy_mode(p), POLICY_MODE_AUDIT);
	ck_assert_int_eq(policy_default_action(p), POLICY_ACTION_LOG);
	ck_assert_uint_eq(policy_charge_only(p), 0);
	ck_assert_int_eq(policy_not_before(p), 1709251199);
	ck_assert_int_eq(policy_not_after(p), 2147483648); /* 03:14:08.5 truncated */
	ck_assert_uint_eq(policy_n_hosts(p), 1);
	ck_assert_str_eq(policy_host(p, 0), "build-??.example.org");
	ck_assert_uint_eq(policy_n_rules(p), 7);
	ck_assert_int_eq(policy_rule_not_before(p, 6), 1799049601); /* fraction: one second later */
	ck_assert_int_eq(policy_rule_not_after(p, 6), 1799431200);
	ck_assert_uint_eq(policy_rule_n_hosts(p, 6), 2);
	ck_assert_str_eq(policy_rule_host(p, 6, 1), "machine-id:0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(policy_rule_not_before(p, 5), INT64_MIN);
	ck_assert_uint_eq(policy_rule_n_hosts(p, 5), 0);
	const struct policy_rule *r = &p->rules[1];
	ck_assert_uint_eq(r->n_vids, 2);
	ck_assert_uint_eq(r->vids[0], 0x1234);
	ck_assert_uint_eq(r->vids[1], 0x1234);
	ck_assert_uint_eq(r->x->n_products, 2);
	ck_assert_str_eq(p->rules[2].serials[0], "A\"B\\C");
	ck_assert_int_eq(p->rules[0].scope, RULE_SCOPE_DEVICE);
	ck_assert_uint_eq(p->rules[0].x->hashes[0][31], 0xff);
	ck_assert_uint_eq(p->rules[3].x->n_classes, 3);
	ck_assert_uint_eq(p->rules[3].x->classes[0].any_mask, 7);
	ck_assert_uint_eq(p->rules[3].x->classes[2].value[0], 0xe0);
	ck_assert_uint_eq(p->rules[3].x->classes[2].any_mask, 4);
	policy_free(p);
	free(buf);
}
END_TEST

START_TEST(test_exceptions_contact)
{
	size_t len;
	char *buf = slurp(TEST_DATA_DIR "/policies/good/exceptions.conf", &len);
	struct policy *p = NULL, *b = policy_builtin_default();
	struct policy_error err;

	ck_assert_int_eq(policy_load_from_bytes(buf, len, NULL, &p, &err), 0);
	ck_assert_uint_eq(policy_exceptions_max_minutes(p), 60);
	ck_assert_uint_eq(policy_exceptions_kinds(p), USB_KIND_BIT(USB_KIND_MASS_STORAGE));
	ck_assert_str_eq(policy_contact(p, POLICY_CONTACT_NAME), "IT service desk");
	ck_assert_str_eq(policy_contact(p, POLICY_CONTACT_PHONE), "+81 3-1234-5678");
	ck_assert_str_eq(policy_contact(p, POLICY_CONTACT_URL), "https://it.example.jp/ticket");
	/* off by default */
	ck_assert_uint_eq(policy_exceptions_max_minutes(b), 0);
	ck_assert_ptr_null(policy_contact(b, POLICY_CONTACT_NAME));
	policy_free(p);
	policy_free(b);
	free(buf);
}
END_TEST

START_TEST(test_builtin)
{
	struct policy *p = policy_builtin_default();
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(policy_name(p), "built-in default");
	ck_assert_uint_eq(policy_serial(p), 0);
	ck_assert_int_eq(policy_mode(p), POLICY_MODE_ENFORCE);
	ck_assert_int_eq(policy_default_action(p), POLICY_ACTION_BLOCK);
	ck_assert_ptr_null(policy_key_id(p));
	ck_assert_int_eq(policy_not_before(p), INT64_MIN);
	ck_assert_int_eq(policy_not_after(p), INT64_MAX);
	ck_assert_uint_eq(policy_n_hosts(p), 0);
	ck_assert_uint_eq(policy_charge_only(p),
	                  USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) |
	                      USB_KIND_BIT(USB_KIND_ADB) | USB_KIND_BIT(USB_KIND_APPLE_USBMUX) |
	                      USB_KIND_BIT(USB_KIND_APPLE_ETHERNET));
	ck_assert_uint_eq(policy_n_rules(p), 2);
	policy_free(p);
	ck_assert_ptr_null(policy_free(NULL));
}
END_TEST

/* docs/policy.md quotes the built-in default verbatim; keep them in step. */
START_TEST(test_builtin_documented)
{
	size_t len;
	char *doc = slurp(TEST_DATA_DIR "/../../docs/policy.md", &len);
	ck_assert_msg(strstr(doc, policy_builtin_text),
	              "docs/policy.md does not contain policy_builtin_text verbatim");
	free(doc);
}
END_TEST

/* A NUL byte ends libconfig's view of the text early: what follows would never be checked. */
START_TEST(test_nul_byte)
{
	static const char text[] = "version = 1;\nserial = 1;\n\0rules = ( { garbage } );\n";
	struct policy *p = NULL;
	struct policy_error err;

	ck_assert_int_eq(policy_load_from_bytes(text, sizeof(text) - 1, "t", &p, &err), -EBADMSG);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.line, 3);
	ck_assert_str_eq(err.reason, "NUL byte at offset 25");
}
END_TEST

START_TEST(test_size_cap)
{
	size_t cap = PORTCULLIS_POLICY_MAX_BYTES;
	char *buf = malloc(cap + 1);
	struct policy *p = NULL;
	struct policy_error err;
	static const char head[] = "version = 1; serial = 3;\n";

	ck_assert_ptr_nonnull(buf);
	memset(buf, ' ', cap + 1);
	memcpy(buf, head, sizeof(head) - 1);
	buf[cap - 1] = '\n';
	/* exactly at the cap: accepted */
	ck_assert_int_eq(policy_load_from_bytes(buf, cap, "t", &p, &err), 0);
	ck_assert_uint_eq(policy_serial(p), 3);
	p = policy_free(p);
	/* one byte over: rejected before anything is parsed */
	ck_assert_int_eq(policy_load_from_bytes(buf, cap + 1, "t", &p, &err), -EFBIG);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.line, 0);
	ck_assert_msg(strstr(err.reason, "more than the limit"), "%s", err.reason);
	free(buf);
}
END_TEST

START_TEST(test_too_many_rules)
{
	/* The count is checked before any rule is looked at, so empty groups are enough. */
	size_t n = PORTCULLIS_POLICY_MAX_RULES + 1, cap = n * 3 + 64, o = 0;
	char *buf = malloc(cap);
	struct policy *p = NULL;
	struct policy_error err;

	ck_assert_ptr_nonnull(buf);
	o += (size_t)snprintf(buf, cap, "version = 1;\nserial = 1;\nrules = (\n");
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + o, i + 1 < n ? "{}," : "{}\n", 3);
		o += 3;
	}
	o += (size_t)snprintf(buf + o, cap - o, ");\n");
	ck_assert_int_eq(policy_load_from_bytes(buf, o, "t", &p, &err), -EBADMSG);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.line, 3);
	ck_assert_msg(strstr(err.reason, "too many rules: 200001 (the limit is 200000)"), "%s",
	              err.reason);

	/* exactly the limit gets past the count (and then fails on the first rule's id) */
	memset(buf + o - 7, ' ', 3); /* drop the last ",{}" */
	ck_assert_int_eq(policy_load_from_bytes(buf, o, "t", &p, &err), -EBADMSG);
	ck_assert_msg(strstr(err.reason, "rule #1: missing required key 'id'"), "%s", err.reason);
	free(buf);
}
END_TEST

START_TEST(test_empty_and_args)
{
	struct policy *p = NULL;
	struct policy_error err;
	int r;

	ck_assert_int_eq(policy_load_from_bytes("", 0, "t", &p, &err), -EBADMSG);
	ck_assert_msg(strstr(err.reason, "policy is empty"), "%s", err.reason);
	ck_assert_int_eq(policy_load_from_bytes(NULL, 0, "t", &p, &err), -EBADMSG);
	ck_assert_int_eq(policy_load_from_bytes(NULL, 5, "t", &p, &err), -EINVAL);
	ck_assert_int_eq(policy_load_from_bytes("version=1;", 10, "t", NULL, &err), -EINVAL);
	/* reterr may be NULL */
	ck_assert_int_eq(policy_load_from_bytes("x", 1, "t", &p, NULL), -EBADMSG);
	ck_assert_ptr_null(p);
	/* only whitespace and comments */
	ck_assert_ptr_null(load_str("  # nothing\n/* here */\n", &err, &r));
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_msg(strstr(err.reason, "policy is empty"), "%s", err.reason);
}
END_TEST

/* Literals that libconfig 1.5 would wrap silently, and their neighbours that must still load. */
START_TEST(test_integer_edges)
{
	static const struct {
		const char *text;
		bool ok;
		uint64_t serial;
	} cases[] = {
		{ "version=1; serial=2147483647;", true, 2147483647 },
		{ "version=1; serial=2147483648;", false, 0 },
		{ "version=1; serial=2147483648L;", true, 2147483648ull },
		{ "version=1; serial=0x7FFFFFFF;", true, 0x7fffffff },
		{ "version=1; serial=0x80000000;", false, 0 },
		{ "version=1; serial=0x80000000L;", true, 0x80000000ull },
		{ "version=1; serial=9223372036854775807L;", true, 9223372036854775807ull },
		{ "version=1; serial=0x7FFFFFFFFFFFFFFFLL;", true, 0x7fffffffffffffffull },
		{ "version=1; serial=0x8000000000000000L;", false, 0 },
		{ "version=1; serial=-2147483648;", false, 0 }, /* in range, but negative */
		{ "version=1; serial=-2147483649;", false, 0 },
		{ "version=1; serial=1; key_id=\"k-4294967297\";", true, 1 },
		{ "version=1; serial=1; # 4294967297 in a comment\n", true, 1 },
		{ "version=1; serial=1; /* 0x1FFFFFFFF */", true, 1 },
		{ "version=1; serial=1; rules=({id=\"a4294967297\";action=\"block\";});", true, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_error err = { 0 };
		int r;
		struct policy *p = load_str(cases[i].text, &err, &r);
		ck_assert_msg((r == 0) == cases[i].ok, "%s: r=%d %s", cases[i].text, r, err.reason);
		if (p)
			ck_assert_uint_eq(policy_serial(p), cases[i].serial);
		policy_free(p);
	}
}
END_TEST

START_TEST(test_parse_time)
{
	int64_t t;
	ck_assert_int_eq(policy_parse_time("1970-01-01T00:00:00Z", false, &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(policy_parse_time("1969-12-31T23:59:59Z", false, &t), 0);
	ck_assert_int_eq(t, -1);
	ck_assert_int_eq(policy_parse_time("2000-02-29T12:00:00Z", false, &t), 0);
	ck_assert_int_eq(t, 951825600);
	ck_assert_int_eq(policy_parse_time("2026-11-01T00:00:00.25Z", true, &t), 0);
	ck_assert_int_eq(t, 1793491201);
	ck_assert_int_eq(policy_parse_time("2026-11-01T00:00:00.000Z", true, &t), 0);
	ck_assert_int_eq(t, 1793491200);
	static const char *const bad[] = {
		"1900-02-29T00:00:00Z",  "2026-13-01T00:00:00Z",      "2026-00-01T00:00:00Z",
		"2026-04-31T00:00:00Z",  "2026-11-01T24:00:00Z",      "2026-11-01T00:60:00Z",
		"2026-11-01T00:00:60Z",  "2026-11-01t00:00:00Z",      "2026-11-01T00:00:00z",
		"2026-11-01T00:00:00",   "2026-11-01T00:00:00+00:00", "2026-11-01T00:00:00.Z",
		"2026-11-01T00:00:00ZZ", "26-11-01T00:00:00Z",        "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(policy_parse_time(bad[i], false, &t) == -EINVAL, "%s accepted",
		              bad[i]);
}
END_TEST

START_TEST(test_strings)
{
	for (int a = 0; a < 4; a++)
		ck_assert_int_eq(policy_action_from_string(policy_action_to_string(a)), a);
	for (int a = 0; a < 2; a++)
		ck_assert_int_eq(
		    transfer_limit_action_from_string(transfer_limit_action_to_string(a)), a);
	ck_assert_str_eq(policy_action_to_string(POLICY_ACTION_READ_ONLY), "read-only");
	ck_assert_ptr_null(transfer_limit_action_to_string((enum transfer_limit_action)2));
	ck_assert_int_eq(transfer_limit_action_from_string("Block"), -EINVAL);
	for (int m = 0; m < 2; m++)
		ck_assert_int_eq(policy_mode_from_string(policy_mode_to_string(m)), m);
	for (int v = 0; v < 3; v++)
		ck_assert_int_eq(device_verdict_from_string(device_verdict_to_string(v)), v);
	ck_assert_str_eq(policy_action_to_string(POLICY_ACTION_LOG), "log");
	ck_assert_str_eq(device_verdict_to_string(DEVICE_VERDICT_PARTIAL), "partial");
	ck_assert_ptr_null(policy_action_to_string((enum policy_action)4));
	ck_assert_ptr_null(policy_mode_to_string((enum policy_mode) - 1));
	ck_assert_int_eq(policy_action_from_string("Allow"), -EINVAL);
	ck_assert_int_eq(policy_action_from_string(NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_size)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} cases[] = {
		{ "1", 0, 1 },
		{ "500M", 0, 500ull << 20 },
		{ "16M", 0, 16ull << 20 },
		{ "8K", 0, 8192 },
		{ "2G", 0, 2ull << 30 },
		{ "1024T", 0, 1ull << 50 },
		{ "1025T", -ERANGE, 0 },
		{ "1125899906842625", -ERANGE, 0 },
		{ "18446744073709551617", -ERANGE, 0 },
		{ "0", -ERANGE, 0 },
		{ "0M", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "5m", -EINVAL, 0 },
		{ "5MB", -EINVAL, 0 },
		{ "5 M", -EINVAL, 0 },
		{ "-5M", -EINVAL, 0 },
		{ "+5M", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int r = policy_parse_size(cases[i].s, &v);
		ck_assert_msg(r == cases[i].r, "\"%s\": %d, want %d", cases[i].s, r, cases[i].r);
		ck_assert_msg(r < 0 ? v == 12345 : v == cases[i].v, "\"%s\": %llu", cases[i].s,
		              (unsigned long long)v);
	}
	ck_assert_int_eq(policy_parse_size(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_transfer_keys)
{
	static const char text[] =
	    "version = 1; serial = 1;\n"
	    "transfer_alert = { bytes = \"500M\"; files = 1000; window_sec = 600; "
	    "action = \"alert\"; };\n"
	    "rules = (\n"
	    "  { id = \"ro\"; action = \"read-only\"; kind = \"mass-storage\"; vid = 1; },\n"
	    "  { id = \"cut\"; action = \"allow\"; kind = \"mass-storage\";\n"
	    "    transfer_alert = { bytes = \"8M\"; action = \"block\"; }; },\n"
	    "  { id = \"n\"; action = \"log\"; kind = \"mtp\"; transfer_alert = { files = 3; }; }\n"
	    ");\n";
	struct policy_error err = { 0 };
	struct policy *p = NULL;

	ck_assert_int_eq(policy_load_from_bytes(text, strlen(text), "t", &p, &err), 0);
	const struct transfer_limit *d = policy_default_transfer_limit(p);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->bytes, 500ull << 20);
	ck_assert_uint_eq(d->files, 1000);
	ck_assert_uint_eq(d->window_sec, 600);
	ck_assert_int_eq(d->action, TRANSFER_LIMIT_ALERT);
	ck_assert_int_eq(d->line, 2);
	ck_assert_int_eq(policy_rule_action(p, 0), POLICY_ACTION_READ_ONLY);
	ck_assert_ptr_null(policy_rule_transfer_limit(p, 0));
	const struct transfer_limit *l = policy_rule_transfer_limit(p, 1);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->bytes, 8ull << 20);
	ck_assert_uint_eq(l->files, 0);
	ck_assert_uint_eq(l->window_sec, 600); /* the default window */
	ck_assert_int_eq(l->action, TRANSFER_LIMIT_BLOCK);
	ck_assert_int_eq(l->line, 6);
	l = policy_rule_transfer_limit(p, 2);
	ck_assert_uint_eq(l->bytes, 0);
	ck_assert_uint_eq(l->files, 3);
	ck_assert_ptr_null(policy_rule_transfer_limit(p, 3));
	policy_free(p);

	/* without any transfer_alert */
	ck_assert_int_eq(policy_load_from_bytes("version=1;serial=1;", 19, "t", &p, &err), 0);
	ck_assert_ptr_null(policy_default_transfer_limit(p));
	policy_free(p);
}
END_TEST

/*
 * The second barrier: even if "@include" got past the lexical check, libconfig configured as the
 * loader configures it (include dir "/dev/null") cannot open any file, absolute or relative. The
 * control run without the include dir shows the same text does include the file.
 */
START_TEST(test_libconfig_include_barrier)
{
	char path[] = "/tmp/check_policy_inc_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x = 1;\n", 7), 7);
	close(fd);

	char text[3][256];
	snprintf(text[0], sizeof(text[0]), "@include \"%s\"\n", path);
	snprintf(text[1], sizeof(text[1]), "@include \"../..%s\"\n", path);
	snprintf(text[2], sizeof(text[2]), "@include \"%s\"\n", path + 1);

	config_t cfg;
	config_init(&cfg);
	ck_assert_int_eq(config_read_string(&cfg, text[0]), CONFIG_TRUE); /* control */
	config_destroy(&cfg);
	for (size_t i = 0; i < 3; i++) {
		config_init(&cfg);
		config_set_include_dir(&cfg, "/dev/null");
		ck_assert_int_eq(config_read_string(&cfg, text[i]), CONFIG_FALSE);
		ck_assert_str_eq(config_error_text(&cfg), "cannot open include file");
		config_destroy(&cfg);
	}
	unlink(path);
}
END_TEST

/* A rule's keys as text from the loaded policy ("policy show", "policy diff"): canonical, so two
 * spellings of one value compare equal, and bounded like snprintf(). */
static const char *key(const struct policy *p, size_t i, const char *k)
{
	static char buf[512];
	size_t n = policy_rule_key_text(p, i, k, buf, sizeof(buf));
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

START_TEST(test_rule_key_text)
{
	size_t len;
	char *buf = slurp(TEST_DATA_DIR "/policies/good/every-key.conf", &len);
	struct policy_error err;
	int r;
	struct policy *p = load_str(buf, &err, &r);
	ck_assert_ptr_nonnull(p);

	ck_assert_str_eq(key(p, 0, "action"), "\"allow\"");
	ck_assert_str_eq(key(p, 0, "scope"), "\"device\"");
	ck_assert_str_eq(key(p, 0, "hash"),
	                 "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"");
	ck_assert_str_eq(key(p, 0, "comment"), "\"one exact descriptor set, e.g. a signed token\"");
	ck_assert_str_eq(key(p, 0, "vid"), ""); /* absent */
	/* hex and decimal alike; one value without brackets */
	ck_assert_str_eq(key(p, 1, "vid"), "[0x1234, 0x1234]");
	ck_assert_str_eq(key(p, 1, "pid"), "0x0001");
	ck_assert_str_eq(key(p, 1, "product"), "[\"Widget [0-9]\", \"Gadget?\"]");
	ck_assert_str_eq(key(p, 1, "port"), "\"1-2.*\"");
	ck_assert_str_eq(key(p, 1, "scope"), ""); /* the default */
	ck_assert_str_eq(key(p, 2, "serial"), "\"A\\\"B\\\\C\"");
	ck_assert_str_eq(key(p, 2, "kind"), "\"serial\"");
	ck_assert_str_eq(key(p, 3, "class"), "[\"*:*:*\", \"ff:42:01\", \"e0:01:*\"]");
	ck_assert_str_eq(key(p, 6, "not_before"), "\"2027-01-04T08:00:01Z\""); /* rounded up */
	ck_assert_str_eq(key(p, 6, "not_after"), "\"2027-01-08T18:00:00Z\"");
	ck_assert_str_eq(key(p, 6, "hosts"),
	                 "[\"ops-*\", \"machine-id:0123456789abcdef0123456789abcdef\"]");
	ck_assert_str_eq(key(p, 6, "unknown-key"), "");
	ck_assert_str_eq(key(p, 99, "action"), ""); /* no such rule */

	/* too small a buffer: terminated, and the whole length returned */
	char small[8];
	ck_assert_uint_eq(policy_rule_key_text(p, 1, "product", small, sizeof(small)),
	                  strlen("[\"Widget [0-9]\", \"Gadget?\"]"));
	ck_assert_str_eq(small, "[\"Widge");
	ck_assert_uint_eq(policy_rule_key_text(p, 1, "product", NULL, 0),
	                  strlen("[\"Widget [0-9]\", \"Gadget?\"]"));

	/* every key the language has is one policy_rule_keys names */
	size_t n = 0;
	for (const char *const *k = policy_rule_keys; *k; k++, n++)
		(void)key(p, 0, *k);
	ck_assert_uint_eq(n, 16);
	policy_free(p);

	/* a control character or bidi override in a string stays inert */
	p = load_str(
	    "version = 1;\nserial = 1;\nrules = ( { id = \"x\"; action = \"block\"; product = "
	    "\"a\\x1b[31m\u202e\"; } );",
	    &err, &r);
	ck_assert_msg(p != NULL, "%s", err.reason);
	ck_assert_str_eq(key(p, 0, "product"), "\"a\\u001b[31m\\u202e\"");
	policy_free(p);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy_load");
	TCase *tc = tcase_create("load");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_corpus_present);
	tcase_add_loop_test(tc, test_bad_file, 0, n_bad);
	tcase_add_loop_test(tc, test_good_file, 0, n_good);
	tcase_add_test(tc, test_example_accessors);
	tcase_add_test(tc, test_every_key_accessors);
	tcase_add_test(tc, test_exceptions_contact);
	tcase_add_test(tc, test_builtin);
	tcase_add_test(tc, test_builtin_documented);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_size_cap);
	tcase_add_test(tc, test_too_many_rules);
	tcase_add_test(tc, test_empty_and_args);
	tcase_add_test(tc, test_integer_edges);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_transfer_keys);
	tcase_add_test(tc, test_libconfig_include_barrier);
	tcase_add_test(tc, test_rule_key_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	n_bad = list_dir(TEST_DATA_DIR "/policies/bad", bad_files);
	n_good = list_dir(TEST_DATA_DIR "/policies/good", good_files);
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < n_bad; i++)
		free(bad_files[i]);
	for (int i = 0; i < n_good; i++)
		free(good_files[i]);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
