/* SPDX-License-Identifier: GPL-2.0-or-later */
/* String helpers for untrusted text (device strings, policy values). Pure, no allocation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copies src (srclen bytes, may contain anything) into dst as printable ASCII: bytes outside
 * 0x20..0x7e and the characters '"' and '\\' become "\xNN". Always NUL-terminates when dstsize > 0.
 * Returns the number of bytes written (without NUL); output is cut at a whole escape sequence.
 */
size_t str_escape(char *dst, size_t dstsize, const char *src, size_t srclen);

/* strlcpy semantics: returns -ENAMETOOLONG (and copies a truncated string) when src does not fit.
 */
int str_copy(char *dst, size_t dstsize, const char *src);

/* Lowercase hex of len bytes into dst (needs 2*len+1). */
void hex_encode(char *dst, const uint8_t *src, size_t len);

/* Value of one hex digit (0-9, a-f, A-F), or -1 for any other character. */
int hex_digit(char c);

/* true when s begins with prefix. */
bool str_startswith(const char *s, const char *prefix);
