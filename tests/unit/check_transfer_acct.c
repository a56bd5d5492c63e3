/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transfer accounting, the pure part: counters, sliding window, file list, limits, formats. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transfer/transfer_acct.h"

#define SEC 1000000ll

START_TEST(test_counter_basic)
{
	struct transfer_counter c;

	transfer_counter_init(&c, 64, 1000);
	ck_assert_uint_eq(transfer_counter_update(&c, 1000), 0);
	ck_assert_uint_eq(transfer_counter_update(&c, 1500), 500);
	ck_assert_uint_eq(transfer_counter_update(&c, 1500), 0);
	ck_assert_uint_eq(transfer_counter_update(&c, 49152 + 1500), 49152);
}
END_TEST

START_TEST(test_counter_wrap)
{
	struct transfer_counter c;

	/* a 32-bit counter near its top wraps: the delta goes across the wrap */
	transfer_counter_init(&c, 32, 0xfffffff0u);
	ck_assert_uint_eq(transfer_counter_update(&c, 0xfffffffau), 10);
	ck_assert_uint_eq(transfer_counter_update(&c, 0x5u), 11); /* 0xfffffffa -> 0x5 */
	ck_assert_uint_eq(transfer_counter_update(&c, 0x6u), 1);
	/* 64-bit too */
	transfer_counter_init(&c, 64, UINT64_MAX - 2);
	ck_assert_uint_eq(transfer_counter_update(&c, 3), 6);
	/* values above 32 bits are cut for a 32-bit counter */
	transfer_counter_init(&c, 32, 0x100000010ull);
	ck_assert_uint_eq(c.last, 0x10);
}
END_TEST

START_TEST(test_counter_replaced)
{
	struct transfer_counter c;

	/* the disk was replaced mid-session: its counter starts again from zero (low half) and
	 * everything it shows is new, never a huge "wrap" */
	transfer_counter_init(&c, 64, 0);
	ck_assert_uint_eq(transfer_counter_update(&c, 40000), 40000);
	ck_assert_uint_eq(transfer_counter_update(&c, 120), 120);
	ck_assert_uint_eq(transfer_counter_update(&c, 200), 80);
	transfer_counter_init(&c, 32, 0);
	ck_assert_uint_eq(transfer_counter_update(&c, 0x7fffffffu), 0x7fffffffu);
	ck_assert_uint_eq(transfer_counter_update(&c, 10), 10); /* not upper half: restarted */
}
END_TEST

START_TEST(test_window)
{
	struct transfer_window w;
	uint64_t b, f;

	transfer_window_init(&w, 600); /* slices of 10 s */
	ck_assert_uint_eq(w.slice_usec, 10 * SEC);
	transfer_window_sum(&w, 0, &b, &f);
	ck_assert_uint_eq(b, 0);
	transfer_window_add(&w, 1000 * SEC, 100, 1);
	transfer_window_add(&w, 1005 * SEC, 50, 2);
	transfer_window_add(&w, 1300 * SEC, 7, 0);
	transfer_window_sum(&w, 1300 * SEC, &b, &f);
	ck_assert_uint_eq(b, 157);
	ck_assert_uint_eq(f, 3);
	/* the 1000..1009 slice leaves the window only once all of it is older than 600 s */
	transfer_window_sum(&w, 1609 * SEC, &b, &f);
	ck_assert_uint_eq(b, 157);
	transfer_window_sum(&w, 1610 * SEC, &b, &f);
	ck_assert_uint_eq(b, 7);
	transfer_window_sum(&w, 1910 * SEC, &b, &f);
	ck_assert_uint_eq(b, 0);
	/* adding after a long pause clears the old slices */
	transfer_window_add(&w, 5000 * SEC, 1, 0);
	transfer_window_sum(&w, 5000 * SEC, &b, &f);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(f, 0);
	/* a time going backwards counts in the newest slice */
	transfer_window_add(&w, 4000 * SEC, 2, 0);
	transfer_window_sum(&w, 5000 * SEC, &b, &f);
	ck_assert_uint_eq(b, 3);
	/* saturation, never wrap */
	transfer_window_add(&w, 5000 * SEC, UINT64_MAX, 0);
	transfer_window_sum(&w, 5000 * SEC, &b, &f);
	ck_assert_uint_eq(b, UINT64_MAX);
	/* tiny window: slices of at least 1 us, sums only the last second */
	transfer_window_init(&w, 1);
	transfer_window_add(&w, 10 * SEC, 5, 0);
	transfer_window_add(&w, 11 * SEC + 50000, 6, 0);
	transfer_window_sum(&w, 11 * SEC + 50000, &b, &f);
	ck_assert_uint_eq(b, 6);
}
END_TEST

