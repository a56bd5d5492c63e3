/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usb_desc_parse() and usb_desc_hex_decode(): every way a blob can be bad, and what good blobs
 * give. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/device/usb_desc.h"
#include "tests/unit/desc_testdata.h"

/* SanDisk stick: device @0, configuration @18, interface @27, endpoints @36 and @43, end 50. */
#define DEV1   "12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 01 "
#define DEV2   "12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 02 "
#define IFACE  "09 04 00 00 02 08 06 50 00 "
#define EP_IN  "07 05 81 02 00 02 00 "
#define EP_OUT "07 05 02 02 00 02 00 "
#define CFG1   "09 02 20 00 01 01 00 80 32 " IFACE EP_IN EP_OUT
#define CFG2   "09 02 09 00 00 02 00 80 32 "

static const struct bad_case {
	const char *name;
	const char *hex;
	int error;
	size_t offset;
} bad_cases[] = {
	/* nothing at all */
	{ "empty", "", -EBADMSG, 0 },
	/* device descriptor cut short: 17 of 18 bytes */
	{ "device-17-bytes", "12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03", -EBADMSG, 0 },
	/* first descriptor is not a device descriptor (bDescriptorType 0x02) */
	{ "device-wrong-type", "12 02 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 01 " CFG1,
	  -EBADMSG, 1 },
	/* device descriptor bLength 9 instead of 18 */
	{ "device-blength-9", "09 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 01 " CFG1,
	  -EBADMSG, 0 },
	/* bNumConfigurations 0: the kernel never enumerates such a device */
	{ "no-configurations", "12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 00", -EBADMSG,
	  17 },
	/* more than USB_MAX_CONFIGS declared */
	{ "nine-configurations-declared",
	  "12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 09 " CFG1, -E2BIG, 17 },
	/* only the device descriptor although one configuration is declared */
	{ "device-only", DEV1, -EBADMSG, 18 },
	/* configuration descriptor cut short: 8 bytes left */
	{ "config-8-bytes", DEV1 "09 02 20 00 01 01 00 80", -EBADMSG, 18 },
	/* interface descriptor before any configuration descriptor */
	{ "interface-before-config", DEV1 IFACE EP_IN EP_OUT, -EBADMSG, 18 },
	/* configuration descriptor bLength 8 */
	{ "config-blength-8", DEV1 "08 02 20 00 01 01 00 80 " IFACE EP_IN EP_OUT, -EBADMSG, 18 },
	/* configuration wTotalLength 8 < 9 */
	{ "wtotal-below-9", DEV1 "09 02 08 00 01 01 00 80 32", -EBADMSG, 18 },
	/* wTotalLength 9 below a 10-byte configuration descriptor's own bLength */
	{ "wtotal-below-blength", DEV1 "0a 02 09 00 01 01 00 80 32 00", -EBADMSG, 18 },
	/* wTotalLength 40 runs past the 32 bytes present */
	{ "wtotal-past-blob", DEV1 "09 02 28 00 01 01 00 80 32 " IFACE EP_IN EP_OUT, -EBADMSG, 18 },
	/* wTotalLength 29 < 9 + bLength of the descriptors: the last endpoint (at 43) sticks out */
	{ "wtotal-short", DEV1 "09 02 1d 00 01 01 00 80 32 " IFACE EP_IN EP_OUT, -EBADMSG, 43 },
	/* a descriptor with bLength 0 (would loop forever if trusted) */
	{ "blength-0", DEV1 "09 02 20 00 01 01 00 80 32 " IFACE "00 05 81 02 00 02 00 " EP_OUT,
	  -EBADMSG, 36 },
	/* a descriptor with bLength 1 (< 2: no room for its own type) */
	{ "blength-1", DEV1 "09 02 20 00 01 01 00 80 32 " IFACE "01 05 81 02 00 02 00 " EP_OUT,
	  -EBADMSG, 36 },
	/* last endpoint claims 8 bytes, 7 left in the configuration */
	{ "blength-past-config",
	  DEV1 "09 02 20 00 01 01 00 80 32 " IFACE EP_IN "08 05 02 02 00 02 00", -EBADMSG, 43 },
	/* one stray byte at the end of the configuration: no room for a descriptor header */
	{ "header-truncated", DEV1 "09 02 21 00 01 01 00 80 32 " IFACE EP_IN EP_OUT "05", -EBADMSG,
	  50 },
	/* interface descriptor bLength 8 (< 9) */
	{ "interface-blength-8",
	  DEV1 "09 02 1f 00 01 01 00 80 32 08 04 00 00 02 08 06 50 " EP_IN EP_OUT, -EBADMSG, 27 },
	/* endpoint descriptor bLength 6 (< 7) */
	{ "endpoint-blength-6",
	  DEV1 "09 02 1f 00 01 01 00 80 32 " IFACE "06 05 81 02 00 02 " EP_OUT, -EBADMSG, 36 },
	/* interface association descriptor bLength 7 (< 8) */
	{ "iad-blength-7",
	  DEV1 "09 02 27 00 01 01 00 80 32 07 0b 00 01 08 06 50 " IFACE EP_IN EP_OUT, -EBADMSG,
	  27 },
	/* endpoint descriptors outside any interface */
	{ "endpoint-outside-interface", DEV1 "09 02 17 00 01 01 00 80 32 " EP_IN EP_OUT, -EBADMSG,
	  27 },
	/* a device descriptor nested inside a configuration */
	{ "device-inside-config",
	  DEV1
	  "09 02 32 00 01 01 00 80 32 12 01 00 02 00 00 00 40 81 07 67 55 00 01 01 02 03 01 " IFACE
	      EP_IN EP_OUT,
	  -EBADMSG, 27 },
	/* a configuration descriptor nested inside a configuration */
	{ "config-inside-config", DEV1 "09 02 29 00 01 01 00 80 32 " CFG2 IFACE EP_IN EP_OUT,
	  -EBADMSG, 27 },
	/* two configurations present, one declared */
	{ "more-configs-than-declared", DEV1 CFG1 CFG2, -EBADMSG, 50 },
	/* two declared, one present */
	{ "fewer-configs-than-declared", DEV2 CFG1, -EBADMSG, 50 },
	/* two configurations with the same bConfigurationValue */
	{ "duplicate-config-value", DEV2 CFG1 "09 02 09 00 00 01 00 80 32", -EBADMSG, 50 },
};

