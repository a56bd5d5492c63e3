/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test driver for tests/integration/uplink-rsyslog.sh: uses pc_uplink the way the agent does
 * (sd-event loop, uplink_start, uplink_submit, on_dropped) so the script can submit records, die
 * in the middle of a burst, restart and drain against a real rsyslog.
 *
 *   uplink_driver --spool DIR --helper PATH --protocol relp|syslog --port N --ca FILE
 *                 [--count N] [--first SEQ] [--size BYTES] [--die-after K] [--drain]
 *                 [--max-bytes N] [--expect-dropped] [--expect-error TEXT] [--timeout SEC]
 *                 [--expect-violation] [--user NAME] [--cert FILE --key FILE]
 *                 [--records FILE] [--enterprise-number N]
 * --records submits the lines of FILE (an incident log written by the recorder) as they are,
 * each with the seq its JSON starts with, instead of generated "test" records.
 * Exit: 0 ok, 1 failed expectation or timeout (a status line says why), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy/base/log.h"
#include "policy/base/strutil.h"
#include "agent/uplink/uplink.h"

struct driver {
	struct uplink *u;
	sd_event *e;
	uint64_t dropped;
	uint64_t count;
	bool drain, expect_dropped, expect_violation;
	const char *expect_error;
	int result;
	struct timespec t0;
};

static void on_dropped(void *userdata, uint64_t count, uint64_t first_seq, uint64_t last_seq)
{
	struct driver *d = userdata;
	(void)first_seq;
	(void)last_seq;
	d->dropped += count;
}

