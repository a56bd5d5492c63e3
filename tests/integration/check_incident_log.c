/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent/events/incident_log.c + agent/events/recorder.c on real files in a temporary directory:
 * restart recovery, rotation, torn tails, the head file, and I/O faults (EIO, ENOSPC, short writes,
 * fsync failure, "crash after N bytes"). The invariant checked after every fault: each record
 * recorder_emit() acknowledged is in the log byte for byte, and the chain verifies.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "events_fixture.h"
#include "tmptree.h"

static struct events_fixture fx;
static char dir[256];

static char parent[64]; /* per test case, made and removed by the parent process */

/* Unchecked fixtures run in the parent, so the directory goes even when a test fails. */
static void parent_setup(void)
{
	strcpy(parent, "/tmp/pc-events-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(parent));
}

static void parent_teardown(void)
{
	ts_rm_rf(parent);
}

static void setup(void)
{
	ck_assert_int_eq(events_fixture_init(&fx), 0);
	snprintf(dir, sizeof(dir), "%s/log-XXXXXX", parent);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	events_fixture_done(&fx);
}

/* Acknowledged records, captured through the forward hook (the exact line). */
#define MAX_ACK 512
struct acks {
	unsigned n;
	uint64_t seq[MAX_ACK];
	char *line[MAX_ACK];
	size_t len[MAX_ACK];
	int fail_forward;
};

static int capture(void *userdata, uint64_t seq, const char *line, size_t len)
{
	struct acks *a = userdata;
	ck_assert_uint_lt(a->n, MAX_ACK);
	a->seq[a->n] = seq;
	a->line[a->n] = strndup(line, len);
	a->len[a->n] = len;
	a->n++;
	return a->fail_forward;
}

static void acks_free(struct acks *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->line[i]);
	a->n = 0;
}

/* The event types any caller may emit, in turn (events_lost, seal, repeated are the recorder's). */
static enum event_type plain_type(int i)
{
	return (enum event_type)(i % (EVENT_EVENTS_DROPPED + 1));
}

static struct recorder *open_rec(const struct incident_log_config *cfg, struct acks *a)
{
	struct recorder *r = NULL;
	char state[300];
	snprintf(state, sizeof(state), "%s.state", dir); /* as on a machine: not in the log dir */
	struct recorder_config rc = { .state_dir = state, .no_flood_control = true };
	if (cfg)
		rc.log = *cfg;
	ck_assert_int_eq(recorder_open_ex(dir, &fx.host, &rc, &r), 0);
	if (a)
		recorder_set_forward(r, capture, a);
	return r;
}

static int64_t emit(struct recorder *r, enum event_type t)
{
	struct event ev = events_fixture_event(&fx, t, 1795000000000000LL);
	return recorder_emit(r, &ev);
}

static int verify_dir(struct chain_verifier *v)
{
	chain_verifier_init(v);
	return incident_log_verify(dir, v);
}

