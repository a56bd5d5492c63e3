/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policies at fleet scale (issue 15): a generated 100,000-rule allow-list of the shape
 * "policy generate" writes, one rule per registered stick, loaded and evaluated through the index
 * and checked against the linear reference scan; the same list written compactly (one rule with a
 * serial list) decides the same; the loader's fast path builds exactly what the whole-text path
 * builds, errors included; the lint is linear.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/lang/policy.h"
#include "policy/lang/policy_internal.h"

#define K(k)    USB_KIND_BIT(USB_KIND_##k)
#define N_FLEET 100000
#define VID     0x0781
#define PID     0x5567

struct text {
	char *s;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (!t->s) {
		t->cap = 4096;
		t->s = malloc(t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
}

/* The shape: one rule per device; or (list) one rule with every serial. */
static struct text fleet_text(size_t n, bool list)
{
	struct text t = { 0 };
	add(&t, "version = 1;\nserial = 1;\ndefault = \"block\";\nrules = (\n"
	        "  { id = \"input\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; },\n");
	if (list) {
		add(&t,
		    "  { id = \"fleet-sticks\"; action = \"allow\"; vid = 0x0781; pid = 0x5567;\n"
		    "    kind = \"mass-storage\"; serial = [\n");
		for (size_t i = 0; i < n; i++)
			add(&t, "      \"SN%08zu\"%s\n", i, i + 1 < n ? "," : "");
		add(&t, "    ]; },\n");
	} else
		for (size_t i = 0; i < n; i++)
			add(&t,
			    "  { id = \"s%06zu\"; action = \"allow\"; vid = 0x0781; pid = 0x5567; "
			    "serial = \"SN%08zu\"; kind = \"mass-storage\"; },\n",
			    i, i);
	add(&t, "  { id = \"no-storage\"; action = \"block\"; kind = \"mass-storage\"; }\n);\n");
	return t;
}

static struct policy *load_how(const struct text *t, bool fast)
{
	struct policy *p = NULL;
	struct policy_error err = { 0 };
	int r = policy_load_from_bytes_how(t->s, t->len, "fleet", fast, &p, &err);
	ck_assert_msg(r == 0, "policy did not load: %d: %s", err.line, err.reason);
	return p;
}

static void make_device(struct usb_device_info *d, uint16_t vid, uint16_t pid, const char *serial,
                        usb_kind_mask kinds, uint8_t cls)
{
	memset(d, 0, sizeof(*d));
	d->desc.vid = vid;
	d->desc.pid = pid;
	strcpy(d->busid, "1-2");
	if (serial) {
		d->has_serial = true;
		snprintf(d->serial, sizeof(d->serial), "%s", serial);
	}
	d->n_ifaces = 1;
	d->ifaces[0] = (struct usb_iface_info){
		.config_value = 1, .cls = cls, .kinds = kinds, .first_alt = 0, .n_alts = 1
	};
	d->desc.n_alts = 1;
	d->desc.alts[0] = (struct usb_iface_alt){ .config_value = 1, .cls = cls };
	d->kinds = kinds;
}

/* Index and linear scan agree on everything; returns the action. */
static enum policy_action decide(const struct policy *p, const struct usb_device_info *d,
                                 const char **ret_rule)
{
	static const struct policy_env env = { .now = 1800000000, .hostname = "ws-1" };
	static struct decision a, b;
	policy_evaluate(p, d, &env, &a);
	policy_evaluate_linear(p, d, &env, &b);
	ck_assert_int_eq(a.verdict, b.verdict);
	ck_assert_int_eq(a.authorize_device, b.authorize_device);
	ck_assert_int_eq(a.n_ifaces, b.n_ifaces);
	ck_assert_int_eq(a.ifaces[0].action, b.ifaces[0].action);
	ck_assert_int_eq(a.ifaces[0].rule_index, b.ifaces[0].rule_index);
	ck_assert_str_eq(a.rule_id, b.rule_id);
	*ret_rule = a.rule_id;
	return a.ifaces[0].action;
}

/* Devices spread over the list, and the ones it must not let in. */
static void check_fleet_decisions(const struct policy *p, bool list)
{
	struct usb_device_info *d = malloc(sizeof(*d));
	const char *rule;
	char sn[32], id[32];

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < N_FLEET; i += 997) {
		snprintf(sn, sizeof(sn), "SN%08zu", i);
		snprintf(id, sizeof(id), "s%06zu", i);
		make_device(d, VID, PID, sn, K(MASS_STORAGE), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_ALLOW);
		ck_assert_str_eq(rule, list ? "fleet-sticks" : id);
		/* the same serial on another product, or vendor: not registered */
		make_device(d, VID, PID + 1, sn, K(MASS_STORAGE), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
		ck_assert_str_eq(rule, "no-storage");
		make_device(d, VID + 1, PID, sn, K(MASS_STORAGE), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
		/* a registered stick that also claims to be a keyboard: allow needs every kind */
		make_device(d, VID, PID, sn, K(MASS_STORAGE) | K(HID), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
		/* a serial that is only a prefix or an extension of a listed one */
		sn[strlen(sn) - 1] = '\0';
		make_device(d, VID, PID, sn, K(MASS_STORAGE), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
		snprintf(sn, sizeof(sn), "SN%08zu0", i);
		make_device(d, VID, PID, sn, K(MASS_STORAGE), 8);
		ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
	}
	make_device(d, VID, PID, NULL, K(MASS_STORAGE), 8); /* no serial at all */
	ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
	snprintf(sn, sizeof(sn), "SN%08d", N_FLEET); /* one past the end */
	make_device(d, VID, PID, sn, K(MASS_STORAGE), 8);
	ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_BLOCK);
	make_device(d, 0x046d, 0xc31c, NULL, K(HID), 3); /* a keyboard */
	ck_assert_int_eq(decide(p, d, &rule), POLICY_ACTION_ALLOW);
	ck_assert_str_eq(rule, "input");
	free(d);
}

START_TEST(test_fleet_one_rule_per_device)
{
	struct text t = fleet_text(N_FLEET, false);
	struct policy *p = load_how(&t, true);

	ck_assert_uint_eq(policy_n_rules(p), N_FLEET + 2);
	/* every rule read by the fast reader, none by libconfig */
	ck_assert_uint_eq(p->chunks_libconfig, 0);
	ck_assert_uint_ge(p->chunks_fast, N_FLEET / 256);
	ck_assert_str_eq(policy_rule_id(p, 1), "s000000");
	ck_assert_int_eq(policy_rule_line(p, 1), 6);
	ck_assert_int_eq(policy_rule_line(p, N_FLEET), N_FLEET + 5);
	ck_assert_str_eq(policy_rule_id(p, N_FLEET + 1), "no-storage");
	/* compact: the vid and pid lists of 100,000 rules are one list each */
	ck_assert_ptr_eq(p->rules[1].vids, p->rules[N_FLEET].vids);
	ck_assert_ptr_eq(p->rules[1].pids, p->rules[N_FLEET].pids);
	/* every allow rule is filed under its serial: only "input" and "no-storage" are generic */
	ck_assert_uint_eq(p->index.n_generic, 2);
	check_fleet_decisions(p, false);
	/* the lint is O(1) per rule: nothing here can shadow anything */
	for (size_t i = 0; i < policy_n_rules(p); i++)
		ck_assert_int_eq(policy_rule_shadowed_by(p, i), -1);
	policy_free(p);
	free(t.s);
}
END_TEST

START_TEST(test_fleet_serial_list)
{
	struct text t = fleet_text(N_FLEET, true);
	struct policy *p = load_how(&t, true);

	ck_assert_uint_eq(policy_n_rules(p), 3);
	ck_assert_uint_eq(p->chunks_libconfig, 0);
	ck_assert_uint_eq(p->rules[1].n_serials, N_FLEET);
	ck_assert_str_eq(p->rules[1].serials[N_FLEET - 1], "SN00099999");
	check_fleet_decisions(p, true);
	policy_free(p);
	free(t.s);
}
END_TEST

/* Rules of every key and odd (but valid) layouts, loaded both ways. */
static struct text varied_text(size_t n)
{
	struct text t = { 0 };
	add(&t, "# a fleet policy\nversion = 1;\nserial = 7L;\nkey_id = \"k\";\n"
	        "transfer_alert = { files = 1000; };\n"
	        "rules : ( /* { not a rule ( */\n");
	for (size_t i = 0; i < n; i++) {
		switch (i % 8) {
		case 0:
			add(&t, "{ id = \"r%zu\"; action = \"allow\"; serial = \"A\\\"}%zu\"; }", i,
			    i);
			break;
		case 1:
			add(&t,
			    "{\n  id = \"r%zu\";\n  action = \"log\"; scope = \"device\";\n"
			    "  vid = [ 0x%04zx, %zu ]; pid = ( 1, 2 );\n  comment = \"shared\";\n}",
			    i, i & 0xffff, i % 1000);
			break;
		case 2:
			add(&t,
			    "{ id = \"r%zu\"; action = \"block\"; class = [ \"08:*:*\", "
			    "\"ff:42:01\" ]; "
			    "kind = ( \"adb\" ); product = \"*Blade*\"; }",
			    i);
			break;
		case 3:
			add(&t,
			    "{ id = \"r%zu\"; action = \"allow\"; hash = "
			    "\"%064zx\"; port = [ \"1-*\" ]; manufacturer = \"San\\x44isk\"; }",
			    i, i);
			break;
		case 4:
			add(&t,
			    "{ id : \"r%zu\", action : \"allow\", serial : [ \"x%zu\", \"y\" ] }",
			    i, i);
			break;
		default:
			add(&t, "{ id = \"r%zu\"; # a comment, with a }\n action = \"allow\"; }",
			    i);
			break;
		}
		add(&t, "%s", i + 1 < n ? (i % 5 ? ",\n" : "\n , // next\n") : "\n");
	}
	add(&t, ");\nmode = \"audit\";\n");
	return t;
}

static void check_same(const struct policy *a, const struct policy *b)
{
	ck_assert_uint_eq(a->n_rules, b->n_rules);
	ck_assert_uint_eq(a->serial, b->serial);
	ck_assert_int_eq(a->mode, b->mode);
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct policy_rule *x = &a->rules[i], *y = &b->rules[i];
		ck_assert_str_eq(x->id, y->id);
		ck_assert_int_eq(x->line, y->line);
		ck_assert_int_eq(x->action, y->action);
		ck_assert_int_eq(x->scope, y->scope);
		ck_assert_uint_eq(x->kinds, y->kinds);
		ck_assert_uint_eq(x->n_serials, y->n_serials);
		for (uint32_t k = 0; k < x->n_serials; k++)
			ck_assert_str_eq(x->serials[k], y->serials[k]);
		ck_assert_uint_eq(x->n_vids, y->n_vids);
		if (x->n_vids)
			ck_assert_mem_eq(x->vids, y->vids, x->n_vids * 2);
		ck_assert_uint_eq(x->n_pids, y->n_pids);
		ck_assert_uint_eq(x->x->n_classes, y->x->n_classes);
		if (x->x->n_classes)
			ck_assert_mem_eq(x->x->classes, y->x->classes,
			                 x->x->n_classes * sizeof(*x->x->classes));
		ck_assert_uint_eq(x->x->n_hashes, y->x->n_hashes);
		if (x->x->n_hashes)
			ck_assert_mem_eq(x->x->hashes, y->x->hashes, x->x->n_hashes * 32);
		ck_assert_uint_eq(x->x->n_manufacturers, y->x->n_manufacturers);
		for (uint32_t k = 0; k < x->x->n_manufacturers; k++)
			ck_assert_str_eq(x->x->manufacturers[k], y->x->manufacturers[k]);
		ck_assert_uint_eq(x->x->n_products, y->x->n_products);
		ck_assert_uint_eq(x->x->n_ports, y->x->n_ports);
		ck_assert_int_eq(!x->x->comment, !y->x->comment);
		ck_assert_int_eq(x->limited, y->limited);
		ck_assert_int_eq(x->x->not_before, y->x->not_before);
		ck_assert_int_eq(x->x->not_after, y->x->not_after);
		ck_assert_uint_eq(x->x->n_hosts, y->x->n_hosts);
		for (uint32_t k = 0; k < x->x->n_hosts; k++)
			ck_assert_str_eq(x->x->hosts[k], y->x->hosts[k]);
		ck_assert_int_eq(!x->x->limit, !y->x->limit);
		if (x->x->limit) {
			ck_assert_uint_eq(x->x->limit->bytes, y->x->limit->bytes);
			ck_assert_uint_eq(x->x->limit->files, y->x->limit->files);
			ck_assert_int_eq(x->x->limit->action, y->x->limit->action);
			ck_assert_int_eq(x->x->limit->line, y->x->limit->line);
		}
	}
	ck_assert_int_eq(!a->limit, !b->limit);
	if (a->limit)
		ck_assert_uint_eq(a->limit->files, b->limit->files);
}

START_TEST(test_fast_path_equals_whole_text)
{
	struct text t = varied_text(3000);
	struct policy *a = load_how(&t, true), *b = load_how(&t, false);

	check_same(a, b);
	/* the comparison means something: the fast reader read (almost) every chunk */
	ck_assert_uint_ge(a->chunks_fast, 10);
	ck_assert_uint_eq(b->chunks_fast + b->chunks_libconfig, 0);
	ck_assert_str_eq(a->rules[0].serials[0], "A\"}0");
	ck_assert_str_eq(a->rules[3].x->manufacturers[0], "SanDisk");
	/* interned: one copy of the comment shared by 500 rules */
	ck_assert_ptr_eq(a->rules[1].x->comment, a->rules[2993].x->comment);
	policy_free(a);
	policy_free(b);
	free(t.s);
}
END_TEST

/* The same error, line and reason, whichever path finds it. */
static void check_same_error(const char *text)
{
	struct policy *p = NULL;
	struct policy_error e1 = { 0 }, e2 = { 0 };
	int r1 = policy_load_from_bytes_how(text, strlen(text), "x", true, &p, &e1);
	int r2 = policy_load_from_bytes_how(text, strlen(text), "x", false, &p, &e2);
	ck_assert_int_lt(r1, 0);
	ck_assert_int_eq(r1, r2);
	ck_assert_int_eq(e1.line, e2.line);
	ck_assert_str_eq(e1.reason, e2.reason);
}

static char *replace(const struct text *t, const char *what, const char *with)
{
	char *at = strstr(t->s, what);
	ck_assert_ptr_nonnull(at);
	char *s = malloc(t->len + strlen(with) + 1);
	ck_assert_ptr_nonnull(s);
	size_t head = (size_t)(at - t->s);
	memcpy(s, t->s, head);
	strcpy(s + head, with);
	strcat(s, at + strlen(what));
	return s;
}

START_TEST(test_fast_path_errors)
{
	struct text t = varied_text(1200);
	char *a = replace(&t, "\"r700\"", "\"r7\""), *b, *c;

	check_same_error(a); /* duplicate id, far apart */
	b = replace(&t, "{ id = \"r904\"; action = \"allow\"; serial",
	            "{ id = \"r904\"; action = = \"allow\"; serial");
	check_same_error(b); /* a syntax error late */
	free(b);
	b = replace(&t, "id = \"r16\"; action = \"allow\"; serial", "id = \"r16\"; serial = 5; x");
	check_same_error(b); /* semantic error early ... */
	c = replace(&(struct text){ .s = b, .len = strlen(b) }, "{ id = \"r1101\"; # a comment",
	            "{ id = \"r1101\"; id, # a comment");
	check_same_error(c); /* ... but a syntax error later comes first */
	free(c);
	free(b);
	b = replace(&t, "mode = \"audit\"", "mode = \"audit\"; rules = ()");
	check_same_error(b); /* a second rules list */
	free(b);
	b = replace(&t, "serial = 7L;", "serial = 7L; bogus = 1;");
	check_same_error(b); /* a top-level error before the rules */
	free(b);
	free(a);
	free(t.s);
}
END_TEST

/* Syntax the fast reader leaves to libconfig: the same result (a policy or an error) either way. */
START_TEST(test_fast_reader_gives_up)
{
	static const char *const odd[] = {
		"comment = \"con\" \"cat\";", /* adjacent strings */
		"serial = \"a\\qb\";",        /* an escape libconfig keeps as a backslash */
		"serial = \"a\\x00b\";",      /* a NUL by escape */
		"pid = 010;",                 /* a leading zero */
		"kind = [ \"hid\", ];",       /* a trailing comma */
		"kind = [ \"hid\", 3 ];",     /* a mixed array */
		"ID = \"x\";",                /* a name differing from "id" in case only */
		"vid = 1.0;",                 /* a float */
		"vid = true;",                /* a boolean */
		"vid = 0x10L;",               /* 64-bit hex */
		"vid = +5;",                  /* a sign */
		"hosts = ( ( \"a\" ) );",     /* a list in a list */
		"transfer_alert = { files = 1; x = { y = 1; }; };", /* a group in a group in a rule
		                                                     */
		"serial = \"multi\nline\";",                        /* a raw newline in a string */
		"action = \"allow\" kind = \"hid\"",                /* no terminators at all */
	};
	for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		struct text t = { 0 };
		add(&t, "version = 1;\nserial = 1;\nrules = (\n");
		for (size_t i = 0; i < 600; i++)
			add(&t, "  { id = \"r%zu\"; action = \"allow\"; %s }%s\n", i,
			    i == 300 ? odd[k] : "serial = \"s\";", i + 1 < 600 ? "," : "");
		add(&t, ");\n");
		struct policy *a = NULL, *b = NULL;
		struct policy_error ea = { 0 }, eb = { 0 };
		int ra = policy_load_from_bytes_how(t.s, t.len, "x", true, &a, &ea);
		int rb = policy_load_from_bytes_how(t.s, t.len, "x", false, &b, &eb);
		ck_assert_msg(ra == rb, "%s: %d vs %d (%s / %s)", odd[k], ra, rb, ea.reason,
		              eb.reason);
		if (ra < 0) {
			ck_assert_int_eq(ea.line, eb.line);
			ck_assert_str_eq(ea.reason, eb.reason);
		} else {
			check_same(a, b);
			ck_assert_uint_ge(a->chunks_fast, 1); /* the other chunks */
		}
		policy_free(a);
		policy_free(b);
		free(t.s);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy_fleet");
	TCase *tc = tcase_create("fleet");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fleet_one_rule_per_device);
	tcase_add_test(tc, test_fleet_serial_list);
	tcase_add_test(tc, test_fast_path_equals_whole_text);
	tcase_add_test(tc, test_fast_path_errors);
	tcase_add_test(tc, test_fast_reader_gives_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
