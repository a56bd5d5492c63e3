/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis policy diff OLD NEW [--from-log DIR]... [--attached]
 *
 * What a push changes: the settings and rules added, removed, changed or moved (matched by rule
 * id), and for every device seen in the logs (or attached) whose decision differs, the decision
 * under OLD and under NEW. Both files are loaded by the real loader (signatures are not
 * checked). Exit status like diff(1): 0 no difference, 1 differences, 2 trouble.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli/cli_host.h"
#include "agent/cli/cli_seen.h"
#include "agent/cli/commands.h"
#include "paths.h"
#include "policy/base/clock.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/lang/policy.h"

#define MAX_LOG_DIRS 64
#define ESC_MAX      (4 * USB_STRING_MAX + 1)

static void usage(FILE *f)
{
	fprintf(f, "Usage: portcullis policy diff OLD NEW [--from-log DIR]... [--attached]\n\n"
	           "Rules added (+), removed (-), changed (~) or moved, and the devices seen in\n"
	           "DIR (a host's incident-log directory or a collector directory) or attached\n"
	           "now whose decision differs between OLD and NEW. Exit 0: no difference, 1:\n"
	           "differences, 2: trouble. See docs/it-guide.md, \"Rolling out\".\n");
}

static const char *esc_id(char *buf, size_t size, const char *s)
{
	str_escape(buf, size, s, strlen(s));
	return buf;
}

struct side {
	const char *path;
	char *text;
	struct policy *policy;
	/* rule indexes sorted by id, and for each rule the index of the same id on the other side
	 * (-1: none): a 100,000-rule push is matched in O(n log n) */
	uint32_t *by_id;
	int32_t *other;
};

static int by_id_cmp(const void *x, const void *y, void *userdata)
{
	const struct policy *p = userdata;
	return strcmp(policy_rule_id(p, *(const uint32_t *)x),
	              policy_rule_id(p, *(const uint32_t *)y));
}

