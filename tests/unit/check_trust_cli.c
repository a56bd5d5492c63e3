/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "portcullis policy ..." (agent/cli/cmd_policy.c) called in-process: keygen, sign, verify, show,
 * test and usage errors, on files in a temp dir. cmd_devices() (another area's command) is replaced
 * by a recorder so "policy test" can be checked for what it passes on.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_trust_util.h"
#include "agent/cli/commands.h"
#include "policy/trust/policy_store.h"
#include "policy/trust/trust.h"

/* ---- test double for the devices command ---- */
static int devices_argc;
static char devices_argv[8][256];

int cmd_devices(int argc, char **argv)
{
	devices_argc = argc;
	for (int i = 0; i < argc && i < 8; i++)
		snprintf(devices_argv[i], sizeof(devices_argv[i]), "%s", argv[i]);
	return 0;
}

static char *root, keys[256], pol[300], sig[300], state[256], out_path[300];
static char out[65536];

static void setup(void)
{
	root = tu_mkdtemp();
	snprintf(keys, sizeof(keys), "%s/keys", root);
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(pol, sizeof(pol), "%s/policy.conf", root);
	snprintf(sig, sizeof(sig), "%s/policy.conf.sig", root);
	snprintf(out_path, sizeof(out_path), "%s/stdout", root);
	ck_assert_int_eq(mkdir(keys, 0755), 0);
	ck_assert_int_eq(chmod(root, 0755), 0);
}

static void teardown(void)
{
	ts_rm_rf(root);
	free(root);
}

/* Runs cmd_policy with the given arguments (NULL-terminated), stdout captured into out. */
static int run(const char *first, ...)
{
	char *argv[32];
	int argc = 0, saved, fd, rc;
	va_list ap;

	argv[argc++] = "policy";
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	saved = dup(1);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(dup2(fd, 1), 0);
	close(fd);
	rc = cmd_policy(argc, argv);
	fflush(stdout);
	ck_assert_int_ge(dup2(saved, 1), 0);
	close(saved);
	for (int i = 1; i < argc; i++)
		free(argv[i]);

	size_t n = 0;
	uint8_t *b = tu_read_file(out_path, &n);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_lt(n, sizeof(out));
	memcpy(out, b, n + 1);
	free(b);
	return rc;
}

static void write_policy(unsigned serial, const char *key_id, const char *extra)
{
	char *t;
	ck_assert_int_gt(asprintf(&t,
	                          "version = 1;\nserial = %u;\nkey_id = \"%s\";\n%s\n"
	                          "rules = (\n"
	                          "  { id = \"block-0781\"; action = \"block\"; vid = 0x0781; "
	                          "comment = \"SanDisk sticks\"; },\n"
	                          "  { id = \"kbd\"; action = \"allow\"; kind = \"hid\"; }\n);\n",
	                          serial, key_id, extra ? extra : ""),
	                 0);
	tu_write_str(pol, t);
	free(t);
}

static void keygen(const char *id)
{
	ck_assert_int_eq(run("keygen", "--out", keys, "--id", id, NULL), 0);
}

static char *keyfile(const char *id, const char *ext)
{
	static char buf[400];
	snprintf(buf, sizeof(buf), "%s/%s.%s", keys, id, ext);
	return buf;
}

START_TEST(keygen_files)
{
	struct stat st;
	size_t n;
	keygen("it-1");
	ck_assert_int_eq(stat(keyfile("it-1", "key"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(keyfile("it-1", "pem"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	char *priv = (char *)tu_read_file(keyfile("it-1", "key"), &n);
	ck_assert_ptr_nonnull(strstr(priv, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
	uint8_t *pub = tu_read_file(keyfile("it-1", "pem"), &n);
	EVP_PKEY *k = NULL;
	char err[128];
	ck_assert_int_eq(trust_pubkey_parse(pub, n, &k, err, sizeof(err)), 0);
	EVP_PKEY_free(k);
	free(pub);

	/* never overwrites a key */
	ck_assert_int_eq(run("keygen", "--out", keys, "--id", "it-1", NULL), 1);
	size_t n2;
	char *again = (char *)tu_read_file(keyfile("it-1", "key"), &n2);
	ck_assert_str_eq(priv, again);
	free(priv);
	free(again);
}
END_TEST

START_TEST(keygen_usage)
{
	ck_assert_int_eq(run("keygen", "--out", keys, "--id", "../evil", NULL), 2);
	ck_assert_int_eq(run("keygen", "--out", keys, NULL), 2);
	ck_assert_int_eq(run("keygen", "--id", "x", NULL), 2);
	ck_assert_int_eq(run("keygen", "--out", keys, "--id", "x", "extra", NULL), 2);
	ck_assert_int_eq(access(keyfile("x", "key"), F_OK), -1);
}
END_TEST

START_TEST(sign_and_verify)
{
	struct stat st;
	keygen("it-1");
	write_policy(3, "it-1", NULL);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 0);
	ck_assert_int_eq(stat(sig, &st), 0);
	ck_assert_int_eq(st.st_size, 64);
	ck_assert_int_eq(
	    run("verify", "--keys", keys, "--state", state, "--no-owner-check", pol, NULL), 0);
	char want[512];
	snprintf(want, sizeof(want), "%s: OK (serial 3, key it-1, valid until never)\n", pol);
	ck_assert_str_eq(out, want);

	/* the openssl command line agrees with our signature */
	char *v[] = { "openssl",
		      "pkeyutl",
		      "-verify",
		      "-rawin",
		      "-pubin",
		      "-inkey",
		      keyfile("it-1", "pem"),
		      "-in",
		      pol,
		      "-sigfile",
		      sig,
		      NULL };
	ck_assert_int_eq(tu_run(v, NULL), 0);
}
END_TEST

START_TEST(sign_refuses)
{
	keygen("it-1");
	/* key_id names another key */
	write_policy(3, "it-2", NULL);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 1);
	ck_assert_int_eq(access(sig, F_OK), -1);
	/* does not parse */
	tu_write_str(pol, "version = 1;\nserial = 1;\nkey_id = \"it-1\";\nnonsense = 1;\n");
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 1);
	ck_assert_int_eq(access(sig, F_OK), -1);
	/* the public key is not a signing key */
	write_policy(3, "it-1", NULL);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "pem"), pol, NULL), 1);
	ck_assert_int_eq(access(sig, F_OK), -1);
	/* usage */
	ck_assert_int_eq(run("sign", pol, NULL), 2);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), NULL), 2);
}
END_TEST

