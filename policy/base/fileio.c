/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This file uses _cleanup_ only. */
#include "policy/base/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/base/macro.h"

/* Frees a buffer that may hold key material, wiping its first *len bytes first. */
struct wiped_buf {
	char *p;
	size_t len;
};

static void wiped_buf_done(struct wiped_buf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->len);
		free(b->p);
	}
}

int read_file_bounded(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(wiped_buf_done) struct wiped_buf b = { 0 };
	struct stat st;
	size_t want;

	if (!path || !ret_buf || !ret_len || max > SIZE_MAX - 2)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	/* Allocate what the file holds, not the cap; one byte more shows a file over the cap. */
	want = (uint64_t)st.st_size > max ? max + 1 : (size_t)st.st_size;
	b.p = malloc(want + 1);
	if (!b.p)
		return -ENOMEM;
	while (b.len < want) {
		ssize_t k = read(fd, b.p + b.len, want - b.len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		b.len += (size_t)k;
	}
	/* Within the cap the whole file must have been read, no more and no less. */
	if (want <= max && b.len != want)
		return -EAGAIN; /* shrank while being read */
	if (want <= max) {
		char extra;
		ssize_t k = read(fd, &extra, 1);
		if (k < 0)
			return negative_errno();
		if (k > 0)
			return -EAGAIN; /* grew while being read */
	}
	b.p[b.len] = '\0';
	*ret_len = b.len;
	*ret_buf = TAKE_PTR(b.p);
	return 0;
}

_printf_(4, 5) static int fail(char *reason, size_t size, int error, const char *fmt, ...)
{
	va_list ap;

	if (reason && size > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(reason, size, fmt, ap);
		va_end(ap);
	}
	return error;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int read_file_trusted(int dirfd, const char *path, size_t max, unsigned flags, char **ret_buf,
                      size_t *ret_len, char *reason, size_t reason_size)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(wiped_buf_done) struct wiped_buf b = { 0 };
	struct stat before, after;
	size_t want;
	int r;

	if (!path || !ret_buf || !ret_len || max > SIZE_MAX - 2)
		return fail(reason, reason_size, -EINVAL, "invalid arguments");
	fd = openat(dirfd, path,
	            O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	                (flags & FILEIO_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0) {
		r = negative_errno();
		if (r == -ELOOP && (flags & FILEIO_NOFOLLOW))
			return fail(reason, reason_size, r, "is a symlink, refusing");
		return fail(reason, reason_size, r, "cannot open: %s", strerror(-r));
	}
	if (fstat(fd, &before) < 0) {
		r = negative_errno();
		return fail(reason, reason_size, r, "cannot stat: %s", strerror(-r));
	}
	if (!S_ISREG(before.st_mode))
		return fail(reason, reason_size, -EINVAL, "not a regular file");
	/* Mode first, so the reason is the same whoever runs the tests. */
	if ((flags & FILEIO_NO_GW) && (before.st_mode & (S_IWGRP | S_IWOTH)))
		return fail(reason, reason_size, -EPERM,
		            "refused: group- or world-writable (mode %04o)",
		            (unsigned)(before.st_mode & 07777));
	if ((flags & FILEIO_ROOT_OWNED) && before.st_uid != 0)
		return fail(reason, reason_size, -EPERM, "refused: not owned by root (uid %u)",
		            (unsigned)before.st_uid);
	if (before.st_size < 0 || (uint64_t)before.st_size > max)
		return fail(reason, reason_size, -EFBIG, "larger than %zu bytes", max);
	/* One byte more than fstat said, to notice a file that grows while we read it. */
	want = (size_t)before.st_size + 1;
	b.p = malloc(want + 1);
	if (!b.p)
		return -ENOMEM;
	while (b.len < want) {
		ssize_t k = read(fd, b.p + b.len, want - b.len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = negative_errno();
			return fail(reason, reason_size, r, "read failed: %s", strerror(-r));
		}
		if (k == 0)
			break;
		b.len += (size_t)k;
	}
	if (fstat(fd, &after) < 0) {
		r = negative_errno();
		return fail(reason, reason_size, r, "cannot stat: %s", strerror(-r));
	}
	if (b.len != (size_t)before.st_size || !same_file_state(&before, &after))
		return fail(reason, reason_size, -EAGAIN,
		            "changed while being read (write to a temporary name, then rename)");
	b.p[b.len] = '\0';
	*ret_len = b.len;
	*ret_buf = TAKE_PTR(b.p);
	return 0;
}
