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

/* How far read_file_trusted() trusts a file. */
enum {
	FILEIO_NOFOLLOW = 1 << 0,   /* the last component must not be a symlink (-ELOOP) */
	FILEIO_ROOT_OWNED = 1 << 1, /* owned by root (-EPERM) */
	FILEIO_NO_GW = 1 << 2,      /* not group- or world-writable (-EPERM) */
};

/*
 * Reads the regular file dirfd/path (AT_FDCWD for a plain path) whole, once: opened O_CLOEXEC |
 * O_NONBLOCK | O_NOCTTY (plus O_NOFOLLOW with FILEIO_NOFOLLOW), fstat'ed before the read for
 * type, size cap and the owner and mode rules of flags, and again after it: a file that changed
 * meanwhile (size, inode, mtime, ctime) is refused. Caller owns *ret_buf (NUL-terminated, the NUL
 * not counted in *ret_len); free with free(). On failure a one-line reason without the path goes
 * to reason (may be NULL) and nothing is kept (what was read is wiped). Returns 0, -ENOENT, -ELOOP
 * (symlink), -EINVAL (not a regular file), -EFBIG (larger than max), -EPERM (owner or mode),
 * -EAGAIN (changed while read), -ENOMEM or the errno of open/fstat/read.
 */
int read_file_trusted(int dirfd, const char *path, size_t max, unsigned flags, char **ret_buf,
                      size_t *ret_len, char *reason, size_t reason_size);
