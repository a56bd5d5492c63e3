/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: policy text → policy_load_from_bytes() → (if it loads) evaluation of a few fixed
 * devices, with the indexed evaluation checked against the linear reference scan and the safety
 * invariants checked on every decision. The loader's fast path (the rules read one at a time,
 * serial lists included) is checked against the whole text through libconfig: the same error
 * (line and reason) or the same policy. Any disagreement aborts, so libFuzzer reports it.
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

static bool same_bytes(const void *a, const void *b, size_t n)
{
	return n == 0 || !memcmp(a, b, n); /* NULL when the list is absent */
}

static bool same_strings(const char *const *a, const char *const *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool same_limit(const struct transfer_limit *a, const struct transfer_limit *b)
{
	if (!a || !b)
		return a == b;
	return a->bytes == b->bytes && a->files == b->files && a->window_sec == b->window_sec &&
	       a->action == b->action && a->line == b->line;
}

/* The fast path built exactly the policy the whole-text path built. */
static void check_same(const struct policy *a, const struct policy *b)
{
	if (a->n_rules != b->n_rules || a->serial != b->serial || a->mode != b->mode ||
	    a->default_action != b->default_action || a->charge_only != b->charge_only ||
	    a->not_before != b->not_before || a->not_after != b->not_after ||
	    a->n_hosts != b->n_hosts || (!a->key_id) != (!b->key_id) ||
	    (a->key_id && strcmp(a->key_id, b->key_id)) ||
	    !same_strings(a->hosts, b->hosts, (uint32_t)a->n_hosts) ||
	    a->first_catch_all != b->first_catch_all || a->index.n_generic != b->index.n_generic ||
	    !same_limit(a->limit, b->limit) ||
	    a->n_charge_only_vendors != b->n_charge_only_vendors ||
	    !same_bytes(a->charge_only_vendors, b->charge_only_vendors,
	                a->n_charge_only_vendors * 2ul))
		abort();
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct policy_rule *x = &a->rules[i], *y = &b->rules[i];
		if (strcmp(x->id, y->id) || (!x->x->comment) != (!y->x->comment) ||
		    (x->x->comment && strcmp(x->x->comment, y->x->comment)) || x->line != y->line ||
		    x->action != y->action || x->scope != y->scope ||
		    x->has_kinds != y->has_kinds || x->kinds != y->kinds ||
		    x->x->n_classes != y->x->n_classes || x->n_vids != y->n_vids ||
		    x->n_pids != y->n_pids || x->n_serials != y->n_serials ||
		    x->x->n_manufacturers != y->x->n_manufacturers ||
		    x->x->n_products != y->x->n_products || x->x->n_ports != y->x->n_ports ||
		    x->x->n_hashes != y->x->n_hashes ||
		    !same_bytes(x->x->classes, y->x->classes,
		                x->x->n_classes * sizeof(*x->x->classes)) ||
		    !same_bytes(x->vids, y->vids, x->n_vids * 2) ||
		    !same_bytes(x->pids, y->pids, x->n_pids * 2) ||
		    !same_bytes(x->x->hashes, y->x->hashes, x->x->n_hashes * 32ul) ||
		    !same_strings(x->serials, y->serials, x->n_serials) ||
		    !same_strings(x->x->manufacturers, y->x->manufacturers,
		                  x->x->n_manufacturers) ||
		    !same_strings(x->x->products, y->x->products, x->x->n_products) ||
		    !same_strings(x->x->ports, y->x->ports, x->x->n_ports) ||
		    x->limited != y->limited || x->x->not_before != y->x->not_before ||
		    x->x->not_after != y->x->not_after || x->x->n_hosts != y->x->n_hosts ||
		    !same_strings(x->x->hosts, y->x->hosts, x->x->n_hosts) ||
		    !same_limit(x->x->limit, y->x->limit))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL, *w = NULL;
	struct policy_error err, werr;

	if (size > 1024 * 1024)
		return 0;
	int r = policy_load_from_bytes((const char *)data, size, "fuzz", &p, &err);
	int rw = policy_load_from_bytes_how((const char *)data, size, "fuzz", false, &w, &werr);
	if (r != rw || (r < 0 && (err.line != werr.line || strcmp(err.reason, werr.reason))))
		abort(); /* the fast path decided differently from the whole text */
	if (r < 0) {
		if (err.reason[0] == '\0' || err.line < 0)
			abort(); /* every rejection says why */
		return 0;
	}
	check_same(p, w);
	policy_free(w);
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
