/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spool record framing (pure): one record on disk is
 *
 *     magic u32 "PCSR" | len u32 | seq u64 | crc32c u32 | payload[len]      (little-endian)
 *
 * The CRC-32C covers len, seq and the payload, so a torn write, a flipped bit or a record
 * boundary that was lost is detected. Decoding never reads past the given buffer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SPOOL_RECORD_MAGIC 0x52534350u /* "PCSR" little-endian */
#define SPOOL_RECORD_HDR   20u
#define SPOOL_RECORD_MAX   (64u * 1024u) /* payload bytes */

struct spool_record {
	uint64_t seq;
	const uint8_t *payload; /* borrowed from the decoded buffer */
	uint32_t len;
};

/* CRC-32C (Castagnoli), continuing from crc (start with 0). */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/*
 * Writes the frame for (seq, payload, len) into buf. Returns the frame size, -EMSGSIZE when len is
 * 0 or above SPOOL_RECORD_MAX, -ENOBUFS when bufsize is too small.
 */
int spool_record_encode(uint64_t seq, const void *payload, size_t len, uint8_t *buf,
                        size_t bufsize);

/*
 * Decodes the frame at the start of buf. Returns the frame size (> 0) and fills *ret, or
 *   -ENODATA   buf ends inside the frame (torn tail or a short read),
 *   -EBADMSG   wrong magic,
 *   -EMSGSIZE  length 0 or above SPOOL_RECORD_MAX,
 *   -EILSEQ    checksum mismatch.
 */
int spool_record_decode(const uint8_t *buf, size_t len, struct spool_record *ret);

/*
 * Recovery: the offset of the first position after "from" where a whole valid frame starts, or
 * len if there is none.
 */
size_t spool_record_resync(const uint8_t *buf, size_t len, size_t from);
