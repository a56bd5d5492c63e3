/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Figures for the incident log (prints, never fails on timing):
 *   - event_to_json and log_record_decode cost per event (pure code);
 *   - durable recorder_emit() throughput (write + fsync per record) on tmpfs, /tmp and the
 *     build directory's file system;
 *   - chain verification speed.
 * Usage: bench_recorder [DIR...]  (default: /dev/shm /tmp and the build directory)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "agent/events/event_json.h"
#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "events_fixture.h"

#ifndef PC_BENCH_DISK_DIR
#define PC_BENCH_DISK_DIR "."
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_encode(const struct events_fixture *fx, enum event_type t)
{
	struct event ev = events_fixture_event(fx, t, 1795000000000000LL);
	const unsigned n = 200000;
	size_t bytes = 0;
	double t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		char *json;
		size_t len;
		if (event_to_json(&ev, i + 1, &fx->host, &json, &len) < 0) {
			fprintf(stderr, "encode failed\n");
			return;
		}
		bytes = len;
		free(json);
	}
	double dt = now_s() - t0;
	printf("event_to_json %-16s %6zu bytes  %8.0f ns/event\n", event_type_to_string(t), bytes,
	       dt / n * 1e9);
}

static void bench_decode(const struct events_fixture *fx)
{
	struct event ev = events_fixture_event(fx, EVENT_DEVICE_DECISION, 1795000000000000LL);
	char *json, *line;
	size_t jlen, len;
	if (event_to_json(&ev, 1, &fx->host, &json, &jlen) < 0 ||
	    log_record_encode(json, jlen, LOG_ZERO_HASH, &line, &len) < 0)
		return;
	const unsigned n = 100000;
	double t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct log_record rec;
		if (log_record_decode(line, len, &rec, NULL, NULL) < 0)
			return;
	}
	double dt = now_s() - t0;
	printf("log_record_decode device_decision %zu bytes  %8.0f ns/record (incl. SHA-256: no)\n",
	       len, dt / n * 1e9);
	free(json);
	free(line);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	(void)rmdir(dir);
}

static const char *fs_name(const char *dir)
{
	struct statfs s;
	if (statfs(dir, &s) < 0)
		return "?";
	switch ((unsigned long)s.f_type) {
	case 0x01021994UL:
		return "tmpfs";
	case 0xEF53UL:
		return "ext4";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x794c7630UL:
		return "overlayfs";
	default:
		return "other";
	}
}

static void bench_emit(const struct events_fixture *fx, const char *base)
{
	char dir[512];
	struct recorder *r = NULL;
	snprintf(dir, sizeof(dir), "%s/pc-bench-events-XXXXXX", base);
	if (!mkdtemp(dir)) {
		printf("recorder_emit     %-28s skipped (cannot create a directory)\n", base);
		return;
	}
	if (recorder_open(dir, &fx->host, &r) < 0) {
		printf("recorder_emit     %-28s skipped (open failed)\n", base);
		rm_dir(dir);
		return;
	}
	struct event ev = events_fixture_event(fx, EVENT_DEVICE_DECISION, 1795000000000000LL);
	unsigned n = 0;
	double t0 = now_s(), dt = 0;
	do {
		if (recorder_emit(r, &ev) < 0) {
			printf("recorder_emit failed\n");
			break;
		}
		n++;
		dt = now_s() - t0;
	} while (dt < 2.0 && n < 200000);
	recorder_free(r);
	printf("recorder_emit     %-28s (%s) %7.0f durable events/s  (%.1f us each, %u events)\n",
	       base, fs_name(base), n / dt, dt / n * 1e6, n);

	struct chain_verifier v;
	chain_verifier_init(&v);
	t0 = now_s();
	int rv = incident_log_verify(dir, &v);
	dt = now_s() - t0;
	printf("log verify        %-28s %7.0f records/s  (%s)\n", base, v.records / dt,
	       rv == 0 ? "OK" : v.error);
	rm_dir(dir);
}

int main(int argc, char **argv)
{
	struct events_fixture fx;
	if (events_fixture_init(&fx) < 0)
		return 1;
	bench_encode(&fx, EVENT_HEARTBEAT);
	bench_encode(&fx, EVENT_DEVICE_DECISION);
	bench_decode(&fx);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bench_emit(&fx, argv[i]);
	} else {
		bench_emit(&fx, "/dev/shm");
		bench_emit(&fx, "/tmp");
		bench_emit(&fx, PC_BENCH_DISK_DIR);
	}
	events_fixture_done(&fx);
	return 0;
}
