/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy evaluation: first-match order, scopes, partial decisions, charge-only phones, the safety
 * rules, the action-dependent kind/class semantics, the built-in default on every kind, and two
 * property tests over random policies and devices: monotonicity (adding a kind or a class triple
 * never turns a blocked interface into an allowed one) and index == linear scan.
 *
 * Devices are built by filling struct usb_device_info directly (as classify_device() would leave
 * them), so these tests depend on the device model only, not on the descriptor parser.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc_testdata.h"
#include "policy/device/classify.h"
#include "policy/lang/policy.h"
#include "policy/lang/policy_internal.h"

#define K(k) USB_KIND_BIT(USB_KIND_##k)

static struct policy *load(const char *text)
{
	struct policy *p = NULL;
	struct policy_error err = { 0 };
	int r = policy_load_from_bytes(text, strlen(text), "test", &p, &err);
	ck_assert_msg(r == 0, "policy did not load: %d: %s\n%s", err.line, err.reason, text);
	return p;
}

static struct usb_device_info *dev_new(uint16_t vid, uint16_t pid, const char *serial)
{
	struct usb_device_info *d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	d->desc.vid = vid;
	d->desc.pid = pid;
	strcpy(d->busid, "1-2.3");
	if (serial) {
		d->has_serial = true;
		snprintf(d->serial, sizeof(d->serial), "%s", serial);
	}
	return d;
}

static void add_alt(struct usb_device_info *d, uint16_t iface, uint8_t c, uint8_t s, uint8_t p)
{
	struct usb_iface_info *f = &d->ifaces[iface];
	ck_assert_uint_lt(d->desc.n_alts, USB_MAX_IFACE_ALTS);
	d->desc.alts[d->desc.n_alts++] = (struct usb_iface_alt){
		.config_value = f->config_value,
		.number = f->number,
		.alt = f->n_alts,
		.cls = c,
		.subclass = s,
		.protocol = p,
	};
	f->n_alts++;
}

static uint16_t add_iface(struct usb_device_info *d, usb_kind_mask kinds, uint8_t c, uint8_t s,
                          uint8_t p)
{
	uint16_t i = d->n_ifaces++;
	struct usb_iface_info *f = &d->ifaces[i];
	f->config_value = 1;
	f->number = (uint8_t)i;
	f->cls = c;
	f->subclass = s;
	f->protocol = p;
	f->kinds = kinds;
	f->kind = usb_kind_primary(kinds);
	f->first_alt = d->desc.n_alts;
	add_alt(d, i, c, s, p);
	d->kinds |= kinds;
	return i;
}

static void eval(const struct policy *p, const struct usb_device_info *d, struct decision *ret)
{
	policy_evaluate(p, d, NULL, ret);
	/* every decision is also checked against the reference scan */
	struct decision *lin = malloc(sizeof(*lin));
	ck_assert_ptr_nonnull(lin);
	policy_evaluate_linear(p, d, NULL, lin);
	ck_assert_int_eq(lin->n_ifaces, ret->n_ifaces);
	for (uint16_t i = 0; i < ret->n_ifaces; i++) {
		ck_assert_int_eq(lin->ifaces[i].action, ret->ifaces[i].action);
		ck_assert_int_eq(lin->ifaces[i].rule_index, ret->ifaces[i].rule_index);
	}
	free(lin);
}

START_TEST(test_first_match_order)
{
	struct policy *p1 = load("version=1; serial=1; rules = ("
	                         "{ id=\"b\"; action=\"block\"; kind=\"hid\"; },"
	                         "{ id=\"a\"; action=\"allow\"; kind=\"hid\"; });");
	struct policy *p2 = load("version=1; serial=1; rules = ("
	                         "{ id=\"a\"; action=\"allow\"; kind=\"hid\"; },"
	                         "{ id=\"b\"; action=\"block\"; kind=\"hid\"; });");
	struct usb_device_info *d = dev_new(0x046d, 0xc31c, NULL);
	struct decision dec;
	add_iface(d, K(HID), 3, 1, 1);

	eval(p1, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.ifaces[0].rule_id, "b");
	ck_assert_int_eq(dec.ifaces[0].rule_index, 0);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(!dec.authorize_device);

	eval(p2, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_str_eq(dec.rule_id, "a");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert(dec.authorize_device);
	ck_assert(!dec.charge_only);
	ck_assert(!dec.noteworthy);
	ck_assert_ptr_null(dec.reason);
	policy_free(p1);
	policy_free(p2);
	free(d);
}
END_TEST

/* Keyboard + storage on one device with the example policy: one allowed, one blocked. */
START_TEST(test_partial)
{
	struct policy *p =
	    load("version=1; serial=1; rules = ("
	         "{ id=\"keyboards\"; action=\"allow\"; kind=[\"hid\"]; },"
	         "{ id=\"it-sticks\"; action=\"allow\"; scope=\"device\"; vid=0x0781; pid=[0x5567];"
	         "  serial=[\"4C530001\",\"4C530002\"]; },"
	         "{ id=\"no-storage\"; action=\"block\"; class=[\"08:*:*\"]; },"
	         "{ id=\"audit-cams\"; action=\"log\"; kind=\"video\"; });");
	struct usb_device_info *d = dev_new(0x1234, 0x0001, "X");
	struct decision dec;
	add_iface(d, K(HID), 3, 1, 1);
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);

	eval(p, d, &dec);
	ck_assert_int_eq(dec.n_ifaces, 2);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_str_eq(dec.ifaces[0].rule_id, "keyboards");
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.ifaces[1].rule_id, "no-storage");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_PARTIAL);
	ck_assert(dec.authorize_device);
	ck_assert_ptr_null(dec.rule_id); /* decided by different rules */

	/* the IT stick: the device rule decides all its interfaces, storage included */
	struct usb_device_info *s = dev_new(0x0781, 0x5567, "4C530002");
	add_iface(s, K(MASS_STORAGE), 8, 6, 0x50);
	eval(p, s, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_str_eq(dec.rule_id, "it-sticks");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);

	/* same model, other serial: blocked by class */
	snprintf(s->serial, sizeof(s->serial), "4C530003");
	eval(p, s, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.rule_id, "no-storage");

	/* a webcam: logged, allowed, noteworthy */
	struct usb_device_info *c = dev_new(0x046d, 0x0825, NULL);
	add_iface(c, K(VIDEO), 0x0e, 1, 0);
	add_iface(c, K(VIDEO), 0x0e, 2, 0);
	eval(p, c, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_LOG);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_LOG);
	ck_assert(dec.noteworthy);
	ck_assert(dec.authorize_device);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_str_eq(dec.rule_id, "audit-cams");

	policy_free(p);
	free(d);
	free(s);
	free(c);
}
END_TEST

