/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transfer_watch on plain files (no kernel, no umockdev): a session on a stick whose block
 * device's "stat" the test advances as a copy would. With a short report period the session
 * gives interim "transfer" records while it lasts ("end": null, each covering its own period,
 * docs/events.md) and a last one when the stick goes; together they account for every sector
 * written. (The VM covers the real kernel; the 10-minute period is too long for it.)
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "agent/transfer/transfer_watch.h"
#include "policy/base/clock.h"
#include "policy/device/usb_device.h"
#include "tmptree.h"

#define MAX_EVENTS 64

struct seen {
	unsigned n;
	struct {
		enum event_type type;
		bool interim; /* "end" null */
		char end[32];
		uint64_t to_device;
		int64_t started, ended;
	} ev[MAX_EVENTS];
};

static void capture(void *userdata, enum event_type type, const struct usb_device_info *dev,
                    const struct transfer_report *rep, const char *message)
{
	struct seen *s = userdata;
	(void)dev;
	(void)message;
	ck_assert_uint_lt(s->n, MAX_EVENTS);
	s->ev[s->n].type = type;
	if (rep) {
		s->ev[s->n].interim = rep->end == NULL;
		snprintf(s->ev[s->n].end, sizeof(s->ev[s->n].end), "%s", rep->end ? rep->end : "");
		s->ev[s->n].to_device = rep->to_device_bytes;
		s->ev[s->n].started = rep->started_usec;
		s->ev[s->n].ended = rep->ended_usec;
	}
	s->n++;
}

static void mkdirs(const char *path)
{
	char p[512];
	snprintf(p, sizeof(p), "%s", path);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			(void)mkdir(p, 0755);
			*q = '/';
		}
	ck_assert(mkdir(p, 0755) == 0 || errno == EEXIST);
}

/* The kernel's block "stat" with this many sectors written (rewritten in place: the watch keeps
 * the file open and reads it again at offset 0, as sysfs wants). */
static void write_stat(const char *path, uint64_t written_sectors)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
	                 "     120        0     4096      30 %8llu        0 %8llu     900        0"
	                 "      200     930        0        0        0        0\n",
	                 (unsigned long long)(written_sectors / 8),
	                 (unsigned long long)written_sectors);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, line, (size_t)n), n);
	close(fd);
}

static void run_for(sd_event *e, uint64_t usec)
{
	uint64_t until = clock_monotonic_usec() + usec;
	for (uint64_t now; (now = clock_monotonic_usec()) < until;)
		ck_assert_int_ge(sd_event_run(e, until - now), 0);
}

START_TEST(test_interim_reports)
{
	char base[] = "/tmp/pc-transfer-XXXXXX", dev_dir[256], blk[512], stat_path[600];
	struct seen seen = { 0 };
	sd_event *e = NULL;
	struct transfer_watch *w = NULL;

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dev_dir, sizeof(dev_dir), "%s/sys/devices/usb1/1-2", base);
	snprintf(blk, sizeof(blk), "%s/1-2:1.0/host0/target0:0:0/0:0:0:0/block/sda", dev_dir);
	snprintf(stat_path, sizeof(stat_path), "%s/stat", blk);
	mkdirs(blk);
	write_stat(stat_path, 0);

	ck_assert_int_ge(sd_event_new(&e), 0);
	char sys[64], devr[64], ro[64];
	snprintf(sys, sizeof(sys), "%s/sys", base);
	snprintf(devr, sizeof(devr), "%s/dev", base);
	snprintf(ro, sizeof(ro), "%s/ro", base);
	const struct transfer_watch_config cfg = {
		.event = e,
		.sysfs_root = sys,
		.dev_root = devr,
		.ro_dir = ro,
		.sample_usec = 20 * 1000,
		.report_usec = 300 * 1000,
		.userdata = &seen,
		.emit = capture,
	};
	ck_assert_int_eq(transfer_watch_new(&cfg, &w), 0);

	struct usb_device_info *dev = calloc(1, sizeof(*dev));
	ck_assert_ptr_nonnull(dev);
	snprintf(dev->syspath, sizeof(dev->syspath), "%s", dev_dir);
	snprintf(dev->busid, sizeof(dev->busid), "1-2");
	dev->busnum = 1;
	dev->devnum = 2;
	const struct transfer_plan plan = { .storage = true };
	ck_assert_int_eq(transfer_watch_device(w, dev, &plan, false), 0);
	transfer_watch_block_uevent(w, "add", blk, "sda", "disk");

	/* a copy of 1 MiB every 100 ms for a second: about three report periods */
	uint64_t sectors = 0;
	for (int k = 0; k < 10; k++) {
		sectors += 2048;
		write_stat(stat_path, sectors);
		run_for(e, 100 * 1000);
	}
	run_for(e, 100 * 1000);
	transfer_watch_end(w, "1-2", "removed");

	unsigned interim = 0, last = 0;
	uint64_t total = 0;
	int64_t prev_end = 0;
	for (unsigned i = 0; i < seen.n; i++) {
		if (seen.ev[i].type != EVENT_TRANSFER)
			continue;
		total += seen.ev[i].to_device;
		/* each record covers its own period, one after the other */
		ck_assert_int_le(seen.ev[i].started, seen.ev[i].ended);
		ck_assert_int_ge(seen.ev[i].started, prev_end);
		prev_end = seen.ev[i].ended;
		if (seen.ev[i].interim)
			interim++;
		else {
			ck_assert_str_eq(seen.ev[i].end, "removed");
			last++;
		}
	}
	ck_assert_uint_ge(interim, 2);
	ck_assert_uint_eq(last, 1);
	ck_assert_uint_eq(total, sectors * 512); /* every byte, once */

	transfer_watch_free(w);
	sd_event_unref(e);
	free(dev);
	ts_rm_rf(base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transfer_watch");
	TCase *tc = tcase_create("watch");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_interim_reports);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
