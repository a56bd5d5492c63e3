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
#include <strings.h>

#include <openssl/evp.h>

#include "policy/base/macro.h"
#include "policy/base/civil.h"
#include "policy/base/conftext.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "policy/lang/policy_internal.h"

#define ID_MAX         64
#define VALUE_MAX      (USB_STRING_MAX - 1) /* longer device strings are never kept */
#define KEY_ID_MAX     128
#define HOSTS_MAX      4096
#define NO_INCLUDE_DIR "/dev/null" /* not a directory: "/dev/null/<anything>" never opens */

/* ---- arena: every string and array of a policy, freed at once ---- */

#define ARENA_CHUNK (64u * 1024u - 64u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

/* n bytes aligned to align (a power of two <= 16); strings take exactly their length. */
static void *arena_alloc_aligned(struct arena_chunk **head, size_t n, size_t align)
{
	size_t at = *head ? ((*head)->used + align - 1) & ~(align - 1) : 0;

	if (!*head || at > (*head)->size || (*head)->size - at < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		struct arena_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		if (n >= ARENA_CHUNK && *head) {
			/* a big block of its own: keep filling the current chunk */
			c->next = (*head)->next;
			(*head)->next = c;
			c->used = c->size = size;
			return c->data;
		}
		c->next = *head;
		c->used = 0;
		c->size = size;
		*head = c;
		at = 0;
	}
	void *p = (*head)->data + at;
	(*head)->used = at + n;
	return p;
}

static void *arena_alloc(struct arena_chunk **head, size_t n)
{
	return arena_alloc_aligned(head, n, 16);
}

