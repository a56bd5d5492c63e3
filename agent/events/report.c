/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's aggregation (agent/events/report.h). Pure: no files, no clocks. */
#include "agent/events/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "policy/base/macro.h"

#define USEC_PER_DAY (86400LL * 1000000LL)

/* Open addressing index: slot holds element index + 1 (0 = empty); hashes[i] of element i. */
struct index {
	uint32_t *slot;
	size_t cap; /* power of two, or 0 */
	uint64_t *hashes;
	size_t n, alloc;
};

typedef bool (*index_eq_fn)(const void *ctx, size_t i);

static void index_done(struct index *ix)
{
	free(ix->slot);
	free(ix->hashes);
	*ix = (struct index){};
}

static int index_rehash(struct index *ix, size_t cap)
{
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < ix->n; i++) {
		size_t p = ix->hashes[i] & (cap - 1);
		while (slot[p])
			p = (p + 1) & (cap - 1);
		slot[p] = (uint32_t)(i + 1);
	}
	free(ix->slot);
	ix->slot = slot;
	ix->cap = cap;
	return 0;
}

/* Finds the element with hash h for which eq() holds: returns its index, or -ENOENT. */
static ssize_t index_find(const struct index *ix, uint64_t h, index_eq_fn eq, const void *ctx)
{
	if (ix->cap == 0)
		return -ENOENT;
	for (size_t p = h & (ix->cap - 1);; p = (p + 1) & (ix->cap - 1)) {
		uint32_t s = ix->slot[p];
		if (!s)
			return -ENOENT;
		if (ix->hashes[s - 1] == h && eq(ctx, s - 1))
			return (ssize_t)(s - 1);
	}
}

/* Registers element ix->n (the caller appends it to its own array) with hash h. */
static int index_add(struct index *ix, uint64_t h)
{
	int r;
	if ((ix->n + 1) * 2 > ix->cap && (r = index_rehash(ix, ix->cap ? ix->cap * 2 : 64)) < 0)
		return r;
	if (ix->n == ix->alloc) {
		size_t a = ix->alloc ? ix->alloc * 2 : 64;
		uint64_t *hs = realloc(ix->hashes, a * sizeof(*hs));
		if (!hs)
			return -ENOMEM;
		ix->hashes = hs;
		ix->alloc = a;
	}
	ix->hashes[ix->n] = h;
	size_t p = h & (ix->cap - 1);
	while (ix->slot[p])
		p = (p + 1) & (ix->cap - 1);
	ix->slot[p] = (uint32_t)(ix->n + 1);
	ix->n++;
	return 0;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

/* Grows *arr (elements of size) to hold at least n + 1. */
static int grow(void **arr, size_t *alloc, size_t n, size_t size)
{
	if (n < *alloc)
		return 0;
	size_t a = *alloc ? *alloc * 2 : 16;
	void *p = realloc(*arr, a * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *alloc * size, 0, (a - *alloc) * size);
	*arr = p;
	*alloc = a;
	return 0;
}

struct recent {
	uint64_t seq; /* 0 = empty */
	char hash[LOG_HASH_HEX_LEN + 1];
	/* what a "repeated" record naming it (same_as_seq) adds: */
	bool counted;          /* it passed the filters */
	int8_t view;           /* enum decision_view or -1 */
	uint8_t series;        /* enum report_series */
	uint32_t device, user; /* index + 1 in the tables, 0 = none */
};

/* State of the source being read. */
struct source {
	bool active; /* false: over REPORT_MAX_HOSTS, lines ignored */
	bool have_last;
	uint64_t last_seq;
	char last_hash[LOG_HASH_HEX_LEN + 1];
	uint64_t line;
	struct recent *recent; /* REPORT_DEDUP_WINDOW entries, by seq % window */
};

struct report {
	struct report_filter filter;
	struct report_result res;
	size_t hosts_alloc, devices_alloc, users_alloc, days_alloc;
	struct index device_ix, user_ix, day_ix;
	size_t rows_alloc[3];
	struct source src;
	bool finished;
};

static const char *const series_names[_REPORT_SERIES_MAX] = {
	[REPORT_SERIES_ALLOW] = "allowed",
	[REPORT_SERIES_LOG] = "allowed, logged",
	[REPORT_SERIES_CHARGE_ONLY] = "charge only",
	[REPORT_SERIES_BLOCK] = "blocked",
	[REPORT_SERIES_AUDIT_BLOCK] = "would block (audit)",
	[REPORT_SERIES_TAMPER] = "tamper",
	[REPORT_SERIES_TRANSFER] = "transfer",
	[REPORT_SERIES_POLICY] = "policy",
	[REPORT_SERIES_OTHER] = "other",
	[REPORT_SERIES_HEARTBEAT] = "heartbeat",
};

const char *report_series_name(enum report_series s)
{
	return (unsigned)s < _REPORT_SERIES_MAX ? series_names[s] : "?";
}

const char *report_integrity_word(enum report_integrity i)
{
	switch (i) {
	case REPORT_INTEGRITY_OK:
		return "ok";
	case REPORT_INTEGRITY_GAP:
		return "gap";
	case REPORT_INTEGRITY_MALFORMED:
		return "malformed";
	case REPORT_INTEGRITY_TRUNCATED:
		return "truncated";
	case REPORT_INTEGRITY_BROKEN:
		return "broken";
	case REPORT_INTEGRITY_EMPTY:
		return "empty";
	}
	return "?";
}

struct report *report_new(const struct report_filter *filter)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->src.recent = calloc(REPORT_DEDUP_WINDOW, sizeof(*r->src.recent));
	if (!r->src.recent) {
		free(r);
		return NULL;
	}
	if (filter)
		r->filter = *filter;
	r->res.filter = &r->filter;
	r->res.default_heartbeat_sec = REPORT_HEARTBEAT_SEC;
	r->res.max_policy_serial = -1;
	return r;
}

