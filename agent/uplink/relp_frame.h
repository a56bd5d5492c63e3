/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RELP frames (pure; RFC-like spec at https://www.rsyslog.com/doc/relp.html):
 *
 *     TXNR SP COMMAND SP DATALEN [SP DATA] LF
 *
 * The child encodes "open", "syslog" and "close" commands and parses the collector's "rsp" and
 * "serverclose" frames, which are untrusted network input: every length is bounded.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RELP_TXNR_MAX 999999999u
#define RELP_CMD_MAX  32u
#define RELP_DATA_MAX (128u * 1024u) /* responses are short; cap what we accept */

struct relp_frame {
	uint32_t txnr;
	char cmd[RELP_CMD_MAX + 1];
	const uint8_t *data; /* borrowed from the parsed buffer */
	size_t len;
};

/* Returns the frame length, -EINVAL for a bad txnr/command, -ENOBUFS when it does not fit. */
int relp_frame_encode(char *buf, size_t size, uint32_t txnr, const char *cmd, const void *data,
                      size_t len);

/*
 * Parses the frame at the start of buf. Returns its length (> 0) and fills *ret, 0 when buf holds
 * only the beginning of a frame, or -EBADMSG when the bytes cannot be a valid frame.
 */
int relp_frame_parse(const uint8_t *buf, size_t len, struct relp_frame *ret);

/* The status code of a "rsp" frame (the leading 3 digits, e.g. 200), or -EBADMSG. */
int relp_rsp_code(const struct relp_frame *f);