static int load_side(struct side *s)
{
	struct policy_error err = { 0 };
	char e[600];
	size_t len = 0;
	int r;

	str_escape(e, sizeof(e), s->path, strlen(s->path));
	r = read_file_bounded(s->path, PORTCULLIS_POLICY_MAX_BYTES, &s->text, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", e, strerror(-r));
		return r;
	}
	r = policy_load_from_bytes(s->text, len, s->path, &s->policy, &err);
	if (r < 0) {
		if (err.line > 0)
			fprintf(stderr, "%s:%d: %s\n", e, err.line, err.reason);
		else
			fprintf(stderr, "%s: %s\n", e, err.reason);
		return r;
	}
	size_t n = policy_n_rules(s->policy);
	s->by_id = calloc(n ? n : 1, sizeof(*s->by_id));
	s->other = calloc(n ? n : 1, sizeof(*s->other));
	if (!s->by_id || !s->other) {
		fprintf(stderr, "%s: out of memory\n", e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		s->by_id[i] = (uint32_t)i;
	qsort_r(s->by_id, n, sizeof(*s->by_id), by_id_cmp, s->policy);
	return 0;
}

static void side_done(struct side *s)
{
	s->policy = policy_free(s->policy);
	free(s->text);
	free(s->by_id);
	free(s->other);
}

/* The index of the rule with this id in s, or -1. */
static int32_t find_rule(const struct side *s, const char *id)
{
	size_t lo = 0, hi = policy_n_rules(s->policy);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(policy_rule_id(s->policy, s->by_id[mid]), id);
		if (c == 0)
			return (int32_t)s->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The names of the keys whose values differ between rule i of a and rule j of b, into buf. The
 * values are compared in one canonical form (policy_rule_key_text(): hex and decimal integers
 * alike, a one-element list as the value); one that cannot be rendered counts as changed. */
static bool rule_changes(const struct policy *a, size_t i, const struct policy *b, size_t j,
                         char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (const char *const *k = policy_rule_keys; *k; k++) {
		char vx[512], vy[512];
		_cleanup_(freep) char *bx = NULL;
		_cleanup_(freep) char *by = NULL;
		const char *x = policy_rule_key_str(a, i, *k, vx, sizeof(vx), &bx);
		const char *y = policy_rule_key_str(b, j, *k, vy, sizeof(vy), &by);
		if (x && y && !strcmp(x, y))
			continue;
		if (o + 1 < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", *k);
	}
	return o > 0;
}

/* Settings and rules; returns the number of differences. */
static unsigned diff_rules(struct side *a, struct side *b)
{
	const struct policy *pa = a->policy, *pb = b->policy;
	char e[200], what[512];
	unsigned n = 0;

	printf("--- %s (serial %" PRIu64 ", %zu rules, mode %s, default %s)\n", a->path,
	       policy_serial(pa), policy_n_rules(pa), policy_mode_to_string(policy_mode(pa)),
	       policy_action_to_string(policy_default_action(pa)));
	printf("+++ %s (serial %" PRIu64 ", %zu rules, mode %s, default %s)\n", b->path,
	       policy_serial(pb), policy_n_rules(pb), policy_mode_to_string(policy_mode(pb)),
	       policy_action_to_string(policy_default_action(pb)));
	if (policy_serial(pb) <= policy_serial(pa))
		printf("! serial %" PRIu64 " is not above %" PRIu64
		       ": hosts that have OLD will refuse NEW (anti-rollback)\n",
		       policy_serial(pb), policy_serial(pa));
	if (policy_mode(pa) != policy_mode(pb)) {
		printf("~ mode: %s -> %s\n", policy_mode_to_string(policy_mode(pa)),
		       policy_mode_to_string(policy_mode(pb)));
		n++;
	}
	if (policy_default_action(pa) != policy_default_action(pb)) {
		printf("~ default: %s -> %s\n", policy_action_to_string(policy_default_action(pa)),
		       policy_action_to_string(policy_default_action(pb)));
		n++;
	}
	if (policy_charge_only(pa) != policy_charge_only(pb)) {
		printf("~ charge_only changed\n");
		n++;
	}
	for (size_t i = 0; i < policy_n_rules(pa); i++)
		a->other[i] = find_rule(b, policy_rule_id(pa, i));
	for (size_t j = 0; j < policy_n_rules(pb); j++)
		b->other[j] = find_rule(a, policy_rule_id(pb, j));
	for (size_t i = 0; i < policy_n_rules(pa); i++)
		if (a->other[i] < 0) {
			printf("- %-32s %-6s (OLD rule %zu)\n",
			       esc_id(e, sizeof(e), policy_rule_id(pa, i)),
			       policy_action_to_string(policy_rule_action(pa, i)), i + 1);
			n++;
		}
	/* First match decides: a rule's place matters, but only relative to the rules both have.
	 * Its rank: how many rules both have come before it on its side. */
	size_t rank_b = 0;
	uint32_t *rank_a = calloc(policy_n_rules(pa) ? policy_n_rules(pa) : 1, sizeof(*rank_a));
	if (!rank_a) {
		fprintf(stderr, "portcullis policy diff: out of memory\n");
		return n + 1;
	}
	for (size_t i = 0, k = 0; i < policy_n_rules(pa); i++) {
		rank_a[i] = (uint32_t)k;
		k += a->other[i] >= 0;
	}
	for (size_t j = 0; j < policy_n_rules(pb); j++) {
		const char *id = policy_rule_id(pb, j);
		int32_t i = b->other[j];
		if (i < 0) {
			printf("+ %-32s %-6s (NEW rule %zu)\n", esc_id(e, sizeof(e), id),
			       policy_action_to_string(policy_rule_action(pb, j)), j + 1);
			n++;
			continue;
		}
		if (rule_changes(pa, (size_t)i, pb, j, what, sizeof(what))) {
			printf("~ %-32s %s\n", esc_id(e, sizeof(e), id), what);
			n++;
		}
		if (rank_a[i] != rank_b) {
			printf("~ %-32s moved: rule %d -> %zu\n", esc_id(e, sizeof(e), id), i + 1,
			       j + 1);
			n++;
		}
		rank_b++;
	}
	free(rank_a);
	return n;
}

/* ---- devices ---- */

struct diff_ctx {
	const struct policy *a, *b;
	int64_t now;
	uint64_t seen, distinct, changed;
	uint64_t *hashes;     /* set of the devices already compared: open addressing, 0 = empty */
	size_t n_hashes, cap; /* cap: a power of two, at least twice n_hashes */
	struct decision *da, *db;
	int error;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Where h is in the set, or the empty slot it would go to. */
static size_t set_slot(const struct diff_ctx *c, uint64_t h)
{
	size_t i = (size_t)(h ^ h >> 29) & (c->cap - 1);
	while (c->hashes[i] && c->hashes[i] != h)
		i = (i + 1) & (c->cap - 1);
	return i;
}

static int set_grow(struct diff_ctx *c)
{
	size_t old_cap = c->cap, cap = old_cap ? 2 * old_cap : 1024;
	uint64_t *old = c->hashes;

	c->hashes = calloc(cap, sizeof(*c->hashes));
	if (!c->hashes) {
		c->hashes = old;
		return -ENOMEM;
	}
	c->cap = cap;
	for (size_t k = 0; k < old_cap; k++)
		if (old[k])
			c->hashes[set_slot(c, old[k])] = old[k];
	free(old);
	return 0;
}

/* One device on one host is compared once, however often it was seen (a fleet's logs can name
 * 100,000 devices: a hash set, not a sorted array). */
static int seen_before(struct diff_ctx *c, const struct usb_device_info *d,
                       const struct seen_where *w)
{
	uint64_t h = 1469598103934665603ull;
	h = fnv(h, w->host ? w->host : "", w->host ? strlen(w->host) + 1 : 1);
	h = fnv(h, d->desc_sha256, 32);
	h = fnv(h, d->serial, strnlen(d->serial, sizeof(d->serial)));
	h = fnv(h, &d->kinds, sizeof(d->kinds));
	h = fnv(h, d->busid, strnlen(d->busid, sizeof(d->busid)));
	h |= !h; /* 0 marks an empty slot */
	if (2 * (c->n_hashes + 1) > c->cap && set_grow(c) < 0)
		return -ENOMEM;
	size_t i = set_slot(c, h);
	if (c->hashes[i] == h)
		return 1;
	c->hashes[i] = h;
	c->n_hashes++;
	return 0;
}

static void decision_text(const struct decision *d, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s%s (%s)", device_verdict_to_string(d->verdict),
	               d->charge_only ? ", charge only" : "", d->rule_id ? d->rule_id : "mixed");
}

static bool same_decision(const struct decision *x, const struct decision *y)
{
	if (x->verdict != y->verdict || x->charge_only != y->charge_only ||
	    x->authorize_device != y->authorize_device || x->n_ifaces != y->n_ifaces)
		return false;
	for (uint16_t i = 0; i < x->n_ifaces; i++)
		if (x->ifaces[i].action != y->ifaces[i].action)
			return false;
	return true;
}

static int on_seen(void *userdata, const struct usb_device_info *dev, const struct seen_where *w)
{
	struct diff_ctx *c = userdata;
	char m[ESC_MAX], p[ESC_MAX], s[ESC_MAX], h[200], ta[160], tb[160];
	int r;

	if (dev->is_root_hub)
		return 0;
	c->seen++;
	r = seen_before(c, dev, w);
	if (r < 0) {
		c->error = r;
		return r;
	}
	if (r > 0)
		return 0;
	c->distinct++;
	struct policy_env env = { .now = c->now, .hostname = w->host, .machine_id = w->machine_id };
	policy_evaluate(c->a, dev, &env, c->da);
	policy_evaluate(c->b, dev, &env, c->db);
	if (same_decision(c->da, c->db))
		return 0;
	c->changed++;
	str_escape(m, sizeof(m), dev->manufacturer, strnlen(dev->manufacturer, USB_STRING_MAX));
	str_escape(p, sizeof(p), dev->product, strnlen(dev->product, USB_STRING_MAX));
	str_escape(s, sizeof(s), dev->serial, strnlen(dev->serial, USB_STRING_MAX));
	str_escape(h, sizeof(h), w->host ? w->host : "?", w->host ? strlen(w->host) : 1);
	decision_text(c->da, ta, sizeof(ta));
	decision_text(c->db, tb, sizeof(tb));
	printf("%s %-10s %-8s %04x:%04x %s%s%s%s%s%s\n    %s -> %s\n",
	       c->da->authorize_device && !c->db->authorize_device ? "!" : "*", h, dev->busid,
	       dev->desc.vid, dev->desc.pid, dev->has_manufacturer ? m : "",
	       dev->has_manufacturer && dev->has_product ? " " : "", dev->has_product ? p : "",
	       dev->has_serial ? " (serial " : " (no serial", dev->has_serial ? s : "", ")", ta,
	       tb);
	for (uint16_t i = 0; i < c->da->n_ifaces && i < c->db->n_ifaces && i < dev->n_ifaces; i++) {
		const struct usb_iface_info *f = &dev->ifaces[i];
		if (c->da->ifaces[i].action == c->db->ifaces[i].action)
			continue;
		printf("      %s:%u.%u %02x/%02x/%02x %-14s %s -> %s\n", dev->busid,
		       f->config_value, f->number, f->cls, f->subclass, f->protocol,
		       usb_kind_to_string(f->kind),
		       policy_action_to_string(c->da->ifaces[i].action),
		       policy_action_to_string(c->db->ifaces[i].action));
	}
	return 0;
}

int cmd_policy_diff(int argc, char **argv)
{
	static const struct option options[] = {
		{ "from-log", required_argument, NULL, 'l' },
		{ "attached", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct side a = { 0 }, b = { 0 };
	const char *dirs[MAX_LOG_DIRS];
	struct seen_stats st = { 0 };
	size_t n_dirs = 0;
	bool attached = false;
	int c, r, ret = 2;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "l:ah", options, NULL)) >= 0) {
		switch (c) {
		case 'l':
			if (n_dirs == MAX_LOG_DIRS) {
				fprintf(stderr, "portcullis policy diff: at most %d --from-log\n",
				        MAX_LOG_DIRS);
				return 2;
			}
			dirs[n_dirs++] = optarg;
			break;
		case 'a':
			attached = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	a.path = argv[optind];
	b.path = argv[optind + 1];
	if (load_side(&a) < 0 || load_side(&b) < 0)
		goto out;

	unsigned n = diff_rules(&a, &b);
	struct diff_ctx ctx = { .a = a.policy, .b = b.policy, .now = clock_realtime_sec() };
	ctx.da = malloc(sizeof(*ctx.da));
	ctx.db = malloc(sizeof(*ctx.db));
	if (!ctx.da || !ctx.db) {
		fprintf(stderr, "portcullis policy diff: out of memory\n");
		goto devices_out;
	}
	if (n_dirs || attached)
		printf("Devices whose decision changes (! = loses access, * = other change):\n");
	for (size_t i = 0; i < n_dirs; i++) {
		char e[600];
		r = seen_from_log(dirs[i], on_seen, &ctx, &st);
		if (r < 0) {
			str_escape(e, sizeof(e), dirs[i], strlen(dirs[i]));
			fprintf(stderr, "%s: %s\n", e,
			        ctx.error      ? strerror(-ctx.error)
			        : r == -ENOENT ? "no incident log or collected lines in it"
			                       : strerror(-r));
			goto devices_out;
		}
	}
	if (attached) {
		struct cli_host host;
		cli_host_read(&host, NULL);
		struct seen_where here = { host.hostname,
			                   host.machine_id[0] ? host.machine_id : NULL,
			                   clock_realtime_usec() };
		r = seen_attached(&here, on_seen, &ctx);
		if (r < 0) {
			fprintf(stderr,
			        "portcullis policy diff: cannot enumerate USB devices: %s\n",
			        strerror(-(ctx.error ? ctx.error : r)));
			goto devices_out;
		}
	}
	if (st.bad_lines)
		fprintf(stderr,
		        "portcullis policy diff: warning: %" PRIu64
		        " line(s) skipped (not records), first: %s\n",
		        st.bad_lines, st.first_bad);
	if (n_dirs || attached)
		printf("%" PRIu64 " of %" PRIu64 " distinct devices (%" PRIu64
		       " sightings) change decision.\n",
		       ctx.changed, ctx.distinct, ctx.seen);
	printf("%u rule/setting difference%s.\n", n, n == 1 ? "" : "s");
	ret = n || ctx.changed ? 1 : 0;
devices_out:
	free(ctx.hashes);
	free(ctx.da);
	free(ctx.db);
out:
	side_done(&a);
	side_done(&b);
	return ret;
}