static void table_free(struct report_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].device);
		free(t->rows[i].user);
		free(t->rows[i].message);
	}
	free(t->rows);
}

struct report *report_free(struct report *r)
{
	if (!r)
		return NULL;
	struct report_result *res = &r->res;
	for (size_t i = 0; i < res->n_hosts; i++) {
		free(res->hosts[i].host);
		free(res->hosts[i].source);
		free(res->hosts[i].policy_name);
		free(res->hosts[i].policy_mode);
	}
	free(res->hosts);
	for (size_t i = 0; i < res->n_devices; i++) {
		struct report_device *d = &res->devices[i];
		free(d->key);
		free(d->vendor_id);
		free(d->product_id);
		free(d->serial);
		free(d->manufacturer);
		free(d->product);
	}
	free(res->devices);
	for (size_t i = 0; i < res->n_users; i++)
		free(res->users[i].user);
	free(res->users);
	free(res->days);
	table_free(&res->tamper);
	table_free(&res->transfer_alerts);
	table_free(&res->policy);
	index_done(&r->device_ix);
	index_done(&r->user_ix);
	index_done(&r->day_ix);
	free(r->src.recent);
	free(r);
	return NULL;
}

void report_set_heartbeat_sec(struct report *r, uint64_t sec)
{
	r->res.default_heartbeat_sec = sec ? sec : REPORT_HEARTBEAT_SEC;
}

const struct report_result *report_result(const struct report *r)
{
	return &r->res;
}

static struct report_host *cur(struct report *r)
{
	return r->src.active ? &r->res.hosts[r->res.n_hosts - 1] : NULL;
}

int report_begin_source(struct report *r, const char *name)
{
	struct report_result *res = &r->res;

	r->src.active = false;
	if (res->n_hosts >= REPORT_MAX_HOSTS) {
		res->hosts_omitted++;
		return -ENOSPC;
	}
	if (grow((void **)&res->hosts, &r->hosts_alloc, res->n_hosts, sizeof(*res->hosts)) < 0)
		return -ENOMEM;
	struct report_host *h = &res->hosts[res->n_hosts];
	*h = (struct report_host){ .integrity = REPORT_INTEGRITY_OK };
	h->source = strdup(name ? name : "");
	if (!h->source)
		return -ENOMEM;
	res->n_hosts++;
	struct recent *recent = r->src.recent;
	memset(recent, 0, REPORT_DEDUP_WINDOW * sizeof(*recent));
	r->src = (struct source){ .active = true, .recent = recent };
	return 0;
}

