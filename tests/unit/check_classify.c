/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify_device() / classify_alt(): the whole data set of tests/data/descriptors/ against its
 * expect.* lines, then the rules one by one.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/device/classify.h"
#include "tests/unit/desc_testdata.h"

#define DATA TEST_DATA_DIR "/descriptors"
#define K(k) USB_KIND_BIT(USB_KIND_##k)

static char **names;
static int n_names;

static void mask_str(usb_kind_mask m, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = 0;
	for (int k = 0; k < _USB_KIND_MAX; k++)
		if (m & USB_KIND_BIT(k))
			n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "%s%s",
			                      n ? "," : "", usb_kind_to_string(k));
}

/* One device of the data set: kinds of the device and of every interface match its .meta. */
START_TEST(test_dataset)
{
	struct desc_testcase *tc = NULL;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	const char *name = names[_i];
	usb_kind_mask want;
	char got_s[256], want_s[256];
	unsigned n_iface_expect = 0;
	int r;

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(desc_testcase_load(DATA, name, &tc), 0);
	r = desc_testcase_apply(tc, dev);
	classify_device(dev);

	const char *e = desc_testcase_get(tc, "expect.error");
	if (e) {
		ck_assert_msg(r < 0, "%s: parsed, want %s", name, e);
		ck_assert_uint_eq(dev->n_ifaces, 0);
	} else {
		ck_assert_msg(r == 0, "%s: %d at %zu: %s", name, r, dev->desc_error.offset,
		              dev->desc_error.reason);
	}

	const char *k = desc_testcase_get(tc, "expect.kinds");
	ck_assert_msg(k, "%s: no expect.kinds", name);
	ck_assert_int_eq(desc_kinds_parse(k, &want), 0);
	mask_str(dev->kinds, got_s, sizeof(got_s));
	ck_assert_msg(dev->kinds == want, "%s: kinds %s, want %s", name, got_s, k);

	for (unsigned i = 0; i < tc->n_kv; i++) {
		unsigned c, n;
		char tail;
		if (sscanf(tc->kv[i].key, "expect.%u.%u%c", &c, &n, &tail) != 2)
			continue;
		n_iface_expect++;
		const struct usb_iface_info *f = usb_device_find_iface(dev, (uint8_t)c, (uint8_t)n);
		ck_assert_msg(f, "%s: no interface %u.%u", name, c, n);
		ck_assert_int_eq(desc_kinds_parse(tc->kv[i].value, &want), 0);
		mask_str(f->kinds, got_s, sizeof(got_s));
		mask_str(want, want_s, sizeof(want_s));
		ck_assert_msg(f->kinds == want, "%s: interface %u.%u kinds %s, want %s", name, c, n,
		              got_s, want_s);
		ck_assert_int_eq(f->kind, usb_kind_primary(want));
	}
	/* every interface has an expectation: a new interface cannot go unchecked */
	ck_assert_msg(n_iface_expect == dev->n_ifaces, "%s: %u expect lines for %u interfaces",
	              name, n_iface_expect, dev->n_ifaces);
	desc_testcase_free(tc);
	free(dev);
}
END_TEST

START_TEST(test_dataset_size)
{
	ck_assert_int_ge(n_names, 30);
}
END_TEST

