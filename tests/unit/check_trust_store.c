/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signed policy store (policy/trust/policy_store.c) on real files in a temp dir: one test per
 * rejection reason, plus symlinks, races (through the ops hook), permissions, size limits, key
 * rotation, anti-rollback across restarts, last-known-good fallback and openssl CLI interop.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_trust_util.h"
#include "paths.h"
#include "policy/trust/policy_store.h"
#include "policy/trust/trust.h"

#define NOW        INT64_C(1800000000) /* 2027-01-15T08:00:00Z */
#define MACHINE_ID "0123456789abcdef0123456789abcdef"

static struct {
	char *root;
	char etc[256], keys[256], state[256], policy[300], sig[300];
	struct policy_store_config cfg;
} E;

static void setup(void)
{
	E.root = tu_mkdtemp();
	snprintf(E.etc, sizeof(E.etc), "%s/etc", E.root);
	snprintf(E.keys, sizeof(E.keys), "%s/etc/keys.d", E.root);
	snprintf(E.state, sizeof(E.state), "%s/state", E.root);
	snprintf(E.policy, sizeof(E.policy), "%s/policy.conf", E.etc);
	snprintf(E.sig, sizeof(E.sig), "%s/policy.conf.sig", E.etc);
	ck_assert_int_eq(mkdir(E.etc, 0755), 0);
	ck_assert_int_eq(mkdir(E.keys, 0755), 0);
	ck_assert_int_eq(chmod(E.etc, 0755), 0); /* whatever the umask */
	ck_assert_int_eq(chmod(E.keys, 0755), 0);
	E.cfg = (struct policy_store_config){
		.policy_path = E.policy,
		.keys_dir = E.keys,
		.state_dir = E.state,
		.hostname = "ws-042",
		.machine_id = MACHINE_ID "\n",
		.check_owner = false,
	};
}

static void teardown(void)
{
	ts_rm_rf(E.root);
	free(E.root);
}

/* A fresh key, trusted as keys.d/<id>.pem. Caller frees. */
static EVP_PKEY *trusted_key(const char *id)
{
	char path[400];
	EVP_PKEY *k = tu_keygen();
	snprintf(path, sizeof(path), "%s/%s.pem", E.keys, id);
	tu_write_pubkey(path, k);
	return k;
}

/* Policy text; extra goes between the header and the rules. Caller frees. */
static char *ptext(uint64_t serial, const char *key_id, const char *extra)
{
	char *s, kid[200] = "";
	if (key_id)
		snprintf(kid, sizeof(kid), "key_id = \"%s\";\n", key_id);
	ck_assert_int_gt(asprintf(&s,
	                          "# test policy\nversion = 1;\nserial = %" PRIu64 ";\n%s%s\n"
	                          "rules = (\n"
	                          "  { id = \"block-0781\"; action = \"block\"; vid = 0x0781; },\n"
	                          "  { id = \"allow-046d\"; action = \"allow\"; vid = 0x046d; }\n"
	                          ");\n",
	                          serial, kid, extra ? extra : ""),
	                 0);
	return s;
}

static void put_bytes(const void *data, size_t len, EVP_PKEY *signer)
{
	uint8_t sig[64];
	tu_write_file(E.policy, data, len, 0644);
	if (signer) {
		tu_sign(signer, data, len, sig);
		tu_write_file(E.sig, sig, sizeof(sig), 0644);
	} else {
		(void)unlink(E.sig);
	}
}

static void put(uint64_t serial, const char *key_id, const char *extra, EVP_PKEY *signer)
{
	char *t = ptext(serial, key_id, extra);
	put_bytes(t, strlen(t), signer);
	free(t);
}

static struct policy *load_at(const struct policy *current, int64_t now,
                              struct policy_load_result *res)
{
	struct policy *p = NULL;
	memset(res, 0x5a, sizeof(*res));
	int r = policy_store_load(&E.cfg, current, now, &p, res);
	ck_assert_msg(r == 0, "policy_store_load: %d", r);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(res->source);
	return p;
}

static struct policy *load(const struct policy *current, struct policy_load_result *res)
{
	return load_at(current, NOW, res);
}

