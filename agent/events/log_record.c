/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/log_record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strutil.h"
#include "agent/events/event_json.h"

#define PREV_SUFFIX_LEN (sizeof(",\"prev\":\"") - 1 + LOG_HASH_HEX_LEN + 2)

void log_record_hash(const char *line, size_t len, char ret_hex[static LOG_HASH_HEX_LEN + 1])
{
	uint8_t md[32];
	unsigned mdlen = 0;

	/* EVP_Digest with SHA-256 only fails on allocation failure inside OpenSSL; a zeroed
	 * digest then never matches a real chain, so a failure shows up as a break, not a pass. */
	if (EVP_Digest(line, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	hex_encode(ret_hex, md, 32);
}

static bool is_hex64(const char *s, size_t n)
{
	if (n != LOG_HASH_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int log_record_encode(const char *event_json, size_t len, const char *prev_hex, char **ret_line,
                      size_t *ret_len)
{
	if (!event_json || !prev_hex || !ret_line || !ret_len || len < 3 || event_json[0] != '{' ||
	    event_json[len - 1] != '}' || !is_hex64(prev_hex, strnlen(prev_hex, 65)))
		return -EINVAL;
	size_t total = len - 1 + PREV_SUFFIX_LEN;
	if (total > LOG_RECORD_MAX_LINE)
		return -E2BIG;
	char *out = malloc(total + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, event_json, len - 1);
	int n = snprintf(out + len - 1, PREV_SUFFIX_LEN + 1, ",\"prev\":\"%s\"}", prev_hex);
	if (n != (int)PREV_SUFFIX_LEN) { /* cannot happen with a 64-digit prev: checked above */
		free(out);
		return -EINVAL;
	}
	*ret_line = out;
	*ret_len = total;
	return 0;
}

static int fail(struct log_record_error *reterr, size_t offset, const char *reason, int r)
{
	if (reterr) {
		reterr->offset = offset;
		reterr->reason = reason;
	}
	return r;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener, json_tokener_free);

static bool get_int(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

int log_record_decode(const char *line, size_t len, struct log_record *ret,
                      struct json_object **ret_obj, struct log_record_error *reterr)
{
	_cleanup_(json_tokener_freep) json_tokener *tok = NULL;
	_cleanup_(json_object_putp) json_object *obj = NULL;
	struct log_record rec = {};
	json_object *v;
	const char *s;

	if (!line || !ret)
		return fail(reterr, 0, "invalid arguments", -EINVAL);
	if (len == 0)
		return fail(reterr, 0, "empty line", -EBADMSG);
	if (len > LOG_RECORD_MAX_LINE)
		return fail(reterr, LOG_RECORD_MAX_LINE, "line longer than the 64 KiB record cap",
		            -EFBIG);
	const char *nul = memchr(line, '\0', len);
	if (nul)
		return fail(reterr, (size_t)(nul - line), "NUL byte in line", -EBADMSG);
	const char *nl = memchr(line, '\n', len);
	if (nl)
		return fail(reterr, (size_t)(nl - line), "newline inside record", -EBADMSG);
	if (line[0] != '{')
		return fail(reterr, 0, "not a JSON object", -EBADMSG);

	/* The fixed tail: prev is the last key, exactly as log_record_encode() writes it. */
	static const char prefix[] = ",\"prev\":\"";
	if (len < PREV_SUFFIX_LEN + 2 || line[len - 1] != '}' || line[len - 2] != '"' ||
	    memcmp(line + len - PREV_SUFFIX_LEN, prefix, sizeof(prefix) - 1) != 0)
		return fail(reterr, len > PREV_SUFFIX_LEN ? len - PREV_SUFFIX_LEN : 0,
		            "line does not end with ,\"prev\":\"<hash>\"}", -EBADMSG);
	const char *prev = line + len - 2 - LOG_HASH_HEX_LEN;
	if (!is_hex64(prev, LOG_HASH_HEX_LEN))
		return fail(reterr, (size_t)(prev - line), "prev is not 64 lowercase hex digits",
		            -EBADMSG);

	/* Nesting of a real record is 5 (record, device, interfaces, interface, kinds). */
	tok = json_tokener_new_ex(8);
	if (!tok)
		return fail(reterr, 0, "out of memory", -ENOMEM);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (!obj || jerr != json_tokener_success)
		return fail(reterr, json_tokener_get_parse_end(tok),
		            jerr == json_tokener_continue ? "incomplete JSON"
		                                          : json_tokener_error_desc(jerr),
		            -EBADMSG);
	if (json_tokener_get_parse_end(tok) != len)
		return fail(reterr, json_tokener_get_parse_end(tok), "data after the JSON object",
		            -EBADMSG);
	if (!json_object_is_type(obj, json_type_object))
		return fail(reterr, 0, "not a JSON object", -EBADMSG);

	/* Canonical form: the exact bytes the recorder's encoder gives for this object
	 * (event_serialize()). Rejects duplicate keys (parsers disagree on which one wins),
	 * whitespace, raw control characters and alternative escapes, so every reader sees the
	 * content the chain hashes. Records written before the encoder made strings inert carry
	 * C1 and bidi characters raw: json-c's plain form is accepted for them too. */
	size_t clen = 0;
	const char *canon = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &clen);
	if (!canon)
		return fail(reterr, 0, "out of memory", -ENOMEM);
	if (clen != len || memcmp(canon, line, len) != 0) {
		_cleanup_(freep) char *inert = NULL;
		size_t ilen = 0;

		if (event_serialize(obj, &inert, &ilen) < 0)
			return fail(reterr, 0, "out of memory", -ENOMEM);
		if (ilen != len || memcmp(inert, line, len) != 0) {
			size_t i = 0;
			while (i < len && i < ilen && inert[i] == line[i])
				i++;
			return fail(reterr, i,
			            "not in canonical form (duplicate key, whitespace or unusual "
			            "escape)",
			            -EBADMSG);
		}
	}

	if (!json_object_object_get_ex(obj, "seq", &v) || !json_object_is_type(v, json_type_int))
		return fail(reterr, 0, "seq missing or not an integer", -EBADMSG);
	int64_t seq = json_object_get_int64(v);
	if (seq <= 0 || seq == INT64_MAX)
		return fail(reterr, 0, "seq out of range", -EBADMSG);
	rec.seq = (uint64_t)seq;

	if (!json_object_object_get_ex(obj, "time", &v) ||
	    !json_object_is_type(v, json_type_string))
		return fail(reterr, 0, "time missing or not a string", -EBADMSG);
	if (rfc3339_parse_usec(json_object_get_string(v), RFC3339_DATE_OK | RFC3339_SPACE_OK,
	                       &rec.time_usec) < 0)
		return fail(reterr, 0, "time is not RFC 3339 UTC", -EBADMSG);

	if (!json_object_object_get_ex(obj, "host", &v) ||
	    !json_object_is_type(v, json_type_string))
		return fail(reterr, 0, "host missing or not a string", -EBADMSG);

	if (!json_object_object_get_ex(obj, "type", &v) ||
	    !json_object_is_type(v, json_type_string))
		return fail(reterr, 0, "type missing or not a string", -EBADMSG);
	s = json_object_get_string(v);
	size_t tl = strlen(s);
	if (tl == 0 || tl > LOG_TYPE_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz_") != tl)
		return fail(reterr, 0, "type is not 1..32 of [a-z_]", -EBADMSG);
	memcpy(rec.type, s, tl + 1);

	/* The parsed prev must be the one in the fixed tail (no second "prev" key earlier). */
	if (!json_object_object_get_ex(obj, "prev", &v) ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) != 64 ||
	    memcmp(json_object_get_string(v), prev, LOG_HASH_HEX_LEN) != 0)
		return fail(reterr, (size_t)(prev - line), "prev key ambiguous", -EBADMSG);
	memcpy(rec.prev, prev, LOG_HASH_HEX_LEN);
	rec.prev[LOG_HASH_HEX_LEN] = '\0';

	if (!strcmp(rec.type, "events_lost")) {
		int64_t c, f, l;
		if (!get_int(obj, "count", &c) || !get_int(obj, "first_seq", &f) ||
		    !get_int(obj, "last_seq", &l))
			return fail(reterr, 0, "events_lost without count, first_seq, last_seq",
			            -EBADMSG);
		if (f < 1 || l < f || (uint64_t)l >= rec.seq || c != l - f + 1)
			return fail(reterr, 0,
			            "events_lost range invalid (1 <= first_seq <= last_seq < seq, "
			            "count = last_seq - first_seq + 1)",
			            -EBADMSG);
		rec.lost_first = (uint64_t)f;
		rec.lost_last = (uint64_t)l;
		rec.lost_count = (uint64_t)c;
	} else if (!strcmp(rec.type, "seal")) {
		int64_t e, q;
		if (!get_int(obj, "epoch", &e) || !get_int(obj, "sealed_seq", &q) ||
		    !json_object_object_get_ex(obj, "mac", &v) ||
		    !json_object_is_type(v, json_type_string))
			return fail(reterr, 0, "seal without epoch, sealed_seq, mac", -EBADMSG);
		if (e < 0 || e > SEAL_MAX_EPOCH || q < 1 || (uint64_t)q >= rec.seq)
			return fail(reterr, 0, "seal epoch or sealed_seq out of range", -EBADMSG);
		s = json_object_get_string(v);
		if (json_object_get_string_len(v) != LOG_HASH_HEX_LEN ||
		    !is_hex64(s, LOG_HASH_HEX_LEN))
			return fail(reterr, 0, "seal mac is not 64 lowercase hex digits", -EBADMSG);
		rec.is_seal = true;
		rec.seal_epoch = (uint64_t)e;
		rec.seal_seq = (uint64_t)q;
		memcpy(rec.seal_mac, s, LOG_HASH_HEX_LEN + 1);
	}

	*ret = rec;
	if (ret_obj)
		*ret_obj = TAKE_PTR(obj);
	return 0;
}

void chain_verifier_init(struct chain_verifier *v)
{
	*v = (struct chain_verifier){ .file = "(input)" };
}

void chain_verifier_set_key(struct chain_verifier *v, const uint8_t key0[static SEAL_KEY_LEN])
{
	memcpy(v->key, key0, SEAL_KEY_LEN);
	v->key_epoch = 0;
	v->have_key = true;
}

void chain_verifier_done(struct chain_verifier *v)
{
	OPENSSL_cleanse(v->key, sizeof(v->key));
	v->have_key = false;
}

int chain_verifier_expect(struct chain_verifier *v, const char *head_hex, uint64_t seq)
{
	if (head_hex) {
		char h[LOG_HASH_HEX_LEN + 1];
		size_t n = strnlen(head_hex, LOG_HASH_HEX_LEN + 1);
		if (n != LOG_HASH_HEX_LEN)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			h[i] = (char)((head_hex[i] >= 'A' && head_hex[i] <= 'F') ? head_hex[i] + 32
			                                                         : head_hex[i]);
		h[n] = '\0';
		if (!is_hex64(h, n))
			return -EINVAL;
		memcpy(v->expect_head, h, sizeof(h));
		v->have_expect_head = true;
	}
	v->expect_seq = seq;
	return 0;
}

void chain_verifier_begin_file(struct chain_verifier *v, const char *name)
{
	v->file = name ? name : "(input)";
	v->line = 0;
}

static int broken(struct chain_verifier *v, const char *fmt, ...) _printf_(2, 3);
static int broken(struct chain_verifier *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(v->error, sizeof(v->error), fmt, ap); /* long file names get cut: fine */
	va_end(ap);
	v->failed = true;
	return -EBADMSG;
}

/* An events_lost record: list it and take the seqs it covers out of the open gaps. */
static int explain(struct chain_verifier *v, const struct log_record *rec)
{
	uint64_t a = rec->lost_first, b = rec->lost_last;

	v->n_lost_records++;
	v->lost_seqs_total += rec->lost_count;
	if (v->n_lost_listed < CHAIN_VERIFIER_MAX_LOST)
		v->lost[v->n_lost_listed++] = (struct seq_range){ a, b, rec->seq, false };
	for (size_t i = 0; i < v->n_gaps;) {
		struct seq_range *g = &v->gaps[i];
		if (b < g->first || a > g->last) {
			i++;
			continue;
		}
		if (a <= g->first && b >= g->last) { /* covered: gone */
			*g = v->gaps[--v->n_gaps];
			continue;
		}
		if (a > g->first && b < g->last) { /* covers the middle: split */
			if (v->n_gaps == CHAIN_VERIFIER_MAX_GAPS)
				return broken(v, "too many partly explained sequence gaps");
			v->gaps[v->n_gaps++] =
			    (struct seq_range){ b + 1, g->last, g->at_seq, g->prefix };
			g->last = a - 1;
		} else if (a <= g->first) {
			g->first = b + 1;
		} else {
			g->last = a - 1;
		}
		i++;
	}
	return 0;
}

static int check_seal(struct chain_verifier *v, const struct log_record *rec)
{
	char mac[LOG_HASH_HEX_LEN + 1];
	int r;

	if (rec->seal_seq != v->last_seq)
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64 "): seal names seq %" PRIu64
		              " but the record before it is seq %" PRIu64 " — seal moved or forged",
		              v->file, v->line, rec->seq, rec->seal_seq, v->last_seq);
	if (v->have_seal && rec->seal_epoch != v->seal_epoch + 1)
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64 "): seal epoch %" PRIu64
		              " follows epoch %" PRIu64
		              " — seals removed, or the log was rewritten "
		              "with a later key",
		              v->file, v->line, rec->seq, rec->seal_epoch, v->seal_epoch);
	if (!v->have_seal && v->have_key && v->first_seq == 1 && rec->seal_epoch != 0)
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64 "): the first seal of a log that "
		              "starts at seq 1 has epoch %" PRIu64
		              ", not 0 — earlier seals removed",
		              v->file, v->line, rec->seq, rec->seal_epoch);
	if (v->have_key) {
		if (rec->seal_epoch < v->key_epoch)
			return broken(v, "%s line %" PRIu64 ": seal epoch goes backwards", v->file,
			              v->line);
		for (; v->key_epoch < rec->seal_epoch; v->key_epoch++)
			seal_key_evolve(v->key);
		r = seal_mac(v->key, rec->seal_epoch, rec->seal_seq, rec->prev, mac);
		if (r < 0)
			return broken(v, "%s line %" PRIu64 ": cannot compute the seal MAC",
			              v->file, v->line);
		if (CRYPTO_memcmp(mac, rec->seal_mac, LOG_HASH_HEX_LEN) != 0)
			return broken(
			    v,
			    "%s line %" PRIu64 " (seq %" PRIu64 "): seal of epoch %" PRIu64
			    " does not verify with the key — records up to seq %" PRIu64
			    " were changed after they were sealed (or the key is not this "
			    "machine's)",
			    v->file, v->line, rec->seq, rec->seal_epoch, rec->seal_seq);
	}
	v->have_seal = true;
	v->seals++;
	v->seal_epoch = rec->seal_epoch;
	v->sealed_seq = rec->seq;
	v->sealed_time_usec = rec->time_usec;
	return 0;
}

int chain_verifier_feed_line(struct chain_verifier *v, const char *line, size_t len)
{
	struct log_record rec;
	struct log_record_error err = {};
	char hash[LOG_HASH_HEX_LEN + 1];
	int r;

	if (v->failed)
		return -EBADMSG;
	v->line++;
	r = log_record_decode(line, len, &rec, NULL, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return broken(v, "%s line %" PRIu64 ": malformed record (byte %zu: %s)", v->file,
		              v->line, err.offset, err.reason);

	if (v->records == 0) {
		/* The oldest record we have. Seq 1 must start the chain; a later seq means older
		 * files were rotated away, and its prev cannot be checked here. */
		if (rec.seq == 1 && strcmp(rec.prev, LOG_ZERO_HASH) != 0)
			return broken(v,
			              "%s line %" PRIu64 " (seq 1): first record's prev is not the "
			              "zero hash — records were added before it",
			              v->file, v->line);
		v->first_seq = rec.seq;
		if (rec.seq != 1 && strcmp(rec.prev, LOG_ZERO_HASH) == 0) {
			/* A chain that starts above 1 with nothing before it: the records
			 * below were issued but never reached this log; events_lost must say so. */
			v->gaps[v->n_gaps++] = (struct seq_range){ 1, rec.seq - 1, rec.seq, false };
		} else if (rec.seq > 1) {
			v->gaps[v->n_gaps++] = (struct seq_range){ 1, rec.seq - 1, rec.seq, true };
		}
	} else if (rec.seq == v->last_seq) {
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64 "): seq %" PRIu64
		              " appears twice — record duplicated",
		              v->file, v->line, rec.seq, rec.seq);
	} else if (rec.seq < v->last_seq) {
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64
		              "): sequence goes backwards after "
		              "seq %" PRIu64 " — records reordered or duplicated",
		              v->file, v->line, rec.seq, v->last_seq);
	} else if (rec.seq != v->last_seq + 1 && strcmp(rec.prev, v->head) != 0) {
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64
		              "): sequence gap after seq %" PRIu64
		              " and prev does not match its hash "
		              "— records %" PRIu64 "..%" PRIu64 " deleted or moved",
		              v->file, v->line, rec.seq, v->last_seq, v->last_seq + 1, rec.seq - 1);
	} else if (rec.seq != v->last_seq + 1) {
		/* The chain goes on over the gap: honest loss if an events_lost covers it. */
		if (v->n_gaps == CHAIN_VERIFIER_MAX_GAPS)
			return broken(v,
			              "%s line %" PRIu64 " (seq %" PRIu64
			              "): more than %d sequence "
			              "gaps without an events_lost record",
			              v->file, v->line, rec.seq, CHAIN_VERIFIER_MAX_GAPS);
		v->gaps[v->n_gaps++] =
		    (struct seq_range){ v->last_seq + 1, rec.seq - 1, rec.seq, false };
	} else if (strcmp(rec.prev, v->head) != 0) {
		return broken(v,
		              "%s line %" PRIu64 " (seq %" PRIu64 "): prev does not match hash of "
		              "seq %" PRIu64 " — record modified or deleted before it",
		              v->file, v->line, rec.seq, v->last_seq);
	}

	if (rec.lost_count > 0) {
		r = explain(v, &rec);
		if (r < 0)
			return r;
	}
	if (rec.is_seal) {
		r = check_seal(v, &rec);
		if (r < 0)
			return r;
	}
	v->last_time_usec = rec.time_usec;

	log_record_hash(line, len, hash);
	if (v->expect_seq != 0 && rec.seq == v->expect_seq) {
		if (v->have_expect_head && strcmp(hash, v->expect_head) != 0)
			return broken(v,
			              "%s line %" PRIu64 " (seq %" PRIu64 "): hash %s differs from "
			              "the known head %s — log rewritten from here on",
			              v->file, v->line, rec.seq, hash, v->expect_head);
		v->expect_matched = true;
	} else if (v->expect_seq == 0 && v->have_expect_head && strcmp(hash, v->expect_head) == 0) {
		v->expect_matched = true;
	}
	memcpy(v->head, hash, sizeof(hash));
	v->last_seq = rec.seq;
	v->records++;
	return 0;
}

