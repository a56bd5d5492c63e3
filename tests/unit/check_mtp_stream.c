/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MTP/PTP containers in the host-to-device stream, and usbmon's binary records. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transfer/mtp_stream.h"
#include "agent/transfer/usbmon_record.h"

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
	return 4;
}

static size_t ptp_str(uint8_t *p, const char *ascii)
{
	size_t n = strlen(ascii) + 1;
	p[0] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		put16(p + 1 + 2 * i, (uint8_t)ascii[i]);
	return 1 + 2 * n;
}

static size_t container(uint8_t *p, uint16_t type, uint16_t code, const uint8_t *payload,
                        size_t len)
{
	put32(p, (uint32_t)(12 + len));
	put16(p + 4, type);
	put16(p + 6, code);
	put32(p + 8, 7);
	memcpy(p + 12, payload, len);
	return 12 + len;
}

static size_t object_info(uint8_t *ds, const char *name, uint32_t size)
{
	memset(ds, 0, 52);
	put32(ds, 0x10001);
	put16(ds + 4, 0x3000);
	put32(ds + 8, size);
	size_t n = 52 + ptp_str(ds + 52, name);
	ds[n++] = 0; /* DateCreated, DateModified, Keywords: empty strings */
	ds[n++] = 0;
	ds[n++] = 0;
	return n;
}

struct found {
	size_t n;
	struct mtp_object v[8];
};

static void on_found(void *userdata, const struct mtp_object *o)
{
	struct found *f = userdata;
	if (f->n < 8)
		f->v[f->n++] = *o;
}

START_TEST(test_object_info)
{
	uint8_t ds[600];
	struct mtp_object o;
	size_t n = object_info(ds, "report.pdf", 4194304);

	ck_assert_int_eq(mtp_parse_object_info(ds, n, &o), 0);
	ck_assert_str_eq(o.name, "report.pdf");
	ck_assert_uint_eq(o.size, 4194304);
	put32(ds + 8, 0xffffffffu);
	ck_assert_int_eq(mtp_parse_object_info(ds, n, &o), 0);
	ck_assert_uint_eq(o.size, UINT64_MAX); /* >= 4 GiB */
	ck_assert_int_eq(mtp_parse_object_info(ds, 52, &o), -EBADMSG);
	ck_assert_int_eq(mtp_parse_object_info(ds, 52 + 5, &o), -EBADMSG); /* string cut */
	/* UTF-16 with a surrogate pair and a lone surrogate */
	ds[52] = 4;
	put16(ds + 53, 0xd83d);
	put16(ds + 55, 0xde00);
	put16(ds + 57, 0xdc00);
	put16(ds + 59, 0);
	ck_assert_int_eq(mtp_parse_object_info(ds, 61, &o), 0);
	ck_assert_str_eq(o.name, "\xf0\x9f\x98\x80\xef\xbf\xbd");
}
END_TEST

START_TEST(test_stream_send_object_info)
{
	uint8_t cmd[64], dsb[600], data[700], params[8] = { 0 };
	struct mtp_stream s;
	struct found f = { 0 };
	size_t nc = container(cmd, MTP_CONTAINER_COMMAND, MTP_OP_SEND_OBJECT_INFO, params, 8);
	size_t nd = container(data, MTP_CONTAINER_DATA, MTP_OP_SEND_OBJECT_INFO, dsb,
	                      object_info(dsb, "out/a.bin", 12345));

	mtp_stream_init(&s);
	ck_assert_uint_eq(mtp_stream_feed(&s, cmd, nc, nc, on_found, &f), 0);
	/* the data container split in three transfers, the header itself split */
	ck_assert_uint_eq(mtp_stream_feed(&s, data, 5, 5, on_found, &f), 0);
	ck_assert_uint_eq(mtp_stream_feed(&s, data + 5, 40, 40, on_found, &f), 0);
	ck_assert_uint_eq(mtp_stream_feed(&s, data + 45, nd - 45, nd - 45, on_found, &f), 1);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.v[0].name, "out/a.bin");
	ck_assert_uint_eq(f.v[0].size, 12345);

	/* SendObject: 1 MiB of data, only the first 100 bytes captured; then the next object */
	uint8_t hdr[112] = { 0 };
	put32(hdr, 12 + 1048576);
	put16(hdr + 4, MTP_CONTAINER_DATA);
	put16(hdr + 6, MTP_OP_SEND_OBJECT);
	ck_assert_uint_eq(mtp_stream_feed(&s, hdr, 112, 16384, on_found, &f), 0);
	for (uint64_t left = 12 + 1048576 - 16384; left;) {
		uint64_t t = left < 16384 ? left : 16384;
		ck_assert_uint_eq(mtp_stream_feed(&s, hdr, 0, t, on_found, &f), 0);
		left -= t;
	}
	ck_assert_uint_eq(mtp_stream_feed(&s, data, nd, nd, on_found, &f), 1);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(s.desyncs, 0);

	/* garbage resyncs at the next transfer */
	uint8_t junk[16] = { 3, 0, 0, 0, 9, 9 };
	ck_assert_uint_eq(mtp_stream_feed(&s, junk, 16, 16, on_found, &f), 0);
	ck_assert_uint_eq(s.desyncs, 1);
	ck_assert_uint_eq(mtp_stream_feed(&s, data, nd, nd, on_found, &f), 1);
	/* a capture that lost part of a container's header: the next transfer starts afresh */
	ck_assert_uint_eq(mtp_stream_feed(&s, data, 20, 20 + 1000000, on_found, &f), 0);
	ck_assert_uint_eq(s.desyncs, 2);
	ck_assert_uint_eq(mtp_stream_feed(&s, data, nd, nd, on_found, &f), 1);
}
END_TEST