static bool exists_in_state(const char *name)
{
	char path[400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", E.state, name);
	return lstat(path, &st) == 0;
}

/* Loads and expects a rejection with error err and a reason containing needle; the built-in
 * default is in force (no state yet) and nothing was persisted. */
static void expect_reject_at(int64_t now, int err, const char *needle)
{
	struct policy_load_result res;
	struct policy *p = load_at(NULL, now, &res);
	ck_assert_msg(res.status == POLICY_STATUS_REJECTED, "status %d, reason %s", res.status,
	              res.reason);
	ck_assert_msg(res.error == err, "error %d (%s), want %d", res.error, res.reason, err);
	ck_assert_msg(strstr(res.reason, needle), "reason \"%s\" lacks \"%s\"", res.reason, needle);
	ck_assert_msg(!strchr(res.reason, '\n'), "reason is not one line");
	ck_assert_str_eq(res.source, "built-in");
	ck_assert(!res.expired);
	ck_assert_uint_eq(policy_serial(p), 0); /* the built-in default */
	ck_assert_ptr_null(policy_key_id(p));
	ck_assert(!exists_in_state("serial"));
	ck_assert(!exists_in_state("last-good.conf"));
	ck_assert(!exists_in_state("last-good.conf.sig"));
	policy_free(p);
}

static void expect_reject(int err, const char *needle)
{
	expect_reject_at(NOW, err, needle);
}

static void expect_accept(uint64_t serial)
{
	struct policy_load_result res;
	struct policy *p = load(NULL, &res);
	ck_assert_msg(res.status == POLICY_STATUS_ACCEPTED, "status %d: %s", res.status,
	              res.reason);
	ck_assert_int_eq(res.error, 0);
	ck_assert_str_eq(res.source, "file");
	ck_assert_uint_eq(policy_serial(p), serial);
	policy_free(p);
}

/* ---- acceptance ---- */

START_TEST(accepts_and_persists)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("it-2027");
	size_t n, m;

	put(7, "it-2027", NULL, k);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	ck_assert_str_eq(res.source, "file");
	ck_assert(!res.expired);
	ck_assert_uint_eq(policy_serial(p), 7);
	ck_assert_str_eq(policy_key_id(p), "it-2027");
	ck_assert_uint_eq(policy_n_rules(p), 2);

	/* state: the copy is byte-identical, the serial file names serial and digest */
	char path[400];
	snprintf(path, sizeof(path), "%s/last-good.conf", E.state);
	uint8_t *copy = tu_read_file(path, &n);
	uint8_t *orig = tu_read_file(E.policy, &m);
	ck_assert_ptr_nonnull(copy);
	ck_assert_uint_eq(n, m);
	ck_assert_mem_eq(copy, orig, n);
	free(copy);
	free(orig);
	snprintf(path, sizeof(path), "%s/serial", E.state);
	char *serial = (char *)tu_read_file(path, &n);
	ck_assert_ptr_nonnull(serial);
	ck_assert_msg(!strncmp(serial, "serial 7\nsha256 ", 16), "serial file: %s", serial);
	free(serial);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(E.state, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert(!exists_in_state(".serial.tmp"));
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(unchanged_same_bytes)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	struct policy *p1 = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	/* same serial, same bytes, same policy in force: UNCHANGED */
	struct policy *p2 = load(p1, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_UNCHANGED);
	ck_assert_str_eq(res.source, "file");
	ck_assert_uint_eq(policy_serial(p2), 5);
	/* after a restart (nothing in force yet) the same file is accepted again */
	struct policy *p3 = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	policy_free(p1);
	policy_free(p2);
	policy_free(p3);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(dry_run_persists_nothing)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	E.cfg.dry_run = true;
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	ck_assert(!exists_in_state("serial"));
	ck_assert(!exists_in_state("last-good.conf"));
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- one test per rejection reason ---- */

START_TEST(reject_unsigned)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, NULL);
	expect_reject(TRUST_E_UNSIGNED, "not signed");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_unknown_key)
{
	EVP_PKEY *k = tu_keygen(); /* not in keys.d */
	EVP_PKEY *t = trusted_key("trusted");
	put(1, "rogue", NULL, k);
	expect_reject(TRUST_E_UNKNOWN_KEY, "unknown key 'rogue'");
	EVP_PKEY_free(k);
	EVP_PKEY_free(t);
}
END_TEST

START_TEST(reject_missing_key_id)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, NULL, NULL, k);
	expect_reject(TRUST_E_UNKNOWN_KEY, "no key_id");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_no_keys_dir)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	ts_rm_rf(E.keys);
	expect_reject(TRUST_E_UNKNOWN_KEY, "keys.d");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_bad_key_file)
{
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	snprintf(path, sizeof(path), "%s/k1.pem", E.keys);
	tu_write_str(path, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
	expect_reject(-EBADMSG, "k1.pem: not a valid PEM public key");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_bad_signature_tampered)
{
	EVP_PKEY *k = trusted_key("k1");
	char *t = ptext(1, "k1", NULL);
	uint8_t sig[64];
	tu_sign(k, t, strlen(t), sig);
	tu_write_file(E.sig, sig, 64, 0644);
	t[strlen(t) - 5] = ' '; /* one byte changed after signing */
	tu_write_file(E.policy, t, strlen(t), 0644);
	expect_reject(TRUST_E_BAD_SIGNATURE, "policy.conf.sig: signature does not verify");
	free(t);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_bad_signature_other_key)
{
	EVP_PKEY *k = trusted_key("k1"), *other = tu_keygen();
	put(1, "k1", NULL, other); /* names k1, signed by someone else */
	expect_reject(TRUST_E_BAD_SIGNATURE, "does not verify with key 'k1'");
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}
END_TEST

static const struct {
	size_t len;
	int err;
	const char *needle;
} sig_files[] = {
	{ 0, TRUST_E_SIG_TRUNCATED, "truncated" },    /* empty .sig */
	{ 63, TRUST_E_SIG_TRUNCATED, "truncated" },   /* cut short */
	{ 65, TRUST_E_SIG_OVERSIZED, "oversized" },   /* trailing newline */
	{ 88, TRUST_E_SIG_OVERSIZED, "oversized" },   /* base64 instead of raw */
	{ 5000, TRUST_E_SIG_OVERSIZED, "oversized" }, /* over the read cap */
};

START_TEST(reject_signature_size)
{
	EVP_PKEY *k = trusted_key("k1");
	uint8_t *junk = calloc(1, sig_files[_i].len + 1);
	put(1, "k1", NULL, k);
	tu_write_file(E.sig, junk, sig_files[_i].len, 0644);
	expect_reject(sig_files[_i].err, sig_files[_i].needle);
	free(junk);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_rollback)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(10, "k1", NULL, k);
	expect_accept(10);
	put(9, "k1", NULL, k);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_ROLLBACK);
	ck_assert_ptr_nonnull(strstr(res.reason, "serial 9 is lower than the highest accepted "
	                                         "serial 10"));
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_uint_eq(policy_serial(p), 10);
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_same_serial_other_bytes)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	expect_accept(5);
	put(5, "k1", "mode = \"audit\";", k);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_SERIAL_REUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "already accepted with different content"));
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_int_eq(policy_mode(p), POLICY_MODE_ENFORCE);
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

