/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fleet report's aggregation (agent/events/report.c) and outputs (report_render.c) on chains
 * made by the real encoder (event_to_json + log_record_encode): counts, honest decision views,
 * integrity (gaps, events_lost, edits, resends, torn and malformed lines), silence, filters, caps
 * and escaping in every output.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/events/event_class.h"
#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "agent/events/report.h"
#include "agent/events/report_render.h"
#include "events_fixture.h"

#define T0   1795000000000000LL /* 2026-11-18T11:06:40Z */
#define MIN  60000000LL
#define HOUR 3600000000LL

struct chain {
	struct events_fixture fx;
	struct report *r;
	uint64_t seq;
	char prev[LOG_HASH_HEX_LEN + 1];
	char *last_line; /* the last line made, owned */
	size_t last_len;
};

static void chain_init(struct chain *c, struct report *r, const char *host, const char *source)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(events_fixture_init(&c->fx), 0);
	c->fx.host.hostname = host;
	c->r = r;
	strcpy(c->prev, LOG_ZERO_HASH);
	ck_assert_int_eq(report_begin_source(r, source), 0);
}

static void chain_done(struct chain *c)
{
	free(c->last_line);
	events_fixture_done(&c->fx);
}

/* Makes the record for ev with seq (0 = next), optionally patched with extra JSON keys and a
 * different type; feed = hand it to the report. */
static void put_ex(struct chain *c, const struct event *ev, uint64_t seq, const char *type,
                   const char *extra_key, json_object *extra, bool feed)
{
	char *json = NULL, *line = NULL;
	size_t len = 0, llen = 0;

	c->seq = seq ? seq : c->seq + 1;
	ck_assert_int_eq(event_to_json(ev, c->seq, &c->fx.host, &json, &len), 0);
	if (type || extra) {
		json_object *o = json_tokener_parse(json);
		ck_assert_ptr_nonnull(o);
		if (type)
			json_object_object_add(o, "type", json_object_new_string(type));
		if (extra)
			json_object_object_add(o, extra_key, extra);
		free(json);
		json = strdup(json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		len = strlen(json);
		json_object_put(o);
	}
	ck_assert_int_eq(log_record_encode(json, len, c->prev, &line, &llen), 0);
	log_record_hash(line, llen, c->prev);
	if (feed)
		ck_assert_int_eq(report_feed_line(c->r, line, llen, false), 0);
	free(c->last_line);
	c->last_line = line;
	c->last_len = llen;
	free(json);
}

static void put(struct chain *c, enum event_type t, int64_t time)
{
	struct event ev = events_fixture_event(&c->fx, t, time);
	put_ex(c, &ev, 0, NULL, NULL, NULL, true);
}

static void put_decision(struct chain *c, int64_t time, enum device_verdict v, bool charge_only,
                         bool noteworthy, bool audit, const char *user)
{
	struct event ev = events_fixture_event(&c->fx, EVENT_DEVICE_DECISION, time);
	struct decision d = c->fx.dec;
	d.verdict = v;
	d.charge_only = charge_only;
	d.noteworthy = noteworthy;
	ev.decision = &d;
	ev.audit_override = audit;
	ev.seat_user = user;
	put_ex(c, &ev, 0, NULL, NULL, NULL, true);
}

static json_object *transfer_obj(int64_t to, const char *started)
{
	json_object *t = json_object_new_object();
	json_object_object_add(t, "to_device_bytes", json_object_new_int64(to));
	json_object_object_add(t, "from_device_bytes", json_object_new_int64(0));
	json_object_object_add(t, "started", json_object_new_string(started));
	return t;
}

static const struct report_host *host_named(const struct report_result *res, const char *name)
{
	for (size_t i = 0; i < res->n_hosts; i++)
		if (!strcmp(res->hosts[i].host, name))
			return &res->hosts[i];
	ck_abort_msg("no host %s", name);
	return NULL;
}

static char *render(const struct report_result *res, enum report_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(report_render(res, f, out), 0);
	fclose(out);
	return buf;
}

/* Every event type this version writes has a syslog severity, MSGID and journald MESSAGE_ID. */
START_TEST(test_every_type_has_a_class)
{
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		const char *name = event_type_to_string((enum event_type)t);
		ck_assert_ptr_nonnull(name);
		ck_assert_msg(event_class_of(name, strlen(name)) != NULL, "no class for %s", name);
	}
	ck_assert_ptr_null(event_class_of("device_decisio", 14));
}
END_TEST

