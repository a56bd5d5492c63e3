/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs writes with read-back (see authorize.h). This file uses _cleanup_ only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/authorize.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"

struct authz {
	int root_fd;
};

int authz_open(const char *sysfs_root, struct authz **ret)
{
	_cleanup_(freep) struct authz *a = NULL;
	int fd;

	if (!sysfs_root || !ret)
		return -EINVAL;
	fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	a = calloc(1, sizeof(*a));
	if (!a) {
		(void)close(fd); /* read-only directory fd, nothing to report */
		return -ENOMEM;
	}
	a->root_fd = fd;
	*ret = TAKE_PTR(a);
	return 0;
}

struct authz *authz_free(struct authz *a)
{
	if (!a)
		return NULL;
	if (a->root_fd >= 0)
		(void)close(a->root_fd); /* directory fd */
	free(a);
	return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct authz, authz_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir)

int authz_relpath(const char *syspath, char *buf, size_t size)
{
	if (!syspath || !buf || !str_startswith(syspath, "/sys/"))
		return -EINVAL;
	syspath += strlen("/sys/");
	if (!*syspath || strstr(syspath, ".."))
		return -EINVAL;
	return str_copy(buf, size, syspath);
}

static int attr_path(char *buf, size_t size, const char *dir, const char *attr)
{
	int n;

	if (!attr || !*attr || strchr(attr, '/') || (dir && (dir[0] == '/' || strstr(dir, ".."))))
		return -EINVAL;
	n = dir && *dir ? snprintf(buf, size, "%s/%s", dir, attr) : snprintf(buf, size, "%s", attr);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* A device that vanished shows up as ENOENT on open or ENODEV on read/write. */
int authz_read_int(struct authz *a, const char *dir, const char *attr, int *ret_value)
{
	char path[PATH_MAX], buf[32], *end;
	_cleanup_(closep) int fd = -1;
	ssize_t n;
	long v;
	int r;

	if (!a || !ret_value)
		return -EINVAL;
	r = attr_path(path, sizeof(path), dir, attr);
	if (r < 0)
		return r;
	fd = openat(a->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret_value = (int)v;
	return 0;
}

static int write_string(struct authz *a, const char *path, const char *value)
{
	_cleanup_(closep) int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	/* O_TRUNC as a shell redirection does: sysfs ignores it, a test tree needs it. */
	fd = openat(a->root_fd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	n = write(fd, value, len);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO; /* sysfs takes a store in one write; a short one did not happen */
	return 0;
}

int authz_write_int(struct authz *a, const char *dir, const char *attr, int value)
{
	char path[PATH_MAX], buf[16];
	int r, back;

	if (!a)
		return -EINVAL;
	r = attr_path(path, sizeof(path), dir, attr);
	if (r < 0)
		return r;
	(void)snprintf(buf, sizeof(buf), "%d", value); /* fits: an int is at most 11 chars */
	r = write_string(a, path, buf);
	if (r < 0)
		return r;
	r = authz_read_int(a, dir, attr, &back);
	if (r < 0)
		return r;
	return back == value ? 0 : -EREMOTEIO;
}

int authz_open_dir(struct authz *a, const char *dir)
{
	int fd;

	if (!a || !dir || dir[0] == '/' || strstr(dir, ".."))
		return -EINVAL;
	fd = openat(a->root_fd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

int authz_probe_interface(struct authz *a, const char *ifname)
{
	if (!a || !ifname || !*ifname || strchr(ifname, '/') || strlen(ifname) > 64)
		return -EINVAL;
	return write_string(a, "bus/usb/drivers_probe", ifname);
}

int authz_for_each_root_hub(struct authz *a, authz_bus_fn fn, void *userdata)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	if (!a || !fn)
		return -EINVAL;
	fd = authz_open_dir(a, "bus/usb/devices");
	if (fd == -ENOENT)
		return 0; /* no USB at all */
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		(void)close(fd); /* directory fd */
		return r;
	}
	while ((de = readdir(d))) {
		unsigned long n;
		char *end;

		if (!str_startswith(de->d_name, "usb"))
			continue;
		errno = 0;
		n = strtoul(de->d_name + 3, &end, 10);
		if (errno || *end || end == de->d_name + 3 || n == 0 || n >= AUTHZ_MAX_BUSES)
			continue;
		fn(userdata, (unsigned)n);
	}
	return 0;
}

int authz_lock_usbcore(struct authz *a)
{
	return authz_write_int(a, "module/usbcore/parameters", "authorized_default", 0);
}

void authz_root_hub_dir(unsigned busnum, char buf[static AUTHZ_ROOT_HUB_DIR_MAX])
{
	(void)snprintf(buf, AUTHZ_ROOT_HUB_DIR_MAX, "bus/usb/devices/usb%u", busnum);
}

struct early_lock {
	struct authz *authz;
	unsigned locked, failed;
};

static void early_lock_bus(void *userdata, unsigned busnum)
{
	struct early_lock *l = userdata;
	char dir[AUTHZ_ROOT_HUB_DIR_MAX];
	int r1, r2;

	authz_root_hub_dir(busnum, dir);
	/* Both, whatever the first one did: each closes a door of its own. */
	r1 = authz_write_int(l->authz, dir, "authorized_default", 0);
	r2 = authz_write_int(l->authz, dir, "interface_authorized_default", 0);
	if (r1 < 0 || r2 < 0)
		l->failed++;
	else
		l->locked++;
}

int authz_lock_early(const char *sysfs_root, unsigned *ret_locked, unsigned *ret_failed)
{
	_cleanup_(authz_freep) struct authz *a = NULL;
	struct early_lock l = { 0 };
	int r;

	r = authz_open(sysfs_root, &a);
	if (r < 0)
		return r;
	l.authz = a;
	(void)authz_lock_usbcore(a); /* the agent reports this one when it starts */
	r = authz_for_each_root_hub(a, early_lock_bus, &l);
	if (r < 0)
		return r;
	if (ret_locked)
		*ret_locked = l.locked;
	if (ret_failed)
		*ret_failed = l.failed;
	return 0;
}
