/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Figures for the incident log (prints, never fails on timing):
 *   - event_to_json and log_record_decode cost per event (pure code);
 *   - durable recorder_emit() throughput (write + fsync per record) on tmpfs, /tmp and the
 *     build directory's file system;
 *   - chain verification speed, without and with the sealing key;
 *   - sealing: the HMAC of one seal, one durable seal (record + key evolution + sync), and the
 *     cost per record at one seal per 15 minutes of a busy agent.
 * Usage: bench_recorder [DIR...]  (default: /dev/shm /tmp and the build directory)
 */
#include <dirent.h>
#include <inttypes.h>
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
#include "agent/events/seal.h"
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

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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
	/* Every event identical: flood control would summarize them, so it is off here. */
	struct recorder_config rc = { .no_flood_control = true };
	if (recorder_open_ex(dir, &fx->host, &rc, &r) < 0) {
		printf("recorder_emit     %-28s skipped (open failed)\n", base);
		rm_dir(dir);
		return;
	}
	struct event ev = events_fixture_event(fx, EVENT_DEVICE_DECISION, 1795000000000000LL);
	unsigned n = 0;
	double t0 = now_s(), dt = 0, c0 = cpu_s();
	do {
		if (recorder_emit(r, &ev) < 0) {
			printf("recorder_emit failed\n");
			break;
		}
		n++;
		dt = now_s() - t0;
	} while (dt < 2.0 && n < 200000);
	recorder_free(r);
	double cpu = cpu_s() - c0;
	printf("recorder_emit     %-28s (%s) %7.0f durable events/s  (%.1f us each, %.1f us CPU, "
	       "%u events)\n",
	       base, fs_name(base), n / dt, dt / n * 1e6, cpu / n * 1e6, n);

	struct chain_verifier v;
	chain_verifier_init(&v);
	t0 = now_s();
	int rv = incident_log_verify(dir, &v);
	dt = now_s() - t0;
	printf("log verify        %-28s %7.0f records/s  (%s)\n", base, v.records / dt,
	       rv == 0 ? "OK" : v.error);
	rm_dir(dir);
}

/* Sealing: what one seal costs, and what that is per record. */
static void bench_seal(const struct events_fixture *fx, const char *base)
{
	char dir[512], hex[SEAL_KEY_HEX_LEN + 1], mac[SEAL_KEY_HEX_LEN + 1];
	uint8_t k0[SEAL_KEY_LEN];
	struct recorder *r = NULL;
	const unsigned nmac = 200000;

	memset(k0, 0x42, sizeof(k0));
	double t0 = now_s();
	for (unsigned i = 0; i < nmac; i++)
		(void)seal_mac(k0, i, i + 1, LOG_ZERO_HASH, mac);
	double dt = now_s() - t0;
	printf("seal_mac (HMAC-SHA-256 of the head)      %8.0f ns/seal\n", dt / nmac * 1e9);

	snprintf(dir, sizeof(dir), "%s/pc-bench-seal-XXXXXX", base);
	if (!mkdtemp(dir) || recorder_setup_keys(dir, false, hex) < 0) {
		printf("recorder_seal     %-28s skipped\n", base);
		return;
	}
	struct recorder_config rc = { .no_flood_control = true };
	if (recorder_open_ex(dir, &fx->host, &rc, &r) < 0) {
		printf("recorder_seal     %-28s skipped (open failed)\n", base);
		rm_dir(dir);
		return;
	}
	struct event ev = events_fixture_event(fx, EVENT_DEVICE_DECISION, 1795000000000000LL);
	unsigned seals = 0;
	double in_seal = 0, in_emit = 0;
	const unsigned per_seal = 50;
	for (unsigned k = 0; k < 200; k++) {
		double a = now_s();
		for (unsigned i = 0; i < per_seal; i++)
			(void)recorder_emit(r, &ev);
		double b = now_s();
		if (recorder_seal(r) == 1)
			seals++;
		in_emit += b - a;
		in_seal += now_s() - b;
	}
	recorder_free(r);
	double per_seal_us = in_seal / seals * 1e6, per_rec_us = in_emit / (200.0 * per_seal) * 1e6;
	printf("recorder_seal     %-28s (%s) %7.1f us per durable seal (record + key evolution + "
	       "sync), %u seals\n",
	       base, fs_name(base), per_seal_us, seals);
	printf("sealing per record                             %7.2f us with a seal every %u "
	       "records (%.2f%% of an append's %.1f us); at one seal per 15 min: ~0\n",
	       per_seal_us / per_seal, per_seal, 100.0 * per_seal_us / per_seal / per_rec_us,
	       per_rec_us);

	struct chain_verifier v;
	(void)seal_key_from_hex(hex, k0);
	chain_verifier_init(&v);
	chain_verifier_set_key(&v, k0);
	t0 = now_s();
	int rv = incident_log_verify(dir, &v);
	dt = now_s() - t0;
	chain_verifier_done(&v);
	printf("log verify --verify-key %-22s %7.0f records/s, %" PRIu64 " seals checked (%s)\n",
	       base, v.records / dt, v.seals, rv == 0 ? "OK" : v.error);
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
	bench_seal(&fx, argc > 1 ? argv[1] : PC_BENCH_DISK_DIR);
	events_fixture_done(&fx);
	return 0;
}
