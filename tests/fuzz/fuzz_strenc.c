/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the one encoder of untrusted text (policy/base/strenc.c) on arbitrary bytes.
 * Aborts when an output carries a raw hostile character (C0 but in JSON outside strings, DEL, C1,
 * bidi/format, U+2028/9) or a byte that is not UTF-8, when the JSON string form does not parse
 * back (json-c, strict, UTF-8 validated) to the input for valid UTF-8 input, when serialized JSON
 * made inert stops parsing or changes meaning, or when an output passes its worst-case size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/base/strenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 without a raw hostile code point (in_json: C0 allowed only as JSON whitespace). */
static void check_inert(const char *s, size_t len, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	bool in_string = false;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0)
			abort();
		if (json && !in_string && (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r')) {
			i += n;
			continue;
		}
		if (strenc_unsafe(cp))
			abort();
		if (json && cp == '"')
			in_string = !in_string;
		if (json && in_string && cp == '\\')
			n++; /* the escaped character is ASCII */
		i += n;
	}
}

static bool all_utf8(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(d + i, n - i, &cp);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

static json_object *parse_strict(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success)
		o = (json_object_put(o), NULL);
	json_tokener_free(tok);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *q, *inert = NULL;
	size_t n, qlen;
	json_object *o;

	if (size > 4096)
		return 0;
	buf = malloc(STRENC_MAX(size));
	q = malloc(STRENC_MAX(size) + 2);
	if (!buf || !q)
		abort();

	/* JSON string body: inert, and json-c gives the input back when it was UTF-8. */
	n = strenc_json(buf, (const char *)data, size);
	if (n >= STRENC_MAX(size) || strlen(buf) != n)
		abort();
	qlen = (size_t)snprintf(q, STRENC_MAX(size) + 2, "\"%s\"", buf);
	check_inert(q, qlen, true);
	o = parse_strict(q, qlen);
	if (!o)
		abort();
	if (all_utf8(data, size) && !memchr(data, 0, size) &&
	    (json_object_get_string_len(o) != (int)size ||
	     memcmp(json_object_get_string(o), data, size)))
		abort();
	json_object_put(o);

	/* Text and CSV: inert. */
	n = strenc_text(buf, (const char *)data, size);
	if (n >= STRENC_MAX(size) || strlen(buf) != n)
		abort();
	check_inert(buf, n, false);

	/* Serialized JSON made inert: when the input parses, the output parses to the same value
	 * and is inert; whatever the input, the output carries no raw C1/bidi inside strings. */
	if (strenc_json_inert((const char *)data, size, &inert, &n) < 0)
		abort();
	if (n >= STRENC_MAX(size))
		abort();
	o = all_utf8(data, size) ? parse_strict((const char *)data, size) : NULL;
	if (o) {
		json_object *o2 = parse_strict(inert, n);
		/* Same value: the same plain serialization (json_object_equal() says NaN != NaN).
		 */
		if (!o2 || strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		                  json_object_to_json_string_ext(o2, JSON_C_TO_STRING_PLAIN)))
			abort();
		check_inert(inert, n, true);
		json_object_put(o2);
		json_object_put(o);
	}
	free(inert);
	free(q);
	free(buf);
	return 0;
}
