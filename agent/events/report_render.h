/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fleet report as HTML (one self-contained file: inline CSS and SVG, no script, no network),
 * JSON or plain text (agent/events/report.h; docs/reviewer-guide.md). Every string that comes
 * from a log is escaped for its output: HTML entities plus \xNN for anything that is not
 * printable ASCII (terminal escapes, bidi overrides) in HTML and text; JSON escaping in JSON.
 */
#pragma once

#include <stdio.h>

#include "agent/events/report.h"

enum report_format {
	REPORT_FORMAT_HTML = 0,
	REPORT_FORMAT_JSON,
	REPORT_FORMAT_TEXT,
};

int report_format_from_string(const char *s); /* "html" | "json" | "text", or -EINVAL */

/* Writes the finished report (report_finish()) to out. Returns 0, or -EIO when a write failed,
 * -ENOMEM. */
int report_render(const struct report_result *res, enum report_format format, FILE *out);

/* Writes s HTML-escaped: printable ASCII except & < > " ' \ as is, those as entities (\ as
 * \x5c), every other byte as the text \xNN. */
void report_html_escape(FILE *out, const char *s);
