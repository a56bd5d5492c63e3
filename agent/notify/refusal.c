/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing and wording of <run_dir>/last-refusal, refusals and status (see refusal.h). Pure: no
 * files, no clocks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <libintl.h>

#include <json-c/json.h>

#include "policy/base/strutil.h"
#include "agent/notify/refusal.h"

/* The operator reads these: translated (po/, domain "portcullis"; the CLI binds it). */
#define _(s)  dgettext("portcullis", s)
#define N_(s) (s)

static int fail(char *reterr, size_t errsize, int r, const char *why, const char *key)
{
	if (reterr && errsize)
		(void)snprintf(reterr, errsize, "%s%s%s%s", why, key ? " '" : "", key ? key : "",
		               key ? "'" : "");
	return r;
}

/*
 * One strict JSON object from untrusted bytes: at most cap bytes (capmsg says so), no NUL, no
 * single quotes or comments, nothing but whitespace after it, nesting at most depth. Returns 0 and
 * *ret_root (caller puts it) or a negative errno with a reason.
 */
static int parse_object(const char *buf, size_t len, size_t cap, const char *capmsg, int depth,
                        struct json_object **ret_root, char *reterr, size_t errsize)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	int r = 0;

	if (!buf && len)
		return fail(reterr, errsize, -EINVAL, "no data", NULL);
	if (len > cap)
		return fail(reterr, errsize, -EFBIG, capmsg, NULL);
	if (len == 0)
		return fail(reterr, errsize, -EBADMSG, "empty file", NULL);
	if (memchr(buf, '\0', len))
		return fail(reterr, errsize, -EBADMSG, "NUL byte in the file", NULL);
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return fail(reterr, errsize, -ENOMEM, "out of memory", NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		r = fail(reterr, errsize, -EBADMSG, "not valid JSON", NULL);
	else if (!json_object_is_type(root, json_type_object))
		r = fail(reterr, errsize, -EBADMSG, "not a JSON object", NULL);
	json_tokener_free(tok);
	if (r < 0) {
		json_object_put(root);
		return r;
	}
	*ret_root = root;
	return 0;
}

/* A string member into dst (bytes as the agent had them). NULL JSON allowed when *ret_null. */
static int get_string(struct json_object *obj, const char *key, char *dst, size_t size,
                      bool *ret_null, char *reterr, size_t errsize)
{
	struct json_object *v = NULL;
	const char *s;
	int slen;

	if (!json_object_object_get_ex(obj, key, &v))
		return fail(reterr, errsize, -EBADMSG, "missing field", key);
	if (ret_null) {
		*ret_null = v == NULL;
		if (!v) {
			dst[0] = '\0';
			return 0;
		}
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(reterr, errsize, -EBADMSG, "not a string: field", key);
	s = json_object_get_string(v);
	slen = json_object_get_string_len(v);
	if (slen < 0 || strlen(s) != (size_t)slen)
		return fail(reterr, errsize, -EBADMSG, "NUL character in field", key);
	/* The agent wrote it with strenc_json() (policy/base/strenc.h): json-c gives back the
	 * device's UTF-8 as it was, bytes that were not UTF-8 as the text \xNN. */
	if ((size_t)slen >= size)
		return fail(reterr, errsize, -EBADMSG, "too long: field", key);
	memcpy(dst, s, (size_t)slen + 1);
	return 0;
}

int refusal_parse(const char *buf, size_t len, struct refusal *ret, char *reterr, size_t errsize)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
		{ "time", offsetof(struct refusal, time), sizeof(((struct refusal *)0)->time) },
		{ "device", offsetof(struct refusal, device),
		  sizeof(((struct refusal *)0)->device) },
		{ "id", offsetof(struct refusal, id), sizeof(((struct refusal *)0)->id) },
		{ "manufacturer", offsetof(struct refusal, manufacturer),
		  sizeof(((struct refusal *)0)->manufacturer) },
		{ "product", offsetof(struct refusal, product),
		  sizeof(((struct refusal *)0)->product) },
		{ "verdict", offsetof(struct refusal, verdict),
		  sizeof(((struct refusal *)0)->verdict) },
		{ "reason", offsetof(struct refusal, reason),
		  sizeof(((struct refusal *)0)->reason) },
	};
	struct json_object *root = NULL;
	struct refusal r = { 0 };
	int ret_r;

	/* One flat object: nesting beyond 8 is malformed anyway. */
	ret_r = parse_object(buf, len, REFUSAL_MAX_BYTES, "file larger than 16 KiB", 8, &root,
	                     reterr, errsize);
	if (ret_r < 0)
		return ret_r;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ret_r = get_string(root, fields[i].key, (char *)&r + fields[i].off, fields[i].size,
		                   NULL, reterr, errsize);
		if (ret_r < 0)
			goto out;
	}
	if (json_object_object_get_ex(root, "contact", NULL)) { /* optional: policies with one */
		ret_r = get_string(root, "contact", r.contact, sizeof(r.contact), NULL, reterr,
		                   errsize);
		if (ret_r < 0)
			goto out;
	}
	if (strcmp(r.verdict, "block") && strcmp(r.verdict, "partial")) {
		ret_r = fail(reterr, errsize, -EBADMSG, "unknown verdict (want block or partial)",
		             NULL);
		goto out;
	}
	*ret = r;
