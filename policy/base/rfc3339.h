/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one RFC 3339 formatter and parser (UTC only, "Z"), for event and record times, policy
 * validity, status files and the CLI. Pure: no clock, no time zone, no libc time functions.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" and its NUL. */
#define RFC3339_MAX 32

/*
 * Unix microseconds as "2026-11-18T11:06:40.123456Z" (with_usec) or "2026-11-18T11:06:40Z"
 * (truncated to the second, floor). Returns 0, or -ERANGE for a year outside 0000..9999 (buf is
 * then "@<seconds>", still printable).
 */
int rfc3339_format_usec(int64_t usec, bool with_usec, char buf[static RFC3339_MAX]);
/* The same for Unix seconds (any int64_t: no overflow), without a fraction. */
int rfc3339_format_sec(int64_t sec, char buf[static RFC3339_MAX]);

enum {
	RFC3339_DATE_OK = 1 << 0,      /* a bare "YYYY-MM-DD" is midnight UTC */
	RFC3339_SPACE_OK = 1 << 1,     /* ' ' instead of 'T' (what people type) */
	RFC3339_ANY_FRACTION = 1 << 2, /* more than 6 fraction digits (beyond µs: see finer) */
};

struct rfc3339_time {
	int64_t sec;   /* Unix seconds (floor) */
	uint32_t usec; /* 0..999999 */
	bool finer;    /* non-zero fraction digits beyond microseconds were dropped */
};

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" exactly (and the forms flags allow): real calendar
 * dates only (leap years), hour 0..23, minute 0..59, second 0..59, at least one fraction digit
 * after '.', at most 6 unless RFC3339_ANY_FRACTION, nothing after "Z". Returns 0 and *ret, or
 * -EINVAL (*ret untouched).
 */
int rfc3339_parse(const char *s, unsigned flags, struct rfc3339_time *ret);

/* rfc3339_parse() into Unix microseconds. */
int rfc3339_parse_usec(const char *s, unsigned flags, int64_t *ret_usec);
