/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spool: recovery, acks, bounded size with drop counting, and I/O faults injected through
 * struct spool_io (EIO, ENOSPC, short writes, crash after N bytes): nothing that was appended
 * successfully is ever lost.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/uplink/spool.h"
#include "agent/uplink/spool_record.h"

struct faults {
	int fail_write_errno;    /* next write fails with this */
	long short_write_bytes;  /* next write writes only this many bytes, then fails */
	int fail_sync_errno;     /* next fdatasync of a segment (data) file fails with this; the
	                           directory's and the ack file's are not touched, so a skipped
	                           data sync cannot hide behind them */
	int fail_dir_sync_errno; /* next fdatasync of the spool directory fails with this */
};

static struct faults F;
static char dir[64];

static int f_openat(void *ctx, int dirfd, const char *name, int flags, mode_t mode)
{
	return spool_io_default.openat(ctx, dirfd, name, flags, mode);
}

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t len)
{
	if (F.fail_write_errno) {
		int e = F.fail_write_errno;
		F.fail_write_errno = 0;
		return -e;
	}
	if (F.short_write_bytes >= 0 && (size_t)F.short_write_bytes < len) {
		size_t n = (size_t)F.short_write_bytes;
		F.short_write_bytes = -1;
		return n ? spool_io_default.write(ctx, fd, buf, n) : -ENOSPC;
	}
	return spool_io_default.write(ctx, fd, buf, len);
}

static ssize_t f_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
	return spool_io_default.pwrite(ctx, fd, buf, len, off);
}

/* What fd is: 'd' a segment (data) file, 'D' the directory, 'o' anything else. */
static char fd_kind(int fd)
{
	char link[64], target[512];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 'o';
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!strncmp(base, "seg-", 4))
		return 'd';
	if (!strcmp(target, dir))
		return 'D';
	return 'o';
}

static int f_fdatasync(void *ctx, int fd)
{
	char k = fd_kind(fd);
	if (F.fail_sync_errno && k == 'd') {
		int e = F.fail_sync_errno;
		F.fail_sync_errno = 0;
		return -e;
	}
	if (F.fail_dir_sync_errno && k == 'D') {
		int e = F.fail_dir_sync_errno;
		F.fail_dir_sync_errno = 0;
		return -e;
	}
	return spool_io_default.fdatasync(ctx, fd);
}

/* ftruncate "fails" so a torn frame stays on disk, as after a crash */
static int f_ftruncate_fail(void *ctx, int fd, off_t len)
{
	(void)ctx;
	(void)fd;
	(void)len;
	return -EIO;
}

static int f_unlinkat(void *ctx, int dirfd, const char *name)
{
	return spool_io_default.unlinkat(ctx, dirfd, name);
}

static const struct spool_io faulty = {
	.openat = f_openat,
	.write = f_write,
	.pwrite = f_pwrite,
	.fdatasync = f_fdatasync,
	.ftruncate = f_ftruncate_fail,
	.unlinkat = f_unlinkat,
};

