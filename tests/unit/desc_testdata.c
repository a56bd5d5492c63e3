/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/strutil.h"
#include "tests/unit/desc_testdata.h"

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(4 * USB_DESC_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, 4 * USB_DESC_MAX_BYTES, f);
	fclose(f);
	buf[n] = 0;
	*ret = buf;
	*ret_len = n;
	return 0;
}

struct desc_testcase *desc_testcase_free(struct desc_testcase *tc)
{
	if (tc) {
		free(tc->blob);
		free(tc);
	}
	return NULL;
}

static int parse_meta(struct desc_testcase *tc, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq;
		size_t l = strlen(line);

		if (l && line[l - 1] == '\r')
			line[--l] = 0;
		if (!l || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq || tc->n_kv >= DESC_TESTDATA_MAX_KEYS)
			return -EBADMSG;
		*eq = 0;
		if (str_copy(tc->kv[tc->n_kv].key, sizeof(tc->kv[0].key), line) < 0 ||
		    str_copy(tc->kv[tc->n_kv].value, sizeof(tc->kv[0].value), eq + 1) < 0)
			return -EBADMSG;
		tc->n_kv++;
	}
	return 0;
}

int desc_testcase_load(const char *dir, const char *name, struct desc_testcase **ret)
{
	struct desc_testcase *tc = calloc(1, sizeof(*tc));
	char path[4096], *text = NULL;
	size_t len;
	int r;

	if (!tc)
		return -ENOMEM;
	if (str_copy(tc->name, sizeof(tc->name), name) < 0) {
		r = -ENAMETOOLONG;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
	r = read_file(path, &text, &len);
	if (r < 0)
		goto out;
	tc->blob = malloc(USB_DESC_MAX_BYTES + 1);
	if (!tc->blob) {
		r = -ENOMEM;
		goto out;
	}
	r = usb_desc_hex_decode(text, len, tc->blob, USB_DESC_MAX_BYTES + 1, NULL);
	if (r < 0)
		goto out;
	tc->len = (size_t)r;
	free(text);
	text = NULL;

	snprintf(path, sizeof(path), "%s/%s.meta", dir, name);
	r = read_file(path, &text, &len);
	if (r < 0)
		goto out;
	r = parse_meta(tc, text);
	if (r < 0)
		goto out;
	*ret = tc;
	tc = NULL;
	r = 0;
out:
	free(text);
	desc_testcase_free(tc);
	return r;
}

const char *desc_testcase_get(const struct desc_testcase *tc, const char *key)
{
	for (unsigned i = 0; i < tc->n_kv; i++)
		if (!strcmp(tc->kv[i].key, key))
			return tc->kv[i].value;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void desc_testcase_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

int desc_testcase_list(const char *dir, char ***ret_names)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || de->d_name[0] == '.' || strcmp(de->d_name + l - 4, ".hex"))
			continue;
		if (n + 2 > cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));
			if (!nn)
				goto oom;
			names = nn;
		}
		names[n] = strndup(de->d_name, l - 4);
		if (!names[n])
			goto oom;
		names[++n] = NULL;
	}
	closedir(d);
	if (!names)
		return -ENOENT;
	qsort(names, n, sizeof(*names), cmp_str);
	*ret_names = names;
	return (int)n;
oom:
	closedir(d);
	desc_testcase_names_free(names);
	return -ENOMEM;
}

static int parse_ci(const char *s, const char *prefix, unsigned *c, unsigned *i)
{
	char tail;
	size_t pl = strlen(prefix);

	if (strncmp(s, prefix, pl))
		return 0;
	if (sscanf(s + pl, "%u.%u%c", c, i, &tail) != 2 || *c > 255 || *i > 255)
		return -EINVAL;
	return 1;
}

