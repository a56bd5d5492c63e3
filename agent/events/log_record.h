/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incident log records and the hash chain (docs/reviewer-guide.md). Pure: no I/O, no clocks.
 *
 * A record is one line: the event object (agent/events/event_json.h) with one more key at the end,
 *     ..., "prev":"<hex SHA-256 of the previous record's line, without its newline>"}
 * The first record ever has seq 1 and prev = 64 zeros. Every record's seq is the previous one's
 * plus 1, also across rotated files and restarts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/events/seal.h"

/* Bytes of one record, without the newline: the one cap for every record, equal to the spool's
 * SPOOL_RECORD_MAX (agent/daemon/main.c asserts it), so every logged record can go upstream. */
#define LOG_RECORD_MAX_LINE (64u * 1024u)
#define LOG_HASH_HEX_LEN    64
#define LOG_ZERO_HASH       "0000000000000000000000000000000000000000000000000000000000000000"
#define LOG_TYPE_MAX        32

struct json_object;

/* Lowercase hex SHA-256 of len bytes at line (the chain hash of a record). */
void log_record_hash(const char *line, size_t len, char ret_hex[static LOG_HASH_HEX_LEN + 1]);

/*
 * Appends "prev" to an encoded event object: event_json must be a JSON object ("{...}", at least
 * one key) of len bytes, prev_hex 64 lowercase hex digits. *ret_line (caller frees) gets the
 * record without a newline. Returns 0, -EINVAL (bad arguments), -E2BIG (over
 * LOG_RECORD_MAX_LINE) or -ENOMEM.
 */
int log_record_encode(const char *event_json, size_t len, const char *prev_hex, char **ret_line,
                      size_t *ret_len);

/* What the decoder checks and returns of one record. */
struct log_record {
	uint64_t seq;
	int64_t time_usec;
	char type[LOG_TYPE_MAX + 1];
	char prev[LOG_HASH_HEX_LEN + 1];

	/* type "events_lost": the seq range the log lacks (1 <= first <= last < seq,
	 * count = last - first + 1); 0 for other types. */
	uint64_t lost_first, lost_last, lost_count;
	/* type "seal": epoch, the seq of the record it seals (< seq) and the MAC (64 hex). */
	bool is_seal;
	uint64_t seal_epoch, seal_seq;
	char seal_mac[LOG_HASH_HEX_LEN + 1];
};

struct log_record_error {
	size_t offset;      /* byte in the line where it went wrong (0 when not tied to one) */
	const char *reason; /* static text */
};

/*
 * Decodes and validates one line (len bytes, no newline; need not be NUL-terminated): at most
 * LOG_RECORD_MAX_LINE bytes, no NUL, valid UTF-8 strict JSON object and nothing after it, in
 * the canonical form the encoder writes (no duplicate keys or whitespace, json-c's escapes),
 * "seq" integer > 0, "time" RFC 3339 UTC, "host" string, "type" string of [a-z_] (1..32 chars),
 * and the line ends with ,"prev":"<64 lowercase hex>"}. An "events_lost" record must carry a
 * valid range ("count", "first_seq", "last_seq", all below its seq), a "seal" record "epoch"
 * (<= SEAL_MAX_EPOCH), "sealed_seq" (< seq) and "mac" (64 lowercase hex).
 * Returns 0 and fills *ret (and, if ret_obj is non-NULL, the parsed object: caller owns it, free
 * with json_object_put()), or -EBADMSG / -EFBIG / -ENOMEM with *reterr filled (if non-NULL).
 */
int log_record_decode(const char *line, size_t len, struct log_record *ret,
                      struct json_object **ret_obj, struct log_record_error *reterr);