_printf_(3, 4) static void flag(struct report_host *h, enum report_integrity level, const char *fmt,
                                ...)
{
	if (level <= h->integrity)
		return;
	h->integrity = level;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(h->details, sizeof(h->details), fmt, ap);
	va_end(ap);
}

static void gap_add(struct report_host *h, uint64_t a, uint64_t b)
{
	if (h->n_gaps < REPORT_MAX_GAPS)
		h->gaps[h->n_gaps++] = (struct report_gap){ a, b };
	else
		h->gaps_omitted++;
}

/* Removes seqs a..b (named by an events_lost record) from the open gaps. */
static void gaps_explain(struct report_host *h, uint64_t a, uint64_t b)
{
	unsigned n = h->n_gaps;
	for (unsigned i = 0; i < n;) {
		struct report_gap g = h->gaps[i];
		if (g.last_seq < a || g.first_seq > b) {
			i++;
			continue;
		}
		/* remove gap i, add back the pieces outside a..b */
		h->gaps[i] = h->gaps[--n];
		h->n_gaps = n;
		if (g.first_seq < a)
			gap_add(h, g.first_seq, a - 1);
		if (g.last_seq > b)
			gap_add(h, b + 1, g.last_seq);
		n = h->n_gaps;
	}
}

static struct recent *recent_at(struct report *r, uint64_t seq)
{
	return &r->src.recent[seq % REPORT_DEDUP_WINDOW];
}

/* The chain and sequence check of one record. Returns true when it is a duplicate (a resend
 * identical to a record already counted). */
static bool chain_step(struct report *r, struct report_host *h, const struct log_record *rec,
                       const char *hash)
{
	struct source *s = &r->src;
	/* the decoder checked an events_lost record's range (1 <= first <= last < seq) */
	bool lost = rec->lost_first > 0;
	uint64_t la = rec->lost_first, lb = rec->lost_last;

	if (s->have_last && rec->seq <= s->last_seq) {
		struct recent *e = recent_at(r, rec->seq);
		if (e->seq == rec->seq && !strcmp(e->hash, hash))
			return true;
		if (e->seq == rec->seq)
			flag(h, REPORT_INTEGRITY_BROKEN,
			     "seq %" PRIu64 " appears twice with different content", rec->seq);
		else
			flag(h, REPORT_INTEGRITY_BROKEN,
			     "sequence goes backwards after seq %" PRIu64 " (seq %" PRIu64 ")",
			     s->last_seq, rec->seq);
		return false;
	}
	if (!s->have_last) {
		h->first_seq = rec->seq;
		if (rec->seq == 1 && strcmp(rec->prev, LOG_ZERO_HASH) != 0)
			flag(h, REPORT_INTEGRITY_BROKEN,
			     "seq 1: prev is not the zero hash — records were added before it");
	} else if (rec->seq == s->last_seq + 1) {
		if (strcmp(rec->prev, s->last_hash) != 0) {
			/* An events_lost record chains to the last record the local log has, which
			 * is older than the records a collector still received. */
			struct recent *e = lost && la > 1 ? recent_at(r, la - 1) : NULL;
			if (!(e && e->seq == la - 1 && !strcmp(e->hash, rec->prev)))
				flag(h, REPORT_INTEGRITY_BROKEN,
				     "seq %" PRIu64 ": prev does not match the hash of seq %" PRIu64
				     " — record modified or deleted",
				     rec->seq, s->last_seq);
		}
	} else {
		gap_add(h, s->last_seq + 1, rec->seq - 1);
	}
	if (rec->seq > 1 && !strcmp(rec->prev, LOG_ZERO_HASH))
		flag(h, REPORT_INTEGRITY_BROKEN,
		     "seq %" PRIu64 ": prev is the zero hash — chain restarted or renumbered",
		     rec->seq);
	if (lost) {
		h->lost += lb - la + 1;
		gaps_explain(h, la, lb);
	}
	struct recent *e = recent_at(r, rec->seq);
	*e = (struct recent){ .seq = rec->seq, .view = -1 };
	memcpy(e->hash, hash, sizeof(e->hash));
	s->have_last = true;
	s->last_seq = rec->seq;
	memcpy(s->last_hash, hash, sizeof(s->last_hash));
	h->last_seq = rec->seq;
	return false;
}

