/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysfs/usb_ep0.c: the pure parsers of what a device answers on endpoint 0 (string descriptors,
 * MS OS 1.0 string and extended compat ID descriptors), every bad case named; and, under
 * umockdev, that usb_ep0_read_hints() fails cleanly and adds nothing when the device cannot be
 * talked to (umockdev does not replay control transfers: the success path runs in the VM).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/device/classify.h"
#include "agent/sysfs/usb_ep0.h"
#include "agent/sysfs/usb_sysfs.h"
#include "tests/support/testsupport.h"

/* ---- string descriptors ---- */

START_TEST(test_string_ascii)
{
	static const uint8_t d[] = { 8, 3, 'M', 0, 'T', 0, 'P', 0 };
	char out[16];

	ck_assert_int_eq(usb_ep0_parse_string(d, sizeof(d), out, sizeof(out)), 3);
	ck_assert_str_eq(out, "MTP");
}
END_TEST

START_TEST(test_string_utf8_and_surrogates)
{
	/* "ü", U+1F600 as a surrogate pair, an unpaired high surrogate, a NUL */
	static const uint8_t d[] = { 12, 3, 0xfc, 0x00, 0x3d, 0xd8, 0x00, 0xde, 0x3d, 0xd8, 0, 0 };
	char out[32];

	ck_assert_int_eq(usb_ep0_parse_string(d, sizeof(d), out, sizeof(out)), 2 + 4 + 3 + 3);
	ck_assert_str_eq(out, "\xc3\xbc\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(test_string_bad)
{
	static const uint8_t wrong_type[] = { 4, 2, 'A', 0 };
	static const uint8_t blen_past_end[] = { 10, 3, 'A', 0 };
	static const uint8_t blen_too_small[] = { 1, 3 };
	static const uint8_t odd[] = { 5, 3, 'A', 0, 'B' }; /* odd bLength: last byte ignored */
	char out[8];

	ck_assert_int_eq(usb_ep0_parse_string(wrong_type, sizeof(wrong_type), out, sizeof(out)),
	                 -EBADMSG);
	ck_assert_int_eq(
	    usb_ep0_parse_string(blen_past_end, sizeof(blen_past_end), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(
	    usb_ep0_parse_string(blen_too_small, sizeof(blen_too_small), out, sizeof(out)),
	    -EBADMSG);
	ck_assert_int_eq(usb_ep0_parse_string(odd, 1, out, sizeof(out)), -EBADMSG); /* short */
	ck_assert_int_eq(usb_ep0_parse_string(odd, sizeof(odd), out, sizeof(out)), 1);
	ck_assert_str_eq(out, "A");
	ck_assert_int_eq(usb_ep0_parse_string(NULL, 4, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(usb_ep0_parse_string(odd, sizeof(odd), out, 0), -EINVAL);
}
END_TEST

/* Output is cut at a whole character, always NUL-terminated. */
START_TEST(test_string_truncated)
{
	uint8_t d[254];
	char out[6];

	d[0] = sizeof(d);
	d[1] = 3;
	for (size_t i = 2; i < sizeof(d); i += 2) {
		d[i] = 0xfc; /* ü: two bytes of UTF-8 each */
		d[i + 1] = 0;
	}
	ck_assert_int_eq(usb_ep0_parse_string(d, sizeof(d), out, sizeof(out)), 4);
	ck_assert_str_eq(out, "\xc3\xbc\xc3\xbc");
}
END_TEST

/* ---- MS OS 1.0 ---- */

static const uint8_t msos_ok[18] = { 0x12, 0x03, 'M', 0,   'S', 0,   'F', 0,    'T',
	                             0,    '1',  0,   '0', 0,   '0', 0,   0x42, 0 };

START_TEST(test_msos_string)
{
	uint8_t d[18];

	ck_assert_int_eq(usb_ep0_parse_msos_string(msos_ok, sizeof(msos_ok)), 0x42);
	ck_assert_int_eq(usb_ep0_parse_msos_string(msos_ok, 17), -ENOENT); /* short */
	memcpy(d, msos_ok, sizeof(d));
	d[4] = 'X'; /* not the signature */
	ck_assert_int_eq(usb_ep0_parse_msos_string(d, sizeof(d)), -ENOENT);
	memcpy(d, msos_ok, sizeof(d));
	d[1] = 0x02; /* not a string descriptor */
	ck_assert_int_eq(usb_ep0_parse_msos_string(d, sizeof(d)), -ENOENT);
	memcpy(d, msos_ok, sizeof(d));
	d[0] = 10; /* bLength too small for the signature */
	ck_assert_int_eq(usb_ep0_parse_msos_string(d, sizeof(d)), -ENOENT);
	ck_assert_int_eq(usb_ep0_parse_msos_string(NULL, 18), -ENOENT);
}
END_TEST

/* header + n functions; function i: interface i, compat id ids[i] */
static size_t compat_build(uint8_t *b, unsigned n, const char *const *ids)
{
	size_t len = 16 + (size_t)n * 24;

	memset(b, 0, len);
	b[0] = (uint8_t)len;
	b[1] = (uint8_t)(len >> 8);
	b[4] = 0x00;
	b[5] = 0x01;
	b[6] = 0x04;
	b[8] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *f = b + 16 + i * 24;
		f[0] = (uint8_t)i;
		f[1] = 1;
		memcpy(f + 2, ids[i], strnlen(ids[i], 8));
	}
	return len;
}

START_TEST(test_compat_ok)
{
	static const char *const ids[] = { "MTP", "", "WINUSB", "lower" };
	struct usb_ep0_compat c[4];
	uint8_t b[16 + 4 * 24];
	size_t len = compat_build(b, 4, ids);

	/* "" (no ID) and "lower" (not [A-Z0-9_]) are skipped */
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 4), 2);
	ck_assert_uint_eq(c[0].first_interface, 0);
	ck_assert_str_eq(c[0].compat_id, "MTP");
	ck_assert_str_eq(c[0].sub_compat_id, "");
	ck_assert_uint_eq(c[1].first_interface, 2);
	ck_assert_str_eq(c[1].compat_id, "WINUSB");
	/* max bounds the output */
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 1), 1);
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, NULL, 0), 0);
}
END_TEST

