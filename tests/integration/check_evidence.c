/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evidence that survives (issue 10), the recorder on real files: appends that fail keep their
 * seq and reach the forward hook, events_lost names exactly what the log lacks, a log truncated
 * or emptied behind the recorder's back is a tamper record with numbering going on, seals verify
 * with the key and catch a rewritten chain, the key evolves and the old one is gone, flood
 * control keeps a 5,000-times re-attached device from pushing older records and seals out, and
 * rotation keeps what the collector has not acknowledged.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "agent/events/seal.h"
#include "events_fixture.h"
#include "tmptree.h"

static struct events_fixture fx;
static char base[64], dir[128], state[128];

static void setup(void)
{
	ck_assert_int_eq(events_fixture_init(&fx), 0);
	strcpy(base, "/tmp/pc-evidence-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/log", base);
	snprintf(state, sizeof(state), "%s/state", base);
}

static void teardown(void)
{
	events_fixture_done(&fx);
	ts_rm_rf(base);
}

/* ---- forward hook: what went upstream ---- */
#define MAX_FWD 20000
struct fwd {
	unsigned n;
	uint64_t seq[MAX_FWD];
};
static struct fwd F;

static int capture(void *userdata, uint64_t seq, const char *line, size_t len)
{
	(void)userdata;
	(void)line;
	(void)len;
	ck_assert_uint_lt(F.n, MAX_FWD);
	F.seq[F.n++] = seq;
	return 0;
}

/* ---- injected ENOSPC ---- */
static bool disk_full;

static ssize_t f_write(void *u, int fd, const void *buf, size_t len)
{
	(void)u;
	if (disk_full)
		return -ENOSPC;
	ssize_t n = write(fd, buf, len);
	return n < 0 ? -errno : n;
}

static int f_fsync(void *u, int fd)
{
	(void)u;
	return fsync(fd) < 0 ? -errno : 0;
}

static int f_ftruncate(void *u, int fd, off_t len)
{
	(void)u;
	return ftruncate(fd, len) < 0 ? -errno : 0;
}

static int f_renameat(void *u, int dfd, const char *from, const char *to)
{
	(void)u;
	return renameat(dfd, from, dfd, to) < 0 ? -errno : 0;
}

static const struct incident_log_ops enospc_ops = { f_write, f_fsync, f_ftruncate, f_renameat };

static uint64_t acked_value;
static uint64_t acked(void *u)
{
	(void)u;
	return acked_value;
}

static struct recorder *open_rec(const struct recorder_config *extra)
{
	struct recorder *r = NULL;
	struct recorder_config rc = { .no_flood_control = true };
	if (extra)
		rc = *extra;
	rc.state_dir = state;
	ck_assert_int_eq(recorder_open_ex(dir, &fx.host, &rc, &r), 0);
	recorder_set_forward(r, capture, NULL);
	return r;
}

static int64_t emit_at(struct recorder *r, enum event_type t, int64_t usec)
{
	struct event ev = events_fixture_event(&fx, t, usec);
	return recorder_emit(r, &ev);
}

static int verify(struct chain_verifier *v, const uint8_t *key0)
{
	chain_verifier_init(v);
	if (key0)
		chain_verifier_set_key(v, key0);
	int r = incident_log_verify(dir, v);
	chain_verifier_done(v);
	return r;
}

/* All records of the log directory, oldest first, as parsed JSON (caller puts each). */
static unsigned load_records(json_object **out, unsigned max)
{
	char **names = NULL;
	unsigned n = 0;
	ck_assert_int_ge(incident_log_list_files(dir, &names), 1);
	for (char **p = names; *p; p++) {
		char path[512], *line = NULL;
		size_t cap = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, *p);
		FILE *f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		while (getline(&line, &cap, f) > 0 && n < max)
			out[n++] = json_tokener_parse(line);
		free(line);
		fclose(f);
	}
	strv_free(names);
	return n;
}