static char *window(const char *key, int64_t t)
{
	char buf[32], *s;
	ck_assert_int_gt(asprintf(&s, "%s = \"%s\";", key, trust_format_time(t, buf, sizeof(buf))),
	                 0);
	return s;
}

START_TEST(reject_not_yet_valid)
{
	EVP_PKEY *k = trusted_key("k1");
	char *w = window("not_before", NOW + 3600);
	put(1, "k1", w, k);
	expect_reject(TRUST_E_NOT_YET_VALID, "not valid before 2027-01-15T09:00:00Z");
	struct policy_load_result res;
	struct policy *p = load_at(NULL, NOW + 3600, &res); /* valid from then on */
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	policy_free(p);
	free(w);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_expired)
{
	EVP_PKEY *k = trusted_key("k1");
	char *w = window("not_after", NOW - 1);
	put(1, "k1", w, k);
	expect_reject(TRUST_E_EXPIRED, "expired at 2027-01-15T07:59:59Z");
	free(w);
	EVP_PKEY_free(k);
}
END_TEST

static const struct {
	const char *hosts;
	bool ok;
} host_cases[] = {
	{ "hosts = [ \"build-*\" ];", false }, /* other hosts only */
	{ "hosts = [ \"ws-0*\" ];", true },    /* glob */
	{ "hosts = [ \"WS-042\" ];", true },   /* hostnames are case-insensitive */
	{ "hosts = [ \"ws-04\" ];", false },   /* no prefix match without a glob */
	{ "hosts = [ \"build-*\", \"machine-id:" MACHINE_ID "\" ];", true }, /* machine id */
	{ "hosts = [ \"machine-id:ffffffffffffffffffffffffffffffff\" ];", false },
	{ "", true }, /* no hosts key: every host */
};

START_TEST(host_matching)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", host_cases[_i].hosts, k);
	if (host_cases[_i].ok)
		expect_accept(1);
	else
		expect_reject(TRUST_E_WRONG_HOST, "not for this host (ws-042)");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_parse_error_with_line)
{
	EVP_PKEY *k = trusted_key("k1");
	static const char text[] = "version = 1;\nserial = 2;\nkey_id = \"k1\";\nbogus = 3;\n";
	put_bytes(text, sizeof(text) - 1, k);
	expect_reject(TRUST_E_MALFORMED, "policy.conf:4: unknown key 'bogus'");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_nul_byte)
{
	EVP_PKEY *k = trusted_key("k1");
	static const char text[] = "version = 1;\nserial = 2;\nkey_id = \"k1\";\n\0rules = ();\n";
	put_bytes(text, sizeof(text) - 1, k); /* validly signed, NUL and all */
	expect_reject(TRUST_E_MALFORMED, "NUL byte");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_include)
{
	EVP_PKEY *k = trusted_key("k1");
	char path[400], *extra;
	/* The included file would be unsigned text pulled into a signed policy. */
	snprintf(path, sizeof(path), "%s/extra.conf", E.etc);
	tu_write_str(path, "mode = \"audit\";\n");
	ck_assert_int_gt(asprintf(&extra, "@include \"%s\"", path), 0);
	put(2, "k1", extra, k);
	expect_reject(TRUST_E_MALFORMED, "include");
	free(extra);
	EVP_PKEY_free(k);
}
END_TEST

