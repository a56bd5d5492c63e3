/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spool_record: round trip and every corruption case. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/uplink/spool_record.h"

static uint8_t buf[SPOOL_RECORD_HDR + SPOOL_RECORD_MAX + 64];

START_TEST(test_crc32c_vector)
{
	/* the standard check value of CRC-32C */
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
}
END_TEST

START_TEST(test_round_trip)
{
	static const size_t sizes[] = { 1, 2, 100, 4096, SPOOL_RECORD_MAX };
	uint8_t *payload = malloc(SPOOL_RECORD_MAX);
	for (size_t i = 0; i < SPOOL_RECORD_MAX; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int n = spool_record_encode(0x0102030405060708ull + k, payload, sizes[k], buf,
		                            sizeof(buf));
		ck_assert_int_eq(n, (int)(SPOOL_RECORD_HDR + sizes[k]));
		struct spool_record rec;
		ck_assert_int_eq(spool_record_decode(buf, (size_t)n, &rec), n);
		ck_assert_uint_eq(rec.seq, 0x0102030405060708ull + k);
		ck_assert_uint_eq(rec.len, sizes[k]);
		ck_assert_int_eq(memcmp(rec.payload, payload, sizes[k]), 0);
	}
	free(payload);
}
END_TEST

START_TEST(test_exact_bytes)
{
	int n = spool_record_encode(1, "ab", 2, buf, sizeof(buf));
	ck_assert_int_eq(n, 22);
	/* magic "PCSR", len 2, seq 1, little-endian */
	static const uint8_t head[16] = { 'P', 'C', 'S', 'R', 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(memcmp(buf, head, 16), 0);
	ck_assert_int_eq(memcmp(buf + 20, "ab", 2), 0);
}
END_TEST

START_TEST(test_encode_limits)
{
	ck_assert_int_eq(spool_record_encode(1, "", 0, buf, sizeof(buf)), -EMSGSIZE);
	ck_assert_int_eq(spool_record_encode(1, buf, SPOOL_RECORD_MAX + 1, buf, sizeof(buf)),
	                 -EMSGSIZE);
	uint8_t small[SPOOL_RECORD_HDR + 3];
	ck_assert_int_eq(spool_record_encode(1, "abcd", 4, small, sizeof(small)), -ENOBUFS);
}
END_TEST

/* Every truncation of a valid frame is "need more data", never success or a crash. */
START_TEST(test_truncated)
{
	int n = spool_record_encode(42, "hello world", 11, buf, sizeof(buf));
	for (int len = 0; len < n; len++) {
		uint8_t *copy = malloc((size_t)len + 1);
		memcpy(copy, buf, (size_t)len);
		struct spool_record rec;
		ck_assert_int_eq(spool_record_decode(copy, (size_t)len, &rec), -ENODATA);
		free(copy);
	}
}
END_TEST

/* Flipping any single bit of a frame is detected. */
START_TEST(test_bit_flips)
{
	int n = spool_record_encode(42, "hello world", 11, buf, sizeof(buf));
	for (int byte = 0; byte < n; byte++)
		for (int bit = 0; bit < 8; bit++) {
			uint8_t copy[64];
			memcpy(copy, buf, (size_t)n);
			copy[byte] ^= (uint8_t)(1u << bit);
			struct spool_record rec;
			int r = spool_record_decode(copy, (size_t)n, &rec);
			ck_assert_msg(r < 0, "flip of byte %d bit %d accepted", byte, bit);
		}
}
END_TEST

START_TEST(test_named_errors)
{
	struct spool_record rec;
	int n = spool_record_encode(5, "xyz", 3, buf, sizeof(buf));
	uint8_t c[64];

	/* bad magic */
	memcpy(c, buf, (size_t)n);
	c[0] = 'X';
	ck_assert_int_eq(spool_record_decode(c, (size_t)n, &rec), -EBADMSG);
	/* length 0 */
	memcpy(c, buf, (size_t)n);
	memset(c + 4, 0, 4);
	ck_assert_int_eq(spool_record_decode(c, (size_t)n, &rec), -EMSGSIZE);
	/* length above the cap (would read far past the buffer if trusted) */
	memcpy(c, buf, (size_t)n);
	c[4] = 0xff, c[5] = 0xff, c[6] = 0xff, c[7] = 0x7f;
	ck_assert_int_eq(spool_record_decode(c, (size_t)n, &rec), -EMSGSIZE);
	/* payload changed: checksum */
	memcpy(c, buf, (size_t)n);
	c[20] = 'X';
	ck_assert_int_eq(spool_record_decode(c, (size_t)n, &rec), -EILSEQ);
	/* seq changed: checksum */
	memcpy(c, buf, (size_t)n);
	c[8] = 6;
	ck_assert_int_eq(spool_record_decode(c, (size_t)n, &rec), -EILSEQ);
}
END_TEST

/* Recovery skips garbage and a torn frame to the next valid frame. */
START_TEST(test_resync)
{
	uint8_t area[256];
	size_t o = 0;
	memcpy(area, "garbagePCSRjunk", 15);
	o = 15;
	int n1 = spool_record_encode(1, "first", 5, area + o, sizeof(area) - o);
	size_t first = o;
	o += (size_t)n1;
	/* a torn copy of a frame: header only */
	int n2 = spool_record_encode(2, "torn!", 5, area + o, sizeof(area) - o);
	size_t torn = o;
	o += (size_t)n2 - 3;
	int n3 = spool_record_encode(3, "third", 5, area + o, sizeof(area) - o);
	size_t third = o;
	o += (size_t)n3;

	struct spool_record rec;
	ck_assert_int_eq(spool_record_decode(area, o, &rec), -EBADMSG);
	ck_assert_uint_eq(spool_record_resync(area, o, 0), first);
	ck_assert_int_eq(spool_record_decode(area + torn, o - torn, &rec), -EILSEQ);
	ck_assert_uint_eq(spool_record_resync(area, o, torn), third);
	ck_assert_int_eq(spool_record_decode(area + third, o - third, &rec), n3);
	ck_assert_uint_eq(rec.seq, 3);
	ck_assert_uint_eq(spool_record_resync(area, o, third), o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_record");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_crc32c_vector);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_exact_bytes);
	tcase_add_test(tc, test_encode_limits);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bit_flips);
	tcase_add_test(tc, test_named_errors);
	tcase_add_test(tc, test_resync);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
