/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A device_decision record's device as a usb_device_info (pure; see cli_seen.h, fuzzed). */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/cli/cli_seen.h"

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *ret)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	int64_t x = json_object_get_int64(v);
	if (x < lo || x > hi)
		return false;
	*ret = x;
	return true;
}

static int hex_nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly n lowercase hex digits into out (n/2 bytes). */
static bool parse_hex(const char *s, size_t n, uint8_t *out)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_nibble(s[i]), lo = hex_nibble(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * A device string as the device sent it: the event encoder writes each byte that is not valid
 * UTF-8 as the four characters \xNN (docs/events.md), so \x80..\xff are turned back into that
 * byte (a rule then matches the real device). A device that sent those four characters
 * literally gets a string it did not send: its rule does not match, it stays blocked.
 */
static bool copy_str(struct json_object *o, const char *key, char *dst, size_t size)
{
	const char *s = jstr(o, key);
	size_t n = 0;

	for (; s && *s && n + 1 < size; s++) {
		int hi, lo;
		if (s[0] == '\\' && s[1] == 'x' && (hi = hex_nibble(s[2])) >= 8 &&
		    (lo = hex_nibble(s[3])) >= 0) {
			dst[n++] = (char)(hi << 4 | lo);
			s += 3;
		} else
			dst[n++] = *s;
	}
	dst[n] = '\0';
	return s != NULL;
}

static int kinds_of(struct json_object *o, usb_kind_mask *ret)
{
	struct json_object *a;
	usb_kind_mask m = 0;

	if (!json_object_object_get_ex(o, "kinds", &a) || !json_object_is_type(a, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *k = json_object_array_get_idx(a, i);
		int v = json_object_is_type(k, json_type_string)
		            ? usb_kind_from_string(json_object_get_string(k))
		            : -EINVAL;
		if (v < 0)
			return -EBADMSG;
		m |= USB_KIND_BIT(v);
	}
	*ret = m;
	return 0;
}

int seen_device_from_record(struct json_object *record, struct usb_device_info *ret)
{
	struct json_object *dev, *ifs;
	uint8_t id[2];
	const char *type = jstr(record, "type");
	int r;

	if (!type || strcmp(type, "device_decision") != 0)
		return -ENOENT;
	if (!json_object_object_get_ex(record, "device", &dev) ||
	    !json_object_is_type(dev, json_type_object))
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	ret->authorized = -1;
	copy_str(dev, "syspath", ret->syspath, sizeof(ret->syspath));
	if (!copy_str(dev, "busid", ret->busid, sizeof(ret->busid)))
		return -EBADMSG;
	ret->has_manufacturer =
	    copy_str(dev, "manufacturer", ret->manufacturer, sizeof(ret->manufacturer));
	ret->has_product = copy_str(dev, "product", ret->product, sizeof(ret->product));
	ret->has_serial = copy_str(dev, "serial", ret->serial, sizeof(ret->serial));
	if (!parse_hex(jstr(dev, "descriptors_sha256"), 64, ret->desc_sha256))
		return -EBADMSG;
	if (json_object_object_get_ex(dev, "descriptors_error", NULL)) {
		ret->desc_status = -EBADMSG; /* blocked whatever the policy says */
		ret->desc_error.reason = "descriptors malformed (from the log)";
	}
	/* null when the descriptors did not parse */
	if (parse_hex(jstr(dev, "vendor_id"), 4, id))
		ret->desc.vid = (uint16_t)(id[0] << 8 | id[1]);
	else if (!ret->desc_status)
		return -EBADMSG;
	if (parse_hex(jstr(dev, "product_id"), 4, id))
		ret->desc.pid = (uint16_t)(id[0] << 8 | id[1]);
	else if (!ret->desc_status)
		return -EBADMSG;
	if ((r = kinds_of(dev, &ret->kinds)) < 0)
		return r;

	if (!json_object_object_get_ex(dev, "interfaces", &ifs) ||
	    !json_object_is_type(ifs, json_type_array))
		return -EBADMSG;
	size_t n = json_object_array_length(ifs);
	if (n > USB_MAX_IFACES)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i);
		struct usb_iface_info *fi = &ret->ifaces[i];
		int64_t cfg, num;
		const char *cls = jstr(f, "class");
		uint8_t t[3];

		if (!f || !json_object_is_type(f, json_type_object) ||
		    !jint(f, "config", 0, 255, &cfg) || !jint(f, "number", 0, 255, &num) || !cls ||
		    strlen(cls) != 8 || cls[2] != '/' || cls[5] != '/' ||
		    !parse_hex((char[]){ cls[0], cls[1], 0 }, 2, &t[0]) ||
		    !parse_hex((char[]){ cls[3], cls[4], 0 }, 2, &t[1]) ||
		    !parse_hex((char[]){ cls[6], cls[7], 0 }, 2, &t[2]))
			return -EBADMSG;
		fi->config_value = (uint8_t)cfg;
		fi->number = (uint8_t)num;
		fi->cls = t[0];
		fi->subclass = t[1];
		fi->protocol = t[2];
		fi->n_alts = 1;
		fi->authorized = -1;
		fi->has_string = copy_str(f, "string", fi->string, sizeof(fi->string));
		if ((r = kinds_of(f, &fi->kinds)) < 0)
			return r;
		fi->kind = usb_kind_primary(fi->kinds);
		ret->kinds |= fi->kinds;
	}
	ret->n_ifaces = (uint16_t)n;
	return 0;
}
