/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: policy text → policy_load_from_bytes() → (if it loads) evaluation of a few fixed
 * devices, with the indexed evaluation checked against the linear reference scan and the safety
 * invariants checked on every decision. Any disagreement aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/lang/policy.h"
#include "policy/lang/policy_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_DEVICES 6

static void add_iface(struct usb_device_info *d, usb_kind_mask kinds, uint8_t c, uint8_t s,
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
	f->n_alts = 1;
	d->desc.alts[d->desc.n_alts++] = (struct usb_iface_alt){
		.config_value = 1, .number = (uint8_t)i, .cls = c, .subclass = s, .protocol = p
	};
	d->kinds |= kinds;
}

static struct usb_device_info *devices(void)
{
	static struct usb_device_info devs[N_DEVICES];
	static bool done;
	if (done)
		return devs;
	done = true;

	struct usb_device_info *d = &devs[0]; /* keyboard */
	d->desc.vid = 0x046d, d->desc.pid = 0xc31c;
	strcpy(d->busid, "1-1");
	add_iface(d, USB_KIND_BIT(USB_KIND_HID), 3, 1, 1);

	d = &devs[1]; /* storage stick with serial and strings */
	d->desc.vid = 0x0781, d->desc.pid = 0x5567;
	strcpy(d->busid, "1-2.3");
	d->has_serial = d->has_manufacturer = d->has_product = true;
	strcpy(d->serial, "4C530001");
	strcpy(d->manufacturer, "SanDisk");
	strcpy(d->product, "Cruzer Blade");
	memset(d->desc_sha256, 0xab, 32);
	add_iface(d, USB_KIND_BIT(USB_KIND_MASS_STORAGE), 8, 6, 0x50);

	d = &devs[2]; /* phone: MTP + ADB + HID */
	d->desc.vid = 0x18d1, d->desc.pid = 0x4ee1;
	strcpy(d->busid, "2-1");
	d->has_serial = true;
	strcpy(d->serial, "0123456789ABCDEF");
	add_iface(d, USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP), 6, 1, 1);
	add_iface(d, USB_KIND_BIT(USB_KIND_ADB), 0xff, 0x42, 1);
	add_iface(d, USB_KIND_BIT(USB_KIND_HID), 3, 0, 0);

	d = &devs[3]; /* webcam: video with an IAD and a second alt setting */
	d->desc.vid = 0x046d, d->desc.pid = 0x0825;
	strcpy(d->busid, "1-4");
	add_iface(d, USB_KIND_BIT(USB_KIND_VIDEO), 0x0e, 1, 0);
	add_iface(d, USB_KIND_BIT(USB_KIND_VIDEO) | USB_KIND_BIT(USB_KIND_AUDIO), 0x0e, 2, 0);
	d->ifaces[1].n_alts = 2;
	d->desc.alts[d->desc.n_alts++] = (struct usb_iface_alt){ .config_value = 1,
		                                                 .number = 1,
		                                                 .alt = 1,
		                                                 .cls = 0x0e,
		                                                 .subclass = 2,
		                                                 .in_iad = true,
		                                                 .iad_cls = 0xef,
		                                                 .iad_subclass = 2,
		                                                 .iad_protocol = 1 };

	d = &devs[4];         /* malformed descriptors */
	d->desc_status = -74; /* -EBADMSG */
	d->desc_error.reason = "fuzz";
	add_iface(d, USB_KIND_BIT(USB_KIND_HID), 3, 1, 1);

	d = &devs[5]; /* no interfaces at all */
	d->desc.vid = 0x1234;
	return devs;
}

static void check(const struct policy *p, const struct usb_device_info *d)
{
	static struct decision a, b;
	/* a fixed time and host, so time-boxed and host-limited rules are exercised too */
	static const struct policy_env env = { .now = 1800000000,
		                               .hostname = "ops-01",
		                               .machine_id = "0123456789abcdef0123456789abcdef" };

	policy_evaluate(p, d, &env, &a);
	policy_evaluate_linear(p, d, &env, &b);
	(void)policy_next_change(p, env.now);
	if (a.verdict != b.verdict || a.authorize_device != b.authorize_device ||
	    a.charge_only != b.charge_only || a.noteworthy != b.noteworthy ||
	    a.n_ifaces != b.n_ifaces || (!a.rule_id) != (!b.rule_id))
		abort();
	size_t allowed = 0;
	for (uint16_t i = 0; i < a.n_ifaces; i++) {
		if (a.ifaces[i].action != b.ifaces[i].action ||
		    a.ifaces[i].rule_index != b.ifaces[i].rule_index || !a.ifaces[i].rule_id)
			abort();
		allowed += a.ifaces[i].action != POLICY_ACTION_BLOCK;
	}
	/* safety: malformed or empty devices are never allowed or authorized */
	if ((d->desc_status < 0 || d->n_ifaces == 0) && (allowed || a.authorize_device))
		abort();
	if (a.authorize_device != (allowed > 0 || a.charge_only))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct policy_error err;

	if (size > 1024 * 1024)
		return 0;
	if (policy_load_from_bytes((const char *)data, size, "fuzz", &p, &err) < 0) {
		if (err.reason[0] == '\0' || err.line < 0)
			abort(); /* every rejection says why */
		return 0;
	}
	struct usb_device_info *devs = devices();
	for (int i = 0; i < N_DEVICES; i++)
		check(p, &devs[i]);
	(void)policy_n_rules(p);
	for (size_t i = 0; i < policy_n_rules(p); i++)
		if (!policy_rule_id(p, i))
			abort();
	policy_free(p);
	return 0;
}
