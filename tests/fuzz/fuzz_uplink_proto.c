/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages between the agent and portcullis-uplink: the first byte picks the decoder (0: the
 * parent/child message decoder, 1: the RELP response parser the child runs on network bytes).
 * Every accepted message must re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/uplink/relp_frame.h"
#include "agent/uplink/uplink_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void proto(const uint8_t *data, size_t size)
{
	static uint8_t out[UPLINK_MSG_MAX];
	struct uplink_msg m;
	int n = -1;

	if (uplink_msg_decode(data, size, &m) < 0)
		return;
	switch (m.type) {
	case UPLINK_MSG_RECORD:
		n = uplink_msg_encode_record(out, sizeof(out), m.seq, m.payload, m.len);
		break;
	case UPLINK_MSG_ACK:
		n = uplink_msg_encode_ack(out, sizeof(out), m.seq);
		break;
	case UPLINK_MSG_STATUS:
		if (strlen(m.text) > UPLINK_STATUS_TEXT_MAX)
			abort();
		n = uplink_msg_encode_status(out, sizeof(out), m.connected, m.text);
		break;
	}
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
}

static void relp(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		struct relp_frame f;
		int r = relp_frame_parse(data + off, size - off, &f);
		if (r <= 0)
			return;
		if ((size_t)r > size - off || f.len > RELP_DATA_MAX ||
		    (f.len && (f.data < data + off || f.data + f.len > data + off + (size_t)r)))
			abort();
		(void)relp_rsp_code(&f);
		off += (size_t)r;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > UPLINK_MSG_MAX + 64)
		return 0;
	if (data[0] & 1)
		relp(data + 1, size - 1);
	else
		proto(data + 1, size - 1);
	return 0;
}
