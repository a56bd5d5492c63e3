/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the benchmark fleet for bench_report.sh: HOSTS collector files DIR/ws-NNNNN.jsonl of
 * EVENTS chained records each, encoded by the real encoder (event_to_json + log_record_encode)
 * and written buffered (the recorder's fsync per record would take hours for a million).
 * Mix per host: heartbeats, attach/decision/remove of a few devices (allowed, blocked, audit,
 * charge only, logged), transfers, a tamper now and then.  Usage: bench_report_gen DIR HOSTS EVENTS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "events_fixture.h"

#define T0 1795075200000000LL /* 2026-11-19T08:00:00Z */

int main(int argc, char **argv)
{
	struct events_fixture fx;
	if (argc != 4) {
		fprintf(stderr, "usage: bench_report_gen DIR HOSTS EVENTS\n");
		return 2;
	}
	const char *dir = argv[1];
	unsigned hosts = (unsigned)strtoul(argv[2], NULL, 10);
	unsigned events = (unsigned)strtoul(argv[3], NULL, 10);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || events_fixture_init(&fx) < 0) {
		perror(dir);
		return 1;
	}
	char name[64], path[4200], prev[LOG_HASH_HEX_LEN + 1];
	for (unsigned h = 0; h < hosts; h++) {
		(void)snprintf(name, sizeof(name), "ws-%05u", h);
		(void)snprintf(path, sizeof(path), "%s/%s.jsonl", dir, name);
		FILE *f = fopen(path, "we");
		if (!f) {
			perror(path);
			return 1;
		}
		fx.host.hostname = name;
		memcpy(prev, LOG_ZERO_HASH, sizeof(prev));
		for (unsigned i = 0; i < events; i++) {
			int64_t t = T0 + (int64_t)i * 60000000LL * 10; /* one every 10 minutes */
			unsigned k = (i * 7 + h) % 20;
			enum event_type type = k < 10         ? EVENT_HEARTBEAT
			                       : k < 13       ? EVENT_DEVICE_ATTACHED
			                       : k < 17       ? EVENT_DEVICE_DECISION
			                       : k < 19       ? EVENT_DEVICE_REMOVED
			                       : i % 40 == 19 ? EVENT_TAMPER
			                                      : EVENT_POLICY_LOADED;
			struct event ev = events_fixture_event(&fx, type, t);
			struct decision d = fx.dec;
			if (type == EVENT_HEARTBEAT)
				ev.chain_head = prev;
			if (type == EVENT_DEVICE_DECISION) {
				d.verdict = (enum device_verdict)(i % 3);
				d.charge_only = i % 11 == 0;
				d.noteworthy = i % 5 == 0;
				ev.decision = &d;
				ev.audit_override = h % 10 == 0;
			}
			(void)snprintf(fx.dev.serial, sizeof(fx.dev.serial), "SN%04u",
			               (h * 31 + i) % 5000);
			char *json = NULL, *line = NULL;
			size_t len, llen;
			if (event_to_json(&ev, i + 1, &fx.host, &json, &len) < 0 ||
			    log_record_encode(json, len, prev, &line, &llen) < 0) {
				fprintf(stderr, "encode failed\n");
				return 1;
			}
			fwrite(line, 1, llen, f);
			fputc('\n', f);
			log_record_hash(line, llen, prev);
			free(json);
			free(line);
		}
		if (fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	events_fixture_done(&fx);
	return 0;
}
