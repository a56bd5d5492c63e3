/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: writes a small fleet of incident logs through the real recorder (agent/events/
 * recorder.c: encoder, hash chain, fsync'd appends, head file), one directory per host, with
 * known counts for tests/integration/report.sh and the README picture (docs/report-example.png):
 *
 *   ws-01      enforce, policy serial 7: 3 allowed, 1 allowed+logged, 1 charge only, 2 blocked,
 *              1 tamper, one copy of 30 MiB (two transfer records: periods of one session)
 *              and a transfer_alert (26 MiB in the window), heartbeats every 5 minutes for 4
 *              hours
 *   ws-02      audit mode, serial 7: 4 would block (audit), 1 allowed
 *   ws-03      enforce, serial 7; tests delete one record from its log afterwards
 *   ws-04      silent: its heartbeats stop after 30 minutes
 *   ws-05      policy serial 5 (old), then policy_expired
 *   ws-06      records 11..15 lost, said by an events_lost record (seq 16): integrity ok
 *
 * transfer, transfer_alert and events_lost are written as the agent versions that have them
 * write them (docs/events.md), appended with the chain the recorder continues from.
 *
 * Usage: report_mkfleet DIR [DAYS]   (DAYS > 1 spreads the activity over that many days)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "agent/events/event_json.h"
#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "events_fixture.h"
#include "policy/lang/policy.h"

#define T0  1795075200000000LL /* 2026-11-19T08:00:00Z */
#define MIN 60000000LL
#define DAY (86400LL * 1000000LL)

static const char *dir;
static unsigned days = 1;

static void die(const char *what, int r)
{
	fprintf(stderr, "report_mkfleet: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

static struct policy *load_policy(int serial, const char *mode)
{
	char text[512];
	struct policy *p = NULL;
	struct policy_error err;
	int n =
	    snprintf(text, sizeof(text),
	             "version = 1;\nserial = %d;\nmode = \"%s\";\ndefault = \"block\";\n"
	             "rules = ( { id = \"keyboards\"; action = \"allow\"; kind = \"hid\"; } );\n",
	             serial, mode);
	int r = policy_load_from_bytes(text, (size_t)n, "fleet.conf", &p, &err);
	if (r < 0) {
		fprintf(stderr, "report_mkfleet: policy: %d: %s\n", err.line, err.reason);
		exit(1);
	}
	return p;
}

struct host {
	char path[4096];
	char name[64];
	struct events_fixture fx;
	struct recorder *rec;
	struct policy *policy;
};

static void host_open(struct host *h, const char *name, int serial, const char *mode)
{
	int r;
	memset(h, 0, sizeof(*h));
	(void)snprintf(h->path, sizeof(h->path), "%s/%s", dir, name);
	if ((r = events_fixture_init(&h->fx)) < 0)
		die("fixture", r);
	(void)snprintf(h->name, sizeof(h->name), "%s", name);
	h->fx.host.hostname = h->name;
	h->policy = load_policy(serial, mode);
	if ((r = recorder_open(h->path, &h->fx.host, &h->rec)) < 0)
		die(h->path, r);
}

static void host_close(struct host *h)
{
	h->rec = recorder_free(h->rec);
}

static void host_done(struct host *h)
{
	host_close(h);
	h->policy = policy_free(h->policy);
	events_fixture_done(&h->fx);
}

static void emit(struct host *h, struct event *ev)
{
	ev->policy = h->policy;
	int64_t r = recorder_emit(h->rec, ev);
	if (r <= 0)
		die("recorder_emit", (int)r);
}

static void simple(struct host *h, enum event_type t, int64_t time)
{
	struct event ev = events_fixture_event(&h->fx, t, time);
	if (t == EVENT_HEARTBEAT)
		ev.chain_head = NULL; /* the recorder fills in the real head */
	emit(h, &ev);
}

static void decision(struct host *h, int64_t time, enum device_verdict v, bool charge_only,
                     bool noteworthy, const char *user, const char *serial)
{
	struct event ev = events_fixture_event(&h->fx, EVENT_DEVICE_DECISION, time);
	struct decision d = h->fx.dec;
	d.verdict = v;
	d.charge_only = charge_only;
	d.noteworthy = noteworthy;
	d.authorize_device = v != DEVICE_VERDICT_BLOCK || charge_only;
	ev.decision = &d;
	ev.seat_user = user;
	(void)snprintf(h->fx.dev.serial, sizeof(h->fx.dev.serial), "%s", serial);
	emit(h, &ev);
}

static void heartbeats(struct host *h, int64_t from, int64_t to)
{
	for (int64_t t = from; t <= to; t += 5 * MIN)
		simple(h, EVENT_HEARTBEAT, t);
}

/*
 * Appends a record of a type this agent version does not write yet: the JSON of ev with its
 * type replaced and extra keys added, chained after the log's head, with seq (0 = next). The
 * recorder is closed meanwhile; reopening it continues the chain and the numbering.
 */
static void append_raw(struct host *h, struct event *ev, uint64_t seq, const char *type,
                       json_object *extra)
{
	char prev[LOG_HASH_HEX_LEN + 1], headpath[4200], logpath[4200];
	uint64_t last = recorder_last_seq(h->rec);
	char *json = NULL, *line = NULL;
	size_t len, llen;
	int r;

	memcpy(prev, recorder_chain_head(h->rec), sizeof(prev));
	host_close(h);
	seq = seq ? seq : last + 1;
	ev->policy = h->policy;
	if ((r = event_to_json(ev, seq, &h->fx.host, &json, &len)) < 0)
		die("event_to_json", r);
	json_object *o = json_tokener_parse(json);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_foreach(extra, k, v) json_object_object_add(o, k, json_object_get(v));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	if ((r = log_record_encode(s, strlen(s), prev, &line, &llen)) < 0)
		die("log_record_encode", r);
	(void)snprintf(logpath, sizeof(logpath), "%s/" INCIDENT_LOG_FILE, h->path);
	(void)snprintf(headpath, sizeof(headpath), "%s/" INCIDENT_LOG_HEAD_FILE, h->path);
	FILE *f = fopen(logpath, "ae");
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0)
		die(logpath, errno);
	log_record_hash(line, llen, prev);
	f = fopen(headpath, "we");
	if (!f || fprintf(f, "%020" PRIu64 " %s\n", seq, prev) < 0 || fclose(f) != 0)
		die(headpath, errno);
	json_object_put(o);
	json_object_put(extra);
	free(json);
	free(line);
	if ((r = recorder_open(h->path, &h->fx.host, &h->rec)) < 0)
		die(h->path, r);
}

/* {"transfer": {...}} of one period, shaped as docs/events.md says. */
static json_object *transfer(int64_t to_device, const char *started, const char *ended,
                             const char *session_started)
{
	json_object *t = json_object_new_object(), *o = json_object_new_object();
	json_object_object_add(t, "to_device_bytes", json_object_new_int64(to_device));
	json_object_object_add(t, "from_device_bytes", json_object_new_int64(4096));
	json_object *files = json_object_new_array(), *file = json_object_new_object();
	json_object_object_add(file, "name", json_object_new_string("customers.csv"));
	json_object_object_add(file, "bytes", json_object_new_int64(to_device));
	json_object_array_add(files, file);
	json_object_object_add(t, "files", files);
	json_object_object_add(t, "files_written", json_object_new_int64(1));
	json_object_object_add(t, "files_omitted", json_object_new_int64(0));
	json_object_object_add(t, "started", json_object_new_string(started));
	json_object_object_add(t, "ended", json_object_new_string(ended));
	json_object_object_add(t, "session_started", json_object_new_string(session_started));
	json_object_object_add(t, "method", json_object_new_string("block"));
	json_object_object_add(t, "files_method", json_object_new_string("fanotify"));
	json_object_object_add(t, "end", NULL);
	json_object_object_add(t, "read_only", json_object_new_boolean(false));
	json_object_object_add(o, "transfer", t);
	return o;
}

/* The time of activity i of n, spread over the days. */
static int64_t at(unsigned i, unsigned n)
{
	unsigned d = days > 1 ? i * days / n : 0;
	return T0 + (int64_t)d * DAY + (int64_t)(i % 8) * 20 * MIN + 3 * MIN;
}

int main(int argc, char **argv)
{
	struct host h;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: report_mkfleet DIR [DAYS]\n");
		return 2;
	}
	dir = argv[1];
	if (argc == 3)
		days = (unsigned)strtoul(argv[2], NULL, 10) ?: 1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir, errno);
	int64_t end = T0 + (int64_t)(days - 1) * DAY + 4 * 60 * MIN;

	/* ws-01: every kind of decision, a tamper, a copy and its alert */
	host_open(&h, "ws-01", 7, "enforce");
	simple(&h, EVENT_AGENT_STARTED, T0);
	simple(&h, EVENT_POLICY_LOADED, T0);
	for (unsigned i = 0; i < 3; i++)
		decision(&h, at(i, 8), DEVICE_VERDICT_ALLOW, false, false, "alice", "4C530001");
	decision(&h, at(3, 8), DEVICE_VERDICT_ALLOW, false, true, "alice", "4C530001");
	decision(&h, at(4, 8), DEVICE_VERDICT_PARTIAL, true, false, "bob", "PHONE-77");
	decision(&h, at(5, 8), DEVICE_VERDICT_BLOCK, false, false, "alice", "EVIL-0001");
	decision(&h, at(6, 8), DEVICE_VERDICT_BLOCK, false, false, "alice", "EVIL-0001");
	simple(&h, EVENT_TAMPER, at(7, 8));
	struct event ev = events_fixture_event(&h.fx, EVENT_DEVICE_REMOVED, at(7, 8) + MIN);
	ev.seat_user = "alice";
	(void)snprintf(h.fx.dev.serial, sizeof(h.fx.dev.serial), "4C530001");
	/* one session in two periods: 10 MiB, then 20 MiB (the alert in between) */
	static const char s0[] = "2026-11-19T08:10:00.000000Z",
	                  s1[] = "2026-11-19T08:20:00.000000Z",
	                  s2[] = "2026-11-19T08:25:00.000000Z";
	append_raw(&h, &ev, 0, "transfer", transfer(10 * 1048576LL, s0, s1, s0));
	json_object *alert = transfer(16 * 1048576LL, s1, "2026-11-19T08:22:00.000000Z", s0);
	json_object *tr = NULL, *limit = json_object_new_object();
	json_object_object_get_ex(alert, "transfer", &tr);
	json_object_object_add(limit, "bytes", json_object_new_int64(16 * 1048576LL));
	json_object_object_add(limit, "files", json_object_new_int64(0));
	json_object_object_add(limit, "window_sec", json_object_new_int64(600));
	json_object_object_add(limit, "action", json_object_new_string("alert"));
	json_object_object_add(limit, "window_bytes", json_object_new_int64(26 * 1048576LL));
	json_object_object_add(limit, "window_files", json_object_new_int64(1));
	json_object_object_add(tr, "limit", limit);
	json_object_object_add(alert, "message",
	                       json_object_new_string("copy limit crossed: 27.3 MB and 1 files to "
	                                              "the device in 600 s (limit 16M bytes in 600 "
	                                              "s: alert)"));
	append_raw(&h, &ev, 0, "transfer_alert", alert);
	append_raw(&h, &ev, 0, "transfer", transfer(20 * 1048576LL, s1, s2, s0));
	for (unsigned d = 1; d < days; d++) { /* the README picture: some activity every day */
		char started[40];
		int64_t t = T0 + (int64_t)d * DAY + 90 * MIN;
		for (unsigned k = 0; k < 2 + (d * 7) % 5; k++)
			decision(&h, t + k * MIN,
			         k % 3 ? DEVICE_VERDICT_ALLOW : DEVICE_VERDICT_BLOCK, false,
			         k % 4 == 1, "alice", k % 3 ? "4C530001" : "EVIL-0001");
		(void)snprintf(started, sizeof(started), "2026-%02u-%02uT09:40:00.000000Z",
		               d < 12 ? 11u : 12u, d < 12 ? 19 + d : d - 11);
		ev = events_fixture_event(&h.fx, EVENT_DEVICE_REMOVED, t + 20 * MIN);
		ev.seat_user = "alice";
		(void)snprintf(h.fx.dev.serial, sizeof(h.fx.dev.serial), "4C530001");
		append_raw(&h, &ev, 0, "transfer",
		           transfer((int64_t)((d * 5) % 7 + 1) * 40 * 1048576LL, started, started,
		                    started));
	}
	heartbeats(&h, T0 + 5 * MIN, end);
	host_done(&h);

	/* ws-02: audit mode */
	host_open(&h, "ws-02", 7, "audit");
	simple(&h, EVENT_AGENT_STARTED, T0);
	for (unsigned i = 0; i < 4; i++)
		decision(&h, at(i, 5), DEVICE_VERDICT_BLOCK, false, false, "carol", "EVIL-0001");
	decision(&h, at(4, 5), DEVICE_VERDICT_ALLOW, false, false, "carol", "4C530002");
	for (unsigned d = 1; d < days; d++)
		for (unsigned k = 0; k < (d * 3) % 4; k++)
			decision(&h, T0 + (int64_t)d * DAY + (60 + k) * MIN, DEVICE_VERDICT_BLOCK,
			         false, false, "carol", "PHONE-77");
	heartbeats(&h, T0 + 5 * MIN, end);
	host_done(&h);

	/* ws-03: a record will be deleted by the test */
	host_open(&h, "ws-03", 7, "enforce");
	simple(&h, EVENT_AGENT_STARTED, T0);
	decision(&h, at(1, 3), DEVICE_VERDICT_BLOCK, false, false, "dave", "EVIL-0001");
	decision(&h, at(2, 3), DEVICE_VERDICT_BLOCK, false, false, "dave", "EVIL-0001");
	heartbeats(&h, T0 + 5 * MIN, end);
	host_done(&h);

	/* ws-04: goes silent after 30 minutes */
	host_open(&h, "ws-04", 7, "enforce");
	simple(&h, EVENT_AGENT_STARTED, T0);
	decision(&h, T0 + MIN, DEVICE_VERDICT_BLOCK, false, false, "erin", "EVIL-0001");
	heartbeats(&h, T0 + 5 * MIN, T0 + 30 * MIN);
	host_done(&h);

	/* ws-05: an old policy that expires */
	host_open(&h, "ws-05", 5, "enforce");
	simple(&h, EVENT_AGENT_STARTED, T0);
	simple(&h, EVENT_POLICY_LOADED, T0);
	simple(&h, EVENT_POLICY_REJECTED, T0 + 2 * MIN);
	simple(&h, EVENT_POLICY_EXPIRED, T0 + 3 * MIN);
	heartbeats(&h, T0 + 5 * MIN, end);
	host_done(&h);

	/* ws-06: 11..15 could not be written; events_lost says so */
	host_open(&h, "ws-06", 7, "enforce");
	simple(&h, EVENT_AGENT_STARTED, T0);
	heartbeats(&h, T0 + 5 * MIN, T0 + 45 * MIN); /* seq 2..10 */
	ev = events_fixture_event(&h.fx, EVENT_AGENT_STARTED, T0 + 47 * MIN);
	json_object *lost = json_object_new_object();
	json_object_object_add(lost, "count", json_object_new_int64(5));
	json_object_object_add(lost, "first_seq", json_object_new_int64(11));
	json_object_object_add(lost, "last_seq", json_object_new_int64(15));
	append_raw(&h, &ev, 16, "events_lost", lost);
	heartbeats(&h, T0 + 50 * MIN, end);
	host_done(&h);
	return 0;
}