START_TEST(verify_rejections)
{
	keygen("it-1");
	write_policy(3, "it-1", "hosts = [ \"ws-*\" ];");
	/* unsigned */
	ck_assert_int_eq(run("verify", "--keys", keys, "--state", state, "--no-owner-check",
	                     "--host", "ws-1", pol, NULL),
	                 1);
	ck_assert_ptr_nonnull(strstr(out, "not signed"));
	ck_assert_ptr_nonnull(strstr(out, pol));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1); /* exactly one line */
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 0);
	/* the host matters */
	ck_assert_int_eq(run("verify", "--keys", keys, "--state", state, "--no-owner-check",
	                     "--host", "ws-1", pol, NULL),
	                 0);
	ck_assert_int_eq(run("verify", "--keys", keys, "--state", state, "--no-owner-check",
	                     "--host", "db-1", pol, NULL),
	                 1);
	ck_assert_ptr_nonnull(strstr(out, "not for this host (db-1)"));
	/* tampered after signing */
	write_policy(4, "it-1", "hosts = [ \"ws-*\" ];");
	ck_assert_int_eq(run("verify", "--keys", keys, "--state", state, "--no-owner-check",
	                     "--host", "ws-1", pol, NULL),
	                 1);
	ck_assert_ptr_nonnull(strstr(out, "signature does not verify"));
	/* unknown key: another keys directory */
	char other[300];
	snprintf(other, sizeof(other), "%s/otherkeys", root);
	ck_assert_int_eq(mkdir(other, 0755), 0);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 0);
	ck_assert_int_eq(run("verify", "--keys", other, "--state", state, "--no-owner-check",
	                     "--host", "ws-1", pol, NULL),
	                 1);
	ck_assert_ptr_nonnull(strstr(out, "unknown key 'it-1'"));
	/* usage */
	ck_assert_int_eq(run("verify", NULL), 2);
	ck_assert_int_eq(run("verify", "--bogus", pol, NULL), 2);
}
END_TEST