int desc_testcase_apply(const struct desc_testcase *tc, struct usb_device_info *dev)
{
	int r = usb_device_set_descriptors(dev, tc->blob, tc->len);

	for (unsigned k = 0; k < tc->n_kv; k++) {
		const char *key = tc->kv[k].key, *val = tc->kv[k].value;
		unsigned c, i;
		int m;

		if (!strcmp(key, "manufacturer")) {
			dev->has_manufacturer = *val;
			(void)str_copy(dev->manufacturer, sizeof(dev->manufacturer), val);
		} else if (!strcmp(key, "product")) {
			dev->has_product = *val;
			(void)str_copy(dev->product, sizeof(dev->product), val);
		} else if (!strcmp(key, "serial")) {
			dev->has_serial = *val;
			(void)str_copy(dev->serial, sizeof(dev->serial), val);
		} else if (!strcmp(key, "speed")) {
			dev->speed_mbps = (unsigned)strtoul(val, NULL, 10);
		} else if (!strcmp(key, "mtp_db")) {
			dev->mtp_db_hit = !strcmp(val, "1");
		} else if ((m = parse_ci(key, "string.", &c, &i)) != 0) {
			struct usb_iface_info *f;
			if (m < 0)
				return -EINVAL;
			f = usb_device_find_iface(dev, (uint8_t)c, (uint8_t)i);
			if (f) {
				f->has_string = true;
				(void)str_copy(f->string, sizeof(f->string), val);
			}
		} else if ((m = parse_ci(key, "compat.", &c, &i)) != 0) {
			struct usb_iface_info *f;
			if (m < 0)
				return -EINVAL;
			f = usb_device_find_iface(dev, (uint8_t)c, (uint8_t)i);
			if (f)
				(void)str_copy(f->compat_id, sizeof(f->compat_id), val);
		}
	}
	return r;
}

int desc_kinds_parse(const char *list, usb_kind_mask *ret)
{
	usb_kind_mask m = 0;
	char buf[512], *save = NULL;

	if (str_copy(buf, sizeof(buf), list) < 0)
		return -EINVAL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = usb_kind_from_string(t);
		if (k < 0)
			return -EINVAL;
		m |= USB_KIND_BIT(k);
	}
	*ret = m;
	return 0;
}

void desc_build_raw(struct desc_builder *b, const uint8_t *bytes, size_t n)
{
	if (n > sizeof(b->b) - b->n) {
		b->overflow = true;
		return;
	}
	memcpy(b->b + b->n, bytes, n);
	b->n += n;
}

void desc_build_device(struct desc_builder *b, uint16_t vid, uint16_t pid, uint8_t dev_class,
                       uint8_t num_configs)
{
	const uint8_t d[18] = { 18,   1,    0x00,       0x02,     dev_class,  0,
		                0,    64,   vid & 0xff, vid >> 8, pid & 0xff, pid >> 8,
		                0x00, 0x01, 1,          2,        3,          num_configs };
	desc_build_raw(b, d, sizeof(d));
}

void desc_build_config(struct desc_builder *b, uint8_t value)
{
	const uint8_t c[9] = { 9, 2, 0, 0, 0, value, 0, 0x80, 0x32 };
	b->cfg_start = b->n;
	b->cfg_ifaces = 0;
	desc_build_raw(b, c, sizeof(c));
}

void desc_build_config_end(struct desc_builder *b)
{
	size_t total = b->n - b->cfg_start;
	if (b->overflow || total > UINT16_MAX) {
		b->overflow = true;
		return;
	}
	b->b[b->cfg_start + 2] = total & 0xff;
	b->b[b->cfg_start + 3] = (uint8_t)(total >> 8);
	b->b[b->cfg_start + 4] = b->cfg_ifaces;
}

void desc_build_iface(struct desc_builder *b, uint8_t number, uint8_t alt, uint8_t cls,
                      uint8_t subclass, uint8_t protocol)
{
	const uint8_t i[9] = { 9, 4, number, alt, 0, cls, subclass, protocol, 0 };
	if (alt == 0)
		b->cfg_ifaces++;
	desc_build_raw(b, i, sizeof(i));
}

void desc_build_ep(struct desc_builder *b, uint8_t addr, uint8_t type)
{
	const uint8_t e[7] = { 7, 5, addr, type, 0x00, 0x02, type == 3 ? 9 : 0 };
	desc_build_raw(b, e, sizeof(e));
}

void desc_build_iad(struct desc_builder *b, uint8_t first, uint8_t count, uint8_t cls,
                    uint8_t subclass, uint8_t protocol)
{
	const uint8_t a[8] = { 8, 0x0b, first, count, cls, subclass, protocol, 0 };
	desc_build_raw(b, a, sizeof(a));
}
