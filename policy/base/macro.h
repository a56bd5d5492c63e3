/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers used everywhere: cleanup attributes, ownership transfer, array sizes.
 *
 * Convention (see docs/hacking.md): a file uses either _cleanup_ variables or a single
 * "goto out" label, never both. TAKE_PTR() hands ownership to the caller.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a)        (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f)         __attribute__((cleanup(f)))
#define _printf_(a, b)       __attribute__((format(printf, a, b)))
#define _unused_             __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))

/* Returns the pointer and leaves NULL behind, so the cleanup handler of the source does nothing. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _took_ = (p);                                                        \
		(p) = NULL;                                                                        \
		_took_;                                                                            \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_fd_;                                                                              \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd); /* nothing useful to do on a failed close of a read fd */
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

/* Generates "static inline void name##p(type **p)" calling name(*p) when non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type **p)                                                       \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

/* Negative errno from a libc call that returned -1 and set errno; never returns 0. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
