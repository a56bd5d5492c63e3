/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy loader: bytes → struct policy. The text is hostile until proven otherwise (it is parsed
 * before and independently of its signature, e.g. by "portcullis policy check"), so:
 *   - size cap, no NUL bytes, no "@include" anywhere: checked on the raw bytes first, so libconfig
 *     never sees a directive that could pull unsigned text into a signed policy; as a second
 *     barrier libconfig's include directory is "/dev/null", under which no path can be opened;
 *   - every integer literal is range-checked on the raw text, because libconfig 1.5 silently wraps
 *     out-of-range literals (0x1FFFFFFFF reads as -1, 4294967297 as 1);
 *   - every key is known, every value has the expected type, range and syntax.
 * Errors carry a line (0 when not tied to one) and a precise reason.
 */
#include <assert.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "policy/base/macro.h"
#include "policy/base/civil.h"
#include "policy/base/conftext.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "policy/lang/policy_internal.h"

#define ID_MAX         64
#define COMMENT_MAX    1024
#define VALUE_MAX      (USB_STRING_MAX - 1) /* longer device strings are never kept */
#define KEY_ID_MAX     128
#define HOSTS_MAX      4096
#define NO_INCLUDE_DIR "/dev/null" /* not a directory: "/dev/null/<anything>" never opens */

/* ---- arena: every string and array of a policy, freed at once ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static void *arena_alloc(struct arena_chunk **head, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!*head || (*head)->size - (*head)->used < n) {
		size_t size = n > 60000 ? n : 60000;
		struct arena_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = *head;
		c->used = 0;
		c->size = size;
		*head = c;
	}
	void *p = (*head)->data + (*head)->used;
	(*head)->used += n;
	return p;
}

static char *arena_strdup(struct arena_chunk **head, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(head, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void arena_free(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* ---- error reporting ---- */

struct load_ctx {
	struct policy *p;
	struct policy_error *err;
	/* While inside a rule: its 1-based number and, once known, its id; messages start with
	 * "rule 'id': " or "rule #3: ". Formatted only on failure (100,000 rules load fast). */
	size_t rule_no;
	const char *rule_id;
};

_printf_(3, 4) static int fail(struct load_ctx *c, int line, const char *fmt, ...)
{
	char msg[sizeof(c->err->reason)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap); /* truncation is fine for a message */
	va_end(ap);
	c->err->line = line;
	c->err->reason[0] = '\0';
	if (c->rule_id)
		(void)snprintf(c->err->reason, sizeof(c->err->reason), "rule '%s': ", c->rule_id);
	else if (c->rule_no)
		(void)snprintf(c->err->reason, sizeof(c->err->reason), "rule #%zu: ", c->rule_no);
	size_t used = strlen(c->err->reason);
	(void)snprintf(c->err->reason + used, sizeof(c->err->reason) - used, "%s", msg);
	return -EBADMSG;
}

/* Printable, quoted-safe form of a policy string for a message. */
static const char *esc(char buf[static 72], const char *s)
{
	size_t n = strlen(s);
	str_escape(buf, 64, s, n);
	if (strlen(buf) < n && n > 32)
		strcat(buf, "...");
	return buf;
}

/* ---- RFC 3339 ---- */

int policy_parse_time(const char *s, bool round_up, int64_t *ret)
{
	struct rfc3339_time t;
	int r = rfc3339_parse(s, RFC3339_ANY_FRACTION, &t);

	if (r < 0)
		return r;
	*ret = t.sec + (round_up && (t.usec || t.finer));
	return 0;
}

/* ---- typed access to libconfig settings ---- */

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "an unknown type";
	}
}

static int line_of(const config_setting_t *s)
{
	int l = (int)config_setting_source_line(s);
	return l;
}

static int get_int(struct load_ctx *c, const config_setting_t *s, const char *what, int64_t *ret)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*ret = config_setting_get_int(s);
		return 0;
	case CONFIG_TYPE_INT64:
		*ret = config_setting_get_int64(s);
		return 0;
	default:
		return fail(c, line_of(s), "'%s' must be an integer, not %s", what, type_name(s));
	}
}

static int get_string(struct load_ctx *c, const config_setting_t *s, const char *what, size_t max,
                      const char **ret)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(c, line_of(s), "'%s' must be a string, not %s", what, type_name(s));
	const char *v = config_setting_get_string(s);
	if (!v)
		return fail(c, line_of(s), "'%s': unreadable string", what);
	size_t n = strlen(v);
	if (n == 0)
		return fail(c, line_of(s), "'%s' must not be empty", what);
	if (n > max)
		return fail(c, line_of(s), "'%s' is %zu bytes long, more than %zu", what, n, max);
	*ret = v;
	return 0;
}