START_TEST(test_decision_views)
{
	ck_assert_int_eq(decision_view_of(false, DEVICE_VERDICT_ALLOW, false, false),
	                 DECISION_VIEW_ALLOW);
	ck_assert_int_eq(decision_view_of(false, DEVICE_VERDICT_ALLOW, false, true),
	                 DECISION_VIEW_LOG);
	ck_assert_int_eq(decision_view_of(false, DEVICE_VERDICT_PARTIAL, true, false),
	                 DECISION_VIEW_CHARGE_ONLY);
	ck_assert_int_eq(decision_view_of(false, DEVICE_VERDICT_BLOCK, false, false),
	                 DECISION_VIEW_BLOCK);
	ck_assert_int_eq(decision_view_of(false, DEVICE_VERDICT_PARTIAL, false, false),
	                 DECISION_VIEW_BLOCK);
	ck_assert_int_eq(decision_view_of(true, DEVICE_VERDICT_BLOCK, false, false),
	                 DECISION_VIEW_AUDIT_BLOCK);
	ck_assert_int_eq(decision_view_of(true, DEVICE_VERDICT_PARTIAL, true, false),
	                 DECISION_VIEW_AUDIT_BLOCK);
	ck_assert_int_eq(decision_view_of(true, DEVICE_VERDICT_ALLOW, false, true),
	                 DECISION_VIEW_LOG);
	ck_assert_str_eq(decision_view_words(DECISION_VIEW_AUDIT_BLOCK, false),
	                 "would block (audit)");
	ck_assert_str_eq(decision_view_words(DECISION_VIEW_LOG, false), "allowed, logged");
	ck_assert_str_eq(decision_view_words(DECISION_VIEW_CHARGE_ONLY, false), "charge only");
	ck_assert_int_eq(decision_view_from_key("audit-block"), DECISION_VIEW_AUDIT_BLOCK);
	ck_assert_int_eq(decision_view_from_key("charge_only"), DECISION_VIEW_CHARGE_ONLY);
	ck_assert_int_lt(decision_view_from_key("allowed"), 0);
	ck_assert_int_lt(decision_view_from_key(""), 0);
}
END_TEST

