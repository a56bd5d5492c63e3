/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USB descriptor blob parser (see usb_desc.h). The layout is the one the kernel writes to sysfs
 * (drivers/usb/core/sysfs.c read_descriptors()): the 18-byte device descriptor, then each
 * configuration exactly wTotalLength bytes long, back to back. Nothing here trusts a length
 * field: every read is checked against the end of the blob and of the enclosing configuration.
 */
#include <errno.h>
#include <string.h>

#include "policy/device/usb_desc.h"
#include "policy/base/strutil.h"
#include "policy/base/endian.h"

#define USB_DT_DEVICE_SIZE    18
#define USB_DT_CONFIG_SIZE    9
#define USB_DT_INTERFACE_SIZE 9
#define USB_DT_ENDPOINT_SIZE  7 /* audio endpoints are 9 bytes: longer is fine */
#define USB_DT_IAD_SIZE       8

struct iad {
	uint8_t config_index;
	uint8_t first, count;
	uint8_t cls, subclass, protocol;
};

struct parse_state {
	const uint8_t *buf;
	size_t len;
	struct usb_descriptors *d;
	struct iad iads[USB_MAX_IADS];
	unsigned n_iads;
	struct usb_desc_error err;
};

static int fail(struct parse_state *s, int r, size_t offset, const char *reason)
{
	s->err.offset = offset;
	s->err.reason = reason;
	return r;
}

static uint8_t sat_inc(uint8_t v)
{
	return v == UINT8_MAX ? v : (uint8_t)(v + 1);
}

static void count_endpoint(struct usb_iface_alt *a, const uint8_t *ep)
{
	bool in = ep[2] & 0x80;

	a->num_endpoints = sat_inc(a->num_endpoints);
	switch (ep[3] & 0x03) {
	case 0x01: /* isochronous */
		if (in)
			a->iso_in = sat_inc(a->iso_in);
		else
			a->iso_out = sat_inc(a->iso_out);
		break;
	case 0x02: /* bulk */
		if (in)
			a->bulk_in = sat_inc(a->bulk_in);
		else
			a->bulk_out = sat_inc(a->bulk_out);
		break;
	case 0x03: /* interrupt */
		if (in)
			a->intr_in = sat_inc(a->intr_in);
		else
			a->intr_out = sat_inc(a->intr_out);
		break;
	default: /* control endpoints other than ep0 are counted only in num_endpoints */
		break;
	}
}

/* Marks every alternate setting of configuration cfg_index covered by one of its IADs. */
static void apply_iads(struct parse_state *s, uint8_t cfg_index, unsigned first_alt)
{
	for (unsigned i = first_alt; i < s->d->n_alts; i++) {
		struct usb_iface_alt *a = &s->d->alts[i];
		for (unsigned j = 0; j < s->n_iads; j++) {
			const struct iad *iad = &s->iads[j];
			if (iad->config_index != cfg_index)
				continue;
			/* unsigned arithmetic: first + count may exceed 255, which covers up to 255
			 */
			if (a->number < iad->first ||
			    (unsigned)a->number >= (unsigned)iad->first + iad->count)
				continue;
			a->in_iad = true;
			a->iad_cls = iad->cls;
			a->iad_subclass = iad->subclass;
			a->iad_protocol = iad->protocol;
			break; /* the first association naming an interface wins */
		}
	}
}

static unsigned count_alts(const struct usb_descriptors *d, unsigned from, uint8_t number)
{
	unsigned n = 0;
	for (unsigned i = from; i < d->n_alts; i++)
		n += d->alts[i].number == number;
	return n;
}

