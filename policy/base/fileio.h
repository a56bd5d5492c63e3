/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading small files whole, with a cap (configuration, policy, descriptor and key files). */
#pragma once

#include <stddef.h>

/*
 * Reads the regular file at path (O_CLOEXEC, symlinks followed) into a new buffer sized to the
 * file: at most max + 1 bytes, so *ret_len > max means the file is larger than max (the caller
 * reports it, or lets its parser reject it). The buffer is NUL-terminated; the NUL is not counted
 * in *ret_len. On every error path what was read is wiped (the file may be a private key).
 * Caller owns *ret_buf; free with free(). Returns 0, -EISDIR for a directory, -EINVAL for any
 * other non-regular file or a max too large to allocate, -EAGAIN when the file changed size while
 * being read, -ENOMEM, or the errno of open/read.
 */
int read_file_bounded(const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* (read_file_bounded() is read_file_trusted() with FILEIO_OVER_CAP_READS_MORE, symlinks followed.)
 */

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* I/O hooks for tests (a file that changes while read, a full disk); NULL members = libc. */
struct fileio_ops {
	int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
	int (*fstat)(int fd, struct stat *st);
	ssize_t (*read)(int fd, void *buf, size_t count);
	ssize_t (*write)(int fd, const void *buf, size_t count);
};

/* How far read_file_trusted() trusts a file (and file_check_trust() a file or directory). */
enum {
	FILEIO_NOFOLLOW = 1 << 0,   /* the last component must not be a symlink (-ELOOP) */
	FILEIO_ROOT_OWNED = 1 << 1, /* owned by root (-EPERM) */
	FILEIO_NO_GW = 1 << 2,      /* not group- or world-writable (-EACCES) */
	/* Over the cap: no -EFBIG, max + 1 bytes are read instead, so that *ret_len > max tells
	 * the caller (whose parser may have a better message for it). */
	FILEIO_OVER_CAP_READS_MORE = 1 << 3,
};

/*
 * The owner and mode rules of flags on st. Returns 0, -EACCES (group- or world-writable; checked
 * first, so the reason is the same whoever runs the tests) or -EPERM (not owned by root), with a
 * one-line reason.
 */
int file_check_trust(const struct stat *st, unsigned flags, char *reason, size_t reason_size);

/*
 * Reads the regular file dirfd/path (AT_FDCWD for a plain path) whole, once: opened O_CLOEXEC |
 * O_NONBLOCK | O_NOCTTY (plus O_NOFOLLOW with FILEIO_NOFOLLOW), fstat'ed before the read for
 * type, size cap and the owner and mode rules of flags, and again after it: a file that changed
 * meanwhile (size, inode, mtime, ctime) is refused. Caller owns *ret_buf (NUL-terminated, the NUL
 * not counted in *ret_len); free with free(). On failure a one-line reason without the path goes
 * to reason (may be NULL) and nothing is kept (what was read is wiped). ops may be NULL. Returns
 * 0, -ENOENT, -ELOOP (symlink), -EISDIR, -EINVAL (other non-regular file), -EFBIG (larger than
 * max), -EACCES or -EPERM (mode, owner), -EAGAIN (changed while read), -ENOMEM or the errno of
 * open/fstat/read.
 */
int read_file_trusted(const struct fileio_ops *ops, int dirfd, const char *path, size_t max,
                      unsigned flags, char **ret_buf, size_t *ret_len, char *reason,
                      size_t reason_size);

/*
 * Writes dirfd/tmp whole: created O_EXCL | O_NOFOLLOW (a leftover of a crash is removed first),
 * chmod'ed to mode whatever the umask, fsync'ed, closed. Nothing is left behind on failure. The
 * caller renames it (several files can so be committed together). Returns 0 or a negative errno.
 */
int write_file_temp(const struct fileio_ops *ops, int dirfd, const char *tmp, const void *data,
                    size_t len, mode_t mode);

/* For write_file_atomic(). */
enum {
	FILEIO_NOREPLACE = 1 << 0, /* -EEXIST if path exists: a new file, never an overwrite */
};

/*
 * The one atomic writer: dirfd/path gets exactly data or stays as it was, also across a crash:
 * a temporary ".<name>.tmp" beside it (write_file_temp()), renamed over path, then the directory
 * fsync'ed. mode is exact. Returns 0 or a negative errno (-EEXIST with FILEIO_NOREPLACE).
 */
int write_file_atomic(const struct fileio_ops *ops, int dirfd, const char *path, const void *data,
                      size_t len, mode_t mode, unsigned flags);
