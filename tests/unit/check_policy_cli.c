/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "portcullis policy check FILE" (agent/cli/cmd_policy_check.c), called in-process with its output
 * captured: exit codes 0/1/2, the OK line, "FILE:LINE: reason" and the lint warnings.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/commands.h"

struct run {
	int status;
	char out[4096], err[4096];
};

static void slurp_fd(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static void run(struct run *r, int argc, const char *a1, const char *a2)
{
	char b0[] = "check", b1[512] = "", b2[512] = "";
	snprintf(b1, sizeof(b1), "%s", a1 ? a1 : "");
	snprintf(b2, sizeof(b2), "%s", a2 ? a2 : "");
	char *argv[] = { b0, a1 ? b1 : NULL, a2 ? b2 : NULL, NULL };
	FILE *fo = tmpfile(), *fe = tmpfile();
	ck_assert(fo && fe);
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	r->status = cmd_policy_check(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp_fd(fileno(fo), r->out, sizeof(r->out));
	slurp_fd(fileno(fe), r->err, sizeof(r->err));
	fclose(fo);
	fclose(fe);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/check_policy_cli_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_ok)
{
	struct run r;
	const char *f = TEST_DATA_DIR "/policies/good/example.conf";
	char want[512];
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), "%s: OK (serial 42, 4 rules, mode enforce)\n", f);
	ck_assert_str_eq(r.out, want);
	ck_assert_msg(!strstr(r.err, "warning: rule"), "%s", r.err);
}
END_TEST

START_TEST(test_bad)
{
	struct run r;
	const char *f = TEST_DATA_DIR "/policies/bad/unknown-rule-key.conf";
	char want[512];
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	snprintf(want, sizeof(want), "%s:6: rule 'phones': unknown key 'vendor'\n", f);
	ck_assert_str_eq(r.err, want);

	f = TEST_DATA_DIR "/policies/bad/missing-serial.conf";
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(want, sizeof(want), "%s: missing required key 'serial'\n", f);
	ck_assert_str_eq(r.err, want);
}
END_TEST

START_TEST(test_lint)
{
	struct run r;
	char *f = write_tmp("version = 1;\nserial = 9;\ndefault = \"allow\";\n"
	                    "not_after = \"2001-01-01T00:00:00Z\";\nrules = (\n"
	                    "  { id = \"everything\"; action = \"block\"; },\n"
	                    "  { id = \"hid\"; action = \"allow\"; kind = \"hid\"; }\n);\n");
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 0); /* warnings do not fail the check */
	ck_assert_msg(strstr(r.out, ": OK (serial 9, 2 rules, mode enforce)"), "%s", r.out);
	ck_assert_msg(strstr(r.err, ":7: warning: rule 'hid' can never match: rule 'everything' "
	                            "(line 6)"),
	              "%s", r.err);
	ck_assert_msg(strstr(r.err, "warning: default is \"allow\""), "%s", r.err);
	ck_assert_msg(strstr(r.err, "warning: expired"), "%s", r.err);
	unlink(f);

	/* a time-boxed catch-all shadows nothing; a rule whose window ended is reported */
	f = write_tmp(
	    "version = 1;\nserial = 9;\nrules = (\n"
	    "  { id = \"all-day\"; action = \"block\"; not_after = \"2099-01-01T00:00:00Z\"; },\n"
	    "  { id = \"old\"; action = \"allow\"; kind = \"hid\"; not_after = "
	    "\"2001-01-01T00:00:00Z\"; },\n"
	    "  { id = \"hid\"; action = \"allow\"; kind = \"hid\"; }\n);\n");
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strstr(r.err, "can never match"), "%s", r.err);
	ck_assert_msg(strstr(r.err, ":5: warning: rule 'old' has ended"), "%s", r.err);
	ck_assert_msg(!strstr(r.err, "rule 'all-day' has ended"), "%s", r.err);
	unlink(f);
}
END_TEST

START_TEST(test_usage_and_io)
{
	struct run r;
	run(&r, 1, NULL, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "Usage: portcullis policy check FILE"), "%s", r.err);
	run(&r, 3, "a", "b");
	ck_assert_int_eq(r.status, 2);
	run(&r, 2, "--bogus", NULL);
	ck_assert_int_eq(r.status, 2);
	run(&r, 2, "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "Usage:"), "%s", r.out);

	run(&r, 2, "/nonexistent/policy.conf", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "/nonexistent/policy.conf: No such file or directory\n");
	run(&r, 2, "/tmp", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "/tmp: Is a directory\n");
}
END_TEST

/* A file name is printed escaped; a NUL byte in the file is reported with its line. */
START_TEST(test_escaping_and_nul)
{
	struct run r;
	char *f = write_tmp("version = 1;\nserial = 1;\n");
	char odd[128];
	snprintf(odd, sizeof(odd), "%s-\x1b[31m", f);
	ck_assert_int_eq(rename(f, odd), 0);
	run(&r, 2, odd, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "-\\x1b[31m: OK (serial 1, 0 rules"), "%s", r.out);
	ck_assert_ptr_null(strchr(r.out, '\x1b'));
	unlink(odd);

	int fd = open(f, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "version = 1;\nserial\0 = 1;\n", 26), 26);
	close(fd);
	run(&r, 2, f, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, ":2: NUL byte at offset 19"), "%s", r.err);
	unlink(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy_cli");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_lint);
	tcase_add_test(tc, test_usage_and_io);
	tcase_add_test(tc, test_escaping_and_nul);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