/* classify_alt: one class triple (plus endpoint shape) per rule of docs/classification.md. */
static const struct alt_case {
	uint8_t cls, sub, proto;
	bool mtp_shape;
	usb_kind_mask want;
} alt_cases[] = {
	{ 0x08, 0x06, 0x50, false, K(MASS_STORAGE) }, /* BOT */
	{ 0x08, 0x06, 0x62, false, K(MASS_STORAGE) }, /* UAS */
	{ 0x08, 0x04, 0x00, false, K(MASS_STORAGE) }, /* CBI floppy */
	{ 0x08, 0x77, 0x77, false, K(MASS_STORAGE) }, /* anything in class 08 */
	{ 0x06, 0x01, 0x01, true, K(PTP) },           /* PTP; mtp only with a hint */
	{ 0x06, 0x05, 0x09, false, K(PTP) },
	{ 0xff, 0xff, 0x00, true, K(MTP) }, /* vendor MTP: needs the endpoint shape */
	{ 0xff, 0xff, 0x00, false, K(OTHER) },
	{ 0xff, 0xff, 0xff, true, K(OTHER) }, /* FTDI-like vendor */
	{ 0xff, 0x42, 0x01, false, K(ADB) },
	{ 0xff, 0x42, 0x03, false, K(ADB) }, /* fastboot */
	{ 0xff, 0x42, 0x02, false, K(OTHER) },
	{ 0xff, 0xfe, 0x02, false, K(APPLE_USBMUX) },
	{ 0xff, 0xfd, 0x01, false, K(APPLE_ETHERNET) },
	{ 0xe0, 0x01, 0x03, false, K(NETWORK) }, /* RNDIS */
	{ 0xef, 0x04, 0x01, false, K(NETWORK) }, /* RNDIS, misc class */
	{ 0x02, 0x02, 0xff, false, K(NETWORK) }, /* RNDIS control */
	{ 0x02, 0x06, 0x00, false, K(NETWORK) }, /* ECM */
	{ 0x02, 0x0d, 0x00, false, K(NETWORK) }, /* NCM */
	{ 0x02, 0x0c, 0x07, false, K(NETWORK) }, /* EEM */
	{ 0x02, 0x0a, 0x00, false, K(NETWORK) }, /* MDLM */
	{ 0x02, 0x0e, 0x00, false, K(NETWORK) }, /* MBIM */
	{ 0x0a, 0x00, 0x00, false, K(NETWORK) }, /* CDC data */
	{ 0x0a, 0x00, 0x01, false, K(NETWORK) }, /* NCM data */
	{ 0x02, 0x02, 0x01, false, K(SERIAL) },  /* ACM */
	{ 0x02, 0x02, 0x00, false, K(SERIAL) },
	{ 0x02, 0x0b, 0x00, false, K(OTHER) },    /* OBEX: unknown CDC subclass */
	{ 0xe0, 0x01, 0x01, false, K(WIRELESS) }, /* Bluetooth */
	{ 0xe0, 0x02, 0x01, false, K(WIRELESS) },
	{ 0x03, 0x01, 0x01, false, K(HID) },
	{ 0x03, 0x00, 0x00, false, K(HID) },
	{ 0x09, 0x00, 0x00, false, K(HUB) },
	{ 0x01, 0x01, 0x00, false, K(AUDIO) },
	{ 0x01, 0x02, 0x00, false, K(AUDIO) },
	{ 0x0e, 0x01, 0x00, false, K(VIDEO) },
	{ 0x10, 0x01, 0x00, false, K(VIDEO) },
	{ 0x07, 0x01, 0x02, false, K(PRINTER) },
	{ 0x0b, 0x00, 0x00, false, K(SMARTCARD) },
	{ 0xef, 0x02, 0x01, false, K(OTHER) },
	{ 0xdc, 0x01, 0x01, false, K(OTHER) }, /* diagnostic */
	{ 0x00, 0x00, 0x00, false, K(OTHER) },
	{ 0xfe, 0x01, 0x01, false, K(OTHER) }, /* DFU */
};

START_TEST(test_alt)
{
	const struct alt_case *c = &alt_cases[_i];
	struct usb_iface_alt a = { .cls = c->cls, .subclass = c->sub, .protocol = c->proto };
	char got[128], want[128];

	if (c->mtp_shape) {
		a.bulk_in = a.bulk_out = a.intr_in = 1;
		a.num_endpoints = 3;
	}
	mask_str(classify_alt(&a), got, sizeof(got));
	mask_str(c->want, want, sizeof(want));
	ck_assert_msg(classify_alt(&a) == c->want, "%02x/%02x/%02x: %s, want %s", c->cls, c->sub,
	              c->proto, got, want);
}
END_TEST

/* ff/ff/00 needs all three MTP endpoints: missing any one leaves it "other". */
START_TEST(test_mtp_shape_needs_all_three)
{
	struct usb_iface_alt a = { .cls = 0xff,
		                   .subclass = 0xff,
		                   .protocol = 0,
		                   .bulk_in = 1,
		                   .bulk_out = 1,
		                   .intr_in = 1 };
	ck_assert_uint_eq(classify_alt(&a), K(MTP));
	a.intr_in = 0;
	ck_assert_uint_eq(classify_alt(&a), K(OTHER));
	a.intr_in = 1;
	a.bulk_in = 0;
	ck_assert_uint_eq(classify_alt(&a), K(OTHER));
	a.bulk_in = 1;
	a.bulk_out = 0;
	ck_assert_uint_eq(classify_alt(&a), K(OTHER));
	ck_assert_uint_eq(classify_alt(NULL), K(OTHER));
}
END_TEST