out:
	json_object_put(root);
	return ret_r;
}

int refusal_list_parse(const char *buf, size_t len, struct refusal *ret, size_t max, char *reterr,
                       size_t errsize)
{
	size_t n_lines = 0, kept = 0, end;
	char why[256];

	if (!buf && len)
		return fail(reterr, errsize, -EINVAL, "no data", NULL);
	if (len > REFUSAL_LIST_MAX_BYTES)
		return fail(reterr, errsize, -EFBIG, "file larger than 128 KiB", NULL);
	if (len == 0)
		return 0;
	if (memchr(buf, '\0', len))
		return fail(reterr, errsize, -EBADMSG, "NUL byte in the file", NULL);
	if (buf[len - 1] != '\n')
		return fail(reterr, errsize, -EBADMSG, "last line not terminated", NULL);
	for (size_t i = 0; i < len; i++)
		n_lines += buf[i] == '\n';
	/* Newest (last) line first. */
	end = len - 1; /* the '\n' ending the current line */
	for (size_t line = n_lines; line > 0; line--) {
		size_t start = end;
		struct refusal r;
		int q;

		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start == end) {
			if (reterr && errsize)
				(void)snprintf(reterr, errsize, "line %zu: empty", line);
			return -EBADMSG;
		}
		q = refusal_parse(buf + start, end - start, &r, why, sizeof(why));
		if (q < 0) {
			if (reterr && errsize)
				(void)snprintf(reterr, errsize, "line %zu: %s", line, why);
			return q == -EFBIG ? -EBADMSG : q;
		}
		if (kept < max)
			ret[kept++] = r;
		if (start == 0)
			break;
		end = start - 1;
	}
	return (int)kept;
}

static const char *const sources[] = { "file", "last-known-good", "current", "built-in" };