/* Every line of every log file (not the torn ones), concatenated. */
static char *slurp_log(size_t *ret_len)
{
	char **names = NULL;
	size_t len = 0;
	char *all = NULL;
	ck_assert_int_ge(incident_log_list_files(dir, &names), 1);
	for (char **p = names; *p; p++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, *p);
		FILE *f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		all = realloc(all, len + (size_t)n + 1);
		ck_assert_uint_eq(fread(all + len, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		len += (size_t)n;
	}
	strv_free(names);
	if (!all)
		all = calloc(1, 1);
	all[len] = '\0';
	*ret_len = len;
	return all;
}

static bool covered_by_lost(const struct chain_verifier *v, uint64_t seq)
{
	for (size_t i = 0; i < v->n_lost_listed; i++)
		if (seq >= v->lost[i].first && seq <= v->lost[i].last)
			return true;
	return false;
}

/* The invariant: every forwarded record is in the log byte for byte, or an events_lost record
 * in the log covers its seq; the chain verifies (no unexplained gap). */
static void assert_nothing_acked_lost(struct acks *a)
{
	struct chain_verifier v;
	size_t len;
	char *all = slurp_log(&len);
	int r = verify_dir(&v);
	ck_assert_msg(r == 0, "verify: %s", v.error);
	for (unsigned i = 0; i < a->n; i++) {
		char *needle = malloc(a->len[i] + 2);
		memcpy(needle, a->line[i], a->len[i]);
		needle[a->len[i]] = '\n';
		bool in_log = memmem(all, len, needle, a->len[i] + 1) != NULL;
		ck_assert_msg(in_log || covered_by_lost(&v, a->seq[i]),
		              "forwarded seq %llu neither in the log nor in events_lost",
		              (unsigned long long)a->seq[i]);
		free(needle);
	}
	free(all);
}

static void write_file(const char *name, const char *data, size_t n, bool append)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static bool file_exists_with_prefix(const char *prefix, char *ret_name, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			(void)!snprintf(ret_name, size, "%.*s", (int)(size - 1), de->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

START_TEST(test_fresh_and_restart)
{
	struct acks a = {};
	struct recorder *r = open_rec(NULL, &a);
	ck_assert_uint_eq(recorder_last_seq(r), 0);
	ck_assert_str_eq(recorder_chain_head(r), LOG_ZERO_HASH);
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(emit(r, EVENT_DEVICE_DECISION), i);
	char head[65];
	strcpy(head, recorder_chain_head(r));
	recorder_free(r);

	/* restart: seq and head come back from the file */
	r = open_rec(NULL, &a);
	ck_assert_uint_eq(recorder_last_seq(r), 5);
	ck_assert_str_eq(recorder_chain_head(r), head);
	ck_assert_int_eq(emit(r, EVENT_AGENT_STARTED), 6);

	uint64_t hseq;
	char hhex[65];
	ck_assert_int_eq(incident_log_read_head(dir, &hseq, hhex), 0);
	ck_assert_uint_eq(hseq, 6);
	ck_assert_str_eq(hhex, recorder_chain_head(r));
	recorder_free(r);

	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), 0);
	ck_assert_uint_eq(v.records, 6);
	ck_assert_uint_eq(a.n, 6);
	assert_nothing_acked_lost(&a);
	acks_free(&a);
}
END_TEST

START_TEST(test_forward_and_heartbeat)
{
	struct acks a = { .fail_forward = -ECONNREFUSED };
	struct recorder *r = open_rec(NULL, &a);
	ck_assert_int_eq(emit(r, EVENT_AGENT_STARTED), 1); /* forward failure is not our failure */
	char head1[65];
	strcpy(head1, recorder_chain_head(r));
	struct event hb = { .type = EVENT_HEARTBEAT, .time_usec = 1, .spool_depth = 9 };
	ck_assert_int_eq(recorder_emit(r, &hb), 2);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(a.seq[1], 2);
	/* chain_head filled in: the head before the heartbeat, i.e. its prev */
	char want[256];
	snprintf(want, sizeof(want), "\"chain_head\":\"%s\",\"spool_depth\":9,\"prev\":\"%s\"}",
	         head1, head1);
	ck_assert_msg(strstr(a.line[1], want), "%s", a.line[1]);

	struct event_sink s = recorder_sink(r);
	struct event ev = events_fixture_event(&fx, EVENT_TAMPER, 5);
	ck_assert_int_eq(event_sink_emit(&s, &ev), 0);
	ck_assert_uint_eq(recorder_last_seq(r), 3);
	recorder_free(r);
	acks_free(&a);
}
END_TEST

START_TEST(test_single_writer)
{
	struct recorder *r = open_rec(NULL, NULL), *r2 = NULL;
	ck_assert_int_eq(recorder_open(dir, &fx.host, &r2), -EBUSY);
	ck_assert_ptr_null(r2);
	recorder_free(r);
	ck_assert_int_eq(recorder_open(dir, &fx.host, &r2), 0);
	recorder_free(r2);
}
END_TEST

START_TEST(test_rotation_keeps_chain)
{
	struct incident_log_config cfg = { .max_file_bytes = 8192, .keep_files = 100 };
	struct acks a = {};
	struct recorder *r = open_rec(&cfg, &a);
	for (int i = 1; i <= 60; i++)
		ck_assert_int_eq(emit(r, plain_type(i)), i);
	recorder_free(r);

	char **names = NULL;
	int n = incident_log_list_files(dir, &names);
	ck_assert_int_ge(n, 4);
	ck_assert_str_eq(names[n - 1], "incident.log");
	ck_assert_str_eq(names[n - 2], "incident.log.1");
	for (char **p = names; *p; p++) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, *p);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_le(st.st_size, 8192);
	}
	strv_free(names);
	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), 0);
	ck_assert_uint_eq(v.first_seq, 1);
	ck_assert_uint_eq(v.last_seq, 60);
	assert_nothing_acked_lost(&a);
	acks_free(&a);

	/* Fewer files kept: the oldest are dropped, the rest still verifies from a later seq, and
	 * a restart continues the chain from the rotated file when incident.log is empty. */
	cfg.keep_files = 2;
	r = open_rec(&cfg, NULL);
	for (int i = 61; i <= 100; i++)
		ck_assert_int_eq(emit(r, EVENT_DEVICE_DECISION), i);
	recorder_free(r);
	int rv = verify_dir(&v);
	ck_assert_msg(rv == 0, "%s", v.error);
	ck_assert_uint_gt(v.first_seq, 1);
	ck_assert_uint_eq(v.last_seq, 100);
}
END_TEST

