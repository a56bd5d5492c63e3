/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages between the agent (parent) and portcullis-uplink (child), one message per
 * SOCK_SEQPACKET datagram (pure encode/decode). Little-endian:
 *
 *     type u16 | flags u16 (0) | body_len u32 | body[body_len]
 *
 *   RECORD  parent -> child  body: seq u64 | payload[1..SPOOL_RECORD_MAX]
 *   ACK     child -> parent  body: seq u64 (every record <= seq is delivered)
 *   STATUS  child -> parent  body: connected u8 | reserved u8 (0) | text_len u16 | text
 *                            (text: 0..UPLINK_STATUS_TEXT_MAX printable ASCII bytes)
 *
 * Anything else (unknown type, flags, a length that does not match, non-printable text) is
 * malformed. The parent treats a malformed message from the child as compromise.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/uplink/spool_record.h"

enum uplink_msg_type {
	UPLINK_MSG_RECORD = 1,
	UPLINK_MSG_ACK = 2,
	UPLINK_MSG_STATUS = 3,
};

#define UPLINK_MSG_HDR         8u
#define UPLINK_STATUS_TEXT_MAX 255u
#define UPLINK_MSG_MAX         (UPLINK_MSG_HDR + 8u + SPOOL_RECORD_MAX)

struct uplink_msg {
	enum uplink_msg_type type;
	uint64_t seq;                          /* RECORD, ACK */
	const uint8_t *payload;                /* RECORD: borrowed from the decoded buffer */
	uint32_t len;                          /* RECORD */
	bool connected;                        /* STATUS */
	char text[UPLINK_STATUS_TEXT_MAX + 1]; /* STATUS, NUL-terminated */
};

/* Each returns the message size, or -EMSGSIZE (bad payload length) / -ENOBUFS (buf too small). */
int uplink_msg_encode_record(uint8_t *buf, size_t size, uint64_t seq, const void *payload,
                             size_t len);
int uplink_msg_encode_ack(uint8_t *buf, size_t size, uint64_t seq);
/* text is cut to UPLINK_STATUS_TEXT_MAX bytes; bytes outside 0x20..0x7e become '?'. */
int uplink_msg_encode_status(uint8_t *buf, size_t size, bool connected, const char *text);

/*
 * Decodes exactly one message of len bytes. Returns 0 and fills *ret, or -EBADMSG when the message
 * is malformed (truncated, trailing bytes, unknown type, non-zero flags/reserved, bad lengths,
 * non-printable status text).
 */
int uplink_msg_decode(const uint8_t *buf, size_t len, struct uplink_msg *ret);
