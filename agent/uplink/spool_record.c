/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/uplink/spool_record.h"

#include <errno.h>
#include <string.h>

#include "policy/base/endian.h"

static uint32_t crc32c_table[256];
static int crc32c_ready;

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc32c_table[i] = c;
	}
	/* Release pairs with the acquire in crc32c(): a reader that sees the flag sees the table.
	 */
	__atomic_store_n(&crc32c_ready, 1, __ATOMIC_RELEASE);
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* The table is a pure function of constants; building it twice from two threads is
	 * harmless. */
	if (!__atomic_load_n(&crc32c_ready, __ATOMIC_ACQUIRE))
		crc32c_init();
	crc = ~crc;
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t frame_crc(const uint8_t *hdr, const void *payload, size_t len)
{
	/* len and seq (bytes 4..15), then the payload */
	return crc32c(crc32c(0, hdr + 4, 12), payload, len);
}

int spool_record_encode(uint64_t seq, const void *payload, size_t len, uint8_t *buf, size_t bufsize)
{
	if (len == 0 || len > SPOOL_RECORD_MAX)
		return -EMSGSIZE;
	if (bufsize < SPOOL_RECORD_HDR + len)
		return -ENOBUFS;
	put_le32(buf, SPOOL_RECORD_MAGIC);
	put_le32(buf + 4, (uint32_t)len);
	put_le64(buf + 8, seq);
	put_le32(buf + 16, frame_crc(buf, payload, len));
	memmove(buf + SPOOL_RECORD_HDR, payload, len);
	return (int)(SPOOL_RECORD_HDR + len);
}

int spool_record_decode(const uint8_t *buf, size_t len, struct spool_record *ret)
{
	if (len < 4)
		return -ENODATA;
	if (get_le32(buf) != SPOOL_RECORD_MAGIC)
		return -EBADMSG;
	if (len < SPOOL_RECORD_HDR)
		return -ENODATA;
	uint32_t plen = get_le32(buf + 4);
	if (plen == 0 || plen > SPOOL_RECORD_MAX)
		return -EMSGSIZE;
	if (len - SPOOL_RECORD_HDR < plen)
		return -ENODATA;
	if (frame_crc(buf, buf + SPOOL_RECORD_HDR, plen) != get_le32(buf + 16))
		return -EILSEQ;
	ret->seq = get_le64(buf + 8);
	ret->payload = buf + SPOOL_RECORD_HDR;
	ret->len = plen;
	return (int)(SPOOL_RECORD_HDR + plen);
}

size_t spool_record_resync(const uint8_t *buf, size_t len, size_t from)
{
	for (size_t off = from + 1; off + SPOOL_RECORD_HDR <= len; off++) {
		struct spool_record rec;
		if (buf[off] != 0x50) /* 'P', first byte of the magic */
			continue;
		if (spool_record_decode(buf + off, len - off, &rec) > 0)
			return off;
	}
	return len;
}
