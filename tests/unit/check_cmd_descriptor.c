/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "portcullis descriptor dump": output, errors and usage, calling cmd_descriptor() directly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/commands.h"
#include "policy/base/macro.h"
#include "tests/unit/desc_testdata.h"

#define DATA TEST_DATA_DIR "/descriptors"

static char out[1 << 16], err[1 << 16];

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
}

/* Runs the command with stdout and stderr captured into out[] and err[]; returns its status. */
static int run(int argc, const char **argv)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO), r;
	char *v[8] = { 0 }; /* commands may permute or modify their argv */

	ck_assert(o && e && so >= 0 && se >= 0);
	ck_assert_int_lt(argc, (int)ARRAY_SIZE(v));
	for (int i = 0; i < argc; i++)
		ck_assert_ptr_nonnull(v[i] = strdup(argv[i]));
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(o), STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(fileno(e), STDERR_FILENO), 0);
	r = cmd_descriptor(argc, v);
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(so, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(se, STDERR_FILENO), 0);
	close(so);
	close(se);
	for (int i = 0; i < argc; i++)
		free(v[i]);
	slurp(o, out, sizeof(out));
	slurp(e, err, sizeof(err));
	fclose(o);
	fclose(e);
	return r;
}

#define assert_has(buf, s) ck_assert_msg(strstr(buf, s), "missing \"%s\" in:\n%s", s, buf)

START_TEST(test_dump_hex)
{
	const char *argv[] = { "descriptor", "dump", DATA "/android-mtp-adb.hex", "--hex" };

	ck_assert_int_eq(run(4, argv), 0);
	assert_has(out, "device 18d1:4ee2: USB 2.10, class 00/00/00, bcdDevice 4.40, "
	                "1 configuration\n");
	assert_has(out,
	           "configuration 1: 2 interfaces, attributes 0x80, max power 500 mA, 62 bytes\n");
	assert_has(out, "  interface 0: kinds ptp (primary ptp)\n"
	                "    alt 0: 06/01/01, 3 endpoints, bulk 1 in 1 out, interrupt 1 in 0 out, "
	                "iInterface 5: ptp\n");
	assert_has(out, "  interface 1: kinds adb (primary adb)\n"
	                "    alt 0: ff/42/01, 2 endpoints, bulk 1 in 1 out, iInterface 6: adb\n");
	assert_has(out, "kinds: ptp,adb\n");
	ck_assert_str_eq(err, "");
}
END_TEST

/* Raw bytes, as copied from sysfs; the digest is the one the agent logs. */
START_TEST(test_dump_raw)
{
	struct desc_testcase *tc = NULL;
	char path[] = "/tmp/check_cmd_descriptor.XXXXXX";
	int fd = mkstemp(path);
	const char *argv[] = { "descriptor", "dump", path };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(desc_testcase_load(DATA, "usb-stick", &tc), 0);
	ck_assert_int_eq(write(fd, tc->blob, tc->len), (ssize_t)tc->len);
	close(fd);
	ck_assert_int_eq(run(3, argv), 0);
	unlink(path);
	assert_has(out, "device 0781:5567");
	assert_has(out,
	           "sha256 409506260a327c6195d140f32d8f14f39719ce7bb6d56e255f6c0cabd7aaec30\n");
	assert_has(out, "    alt 0: 08/06/50, 2 endpoints, bulk 1 in 1 out: mass-storage\n");
	assert_has(out, "kinds: mass-storage\n");
	desc_testcase_free(tc);
}
END_TEST

