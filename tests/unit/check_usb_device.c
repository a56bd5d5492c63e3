/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usb_device_set_descriptors(), usb_device_find_iface(), usb_device_format_id(). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/device/usb_device.h"
#include "tests/unit/desc_testdata.h"

#define DATA TEST_DATA_DIR "/descriptors"

static struct usb_device_info *load(const char *name, struct desc_testcase **ret_tc)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	struct desc_testcase *tc = NULL;

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(desc_testcase_load(DATA, name, &tc), 0);
	(void)desc_testcase_apply(tc, dev);
	if (ret_tc)
		*ret_tc = tc;
	else
		desc_testcase_free(tc);
	return dev;
}

/* SHA-256 of the raw blob, checked against `sha256sum` of the decoded usb-stick.hex. */
START_TEST(test_sha256)
{
	struct usb_device_info *dev = load("usb-stick", NULL);
	char hex[65];

	hex_encode(hex, dev->desc_sha256, 32);
	ck_assert_str_eq(hex, "409506260a327c6195d140f32d8f14f39719ce7bb6d56e255f6c0cabd7aaec30");
	ck_assert_int_eq(dev->desc_status, 0);
	free(dev);
}
END_TEST

/* The iPhone: one entry per (configuration, interface number), merged over alt settings. */
START_TEST(test_iphone_ifaces)
{
	struct usb_device_info *dev = load("iphone", NULL);
	static const struct {
		uint8_t cfg, num, cls, n_alts;
	} want[] = {
		{ 1, 0, 0x06, 1 }, { 2, 0, 0x01, 1 }, { 2, 1, 0x01, 2 },
		{ 2, 2, 0x03, 1 }, { 3, 0, 0x06, 1 }, { 3, 1, 0xff, 1 },
		{ 4, 0, 0x06, 1 }, { 4, 1, 0xff, 1 }, { 4, 2, 0xff, 2 },
	};

	ck_assert_int_eq(dev->desc_status, 0);
	ck_assert_uint_eq(dev->desc.n_configs, 4);
	ck_assert_uint_eq(dev->n_ifaces, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		const struct usb_iface_info *f = &dev->ifaces[i];
		ck_assert_uint_eq(f->config_value, want[i].cfg);
		ck_assert_uint_eq(f->number, want[i].num);
		ck_assert_uint_eq(f->cls, want[i].cls);
		ck_assert_uint_eq(f->n_alts, want[i].n_alts);
		ck_assert_int_eq(f->authorized, -1);
		ck_assert_str_eq(f->sysname, "");
		for (unsigned a = 0; a < f->n_alts; a++) {
			const struct usb_iface_alt *alt = &dev->desc.alts[f->first_alt + a];
			ck_assert_uint_eq(alt->config_value, f->config_value);
			ck_assert_uint_eq(alt->number, f->number);
		}
	}
	ck_assert_ptr_eq(usb_device_find_iface(dev, 4, 2), &dev->ifaces[8]);
	ck_assert_ptr_eq(usb_device_find_iface(dev, 3, 1), &dev->ifaces[5]);
	ck_assert_ptr_null(usb_device_find_iface(dev, 1, 1));
	ck_assert_ptr_null(usb_device_find_iface(dev, 5, 0));
	ck_assert_ptr_null(usb_device_find_iface(NULL, 1, 0));
	free(dev);
}
END_TEST

/* Interface triple comes from alt 0 even when another alt setting comes first in the blob. */
START_TEST(test_iface_triple_from_alt0)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 1, 2, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 1, 8, 6, 0x50);
	desc_build_iface(&b, 0, 0, 3, 1, 1);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	ck_assert_uint_eq(dev->n_ifaces, 1);
	ck_assert_uint_eq(dev->ifaces[0].cls, 3);
	ck_assert_uint_eq(dev->ifaces[0].n_alts, 2);
	free(dev);
}
END_TEST

START_TEST(test_format_id)
{
	struct usb_device_info *dev = load("android-mtp", NULL);
	char id[10];

	usb_device_format_id(dev, id);
	ck_assert_str_eq(id, "18d1:4ee1");
	free(dev);
}
END_TEST

/* A malformed blob: status and reason kept, no interfaces, identity kept for the event, and
 * the state of an earlier, valid blob is gone. */
START_TEST(test_malformed_keeps_identity)
{
	struct desc_testcase *tc = NULL;
	struct usb_device_info *dev = load("android-mtp", NULL);
	char id[10];

	ck_assert_uint_gt(dev->n_ifaces, 0);
	ck_assert_int_eq(desc_testcase_load(DATA, "bad-blength-zero", &tc), 0);
	ck_assert_int_eq(usb_device_set_descriptors(dev, tc->blob, tc->len), -EBADMSG);
	ck_assert_int_eq(dev->desc_status, -EBADMSG);
	ck_assert_uint_eq(dev->desc_error.offset, 36);
	ck_assert_ptr_nonnull(dev->desc_error.reason);
	ck_assert_uint_eq(dev->n_ifaces, 0);
	ck_assert_uint_eq(dev->desc.n_alts, 0);
	ck_assert_uint_eq(dev->desc.n_configs, 0);
	ck_assert_uint_eq(dev->kinds, 0);
	usb_device_format_id(dev, id);
	ck_assert_str_eq(id, "0781:5567");
	static const uint8_t zero[32];
	ck_assert(memcmp(dev->desc_sha256, zero, 32) != 0);
	desc_testcase_free(tc);

	/* too short for a device descriptor: no identity at all */
	ck_assert_int_eq(usb_device_set_descriptors(dev, (const uint8_t *)"\x12\x01", 2), -EBADMSG);
	usb_device_format_id(dev, id);
	ck_assert_str_eq(id, "0000:0000");
	free(dev);
}
END_TEST

START_TEST(test_args)
{
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(usb_device_set_descriptors(NULL, (const uint8_t *)"", 0), -EINVAL);
	ck_assert_int_eq(usb_device_set_descriptors(dev, NULL, 3), -EINVAL);
	ck_assert_int_eq(usb_device_set_descriptors(dev, NULL, 0), -EBADMSG);
	ck_assert_int_eq(dev->desc_status, -EBADMSG);
	free(dev);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("usb_device");
	TCase *tc = tcase_create("device");
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_iphone_ifaces);
	tcase_add_test(tc, test_iface_triple_from_alt0);
	tcase_add_test(tc, test_format_id);
	tcase_add_test(tc, test_malformed_keeps_identity);
	tcase_add_test(tc, test_args);
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