static char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool eq_device(const void *ctx, size_t i);
static bool eq_user(const void *ctx, size_t i);
static bool eq_day(const void *ctx, size_t i);

struct key_ctx {
	const struct report *r;
	const char *s;
	int64_t day;
};

static bool eq_device(const void *ctx, size_t i)
{
	const struct key_ctx *k = ctx;
	return !strcmp(k->r->res.devices[i].key, k->s);
}

static bool eq_user(const void *ctx, size_t i)
{
	const struct key_ctx *k = ctx;
	return !strcmp(k->r->res.users[i].user, k->s);
}

static bool eq_day(const void *ctx, size_t i)
{
	const struct key_ctx *k = ctx;
	return k->r->res.days[i].day == k->day;
}

/* The device entry of a record's device object; NULL when the table is full (counted). */
static int device_entry(struct report *r, json_object *dev, struct report_device **ret)
{
	const char *vid = event_read_str(dev, "vendor_id"),
	           *pid = event_read_str(dev, "product_id");
	const char *serial = event_read_str(dev, "serial");
	char key[1024];

	*ret = NULL;
	(void)snprintf(key, sizeof(key), "%.16s:%.16s %.600s", vid ?: "????", pid ?: "????",
	               serial ?: "");
	struct key_ctx k = { .r = r, .s = key };
	uint64_t h = hash_bytes(key, strlen(key));
	ssize_t i = index_find(&r->device_ix, h, eq_device, &k);
	if (i >= 0) {
		*ret = &r->res.devices[i];
		return 0;
	}
	if (r->res.n_devices >= REPORT_MAX_DEVICES) {
		r->res.devices_omitted++;
		return 0;
	}
	if (grow((void **)&r->res.devices, &r->devices_alloc, r->res.n_devices,
	         sizeof(*r->res.devices)) < 0)
		return -ENOMEM;
	struct report_device *d = &r->res.devices[r->res.n_devices];
	*d = (struct report_device){};
	d->key = strdup(key);
	d->vendor_id = strdup_or_null(vid);
	d->product_id = strdup_or_null(pid);
	d->serial = strdup_or_null(serial);
	d->manufacturer = strdup_or_null(event_read_str(dev, "manufacturer"));
	d->product = strdup_or_null(event_read_str(dev, "product"));
	if (!d->key || (vid && !d->vendor_id) || (pid && !d->product_id) ||
	    (serial && !d->serial) || index_add(&r->device_ix, h) < 0) {
		free(d->key);
		free(d->vendor_id);
		free(d->product_id);
		free(d->serial);
		free(d->manufacturer);
		free(d->product);
		return -ENOMEM;
	}
	r->res.n_devices++;
	*ret = d;
	return 0;
}

static int user_entry(struct report *r, const char *user, struct report_user **ret)
{
	struct key_ctx k = { .r = r, .s = user };
	uint64_t h = hash_bytes(user, strlen(user));

	*ret = NULL;
	ssize_t i = index_find(&r->user_ix, h, eq_user, &k);
	if (i >= 0) {
		*ret = &r->res.users[i];
		return 0;
	}
	if (r->res.n_users >= REPORT_MAX_USERS) {
		r->res.users_omitted++;
		return 0;
	}
	if (grow((void **)&r->res.users, &r->users_alloc, r->res.n_users, sizeof(*r->res.users)) <
	    0)
		return -ENOMEM;
	struct report_user *u = &r->res.users[r->res.n_users];
	*u = (struct report_user){ .user = strdup(user) };
	if (!u->user || index_add(&r->user_ix, h) < 0) {
		free(u->user);
		return -ENOMEM;
	}
	r->res.n_users++;
	*ret = u;
	return 0;
}

