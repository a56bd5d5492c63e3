/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The raw-text guard for libconfig input (the policy and portcullisd.conf), run on the bytes
 * before libconfig sees them, because libconfig 1.5 would otherwise:
 *   - stop at a NUL byte and ignore the rest of the file;
 *   - follow "@include" to another file (refused anywhere, in any case, even inside a string or
 *     a comment: never ambiguous), or any other '@' directive;
 *   - silently wrap an out-of-range integer literal (0x1FFFFFFFF reads as -1, 4294967297 as 1):
 *     every integer literal must fit 32 bits, or 64 bits with an 'L' suffix.
 * Pure: no I/O. The size cap is the caller's (each file has its own).
 */
#pragma once

#include <stddef.h>

struct conftext_error {
	int line;         /* 1-based */
	char reason[256]; /* e.g. "\"@include\" is not allowed in a policy" */
};

/*
 * Checks len bytes of buf (need not be NUL-terminated). what names the file in messages
 * ("a policy", "portcullisd.conf"). Returns 0, or -EBADMSG with the line and reason in *ret_err.
 */
int conftext_check(const char *buf, size_t len, const char *what, struct conftext_error *ret_err);