static int decode(const char *hex, uint8_t *buf, size_t size)
{
	int n = usb_desc_hex_decode(hex, strlen(hex), buf, size, NULL);
	ck_assert_int_ge(n, 0);
	return n;
}

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	static uint8_t buf[4096];
	static struct usb_descriptors d;
	struct usb_desc_error err = { .offset = 99999, .reason = NULL };
	int n = decode(c->hex, buf, sizeof(buf));
	int r = usb_desc_parse(buf, (size_t)n, &d, &err);

	ck_assert_msg(r == c->error, "%s: got %d, want %d (%s)", c->name, r, c->error,
	              err.reason ? err.reason : "no reason");
	ck_assert_msg(err.offset == c->offset, "%s: offset %zu, want %zu (%s)", c->name, err.offset,
	              c->offset, err.reason);
	ck_assert_ptr_nonnull(err.reason);
	ck_assert_int_gt(strlen(err.reason), 10);
}
END_TEST

/* Every truncation of a valid blob is rejected, never read past its end (ASan build). */
START_TEST(test_every_truncation)
{
	static uint8_t buf[4096];
	static struct usb_descriptors d;
	int n = decode(DEV1 CFG1, buf, sizeof(buf));

	ck_assert_int_eq(usb_desc_parse(buf, (size_t)n, &d, NULL), 0);
	for (int len = 0; len < n; len++) {
		uint8_t *exact = malloc(len ? (size_t)len : 1);
		struct usb_desc_error err = { 0 };
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, buf, (size_t)len);
		ck_assert_int_eq(usb_desc_parse(exact, (size_t)len, &d, &err), -EBADMSG);
		ck_assert_uint_le(err.offset, (size_t)len);
		free(exact);
	}
}
END_TEST