static int64_t jint(json_object *o, const char *k)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s", k);
	return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return "";
	return json_object_get_string(v);
}

/* Appends that fail keep their seq, go upstream, and are named exactly by events_lost. */
START_TEST(test_disk_full_events_lost_exact)
{
	struct recorder_config rc = { .no_flood_control = true };
	rc.log.ops = &enospc_ops;
	struct recorder *r = open_rec(&rc);
	for (int i = 1; i <= 4; i++)
		ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, i), i);
	disk_full = true;
	for (int i = 5; i <= 7; i++)
		ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, i), i); /* forwarded, not in the log */
	disk_full = false;
	ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, 8), 9); /* events_lost took seq 8 */
	recorder_free(r);

	for (unsigned i = 0; i < F.n; i++)
		ck_assert_uint_eq(F.seq[i], i + 1); /* upstream got 1..9, in order */
	ck_assert_uint_eq(F.n, 9);

	json_object *rec[32];
	unsigned n = load_records(rec, 32);
	ck_assert_uint_eq(n, 6); /* 1..4, events_lost, 9 */
	ck_assert_str_eq(jstr(rec[4], "type"), "events_lost");
	ck_assert_int_eq(jint(rec[4], "seq"), 8);
	ck_assert_int_eq(jint(rec[4], "count"), 3);
	ck_assert_int_eq(jint(rec[4], "first_seq"), 5);
	ck_assert_int_eq(jint(rec[4], "last_seq"), 7);
	for (unsigned i = 0; i < n; i++)
		json_object_put(rec[i]);

	struct chain_verifier v;
	ck_assert_int_eq(verify(&v, NULL), 0);
	ck_assert_uint_eq(v.n_lost_records, 1);
	ck_assert_uint_eq(v.lost_seqs_total, 3);
	ck_assert_uint_eq(v.last_seq, 9);
}
END_TEST

/* Still full across a restart: the pending range is kept in the state directory. */
START_TEST(test_lost_range_survives_restart)
{
	struct recorder_config rc = { .no_flood_control = true };
	rc.log.ops = &enospc_ops;
	struct recorder *r = open_rec(&rc);
	ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, 1), 1);
	disk_full = true;
	ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, 2), 2);
	ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, 3), 3);
	recorder_free(r);
	disk_full = false;
	r = open_rec(NULL); /* writes events_lost 2..3 at open */
	ck_assert_uint_eq(recorder_last_seq(r), 4);
	ck_assert_int_eq(emit_at(r, EVENT_HEARTBEAT, 5), 5);
	recorder_free(r);
	struct chain_verifier v;
	ck_assert_int_eq(verify(&v, NULL), 0);
	ck_assert_uint_eq(v.lost_seqs_total, 2);
	ck_assert_uint_eq(v.lost[0].first, 2);
	ck_assert_uint_eq(v.lost[0].last, 3);
}
END_TEST

/* The live file truncated, then the directory emptied, behind the recorder's back. */
START_TEST(test_truncated_and_emptied)
{
	struct recorder *r = open_rec(NULL);
	char path[256];
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(emit_at(r, EVENT_DEVICE_DECISION, i), i);
	snprintf(path, sizeof(path), "%s/incident.log", dir);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(recorder_check(r), 1); /* what inotify calls */
	ck_assert_int_eq(recorder_check(r), 0);
	ck_assert_uint_eq(recorder_last_seq(r), 7); /* tamper 6, events_lost 7 */
	ck_assert_int_eq(emit_at(r, EVENT_DEVICE_DECISION, 8), 8);

	ts_rm_rf(dir); /* directory and all: noticed at the next append at the latest */
	ck_assert_int_eq(emit_at(r, EVENT_DEVICE_DECISION, 9), 11); /* tamper 9, lost 10 */
	recorder_free(r);

	json_object *rec[32];
	unsigned n = load_records(rec, 32);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(jstr(rec[0], "type"), "tamper");
	ck_assert_msg(strstr(jstr(rec[0], "message"), "directory was removed") ||
	                  strstr(jstr(rec[0], "message"), "file was removed"),
	              "%s", jstr(rec[0], "message"));
	ck_assert_str_eq(jstr(rec[1], "type"), "events_lost");
	ck_assert_int_eq(jint(rec[1], "first_seq"), 1);
	ck_assert_int_eq(jint(rec[1], "last_seq"), 8);
	for (unsigned i = 0; i < n; i++)
		json_object_put(rec[i]);
	/* upstream got every seq, once */
	ck_assert_uint_eq(F.n, 11);
	for (unsigned i = 0; i < F.n; i++)
		ck_assert_uint_eq(F.seq[i], i + 1);
	struct chain_verifier v;
	ck_assert_msg(verify(&v, NULL) == 0, "%s", v.error);
}
END_TEST

