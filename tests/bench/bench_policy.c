/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy benchmark: load time and per-device evaluation time for serial allow-lists of 10, 1,000
 * and 100,000 rules (generated text), plus the built-in default. Prints figures; never fails on
 * timing. Targets: evaluation < 10 us per device and flat in the rule count; load of 100,000
 * rules < 50 ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/lang/policy.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *gen_policy(size_t n, size_t *ret_len)
{
	size_t cap = 256 + n * 120, o = 0;
	char *t = malloc(cap);
	if (!t)
		abort();
	o += (size_t)snprintf(
	    t, cap,
	    "version = 1;\nserial = 1;\ndefault = \"block\";\nrules = (\n"
	    "  { id = \"input\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; },\n"
	    "  { id = \"no-phones\"; action = \"block\"; kind = [ \"mtp\", \"adb\" ]; },\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(
		    t + o, cap - o,
		    "  { id = \"stick-%zu\"; action = \"allow\"; scope = \"device\"; "
		    "serial = \"SN%08zu\"; }%s\n",
		    i, i, i + 1 < n ? "," : "");
	o += (size_t)snprintf(t + o, cap - o, ");\n");
	*ret_len = o;
	return t;
}

static void make_device(struct usb_device_info *d, const char *serial, usb_kind_mask k1,
                        usb_kind_mask k2)
{
	memset(d, 0, sizeof(*d));
	d->desc.vid = 0x0781;
	d->desc.pid = 0x5567;
	strcpy(d->busid, "1-2");
	d->has_serial = true;
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	d->n_ifaces = 2;
	d->ifaces[0] = (struct usb_iface_info){ .config_value = 1,
		                                .number = 0,
		                                .cls = 8,
		                                .subclass = 6,
		                                .protocol = 0x50,
		                                .kinds = k1 };
	d->ifaces[1] =
	    (struct usb_iface_info){ .config_value = 1, .number = 1, .cls = 3, .kinds = k2 };
	d->kinds = k1 | k2;
}

static double bench_eval(const struct policy *p, const struct usb_device_info *d, int iters)
{
	static struct decision dec;
	unsigned sink = 0;
	double t0 = now_ns();
	for (int i = 0; i < iters; i++) {
		policy_evaluate(p, d, NULL, &dec);
		sink += dec.verdict;
	}
	double per = (now_ns() - t0) / iters;
	if (sink == 0xffffffffu)
		puts("");
	return per;
}

int main(void)
{
	static const size_t sizes[] = { 10, 1000, 100000 };
	struct usb_device_info *hit = malloc(sizeof(*hit)), *miss = malloc(sizeof(*miss));
	if (!hit || !miss)
		return 1;

	printf("policy: serial allow-list of N rules; evaluation of a 2-interface device\n");
	printf("%8s %10s %12s %14s %14s\n", "rules", "bytes", "load ms", "eval hit ns",
	       "eval miss ns");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len;
		char *text = gen_policy(sizes[k], &len);
		struct policy *p = NULL;
		struct policy_error err;
		double best = 1e30;
		for (int rep = 0; rep < 5; rep++) {
			double t0 = now_ns();
			if (policy_load_from_bytes(text, len, "bench", &p, &err) < 0) {
				fprintf(stderr, "load failed: %d: %s\n", err.line, err.reason);
				return 1;
			}
			double t = now_ns() - t0;
			best = t < best ? t : best;
			if (rep < 4)
				p = policy_free(p);
		}
		char sn[32];
		snprintf(sn, sizeof(sn), "SN%08zu", sizes[k] / 2);
		make_device(hit, sn, USB_KIND_BIT(USB_KIND_MASS_STORAGE),
		            USB_KIND_BIT(USB_KIND_HID));
		make_device(miss, "NOT-LISTED", USB_KIND_BIT(USB_KIND_MASS_STORAGE),
		            USB_KIND_BIT(USB_KIND_HID));
		double eh = bench_eval(p, hit, 200000), em = bench_eval(p, miss, 200000);
		printf("%8zu %10zu %12.2f %14.1f %14.1f\n", sizes[k], len, best / 1e6, eh, em);
		policy_free(p);
		free(text);
	}

	struct policy *b = NULL;
	double t0 = now_ns();
	b = policy_builtin_default();
	double tl = now_ns() - t0;
	if (!b)
		return 1;
	make_device(hit, "x", USB_KIND_BIT(USB_KIND_MASS_STORAGE), USB_KIND_BIT(USB_KIND_HID));
	printf("built-in default: load %.3f ms, eval %.1f ns\n", tl / 1e6,
	       bench_eval(b, hit, 200000));
	policy_free(b);
	free(hit);
	free(miss);
	return 0;
}