static int day_entry(struct report *r, int64_t time, struct report_day **ret)
{
	int64_t day = time / USEC_PER_DAY - (time % USEC_PER_DAY < 0);
	struct key_ctx k = { .r = r, .day = day };
	uint64_t h = hash_bytes(&day, sizeof(day));

	*ret = NULL;
	ssize_t i = index_find(&r->day_ix, h, eq_day, &k);
	if (i >= 0) {
		*ret = &r->res.days[i];
		return 0;
	}
	if (r->res.n_days >= REPORT_MAX_DAYS) {
		r->res.days_omitted++;
		return 0;
	}
	if (grow((void **)&r->res.days, &r->days_alloc, r->res.n_days, sizeof(*r->res.days)) < 0 ||
	    index_add(&r->day_ix, h) < 0)
		return -ENOMEM;
	struct report_day *d = &r->res.days[r->res.n_days++];
	*d = (struct report_day){ .day = day };
	*ret = d;
	return 0;
}

/* "vvvv:pppp product serial S" of a record's device, for table rows. */
static char *device_label(json_object *dev)
{
	if (!dev)
		return NULL;
	char buf[1024];
	const char *product = event_read_str(dev, "product"),
	           *serial = event_read_str(dev, "serial");
	(void)snprintf(buf, sizeof(buf), "%.16s:%.16s%s%.300s%s%.300s",
	               event_read_str(dev, "vendor_id") ?: "????",
	               event_read_str(dev, "product_id") ?: "????", product ? " " : "",
	               product ?: "", serial ? " serial " : "", serial ?: "");
	return strdup(buf);
}

