/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading <run_dir>/last-refusal, refusals and status safely (see refusal.h). This file uses
 * _cleanup_ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/base/macro.h"
#include "agent/notify/refusal.h"

static int fail(char *reterr, size_t errsize, int r, const char *why)
{
	if (reterr && errsize)
		(void)snprintf(reterr, errsize, "%s", why);
	return r;
}

/*
 * Reads dirfd/name into buf (size cap + 1, so a file that grew past cap shows as too large):
 * never through a symlink, only a regular file owned by root or the caller, at most cap bytes by
 * its size. Returns 0 with *ret_len and *ret_st, or a negative errno with a reason.
 */
static int read_untrusted_at(int dirfd, const char *name, char *buf, size_t cap, const char *capmsg,
                             size_t *ret_len, struct stat *ret_st, char *reterr, size_t errsize)
{
	_cleanup_(closep) int fd = -1;
	struct stat st;
	size_t len = 0;
	int q;

	/* O_NONBLOCK: a FIFO planted there must not hang us (it is refused below). */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		q = negative_errno();
		if (q == -ENOENT)
			return fail(reterr, errsize, q, "no such file");
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
	if (st.st_size > (off_t)cap)
		return fail(reterr, errsize, -EFBIG, capmsg);
	/* The size may change under us: read at most one byte beyond the cap. */
	while (len < cap + 1) {
		ssize_t n = read(fd, buf + len, cap + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(reterr, errsize, negative_errno(), "cannot read it");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	*ret_st = st;
	return 0;
}

int refusal_read_at(int dirfd, const char *name, struct refusal *ret, struct refusal_key *ret_key,
                    char *reterr, size_t errsize)
{
	char buf[REFUSAL_MAX_BYTES + 1];
	struct refusal r;
	struct stat st;
	size_t len;
	int q;

	q = read_untrusted_at(dirfd, name, buf, REFUSAL_MAX_BYTES, "refused: larger than 16 KiB",
	                      &len, &st, reterr, errsize);
	if (q == -ENOENT)
		return fail(reterr, errsize, q, "no device has been refused yet");
	if (q < 0)
		return q;
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

int refusal_list_read_at(int dirfd, const char *name, struct refusal *ret, size_t max, char *reterr,
                         size_t errsize)
{
	_cleanup_(freep) char *buf = malloc(REFUSAL_LIST_MAX_BYTES + 1);
	struct stat st;
	size_t len;
	int q;

	if (!buf)
		return fail(reterr, errsize, -ENOMEM, "out of memory");
	q = read_untrusted_at(dirfd, name, buf, REFUSAL_LIST_MAX_BYTES,
	                      "refused: larger than 128 KiB", &len, &st, reterr, errsize);
	if (q == -ENOENT)
		return fail(reterr, errsize, q, "no device has been refused yet");
	if (q < 0)
		return q;
	return refusal_list_parse(buf, len, ret, max, reterr, errsize);
}

int agent_status_read_at(int dirfd, const char *name, struct agent_status_report *ret, char *reterr,
                         size_t errsize)
{
	char buf[AGENT_STATUS_MAX_BYTES + 1];
	struct stat st;
	size_t len;
	int q;

	q = read_untrusted_at(dirfd, name, buf, AGENT_STATUS_MAX_BYTES,
	                      "refused: larger than 4 KiB", &len, &st, reterr, errsize);
	if (q == -ENOENT)
		return fail(reterr, errsize, q, "not published by the agent");
	if (q < 0)
		return q;
	return agent_status_parse(buf, len, ret, reterr, errsize);
}