/* Known counts on one host, every decision view, tamper, transfer, policy rows. */
START_TEST(test_counts)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");

	put(&c, EVENT_AGENT_STARTED, T0);
	for (int i = 0; i < 3; i++)
		put_decision(&c, T0 + MIN, DEVICE_VERDICT_ALLOW, false, false, false, "alice");
	put_decision(&c, T0 + 2 * MIN, DEVICE_VERDICT_ALLOW, false, true, false, "alice");
	put_decision(&c, T0 + 3 * MIN, DEVICE_VERDICT_PARTIAL, true, false, false, "bob");
	put_decision(&c, T0 + 4 * MIN, DEVICE_VERDICT_BLOCK, false, false, false, "bob");
	put_decision(&c, T0 + 5 * MIN, DEVICE_VERDICT_BLOCK, false, false, true, "bob");
	put(&c, EVENT_TAMPER, T0 + 6 * MIN);
	put(&c, EVENT_POLICY_REJECTED, T0 + 7 * MIN);
	/* one transfer session reported in two periods, and another session */
	struct event ev = events_fixture_event(&c.fx, EVENT_DEVICE_REMOVED, T0 + 8 * MIN);
	put_ex(&c, &ev, 0, "transfer", "transfer", transfer_obj(1000, "2026-11-18T11:10:00Z"),
	       true);
	put_ex(&c, &ev, 0, "transfer", "transfer", transfer_obj(5000, "2026-11-18T11:20:00Z"),
	       true);
	put_ex(&c, &ev, 0, "transfer", "transfer", transfer_obj(700, "2026-11-18T12:00:00Z"), true);
	put_ex(&c, &ev, 0, "transfer_alert", "transfer", transfer_obj(6000, "x"), true);
	put(&c, EVENT_HEARTBEAT, T0 + 25 * HOUR);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);

	const struct report_result *res = report_result(r);
	ck_assert_uint_eq(res->n_hosts, 1);
	const struct report_host *h = &res->hosts[0];
	ck_assert_str_eq(h->host, "ws-01");
	ck_assert_uint_eq(h->events, 15);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_ALLOW], 3);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_LOG], 1);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_CHARGE_ONLY], 1);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_BLOCK], 1);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_AUDIT_BLOCK], 1);
	ck_assert_uint_eq(h->tamper, 1);
	ck_assert_uint_eq(h->transfer_bytes, 6700);
	ck_assert_uint_eq(h->transfer_alerts, 1);
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_OK);
	ck_assert_uint_eq(res->tamper.n, 1);
	ck_assert_uint_eq(res->policy.n, 1);
	ck_assert_uint_eq(res->transfer_alerts.n, 1);
	ck_assert_uint_eq(res->transfer_alerts.rows[0].bytes, 6000);
	ck_assert_uint_eq(res->n_users, 2);
	ck_assert_str_eq(res->users[0].user, "alice"); /* 4 events before bob's 3 */
	ck_assert_uint_eq(res->users[1].decisions[DECISION_VIEW_AUDIT_BLOCK], 1);
	ck_assert_uint_eq(res->n_days, 2);
	ck_assert_uint_eq(res->days[0].transfer_bytes, 6700);
	ck_assert_uint_eq(res->days[0].series[REPORT_SERIES_TAMPER], 1);
	ck_assert_uint_eq(res->days[1].series[REPORT_SERIES_HEARTBEAT], 1);
	ck_assert_uint_eq(res->n_devices, 1);
	ck_assert_uint_eq(res->devices[0].transfer_bytes, 6700);

	char *json = render(res, REPORT_FORMAT_JSON);
	json_object *o = json_tokener_parse(json);
	ck_assert_ptr_nonnull(o);
	json_object *hosts, *h0, *v, *dec;
	ck_assert(json_object_object_get_ex(o, "hosts", &hosts));
	h0 = json_object_array_get_idx(hosts, 0);
	const char *keys[] = { "host",      "events", "first",          "last",
		               "decisions", "tamper", "transfer_bytes", "policy_serial",
		               "integrity", "gaps" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_object_get_ex(h0, keys[i], &v), "key %s", keys[i]);
	ck_assert(json_object_object_get_ex(h0, "decisions", &dec));
	const char *dkeys[] = { "allow", "block", "charge_only", "audit_block", "log" };
	for (size_t i = 0; i < 5; i++) {
		ck_assert(json_object_object_get_ex(dec, dkeys[i], &v));
		ck_assert_int_eq(json_object_get_int(v), i == 0 ? 3 : 1);
	}
	json_object_object_get_ex(h0, "integrity", &v);
	ck_assert_str_eq(json_object_get_string(v), "ok");
	json_object_object_get_ex(h0, "first", &v);
	ck_assert_str_eq(json_object_get_string(v), "2026-11-18T11:06:40.000000Z");
	json_object_put(o);
	free(json);
	chain_done(&c);
	report_free(r);
}
END_TEST

/* Builds records 1..n of one host, and hands the report all but the ones skip says. */
static const struct report_host *run_chain(struct report *r, struct chain *c, unsigned n,
                                           unsigned skip_from, unsigned skip_to)
{
	for (unsigned i = 1; i <= n; i++) {
		struct event ev = events_fixture_event(&c->fx, EVENT_HEARTBEAT, T0 + i * MIN);
		put_ex(c, &ev, 0, NULL, NULL, NULL, i < skip_from || i > skip_to);
	}
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	return &report_result(r)->hosts[0];
}

