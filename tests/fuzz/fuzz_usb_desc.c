/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary bytes as a sysfs descriptors blob: usb_desc_parse(), usb_device_set_descriptors(),
 * classify_device() with and without hints, and the same bytes as hex text. Besides memory
 * errors (ASan/UBSan), the invariants the agent relies on abort():
 * - the parser and set_descriptors agree; a failure has a reason and an offset within the blob;
 * - ifaces[] covers each parsed alt setting exactly once, in bounds;
 * - a device whose blob failed has no interfaces and no kinds; a parsed one has a kind for
 *   every interface, and hints never remove a kind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/device/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static struct usb_device_info dev;
static struct usb_descriptors desc;
static uint8_t hexbuf[USB_DESC_MAX_BYTES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_desc_error err = { 0 };
	usb_kind_mask plain[USB_MAX_IFACES];
	unsigned alts = 0;
	int r, r2;

	if (size > USB_DESC_MAX_BYTES + 16) /* one step past the cap is enough to test it */
		return 0;

	r = usb_desc_parse(data, size, &desc, &err);
	if (r < 0) {
		check(err.reason && *err.reason);
		check(err.offset <= size || (r == -EFBIG && err.offset == USB_DESC_MAX_BYTES));
	}

	memset(&dev, 0, sizeof(dev));
	r2 = usb_device_set_descriptors(&dev, data, size);
	check(r2 == r && dev.desc_status == r);
	classify_device(&dev);
	if (r < 0) {
		check(dev.n_ifaces == 0 && dev.kinds == 0);
		return 0;
	}
	check(memcmp(&desc, &dev.desc, sizeof(desc)) == 0);
	check(dev.n_ifaces <= USB_MAX_IFACES && dev.n_ifaces <= desc.n_alts);
	for (unsigned i = 0; i < dev.n_ifaces; i++) {
		const struct usb_iface_info *f = &dev.ifaces[i];
		check(f->n_alts >= 1 && f->first_alt + f->n_alts <= desc.n_alts);
		check(f->kinds != 0 && (f->kinds & USB_KIND_BIT(f->kind)));
		check(usb_device_find_iface(&dev, f->config_value, f->number) == f);
		plain[i] = f->kinds;
		alts += f->n_alts;
	}
	check(alts == desc.n_alts);

	/* every hint at once: kinds only grow */
	dev.mtp_db_hit = true;
	for (unsigned i = 0; i < dev.n_ifaces; i++) {
		dev.ifaces[i].has_string = true;
		memset(dev.ifaces[i].string, 'M', sizeof(dev.ifaces[i].string)); /* unterminated */
		memcpy(dev.ifaces[i].compat_id, "MTP", 4);
	}
	classify_device(&dev);
	for (unsigned i = 0; i < dev.n_ifaces; i++)
		check((dev.ifaces[i].kinds & plain[i]) == plain[i]);

	/* the same bytes as hex text */
	(void)usb_desc_hex_decode((const char *)data, size, hexbuf, sizeof(hexbuf), NULL);
	return 0;
}
