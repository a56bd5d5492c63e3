/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics (not incident events: those are data, see agent/events/event.h).
 *
 * Core and library code never log above debug; shells log once and return the error:
 *         return log_error_errno(r, "Failed to open %s: %m", path);
 * "%m" prints strerror(-r) because the helpers set errno from r before formatting.
 */
#pragma once

#include <stdbool.h>

#include "policy/base/macro.h"

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_target {
	LOG_TARGET_STDERR, /* foreground / CLI */
	LOG_TARGET_JOURNAL,
};

/* Process-wide settings: set once from main() before any threads exist. */
void log_setup(const char *tag, enum log_target target, enum log_level max_level);
enum log_level log_get_max_level(void);

/* Returns -abs(error) if error != 0, else 0, so callers can "return log_..._errno(r, ...)". */
int log_internal(enum log_level level, int error, const char *file, int line, const char *fmt, ...)
    _printf_(5, 6);

#define log_full_errno(level, error, ...)                                                          \
	log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_LEVEL_ERR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_LEVEL_WARNING, (error), __VA_ARGS__)
#define log_debug_errno(error, ...)   log_full_errno(LOG_LEVEL_DEBUG, (error), __VA_ARGS__)
#define log_error(...)                log_full_errno(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...)              log_full_errno(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...)               log_full_errno(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...)                 log_full_errno(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)                log_full_errno(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