int agent_status_parse(const char *buf, size_t len, struct agent_status_report *ret, char *reterr,
                       size_t errsize)
{
	struct json_object *root = NULL, *pol = NULL, *v = NULL;
	struct agent_status_report s = { 0 };
	char mode[16];
	bool is_null, known = false;
	int r;

	r = parse_object(buf, len, AGENT_STATUS_MAX_BYTES, "file larger than 4 KiB", 8, &root,
	                 reterr, errsize);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(root, "pid", &v)) {
		r = fail(reterr, errsize, -EBADMSG, "missing field", "pid");
		goto out;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
	    json_object_get_int64(v) > INT32_MAX) {
		r = fail(reterr, errsize, -EBADMSG, "not a process id: field", "pid");
		goto out;
	}
	s.pid = (long long)json_object_get_int64(v);
	r = get_string(root, "started", s.started, sizeof(s.started), NULL, reterr, errsize);
	if (r < 0)
		goto out;
	if (!json_object_object_get_ex(root, "policy", &pol) ||
	    !json_object_is_type(pol, json_type_object)) {
		r = fail(reterr, errsize, -EBADMSG, "missing or not an object: field", "policy");
		goto out;
	}
	r = get_string(pol, "name", s.name, sizeof(s.name), NULL, reterr, errsize);
	if (r < 0)
		goto out;
	if (!json_object_object_get_ex(pol, "serial", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
		r = fail(reterr, errsize, -EBADMSG, "missing or not a serial: field", "serial");
		goto out;
	}
	s.serial = (unsigned long long)json_object_get_uint64(v);
	r = get_string(pol, "key_id", s.key_id, sizeof(s.key_id), &is_null, reterr, errsize);
	if (r < 0)
		goto out;
	s.has_key_id = !is_null;
	r = get_string(pol, "sha256", s.sha256, sizeof(s.sha256), NULL, reterr, errsize);
	if (r < 0)
		goto out;
	if (strlen(s.sha256) != 64 || strspn(s.sha256, "0123456789abcdef") != 64) {
		r = fail(reterr, errsize, -EBADMSG, "not 64 hex digits: field", "sha256");
		goto out;
	}
	r = get_string(pol, "not_after", s.not_after, sizeof(s.not_after), &is_null, reterr,
	               errsize);
	if (r < 0)
		goto out;
	s.has_not_after = !is_null;
	r = get_string(pol, "source", s.source, sizeof(s.source), NULL, reterr, errsize);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		known = known || !strcmp(s.source, sources[i]);
	if (!known) {
		r = fail(reterr, errsize, -EBADMSG, "unknown policy source", NULL);
		goto out;
	}
	r = get_string(root, "mode", mode, sizeof(mode), NULL, reterr, errsize);
	if (r < 0)
		goto out;
	if (strcmp(mode, "enforce") && strcmp(mode, "audit")) {
		r = fail(reterr, errsize, -EBADMSG, "unknown mode (want enforce or audit)", NULL);
		goto out;
	}
	s.audit = !strcmp(mode, "audit");
	if (!json_object_object_get_ex(root, "mode_forced", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		r = fail(reterr, errsize, -EBADMSG, "missing or not a boolean: field",
		         "mode_forced");
		goto out;
	}
	s.mode_forced = json_object_get_boolean(v);
	*ret = s;
out:
	json_object_put(root);
	return r;
}

/* ---- wording ------------------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t size, len;
};

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + 1 >= b->size)
		return;
	if (n > b->size - 1 - b->len)
		n = b->size - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Untrusted bytes, escaped to printable ASCII. */
static void put_escaped(struct buf *b, const char *s, size_t n)
{
	char esc[4 * 512 + 1];

	(void)str_escape(esc, sizeof(esc), s, n);
	put(b, esc);
}

static const struct {
	const char *kind, *words;
} kind_words[] = {
	{ "mass-storage", N_("mass storage") },
	{ "mtp", N_("phone file transfer (MTP)") },
	{ "ptp", N_("photo transfer (PTP)") },
	{ "adb", N_("Android debugging (ADB)") },
	{ "apple-usbmux", N_("iPhone/iPad sync") },
	{ "apple-ethernet", N_("iPhone tethering") },
	{ "network", N_("network adapters") },
	{ "wireless", N_("wireless adapters") },
	{ "serial", N_("serial ports") },
	{ "printer", N_("printers") },
	{ "video", N_("video cameras") },
	{ "audio", N_("audio devices") },
	{ "smartcard", N_("smart-card readers") },
	{ "hid", N_("keyboards and mice (HID)") },
	{ "hub", N_("USB hubs") },
	{ "other", N_("other device types") },
};

static const char *kind_to_words(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		if (strlen(kind_words[i].kind) == n && !memcmp(kind_words[i].kind, k, n))
			return kind_words[i].words;
	return NULL;
}

/*
 * The agent's reason is "<kinds> blocked[ (charging only)] by rule '<id>'" (or "... by the
 * policy", or "device blocked ...", or a safety reason such as "descriptors malformed").
 * Splits the first forms; returns false for anything else.
 */
struct reason_parts {
	const char *kinds; /* "mass-storage, mtp" or "device" */
	size_t kinds_len;
	bool charging;
	const char *rule; /* NULL = "by the policy" */
	size_t rule_len;
};

static bool split_reason(const char *s, struct reason_parts *ret)
{
	static const char by_rule[] = " by rule '", by_policy[] = " by the policy",
	                  blocked[] = " blocked", charging[] = " (charging only)";
	struct reason_parts p = { 0 };
	const char *end, *q = strstr(s, by_rule);
	size_t n = strlen(s);

	if (q && n >= 1 && s[n - 1] == '\'' && q + strlen(by_rule) <= s + n - 1) {
		p.rule = q + strlen(by_rule);
		p.rule_len = (size_t)(s + n - 1 - p.rule);
		end = q;
	} else if (n >= strlen(by_policy) && !strcmp(s + n - strlen(by_policy), by_policy)) {
		end = s + n - strlen(by_policy);
	} else {
		return false;
	}
	if ((size_t)(end - s) >= strlen(charging) &&
	    !memcmp(end - strlen(charging), charging, strlen(charging))) {
		p.charging = true;
		end -= strlen(charging);
	}
	if ((size_t)(end - s) < strlen(blocked) ||
	    memcmp(end - strlen(blocked), blocked, strlen(blocked)))
		return false;
	end -= strlen(blocked);
	p.kinds = s;
	p.kinds_len = (size_t)(end - s);
	if (p.kinds_len == 0)
		return false;
	*ret = p;
	return true;
}

/* Every item of "a, b, c" is a known kind. */
static bool kinds_known(const char *s, size_t n)
{
	while (n) {
		const char *c = memchr(s, ',', n);
		size_t item = c ? (size_t)(c - s) : n;

		if (!kind_to_words(s, item))
			return false;
		if (!c)
			return true;
		if (item + 2 > n || s[item + 1] != ' ')
			return false;
		s += item + 2;
		n -= item + 2;
	}
	return false;
}

static void put_kinds(struct buf *b, const char *s, size_t n)
{
	bool first = true;

	while (n) {
		const char *c = memchr(s, ',', n);
		size_t item = c ? (size_t)(c - s) : n;
		const char *w = kind_to_words(s, item);

		if (!first)
			/* TRANSLATORS: between kinds: "mass storage, printers and USB hubs" */
			put(b, c ? _(", ") : _(" and "));
		put(b, w ? _(w) : "?");
		first = false;
		if (!c)
			return;
		s += item + 2;
		n -= item + 2;
	}
}

/* fmt with each "%s" replaced by the next of args (already escaped): translators may reorder
 * nothing, but may put the parts anywhere in the sentence. */
static void put_format(struct buf *b, const char *fmt, const char *const *args, size_t n)
{
	size_t k = 0;

	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			put(b, k < n ? args[k] : "");
			k++;
			p++;
		} else {
			char one[2] = { *p, 0 };
			put(b, one);
		}
	}
}

