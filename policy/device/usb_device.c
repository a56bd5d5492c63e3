/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "policy/device/usb_device.h"

/* A fresh interface entry: no hints, no sysfs state known yet. */
static void iface_init(struct usb_iface_info *f, const struct usb_iface_alt *a, uint16_t index)
{
	*f = (struct usb_iface_info){
		.config_value = a->config_value,
		.number = a->number,
		.cls = a->cls,
		.subclass = a->subclass,
		.protocol = a->protocol,
		.n_alts = 0,
		.first_alt = index,
		.kind = USB_KIND_OTHER,
		.authorized = -1,
	};
}

/* desc.alts is grouped by (configuration, interface number): one pass builds ifaces[]. */
static void build_ifaces(struct usb_device_info *dev)
{
	const struct usb_descriptors *d = &dev->desc;
	struct usb_iface_info *cur = NULL;

	dev->n_ifaces = 0;
	for (uint16_t i = 0; i < d->n_alts; i++) {
		const struct usb_iface_alt *a = &d->alts[i];

		if (!cur || cur->config_value != a->config_value || cur->number != a->number) {
			/* n_alts <= USB_MAX_IFACE_ALTS == USB_MAX_IFACES: cannot overflow */
			_Static_assert(USB_MAX_IFACES >= USB_MAX_IFACE_ALTS, "ifaces[] too small");
			cur = &dev->ifaces[dev->n_ifaces++];
			iface_init(cur, a, i);
		}
		/* class triple of alternate setting 0, or of the first one seen */
		if (a->alt == 0 && cur->n_alts > 0 && d->alts[cur->first_alt].alt != 0) {
			cur->cls = a->cls;
			cur->subclass = a->subclass;
			cur->protocol = a->protocol;
		}
		cur->n_alts++; /* the parser caps alternate settings per interface at 255 */
	}
}

static int sha256(const uint8_t *buf, size_t len, uint8_t out[static 32])
{
	static const uint8_t empty = 0;
	unsigned int n = 0;

	if (EVP_Digest(len ? buf : &empty, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -ENOMEM; /* OpenSSL only fails here when it cannot allocate */
	return 0;
}

int usb_device_set_descriptors(struct usb_device_info *dev, const uint8_t *buf, size_t len)
{
	int r;

	if (!dev || (!buf && len > 0))
		return -EINVAL;

	memset(&dev->desc, 0, sizeof(dev->desc));
	memset(&dev->desc_error, 0, sizeof(dev->desc_error));
	memset(dev->desc_sha256, 0, sizeof(dev->desc_sha256));
	dev->n_ifaces = 0;
	dev->kinds = 0;

	r = sha256(buf, len, dev->desc_sha256);
	if (r < 0) {
		dev->desc_error =
		    (struct usb_desc_error){ 0, "cannot compute SHA-256 of descriptors" };
		dev->desc_status = r;
		return r;
	}

	r = usb_desc_parse(buf, len, &dev->desc, &dev->desc_error);
	if (r < 0) {
		memset(&dev->desc, 0, sizeof(dev->desc));
		/* Keep the identity of a malformed device for its event when the first 18 bytes
		 * look like a device descriptor; no configurations, no interfaces. */
		if (len >= 18 && buf[1] == USB_DT_DEVICE) {
			dev->desc.bcd_usb = (uint16_t)(buf[2] | buf[3] << 8);
			dev->desc.dev_class = buf[4];
			dev->desc.dev_subclass = buf[5];
			dev->desc.dev_protocol = buf[6];
			dev->desc.vid = (uint16_t)(buf[8] | buf[9] << 8);
			dev->desc.pid = (uint16_t)(buf[10] | buf[11] << 8);
			dev->desc.bcd_device = (uint16_t)(buf[12] | buf[13] << 8);
		}
		dev->desc_status = r;
		return r;
	}
	dev->desc_status = 0;
	build_ifaces(dev);
	return 0;
}

struct usb_iface_info *usb_device_find_iface(struct usb_device_info *dev, uint8_t config_value,
                                             uint8_t number)
{
	if (!dev)
		return NULL;
	for (uint16_t i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++)
		if (dev->ifaces[i].config_value == config_value && dev->ifaces[i].number == number)
			return &dev->ifaces[i];
	return NULL;
}

void usb_device_format_id(const struct usb_device_info *dev, char buf[static 10])
{
	(void)snprintf(buf, 10, "%04x:%04x", dev->desc.vid, dev->desc.pid);
}