START_TEST(test_deleted_record_is_gap)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	const struct report_host *h = run_chain(r, &c, 20, 7, 7);
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_GAP);
	ck_assert_uint_eq(h->n_gaps, 1);
	ck_assert_uint_eq(h->gaps[0].first_seq, 7);
	ck_assert_uint_eq(h->gaps[0].last_seq, 7);
	ck_assert_ptr_nonnull(strstr(h->details, "records 7..7 missing"));
	char *json = render(report_result(r), REPORT_FORMAT_JSON);
	ck_assert_ptr_nonnull(strstr(json, "\"integrity\":\"gap\""));
	ck_assert_ptr_nonnull(strstr(json, "\"gaps\":[{\"first_seq\":7,\"last_seq\":7}]"));
	free(json);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_events_lost_explains_gap)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	for (unsigned i = 1; i <= 10; i++)
		put(&c, EVENT_HEARTBEAT, T0 + i * MIN);
	/* 11..15 could not be appended; the agent says so with seq 16 (chained to record 10) */
	json_object *extra = json_object_new_int64(5);
	struct event ev = events_fixture_event(&c.fx, EVENT_AGENT_STARTED, T0 + 20 * MIN);
	c.seq = 15;
	char *json = NULL, *line = NULL;
	size_t len, llen;
	ck_assert_int_eq(event_to_json(&ev, 16, &c.fx.host, &json, &len), 0);
	json_object *o = json_tokener_parse(json);
	json_object_object_add(o, "type", json_object_new_string("events_lost"));
	json_object_object_add(o, "count", extra);
	json_object_object_add(o, "first_seq", json_object_new_int64(11));
	json_object_object_add(o, "last_seq", json_object_new_int64(15));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_int_eq(log_record_encode(s, strlen(s), c.prev, &line, &llen), 0);
	ck_assert_int_eq(report_feed_line(r, line, llen, false), 0);
	log_record_hash(line, llen, c.prev);
	c.seq = 16;
	put(&c, EVENT_HEARTBEAT, T0 + 21 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_msg(h->integrity == REPORT_INTEGRITY_OK, "%s", h->details);
	ck_assert_uint_eq(h->lost, 5);
	ck_assert_uint_eq(h->n_gaps, 0);
	ck_assert_uint_eq(h->last_seq, 17);
	json_object_put(o);
	free(json);
	free(line);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_events_lost_does_not_explain_more)
{
	/* events_lost names 11..12 but 11..15 are missing: still a gap (13..15) */
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	for (unsigned i = 1; i <= 10; i++)
		put(&c, EVENT_HEARTBEAT, T0 + i * MIN);
	struct event ev = events_fixture_event(&c.fx, EVENT_AGENT_STARTED, T0 + 20 * MIN);
	ev.policy = NULL; /* the recorder's own records carry no policy */
	char *json = NULL, *line = NULL;
	size_t len, llen;
	ck_assert_int_eq(event_to_json(&ev, 16, &c.fx.host, &json, &len), 0);
	json_object *o = json_tokener_parse(json);
	json_object_object_add(o, "type", json_object_new_string("events_lost"));
	json_object_object_add(o, "count", json_object_new_int64(2));
	json_object_object_add(o, "first_seq", json_object_new_int64(11));
	json_object_object_add(o, "last_seq", json_object_new_int64(12));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_int_eq(log_record_encode(s, strlen(s), c.prev, &line, &llen), 0);
	ck_assert_int_eq(report_feed_line(r, line, llen, false), 0);
	json_object_put(o);
	free(json);
	free(line);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_GAP);
	ck_assert_uint_eq(h->n_gaps, 1);
	ck_assert_uint_eq(h->gaps[0].first_seq, 13);
	ck_assert_uint_eq(h->gaps[0].last_seq, 15);
	chain_done(&c);
	report_free(r);
}
END_TEST

