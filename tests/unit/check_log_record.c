/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/events/log_record.c: record encode/decode and the chain verifier against each kind of
 * tamper. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "events_fixture.h"

#define N 20

static struct events_fixture fx;
static char *chain;
static size_t chain_len;
static size_t off[N + 1]; /* off[i] = start of record seq i+1 */

static void setup(void)
{
	ck_assert_int_eq(events_fixture_init(&fx), 0);
	chain = events_fixture_chain(&fx, N, &chain_len, off);
	ck_assert_ptr_nonnull(chain);
}

static void teardown(void)
{
	free(chain);
	events_fixture_done(&fx);
}

/* Record seq (1-based) without its newline. */
static char *rec(unsigned seq, size_t *len)
{
	*len = off[seq] - off[seq - 1] - 1;
	return chain + off[seq - 1];
}

static char *hash_of(unsigned seq, char out[static 65])
{
	size_t len;
	const char *l = rec(seq, &len);
	log_record_hash(l, len, out);
	return out;
}

/* Builds a buffer from records listed by seq (0 ends the list). */
static char *build(size_t *ret_len, const unsigned *seqs)
{
	char *b = malloc(chain_len * 2 + 1);
	size_t n = 0;
	for (; *seqs; seqs++) {
		size_t len;
		const char *l = rec(*seqs, &len);
		memcpy(b + n, l, len + 1);
		n += len + 1;
	}
	*ret_len = n;
	return b;
}

static int verify(const char *buf, size_t len, const char *head, uint64_t seq,
                  struct chain_verifier *v)
{
	chain_verifier_init(v);
	if (head || seq)
		ck_assert_int_eq(chain_verifier_expect(v, head, seq), 0);
	int r = chain_verifier_feed_buffer(v, "incident.log", buf, len);
	if (r >= 0)
		r = chain_verifier_finish(v);
	return r;
}

START_TEST(test_encode_decode_roundtrip)
{
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 1795000000000001LL);
	char *json, *line;
	size_t jlen, len;
	char prev[65];
	struct log_record r;
	json_object *obj = NULL;

	ck_assert_int_eq(event_to_json(&ev, 5, &fx.host, &json, &jlen), 0);
	hash_of(4, prev);
	ck_assert_int_eq(log_record_encode(json, jlen, prev, &line, &len), 0);
	ck_assert_uint_eq(len, jlen + 74); /* '}' → ,"prev":"<64>"} */
	ck_assert_mem_eq(line, json, jlen - 1);
	ck_assert_int_eq(log_record_decode(line, len, &r, &obj, NULL), 0);
	ck_assert_uint_eq(r.seq, 5);
	ck_assert_int_eq(r.time_usec, 1795000000000001LL);
	ck_assert_str_eq(r.type, "device_decision");
	ck_assert_str_eq(r.prev, prev);
	ck_assert_ptr_nonnull(obj);
	ck_assert(json_object_object_get_ex(obj, "device", NULL));
	json_object_put(obj);
	free(json);
	free(line);
}
END_TEST

START_TEST(test_encode_rejects)
{
	char *line = (char *)"untouched";
	size_t len = 3;
	ck_assert_int_eq(log_record_encode("{}", 2, LOG_ZERO_HASH, &line, &len), -EINVAL);
	ck_assert_int_eq(log_record_encode("[1,2]", 5, LOG_ZERO_HASH, &line, &len), -EINVAL);
	ck_assert_int_eq(log_record_encode("{\"a\":1}", 7, "abc", &line, &len), -EINVAL);
	ck_assert_int_eq(log_record_encode("{\"a\":1}", 7,
	                                   "ABCDEF0000000000000000000000000000000000000000000000000"
	                                   "000000000",
	                                   &line, &len),
	                 -EINVAL); /* uppercase hex is not what we write */
	ck_assert_str_eq(line, "untouched");
}
END_TEST

