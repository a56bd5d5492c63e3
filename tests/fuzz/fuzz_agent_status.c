/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: <run_dir>/status bytes -> agent_status_parse() -> (if it parses) the policy line,
 * and the same bytes as <run_dir>/refusals -> refusal_list_parse() -> each record's sentence.
 * Everything shown must be printable ASCII; a count beyond what was asked for aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/notify/refusal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct refusal list[3];
	struct agent_status_report st;
	char err[256], msg[4096];
	int n;

	if (agent_status_parse((const char *)data, size, &st, err, sizeof(err)) == 0) {
		agent_status_format_policy(&st, msg, sizeof(msg));
		printable(msg);
		if (st.pid <= 0 || strlen(st.sha256) != 64)
			abort();
	}
	n = refusal_list_parse((const char *)data, size, list, 3, err, sizeof(err));
	if (n > 3)
		abort();
	for (int i = 0; i < n; i++) {
		refusal_format_message(&list[i], msg, sizeof(msg));
		printable(msg);
	}
	return 0;
}
