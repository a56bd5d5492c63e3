/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline exception codes (policy/trust/excode.c) and the agent's exception state
 * (agent/daemon/exception.c): round trip through IT's side (secret -> host key -> code), wrong
 * host, wrong device, expired request and exception, replayed code, too long for the policy,
 * tampered and mistyped symbols, the wrong-code lock, exceptions off, no key; and how an active
 * exception changes a decision.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/exception.h"
#include "policy/trust/excode.h"

#define K(k)  USB_KIND_BIT(USB_KIND_##k)
#define NOW   1800000000
#define MID_A "0123456789abcdef0123456789abcdef"
#define MID_B "fedcba9876543210fedcba9876543210"

static const uint8_t secret[32] = {
	1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};

static struct policy *load(const char *text)
{
	struct policy *p = NULL;
	struct policy_error err;
	ck_assert_msg(policy_load_from_bytes(text, strlen(text), "t", &p, &err) == 0, "%s",
	              err.reason);
	return p;
}

static struct policy *policy_max(unsigned minutes)
{
	char t[256];
	snprintf(t, sizeof(t),
	         "version = 1; serial = 1; exceptions = { max_minutes = %u; kinds = "
	         "\"mass-storage\"; };",
	         minutes);
	return load(t);
}

static struct usb_device_info *stick(const char *serial)
{
	struct usb_device_info *d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	d->desc.vid = 0x0781;
	d->desc.pid = 0x5567;
	strcpy(d->busid, "1-2");
	d->has_serial = true;
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	d->n_ifaces = 1;
	d->ifaces[0] = (struct usb_iface_info){ .config_value = 1,
		                                .cls = 8,
		                                .subclass = 6,
		                                .protocol = 0x50,
		                                .n_alts = 1,
		                                .kinds = K(MASS_STORAGE),
		                                .kind = USB_KIND_MASS_STORAGE };
	d->kinds = K(MASS_STORAGE);
	return d;
}

/* A host with its key, derived as IT provisions it. */
static void host(struct exc_state *s, const char *mid)
{
	uint8_t id[EXC_HOST_ID_BYTES], key[EXC_KEY_BYTES];
	exc_host_id(mid, id);
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), id, key), 0);
	exc_state_init(s, key, mid);
}

/* IT's side: "portcullis exception grant --secret FILE CHALLENGE". */
static void grant(const char *challenge, char code[static EXC_CODE_TEXT])
{
	struct exc_challenge c;
	uint8_t key[EXC_KEY_BYTES], mac[EXC_MAC_BYTES];
	ck_assert_int_eq(exc_challenge_parse(challenge, &c), 0);
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), c.host_id, key), 0);
	exc_code_compute(key, &c, mac);
	exc_code_format(mac, code);
}

static void request(struct exc_state *s, const struct policy *p, struct usb_device_info *d,
                    unsigned minutes, int64_t now, uint8_t nonce_byte,
                    char challenge[static EXC_CHALLENGE_TEXT])
{
	struct decision dec;
	const char *why = NULL;
	uint8_t nonce[4] = { nonce_byte, 2, 3, 4 };
	policy_evaluate(p, d, NULL, &dec);
	int r = exc_request(s, p, d, &dec, minutes, now, 1000, nonce, challenge, &why);
	ck_assert_msg(r == 0, "request: %d %s", r, why);
}