/* A large but legal file (10 MB of comments) is read whole and verified. */
START_TEST(large_10mb_accepted)
{
	EVP_PKEY *k = trusted_key("k1");
	char *head = ptext(3, "k1", NULL);
	size_t hl = strlen(head), total = 10u * 1024 * 1024;
	char *buf = malloc(total);
	memcpy(buf, head, hl);
	for (size_t i = hl; i < total; i += 64) {
		size_t n = total - i < 64 ? total - i : 64;
		memset(buf + i, 'x', n);
		buf[i] = '#';
		buf[i + n - 1] = '\n';
	}
	put_bytes(buf, total, k);
	expect_accept(3);
	free(buf);
	free(head);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_too_large)
{
	EVP_PKEY *k = trusted_key("k1");
	size_t total = PORTCULLIS_POLICY_MAX_BYTES + 1;
	char *buf = malloc(total);
	memset(buf, '\n', total);
	memcpy(buf, "key_id = \"k1\";", 14);
	put_bytes(buf, total, k);
	expect_reject(TRUST_E_TOO_LARGE, "too large");
	free(buf);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_symlink_policy)
{
	EVP_PKEY *k = trusted_key("k1");
	char real[400];
	put(1, "k1", NULL, k); /* a valid signed file ... */
	snprintf(real, sizeof(real), "%s/real.conf", E.etc);
	ck_assert_int_eq(rename(E.policy, real), 0);
	ck_assert_int_eq(symlink(real, E.policy), 0); /* ... reached through a symlink */
	expect_reject(TRUST_E_SYMLINK, "policy.conf: is a symlink");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_symlink_sig_and_key)
{
	EVP_PKEY *k = trusted_key("k1");
	char real[400], key[400];
	put(1, "k1", NULL, k);
	snprintf(real, sizeof(real), "%s/real.sig", E.etc);
	ck_assert_int_eq(rename(E.sig, real), 0);
	ck_assert_int_eq(symlink(real, E.sig), 0);
	expect_reject(TRUST_E_SYMLINK, "policy.conf.sig: is a symlink");
	ck_assert_int_eq(unlink(E.sig), 0);
	ck_assert_int_eq(rename(real, E.sig), 0);
	expect_accept(1);
	ts_rm_rf(E.state);
	snprintf(key, sizeof(key), "%s/k1.pem", E.keys);
	snprintf(real, sizeof(real), "%s/real.pem", E.etc);
	ck_assert_int_eq(rename(key, real), 0);
	ck_assert_int_eq(symlink(real, key), 0);
	expect_reject(TRUST_E_SYMLINK, "k1.pem: is a symlink");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_not_regular)
{
	EVP_PKEY *k = trusted_key("k1");
	ck_assert_int_eq(mkfifo(E.policy, 0644), 0); /* O_NONBLOCK: opening does not hang */
	expect_reject(TRUST_E_NOT_REGULAR, "not a regular file");
	EVP_PKEY_free(k);
}
END_TEST

/* ---- the ops hook: the file changes between open and read ---- */

static const char *mutate_path;
static unsigned mutate_reads;

static ssize_t mutating_read(int fd, void *buf, size_t n)
{
	if (mutate_reads++ == 0 && mutate_path) {
		/* Another writer appends while we hold the fd. */
		int w = open(mutate_path, O_WRONLY | O_APPEND | O_CLOEXEC);
		ck_assert_int_ge(w, 0);
		ck_assert_int_eq(write(w, "# more\n", 7), 7);
		ck_assert_int_eq(close(w), 0);
	}
	return read(fd, buf, n);
}

static int changing_fstat_calls;
static int changing_fstat(int fd, struct stat *st)
{
	int r = fstat(fd, st);
	/* The second fstat of the policy file (after the read) reports a new mtime: a rewrite
	 * in place that kept the size. */
	if (r == 0 && S_ISREG(st->st_mode) && st->st_size > 64 && ++changing_fstat_calls == 2)
		st->st_mtim.tv_nsec ^= 1;
	return r;
}

START_TEST(reject_changed_while_read)
{
	static const struct fileio_ops ops = { .read = mutating_read };
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	mutate_path = E.policy;
	E.cfg.ops = &ops;
	expect_reject(TRUST_E_CHANGED, "policy.conf: changed while being read");
	ck_assert_uint_ge(mutate_reads, 1);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_changed_same_size)
{
	static const struct fileio_ops ops = { .fstat = changing_fstat };
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	E.cfg.ops = &ops;
	expect_reject(TRUST_E_CHANGED, "changed while being read");
	EVP_PKEY_free(k);
}
END_TEST

/* ---- ownership and permissions ---- */

START_TEST(reject_world_writable_dir)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	ck_assert_int_eq(chmod(E.etc, 0777), 0);
	E.cfg.check_owner = true;
	expect_reject(TRUST_E_MODE, "etc: group- or world-writable (mode 0777)");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_writable_keys_dir)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	ck_assert_int_eq(chmod(E.keys, 0775), 0);
	E.cfg.check_owner = true;
	if (geteuid() == 0)
		expect_reject(TRUST_E_MODE, "keys.d: group- or world-writable (mode 0775)");
	else /* the policy directory is not root's: that is refused first */
		expect_reject(TRUST_E_OWNER, "not owned by root");
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_group_writable_file)
{
	EVP_PKEY *k = trusted_key("k1");
	put(1, "k1", NULL, k);
	ck_assert_int_eq(chmod(E.policy, 0664), 0);
	E.cfg.check_owner = true;
	if (geteuid() == 0) {
		expect_reject(TRUST_E_MODE, "policy.conf: group- or world-writable (mode 0664)");
		ck_assert_int_eq(chmod(E.policy, 0644), 0);
		expect_accept(1); /* root-owned, 0644 in a 0755 root directory: fine */
	} else {
		expect_reject(TRUST_E_OWNER, "not owned by root");
	}
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reject_not_root_owned)
{
	EVP_PKEY *k = trusted_key("k1");
	char key[400];
	put(1, "k1", NULL, k);
	E.cfg.check_owner = true;
	if (geteuid() != 0) {
		expect_reject(TRUST_E_OWNER, "not owned by root");
	} else {
		ck_assert_int_eq(chown(E.policy, 65534, 65534), 0);
		expect_reject(TRUST_E_OWNER, "policy.conf: not owned by root (uid 65534)");
		ck_assert_int_eq(chown(E.policy, 0, 0), 0);
		snprintf(key, sizeof(key), "%s/k1.pem", E.keys);
		ck_assert_int_eq(chown(key, 65534, 65534), 0);
		expect_reject(TRUST_E_OWNER, "k1.pem: not owned by root");
	}
	EVP_PKEY_free(k);
}
END_TEST