START_TEST(test_args)
{
	static struct usb_descriptors d;
	static const uint8_t one = 0;

	ck_assert_int_eq(usb_desc_parse(NULL, 5, &d, NULL), -EINVAL);
	ck_assert_int_eq(usb_desc_parse(&one, 1, NULL, NULL), -EINVAL);
	/* NULL with length 0 is an empty blob, not a crash */
	ck_assert_int_eq(usb_desc_parse(NULL, 0, &d, NULL), -EBADMSG);
}
END_TEST

/* A blob over USB_DESC_MAX_BYTES is refused before anything is read (-EFBIG). */
START_TEST(test_too_big)
{
	static struct usb_descriptors d;
	struct usb_desc_error err = { 0 };
	uint8_t *big = calloc(1, USB_DESC_MAX_BYTES + 1);

	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(usb_desc_parse(big, USB_DESC_MAX_BYTES + 1, &d, &err), -EFBIG);
	ck_assert_ptr_nonnull(err.reason);
	free(big);
}
END_TEST

/* More than USB_MAX_IFACE_ALTS alternate settings: -E2BIG, the agent blocks the device. */
START_TEST(test_too_many_alts)
{
	static struct desc_builder b;
	static struct usb_descriptors d;
	struct usb_desc_error err = { 0 };

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, 1);
	desc_build_config(&b, 1);
	for (unsigned i = 0; i < USB_MAX_IFACE_ALTS; i++)
		desc_build_iface(&b, (uint8_t)(i % 2), (uint8_t)(i / 2), 3, 0, 0);
	desc_build_config_end(&b);
	ck_assert(!b.overflow);
	/* exactly at the cap: fine */
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), 0);
	ck_assert_uint_eq(d.n_alts, USB_MAX_IFACE_ALTS);

	b.n = b.cfg_start + 9;
	for (unsigned i = 0; i <= USB_MAX_IFACE_ALTS; i++)
		desc_build_iface(&b, (uint8_t)(i % 4), (uint8_t)(i / 4), 3, 0, 0);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), -E2BIG);
	ck_assert_uint_eq(err.offset, b.cfg_start + 9 + USB_MAX_IFACE_ALTS * 9);
	ck_assert_ptr_nonnull(strstr(err.reason, "alternate settings"));
}
END_TEST

/* 256 alternate settings of ONE interface: more than ifaces[].n_alts can count, -E2BIG. */
START_TEST(test_too_many_alts_one_iface)
{
	static struct desc_builder b;
	static struct usb_descriptors d;
	struct usb_desc_error err = { 0 };

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, 1);
	desc_build_config(&b, 1);
	for (unsigned i = 0; i < 255; i++)
		desc_build_iface(&b, 0, (uint8_t)i, 3, 0, 0);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), 0);
	/* the 256th, hiding mass storage behind 255 keyboards */
	desc_build_iface(&b, 0, 255, 8, 6, 0x50);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), -E2BIG);
	ck_assert_uint_eq(err.offset, 27 + 255 * 9);
	ck_assert_ptr_nonnull(strstr(err.reason, "one interface"));
}
END_TEST

/* More than USB_MAX_IADS interface association descriptors: -E2BIG. */
START_TEST(test_too_many_iads)
{
	static struct desc_builder b;
	static struct usb_descriptors d;
	struct usb_desc_error err = { 0 };

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, 1);
	desc_build_config(&b, 1);
	for (unsigned i = 0; i <= USB_MAX_IADS; i++)
		desc_build_iad(&b, 0, 1, 0x0e, 3, 0);
	desc_build_iface(&b, 0, 0, 0x0e, 1, 0);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), -E2BIG);
	ck_assert_uint_eq(err.offset, 27 + USB_MAX_IADS * 8);
}
END_TEST

