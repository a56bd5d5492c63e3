/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The raw-text guard for libconfig input (see conftext.h), mirroring libconfig 1.5's scanner. */
#include "policy/base/conftext.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/base/macro.h"
#include "policy/base/strutil.h"

_printf_(3, 4) static int fail(struct conftext_error *e, int line, const char *fmt, ...)
{
	va_list ap;

	e->line = line;
	va_start(ap, fmt);
	(void)vsnprintf(e->reason, sizeof(e->reason), fmt, ap); /* truncation is fine */
	va_end(ap);
	return -EBADMSG;
}

static bool is_name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '*';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* Reads an integer literal at *pos (sign optional). Returns 1 if one was range-checked, 0 if the
 * text there is not an integer (a float, a lone sign), or the error. */
static int scan_number(struct conftext_error *e, const char *s, size_t len, size_t *pos, int line)
{
	size_t i = *pos, start = *pos;
	bool neg = false, hex = false, overflow = false;
	unsigned long long v = 0;

	if (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-';
		i++;
	}
	if (i + 2 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
	    hex_digit(s[i + 2]) >= 0) {
		if (start != i) { /* libconfig has no signed hex: a syntax error it reports */
			*pos = i;
			return 0;
		}
		hex = true;
		for (i += 2; i < len && hex_digit(s[i]) >= 0; i++) {
			if (v > (ULLONG_MAX >> 4))
				overflow = true;
			else
				v = (v << 4) | (unsigned)hex_digit(s[i]);
		}
	} else {
		if (i >= len || s[i] < '0' || s[i] > '9') {
			*pos = i > start ? i : start + 1;
			return 0;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			unsigned dgt = (unsigned)(s[i] - '0');
			if (v > (ULLONG_MAX - dgt) / 10)
				overflow = true;
			else
				v = v * 10 + dgt;
		}
		if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
			/* a float: skip it, the type checks deal with floats */
			for (i++;
			     i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
			                 s[i] == 'e' || s[i] == 'E' || s[i] == '-' || s[i] == '+');
			     i++)
				;
			*pos = i;
			return 0;
		}
	}
	bool is64 = i < len && s[i] == 'L';
	if (is64) {
		i++;
		if (i < len && s[i] == 'L')
			i++;
	}
	*pos = i;

	unsigned long long max =
	    is64 ? (unsigned long long)INT64_MAX : (unsigned long long)INT32_MAX;
	if (neg && !hex)
		max += 1; /* INT_MIN / INT64_MIN */
	if (overflow || v > max) {
		char lit[40];
		size_t n = i - start < sizeof(lit) - 4 ? i - start : sizeof(lit) - 4;
		memcpy(lit, s + start, n);
		strcpy(lit + n, i - start > n ? "..." : "");
		return fail(e, line, "integer %s out of range (%s)", lit,
		            is64 ? "64-bit" : "32-bit; append 'L' for a 64-bit value");
	}
	return 1;
}

int conftext_check(const char *s, size_t len, const char *what, struct conftext_error *ret_err)
{
	static const char directive[] = "@include";
	struct conftext_error dummy;
	struct conftext_error *e = ret_err ? ret_err : &dummy;
	const char *nul;
	int line = 1;

	if (!s && len > 0)
		return fail(e, 0, "invalid arguments");
	if (!s)
		return 0;
	nul = memchr(s, '\0', len);
	if (nul) {
		for (const char *p = s; p < nul; p++)
			line += *p == '\n';
		return fail(e, line, "NUL byte at offset %zu", (size_t)(nul - s));
	}

	/* "@include" anywhere, in any case, even in a string or comment: never ambiguous. Found
	 * with memchr(): a 16 MiB policy is looked at byte by byte once, below, not twice. */
	for (const char *at = s; (at = memchr(at, '@', len - (size_t)(at - s))); at++)
		if ((size_t)(at - s) + sizeof(directive) - 1 <= len &&
		    !strncasecmp(at, directive, sizeof(directive) - 1)) {
			line = 1;
			for (const char *p = s; p < at; p++)
				line += *p == '\n';
			return fail(e, line, "\"@include\" is not allowed in %s", what);
		}

	line = 1;
	for (size_t i = 0; i < len;) {
		char ch = s[i];
		if (ch == '\n') {
			line++;
			i++;
		} else if (ch == '#' || (ch == '/' && i + 1 < len && s[i + 1] == '/')) {
			while (i < len && s[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
			for (i += 2; i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/');
			     i++)
				line += s[i] == '\n';
			i += 2;
		} else if (ch == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				line += s[i] == '\n';
			}
			i++;
		} else if (ch == '@') {
			return fail(e, line, "unexpected '@' (directives are not allowed)");
		} else if (is_name_start(ch)) {
			while (i < len && is_name_char(s[i]))
				i++;
		} else if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+') {
			int r = scan_number(e, s, len, &i, line);
			if (r < 0)
				return r;
		} else if (ch == '.' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
			for (i++; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == 'e' ||
			                      s[i] == 'E' || s[i] == '-' || s[i] == '+');
			     i++)
				;
		} else
			i++;
	}
	return 0;
}
