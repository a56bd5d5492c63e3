/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "agent" group of portcullisd.conf (agent/settings.c): good and bad inputs, table-driven. */
#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/daemon/settings.h"

static const struct {
	const char *text;
	int error;           /* expected return */
	const char *err_has; /* substring of the message on error */
} cases[] = {
	/* empty file and other groups only: defaults */
	{ "", 0, NULL },
	{ "uplink = { host = \"x\"; };", 0, NULL },
	/* every key */
	{ "agent = { policy_file = \"/p.conf\"; keys_dir = \"/k\"; state_dir = \"/s\"; "
	  "log_dir = \"/l\"; spool_dir = \"/sp\"; sysfs_root = \"/t\"; mode_override = \"audit\"; "
	  "};",
	  0, NULL },
	/* typo in a key */
	{ "agent = {\n  polciy_file = \"/p\";\n};", -EBADMSG,
	  "line 2: unknown key agent.polciy_file" },
	/* wrong type */
	{ "agent = { state_dir = 5; };", -EBADMSG, "must be a string" },
	/* relative path */
	{ "agent = { log_dir = \"var/log\"; };", -EBADMSG, "absolute path" },
	/* unknown mode */
	{ "agent = { mode_override = \"permissive\"; };", -EBADMSG, "mode_override" },
	/* not a group */
	{ "agent = 1;", -EBADMSG, "must be a group" },
	/* syntax error */
	{ "agent = { state_dir = \"/s\" ", -EBADMSG, "line" },
	/* includes are refused, anywhere (the raw-text guard shared with the policy loader) */
	{ "@include \"/etc/shadow\"\n", -EBADMSG,
	  "line 1: \"@include\" is not allowed in portcullisd.conf" },
	{ "agent = {\n  log_dir = \"/l\"; # @INCLUDE \"/x\"\n};", -EBADMSG,
	  "line 2: \"@include\"" },
	/* integers libconfig would wrap (4294967297 reads as 1) */
	{ "uplink = {\n  port = 4294967297;\n};", -EBADMSG,
	  "line 2: integer 4294967297 out of range" },
	{ "uplink = { heartbeat_sec = 0x1FFFFFFFF; };", -EBADMSG, "out of range" },
	/* unknown top-level groups and settings are refused: a typo must not pass silently */
	{ "agnet = { log_dir = \"/l\"; };", -EBADMSG, "line 1: unknown group \"agnet\"" },
	{ "agent = { };\nfoo = 1;", -EBADMSG, "line 2: unknown group \"foo\"" },
	/* a bad uplink group does not refuse the file (see test_settings_uplink) */
	{ "uplink = { port = 0; };", 0, NULL },
};

START_TEST(test_settings_table)
{
	struct agent_settings s;
	char err[256] = "";
	int r;

	agent_settings_defaults(&s);
	r = agent_settings_parse(cases[_i].text, strlen(cases[_i].text), &s, err, sizeof(err));
	ck_assert_msg(r == cases[_i].error, "case %d: %d (%s)", _i, r, err);
	if (cases[_i].err_has)
		ck_assert_msg(strstr(err, cases[_i].err_has), "case %d: message '%s'", _i, err);
}
END_TEST

