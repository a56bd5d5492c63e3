/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 5424 syslog message for one incident record (pure):
 *
 *   <PRI>1 TIMESTAMP HOST portcullisd PROCID MSGID [portcullis@PEN seq="N"] JSON
 *
 * optionally prefixed with its length and a space (RFC 6587 octet counting, used over TCP/TLS).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYSLOG_APP_NAME "portcullisd"
#define SYSLOG_SD_NAME  "portcullis"
/* The structured-data ID is portcullis@<private enterprise number>. 32473 is the example number
 * RFC 5612 reserves for documentation: the default until an organization sets its own
 * (uplink.enterprise_number). */
#define SYSLOG_PEN_EXAMPLE 32473u
#define SYSLOG_MSGID       "EVENT"
#define SYSLOG_FACILITY    10u /* authpriv */
/* facility authpriv (10), severity notice (5) */
#define SYSLOG_PRI_DEFAULT (SYSLOG_FACILITY * 8 + 5)

struct syslog_frame {
	unsigned pri;      /* 0..191 */
	int64_t time_usec; /* UTC, microseconds since the epoch (the caller passes "now") */
	const char *host;  /* may be NULL or empty: "-" */
	int64_t procid;    /* <= 0: "-" */
	const char *msgid; /* NULL: SYSLOG_MSGID */
	uint32_t enterprise_number; /* 0: SYSLOG_PEN_EXAMPLE */
	uint64_t seq;
	const char *msg; /* the JSON record, a trailing newline is dropped */
	size_t msg_len;
};

/*
 * Escapes an SD-PARAM value (RFC 5424 §6.3.3: '"', '\' and ']' get a backslash). Returns the length
 * written (NUL-terminated), or -ENOBUFS if it does not fit.
 */
int syslog_sd_escape(char *dst, size_t size, const char *src, size_t len);

/*
 * Writes the message into buf (not NUL-terminated). HOST and MSGID characters outside '!'..'~'
 * become '_' and they are cut at 255 / 32 bytes. Returns the length, -EINVAL for pri > 191 or a
 * time before 0000 / after 9999, -ENOBUFS when it does not fit.
 */
int syslog_frame_encode(char *buf, size_t size, const struct syslog_frame *f, bool octet_count);
