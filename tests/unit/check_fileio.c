/* SPDX-License-Identifier: GPL-2.0-or-later */
/* read_file_bounded() (policy/base/fileio.c): the CLI's reader of policy, descriptor and key files.
 */
#include <check.h>
#include <errno.h>
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

int main(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("read_file_bounded");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_whole_file_nul_terminated);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, cap_boundaries);
	tcase_add_test(tc, not_regular_files);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