/* A single value or an array/list of values: how many, and the i-th. */
static int value_count(struct load_ctx *c, const config_setting_t *s, const char *what, size_t *ret)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
		int n = config_setting_length(s);
		if (n <= 0)
			return fail(c, line_of(s), "'%s': empty list", what);
		*ret = (size_t)n;
		return 0;
	}
	if (t == CONFIG_TYPE_GROUP)
		return fail(c, line_of(s), "'%s' must be a value or a list, not a group", what);
	*ret = 1;
	return 0;
}

static const config_setting_t *value_at(const config_setting_t *s, size_t i)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
		return config_setting_get_elem(s, (unsigned)i);
	return s;
}

static void *alloc_array(struct load_ctx *c, size_t n, size_t size)
{
	return arena_alloc(&c->p->arena, n * size);
}

/* ---- match keys of a rule ---- */

static int parse_kinds(struct load_ctx *c, const config_setting_t *s, const char *what,
                       bool allow_empty, usb_kind_mask *ret)
{
	usb_kind_mask m = 0;
	size_t n = 0;
	int r;

	if (allow_empty &&
	    (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	     config_setting_type(s) == CONFIG_TYPE_LIST) &&
	    config_setting_length(s) == 0) {
		*ret = 0;
		return 0;
	}
	r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = value_at(s, i);
		const char *v = NULL;
		char b[72];
		r = get_string(c, e, what, VALUE_MAX, &v);
		if (r < 0)
			return r;
		int k = usb_kind_from_string(v);
		if (k < 0)
			return fail(c, line_of(e), "'%s': unknown kind \"%s\"", what, esc(b, v));
		m |= USB_KIND_BIT(k);
	}
	*ret = m;
	return 0;
}

static int parse_class(struct load_ctx *c, const config_setting_t *e, struct class_pattern *ret)
{
	const char *v = NULL;
	char b[72];
	int r = get_string(c, e, "class", VALUE_MAX, &v);
	if (r < 0)
		return r;
	struct class_pattern p = { 0 };
	const char *q = v;
	for (int k = 0; k < 3; k++) {
		if (q[0] == '*') {
			p.any_mask |= 1u << k;
			q++;
		} else if (hex_digit(q[0]) >= 0 && q[0] && hex_digit(q[1]) >= 0) {
			p.value[k] = (uint8_t)(hex_digit(q[0]) << 4 | hex_digit(q[1]));
			q += 2;
		} else
			goto bad;
		if (k < 2 && *q++ != ':')
			goto bad;
	}
	if (*q)
		goto bad;
	*ret = p;
	return 0;
bad:
	return fail(
	    c, line_of(e),
	    "'class': \"%s\" is not a class pattern \"cc:ss:pp\" (two hex digits or '*' each)",
	    esc(b, v));
}

static int parse_u16s(struct load_ctx *c, const config_setting_t *s, const char *what,
                      uint32_t *ret_n, uint16_t **ret)
{
	size_t n = 0;
	int r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	uint16_t *a = alloc_array(c, n, sizeof(uint16_t));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = value_at(s, i);
		int64_t v = 0;
		r = get_int(c, e, what, &v);
		if (r < 0)
			return r;
		if (v < 0 || v > 0xffff)
			return fail(c, line_of(e), "'%s' %lld out of range (0..0xffff)", what,
			            (long long)v);
		a[i] = (uint16_t)v;
	}
	*ret_n = (uint32_t)n;
	*ret = a;
	return 0;
}

static int parse_strings(struct load_ctx *c, const config_setting_t *s, const char *what,
                         uint32_t *ret_n, const char ***ret)
{
	size_t n = 0;
	int r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	const char **a = alloc_array(c, n, sizeof(char *));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *v = NULL;
		r = get_string(c, value_at(s, i), what, VALUE_MAX, &v);
		if (r < 0)
			return r;
		a[i] = arena_strdup(&c->p->arena, v);
		if (!a[i])
			return -ENOMEM;
	}
	*ret_n = (uint32_t)n;
	*ret = a;
	return 0;
}

static int parse_hashes(struct load_ctx *c, const config_setting_t *s, struct policy_rule *rule)
{
	size_t n = 0;
	int r = value_count(c, s, "hash", &n);
	if (r < 0)
		return r;
	rule->hashes = alloc_array(c, n, 32);
	if (!rule->hashes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = value_at(s, i);
		const char *v = NULL;
		char b[72];
		r = get_string(c, e, "hash", VALUE_MAX, &v);
		if (r < 0)
			return r;
		bool ok = strlen(v) == 64;
		for (size_t j = 0; ok && j < 32; j++) {
			int hi = hex_digit(v[2 * j]), lo = hex_digit(v[2 * j + 1]);
			ok = hi >= 0 && lo >= 0;
			if (ok)
				rule->hashes[i][j] = (uint8_t)(hi << 4 | lo);
		}
		if (!ok)
			return fail(c, line_of(e), "'hash': \"%s\" is not 64 hex digits (SHA-256)",
			            esc(b, v));
	}
	rule->n_hashes = (uint32_t)n;
	return 0;
}