/* Builds a one-interface device of the given class with bulk in/out + interrupt in. */
static struct usb_device_info *one_iface(uint8_t cls, uint8_t sub, uint8_t proto)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, cls, sub, proto);
	desc_build_ep(&b, 0x81, 2);
	desc_build_ep(&b, 0x02, 2);
	desc_build_ep(&b, 0x83, 3);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	ck_assert_uint_eq(dev->n_ifaces, 1);
	return dev;
}

/* A one-interface device with only bulk in + bulk out (no MTP endpoint shape). */
static struct usb_device_info *bare_iface(uint16_t vid, uint8_t cls, uint8_t sub, uint8_t proto)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, vid, 0x0001, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, cls, sub, proto);
	desc_build_ep(&b, 0x81, 2);
	desc_build_ep(&b, 0x02, 2);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	return dev;
}

/*
 * Endpoint-0 hints are wanted exactly where the descriptors leave a vendor-specific interface
 * ambiguous: a bare ff/ff/00 of a vendor the MTP database does not know, without a string or
 * compat ID yet. With the compat ID "MTP" read over endpoint 0, it is mtp.
 */
START_TEST(test_wants_ep0_hints)
{
	struct usb_device_info *d = bare_iface(0x1209, 0xff, 0xff, 0x00);

	classify_device(d);
	ck_assert_uint_eq(d->ifaces[0].kinds, K(OTHER));
	ck_assert(classify_wants_ep0_hints(d));
	snprintf(d->ifaces[0].compat_id, sizeof(d->ifaces[0].compat_id), "MTP");
	classify_device(d);
	ck_assert(d->ifaces[0].kinds & K(MTP));
	ck_assert(!classify_wants_ep0_hints(d)); /* answered */
	free(d);

	d = one_iface(0xff, 0xff, 0x00); /* MTP endpoint shape: mtp from the descriptors */
	classify_device(d);
	ck_assert(!classify_wants_ep0_hints(d));
	free(d);
	d = bare_iface(0x1209, 0xff, 0x42, 0x01); /* ADB: known */
	classify_device(d);
	ck_assert(!classify_wants_ep0_hints(d));
	free(d);
	d = bare_iface(0x1209, 0x08, 0x06, 0x50); /* storage: not vendor-specific */
	classify_device(d);
	ck_assert(!classify_wants_ep0_hints(d));
	free(d);
	d = bare_iface(0x1209, 0xff, 0xff, 0x00); /* the MTP database knows it */
	d->mtp_db_hit = true;
	classify_device(d);
	ck_assert(!classify_wants_ep0_hints(d));
	d->mtp_db_hit = false;
	d->desc_status = -EBADMSG; /* malformed: blocked anyway */
	ck_assert(!classify_wants_ep0_hints(d));
	free(d);
}
END_TEST