/* More than USB_MAX_CONFIGS configurations present (declared 8, 9 there): -E2BIG. */
START_TEST(test_too_many_configs)
{
	static struct desc_builder b;
	static struct usb_descriptors d;
	struct usb_desc_error err = { 0 };

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, USB_MAX_CONFIGS);
	for (unsigned i = 1; i <= USB_MAX_CONFIGS; i++) {
		desc_build_config(&b, (uint8_t)i);
		desc_build_iface(&b, 0, 0, 8, 6, 0x50);
		desc_build_config_end(&b);
	}
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), 0);
	ck_assert_uint_eq(d.n_configs, USB_MAX_CONFIGS);
	ck_assert_uint_eq(d.n_alts, USB_MAX_CONFIGS);
	size_t ninth = b.n;
	desc_build_config(&b, 9);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, &err), -E2BIG);
	ck_assert_uint_eq(err.offset, ninth);
}
END_TEST

/* The stick: every field lands where it belongs. */
START_TEST(test_stick_fields)
{
	static uint8_t buf[256];
	static struct usb_descriptors d;
	int n = decode(DEV1 CFG1, buf, sizeof(buf));

	ck_assert_int_eq(usb_desc_parse(buf, (size_t)n, &d, NULL), 0);
	ck_assert_uint_eq(d.bcd_usb, 0x0200);
	ck_assert_uint_eq(d.vid, 0x0781);
	ck_assert_uint_eq(d.pid, 0x5567);
	ck_assert_uint_eq(d.bcd_device, 0x0100);
	ck_assert_uint_eq(d.max_packet0, 64);
	ck_assert_uint_eq(d.i_manufacturer, 1);
	ck_assert_uint_eq(d.i_product, 2);
	ck_assert_uint_eq(d.i_serial, 3);
	ck_assert_uint_eq(d.num_configs_declared, 1);
	ck_assert_uint_eq(d.n_configs, 1);
	ck_assert_uint_eq(d.configs[0].value, 1);
	ck_assert_uint_eq(d.configs[0].attributes, 0x80);
	ck_assert_uint_eq(d.configs[0].max_power, 0x32);
	ck_assert_uint_eq(d.configs[0].num_interfaces, 1);
	ck_assert_uint_eq(d.configs[0].total_length, 32);
	ck_assert_uint_eq(d.n_alts, 1);
	const struct usb_iface_alt *a = &d.alts[0];
	ck_assert_uint_eq(a->config_value, 1);
	ck_assert_uint_eq(a->config_index, 0);
	ck_assert_uint_eq(a->cls, 8);
	ck_assert_uint_eq(a->subclass, 6);
	ck_assert_uint_eq(a->protocol, 0x50);
	ck_assert_uint_eq(a->num_endpoints, 2);
	ck_assert_uint_eq(a->bulk_in, 1);
	ck_assert_uint_eq(a->bulk_out, 1);
	ck_assert_uint_eq(a->intr_in + a->intr_out + a->iso_in + a->iso_out, 0);
	ck_assert(!a->in_iad);
}
END_TEST

/* Class-specific (0x24, HID 0x21, endpoint 0x25) and SuperSpeed companion (0x30) descriptors are
 * skipped; 9-byte audio endpoints count; endpoint types and directions are told apart. */