/* Flood control: a "repeated" record counts the records it stands for, as the one it names. */
START_TEST(test_repeated)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	put_decision(&c, T0, DEVICE_VERDICT_BLOCK, false, false, false, "bob"); /* seq 1 */
	put(&c, EVENT_HEARTBEAT, T0 + MIN);
	struct event ev = events_fixture_event(&c.fx, EVENT_AGENT_STARTED, T0 + 2 * MIN);
	ev.policy = NULL;
	json_object *x = json_object_new_int64(4);
	char *json = NULL, *line = NULL;
	size_t len, llen;
	ck_assert_int_eq(event_to_json(&ev, 3, &c.fx.host, &json, &len), 0);
	json_object *o = json_tokener_parse(json);
	json_object_object_add(o, "type", json_object_new_string("repeated"));
	json_object_object_add(o, "repeated_type", json_object_new_string("device_decision"));
	json_object_object_add(o, "count", x);
	json_object_object_add(o, "same_as_seq", json_object_new_int64(1));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_int_eq(log_record_encode(s, strlen(s), c.prev, &line, &llen), 0);
	ck_assert_int_eq(report_feed_line(r, line, llen, false), 0);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_result *res = report_result(r);
	const struct report_host *h = &res->hosts[0];
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_OK);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_BLOCK], 5);
	ck_assert_uint_eq(h->events, 3 + 4);
	ck_assert_uint_eq(res->devices[0].decisions[DECISION_VIEW_BLOCK], 5);
	ck_assert_uint_eq(res->users[0].events, 5);
	ck_assert_uint_eq(res->days[0].series[REPORT_SERIES_BLOCK], 5);
	json_object_put(o);
	free(json);
	free(line);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_modified_record_is_broken)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	for (unsigned i = 1; i <= 5; i++)
		put(&c, EVENT_HEARTBEAT, T0 + i * MIN);
	/* record 6 changed after the fact: 7's prev no longer matches */
	struct event ev = events_fixture_event(&c.fx, EVENT_TAMPER, T0 + 6 * MIN);
	put_ex(&c, &ev, 0, NULL, NULL, NULL, false);
	char *forged = strdup(c.last_line);
	size_t flen = c.last_len;
	char *p = strstr(forged, "someone else");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "a nice admin", 12);
	ck_assert_int_eq(report_feed_line(r, forged, flen, false), 0);
	put(&c, EVENT_HEARTBEAT, T0 + 7 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_BROKEN);
	ck_assert_ptr_nonnull(strstr(h->details, "seq 7: prev does not match"));
	free(forged);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_resend_is_not_counted)
{
	struct report *r = report_new(NULL);
	struct chain c;
	char *lines[12];
	size_t lens[12];
	chain_init(&c, r, "ws-01", "ws-01");
	for (unsigned i = 0; i < 12; i++) {
		put(&c, EVENT_HEARTBEAT, T0 + i * MIN);
		lines[i] = strdup(c.last_line);
		lens[i] = c.last_len;
	}
	for (unsigned i = 7; i < 12; i++) /* RELP resends the unanswered tail */
		ck_assert_int_eq(report_feed_line(r, lines[i], lens[i], false), 0);
	put(&c, EVENT_HEARTBEAT, T0 + 13 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_msg(h->integrity == REPORT_INTEGRITY_OK, "%s", h->details);
	ck_assert_uint_eq(h->events, 13);
	ck_assert_uint_eq(h->duplicates, 5);
	for (unsigned i = 0; i < 12; i++)
		free(lines[i]);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_bad_lines)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	put(&c, EVENT_HEARTBEAT, T0);
	ck_assert_int_eq(report_feed_line(r, "{\"seq\":2}", 9, false), 0);
	ck_assert_int_eq(report_feed_line(r, "\x1b[2J<script>", 12, false), 0);
	put(&c, EVENT_HEARTBEAT, T0 + MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_MALFORMED);
	ck_assert_uint_eq(h->malformed, 2);
	ck_assert_uint_eq(h->events, 2);

	/* a torn last line is worse than a malformed one; the head file names a later record */
	struct chain c2;
	chain_init(&c2, r, "ws-02", "ws-02");
	put(&c2, EVENT_HEARTBEAT, T0);
	ck_assert_int_eq(report_feed_line(r, "{\"seq\":2,\"ti", 12, true), 0);
	ck_assert_int_eq(report_end_source(r, true, 1, c2.prev), 0);
	struct chain c3;
	chain_init(&c3, r, "ws-03", "ws-03");
	put(&c3, EVENT_HEARTBEAT, T0);
	put(&c3, EVENT_HEARTBEAT, T0 + MIN);
	ck_assert_int_eq(report_end_source(r, true, 5, LOG_ZERO_HASH), 0);
	report_finish(r);
	const struct report_result *res = report_result(r);
	ck_assert_int_eq(res->hosts[1].integrity, REPORT_INTEGRITY_TRUNCATED);
	ck_assert_int_eq(res->hosts[2].integrity, REPORT_INTEGRITY_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(res->hosts[2].details, "head file names seq 5"));
	chain_done(&c);
	chain_done(&c2);
	chain_done(&c3);
	report_free(r);
}
END_TEST