/* Lines the decoder must reject, each with why. %P is replaced by a valid prev suffix. */
#define OKP ",\"prev\":\"" LOG_ZERO_HASH "\"}"
#define HDR "{\"seq\":1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"tamper\""
static const struct {
	const char *why;
	const char *line;
	int err;
} bad_lines[] = {
	{ "empty line", "", -EBADMSG },
	{ "not an object", "[1]", -EBADMSG },
	{ "no prev suffix", HDR "}", -EBADMSG },
	{ "prev uppercase",
	  HDR ",\"prev\":\""
	      "A000000000000000000000000000000000000000000000000000000000000000"
	      "\"}",
	  -EBADMSG },
	{ "prev too short", HDR ",\"prev\":\"00\"}", -EBADMSG },
	{ "invalid JSON inside", "{\"seq\":1,,\"time\":\"x\"" OKP, -EBADMSG },
	{ "trailing data", HDR OKP " ", -EBADMSG },
	{ "seq missing",
	  "{\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"t\"" OKP, -EBADMSG },
	{ "seq zero",
	  "{\"seq\":0,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "seq negative",
	  "{\"seq\":-3,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "seq string",
	  "{\"seq\":\"1\",\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":"
	  "\"t\"" OKP,
	  -EBADMSG },
	{ "seq float",
	  "{\"seq\":1.5,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "seq overflow",
	  "{\"seq\":99999999999999999999,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\","
	  "\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "time not RFC 3339",
	  "{\"seq\":1,\"time\":\"yesterday\",\"host\":\"h\",\"type\":\"t\"" OKP, -EBADMSG },
	{ "time number", "{\"seq\":1,\"time\":5,\"host\":\"h\",\"type\":\"t\"" OKP, -EBADMSG },
	{ "host missing", "{\"seq\":1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "type missing", "{\"seq\":1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\"" OKP,
	  -EBADMSG },
	{ "type bad chars",
	  "{\"seq\":1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"Tamper!"
	  "\"" OKP,
	  -EBADMSG },
	{ "type too long",
	  "{\"seq\":1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":"
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" OKP,
	  -EBADMSG },
	{ "second prev earlier",
	  HDR ",\"prev\":\"1111111111111111111111111111111111111111111111111111111111111111\"" OKP,
	  -EBADMSG },
	{ "invalid UTF-8", HDR ",\"message\":\"\xff\"" OKP, -EBADMSG },
	{ "raw control char in string", HDR ",\"message\":\"a\x01\"" OKP, -EBADMSG },
	{ "whitespace (not canonical)",
	  "{\"seq\": 1,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"t\"" OKP,
	  -EBADMSG },
	{ "escaped non-ASCII (not canonical)", HDR ",\"message\":\"\\u00e9\"" OKP, -EBADMSG },
	{ "duplicate key", HDR ",\"host\":\"other\"" OKP, -EBADMSG },
	{ "too deep", HDR ",\"x\":[[[[[[[[[[1]]]]]]]]]]" OKP, -EBADMSG },
#define LOST(c, f, l)                                                                              \
	"{\"seq\":9,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"events_"    \
	"lost\","                                                                                  \
	"\"count\":" c ",\"first_seq\":" f ",\"last_seq\":" l OKP
	{ "events_lost without range",
	  "{\"seq\":9,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"events_"
	  "lost\"" OKP,
	  -EBADMSG },
	{ "events_lost count wrong", LOST("3", "2", "3"), -EBADMSG },
	{ "events_lost range reaches its own seq", LOST("2", "8", "9"), -EBADMSG },
	{ "events_lost first 0", LOST("3", "0", "2"), -EBADMSG },
	{ "events_lost reversed", LOST("0", "5", "4"), -EBADMSG },
#define SEAL(e, q, m)                                                                              \
	"{\"seq\":9,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"seal\","    \
	"\"epoch\":" e ",\"sealed_seq\":" q ",\"mac\":\"" m "\"" OKP
	{ "seal without mac",
	  "{\"seq\":9,\"time\":\"2026-11-18T11:06:40.000000Z\",\"host\":\"h\",\"type\":\"seal\","
	  "\"epoch\":0,\"sealed_seq\":8" OKP,
	  -EBADMSG },
	{ "seal mac short", SEAL("0", "8", "abcd"), -EBADMSG },
	{ "seal mac upper case",
	  SEAL("0", "8", "ABCDEF0000000000000000000000000000000000000000000000000000000000"),
	  -EBADMSG },
	{ "seal sealed_seq not below", SEAL("0", "9", LOG_ZERO_HASH), -EBADMSG },
	{ "seal epoch negative", SEAL("-1", "8", LOG_ZERO_HASH), -EBADMSG },
	{ "seal epoch too large", SEAL("99999999", "8", LOG_ZERO_HASH), -EBADMSG },
};

START_TEST(test_decode_rejects)
{
	struct log_record r = { .seq = 77 };
	struct log_record_error err = {};
	const char *l = bad_lines[_i].line;
	ck_assert_msg(log_record_decode(l, strlen(l), &r, NULL, &err) == bad_lines[_i].err,
	              "accepted: %s", bad_lines[_i].why);
	ck_assert_ptr_nonnull(err.reason);
	ck_assert_uint_eq(r.seq, 77); /* untouched on failure */
}
END_TEST

START_TEST(test_decode_accepts_minimal)
{
	struct log_record r;
	const char *l = HDR OKP;
	ck_assert_int_eq(log_record_decode(l, strlen(l), &r, NULL, NULL), 0);
	ck_assert_str_eq(r.type, "tamper");
}
END_TEST

START_TEST(test_decode_evidence_records)
{
	struct log_record r;
	const char *l = LOST("3", "5", "7");
	ck_assert_int_eq(log_record_decode(l, strlen(l), &r, NULL, NULL), 0);
	ck_assert_uint_eq(r.lost_first, 5);
	ck_assert_uint_eq(r.lost_last, 7);
	ck_assert_uint_eq(r.lost_count, 3);
	ck_assert(!r.is_seal);
	l = SEAL("4", "8", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	ck_assert_int_eq(log_record_decode(l, strlen(l), &r, NULL, NULL), 0);
	ck_assert(r.is_seal);
	ck_assert_uint_eq(r.seal_epoch, 4);
	ck_assert_uint_eq(r.seal_seq, 8);
	ck_assert_str_eq(r.seal_mac,
	                 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	ck_assert_uint_eq(r.lost_count, 0);
}
END_TEST

START_TEST(test_decode_nul_newline_and_size)
{
	struct log_record r;
	struct log_record_error err;
	char l[] = HDR OKP;
	size_t n = strlen(l);

	l[20] = '\0';
	ck_assert_int_eq(log_record_decode(l, n, &r, NULL, &err), -EBADMSG);
	ck_assert_uint_eq(err.offset, 20);
	l[20] = '\n';
	ck_assert_int_eq(log_record_decode(l, n, &r, NULL, &err), -EBADMSG);

	size_t big = LOG_RECORD_MAX_LINE + 1;
	char *b = malloc(big);
	memset(b, ' ', big);
	ck_assert_int_eq(log_record_decode(b, big, &r, NULL, &err), -EFBIG);
	free(b);
}
END_TEST

START_TEST(test_verify_intact)
{
	struct chain_verifier v;
	char head[65];
	ck_assert_int_eq(verify(chain, chain_len, NULL, 0, &v), 0);
	ck_assert_uint_eq(v.records, N);
	ck_assert_uint_eq(v.first_seq, 1);
	ck_assert_uint_eq(v.last_seq, N);
	ck_assert_str_eq(v.head, hash_of(N, head));
	/* known head: by hash alone, by seq and hash, and a head older than the end (lagging) */
	ck_assert_int_eq(verify(chain, chain_len, head, 0, &v), 0);
	ck_assert_int_eq(verify(chain, chain_len, head, N, &v), 0);
	ck_assert_int_eq(verify(chain, chain_len, hash_of(N - 2, head), N - 2, &v), 0);
}
END_TEST

START_TEST(test_verify_across_files)
{
	/* The chain continues across rotated files; a log whose oldest file was dropped starts
	 * at a later seq. */
	struct chain_verifier v;
	chain_verifier_init(&v);
	ck_assert_int_eq(chain_verifier_feed_buffer(&v, "incident.log.1", chain, off[7]), 0);
	ck_assert_int_eq(
	    chain_verifier_feed_buffer(&v, "incident.log", chain + off[7], chain_len - off[7]), 0);
	ck_assert_int_eq(chain_verifier_finish(&v), 0);
	ck_assert_uint_eq(v.records, N);

	ck_assert_int_eq(verify(chain + off[4], chain_len - off[4], NULL, 0, &v), 0);
	ck_assert_uint_eq(v.first_seq, 5);
}
END_TEST

START_TEST(test_verify_modified_byte)
{
	/* A letter inside record 16's message changes: its own line still parses, but record 17
	 * no longer chains to it. */
	struct chain_verifier v;
	size_t len;
	char *l = rec(16, &len);
	char *p = memmem(l, len, "\"host\":\"", 8);
	ck_assert_ptr_nonnull(p);
	p += 8;
	*p = *p == 'x' ? 'y' : 'x';
	ck_assert_int_eq(verify(chain, chain_len, NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log line 17 (seq 17): prev does not match hash of "
	                          "seq 16 — record modified or deleted before it");
}
END_TEST

START_TEST(test_verify_modified_structure)
{
	struct chain_verifier v;
	chain[off[9] + 1] = 'X'; /* breaks the JSON of line 10 */
	ck_assert_int_eq(verify(chain, chain_len, NULL, 0, &v), -EBADMSG);
	ck_assert_msg(strncmp(v.error, "incident.log line 10: malformed record", 38) == 0, "%s",
	              v.error);
}
END_TEST

START_TEST(test_verify_deleted)
{
	struct chain_verifier v;
	size_t len;
	unsigned seqs[N + 1] = {}, k = 0;
	for (unsigned s = 1; s <= N; s++)
		if (s != 7)
			seqs[k++] = s;
	char *b = build(&len, seqs);
	ck_assert_int_eq(verify(b, len, NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log line 7 (seq 8): sequence gap after seq 6 and prev "
	                          "does not match its hash — records "
	                          "7..7 deleted or moved");
	free(b);
}
END_TEST

START_TEST(test_verify_swapped)
{
	struct chain_verifier v;
	size_t len;
	unsigned seqs[N + 1] = {};
	for (unsigned s = 1; s <= N; s++)
		seqs[s - 1] = s;
	seqs[7] = 9; /* ..., 8 → 9, 9 → 8, ... */
	seqs[8] = 8;
	char *b = build(&len, seqs);
	ck_assert_int_eq(verify(b, len, NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log line 8 (seq 9): sequence gap after seq 7 and prev "
	                          "does not match its hash — records "
	                          "8..8 deleted or moved");
	free(b);

	/* the first record moved to the end */
	for (unsigned s = 1; s < N; s++)
		seqs[s - 1] = s + 1;
	seqs[N - 1] = 1;
	b = build(&len, seqs);
	ck_assert_int_eq(verify(b, len, NULL, 0, &v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "line 20 (seq 1): sequence goes backwards after seq 20"),
	              "%s", v.error);
	free(b);
}
END_TEST

START_TEST(test_verify_duplicated)
{
	struct chain_verifier v;
	size_t len;
	unsigned seqs[] = { 1, 2, 3, 4, 4, 5, 0 };
	char *b = build(&len, seqs);
	ck_assert_int_eq(verify(b, len, NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error,
	                 "incident.log line 5 (seq 4): seq 4 appears twice — record duplicated");
	free(b);
}
END_TEST

START_TEST(test_verify_truncated_mid_line)
{
	struct chain_verifier v;
	size_t cut = off[N - 1] + 40; /* inside the last record */
	ck_assert_int_eq(verify(chain, cut, NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log line 20: truncated last line (40 bytes without a "
	                          "newline) — write interrupted or file cut");
	/* only the newline missing: still a torn line (the append did not complete) */
	ck_assert_int_eq(verify(chain, chain_len - 1, NULL, 0, &v), -EBADMSG);
}
END_TEST

START_TEST(test_verify_truncated_records_at_end)
{
	struct chain_verifier v;
	char head[65];
	size_t cut = off[N - 3]; /* records 18..20 gone, cleanly at a line boundary */

	/* Without a known head this cannot be seen: the rest is a valid chain. */
	ck_assert_int_eq(verify(chain, cut, NULL, 0, &v), 0);
	ck_assert_uint_eq(v.last_seq, N - 3);

	hash_of(N, head);
	ck_assert_int_eq(verify(chain, cut, head, 0, &v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "is not in the log (ends at seq 17) — records at the end "
	                              "deleted or log rewritten"),
	              "%s", v.error);
	ck_assert_int_eq(verify(chain, cut, head, N, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log: log ends at seq 17 but the known head is seq 20 — "
	                          "records 18..20 at the end deleted (truncated)");
	ck_assert_int_eq(verify(chain, cut, NULL, N, &v), -EBADMSG); /* --seq alone */
}
END_TEST

START_TEST(test_verify_rewritten_head)
{
	/* Seq matches the known head but the hash does not: the log was rewritten. */
	struct chain_verifier v;
	char head[65];
	hash_of(N - 1, head); /* wrong hash for seq N */
	ck_assert_int_eq(verify(chain, chain_len, head, N, &v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "(seq 20): hash ") &&
	                  strstr(v.error, "differs from the known head"),
	              "%s", v.error);
	ck_assert_int_eq(chain_verifier_expect(&v, "xyz", 0), -EINVAL);
}
END_TEST

START_TEST(test_verify_spliced)
{
	/* Records 1..10 of this host followed by 11..20 of another host's chain (other bytes). */
	struct events_fixture other;
	size_t olen, ooff[N + 1];
	struct chain_verifier v;
	ck_assert_int_eq(events_fixture_init(&other), 0);
	other.host.hostname = "ws-999";
	char *ochain = events_fixture_chain(&other, N, &olen, ooff);
	char *b = malloc(chain_len + olen);
	memcpy(b, chain, off[10]);
	memcpy(b + off[10], ochain + ooff[10], olen - ooff[10]);
	ck_assert_int_eq(verify(b, off[10] + olen - ooff[10], NULL, 0, &v), -EBADMSG);
	ck_assert_str_eq(v.error, "incident.log line 11 (seq 11): prev does not match hash of "
	                          "seq 10 — record modified or deleted before it");
	free(b);
	free(ochain);
	events_fixture_done(&other);
}
END_TEST

START_TEST(test_verify_first_record)
{
	/* A record inserted before seq 1, and a chain restarted in the middle. */
	struct chain_verifier v;
	size_t len;
	char *l = rec(1, &len);
	char *p = strstr(l, "\"prev\":\"") + 8;
	p[0] = '1';
	ck_assert_int_eq(verify(chain, chain_len, NULL, 0, &v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "line 1 (seq 1): first record's prev is not the zero hash"),
	              "%s", v.error);
	p[0] = '0';

	/* record 5 alone with a zero prev (forged restart) */
	char prevhex[65];
	hash_of(4, prevhex);
	l = rec(5, &len);
	p = strstr(l, prevhex);
	ck_assert_ptr_nonnull(p);
	memset(p, '0', 64);
	ck_assert_int_eq(verify(l, off[5] - off[4], NULL, 0, &v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "records 1..4 (before seq 5) are missing and no events_lost "
	                              "record accounts for them"),
	              "%s", v.error);
}
END_TEST

START_TEST(test_verify_stops_at_first_break)
{
	struct chain_verifier v;
	chain_verifier_init(&v);
	ck_assert_int_eq(chain_verifier_feed_line(&v, "garbage", 7), -EBADMSG);
	char first[sizeof(v.error)];
	strcpy(first, v.error);
	size_t len;
	const char *l = rec(1, &len);
	ck_assert_int_eq(chain_verifier_feed_line(&v, l, len), -EBADMSG);
	ck_assert_int_eq(chain_verifier_feed_torn(&v, 3), -EBADMSG);
	ck_assert_int_eq(chain_verifier_finish(&v), -EBADMSG);
	ck_assert_str_eq(v.error, first);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("log_record");
	TCase *tc = tcase_create("record");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_encode_decode_roundtrip);
	tcase_add_test(tc, test_encode_rejects);
	tcase_add_loop_test(tc, test_decode_rejects, 0, sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tc, test_decode_accepts_minimal);
	tcase_add_test(tc, test_decode_evidence_records);
	tcase_add_test(tc, test_decode_nul_newline_and_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verify_intact);
	tcase_add_test(tc, test_verify_across_files);
	tcase_add_test(tc, test_verify_modified_byte);
	tcase_add_test(tc, test_verify_modified_structure);
	tcase_add_test(tc, test_verify_deleted);
	tcase_add_test(tc, test_verify_swapped);
	tcase_add_test(tc, test_verify_duplicated);
	tcase_add_test(tc, test_verify_truncated_mid_line);
	tcase_add_test(tc, test_verify_truncated_records_at_end);
	tcase_add_test(tc, test_verify_rewritten_head);
	tcase_add_test(tc, test_verify_spliced);
	tcase_add_test(tc, test_verify_first_record);
	tcase_add_test(tc, test_verify_stops_at_first_break);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
