/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading small files whole, with a cap (the CLI's policy, descriptor and key files). */
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
