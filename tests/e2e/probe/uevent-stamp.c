// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uevent-stamp: prints every kernel uevent (netlink KOBJECT_UEVENT, the kernel's own multicast
 * group, not udev's) with a CLOCK_MONOTONIC timestamp taken on arrival:
 *
 *   <monotonic_us> <ACTION> <DEVPATH> <SUBSYSTEM> <DEVTYPE or -> <DRIVER or ->
 *
 * Used by the latency benchmark (add@ of a usb_device is "time zero") and by the tests to see
 * what the kernel did. Line buffered; runs until killed.
 */
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0) {
		perror("uevent-stamp: socket");
		return 1;
	}
	int rcvbuf = 8 * 1024 * 1024;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevent-stamp: bind");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	static char buf[16384];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		buf[n] = '\0';
		const char *action = "-", *devpath = "-", *subsys = "-", *devtype = "-",
		           *driver = "-";
		for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
			if (strncmp(p, "ACTION=", 7) == 0)
				action = p + 7;
			else if (strncmp(p, "DEVPATH=", 8) == 0)
				devpath = p + 8;
			else if (strncmp(p, "SUBSYSTEM=", 10) == 0)
				subsys = p + 10;
			else if (strncmp(p, "DEVTYPE=", 8) == 0)
				devtype = p + 8;
			else if (strncmp(p, "DRIVER=", 7) == 0)
				driver = p + 7;
		}
		printf("%lld %s %s %s %s %s\n",
		       (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000, action, devpath,
		       subsys, devtype, driver);
	}
}