START_TEST(test_limit)
{
	struct transfer_limit l = { .bytes = 8 << 20, .window_sec = 600 };
	struct transfer_limit_state st = { 0 };

	ck_assert(!transfer_limit_check(&l, &st, (8 << 20) - 1, 0));
	ck_assert(transfer_limit_check(&l, &st, 8 << 20, 0));
	ck_assert(!transfer_limit_check(&l, &st, 9 << 20, 0)); /* reported once */
	ck_assert(!transfer_limit_check(&l, &st, 1, 0));       /* window emptied: re-armed */
	ck_assert(transfer_limit_check(&l, &st, 10 << 20, 0));
	struct transfer_limit fl = { .files = 3, .window_sec = 60 };
	st.tripped = false;
	ck_assert(!transfer_limit_check(&fl, &st, UINT64_MAX, 2)); /* no byte limit */
	ck_assert(transfer_limit_check(&fl, &st, 0, 3));
	ck_assert(!transfer_limit_check(NULL, &st, UINT64_MAX, UINT64_MAX));
}
END_TEST

START_TEST(test_files_cap)
{
	struct transfer_files f = { 0 };
	char name[32];

	for (unsigned i = 0; i < TRANSFER_FILES_MAX + 250; i++) {
		int n = snprintf(name, sizeof(name), "f%u.txt", i);
		transfer_files_add(&f, name, (size_t)n, i);
	}
	ck_assert_uint_eq(f.n, TRANSFER_FILES_MAX);
	ck_assert_uint_eq(f.omitted, 250);
	ck_assert_str_eq(f.v[0].name, "f0.txt");
	ck_assert_uint_eq(f.v[999].bytes, 999);
	/* the cap is per session: after a report nothing more is listed, only counted */
	transfer_files_clear(&f);
	ck_assert_uint_eq(f.n, 0);
	transfer_files_add(&f, "late", 4, 1);
	ck_assert_uint_eq(f.n, 0);
	ck_assert_uint_eq(f.omitted, 1);
	transfer_files_done(&f);

	/* long names are cut, an embedded NUL ends a name */
	char *big = malloc(5000);
	memset(big, 'a', 5000);
	transfer_files_add(&f, big, 5000, 1);
	transfer_files_add(&f, "ab\0cd", 5, 2);
	ck_assert_uint_eq(strlen(f.v[0].name), TRANSFER_NAME_MAX);
	ck_assert(!strcmp(f.v[0].name + TRANSFER_NAME_MAX - 3, "..."));
	ck_assert_str_eq(f.v[1].name, "ab");
	transfer_files_done(&f);
	free(big);
}
END_TEST

