/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: <run_dir>/last-refusal bytes -> refusal_parse() -> (if it parses) the wording and
 * the markup escape. The sentence must be printable ASCII (device strings escaped) and the
 * markup must carry no '<' or '>'; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/notify/refusal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct refusal r;
	char err[256], msg[4096], markup[4096];

	if (refusal_parse((const char *)data, size, &r, err, sizeof(err)) < 0)
		return 0;
	refusal_format_message(&r, msg, sizeof(msg));
	for (const char *p = msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
	refusal_markup_escape(msg, markup, sizeof(markup));
	if (strchr(markup, '<') || strchr(markup, '>'))
		abort();
	return 0;
}