START_TEST(test_silent_and_policy)
{
	struct report *r = report_new(NULL);
	struct chain a, b;

	chain_init(&a, r, "ws-alive", "ws-alive");
	for (unsigned i = 0; i <= 24; i++) /* heartbeats every 5 minutes for two hours */
		put(&a, EVENT_HEARTBEAT, T0 + i * 5 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	chain_init(&b, r, "ws-quiet", "ws-quiet");
	for (unsigned i = 0; i <= 10; i++) /* ... and one that stopped after 50 minutes */
		put(&b, EVENT_HEARTBEAT, T0 + i * 5 * MIN);
	put(&b, EVENT_POLICY_EXPIRED, T0 + 51 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_result *res = report_result(r);
	ck_assert(!report_host_silent(res, host_named(res, "ws-alive")));
	ck_assert(report_host_silent(res, host_named(res, "ws-quiet")));
	ck_assert_uint_eq(report_host_heartbeat_sec(res, host_named(res, "ws-quiet")), 300);
	ck_assert(host_named(res, "ws-quiet")->policy_expired);
	ck_assert(!host_named(res, "ws-alive")->policy_expired);
	char *text = render(res, REPORT_FORMAT_TEXT);
	ck_assert_ptr_nonnull(strstr(text, "  ws-quiet: last record 2026-11-18 11:57"));
	free(text);
	chain_done(&a);
	chain_done(&b);
	report_free(r);
}
END_TEST

START_TEST(test_filters)
{
	struct report_filter f = { .user = "bob", .have_since = true, .since = T0 + 2 * MIN };
	struct report *r = report_new(&f);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	put_decision(&c, T0 + MIN, DEVICE_VERDICT_BLOCK, false, false, false, "bob");
	put_decision(&c, T0 + 3 * MIN, DEVICE_VERDICT_BLOCK, false, false, false, "bob");
	put_decision(&c, T0 + 3 * MIN, DEVICE_VERDICT_BLOCK, false, false, false, "alice");
	put(&c, EVENT_HEARTBEAT, T0 + 4 * MIN);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_host *h = &report_result(r)->hosts[0];
	ck_assert_uint_eq(h->events, 1);
	ck_assert_uint_eq(h->decisions[DECISION_VIEW_BLOCK], 1);
	ck_assert_int_eq(h->integrity, REPORT_INTEGRITY_OK); /* integrity is over every record */
	ck_assert_uint_eq(report_result(r)->n_users, 1);
	chain_done(&c);
	report_free(r);
}
END_TEST

START_TEST(test_device_cap)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "ws-01", "ws-01");
	for (unsigned i = 0; i < REPORT_MAX_DEVICES + 5; i++) {
		(void)snprintf(c.fx.dev.serial, sizeof(c.fx.dev.serial), "S%u", i);
		put(&c, EVENT_DEVICE_ATTACHED, T0 + i);
	}
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	const struct report_result *res = report_result(r);
	ck_assert_uint_eq(res->n_devices, REPORT_MAX_DEVICES);
	ck_assert_uint_eq(res->devices_omitted, 5);
	ck_assert_uint_eq(res->hosts[0].events, REPORT_MAX_DEVICES + 5);
	chain_done(&c);
	report_free(r);
}
END_TEST

/* Hostile strings from a record never become markup in HTML nor escapes on a terminal. */
START_TEST(test_escaping)
{
	struct report *r = report_new(NULL);
	struct chain c;
	chain_init(&c, r, "<img src=x onerror=alert(1)>", "evil");
	strcpy(c.fx.dev.product, "<script>alert('x')</script>\xe2\x80\xae\x1b[2J");
	struct event ev = events_fixture_event(&c.fx, EVENT_TAMPER, T0);
	ev.message = "</td><b>\"&";
	ev.seat_user = "<u>";
	put_ex(&c, &ev, 0, NULL, NULL, NULL, true);
	ck_assert_int_eq(report_end_source(r, false, 0, NULL), 0);
	report_finish(r);
	char *html = render(report_result(r), REPORT_FORMAT_HTML);
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<u>"));
	ck_assert_ptr_null(strstr(html, "</td><b>"));
	ck_assert_ptr_null(strstr(html, "\x1b"));
	ck_assert_ptr_null(strstr(html, "\xe2\x80\xae"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;/td&gt;&lt;b&gt;&quot;&amp;"));
	ck_assert_ptr_nonnull(strstr(html, "\\xe2\\x80\\xae\\x1b[2J"));
	ck_assert_ptr_null(strstr(html, "http://"));
	ck_assert_ptr_null(strstr(html, "https://"));
	char *text = render(report_result(r), REPORT_FORMAT_TEXT);
	ck_assert_ptr_null(strstr(text, "\x1b"));
	ck_assert_ptr_null(strstr(text, "\xe2\x80\xae"));
	char *json = render(report_result(r), REPORT_FORMAT_JSON);
	json_object *o = json_tokener_parse(json);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	free(html);
	free(text);
	free(json);
	chain_done(&c);
	report_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_type_has_a_class);
	tcase_add_test(tc, test_decision_views);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_deleted_record_is_gap);
	tcase_add_test(tc, test_events_lost_explains_gap);
	tcase_add_test(tc, test_events_lost_does_not_explain_more);
	tcase_add_test(tc, test_repeated);
	tcase_add_test(tc, test_modified_record_is_broken);
	tcase_add_test(tc, test_resend_is_not_counted);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_silent_and_policy);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_device_cap);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