START_TEST(test_settings_values)
{
	struct agent_settings s;
	char err[256];
	const char *t = "agent = { state_dir = \"/srv/pc\"; mode_override = \"audit\"; };";

	agent_settings_defaults(&s);
	ck_assert(!s.force_audit);
	ck_assert_str_eq(s.sysfs_root, "/sys");
	ck_assert_int_eq(agent_settings_parse(t, strlen(t), &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.state_dir, "/srv/pc");
	ck_assert(s.force_audit);
	/* a rejected file leaves the settings alone */
	t = "agent = { state_dir = \"/other\"; bogus = \"x\"; };";
	ck_assert_int_eq(agent_settings_parse(t, strlen(t), &s, err, sizeof(err)), -EBADMSG);
	ck_assert_str_eq(s.state_dir, "/srv/pc");
	/* NUL bytes are refused (libconfig would ignore what follows) */
	ck_assert_int_eq(agent_settings_parse("a\0b", 3, &s, err, sizeof(err)), -EBADMSG);
	ck_assert_msg(strstr(err, "line 1: NUL byte at offset 1"), "message '%s'", err);
	/* a missing file means defaults */
	agent_settings_defaults(&s);
	ck_assert_int_eq(
	    agent_settings_load("/nonexistent/portcullisd.conf", true, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.sysfs_root, "/sys");
}
END_TEST

/*
 * The file can force audit mode: with the owner check it must be root's and not group- or
 * world-writable, else it is refused (-EPERM) and nothing in it applies.
 */
START_TEST(test_settings_file_trust)
{
	static const char text[] = "agent = { mode_override = \"audit\"; };\n";
	char path[] = "/tmp/pc-settings-XXXXXX", err[256];
	struct agent_settings s;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	ck_assert_int_eq(close(fd), 0);

	ck_assert_int_eq(chmod(path, 0666), 0);
	agent_settings_defaults(&s);
	ck_assert_int_eq(agent_settings_load(path, true, &s, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "group- or world-writable (mode 0666)"), "message '%s'", err);
	ck_assert(!s.force_audit);
	ck_assert_int_eq(chmod(path, 0620), 0);
	ck_assert_int_eq(agent_settings_load(path, true, &s, err, sizeof(err)), -EPERM);
	ck_assert(!s.force_audit);
	/* without the check (tests on temporary directories) it applies */
	ck_assert_int_eq(agent_settings_load(path, false, &s, err, sizeof(err)), 0);
	ck_assert(s.force_audit);

	ck_assert_int_eq(chmod(path, 0644), 0);
	agent_settings_defaults(&s);
	if (geteuid() == 0) {
		ck_assert_int_eq(agent_settings_load(path, true, &s, err, sizeof(err)), 0);
		ck_assert(s.force_audit);
		/* owned by someone else: refused even when not writable by others */
		ck_assert_int_eq(chown(path, 1, 1), 0);
		agent_settings_defaults(&s);
		ck_assert_int_eq(agent_settings_load(path, true, &s, err, sizeof(err)), -EPERM);
		ck_assert_msg(strstr(err, "not owned by root (uid 1)"), "message '%s'", err);
		ck_assert(!s.force_audit);
	} else {
		ck_assert_int_eq(agent_settings_load(path, true, &s, err, sizeof(err)), -EPERM);
	}
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* One parse gives both groups; a bad uplink group leaves the agent's settings in force, the
 * uplink at its defaults (disabled) and says why. */
START_TEST(test_settings_uplink)
{
	struct agent_settings s;
	char err[256] = "";
	const char *t = "agent = { state_dir = \"/s\"; };\n"
	                "uplink = {\n  enabled = true;\n  host = \"logs\";\n  tls = false;\n  "
	                "allow_plaintext = true;\n"
	                "  heartbeat_sec = 60;\n};\n";

	agent_settings_defaults(&s);
	ck_assert_uint_eq(s.uplink.heartbeat_sec, 300);
	ck_assert(!s.uplink.enabled);
	ck_assert_msg(agent_settings_parse(t, strlen(t), &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(s.state_dir, "/s");
	ck_assert(s.uplink.enabled);
	ck_assert_str_eq(s.uplink.host, "logs");
	ck_assert_uint_eq(s.uplink.heartbeat_sec, 60);
	ck_assert_str_eq(s.uplink_error, "");

	t = "agent = { state_dir = \"/t\"; };\nuplink = {\n  enabled = true;\n  port = 0;\n};\n";
	agent_settings_defaults(&s);
	ck_assert_int_eq(agent_settings_parse(t, strlen(t), &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.state_dir, "/t");
	ck_assert(!s.uplink.enabled);
	ck_assert_str_eq(s.uplink_error, "line 4: port must be 1..65535");
}
END_TEST

/* The file is read without following a symlink (the reader is policy/base/fileio.c). */
START_TEST(test_settings_symlink)
{
	char dir[] = "/tmp/pc-settings-XXXXXX", target[64], link[64], err[256] = "";
	struct agent_settings s;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/real.conf", dir);
	snprintf(link, sizeof(link), "%s/portcullisd.conf", dir);
	f = fopen(target, "w");
	ck_assert_ptr_nonnull(f);
	fputs("agent = { mode_override = \"audit\"; };\n", f);
	fclose(f);
	ck_assert_int_eq(symlink(target, link), 0);
	agent_settings_defaults(&s);
	ck_assert_int_eq(agent_settings_load(link, false, &s, err, sizeof(err)), -ELOOP);
	ck_assert_msg(strstr(err, "symlink"), "message '%s'", err);
	ck_assert(!s.force_audit);
	ck_assert_int_eq(agent_settings_load(target, false, &s, err, sizeof(err)), 0);
	ck_assert(s.force_audit);
	unlink(link);
	unlink(target);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_settings");
	TCase *tc = tcase_create("settings");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_settings_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_settings_values);
	tcase_add_test(tc, test_settings_file_trust);
	tcase_add_test(tc, test_settings_uplink);
	tcase_add_test(tc, test_settings_symlink);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