/* ---- copy limits (transfer_alert) ---- */

#define SIZE_MAX_BYTES   (1ull << 50) /* 1 PiB */
#define LIMIT_WINDOW_MAX (7u * 86400u)
#define LIMIT_WINDOW_DEF 600u
#define LIMIT_FILES_MAX  100000000u

int policy_parse_size(const char *s, uint64_t *ret)
{
	uint64_t v = 0, mult = 1;
	size_t i = 0;

	if (!s || !ret)
		return -EINVAL;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > SIZE_MAX_BYTES)
			return -ERANGE; /* keeps going on would overflow; already too large */
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	switch (s[i]) {
	case '\0':
		break;
	case 'K':
		mult = 1ull << 10;
		break;
	case 'M':
		mult = 1ull << 20;
		break;
	case 'G':
		mult = 1ull << 30;
		break;
	case 'T':
		mult = 1ull << 40;
		break;
	default:
		return -EINVAL;
	}
	if (s[i] && s[i + 1])
		return -EINVAL;
	if (v == 0 || v > SIZE_MAX_BYTES / mult)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

static int parse_limit(struct load_ctx *c, const config_setting_t *g,
                       const struct transfer_limit **ret)
{
	struct transfer_limit *l;
	const config_setting_t *s;
	const char *str;
	char b[72];
	int64_t v;
	int r;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'transfer_alert' must be a group { ... }, not %s",
		            type_name(g));
	l = alloc_array(c, 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*l = (struct transfer_limit){ .window_sec = LIMIT_WINDOW_DEF,
		                      .action = TRANSFER_LIMIT_ALERT,
		                      .line = line_of(g) };
	for (int i = 0; (s = config_setting_get_elem(g, (unsigned)i)); i++) {
		const char *key = config_setting_name(s);
		if (!key)
			return fail(c, line_of(s), "'transfer_alert': unnamed setting");
		if (!strcmp(key, "bytes")) {
			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return fail(
				    c, line_of(s),
				    "'transfer_alert': 'bytes' must be a string like \"500M\", "
				    "not %s",
				    type_name(s));
			str = config_setting_get_string(s);
			r = policy_parse_size(str ? str : "", &l->bytes);
			if (r == -ERANGE)
				return fail(
				    c, line_of(s),
				    "'transfer_alert': 'bytes' \"%s\" must be more than 0 and "
				    "at most \"1024T\"",
				    esc(b, str));
			if (r < 0)
				return fail(c, line_of(s),
				            "'transfer_alert': 'bytes' \"%s\" is not a size like "
				            "\"500M\" (digits, then K, M, G or T)",
				            esc(b, str ? str : ""));
		} else if (!strcmp(key, "files") || !strcmp(key, "window_sec")) {
			bool files = key[0] == 'f';
			int64_t max = files ? LIMIT_FILES_MAX : LIMIT_WINDOW_MAX;
			if ((r = get_int(c, s, key, &v)) < 0)
				return r;
			if (v < 1 || v > max)
				return fail(c, line_of(s),
				            "'transfer_alert': '%s' %lld is out of range 1..%lld",
				            key, (long long)v, (long long)max);
			if (files)
				l->files = (uint32_t)v;
			else
				l->window_sec = (uint32_t)v;
		} else if (!strcmp(key, "action")) {
			if ((r = get_string(c, s, key, VALUE_MAX, &str)) < 0)
				return r;
			int a = transfer_limit_action_from_string(str);
			if (a < 0)
				return fail(c, line_of(s),
				            "'transfer_alert': 'action' \"%s\" is not one of "
				            "\"alert\", \"block\"",
				            esc(b, str));
			l->action = a;
		} else
			return fail(c, line_of(s), "'transfer_alert': unknown key '%s'", key);
	}
	if (!l->bytes && !l->files)
		return fail(c, line_of(g), "'transfer_alert' needs 'bytes' or 'files' (or both)");
	*ret = l;
	return 0;
}

static bool is_id_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

static bool valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_id_char(s[i]))
			return false;
	return true;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Rule ids seen so far, for duplicates: open addressing over pointers into the policy. */
struct id_set {
	size_t cap;
	struct {
		const char *id;
		int line;
	} * slots;
};

