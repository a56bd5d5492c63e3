/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks on policy text and a loaded policy that need no I/O: the key_id scanner (runs on
 * UNVERIFIED bytes, so it is a tiny lexer, not libconfig), host matching and the validity window.
 */
#include "policy/trust/trust.h"
#include "policy/base/rfc3339.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "paths.h"

bool trust_key_id_valid(const char *s, size_t len)
{
	if (len == 0 || len > TRUST_KEY_ID_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isascii(c) &&
		      (isalnum(c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '@')))
			return false;
	}
	return true;
}

enum tok_type {
	TOK_END,
	TOK_NAME,   /* libconfig setting name: [A-Za-z*][-A-Za-z0-9_*]* */
	TOK_STRING, /* "..." (start/len exclude the quotes) */
	TOK_PUNCT,  /* one of = : ; , { } ( ) [ ] */
	TOK_OTHER,  /* numbers, booleans' letters are NAMEs, anything else */
};

struct tok {
	enum tok_type type;
	size_t start, len;
	bool has_escape;
	char punct;
};

struct lexer {
	const char *buf;
	size_t len, pos;
};

static bool is_name_start(unsigned char c)
{
	return isascii(c) && (isalpha(c) || c == '*');
}

static bool is_name_char(unsigned char c)
{
	return isascii(c) && (isalnum(c) || c == '-' || c == '_' || c == '*');
}

/* One of "=:;,{}()[]" (a switch, not strchr(): this runs on every byte of a 16 MiB policy). */
static bool is_punct(unsigned char c)
{
	switch (c) {
	case '=':
	case ':':
	case ';':
	case ',':
	case '{':
	case '}':
	case '(':
	case ')':
	case '[':
	case ']':
		return true;
	default:
		return false;
	}
}

/* Ends a run of "anything else": punctuation, a quote, a comment, a blank (or NUL). */
static bool is_separator(unsigned char c)
{
	return is_punct(c) || c == '"' || c == '#' || c == ' ' || c == '\t' || c == '\r' ||
	       c == '\n' || c == '\f' || c == '\v' || c == '\0';
}

/* Skips whitespace and comments. An unterminated block comment runs to the end. */
static void skip_space(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->buf[lx->pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			lx->pos++;
		} else if (c == '#' ||
		           (c == '/' && lx->pos + 1 < lx->len && lx->buf[lx->pos + 1] == '/')) {
			while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && lx->pos + 1 < lx->len && lx->buf[lx->pos + 1] == '*') {
			const char *end = NULL;
			if (lx->pos + 2 < lx->len)
				end = memmem(lx->buf + lx->pos + 2, lx->len - lx->pos - 2, "*/", 2);
			lx->pos = end ? (size_t)(end - lx->buf) + 2 : lx->len;
		} else {
			return;
		}
	}
}

static void next_tok(struct lexer *lx, struct tok *t)
{
	unsigned char c;

	skip_space(lx);
	*t = (struct tok){ .type = TOK_END, .start = lx->pos };
	if (lx->pos >= lx->len)
		return;
	c = (unsigned char)lx->buf[lx->pos];
	if (c == '"') {
		size_t i = lx->pos + 1;
		t->type = TOK_STRING;
		t->start = i;
		while (i < lx->len && lx->buf[i] != '"') {
			if (lx->buf[i] == '\\') {
				t->has_escape = true;
				i++; /* skip the escaped character */
			}
			i++;
		}
		if (i >= lx->len) { /* unterminated: libconfig rejects it; stop scanning */
			t->type = TOK_END;
			lx->pos = lx->len;
			return;
		}
		t->len = i - t->start;
		lx->pos = i + 1;
	} else if (is_punct(c)) {
		t->type = TOK_PUNCT;
		t->punct = (char)c;
		t->len = 1;
		lx->pos++;
	} else if (is_name_start(c)) {
		size_t i = lx->pos;
		while (i < lx->len && is_name_char((unsigned char)lx->buf[i]))
			i++;
		t->type = TOK_NAME;
		t->len = i - lx->pos;
		lx->pos = i;
	} else {
		/* Numbers and anything else: one run up to the next separator. */
		size_t i = lx->pos;
		while (i < lx->len && !is_separator((unsigned char)lx->buf[i]))
			i++;
		if (i == lx->pos)
			i++;
		t->type = TOK_OTHER;
		t->len = i - lx->pos;
		lx->pos = i;
	}
}

/*
 * Skips the inside of a group, list or array (its opening bracket read) up to the bracket that
 * closes it: nothing
 * in there is a top-level key_id, so only brackets, strings and comments matter. This byte loop
 * is what keeps the scan of a 100,000-rule policy at a few milliseconds; next_tok() would lex
 * every name and number of it.
 */