START_TEST(test_block_stat)
{
	static const char good[] =
	    "     421        0    33812      132    12288        0 49152000   123456        0     "
	    "1234   123588        0        0        0        0        0        0\n";
	uint64_t r = 0, w = 0;

	ck_assert_int_eq(transfer_parse_block_stat(good, strlen(good), &r, &w), 0);
	ck_assert_uint_eq(r, 33812);
	ck_assert_uint_eq(w, 49152000);
	ck_assert_int_eq(transfer_parse_block_stat("1 2 3 4 5 6 7", 13, &r, &w), 0);
	ck_assert_uint_eq(w, 7);
	ck_assert_int_eq(transfer_parse_block_stat("1 2 3 4 5 6", 11, &r, &w), -EINVAL);
	ck_assert_int_eq(transfer_parse_block_stat("1 2 x 4 5 6 7", 13, &r, &w), -EINVAL);
	ck_assert_int_eq(transfer_parse_block_stat("", 0, &r, &w), -EINVAL);
	ck_assert_int_eq(
	    transfer_parse_block_stat("1 2 99999999999999999999999 4 5 6 7", 35, &r, &w), -EINVAL);
	/* bounded by len, not by a NUL */
	ck_assert_int_eq(transfer_parse_block_stat("1 2 3 4 5 6 789", 14, &r, &w), 0);
	ck_assert_uint_eq(w, 78);
}
END_TEST

START_TEST(test_busid_from_devpath)
{
	char b[32];

	ck_assert_int_eq(transfer_busid_from_devpath(
	                     "/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host0/target0:0:0/"
	                     "0:0:0:0/block/sda/sda1",
	                     b, sizeof(b)),
	                 0);
	ck_assert_str_eq(b, "2-1");
	ck_assert_int_eq(transfer_busid_from_devpath(
	                     "/devices/pci0000:00/0000:00:04.0/usb3/3-1/3-1.4/3-1.4.2/3-1.4.2:1.0/"
	                     "host5/target5:0:0/5:0:0:0/block/sdb",
	                     b, sizeof(b)),
	                 0);
	ck_assert_str_eq(b, "3-1.4.2");
	ck_assert_int_eq(transfer_busid_from_devpath("/devices/virtual/block/loop0", b, sizeof(b)),
	                 -ENOENT);
	ck_assert_int_eq(
	    transfer_busid_from_devpath(
	        "/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/"
	        "sda",
	        b, sizeof(b)),
	    -ENOENT);
	ck_assert_int_eq(transfer_busid_from_devpath("/x/2-1:1.0/y", b, 3), -ENAMETOOLONG);
	ck_assert_int_eq(transfer_busid_from_devpath("/x/2-1.:1.0/y", b, sizeof(b)), -ENOENT);
	ck_assert_int_eq(transfer_busid_from_devpath(NULL, b, sizeof(b)), -ENOENT);
}
END_TEST

START_TEST(test_mountinfo)
{
	static const char l1[] =
	    "36 35 8:1 / /media/alice/MY\\040STICK rw,nosuid,relatime shared:1 "
	    "- vfat /dev/sda1 rw,fmask=0022\n";
	unsigned maj = 0, min = 0;
	char mnt[64];

	ck_assert_int_eq(
	    transfer_parse_mountinfo_line(l1, strlen(l1), &maj, &min, mnt, sizeof(mnt)), 0);
	ck_assert_uint_eq(maj, 8);
	ck_assert_uint_eq(min, 1);
	ck_assert_str_eq(mnt, "/media/alice/MY STICK");
	ck_assert_int_eq(transfer_parse_mountinfo_line(l1, strlen(l1), &maj, &min, mnt, 8),
	                 -ENAMETOOLONG);
	static const char *const bad[] = {
		"",
		"36",
		"36 35",
		"36 35 8-1 / /mnt",
		"36 35 8: / /mnt",
		"36 35 :1 / /mnt",
		"36 35 8:1 /",
		"36 35 8:x / /mnt",
		"36 35 8:1 / /m\\000x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(transfer_parse_mountinfo_line(bad[i], strlen(bad[i]), &maj, &min, mnt,
		                                            sizeof(mnt)) == -EINVAL,
		              "accepted \"%s\"", bad[i]);
	/* a backslash not followed by three octal digits stays */
	ck_assert_int_eq(
	    transfer_parse_mountinfo_line("1 2 0:5 / /a\\9b", 15, &maj, &min, mnt, sizeof(mnt)), 0);
	ck_assert_str_eq(mnt, "/a\\9b");
}
END_TEST

