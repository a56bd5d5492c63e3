/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A rule's keys as text, from the loaded policy: what "policy show" prints and "policy diff"
 * compares. Neither reads the file a second time (a 100,000-rule file is about 150 MB as a
 * libconfig tree), and both see exactly what the agent enforces. Pure.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strenc.h"
#include "policy/lang/policy_internal.h"

const char *const policy_rule_keys[] = {
	"action",    "scope",        "kind",           "class",   "vid",  "pid",
	"serial",    "manufacturer", "product",        "port",    "hash", "not_before",
	"not_after", "hosts",        "transfer_alert", "comment", NULL,
};

/* Appends to buf what fits, always terminated; len counts everything, as snprintf() does. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->size > 0 && o->len < o->size - 1) {
		size_t room = o->size - 1 - o->len, k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->buf[o->len + k] = '\0';
	}
	o->len += n;
}

_printf_(2, 3) static void putf(struct out *o, const char *fmt, ...)
{
	char b[80];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

static void put_quoted(struct out *o, const char *s)
{
	char e[STRENC_MAX(COMMENT_MAX)];
	size_t n = strnlen(s, COMMENT_MAX); /* the loader keeps nothing longer */

	put(o, "\"", 1);
	put(o, e, strenc_json(e, s, n));
	put(o, "\"", 1);
}

static void list_open(struct out *o, size_t n, size_t k)
{
	if (n > 1)
		put(o, k ? ", " : "[", k ? 2 : 1);
}

static void list_close(struct out *o, size_t n)
{
	if (n > 1)
		put(o, "]", 1);
}

static void put_strings(struct out *o, const char *const *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		list_open(o, n, k);
		put_quoted(o, v[k]);
	}
	list_close(o, n);
}

static void put_u16s(struct out *o, const uint16_t *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		list_open(o, n, k);
		putf(o, "0x%04x", v[k]);
	}
	list_close(o, n);
}

static void put_time(struct out *o, int64_t t)
{
	char b[RFC3339_MAX];
	if (rfc3339_format_sec(t, b) < 0)
		putf(o, "@%" PRId64, t);
	else
		putf(o, "\"%s\"", b);
}

size_t policy_rule_key_text(const struct policy *p, size_t i, const char *key, char *buf,
                            size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size > 0)
		buf[0] = '\0';
	if (!p || i >= p->n_rules || !key)
		return 0;
	const struct policy_rule *r = &p->rules[i];
	const struct policy_rule_extra *x = r->x;

	if (!strcmp(key, "action")) {
		putf(&o, "\"%s\"", policy_action_to_string(r->action));
	} else if (!strcmp(key, "scope")) {
		if (r->scope == RULE_SCOPE_DEVICE) /* "interface" is the default: not a key */
			put(&o, "\"device\"", 8);
	} else if (!strcmp(key, "kind")) {
		size_t n = 0, k = 0;
		for (int t = 0; r->has_kinds && t < _USB_KIND_MAX; t++)
			n += (r->kinds & USB_KIND_BIT(t)) != 0;
		for (int t = 0; r->has_kinds && t < _USB_KIND_MAX; t++)
			if (r->kinds & USB_KIND_BIT(t)) {
				list_open(&o, n, k++);
				putf(&o, "\"%s\"", usb_kind_to_string((enum usb_kind)t));
			}
		list_close(&o, n);
	} else if (!strcmp(key, "class")) {
		for (uint32_t k = 0; k < x->n_classes; k++) {
			list_open(&o, x->n_classes, k);
			put(&o, "\"", 1);
			for (int f = 0; f < 3; f++) {
				if (x->classes[k].any_mask & (1u << f))
					put(&o, "*", 1);
				else
					putf(&o, "%02x", x->classes[k].value[f]);
				if (f < 2)
					put(&o, ":", 1);
			}
			put(&o, "\"", 1);
		}
		list_close(&o, x->n_classes);
	} else if (!strcmp(key, "vid")) {
		put_u16s(&o, r->vids, r->n_vids);
	} else if (!strcmp(key, "pid")) {
		put_u16s(&o, r->pids, r->n_pids);
	} else if (!strcmp(key, "serial")) {
		put_strings(&o, r->serials, r->n_serials);
	} else if (!strcmp(key, "manufacturer")) {
		put_strings(&o, x->manufacturers, x->n_manufacturers);
	} else if (!strcmp(key, "product")) {
		put_strings(&o, x->products, x->n_products);
	} else if (!strcmp(key, "port")) {
		put_strings(&o, x->ports, x->n_ports);
	} else if (!strcmp(key, "hash")) {
		for (uint32_t k = 0; k < x->n_hashes; k++) {
			list_open(&o, x->n_hashes, k);
			put(&o, "\"", 1);
			for (int b = 0; b < 32; b++)
				putf(&o, "%02x", x->hashes[k][b]);
			put(&o, "\"", 1);
		}
		list_close(&o, x->n_hashes);
	} else if (!strcmp(key, "not_before")) {
		if (x->not_before != INT64_MIN)
			put_time(&o, x->not_before);
	} else if (!strcmp(key, "not_after")) {
		if (x->not_after != INT64_MAX)
			put_time(&o, x->not_after);
	} else if (!strcmp(key, "hosts")) {
		put_strings(&o, x->hosts, x->n_hosts);
	} else if (!strcmp(key, "transfer_alert")) {
		if (x->limit) {
			char l[128];
			const char *t = transfer_limit_format(x->limit, l, sizeof(l));
			put(&o, t, strlen(t));
		}
	} else if (!strcmp(key, "comment")) {
		if (x->comment)
			put_quoted(&o, x->comment);
	}
	return o.len;
}

const char *policy_rule_key_str(const struct policy *p, size_t i, const char *key, char *buf,
                                size_t size, char **ret_big)
{
	size_t n = policy_rule_key_text(p, i, key, buf, size);

	*ret_big = NULL;
	if (n < size)
		return buf;
	*ret_big = malloc(n + 1);
	if (!*ret_big)
		return NULL;
	(void)policy_rule_key_text(p, i, key, *ret_big, n + 1);
	return *ret_big;
}