/* Seals: verify with K[0], the key evolves and the old one is gone, a rewritten chain fails. */
START_TEST(test_seal_verify_and_forge)
{
	char hex[SEAL_KEY_HEX_LEN + 1], buf[SEAL_KEY_FILE_LEN + 1], path[256];
	uint8_t k0[SEAL_KEY_LEN], k[SEAL_KEY_LEN], kfile[SEAL_KEY_LEN];
	uint64_t epoch;

	ck_assert_int_eq(recorder_setup_keys(state, false, hex), 0);
	ck_assert_int_eq(recorder_setup_keys(state, false, hex + 0), -EEXIST);
	ck_assert_int_eq(seal_key_from_hex(hex, k0), 0);
	struct recorder *r = open_rec(NULL);
	ck_assert(recorder_has_seal_key(r));
	for (int i = 1; i <= 3; i++)
		ck_assert_int_gt(emit_at(r, EVENT_DEVICE_DECISION, i), 0);
	ck_assert_int_eq(recorder_seal(r), 1);
	ck_assert_int_eq(recorder_seal(r), 0); /* nothing new */
	ck_assert_int_gt(emit_at(r, EVENT_HEARTBEAT, 5), 0);
	ck_assert_int_eq(recorder_seal(r), 1);
	recorder_free(r);

	/* the key file holds K[2] and neither K[0] nor K[1] */
	snprintf(path, sizeof(path), "%s/" SEAL_KEY_FILE, state);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), SEAL_KEY_FILE_LEN);
	close(fd);
	buf[SEAL_KEY_FILE_LEN] = '\0'; /* strstr below reads it as a string */
	ck_assert_int_eq(seal_key_file_parse(buf, SEAL_KEY_FILE_LEN, &epoch, kfile), 0);
	ck_assert_uint_eq(epoch, 2);
	ck_assert_int_eq(seal_key_derive(k0, 2, k), 0);
	ck_assert_mem_eq(k, kfile, SEAL_KEY_LEN);
	ck_assert(memcmp(k0, kfile, SEAL_KEY_LEN) != 0);
	ck_assert_ptr_null(strstr(buf, hex));

	struct chain_verifier v;
	ck_assert_msg(verify(&v, k0) == 0, "%s", v.error);
	ck_assert_uint_eq(v.seals, 2);
	ck_assert_uint_eq(v.seal_epoch, 1);
	ck_assert_uint_eq(v.sealed_seq, 6);

	/* root edits record 2 and recomputes every prev and the head file */
	char lpath[256];
	snprintf(lpath, sizeof(lpath), "%s/incident.log", dir);
	FILE *f = fopen(lpath, "re");
	char *lines[16] = {};
	size_t cap = 0;
	unsigned n = 0;
	while (n < 16 && getline(&lines[n], &cap, f) > 0) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
		cap = 0;
	}
	fclose(f);
	ck_assert_uint_eq(n, 6);
	char *p = strstr(lines[1], "\"seat_user\":\"alice\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p + 13, "mallo", 5); /* "alice" -> "mallo", same length */
	char h[LOG_HASH_HEX_LEN + 1];
	for (unsigned i = 2; i < n; i++) {
		log_record_hash(lines[i - 1], strlen(lines[i - 1]), h);
		memcpy(lines[i] + strlen(lines[i]) - 66, h, 64);
	}
	f = fopen(lpath, "we");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	fclose(f);
	log_record_hash(lines[n - 1], strlen(lines[n - 1]), h);
	snprintf(path, sizeof(path), "%s/head", dir);
	f = fopen(path, "we");
	fprintf(f, "%020u %s\n", n, h);
	fclose(f);
	for (unsigned i = 0; i < 16; i++)
		free(lines[i]); /* also the buffer of the last, failed getline() */

	ck_assert_int_eq(verify(&v, NULL), 0); /* the chain alone cannot tell */
	ck_assert_int_eq(verify(&v, k0), -EBADMSG);
	ck_assert_msg(strstr(v.error, "seal of epoch 0 does not verify with the key"), "%s",
	              v.error);
}
END_TEST