START_TEST(test_live)
{
	struct transfer_live l = { .busid = "1-2.3",
		                   .to = 25165824,
		                   .from = 4096,
		                   .files = 3,
		                   .started_usec = 1790000000000000,
		                   .read_only = true },
	                     r;
	char buf[128];

	int n = transfer_live_format(&l, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "1-2.3 25165824 4096 3 1790000000000000 1\n");
	ck_assert_int_eq(transfer_live_parse(buf, (size_t)n, &r), 0);
	ck_assert_str_eq(r.busid, "1-2.3");
	ck_assert_uint_eq(r.to, 25165824);
	ck_assert_uint_eq(r.files, 3);
	ck_assert(r.read_only);
	ck_assert_int_eq(transfer_live_format(&l, buf, 10), -ENOBUFS);
	static const char *const bad[] = {
		"",
		"1-2",
		"1-2 1 2 3 4",
		"1-2 1 2 3 4 2",
		"1-2 1 2 3 4 1 extra",
		"1;2 1 2 3 4 1",
		"1-2 -1 2 3 4 1",
		"1-2 99999999999999999999 2 3 4 1",
		"1-2 1 2 3 9223372036854775808 1",
		"123456789012345678901234567890123 1 2 3 4 1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(transfer_live_parse(bad[i], strlen(bad[i]), &r) == -EINVAL,
		              "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_format)
{
	char b[32];

	ck_assert_str_eq(transfer_format_bytes(0, b, sizeof(b)), "0 bytes");
	ck_assert_str_eq(transfer_format_bytes(1, b, sizeof(b)), "1 byte");
	ck_assert_str_eq(transfer_format_bytes(999, b, sizeof(b)), "999 bytes");
	ck_assert_str_eq(transfer_format_bytes(1000, b, sizeof(b)), "1.0 kB");
	ck_assert_str_eq(transfer_format_bytes(1200000000, b, sizeof(b)), "1.2 GB");
	ck_assert_str_eq(transfer_format_bytes(25165824, b, sizeof(b)), "25 MB");
	ck_assert_str_eq(transfer_format_bytes(999999, b, sizeof(b)), "1.0 MB");
	ck_assert_str_eq(transfer_format_bytes(UINT64_MAX, b, sizeof(b)), "18 EB");
	ck_assert_str_eq(transfer_format_count(0, b, sizeof(b)), "0");
	ck_assert_str_eq(transfer_format_count(999, b, sizeof(b)), "999");
	ck_assert_str_eq(transfer_format_count(3412, b, sizeof(b)), "3,412");
	ck_assert_str_eq(transfer_format_count(1234567, b, sizeof(b)), "1,234,567");
	ck_assert_str_eq(transfer_format_count(UINT64_MAX, b, sizeof(b)),
	                 "18,446,744,073,709,551,615");
	ck_assert_str_eq(transfer_format_duration(4 * 60 * SEC, b, sizeof(b)), "4 min");
	ck_assert_str_eq(transfer_format_duration(35 * SEC, b, sizeof(b)), "35 s");
	ck_assert_str_eq(transfer_format_duration(-5, b, sizeof(b)), "0 s");
	ck_assert_str_eq(transfer_format_duration(7500 * SEC, b, sizeof(b)), "2 h 5 min");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("transfer_acct");
	TCase *tc = tcase_create("acct");
	tcase_add_test(tc, test_counter_basic);
	tcase_add_test(tc, test_counter_wrap);
	tcase_add_test(tc, test_counter_replaced);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_files_cap);
	tcase_add_test(tc, test_block_stat);
	tcase_add_test(tc, test_busid_from_devpath);
	tcase_add_test(tc, test_mountinfo);
	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_format);
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