/* ---- keys over time ---- */

START_TEST(key_rotation)
{
	char old_pem[400];
	EVP_PKEY *old = trusted_key("it-2026"), *new = trusted_key("it-2027");
	/* both trusted: both verify */
	put(1, "it-2026", NULL, old);
	expect_accept(1);
	put(2, "it-2027", NULL, new);
	expect_accept(2);
	/* old key removed everywhere: a policy signed with it is refused, the new one works */
	snprintf(old_pem, sizeof(old_pem), "%s/it-2026.pem", E.keys);
	ck_assert_int_eq(unlink(old_pem), 0);
	struct policy_load_result res;
	put(3, "it-2026", NULL, old);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_UNKNOWN_KEY);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_uint_eq(policy_serial(p), 2);
	policy_free(p);
	put(3, "it-2027", NULL, new);
	expect_accept(3);
	EVP_PKEY_free(old);
	EVP_PKEY_free(new);
}
END_TEST

/* ---- state across restarts ---- */

START_TEST(rollback_across_restarts)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(10, "k1", NULL, k);
	expect_accept(10); /* process 1 */
	/* process 2 starts with nothing in force; the state dir remembers 10 */
	put(4, "k1", NULL, k);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.error, TRUST_E_ROLLBACK);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_uint_eq(policy_serial(p), 10);
	policy_free(p);
	/* process 3: still refused (the rejection did not lower the floor) */
	p = load(NULL, &res);
	ck_assert_int_eq(res.error, TRUST_E_ROLLBACK);
	policy_free(p);
	/* a deliberate rollback is a higher serial */
	put(11, "k1", NULL, k);
	expect_accept(11);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(restart_corrupt_policy_uses_lkg)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(3, "k1", NULL, k);
	expect_accept(3);
	/* disk corruption: the policy file is garbage, its signature no longer matches */
	tu_write_str(E.policy, "key_id = \"k1\";\nsyntax error here {{{\n");
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_BAD_SIGNATURE);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert(!res.expired);
	ck_assert_uint_eq(policy_serial(p), 3);
	ck_assert_str_eq(policy_key_id(p), "k1");
	policy_free(p);
	/* and with the policy deleted: MISSING, still the last-known-good */
	ck_assert_int_eq(unlink(E.policy), 0);
	p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_int_eq(res.error, 0);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_uint_eq(policy_serial(p), 3);
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(missing_without_state_is_builtin)
{
	struct policy_load_result res;
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "built-in");
	ck_assert_uint_eq(policy_serial(p), 0);
	policy_free(p);
	/* the whole policy directory missing is the same */
	ts_rm_rf(E.etc);
	p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "built-in");
	policy_free(p);
}
END_TEST

static uint8_t *state_file(const char *name, size_t *n)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", E.state, name);
	return tu_read_file(path, n);
}

START_TEST(nothing_persisted_after_rejection)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1"), *rogue = tu_keygen();
	size_t n0, n1, s0, s1;
	put(3, "k1", NULL, k);
	expect_accept(3);
	uint8_t *lkg0 = state_file("last-good.conf", &n0), *ser0 = state_file("serial", &s0);
	char *w = window("not_after", NOW - 10);

	/* a series of bad files with higher serials: none may move the state */
	for (int i = 0; i < 4; i++) {
		if (i == 0)
			put(4, "k1", NULL, rogue); /* bad signature */
		else if (i == 1)
			put(5, "k1", w, k); /* expired */
		else if (i == 2)
			put(6, "k1", "hosts = [ \"elsewhere\" ];", k); /* other host */
		else
			put(7, "k1", NULL, NULL); /* unsigned */
		struct policy *p = load(NULL, &res);
		ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
		ck_assert_str_eq(res.source, "last-known-good");
		ck_assert_uint_eq(policy_serial(p), 3);
		policy_free(p);
		uint8_t *lkg1 = state_file("last-good.conf", &n1),
		        *ser1 = state_file("serial", &s1);
		ck_assert_uint_eq(n0, n1);
		ck_assert_mem_eq(lkg0, lkg1, n0);
		ck_assert_uint_eq(s0, s1);
		ck_assert_mem_eq(ser0, ser1, s0);
		free(lkg1);
		free(ser1);
	}
	free(w);
	free(lkg0);
	free(ser0);
	EVP_PKEY_free(k);
	EVP_PKEY_free(rogue);
}
END_TEST