START_TEST(test_round_trip)
{
	struct exc_state s;
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct exc_active a;
	const char *why;
	uint8_t digest[32];

	host(&s, MID_A);
	request(&s, p, d, 60, NOW, 1, ch);
	ck_assert_uint_eq(strlen(ch), 34); /* XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX */
	grant(ch, code);
	ck_assert_uint_eq(strlen(code), 11); /* XXX-XXX-XXX */
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + 300, 60, 1000, &a, &why), 0);
	ck_assert_int_eq(a.until, NOW + 300 + 3600);
	ck_assert_uint_eq(a.minutes, 60);
	ck_assert_str_eq(a.code, code);
	ck_assert_str_eq(a.challenge, ch);
	exc_device_digest(d, digest);
	ck_assert_ptr_nonnull(exc_find_active(&s, digest, NOW + 300 + 3600));
	ck_assert_int_eq(exc_next_expiry(&s), NOW + 300 + 3601);

	/* the decision: the blocked stick is allowed by "exception" until the end */
	struct decision dec;
	policy_evaluate(p, d, NULL, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	exc_apply_to_decision(&dec, d, policy_exceptions_kinds(p), a.until);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert(dec.authorize_device);
	ck_assert_str_eq(dec.rule_id, "exception");
	ck_assert_int_eq(dec.until, a.until);

	/* expiry: still there at until, gone a second later */
	struct exc_active gone[2];
	ck_assert_uint_eq(exc_expire(&s, NOW + 300 + 3600, gone, 2), 0);
	ck_assert_uint_eq(exc_expire(&s, NOW + 300 + 3601, gone, 2), 1);
	ck_assert_str_eq(gone[0].code, code);
	ck_assert_ptr_null(exc_find_active(&s, digest, NOW + 300 + 3601));
	ck_assert_int_eq(exc_next_expiry(&s), INT64_MAX);

	/* reading it back in lower case, with O for 0 and l for 1, without dashes, works */
	char loose[EXC_CODE_TEXT + 4];
	request(&s, p, d, 30, NOW, 9, ch);
	grant(ch, code);
	size_t n = 0;
	for (const char *q = code; *q; q++)
		if (*q != '-')
			loose[n++] = *q == '0' ? 'o' : *q == '1' ? 'l' : (char)(*q | 0x20);
	loose[n] = 0;
	ck_assert_int_eq(exc_apply(&s, p, loose, NOW, 60, 0, &a, &why), 0);
	exc_state_wipe(&s);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_wrong_host)
{
	struct exc_state a, b;
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], ch_b[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct exc_active act;
	const char *why;

	host(&a, MID_A);
	host(&b, MID_B);
	/* both hosts ask for the same stick with the same nonce: the challenges differ (host id) */
	request(&a, p, d, 60, NOW, 1, ch);
	request(&b, p, d, 60, NOW, 1, ch_b);
	ck_assert_str_ne(ch, ch_b);
	grant(ch, code); /* A's code */
	ck_assert_int_eq(exc_apply(&b, p, code, NOW, 60, 0, &act, &why), -EACCES);
	ck_assert_int_eq(exc_apply(&a, p, code, NOW, 60, 0, &act, &why), 0);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_wrong_device)
{
	struct exc_state s;
	struct policy *p = policy_max(60);
	struct usb_device_info *d1 = stick("S1"), *d2 = stick("S2");
	char ch1[EXC_CHALLENGE_TEXT], ch2[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct exc_active act;
	const char *why;
	uint8_t g1[32], g2[32];
	struct exc_challenge c;

	host(&s, MID_A);
	request(&s, p, d1, 60, NOW, 1, ch1);
	request(&s, p, d2, 60, NOW, 1, ch2);
	ck_assert_str_ne(ch1, ch2);
	/* a challenge rewritten for another device (checksum fixed up) gets a code that fits no
	 * request of this host */
	ck_assert_int_eq(exc_challenge_parse(ch2, &c), 0);
	exc_device_digest(d1, g1);
	c.device[0] ^= 1;
	char forged[EXC_CHALLENGE_TEXT];
	exc_challenge_format(&c, forged);
	grant(forged, code);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW, 60, 0, &act, &why), -EACCES);
	/* the code for S1 allows S1, not S2 */
	grant(ch1, code);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW, 60, 0, &act, &why), 0);
	exc_device_digest(d2, g2);
	ck_assert_ptr_nonnull(exc_find_active(&s, g1, NOW));
	ck_assert_ptr_null(exc_find_active(&s, g2, NOW));
	policy_free(p);
	free(d1);
	free(d2);
}
END_TEST