static void print_status(struct driver *d, const char *what)
{
	struct uplink_status st;
	struct timespec t1;
	uplink_get_status(d->u, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double dt = (double)(t1.tv_sec - d->t0.tv_sec) + (double)(t1.tv_nsec - d->t0.tv_nsec) / 1e9;
	printf("%s: depth=%" PRIu64 " acked=%" PRIu64 " dropped=%" PRIu64
	       " callback_dropped=%" PRIu64 " connected=%d restarts=%" PRIu64 " violations=%" PRIu64
	       " elapsed=%.3f error=\"%s\"\n",
	       what, st.depth, st.acked_seq, st.dropped, d->dropped, st.connected,
	       st.child_restarts, st.child_violations, dt, st.error);
	fflush(stdout);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct driver *d = userdata;
	struct uplink_status st;

	uplink_get_status(d->u, &st);
	bool done = false;
	if (d->expect_violation)
		done = st.child_violations >= 2 && st.child_restarts >= 2;
	else if (d->expect_error)
		done = strstr(st.error, d->expect_error) != NULL;
	else if (d->expect_dropped)
		done = d->dropped > 0 && d->dropped + st.depth == d->count;
	else if (d->drain)
		done = st.depth == 0;
	if (done) {
		d->result = 0;
		return sd_event_exit(d->e, 0);
	}
	(void)sd_event_source_set_time(s, usec + 10000);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct driver *d = userdata;
	(void)s;
	(void)usec;
	print_status(d, "TIMEOUT");
	return sd_event_exit(d->e, 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "spool", required_argument, NULL, 'S' },
		                              { "helper", required_argument, NULL, 'H' },
		                              { "protocol", required_argument, NULL, 'P' },
		                              { "port", required_argument, NULL, 'p' },
		                              { "ca", required_argument, NULL, 'C' },
		                              { "user", required_argument, NULL, 'u' },
		                              { "count", required_argument, NULL, 'n' },
		                              { "first", required_argument, NULL, 'f' },
		                              { "size", required_argument, NULL, 's' },
		                              { "die-after", required_argument, NULL, 'k' },
		                              { "drain", no_argument, NULL, 'd' },
		                              { "max-bytes", required_argument, NULL, 'm' },
		                              { "expect-dropped", no_argument, NULL, 'D' },
		                              { "expect-error", required_argument, NULL, 'E' },
		                              { "timeout", required_argument, NULL, 't' },
		                              { "expect-violation", no_argument, NULL, 'V' },
		                              { "cert", required_argument, NULL, 'c' },
		                              { "key", required_argument, NULL, 'K' },
		                              { "records", required_argument, NULL, 'R' },
		                              { "enterprise-number", required_argument, NULL, 'N' },
		                              {} };
	struct driver d = { .result = 1 };
	struct uplink_config cfg;
	const char *spool = NULL, *helper = NULL, *records = NULL;
	uint64_t first = 1, die_after = 0, size = 120, timeout = 60;
	int opt;

	uplink_config_init(&cfg);
	cfg.enabled = true;
	(void)str_copy(cfg.host, sizeof(cfg.host), "127.0.0.1");
	(void)str_copy(cfg.user, sizeof(cfg.user), "nobody");
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (opt) {
		case 'S':
			spool = optarg;
			break;
		case 'H':
			helper = optarg;
			break;
		case 'P':
			(void)str_copy(cfg.protocol, sizeof(cfg.protocol), optarg);
			break;
		case 'p':
			cfg.port = (uint16_t)atoi(optarg);
			break;
		case 'C':
			(void)str_copy(cfg.ca_file, sizeof(cfg.ca_file), optarg);
			break;
		case 'u':
			(void)str_copy(cfg.user, sizeof(cfg.user), optarg);
			break;
		case 'n':
			d.count = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			first = strtoull(optarg, NULL, 10);
			break;
		case 's':
			size = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			die_after = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			d.drain = true;
			break;
		case 'm':
			cfg.spool_max_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'D':
			d.expect_dropped = true;
			break;
		case 'E':
			d.expect_error = optarg;
			break;
		case 'c':
			(void)str_copy(cfg.cert_file, sizeof(cfg.cert_file), optarg);
			break;
		case 'K':
			(void)str_copy(cfg.key_file, sizeof(cfg.key_file), optarg);
			break;
		case 'V':
			d.expect_violation = true;
			break;
		case 't':
			timeout = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			records = optarg;
			break;
		case 'N':
			cfg.enterprise_number = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!spool || !helper || !cfg.port || size < 40 || size > 60000)
		return 2;
	log_setup("uplink_driver", LOG_TARGET_STDERR, LOG_LEVEL_INFO);

	int r = sd_event_default(&d.e);
	if (r < 0)
		return 1;
	r = uplink_start(&cfg, spool, helper, d.e, on_dropped, &d, &d.u);
	if (r < 0) {
		fprintf(stderr, "uplink_start: %s\n", strerror(-r));
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &d.t0);
	if (records) {
		FILE *f = fopen(records, "re");
		char *rl = NULL;
		size_t cap = 0;
		ssize_t len;
		if (!f) {
			fprintf(stderr, "%s: %s\n", records, strerror(errno));
			return 1;
		}
		while ((len = getline(&rl, &cap, f)) > 0) {
			uint64_t seq = strtoull(rl + strlen("{\"seq\":"), NULL, 10);
			if (strncmp(rl, "{\"seq\":", 7) != 0 || seq == 0) {
				fprintf(stderr, "%s: not a record: %.40s\n", records, rl);
				return 1;
			}
			r = uplink_submit(d.u, seq, rl, (size_t)len);
			if (r < 0) {
				fprintf(stderr, "uplink_submit(%" PRIu64 "): %s\n", seq,
				        strerror(-r));
				return 1;
			}
			d.count++;
		}
		free(rl);
		fclose(f);
	}
	char *line = malloc(size + 1);
	if (!line)
		return 1;
	for (uint64_t i = 0; !records && i < d.count; i++) {
		uint64_t seq = first + i;
		int n = snprintf(line, size + 1,
		                 "{\"seq\":%" PRIu64 ",\"type\":\"test\",\"pad\":\"", seq);
		while ((uint64_t)n < size - 3)
			line[n++] = 'x';
		memcpy(line + n, "\"}\n", 3);
		r = uplink_submit(d.u, seq, line, size);
		if (r < 0) {
			fprintf(stderr, "uplink_submit(%" PRIu64 "): %s\n", seq, strerror(-r));
			return 1;
		}
		if (die_after && i + 1 == die_after) {
			printf("submitted %" PRIu64 ", dying\n", seq);
			fflush(stdout);
			raise(SIGKILL);
		}
	}
	free(line);

	sd_event_source *tick = NULL, *deadline = NULL;
	uint64_t now;
	(void)sd_event_now(d.e, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(d.e, &tick, CLOCK_MONOTONIC, now + 10000, 1000, on_tick, &d);
	if (r >= 0)
		r = sd_event_add_time(d.e, &deadline, CLOCK_MONOTONIC, now + timeout * 1000000, 0,
		                      on_timeout, &d);
	if (r < 0)
		return 1;
	r = sd_event_loop(d.e);
	print_status(&d, r == 0 ? "OK" : "FAILED");
	(void)uplink_flush(d.u);
	sd_event_source_unref(tick);
	sd_event_source_unref(deadline);
	uplink_free(d.u);
	sd_event_unref(d.e);
	return r == 0 ? 0 : 1;
}