START_TEST(expired_lkg_still_enforced)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	char *w = window("not_after", NOW + 100);
	put(8, "k1", w, k);
	expect_accept(8);
	/* later: the file on disk has expired, nothing newer arrived */
	struct policy *p = load_at(NULL, NOW + 1000, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_EXPIRED);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert(res.expired); /* said so, and still enforced: never fail open */
	ck_assert_uint_eq(policy_serial(p), 8);
	policy_free(p);
	free(w);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(tampered_lkg_gives_builtin)
{
	struct policy_load_result res;
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(3, "k1", NULL, k);
	expect_accept(3);
	snprintf(path, sizeof(path), "%s/last-good.conf", E.state);
	char *t = ptext(3, "k1", "default = \"allow\";");
	tu_write_file(path, t, strlen(t), 0600); /* edited behind our back */
	free(t);
	ck_assert_int_eq(unlink(E.policy), 0);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "built-in");
	ck_assert_uint_eq(policy_serial(p), 0);
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

/*
 * Saving the state failed when serial 3 was accepted (simulated with dry_run), so the copy on disk
 * is still serial 2. A bad new file, or the file deleted, must keep serial 3 in force, not go back
 * to the older copy.
 */
START_TEST(older_lkg_keeps_newer_current)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(2, "k1", NULL, k);
	expect_accept(2);
	put(3, "k1", "default = \"block\";", k);
	E.cfg.dry_run = true; /* accepted, but nothing persisted */
	struct policy *cur = load(NULL, &res);
	E.cfg.dry_run = false;
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	ck_assert_uint_eq(policy_serial(cur), 3);

	put(4, "k1", NULL, NULL); /* unsigned: rejected */
	struct policy *p = load(cur, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_int_eq(res.error, TRUST_E_UNSIGNED);
	ck_assert_str_eq(res.source, "current");
	ck_assert_ptr_eq(p, cur);
	policy_free(p);

	ck_assert_int_eq(unlink(E.policy), 0);
	p = load(cur, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "current");
	ck_assert_uint_eq(policy_serial(p), 3);
	policy_free(p);

	/* with nothing in force (a restart), the copy is still what there is */
	p = load(NULL, &res);
	ck_assert_str_eq(res.source, "last-known-good");
	ck_assert_uint_eq(policy_serial(p), 2);
	policy_free(p);
	policy_free(cur);
	EVP_PKEY_free(k);
}
END_TEST

/* The last-known-good copy is unusable (tampered) and the new file is rejected: the policy in
 * force stays, shared by reference, rather than the possibly weaker built-in default. */
START_TEST(unusable_lkg_keeps_current)
{
	struct policy_load_result res;
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(3, "k1", NULL, k);
	struct policy *cur = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	snprintf(path, sizeof(path), "%s/last-good.conf", E.state);
	char *t = ptext(3, "k1", "default = \"allow\";");
	tu_write_file(path, t, strlen(t), 0600); /* edited behind our back */
	free(t);
	put(4, "k1", NULL, NULL); /* unsigned: rejected */
	struct policy *p = load(cur, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_str_eq(res.source, "current");
	ck_assert_ptr_eq(p, cur);
	ck_assert_uint_eq(policy_serial(p), 3);
	policy_free(p);                           /* drops the second reference ... */
	ck_assert_uint_eq(policy_serial(cur), 3); /* ... and the first is still valid */
	policy_free(cur);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- saving the state fails (disk full, I/O error): injected through the ops hook ---- */

static int fail_errno; /* what the injected write or open fails with */

static ssize_t failing_write(int fd, const void *buf, size_t count)
{
	(void)fd, (void)buf, (void)count;
	errno = fail_errno;
	return -1;
}

static int failing_create(int dirfd, const char *path, int flags, mode_t mode)
{
	if (flags & O_CREAT) {
		errno = fail_errno;
		return -1;
	}
	return openat(dirfd, path, flags, mode);
}

static const struct fileio_ops full_disk_ops = { .write = failing_write };
static const struct fileio_ops io_error_ops = { .openat = failing_create };

/* Accepts serial with the state writes failing; returns the policy now in force. */
static struct policy *accept_unsaved(const struct policy *current, uint64_t serial, EVP_PKEY *k,
                                     const struct fileio_ops *ops, int err)
{
	struct policy_load_result res;
	struct policy *p;

	put(serial, "k1", "default = \"block\";", k);
	fail_errno = -err;
	E.cfg.ops = ops;
	p = load(current, &res);
	E.cfg.ops = NULL;
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED); /* in force all the same */
	ck_assert_uint_eq(policy_serial(p), serial);
	ck_assert_int_eq(res.state_error, err); /* and reported */
	ck_assert_msg(strstr(res.reason, "cannot write"), "reason: %s", res.reason);
	return p;
}

static uint64_t saved_serial(void)
{
	size_t n;
	char *s = (char *)state_file("serial", &n);
	unsigned long long v = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sscanf(s, "serial %llu", &v), 1);
	free(s);
	return v;
}