/*
 * Under the unit's UMask=0077, with a rotated file left 0600 root:root (as systemd's
 * LogsDirectory= leaves the tree at each start): the directory ends 0750 and every file 0640,
 * all in the configured group, the files rotated afterwards included.
 */
START_TEST(test_modes_whatever_umask)
{
	gid_t group = getuid() == 0 ? 4 : getegid(); /* root may pick any; others their own */
	struct incident_log_config cfg = {
		.max_file_bytes = 4096, .keep_files = 20, .has_group = true, .group = group
	};
	mode_t old = umask(077);
	char path[512];
	struct stat st;
	DIR *d;
	struct dirent *de;
	unsigned files = 0;

	ck_assert_int_eq(chmod(dir, 0700), 0);
	write_file("incident.log.9", "", 0, false);
	snprintf(path, sizeof(path), "%s/incident.log.9", dir);
	ck_assert_int_eq(chmod(path, 0600), 0);
	struct recorder *r = open_rec(&cfg, NULL);
	for (int i = 1; i <= 40; i++)
		ck_assert_int_eq(emit(r, EVENT_DEVICE_DECISION), i);
	recorder_free(r);
	umask(old);

	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	ck_assert_uint_eq(st.st_gid, group);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_msg((st.st_mode & 07777) == 0640, "%s: mode %04o", de->d_name,
		              (unsigned)(st.st_mode & 07777));
		ck_assert_msg(st.st_gid == group, "%s: group %u", de->d_name, (unsigned)st.st_gid);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 5); /* incident.log, head, .9, and at least two rotated */
}
END_TEST

START_TEST(test_torn_tail_moved_aside)
{
	struct acks a = {};
	struct recorder *r = open_rec(NULL, &a);
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(emit(r, EVENT_DEVICE_DECISION), i);
	recorder_free(r);
	static const char torn[] = "{\"seq\":6,\"time\":\"2026-11-";
	write_file("incident.log", torn, sizeof(torn) - 1, true);

	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), -EBADMSG); /* as found: a truncated last line */
	ck_assert_msg(strstr(v.error, "truncated last line"), "%s", v.error);

	r = open_rec(NULL, &a);
	ck_assert_uint_eq(recorder_last_seq(r), 6); /* the recovery record */
	ck_assert_uint_eq(a.n, 6);
	ck_assert_msg(strstr(a.line[5], "\"type\":\"tamper\"") &&
	                  strstr(a.line[5], "damaged bytes at the end moved to "
	                                    "incident.log.torn-"),
	              "%s", a.line[5]);
	ck_assert_int_eq(emit(r, EVENT_DEVICE_REMOVED), 7);
	recorder_free(r);

	/* the torn bytes are kept, byte for byte */
	char name[128], path[512], buf[64] = {};
	ck_assert(file_exists_with_prefix("incident.log.torn-", name, sizeof(name)));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(torn) - 1);
	close(fd);
	ck_assert_str_eq(buf, torn);

	/* the new file starts with the record that names the break */
	char **names = NULL;
	ck_assert_int_eq(incident_log_list_files(dir, &names), 2);
	strv_free(names);
	assert_nothing_acked_lost(&a);
	ck_assert_int_eq(verify_dir(&v), 0);
	ck_assert_uint_eq(v.records, 7);
	acks_free(&a);
}
END_TEST

START_TEST(test_garbage_last_line)
{
	/* A complete but malformed last line (e.g. a partly overwritten block) is moved too. */
	struct recorder *r = open_rec(NULL, NULL);
	for (int i = 1; i <= 3; i++)
		ck_assert_int_eq(emit(r, EVENT_HEARTBEAT), i);
	recorder_free(r);
	write_file("incident.log", "\0\0\0\0garbage\n", 12, true);
	r = open_rec(NULL, NULL);
	ck_assert_uint_eq(recorder_last_seq(r), 4);
	recorder_free(r);
	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), 0);
}
END_TEST

