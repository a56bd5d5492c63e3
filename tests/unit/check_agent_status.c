/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent/status.c: the status object's formatting (pure), the atomic status file, the refusals
 * list capped at STATUS_MAX_REFUSALS; and notify/refusal*.c reading them back: every rejected
 * input of agent_status_parse() and refusal_list_parse(), and the policy line people see.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/daemon/status.h"
#include "agent/notify/refusal.h"

static const uint8_t digest[32] = { 0x00, 0x01, 0xab, 0xff, [31] = 0x7e };
#define DIGEST_HEX                                                                                 \
	"0001abff"                                                                                 \
	"00000000000000000000000000000000000000000000000000000"                                    \
	"07e"

static char *format(const struct agent_status_info *info)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	status_format_agent(f, info);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static const struct agent_status_info sample = {
	.pid = 812,
	.started = 1795000000,
	.name = "policy.conf",
	.serial = 7,
	.key_id = "it-2026",
	.sha256 = digest,
	.not_after = 1825027200,
	.source = "file",
	.audit = false,
};

START_TEST(test_format_exact)
{
	char *s = format(&sample);

	ck_assert_uint_eq(strlen(DIGEST_HEX), 64);
	ck_assert_str_eq(
	    s, "{\"pid\":812,\"started\":\"2026-11-18T11:06:40Z\",\"policy\":{\"name\":"
	       "\"policy.conf\",\"serial\":7,\"key_id\":\"it-2026\",\"sha256\":\"" DIGEST_HEX
	       "\",\"not_after\":\"2027-11-01T00:00:00Z\",\"source\":\"file\"},"
	       "\"mode\":\"enforce\",\"mode_forced\":false}\n");
	free(s);
}
END_TEST

/* Unsigned, unbounded, forced audit: nulls and the flags. */
START_TEST(test_format_nulls_and_forced)
{
	struct agent_status_info i = sample;
	char *s;

	i.key_id = NULL;
	i.not_after = INT64_MAX;
	i.sha256 = NULL;
	i.source = "built-in";
	i.audit = true;
	i.mode_forced = true;
	s = format(&i);
	ck_assert_ptr_nonnull(strstr(s, "\"key_id\":null,\"sha256\":null,\"not_after\":null,"
	                                "\"source\":\"built-in\"},\"mode\":\"audit\","
	                                "\"mode_forced\":true}\n"));
	free(s);
}
END_TEST

