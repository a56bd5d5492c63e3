/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/transfer/blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "policy/base/macro.h"

int blockdev_set_read_only(const char *devnode)
{
	int one = 1, ro = 0, r = 0;
	int fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return negative_errno();
	if (ioctl(fd, BLKROSET, &one) < 0 || ioctl(fd, BLKROGET, &ro) < 0)
		r = negative_errno();
	else if (!ro)
		r = -EIO;
	(void)close(fd); /* read-only fd: nothing to flush */
	return r;
}