void refusal_format_message(const struct refusal *r, char *out, size_t size)
{
	struct buf b = { out, size, 0 };
	struct reason_parts p = { 0 };
	bool parts, device_only = false, storage_only = false;
	const char *label = r->product[0] ? r->product : r->manufacturer;
	char name[1100] = "", id[80], port[140], what[2400] = "", rule[300] = "", contact[2900];

	if (!size)
		return;
	out[0] = '\0';
	parts = split_reason(r->reason, &p);
	if (parts) {
		device_only = p.kinds_len == 6 && !memcmp(p.kinds, "device", 6);
		if (!device_only && !kinds_known(p.kinds, p.kinds_len))
			parts = false;
		storage_only = parts && p.kinds_len == 12 && !memcmp(p.kinds, "mass-storage", 12);
	}

	if (label[0]) {
		struct buf nb = { name, sizeof(name), 0 };
		/* "SanDisk" + "Cruzer Blade"; but not "SanDisk SanDisk Ultra" */
		if (r->product[0] && r->manufacturer[0] &&
		    strncmp(r->product, r->manufacturer, strlen(r->manufacturer))) {
			put_escaped(&nb, r->manufacturer, strlen(r->manufacturer));
			put(&nb, " ");
		}
		put_escaped(&nb, label, strlen(label));
	}
	(void)str_escape(id, sizeof(id), r->id, strlen(r->id));
	(void)str_escape(port, sizeof(port), r->device, strlen(r->device));
	bool partial = !strcmp(r->verdict, "partial");
	const char *head_args[] = { name, id, port };
	if (label[0])
		put_format(
		    &b,
		    storage_only
		        ? (partial ? _("USB storage device '%s' (%s) on port %s was partly "
		                       "blocked: ")
		                   : _("USB storage device '%s' (%s) on port %s was blocked: "))
		        : (partial ? _("USB device '%s' (%s) on port %s was partly blocked: ")
		                   : _("USB device '%s' (%s) on port %s was blocked: ")),
		    head_args, 3);
	else
		put_format(&b,
		           storage_only
		               ? (partial ? _("USB storage device (%s) on port %s was partly "
		                              "blocked: ")
		                          : _("USB storage device (%s) on port %s was blocked: "))
		               : (partial ? _("USB device (%s) on port %s was partly blocked: ")
		                          : _("USB device (%s) on port %s was blocked: ")),
		           head_args + 1, 2);
	if (!parts) {
		put_escaped(&b, r->reason, strlen(r->reason));
	} else {
		struct buf wb = { what, sizeof(what), 0 }, rb = { rule, sizeof(rule), 0 };
		if (!device_only)
			put_kinds(&wb, p.kinds, p.kinds_len);
		if (p.rule)
			put_escaped(&rb, p.rule, p.rule_len);
		const char *args[] = { device_only ? rule : what, rule };
		const char *fmt;
		if (device_only)
			fmt = p.rule
			          ? _("this device is not allowed on this workstation (rule: %s)")
			          : _("this device is not allowed on this workstation (several "
			              "rules)");
		else if (memchr(p.kinds, ',', p.kinds_len))
			fmt = p.rule ? _("%s are not allowed on this workstation (rule: %s)")
			             : _("%s are not allowed on this workstation (several rules)");
		else
			fmt = p.rule ? _("%s is not allowed on this workstation (rule: %s)")
			             : _("%s is not allowed on this workstation (several rules)");
		put_format(&b, fmt, device_only ? args + 1 : args, device_only ? 1 : 2);
		if (p.charging)
			put(&b, _("; it may still charge"));
	}
	if (r->contact[0]) {
		const char *c[] = { contact };
		(void)str_escape(contact, sizeof(contact), r->contact, strlen(r->contact));
		put_format(&b, _(". Ask IT if you need it: %s."), c, 1);
	} else
		put(&b, _(". Ask IT if you need it."));
}

