/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This file uses _cleanup_ only. */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"

int read_file_bounded(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	size_t n = 0;

	if (!path || !ret_buf || !ret_len || max > SIZE_MAX - 2)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	buf = malloc(max + 2);
	if (!buf)
		return -ENOMEM;
	while (n < max + 1) {
		ssize_t k = read(fd, buf + n, max + 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}
