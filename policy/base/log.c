/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

/* Process-wide, written only by log_setup() from main() (the one allowed piece of global state). */
static const char *log_tag = "portcullis";
static enum log_target log_target = LOG_TARGET_STDERR;
static enum log_level log_max_level = LOG_LEVEL_INFO;

void log_setup(const char *tag, enum log_target target, enum log_level max_level)
{
	log_tag = tag;
	log_target = target;
	log_max_level = max_level;
}

enum log_level log_get_max_level(void)
{
	return log_max_level;
}

int log_internal(enum log_level level, int error, const char *file, int line, const char *fmt, ...)
{
	int saved_errno = errno;
	int r = error < 0 ? error : -error;

	if (level > log_max_level) {
		errno = saved_errno;
		return r;
	}

	char buf[2048];
	va_list ap;
	if (error != 0)
		errno = -r; /* makes %m print the error we were given */
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap); /* truncation of a diagnostic is acceptable */
	va_end(ap);

	if (log_target == LOG_TARGET_JOURNAL) {
		(void)sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", (int)level,
		                      "SYSLOG_IDENTIFIER=%s", log_tag, "CODE_FILE=%s", file,
		                      "CODE_LINE=%d", line, "ERRNO=%d", -r, NULL);
	} else {
		(void)fprintf(stderr, "%s: %s\n", log_tag, buf);
	}
	errno = saved_errno;
	return r;
}