static int id_set_add(struct id_set *set, const char *id, int line, int *ret_dup_line)
{
	uint64_t h = policy_hash_bytes(0, id, strlen(id));
	for (size_t i = h & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i].id) {
			set->slots[i].id = id;
			set->slots[i].line = line;
			return 0;
		}
		if (!strcmp(set->slots[i].id, id)) {
			*ret_dup_line = set->slots[i].line;
			return -EEXIST;
		}
	}
}

static bool valid_machine_id(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* not_before (round_up: a fraction makes it one second later) or not_after: RFC 3339 UTC. */
static int parse_time_key(struct load_ctx *c, const config_setting_t *s, const char *key,
                          bool round_up, int64_t *ret)
{
	const char *str;
	char b[72];
	int r = get_string(c, s, key, 64, &str);
	if (r < 0)
		return r;
	if (policy_parse_time(str, round_up, ret) < 0)
		return fail(c, line_of(s),
		            "'%s' \"%s\" is not an RFC 3339 UTC time like \"2026-11-01T00:00:00Z\"",
		            key, esc(b, str));
	return 0;
}

/* "hosts": hostname globs or "machine-id:" + 32 lowercase hex digits. */
static int parse_hosts(struct load_ctx *c, const config_setting_t *s, size_t *ret_n,
                       const char ***ret)
{
	const char *str;
	char b[72];
	size_t n = 0;
	int r;

	if ((r = value_count(c, s, "hosts", &n)) < 0)
		return r;
	if (n > HOSTS_MAX)
		return fail(c, line_of(s), "'hosts': more than %d entries", HOSTS_MAX);
	const char **hosts = alloc_array(c, n, sizeof(char *));
	if (!hosts)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		const config_setting_t *e = value_at(s, k);
		if ((r = get_string(c, e, "hosts", VALUE_MAX, &str)) < 0)
			return r;
		if (str_startswith(str, "machine-id:")) {
			if (!valid_machine_id(str + strlen("machine-id:")))
				return fail(
				    c, line_of(e),
				    "'hosts': \"%s\": a machine id is 32 lowercase hex digits",
				    esc(b, str));
		} else
			for (const char *q = str; *q; q++)
				if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
					return fail(c, line_of(e),
					            "'hosts': \"%s\" is not a hostname glob",
					            esc(b, str));
		if (!(hosts[k] = arena_strdup(&c->p->arena, str)))
			return -ENOMEM;
	}
	*ret_n = n;
	*ret = hosts;
	return 0;
}

/* ---- exceptions = { max_minutes; kinds; } and contact = { name; phone; url; } ---- */

#define EXC_MINUTES_MAX 10080 /* a week */
#define CONTACT_MAX     200

static int parse_exceptions(struct load_ctx *c, const config_setting_t *g)
{
	const config_setting_t *s;
	int64_t v;
	int r;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'exceptions' must be a group { ... }, not %s",
		            type_name(g));
	for (int i = 0; (s = config_setting_get_elem(g, (unsigned)i)); i++) {
		const char *key = config_setting_name(s);
		if (key && !strcmp(key, "max_minutes")) {
			if ((r = get_int(c, s, "exceptions: max_minutes", &v)) < 0)
				return r;
			if (v < 1 || v > EXC_MINUTES_MAX)
				return fail(
				    c, line_of(s),
				    "'exceptions': 'max_minutes' %lld is out of range 1..%d",
				    (long long)v, EXC_MINUTES_MAX);
			c->p->exc_max_minutes = (uint32_t)v;
		} else if (key && !strcmp(key, "kinds")) {
			if ((r = parse_kinds(c, s, "exceptions: kinds", false, &c->p->exc_kinds)) <
			    0)
				return r;
		} else
			return fail(c, line_of(s), "'exceptions': unknown key '%s'",
			            key ? key : "?");
	}
	if (!c->p->exc_max_minutes || !c->p->exc_kinds)
		return fail(c, line_of(g), "'exceptions' needs 'max_minutes' and 'kinds'");
	return 0;
}

static int parse_contact(struct load_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "name", "phone", "url" };
	const config_setting_t *s;
	const char *str;
	int r;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'contact' must be a group { ... }, not %s",
		            type_name(g));
	for (int i = 0; (s = config_setting_get_elem(g, (unsigned)i)); i++) {
		const char *key = config_setting_name(s);
		size_t k = 0;
		while (k < ARRAY_SIZE(keys) && (!key || strcmp(key, keys[k])))
			k++;
		if (k == ARRAY_SIZE(keys))
			return fail(c, line_of(s), "'contact': unknown key '%s'", key ? key : "?");
		if ((r = get_string(c, s, key, CONTACT_MAX, &str)) < 0)
			return r;
		if (!printable(str))
			return fail(c, line_of(s), "'contact': '%s' contains control characters",
			            key);
		if (!(c->p->contact[k] = arena_strdup(&c->p->arena, str)))
			return -ENOMEM;
	}
	return 0;
}

