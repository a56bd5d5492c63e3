/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis descriptor dump FILE [--hex]
 *
 * Runs the agent's own descriptor parser and classification on a saved sysfs "descriptors" file
 * (raw, or as hex text with --hex) and prints what the agent would see: configurations,
 * interfaces with their class triples, an endpoint summary and the kinds. A blob the agent would
 * reject prints "FILE: offset N: reason" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/commands.h"
#include "policy/base/fileio.h"
#include "policy/base/strutil.h"
#include "policy/device/classify.h"

#define HEX_MAX_BYTES (8u * USB_DESC_MAX_BYTES) /* hex text with comments */

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: portcullis descriptor dump FILE [--hex]\n"
	       "\n"
	       "Parses a USB descriptors blob (as in /sys/bus/usb/devices/*/descriptors) with the\n"
	       "agent's parser and prints configurations, interfaces, endpoints and kinds.\n"
	       "  --hex   FILE holds hex text ('#' comment lines allowed) instead of raw bytes\n");
}

static void print_kinds(usb_kind_mask m)
{
	bool first = true;

	if (!m) {
		fputs("none", stdout);
		return;
	}
	for (int k = 0; k < _USB_KIND_MAX; k++)
		if (m & USB_KIND_BIT(k)) {
			printf("%s%s", first ? "" : ",", usb_kind_to_string(k));
			first = false;
		}
}

static void print_endpoints(const struct usb_iface_alt *a)
{
	printf("%u endpoint%s", a->num_endpoints, a->num_endpoints == 1 ? "" : "s");
	if (a->bulk_in || a->bulk_out)
		printf(", bulk %u in %u out", a->bulk_in, a->bulk_out);
	if (a->intr_in || a->intr_out)
		printf(", interrupt %u in %u out", a->intr_in, a->intr_out);
	if (a->iso_in || a->iso_out)
		printf(", isochronous %u in %u out", a->iso_in, a->iso_out);
}

static void dump(const struct usb_device_info *dev)
{
	const struct usb_descriptors *d = &dev->desc;
	char id[10], sha[65];
	bool superspeed = d->bcd_usb >= 0x0300;

	usb_device_format_id(dev, id);
	hex_encode(sha, dev->desc_sha256, sizeof(dev->desc_sha256));
	printf("device %s: USB %x.%02x, class %02x/%02x/%02x, bcdDevice %x.%02x, "
	       "%u configuration%s\n",
	       id, d->bcd_usb >> 8, d->bcd_usb & 0xff, d->dev_class, d->dev_subclass,
	       d->dev_protocol, d->bcd_device >> 8, d->bcd_device & 0xff, d->n_configs,
	       d->n_configs == 1 ? "" : "s");
	printf("sha256 %s\n", sha);

	for (unsigned c = 0; c < d->n_configs; c++) {
		const struct usb_config *cfg = &d->configs[c];
		printf("configuration %u: %u interface%s, attributes 0x%02x, max power %u mA, "
		       "%u bytes\n",
		       cfg->value, cfg->num_interfaces, cfg->num_interfaces == 1 ? "" : "s",
		       cfg->attributes, cfg->max_power * (superspeed ? 8u : 2u), cfg->total_length);
		for (unsigned i = 0; i < dev->n_ifaces; i++) {
			const struct usb_iface_info *f = &dev->ifaces[i];
			if (f->config_value != cfg->value)
				continue;
			printf("  interface %u: kinds ", f->number);
			print_kinds(f->kinds);
			printf(" (primary %s)\n", usb_kind_to_string(f->kind));
			for (unsigned k = 0; k < f->n_alts; k++) {
				const struct usb_iface_alt *a = &d->alts[f->first_alt + k];
				printf("    alt %u: %02x/%02x/%02x, ", a->alt, a->cls, a->subclass,
				       a->protocol);
				print_endpoints(a);
				if (a->in_iad)
					printf(", in association %02x/%02x/%02x", a->iad_cls,
					       a->iad_subclass, a->iad_protocol);
				if (a->i_interface)
					printf(", iInterface %u", a->i_interface);
				printf(": ");
				print_kinds(classify_alt(a));
				printf("\n");
			}
		}
	}
	printf("kinds: ");
	print_kinds(dev->kinds);
	printf("\n");
}

static int dump_file(const char *path, bool hex)
{
	struct usb_device_info *dev = NULL;
	uint8_t *blob = NULL;
	char *raw = NULL;
	size_t len = 0, off = 0;
	int r, ret = 1;

	/* *len > the cap means the file is larger: reported below, or by the parser. */
	r = read_file_bounded(path, hex ? HEX_MAX_BYTES : USB_DESC_MAX_BYTES, &raw, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		return 1;
	}
	if (hex) {
		if (len > HEX_MAX_BYTES) {
			fprintf(stderr, "%s: hex text larger than %u bytes\n", path, HEX_MAX_BYTES);
			goto out;
		}
		blob = malloc(USB_DESC_MAX_BYTES + 1);
		if (!blob) {
			fprintf(stderr, "%s: %s\n", path, strerror(ENOMEM));
			goto out;
		}
		r = usb_desc_hex_decode(raw, len, blob, USB_DESC_MAX_BYTES + 1, &off);
		if (r == -EFBIG)
			len = USB_DESC_MAX_BYTES + 1; /* let the parser report the cap */
		else if (r < 0) {
			fprintf(stderr,
			        "%s: character %zu: not hex text (pairs of hex digits, "
			        "'#' comment lines)\n",
			        path, off);
			goto out;
		} else
			len = (size_t)r;
	} else {
		blob = (uint8_t *)raw;
		raw = NULL;
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		fprintf(stderr, "%s: %s\n", path, strerror(ENOMEM));
		goto out;
	}
	r = usb_device_set_descriptors(dev, blob, len);
	if (r < 0) {
		fprintf(stderr, "%s: offset %zu: %s\n", path, dev->desc_error.offset,
		        dev->desc_error.reason ? dev->desc_error.reason : strerror(-r));
		goto out;
	}
	classify_device(dev);
	dump(dev);
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	free(dev);
	free(blob);
	free(raw);
	return ret;
}

int cmd_descriptor(int argc, char **argv)
{
	const char *file = NULL;
	bool hex = false;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "dump")) {
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--hex"))
			hex = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "portcullis descriptor dump: unknown option '%s'\n",
			        argv[i]);
			return 2;
		} else if (file) {
			fprintf(stderr, "portcullis descriptor dump: one FILE only\n");
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		usage(stderr);
		return 2;
	}
	return dump_file(file, hex);
}