static char *arena_strdup(struct arena_chunk **head, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc_aligned(head, n, 1);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void *arena_copy(struct arena_chunk **head, const void *data, size_t n, size_t align)
{
	void *d = arena_alloc_aligned(head, n ? n : 1, align);
	if (d)
		memcpy(d, data, n);
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

/*
 * Interning while a policy is built: equal strings and equal value lists are stored once in the
 * arena (100,000 rules with the same vid list share one). The set is scaffolding, freed when the
 * policy is built; tags keep a string and a list with the same bytes apart (alignment differs).
 */
enum {
	INTERN_STRING = 1,
	INTERN_U16S,
	INTERN_CLASSES,
	INTERN_HASHES,
	INTERN_POINTERS,
};

struct intern_set {
	size_t cap, n; /* cap: power of two, or 0 */
	struct intern_entry {
		const void *data; /* NULL = empty */
		uint32_t len;
		uint32_t tag_hash; /* tag in the low byte, hash bits above */
	} * slots;
};

static int intern_grow(struct intern_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	struct intern_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++) {
		struct intern_entry *e = &set->slots[i];
		if (!e->data)
			continue;
		size_t k = (e->tag_hash >> 8) & (cap - 1);
		while (slots[k].data)
			k = (k + 1) & (cap - 1);
		slots[k] = *e;
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

/* The arena copy of data[0..len) (tag: INTERN_*), shared with every equal earlier one. */
static const void *intern(struct arena_chunk **arena, struct intern_set *set, uint8_t tag,
                          const void *data, size_t len, size_t align)
{
	if (len > UINT32_MAX)
		return NULL;
	if (2 * (set->n + 1) > set->cap && intern_grow(set) < 0)
		return NULL;
	uint32_t th = (uint32_t)(policy_hash_bytes(tag, data, len) << 8) | tag;
	size_t k = (th >> 8) & (set->cap - 1);
	for (; set->slots[k].data; k = (k + 1) & (set->cap - 1)) {
		const struct intern_entry *e = &set->slots[k];
		if (e->tag_hash == th && e->len == len && !memcmp(e->data, data, len))
			return e->data;
	}
	void *copy = arena_copy(arena, data, len, align);
	if (!copy)
		return NULL;
	set->slots[k] = (struct intern_entry){ copy, (uint32_t)len, th };
	set->n++;
	return copy;
}

static void intern_set_done(struct intern_set *set)
{
	free(set->slots);
	*set = (struct intern_set){ 0 };
}

/* An empty policy with the defaults of a file that sets nothing. */
static int policy_new(const char *filename, const uint8_t sha256[32], struct policy **ret)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->n_ref = 1;
	p->not_before = INT64_MIN;
	p->not_after = INT64_MAX;
	p->mode = POLICY_MODE_ENFORCE;
	p->default_action = POLICY_ACTION_BLOCK;
	p->charge_only = USB_KIND_BIT(USB_KIND_MTP) | USB_KIND_BIT(USB_KIND_PTP) |
	                 USB_KIND_BIT(USB_KIND_ADB) | USB_KIND_BIT(USB_KIND_APPLE_USBMUX) |
	                 USB_KIND_BIT(USB_KIND_APPLE_ETHERNET);
	p->first_catch_all = -1;
	memcpy(p->sha256, sha256, 32);
	p->name = arena_strdup(&p->arena, filename ? filename : "(unnamed)");
	if (!p->name) {
		free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

/* ---- error reporting ---- */

/*
 * What the checks below look at: a setting as libconfig parsed it, copied out of libconfig's tree
 * into a flat pool (one rule at a time for the rules), so that the tree can go at once.
 */
struct setting {
	const char *name;            /* NULL for an element of a list or array */
	const char *str;             /* CONFIG_TYPE_STRING (borrowed from the text being parsed) */
	int64_t i;                   /* CONFIG_TYPE_INT, CONFIG_TYPE_INT64 */
	struct setting *elems;       /* CONFIG_TYPE_GROUP, _ARRAY, _LIST: n of them (NULL when not
	                                copied: deeper than any check looks) */
	const config_setting_t *src; /* where it came from (the rules list: elements not copied) */
	uint32_t n, first;           /* first: elems as an index into the pool, while building */
	int type;                    /* CONFIG_TYPE_* */
	int line;
};

struct setting_pool {
	struct setting *a;
	size_t n, cap;
};

struct load_ctx {
	struct policy *p;
	struct policy_error *err;
	/* While inside a rule: its 1-based number and, once known, its id; messages start with
	 * "rule 'id': " or "rule #3: ". Formatted only on failure (100,000 rules load fast). */
	size_t rule_no;
	const char *rule_id;
	int line_offset; /* added to libconfig's lines (a chunk of the rules list, see below) */
	struct intern_set interned;
	struct setting_pool top, group; /* copies of the top level and of one rule */
	char *strbuf;                   /* the fast reader's strings */
	size_t strbuf_size;
	void *scratch; /* a value list being parsed, before it is interned */
	size_t scratch_size;
};

_printf_(3, 4) static int fail(struct load_ctx *c, int line, const char *fmt, ...)
{
	char msg[sizeof(c->err->reason)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap); /* truncation is fine for a message */
	va_end(ap);
	c->err->line = line > 0 ? line + c->line_offset : line;
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

static void config_setup(config_t *cfg)
{
	config_init(cfg);
	config_set_auto_convert(cfg, 0);
	config_set_include_dir(cfg, NO_INCLUDE_DIR);
}

static int st_type(const struct setting *s)
{
	return s->type;
}

static int64_t st_int(const struct setting *s)
{
	return s->i;
}

static const char *st_string(const struct setting *s)
{
	return s->str;
}

static int st_length(const struct setting *s)
{
	return (int)s->n;
}

static const struct setting *st_elem(const struct setting *s, size_t i)
{
	return s->elems && i < s->n ? &s->elems[i] : NULL;
}

static const struct setting *st_member(const struct setting *g, const char *name)
{
	for (size_t i = 0; g->type == CONFIG_TYPE_GROUP && g->elems && i < g->n; i++)
		if (g->elems[i].name && !strcmp(g->elems[i].name, name))
			return &g->elems[i];
	return NULL;
}

static const char *st_name(const struct setting *s)
{
	return s->name;
}

static int st_line(const struct setting *s)
{
	return s->line;
}

/* k consecutive free settings; their index. */
static int pool_reserve(struct setting_pool *p, size_t k, uint32_t *ret)
{
	if (p->cap - p->n < k) {
		size_t cap = p->cap ? p->cap : 64;
		while (cap - p->n < k)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		struct setting *a = realloc(p->a, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		p->a = a;
		p->cap = cap;
	}
	*ret = (uint32_t)p->n;
	memset(p->a + p->n, 0, k * sizeof(*p->a));
	p->n += k;
	return 0;
}

/* Copies libconfig setting cs into pool slot at (children down to depth more levels). */
static int copy_setting(struct setting_pool *p, uint32_t at, const config_setting_t *cs,
                        unsigned depth)
{
	struct setting *s = &p->a[at];
	int type = config_setting_type(cs), r;

	s->src = cs;
	s->name = config_setting_name(cs);
	s->type = type;
	s->line = (int)config_setting_source_line(cs);
	switch (type) {
	case CONFIG_TYPE_INT:
		s->i = config_setting_get_int(cs);
		break;
	case CONFIG_TYPE_INT64:
		s->i = config_setting_get_int64(cs);
		break;
	case CONFIG_TYPE_STRING:
		s->str = config_setting_get_string(cs);
		break;
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		int n = config_setting_length(cs);
		s->n = n > 0 ? (uint32_t)n : 0;
		if (depth == 0 || s->n == 0)
			break;
		uint32_t first;
		r = pool_reserve(p, s->n, &first);
		if (r < 0)
			return r;
		p->a[at].first = first; /* p->a may have moved */
		p->a[at].elems = p->a;  /* "has elements"; made a pointer by pool_finish() */
		for (uint32_t k = 0; k < p->a[at].n; k++) {
			const config_setting_t *e = config_setting_get_elem(cs, k);
			/* the rules are copied one at a time, by parse_rule_from() */
			bool rules = !config_setting_parent(cs) && config_setting_name(e) &&
			             !strcmp(config_setting_name(e), "rules");
			r = copy_setting(p, first + k, e, rules ? 0 : depth - 1);
			if (r < 0)
				return r;
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

/* Deep enough for every key (root, exceptions, kinds, a kind); deeper is never looked at. */
#define COPY_DEPTH 4

/* Indices to pointers, once the pool no longer moves. */
static void pool_finish(struct setting_pool *p, size_t from)
{
	for (size_t k = from; k < p->n; k++)
		if (p->a[k].elems)
			p->a[k].elems = p->a + p->a[k].first;
}

/* A copy of cs in pool (emptied first), children down to depth levels; NULL on ENOMEM. */
static const struct setting *setting_copy(struct setting_pool *p, const config_setting_t *cs,
                                          unsigned depth)
{
	uint32_t at;

	p->n = 0;
	if (pool_reserve(p, 1, &at) < 0 || copy_setting(p, at, cs, depth) < 0)
		return NULL;
	pool_finish(p, 0);
	return &p->a[at];
}

static const char *type_name(const struct setting *s)
{
	switch (st_type(s)) {
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

static int line_of(const struct setting *s)
{
	int l = (int)st_line(s);
	return l;
}

static int get_int(struct load_ctx *c, const struct setting *s, const char *what, int64_t *ret)
{
	switch (st_type(s)) {
	case CONFIG_TYPE_INT:
		*ret = st_int(s);
		return 0;
	case CONFIG_TYPE_INT64:
		*ret = st_int(s);
		return 0;
	default:
		return fail(c, line_of(s), "'%s' must be an integer, not %s", what, type_name(s));
	}
}

static int get_string(struct load_ctx *c, const struct setting *s, const char *what, size_t max,
                      const char **ret)
{
	if (st_type(s) != CONFIG_TYPE_STRING)
		return fail(c, line_of(s), "'%s' must be a string, not %s", what, type_name(s));
	const char *v = st_string(s);
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
static int value_count(struct load_ctx *c, const struct setting *s, const char *what, size_t *ret)
{
	int t = st_type(s);
	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
		int n = st_length(s);
		if (n <= 0)
			return fail(c, line_of(s), "'%s': empty list", what);
		if (!s->elems)
			return fail(c, line_of(s), "'%s': nested too deeply", what);
		*ret = (size_t)n;
		return 0;
	}
	if (t == CONFIG_TYPE_GROUP)
		return fail(c, line_of(s), "'%s' must be a value or a list, not a group", what);
	*ret = 1;
	return 0;
}

static const struct setting *value_at(const struct setting *s, size_t i)
{
	int t = st_type(s);
	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
		return st_elem(s, i);
	return s;
}

static void *alloc_array(struct load_ctx *c, size_t n, size_t size)
{
	return arena_alloc(&c->p->arena, n * size);
}

/* Room for n values of size bytes while a list is parsed (n <= INT_MAX: a libconfig length). */
static void *scratch(struct load_ctx *c, size_t n, size_t size)
{
	size_t want = (n ? n : 1) * size;
	if (want > c->scratch_size) {
		void *b = realloc(c->scratch, want);
		if (!b)
			return NULL;
		c->scratch = b;
		c->scratch_size = want;
	}
	return c->scratch;
}

static const void *intern_in(struct load_ctx *c, uint8_t tag, const void *data, size_t len,
                             size_t align)
{
	return intern(&c->p->arena, &c->interned, tag, data, len, align);
}

static const char *intern_string(struct load_ctx *c, const char *s)
{
	return intern_in(c, INTERN_STRING, s, strlen(s) + 1, 1);
}

/* ---- match keys of a rule ---- */

static int parse_kinds(struct load_ctx *c, const struct setting *s, const char *what,
                       bool allow_empty, usb_kind_mask *ret)
{
	usb_kind_mask m = 0;
	size_t n = 0;
	int r;

	if (allow_empty && (st_type(s) == CONFIG_TYPE_ARRAY || st_type(s) == CONFIG_TYPE_LIST) &&
	    st_length(s) == 0) {
		*ret = 0;
		return 0;
	}
	r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct setting *e = value_at(s, i);
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

static int parse_class(struct load_ctx *c, const struct setting *e, struct class_pattern *ret)
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

static int parse_u16s(struct load_ctx *c, const struct setting *s, const char *what,
                      uint32_t *ret_n, uint16_t **ret)
{
	size_t n = 0;
	int r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	uint16_t *a = scratch(c, n, sizeof(uint16_t));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct setting *e = value_at(s, i);
		int64_t v = 0;
		r = get_int(c, e, what, &v);
		if (r < 0)
			return r;
		if (v < 0 || v > 0xffff)
			return fail(c, line_of(e), "'%s' %lld out of range (0..0xffff)", what,
			            (long long)v);
		a[i] = (uint16_t)v;
	}
	const void *in = intern_in(c, INTERN_U16S, a, n * sizeof(uint16_t), _Alignof(uint16_t));
	if (!in)
		return -ENOMEM;
	*ret_n = (uint32_t)n;
	*ret = (uint16_t *)(uintptr_t)in;
	return 0;
}

/* A list of strings; with share, equal strings and lists are stored once (globs repeat across
 * rules; serials do not, and are copied). */
static int parse_strings(struct load_ctx *c, const struct setting *s, const char *what, bool share,
                         uint32_t *ret_n, const char ***ret)
{
	size_t n = 0;
	int r = value_count(c, s, what, &n);
	if (r < 0)
		return r;
	const char **a = scratch(c, n, sizeof(char *));
	if (!a)
		return -ENOMEM;
	size_t seen = c->interned.n;
	for (size_t i = 0; i < n; i++) {
		const char *v = NULL;
		r = get_string(c, value_at(s, i), what, VALUE_MAX, &v);
		if (r < 0)
			return r;
		a[i] = share ? intern_string(c, v) : arena_strdup(&c->p->arena, v);
		if (!a[i])
			return -ENOMEM;
	}
	/* A list with a string never seen before is itself new: no need to look it up. */
	const void *in =
	    share && c->interned.n == seen
	        ? intern_in(c, INTERN_POINTERS, a, n * sizeof(char *), _Alignof(char *))
	        : arena_copy(&c->p->arena, a, n * sizeof(char *), _Alignof(char *));
	if (!in)
		return -ENOMEM;
	*ret_n = (uint32_t)n;
	*ret = (const char **)(uintptr_t)in;
	return 0;
}

static int parse_hashes(struct load_ctx *c, const struct setting *s, struct policy_rule_extra *x)
{
	size_t n = 0;
	int r = value_count(c, s, "hash", &n);
	if (r < 0)
		return r;
	uint8_t(*a)[32] = scratch(c, n, 32);
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct setting *e = value_at(s, i);
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
				a[i][j] = (uint8_t)(hi << 4 | lo);
		}
		if (!ok)
			return fail(c, line_of(e), "'hash': \"%s\" is not 64 hex digits (SHA-256)",
			            esc(b, v));
	}
	const void *in = intern_in(c, INTERN_HASHES, a, n * 32, 1);
	if (!in)
		return -ENOMEM;
	x->hashes = (uint8_t(*)[32])(uintptr_t)in;
	x->n_hashes = (uint32_t)n;
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

static int parse_limit(struct load_ctx *c, const struct setting *g,
                       const struct transfer_limit **ret)
{
	struct transfer_limit *l;
	const struct setting *s;
	const char *str = NULL;
	char b[72];
	int64_t v = 0;
	int r;

	if (st_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'transfer_alert' must be a group { ... }, not %s",
		            type_name(g));
	l = alloc_array(c, 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*l = (struct transfer_limit){ .window_sec = LIMIT_WINDOW_DEF,
		                      .action = TRANSFER_LIMIT_ALERT,
		                      .line = line_of(g) + c->line_offset };
	for (int i = 0; (s = st_elem(g, i)); i++) {
		const char *key = st_name(s);
		if (!key)
			return fail(c, line_of(s), "'transfer_alert': unnamed setting");
		if (!strcmp(key, "bytes")) {
			if (st_type(s) != CONFIG_TYPE_STRING)
				return fail(
				    c, line_of(s),
				    "'transfer_alert': 'bytes' must be a string like \"500M\", "
				    "not %s",
				    type_name(s));
			str = st_string(s);
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

/*
 * Rule ids seen so far, for duplicates: open addressing over rule indexes, 8 bytes a slot with
 * 32 bits of the hash beside the index, so that a probe touches the rules (a random place in
 * 16 MB for 100,000 rules) only when the hashes agree.
 */
struct id_set {
	size_t cap; /* a power of two, >= 2 * rules */
	const struct policy_rule *rules;
	struct {
		uint32_t hash;
		uint32_t rule_1; /* index + 1 of the rule that has the id; 0 = empty */
	} * slots;
};

/* Adds rules[index].id; the same rule again (a chunk read a second time) is no duplicate. */
static int id_set_add(struct id_set *set, size_t index, int *ret_dup_line)
{
	const char *id = set->rules[index].id;
	uint64_t h = policy_hash_bytes(0, id, strlen(id));
	uint32_t h32 = (uint32_t)(h >> 32);

	for (size_t i = h & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i].rule_1) {
			set->slots[i].hash = h32;
			set->slots[i].rule_1 = (uint32_t)index + 1;
			return 0;
		}
		const struct policy_rule *other = &set->rules[set->slots[i].rule_1 - 1];
		if (set->slots[i].hash == h32 && !strcmp(other->id, id)) {
			if (set->slots[i].rule_1 == index + 1)
				return 0;
			*ret_dup_line = other->line;
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
static int parse_time_key(struct load_ctx *c, const struct setting *s, const char *key,
                          bool round_up, int64_t *ret)
{
	const char *str = NULL;
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
static int parse_hosts(struct load_ctx *c, const struct setting *s, size_t *ret_n,
                       const char ***ret)
{
	const char *str = NULL;
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
		const struct setting *e = value_at(s, k);
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

static int parse_exceptions(struct load_ctx *c, const struct setting *g)
{
	const struct setting *s;
	int64_t v = 0;
	int r;

	if (st_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'exceptions' must be a group { ... }, not %s",
		            type_name(g));
	for (int i = 0; (s = st_elem(g, i)); i++) {
		const char *key = st_name(s);
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

static int parse_contact(struct load_ctx *c, const struct setting *g)
{
	static const char *const keys[] = { "name", "phone", "url" };
	const struct setting *s;
	const char *str = NULL;
	int r;

	if (st_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "'contact' must be a group { ... }, not %s",
		            type_name(g));
	for (int i = 0; (s = st_elem(g, i)); i++) {
		const char *key = st_name(s);
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

const struct policy_rule_extra policy_rule_no_extra = { .not_before = INT64_MIN,
	                                                .not_after = INT64_MAX };

static bool extra_is_empty(const struct policy_rule_extra *x)
{
	return !x->comment && !x->limit && !x->n_hosts && !x->n_classes && !x->n_manufacturers &&
	       !x->n_products && !x->n_ports && !x->n_hashes && x->not_before == INT64_MIN &&
	       x->not_after == INT64_MAX;
}

enum rule_key {
	RK_UNKNOWN,
	RK_ID,
	RK_COMMENT,
	RK_ACTION,
	RK_SCOPE,
	RK_KIND,
	RK_CLASS,
	RK_VID,
	RK_PID,
	RK_SERIAL,
	RK_MANUFACTURER,
	RK_PRODUCT,
	RK_PORT,
	RK_HASH,
	RK_TRANSFER_ALERT,
	RK_NOT_BEFORE,
	RK_NOT_AFTER,
	RK_HOSTS,
};

/* The key a rule's setting name stands for. A table, not a strcmp() chain: a fleet policy has
 * six keys in each of 100,000 rules, and the first letter settles most of them. */
static enum rule_key rule_key_of(const char *name)
{
	static const struct {
		const char *name;
		enum rule_key key;
	} keys[] = {
		{ "id", RK_ID },
		{ "action", RK_ACTION },
		{ "kind", RK_KIND },
		{ "vid", RK_VID },
		{ "pid", RK_PID },
		{ "serial", RK_SERIAL },
		{ "comment", RK_COMMENT },
		{ "scope", RK_SCOPE },
		{ "class", RK_CLASS },
		{ "manufacturer", RK_MANUFACTURER },
		{ "product", RK_PRODUCT },
		{ "port", RK_PORT },
		{ "hash", RK_HASH },
		{ "transfer_alert", RK_TRANSFER_ALERT },
		{ "not_before", RK_NOT_BEFORE },
		{ "not_after", RK_NOT_AFTER },
		{ "hosts", RK_HOSTS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].name[0] == name[0] && !strcmp(keys[i].name, name))
			return keys[i].key;
	return RK_UNKNOWN;
}

static int parse_rule(struct load_ctx *c, const struct setting *g, size_t index, struct id_set *ids,
                      struct policy_rule *rule)
{
	const struct setting *s;
	char b[72];
	int r;

	c->rule_no = index + 1;
	c->rule_id = NULL;
	struct policy_rule_extra x = policy_rule_no_extra;
	*rule = (struct policy_rule){ .line = line_of(g) + c->line_offset,
		                      .action = POLICY_ACTION_BLOCK,
		                      .x = &policy_rule_no_extra };
	if (st_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, line_of(g), "must be a group { ... }, not %s", type_name(g));

	/* id first, so that every later message names the rule */
	s = st_member(g, "id");
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
	if (id_set_add(ids, index, &dup_line) < 0)
		return fail(c, line_of(s), "duplicate rule id (first used on line %d)", dup_line);

	bool have_action = false;
	int action_line = 0;
	int window_line = line_of(g);
	for (int i = 0; (s = st_elem(g, i)); i++) {
		const char *key = st_name(s), *v = NULL;
		if (!key)
			return fail(c, line_of(s), "unnamed setting");
		switch (rule_key_of(key)) {
		case RK_ID:
			continue;
		case RK_COMMENT:
			r = get_string(c, s, key, COMMENT_MAX, &v);
			if (r < 0)
				return r;
			if (!printable(v))
				return fail(c, line_of(s), "'comment' contains control characters");
			x.comment = intern_string(c, v);
			if (!x.comment)
				return -ENOMEM;
			break;
		case RK_ACTION: {
			r = get_string(c, s, key, VALUE_MAX, &v);
			if (r < 0)
				return r;
			int a = policy_action_from_string(v);
			if (a < 0)
				return fail(c, line_of(s),
				            "'action' \"%s\" is not one of \"allow\", \"block\", "
				            "\"log\", \"read-only\"",
				            esc(b, v));
			rule->action = (uint8_t)a;
			have_action = true;
			action_line = line_of(s);
			break;
		}
		case RK_SCOPE:
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
			break;
		case RK_KIND:
			r = parse_kinds(c, s, key, false, &rule->kinds);
			if (r < 0)
				return r;
			rule->has_kinds = true;
			break;
		case RK_CLASS: {
			size_t n = 0;
			r = value_count(c, s, key, &n);
			if (r < 0)
				return r;
			struct class_pattern *a = scratch(c, n, sizeof(*a));
			if (!a)
				return -ENOMEM;
			for (size_t k = 0; k < n; k++) {
				r = parse_class(c, value_at(s, k), &a[k]);
				if (r < 0)
					return r;
			}
			const void *in = intern_in(c, INTERN_CLASSES, a, n * sizeof(*a),
			                           _Alignof(struct class_pattern));
			if (!in)
				return -ENOMEM;
			x.classes = (struct class_pattern *)(uintptr_t)in;
			x.n_classes = (uint32_t)n;
			break;
		}
		case RK_VID:
			r = parse_u16s(c, s, key, &rule->n_vids, &rule->vids);
			break;
		case RK_PID:
			r = parse_u16s(c, s, key, &rule->n_pids, &rule->pids);
			break;
		case RK_SERIAL:
			/* serials are one per device: interning them would only cost */
			r = parse_strings(c, s, key, false, &rule->n_serials, &rule->serials);
			break;
		case RK_MANUFACTURER:
			r = parse_strings(c, s, key, true, &x.n_manufacturers, &x.manufacturers);
			break;
		case RK_PRODUCT:
			r = parse_strings(c, s, key, true, &x.n_products, &x.products);
			break;
		case RK_PORT:
			r = parse_strings(c, s, key, true, &x.n_ports, &x.ports);
			break;
		case RK_HASH:
			r = parse_hashes(c, s, &x);
			break;
		case RK_TRANSFER_ALERT:
			r = parse_limit(c, s, &x.limit);
			break;
		case RK_NOT_BEFORE:
		case RK_NOT_AFTER: {
			bool before = key[4] == 'b';
			r = parse_time_key(c, s, key, before,
			                   before ? &x.not_before : &x.not_after);
			window_line = line_of(s);
			break;
		}
		case RK_HOSTS: {
			size_t n = 0;
			r = parse_hosts(c, s, &n, &x.hosts);
			x.n_hosts = (uint32_t)n;
			break;
		}
		case RK_UNKNOWN:
		default:
			return fail(c, line_of(s), "unknown key '%s'", key);
		}
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
	if (x.not_before > x.not_after)
		return fail(c, window_line, "'not_before' is later than 'not_after'");
	rule->limited = x.not_before != INT64_MIN || x.not_after != INT64_MAX || x.n_hosts > 0;
	if (!extra_is_empty(&x)) {
		rule->x =
		    arena_copy(&c->p->arena, &x, sizeof(x), _Alignof(struct policy_rule_extra));
		if (!rule->x)
			return -ENOMEM;
	}
	c->rule_no = 0;
	c->rule_id = NULL;
	return 0;
}

/* parse_rule() of libconfig's group cs: a copy of it down to its members' elements. */
static int parse_rule_from(struct load_ctx *c, const config_setting_t *cs, size_t index,
                           struct id_set *ids, struct policy_rule *rule)
{
	const struct setting *g = setting_copy(&c->group, cs, COPY_DEPTH);
	if (!g)
		return -ENOMEM;
	return parse_rule(c, g, index, ids, rule);
}

/* ---- the rules list in chunks ----
 *
 * A 100,000-rule policy would make libconfig build a tree of about 1 KB per rule (libconfig
 * allocates every setting, name and value separately): 166 MB for 11.5 MB of text, and a heap
 * the agent could not give back. So the rules list is cut, on the raw text, into chunks of
 * CHUNK_RULES rules at the commas between its { ... } groups; libconfig parses the text without
 * the rules first (every other setting, same lines), then one chunk at a time, each tree freed
 * before the next. The cutting mirrors libconfig 1.5's scanner: blanks " \t\r\n\f", comments
 * "#" and "//" to the end of the line and non-nesting block comments, strings with "\\" and "\""
 * escapes; groups nest with (), [] and {}. Whatever it does not recognise, it leaves to the
 * whole-text path (-EAGAIN), which also words every syntax error.
 */

#define CHUNK_RULES 256

struct chunk {
	size_t start, end; /* text[start..end): its groups and the commas between them */
	int line;          /* line of text[start] */
	uint32_t n;        /* rules */
};

struct rule_chunks {
	const char *text;
	size_t open, close; /* '(' and ')' of the top-level rules list */
	int body_newlines;  /* between them */
	size_t n_rules, n_chunks, cap;
	struct chunk *chunks;
	size_t next_chunk;   /* first chunk not parsed yet */
	bool syntax_checked; /* every chunk parsed */
};

/* libconfig's names: [A-Za-z*][-A-Za-z0-9_*]* */
static bool is_name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '*';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

/* Skips blanks and comments; returns the offset of the next token, or len (also when a block
 * comment does not end: -EAGAIN follows). The three skippers count lines in a local: through
 * *line, every byte of a 16 MiB policy would wait on a store to memory. */
static size_t skip_blank(const char *s, size_t len, size_t i, int *line)
{
	int l = *line;

	while (i < len) {
		if (is_blank(s[i])) {
			l += s[i++] == '\n';
		} else if (s[i] == '#' || (s[i] == '/' && i + 1 < len && s[i + 1] == '/')) {
			while (i < len && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				l += s[i] == '\n';
			if (i + 1 >= len) {
				i = len;
				break;
			}
			i += 2;
		} else
			break;
	}
	*line = l;
	return i;
}

/* s[i] == '"': the offset after the closing quote, or len when there is none. */
static size_t skip_string(const char *s, size_t len, size_t i, int *line)
{
	int l = *line;

	for (i++; i < len; i++) {
		if (s[i] == '"')
			break;
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		else
			l += s[i] == '\n';
	}
	*line = l;
	return i < len ? i + 1 : len;
}

/* s[i] is '{': the offset after its matching '}' (any bracket nests), or len. */
static size_t skip_group(const char *s, size_t len, size_t i, int *line)
{
	/* what the loop acts on; names, numbers and punctuation are just stepped over */
	static const bool special[256] = {
		['"'] = true,  ['#'] = true,  ['/'] = true,  [' '] = true, ['\t'] = true,
		['\r'] = true, ['\n'] = true, ['\f'] = true, ['{'] = true, ['('] = true,
		['['] = true,  ['}'] = true,  [')'] = true,  [']'] = true,
	};
	size_t depth = 0;

	while (i < len) {
		char ch = s[i];
		if (!special[(unsigned char)ch]) {
			i++;
		} else if (ch == '"') {
			i = skip_string(s, len, i, line);
		} else if (ch == '#' || ch == '/' || is_blank(ch)) {
			size_t j = skip_blank(s, len, i, line);
			if (j == i) /* a lone '/': libconfig's syntax error */
				return len;
			i = j;
		} else {
			/* one of the six brackets */
			if (ch == '{' || ch == '(' || ch == '[')
				depth++;
			else if (depth-- == 1)
				return i + 1;
			i++;
		}
	}
	return len;
}

static int chunks_add(struct rule_chunks *ch, size_t start, int line)
{
	if (ch->n_chunks == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 64;
		struct chunk *a = realloc(ch->chunks, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		ch->chunks = a;
		ch->cap = cap;
	}
	ch->chunks[ch->n_chunks++] = (struct chunk){ .start = start, .line = line };
	return 0;
}

/* Finds the top-level "rules = ( { ... }, ... )" and cuts it. 0, -EAGAIN or -ENOMEM. */
static int rule_chunks_find(const char *s, size_t len, struct rule_chunks *ret)
{
	struct rule_chunks ch = { .text = s };
	size_t i = 0, depth = 0;
	int line = 1, r;

	/* top level: the name "rules" outside any bracket, then '=' or ':', then '(' */
	for (;;) {
		i = skip_blank(s, len, i, &line);
		if (i >= len)
			return -EAGAIN; /* no rules list (or an unended comment) */
		char c0 = s[i];
		if (c0 == '"') {
			i = skip_string(s, len, i, &line);
		} else if (c0 == '{' || c0 == '(' || c0 == '[') {
			depth++, i++;
		} else if (c0 == '}' || c0 == ')' || c0 == ']') {
			if (depth == 0)
				return -EAGAIN;
			depth--, i++;
		} else if (is_name_start(c0)) {
			size_t b = i;
			while (i < len && is_name_char(s[i]))
				i++;
			if (depth > 0 || i - b != 5 || memcmp(s + b, "rules", 5))
				continue;
			i = skip_blank(s, len, i, &line);
			if (i >= len || (s[i] != '=' && s[i] != ':'))
				return -EAGAIN;
			i = skip_blank(s, len, i + 1, &line);
			if (i >= len || s[i] != '(')
				return -EAGAIN;
			break;
		} else if (c0 >= '0' && c0 <= '9') {
			while (i < len && (is_name_char(s[i]) || s[i] == '.' || s[i] == '+'))
				i++; /* a number: "0x1e+5" is no name */
		} else
			i++;
	}
	ch.open = i++;
	int open_line = line;

	/* the list: '{' ... '}' (',' '{' ... '}')* ')' */
	for (;;) {
		i = skip_blank(s, len, i, &line);
		if (i >= len || s[i] != '{') {
			if (ch.n_rules == 0 && i < len && s[i] == ')')
				break; /* () */
			r = -EAGAIN;   /* a trailing comma, something that is no group */
			goto fail;
		}
		if (ch.n_rules % CHUNK_RULES == 0) {
			r = chunks_add(&ch, i, line);
			if (r < 0)
				goto fail;
		}
		i = skip_group(s, len, i, &line);
		if (i >= len) {
			r = -EAGAIN;
			goto fail;
		}
		ch.n_rules++;
		ch.chunks[ch.n_chunks - 1].n++;
		ch.chunks[ch.n_chunks - 1].end = i;
		i = skip_blank(s, len, i, &line);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == ')')
			break;
		r = -EAGAIN;
		goto fail;
	}
	ch.close = i;
	ch.body_newlines = line - open_line;
	*ret = ch;
	return 0;
fail:
	free(ch.chunks);
	return r;
}

/* The text with the rules list emptied ("rules = (" newlines ")"): every line where it was. */
static int skeleton(const char *s, size_t len, const struct rule_chunks *ch, char **ret)
{
	size_t head = ch->open + 1, nl = (size_t)ch->body_newlines, tail = len - ch->close;
	char *t = malloc(head + nl + tail + 1);

	if (!t)
		return -ENOMEM;
	memcpy(t, s, head);
	memset(t + head, '\n', nl);
	memcpy(t + head + nl, s + ch->close, tail);
	t[head + nl + tail] = '\0';
	*ret = t;
	return 0;
}

/* ---- the fast reader: rule groups in the common subset of libconfig's syntax ----
 *
 * libconfig spends about 3 us per rule (a flex scanner, bison, and a malloc per setting, name and
 * value). This reads the same groups straight into the pool, at a fraction of that, but only what
 * it is sure libconfig reads the same way: names, '=' or ':', strings (escapes \n \r \t \f \\ \"
 * and \xHH, not \x00; no concatenation), decimal and hex integers (with L), arrays of strings or
 * of integers of one kind, lists of those, a group of such settings inside a rule, optional ';'
 * or ',' after a setting, comments and blanks. Anything else (floats, booleans, deeper nesting,
 * trailing commas, a duplicate name...) makes it give up on the chunk, which libconfig then reads:
 * never a different policy, only a slower one. Lines are only needed for valid rules (the group's
 * '{' and each setting's name, as libconfig records them): every error is worded from libconfig's
 * reading of the chunk.
 */

#define READ_MEMBERS 32 /* settings in one group */

struct reader {
	const char *s;
	size_t len, i; /* the chunk, and where the reader is */
	int line;      /* of s[i], counted from 1 at the chunk's start like libconfig's */
	struct setting_pool *pool;
	char *str; /* names and unescaped strings of the current group */
	size_t str_used, str_cap;
};

static void rd_blank(struct reader *rd)
{
	rd->i = skip_blank(rd->s, rd->len, rd->i, &rd->line);
}

static bool rd_at(const struct reader *rd, char ch)
{
	return rd->i < rd->len && rd->s[rd->i] == ch;
}

/* A name into the string buffer; -EAGAIN if it is none (or a boolean, which flex prefers). */
static int rd_name(struct reader *rd, const char **ret)
{
	size_t b = rd->i;
	if (rd->i >= rd->len || !is_name_start(rd->s[rd->i]))
		return -EAGAIN;
	while (rd->i < rd->len && is_name_char(rd->s[rd->i]))
		rd->i++;
	size_t n = rd->i - b;
	if ((n == 4 && !strncasecmp(rd->s + b, "true", 4)) ||
	    (n == 5 && !strncasecmp(rd->s + b, "false", 5)))
		return -EAGAIN;
	if (rd->str_cap - rd->str_used < n + 1)
		return -EAGAIN; /* cannot happen: str_cap > the chunk's length */
	char *d = rd->str + rd->str_used;
	memcpy(d, rd->s + b, n);
	d[n] = '\0';
	rd->str_used += n + 1;
	*ret = d;
	return 0;
}

static int rd_string(struct reader *rd, const char **ret)
{
	/* i and line in locals: the stores through o could alias *rd, and would make the
	 * compiler reload and store them for every byte */
	const char *s = rd->s;
	size_t i = rd->i, len = rd->len;
	int line = rd->line;
	char *d = rd->str + rd->str_used, *o = d, *end = rd->str + rd->str_cap;

	for (i++; i < len && o < end; i++) {
		char ch = s[i];
		if (ch == '"') {
			*o++ = '\0'; /* o < end */
			rd->i = i + 1;
			rd->line = line;
			rd->str_used += (size_t)(o - d);
			*ret = d;
			/* "a" "b" is one string to libconfig: not read here */
			size_t j = skip_blank(s, len, i + 1, &line);
			return j < len && s[j] == '"' ? -EAGAIN : 0;
		}
		if (ch == '\\') {
			char e = i + 1 < len ? s[i + 1] : '\0';
			int hi, lo;
			i++;
			switch (e) {
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case '\\':
			case '"':
				*o++ = e;
				break;
			case 'x':
			case 'X':
				hi = i + 1 < len ? hex_digit(s[i + 1]) : -1;
				lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;
				if (hi < 0 || lo < 0 || (hi | lo) == 0)
					return -EAGAIN;
				*o++ = (char)(hi << 4 | lo);
				i += 2;
				break;
			default:
				return -EAGAIN;
			}
			continue;
		}
		line += ch == '\n';
		*o++ = ch;
	}
	return -EAGAIN; /* no closing quote */
}

/* A decimal or hex integer, L for 64 bits; conftext_check() has range-checked every literal. */
static int rd_int(struct reader *rd, struct setting *out)
{
	size_t i = rd->i;
	bool neg = false;

	if (i >= rd->len)
		return -EAGAIN;
	if (rd->s[i] == '-' || rd->s[i] == '+')
		neg = rd->s[i++] == '-';
	if (i >= rd->len || rd->s[i] < '0' || rd->s[i] > '9')
		return -EAGAIN;
	uint64_t v = 0;
	if (rd->s[i] == '0' && i + 1 < rd->len && (rd->s[i + 1] == 'x' || rd->s[i + 1] == 'X')) {
		if (neg || rd->s[rd->i] == '+' || i + 2 >= rd->len || hex_digit(rd->s[i + 2]) < 0)
			return -EAGAIN;
		for (i += 2; i < rd->len && hex_digit(rd->s[i]) >= 0; i++) {
			if (v >> 60)
				return -EAGAIN; /* more than 64 bits */
			v = v << 4 | (uint64_t)hex_digit(rd->s[i]);
		}
	} else {
		if (rd->s[i] == '0' && i + 1 < rd->len && rd->s[i + 1] >= '0' &&
		    rd->s[i + 1] <= '9')
			return -EAGAIN; /* 0123: decimal or octal? libconfig decides */
		for (; i < rd->len && rd->s[i] >= '0' && rd->s[i] <= '9'; i++) {
			if (v > (UINT64_MAX - 9) / 10)
				return -EAGAIN; /* more than 64 bits */
			v = v * 10 + (uint64_t)(rd->s[i] - '0');
		}
	}
	out->type = CONFIG_TYPE_INT;
	if (i < rd->len && rd->s[i] == 'L') {
		out->type = CONFIG_TYPE_INT64;
		i += 1 + (i + 1 < rd->len && rd->s[i + 1] == 'L');
	}
	/* a float, or letters right after the number: not read here */
	if (i < rd->len && (is_name_char(rd->s[i]) || rd->s[i] == '.'))
		return -EAGAIN;
	if (out->type == CONFIG_TYPE_INT && v > (neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX))
		return -EAGAIN;
	if (v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -EAGAIN;
	out->i = neg ? (int64_t)(0 - v) : (int64_t)v;
	rd->i = i;
	return 0;
}

static int rd_scalar(struct reader *rd, struct setting *out)
{
	out->line = rd->line;
	if (rd_at(rd, '"')) {
		out->type = CONFIG_TYPE_STRING;
		return rd_string(rd, &out->str);
	}
	return rd_int(rd, out);
}

static int rd_group(struct reader *rd, struct setting *out, unsigned depth);

/* '[' or '(' ... of scalars (an array: all strings, or all integers of one width). */
static int rd_list(struct reader *rd, struct setting *out)
{
	char close = rd->s[rd->i] == '[' ? ']' : ')';
	bool array = close == ']';
	size_t first = rd->pool->n;
	uint32_t at;
	int r;

	out->type = array ? CONFIG_TYPE_ARRAY : CONFIG_TYPE_LIST;
	rd->i++;
	rd_blank(rd);
	while (!rd_at(rd, close)) {
		if (out->n > 0) {
			if (!rd_at(rd, ','))
				return -EAGAIN;
			rd->i++;
			rd_blank(rd);
			if (rd_at(rd, close))
				return -EAGAIN; /* a trailing comma */
		}
		if ((r = pool_reserve(rd->pool, 1, &at)) < 0)
			return r;
		struct setting *e = &rd->pool->a[at];
		if ((r = rd_scalar(rd, e)) < 0)
			return r;
		if (array && out->n > 0 && e->type != rd->pool->a[first].type)
			return -EAGAIN; /* libconfig refuses mixed arrays */
		out->n++;
		rd_blank(rd);
	}
	rd->i++;
	out->first = (uint32_t)first;
	out->elems = out->n ? rd->pool->a : NULL; /* made a pointer by pool_finish() */
	return 0;
}

static int rd_value(struct reader *rd, struct setting *out, unsigned depth)
{
	if (rd_at(rd, '[') || rd_at(rd, '('))
		return rd_list(rd, out);
	if (rd_at(rd, '{')) {
		if (depth == 0)
			return -EAGAIN;
		return rd_group(rd, out, depth - 1);
	}
	return rd_scalar(rd, out);
}

/* s[i] == '{': its settings, then '}'. out gets the group; its settings go to the pool. */
static int rd_group(struct reader *rd, struct setting *out, unsigned depth)
{
	struct setting m[READ_MEMBERS];
	size_t n = 0;
	uint32_t at;
	int r;

	out->type = CONFIG_TYPE_GROUP;
	out->line = rd->line;
	rd->i++;
	rd_blank(rd);
	while (!rd_at(rd, '}')) {
		if (n == READ_MEMBERS)
			return -EAGAIN;
		struct setting *x = &m[n];
		*x = (struct setting){ .line = rd->line };
		if ((r = rd_name(rd, &x->name)) < 0)
			return r;
		for (size_t k = 0; k < n; k++)
			if ((m[k].name[0] | 0x20) == (x->name[0] | 0x20) &&
			    !strcasecmp(m[k].name, x->name))
				return -EAGAIN; /* libconfig's "duplicate setting name" */
		rd_blank(rd);
		if (!rd_at(rd, '=') && !rd_at(rd, ':'))
			return -EAGAIN;
		rd->i++;
		rd_blank(rd);
		int line = x->line;
		if ((r = rd_value(rd, x, depth)) < 0)
			return r;
		x->line = line; /* libconfig records the name's line */
		n++;
		rd_blank(rd);
		if (rd_at(rd, ';') || rd_at(rd, ',')) {
			rd->i++;
			rd_blank(rd);
		}
		if (rd->i >= rd->len)
			return -EAGAIN;
	}
	rd->i++;
	if ((r = pool_reserve(rd->pool, n, &at)) < 0)
		return r;
	memcpy(rd->pool->a + at, m, n * sizeof(*m));
	out->n = (uint32_t)n;
	out->first = at;
	out->elems = n ? rd->pool->a : NULL;
	return 0;
}

/*
 * Reads the next group of the chunk and what follows it (',' or the chunk's end). Returns the
 * group (in the pool, valid until the next call), or NULL with *ret_r = -EAGAIN or -ENOMEM.
 */
static const struct setting *rd_next_group(struct reader *rd, int *ret_r)
{
	uint32_t at;
	int r;

	rd->pool->n = 0;
	rd->str_used = 0;
	rd_blank(rd);
	if (!rd_at(rd, '{')) {
		*ret_r = -EAGAIN;
		return NULL;
	}
	struct setting g = { 0 }; /* not in the pool yet: the pool moves as it grows */
	if ((r = pool_reserve(rd->pool, 1, &at)) < 0 || (r = rd_group(rd, &g, 1)) < 0) {
		*ret_r = r;
		return NULL;
	}
	rd->pool->a[at] = g;
	rd_blank(rd);
	if (rd->i < rd->len) {
		if (!rd_at(rd, ',')) {
			*ret_r = -EAGAIN;
			return NULL;
		}
		rd->i++;
	}
	pool_finish(rd->pool, 0);
	return &rd->pool->a[at];
}

static int reader_init(struct reader *rd, const struct rule_chunks *ch, size_t k,
                       struct setting_pool *pool, char **strbuf, size_t *strbuf_size)
{
	const struct chunk *k_ = &ch->chunks[k];
	size_t want = k_->end - k_->start + 1;

	if (want > *strbuf_size) {
		char *b = realloc(*strbuf, want);
		if (!b)
			return -ENOMEM;
		*strbuf = b;
		*strbuf_size = want;
	}
	*rd = (struct reader){ .s = ch->text + k_->start,
		               .len = k_->end - k_->start,
		               .line = 1,
		               .pool = pool,
		               .str = *strbuf,
		               .str_cap = *strbuf_size };
	return 0;
}

/* "r=(" chunk ");" through libconfig; 0 and *cfg (caller destroys), -EAGAIN or -ENOMEM. */
static int chunk_parse(const struct rule_chunks *ch, size_t k, char **buf, size_t *buf_size,
                       config_t *cfg, const config_setting_t **ret_list)
{
	const struct chunk *k_ = &ch->chunks[k];
	size_t n = k_->end - k_->start, want = n + 6;

	if (want > *buf_size) {
		char *b = realloc(*buf, want);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*buf_size = want;
	}
	memcpy(*buf, "r=(", 3);
	memcpy(*buf + 3, ch->text + k_->start, n);
	memcpy(*buf + 3 + n, ");", 3);
	config_setup(cfg);
	if (config_read_string(cfg, *buf) != CONFIG_TRUE) {
		config_destroy(cfg);
		return -EAGAIN;
	}
	const config_setting_t *list = config_lookup(cfg, "r");
	if (!list || config_setting_type(list) != CONFIG_TYPE_LIST ||
	    (size_t)config_setting_length(list) != k_->n) {
		config_destroy(cfg);
		return -EAGAIN;
	}
	*ret_list = list;
	return 0;
}

/* Whether chunks [from, n_chunks) all parse: 0 or -EAGAIN (or -ENOMEM). */
static int chunks_syntax_ok(struct load_ctx *c, struct rule_chunks *ch, size_t from)
{
	char *buf = NULL;
	size_t size = 0;
	int r = 0;

	for (size_t k = from; k < ch->n_chunks && r >= 0; k++) {
		struct reader rd;
		r = reader_init(&rd, ch, k, &c->group, &c->strbuf, &c->strbuf_size);
		for (uint32_t e = 0; e < ch->chunks[k].n && r >= 0; e++)
			if (!rd_next_group(&rd, &r))
				break;
		if (r == -EAGAIN) {
			config_t cfg;
			const config_setting_t *list;
			r = chunk_parse(ch, k, &buf, &size, &cfg, &list);
			if (r >= 0)
				config_destroy(&cfg);
		}
	}
	free(buf);
	ch->syntax_checked = r >= 0;
	return r;
}

/* The rules of chunk k through libconfig (the reference reading). */
static int chunk_rules_libconfig(struct load_ctx *c, struct rule_chunks *ch, size_t k, size_t idx,
                                 struct id_set *ids, char **buf, size_t *size)
{
	config_t cfg;
	const config_setting_t *list;
	int r = chunk_parse(ch, k, buf, size, &cfg, &list);

	if (r < 0)
		return r;
	for (uint32_t e = 0; e < ch->chunks[k].n && r >= 0; e++, idx++) {
		r = parse_rule_from(c, config_setting_get_elem(list, e), idx, ids,
		                    &c->p->rules[idx]);
		if (r >= 0)
			c->p->n_rules = idx + 1;
	}
	config_destroy(&cfg);
	return r;
}

/* The rules of chunk k through the fast reader: 0, -EBADMSG (a rule is wrong), -EAGAIN, -ENOMEM. */
static int chunk_rules_fast(struct load_ctx *c, struct rule_chunks *ch, size_t k, size_t idx,
                            struct id_set *ids)
{
	struct reader rd;
	int r = reader_init(&rd, ch, k, &c->group, &c->strbuf, &c->strbuf_size);

	for (uint32_t e = 0; e < ch->chunks[k].n && r >= 0; e++, idx++) {
		const struct setting *g = rd_next_group(&rd, &r);
		if (!g)
			break;
		r = parse_rule(c, g, idx, ids, &c->p->rules[idx]);
		if (r >= 0)
			c->p->n_rules = idx + 1;
	}
	if (r >= 0 && rd.i < rd.len)
		r = -EAGAIN; /* more than the chunk's rules? */
	return r;
}

static int parse_rule_chunks(struct load_ctx *c, struct rule_chunks *ch, struct id_set *ids)
{
	char *buf = NULL;
	size_t size = 0, idx = 0;
	int r = 0;

	for (size_t k = 0; k < ch->n_chunks; k++) {
		c->line_offset = ch->chunks[k].line - 1;
		r = chunk_rules_fast(c, ch, k, idx, ids);
		if (r >= 0)
			c->p->chunks_fast++;
		if (r == -EAGAIN || r == -EBADMSG) {
			/* not read, or wrong: libconfig reads it, and words any error */
			r = chunk_rules_libconfig(c, ch, k, idx, ids, &buf, &size);
			c->p->chunks_libconfig++;
		}
		if (r < 0)
			break;
		ch->next_chunk = k + 1;
		idx += ch->chunks[k].n;
	}
	if (r == -EBADMSG)
		ch->next_chunk = ch->next_chunk + 1; /* the chunk with the error parsed */
	free(buf);
	if (r >= 0) {
		ch->syntax_checked = true;
		c->line_offset = 0;
	}
	return r;
}

/* ---- top level ---- */

static const char *const top_keys[] = {
	"version",     "serial",  "key_id",         "not_before",
	"not_after",   "hosts",   "mode",           "default",
	"charge_only", "rules",   "transfer_alert", "charge_only_vendors",
	"exceptions",  "contact",
};

static int parse_top(struct load_ctx *c, const config_t *cfg, struct rule_chunks *chunks)
{
	/* The top level down to the elements of its lists; of the rules list only its length. */
	const struct setting *root = setting_copy(&c->top, config_root_setting(cfg), COPY_DEPTH),
	                     *s;
	struct policy *p = c->p;
	char b[72];
	int64_t v = 0;
	const char *str = NULL;
	int r = 0;

	if (!root)
		return -ENOMEM;
	if (st_length(root) == 0)
		return fail(c, 0, "policy is empty (it needs at least \"version\" and \"serial\")");
	for (int i = 0; (s = st_elem(root, i)); i++) {
		const char *key = st_name(s);
		bool known = false;
		for (size_t k = 0; key && k < ARRAY_SIZE(top_keys); k++)
			known |= !strcmp(key, top_keys[k]);
		if (!known)
			return fail(c, line_of(s), "unknown key '%s'", key ? key : "?");
	}

	s = st_member(root, "version");
	if (!s)
		return fail(c, 0, "missing required key 'version'");
	if ((r = get_int(c, s, "version", &v)) < 0)
		return r;
	if (v != 1)
		return fail(c, line_of(s),
		            "unsupported 'version' %lld (this build knows version 1)",
		            (long long)v);

	s = st_member(root, "serial");
	if (!s)
		return fail(c, 0, "missing required key 'serial'");
	if ((r = get_int(c, s, "serial", &v)) < 0)
		return r;
	if (v < 0)
		return fail(c, line_of(s), "'serial' must be >= 0, not %lld", (long long)v);
	p->serial = (uint64_t)v;

	if ((s = st_member(root, "key_id"))) {
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
		if (!(s = st_member(root, tkeys[k])))
			continue;
		if ((r = parse_time_key(c, s, tkeys[k], k == 0, tvals[k])) < 0)
			return r;
		tlines[k] = line_of(s);
	}
	if (p->not_before > p->not_after)
		return fail(c, tlines[1] ? tlines[1] : tlines[0],
		            "'not_before' is later than 'not_after'");

	if ((s = st_member(root, "hosts")) && (r = parse_hosts(c, s, &p->n_hosts, &p->hosts)) < 0)
		return r;

	if ((s = st_member(root, "mode"))) {
		if ((r = get_string(c, s, "mode", VALUE_MAX, &str)) < 0)
			return r;
		int m = policy_mode_from_string(str);
		if (m < 0)
			return fail(c, line_of(s),
			            "'mode' \"%s\" is not one of \"enforce\", \"audit\"",
			            esc(b, str));
		p->mode = m;
	}
	if ((s = st_member(root, "default"))) {
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
	if ((s = st_member(root, "exceptions")) && (r = parse_exceptions(c, s)) < 0)
		return r;
	if ((s = st_member(root, "contact")) && (r = parse_contact(c, s)) < 0)
		return r;
	if ((s = st_member(root, "transfer_alert")) && (r = parse_limit(c, s, &p->limit)) < 0)
		return r;
	if ((s = st_member(root, "charge_only")) &&
	    (r = parse_kinds(c, s, "charge_only", true, &p->charge_only)) < 0)
		return r;
	if ((s = st_member(root, "charge_only_vendors"))) {
		if ((r = parse_u16s(c, s, "charge_only_vendors", &p->n_charge_only_vendors,
		                    &p->charge_only_vendors)) < 0)
			return r;
		if (p->n_charge_only_vendors > POLICY_MAX_CHARGE_ONLY_VENDORS)
			return fail(
			    c, line_of(s), "'charge_only_vendors': %u vendor ids (the limit is %u)",
			    (unsigned)p->n_charge_only_vendors, POLICY_MAX_CHARGE_ONLY_VENDORS);
	}

	s = st_member(root, "rules");
	if (!s)
		return 0;
	if (st_type(s) != CONFIG_TYPE_LIST)
		return fail(c, line_of(s), "'rules' must be a list ( { ... }, ... ), not %s",
		            type_name(s));
	size_t n = chunks ? chunks->n_rules : (size_t)st_length(s);
	if (n > PORTCULLIS_POLICY_MAX_RULES)
		return fail(c, line_of(s), "too many rules: %zu (the limit is %u)", n,
		            PORTCULLIS_POLICY_MAX_RULES);
	if (!(p->rules = alloc_array(c, n ? n : 1, sizeof(struct policy_rule))))
		return -ENOMEM;
	struct id_set ids = { .cap = 16, .rules = p->rules };
	while (ids.cap < 2 * n)
		ids.cap *= 2;
	ids.slots = calloc(ids.cap, sizeof(*ids.slots));
	if (!ids.slots)
		return -ENOMEM;
	if (chunks)
		r = parse_rule_chunks(c, chunks, &ids);
	else
		for (size_t k = 0; k < n; k++) {
			r = parse_rule_from(c, config_setting_get_elem(s->src, (unsigned)k), k,
			                    &ids, &p->rules[k]);
			if (r < 0)
				break;
			p->n_rules = k + 1;
		}
	free(ids.slots);
	return r < 0 ? r : 0;
}

/*
 * The whole text through libconfig at once: the reference path, and the one that words every
 * syntax error. Needs the text NUL-terminated: one copy of it.
 */
static int load_whole(struct load_ctx *c, const char *buf, size_t len)
{
	char *text = malloc(len + 1);
	config_t cfg;
	int r;

	if (!text)
		return -ENOMEM;
	if (len)
		memcpy(text, buf, len);
	text[len] = '\0';
	config_setup(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *t = config_error_text(&cfg);
		r = fail(c, config_error_line(&cfg), "%s", t ? t : "syntax error");
	} else
		r = parse_top(c, &cfg, NULL);
	config_destroy(&cfg);
	free(text);
	return r;
}

/*
 * The same policy, read in pieces so that libconfig's tree (about 1 KB per rule) never exists
 * for more than CHUNK_RULES rules: the text without the rules' bodies first, then the rules a
 * chunk at a time. Returns 0, -EBADMSG with exactly the error load_whole() would give, -ENOMEM,
 * or -EAGAIN when this path cannot vouch for the result (any syntax error, any layout it does not
 * recognise): then load_whole() decides.
 */
static int load_chunked(struct load_ctx *c, const char *buf, size_t len)
{
	struct rule_chunks ch = { 0 };
	char *skel = NULL;
	config_t cfg;
	int r;

	r = rule_chunks_find(buf, len, &ch);
	if (r < 0)
		return r;
	r = skeleton(buf, len, &ch, &skel);
	if (r < 0)
		goto out;
	config_setup(&cfg);
	if (config_read_string(&cfg, skel) != CONFIG_TRUE)
		r = -EAGAIN;
	else
		r = parse_top(c, &cfg, &ch);
	config_destroy(&cfg);
	if (r == -EBADMSG && !ch.syntax_checked) {
		/* A whole-text parse would have stopped at a syntax error in the rules first. */
		int k = chunks_syntax_ok(c, &ch, ch.next_chunk);
		if (k < 0)
			r = k;
	}
out:
	free(skel);
	free(ch.chunks);
	return r;
}

int policy_load_from_bytes(const char *buf, size_t len, const char *filename,
                           struct policy **ret_policy, struct policy_error *reterr)
{
	return policy_load_from_bytes_how(buf, len, filename, true, ret_policy, reterr);
}

int policy_load_from_bytes_how(const char *buf, size_t len, const char *filename, bool chunked,
                               struct policy **ret_policy, struct policy_error *reterr)
{
	struct policy_error dummy;
	struct load_ctx c = { .err = reterr ? reterr : &dummy };
	struct policy *p = NULL;
	uint8_t sha256[32];
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

	if (EVP_Digest(buf ? buf : "", len, sha256, NULL, EVP_sha256(), NULL) != 1) {
		r = -ENOMEM; /* the only way a one-shot SHA-256 fails */
		(void)fail(&c, 0, "SHA-256 failed");
		goto out;
	}
	r = policy_new(filename, sha256, &p);
	if (r < 0) {
		(void)fail(&c, 0, "out of memory");
		goto out;
	}
	c.p = p;

	r = chunked ? load_chunked(&c, buf ? buf : "", len) : -EAGAIN;
	if (r == -EAGAIN) {
		/* Start again from nothing: the whole text, the way it always was. */
		p = policy_free(p);
		intern_set_done(&c.interned);
		r = policy_new(filename, sha256, &p);
		if (r >= 0) {
			c.p = p;
			c.line_offset = 0;
			c.rule_no = 0;
			c.rule_id = NULL;
			r = load_whole(&c, buf ? buf : "", len);
		}
	}
	if (r == -ENOMEM)
		(void)fail(&c, 0, "out of memory");
	if (r < 0)
		goto out;
	r = policy_index_build(&p->index, p->rules, p->n_rules);
	if (r < 0) {
		(void)fail(&c, 0, "out of memory");
		goto out;
	}

	/* The lint's answer, once: a rule without match keys, window or hosts takes everything. */
	p->first_catch_all = -1;
	for (size_t i = 0; i < p->n_rules && p->first_catch_all < 0; i++)
		if (policy_rule_is_catch_all(&p->rules[i]) && !p->rules[i].limited)
			p->first_catch_all = (int)i;

	*ret_policy = p;
	p = NULL;
	r = 0;
out:
	intern_set_done(&c.interned);
	free(c.scratch);
	free(c.top.a);
	free(c.group.a);
	free(c.strbuf);
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
	return i < p->n_rules ? p->rules[i].x->comment : NULL;
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
	return i < p->n_rules ? p->rules[i].x->limit : NULL;
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
	/* The first catch-all shadows every later rule: O(1) per rule, linear for a whole check. */
	if (i < p->n_rules && p->first_catch_all >= 0 && (size_t)p->first_catch_all < i)
		return p->first_catch_all;
	return -1;
}