/* Every configuration, alt settings, associations. */
START_TEST(test_dump_multi)
{
	const char *argv[] = { "descriptor", "dump", "--hex", DATA "/iphone.hex" };
	const char *argv2[] = { "descriptor", "dump", "--hex", DATA "/rndis-tether.hex" };

	ck_assert_int_eq(run(4, argv), 0);
	assert_has(out, "4 configurations\n");
	assert_has(out, "configuration 4: 3 interfaces");
	assert_has(out, "  interface 2: kinds apple-ethernet (primary apple-ethernet)\n"
	                "    alt 0: ff/fd/01, 0 endpoints: apple-ethernet\n"
	                "    alt 1: ff/fd/01, 2 endpoints, bulk 1 in 1 out: apple-ethernet\n");
	assert_has(out, "kinds: ptp,apple-usbmux,apple-ethernet,audio,hid\n");

	ck_assert_int_eq(run(4, argv2), 0);
	assert_has(out,
	           "alt 0: 02/02/ff, 1 endpoint, interrupt 1 in 0 out, in association e0/01/03, "
	           "iInterface 5: network\n");
}
END_TEST

/* Rejected blobs: "FILE: offset N: reason", exit 1, nothing on stdout. */
static const struct {
	const char *file;
	const char *msg;
} bad[] = {
	{ "bad-blength-zero", "bad-blength-zero.hex: offset 36: descriptor bLength is below 2\n" },
	{ "bad-iface-first",
	  "bad-iface-first.hex: offset 18: expected a configuration descriptor" },
	{ "bad-too-many-ifaces", "bad-too-many-ifaces.hex: offset 2331: more than 256 interface" },
	{ "bad-truncated", "bad-truncated.hex: offset 0: device descriptor truncated" },
};

START_TEST(test_bad)
{
	char path[512];
	const char *argv[] = { "descriptor", "dump", path, "--hex" };

	snprintf(path, sizeof(path), "%s/%s.hex", DATA, bad[_i].file);
	ck_assert_int_eq(run(4, argv), 1);
	assert_has(err, bad[_i].msg);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Hex text given as raw: the parser rejects it at the first byte. Not-hex with --hex: exit 1. */
START_TEST(test_wrong_mode)
{
	char path[] = "/tmp/check_cmd_descriptor.XXXXXX";
	int fd = mkstemp(path);
	const char *argv[] = { "descriptor", "dump", DATA "/usb-stick.hex" };
	const char *argv2[] = { "descriptor", "dump", "--hex", path };
	const char *argv3[] = { "descriptor", "dump", DATA "/no-such-file" };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "# ok\n12 zz\n", 11), 11);
	close(fd);
	ck_assert_int_eq(run(3, argv), 1);
	assert_has(err, "usb-stick.hex: offset 1: expected a device descriptor");
	ck_assert_int_eq(run(4, argv2), 1);
	unlink(path);
	assert_has(err, ": character 8: not hex text");
	ck_assert_int_eq(run(3, argv3), 1);
	assert_has(err, "no-such-file: No such file or directory");
}
END_TEST

START_TEST(test_usage)
{
	const char *a1[] = { "descriptor" };
	const char *a2[] = { "descriptor", "dump" };
	const char *a3[] = { "descriptor", "dump", "x", "--raw" };
	const char *a4[] = { "descriptor", "dump", "x", "y" };
	const char *a5[] = { "descriptor", "show", "x" };
	const char *a6[] = { "descriptor", "dump", "--help" };

	ck_assert_int_eq(run(1, a1), 2);
	assert_has(err, "Usage: portcullis descriptor dump FILE [--hex]");
	ck_assert_int_eq(run(2, a2), 2);
	ck_assert_int_eq(run(4, a3), 2);
	assert_has(err, "unknown option '--raw'");
	ck_assert_int_eq(run(4, a4), 2);
	ck_assert_int_eq(run(3, a5), 2);
	ck_assert_int_eq(run(3, a6), 0);
	assert_has(out, "Usage:");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cmd_descriptor");
	TCase *tc = tcase_create("dump");
	tcase_add_test(tc, test_dump_hex);
	tcase_add_test(tc, test_dump_raw);
	tcase_add_test(tc, test_dump_multi);
	tcase_add_loop_test(tc, test_bad, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, test_wrong_mode);
	tcase_add_test(tc, test_usage);
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
