/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/sysfs/usb_ep0.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/base/macro.h"
#include "policy/base/endian.h"
#include "policy/base/strutil.h"

#define USB_REQ_GET_DESCRIPTOR 0x06
#define MSOS_STRING_INDEX      0xee
#define MSOS_COMPAT_INDEX      0x0004
#define STRING_DESC_MAX        255

/* ---- pure parsers ---- */

static size_t utf8_put(char *out, size_t outsize, size_t o, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o + n >= outsize)
		return 0; /* does not fit: stop at a whole character */
	memcpy(out + o, b, n);
	return n;
}

int usb_ep0_parse_string(const uint8_t *buf, size_t len, char *out, size_t outsize)
{
	size_t blen, o = 0;

	if (!buf || !out || outsize == 0)
		return -EINVAL;
	out[0] = '\0';
	if (len < 2 || buf[1] != 0x03)
		return -EBADMSG;
	blen = buf[0];
	if (blen < 2 || blen > len)
		return -EBADMSG;
	blen &= ~(size_t)1; /* an odd trailing byte is not a character */
	for (size_t i = 2; i + 1 < blen; i += 2) {
		uint32_t cp = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8;
		size_t n;

		if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < blen) {
			uint32_t lo = (uint32_t)buf[i + 2] | (uint32_t)buf[i + 3] << 8;
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else {
				cp = 0xfffd;
			}
		} else if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0) {
			cp = 0xfffd;
		}
		n = utf8_put(out, outsize, o, cp);
		if (n == 0)
			break;
		o += n;
	}
	out[o] = '\0';
	return (int)o;
}

