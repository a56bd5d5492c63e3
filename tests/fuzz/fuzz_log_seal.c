/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the evidence records. The input is a log (seal, events_lost, repeated and
 * ordinary records) verified with a fixed verification key (K[0] = 32 bytes of 0x42, the key the
 * seed corpus was sealed with), every line decoded on its own, and the input parsed as a seal key
 * file. Checks: every break explained; an accepted log has no open gap and its seals count up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/log_record.h"
#include "agent/events/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chain_verifier v;
	uint8_t key0[SEAL_KEY_LEN], key[SEAL_KEY_LEN];
	uint64_t epoch;
	const char *buf = (const char *)data;

	if (size > 4u * LOG_RECORD_MAX_LINE)
		return 0;
	if (seal_key_file_parse(buf, size, &epoch, key) == 0 && epoch > SEAL_MAX_EPOCH)
		abort();

	/* each line alone: a decoded events_lost/seal record respects its documented bounds */
	for (size_t pos = 0; pos < size;) {
		const char *nl = memchr(buf + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : size - pos;
		struct log_record rec;
		if (log_record_decode(buf + pos, n, &rec, NULL, NULL) == 0) {
			if (rec.lost_count &&
			    (rec.lost_first < 1 || rec.lost_last < rec.lost_first ||
			     rec.lost_last >= rec.seq ||
			     rec.lost_count != rec.lost_last - rec.lost_first + 1))
				abort();
			if (rec.is_seal &&
			    (rec.seal_seq >= rec.seq || rec.seal_epoch > SEAL_MAX_EPOCH))
				abort();
		}
		pos += n + 1;
	}

	memset(key0, 0x42, sizeof(key0));
	chain_verifier_init(&v);
	chain_verifier_set_key(&v, key0);
	int r = chain_verifier_feed_buffer(&v, "incident.log", buf, size);
	if (r >= 0)
		r = chain_verifier_finish(&v);
	if (r < 0 && (!v.failed || v.error[0] == '\0' || !memchr(v.error, '\0', sizeof(v.error))))
		abort();
	if (r == 0 && v.n_gaps != 0)
		abort();
	if (r == 0 && v.have_seal && v.sealed_seq > v.last_seq)
		abort();
	chain_verifier_done(&v);
	return 0;
}
