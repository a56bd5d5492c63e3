/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uplink_config_load: defaults, a full group, and each error with its file:line. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/uplink/uplink.h"

static char path[64];

static int load_bytes(const char *text, size_t len, struct uplink_config *c, char *err,
                      size_t errsize)
{
	strcpy(path, "/tmp/check_uplink_config-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	int r = uplink_config_load(path, c, err, errsize);
	unlink(path);
	return r;
}

static int load(const char *text, struct uplink_config *c, char *err, size_t errsize)
{
	return load_bytes(text, strlen(text), c, err, errsize);
}

START_TEST(test_missing_group_is_disabled)
{
	struct uplink_config c;
	char err[256];
	ck_assert_int_eq(load("agent = { policy_file = \"/x\"; };\n", &c, err, sizeof(err)), 0);
	ck_assert(!c.enabled);
	ck_assert_str_eq(c.protocol, "relp");
	ck_assert_uint_eq(c.heartbeat_sec, 300);
	ck_assert_uint_eq(c.spool_max_bytes, 64ull << 20);
}
END_TEST

START_TEST(test_full_group)
{
	struct uplink_config c;
	char err[256] = "";
	const char *t =
	    "uplink = {\n enabled = true;\n protocol = \"syslog\";\n host = \"logs.example\";\n"
	    " port = 6514;\n tls = true;\n ca_file = \"/etc/ca.pem\";\n"
	    " cert_file = \"/etc/c.pem\";\n key_file = \"/etc/c.key\";\n"
	    " server_name = \"collector\";\n user = \"nobody\";\n"
	    " spool_max_bytes = \"1G\";\n heartbeat_sec = 60;\n};\n";
	ck_assert_msg(load(t, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert(c.enabled && c.tls);
	ck_assert_str_eq(c.protocol, "syslog");
	ck_assert_str_eq(c.host, "logs.example");
	ck_assert_uint_eq(c.port, 6514);
	ck_assert_str_eq(c.server_name, "collector");
	ck_assert_uint_eq(c.spool_max_bytes, 1ull << 30);
	ck_assert_uint_eq(c.heartbeat_sec, 60);
	/* default ports */
	ck_assert_int_eq(load("uplink = { protocol = \"relp\"; };", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.port, 2514);
	ck_assert_int_eq(load("uplink = { protocol = \"syslog\"; };", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.port, 6514);
}
END_TEST

static const struct {
	const char *text;
	const char *error; /* expected after "path:" */
} bad[] = {
	{ "uplink = {\n protocol = \"http\";\n};", ":2: protocol must be \"relp\" or \"syslog\"" },
	{ "uplink = {\n port = 70000;\n};", ":2: port must be 1..65535" },
	{ "uplink = {\n port = 0;\n};", ":2: port must be 1..65535" },
	{ "uplink = {\n port = \"514\";\n};", ":2: port must be an integer" },
	{ "uplink = {\n enabled = 1;\n};", ":2: enabled must be true or false" },
	{ "uplink = {\n\n colour = 1;\n};", ":3: unknown setting uplink.colour" },
	{ "uplink = {\n spool_max_bytes = 100;\n};", ":2: spool_max_bytes must be 64K..1G" },
	{ "uplink = {\n spool_max_bytes = \"2G\";\n};", ":2: spool_max_bytes must be 64K..1G" },
	{ "uplink = {\n spool_max_bytes = \"12Q\";\n};",
	  ":2: spool_max_bytes: \"12Q\" is not a size" },
	{ "uplink = {\n spool_max_bytes = -5;\n};", ":2: spool_max_bytes must not be negative" },
	{ "uplink = {\n heartbeat_sec = 100000;\n};",
	  ":2: heartbeat_sec must be 0 (off) .. 86400" },
	{ "uplink = {\n user = \"\";\n};", ":2: user must not be empty" },
	{ "uplink = {\n host = \"a\\nb\";\n};", ":2: host contains a control character" },
	{ "uplink = { enabled = true; };", ":1: uplink is enabled but host is not set" },
	{ "uplink = { enabled = true; host = \"h\"; };", ":1: tls needs ca_file" },
	{ "uplink = { cert_file = \"/c\"; };", ":1: cert_file is set but key_file is not" },
	{ "uplink = { ca_file = \"ca.pem\"; };", ":1: ca.pem is not an absolute path" },
	{ "uplink = 5;", ":1: uplink must be a group" },
	{ "uplink = {\n host = ;\n};", ":2: syntax error" },
	{ "a = 1;\n@include \"/etc/passwd\"\n", ":2: @include is not allowed" },
};

START_TEST(test_errors)
{
	struct uplink_config c;
	char err[256] = "";
	memset(&c, 0x5a, sizeof(c));
	struct uplink_config before = c;
	ck_assert_int_eq(load(bad[_i].text, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "no file name in: %s", err);
	ck_assert_msg(strstr(err, bad[_i].error) != NULL, "case %d: got \"%s\", want \"%s\"", _i,
	              err, bad[_i].error);
	ck_assert_int_eq(memcmp(&c, &before, sizeof(c)), 0); /* ret untouched on failure */
}
END_TEST

/* libconfig would stop at a NUL byte and ignore the rest: refused */
START_TEST(test_nul_byte)
{
	static const char text[] = "a = 1;\nb = \"x\0y\";\n";
	struct uplink_config c;
	char err[256] = "";
	ck_assert_int_eq(load_bytes(text, sizeof(text) - 1, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, ":2: NUL byte in the file"));
}
END_TEST

/* The shipped example loads, with the values it documents. */
START_TEST(test_example_file)
{
	struct uplink_config c;
	char err[256] = "";
	ck_assert_msg(uplink_config_load(EXAMPLES_DIR "/portcullisd.conf", &c, err, sizeof(err)) ==
	                  0,
	              "%s", err);
	ck_assert(c.enabled);
	ck_assert_str_eq(c.protocol, "relp");
	ck_assert_uint_eq(c.port, 2514);
	ck_assert_uint_eq(c.spool_max_bytes, 256ull << 20);
}
END_TEST

START_TEST(test_missing_file)
{
	struct uplink_config c;
	char err[256];
	ck_assert_int_eq(uplink_config_load("/nonexistent/portcullisd.conf", &c, err, sizeof(err)),
	                 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/portcullisd.conf"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uplink_config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, test_missing_group_is_disabled);
	tcase_add_test(tc, test_full_group);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_nul_byte);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
