/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure readers of policy/trust/: public keys, signatures, the key_id scanner, verify, time
 * format. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "check_trust_util.h"
#include "policy/trust/trust.h"

/* PEM text of key's public half (or private half), NUL-terminated; caller frees. */
static char *pem_of(EVP_PKEY *key, bool private_key, size_t *ret_len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;
	ck_assert_ptr_nonnull(b);
	if (private_key)
		ck_assert_int_eq(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL), 1);
	else
		ck_assert_int_eq(PEM_write_bio_PUBKEY(b, key), 1);
	n = BIO_get_mem_data(b, &data);
	ck_assert_int_gt(n, 0);
	out = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, data, (size_t)n);
	out[n] = 0;
	BIO_free(b);
	*ret_len = (size_t)n;
	return out;
}

static void expect_pubkey(const void *buf, size_t len, int want)
{
	EVP_PKEY *k = NULL;
	char err[256] = "";
	int r = trust_pubkey_parse(buf, len, &k, err, sizeof(err));
	ck_assert_msg(r == want, "got %d (%s), want %d", r, err, want);
	if (want == 0) {
		ck_assert_ptr_nonnull(k);
		ck_assert(EVP_PKEY_is_a(k, "ED25519"));
	} else {
		ck_assert_ptr_null(k);
		ck_assert_msg(err[0] != 0, "rejection without a reason");
	}
	EVP_PKEY_free(k);
}