static void setup(void)
{
	strcpy(dir, "/tmp/check_spool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	F = (struct faults){ .short_write_bytes = -1 };
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void rec(char *buf, size_t size, uint64_t seq)
{
	snprintf(buf, size, "{\"seq\":%llu,\"pad\":\"0123456789012345678901234567890123456789\"}",
	         (unsigned long long)seq);
}

static int append(struct spool *s, uint64_t seq, uint64_t *dropped)
{
	char b[128];
	rec(b, sizeof(b), seq);
	return spool_append(s, seq, b, strlen(b), dropped);
}

/* After reopening, exactly the seqs [first, last] are pending, in order, with their bytes. */
static void assert_pending(struct spool *s, uint64_t first, uint64_t last)
{
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_eq(st.depth, last >= first ? last - first + 1 : 0);
	for (uint64_t i = 0; i < st.depth; i++) {
		uint64_t seq;
		const uint8_t *data;
		uint32_t len;
		char want[128];
		ck_assert_int_eq(spool_peek(s, i, &seq, &data, &len), 0);
		ck_assert_uint_eq(seq, first + i);
		rec(want, sizeof(want), seq);
		ck_assert_uint_eq(len, strlen(want));
		ck_assert_int_eq(memcmp(data, want, len), 0);
	}
}

START_TEST(test_reopen_and_ack)
{
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	for (uint64_t i = 1; i <= 100; i++)
		ck_assert_int_eq(append(s, i, NULL), 0);
	ck_assert_int_eq(append(s, 100, NULL), -EEXIST); /* seq must grow */
	ck_assert_int_eq(spool_ack(s, 40), 0);
	ck_assert_int_eq(spool_ack(s, 101), -ERANGE);
	ck_assert_int_eq(spool_sync(s), 0);
	ck_assert_uint_eq(spool_index_after(s, 50), 10);
	s = spool_free(s);

	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	assert_pending(s, 41, 100);
	ck_assert_int_eq(append(s, 100, NULL), -EEXIST); /* remembered across restarts */
	ck_assert_int_eq(append(s, 101, NULL), 0);
	ck_assert_int_eq(spool_ack(s, 101), 0);
	ck_assert_int_eq(spool_sync(s), 0);
	s = spool_free(s);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	assert_pending(s, 1, 0);
	spool_free(s);
}
END_TEST

/* Unsynced appends survive a process death (no fsync, no close): write(2) happened at once. */
START_TEST(test_sigkill_safe)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct spool *s;
		if (spool_open(dir, 1 << 20, NULL, &s) < 0)
			_exit(1);
		for (uint64_t i = 1; i <= 500; i++)
			if (append(s, i, NULL) < 0)
				_exit(1);
		_exit(0); /* no spool_sync, no spool_free */
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	assert_pending(s, 1, 500);
	spool_free(s);
}
END_TEST

START_TEST(test_full_drops_oldest_and_counts)
{
	struct spool *s;
	uint64_t dropped_total = 0, d;
	ck_assert_int_eq(spool_open(dir, 16384, NULL, &s), 0);
	for (uint64_t i = 1; i <= 1000; i++) {
		ck_assert_int_eq(append(s, i, &d), 0);
		dropped_total += d;
		/* no spool_sync(): appends alone must keep the bound (a burst between commits) */
	}
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_gt(dropped_total, 0);
	ck_assert_uint_eq(st.dropped, dropped_total);
	ck_assert_uint_eq(st.depth + dropped_total, 1000); /* none vanished silently */
	ck_assert_uint_le(st.bytes, 16384 + 16384 / 8 + 200);
	/* the oldest went, the newest stayed */
	uint64_t seq;
	const uint8_t *data;
	uint32_t len;
	ck_assert_int_eq(spool_peek(s, st.depth - 1, &seq, &data, &len), 0);
	ck_assert_uint_eq(seq, 1000);
	ck_assert_int_eq(spool_peek(s, 0, &seq, &data, &len), 0);
	ck_assert_uint_eq(seq, dropped_total + 1);
	spool_free(s);
}
END_TEST

START_TEST(test_write_errors)
{
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, &faulty, &s), 0);
	ck_assert_int_eq(append(s, 1, NULL), 0);
	F.fail_write_errno = EIO;
	ck_assert_int_eq(append(s, 2, NULL), -EIO);
	F.fail_write_errno = ENOSPC;
	ck_assert_int_eq(append(s, 2, NULL), -ENOSPC);
	F.short_write_bytes = 7; /* torn frame left on disk (truncate fails) */
	ck_assert_int_eq(append(s, 2, NULL), -EIO);
	ck_assert_int_eq(append(s, 2, NULL), 0); /* retry succeeds, in a new segment */
	ck_assert_int_eq(append(s, 3, NULL), 0);
	F.fail_sync_errno = EIO; /* the segment's fdatasync only */
	ck_assert_int_eq(spool_sync(s), -EIO);
	ck_assert_int_eq(F.fail_sync_errno, 0); /* the data file's sync was really attempted */
	ck_assert(spool_needs_sync(s));         /* and is still owed */
	ck_assert_int_eq(spool_sync(s), 0);
	ck_assert(!spool_needs_sync(s));
	spool_free(s);

	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_eq(st.corrupt_frames, 1); /* the torn frame, reported */
	assert_pending(s, 1, 3);
	spool_free(s);
}
END_TEST

/* Each sync point on its own: the data file's failure is reported even when the directory's
 * succeeds (and the other way round), and nothing is marked durable that was not synced. */
START_TEST(test_sync_failures_are_separate)
{
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, &faulty, &s), 0);
	ck_assert_int_eq(append(s, 1, NULL), 0); /* new segment: data and directory owed */
	F.fail_sync_errno = EIO;
	ck_assert_int_eq(spool_sync(s), -EIO);
	ck_assert_int_eq(F.fail_sync_errno, 0);
	F.fail_dir_sync_errno = EIO;
	ck_assert_int_eq(spool_sync(s), -EIO); /* data synced now, the directory failed */
	ck_assert_int_eq(F.fail_dir_sync_errno, 0);
	ck_assert(spool_needs_sync(s));
	ck_assert_int_eq(spool_sync(s), 0);
	ck_assert_int_eq(append(s, 2, NULL), 0); /* same segment: only data owed */
	F.fail_sync_errno = ENOSPC;
	ck_assert_int_eq(spool_sync(s), -ENOSPC);
	ck_assert_int_eq(spool_sync(s), 0);
	spool_free(s);
}
END_TEST