/* Walks the descriptors inside one configuration: [start, end) of the blob, end <= len. */
static int parse_config_body(struct parse_state *s, uint8_t cfg_index, uint8_t cfg_value,
                             size_t start, size_t end)
{
	struct usb_descriptors *d = s->d;
	unsigned first_alt = d->n_alts;
	struct usb_iface_alt *cur = NULL;

	for (size_t off = start; off < end;) {
		const uint8_t *p = s->buf + off;
		size_t room = end - off;
		uint8_t blen, type;

		if (room < 2)
			return fail(
			    s, -EBADMSG, off,
			    "descriptor header truncated: 1 byte left before the end of the "
			    "configuration");
		blen = p[0];
		type = p[1];
		if (blen < 2)
			return fail(s, -EBADMSG, off, "descriptor bLength is below 2");
		if (blen > room)
			return fail(s, -EBADMSG, off,
			            "descriptor bLength runs past the end of the configuration "
			            "(wTotalLength)");

		switch (type) {
		case USB_DT_DEVICE:
		case USB_DT_CONFIG:
			return fail(s, -EBADMSG, off,
			            "device or configuration descriptor inside a configuration");
		case USB_DT_INTERFACE:
			if (blen < USB_DT_INTERFACE_SIZE)
				return fail(s, -EBADMSG, off,
				            "interface descriptor bLength is below 9");
			if (d->n_alts >= USB_MAX_IFACE_ALTS)
				return fail(s, -E2BIG, off,
				            "more than 256 interface alternate settings over all "
				            "configurations");
			/* ifaces[].n_alts is a uint8_t: an interface with more alternate settings
			 * than it can count could hide one from classification */
			if (count_alts(d, first_alt, p[2]) >= UINT8_MAX)
				return fail(s, -E2BIG, off,
				            "more than 255 alternate settings of one interface");
			cur = &d->alts[d->n_alts++];
			*cur = (struct usb_iface_alt){
				.config_value = cfg_value,
				.config_index = cfg_index,
				.number = p[2],
				.alt = p[3],
				.cls = p[5],
				.subclass = p[6],
				.protocol = p[7],
				.i_interface = p[8],
			};
			/* p[4] bNumEndpoints is not trusted: endpoints are counted as they come */
			break;
		case USB_DT_ENDPOINT:
			if (blen < USB_DT_ENDPOINT_SIZE)
				return fail(s, -EBADMSG, off,
				            "endpoint descriptor bLength is below 7");
			if (!cur)
				return fail(s, -EBADMSG, off,
				            "endpoint descriptor before any interface descriptor");
			count_endpoint(cur, p);
			break;
		case USB_DT_INTERFACE_ASSOC:
			if (blen < USB_DT_IAD_SIZE)
				return fail(s, -EBADMSG, off,
				            "interface association descriptor bLength is below 8");
			if (s->n_iads >= USB_MAX_IADS)
				return fail(s, -E2BIG, off,
				            "more than 64 interface association descriptors");
			s->iads[s->n_iads++] = (struct iad){
				.config_index = cfg_index,
				.first = p[2],
				.count = p[3],
				.cls = p[4],
				.subclass = p[5],
				.protocol = p[6],
			};
			break;
		default:
			/* class-specific (CS_INTERFACE 0x24, HID 0x21, ...), SuperSpeed endpoint
			 * companions (0x30), OTG, debug, vendor: length-checked above, skipped */
			break;
		}
		off += blen;
	}

	apply_iads(s, cfg_index, first_alt);
	return 0;
}

static int parse_configs(struct parse_state *s)
{
	struct usb_descriptors *d = s->d;
	size_t off = USB_DT_DEVICE_SIZE;

	while (off < s->len) {
		const uint8_t *p = s->buf + off;
		size_t room = s->len - off;
		uint16_t total;
		int r;

		if (d->n_configs >= USB_MAX_CONFIGS)
			return fail(s, -E2BIG, off, "more than 8 configurations");
		if (d->n_configs >= d->num_configs_declared)
			return fail(s, -EBADMSG, off,
			            "more configurations than bNumConfigurations");
		if (room < USB_DT_CONFIG_SIZE)
			return fail(s, -EBADMSG, off,
			            "configuration descriptor truncated: fewer than 9 bytes left");
		if (p[1] != USB_DT_CONFIG)
			return fail(s, -EBADMSG, off,
			            "expected a configuration descriptor (bDescriptorType 0x02)");
		if (p[0] < USB_DT_CONFIG_SIZE)
			return fail(s, -EBADMSG, off,
			            "configuration descriptor bLength is below 9");
		total = get_le16(p + 2);
		if (total < USB_DT_CONFIG_SIZE)
			return fail(s, -EBADMSG, off, "configuration wTotalLength is below 9");
		if (total < p[0])
			return fail(s, -EBADMSG, off,
			            "configuration wTotalLength is below its own bLength");
		if (total > room)
			return fail(s, -EBADMSG, off,
			            "configuration wTotalLength runs past the end of the blob");
		for (unsigned i = 0; i < d->n_configs; i++)
			if (d->configs[i].value == p[5])
				return fail(s, -EBADMSG, off, "duplicate bConfigurationValue");

		d->configs[d->n_configs] = (struct usb_config){
			.value = p[5],
			.attributes = p[7],
			.max_power = p[8],
			.num_interfaces = p[4],
			.total_length = total,
		};
		r = parse_config_body(s, d->n_configs, p[5], off + p[0], off + total);
		if (r < 0)
			return r;
		d->n_configs++;
		off += total;
	}

	if (d->n_configs < d->num_configs_declared)
		return fail(s, -EBADMSG, off, "blob ends before bNumConfigurations configurations");
	return 0;
}