START_TEST(test_compat_bad)
{
	static const char *const ids[] = { "MTP", "PTP" };
	struct usb_ep0_compat c[4];
	uint8_t b[16 + 2 * 24 + 24], *big;
	size_t len = compat_build(b, 2, ids);

	/* short header */
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, 15, c, 4), -EBADMSG);
	/* dwLength does not match what was read */
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len - 1, c, 4), -EBADMSG);
	/* bCount claims more functions than the bytes hold */
	b[8] = 3;
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 4), -EBADMSG);
	b[8] = 2;
	/* wrong wIndex / bcdVersion */
	b[6] = 0x05;
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 4), -EBADMSG);
	b[6] = 0x04;
	b[5] = 0x02;
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 4), -EBADMSG);
	b[5] = 0x01;
	/* garbage after the NUL of an ID: that function is skipped */
	b[16 + 2 + 5] = 'X';
	ck_assert_int_eq(usb_ep0_parse_compat_ids(b, len, c, 4), 1);
	ck_assert_str_eq(c[0].compat_id, "PTP");
	/* over the cap */
	big = calloc(1, USB_EP0_COMPAT_MAX_BYTES + 1);
	ck_assert_int_eq(usb_ep0_parse_compat_ids(big, USB_EP0_COMPAT_MAX_BYTES + 1, c, 4), -EFBIG);
	free(big);
	ck_assert_int_eq(usb_ep0_parse_compat_ids(NULL, 16, c, 4), -EINVAL);
}
END_TEST

/*
 * Property test in lieu of a libFuzzer target (tests/fuzz is another area's): 50k random and
 * mutated answers in exact-size heap buffers (ASan sees any overread), fixed seed, with the
 * invariants every caller relies on.
 */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