START_TEST(test_head_ahead_of_log)
{
	/* Records cut off cleanly at the end: the head file still names the last seq, so the
	 * reopened recorder does not reuse those seqs and says which are missing; verify shows
	 * the cut both as found and after recovery. */
	struct recorder *r = open_rec(NULL, NULL);
	for (int i = 1; i <= 8; i++)
		ck_assert_int_eq(emit(r, EVENT_DEVICE_ATTACHED), i);
	recorder_free(r);

	size_t len;
	char *all = slurp_log(&len);
	char *p = all + len - 1;
	for (int k = 0; k < 3; p--) /* find the start of record 6 */
		if (p[-1] == '\n')
			k++;
	write_file("incident.log", all, (size_t)(p + 1 - all), false);
	free(all);

	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), -EBADMSG);
	ck_assert_msg(strstr(v.error, "log ends at seq 5 but the known head is seq 8"), "%s",
	              v.error);

	struct acks a = {};
	r = open_rec(NULL, &a);
	ck_assert_uint_eq(recorder_last_seq(r), 10); /* tamper 9, events_lost 10 */
	ck_assert_uint_eq(a.n, 2);
	ck_assert_msg(strstr(a.line[0], "records 6..8 are missing from the log"), "%s", a.line[0]);
	ck_assert_msg(strstr(a.line[1], "\"type\":\"events_lost\"") &&
	                  strstr(a.line[1], "\"count\":3,\"first_seq\":6,\"last_seq\":8"),
	              "%s", a.line[1]);
	recorder_free(r);
	/* after recovery the cut is honest loss: verify passes and lists it */
	ck_assert_int_eq(verify_dir(&v), 0);
	ck_assert_uint_eq(v.n_lost_records, 1);
	ck_assert_uint_eq(v.lost[0].first, 6);
	ck_assert_uint_eq(v.lost[0].last, 8);
	acks_free(&a);
}
END_TEST

/* ---- fault injection ---- */

struct faults {
	unsigned writes;    /* write calls so far */
	unsigned fail_from; /* first failing write call (1-based, 0 = none) */
	unsigned fail_n;    /* how many write calls fail */
	int err;            /* errno they fail with */
	size_t short_max;   /* > 0: each write writes at most this */
	unsigned fsyncs, fsync_fail_at;
	unsigned truncate_fails; /* how many ftruncate calls fail */
	long crash_after;        /* < 0: no crash; else bytes written before the "crash" */
	long written;
	bool crashed;
};

static ssize_t f_write(void *u, int fd, const void *buf, size_t len)
{
	struct faults *f = u;
	if (f->crashed)
		return -EIO;
	f->writes++;
	if (f->fail_from && f->writes >= f->fail_from && f->writes < f->fail_from + f->fail_n)
		return -f->err;
	if (f->short_max && len > f->short_max)
		len = f->short_max;
	if (f->crash_after >= 0 && f->written + (long)len >= f->crash_after) {
		len = (size_t)(f->crash_after - f->written);
		f->crashed = true; /* the process "dies" after these bytes reach the file */
		if (len == 0)
			return -EIO;
	}
	ssize_t n = write(fd, buf, len);
	if (n > 0)
		f->written += n;
	return n < 0 ? -errno : n;
}

static int f_fsync(void *u, int fd)
{
	struct faults *f = u;
	if (f->crashed)
		return -EIO;
	if (++f->fsyncs == f->fsync_fail_at)
		return -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}

static int f_ftruncate(void *u, int fd, off_t len)
{
	struct faults *f = u;
	if (f->crashed)
		return -EIO;
	if (f->truncate_fails > 0) {
		f->truncate_fails--;
		return -EIO;
	}
	return ftruncate(fd, len) < 0 ? -errno : 0;
}

static int f_renameat(void *u, int dfd, const char *from, const char *to)
{
	struct faults *f = u;
	if (f->crashed)
		return -EIO;
	return renameat(dfd, from, dfd, to) < 0 ? -errno : 0;
}

static const struct incident_log_ops fault_ops = { f_write, f_fsync, f_ftruncate, f_renameat };

/* Emits n events through a faulty log, then "restarts" on real I/O and checks the invariant. */
static void run_faulty(struct faults *f, unsigned n, unsigned *ret_ok, unsigned *ret_failed)
{
	struct incident_log_config cfg = {
		.max_file_bytes = 6000, .keep_files = 50, .ops = &fault_ops, .ops_userdata = f
	};
	struct acks a = {};
	struct recorder *r = open_rec(&cfg, &a);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_gt(emit(r, plain_type(i)), 0); /* each is forwarded at least */
	recorder_free(r);

	/* restart with real I/O: recovery, one more record, then the invariant */
	r = open_rec(NULL, &a);
	ck_assert_int_gt(emit(r, EVENT_AGENT_STARTED), 0);
	recorder_free(r);
	assert_nothing_acked_lost(&a);
	struct chain_verifier v;
	ck_assert_int_eq(verify_dir(&v), 0);
	acks_free(&a);
	/* failed: seqs events_lost accounts for; ok: the rest of the n */
	*ret_failed = (unsigned)v.lost_seqs_total;
	*ret_ok = n - *ret_failed;
}