/* Stable insertion sort of alts by (config_index, number): groups the alternate settings. */
static void group_alts(struct usb_descriptors *d)
{
	for (unsigned i = 1; i < d->n_alts; i++) {
		struct usb_iface_alt a = d->alts[i];
		unsigned j = i;
		while (j > 0 && (d->alts[j - 1].config_index > a.config_index ||
		                 (d->alts[j - 1].config_index == a.config_index &&
		                  d->alts[j - 1].number > a.number))) {
			d->alts[j] = d->alts[j - 1];
			j--;
		}
		d->alts[j] = a;
	}
}

int usb_desc_parse(const uint8_t *buf, size_t len, struct usb_descriptors *ret,
                   struct usb_desc_error *reterr)
{
	struct usb_descriptors d = { 0 };
	struct parse_state s = { .buf = buf, .len = len, .d = &d };
	int r;

	if (!ret || (!buf && len > 0))
		return -EINVAL;

	if (len > USB_DESC_MAX_BYTES)
		r = fail(&s, -EFBIG, USB_DESC_MAX_BYTES, "descriptor blob larger than 64 KiB");
	else if (len == 0)
		r = fail(&s, -EBADMSG, 0, "empty descriptor blob");
	else if (len < USB_DT_DEVICE_SIZE)
		r = fail(&s, -EBADMSG, 0, "device descriptor truncated: fewer than 18 bytes");
	else if (buf[1] != USB_DT_DEVICE)
		r = fail(&s, -EBADMSG, 1, "expected a device descriptor (bDescriptorType 0x01)");
	else if (buf[0] != USB_DT_DEVICE_SIZE)
		r = fail(&s, -EBADMSG, 0, "device descriptor bLength is not 18");
	else if (buf[17] == 0)
		r = fail(&s, -EBADMSG, 17, "bNumConfigurations is 0");
	else if (buf[17] > USB_MAX_CONFIGS)
		r = fail(&s, -E2BIG, 17, "bNumConfigurations is above 8");
	else {
		d.bcd_usb = get_le16(buf + 2);
		d.dev_class = buf[4];
		d.dev_subclass = buf[5];
		d.dev_protocol = buf[6];
		d.max_packet0 = buf[7];
		d.vid = get_le16(buf + 8);
		d.pid = get_le16(buf + 10);
		d.bcd_device = get_le16(buf + 12);
		d.i_manufacturer = buf[14];
		d.i_product = buf[15];
		d.i_serial = buf[16];
		d.num_configs_declared = buf[17];
		r = parse_configs(&s);
	}

	if (r < 0) {
		if (reterr)
			*reterr = s.err;
		return r;
	}
	group_alts(&d);
	*ret = d;
	return 0;
}

int usb_desc_hex_decode(const char *text, size_t len, uint8_t *out, size_t outsize,
                        size_t *reterr_offset)
{
	size_t n = 0, i = 0;
	int hi = -1;
	bool line_start = true;
	size_t hi_off = 0;

	if (!text && len > 0)
		return -EINVAL;

	while (i < len) {
		char c = text[i];
		int v = hex_digit(c);

		if (hi >= 0 && v < 0) { /* a byte's two digits must be adjacent */
			if (reterr_offset)
				*reterr_offset = i;
			return -EBADMSG;
		}
		if (c == '\n') {
			line_start = true;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			i++;
			continue;
		}
		if (c == '#' && line_start) {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		line_start = false;
		if (v < 0) {
			if (reterr_offset)
				*reterr_offset = i;
			return -EBADMSG;
		}
		if (hi < 0) {
			hi = v;
			hi_off = i;
		} else {
			if (n >= outsize) {
				if (reterr_offset)
					*reterr_offset = hi_off;
				return -EFBIG;
			}
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
		i++;
	}
	if (hi >= 0) {
		if (reterr_offset)
			*reterr_offset = hi_off;
		return -EBADMSG;
	}
	return n > INT32_MAX ? -EFBIG : (int)n;
}