/* Hints only ADD kinds: every row's result contains the kinds of the class alone. */
static const struct hint_case {
	const char *what;
	uint8_t cls, sub, proto;
	const char *string; /* NULL = no string */
	const char *compat;
	bool db;
	usb_kind_mask want;
} hint_cases[] = {
	{ "ptp+string", 0x06, 1, 1, "MTP", "", false, K(MTP) | K(PTP) },
	{ "ptp+compat", 0x06, 1, 1, NULL, "MTP", false, K(MTP) | K(PTP) },
	{ "ptp+db", 0x06, 1, 1, NULL, "", true, K(MTP) | K(PTP) },
	{ "ptp alone", 0x06, 1, 1, NULL, "", false, K(PTP) },
	{ "ptp+compat PTP", 0x06, 1, 1, NULL, "PTP", false, K(PTP) },
	{ "samsung string", 0xff, 0xff, 0xff, "Samsung MTP", "", false, K(MTP) | K(OTHER) },
	{ "lower case", 0xff, 0xff, 0xff, "mtp", "", false, K(MTP) | K(OTHER) },
	{ "word in the middle", 0xff, 0xff, 0xff, "Xperia MTP device", "", false,
	  K(MTP) | K(OTHER) },
	{ "MTP then punctuation", 0xff, 0xff, 0xff, "MTP-1", "", false, K(MTP) | K(OTHER) },
	{ "SMTP is not MTP", 0xff, 0xff, 0xff, "SMTP", "", false, K(OTHER) },
	{ "MTPX is not MTP", 0xff, 0xff, 0xff, "MTPX", "", false, K(OTHER) },
	{ "compat lower case", 0xff, 0xff, 0xff, NULL, "mtp", false, K(MTP) | K(OTHER) },
	{ "compat MTPX", 0xff, 0xff, 0xff, NULL, "MTPX", false, K(OTHER) },
	{ "db on vendor", 0xff, 0xff, 0xff, NULL, "", true, K(MTP) | K(OTHER) },
	/* a hint cannot take away a data channel: mass storage stays, mtp is added */
	{ "storage+string", 0x08, 6, 0x50, "MTP", "", false, K(MASS_STORAGE) | K(MTP) },
	{ "hid+compat PTP", 0x03, 0, 0, NULL, "PTP", false, K(HID) | K(PTP) },
	/* the database hint only touches class 06/ff interfaces */
	{ "storage+db", 0x08, 6, 0x50, NULL, "", true, K(MASS_STORAGE) },
	/* ... and not to interfaces identified as another channel (ADB, usbmux, Apple Ethernet) */
	{ "adb+db", 0xff, 0x42, 1, NULL, "", true, K(ADB) },
	{ "usbmux+db", 0xff, 0xfe, 2, NULL, "", true, K(APPLE_USBMUX) },
	/* an explicit MTP string still adds mtp to such an interface: strings only add */
	{ "adb+string MTP", 0xff, 0x42, 1, "MTP", "", false, K(ADB) | K(MTP) },
	/* a string that is not about MTP adds nothing and removes nothing */
	{ "adb+string", 0xff, 0x42, 1, "ADB Interface", "", false, K(ADB) },
};

START_TEST(test_hints)
{
	const struct hint_case *c = &hint_cases[_i];
	struct usb_device_info *dev = one_iface(c->cls, c->sub, c->proto);
	struct usb_iface_info *f = &dev->ifaces[0];
	usb_kind_mask plain;
	char got[128], want[128];

	classify_device(dev);
	plain = f->kinds;
	if (c->string) {
		f->has_string = true;
		strncpy(f->string, c->string, sizeof(f->string) - 1);
	}
	strncpy(f->compat_id, c->compat, sizeof(f->compat_id) - 1);
	dev->mtp_db_hit = c->db;
	classify_device(dev);
	mask_str(f->kinds, got, sizeof(got));
	mask_str(c->want, want, sizeof(want));
	ck_assert_msg(f->kinds == c->want, "%s: %s, want %s", c->what, got, want);
	ck_assert_msg((f->kinds & plain) == plain, "%s: a hint removed a kind", c->what);
	ck_assert_int_eq(f->kind, usb_kind_primary(c->want));
	ck_assert_uint_eq(dev->kinds, c->want);
	free(dev);
}
END_TEST

/* Strings are untrusted: a full buffer without NUL, and a has_string=false string, are safe. */
START_TEST(test_unterminated_strings)
{
	struct usb_device_info *dev = one_iface(0xff, 0xff, 0xff);
	struct usb_iface_info *f = &dev->ifaces[0];

	f->has_string = true;
	memset(f->string, 'A', sizeof(f->string));
	memcpy(f->string + sizeof(f->string) - 3, "MTP", 3); /* word at the very end, no NUL */
	memcpy(f->compat_id, "MTPMTPMTP", sizeof(f->compat_id));
	classify_device(dev);
	ck_assert_uint_eq(f->kinds, K(OTHER)); /* "AAA...MTP" is one word; compat is not "MTP" */

	f->string[sizeof(f->string) - 4] = ' ';
	classify_device(dev);
	ck_assert_uint_eq(f->kinds, K(MTP) | K(OTHER));

	f->has_string = false; /* stale text is ignored when the shell says there is none */
	classify_device(dev);
	ck_assert_uint_eq(f->kinds, K(OTHER));
	free(dev);
}
END_TEST