/* A device re-attached 5,000 times: summarized, the oldest records and the seal survive a
 * small rotation. */
START_TEST(test_flood_keeps_old_evidence)
{
	char hex[SEAL_KEY_HEX_LEN + 1];
	uint8_t k0[SEAL_KEY_LEN];
	ck_assert_int_eq(recorder_setup_keys(state, false, hex), 0);
	ck_assert_int_eq(seal_key_from_hex(hex, k0), 0);
	struct recorder_config rc = { .repeat_window_sec = 60 };
	rc.log.max_file_bytes = 65536;
	rc.log.keep_files = 2;
	rc.log.max_keep_files = 3;
	struct recorder *r = open_rec(&rc);
	const int64_t t0 = 1795000000000000LL;
	ck_assert_int_eq(emit_at(r, EVENT_AGENT_STARTED, t0), 1);
	ck_assert_int_eq(recorder_seal(r), 1);
	/* 5,000 re-attaches over 250 s (every 50 ms) */
	for (int i = 0; i < 5000; i++) {
		int64_t t = t0 + 1000000 + (int64_t)i * 50000;
		(void)emit_at(r, EVENT_DEVICE_ATTACHED, t);
		(void)emit_at(r, EVENT_DEVICE_DECISION, t + 1000);
		(void)emit_at(r, EVENT_DEVICE_REMOVED, t + 2000);
	}
	recorder_flush_repeats(r, t0 + 400000000, true);
	ck_assert_int_eq(recorder_seal(r), 1);
	uint64_t last = recorder_last_seq(r);
	recorder_free(r);

	/* 15,000 events: per 60 s window one full record of each type and one summary */
	ck_assert_uint_lt(last, 60);
	json_object *rec[128];
	unsigned n = load_records(rec, 128);
	ck_assert_uint_eq(n, last); /* nothing rotated away */
	ck_assert_int_eq(jint(rec[0], "seq"), 1);
	ck_assert_str_eq(jstr(rec[1], "type"), "seal");
	uint64_t summarized = 0, full = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(jstr(rec[i], "type"), "repeated"))
			summarized += (uint64_t)jint(rec[i], "count");
		else if (!strcmp(jstr(rec[i], "type"), "device_attached") ||
		         !strcmp(jstr(rec[i], "type"), "device_decision") ||
		         !strcmp(jstr(rec[i], "type"), "device_removed"))
			full++;
		json_object_put(rec[i]);
	}
	ck_assert_uint_eq(summarized + full, 15000); /* every one accounted for */
	struct chain_verifier v;
	ck_assert_msg(verify(&v, k0) == 0, "%s", v.error);
	ck_assert_uint_eq(v.first_seq, 1);
	ck_assert_uint_eq(v.sealed_seq, last);
}
END_TEST

/* When the daemon must wake for a summary: the end of the first window that held something
 * back; nothing held back, never. */
