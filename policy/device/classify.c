/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Classification (docs/classification.md). Kinds only accumulate: every alternate setting, the
 * interface association and every hint can add kinds to an interface, nothing removes one, so a
 * device cannot hide a data channel behind a harmless alternate setting or string.
 */
#include <stdbool.h>
#include <string.h>

#include "policy/device/classify.h"

#define K(k) USB_KIND_BIT(USB_KIND_##k)
/* Positively identified channels the MTP database hint leaves alone. */
#define NOT_MTP_CANDIDATE (K(ADB) | K(APPLE_USBMUX) | K(APPLE_ETHERNET))

/* Kinds of a class triple alone. Never empty: unknown classes are "other". */
static usb_kind_mask classify_triple(uint8_t cls, uint8_t sub, uint8_t proto)
{
	switch (cls) {
	case 0x01:
		return K(AUDIO);
	case 0x02: /* CDC communications */
		switch (sub) {
		case 0x02: /* ACM; protocol ff is Microsoft's RNDIS control interface */
			return proto == 0xff ? K(NETWORK) : K(SERIAL);
		case 0x06: /* ECM */
		case 0x0a: /* MDLM */
		case 0x0c: /* EEM */
		case 0x0d: /* NCM */
		case 0x0e: /* MBIM */
			return K(NETWORK);
		default:
			return K(OTHER);
		}
	case 0x03:
		return K(HID);
	case 0x06:
		return K(PTP);
	case 0x07:
		return K(PRINTER);
	case 0x08:
		return K(MASS_STORAGE);
	case 0x09:
		return K(HUB);
	case 0x0a: /* CDC data */
		return K(NETWORK);
	case 0x0b:
		return K(SMARTCARD);
	case 0x0e: /* video */
	case 0x10: /* audio/video devices */
		return K(VIDEO);
	case 0xe0: /* wireless controller; 01/03 is RNDIS */
		return sub == 0x01 && proto == 0x03 ? K(NETWORK) : K(WIRELESS);
	case 0xef: /* miscellaneous; 04/01 is RNDIS over Ethernet */
		return sub == 0x04 && proto == 0x01 ? K(NETWORK) : K(OTHER);
	case 0xff:
		if (sub == 0x42 && (proto == 0x01 || proto == 0x03)) /* adb, fastboot */
			return K(ADB);
		if (sub == 0xfe && proto == 0x02)
			return K(APPLE_USBMUX);
		if (sub == 0xfd && proto == 0x01)
			return K(APPLE_ETHERNET);
		return K(OTHER);
	default:
		return K(OTHER);
	}
}

/* MTP's endpoint shape: bulk in, bulk out, interrupt in (events). */
static bool has_mtp_shape(const struct usb_iface_alt *a)
{
	return a->bulk_in > 0 && a->bulk_out > 0 && a->intr_in > 0;
}

usb_kind_mask classify_alt(const struct usb_iface_alt *alt)
{
	usb_kind_mask m;

	if (!alt)
		return K(OTHER);
	if (alt->cls == 0xff && alt->subclass == 0xff && alt->protocol == 0x00 &&
	    has_mtp_shape(alt))
		m = K(MTP); /* pre-Android-8 kernels expose MTP as vendor ff/ff/00 */
	else
		m = classify_triple(alt->cls, alt->subclass, alt->protocol);

	/* The association's function class names what the interfaces are for (RNDIS is often
	 * visible only there). Only known functions add: an IAD of ef/02/01 ("multi-interface
	 * function") says nothing. */
	if (alt->in_iad)
		m |=
		    classify_triple(alt->iad_cls, alt->iad_subclass, alt->iad_protocol) & ~K(OTHER);
	return m;
}

static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* true when the n bytes at s contain word (upper case) as a whole word, case-insensitively. */
static bool contains_word(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= n; i++) {
		size_t j = 0;
		while (j < wl && ascii_upper(s[i + j]) == word[j])
			j++;
		if (j < wl)
			continue;
		if (i > 0 && is_word_char(s[i - 1]))
			continue;
		if (i + wl < n && is_word_char(s[i + wl]))
			continue;
		return true;
	}
	return false;
}

/* Compares a fixed-size, possibly unterminated compat_id field to an upper-case id. */
static bool compat_is(const char *field, size_t size, const char *id)
{
	size_t n = strnlen(field, size);
	size_t il = strlen(id);

	if (n != il)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_upper(field[i]) != id[i])
			return false;
	return true;
}