/* An interface whose alt 0 is HID and alt 1 mass storage is both, primary mass storage. */
START_TEST(test_alt_union)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x1234, 0x5678, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, 0x03, 0x01, 0x01);
	desc_build_ep(&b, 0x81, 3);
	desc_build_iface(&b, 0, 1, 0x08, 0x06, 0x50);
	desc_build_ep(&b, 0x81, 2);
	desc_build_ep(&b, 0x02, 2);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	classify_device(dev);
	ck_assert_uint_eq(dev->n_ifaces, 1);
	ck_assert_uint_eq(dev->ifaces[0].cls, 0x03); /* the interface looks like a keyboard ... */
	ck_assert_uint_eq(dev->ifaces[0].kinds, K(HID) | K(MASS_STORAGE));
	ck_assert_int_eq(dev->ifaces[0].kind, USB_KIND_MASS_STORAGE); /* ... but is storage */
	ck_assert_uint_eq(dev->kinds, K(HID) | K(MASS_STORAGE));
	free(dev);
}
END_TEST

/* RNDIS visible only in the IAD: the ACM-looking interfaces are network too. Without the IAD,
 * the same interfaces are serial + CDC data. An IAD of ef/02/01 adds nothing. */
START_TEST(test_rndis_via_iad)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	static const uint8_t iad_cls[][3] = { { 0xe0, 0x01, 0x03 }, { 0xef, 0x02, 0x01 } };

	ck_assert_ptr_nonnull(dev);
	for (unsigned v = 0; v < 3; v++) {
		memset(&b, 0, sizeof(b));
		desc_build_device(&b, 0x04e8, 0x6863, 0, 1);
		desc_build_config(&b, 1);
		if (v < 2)
			desc_build_iad(&b, 0, 2, iad_cls[v][0], iad_cls[v][1], iad_cls[v][2]);
		desc_build_iface(&b, 0, 0, 0x02, 0x02, 0x01);
		desc_build_ep(&b, 0x81, 3);
		desc_build_iface(&b, 1, 0, 0x0a, 0x00, 0x00);
		desc_build_config_end(&b);
		ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
		classify_device(dev);
		if (v == 0) {
			ck_assert_uint_eq(dev->ifaces[0].kinds, K(NETWORK) | K(SERIAL));
			ck_assert_int_eq(dev->ifaces[0].kind, USB_KIND_NETWORK);
		} else {
			ck_assert_uint_eq(dev->ifaces[0].kinds, K(SERIAL));
			ck_assert_int_eq(dev->ifaces[0].kind, USB_KIND_SERIAL);
		}
		ck_assert_uint_eq(dev->ifaces[1].kinds, K(NETWORK));
	}
	free(dev);
}
END_TEST

/* The MTP database hint: to every 06/ff interface with bulk endpoints; if none has any, to every
 * 06/ff interface. */
START_TEST(test_mtp_db)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x041e, 0x4157, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, 0x06, 0x01, 0x01); /* no endpoints */
	desc_build_iface(&b, 1, 0, 0xff, 0xff, 0xff);
	desc_build_ep(&b, 0x81, 2);
	desc_build_iface(&b, 2, 0, 0xff, 0x00, 0x00); /* interrupt only */
	desc_build_ep(&b, 0x82, 3);
	desc_build_iface(&b, 3, 0, 0x08, 0x06, 0x50); /* bulk, but not 06/ff */
	desc_build_ep(&b, 0x83, 2);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	dev->mtp_db_hit = true;
	classify_device(dev);
	ck_assert_uint_eq(dev->ifaces[0].kinds, K(PTP));
	ck_assert_uint_eq(dev->ifaces[1].kinds, K(MTP) | K(OTHER));
	ck_assert_uint_eq(dev->ifaces[2].kinds, K(OTHER));
	ck_assert_uint_eq(dev->ifaces[3].kinds, K(MASS_STORAGE));

	/* no 06/ff interface has bulk endpoints: all 06/ff interfaces get mtp */
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x041e, 0x4157, 0, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, 0x06, 0x01, 0x01);
	desc_build_iface(&b, 1, 0, 0xff, 0x00, 0x00);
	desc_build_ep(&b, 0x82, 3);
	desc_build_iface(&b, 2, 0, 0x03, 0x00, 0x00);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	dev->mtp_db_hit = true;
	classify_device(dev);
	ck_assert_uint_eq(dev->ifaces[0].kinds, K(MTP) | K(PTP));
	ck_assert_uint_eq(dev->ifaces[1].kinds, K(MTP) | K(OTHER));
	ck_assert_uint_eq(dev->ifaces[2].kinds, K(HID));

	dev->mtp_db_hit = false; /* and without the hint, none */
	classify_device(dev);
	ck_assert_uint_eq(dev->kinds, K(PTP) | K(OTHER) | K(HID));
	free(dev);
}
END_TEST