static int add_row(struct report *r, struct report_table *t, size_t *alloc,
                   const struct log_record *rec, json_object *o, uint64_t bytes)
{
	if (t->n >= REPORT_MAX_ROWS) {
		t->omitted++;
		return 0;
	}
	if (grow((void **)&t->rows, alloc, t->n, sizeof(*t->rows)) < 0)
		return -ENOMEM;
	struct report_row *row = &t->rows[t->n];
	*row = (struct report_row){ .time = rec->time_usec,
		                    .host = (uint32_t)(r->res.n_hosts - 1),
		                    .seq = rec->seq,
		                    .bytes = bytes };
	memcpy(row->type, rec->type, sizeof(row->type));
	json_object *dev = event_read_obj(o, "device");
	const char *user = event_read_str(o, "seat_user"), *msg = event_read_str(o, "message");
	row->device = device_label(dev);
	row->user = strdup_or_null(user);
	row->message = strdup_or_null(msg);
	if ((dev && !row->device) || (user && !row->user) || (msg && !row->message)) {
		free(row->device);
		free(row->user);
		free(row->message);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

static bool filter_time(const struct report_filter *f, int64_t t)
{
	return !(f->have_since && t < f->since) && !(f->have_until && t >= f->until);
}

/* Bytes to the device a transfer record adds: each record covers its own period (started ..
 * ended), so the records of a session add up (docs/events.md). */
static uint64_t transfer_bytes(json_object *t)
{
	int64_t to;
	return event_read_int(t, "to_device_bytes", &to) && to > 0 ? (uint64_t)to : 0;
}

static void track_policy(struct report_host *h, const struct log_record *rec, json_object *o)
{
	json_object *p = event_read_obj(o, "policy");
	int64_t serial;

	if (!strcmp(rec->type, "policy_loaded"))
		h->policy_expired = false;
	else if (!strcmp(rec->type, "policy_expired"))
		h->policy_expired = true;
	if (!p || !event_read_int(p, "serial", &serial))
		return;
	const char *name = event_read_str(p, "name"), *mode = event_read_str(p, "mode");
	h->have_policy = true;
	h->policy_serial = serial;
	if (name && (!h->policy_name || strcmp(h->policy_name, name))) {
		char *c = strdup(name);
		if (c) {
			free(h->policy_name);
			h->policy_name = c;
		}
	}
	if (mode && (!h->policy_mode || strcmp(h->policy_mode, mode))) {
		char *c = strdup(mode);
		if (c) {
			free(h->policy_mode);
			h->policy_mode = c;
		}
	}
}

static enum report_series series_of(const char *type, int view)
{
	if (view >= 0)
		return (enum report_series)view; /* same order as enum decision_view */
	if (!strcmp(type, "tamper"))
		return REPORT_SERIES_TAMPER;
	if (!strcmp(type, "transfer") || !strcmp(type, "transfer_alert"))
		return REPORT_SERIES_TRANSFER;
	if (!strncmp(type, "policy_", 7))
		return REPORT_SERIES_POLICY;
	if (!strcmp(type, "heartbeat"))
		return REPORT_SERIES_HEARTBEAT;
	return REPORT_SERIES_OTHER;
}

/* A "repeated" record (flood control, docs/events.md): count more records identical to
 * same_as_seq, when that one is still in the window of recent records. */
static void add_repeated(struct report *r, struct report_host *h, json_object *o,
                         struct report_day *day)
{
	int64_t count, same;
	if (!event_read_int(o, "count", &count) || !event_read_int(o, "same_as_seq", &same) ||
	    count <= 0 || same <= 0 || count > INT32_MAX)
		return;
	struct recent *e = recent_at(r, (uint64_t)same);
	if (e->seq != (uint64_t)same || !e->counted)
		return;
	uint64_t n = (uint64_t)count;
	h->events += n;
	r->res.events += n;
	if (e->view >= 0)
		h->decisions[e->view] += n;
	if (e->series == REPORT_SERIES_TAMPER)
		h->tamper += n;
	if (day)
		day->series[e->series] += n;
	if (e->device && e->device <= r->res.n_devices) {
		struct report_device *d = &r->res.devices[e->device - 1];
		d->events += n;
		if (e->view >= 0)
			d->decisions[e->view] += n;
	}
	if (e->user && e->user <= r->res.n_users) {
		struct report_user *u = &r->res.users[e->user - 1];
		u->events += n;
		if (e->view >= 0)
			u->decisions[e->view] += n;
	}
}

static int aggregate(struct report *r, struct report_host *h, const struct log_record *rec,
                     json_object *o)
{
	const struct report_filter *f = &r->filter;
	const char *host = event_read_str(o, "host") ?: "";
	int k;

	if (!h->host) {
		if (!(h->host = strdup(host)))
			return -ENOMEM;
	} else if (strcmp(h->host, host) != 0)
		h->other_host = true;

	if (!filter_time(f, rec->time_usec))
		return 0;
	if (rec->time_usec >= h->last_seen) {
		h->last_seen = rec->time_usec;
		memcpy(h->last_type, rec->type, sizeof(h->last_type));
	}
	if (r->res.newest == 0 || rec->time_usec > r->res.newest)
		r->res.newest = rec->time_usec;
	track_policy(h, rec, o);
	if (!strcmp(rec->type, "heartbeat")) {
		if (h->prev_heartbeat && rec->time_usec > h->prev_heartbeat) {
			uint64_t d = (uint64_t)(rec->time_usec - h->prev_heartbeat) / 1000000u;
			if (d > 0 && (h->heartbeat_sec == 0 || d < h->heartbeat_sec))
				h->heartbeat_sec = d;
		}
		h->prev_heartbeat = rec->time_usec;
	}

	json_object *dev = event_read_obj(o, "device");
	const char *user = event_read_str(o, "seat_user");
	if ((f->host && strcmp(f->host, host) != 0) ||
	    (f->user && (!user || strcmp(f->user, user))) ||
	    (f->device && !event_device_matches(dev, f->device)))
		return 0;

	h->events++;
	r->res.events++;
	if (h->events == 1 || rec->time_usec < h->first)
		h->first = rec->time_usec;
	if (rec->time_usec > h->last)
		h->last = rec->time_usec;

	int view = -1;
	if (!strcmp(rec->type, "device_decision") && (view = decision_view_of_record(o)) >= 0)
		h->decisions[view]++;

	uint64_t bytes = 0;
	json_object *t = event_read_obj(o, "transfer");
	if (!strcmp(rec->type, "transfer") && t) {
		bytes = transfer_bytes(t);
		h->transfer_bytes += bytes;
	}

	struct report_day *day;
	if ((k = day_entry(r, rec->time_usec, &day)) < 0)
		return k;
	if (day) {
		day->series[series_of(rec->type, view)]++;
		day->transfer_bytes += bytes;
	}
	if (!strcmp(rec->type, "repeated"))
		add_repeated(r, h, o, day);
	struct recent *self = recent_at(r, rec->seq);
	if (self->seq == rec->seq) {
		self->counted = true;
		self->view = (int8_t)view;
		self->series = (uint8_t)series_of(rec->type, view);
	}

	uint32_t host_tag = (uint32_t)r->res.n_hosts;
	struct report_device *d = NULL;
	if (dev && (k = device_entry(r, dev, &d)) < 0)
		return k;
	if (d) {
		if (self->seq == rec->seq)
			self->device = (uint32_t)(d - r->res.devices) + 1;
		d->events++;
		if (view >= 0)
			d->decisions[view]++;
		d->transfer_bytes += bytes;
		if (d->last_host != host_tag) {
			d->last_host = host_tag;
			d->hosts++;
		}
		if (d->events == 1 || rec->time_usec < d->first)
			d->first = rec->time_usec;
		if (rec->time_usec > d->last)
			d->last = rec->time_usec;
	}
	struct report_user *u = NULL;
	if (user && (k = user_entry(r, user, &u)) < 0)
		return k;
	if (u) {
		if (self->seq == rec->seq)
			self->user = (uint32_t)(u - r->res.users) + 1;
		u->events++;
		if (view >= 0)
			u->decisions[view]++;
		u->transfer_bytes += bytes;
		if (u->last_host != host_tag) {
			u->last_host = host_tag;
			u->hosts++;
		}
	}

	struct report_result *res = &r->res;
	if (!strcmp(rec->type, "tamper")) {
		h->tamper++;
		return add_row(r, &res->tamper, &r->rows_alloc[0], rec, o, 0);
	}
	if (!strcmp(rec->type, "transfer_alert")) {
		/* what the sliding window held when the limit was crossed, else the period's */
		int64_t b = 0;
		h->transfer_alerts++;
		if (!event_read_int(event_read_obj(t, "limit"), "window_bytes", &b))
			(void)event_read_int(t, "to_device_bytes", &b);
		return add_row(r, &res->transfer_alerts, &r->rows_alloc[1], rec, o,
		               b > 0 ? (uint64_t)b : 0);
	}
	if (!strcmp(rec->type, "policy_rejected") || !strcmp(rec->type, "policy_expired")) {
		if (rec->type[7] == 'r')
			h->policy_rejected++;
		return add_row(r, &res->policy, &r->rows_alloc[2], rec, o, 0);
	}
	return 0;
}

int report_feed_line(struct report *r, const char *line, size_t len, bool torn)
{
	struct report_host *h = cur(r);
	struct log_record rec;
	struct log_record_error err = {};
	json_object *o = NULL;

	if (!h)
		return 0;
	r->src.line++;
	if (torn) {
		flag(h, REPORT_INTEGRITY_TRUNCATED,
		     "line %" PRIu64 ": truncated last line (%zu bytes without a newline)",
		     r->src.line, len);
		return 0;
	}
	int k = log_record_decode(line, len, &rec, &o, &err);
	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		h->malformed++;
		flag(h, REPORT_INTEGRITY_MALFORMED, "line %" PRIu64 ": not a record (byte %zu: %s)",
		     r->src.line, err.offset, err.reason ?: "?");
		return 0;
	}
	char hash[LOG_HASH_HEX_LEN + 1];
	log_record_hash(line, len, hash);
	h->records++;
	r->res.records++;
	if (chain_step(r, h, &rec, hash))
		h->duplicates++;
	else
		k = aggregate(r, h, &rec, o);
	json_object_put(o);
	return k;
}

int report_end_source(struct report *r, bool have_head, uint64_t head_seq, const char *head_hex)
{
	struct report_host *h = cur(r);
	if (!h)
		return 0;
	if (!h->host)
		h->host = strdup(h->source);
	if (have_head && r->src.have_last) {
		if (head_seq > r->src.last_seq)
			flag(h, REPORT_INTEGRITY_TRUNCATED,
			     "the head file names seq %" PRIu64 " but the log ends at seq %" PRIu64
			     " — records at the end deleted",
			     head_seq, r->src.last_seq);
		else if (head_seq == r->src.last_seq && head_hex &&
		         strcasecmp(head_hex, r->src.last_hash) != 0)
			flag(h, REPORT_INTEGRITY_BROKEN,
			     "seq %" PRIu64 " differs from the head file — log rewritten",
			     head_seq);
	}
	if (h->n_gaps > 0)
		flag(h, REPORT_INTEGRITY_GAP,
		     "records %" PRIu64 "..%" PRIu64 " missing%s (no events_lost names them)",
		     h->gaps[0].first_seq, h->gaps[0].last_seq,
		     h->n_gaps > 1 || h->gaps_omitted ? ", and more gaps" : "");
	else if (h->gaps_omitted > 0)
		flag(h, REPORT_INTEGRITY_GAP, "more than %u gaps in seq", REPORT_MAX_GAPS);
	if (h->records == 0 && h->integrity == REPORT_INTEGRITY_OK)
		flag(h, REPORT_INTEGRITY_EMPTY, "no records");
	r->src.active = false;
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct report_device *x = a, *y = b;
	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int cmp_user(const void *a, const void *b)
{
	const struct report_user *x = a, *y = b;
	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	return strcmp(x->user, y->user);
}

static int cmp_day(const void *a, const void *b)
{
	const struct report_day *x = a, *y = b;
	return x->day < y->day ? -1 : x->day > y->day;
}

void report_finish(struct report *r)
{
	struct report_result *res = &r->res;
	if (r->finished)
		return;
	r->finished = true;
	if (r->src.active)
		(void)report_end_source(r, false, 0, NULL);
	/* the indexes point at positions: sorting ends lookups */
	index_done(&r->device_ix);
	index_done(&r->user_ix);
	index_done(&r->day_ix);
	if (res->n_devices)
		qsort(res->devices, res->n_devices, sizeof(*res->devices), cmp_device);
	if (res->n_users)
		qsort(res->users, res->n_users, sizeof(*res->users), cmp_user);
	if (res->n_days)
		qsort(res->days, res->n_days, sizeof(*res->days), cmp_day);
	for (size_t i = 0; i < res->n_hosts; i++)
		if (res->hosts[i].have_policy &&
		    res->hosts[i].policy_serial > res->max_policy_serial)
			res->max_policy_serial = res->hosts[i].policy_serial;
}

uint64_t report_host_heartbeat_sec(const struct report_result *res, const struct report_host *h)
{
	return h->heartbeat_sec ? h->heartbeat_sec : res->default_heartbeat_sec;
}

bool report_host_silent(const struct report_result *res, const struct report_host *h)
{
	if (res->newest == 0)
		return false;
	if (h->last_seen == 0)
		return true; /* nothing in the time window */
	uint64_t hb = report_host_heartbeat_sec(res, h);
	return (uint64_t)(res->newest - h->last_seen) > 2 * hb * 1000000u;
}

bool report_host_policy_old(const struct report_result *res, const struct report_host *h)
{
	return h->have_policy && h->policy_serial < res->max_policy_serial;
}
