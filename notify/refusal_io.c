/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading <run_dir>/last-refusal safely (see refusal.h). This file uses _cleanup_ only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "notify/refusal.h"

static int fail(char *reterr, size_t errsize, int r, const char *why)
{
	if (reterr && errsize)
		(void)snprintf(reterr, errsize, "%s", why);
	return r;
}

int refusal_read_at(int dirfd, const char *name, struct refusal *ret, struct refusal_key *ret_key,
                    char *reterr, size_t errsize)
{
	_cleanup_(closep) int fd = -1;
	char buf[REFUSAL_MAX_BYTES + 1];
	struct refusal r;
	struct stat st;
	size_t len = 0;
	int q;

	/* O_NONBLOCK: a FIFO planted there must not hang us (it is refused below). */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		q = negative_errno();
		if (q == -ENOENT)
			return fail(reterr, errsize, q, "no device has been refused yet");
		if (q == -ELOOP)
			return fail(reterr, errsize, q, "refused: it is a symbolic link");
		return fail(reterr, errsize, q, "cannot open it");
	}
	if (fstat(fd, &st) < 0)
		return fail(reterr, errsize, negative_errno(), "cannot stat it");
	if (!S_ISREG(st.st_mode))
		return fail(reterr, errsize, -EINVAL, "refused: not a regular file");
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fail(reterr, errsize, -EPERM,
		            "refused: not owned by root (not written by the agent)");
	if (st.st_size > (off_t)REFUSAL_MAX_BYTES)
		return fail(reterr, errsize, -EFBIG, "refused: larger than 16 KiB");
	/* The size may change under us: read at most one byte beyond the cap. */
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(reterr, errsize, negative_errno(), "cannot read it");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	q = refusal_parse(buf, len, &r, reterr, errsize);
	if (q < 0)
		return q;
	*ret = r;
	if (ret_key) {
		ret_key->dev = st.st_dev;
		ret_key->ino = st.st_ino;
		ret_key->mtime_ns =
		    (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	}
	return 0;
}