static void skip_nested(struct lexer *lx)
{
	const char *b = lx->buf;
	size_t i = lx->pos, len = lx->len, depth = 1;

	/* the bytes the switch below acts on; every other byte is skipped by a tight loop */
	static const bool special[256] = {
		['"'] = true, ['#'] = true, ['/'] = true, ['{'] = true, ['('] = true,
		['['] = true, ['}'] = true, [')'] = true, [']'] = true,
	};

	while (i < len && depth > 0) {
		while (i < len && !special[(unsigned char)b[i]])
			i++;
		if (i >= len)
			break;
		switch (b[i]) {
		case '"':
			for (i++; i < len && b[i] != '"'; i++)
				if (b[i] == '\\')
					i++; /* the escaped character */
			if (i >= len) {
				/* unterminated: libconfig rejects it; stop scanning */
				lx->pos = len;
				return;
			}
			i++;
			break;
		case '#':
			while (i < len && b[i] != '\n')
				i++;
			break;
		case '/':
			if (i + 1 < len && b[i + 1] == '/') {
				while (i < len && b[i] != '\n')
					i++;
			} else if (i + 1 < len && b[i + 1] == '*') {
				const char *end = NULL;
				if (i + 2 < len)
					end = memmem(b + i + 2, len - i - 2, "*/", 2);
				i = end ? (size_t)(end - b) + 2 : len;
			} else
				i++;
			break;
		case '{':
		case '(':
		case '[':
			depth++;
			i++;
			break;
		case '}':
		case ')':
		case ']':
			depth--;
			i++;
			break;
		default:
			i++;
		}
	}
	lx->pos = i;
}

static int scan_fail(char *reterr, size_t reterr_size, const char *msg)
{
	if (reterr && reterr_size > 0)
		snprintf(reterr, reterr_size, "%s", msg);
	return -EBADMSG;
}

int trust_scan_key_id(const char *buf, size_t len, char ret_id[TRUST_KEY_ID_MAX + 1], char *reterr,
                      size_t reterr_size)
{
	struct lexer lx = { .buf = buf, .len = len };
	char id[TRUST_KEY_ID_MAX + 1];
	bool found = false;
	struct tok t;

	if (len > PORTCULLIS_POLICY_MAX_BYTES)
		return scan_fail(reterr, reterr_size, "policy too large");
	if (memchr(buf, '\0', len))
		return scan_fail(reterr, reterr_size, "policy contains a NUL byte");

	for (next_tok(&lx, &t); t.type != TOK_END;) {
		if (t.type == TOK_PUNCT) {
			if (t.punct == '{' || t.punct == '(' || t.punct == '[')
				skip_nested(&lx);
			/* a stray closing bracket at the top: libconfig rejects it; go on */
			next_tok(&lx, &t);
			continue;
		}
		if (t.type != TOK_NAME || t.len != 6 || memcmp(buf + t.start, "key_id", 6) != 0) {
			next_tok(&lx, &t);
			continue;
		}
		next_tok(&lx, &t);
		if (t.type != TOK_PUNCT || (t.punct != '=' && t.punct != ':'))
			continue; /* not a setting; libconfig will say what is wrong */
		next_tok(&lx, &t);
		if (t.type != TOK_STRING)
			return scan_fail(reterr, reterr_size, "key_id is not a string");
		if (found)
			return scan_fail(reterr, reterr_size, "duplicate key_id");
		if (t.has_escape || !trust_key_id_valid(buf + t.start, t.len))
			return scan_fail(reterr, reterr_size,
			                 "key_id must be 1-128 characters of A-Z a-z 0-9 . _ : @ - "
			                 "(not starting with '.')");
		memcpy(id, buf + t.start, t.len);
		id[t.len] = '\0';
		found = true;
		next_tok(&lx, &t);
		if (t.type == TOK_STRING) /* "a" "b" concatenation: not a plain key id */
			return scan_fail(reterr, reterr_size, "key_id is not a single string");
	}
	if (!found) {
		if (reterr && reterr_size > 0)
			snprintf(reterr, reterr_size, "no key_id setting");
		return -ENOENT;
	}
	memcpy(ret_id, id, strlen(id) + 1);
	return 0;
}

bool trust_host_matches(const struct policy *p, const char *hostname, const char *machine_id)
{
	size_t n = policy_n_hosts(p);

	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		const char *h = policy_host(p, i);
		if (h && policy_hosts_match(&h, 1, hostname, machine_id))
			return true;
	}
	return false;
}

int trust_check_validity(const struct policy *p, int64_t now)
{
	if (now < policy_not_before(p))
		return TRUST_E_NOT_YET_VALID;
	if (now > policy_not_after(p))
		return TRUST_E_EXPIRED;
	return 0;
}

const char *trust_format_time(int64_t t, char *buf, size_t size)
{
	char when[RFC3339_MAX];

	if (t == INT64_MAX)
		snprintf(buf, size, "never");
	else if (t == INT64_MIN)
		snprintf(buf, size, "always");
	else {
		(void)rfc3339_format_sec(t, when); /* "@<seconds>" out of range */
		snprintf(buf, size, "%s", when);
	}
	return buf;
}
