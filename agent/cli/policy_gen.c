/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "portcullis policy generate", the pure part (see policy_gen.h and docs/it-guide.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/cli/policy_gen.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/lang/policy.h"

#define GEN_MAX_DEVICES 20000u
#define GEN_HOSTS_KEPT  3
#define GEN_STR_MAX     USB_STRING_MAX /* 256: device strings are at most 255 bytes */

/* Kinds that make a device a phone (the default charge_only list). */
#define PHONE_KINDS                                                                                \
	(USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) | USB_KIND_BIT(USB_KIND_ADB) |    \
	 USB_KIND_BIT(USB_KIND_APPLE_USBMUX) | USB_KIND_BIT(USB_KIND_APPLE_ETHERNET))
#define BY_KIND (USB_KIND_BIT(USB_KIND_HID) | USB_KIND_BIT(USB_KIND_HUB))

struct gen_dev {
	uint16_t vid, pid;
	bool has_serial;
	char serial[GEN_STR_MAX];
	char name[2 * GEN_STR_MAX]; /* "manufacturer product", may be "" */
	usb_kind_mask kinds;
	uint64_t count;
	int64_t first_usec, last_usec;
	char hosts[GEN_HOSTS_KEPT][64];
	unsigned n_hosts;    /* distinct hosts seen, counted up to UINT_MAX */
	bool hosts_overflow; /* more distinct hosts than kept: n_hosts is a lower bound */
};

struct policy_gen {
	struct gen_dev *devs;
	size_t n, cap;
	uint32_t *slots; /* open addressing over devs: index + 1, 0 = empty */
	size_t n_slots;  /* power of two, > 2 * n */
	uint64_t unreadable;
};

int policy_gen_new(struct policy_gen **ret)
{
	struct policy_gen *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	*ret = g;
	return 0;
}

struct policy_gen *policy_gen_free(struct policy_gen *g)
{
	if (g) {
		free(g->devs);
		free(g->slots);
		free(g);
	}
	return NULL;
}

size_t policy_gen_n_devices(const struct policy_gen *g)
{
	return g->n;
}

uint64_t policy_gen_n_unreadable(const struct policy_gen *g)
{
	return g->unreadable;
}

/* A device is its model, serial and kinds: the same model seen with other kinds (a keyboard and
 * a keyboard that is also a stick) is another device with its own rule. */
