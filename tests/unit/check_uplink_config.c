/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uplink_config_parse_group: defaults, a full group, and each error with its line. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "agent/uplink/uplink_config.h"
#include "policy/base/fileio.h"

/* Parses text with libconfig and hands its "uplink" group (if any) to the group parser, as the
 * agent's settings reader does. */
static int load(const char *text, struct uplink_config *c, char *err, size_t errsize)
{
	config_t cfg;
	const config_setting_t *g;
	int r = 0;

	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		snprintf(err, errsize, "line %d: %s", config_error_line(&cfg),
		         config_error_text(&cfg));
		r = -EINVAL;
	} else if ((g = config_lookup(&cfg, "uplink")))
		r = uplink_config_parse_group(g, c, err, errsize);
	else
		uplink_config_init(c);
	config_destroy(&cfg);
	return r;
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
	/* clear text only when said twice */
	ck_assert_int_eq(load("uplink = { tls = false; allow_plaintext = true; protocol = "
	                      "\"syslog\"; };",
	                      &c, err, sizeof(err)),
	                 0);
	ck_assert(!c.tls && c.allow_plaintext);
	ck_assert_uint_eq(c.port, 514);
}
END_TEST

static const struct {
	const char *text;
	const char *error; /* expected message */
} bad[] = {
	{ "uplink = {\n protocol = \"http\";\n};",
	  "line 2: protocol must be \"relp\" or \"syslog\"" },
	{ "uplink = {\n port = 70000;\n};", "line 2: port must be 1..65535" },
	{ "uplink = {\n port = 0;\n};", "line 2: port must be 1..65535" },
	{ "uplink = {\n port = \"514\";\n};", "line 2: port must be an integer" },
	{ "uplink = {\n enabled = 1;\n};", "line 2: enabled must be true or false" },
	{ "uplink = {\n\n colour = 1;\n};", "line 3: unknown setting uplink.colour" },
	{ "uplink = {\n spool_max_bytes = 100;\n};", "line 2: spool_max_bytes must be 64K..1G" },
	{ "uplink = {\n spool_max_bytes = \"2G\";\n};", "line 2: spool_max_bytes must be 64K..1G" },
	{ "uplink = {\n spool_max_bytes = \"12Q\";\n};",
	  "line 2: spool_max_bytes: \"12Q\" is not a size" },
	{ "uplink = {\n spool_max_bytes = -5;\n};",
	  "line 2: spool_max_bytes must not be negative" },
	{ "uplink = {\n heartbeat_sec = 100000;\n};",
	  "line 2: heartbeat_sec must be 0 (off) .. 86400" },
	{ "uplink = {\n user = \"\";\n};", "line 2: user must not be empty" },
	{ "uplink = {\n host = \"a\\nb\";\n};", "line 2: host contains a control character" },
	{ "uplink = { enabled = true; };", "line 1: uplink is enabled but host is not set" },
	{ "uplink = { enabled = true; host = \"h\"; };", "line 1: tls needs ca_file" },
	{ "uplink = { enabled = true; host = \"h\"; tls = false; };",
	  "line 1: tls = false sends the incident log in clear text: refused unless "
	  "allow_plaintext" },
	{ "uplink = { tls = false; allow_plaintext = false; };", "line 1: tls = false sends" },
	{ "uplink = { allow_plaintext = 1; };", "allow_plaintext must be true or false" },
	{ "uplink = { cert_file = \"/c\"; };", "line 1: cert_file is set but key_file is not" },
	{ "uplink = { ca_file = \"ca.pem\"; };", "line 1: ca.pem is not an absolute path" },
	{ "uplink = 5;", "line 1: uplink must be a group" },
	{ "uplink = {\n host = ;\n};", "line 2: syntax error" },
};

START_TEST(test_errors)
{
	struct uplink_config c;
	char err[256] = "";
	memset(&c, 0x5a, sizeof(c));
	struct uplink_config before = c;
	ck_assert_int_eq(load(bad[_i].text, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i].error) != NULL, "case %d: got \"%s\", want \"%s\"", _i,
	              err, bad[_i].error);
	ck_assert_int_eq(memcmp(&c, &before, sizeof(c)), 0); /* ret untouched on failure */
}
END_TEST

/* The shipped example loads, with the values it documents. */
START_TEST(test_example_file)
{
	struct uplink_config c;
	char err[256] = "";
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file_bounded(EXAMPLES_DIR "/portcullisd.conf", 65536, &text, &len),
	                 0);
	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	free(text);
	ck_assert(c.enabled);
	ck_assert_str_eq(c.protocol, "relp");
	ck_assert_uint_eq(c.port, 2514);
	ck_assert_uint_eq(c.spool_max_bytes, 256ull << 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uplink_config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, test_missing_group_is_disabled);
	tcase_add_test(tc, test_full_group);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_example_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