START_TEST(test_stream_prop_list)
{
	uint8_t params[20], cmd[64], pl[300], data[400];
	struct mtp_stream s;
	struct found f = { 0 };
	size_t n = 0;

	put32(params, 0x10001);
	put32(params + 4, 0);
	put32(params + 8, 0x3801);
	put32(params + 12, 1); /* size high */
	put32(params + 16, 5); /* size low: 4 GiB + 5 */
	size_t nc = container(cmd, MTP_CONTAINER_COMMAND, MTP_OP_SEND_OBJECT_PROP_LIST, params, 20);
	n += put32(pl, 2);
	n += put32(pl + n, 0);
	n += put16(pl + n, 0xdc04); /* ObjectSize, u64 */
	n += put16(pl + n, 0x0008);
	memset(pl + n, 0, 8);
	n += 8;
	n += put32(pl + n, 0);
	n += put16(pl + n, MTP_PROP_OBJECT_FILE_NAME);
	n += put16(pl + n, 0xffff);
	n += ptp_str(pl + n, "big.iso");
	size_t nd = container(data, MTP_CONTAINER_DATA, MTP_OP_SEND_OBJECT_PROP_LIST, pl, n);

	mtp_stream_init(&s);
	ck_assert_uint_eq(mtp_stream_feed(&s, cmd, nc, nc, on_found, &f), 0);
	ck_assert_uint_eq(mtp_stream_feed(&s, data, nd, nd, on_found, &f), 1);
	ck_assert_str_eq(f.v[0].name, "big.iso");
	ck_assert_uint_eq(f.v[0].size, (1ull << 32) + 5);

	struct mtp_object o;
	ck_assert_int_eq(mtp_parse_prop_list(pl, n, &o), 0);
	ck_assert_int_eq(mtp_parse_prop_list(pl, n - 3, &o), -EBADMSG);
	put32(pl, 1); /* only the size property: no name */
	ck_assert_int_eq(mtp_parse_prop_list(pl, n, &o), -ENOENT);
	put32(pl, 0xffffffffu); /* a count larger than the data */
	ck_assert_int_eq(mtp_parse_prop_list(pl, n, &o), 0);
	put16(pl + 10, 0x4004); /* an array type: refused */
	ck_assert_int_eq(mtp_parse_prop_list(pl, n, &o), -EBADMSG);
}
END_TEST

static size_t mon_hdr(uint8_t *p, char type, uint8_t xfer, uint8_t ep, uint8_t dev,
                      uint32_t len_urb, uint32_t len_cap)
{
	memset(p, 0, USBMON_HDR_LEN);
	p[8] = (uint8_t)type;
	p[9] = xfer;
	p[10] = ep;
	p[11] = dev;
	put16(p + 12, 2);
	put32(p + 32, len_urb);
	put32(p + 36, len_cap);
	return USBMON_HDR_LEN;
}

START_TEST(test_usbmon_record)
{
	uint8_t buf[128];
	struct usbmon_record r;
	bool in;
	uint32_t bytes;

	mon_hdr(buf, 'C', USBMON_XFER_BULK, 0x81, 5, 512, 32);
	ck_assert_int_eq(usbmon_parse_record(buf, 64 + 32, &r), 0);
	ck_assert_uint_eq(r.devnum, 5);
	ck_assert_uint_eq(r.busnum, 2);
	ck_assert_uint_eq(r.data_len, 32);
	ck_assert(usbmon_bulk_bytes(&r, &in, &bytes));
	ck_assert(in);
	ck_assert_uint_eq(bytes, 512);
	/* data shorter than len_cap: only what is there */
	ck_assert_int_eq(usbmon_parse_record(buf, 64 + 10, &r), 0);
	ck_assert_uint_eq(r.data_len, 10);
	/* submissions and control transfers are not counted */
	mon_hdr(buf, 'S', USBMON_XFER_BULK, 0x01, 5, 512, 0);
	ck_assert_int_eq(usbmon_parse_record(buf, 64, &r), 0);
	ck_assert(!usbmon_bulk_bytes(&r, &in, &bytes));
	mon_hdr(buf, 'C', USBMON_XFER_CONTROL, 0x80, 5, 18, 0);
	ck_assert_int_eq(usbmon_parse_record(buf, 64, &r), 0);
	ck_assert(!usbmon_bulk_bytes(&r, &in, &bytes));
	/* bad ones */
	ck_assert_int_eq(usbmon_parse_record(buf, 63, &r), -EBADMSG);
	mon_hdr(buf, 'X', USBMON_XFER_BULK, 1, 5, 1, 0);
	ck_assert_int_eq(usbmon_parse_record(buf, 64, &r), -EBADMSG);
	mon_hdr(buf, 'S', 4, 1, 5, 1, 0);
	ck_assert_int_eq(usbmon_parse_record(buf, 64, &r), -EBADMSG);
	mon_hdr(buf, 'S', USBMON_XFER_BULK, 1, 5, 4, 8);
	ck_assert_int_eq(usbmon_parse_record(buf, 72, &r), -EBADMSG);
	ck_assert_int_eq(usbmon_parse_record(NULL, 64, &r), -EBADMSG);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mtp_stream");
	TCase *tc = tcase_create("mtp");
	tcase_add_test(tc, test_object_info);
	tcase_add_test(tc, test_stream_send_object_info);
	tcase_add_test(tc, test_stream_prop_list);
	tcase_add_test(tc, test_usbmon_record);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