static uint64_t key_hash(uint16_t vid, uint16_t pid, const char *serial, usb_kind_mask kinds)
{
	uint64_t h = 1469598103934665603ull;
	uint8_t k[9] = { (uint8_t)(vid >> 8),    (uint8_t)vid,          (uint8_t)(pid >> 8),
		         (uint8_t)pid,           serial ? 1 : 0,        (uint8_t)(kinds >> 24),
		         (uint8_t)(kinds >> 16), (uint8_t)(kinds >> 8), (uint8_t)kinds };

	for (size_t i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 1099511628211ull;
	for (const char *s = serial; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static bool same_key(const struct gen_dev *d, uint16_t vid, uint16_t pid, const char *serial,
                     usb_kind_mask kinds)
{
	return d->vid == vid && d->pid == pid && d->kinds == kinds &&
	       d->has_serial == (serial != NULL) && (!serial || !strcmp(d->serial, serial));
}

static int rehash(struct policy_gen *g, size_t n_slots)
{
	uint32_t *slots = calloc(n_slots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		const struct gen_dev *d = &g->devs[i];
		size_t k = key_hash(d->vid, d->pid, d->has_serial ? d->serial : NULL, d->kinds) &
		           (n_slots - 1);
		while (slots[k])
			k = (k + 1) & (n_slots - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(g->slots);
	g->slots = slots;
	g->n_slots = n_slots;
	return 0;
}

static void copy_cut(char *dst, size_t size, const char *src)
{
	/* src is NUL-terminated (device strings and host names as decoded); cut to fit dst. */
	size_t n = src ? strlen(src) : 0;

	if (n > size - 1)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void note_host(struct gen_dev *d, const char *host)
{
	char h[64];

	if (!host || !*host)
		return;
	copy_cut(h, sizeof(h), host);
	for (unsigned i = 0; i < d->n_hosts && i < GEN_HOSTS_KEPT; i++)
		if (!strcmp(d->hosts[i], h))
			return;
	if (d->n_hosts < GEN_HOSTS_KEPT)
		memcpy(d->hosts[d->n_hosts], h, sizeof(h));
	else
		d->hosts_overflow = true; /* not remembered: later sightings may count it again */
	if (d->n_hosts < UINT32_MAX)
		d->n_hosts++;
}

int policy_gen_add(struct policy_gen *g, const struct gen_sighting *s)
{
	char serial[GEN_STR_MAX];
	const char *key_serial = NULL;
	int r;

	if (!s->kinds)
		return -EINVAL;
	if (s->serial) {
		copy_cut(serial, sizeof(serial), s->serial);
		key_serial = serial;
	}
	uint64_t h = key_hash(s->vid, s->pid, key_serial, s->kinds);
	size_t k = g->n_slots ? h & (g->n_slots - 1) : 0;
	for (; g->n_slots && g->slots[k]; k = (k + 1) & (g->n_slots - 1)) {
		struct gen_dev *d = &g->devs[g->slots[k] - 1];
		if (!same_key(d, s->vid, s->pid, key_serial, s->kinds))
			continue;
		d->count++;
		if (s->time_usec < d->first_usec)
			d->first_usec = s->time_usec;
		if (s->time_usec > d->last_usec)
			d->last_usec = s->time_usec;
		note_host(d, s->host);
		return 0;
	}

	if (g->n >= GEN_MAX_DEVICES)
		return -E2BIG;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct gen_dev *devs = reallocarray(g->devs, cap, sizeof(*devs));
		if (!devs)
			return -ENOMEM;
		g->devs = devs;
		g->cap = cap;
	}
	struct gen_dev *d = &g->devs[g->n];
	*d = (struct gen_dev){
		.vid = s->vid,
		.pid = s->pid,
		.has_serial = key_serial != NULL,
		.kinds = s->kinds,
		.count = 1,
		.first_usec = s->time_usec,
		.last_usec = s->time_usec,
	};
	if (key_serial)
		memcpy(d->serial, serial, sizeof(serial));
	char m[GEN_STR_MAX], p[GEN_STR_MAX];
	copy_cut(m, sizeof(m), s->manufacturer);
	copy_cut(p, sizeof(p), s->product);
	(void)snprintf(d->name, sizeof(d->name), "%s%s%s", m, m[0] && p[0] ? " " : "", p);
	note_host(d, s->host);
	g->n++;
	if (2 * g->n >= g->n_slots) {
		r = rehash(g, g->n_slots ? 2 * g->n_slots : 256);
		if (r < 0) {
			g->n--; /* keep the table consistent: the device was not added */
			return r;
		}
	} else
		g->slots[k] = (uint32_t)g->n;
	return 1;
}

int policy_gen_add_device(struct policy_gen *g, const struct usb_device_info *dev, const char *host,
                          int64_t time_usec)
{
	usb_kind_mask kinds = dev->kinds;
	char serial[GEN_STR_MAX], m[GEN_STR_MAX], p[GEN_STR_MAX];

	if (dev->is_root_hub)
		return 0;
	if (dev->desc_status < 0) {
		g->unreadable++;
		return 0;
	}
	for (uint16_t i = 0; i < dev->n_ifaces && i < USB_MAX_IFACES; i++)
		kinds |= dev->ifaces[i].kinds ? dev->ifaces[i].kinds : USB_KIND_BIT(USB_KIND_OTHER);
	if (!kinds)
		return 0; /* no interfaces: blocked whatever the policy says */
	copy_cut(serial, sizeof(serial), dev->serial);
	copy_cut(m, sizeof(m), dev->manufacturer);
	copy_cut(p, sizeof(p), dev->product);
	struct gen_sighting s = {
		.vid = dev->desc.vid,
		.pid = dev->desc.pid,
		.serial = dev->has_serial && serial[0] ? serial : NULL,
		.manufacturer = dev->has_manufacturer ? m : NULL,
		.product = dev->has_product ? p : NULL,
		.kinds = kinds,
		.host = host,
		.time_usec = time_usec,
	};
	return policy_gen_add(g, &s);
}

/* ---- output ---- */

void policy_gen_quote(char *dst, size_t size, const char *s)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char buf[5];
		size_t n;

		if (c == '"' || c == '\\')
			n = (size_t)snprintf(buf, sizeof(buf), "\\%c", c);
		else if (c < 0x20 || c == 0x7f || c == '@')
			n = (size_t)snprintf(buf, sizeof(buf), "\\x%02x", c);
		else
			buf[0] = (char)c, buf[1] = 0, n = 1;
		if (o + n >= size)
			break;
		memcpy(dst + o, buf, n);
		o += n;
	}
	dst[o] = '\0';
}

/* A comment is printable text: control bytes become '?', then quoted as a string. */
static void quote_comment(char *dst, size_t size, const char *s)
{
	char tmp[1024];

	copy_cut(tmp, sizeof(tmp), s);
	for (char *q = tmp; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	policy_gen_quote(dst, size, tmp);
}

static const char *day(int64_t usec, char buf[static 16])
{
	char when[RFC3339_MAX];

	if (rfc3339_format_usec(usec, false, when) < 0)
		(void)snprintf(buf, 16, "?");
	else
		(void)snprintf(buf, 16, "%.10s", when); /* the date part */
	return buf;
}

/* "seen 17 times on ws-042, ws-043 and 3 more hosts, 2026-11-18 .. 2026-12-01" */
static void seen_text(const struct gen_dev *d, char *buf, size_t size)
{
	char a[16], b[16];
	size_t o = 0;

	o += (size_t)snprintf(buf + o, size - o, "seen %" PRIu64 " time%s", d->count,
	                      d->count == 1 ? "" : "s");
	for (unsigned i = 0; i < d->n_hosts && i < GEN_HOSTS_KEPT && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : " on ", d->hosts[i]);
	if (d->n_hosts > GEN_HOSTS_KEPT && o < size)
		o += (size_t)snprintf(buf + o, size - o, " and %s%u more host%s",
		                      d->hosts_overflow ? "at least " : "",
		                      d->n_hosts - GEN_HOSTS_KEPT,
		                      d->n_hosts - GEN_HOSTS_KEPT == 1 ? "" : "s");
	if (o < size) {
		day(d->first_usec, a);
		day(d->last_usec, b);
		if (!strcmp(a, b))
			(void)snprintf(buf + o, size - o, ", %s", a);
		else
			(void)snprintf(buf + o, size - o, ", %s .. %s", a, b);
	}
}

static void kinds_list(usb_kind_mask m, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < _USB_KIND_MAX && o < size; k++)
		if (m & USB_KIND_BIT(k))
			o += (size_t)snprintf(buf + o, size - o, "%s\"%s\"", o ? ", " : "",
			                      usb_kind_to_string((enum usb_kind)k));
}

static int cmp_dev(const void *x, const void *y)
{
	const struct gen_dev *a = *(const struct gen_dev *const *)x,
	                     *b = *(const struct gen_dev *const *)y;

	if (a->vid != b->vid)
		return a->vid < b->vid ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->has_serial != b->has_serial)
		return a->has_serial ? 1 : -1;
	int c = strcmp(a->serial, b->serial);
	if (c)
		return c;
	return a->kinds < b->kinds ? -1 : a->kinds > b->kinds;
}

/* Rule id: "seen-0781-5567" or "seen-0781-5567-<serial, [A-Za-z0-9._-] only>", "-2" etc. when
 * two serials map to the same text. Ids are only compared within one vid:pid (sorted). */
static void rule_id(const struct gen_dev *d, unsigned dup, char buf[static 65])
{
	char s[41];
	size_t n = 0;

	for (const char *q = d->serial; d->has_serial && *q && n < sizeof(s) - 1; q++) {
		char c = *q;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		s[n++] = ok ? c : '_';
	}
	s[n] = '\0';
	int o = snprintf(buf, 65, "seen-%04x-%04x%s%s", d->vid, d->pid, n ? "-" : "", s);
	if (dup > 0 && o > 0)
		(void)snprintf(buf + (o < 56 ? o : 56), 65 - (size_t)(o < 56 ? o : 56), "-%u",
		               dup + 1);
}

static bool is_phone(const struct gen_dev *d)
{
	return (d->kinds & PHONE_KINDS) != 0;
}

static bool by_kind(const struct gen_dev *d)
{
	return (d->kinds & ~BY_KIND) == 0;
}

struct kind_summary {
	uint64_t devices, count;
	int64_t first, last;
	const struct gen_dev *example;
};

static void summary_add(struct kind_summary *k, const struct gen_dev *d)
{
	if (!k->devices || d->first_usec < k->first)
		k->first = d->first_usec;
	if (!k->devices || d->last_usec > k->last)
		k->last = d->last_usec;
	if (!k->example || (!k->example->name[0] && d->name[0]))
		k->example = d;
	k->devices++;
	k->count += d->count;
}

static void write_kind_rule(FILE *out, const char *id, const char *kind, const char *what,
                            const struct kind_summary *k, bool last)
{
	char a[16], b[16], c[1024], q[4096];

	(void)snprintf(c, sizeof(c),
	               "%s by kind (any such device, not only these): %" PRIu64
	               " model%s seen %" PRIu64 " time%s, %s .. %s%s%s",
	               what, k->devices, k->devices == 1 ? "" : "s", k->count,
	               k->count == 1 ? "" : "s", day(k->first, a), day(k->last, b),
	               k->example && k->example->name[0] ? ", e.g. " : "",
	               k->example ? k->example->name : "");
	quote_comment(q, sizeof(q), c);
	fprintf(out,
	        "  { id = \"%s\"; action = \"allow\"; kind = \"%s\";\n    comment = \"%s\"; }%s\n",
	        id, kind, q, last ? "" : ",");
}

int policy_gen_write(const struct policy_gen *g, const struct policy_gen_options *o, FILE *out)
{
	_cleanup_(freep) const struct gen_dev **sorted = NULL;
	struct kind_summary hid = { 0 }, hub = { 0 };
	char when[32], q[4096], c[2048], seen[512], kinds[512], id[65], prev_id[65] = "";
	size_t n_rules = 0, n_phones = 0;
	unsigned dup = 0;

	if (g->n) {
		sorted = calloc(g->n, sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (size_t i = 0; i < g->n; i++)
			sorted[i] = &g->devs[i];
		qsort(sorted, g->n, sizeof(*sorted), cmp_dev);
	}
	if (rfc3339_format_usec(o->now_usec, false, when) < 0)
		(void)snprintf(when, sizeof(when), "?");

	/* libconfig lists take no trailing comma: count the rules first */
	size_t n_total = 0;
	bool any_hid = false, any_hub = false;
	for (size_t i = 0; i < g->n; i++) {
		const struct gen_dev *d = sorted[i];
		if (by_kind(d)) {
			any_hid |= (d->kinds & USB_KIND_BIT(USB_KIND_HID)) != 0;
			any_hub |= (d->kinds & USB_KIND_BIT(USB_KIND_HUB)) != 0;
		} else if (!is_phone(d) || o->phone_data)
			n_total++;
	}
	n_total += any_hid + any_hub;

	fprintf(out, "# Generated by \"portcullis policy generate\" at %s.\n", when);
	if (o->source) {
		quote_comment(q, sizeof(q), o->source);
		fprintf(out, "# From: %s\n", q); /* quoted: no newline can end the comment */
	}
	fprintf(out, "# Review it (portcullis policy diff OLD THIS --from-log DIR), then sign it:\n"
	             "#   portcullis policy sign --key KEY_ID.key THIS\n"
	             "# Nothing but the devices below is allowed; every other interface is "
	             "blocked.\n");
	if (g->unreadable)
		fprintf(out,
		        "# %" PRIu64 " decision%s about devices whose descriptors did not parse: "
		        "never allowed.\n",
		        g->unreadable, g->unreadable == 1 ? " was" : "s were");
	fprintf(out, "version = 1;\nserial = %" PRIu64 ";%s\n", o->serial,
	        o->serial ? "" : "  # raise it above the serial of the policy in force");
	if (o->key_id) {
		policy_gen_quote(q, sizeof(q), o->key_id);
		fprintf(out, "key_id = \"%s\";\n", q);
	} else
		fprintf(out,
		        "# key_id = \"...\";  # the signing key's id (--key-id); sign checks it\n");
	fprintf(out, "mode = \"enforce\";\ndefault = \"block\";\n"
	             "# Phones with nothing allowed are still configured so that they charge.\n"
	             "charge_only = [ \"mtp\", \"ptp\", \"adb\", \"apple-usbmux\", "
	             "\"apple-ethernet\" ];\n"
	             "rules = (\n");

	for (size_t i = 0; i < g->n; i++) {
		const struct gen_dev *d = sorted[i];
		char name[1100], ser[1100];

		if (by_kind(d)) {
			if (d->kinds & USB_KIND_BIT(USB_KIND_HID))
				summary_add(&hid, d);
			if (d->kinds & USB_KIND_BIT(USB_KIND_HUB))
				summary_add(&hub, d);
			continue;
		}
		seen_text(d, seen, sizeof(seen));
		quote_comment(name, sizeof(name), d->name[0] ? d->name : "(no name)");
		if (is_phone(d) && !o->phone_data) {
			policy_gen_quote(ser, sizeof(ser), d->has_serial ? d->serial : "(none)");
			fprintf(
			    out,
			    "  # phone %s %04x:%04x serial \"%s\": charge only (charge_only); %s\n",
			    name, d->vid, d->pid, ser, seen);
			n_phones++;
			continue;
		}
		rule_id(d, 0, id);
		dup = !strcmp(id, prev_id) ? dup + 1 : 0;
		memcpy(prev_id, id, sizeof(id));
		if (dup)
			rule_id(d, dup, id);
		kinds_list(d->kinds, kinds, sizeof(kinds));
		/* input plus anything that carries data: the shape of a "BadUSB" device */
		const char *warn = (d->kinds & USB_KIND_BIT(USB_KIND_HID)) &&
		                           (d->kinds & ~(BY_KIND | USB_KIND_BIT(USB_KIND_AUDIO) |
		                                         USB_KIND_BIT(USB_KIND_VIDEO)))
		                       ? "REVIEW: a keyboard or mouse that is also something else; "
		                       : "";
		if (d->has_serial)
			(void)snprintf(c, sizeof(c), "%s%s; %s", warn,
			               d->name[0] ? d->name : "(no name)", seen);
		else
			(void)snprintf(c, sizeof(c),
			               "%s%s; no serial number: allowed by model (every %04x:%04x "
			               "with these kinds matches); %s",
			               warn, d->name[0] ? d->name : "(no name)", d->vid, d->pid,
			               seen);
		quote_comment(q, sizeof(q), c);
		fprintf(out, "  { id = \"%s\"; action = \"allow\"; scope = \"device\";\n", id);
		fprintf(out, "    vid = 0x%04x; pid = 0x%04x;", d->vid, d->pid);
		if (d->has_serial) {
			policy_gen_quote(ser, sizeof(ser), d->serial);
			fprintf(out, " serial = \"%s\";", ser);
		}
		n_rules++;
		fprintf(out, " kind = [ %s ];\n    comment = \"%s\"; }%s\n", kinds, q,
		        n_rules == n_total ? "" : ",");
	}
	if (hid.devices) {
		n_rules++;
		write_kind_rule(out, "seen-hid", "hid", "keyboards and mice", &hid,
		                n_rules == n_total);
	}
	if (hub.devices) {
		n_rules++;
		write_kind_rule(out, "seen-hub", "hub", "hubs", &hub, n_rules == n_total);
	}
	fprintf(out, ");\n# %zu rule%s for %zu device%s seen; %zu phone%s charge only.\n", n_rules,
	        n_rules == 1 ? "" : "s", g->n, g->n == 1 ? "" : "s", n_phones,
	        n_phones == 1 ? "" : "s");
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
