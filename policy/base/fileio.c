/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This file uses _cleanup_ only. */
#include "policy/base/fileio.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
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
	return read_file_trusted(NULL, AT_FDCWD, path, max, FILEIO_OVER_CAP_READS_MORE, ret_buf,
	                         ret_len, NULL, 0);
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

static int ops_openat(const struct fileio_ops *ops, int dirfd, const char *path, int flags,
                      mode_t mode)
{
	int fd;

	if (ops && ops->openat)
		fd = ops->openat(dirfd, path, flags, mode);
	else
		fd = openat(dirfd, path, flags, mode);
	return fd < 0 ? negative_errno() : fd;
}

static int ops_fstat(const struct fileio_ops *ops, int fd, struct stat *st)
{
	int r = ops && ops->fstat ? ops->fstat(fd, st) : fstat(fd, st);

	return r < 0 ? negative_errno() : 0;
}

static ssize_t ops_read(const struct fileio_ops *ops, int fd, void *buf, size_t n)
{
	return ops && ops->read ? ops->read(fd, buf, n) : read(fd, buf, n);
}

static ssize_t ops_write(const struct fileio_ops *ops, int fd, const void *buf, size_t n)
{
	return ops && ops->write ? ops->write(fd, buf, n) : write(fd, buf, n);
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int file_check_trust(const struct stat *st, unsigned flags, char *reason, size_t reason_size)
{
	if ((flags & FILEIO_NO_GW) && (st->st_mode & (S_IWGRP | S_IWOTH)))
		return fail(reason, reason_size, -EACCES, "group- or world-writable (mode %04o)",
		            (unsigned)(st->st_mode & 07777));
	if ((flags & FILEIO_ROOT_OWNED) && st->st_uid != 0)
		return fail(reason, reason_size, -EPERM, "not owned by root (uid %u)",
		            (unsigned)st->st_uid);
	return 0;
}

int read_file_trusted(const struct fileio_ops *ops, int dirfd, const char *path, size_t max,
                      unsigned flags, char **ret_buf, size_t *ret_len, char *reason,
                      size_t reason_size)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(wiped_buf_done) struct wiped_buf b = { 0 };
	struct stat before, after;
	size_t want;
	bool over;
	int r;

	if (!path || !ret_buf || !ret_len || max > SIZE_MAX - 2)
		return fail(reason, reason_size, -EINVAL, "invalid arguments");
	fd = ops_openat(ops, dirfd, path,
	                O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	                    (flags & FILEIO_NOFOLLOW ? O_NOFOLLOW : 0),
	                0);
	if (fd == -ENOENT)
		return fail(reason, reason_size, fd, "does not exist");
	if (fd == -ELOOP && (flags & FILEIO_NOFOLLOW))
		return fail(reason, reason_size, fd, "is a symlink, refusing");
	if (fd < 0)
		return fail(reason, reason_size, fd, "cannot open: %s", strerror(-fd));
	r = ops_fstat(ops, fd, &before);
	if (r < 0)
		return fail(reason, reason_size, r, "cannot stat: %s", strerror(-r));
	if (!S_ISREG(before.st_mode))
		return fail(reason, reason_size, S_ISDIR(before.st_mode) ? -EISDIR : -EINVAL,
		            "not a regular file");
	over = before.st_size < 0 || (uint64_t)before.st_size > max;
	if (over && !(flags & FILEIO_OVER_CAP_READS_MORE))
		return fail(reason, reason_size, -EFBIG, "too large (%jd bytes, the limit is %zu)",
		            (intmax_t)before.st_size, max);
	r = file_check_trust(&before, flags, reason, reason_size);
	if (r < 0)
		return r;
	/* One byte more than fstat said (or than the cap), to notice a file that grows while we
	 * read it (or is over the cap). */
	want = over ? max + 1 : (size_t)before.st_size + 1;
	b.p = malloc(want + 1);
	if (!b.p)
		return -ENOMEM;
	while (b.len < want) {
		ssize_t k = ops_read(ops, fd, b.p + b.len, want - b.len);
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
	r = ops_fstat(ops, fd, &after);
	if (r < 0)
		return fail(reason, reason_size, r, "cannot stat: %s", strerror(-r));
	if (over) {
		if (b.len <= max) /* shrank below the cap meanwhile */
			return fail(reason, reason_size, -EAGAIN, "changed while being read");
	} else if (b.len != (size_t)before.st_size || !same_file_state(&before, &after))
		return fail(reason, reason_size, -EAGAIN,
		            "changed while being read (write to a temporary name, then rename)");
	b.p[b.len] = '\0';
	*ret_len = b.len;
	*ret_buf = TAKE_PTR(b.p);
	return 0;
}

int write_file_temp(const struct fileio_ops *ops, int dirfd, const char *tmp, const void *data,
                    size_t len, mode_t mode)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	_cleanup_(closep) int fd = -1;
	const uint8_t *p = data;
	int r = 0;

	fd = ops_openat(ops, dirfd, tmp, flags, mode);
	if (fd == -EEXIST) {
		/* Left over by a crash of an earlier run; it never was the real file. */
		(void)unlinkat(dirfd, tmp, 0);
		fd = ops_openat(ops, dirfd, tmp, flags, mode);
	}
	if (fd < 0)
		return fd;
	while (len > 0 && r == 0) {
		ssize_t n = ops_write(ops, fd, p, len);
		if (n < 0 && errno != EINTR)
			r = negative_errno();
		else if (n > 0)
			p += n, len -= (size_t)n;
	}
	if (r == 0 && fchmod(fd, mode) < 0) /* exact mode whatever the umask */
		r = negative_errno();
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0); /* never leave a half-written file behind */
	return r;
}

int write_file_atomic(const struct fileio_ops *ops, int dirfd, const char *path, const void *data,
                      size_t len, mode_t mode, unsigned flags)
{
	_cleanup_(closep) int dfd = -1;
	const char *slash, *name;
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	int r;

	if (!path || (!data && len))
		return -EINVAL;
	slash = strrchr(path, '/');
	name = slash ? slash + 1 : path;
	if (!*name)
		return -EISDIR;
	if (slash) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	} else {
		(void)snprintf(dir, sizeof(dir), ".");
	}
	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	r = write_file_temp(ops, dfd, tmp, data, len, mode);
	if (r < 0)
		return r;
	if (renameat2(dfd, tmp, dfd, name, flags & FILEIO_NOREPLACE ? RENAME_NOREPLACE : 0) < 0) {
		r = negative_errno();
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	return fsync(dfd) < 0 ? negative_errno() : 0;
}