/*
 * Streaming chain verifier: feed it every line of every file, oldest first. It stops at the
 * first break and describes it in error ("incident.log line 17 (seq 17): ...").
 *
 * Missing seqs: a record whose seq jumps over a range must still chain to the last record
 * present (prev = its hash), and the range must be covered by an "events_lost" record somewhere
 * after it (honest loss: counted and listed in lost[]); a range no events_lost covers is an
 * unexplained gap and fails chain_verifier_finish(). Records before the first one present are
 * either covered by events_lost (listed as loss) or were rotated away (reported by the caller).
 *
 * Seals: with a key (chain_verifier_set_key) every seal's MAC is checked against K[epoch], the
 * epochs must count up by one, and the verifier reports up to which seq and time the log is
 * sealed. Without a key, seals are only counted.
 *
 * Optional expectations (set after chain_verifier_init): a known head (hash of the newest record
 * we know was written, from <dir>/head, a heartbeat's chain_head or the collector) and/or its
 * seq. Only against such a head can records cut off at the END be detected.
 */
#define CHAIN_VERIFIER_MAX_GAPS 256 /* open (not yet explained) gaps at once */
#define CHAIN_VERIFIER_MAX_LOST 64  /* events_lost records listed (all are counted) */

struct seq_range {
	uint64_t first, last;
	uint64_t at_seq; /* the events_lost record (lost[]), or the record after the gap */
	bool prefix;     /* gaps[]: before the first record, may have been rotated away */
};

struct chain_verifier {
	/* expectations */
	bool have_expect_head;
	char expect_head[LOG_HASH_HEX_LEN + 1];
	uint64_t expect_seq; /* 0 = none */
	bool have_key;
	uint8_t key[SEAL_KEY_LEN]; /* K[key_epoch], moved forward as seals come */
	uint64_t key_epoch;

	/* missing seqs */
	struct seq_range gaps[CHAIN_VERIFIER_MAX_GAPS]; /* not yet explained */
	size_t n_gaps;
	uint64_t prefix_unexplained_last; /* after finish: the highest seq before the first record
	                                     that no events_lost covers (rotated away): 0 = none */
	struct seq_range lost[CHAIN_VERIFIER_MAX_LOST];
	size_t n_lost_listed;
	uint64_t n_lost_records, lost_seqs_total; /* events_lost records, seqs they cover */

	/* seals */
	uint64_t seals;
	bool have_seal;
	uint64_t seal_epoch, sealed_seq; /* of the last seal */
	int64_t sealed_time_usec;        /* time of the last seal record */
	int64_t last_time_usec;          /* time of the last record */

	/* state */
	const char *file; /* borrowed name of the file being fed, for messages */
	uint64_t line;    /* 1-based line number in that file of the last line fed */
	uint64_t records;
	uint64_t first_seq, last_seq;
	char head[LOG_HASH_HEX_LEN + 1]; /* hash of the last good record */
	bool expect_matched;
	bool failed;
	char error[640];
};

void chain_verifier_init(struct chain_verifier *v);
/* Sets the expected head hash (64 hex, case-insensitive) and/or seq (0 = unknown).
 * Returns 0 or -EINVAL for a malformed hash. */
int chain_verifier_expect(struct chain_verifier *v, const char *head_hex, uint64_t seq);
/* Verifies seals with K[0] (copied; wiped by chain_verifier_done()). */
void chain_verifier_set_key(struct chain_verifier *v, const uint8_t key0[static SEAL_KEY_LEN]);
/* Wipes the key. */
void chain_verifier_done(struct chain_verifier *v);
/* Starts the next file (name borrowed until the next call; used in messages only). */
void chain_verifier_begin_file(struct chain_verifier *v, const char *name);
/* One complete line without its newline. Returns 0, or -EBADMSG at (and after) the first break. */
int chain_verifier_feed_line(struct chain_verifier *v, const char *line, size_t len);
/* Bytes after the last newline of a file (a torn or truncated last line). Always a break. */
int chain_verifier_feed_torn(struct chain_verifier *v, size_t len);
/* Checks the expectations once everything was fed. Returns 0 or -EBADMSG. */
int chain_verifier_finish(struct chain_verifier *v);
/* Convenience for whole buffers (tests, fuzzing): begin_file + every line + torn tail. */
int chain_verifier_feed_buffer(struct chain_verifier *v, const char *name, const char *buf,
                               size_t len);
