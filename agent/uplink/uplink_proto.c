/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/uplink/uplink_proto.h"

#include <errno.h>
#include <string.h>

#include "policy/base/endian.h"

static void put_hdr(uint8_t *buf, enum uplink_msg_type type, uint32_t body_len)
{
	put_le16(buf, (uint16_t)type);
	put_le16(buf + 2, 0);
	put_le32(buf + 4, body_len);
}

int uplink_msg_encode_record(uint8_t *buf, size_t size, uint64_t seq, const void *payload,
                             size_t len)
{
	if (len == 0 || len > SPOOL_RECORD_MAX)
		return -EMSGSIZE;
	if (size < UPLINK_MSG_HDR + 8 + len)
		return -ENOBUFS;
	put_hdr(buf, UPLINK_MSG_RECORD, (uint32_t)(8 + len));
	put_le64(buf + UPLINK_MSG_HDR, seq);
	memcpy(buf + UPLINK_MSG_HDR + 8, payload, len);
	return (int)(UPLINK_MSG_HDR + 8 + len);
}

int uplink_msg_encode_ack(uint8_t *buf, size_t size, uint64_t seq)
{
	if (size < UPLINK_MSG_HDR + 8)
		return -ENOBUFS;
	put_hdr(buf, UPLINK_MSG_ACK, 8);
	put_le64(buf + UPLINK_MSG_HDR, seq);
	return UPLINK_MSG_HDR + 8;
}

int uplink_msg_encode_status(uint8_t *buf, size_t size, bool connected, const char *text)
{
	size_t n = text ? strnlen(text, UPLINK_STATUS_TEXT_MAX) : 0;

	if (size < UPLINK_MSG_HDR + 4 + n)
		return -ENOBUFS;
	put_hdr(buf, UPLINK_MSG_STATUS, (uint32_t)(4 + n));
	buf[UPLINK_MSG_HDR] = connected ? 1 : 0;
	buf[UPLINK_MSG_HDR + 1] = 0;
	put_le16(buf + UPLINK_MSG_HDR + 2, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		buf[UPLINK_MSG_HDR + 4 + i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	return (int)(UPLINK_MSG_HDR + 4 + n);
}

int uplink_msg_decode(const uint8_t *buf, size_t len, struct uplink_msg *ret)
{
	if (len < UPLINK_MSG_HDR || len > UPLINK_MSG_MAX)
		return -EBADMSG;
	uint16_t type = get_le16(buf);
	uint32_t body_len = get_le32(buf + 4);
	const uint8_t *body = buf + UPLINK_MSG_HDR;

	if (get_le16(buf + 2) != 0)
		return -EBADMSG; /* flags are reserved */
	if (body_len != len - UPLINK_MSG_HDR)
		return -EBADMSG; /* truncated or trailing bytes */

	struct uplink_msg m = { .type = (enum uplink_msg_type)type };
	switch (type) {
	case UPLINK_MSG_RECORD:
		if (body_len <= 8 || body_len - 8 > SPOOL_RECORD_MAX)
			return -EBADMSG;
		m.seq = get_le64(body);
		m.payload = body + 8;
		m.len = body_len - 8;
		break;
	case UPLINK_MSG_ACK:
		if (body_len != 8)
			return -EBADMSG;
		m.seq = get_le64(body);
		break;
	case UPLINK_MSG_STATUS: {
		if (body_len < 4)
			return -EBADMSG;
		if (body[0] > 1 || body[1] != 0)
			return -EBADMSG;
		uint16_t n = get_le16(body + 2);
		if (n > UPLINK_STATUS_TEXT_MAX || body_len != 4u + n)
			return -EBADMSG;
		for (size_t i = 0; i < n; i++) {
			if (body[4 + i] < 0x20 || body[4 + i] >= 0x7f)
				return -EBADMSG;
			m.text[i] = (char)body[4 + i];
		}
		m.text[n] = '\0';
		m.connected = body[0] == 1;
		break;
	}
	default:
		return -EBADMSG;
	}
	*ret = m;
	return 0;
}