static usb_kind_mask iface_alt_union(const struct usb_device_info *dev,
                                     const struct usb_iface_info *f)
{
	usb_kind_mask m = 0;

	for (unsigned i = 0; i < f->n_alts; i++) {
		unsigned idx = (unsigned)f->first_alt + i;
		if (idx >= dev->desc.n_alts || idx >= USB_MAX_IFACE_ALTS)
			break;
		m |= classify_alt(&dev->desc.alts[idx]);
	}
	return m;
}

/* Walks the alternate settings of f; flags what the MTP database hint needs to know. */
static void iface_shape(const struct usb_device_info *dev, const struct usb_iface_info *f,
                        bool *ret_ptp_or_vendor, bool *ret_bulk)
{
	bool pv = false, bulk = false;

	for (unsigned i = 0; i < f->n_alts; i++) {
		unsigned idx = (unsigned)f->first_alt + i;
		if (idx >= dev->desc.n_alts || idx >= USB_MAX_IFACE_ALTS)
			break;
		const struct usb_iface_alt *a = &dev->desc.alts[idx];
		if (a->cls == 0x06 || a->cls == 0xff) {
			pv = true;
			if (a->bulk_in || a->bulk_out)
				bulk = true;
		}
	}
	*ret_ptp_or_vendor = pv;
	*ret_bulk = bulk;
}

void classify_device(struct usb_device_info *dev)
{
	bool any_bulk_candidate = false;

	if (!dev)
		return;
	dev->kinds = 0;
	if (dev->desc_status < 0) {
		/* descriptors that do not parse carry no kind: policy blocks the device */
		for (unsigned i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++) {
			dev->ifaces[i].kinds = 0;
			dev->ifaces[i].kind = USB_KIND_OTHER;
		}
		return;
	}

	for (unsigned i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++) {
		struct usb_iface_info *f = &dev->ifaces[i];
		bool pv, bulk;

		f->kinds = iface_alt_union(dev, f);
		if (f->has_string &&
		    contains_word(f->string, strnlen(f->string, sizeof(f->string)), "MTP"))
			f->kinds |= K(MTP);
		if (compat_is(f->compat_id, sizeof(f->compat_id), "MTP"))
			f->kinds |= K(MTP);
		if (compat_is(f->compat_id, sizeof(f->compat_id), "PTP"))
			f->kinds |= K(PTP);
		iface_shape(dev, f, &pv, &bulk);
		if (pv && bulk && !(f->kinds & NOT_MTP_CANDIDATE))
			any_bulk_candidate = true;
	}

	/* The libmtp database / hwdb knows this VID:PID is an MTP device: every PTP or vendor
	 * interface with bulk endpoints may be its MTP channel; with none, every PTP or vendor
	 * interface is. Interfaces already identified by their class triple as another data
	 * channel (ADB, usbmux, Apple Ethernet) are not candidates: "allow adb, block mtp" must
	 * keep working on a phone in MTP+ADB mode. */
	if (dev->mtp_db_hit)
		for (unsigned i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++) {
			struct usb_iface_info *f = &dev->ifaces[i];
			bool pv, bulk;

			iface_shape(dev, f, &pv, &bulk);
			if (f->kinds & NOT_MTP_CANDIDATE)
				continue;
			if (pv && (bulk || !any_bulk_candidate))
				f->kinds |= K(MTP);
		}

	for (unsigned i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++) {
		struct usb_iface_info *f = &dev->ifaces[i];
		if (!f->kinds)
			f->kinds = K(OTHER);
		f->kind = usb_kind_primary(f->kinds);
		dev->kinds |= f->kinds;
	}
	if (dev->desc.dev_class == 0x09)
		dev->kinds |= K(HUB);
}

bool classify_wants_ep0_hints(const struct usb_device_info *dev)
{
	if (!dev || dev->desc_status < 0 || dev->mtp_db_hit)
		return false;
	for (unsigned i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++) {
		const struct usb_iface_info *f = &dev->ifaces[i];
		bool vendor = false;

		if (f->kinds != K(OTHER) || f->has_string || f->compat_id[0])
			continue;
		for (unsigned k = 0; k < f->n_alts; k++) {
			unsigned idx = (unsigned)f->first_alt + k;
			if (idx >= dev->desc.n_alts || idx >= USB_MAX_IFACE_ALTS)
				break;
			vendor |= dev->desc.alts[idx].cls == 0xff;
		}
		if (vendor)
			return true;
	}
	return false;
}
