/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This file uses _cleanup_ only. */
#include "policy/base/fileio.h"

#include <errno.h>
#include <fcntl.h>
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