START_TEST(test_device_scope)
{
	/* a device-scope block by kind stops every interface of a phone, its HID one too */
	struct policy *p =
	    load("version=1; serial=1; rules = ("
	         "{ id=\"no-phones\"; action=\"block\"; scope=\"device\"; kind=\"mtp\"; },"
	         "{ id=\"hid\"; action=\"allow\"; kind=\"hid\"; });");
	struct usb_device_info *d = dev_new(0x18d1, 0x4ee1, NULL);
	struct decision dec;
	add_iface(d, K(HID), 3, 0, 0);
	add_iface(d, K(MTP), 6, 1, 1);
	eval(p, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.rule_id, "no-phones");
	/* charge_only defaults to the phone kinds: configured, nothing allowed */
	ck_assert(dec.authorize_device);
	ck_assert(dec.charge_only);
	policy_free(p);

	/* device-scope allow by kind: EVERY kind of the device must be in the set */
	p = load("version=1; serial=1; rules = ("
	         "{ id=\"kbd\"; action=\"allow\"; scope=\"device\"; kind=\"hid\"; });");
	struct usb_device_info *k = dev_new(1, 2, NULL);
	add_iface(k, K(HID), 3, 1, 1);
	add_iface(k, K(HID), 3, 0, 0);
	eval(p, k, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_str_eq(dec.rule_id, "kbd");
	/* a "keyboard" that also has storage gets nothing from this rule, not even its HID part */
	add_iface(k, K(MASS_STORAGE), 8, 6, 0x50);
	eval(p, k, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_str_eq(dec.rule_id, "default");
	ck_assert_int_eq(dec.ifaces[0].rule_index, -1);
	ck_assert(!dec.authorize_device);
	policy_free(p);

	/* an interface rule before a device rule keeps the interfaces it decides */
	p = load("version=1; serial=1; default=\"allow\"; rules = ("
	         "{ id=\"no-storage\"; action=\"block\"; kind=\"mass-storage\"; },"
	         "{ id=\"vendor\"; action=\"allow\"; scope=\"device\"; vid=1; });");
	eval(p, k, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_str_eq(dec.ifaces[0].rule_id, "vendor");
	ck_assert_int_eq(dec.ifaces[2].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.ifaces[2].rule_id, "no-storage");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_PARTIAL);
	ck_assert_str_eq(dec.rule_id, "vendor"); /* the device-scope rule that decided */
	policy_free(p);

	/* device-scope class rule: the union of all interfaces' triples */
	p = load("version=1; serial=1; rules = ("
	         "{ id=\"hid-only\"; action=\"allow\"; scope=\"device\"; class=\"03:*:*\"; },"
	         "{ id=\"any-storage\"; action=\"block\"; scope=\"device\"; class=\"08:*:*\"; },"
	         "{ id=\"rest\"; action=\"allow\"; });");
	eval(p, k, &dec);
	ck_assert_str_eq(dec.rule_id, "any-storage");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	k->n_ifaces = 2;
	eval(p, k, &dec);
	ck_assert_str_eq(dec.rule_id, "hid-only");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	policy_free(p);
	free(d);
	free(k);
}
END_TEST

START_TEST(test_charge_only)
{
	struct policy *b = policy_builtin_default();
	struct policy *none = load("version=1; serial=1; charge_only=[];");
	struct usb_device_info *phone = dev_new(0x05ac, 0x12a8, "abc");
	struct decision dec;
	ck_assert_ptr_nonnull(b);
	add_iface(phone, K(PTP), 6, 1, 1);
	add_iface(phone, K(APPLE_USBMUX), 0xff, 0xfe, 2);
	add_iface(phone, K(APPLE_ETHERNET), 0xff, 0xfd, 1);

	eval(b, phone, &dec);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(dec.ifaces[i].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(dec.authorize_device);
	ck_assert(dec.charge_only);

	eval(none, phone, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(!dec.authorize_device);
	ck_assert(!dec.charge_only);

	/* a storage stick is not charge-only under the built-in default */
	struct usb_device_info *stick = dev_new(0x0781, 0x5567, NULL);
	add_iface(stick, K(MASS_STORAGE), 8, 6, 0x50);
	eval(b, stick, &dec);
	ck_assert(!dec.authorize_device);
	ck_assert(!dec.charge_only);

	/* any allowed interface: authorized, not charge-only */
	add_iface(phone, K(HID), 3, 0, 0);
	eval(b, phone, &dec);
	ck_assert(dec.authorize_device);
	ck_assert(!dec.charge_only);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_PARTIAL);
	policy_free(b);
	policy_free(none);
	free(phone);
	free(stick);
}
END_TEST

/* A data-set device (tests/data/descriptors/NAME), classified; vid overrides when non-zero. */
static struct usb_device_info *fixture(const char *name, uint16_t vid)
{
	struct desc_testcase *tc = NULL;
	struct usb_device_info *d = calloc(1, sizeof(*d));

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(desc_testcase_load(TEST_DATA_DIR "/descriptors", name, &tc), 0);
	ck_assert_int_eq(desc_testcase_apply(tc, d), 0);
	if (vid)
		d->desc.vid = vid;
	classify_device(d);
	desc_testcase_free(tc);
	return d;
}

/*
 * A phone in USB-tethering mode (its only data functions are network functions) from a phone
 * maker's vendor id is charge-only under the built-in default, like every other phone mode; the
 * same interfaces from anyone else stay blocked whole.
 */
START_TEST(test_tethering_phone_charges)
{
	struct policy *b = policy_builtin_default();
	struct policy *own =
	    load("version=1; serial=1; charge_only=[]; charge_only_vendors=0x22b8;");
	struct decision dec;
	static const struct {
		const char *fixture;
		uint16_t vid;
		bool charge_only;
	} cases[] = {
		{ "rndis-tether", 0, true },    /* Pixel 7, 18d1:4ee3, RNDIS */
		{ "ecm-tether", 0, false },     /* Linux gadget 0525: not a phone maker */
		{ "ecm-tether", 0x04e8, true }, /* the same ECM interfaces from Samsung */
		{ "ncm-tether", 0x2717, true }, /* NCM from Xiaomi */
		{ "usb-stick", 0x18d1, false }, /* a phone maker's storage is not network */
	};
	ck_assert_ptr_nonnull(b);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct usb_device_info *d = fixture(cases[i].fixture, cases[i].vid);

		eval(b, d, &dec);
		ck_assert_msg(dec.charge_only == cases[i].charge_only, "%s %04x: charge_only %d",
		              cases[i].fixture, d->desc.vid, dec.charge_only);
		ck_assert_int_eq(dec.authorize_device, cases[i].charge_only);
		ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
		for (uint16_t k = 0; k < dec.n_ifaces; k++)
			ck_assert_int_eq(dec.ifaces[k].action, POLICY_ACTION_BLOCK);
		free(d);
	}

	/* a network interface beside a mass-storage one: not tethering, blocked whole */
	struct usb_device_info *mixed = dev_new(0x18d1, 0x4ee3, NULL);
	add_iface(mixed, K(NETWORK), 2, 2, 0xff);
	add_iface(mixed, K(MASS_STORAGE), 8, 6, 0x50);
	eval(b, mixed, &dec);
	ck_assert(!dec.charge_only);
	ck_assert(!dec.authorize_device);

	/* a policy's own list, and none when a policy does not name any */
	struct usb_device_info *moto = dev_new(0x22b8, 0x2e24, NULL);
	add_iface(moto, K(NETWORK), 2, 2, 0xff);
	add_iface(moto, K(NETWORK), 0x0a, 0, 0);
	eval(own, moto, &dec);
	ck_assert(dec.charge_only);
	moto->desc.vid = 0x18d1;
	eval(own, moto, &dec);
	ck_assert(!dec.charge_only);
	policy_free(b);
	policy_free(own);
	free(mixed);
	free(moto);
}
END_TEST

/* At most POLICY_MAX_CHARGE_ONLY_VENDORS ids. */
START_TEST(test_charge_only_vendors_cap)
{
	char *text = malloc(16 * 2048);
	struct policy *p = NULL;
	struct policy_error err = { 0 };
	size_t off = 0;

	ck_assert_ptr_nonnull(text);
	for (unsigned n = POLICY_MAX_CHARGE_ONLY_VENDORS; n <= POLICY_MAX_CHARGE_ONLY_VENDORS + 1;
	     n++) {
		off = (size_t)sprintf(text, "version=1;\nserial=1;\ncharge_only_vendors=[");
		for (unsigned i = 0; i < n; i++)
			off += (size_t)sprintf(text + off, "%s%u", i ? "," : "", i);
		strcpy(text + off, "];\n");
		int r = policy_load_from_bytes(text, strlen(text), "cap", &p, &err);
		if (n == POLICY_MAX_CHARGE_ONLY_VENDORS) {
			ck_assert_int_eq(r, 0);
			p = policy_free(p);
		} else {
			ck_assert_int_eq(r, -EBADMSG);
			ck_assert_int_eq(err.line, 3);
			ck_assert_msg(strstr(err.reason, "the limit is 1024"), "%s", err.reason);
		}
	}
	free(text);
}
END_TEST

START_TEST(test_safety)
{
	struct policy *p = load("version=1; serial=1; default=\"allow\"; rules=("
	                        "{ id=\"all\"; action=\"allow\"; scope=\"device\"; });");
	struct usb_device_info *d = dev_new(1, 1, NULL);
	struct decision dec;
	char buf[128];

	/* zero interfaces: nothing to decide, nothing authorized */
	eval(p, d, &dec);
	ck_assert_int_eq(dec.n_ifaces, 0);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(!dec.authorize_device);
	ck_assert_str_eq(dec.reason, "no interfaces");
	ck_assert_str_eq(dec.rule_id, "(no-interfaces)");

	/* malformed descriptors: blocked whatever the policy says */
	add_iface(d, K(HID), 3, 1, 1);
	add_iface(d, K(MTP), 6, 1, 1);
	d->desc_status = -EBADMSG;
	d->desc_error.reason = "bLength past the end";
	eval(p, d, &dec);
	ck_assert_int_eq(dec.n_ifaces, 2);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(dec.ifaces[0].rule_index, -1);
	ck_assert_str_eq(dec.ifaces[0].rule_id, "(malformed)");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(!dec.authorize_device);
	ck_assert(!dec.charge_only); /* not even to charge */
	ck_assert_str_eq(dec.reason, "descriptors malformed");
	ck_assert_str_eq(decision_format_reason(&dec, buf, sizeof(buf)),
	                 "descriptors malformed: bLength past the end");
	ck_assert_str_eq(decision_format_reason(&dec, buf, 12), "descriptors");

	/* more interfaces than a decision holds */
	d->desc_status = 0;
	d->n_ifaces = USB_MAX_IFACES + 1;
	eval(p, d, &dec);
	ck_assert_int_eq(dec.n_ifaces, USB_MAX_IFACES);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert(!dec.authorize_device);
	ck_assert_str_eq(dec.reason, "too many interfaces");

	/* device strings without a NUL inside their buffers are read bounded */
	d->n_ifaces = 2;
	d->has_serial = d->has_product = d->has_manufacturer = true;
	memset(d->serial, 'A', sizeof(d->serial));
	memset(d->product, 'B', sizeof(d->product));
	memset(d->manufacturer, 'C', sizeof(d->manufacturer));
	memset(d->busid, '1', sizeof(d->busid));
	eval(p, d, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_ptr_null(dec.reason);
	ck_assert_str_eq(decision_format_reason(&dec, buf, sizeof(buf)), "");
	policy_free(p);
	free(d);
}
END_TEST

/* allow/log need EVERY kind and class triple in their set; block needs ANY. */
START_TEST(test_kind_class_semantics)
{
	struct policy *allow = load("version=1; serial=1; rules=("
	                            "{ id=\"a\"; action=\"allow\"; kind=[\"hid\",\"audio\"]; });");
	struct policy *block = load("version=1; serial=1; default=\"allow\"; rules=("
	                            "{ id=\"b\"; action=\"block\"; kind=\"mass-storage\"; });");
	struct usb_device_info *d = dev_new(1, 1, NULL);
	struct decision dec;
	add_iface(d, K(HID) | K(AUDIO), 3, 0, 0);
	add_iface(d, K(HID) | K(MASS_STORAGE), 3, 0, 0);

	eval(allow, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	eval(block, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_str_eq(dec.ifaces[1].rule_id, "b");
	policy_free(allow);
	policy_free(block);

	/* class: a video interface with a storage alternate setting, and one inside an IAD */
	allow = load("version=1; serial=1; rules=("
	             "{ id=\"video\"; action=\"allow\"; class=[\"0e:*:*\"]; });");
	block = load("version=1; serial=1; default=\"allow\"; rules=("
	             "{ id=\"no-storage\"; action=\"block\"; class=\"08:06:*\"; });");
	struct usb_device_info *v = dev_new(2, 2, NULL);
	add_iface(v, K(VIDEO), 0x0e, 1, 0);
	add_iface(v, K(VIDEO), 0x0e, 2, 0);
	add_alt(v, 1, 0x08, 0x06, 0x50);
	add_iface(v, K(VIDEO), 0x0e, 2, 0);
	v->desc.alts[v->ifaces[2].first_alt].in_iad = true;
	v->desc.alts[v->ifaces[2].first_alt].iad_cls = 0xef;
	v->desc.alts[v->ifaces[2].first_alt].iad_subclass = 2;
	v->desc.alts[v->ifaces[2].first_alt].iad_protocol = 1;

	eval(allow, v, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK); /* alt 1 is storage */
	ck_assert_int_eq(dec.ifaces[2].action, POLICY_ACTION_BLOCK); /* IAD ef:02:01 */
	eval(block, v, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_BLOCK);
	ck_assert_int_eq(dec.ifaces[2].action, POLICY_ACTION_ALLOW);
	policy_free(allow);
	policy_free(block);

	/* an unclassified interface (kinds == 0) counts as "other" */
	allow =
	    load("version=1; serial=1; rules=({ id=\"o\"; action=\"allow\"; kind=\"other\"; });");
	v->ifaces[0].kinds = 0;
	v->n_ifaces = 1;
	eval(allow, v, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	policy_free(allow);
	free(d);
	free(v);
}
END_TEST

START_TEST(test_device_keys)
{
	struct usb_device_info *d = dev_new(0x0781, 0x5567, "4C530001");
	struct decision dec;
	char hash[65];
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
	for (int i = 0; i < 32; i++)
		d->desc_sha256[i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02X", d->desc_sha256[i]);
	d->has_manufacturer = d->has_product = true;
	strcpy(d->manufacturer, "SanDisk");
	strcpy(d->product, "Cruzer Blade");

	static const struct {
		const char *keys;
		bool match;
	} cases[] = {
		{ "vid=0x0781;", true },
		{ "vid=[1,2,0x0781];", true },
		{ "vid=0x0782;", false },
		{ "vid=0x0781; pid=0x5568;", false },
		{ "pid=[0x5567];", true },
		{ "serial=\"4C530001\";", true },
		{ "serial=\"4c530001\";", false }, /* exact */
		{ "serial=\"4C53000\";", false },
		{ "manufacturer=\"San*\";", true },
		{ "manufacturer=\"san*\";", false },
		{ "product=[\"Ultra*\", \"Cruzer ?lade\"];", true },
		{ "port=\"1-2.*\";", true },
		{ "port=\"1-3*\";", false },
		{ "hash=\"HASH\";", true },
		{ "hash=\"0000000000000000000000000000000000000000000000000000000000000000\";",
		  false },
		{ "vid=0x0781; serial=\"4C530001\"; kind=\"mass-storage\"; class=\"08:06:50\";",
		  true },
		{ "vid=0x0781; serial=\"4C530001\"; kind=\"hid\";", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char keys[256], text[512];
		const char *c = cases[i].keys, *m = strstr(c, "HASH");
		if (m)
			snprintf(keys, sizeof(keys), "%.*s%s%s", (int)(m - c), c, hash, m + 4);
		else
			snprintf(keys, sizeof(keys), "%s", c);
		snprintf(text, sizeof(text),
		         "version=1; serial=1; rules=({ id=\"r\"; action=\"allow\"; %s });", keys);
		struct policy *p = load(text);
		eval(p, d, &dec);
		ck_assert_msg((dec.ifaces[0].action == POLICY_ACTION_ALLOW) == cases[i].match,
		              "%s: got %s", keys, policy_action_to_string(dec.ifaces[0].action));
		policy_free(p);
	}

	/* a device without a serial, manufacturer or product never matches those keys */
	d->has_serial = d->has_manufacturer = d->has_product = false;
	struct policy *p = load("version=1; serial=1; rules=("
	                        "{ id=\"s\"; action=\"block\"; serial=\"4C530001\"; },"
	                        "{ id=\"m\"; action=\"block\"; manufacturer=\"*\"; },"
	                        "{ id=\"p\"; action=\"block\"; product=\"*\"; },"
	                        "{ id=\"rest\"; action=\"log\"; });");
	eval(p, d, &dec);
	ck_assert_str_eq(dec.ifaces[0].rule_id, "rest");
	policy_free(p);
	free(d);
}
END_TEST

START_TEST(test_builtin_every_kind)
{
	struct policy *b = policy_builtin_default();
	const usb_kind_mask allowed =
	    K(HID) | K(HUB) | K(SMARTCARD) | K(AUDIO) | K(VIDEO) | K(PRINTER);
	const usb_kind_mask phone = K(MTP) | K(PTP) | K(ADB) | K(APPLE_USBMUX) | K(APPLE_ETHERNET);
	struct decision dec;
	ck_assert_ptr_nonnull(b);

	for (int k = 0; k < _USB_KIND_MAX; k++) {
		struct usb_device_info *d = dev_new(0x1234, 0x5678, NULL);
		add_iface(d, USB_KIND_BIT(k), 0xff, 0, 0);
		eval(b, d, &dec);
		bool want = allowed & USB_KIND_BIT(k);
		ck_assert_msg((dec.ifaces[0].action == POLICY_ACTION_ALLOW) == want, "kind %s: %s",
		              usb_kind_to_string(k), policy_action_to_string(dec.ifaces[0].action));
		ck_assert_int_eq(dec.authorize_device, want || (phone & USB_KIND_BIT(k)));
		ck_assert_int_eq(dec.charge_only, !want && (phone & USB_KIND_BIT(k)));
		ck_assert(!dec.noteworthy);

		/* paired with any data kind on the same interface: blocked */
		d->ifaces[0].kinds |= K(MASS_STORAGE);
		eval(b, d, &dec);
		ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
		free(d);
	}
	policy_free(b);
}
END_TEST

/* ---- property tests ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const class_pool[] = { "03:*:*",  "08:06:50", "*:*:*",    "ff:*:*",
	                                  "0e:01:*", "08:*:*",   "06:01:01", "*:ff:*" };
static const uint8_t triple_pool[][3] = { { 3, 1, 1 },    { 8, 6, 0x50 }, { 0xff, 0x42, 1 },
	                                  { 0x0e, 1, 0 }, { 6, 1, 1 },    { 0xe0, 1, 1 } };
static const uint16_t vid_pool[] = { 0x1111, 0x2222, 0x3333 };
static const char *const serial_pool[] = { "S1", "S2", "S3", "S4" };

static usb_kind_mask random_kinds(void)
{
	usb_kind_mask m = 0;
	for (uint32_t n = 1 + rnd(2); n; n--)
		m |= USB_KIND_BIT(rnd(_USB_KIND_MAX));
	return m;
}

static char *random_policy(size_t n_rules)
{
	size_t cap = 512 + n_rules * 512, o = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	static const char *const actions[] = { "allow", "block", "log" };
	o += (size_t)snprintf(t + o, cap - o, "version=1; serial=1; default=\"%s\";%s rules=(\n",
	                      actions[rnd(3)], rnd(2) ? " charge_only=[];" : "");
	for (size_t i = 0; i < n_rules; i++) {
		o += (size_t)snprintf(t + o, cap - o, "{ id=\"r%zu\"; action=\"%s\";%s", i,
		                      actions[rnd(3)], rnd(4) == 0 ? " scope=\"device\";" : "");
		if (rnd(2)) {
			usb_kind_mask m = random_kinds() | random_kinds();
			o += (size_t)snprintf(t + o, cap - o, " kind=[");
			for (int k = 0; k < _USB_KIND_MAX; k++)
				if (m & USB_KIND_BIT(k))
					o += (size_t)snprintf(t + o, cap - o, "\"%s\",",
					                      usb_kind_to_string(k));
			o--; /* trailing comma */
			o += (size_t)snprintf(t + o, cap - o, "];");
		}
		if (rnd(3) == 0)
			o += (size_t)snprintf(t + o, cap - o, " class=[\"%s\",\"%s\"];",
			                      class_pool[rnd(8)], class_pool[rnd(8)]);
		if (rnd(3) == 0)
			o += (size_t)snprintf(t + o, cap - o, " vid=%u;", vid_pool[rnd(3)]);
		if (rnd(4) == 0)
			o += (size_t)snprintf(t + o, cap - o, " pid=[%u,%u];", rnd(3), rnd(3));
		if (rnd(3) == 0)
			o += (size_t)snprintf(t + o, cap - o, " serial=[\"%s\",\"%s\"];",
			                      serial_pool[rnd(4)], serial_pool[rnd(4)]);
		if (rnd(6) == 0)
			o += (size_t)snprintf(t + o, cap - o, " hash=\"%064x\";", rnd(2));
		if (rnd(6) == 0)
			o += (size_t)snprintf(t + o, cap - o, " product=\"P*\";");
		o += (size_t)snprintf(t + o, cap - o, " }%s\n", i + 1 < n_rules ? "," : "");
	}
	o += (size_t)snprintf(t + o, cap - o, ");\n");
	ck_assert_uint_lt(o, cap);
	return t;
}

static struct usb_device_info *random_device(void)
{
	struct usb_device_info *d =
	    dev_new(vid_pool[rnd(3)], (uint16_t)rnd(3), rnd(4) ? serial_pool[rnd(4)] : NULL);
	d->desc_sha256[31] = (uint8_t)rnd(2);
	if (rnd(2)) {
		d->has_product = true;
		strcpy(d->product, rnd(2) ? "P1" : "Q1");
	}
	for (uint32_t n = 1 + rnd(4); n; n--) {
		const uint8_t *t = triple_pool[rnd(6)];
		uint16_t i = add_iface(d, random_kinds(), t[0], t[1], t[2]);
		if (rnd(4) == 0) {
			t = triple_pool[rnd(6)];
			add_alt(d, i, t[0], t[1], t[2]);
		}
	}
	return d;
}

/* Per-rule not_before / not_after / hosts: outside its window or host a rule does not match. */
START_TEST(test_rule_window_hosts)
{
	struct policy *p =
	    load("version=1; serial=1; rules = ("
	         "{ id=\"stick-week\"; action=\"allow\"; scope=\"device\"; serial=\"S1\";"
	         "  not_before=\"2027-01-04T08:00:00Z\"; not_after=\"2027-01-08T18:00:00Z\"; },"
	         "{ id=\"stick-ops\"; action=\"allow\"; scope=\"device\"; serial=\"S2\";"
	         "  hosts=[ \"ops-*\", \"machine-id:0123456789abcdef0123456789abcdef\" ]; },"
	         "{ id=\"hid-until\"; action=\"allow\"; kind=\"hid\"; "
	         "not_after=\"2027-02-01T00:00:00Z\"; },"
	         "{ id=\"no-hid-later\"; action=\"block\"; kind=\"hid\"; "
	         "not_before=\"2027-02-01T00:00:01Z\"; },"
	         "{ id=\"hid\"; action=\"allow\"; kind=\"hid\"; });");
	struct usb_device_info *s1 = dev_new(0x0781, 0x5567, "S1");
	struct usb_device_info *s2 = dev_new(0x0781, 0x5567, "S2");
	struct usb_device_info *kb = dev_new(0x046d, 0xc31c, NULL);
	struct decision dec;
	add_iface(s1, K(MASS_STORAGE), 8, 6, 0x50);
	add_iface(s2, K(MASS_STORAGE), 8, 6, 0x50);
	add_iface(kb, K(HID), 3, 1, 1);
	const int64_t mon = 1799049600; /* 2027-01-04T08:00:00Z */
	struct policy_env env = { .now = mon, .hostname = "ops-01" };

	/* the window: closed before, open on its first second and its last, closed after */
	env.now = mon - 1;
	policy_evaluate(p, s1, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "default");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	env.now = mon;
	policy_evaluate(p, s1, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "stick-week");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert_int_eq(dec.until, mon + 4 * 86400 + 10 * 3600);
	env.now = mon + 4 * 86400 + 10 * 3600;
	policy_evaluate(p, s1, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	env.now++;
	policy_evaluate(p, s1, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_int_eq(dec.until, INT64_MAX);
	/* unknown time: a time-boxed rule does not match */
	policy_evaluate(p, s1, NULL, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	policy_evaluate_linear(p, s1, NULL, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);

	/* hosts: a glob, a machine id, neither */
	env.now = mon;
	policy_evaluate(p, s2, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "stick-ops");
	env.hostname = "OPS-02"; /* hostnames compare without case */
	policy_evaluate(p, s2, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	env.hostname = "lab-01";
	policy_evaluate(p, s2, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	env.machine_id = "0123456789ABCDEF0123456789abcdef\n";
	policy_evaluate(p, s2, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	env.hostname = NULL;
	env.machine_id = NULL;
	policy_evaluate(p, s2, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);
	policy_evaluate_linear(p, s2, &env, &dec);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);

	/* a rule that ends hands over to the next one: allowed until, then blocked by a rule that
	 * begins a second later, whatever the rule after it says */
	env.now = 1801440000 - 1; /* 2027-01-31T23:59:59Z */
	policy_evaluate(p, kb, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "hid-until");
	ck_assert_int_eq(dec.until, 1801440000);
	env.now = 1801440000;
	policy_evaluate(p, kb, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "hid-until");
	env.now++;
	policy_evaluate(p, kb, &env, &dec);
	ck_assert_str_eq(dec.rule_id, "no-hid-later");
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_BLOCK);

	/* the next time a decision may change */
	ck_assert_int_eq(policy_next_change(p, mon - 10), mon);
	ck_assert_int_eq(policy_next_change(p, mon), mon + 4 * 86400 + 10 * 3600 + 1);
	ck_assert_int_eq(policy_next_change(p, 1801440000), 1801440001);
	ck_assert_int_eq(policy_next_change(p, 1801440001), INT64_MAX);

	/* accessors and the lint: a limited rule without match keys shadows nothing */
	ck_assert_int_eq(policy_rule_not_before(p, 0), mon);
	ck_assert_int_eq(policy_rule_not_after(p, 1), INT64_MAX);
	ck_assert_uint_eq(policy_rule_n_hosts(p, 1), 2);
	ck_assert_str_eq(policy_rule_host(p, 1, 0), "ops-*");
	ck_assert_ptr_null(policy_rule_host(p, 1, 2));
	ck_assert(policy_rule_active(p, 1, &(struct policy_env){ .now = 0, .hostname = "ops-9" }));
	ck_assert(!policy_rule_active(p, 0, &(struct policy_env){ .now = 0 }));
	struct policy *q =
	    load("version=1; serial=1; rules = ("
	         "{ id=\"all-today\"; action=\"allow\"; not_after=\"2027-01-01T00:00:00Z\"; },"
	         "{ id=\"x\"; action=\"block\"; kind=\"hid\"; });");
	ck_assert_int_eq(policy_rule_shadowed_by(q, 1), -1);
	policy_free(q);

	free(s1);
	free(s2);
	free(kb);
	policy_free(p);
}
END_TEST

START_TEST(test_monotonic)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	struct decision *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	ck_assert(before && after);
	unsigned checked = 0, changed = 0;

	for (int round = 0; round < 300; round++) {
		char *text = random_policy(1 + rnd(12));
		struct policy *p = load(text);
		for (int n = 0; n < 30; n++) {
			struct usb_device_info *d = random_device();
			eval(p, d, before);
			uint16_t i = (uint16_t)rnd(d->n_ifaces);
			if (rnd(3)) { /* a hint adds a kind */
				usb_kind_mask k = USB_KIND_BIT(rnd(_USB_KIND_MAX));
				d->ifaces[i].kinds |= k;
				d->kinds |= k;
			} else if (d->ifaces[i].first_alt + d->ifaces[i].n_alts == d->desc.n_alts) {
				/* another alternate setting (only appendable to the last interface)
				 */
				const uint8_t *t = triple_pool[rnd(6)];
				add_alt(d, i, t[0], t[1], t[2]);
			}
			eval(p, d, after);
			for (uint16_t j = 0; j < d->n_ifaces; j++) {
				checked++;
				if (before->ifaces[j].action == POLICY_ACTION_BLOCK)
					ck_assert_msg(
					    after->ifaces[j].action == POLICY_ACTION_BLOCK,
					    "interface %u went from block to %s\n%s", j,
					    policy_action_to_string(after->ifaces[j].action), text);
				changed += before->ifaces[j].action != after->ifaces[j].action;
			}
			free(d);
		}
		policy_free(p);
		free(text);
	}
	/* the property is not vacuous: additions do tighten decisions */
	ck_assert_uint_gt(changed, 100);
	ck_assert_uint_gt(checked, 10000);
	free(before);
	free(after);
}
END_TEST

static void assert_same(const struct decision *a, const struct decision *b)
{
	ck_assert_int_eq(a->verdict, b->verdict);
	ck_assert_int_eq(a->authorize_device, b->authorize_device);
	ck_assert_int_eq(a->charge_only, b->charge_only);
	ck_assert_int_eq(a->noteworthy, b->noteworthy);
	ck_assert_pstr_eq(a->rule_id, b->rule_id);
	ck_assert_int_eq(a->n_ifaces, b->n_ifaces);
	for (uint16_t i = 0; i < a->n_ifaces; i++) {
		ck_assert_int_eq(a->ifaces[i].action, b->ifaces[i].action);
		ck_assert_int_eq(a->ifaces[i].rule_index, b->ifaces[i].rule_index);
		ck_assert_str_eq(a->ifaces[i].rule_id, b->ifaces[i].rule_id);
	}
}

START_TEST(test_index_equals_linear)
{
	rng_state = 0x1234567887654321ull;
	struct decision *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	ck_assert(a && b);
	unsigned by_rule = 0;

	for (int round = 0; round < 300; round++) {
		char *text = random_policy(1 + rnd(40));
		struct policy *p = load(text);
		for (int n = 0; n < 40; n++) {
			struct usb_device_info *d = random_device();
			policy_evaluate(p, d, NULL, a);
			policy_evaluate_linear(p, d, NULL, b);
			assert_same(a, b);
			by_rule += a->ifaces[0].rule_index >= 0;
			free(d);
		}
		policy_free(p);
		free(text);
	}
	ck_assert_uint_gt(by_rule, 1000); /* rules, not only defaults, decided */
	free(a);
	free(b);
}
END_TEST

/* 100,000 serial rules: the index finds the one that matters, and only it. */
START_TEST(test_large_index)
{
	size_t n = 100000, cap = n * 80 + 256, o = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	o += (size_t)snprintf(t, cap, "version=1; serial=1; rules=(\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(
		    t + o, cap - o,
		    "{ id=\"s%zu\"; action=\"allow\"; scope=\"device\"; serial=\"SN%08zu\"; },\n",
		    i, i);
	o +=
	    (size_t)snprintf(t + o, cap - o, "{ id=\"hid\"; action=\"allow\"; kind=\"hid\"; });\n");
	struct policy *p = load(t);
	struct decision dec;
	struct usb_device_info *d = dev_new(1, 1, "SN00077777");
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
	eval(p, d, &dec);
	ck_assert_str_eq(dec.rule_id, "s77777");
	ck_assert_int_eq(dec.ifaces[0].rule_index, 77777);
	strcpy(d->serial, "SN10077777");
	eval(p, d, &dec);
	ck_assert_str_eq(dec.rule_id, "default");
	ck_assert_int_eq(p->index.n_generic, 1);
	policy_free(p);
	free(t);
	free(d);
}
END_TEST

/* read-only decides storage interfaces like allow; the copy limit comes from the deciding rule. */
START_TEST(test_read_only_and_limits)
{
	struct policy *p =
	    load("version=1; serial=1;"
	         "transfer_alert = { bytes = \"500M\"; };"
	         "rules = ("
	         "{ id=\"keyboards\"; action=\"allow\"; kind=\"hid\"; },"
	         "{ id=\"ro\"; action=\"read-only\"; kind=\"mass-storage\"; vid=0x0781; },"
	         "{ id=\"cut\"; action=\"allow\"; kind=\"mass-storage\"; vid=0x46f4;"
	         "  transfer_alert = { bytes = \"8M\"; action = \"block\"; }; },"
	         "{ id=\"no\"; action=\"block\"; kind=\"mass-storage\"; });");
	struct decision dec;

	/* BadUSB-like keyboard + storage of vendor 0781: the keyboard allowed (default limit),
	 * the storage read-only */
	struct usb_device_info *d = dev_new(0x0781, 0x5567, "X");
	add_iface(d, K(HID), 3, 1, 1);
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
	eval(p, d, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	ck_assert_int_eq(dec.ifaces[1].action, POLICY_ACTION_READ_ONLY);
	ck_assert_int_eq(dec.verdict, DEVICE_VERDICT_ALLOW);
	ck_assert(dec.authorize_device);
	const struct transfer_limit *l = policy_transfer_limit(p, &dec);
	ck_assert_ptr_eq(l, policy_default_transfer_limit(p));

	/* the rule's own limit wins over the top-level one */
	struct usb_device_info *s = dev_new(0x46f4, 0x0001, NULL);
	add_iface(s, K(MASS_STORAGE), 8, 6, 0x50);
	eval(p, s, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_ALLOW);
	l = policy_transfer_limit(p, &dec);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->bytes, 8u << 20);
	ck_assert_int_eq(l->action, TRANSFER_LIMIT_BLOCK);

	/* a storage interface that also says MTP is not covered by kind = mass-storage */
	struct usb_device_info *m = dev_new(0x0781, 0x0002, NULL);
	add_iface(m, K(MASS_STORAGE) | K(MTP), 8, 6, 0x50);
	eval(p, m, &dec);
	ck_assert_int_eq(dec.ifaces[0].action, POLICY_ACTION_BLOCK);
	ck_assert_ptr_null(policy_transfer_limit(p, &dec)); /* nothing allowed: no limit */

	policy_free(p);
	free(d);
	free(s);
	free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy_eval");
	TCase *tc = tcase_create("eval");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_first_match_order);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_device_scope);
	tcase_add_test(tc, test_charge_only);
	tcase_add_test(tc, test_tethering_phone_charges);
	tcase_add_test(tc, test_charge_only_vendors_cap);
	tcase_add_test(tc, test_safety);
	tcase_add_test(tc, test_kind_class_semantics);
	tcase_add_test(tc, test_device_keys);
	tcase_add_test(tc, test_builtin_every_kind);
	tcase_add_test(tc, test_rule_window_hosts);
	tcase_add_test(tc, test_monotonic);
	tcase_add_test(tc, test_index_equals_linear);
	tcase_add_test(tc, test_large_index);
	tcase_add_test(tc, test_read_only_and_limits);
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