int usb_ep0_parse_msos_string(const uint8_t *buf, size_t len)
{
	static const uint8_t sig[14] = { 'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0 };

	if (!buf || len < 18 || buf[0] < 18 || buf[1] != 0x03 || memcmp(buf + 2, sig, sizeof(sig)))
		return -ENOENT;
	return buf[16];
}

/* 8 bytes, NUL-padded, [A-Z0-9_] only; returns false for anything else or an empty ID. */
static bool compat_copy(char dst[static 9], const uint8_t *src)
{
	size_t n = 0;

	while (n < 8 && src[n])
		n++;
	for (size_t i = n; i < 8; i++)
		if (src[i])
			return false; /* garbage after the NUL */
	for (size_t i = 0; i < n; i++) {
		uint8_t c = src[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n > 0;
}

int usb_ep0_parse_compat_ids(const uint8_t *buf, size_t len, struct usb_ep0_compat *out, size_t max)
{
	uint32_t dwlen;
	unsigned count;
	size_t n = 0;

	if (!buf || (!out && max))
		return -EINVAL;
	if (len > USB_EP0_COMPAT_MAX_BYTES)
		return -EFBIG;
	if (len < 16)
		return -EBADMSG;
	dwlen = get_le32(buf);
	if (buf[4] != 0x00 || buf[5] != 0x01 || buf[6] != 0x04 || buf[7] != 0x00)
		return -EBADMSG; /* bcdVersion 1.00, wIndex 4 */
	count = buf[8];
	if (dwlen != len || (size_t)16 + (size_t)count * 24 != len)
		return -EBADMSG;
	for (unsigned i = 0; i < count && n < max; i++) {
		const uint8_t *f = buf + 16 + (size_t)i * 24;
		struct usb_ep0_compat c = { .first_interface = f[0] };

		if (!compat_copy(c.compat_id, f + 2))
			continue;
		if (!compat_copy(c.sub_compat_id, f + 10))
			c.sub_compat_id[0] = '\0';
		out[n++] = c;
	}
	return (int)n;
}

/* ---- the shell: control transfers ---- */

static int usb_error_to_errno(int e)
{
	switch (e) {
	case LIBUSB_ERROR_NO_DEVICE:
		return -ENODEV;
	case LIBUSB_ERROR_ACCESS:
		return -EACCES;
	case LIBUSB_ERROR_TIMEOUT:
		return -ETIMEDOUT;
	case LIBUSB_ERROR_NO_MEM:
		return -ENOMEM;
	case LIBUSB_ERROR_PIPE: /* the device stalled: it does not support the request */
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static int get_string(libusb_device_handle *h, uint8_t index, uint16_t langid, uint8_t *buf,
                      unsigned timeout_ms)
{
	int r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN, USB_REQ_GET_DESCRIPTOR,
	                                (uint16_t)(0x03 << 8 | index), langid, buf, STRING_DESC_MAX,
	                                timeout_ms);
	return r < 0 ? usb_error_to_errno(r) : r;
}

/* Stores a string for every interface alt whose iInterface is index and has none yet. */
static int store_string(struct usb_device_info *dev, unsigned alt_index, const char *s)
{
	const struct usb_iface_alt *a = &dev->desc.alts[alt_index];
	struct usb_iface_info *f = usb_device_find_iface(dev, a->config_value, a->number);

	if (!f || f->has_string)
		return 0;
	(void)str_copy(f->string, sizeof(f->string), s); /* cut to size: a hint */
	f->has_string = true;
	return 1;
}

static int read_strings(libusb_device_handle *h, struct usb_device_info *dev, unsigned timeout_ms)
{
	uint8_t buf[STRING_DESC_MAX];
	char text[USB_IFACE_STRING_MAX];
	uint16_t langid;
	int r, added = 0;

	r = get_string(h, 0, 0, buf, timeout_ms);
	if (r < 0)
		return r;
	if (r < 4 || buf[1] != 0x03 || buf[0] < 4)
		return 0; /* no language: no strings */
	langid = (uint16_t)(buf[2] | buf[3] << 8);

	for (unsigned i = 0; i < dev->desc.n_alts && i < USB_MAX_IFACE_ALTS; i++) {
		const struct usb_iface_alt *a = &dev->desc.alts[i];
		const struct usb_iface_info *f =
		    usb_device_find_iface(dev, a->config_value, a->number);
		uint8_t idx = a->i_interface;

		if (idx == 0 || !f || f->has_string)
			continue; /* nothing to ask, or sysfs already had it */
		r = get_string(h, idx, langid, buf, timeout_ms);
		if (r == -ENODEV || r == -ENOMEM || r == -ETIMEDOUT)
			return r; /* a device that lets a request time out is not asked again */
		if (r < 0 || usb_ep0_parse_string(buf, (size_t)r, text, sizeof(text)) < 0)
			continue; /* one string not answered: keep the others */
		added += store_string(dev, i, text);
	}
	return added;
}

static int read_compat_ids(libusb_device_handle *h, struct usb_device_info *dev,
                           unsigned timeout_ms)
{
	uint8_t buf[STRING_DESC_MAX], *desc = NULL;
	struct usb_ep0_compat c[USB_EP0_MAX_COMPAT];
	uint32_t total;
	int r, vendor, n, added = 0;

	r = get_string(h, MSOS_STRING_INDEX, 0, buf, timeout_ms);
	if (r < 0)
		return r == -ENODEV || r == -ENOMEM ? r : 0;
	vendor = usb_ep0_parse_msos_string(buf, (size_t)r);
	if (vendor < 0)
		return 0;

	/* header first, for dwLength */
	r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR,
	                            (uint8_t)vendor, 0, MSOS_COMPAT_INDEX, buf, 16, timeout_ms);
	if (r < 0)
		return usb_error_to_errno(r) == -ENODEV ? -ENODEV : 0;
	if (r < 16)
		return 0;
	total = get_le32(buf);
	if (total < 16 || total > USB_EP0_COMPAT_MAX_BYTES)
		return 0;
	desc = malloc(total);
	if (!desc)
		return -ENOMEM;
	r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR,
	                            (uint8_t)vendor, 0, MSOS_COMPAT_INDEX, desc, (uint16_t)total,
	                            timeout_ms);
	if (r < 0) {
		free(desc);
		return usb_error_to_errno(r) == -ENODEV ? -ENODEV : 0;
	}
	n = usb_ep0_parse_compat_ids(desc, (size_t)r, c, USB_EP0_MAX_COMPAT);
	free(desc);
	if (n <= 0 || dev->desc.n_configs == 0)
		return 0;

	/* MS OS 1.0 describes the interfaces of the first configuration */
	for (int i = 0; i < n; i++) {
		struct usb_iface_info *f =
		    usb_device_find_iface(dev, dev->desc.configs[0].value, c[i].first_interface);
		if (!f || f->compat_id[0])
			continue;
		(void)str_copy(f->compat_id, sizeof(f->compat_id), c[i].compat_id);
		added++;
	}
	return added;
}

int usb_ep0_read_hints(libusb_context *ctx, struct usb_device_info *dev, unsigned timeout_ms)
{
	libusb_device_handle *h = NULL;
	char node[64];
	int fd, r, strings, compat;

	if (!dev || dev->desc_status < 0 || dev->busnum == 0 || dev->devnum == 0)
		return -EINVAL;
	if (timeout_ms == 0)
		timeout_ms = USB_EP0_TIMEOUT_MS;
	(void)snprintf(node, sizeof(node), "/dev/bus/usb/%03u/%03u", dev->busnum, dev->devnum);
	fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		return r == -ENOENT ? -ENODEV : r;
	}
	r = libusb_wrap_sys_device(ctx, (intptr_t)fd, &h);
	if (r < 0) {
		(void)close(fd);
		return usb_error_to_errno(r);
	}
	strings = read_strings(h, dev, timeout_ms);
	/* Gone, or not answering in time: nothing more is asked (bounded delay per device). */
	compat =
	    strings == -ENODEV || strings == -ETIMEDOUT ? 0 : read_compat_ids(h, dev, timeout_ms);
	libusb_close(h);
	(void)close(fd); /* libusb does not own a wrapped fd */
	if (strings == -ENODEV || compat == -ENODEV)
		return -ENODEV;
	if (strings < 0 && compat <= 0)
		return strings;
	return (strings > 0 ? strings : 0) + (compat > 0 ? compat : 0);
}