START_TEST(test_fault_short_writes)
{
	struct faults f = { .short_max = 7, .crash_after = -1 };
	unsigned ok, failed;
	run_faulty(&f, 30, &ok, &failed);
	ck_assert_uint_eq(ok, 30);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_gt(f.writes, 30 * 100); /* really was cut into pieces */
}
END_TEST

START_TEST(test_fault_eio_write)
{
	/* The 5th write fails after... nothing; the 12th..14th fail: those emits fail, the rest
	 * succeed, and nothing half-written is left between records. */
	struct faults f = { .fail_from = 12, .fail_n = 3, .err = EIO, .crash_after = -1 };
	unsigned ok, failed;
	run_faulty(&f, 30, &ok, &failed);
	/* write 12 (a record), 13 (the events_lost retry, not counted) and 14 (a record) */
	ck_assert_uint_eq(failed, 2);
	ck_assert_uint_eq(ok, 28);
}
END_TEST

START_TEST(test_fault_enospc_after_partial)
{
	/* Short writes, then ENOSPC in the middle of a record: the partial record is cut off. */
	struct faults f = {
		.short_max = 100, .fail_from = 50, .fail_n = 40, .err = ENOSPC, .crash_after = -1
	};
	unsigned ok, failed;
	run_faulty(&f, 40, &ok, &failed);
	ck_assert_uint_gt(failed, 0);
	ck_assert_uint_gt(ok, 0);
}
END_TEST

START_TEST(test_fault_fsync)
{
	struct faults f = { .fsync_fail_at = 4, .crash_after = -1 };
	unsigned ok, failed;
	run_faulty(&f, 10, &ok, &failed);
	ck_assert_uint_eq(failed, 1);
	ck_assert_uint_eq(ok, 9);
}
END_TEST

START_TEST(test_fault_truncate_fails_then_reopen)
{
	/* A write fails and the partial record cannot be cut off: the log reopens itself before
	 * the next append, moves the partial bytes aside and records that it did. */
	struct faults f = { .short_max = 300,
		            .fail_from = 10,
		            .fail_n = 1,
		            .err = EIO,
		            .truncate_fails = 1,
		            .crash_after = -1 };
	unsigned ok, failed;
	run_faulty(&f, 20, &ok, &failed);
	ck_assert_uint_eq(failed, 1);
	ck_assert_uint_eq(ok, 19);
	char name[128];
	ck_assert(file_exists_with_prefix("incident.log.torn-", name, sizeof(name)));
}
END_TEST

/* Crash after N bytes, for N across record boundaries, rotation and the first record. */
static const long crash_points[] = { 0, 1, 500, 1100, 1200, 2500, 5999, 6000, 6100, 9000, 14000 };

START_TEST(test_fault_crash_after_n_bytes)
{
	struct faults f = { .crash_after = crash_points[_i] };
	unsigned ok, failed;
	run_faulty(&f, 20, &ok, &failed);
	ck_assert(f.crashed);
	ck_assert_uint_eq(ok + failed, 20);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("incident_log");
	TCase *tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, parent_setup, parent_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fresh_and_restart);
	tcase_add_test(tc, test_forward_and_heartbeat);
	tcase_add_test(tc, test_single_writer);
	tcase_add_test(tc, test_rotation_keeps_chain);
	tcase_add_test(tc, test_modes_whatever_umask);
	tcase_add_test(tc, test_torn_tail_moved_aside);
	tcase_add_test(tc, test_garbage_last_line);
	tcase_add_test(tc, test_head_ahead_of_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_unchecked_fixture(tc, parent_setup, parent_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fault_short_writes);
	tcase_add_test(tc, test_fault_eio_write);
	tcase_add_test(tc, test_fault_enospc_after_partial);
	tcase_add_test(tc, test_fault_fsync);
	tcase_add_test(tc, test_fault_truncate_fails_then_reopen);
	tcase_add_loop_test(tc, test_fault_crash_after_n_bytes, 0,
	                    sizeof(crash_points) / sizeof(crash_points[0]));
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
