/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spool segment recovery: decode frames from arbitrary bytes the way spool_open() does (decode,
 * on error resync), and check that every accepted frame re-encodes to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/uplink/spool_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[SPOOL_RECORD_HDR + SPOOL_RECORD_MAX];
	size_t off = 0;

	if (size > 4 * (SPOOL_RECORD_HDR + SPOOL_RECORD_MAX))
		return 0;
	while (off < size) {
		struct spool_record rec;
		int r = spool_record_decode(data + off, size - off, &rec);
		if (r < 0) {
			size_t next = spool_record_resync(data, size, off);
			if (next <= off)
				abort(); /* recovery must always make progress */
			off = next;
			continue;
		}
		if ((size_t)r > size - off || rec.len == 0 || rec.len > SPOOL_RECORD_MAX)
			abort();
		int n = spool_record_encode(rec.seq, rec.payload, rec.len, out, sizeof(out));
		if (n != r || memcmp(out, data + off, (size_t)n) != 0)
			abort();
		off += (size_t)r;
	}
	return 0;
}
