/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: writes N events through the real recorder into DIR (cycling through every event
 * type, the device strings made hostile: terminal escapes, quotes, a CSV formula), so the
 * script test can drive "portcullis log" on a real log. Usage: events_mklog DIR N [TYPE] (every
 * event of TYPE instead)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/recorder.h"
#include "events_fixture.h"

int main(int argc, char **argv)
{
	struct events_fixture fx;
	struct recorder *r = NULL;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: events_mklog DIR N [TYPE]\n");
		return 2;
	}
	unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
	if (events_fixture_init(&fx) < 0 || recorder_open(argv[1], &fx.host, &r) < 0) {
		fprintf(stderr, "events_mklog: cannot open %s\n", argv[1]);
		return 1;
	}
	strcpy(fx.dev.manufacturer, "=HYPERLINK(\"http://x\")");
	strcpy(fx.dev.product, "Stick\x1b]0;pwned\x07\x1b[2J \"quoted\", comma");
	for (unsigned i = 0; i < n; i++) {
		int type = argc == 4 ? event_type_from_string(argv[3])
		                     : (int)(i % (EVENT_EVENTS_DROPPED + 1));
		if (type < 0) {
			fprintf(stderr, "events_mklog: unknown type %s\n", argv[3]);
			return 2;
		}
		struct event ev = events_fixture_event(
		    &fx, (enum event_type)type, 1795000000000000LL + (int64_t)i * 3600000000LL);
		if (i % 24 == 15) /* a second device, by serial */
			strcpy(fx.dev.serial, "OTHER-SERIAL");
		else
			strcpy(fx.dev.serial, "4C530001234567");
		if (recorder_emit(r, &ev) <= 0) {
			fprintf(stderr, "events_mklog: emit %u failed\n", i);
			return 1;
		}
	}
	printf("%s\n", recorder_chain_head(r));
	recorder_free(r);
	events_fixture_done(&fx);
	return 0;
}
