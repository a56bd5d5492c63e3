/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: what "portcullis report" reads from a collector or a copied log directory.
 * The input is split into lines (a last line without a newline is torn) and fed as two sources
 * (byte 0 picks the split and the filters), then the report is finished and written in all three
 * formats. Each line also goes through event_class_of_line() (the uplink child's reader). Checks:
 * no crash, counts consistent, the HTML never carries a raw '<' from the data.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/event_class.h"
#include "agent/events/report.h"
#include "agent/events/report_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct report *r, const char *name, const char *buf, size_t len, bool head)
{
	if (report_begin_source(r, name) < 0)
		return;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		if (report_feed_line(r, buf, n, !nl) < 0)
			abort(); /* only -ENOMEM may fail */
		/* the uplink child's look at the same line: severity and MSGID */
		enum syslog_severity sev;
		const char *msgid;
		event_class_of_line(buf, n, &sev, &msgid);
		if (sev > SYSLOG_SEV_DEBUG || !msgid || strlen(msgid) > 32)
			abort();
		if (!nl)
			break;
		buf += n + 1;
		len -= n + 1;
	}
	(void)report_end_source(r, head, 3, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4u * 1024 * 1024)
		return 0;
	uint8_t ctl = data[0];
	const char *buf = (const char *)data + 1;
	size--;
	struct report_filter f = {
		.user = (ctl & 1) ? "alice" : NULL,
		.device = (ctl & 2) ? "0781:5567" : NULL,
		.have_since = (ctl & 4) != 0,
		.since = 1795000000000000LL,
	};
	struct report *r = report_new(&f);
	if (!r)
		return 0;
	size_t split = size * (ctl >> 3) / 31;
	feed(r, "a", buf, split, (ctl & 4) != 0);
	feed(r, "b<x>", buf + split, size - split, false);
	report_finish(r);
	const struct report_result *res = report_result(r);
	if (res->events > res->records || res->n_hosts != 2)
		abort();
	for (size_t i = 0; i < res->n_hosts; i++)
		if (res->hosts[i].events > res->hosts[i].records || !res->hosts[i].host)
			abort();
	for (int fmt = REPORT_FORMAT_HTML; fmt <= REPORT_FORMAT_TEXT; fmt++) {
		char *out = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&out, &len);
		if (!mem)
			abort();
		int k = report_render(res, (enum report_format)fmt, mem);
		fclose(mem);
		if (k < 0 && k != -ENOMEM)
			abort();
		if (fmt == REPORT_FORMAT_HTML && out && strstr(out, "<x>"))
			abort(); /* the source name was not escaped */
		free(out);
	}
	report_free(r);
	return 0;
}