static int parse_rule(struct load_ctx *c, const config_setting_t *g, size_t index,
                      struct id_set *ids, struct policy_rule *rule)
{
	const config_setting_t *s;
	char b[72];
	int r;

	c->rule_no = index + 1;
	c->rule_id = NULL;
	*rule = (struct policy_rule){ .line = line_of(g),
		                      .action = POLICY_ACTION_BLOCK,
		                      .not_before = INT64_MIN,
		                      .not_after = INT64_MAX };
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "must be a group { ... }, not %s", type_name(g));

	/* id first, so that every later message names the rule */
	s = config_setting_get_member(g, "id");
	if (!s)
		return fail(c, line_of(g), "missing required key 'id'");
	const char *id;
	r = get_string(c, s, "id", ID_MAX, &id);
	if (r < 0)
		return r;
	if (!valid_id(id))
		return fail(c, line_of(s), "'id' \"%s\" must be 1-64 characters of [A-Za-z0-9._-]",
		            esc(b, id));
	rule->id = arena_strdup(&c->p->arena, id);
	if (!rule->id)
		return -ENOMEM;
	c->rule_id = rule->id;
	int dup_line = 0;
	if (id_set_add(ids, rule->id, rule->line, &dup_line) < 0)
		return fail(c, line_of(s), "duplicate rule id (first used on line %d)", dup_line);

	bool have_action = false;
	int action_line = 0;
	int window_line = line_of(g);
	for (int i = 0; (s = config_setting_get_elem(g, (unsigned)i)); i++) {
		const char *key = config_setting_name(s), *v;
		if (!key)
			return fail(c, line_of(s), "unnamed setting");
		if (!strcmp(key, "id"))
			continue;
		if (!strcmp(key, "comment")) {
			r = get_string(c, s, key, COMMENT_MAX, &v);
			if (r < 0)
				return r;
			if (!printable(v))
				return fail(c, line_of(s), "'comment' contains control characters");
			rule->comment = arena_strdup(&c->p->arena, v);
			if (!rule->comment)
				return -ENOMEM;
		} else if (!strcmp(key, "action")) {
			r = get_string(c, s, key, VALUE_MAX, &v);
			if (r < 0)
				return r;
			int a = policy_action_from_string(v);
			if (a < 0)
				return fail(c, line_of(s),
				            "'action' \"%s\" is not one of \"allow\", \"block\", "
				            "\"log\", \"read-only\"",
				            esc(b, v));
			rule->action = a;
			have_action = true;
			action_line = line_of(s);
		} else if (!strcmp(key, "scope")) {
			r = get_string(c, s, key, VALUE_MAX, &v);
			if (r < 0)
				return r;
			if (!strcmp(v, "interface"))
				rule->scope = RULE_SCOPE_INTERFACE;
			else if (!strcmp(v, "device"))
				rule->scope = RULE_SCOPE_DEVICE;
			else
				return fail(
				    c, line_of(s),
				    "'scope' \"%s\" is not one of \"interface\", \"device\"",
				    esc(b, v));
		} else if (!strcmp(key, "kind")) {
			r = parse_kinds(c, s, key, false, &rule->kinds);
			if (r < 0)
				return r;
			rule->has_kinds = true;
		} else if (!strcmp(key, "class")) {
			size_t n = 0;
			r = value_count(c, s, key, &n);
			if (r < 0)
				return r;
			rule->classes = alloc_array(c, n, sizeof(struct class_pattern));
			if (!rule->classes)
				return -ENOMEM;
			for (size_t k = 0; k < n; k++) {
				r = parse_class(c, value_at(s, k), &rule->classes[k]);
				if (r < 0)
					return r;
			}
			rule->n_classes = (uint32_t)n;
		} else if (!strcmp(key, "vid")) {
			r = parse_u16s(c, s, key, &rule->n_vids, &rule->vids);
		} else if (!strcmp(key, "pid")) {
			r = parse_u16s(c, s, key, &rule->n_pids, &rule->pids);
		} else if (!strcmp(key, "serial")) {
			r = parse_strings(c, s, key, &rule->n_serials, &rule->serials);
		} else if (!strcmp(key, "manufacturer")) {
			r = parse_strings(c, s, key, &rule->n_manufacturers, &rule->manufacturers);
		} else if (!strcmp(key, "product")) {
			r = parse_strings(c, s, key, &rule->n_products, &rule->products);
		} else if (!strcmp(key, "port")) {
			r = parse_strings(c, s, key, &rule->n_ports, &rule->ports);
		} else if (!strcmp(key, "hash")) {
			r = parse_hashes(c, s, rule);
		} else if (!strcmp(key, "transfer_alert")) {
			r = parse_limit(c, s, &rule->limit);
		} else if (!strcmp(key, "not_before") || !strcmp(key, "not_after")) {
			bool before = key[4] == 'b';
			r = parse_time_key(c, s, key, before,
			                   before ? &rule->not_before : &rule->not_after);
			window_line = line_of(s);
		} else if (!strcmp(key, "hosts")) {
			size_t n = 0;
			r = parse_hosts(c, s, &n, &rule->hosts);
			rule->n_hosts = (uint32_t)n;
		} else
			return fail(c, line_of(s), "unknown key '%s'", key);
		if (r < 0)
			return r;
	}
	if (!have_action)
		return fail(c, line_of(g), "missing required key 'action'");
	/* read-only is a property of block devices: only a rule that can match nothing but
	 * mass-storage interfaces may carry it (allow-type rules need every kind covered). */
	if (rule->action == POLICY_ACTION_READ_ONLY &&
	    (!rule->has_kinds || rule->kinds != USB_KIND_BIT(USB_KIND_MASS_STORAGE)))
		return fail(c, action_line,
		            "action \"read-only\" is for mass storage only: the rule needs "
		            "kind = \"mass-storage\" and no other kind");
	if (rule->action == POLICY_ACTION_READ_ONLY && rule->scope == RULE_SCOPE_DEVICE)
		return fail(c, action_line,
		            "action \"read-only\" is for mass-storage interfaces: it cannot have "
		            "scope = \"device\"");
	if (rule->not_before > rule->not_after)
		return fail(c, window_line, "'not_before' is later than 'not_after'");
	rule->limited =
	    rule->not_before != INT64_MIN || rule->not_after != INT64_MAX || rule->n_hosts > 0;
	c->rule_no = 0;
	c->rule_id = NULL;
	return 0;
}