START_TEST(test_skips_and_endpoint_counts)
{
	static uint8_t buf[256];
	static struct usb_descriptors d;
	const char *hex = DEV1 "09 02 52 00 01 01 00 80 32 "
	                       "09 04 00 00 06 01 02 00 00 "
	                       "05 24 01 00 01 "             /* class-specific interface */
	                       "09 21 11 01 00 01 22 41 00 " /* HID */
	                       "09 05 81 05 c0 00 01 00 00 " /* audio iso in, 9 bytes */
	                       "07 25 01 00 00 00 00 "       /* class-specific endpoint */
	                       "07 05 02 01 c0 00 01 "       /* iso out */
	                       "07 05 83 03 08 00 0a "       /* interrupt in */
	                       "06 30 00 00 00 00 "          /* SuperSpeed companion */
	                       "07 05 04 03 08 00 0a "       /* interrupt out */
	                       "07 05 85 00 08 00 00 ";      /* control endpoint */
	int n = decode(hex, buf, sizeof(buf));

	ck_assert_int_eq(n, 18 + 0x52);
	ck_assert_int_eq(usb_desc_parse(buf, (size_t)n, &d, NULL), 0);
	ck_assert_uint_eq(d.n_alts, 1);
	ck_assert_uint_eq(d.alts[0].num_endpoints, 5);
	ck_assert_uint_eq(d.alts[0].iso_in, 1);
	ck_assert_uint_eq(d.alts[0].iso_out, 1);
	ck_assert_uint_eq(d.alts[0].intr_in, 1);
	ck_assert_uint_eq(d.alts[0].intr_out, 1);
	ck_assert_uint_eq(d.alts[0].bulk_in + d.alts[0].bulk_out, 0);
}
END_TEST

/* An IAD covers [bFirstInterface, +bInterfaceCount) of its own configuration only. */
START_TEST(test_iad_coverage)
{
	static struct desc_builder b;
	static struct usb_descriptors d;

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x046d, 0x0825, 0xef, 2);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, 3, 0, 0);
	desc_build_iad(&b, 1, 2, 0x0e, 3, 0);
	desc_build_iface(&b, 1, 0, 0x0e, 1, 0);
	desc_build_iface(&b, 2, 0, 0x0e, 2, 0);
	desc_build_iface(&b, 2, 1, 0x0e, 2, 0);
	desc_build_ep(&b, 0x81, 1);
	desc_build_iface(&b, 3, 0, 1, 1, 0);
	desc_build_config_end(&b);
	desc_build_config(&b, 2);
	desc_build_iface(&b, 1, 0, 0x0e, 1, 0); /* same number, other configuration: not covered */
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, NULL), 0);
	ck_assert_uint_eq(d.n_alts, 6);
	static const bool covered[] = { false, true, true, true, false, false };
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_msg(d.alts[i].in_iad == covered[i], "alt %u", i);
		if (covered[i]) {
			ck_assert_uint_eq(d.alts[i].iad_cls, 0x0e);
			ck_assert_uint_eq(d.alts[i].iad_subclass, 3);
		}
	}
	ck_assert_uint_eq(d.alts[3].iso_in, 1);
	ck_assert_uint_eq(d.alts[5].config_value, 2);
}
END_TEST

/* Alternate settings of one interface are grouped even when the blob interleaves them. */
START_TEST(test_alts_grouped)
{
	static struct desc_builder b;
	static struct usb_descriptors d;

	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 1, 2, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 1, 0, 0x0a, 0, 0);
	desc_build_iface(&b, 0, 0, 3, 1, 1);
	desc_build_iface(&b, 1, 1, 0x0a, 0, 0);
	desc_build_ep(&b, 0x81, 2);
	desc_build_iface(&b, 0, 1, 8, 6, 0x50);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_desc_parse(b.b, b.n, &d, NULL), 0);
	ck_assert_uint_eq(d.n_alts, 4);
	static const uint8_t num[] = { 0, 0, 1, 1 }, alt[] = { 0, 1, 0, 1 };
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(d.alts[i].number, num[i]);
		ck_assert_uint_eq(d.alts[i].alt, alt[i]);
	}
	ck_assert_uint_eq(d.alts[3].bulk_in, 1); /* the endpoint stayed with its alt setting */
}
END_TEST

