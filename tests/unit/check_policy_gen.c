/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "portcullis policy generate": from attached devices (hand-filled device models) and from
 * incident logs written by the real recorder (a host's log directory and a collector directory),
 * the generated text loads (what "policy check" runs), and evaluated it allows the devices seen
 * and nothing else: another serial of the same stick, another model, a keyboard that is also a
 * stick are blocked; phones charge only unless asked; hostile strings stay exact.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cli/cli_seen.h"
#include "agent/cli/policy_gen.h"
#include "agent/events/recorder.h"
#include "policy/lang/policy.h"

#define K(k) USB_KIND_BIT(USB_KIND_##k)

static const struct policy_env env = { .now = 1800000000, .hostname = "ws-042" };

static struct usb_device_info *dev_new(uint16_t vid, uint16_t pid, const char *serial,
                                       const char *product)
{
	struct usb_device_info *d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	d->desc.vid = vid;
	d->desc.pid = pid;
	d->depth = 1;
	d->busnum = 1;
	d->authorized = -1;
	snprintf(d->busid, sizeof(d->busid), "1-%u", (unsigned)(pid & 7) + 1);
	snprintf(d->syspath, sizeof(d->syspath), "/sys/devices/usb1/%s", d->busid);
	if (serial) {
		d->has_serial = true;
		snprintf(d->serial, sizeof(d->serial), "%s", serial);
	}
	if (product) {
		d->has_product = true;
		snprintf(d->product, sizeof(d->product), "%s", product);
	}
	for (int i = 0; i < 32; i++)
		d->desc_sha256[i] = (uint8_t)(vid + i);
	return d;
}

static void add_iface(struct usb_device_info *d, usb_kind_mask kinds, uint8_t c, uint8_t s,
                      uint8_t p)
{
	struct usb_iface_info *f = &d->ifaces[d->n_ifaces];
	f->config_value = 1;
	f->number = (uint8_t)d->n_ifaces++;
	f->cls = c;
	f->subclass = s;
	f->protocol = p;
	f->n_alts = 1;
	f->kinds = kinds;
	f->kind = usb_kind_primary(kinds);
	f->authorized = -1;
	d->kinds |= kinds;
}

/* The devices of the audit period. */
enum { STICK, STICK_NOSERIAL, PHONE, KEYBOARD, HUB, BADUSB, CAMERA, HOSTILE, N_SEEN };

static struct usb_device_info *seen_device(int which)
{
	struct usb_device_info *d;

	switch (which) {
	case STICK:
		d = dev_new(0x0781, 0x5567, "4C530001230607114484", "Cruzer Blade");
		add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
		return d;
	case STICK_NOSERIAL:
		d = dev_new(0x090c, 0x1000, NULL, "Flash Disk");
		add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
		return d;
	case PHONE:
		d = dev_new(0x18d1, 0x4ee2, "2A171FDH2003YB", "Pixel 7");
		add_iface(d, K(MTP) | K(PTP), 6, 1, 1);
		add_iface(d, K(ADB), 0xff, 0x42, 1);
		return d;
	case KEYBOARD:
		d = dev_new(0x413c, 0x2113, NULL, "KB216");
		add_iface(d, K(HID), 3, 1, 1);
		add_iface(d, K(HID), 3, 0, 0);
		return d;
	case HUB:
		d = dev_new(0x05e3, 0x0610, NULL, "USB2.0 Hub");
		add_iface(d, K(HUB), 9, 0, 0);
		return d;
	case BADUSB: /* the keyboard's ids, and a stick */
		d = dev_new(0x413c, 0x2113, NULL, "KB216");
		add_iface(d, K(HID), 3, 1, 1);
		add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
		return d;
	case CAMERA:
		d = dev_new(0x046d, 0x0825, "ABC123", "Webcam C270");
		add_iface(d, K(VIDEO), 0x0e, 1, 0);
		add_iface(d, K(VIDEO), 0x0e, 2, 0);
		add_iface(d, K(AUDIO), 1, 1, 0);
		return d;
	case HOSTILE: /* every string a policy file could choke on */
		d = dev_new(0x1234, 0x5678, "a\"b\\c@include\x01#//\xff", "evil\n@include \"x\"");
		d->has_manufacturer = true;
		strcpy(d->manufacturer, "/* not a comment");
		add_iface(d, K(SERIAL), 0xff, 0, 0);
		return d;
	}
	ck_abort();
	return NULL;
}

/* Generates, checks it loads, returns the policy (and the text, if wanted). */
static struct policy *generate(const struct policy_gen *g, bool phone_data, char **ret_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct policy_gen_options o = { .serial = 7,
		                        .key_id = "it-2026",
		                        .phone_data = phone_data,
		                        .now_usec = 1800000000000000 };
	struct policy *p = NULL;
	struct policy_error err = { 0 };

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(policy_gen_write(g, &o, m), 0);
	fclose(m);
	int r = policy_load_from_bytes(text, len, "generated", &p, &err);
	ck_assert_msg(r == 0, "generated policy does not load: %d: %s\n%s", err.line, err.reason,
	              text);
	ck_assert_uint_eq(policy_serial(p), 7);
	ck_assert_str_eq(policy_key_id(p), "it-2026");
	ck_assert_int_eq(policy_default_action(p), POLICY_ACTION_BLOCK);
	for (size_t i = 0; i < policy_n_rules(p); i++)
		ck_assert_int_eq(policy_rule_shadowed_by(p, i), -1); /* check's lint is quiet */
	if (ret_text)
		*ret_text = text;
	else
		free(text);
	return p;
}

static void assert_verdict(const struct policy *p, struct usb_device_info *d,
                           enum device_verdict want, bool authorize, const char *what)
{
	struct decision *dec = malloc(sizeof(*dec));
	ck_assert_ptr_nonnull(dec);
	policy_evaluate(p, d, &env, dec);
	ck_assert_msg(dec->verdict == want && dec->authorize_device == authorize,
	              "%s: verdict %s authorize %d, want %s %d (rule %s)", what,
	              device_verdict_to_string(dec->verdict), dec->authorize_device,
	              device_verdict_to_string(want), authorize,
	              dec->rule_id ? dec->rule_id : "(mixed)");
	free(dec);
}

/* The seen devices are allowed (the phone charges), the unseen are not. */
static void assert_allows_exactly_seen(const struct policy *p, bool phone_data)
{
	for (int i = 0; i < N_SEEN; i++) {
		struct usb_device_info *d = seen_device(i);
		if (i == PHONE && !phone_data)
			assert_verdict(p, d, DEVICE_VERDICT_BLOCK, true, "phone (charge only)");
		else
			assert_verdict(p, d, DEVICE_VERDICT_ALLOW, true, "seen device");
		free(d);
	}
	/* the same stick model with another serial */
	struct usb_device_info *d = seen_device(STICK);
	strcpy(d->serial, "4C530001230607114485");
	assert_verdict(p, d, DEVICE_VERDICT_BLOCK, false, "other serial");
	/* the seen stick that now also shows a network interface */
	add_iface(d, K(NETWORK), 2, 6, 0);
	strcpy(d->serial, "4C530001230607114484");
	assert_verdict(p, d, DEVICE_VERDICT_BLOCK, false, "seen serial, new kind");
	free(d);
	/* another model */
	d = dev_new(0x0951, 0x1666, "XYZ", "DataTraveler");
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
	assert_verdict(p, d, DEVICE_VERDICT_BLOCK, false, "unseen stick");
	free(d);
	/* another phone's data */
	d = seen_device(PHONE);
	strcpy(d->serial, "OTHERPHONE");
	assert_verdict(p, d, DEVICE_VERDICT_BLOCK, true, "other phone charges only");
	free(d);
	/* a keyboard nobody saw is allowed by kind (keyboards by kind, by design) */
	d = dev_new(0x046d, 0xc31c, NULL, "K120");
	add_iface(d, K(HID), 3, 1, 1);
	assert_verdict(p, d, DEVICE_VERDICT_ALLOW, true, "keyboard by kind");
	/* but its stick half is not */
	add_iface(d, K(MASS_STORAGE), 8, 6, 0x50);
	assert_verdict(p, d, DEVICE_VERDICT_PARTIAL, true, "unseen badusb");
	free(d);
}

START_TEST(test_attached)
{
	struct policy_gen *g = NULL;
	char *text = NULL;

	ck_assert_int_eq(policy_gen_new(&g), 0);
	for (int i = 0; i < N_SEEN; i++) {
		struct usb_device_info *d = seen_device(i);
		ck_assert_int_eq(policy_gen_add_device(g, d, "ws-042", 1800000000000000), 1);
		free(d);
	}
	/* seen again: counted, not added */
	struct usb_device_info *d = seen_device(STICK);
	ck_assert_int_eq(policy_gen_add_device(g, d, "ws-043", 1800086400000000), 0);
	/* a root hub and a device whose descriptors did not parse are never allowed */
	d->is_root_hub = true;
	ck_assert_int_eq(policy_gen_add_device(g, d, "ws-042", 0), 0);
	d->is_root_hub = false;
	d->desc_status = -EBADMSG;
	ck_assert_int_eq(policy_gen_add_device(g, d, "ws-042", 0), 0);
	free(d);
	ck_assert_uint_eq(policy_gen_n_devices(g), N_SEEN);
	ck_assert_uint_eq(policy_gen_n_unreadable(g), 1);

	struct policy *p = generate(g, false, &text);
	assert_allows_exactly_seen(p, false);
	/* the comment says where, when and how often; no-serial devices say so */
	ck_assert_msg(strstr(text, "comment = \"Cruzer Blade; seen 2 times on ws-042, ws-043, "
	                           "2027-01-15 .. 2027-01-16\""),
	              "%s", text);
	ck_assert_msg(strstr(text, "no serial number: allowed by model (every 090c:1000"), "%s",
	              text);
	ck_assert_msg(strstr(text, "REVIEW: a keyboard or mouse that is also something else"), "%s",
	              text);
	ck_assert_msg(strstr(text, "# phone Pixel 7 18d1:4ee2"), "%s", text);
	ck_assert_msg(strstr(text, "id = \"seen-hid\""), "%s", text);
	ck_assert_msg(strstr(text, "id = \"seen-hub\""), "%s", text);
	ck_assert_msg(
	    strstr(text, "1 decision was about devices whose descriptors did not parse") ||
	        strstr(text, "1 decision was"),
	    "%s", text);
	/* "@include" never appears, whatever the device said */
	ck_assert_ptr_null(strcasestr(text, "@include"));
	free(text);
	policy_free(p);

	/* --phone-data: the phone gets its rule */
	p = generate(g, true, NULL);
	assert_allows_exactly_seen(p, true);
	policy_free(p);
	policy_gen_free(g);
}
END_TEST

START_TEST(test_nothing_seen)
{
	struct policy_gen *g = NULL;

	ck_assert_int_eq(policy_gen_new(&g), 0);
	struct policy *p = generate(g, false, NULL);
	ck_assert_uint_eq(policy_n_rules(p), 0);
	struct usb_device_info *d = seen_device(KEYBOARD);
	assert_verdict(p, d, DEVICE_VERDICT_BLOCK, false, "nothing seen, nothing allowed");
	free(d);
	policy_free(p);
	policy_gen_free(g);
}
END_TEST

START_TEST(test_quote)
{
	char b[64];

	policy_gen_quote(b, sizeof(b), "a\"b\\c@d\x01\x7f\xc3\xa9");
	ck_assert_str_eq(b, "a\\\"b\\\\c\\x40d\\x01\\x7f\xc3\xa9");
	policy_gen_quote(b, 6, "@@@@");
	ck_assert_str_eq(b, "\\x40"); /* never half an escape */
}
END_TEST

/* ---- from logs written by the real recorder ---- */

static char tmpdir[] = "/tmp/pc-gen-XXXXXX";

static void record(const char *dir, const char *host, int which, int64_t time_usec,
                   const struct policy *pol)
{
	struct recorder *r = NULL;
	struct recorder_host h = { host, NULL, "test" };
	struct usb_device_info *d = seen_device(which);
	struct decision *dec = malloc(sizeof(*dec));

	ck_assert_ptr_nonnull(dec);
	ck_assert_int_eq(recorder_open(dir, &h, &r), 0);
	policy_evaluate(pol, d, &env, dec);
	struct event ev = { .type = EVENT_DEVICE_DECISION,
		            .time_usec = time_usec,
		            .policy = pol,
		            .device = d,
		            .decision = dec };
	ck_assert_int_gt(recorder_emit(r, &ev), 0);
	ev.type = EVENT_DEVICE_REMOVED; /* other records are ignored */
	ev.decision = NULL;
	ck_assert_int_gt(recorder_emit(r, &ev), 0);
	recorder_free(r);
	free(d);
	free(dec);
}

static int on_seen(void *userdata, const struct usb_device_info *dev, const struct seen_where *w)
{
	return policy_gen_add_device(userdata, dev, w->host, w->time_usec) < 0 ? -EIO : 0;
}

START_TEST(test_from_logs)
{
	char a[512], b[512], coll[512], line[8192];
	struct policy *audit = policy_builtin_default();
	struct policy_gen *g = NULL;
	struct seen_stats st = { 0 };
	char *text = NULL;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(a, sizeof(a), "%s/ws-042", tmpdir);
	snprintf(coll, sizeof(coll), "%s/collector", tmpdir);
	snprintf(b, sizeof(b), "%s/collector/ws-043", tmpdir);
	ck_assert_int_eq(mkdir(coll, 0700), 0);
	for (int i = 0; i < N_SEEN; i++)
		record(a, "ws-042", i, 1800000000000000 + i * 1000000, audit);
	record(b, "ws-043", STICK, 1800172800000000, audit);

	/* a host's log directory */
	ck_assert_int_eq(policy_gen_new(&g), 0);
	ck_assert_int_eq(seen_from_log(a, on_seen, g, &st), 0);
	ck_assert_uint_eq(st.decisions, N_SEEN);
	ck_assert_uint_eq(st.records, 2 * N_SEEN); /* decisions and removals */
	ck_assert_uint_eq(policy_gen_n_devices(g), N_SEEN);
	struct policy *p = generate(g, false, NULL);
	assert_allows_exactly_seen(p, false);
	policy_free(p);
	policy_gen_free(g);

	/* a collector directory: ws-043's log directory and ws-042's lines received by syslog,
	 * one per line behind a syslog header, plus a line that is not a record */
	char src[600], dst[600];
	snprintf(src, sizeof(src), "%s/incident.log", a);
	snprintf(dst, sizeof(dst), "%s/ws-042.log", coll);
	FILE *in = fopen(src, "re"), *out = fopen(dst, "we");
	ck_assert(in && out);
	while (fgets(line, sizeof(line), in))
		fprintf(out, "<134>1 2027-01-15T08:00:00Z ws-042 portcullisd - - - %s", line);
	fprintf(out, "garbage\n");
	fclose(in);
	fclose(out);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(policy_gen_new(&g), 0);
	ck_assert_int_eq(seen_from_log(coll, on_seen, g, &st), 0);
	ck_assert_uint_eq(st.decisions, N_SEEN + 1);
	ck_assert_uint_eq(st.bad_lines, 1);
	ck_assert_msg(strstr(st.first_bad, "ws-042.log line "), "%s", st.first_bad);
	ck_assert_uint_eq(policy_gen_n_devices(g), N_SEEN);
	p = generate(g, false, &text);
	assert_allows_exactly_seen(p, false);
	ck_assert_msg(strstr(text, "seen 2 times on ws-042, ws-043, 2027-01-15 .. 2027-01-17"),
	              "%s", text);
	free(text);
	policy_free(p);
	policy_gen_free(g);

	/* an empty directory is an error, not an empty allow-list */
	snprintf(dst, sizeof(dst), "%s/empty", tmpdir);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	ck_assert_int_eq(seen_from_log(dst, on_seen, NULL, &st), -ENOENT);
	policy_free(audit);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy_gen");
	TCase *tc = tcase_create("generate");
	tcase_add_test(tc, test_attached);
	tcase_add_test(tc, test_nothing_seen);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_from_logs);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