/* ---- top level ---- */

static const char *const top_keys[] = {
	"version",     "serial",  "key_id",         "not_before",
	"not_after",   "hosts",   "mode",           "default",
	"charge_only", "rules",   "transfer_alert", "charge_only_vendors",
	"exceptions",  "contact",
};

static int parse_top(struct load_ctx *c, const config_t *cfg)
{
	const config_setting_t *root = config_root_setting(cfg), *s;
	struct policy *p = c->p;
	char b[72];
	int64_t v = 0;
	const char *str;
	int r = 0;

	if (config_setting_length(root) == 0)
		return fail(c, 0, "policy is empty (it needs at least \"version\" and \"serial\")");
	for (int i = 0; (s = config_setting_get_elem(root, (unsigned)i)); i++) {
		const char *key = config_setting_name(s);
		bool known = false;
		for (size_t k = 0; key && k < ARRAY_SIZE(top_keys); k++)
			known |= !strcmp(key, top_keys[k]);
		if (!known)
			return fail(c, line_of(s), "unknown key '%s'", key ? key : "?");
	}

	s = config_setting_get_member(root, "version");
	if (!s)
		return fail(c, 0, "missing required key 'version'");
	if ((r = get_int(c, s, "version", &v)) < 0)
		return r;
	if (v != 1)
		return fail(c, line_of(s),
		            "unsupported 'version' %lld (this build knows version 1)",
		            (long long)v);

	s = config_setting_get_member(root, "serial");
	if (!s)
		return fail(c, 0, "missing required key 'serial'");
	if ((r = get_int(c, s, "serial", &v)) < 0)
		return r;
	if (v < 0)
		return fail(c, line_of(s), "'serial' must be >= 0, not %lld", (long long)v);
	p->serial = (uint64_t)v;

	if ((s = config_setting_get_member(root, "key_id"))) {
		if ((r = get_string(c, s, "key_id", KEY_ID_MAX, &str)) < 0)
			return r;
		for (const char *q = str; *q; q++)
			if (!is_id_char(*q) && *q != ':' && *q != '@')
				return fail(c, line_of(s), "'key_id' \"%s\": only [A-Za-z0-9._:@-]",
				            esc(b, str));
		if (!(p->key_id = arena_strdup(&p->arena, str)))
			return -ENOMEM;
	}

	const char *tkeys[2] = { "not_before", "not_after" };
	int64_t *tvals[2] = { &p->not_before, &p->not_after };
	int tlines[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		if (!(s = config_setting_get_member(root, tkeys[k])))
			continue;
		if ((r = parse_time_key(c, s, tkeys[k], k == 0, tvals[k])) < 0)
			return r;
		tlines[k] = line_of(s);
	}
	if (p->not_before > p->not_after)
		return fail(c, tlines[1] ? tlines[1] : tlines[0],
		            "'not_before' is later than 'not_after'");

	if ((s = config_setting_get_member(root, "hosts")) &&
	    (r = parse_hosts(c, s, &p->n_hosts, &p->hosts)) < 0)
		return r;

	if ((s = config_setting_get_member(root, "mode"))) {
		if ((r = get_string(c, s, "mode", VALUE_MAX, &str)) < 0)
			return r;
		int m = policy_mode_from_string(str);
		if (m < 0)
			return fail(c, line_of(s),
			            "'mode' \"%s\" is not one of \"enforce\", \"audit\"",
			            esc(b, str));
		p->mode = m;
	}
	if ((s = config_setting_get_member(root, "default"))) {
		if ((r = get_string(c, s, "default", VALUE_MAX, &str)) < 0)
			return r;
		int a = policy_action_from_string(str);
		if (a < 0 || a == POLICY_ACTION_READ_ONLY)
			return fail(
			    c, line_of(s),
			    "'default' \"%s\" is not one of \"allow\", \"block\", \"log\"%s",
			    esc(b, str),
			    a == POLICY_ACTION_READ_ONLY
			        ? " (\"read-only\" is for rules of kind \"mass-storage\")"
			        : "");
		p->default_action = a;
	}
	if ((s = config_setting_get_member(root, "exceptions")) && (r = parse_exceptions(c, s)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "contact")) && (r = parse_contact(c, s)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "transfer_alert")) &&
	    (r = parse_limit(c, s, &p->limit)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "charge_only")) &&
	    (r = parse_kinds(c, s, "charge_only", true, &p->charge_only)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "charge_only_vendors"))) {
		if ((r = parse_u16s(c, s, "charge_only_vendors", &p->n_charge_only_vendors,
		                    &p->charge_only_vendors)) < 0)
			return r;
		if (p->n_charge_only_vendors > POLICY_MAX_CHARGE_ONLY_VENDORS)
			return fail(
			    c, line_of(s), "'charge_only_vendors': %u vendor ids (the limit is %u)",
			    (unsigned)p->n_charge_only_vendors, POLICY_MAX_CHARGE_ONLY_VENDORS);
	}

	s = config_setting_get_member(root, "rules");
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(c, line_of(s), "'rules' must be a list ( { ... }, ... ), not %s",
		            type_name(s));
	size_t n = (size_t)config_setting_length(s);
	if (n > PORTCULLIS_POLICY_MAX_RULES)
		return fail(c, line_of(s), "too many rules: %zu (the limit is %u)", n,
		            PORTCULLIS_POLICY_MAX_RULES);
	if (!(p->rules = alloc_array(c, n ? n : 1, sizeof(struct policy_rule))))
		return -ENOMEM;
	struct id_set ids = { .cap = 16 };
	while (ids.cap < 2 * n)
		ids.cap *= 2;
	ids.slots = calloc(ids.cap, sizeof(*ids.slots));
	if (!ids.slots)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		r = parse_rule(c, config_setting_get_elem(s, (unsigned)k), k, &ids, &p->rules[k]);
		if (r < 0)
			break;
		p->n_rules = k + 1;
	}
	free(ids.slots);
	return r < 0 ? r : 0;
}

