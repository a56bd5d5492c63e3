/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Durable records/s into the spool: write(2) per record plus the group commit uplink uses
 * (fdatasync every 4096 records, COMMIT_BATCH in uplink.c, or 2 ms after the first unsynced one
 * when the event loop runs; the final partial batch included), against one fdatasync per
 * record for comparison. Prints figures; never fails on timing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/uplink/spool.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *label, uint64_t n, size_t size, unsigned batch)
{
	char dir[] = "/var/tmp/bench_spool-XXXXXX";
	char line[4096];
	struct spool *s;

	if (!mkdtemp(dir))
		return 1;
	if (spool_open(dir, 1ull << 30, NULL, &s) < 0)
		return 1;
	memset(line, 'x', size);
	line[0] = '{';
	line[size - 1] = '\n';
	double t0 = now();
	for (uint64_t i = 1; i <= n; i++) {
		if (spool_append(s, i, line, size, NULL) < 0)
			return 1;
		if (i % batch == 0 && spool_sync(s) < 0)
			return 1;
	}
	if (spool_sync(s) < 0)
		return 1;
	double dt = now() - t0;
	printf("bench_spool: %-28s %8" PRIu64
	       " records of %4zu B in %6.3f s = %9.0f durable records/s"
	       " (%.1f MB/s)\n",
	       label, n, size, dt, (double)n / dt, (double)n * (double)size / dt / 1e6);
	/* acknowledge everything: segment files go away */
	(void)spool_ack(s, n);
	(void)spool_sync(s);
	spool_free(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}

int main(void)
{
	int r = 0;
	r |= run("group commit (4096)", 200000, 300, 4096);
	r |= run("group commit (4096), 1 KiB", 100000, 1024, 4096);
	r |= run("group commit (512)", 200000, 300, 512);
	r |= run("fsync per record", 2000, 300, 1);
	printf("bench_spool: target >= 50000 durable records/s with group commit\n");
	return r;
}