/* A hostile policy name is escaped to printable ASCII and comes back as the same bytes. */
START_TEST(test_format_escapes_and_round_trips)
{
	struct agent_status_info i = sample;
	struct agent_status_report r;
	char err[256], line[2048], *s;

	i.name = "evil\"\\\n\x1b[31m\xff.conf";
	s = format(&i);
	for (const char *p = s; *p != '\n'; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f, "raw byte 0x%02x", (unsigned char)*p);
	/* strenc_json(): controls as \uXXXX, a byte that is not UTF-8 as the text \xff */
	ck_assert_ptr_nonnull(strstr(s, "evil\\\"\\\\\\u000a\\u001b[31m\\\\xff.conf"));
	ck_assert_int_eq(agent_status_parse(s, strlen(s), &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.name, "evil\"\\\n\x1b[31m\\xff.conf");
	ck_assert_int_eq(r.pid, 812);
	ck_assert_str_eq(r.started, "2026-11-18T11:06:40Z");
	ck_assert_uint_eq(r.serial, 7);
	ck_assert(r.has_key_id);
	ck_assert_str_eq(r.key_id, "it-2026");
	ck_assert_str_eq(r.sha256, DIGEST_HEX);
	ck_assert(r.has_not_after);
	ck_assert_str_eq(r.not_after, "2027-11-01T00:00:00Z");
	ck_assert_str_eq(r.source, "file");
	ck_assert(!r.audit && !r.mode_forced);
	agent_status_format_policy(&r, line, sizeof(line));
	ck_assert_str_eq(line, "Policy: evil\\x22\\x5c\\x0a\\x1b[31m\\x5cxff.conf (serial 7, key "
	                       "it-2026, from file), mode: enforce");
	free(s);
}
END_TEST

/* What the agent derives from a policy: the mode is forced only when the policy says enforce. */
START_TEST(test_info_from_policy)
{
	struct policy *p = policy_builtin_default(), *ex = NULL;
	struct agent_status_info i;
	struct policy_error perr;
	FILE *f = fopen(TEST_DATA_DIR "/policies/good/example.conf", "re");
	char buf[65536];
	size_t n;

	ck_assert_ptr_nonnull(p);
	status_info_from_policy(p, "built-in", false, 1, 2, &i);
	ck_assert_ptr_null(i.key_id);
	ck_assert_int_eq(i.not_after, INT64_MAX);
	ck_assert_str_eq(i.name, policy_name(p));
	ck_assert(!i.audit && !i.mode_forced);
	status_info_from_policy(p, "built-in", true, 1, 2, &i);
	ck_assert(i.audit && i.mode_forced);

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(policy_load_from_bytes(buf, n, "example.conf", &ex, &perr), 0);
	status_info_from_policy(ex, "last-known-good", false, 99, 5, &i);
	ck_assert_str_eq(i.key_id, "it-2026");
	ck_assert_uint_eq(i.serial, 42);
	ck_assert_int_eq(i.not_after, 1825027200);
	ck_assert_str_eq(i.source, "last-known-good");
	ck_assert_int_eq(i.pid, 99);
	ck_assert_int_eq(i.started, 5);
	ck_assert(memcmp(i.sha256, policy_sha256(ex), 32) == 0);
	policy_free(ex);
	policy_free(p);

	/* A policy in audit mode: audit, but not forced even with --audit. */
	static const char audit[] =
	    "version = 1;\nserial = 3;\nmode = \"audit\";\ndefault = \"block\";\nrules = ();\n";
	ck_assert_int_eq(policy_load_from_bytes(audit, strlen(audit), "a.conf", &ex, &perr), 0);
	status_info_from_policy(ex, "file", true, 1, 2, &i);
	ck_assert(i.audit && !i.mode_forced);
	status_info_from_policy(ex, "file", false, 1, 2, &i);
	ck_assert(i.audit && !i.mode_forced);
	policy_free(ex);
}
END_TEST

static char *mkdir_tmp(void)
{
	char *d = strdup("/tmp/pc-status.XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void rm_tmp(char *d)
{
	static const char *const names[] = { "status",      "last-refusal",  "refusals",
		                             ".status.tmp", ".refusals.tmp", ".last-refusal.tmp",
		                             "elsewhere" };
	char p[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d, names[i]);
		(void)unlink(p);
	}
	ck_assert_int_eq(rmdir(d), 0);
	free(d);
}

static char *slurp(const char *dir, const char *name, size_t *ret_len)
{
	char p[256], *buf = malloc(STATUS_REFUSALS_MAX_BYTES + 1);
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(buf);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	ck_assert_msg(f != NULL, "%s missing", p);
	n = fread(buf, 1, STATUS_REFUSALS_MAX_BYTES, f);
	fclose(f);
	buf[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return buf;
}

START_TEST(test_write_agent_file)
{
	char *d = mkdir_tmp(), *want = format(&sample), *got, p[256];
	struct agent_status_report r;
	struct stat st;
	char err[256];
	int dfd;

	umask(0077); /* as under the unit's UMask */
	ck_assert_int_eq(status_write_agent(d, &sample), 0);
	got = slurp(d, "status", NULL);
	ck_assert_str_eq(got, want);
	snprintf(p, sizeof(p), "%s/status", d);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	snprintf(p, sizeof(p), "%s/.status.tmp", d);
	ck_assert_int_eq(access(p, F_OK), -1); /* no temporary file left */
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(agent_status_read_at(dfd, "status", &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.serial, 7);
	close(dfd);

	/* A link planted as the temporary file is not followed (it is removed as a leftover, the
	 * temporary created O_EXCL): nothing is written elsewhere, the status is replaced. */
	snprintf(p, sizeof(p), "%s/.status.tmp", d);
	ck_assert_int_eq(symlink("elsewhere", p), 0);
	struct agent_status_info other = sample;
	other.serial = 8;
	ck_assert_int_eq(status_write_agent(d, &other), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/elsewhere", d);
	ck_assert_int_eq(access(p, F_OK), -1);
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(agent_status_read_at(dfd, "status", &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.serial, 8);
	close(dfd);

	ck_assert_int_eq(status_write_agent(NULL, &sample), -EINVAL);
	ck_assert_int_eq(status_write_agent("/nonexistent-dir-pc", &sample), -ENOENT);
	free(got);
	free(want);
	rm_tmp(d);
}
END_TEST

static struct usb_device_info dev;
static struct decision dec;

static void refuse(const char *dir, unsigned i)
{
	snprintf(dev.busid, sizeof(dev.busid), "1-%u", i);
	dev.desc.vid = 0x0781;
	dev.desc.pid = (uint16_t)i;
	dev.has_product = true;
	snprintf(dev.product, sizeof(dev.product), "Stick %u", i);
	dev.n_ifaces = 1;
	dev.ifaces[0].kind = USB_KIND_MASS_STORAGE;
	dev.ifaces[0].kinds = USB_KIND_BIT(USB_KIND_MASS_STORAGE);
	dec.verdict = DEVICE_VERDICT_BLOCK;
	dec.n_ifaces = 1;
	dec.ifaces[0].action = POLICY_ACTION_BLOCK;
	dec.rule_id = "no-storage";
	ck_assert_int_eq(status_write_last_refusal(dir, &dev, &dec, 1795000000 + i), 0);
}

/* The policy's "ask IT" contact goes into the record and is read back for the notice. */
START_TEST(test_refusal_contact)
{
	char *dir = mkdir_tmp();
	struct refusal ref;
	char err[128], msg[4096], contact[700];
	size_t len;
	struct policy *p = NULL;
	struct policy_error perr;
	static const char text[] = "version = 1; serial = 1; contact = { name = \"IT desk\"; "
	                           "phone = \"+81 3-1234-5678\"; };";

	ck_assert_int_eq(policy_load_from_bytes(text, strlen(text), "t", &p, &perr), 0);
	status_contact_text(p, contact, sizeof(contact));
	ck_assert_str_eq(contact, "IT desk, +81 3-1234-5678");
	memset(&dev, 0, sizeof(dev));
	memset(&dec, 0, sizeof(dec));
	strcpy(dev.busid, "1-2");
	dev.n_ifaces = 1;
	dev.ifaces[0].kinds = USB_KIND_BIT(USB_KIND_MASS_STORAGE);
	dec.verdict = DEVICE_VERDICT_BLOCK;
	dec.n_ifaces = 1;
	dec.rule_id = "no-storage";
	ck_assert_int_eq(status_write_last_refusal_contact(dir, &dev, &dec, 1795000000, contact),
	                 0);
	char *buf = slurp(dir, "last-refusal", &len);
	ck_assert_ptr_nonnull(strstr(buf, ",\"contact\":\"IT desk, +81 3-1234-5678\"}"));
	ck_assert_int_eq(refusal_parse(buf, len, &ref, err, sizeof(err)), 0);
	ck_assert_str_eq(ref.contact, "IT desk, +81 3-1234-5678");
	refusal_format_message(&ref, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "Ask IT if you need it: IT desk, +81 3-1234-5678."), "%s", msg);
	free(buf);
	policy_free(p);
	rm_tmp(dir);
}
END_TEST

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Twelve refusals: the list keeps the newest ten, oldest first on disk, newest first read back. */
START_TEST(test_refusals_capped)
{
	char *d = mkdir_tmp(), *list, *last, err[256];
	struct refusal r[REFUSAL_LIST_MAX + 2];
	size_t len;
	int dfd, n;

	for (unsigned i = 1; i <= 12; i++) {
		refuse(d, i);
		list = slurp(d, "refusals", NULL);
		ck_assert_uint_eq(count_lines(list), i < 10 ? i : 10);
		free(list);
	}
	list = slurp(d, "refusals", &len);
	last = slurp(d, "last-refusal", NULL);
	/* last-refusal is the newest line, unchanged in format */
	ck_assert_uint_ge(len, strlen(last));
	ck_assert_str_eq(list + len - strlen(last), last);
	ck_assert_ptr_nonnull(strstr(list, "\"device\":\"1-3\""));
	ck_assert_ptr_null(strstr(list, "\"device\":\"1-2\""));
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	n = refusal_list_read_at(dfd, "refusals", r, REFUSAL_LIST_MAX + 2, err, sizeof(err));
	ck_assert_msg(n == 10, "%d: %s", n, err);
	ck_assert_str_eq(r[0].device, "1-12");
	ck_assert_str_eq(r[9].device, "1-3");
	ck_assert_str_eq(r[0].reason, "mass-storage blocked by rule 'no-storage'");
	/* fewer wanted than there are: the newest */
	ck_assert_int_eq(refusal_list_read_at(dfd, "refusals", r, 2, err, sizeof(err)), 2);
	ck_assert_str_eq(r[1].device, "1-11");
	close(dfd);
	free(list);
	free(last);
	rm_tmp(d);
}
END_TEST

/* A torn last line (not ours) is dropped; an oversized or non-regular file starts afresh. */
START_TEST(test_refusals_recovers)
{
	char *d = mkdir_tmp(), p[256], *list;
	FILE *f;

	refuse(d, 1);
	snprintf(p, sizeof(p), "%s/refusals", d);
	f = fopen(p, "ae");
	ck_assert_ptr_nonnull(f);
	fputs("{\"time\":\"torn", f);
	fclose(f);
	refuse(d, 2);
	list = slurp(d, "refusals", NULL);
	ck_assert_uint_eq(count_lines(list), 2);
	ck_assert_ptr_null(strstr(list, "torn"));
	free(list);

	ck_assert_int_eq(truncate(p, STATUS_REFUSALS_MAX_BYTES + 1), 0);
	refuse(d, 3);
	list = slurp(d, "refusals", NULL);
	ck_assert_uint_eq(count_lines(list), 1);
	ck_assert_ptr_nonnull(strstr(list, "\"device\":\"1-3\""));
	free(list);
	rm_tmp(d);
}
END_TEST

/* ---- reading back: every rejected input ------------------------------------------------------ */

#define GOOD_POLICY                                                                                \
	"{\"name\":\"p\",\"serial\":1,\"key_id\":null,\"sha256\":\"" DIGEST_HEX "\","              \
	"\"not_after\":null,\"source\":\"file\"}"

static const struct {
	const char *text, *why;
} bad_status[] = {
	{ "", "empty file" },
	{ "{\"pid\":1", "not valid JSON" },
	{ "[1]", "not a JSON object" },
	{ "{\"pid\":1,}", "not valid JSON" },
	{ "{\"started\":\"t\",\"policy\":" GOOD_POLICY ",\"mode\":\"audit\",\"mode_forced\":true}",
	  "missing field 'pid'" },
	{ "{\"pid\":0,\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":true}",
	  "not a process id: field 'pid'" },
	{ "{\"pid\":\"1\",\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":true}",
	  "not a process id: field 'pid'" },
	{ "{\"pid\":4294967296,\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":true}",
	  "not a process id: field 'pid'" },
	{ "{\"pid\":1,\"started\":5,\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":true}",
	  "not a string: field 'started'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":\"p\",\"mode\":\"audit\",\"mode_forced\":true}",
	  "missing or not an object: field 'policy'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"p\",\"serial\":-1,\"key_id\":null,"
	  "\"sha256\":\"" DIGEST_HEX
	  "\",\"not_after\":null,\"source\":\"file\"},\"mode\":\"audit\","
	  "\"mode_forced\":true}",
	  "missing or not a serial: field 'serial'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"p\",\"serial\":1,\"key_id\":null,"
	  "\"sha256\":\"XYZ\",\"not_after\":null,\"source\":\"file\"},\"mode\":\"audit\","
	  "\"mode_forced\":true}",
	  "not 64 hex digits: field 'sha256'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"p\",\"serial\":1,\"key_id\":null,"
	  "\"sha256\":\"" DIGEST_HEX "\",\"not_after\":null,\"source\":\"usb-stick\"},"
	  "\"mode\":\"audit\",\"mode_forced\":true}",
	  "unknown policy source" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"p\",\"serial\":1,\"key_id\":7,"
	  "\"sha256\":\"" DIGEST_HEX
	  "\",\"not_after\":null,\"source\":\"file\"},\"mode\":\"audit\","
	  "\"mode_forced\":true}",
	  "not a string: field 'key_id'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"a\\u0000b\",\"serial\":1,\"key_id\":"
	  "null,\"sha256\":\"" DIGEST_HEX "\",\"not_after\":null,\"source\":\"file\"},"
	  "\"mode\":\"audit\",\"mode_forced\":true}",
	  "NUL character in field 'name'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"off\",\"mode_forced\":true}",
	  "unknown mode (want enforce or audit)" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":1}",
	  "missing or not a boolean: field 'mode_forced'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":" GOOD_POLICY ",\"mode\":\"audit\"}",
	  "missing or not a boolean: field 'mode_forced'" },
	{ "{\"pid\":1,\"started\":\"t\",\"policy\":" GOOD_POLICY
	  ",\"mode\":\"audit\",\"mode_forced\":true} x",
	  "not valid JSON" },
};

START_TEST(test_status_rejects)
{
	struct agent_status_report r;
	char err[256] = "";

	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(agent_status_parse(bad_status[_i].text, strlen(bad_status[_i].text), &r,
	                                    err, sizeof(err)),
	                 -EBADMSG);
	ck_assert_str_eq(err, bad_status[_i].why);
	ck_assert_int_eq(((unsigned char *)&r)[0], 0x5a); /* untouched */
}
END_TEST

START_TEST(test_status_limits)
{
	static const char good[] = "{\"pid\":1,\"started\":\"t\",\"policy\":" GOOD_POLICY
	                           ",\"mode\":\"enforce\",\"mode_forced\":false,\"future\":[1,{}]}";
	struct agent_status_report r;
	char err[256], *big;

	/* unknown keys ignored; nulls read as absent */
	ck_assert_int_eq(agent_status_parse(good, strlen(good), &r, err, sizeof(err)), 0);
	ck_assert(!r.has_key_id && !r.has_not_after && !r.audit);
	agent_status_format_policy(&r, err, sizeof(err));
	ck_assert_str_eq(err, "Policy: p (serial 1, key none, from file), mode: enforce");
	ck_assert_int_eq(agent_status_parse("{\"pid\":1}\0x", 11, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_str_eq(err, "NUL byte in the file");
	big = malloc(AGENT_STATUS_MAX_BYTES + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', AGENT_STATUS_MAX_BYTES + 1);
	ck_assert_int_eq(agent_status_parse(big, AGENT_STATUS_MAX_BYTES + 1, &r, err, sizeof(err)),
	                 -EFBIG);
	free(big);
	/* a 300-byte name does not fit the 256-byte field */
	char name[301], text[1024];
	memset(name, 'n', 300);
	name[300] = '\0';
	snprintf(text, sizeof(text),
	         "{\"pid\":1,\"started\":\"t\",\"policy\":{\"name\":\"%s\",\"serial\":1,\"key_id\":"
	         "null,\"sha256\":\"" DIGEST_HEX "\",\"not_after\":null,\"source\":\"file\"},"
	         "\"mode\":\"audit\",\"mode_forced\":false}",
	         name);
	ck_assert_int_eq(agent_status_parse(text, strlen(text), &r, err, sizeof(err)), -EBADMSG);
	ck_assert_str_eq(err, "too long: field 'name'");
}
END_TEST

#define REC(dev)                                                                                   \
	"{\"time\":\"t\",\"device\":\"" dev "\",\"id\":\"0781:5567\",\"manufacturer\":\"\","       \
	"\"product\":\"\",\"verdict\":\"block\",\"reason\":\"x\"}\n"

START_TEST(test_list_parse)
{
	struct refusal r[3];
	char err[256] = "";
	static const char three[] = REC("1-1") REC("1-2") REC("1-3");

	ck_assert_int_eq(refusal_list_parse("", 0, r, 3, err, sizeof(err)), 0);
	ck_assert_int_eq(refusal_list_parse(three, strlen(three), r, 3, err, sizeof(err)), 3);
	ck_assert_str_eq(r[0].device, "1-3");
	ck_assert_str_eq(r[2].device, "1-1");
	ck_assert_int_eq(refusal_list_parse(three, strlen(three), r, 1, err, sizeof(err)), 1);
	ck_assert_str_eq(r[0].device, "1-3");

	static const char unterminated[] = REC("1-1") "{\"time\":\"t\"}";
	ck_assert_int_eq(
	    refusal_list_parse(unterminated, strlen(unterminated), r, 3, err, sizeof(err)),
	    -EBADMSG);
	ck_assert_str_eq(err, "last line not terminated");
	static const char blank[] = REC("1-1") "\n" REC("1-3");
	ck_assert_int_eq(refusal_list_parse(blank, strlen(blank), r, 3, err, sizeof(err)),
	                 -EBADMSG);
	ck_assert_str_eq(err, "line 2: empty");
	static const char badrec[] = REC("1-1") "{\"time\":\"t\"}\n" REC("1-3");
	ck_assert_int_eq(refusal_list_parse(badrec, strlen(badrec), r, 3, err, sizeof(err)),
	                 -EBADMSG);
	ck_assert_str_eq(err, "line 2: missing field 'device'");
	static const char nul[] = REC("1-1") "\0\n";
	ck_assert_int_eq(refusal_list_parse(nul, sizeof(nul) - 1, r, 3, err, sizeof(err)),
	                 -EBADMSG);
	ck_assert_str_eq(err, "NUL byte in the file");
	ck_assert_int_eq(
	    refusal_list_parse(three, REFUSAL_LIST_MAX_BYTES + 1, r, 3, err, sizeof(err)), -EFBIG);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("agent_status");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format_exact);
	tcase_add_test(tc, test_format_nulls_and_forced);
	tcase_add_test(tc, test_format_escapes_and_round_trips);
	tcase_add_test(tc, test_info_from_policy);
	tcase_add_test(tc, test_write_agent_file);
	tcase_add_test(tc, test_refusals_capped);
	tcase_add_test(tc, test_refusals_recovers);
	tcase_add_loop_test(tc, test_status_rejects, 0,
	                    (int)(sizeof(bad_status) / sizeof(bad_status[0])));
	tcase_add_test(tc, test_status_limits);
	tcase_add_test(tc, test_list_parse);
	tcase_add_test(tc, test_refusal_contact);
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