int chain_verifier_feed_torn(struct chain_verifier *v, size_t len)
{
	if (v->failed)
		return -EBADMSG;
	return broken(v,
	              "%s line %" PRIu64 ": truncated last line (%zu bytes without a newline) — "
	              "write interrupted or file cut",
	              v->file, v->line + 1, len);
}

int chain_verifier_finish(struct chain_verifier *v)
{
	if (v->failed)
		return -EBADMSG;
	/* What is left of the records before the first one was rotated away: not an error. */
	for (size_t i = 0; i < v->n_gaps;) {
		if (!v->gaps[i].prefix) {
			i++;
			continue;
		}
		if (v->gaps[i].last > v->prefix_unexplained_last)
			v->prefix_unexplained_last = v->gaps[i].last;
		v->gaps[i] = v->gaps[--v->n_gaps];
	}
	if (v->n_gaps > 0) {
		const struct seq_range *g = &v->gaps[0];
		return broken(v,
		              "%s: records %" PRIu64 "..%" PRIu64 " (before seq %" PRIu64
		              ") are missing and no events_lost record accounts for them — deleted",
		              v->file, g->first, g->last, g->at_seq);
	}
	if (v->expect_matched || (!v->have_expect_head && v->expect_seq == 0))
		return 0;
	if (v->expect_seq != 0 && v->last_seq < v->expect_seq)
		return broken(v,
		              "%s: log ends at seq %" PRIu64 " but the known head is seq %" PRIu64
		              " — records %" PRIu64 "..%" PRIu64 " at the end deleted (truncated)",
		              v->file, v->last_seq, v->expect_seq, v->last_seq + 1, v->expect_seq);
	if (v->expect_seq != 0)
		return broken(v,
		              "%s: the known head seq %" PRIu64 " is older than the first record "
		              "(seq %" PRIu64 ") — cannot be checked",
		              v->file, v->expect_seq, v->first_seq);
	return broken(v,
	              "%s: known head %s is not in the log (ends at seq %" PRIu64
	              ") — records at the end deleted or log rewritten",
	              v->file, v->expect_head, v->last_seq);
}

int chain_verifier_feed_buffer(struct chain_verifier *v, const char *name, const char *buf,
                               size_t len)
{
	size_t pos = 0;
	int r = 0;

	chain_verifier_begin_file(v, name);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		if (!nl)
			return chain_verifier_feed_torn(v, len - pos);
		size_t n = (size_t)(nl - (buf + pos));
		r = chain_verifier_feed_line(v, buf + pos, n);
		if (r < 0)
			return r;
		pos += n + 1;
	}
	return r;
}