int policy_load_from_bytes(const char *buf, size_t len, const char *filename,
                           struct policy **ret_policy, struct policy_error *reterr)
{
	struct policy_error dummy;
	struct load_ctx c = { .err = reterr ? reterr : &dummy };
	struct policy *p = NULL;
	char *text = NULL;
	config_t cfg;
	bool cfg_inited = false;
	int r;

	if ((!buf && len > 0) || !ret_policy) {
		r = -EINVAL;
		(void)fail(&c, 0, "invalid arguments");
		goto out;
	}
	if (len > PORTCULLIS_POLICY_MAX_BYTES) {
		(void)fail(&c, 0, "policy is %zu bytes, more than the limit of %u", len,
		           PORTCULLIS_POLICY_MAX_BYTES);
		r = -EFBIG;
		goto out;
	}
	struct conftext_error te;
	r = conftext_check(buf, len, "a policy", &te);
	if (r < 0) {
		(void)fail(&c, te.line, "%s", te.reason);
		goto out;
	}

	p = calloc(1, sizeof(*p));
	if (p)
		p->n_ref = 1;
	text = malloc(len + 1);
	if (!p || !text) {
		r = -ENOMEM;
		goto out;
	}
	c.p = p;
	p->not_before = INT64_MIN;
	p->not_after = INT64_MAX;
	p->mode = POLICY_MODE_ENFORCE;
	p->default_action = POLICY_ACTION_BLOCK;
	p->charge_only = USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) |
	                 USB_KIND_BIT(USB_KIND_ADB) | USB_KIND_BIT(USB_KIND_APPLE_USBMUX) |
	                 USB_KIND_BIT(USB_KIND_APPLE_ETHERNET);
	p->name = arena_strdup(&p->arena, filename ? filename : "(unnamed)");
	if (!p->name) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_Digest(buf ? buf : "", len, p->sha256, NULL, EVP_sha256(), NULL) != 1) {
		r = -ENOMEM; /* the only way a one-shot SHA-256 fails */
		(void)fail(&c, 0, "SHA-256 failed");
		goto out;
	}

	if (len)
		memcpy(text, buf, len);
	text[len] = '\0';
	config_init(&cfg);
	cfg_inited = true;
	config_set_auto_convert(&cfg, 0);
	config_set_include_dir(&cfg, NO_INCLUDE_DIR);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *t = config_error_text(&cfg);
		r = fail(&c, config_error_line(&cfg), "%s", t ? t : "syntax error");
		goto out;
	}

	r = parse_top(&c, &cfg);
	if (r == -ENOMEM)
		(void)fail(&c, 0, "out of memory");
	if (r < 0)
		goto out;
	r = policy_index_build(&p->index, p->rules, p->n_rules);
	if (r < 0) {
		(void)fail(&c, 0, "out of memory");
		goto out;
	}

	*ret_policy = p;
	p = NULL;
	r = 0;
