/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/base/strenc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

bool strenc_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *ret_cp)
{
	unsigned char c = s[0];
	uint32_t cp, min;
	size_t n;

	if (c >= 0x01 && c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return n;
}

static size_t put_u(char *dst, uint32_t cp)
{
	dst[0] = '\\';
	dst[1] = 'u';
	dst[2] = hexd[(cp >> 12) & 0xf];
	dst[3] = hexd[(cp >> 8) & 0xf];
	dst[4] = hexd[(cp >> 4) & 0xf];
	dst[5] = hexd[cp & 0xf];
	return 6;
}

/* "\xNN", with the backslash itself escaped for JSON when json. */
static size_t put_x(char *dst, unsigned char c, bool json)
{
	size_t o = 0;

	dst[o++] = '\\';
	if (json)
		dst[o++] = '\\';
	dst[o++] = 'x';
	dst[o++] = hexd[c >> 4];
	dst[o++] = hexd[c & 0xf];
	return o;
}

/* The two string forms: JSON (quotes and backslash escaped, every unsafe code point \uXXXX) or
 * text (C0 and DEL as \xNN, other unsafe code points \uXXXX). Bytes that are not UTF-8: \xNN. */
static size_t encode(char *dst, const char *src, size_t len, bool json)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0 || (!json && (cp < 0x20 || cp == 0x7f))) {
			o += put_x(dst + o, s[i], json);
			n = 1;
		} else if (json && (cp == '"' || cp == '\\')) {
			dst[o++] = '\\';
			dst[o++] = (char)cp;
		} else if (strenc_unsafe(cp)) {
			o += put_u(dst + o, cp);
		} else {
			memcpy(dst + o, s + i, n);
			o += n;
		}
		i += n;
	}
	dst[o] = '\0';
	return o;
}

size_t strenc_json(char *dst, const char *src, size_t len)
{
	return encode(dst, src, len, true);
}

size_t strenc_text(char *dst, const char *src, size_t len)
{
	return encode(dst, src, len, false);
}

int strenc_json_inert(const char *json, size_t len, char **ret, size_t *ret_len)
{
	const unsigned char *s = (const unsigned char *)json;
	bool in_string = false;
	size_t o = 0, i = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 6)
		return -ENOMEM;
	out = malloc(STRENC_MAX(len));
	if (!out)
		return -ENOMEM;
	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n;

		if (!in_string) {
			in_string = c == '"';
			out[o++] = (char)c;
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len) { /* an escape: copied whole, never split */
			out[o++] = (char)c;
			out[o++] = (char)s[i + 1];
			i += 2;
			continue;
		}
		if (c == '"') {
			in_string = false;
			out[o++] = (char)c;
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			o += put_x(out + o, c, true);
			i++;
		} else if (strenc_unsafe(cp)) {
			o += put_u(out + o, cp);
			i += n;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}