/* Every valid data-set blob parses; every malformed one gives the error and offset of its meta. */
START_TEST(test_dataset_parse)
{
	char **names = NULL;
	int n = desc_testcase_list(TEST_DATA_DIR "/descriptors", &names);

	ck_assert_int_ge(n, 30);
	for (int i = 0; i < n; i++) {
		struct desc_testcase *tc = NULL;
		static struct usb_descriptors d;
		struct usb_desc_error err = { 0 };
		ck_assert_int_eq(desc_testcase_load(TEST_DATA_DIR "/descriptors", names[i], &tc),
		                 0);
		int r = usb_desc_parse(tc->blob, tc->len, &d, &err);
		const char *e = desc_testcase_get(tc, "expect.error");
		if (!e)
			ck_assert_msg(r == 0, "%s: %d at %zu: %s", names[i], r, err.offset,
			              err.reason);
		else {
			int want = !strcmp(e, "EBADMSG") ? -EBADMSG
			           : !strcmp(e, "E2BIG") ? -E2BIG
			           : !strcmp(e, "EFBIG") ? -EFBIG
			                                 : 1;
			ck_assert_msg(r == want, "%s: %d want %s", names[i], r, e);
			ck_assert_uint_eq(
			    err.offset,
			    strtoul(desc_testcase_get(tc, "expect.error_offset"), NULL, 10));
		}
		desc_testcase_free(tc);
	}
	desc_testcase_names_free(names);
}
END_TEST

static const struct hex_case {
	const char *name;
	const char *text;
	int result; /* byte count or negative errno */
	size_t err_offset;
} hex_cases[] = {
	{ "plain", "12ab", 2, 0 },
	{ "upper-and-spaces", " 12 AB\tcd\r\n", 3, 0 },
	{ "comment-lines", "# device\n12 01\n  # indented comment 0x zz\nff\n", 3, 0 },
	{ "empty", "", 0, 0 },
	/* a '#' after bytes on the same line is not a comment */
	{ "trailing-hash", "12 # no", -EBADMSG, 3 },
	/* odd number of digits */
	{ "odd-digits", "12 3", -EBADMSG, 3 },
	/* the two digits of a byte split by whitespace */
	{ "split-byte", "1 2", -EBADMSG, 1 },
	/* not hex */
	{ "bad-char", "12 zz", -EBADMSG, 3 },
	/* more bytes than the output holds (4) */
	{ "too-long", "01 02 03 04 05", -EFBIG, 12 },
};

START_TEST(test_hex)
{
	const struct hex_case *c = &hex_cases[_i];
	uint8_t out[4];
	size_t off = 777;
	int r = usb_desc_hex_decode(c->text, strlen(c->text), out, sizeof(out), &off);

	ck_assert_msg(r == c->result, "%s: %d", c->name, r);
	if (r < 0)
		ck_assert_msg(off == c->err_offset, "%s: offset %zu", c->name, off);
	else
		ck_assert_uint_eq(off, 777); /* untouched on success */
}
END_TEST

START_TEST(test_hex_values)
{
	uint8_t out[8];
	int r = usb_desc_hex_decode("# x\n00 Ff 7a\n", 13, out, sizeof(out), NULL);

	ck_assert_int_eq(r, 3);
	ck_assert_uint_eq(out[0], 0x00);
	ck_assert_uint_eq(out[1], 0xff);
	ck_assert_uint_eq(out[2], 0x7a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("usb_desc");
	TCase *tc = tcase_create("bad");
	tcase_add_loop_test(tc, test_bad, 0, (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_every_truncation);
	tcase_add_test(tc, test_args);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_too_many_alts);
	tcase_add_test(tc, test_too_many_alts_one_iface);
	tcase_add_test(tc, test_too_many_iads);
	tcase_add_test(tc, test_too_many_configs);
	suite_add_tcase(s, tc);

	tc = tcase_create("good");
	tcase_add_test(tc, test_stick_fields);
	tcase_add_test(tc, test_skips_and_endpoint_counts);
	tcase_add_test(tc, test_iad_coverage);
	tcase_add_test(tc, test_alts_grouped);
	tcase_add_test(tc, test_dataset_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("hex");
	tcase_add_loop_test(tc, test_hex, 0, (int)ARRAY_SIZE(hex_cases));
	tcase_add_test(tc, test_hex_values);
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
