/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one encoding of untrusted text (device strings, and anything read back from logs or status
 * files) for machine-readable and human output. Pure, no I/O.
 *
 * Hostile strings stay inert: C0 controls, DEL, C1 controls (U+0080..U+009F: U+009B is an 8-bit
 * CSI to a terminal), the bidi and format characters U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069 (which reorder what a reviewer sees) and the line/paragraph separators U+2028,
 * U+2029 never reach the output raw:
 *   - in JSON they are written as \uXXXX (JSON decoders get the same character back);
 *   - in CSV and text as the visible escape "\uXXXX" (C0 and DEL as "\xNN");
 *   - bytes that are not UTF-8 become the text "\xNN" (in JSON: the string \xNN).
 * Everything else that is valid UTF-8 is kept as it is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether code point cp is one of those above that must never be output raw. */
bool strenc_unsafe(uint32_t cp);

/*
 * Decodes the UTF-8 sequence at s (len > 0 bytes available): returns its length (1..4) and
 * *ret_cp, or 0 when s does not start a valid sequence (overlong forms, surrogates and values past
 * U+10FFFF are not UTF-8; NUL is taken as not UTF-8 either).
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *ret_cp);

/* Worst case: every input byte becomes 6 output bytes ("\u0000"; "\\xNN" is 5). */
#define STRENC_MAX(len) (6 * (len) + 1)

/*
 * JSON string body (without the quotes) of len bytes of src: '"' and '\\' escaped, unsafe code
 * points as \uXXXX, bytes that are not UTF-8 as \\xNN. dst needs STRENC_MAX(len) bytes; it is
 * NUL-terminated. Returns the length written.
 */
size_t strenc_json(char *dst, const char *src, size_t len);

/*
 * Text and CSV: valid UTF-8 kept, C0 and DEL as "\xNN", other unsafe code points as "\uXXXX",
 * bytes that are not UTF-8 as "\xNN". dst needs STRENC_MAX(len) bytes; NUL-terminated. Returns the
 * length written.
 */
size_t strenc_text(char *dst, const char *src, size_t len);

/*
 * Makes serialized JSON inert without changing what it means: inside string literals, raw C0,
 * DEL and other unsafe code points become \uXXXX and bytes that are not UTF-8 the string \xNN;
 * outside strings nothing changes. For the output of JSON serializers (json-c writes these
 * characters raw) and for stored JSON lines shown again. Caller owns *ret (NUL-terminated).
 * Returns 0 or -ENOMEM.
 */
int strenc_json_inert(const char *json, size_t len, char **ret, size_t *ret_len);