START_TEST(test_repeats_due)
{
	struct recorder_config rc = { .repeat_window_sec = 60 };
	struct recorder *r = open_rec(&rc);
	const int64_t t0 = 1795000000000000LL, w = 60 * 1000000LL;

	ck_assert_int_eq(recorder_repeats_due(r), INT64_MAX);
	ck_assert_int_gt(emit_at(r, EVENT_DEVICE_DECISION, t0), 0);
	/* written in full, nothing left out yet: no summary to wait for */
	ck_assert_int_eq(recorder_repeats_due(r), INT64_MAX);
	ck_assert_int_eq(emit_at(r, EVENT_DEVICE_DECISION, t0 + 5000000), 0);
	ck_assert_int_eq(recorder_repeats_due(r), t0 + w);
	/* a second flood, later: the first window still decides */
	ck_assert_int_gt(emit_at(r, EVENT_DEVICE_REMOVED, t0 + 10000000), 0);
	ck_assert_int_eq(emit_at(r, EVENT_DEVICE_REMOVED, t0 + 11000000), 0);
	ck_assert_int_eq(recorder_repeats_due(r), t0 + w);
	recorder_flush_repeats(r, t0 + w, false); /* the first one's summary */
	ck_assert_int_eq(recorder_repeats_due(r), t0 + 10000000 + w);
	recorder_flush_repeats(r, t0 + 10000000 + w, false);
	ck_assert_int_eq(recorder_repeats_due(r), INT64_MAX);
	recorder_free(r);
}
END_TEST

/* Rotation keeps files the collector has not acknowledged, up to the hard limit, and then says
 * what it had to drop; acknowledged files go at keep_files. */
START_TEST(test_rotation_keeps_unacked)
{
	struct recorder_config rc = { .no_flood_control = true };
	rc.log.max_file_bytes = 8192;
	rc.log.keep_files = 2;
	rc.log.max_keep_files = 4;
	struct recorder *r = open_rec(&rc);
	recorder_set_acked_source(r, acked, NULL);
	acked_value = 0; /* collector down */
	for (int i = 0; i < 40; i++)
		ck_assert_int_gt(emit_at(r, EVENT_DEVICE_DECISION, i), 0);
	char **names = NULL;
	int files = incident_log_list_files(dir, &names);
	strv_free(names);
	ck_assert_int_eq(files, 1 + 4); /* kept past keep_files: nothing acknowledged */
	struct chain_verifier v;
	ck_assert_msg(verify(&v, NULL) == 0, "%s", v.error);
	/* the hard limit dropped files: each drop said so, together exactly what is gone */
	ck_assert_uint_ge(v.n_lost_records, 1);
	ck_assert_uint_eq(v.prefix_unexplained_last, 0);
	ck_assert_uint_eq(v.lost_seqs_total, v.first_seq - 1);
	ck_assert_uint_eq(v.lost[0].first, 1);
	for (size_t i = 1; i < v.n_lost_listed; i++)
		ck_assert_uint_eq(v.lost[i].first, v.lost[i - 1].last + 1);

	for (int i = 0; i < 30; i++) { /* collector back and keeping up */
		acked_value = recorder_last_seq(r);
		ck_assert_int_gt(emit_at(r, EVENT_DEVICE_DECISION, 100 + i), 0);
	}
	recorder_free(r);
	files = incident_log_list_files(dir, &names);
	strv_free(names);
	ck_assert_int_eq(files, 1 + 2); /* acknowledged: back to keep_files, no new loss */
	ck_assert_msg(verify(&v, NULL) == 0, "%s", v.error);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("evidence");
	TCase *tc = tcase_create("recorder");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_disk_full_events_lost_exact);
	tcase_add_test(tc, test_lost_range_survives_restart);
	tcase_add_test(tc, test_truncated_and_emptied);
	tcase_add_test(tc, test_seal_verify_and_forge);
	tcase_add_test(tc, test_flood_keeps_old_evidence);
	tcase_add_test(tc, test_repeats_due);
	tcase_add_test(tc, test_rotation_keeps_unacked);
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