START_TEST(verify_rollback_against_state)
{
	struct policy_load_result res;
	struct policy *p = NULL;
	keygen("it-1");
	write_policy(5, "it-1", NULL);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 0);
	/* the agent accepted serial 5 on this host */
	struct policy_store_config cfg = {
		.policy_path = pol, .keys_dir = keys, .state_dir = state, .hostname = "h"
	};
	ck_assert_int_eq(policy_store_load(&cfg, NULL, time(NULL), &p, &res), 0);
	ck_assert_int_eq(res.status, POLICY_STATUS_ACCEPTED);
	policy_free(p);
	write_policy(4, "it-1", NULL);
	ck_assert_int_eq(run("sign", "--key", keyfile("it-1", "key"), pol, NULL), 0);
	ck_assert_int_eq(
	    run("verify", "--keys", keys, "--state", state, "--no-owner-check", pol, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "serial 4 is lower than the highest accepted serial 5"));
}
END_TEST

START_TEST(show_file_and_builtin)
{
	write_policy(7, "it-1", "hosts = [ \"ws-*\" ];");
	ck_assert_int_eq(run("show", pol, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "serial:      7\n"));
	ck_assert_ptr_nonnull(strstr(out, "key:         it-1\n"));
	ck_assert_ptr_nonnull(strstr(out, "hosts:       ws-*\n"));
	ck_assert_ptr_nonnull(strstr(out, "default:     block\n"));
	ck_assert_ptr_nonnull(strstr(out, "rules (2, first match decides):"));
	ck_assert_ptr_nonnull(strstr(out, "block-0781"));
	ck_assert_ptr_nonnull(strstr(out, "vid = 0x0781;"));
	ck_assert_ptr_nonnull(strstr(out, "# SanDisk sticks"));
	ck_assert_ptr_nonnull(strstr(out, "kind = \"hid\";"));
	ck_assert_ptr_nonnull(strstr(out, "NOT accepted here")); /* unsigned draft */
	ck_assert_int_eq(run("show", "--builtin", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "built-in default"));
	ck_assert_ptr_nonnull(strstr(out, "serial:      0\n"));
	/* a file that does not parse: one line with the line number */
	tu_write_str(pol, "version = 1;\nserial = 1;\nbad = ;\n");
	ck_assert_int_eq(run("show", pol, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "policy.conf:3: "));
	ck_assert_int_eq(run("show", "--bogus", NULL), 2);
	ck_assert_int_eq(run("show", pol, pol, NULL), 2);
}
END_TEST

START_TEST(test_passes_to_devices)
{
	ck_assert_int_eq(run("test", pol, NULL), 0);
	ck_assert_int_eq(devices_argc, 3);
	ck_assert_str_eq(devices_argv[0], "devices");
	ck_assert_str_eq(devices_argv[1], "--policy");
	ck_assert_str_eq(devices_argv[2], pol);
	ck_assert_int_eq(run("test", "--json", pol, NULL), 0);
	ck_assert_int_eq(devices_argc, 4);
	ck_assert_str_eq(devices_argv[3], "--json");
	ck_assert_int_eq(run("test", NULL), 2);
	ck_assert_int_eq(run("test", "--bogus", pol, NULL), 2);
}
END_TEST

START_TEST(usage_errors)
{
	char *argv[] = { "policy", NULL };
	ck_assert_int_eq(cmd_policy(1, argv), 2);
	ck_assert_int_eq(run("frobnicate", NULL), 2);
	ck_assert_int_eq(run("--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "keygen"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("trust_cli");
	TCase *tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keygen_files);
	tcase_add_test(tc, keygen_usage);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, sign_refuses);
	tcase_add_test(tc, verify_rejections);
	tcase_add_test(tc, verify_rollback_against_state);
	tcase_add_test(tc, show_file_and_builtin);
	tcase_add_test(tc, test_passes_to_devices);
	tcase_add_test(tc, usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cli_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
