/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way to read a clock. Pure code never calls these: it is handed "now" (seconds or
 * microseconds since the epoch) by its shell. clock_gettime() cannot fail for the clocks used
 * here with a valid pointer, so these return the value directly.
 */
#pragma once

#include <stdint.h>
#include <time.h>

/* Nanoseconds of clock (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
static inline uint64_t clock_now_nsec(clockid_t clock)
{
	struct timespec ts;

	(void)clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall-clock time in microseconds since the epoch (event and record times). */
static inline int64_t clock_realtime_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wall-clock time in seconds since the epoch (policy validity, status files). */
static inline int64_t clock_realtime_sec(void)
{
	return clock_realtime_usec() / 1000000;
}

/* Monotonic time in microseconds (intervals). */
static inline uint64_t clock_monotonic_usec(void)
{
	return clock_now_nsec(CLOCK_MONOTONIC) / 1000u;
}

/* Monotonic time in milliseconds (timeouts). */
static inline int64_t clock_monotonic_msec(void)
{
	return (int64_t)(clock_now_nsec(CLOCK_MONOTONIC) / 1000000u);
}