START_TEST(test_expired_request)
{
	struct exc_state s;
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct exc_active act;
	const char *why;

	host(&s, MID_A);
	request(&s, p, d, 60, NOW, 1, ch);
	grant(ch, code);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + EXC_REQUEST_TTL_SEC + 1, 60, 0, &act, &why),
	                 -ETIMEDOUT);
	/* consumed: not again, even in time */
	ck_assert_int_eq(exc_apply(&s, p, code, NOW, 60, 0, &act, &why), -EACCES);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_replayed)
{
	struct exc_state s;
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct exc_active act;
	const char *why;

	host(&s, MID_A);
	request(&s, p, d, 10, NOW, 1, ch);
	grant(ch, code);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW, 60, 0, &act, &why), 0);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + 60, 60, 0, &act, &why), -EACCES);
	/* a new request for the same device with the same nonce (a stuck RNG) replays nothing:
	 * the exception in force is replaced, not extended twice by one code */
	request(&s, p, d, 10, NOW + 120, 1, ch);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + 120, 60, 0, &act, &why), 0);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + 130, 60, 0, &act, &why), -EACCES);
	ck_assert_uint_eq(s.n_active, 1);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_too_long)
{
	struct exc_state s;
	struct policy *p = policy_max(60), *p30 = policy_max(30);
	struct policy *off = load("version = 1; serial = 1;");
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];
	struct decision dec;
	struct exc_active act;
	const char *why = NULL;
	uint8_t nonce[4] = { 0 };

	host(&s, MID_A);
	policy_evaluate(p, d, NULL, &dec);
	ck_assert_int_eq(exc_request(&s, p, d, &dec, 61, NOW, 0, nonce, ch, &why), -E2BIG);
	ck_assert_int_eq(exc_request(&s, off, d, &dec, 10, NOW, 0, nonce, ch, &why), -EPERM);
	ck_assert_int_eq(exc_request(&s, p, d, &dec, 0, NOW, 0, nonce, ch, &why), -EINVAL);
	/* the policy shrank between request and code: refused */
	request(&s, p, d, 60, NOW, 1, ch);
	grant(ch, code);
	ck_assert_int_eq(exc_apply(&s, p30, code, NOW, 60, 0, &act, &why), -E2BIG);
	request(&s, p, d, 60, NOW, 2, ch);
	grant(ch, code);
	ck_assert_int_eq(exc_apply(&s, off, code, NOW, 60, 0, &act, &why), -EPERM);
	/* a challenge edited to ask for more time than was requested is not this host's */
	request(&s, p, d, 10, NOW, 3, ch);
	struct exc_challenge c;
	ck_assert_int_eq(exc_challenge_parse(ch, &c), 0);
	c.minutes = 60;
	char more[EXC_CHALLENGE_TEXT];
	exc_challenge_format(&c, more);
	grant(more, code);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW, 60, 0, &act, &why), -EACCES);
	policy_free(p);
	policy_free(p30);
	policy_free(off);
	free(d);
}
END_TEST

