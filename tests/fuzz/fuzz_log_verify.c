/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a whole incident.log file → the chain verifier, split at an arbitrary point
 * into two "files" (as rotation does), with an expected head taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/log_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chain_verifier v;
	const char *buf = (const char *)data;

	if (size < 2 || size > 4u * LOG_RECORD_MAX_LINE)
		return 0;
	/* byte 0: bit 0 = expect a head (its seq from byte 1), bits 1..7 = split point */
	uint8_t ctl = data[0];
	buf += 2;
	size -= 2;
	chain_verifier_init(&v);
	if (ctl & 1) {
		char head[LOG_HASH_HEX_LEN + 1];
		log_record_hash(buf, size, head);
		if (chain_verifier_expect(&v, head, data[1]) < 0)
			abort();
	}
	size_t split = size * (ctl >> 1) / 127;
	/* split only at a line boundary, as rotation does */
	const char *nl = split ? memchr(buf + split - 1, '\n', size - split + 1) : NULL;
	size_t first = nl ? (size_t)(nl - buf) + 1 : 0;
	int r = chain_verifier_feed_buffer(&v, "incident.log.1", buf, first);
	if (r >= 0)
		r = chain_verifier_feed_buffer(&v, "incident.log", buf + first, size - first);
	if (r >= 0)
		r = chain_verifier_finish(&v);
	if (r < 0 && (!v.failed || v.error[0] == '\0' || !memchr(v.error, '\0', sizeof(v.error))))
		abort(); /* every break must be explained */
	if (r == 0 && v.records > 0 && v.last_seq - v.first_seq + 1 < v.records)
		abort(); /* accepted chains never repeat a seq */
	if (r == 0 && v.n_gaps != 0)
		abort(); /* every gap of an accepted chain is explained by events_lost */
	return 0;
}
