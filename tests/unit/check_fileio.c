/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy/base/fileio.c: read_file_bounded() (the CLI's reader of policy, descriptor and key files)
 * and read_file_trusted() (portcullisd.conf: no symlink, owner and mode rules, cap). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/base/fileio.h"

static char dir[] = "/tmp/pc-fileio.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/pc-fileio.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "%s/f", dir);
	(void)unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/fifo", dir);
	(void)unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/link", dir);
	(void)unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/w", dir);
	(void)unlink(cmd);
	(void)rmdir(dir);
}

static const char *put(const char *data, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "%s/f", dir);
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(reads_whole_file_nul_terminated)
{
	char *buf = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file_bounded(put("ab\0cd", 5), 16, &buf, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(buf, "ab\0cd", 6), 0); /* NUL after the data */
	free(buf);
}
END_TEST

START_TEST(empty_file)
{
	char *buf = NULL;
	size_t len = 7;
	ck_assert_int_eq(read_file_bounded(put("", 0), 16, &buf, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(buf, "");
	free(buf);
}
END_TEST

/* Exactly at the cap is fine; one byte over reads max + 1 so the caller can say "too large". */
START_TEST(cap_boundaries)
{
	char *buf = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file_bounded(put("12345678", 8), 8, &buf, &len), 0);
	ck_assert_uint_eq(len, 8);
	free(buf);
	ck_assert_int_eq(read_file_bounded(put("123456789abc", 12), 8, &buf, &len), 0);
	ck_assert_uint_eq(len, 9);
	ck_assert_int_eq(buf[9], '\0');
	free(buf);
}
END_TEST

START_TEST(not_regular_files)
{
	char *buf = NULL, path[64];
	size_t len = 0;
	ck_assert_int_eq(read_file_bounded(dir, 16, &buf, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(read_file_bounded(path, 16, &buf, &len), -EINVAL); /* and does not block */
	snprintf(path, sizeof(path), "%s/missing", dir);
	ck_assert_int_eq(read_file_bounded(path, 16, &buf, &len), -ENOENT);
	ck_assert_ptr_null(buf);
}
END_TEST

START_TEST(trusted_reads_and_refuses)
{
	const char *path = put("abc\n", 4);
	char link[64], reason[128] = "", *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, path, 4, FILEIO_NOFOLLOW, &buf, &len,
	                                   reason, sizeof(reason)),
	                 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(buf, "abc\n");
	free(buf);
	buf = NULL;
	/* over the cap by one byte */
	ck_assert_int_eq(
	    read_file_trusted(NULL, AT_FDCWD, path, 3, 0, &buf, &len, reason, sizeof(reason)),
	    -EFBIG);
	ck_assert_str_eq(reason, "too large (4 bytes, the limit is 3)");
	ck_assert_ptr_null(buf);
	/* a symlink: followed without the flag, refused with it */
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, link, 16, 0, &buf, &len, NULL, 0), 0);
	free(buf);
	buf = NULL;
	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, link, 16, FILEIO_NOFOLLOW, &buf, &len,
	                                   reason, sizeof(reason)),
	                 -ELOOP);
	ck_assert_str_eq(reason, "is a symlink, refusing");
	/* mode and owner rules */
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, path, 16, FILEIO_NO_GW, &buf, &len,
	                                   reason, sizeof(reason)),
	                 -EACCES);
	ck_assert_str_eq(reason, "group- or world-writable (mode 0664)");
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(
	    read_file_trusted(NULL, AT_FDCWD, path, 16, FILEIO_NO_GW, &buf, &len, NULL, 0), 0);
	free(buf);
	buf = NULL;
	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, path, 16, FILEIO_ROOT_OWNED, &buf, &len,
	                                   reason, sizeof(reason)),
	                 geteuid() == 0 ? 0 : -EPERM);
	free(buf);
	buf = NULL;
	/* not a regular file, missing */
	ck_assert_int_eq(
	    read_file_trusted(NULL, AT_FDCWD, dir, 16, 0, &buf, &len, reason, sizeof(reason)),
	    -EISDIR);
	ck_assert_str_eq(reason, "not a regular file");
	ck_assert_int_eq(read_file_trusted(NULL, AT_FDCWD, "/nonexistent/x", 16, 0, &buf, &len,
	                                   reason, sizeof(reason)),
	                 -ENOENT);
	ck_assert_ptr_null(buf);
}
END_TEST

static ssize_t failing_write(int fd, const void *buf, size_t n)
{
	(void)fd, (void)buf, (void)n;
	errno = ENOSPC;
	return -1;
}

/* Only the final name or nothing: no temporary left, exact mode, no overwrite when asked. */
START_TEST(atomic_writer)
{
	static const struct fileio_ops full_disk = { .write = failing_write };
	char path[64], tmp[64], *buf = NULL;
	struct stat st;
	size_t len = 0;
	mode_t old = umask(0077);

	snprintf(path, sizeof(path), "%s/w", dir);
	snprintf(tmp, sizeof(tmp), "%s/.w.tmp", dir);
	ck_assert_int_eq(write_file_atomic(NULL, AT_FDCWD, path, "one", 3, 0644, 0), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644); /* whatever the umask */
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* replaced */
	ck_assert_int_eq(write_file_atomic(NULL, AT_FDCWD, path, "second", 6, 0600, 0), 0);
	ck_assert_int_eq(read_file_bounded(path, 64, &buf, &len), 0);
	ck_assert_str_eq(buf, "second");
	free(buf);
	/* no overwrite asked: refused, the old content stays, no temporary left */
	ck_assert_int_eq(
	    write_file_atomic(NULL, AT_FDCWD, path, "third", 5, 0600, FILEIO_NOREPLACE), -EEXIST);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* the disk is full: the old content stays, no temporary left */
	ck_assert_int_eq(write_file_atomic(&full_disk, AT_FDCWD, path, "fourth", 6, 0600, 0),
	                 -ENOSPC);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(read_file_bounded(path, 64, &buf, &len), 0);
	ck_assert_str_eq(buf, "second");
	free(buf);
	/* a leftover temporary of a crash does not stop the next write */
	ck_assert_int_eq(close(open(tmp, O_WRONLY | O_CREAT, 0600)), 0);
	ck_assert_int_eq(write_file_atomic(NULL, AT_FDCWD, path, "fifth", 5, 0600, 0), 0);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* a missing directory */
	ck_assert_int_eq(write_file_atomic(NULL, AT_FDCWD, "/nonexistent/x", "", 0, 0600, 0),
	                 -ENOENT);
	umask(old);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("read_file_bounded");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_whole_file_nul_terminated);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, cap_boundaries);
	tcase_add_test(tc, not_regular_files);
	tcase_add_test(tc, trusted_reads_and_refuses);
	tcase_add_test(tc, atomic_writer);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