/*
 * Serial 4 is put in force while the disk is full, so the saved floor stays 2: a validly signed
 * serial 3 (or 2 again) must still be refused, the policy in force being the floor.
 */
START_TEST(floor_survives_failed_state_write)
{
	struct policy_load_result res;
	EVP_PKEY *k = trusted_key("k1");
	put(2, "k1", NULL, k);
	struct policy *cur = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	ck_assert_int_eq(res.state_error, 0);

	struct policy *cur4 = accept_unsaved(cur, 4, k, &full_disk_ops, -ENOSPC);
	policy_free(cur);
	ck_assert_uint_eq(saved_serial(), 2);

	for (uint64_t old = 3; old >= 2; old--) {
		put(old, "k1", old == 2 ? NULL : "default = \"allow\";", k);
		struct policy *p = load(cur4, &res);
		ck_assert_msg(res.status == POLICY_STATUS_REJECTED, "serial %" PRIu64 " accepted",
		              old);
		ck_assert_int_eq(res.error, TRUST_E_ROLLBACK);
		ck_assert_msg(strstr(res.reason, "lower than the highest accepted serial 4"), "%s",
		              res.reason);
		ck_assert_str_eq(res.source, "current");
		ck_assert_ptr_eq(p, cur4);
		policy_free(p);
	}
	/* the next good save raises the floor on disk too */
	put(5, "k1", NULL, k);
	struct policy *p = load(cur4, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	ck_assert_int_eq(res.state_error, 0);
	ck_assert_uint_eq(saved_serial(), 5);
	policy_free(p);
	policy_free(cur4);
	EVP_PKEY_free(k);
}
END_TEST

/*
 * The same with an I/O error creating the state files; then the policy file goes bad and the
 * last-known-good copy on disk (serial 2, below the floor 4) is refused: what is in force stays.
 * A validly signed serial-3 copy swapped into the state directory is refused just the same.
 */
START_TEST(lkg_below_floor_refused)
{
	struct policy_load_result res;
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(2, "k1", NULL, k);
	expect_accept(2);
	struct policy *cur4 = accept_unsaved(NULL, 4, k, &io_error_ops, -EIO);
	ck_assert_uint_eq(saved_serial(), 2);

	put(6, "k1", NULL, NULL); /* unsigned: rejected */
	struct policy *p = load(cur4, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_REJECTED);
	ck_assert_str_eq(res.source, "current");
	ck_assert_ptr_eq(p, cur4);
	policy_free(p);

	char *t = ptext(3, "k1", "default = \"allow\";");
	uint8_t sig[64];
	tu_sign(k, t, strlen(t), sig);
	snprintf(path, sizeof(path), "%s/last-good.conf", E.state);
	tu_write_file(path, t, strlen(t), 0600);
	snprintf(path, sizeof(path), "%s/last-good.conf.sig", E.state);
	tu_write_file(path, sig, sizeof(sig), 0600);
	free(t);
	ck_assert_int_eq(unlink(E.policy), 0);
	p = load(cur4, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "current");
	ck_assert_uint_eq(policy_serial(p), 4);
	policy_free(p);
	policy_free(cur4);
	EVP_PKEY_free(k);
}
END_TEST

/*
 * The saved floor is serial 5 and the copy beside it is swapped for another validly signed
 * serial-5 policy (other bytes): refused at a restart (nothing in force), the built-in default
 * is enforced rather than a copy that was never accepted here.
 */
START_TEST(lkg_same_serial_other_bytes_refused)
{
	struct policy_load_result res;
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	expect_accept(5);

	char *t = ptext(5, "k1", "default = \"allow\";");
	uint8_t sig[64];
	tu_sign(k, t, strlen(t), sig);
	snprintf(path, sizeof(path), "%s/last-good.conf", E.state);
	tu_write_file(path, t, strlen(t), 0600);
	snprintf(path, sizeof(path), "%s/last-good.conf.sig", E.state);
	tu_write_file(path, sig, sizeof(sig), 0600);
	free(t);
	ck_assert_int_eq(unlink(E.policy), 0);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.status, POLICY_STATUS_MISSING);
	ck_assert_str_eq(res.source, "built-in");
	ck_assert_uint_eq(policy_serial(p), 0);
	policy_free(p);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(corrupt_serial_file_uses_lkg_floor)
{
	struct policy_load_result res;
	char path[400];
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	expect_accept(5);
	snprintf(path, sizeof(path), "%s/serial", E.state);
	tu_write_str(path, "serial 0\n"); /* truncated: no digest */
	put(4, "k1", NULL, k);
	struct policy *p = load(NULL, &res);
	ck_assert_int_eq(res.error, TRUST_E_ROLLBACK); /* the floor came from last-good.conf */
	ck_assert_uint_eq(policy_serial(p), 5);
	policy_free(p);
	put(6, "k1", NULL, k);
	expect_accept(6);
	size_t n;
	char *s = (char *)state_file("serial", &n);
	ck_assert(!strncmp(s, "serial 6\n", 9)); /* repaired */
	free(s);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(verify_file_readonly)
{
	char reason[512];
	struct policy *p = NULL;
	EVP_PKEY *k = trusted_key("k1");
	put(5, "k1", NULL, k);
	E.cfg.state_dir = NULL;
	ck_assert_int_eq(policy_store_verify_file(&E.cfg, NOW, &p, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(policy_serial(p), 5);
	p = policy_free(p);
	ck_assert(!exists_in_state("serial"));
	/* with state at serial 6, the same file is a rollback */
	E.cfg.state_dir = E.state;
	put(6, "k1", NULL, k);
	expect_accept(6);
	put(5, "k1", NULL, k);
	ck_assert_int_eq(policy_store_verify_file(&E.cfg, NOW, &p, reason, sizeof(reason)),
	                 TRUST_E_ROLLBACK);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(reason, "lower than the highest accepted serial 6"));
	EVP_PKEY_free(k);
}
END_TEST

/* ---- interop: keys and signature made by the openssl command line ---- */

START_TEST(openssl_cli_signature)
{
	char priv[400], pub[400];
	snprintf(priv, sizeof(priv), "%s/it-cli.key", E.root);
	snprintf(pub, sizeof(pub), "%s/it-cli.pem", E.keys);
	char *gen[] = { "openssl", "genpkey", "-algorithm", "ed25519", "-out", priv, NULL };
	ck_assert_int_eq(tu_run(gen, NULL), 0);
	char *pubout[] = { "openssl", "pkey", "-in", priv, "-pubout", "-out", pub, NULL };
	ck_assert_int_eq(tu_run(pubout, NULL), 0);
	put(1, "it-cli", NULL, NULL);
	char *sign[] = { "openssl", "pkeyutl", "-sign", "-rawin", "-inkey", priv,
		         "-in",     E.policy,  "-out",  E.sig,    NULL };
	ck_assert_int_eq(tu_run(sign, NULL), 0);
	expect_accept(1);
	/* and the other way round: openssl verifies what our verification accepted */
	char *verify[] = { "openssl", "pkeyutl", "-verify", "-rawin",   "-pubin", "-inkey",
		           pub,       "-in",     E.policy,  "-sigfile", E.sig,    NULL };
	ck_assert_int_eq(tu_run(verify, NULL), 0);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("trust_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, accepts_and_persists);
	tcase_add_test(tc, unchanged_same_bytes);
	tcase_add_test(tc, dry_run_persists_nothing);
	tcase_add_test(tc, reject_unsigned);
	tcase_add_test(tc, reject_unknown_key);
	tcase_add_test(tc, reject_missing_key_id);
	tcase_add_test(tc, reject_no_keys_dir);
	tcase_add_test(tc, reject_bad_key_file);
	tcase_add_test(tc, reject_bad_signature_tampered);
	tcase_add_test(tc, reject_bad_signature_other_key);
	tcase_add_loop_test(tc, reject_signature_size, 0, sizeof(sig_files) / sizeof(sig_files[0]));
	tcase_add_test(tc, reject_rollback);
	tcase_add_test(tc, reject_same_serial_other_bytes);
	tcase_add_test(tc, reject_not_yet_valid);
	tcase_add_test(tc, reject_expired);
	tcase_add_loop_test(tc, host_matching, 0, sizeof(host_cases) / sizeof(host_cases[0]));
	tcase_add_test(tc, reject_parse_error_with_line);
	tcase_add_test(tc, reject_nul_byte);
	tcase_add_test(tc, reject_include);
	tcase_add_test(tc, large_10mb_accepted);
	tcase_add_test(tc, reject_too_large);
	tcase_add_test(tc, reject_symlink_policy);
	tcase_add_test(tc, reject_symlink_sig_and_key);
	tcase_add_test(tc, reject_not_regular);
	tcase_add_test(tc, reject_changed_while_read);
	tcase_add_test(tc, reject_changed_same_size);
	tcase_add_test(tc, reject_world_writable_dir);
	tcase_add_test(tc, reject_writable_keys_dir);
	tcase_add_test(tc, reject_group_writable_file);
	tcase_add_test(tc, reject_not_root_owned);
	tcase_add_test(tc, key_rotation);
	tcase_add_test(tc, rollback_across_restarts);
	tcase_add_test(tc, restart_corrupt_policy_uses_lkg);
	tcase_add_test(tc, missing_without_state_is_builtin);
	tcase_add_test(tc, nothing_persisted_after_rejection);
	tcase_add_test(tc, expired_lkg_still_enforced);
	tcase_add_test(tc, tampered_lkg_gives_builtin);
	tcase_add_test(tc, unusable_lkg_keeps_current);
	tcase_add_test(tc, older_lkg_keeps_newer_current);
	tcase_add_test(tc, corrupt_serial_file_uses_lkg_floor);
	tcase_add_test(tc, floor_survives_failed_state_write);
	tcase_add_test(tc, lkg_below_floor_refused);
	tcase_add_test(tc, lkg_same_serial_other_bytes_refused);
	tcase_add_test(tc, verify_file_readonly);
	tcase_add_test(tc, openssl_cli_signature);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
