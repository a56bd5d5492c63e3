/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary bytes as what MON_IOCX_GETX hands the agent: records of [u16 length][header + data].
 * Each is read by usbmon_parse_record(); bulk OUT submissions go on into the MTP stream, as the
 * agent does. Invariants (abort on violation): the data a record points to lies inside the
 * input, is no longer than len_cap, and bulk byte counts are what the header says.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/transfer/mtp_stream.h"
#include "agent/transfer/usbmon_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mtp_stream *s = malloc(sizeof(*s));
	size_t off = 0;

	if (!s || size > 1 << 20) {
		free(s);
		return 0;
	}
	mtp_stream_init(s);
	while (off + 2 <= size) {
		size_t len = (size_t)(data[off] | data[off + 1] << 8);
		struct usbmon_record r;
		off += 2;
		if (len > size - off)
			len = size - off;
		if (usbmon_parse_record(data + off, len, &r) == 0) {
			bool in;
			uint32_t bytes;
			if (r.data != data + off + USBMON_HDR_LEN || r.data_len > r.len_cap ||
			    r.data_len > len - USBMON_HDR_LEN)
				abort();
			if (usbmon_bulk_bytes(&r, &in, &bytes) && bytes != r.len_urb)
				abort();
			if (r.type == 'S' && r.xfer_type == USBMON_XFER_BULK && !(r.epnum & 0x80))
				(void)mtp_stream_feed(s, r.data, r.data_len, r.len_urb, NULL, NULL);
		}
		off += len;
	}
	free(s);
	return 0;
}