START_TEST(test_parsers_random)
{
	static const char *const ids[] = { "MTP", "PTP", "WINUSB", "RNDIS" };
	uint8_t seed[16 + 4 * 24];
	size_t seed_len = compat_build(seed, 4, ids);
	unsigned strings_ok = 0, compat_ok = 0;

	for (unsigned iter = 0; iter < 50000; iter++) {
		size_t len = rnd() % 300;
		uint8_t *b = malloc(len ? len : 1);
		struct usb_ep0_compat c[USB_EP0_MAX_COMPAT];
		char out[USB_IFACE_STRING_MAX];
		int r;

		ck_assert_ptr_nonnull(b);
		if (iter % 3 == 0 && len >= 2) { /* plausible string descriptor */
			for (size_t i = 0; i < len; i++)
				b[i] = (uint8_t)rnd();
			b[0] = (uint8_t)(rnd() % (len + 8));
			b[1] = 3;
		} else if (iter % 3 == 1) { /* mutated compat descriptor */
			len = seed_len - (rnd() % 2 ? 0 : rnd() % seed_len);
			free(b);
			b = malloc(len ? len : 1);
			ck_assert_ptr_nonnull(b);
			memcpy(b, seed, len);
			for (unsigned k = rnd() % 4; k > 0 && len; k--)
				b[rnd() % len] = (uint8_t)rnd();
		} else {
			for (size_t i = 0; i < len; i++)
				b[i] = (uint8_t)rnd();
		}

		r = usb_ep0_parse_string(b, len, out, sizeof(out));
		ck_assert(r == -EBADMSG ||
		          (r >= 0 && (size_t)r == strlen(out) && (size_t)r < sizeof(out)));
		strings_ok += r > 0;
		r = usb_ep0_parse_msos_string(b, len);
		ck_assert(r == -ENOENT || (r >= 0 && r <= 255));
		r = usb_ep0_parse_compat_ids(b, len, c, USB_EP0_MAX_COMPAT);
		ck_assert(r == -EBADMSG || (r >= 0 && r <= USB_EP0_MAX_COMPAT));
		compat_ok += r > 0;
		for (int i = 0; i < r; i++) {
			ck_assert_uint_gt(strlen(c[i].compat_id), 0);
			ck_assert_uint_le(strlen(c[i].compat_id), 8);
			ck_assert(strspn(c[i].compat_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
			          strlen(c[i].compat_id));
		}
		free(b);
	}
	/* the inputs reach the parsers' accepting paths, not only their first checks */
	ck_assert_uint_gt(strings_ok, 5000);
	ck_assert_uint_gt(compat_ok, 1000);
}
END_TEST

/* ---- the shell under umockdev: no control transfers possible, nothing added ---- */

START_TEST(test_read_hints_no_device)
{
	UMockdevTestbed *tb = umockdev_testbed_new();
	struct udev *udev = udev_new();
	struct usb_device_info *dev = calloc(1, sizeof(*dev)), *before = calloc(1, sizeof(*dev));
	libusb_context *ctx = NULL;
	char *sp = NULL;
	int r;

	ck_assert(umockdev_in_mock_environment());
	ck_assert_int_eq(ts_add_device(tb, "android-mtp-adb", NULL, "1-2", false, false, &sp), 0);
	ck_assert_int_eq(usb_sysfs_read_syspath(udev, sp, dev), 0);
	memcpy(before, dev, sizeof(*dev));
	ck_assert_int_eq(libusb_init(&ctx), 0);

	/* the node exists but umockdev answers no control transfer: an error, nothing added */
	r = usb_ep0_read_hints(ctx, dev, 50);
	ck_assert_int_lt(r, 0);
	ck_assert_mem_eq(dev, before, sizeof(*dev));

	/* no /dev/bus/usb node: the device is gone as far as we can tell */
	dev->devnum = 99;
	ck_assert_int_eq(usb_ep0_read_hints(ctx, dev, 50), -ENODEV);
	dev->devnum = before->devnum;

	/* malformed devices are not asked anything */
	dev->desc_status = -EBADMSG;
	ck_assert_int_eq(usb_ep0_read_hints(ctx, dev, 50), -EINVAL);

	libusb_exit(ctx);
	free(sp);
	free(before);
	free(dev);
	udev_unref(udev);
	g_object_unref(tb);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("usb_ep0");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, test_string_ascii);
	tcase_add_test(tc, test_string_utf8_and_surrogates);
	tcase_add_test(tc, test_string_bad);
	tcase_add_test(tc, test_string_truncated);
	tcase_add_test(tc, test_msos_string);
	tcase_add_test(tc, test_compat_ok);
	tcase_add_test(tc, test_compat_bad);
	tcase_add_test(tc, test_parsers_random);
	tcase_set_timeout(tc, 60); /* the random test under ASan on a loaded machine */
	suite_add_tcase(s, tc);

	tc = tcase_create("shell");
	tcase_add_test(tc, test_read_hints_no_device);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