out:
	if (cfg_inited)
		config_destroy(&cfg);
	free(text);
	policy_free(p);
	return r;
}

struct policy *policy_ref(const struct policy *p)
{
	/* The reference count is the one mutable field of an otherwise immutable object, so a
	 * holder of a const pointer (the policy in force) may share it. */
	struct policy *mp = (struct policy *)(uintptr_t)p;

	assert(mp && mp->n_ref > 0);
	mp->n_ref++;
	return mp;
}

struct policy *policy_free(struct policy *p)
{
	if (!p)
		return NULL;
	assert(p->n_ref > 0);
	if (--p->n_ref > 0)
		return NULL;
	policy_index_done(&p->index);
	arena_free(p->arena);
	free(p);
	return NULL;
}

/* ---- accessors ---- */

uint64_t policy_serial(const struct policy *p)
{
	return p->serial;
}

enum policy_mode policy_mode(const struct policy *p)
{
	return p->mode;
}

const char *policy_name(const struct policy *p)
{
	return p->name;
}

const char *policy_key_id(const struct policy *p)
{
	return p->key_id;
}

int64_t policy_not_before(const struct policy *p)
{
	return p->not_before;
}

int64_t policy_not_after(const struct policy *p)
{
	return p->not_after;
}

size_t policy_n_hosts(const struct policy *p)
{
	return p->n_hosts;
}

const char *policy_host(const struct policy *p, size_t i)
{
	return i < p->n_hosts ? p->hosts[i] : NULL;
}

size_t policy_n_rules(const struct policy *p)
{
	return p->n_rules;
}

const char *policy_rule_id(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].id : NULL;
}

const char *policy_rule_comment(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].comment : NULL;
}

int policy_rule_line(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].line : 0;
}

enum policy_action policy_rule_action(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].action : POLICY_ACTION_BLOCK;
}

const uint8_t *policy_sha256(const struct policy *p)
{
	return p->sha256;
}

enum policy_action policy_default_action(const struct policy *p)
{
	return p->default_action;
}

usb_kind_mask policy_charge_only(const struct policy *p)
{
	return p->charge_only;
}

const uint16_t *policy_charge_only_vendors(const struct policy *p, size_t *ret_n)
{
	*ret_n = p->n_charge_only_vendors;
	return p->n_charge_only_vendors ? p->charge_only_vendors : NULL;
}

const struct transfer_limit *policy_rule_transfer_limit(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].limit : NULL;
}

const struct transfer_limit *policy_default_transfer_limit(const struct policy *p)
{
	return p->limit;
}

uint32_t policy_exceptions_max_minutes(const struct policy *p)
{
	return p->exc_max_minutes;
}

usb_kind_mask policy_exceptions_kinds(const struct policy *p)
{
	return p->exc_kinds;
}

const char *policy_contact(const struct policy *p, enum policy_contact_field f)
{
	return (unsigned)f < 3 ? p->contact[f] : NULL;
}

int policy_rule_shadowed_by(const struct policy *p, size_t i)
{
	for (size_t k = 0; k < i && k < p->n_rules; k++)
		if (policy_rule_is_catch_all(&p->rules[k]) && !p->rules[k].limited)
			return (int)k;
	return -1;
}
