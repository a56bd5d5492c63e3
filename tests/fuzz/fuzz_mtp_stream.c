/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary bytes as the host-to-device bulk stream of an MTP/PTP device, cut into transfers:
 * each transfer is [u16 captured length][u16 extra uncaptured length][bytes]. Also the two dataset
 * parsers on the whole input. Invariants (abort on violation): every name reported is
 * NUL-terminated within MTP_NAME_MAX and valid UTF-8 as far as lengths go; no more objects than
 * containers could hold.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/transfer/mtp_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct mtp_object *o)
{
	if (!memchr(o->name, '\0', sizeof(o->name)))
		abort();
}

static void found(void *userdata, const struct mtp_object *o)
{
	size_t *n = userdata;
	check(o);
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mtp_stream *s = malloc(sizeof(*s));
	struct mtp_object o;
	size_t n_found = 0, off = 0, n_transfers = 0;

	if (!s || size > 1 << 20) {
		free(s);
		return 0;
	}
	if (mtp_parse_object_info(data, size, &o) == 0)
		check(&o);
	if (mtp_parse_prop_list(data, size, &o) == 0)
		check(&o);
	mtp_stream_init(s);
	while (off + 4 <= size) {
		size_t len = (size_t)(data[off] | data[off + 1] << 8);
		uint64_t extra = (uint64_t)(data[off + 2] | data[off + 3] << 8);
		off += 4;
		if (len > size - off)
			len = size - off;
		size_t got =
		    mtp_stream_feed(s, data + off, len, len + extra * 512, found, &n_found);
		if (got > len / 12 + 2) /* a container is at least 12 bytes */
			abort();
		off += len;
		n_transfers++;
	}
	if (s->hdr_have >= MTP_HEADER_LEN || s->ds_have > sizeof(s->ds))
		abort();
	free(s);
	return 0;
}