START_TEST(test_tampered_digits)
{
	struct exc_state s;
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT], bad[EXC_CODE_TEXT];
	struct exc_challenge c;
	struct exc_active act;
	const char *why;
	static const char sym[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	host(&s, MID_A);
	request(&s, p, d, 60, NOW, 1, ch);
	grant(ch, code);
	/* every single wrong symbol of the code is caught as a typo, and not counted */
	for (size_t i = 0; i < strlen(code); i++) {
		if (code[i] == '-')
			continue;
		for (size_t k = 0; k < 32; k++) {
			if (sym[k] == code[i])
				continue;
			memcpy(bad, code, sizeof(bad));
			bad[i] = sym[k];
			ck_assert_int_eq(exc_apply(&s, p, bad, NOW, 60, 0, &act, &why), -EBADMSG);
		}
	}
	ck_assert_uint_eq(s.wrong, 0);
	/* every single wrong symbol of the challenge too (IT is told to read it again) */
	for (size_t i = 0; i < strlen(ch); i++) {
		if (ch[i] == '-')
			continue;
		char t[EXC_CHALLENGE_TEXT];
		memcpy(t, ch, sizeof(t));
		t[i] = t[i] == 'Z' ? 'Y' : 'Z';
		ck_assert_int_ne(exc_challenge_parse(t, &c), 0);
	}
	ck_assert_int_eq(exc_code_parse("ABC-DEF", (uint8_t[5]){ 0 }), -EBADMSG);
	ck_assert_int_eq(exc_code_parse("ABC-DEF-GHJ-K", (uint8_t[5]){ 0 }), -EBADMSG);
	ck_assert_int_eq(exc_code_parse("ABU-DEF-GHJ", (uint8_t[5]){ 0 }), -EBADMSG); /* no U */
	ck_assert_int_eq(exc_challenge_parse("", &c), -EBADMSG);

	/* wrong codes with valid checksums are counted: 5 in a row lock for 15 minutes */
	for (int k = 0; k < EXC_WRONG_MAX; k++) {
		uint8_t mac[EXC_MAC_BYTES] = { (uint8_t)k, 1, 2, 3, 4 };
		exc_code_format(mac, bad);
		ck_assert_int_eq(exc_apply(&s, p, bad, NOW, 60, 0, &act, &why), -EACCES);
	}
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + 10, 60, 0, &act, &why), -EBUSY);
	ck_assert_int_eq(exc_apply(&s, p, code, NOW + EXC_LOCK_SEC, 60, 0, &act, &why), 0);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_no_key_and_kinds)
{
	struct exc_state s = { 0 };
	struct policy *p = policy_max(60);
	struct usb_device_info *d = stick("S1");
	char ch[EXC_CHALLENGE_TEXT];
	struct decision dec;
	struct exc_active act;
	const char *why;
	uint8_t nonce[4] = { 0 };

	policy_evaluate(p, d, NULL, &dec);
	ck_assert_int_eq(exc_request(&s, p, d, &dec, 10, NOW, 0, nonce, ch, &why), -ENOKEY);
	ck_assert_int_eq(exc_apply(&s, p, "000-000-000", NOW, 60, 0, &act, &why), -ENOKEY);
	host(&s, MID_A);
	/* a network adapter is not a kind this policy's exceptions allow */
	d->ifaces[0].kinds = K(NETWORK);
	policy_evaluate(p, d, NULL, &dec);
	ck_assert_int_eq(exc_request(&s, p, d, &dec, 10, NOW, 0, nonce, ch, &why), -EINVAL);
	/* and an exception never allows it even if one were active */
	exc_apply_to_decision(&dec, d, policy_exceptions_kinds(p), NOW);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	/* a stick with a hidden network interface: the storage half only */
	d->ifaces[0].kinds = K(MASS_STORAGE);
	d->ifaces[1] = d->ifaces[0];
	d->ifaces[1].number = 1;
	d->ifaces[1].kinds = K(NETWORK);
	d->n_ifaces = 2;
	policy_evaluate(p, d, NULL, &dec);
	exc_apply_to_decision(&dec, d, policy_exceptions_kinds(p), NOW);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_PARTIAL);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_ptr_null(dec.rule_id);
	/* a device already allowed needs no exception */
	struct policy *all = load("version = 1; serial = 1; default = \"allow\"; exceptions = { "
	                          "max_minutes = 5; kinds = \"mass-storage\"; };");
	policy_evaluate(all, d, NULL, &dec);
	ck_assert_int_eq(exc_request(&s, all, d, &dec, 5, NOW, 0, nonce, ch, &why), -EALREADY);
	policy_free(all);
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_known_answer)
{
	/* Pins the construction (excode.h): a change breaks codes IT already gives out. */
	uint8_t id[EXC_HOST_ID_BYTES], key[EXC_KEY_BYTES], mac[EXC_MAC_BYTES];
	struct exc_challenge c = { .nonce = { 1, 2, 3, 4 },
		                   .device = { 5, 6, 7, 8, 9 },
		                   .minutes = 60 };
	char ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT];

	exc_host_id(" " MID_A "\n", id);
	memcpy(c.host_id, id, sizeof(id));
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), id, key), 0);
	ck_assert_int_eq(exc_host_key(secret, 31, id, key), -EINVAL);
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), id, key), 0);
	exc_challenge_format(&c, ch);
	exc_code_compute(key, &c, mac);
	exc_code_format(mac, code);
	ck_assert_str_eq(ch, "909R-6BSY-0410-6105-0R3G-G280-7H4G");
	ck_assert_str_eq(code, "92B-HXA-Q1R");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exception");
	TCase *tc = tcase_create("codes");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_wrong_host);
	tcase_add_test(tc, test_wrong_device);
	tcase_add_test(tc, test_expired_request);
	tcase_add_test(tc, test_replayed);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_tampered_digits);
	tcase_add_test(tc, test_no_key_and_kinds);
	tcase_add_test(tc, test_known_answer);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
