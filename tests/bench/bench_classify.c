/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time per device of what the agent does with a device's descriptors on arrival:
 * usb_device_set_descriptors() (SHA-256 + parse + interface table) and classify_device(), over
 * every well-formed device of tests/data/descriptors. Prints figures; never fails on timing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/device/classify.h"
#include "tests/unit/desc_testdata.h"

#define DATA    TEST_DATA_DIR "/descriptors"
#define ROUNDS  4000u
#define BATCHES 5u

static double now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail with a valid clock id */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile usb_kind_mask sink; /* keeps the work from being optimised away */

enum what { SET_DESC, CLASSIFY, BOTH };

/* Best of BATCHES batches of ROUNDS runs, in ns per run: the machine is shared, the minimum is
 * the figure least disturbed by other processes. */
static double measure(enum what w, struct usb_device_info *dev, const struct desc_testcase *tc)
{
	double best = 0;

	for (unsigned b = 0; b < BATCHES; b++) {
		double t0 = now_ns(), t;
		for (unsigned r = 0; r < ROUNDS; r++) {
			if (w != CLASSIFY)
				(void)usb_device_set_descriptors(dev, tc->blob, tc->len);
			if (w != SET_DESC) {
				classify_device(dev);
				sink = dev->kinds;
			}
		}
		t = (now_ns() - t0) / ROUNDS;
		if (b == 0 || t < best)
			best = t;
	}
	return best;
}

int main(void)
{
	char **names = NULL;
	struct desc_testcase *tcs[128];
	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	unsigned n = 0;
	int count;
	double t_all = 0, t_parse = 0, t_classify = 0;

	if (!dev)
		return 1;
	count = desc_testcase_list(DATA, &names);
	if (count < 0) {
		fprintf(stderr, "%s: %s\n", DATA, strerror(-count));
		return 1;
	}
	for (int i = 0; i < count && n < 128; i++) {
		struct desc_testcase *tc = NULL;
		if (desc_testcase_load(DATA, names[i], &tc) < 0) {
			fprintf(stderr, "%s: cannot load\n", names[i]);
			return 1;
		}
		if (desc_testcase_get(tc, "expect.error")) { /* malformed: not the common case */
			desc_testcase_free(tc);
			continue;
		}
		tcs[n++] = tc;
	}
	desc_testcase_names_free(names);

	printf("bench_classify: %u devices, best of %u x %u rounds each\n", n, BATCHES, ROUNDS);
	printf("  %-22s %8s %12s %12s\n", "device", "bytes", "set_desc ns", "classify ns");
	for (unsigned i = 0; i < n; i++) {
		double a = measure(SET_DESC, dev, tcs[i]), b, c;

		(void)desc_testcase_apply(tcs[i], dev); /* classify with the device's hints */
		b = measure(CLASSIFY, dev, tcs[i]);
		c = measure(BOTH, dev, tcs[i]);
		t_parse += a;
		t_classify += b;
		t_all += c;
		printf("  %-22s %8zu %12.0f %12.0f\n", tcs[i]->name, tcs[i]->len, a, b);
	}
	printf("mean per device: set_descriptors %.0f ns, classify %.0f ns, "
	       "set_descriptors+classify %.0f ns/device\n",
	       t_parse / n, t_classify / n, t_all / n);

	for (unsigned i = 0; i < n; i++)
		desc_testcase_free(tcs[i]);
	free(dev);
	return 0;
}