/* bDeviceClass 09 adds hub to the device even if no interface says so. */
START_TEST(test_device_class_hub)
{
	static struct desc_builder b;
	struct usb_device_info *dev = calloc(1, sizeof(*dev));

	ck_assert_ptr_nonnull(dev);
	memset(&b, 0, sizeof(b));
	desc_build_device(&b, 0x05e3, 0x0608, 0x09, 1);
	desc_build_config(&b, 1);
	desc_build_iface(&b, 0, 0, 0xff, 0x00, 0x00);
	desc_build_config_end(&b);
	ck_assert_int_eq(usb_device_set_descriptors(dev, b.b, b.n), 0);
	classify_device(dev);
	ck_assert_uint_eq(dev->kinds, K(HUB) | K(OTHER));
	ck_assert_uint_eq(dev->ifaces[0].kinds, K(OTHER));
	free(dev);
}
END_TEST

/* A device whose descriptors failed to parse has no kinds, even with hints and stale state. */
START_TEST(test_unparsed_has_no_kinds)
{
	struct usb_device_info *dev = one_iface(0x08, 0x06, 0x50);

	classify_device(dev);
	ck_assert_uint_eq(dev->kinds, K(MASS_STORAGE));
	dev->desc_status = -EBADMSG; /* as usb_device_set_descriptors() leaves a bad blob */
	dev->mtp_db_hit = true;
	classify_device(dev);
	ck_assert_uint_eq(dev->kinds, 0);
	ck_assert_uint_eq(dev->ifaces[0].kinds, 0);
	classify_device(NULL);
	free(dev);
}
END_TEST

START_TEST(test_kind_names)
{
	for (int k = 0; k < _USB_KIND_MAX; k++) {
		const char *s = usb_kind_to_string(k);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(usb_kind_from_string(s), k);
		ck_assert_int_eq(usb_kind_primary(USB_KIND_BIT(k) | K(OTHER)), k);
	}
	ck_assert_str_eq(usb_kind_to_string(USB_KIND_MASS_STORAGE), "mass-storage");
	ck_assert_str_eq(usb_kind_to_string(USB_KIND_APPLE_USBMUX), "apple-usbmux");
	ck_assert_ptr_null(usb_kind_to_string(_USB_KIND_MAX));
	ck_assert_ptr_null(usb_kind_to_string((enum usb_kind) - 1));
	ck_assert_int_eq(usb_kind_from_string("MTP"), -EINVAL); /* names are lower case */
	ck_assert_int_eq(usb_kind_from_string(""), -EINVAL);
	ck_assert_int_eq(usb_kind_from_string(NULL), -EINVAL);
	ck_assert_int_eq(usb_kind_primary(0), USB_KIND_OTHER);
	ck_assert_int_eq(usb_kind_primary(K(HID) | K(MTP) | K(NETWORK)), USB_KIND_MTP);
	ck_assert_int_eq(usb_kind_primary(~(usb_kind_mask)0 & ~USB_KIND_MASK_ALL), USB_KIND_OTHER);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("dataset");
	tcase_add_loop_test(tc, test_dataset, 0, n_names);
	tcase_add_test(tc, test_dataset_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_alt, 0, (int)ARRAY_SIZE(alt_cases));
	tcase_add_test(tc, test_mtp_shape_needs_all_three);
	tcase_add_loop_test(tc, test_hints, 0, (int)ARRAY_SIZE(hint_cases));
	tcase_add_test(tc, test_unterminated_strings);
	tcase_add_test(tc, test_alt_union);
	tcase_add_test(tc, test_rndis_via_iad);
	tcase_add_test(tc, test_mtp_db);
	tcase_add_test(tc, test_device_class_hub);
	tcase_add_test(tc, test_unparsed_has_no_kinds);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_wants_ep0_hints);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	n_names = desc_testcase_list(DATA, &names);
	if (n_names < 0) {
		fprintf(stderr, "%s: %s\n", DATA, strerror(-n_names));
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	desc_testcase_names_free(names);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