void refusal_markup_escape(const char *src, char *out, size_t size)
{
	struct buf b = { out, size, 0 };
	char one[2] = { 0 };

	if (!size)
		return;
	out[0] = '\0';
	for (; *src; src++) {
		const char *s = one;

		if (*src == '&')
			s = "&amp;";
		else if (*src == '<')
			s = "&lt;";
		else if (*src == '>')
			s = "&gt;";
		else
			one[0] = *src;
		if (b.len + strlen(s) >= size)
			return; /* never half an entity */
		put(&b, s);
	}
}

void agent_status_format_policy(const struct agent_status_report *s, char *out, size_t size)
{
	struct buf b = { out, size, 0 };
	char num[32];

	if (!size)
		return;
	out[0] = '\0';
	put(&b, "Policy: ");
	put_escaped(&b, s->name, strlen(s->name));
	(void)snprintf(num, sizeof(num), " (serial %llu, key ", s->serial);
	put(&b, num);
	if (s->has_key_id)
		put_escaped(&b, s->key_id, strlen(s->key_id));
	else
		put(&b, "none");
	put(&b, ", from ");
	put_escaped(&b, s->source, strlen(s->source));
	put(&b, "), mode: ");
	put(&b, s->audit ? "audit" : "enforce");
	if (s->mode_forced)
		put(&b, " (forced)");
}