/* The record size bound: exactly SPOOL_RECORD_MAX is taken (and read back whole after a
 * restart), one byte more is refused without touching the spool. */
START_TEST(test_record_size_bound)
{
	struct spool *s;
	uint8_t *big = malloc(SPOOL_RECORD_MAX + 1);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < SPOOL_RECORD_MAX + 1; i++)
		big[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	ck_assert_int_eq(spool_append(s, 1, big, SPOOL_RECORD_MAX + 1, NULL), -EMSGSIZE);
	ck_assert_int_eq(spool_append(s, 1, big, 0, NULL), -EMSGSIZE);
	ck_assert_int_eq(spool_append(s, 1, big, SPOOL_RECORD_MAX, NULL), 0);
	ck_assert_int_eq(spool_sync(s), 0);
	spool_free(s);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	uint64_t seq;
	const uint8_t *data;
	uint32_t len;
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_eq(st.depth, 1);
	ck_assert_uint_eq(st.corrupt_frames, 0);
	ck_assert_int_eq(spool_peek(s, 0, &seq, &data, &len), 0);
	ck_assert_uint_eq(seq, 1);
	ck_assert_uint_eq(len, SPOOL_RECORD_MAX);
	ck_assert_mem_eq(data, big, SPOOL_RECORD_MAX);
	spool_free(s);
	free(big);
}
END_TEST

/* Crash after N bytes for every N inside a frame: all earlier records survive. */
START_TEST(test_crash_after_n_bytes)
{
	for (long n = 0; n < 78; n += 3) { /* a frame here is 78 bytes */
		teardown();
		setup();
		struct spool *s;
		ck_assert_int_eq(spool_open(dir, 1 << 20, &faulty, &s), 0);
		for (uint64_t i = 1; i <= 5; i++)
			ck_assert_int_eq(append(s, i, NULL), 0);
		F.short_write_bytes = n;
		ck_assert_int_lt(append(s, 6, NULL), 0);
		spool_free(s);
		ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
		assert_pending(s, 1, 5);
		ck_assert_int_eq(append(s, 6, NULL), 0);
		spool_free(s);
	}
}
END_TEST

/* Garbage in a segment and a damaged ack file: reported, skipped, nothing acked is invented. */
START_TEST(test_corruption_recovery)
{
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	for (uint64_t i = 1; i <= 10; i++)
		ck_assert_int_eq(append(s, i, NULL), 0);
	ck_assert_int_eq(spool_ack(s, 3), 0);
	ck_assert_int_eq(spool_sync(s), 0);
	spool_free(s);

	char path[128];
	snprintf(path, sizeof(path), "%s/seg-0000000000000000", dir);
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	/* smash the middle of the 5th record's payload */
	ck_assert_int_eq(pwrite(fd, "XXXX", 4, 4 * 83 + 40), 4);
	close(fd);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_eq(st.corrupt_frames, 1);
	ck_assert_uint_eq(st.depth, 6); /* 4, 6..10 */
	spool_free(s);

	snprintf(path, sizeof(path), "%s/ack", dir);
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "\xff", 1, 0), 1);
	close(fd);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	spool_get_stats(s, &st);
	ck_assert_uint_eq(st.acked_seq, 0); /* damaged ack: resend, never skip */
	ck_assert_uint_eq(st.depth, 9);
	spool_free(s);
}
END_TEST

/* A segment file far larger than any the spool writes (sparse, 2 TiB): read only as far as a
 * segment can go, reported, and the records in it are still there. */
START_TEST(test_oversized_segment)
{
	struct spool *s;
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	for (uint64_t i = 1; i <= 5; i++)
		ck_assert_int_eq(append(s, i, NULL), 0);
	ck_assert_int_eq(spool_sync(s), 0);
	spool_free(s);

	char path[128];
	snprintf(path, sizeof(path), "%s/seg-0000000000000000", dir);
	ck_assert_int_eq(truncate(path, (off_t)2 << 40), 0);
	ck_assert_int_eq(spool_open(dir, 1 << 20, NULL, &s), 0);
	struct spool_stats st;
	spool_get_stats(s, &st);
	ck_assert_uint_ge(st.corrupt_frames, 1);
	assert_pending(s, 1, 5);
	spool_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reopen_and_ack);
	tcase_add_test(tc, test_sigkill_safe);
	tcase_add_test(tc, test_full_drops_oldest_and_counts);
	tcase_add_test(tc, test_write_errors);
	tcase_add_test(tc, test_sync_failures_are_separate);
	tcase_add_test(tc, test_record_size_bound);
	tcase_add_test(tc, test_crash_after_n_bytes);
	tcase_add_test(tc, test_corruption_recovery);
	tcase_add_test(tc, test_oversized_segment);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