START_TEST(pubkey_ed25519_ok)
{
	EVP_PKEY *k = tu_keygen();
	size_t n;
	char *pem = pem_of(k, false, &n);
	expect_pubkey(pem, n, 0);
	/* Leading comment text before the PEM block is allowed (PEM ignores it). */
	char *with_text;
	ck_assert_int_gt(asprintf(&with_text, "# IT signing key 2026\n%s", pem), 0);
	expect_pubkey(with_text, strlen(with_text), 0);
	free(with_text);
	free(pem);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(pubkey_rejects)
{
	EVP_PKEY *ed = tu_keygen();
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t n;
	char *pem;

	ck_assert_ptr_nonnull(ec);
	ck_assert_ptr_nonnull(x);
	/* a P-256 key: right format, wrong algorithm */
	pem = pem_of(ec, false, &n);
	expect_pubkey(pem, n, -EPROTOTYPE);
	free(pem);
	/* X25519 is a key-agreement key, not a signing key */
	pem = pem_of(x, false, &n);
	expect_pubkey(pem, n, -EPROTOTYPE);
	free(pem);
	/* a private key where the public one belongs */
	pem = pem_of(ed, true, &n);
	expect_pubkey(pem, n, -EBADMSG);
	free(pem);
	/* truncated in the middle of the base64 */
	pem = pem_of(ed, false, &n);
	expect_pubkey(pem, n / 2, -EBADMSG);
	/* base64 body corrupted */
	pem[40] = '!';
	expect_pubkey(pem, n, -EBADMSG);
	free(pem);
	/* NUL byte inside */
	pem = pem_of(ed, false, &n);
	pem[30] = '\0';
	expect_pubkey(pem, n, -EBADMSG);
	free(pem);
	/* empty, and a header only */
	expect_pubkey("", 0, -EBADMSG);
	static const char hdr[] = "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n";
	expect_pubkey(hdr, sizeof(hdr) - 1, -EBADMSG);
	/* raw 32 bytes instead of PEM */
	uint8_t raw[32] = { 1, 2, 3 };
	expect_pubkey(raw, sizeof(raw), -EBADMSG);
	/* over the size cap, even when it would be valid PEM with padding */
	char *big = malloc(TRUST_PUBKEY_MAX_BYTES + 1);
	memset(big, '\n', TRUST_PUBKEY_MAX_BYTES + 1);
	pem = pem_of(ed, false, &n);
	memcpy(big, pem, n);
	expect_pubkey(big, TRUST_PUBKEY_MAX_BYTES + 1, -EFBIG);
	expect_pubkey(big, TRUST_PUBKEY_MAX_BYTES, 0); /* at the cap: fine */
	free(big);
	free(pem);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(x);
}
END_TEST

static const struct sig_case {
	size_t len;
	int want;
} sig_cases[] = {
	{ 0, TRUST_E_SIG_TRUNCATED },    /* empty .sig */
	{ 1, TRUST_E_SIG_TRUNCATED },    /* one byte */
	{ 63, TRUST_E_SIG_TRUNCATED },   /* one short */
	{ 64, 0 },                       /* exact */
	{ 65, TRUST_E_SIG_OVERSIZED },   /* one over (e.g. trailing newline) */
	{ 88, TRUST_E_SIG_OVERSIZED },   /* base64 of 64 bytes */
	{ 4096, TRUST_E_SIG_OVERSIZED }, /* junk */
};

START_TEST(signature_sizes)
{
	const struct sig_case *c = &sig_cases[_i];
	uint8_t *buf = malloc(c->len ? c->len : 1), sig[64];
	char err[128] = "";
	for (size_t i = 0; i < c->len; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(sig, 0xAA, sizeof(sig));
	int r = trust_signature_parse(buf, c->len, sig, err, sizeof(err));
	ck_assert_msg(r == c->want, "len %zu: got %d want %d", c->len, r, c->want);
	if (r == 0) {
		ck_assert_mem_eq(sig, buf, 64);
	} else {
		ck_assert(sig[0] == 0xAA); /* ret_sig untouched on failure */
		ck_assert_ptr_nonnull(
		    strstr(err, c->want == TRUST_E_SIG_TRUNCATED ? "truncated" : "oversized"));
	}
	free(buf);
}
END_TEST

#define ID128                                                                                      \
	"0123456789012345678901234567890123456789012345678901234567890123012345678901234567890123" \
	"4567890123456789012345678901234567890123"

static const struct scan_case {
	const char *name;
	const char *text;
	int want;
	const char *id;
} scan_cases[] = {
	{ "plain", "version = 1;\nkey_id = \"it-2026\";\n", 0, "it-2026" },
	{ "colon separator", "key_id: \"a\";", 0, "a" },
	{ "no spaces", "key_id=\"x.y_z-1\"", 0, "x.y_z-1" },
	{ "split over lines", "serial = 1;\nkey_id\n=\n\"multi\";", 0, "multi" },
	{ "hash comment ignored", "# key_id = \"evil\"\nkey_id = \"good\";", 0, "good" },
	{ "slash comment ignored", "// key_id = \"evil\"\nkey_id = \"good\";", 0, "good" },
	{ "block comment ignored", "/* key_id = \"evil\";\n */ key_id = \"good\";", 0, "good" },
	{ "inside a string ignored", "comment = \"key_id = \\\"evil\\\"\"; key_id = \"good\";", 0,
	  "good" },
	{ "nested in rules ignored", "rules = ( { key_id = \"inner\"; } );\nkey_id = \"top\";", 0,
	  "top" },
	{ "only nested", "rules = ( { key_id = \"inner\"; } );", -ENOENT, NULL },
	{ "only in a group", "g = { key_id = \"g\"; };", -ENOENT, NULL },
	/* the skipper of nested text: brackets in strings and comments do not count */
	{ "brackets in nested strings", "rules = ( { c = \"}) ] key_id\"; } );\nkey_id = \"top\";",
	  0, "top" },
	{ "escaped quote in nested string",
	  "g = { c = \"a\\\" } key_id = \\\"x\"; };\nkey_id = \"top\";", 0, "top" },
	{ "brackets in nested comments",
	  "g = { # } key_id = \"a\";\n // ) key_id = \"b\";\n /* ] } */ };\nkey_id = \"top\";", 0,
	  "top" },
	{ "comment right after a number",
	  "g = { n = 5/* } key_id = \"evil\"; */; };\nkey_id = \"top\";", 0, "top" },
	{ "deep nesting",
	  "a = ( { b = [ 1, 2 ]; c = ( { d = { key_id = \"x\"; }; } ); } );\nkey_id = \"top\";", 0,
	  "top" },
	{ "unterminated string in a group", "g = { c = \"abc; }; key_id = \"x\";", -ENOENT, NULL },
	{ "unclosed group", "g = { a = 1; key_id = \"x\";", -ENOENT, NULL },
	{ "string in an array", "x = [ \"key_id\" ]; key_id = \"k\";", 0, "k" },
	{ "longer names differ", "my_key_id = \"x\"; key_ids = \"z\"; key_id = \"y\";", 0, "y" },
	{ "unbalanced close", "} key_id = \"x\";", 0, "x" },
	{ "empty text", "", -ENOENT, NULL },
	{ "absent", "serial = 3;\nmode = \"enforce\";\n", -ENOENT, NULL },
	{ "unterminated string", "key_id = \"abc", -EBADMSG, NULL },
	{ "unterminated comment", "/* key_id = \"x\";", -ENOENT, NULL },
	{ "duplicate", "key_id = \"a\"; key_id = \"b\";", -EBADMSG, NULL },
	{ "integer value", "key_id = 5;", -EBADMSG, NULL },
	{ "concatenated strings", "key_id = \"a\" \"b\";", -EBADMSG, NULL },
	{ "escape in value", "key_id = \"a\\\"b\";", -EBADMSG, NULL },
	{ "path traversal", "key_id = \"../../etc/passwd\";", -EBADMSG, NULL },
	{ "slash", "key_id = \"a/b\";", -EBADMSG, NULL },
	{ "leading dot", "key_id = \".hidden\";", -EBADMSG, NULL },
	{ "empty id", "key_id = \"\";", -EBADMSG, NULL },
	{ "space in id", "key_id = \"sp ace\";", -EBADMSG, NULL },
	{ "non-ascii id", "key_id = \"k\xc3\xa9y\";", -EBADMSG, NULL },
	{ "128 chars ok", "key_id = \"" ID128 "\";", 0, ID128 },
	{ "129 chars too long", "key_id = \"" ID128 "x\";", -EBADMSG, NULL },
	{ "colon and at", "key_id = \"it@corp:2026\";", 0, "it@corp:2026" },
};

START_TEST(scan_key_id)
{
	const struct scan_case *c = &scan_cases[_i];
	char id[TRUST_KEY_ID_MAX + 1] = "untouched", err[256] = "";
	int r = trust_scan_key_id(c->text, strlen(c->text), id, err, sizeof(err));
	ck_assert_msg(r == c->want, "%s: got %d (%s), want %d", c->name, r, err, c->want);
	if (r == 0)
		ck_assert_str_eq(id, c->id);
	else
		ck_assert_str_eq(id, "untouched");
}
END_TEST

START_TEST(scan_key_id_nul)
{
	static const char text[] = "key_id = \"a\";\0key_id = \"b\";";
	char id[TRUST_KEY_ID_MAX + 1], err[128];
	ck_assert_int_eq(trust_scan_key_id(text, sizeof(text) - 1, id, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	/* The length is what counts, not a terminator: a scan of a prefix sees one key_id. */
	ck_assert_int_eq(trust_scan_key_id(text, 13, id, err, sizeof(err)), 0);
	ck_assert_str_eq(id, "a");
}
END_TEST

START_TEST(verify_signatures)
{
	EVP_PKEY *k = tu_keygen(), *other = tu_keygen();
	static const char msg[] = "serial = 1;\nkey_id = \"k\";\n";
	uint8_t sig[64], bad[64];
	char tampered[sizeof(msg)];

	tu_sign(k, msg, sizeof(msg) - 1, sig);
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)msg, sizeof(msg) - 1, sig), 0);
	/* one byte of the message changed */
	memcpy(tampered, msg, sizeof(msg));
	tampered[7] = '2';
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)tampered, sizeof(msg) - 1, sig),
	                 TRUST_E_BAD_SIGNATURE);
	/* one byte appended (the signature covers the exact length) */
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)msg, sizeof(msg), sig),
	                 TRUST_E_BAD_SIGNATURE);
	/* one bit of the signature flipped */
	memcpy(bad, sig, 64);
	bad[63] ^= 1;
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)msg, sizeof(msg) - 1, bad),
	                 TRUST_E_BAD_SIGNATURE);
	/* another key */
	ck_assert_int_eq(trust_verify(other, (const uint8_t *)msg, sizeof(msg) - 1, sig),
	                 TRUST_E_BAD_SIGNATURE);
	/* all-zero signature */
	memset(bad, 0, 64);
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)msg, sizeof(msg) - 1, bad),
	                 TRUST_E_BAD_SIGNATURE);
	/* empty message */
	tu_sign(k, "", 0, sig);
	ck_assert_int_eq(trust_verify(k, (const uint8_t *)"", 0, sig), 0);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(key_id_valid)
{
	ck_assert(trust_key_id_valid("it-2026", 7));
	ck_assert(trust_key_id_valid("a", 1));
	ck_assert(!trust_key_id_valid("", 0));
	ck_assert(!trust_key_id_valid(".", 1));
	ck_assert(!trust_key_id_valid("..", 2));
	ck_assert(!trust_key_id_valid("a/b", 3));
	ck_assert(trust_key_id_valid("it@corp:1", 9));
	ck_assert(!trust_key_id_valid("a\nb", 3));
}
END_TEST

START_TEST(format_time)
{
	char buf[32];
	ck_assert_str_eq(trust_format_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	ck_assert_str_eq(trust_format_time(1800000000, buf, sizeof(buf)), "2027-01-15T08:00:00Z");
	ck_assert_str_eq(trust_format_time(INT64_MAX, buf, sizeof(buf)), "never");
	ck_assert_str_eq(trust_format_time(INT64_MIN, buf, sizeof(buf)), "always");
}
END_TEST

static Suite *trust_pure_suite(void)
{
	Suite *s = suite_create("trust_pure");
	TCase *tc = tcase_create("readers");
	tcase_add_test(tc, pubkey_ed25519_ok);
	tcase_add_test(tc, pubkey_rejects);
	tcase_add_loop_test(tc, signature_sizes, 0, sizeof(sig_cases) / sizeof(sig_cases[0]));
	tcase_add_loop_test(tc, scan_key_id, 0, sizeof(scan_cases) / sizeof(scan_cases[0]));
	tcase_add_test(tc, scan_key_id_nul);
	tcase_add_test(tc, verify_signatures);
	tcase_add_test(tc, key_id_valid);
	tcase_add_test(tc, format_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trust_pure_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
