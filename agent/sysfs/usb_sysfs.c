/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Thin shell over sysfs: libudev finds the devices, the attributes are read with openat() on the
 * device directory (binary "descriptors" included, with a hard size cap), then the pure core
 * parses and classifies. Nothing here prints a device string.
 *
 * Vanishing devices: every read that fails with ENOENT checks whether the device directory still
 * has its "uevent" file; if not, the device is gone and the read returns -ENODEV.
 */
#include "agent/sysfs/usb_sysfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmtp.h>

#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/device/classify.h"

#define ATTR_MAX 4096 /* sysfs text attributes are at most a page */
#define USB_SYSFS_MAX_DEVICES                                                                      \
	1024 /* cap on the list (~60 KB each); 127 per bus is the USB limit                        \
	      */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_enumerate, udev_enumerate_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device, udev_device_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir)

/* ENOENT on an attribute: the device is gone (-ENODEV) or the attribute just is not there. */
static int gone_or(int dirfd, int r)
{
	if (r == -ENOENT && faccessat(dirfd, "uevent", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return -ENODEV;
	return r;
}

static bool device_gone(int dirfd)
{
	return faccessat(dirfd, "uevent", F_OK, AT_SYMLINK_NOFOLLOW) < 0;
}

/* Reads up to size-1 bytes of a file below dirfd. Returns the length. */
static int read_bytes(int dirfd, const char *name, uint8_t *buf, size_t size, bool *ret_truncated)
{
	_cleanup_(closep) int fd = -1;
	size_t n = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return gone_or(dirfd, negative_errno());
	while (n < size) {
		ssize_t k = read(fd, buf + n, size - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* ENODEV: sysfs reports a removed device on read */
			return gone_or(dirfd, negative_errno());
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (ret_truncated) {
		uint8_t extra;
		ssize_t k = n == size ? read(fd, &extra, 1) : 0;
		*ret_truncated = k > 0;
	}
	return (int)n;
}

/* Text attribute: NUL-terminated, trailing newline removed, cut to size-1 bytes. */
static int read_attr(int dirfd, const char *name, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return -EINVAL;
	n = read_bytes(dirfd, name, (uint8_t *)buf, size - 1, NULL);
	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

static int read_attr_ulong(int dirfd, const char *name, int base, unsigned long max,
                           unsigned long *ret)
{
	char buf[64], *end;
	unsigned long v;
	int r;

	r = read_attr(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, base);
	while (*end == ' ')
		end++;
	if (errno || end == buf || *end || v > max || buf[0] == '-')
		return -EBADMSG;
	*ret = v;
	return 0;
}

/* "480", "5000", or "1.5" for low speed, which is kept as 1 (no other speed is 1 Mbit/s). */
static int read_speed(int dirfd, unsigned *ret)
{
	char buf[32], *end;
	unsigned long v;
	int r;

	r = read_attr(dirfd, "speed", buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || buf[0] == '-' || v > 1000000 || (*end && strcmp(end, ".5")))
		return -EBADMSG;
	*ret = (unsigned)v;
	return 0;
}

/* Optional string attribute: present -> copied (a NUL inside cuts it), absent -> has=false. */
static int read_string(int dirfd, const char *name, char *dst, size_t size, bool *ret_has)
{
	char buf[ATTR_MAX];
	int r;

	r = read_attr(dirfd, name, buf, sizeof(buf));
	if (r == -ENOENT) {
		*ret_has = false;
		dst[0] = '\0';
		return 0;
	}
	if (r < 0)
		return r;
	(void)str_copy(dst, size, buf); /* bounded copy; a longer string is cut, on purpose */
	*ret_has = true;
	return 0;
}

/* idVendor, idProduct, bcdDevice, bDeviceClass from sysfs (the kernel's cached descriptor). */
static int read_identity(int dirfd, struct usb_descriptors *d)
{
	unsigned long v;
	int r;

	r = read_attr_ulong(dirfd, "idVendor", 16, UINT16_MAX, &v);
	if (r == -ENODEV)
		return r;
	d->vid = r < 0 ? 0 : (uint16_t)v;
	r = read_attr_ulong(dirfd, "idProduct", 16, UINT16_MAX, &v);
	if (r == -ENODEV)
		return r;
	d->pid = r < 0 ? 0 : (uint16_t)v;
	r = read_attr_ulong(dirfd, "bcdDevice", 16, UINT16_MAX, &v);
	if (r == -ENODEV)
		return r;
	d->bcd_device = r < 0 ? 0 : (uint16_t)v;
	r = read_attr_ulong(dirfd, "bDeviceClass", 16, UINT8_MAX, &v);
	if (r == -ENODEV)
		return r;
	d->dev_class = r < 0 ? 0 : (uint8_t)v;
	return 0;
}

/* "1-2.3" -> 2; "usb1" (root hub) -> 0. */
static uint8_t busid_depth(const char *busid)
{
	const char *dash = strchr(busid, '-');
	unsigned d = 1;

	if (!dash)
		return 0;
	for (const char *p = dash + 1; *p; p++)
		if (*p == '.')
			d++;
	return d > UINT8_MAX ? UINT8_MAX : (uint8_t)d;
}

/* Parses "<busid>:<cfg>.<n>" into cfg and n. */
static bool iface_name(const char *name, const char *busid, unsigned *ret_cfg, unsigned *ret_num)
{
	size_t bl = strlen(busid);
	unsigned long c, n;
	const char *p;
	char *end;

	if (strncmp(name, busid, bl) || name[bl] != ':')
		return false;
	p = name + bl + 1;
	if (!isdigit((unsigned char)*p))
		return false;
	c = strtoul(p, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	n = strtoul(end + 1, &end, 10);
	if (*end || c > 255 || n > 255)
		return false;
	*ret_cfg = (unsigned)c;
	*ret_num = (unsigned)n;
	return true;
}

/* Forgets the sysfs state of an interface: it is not there (any more). */
static void iface_absent(struct usb_iface_info *f)
{
	f->sysname[0] = '\0';
	f->authorized = -1;
	f->has_driver = false;
	f->has_string = false;
	f->string[0] = '\0';
}

/*
 * sysfs state of one interface directory. Interface state is information, not the decision
 * (that comes from the descriptors): an attribute that cannot be read stays "unknown" (-1), an
 * interface that goes away while read is "not present". Only the device going away fails:
 * returns 0 or -ENODEV.
 */
static int read_iface_state(int dirfd, const char *name, struct usb_iface_info *f)
{
	_cleanup_(closep) int ifd = -1;
	char buf[16], link[256];
	int r;

	ifd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ifd < 0) {
		r = negative_errno();
		if (device_gone(dirfd))
			return -ENODEV;
		iface_absent(f);
		if (r != -ENOENT) /* there, but unreadable: present, state unknown */
			(void)str_copy(f->sysname, sizeof(f->sysname), name);
		return 0;
	}
	(void)str_copy(f->sysname, sizeof(f->sysname), name);
	r = read_attr(ifd, "authorized", buf, sizeof(buf));
	f->authorized = r < 0 ? -1 : !strcmp(buf, "1") ? 1 : !strcmp(buf, "0") ? 0 : -1;
	if (r != -ENODEV) {
		f->has_driver = readlinkat(ifd, "driver", link, sizeof(link)) > 0;
		r = read_string(ifd, "interface", f->string, sizeof(f->string), &f->has_string);
		if (r < 0 && r != -ENODEV) {
			f->has_string = false;
			f->string[0] = '\0';
		}
	}
	if (r == -ENODEV) {
		if (device_gone(dirfd))
			return -ENODEV;
		iface_absent(f); /* deconfigured while we read it */
	}
	return 0;
}

/* Interface directories that exist now: sysfs state and the "interface" string. */
static int read_interfaces(int dirfd, struct usb_device_info *dev)
{
	_cleanup_(closedirp) DIR *dir = NULL;
	int fd;

	/* interface names use the "N-0" form on root hubs: usb1 -> 1-0:1.0 */
	char prefix[USB_BUSID_MAX];
	if (dev->is_root_hub)
		(void)snprintf(prefix, sizeof(prefix), "%u-0", dev->busnum);
	else
		(void)str_copy(prefix, sizeof(prefix), dev->busid);

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gone_or(dirfd, negative_errno());
	dir = fdopendir(fd);
	if (!dir) {
		int r = negative_errno();
		(void)close(fd);
		return r;
	}
	for (;;) {
		struct dirent *de;
		struct usb_iface_info *f;
		unsigned cfg, num;
		int r;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno)
				return gone_or(dirfd, negative_errno());
			break;
		}
		if (!iface_name(de->d_name, prefix, &cfg, &num))
			continue;
		f = usb_device_find_iface(dev, (uint8_t)cfg, (uint8_t)num);
		if (!f) {
			/* not in the descriptors we read: nothing to decide on; the kernel's
			 * interface_authorized_default=0 keeps it unusable */
			log_debug("%s: interface %s not in descriptors, ignoring", dev->busid,
			          de->d_name);
			continue;
		}
		r = read_iface_state(dirfd, de->d_name, f);
		if (r < 0)
			return r;
	}
	return 0;
}

/* libmtp's compiled-in device table (the source of its udev hwdb): static data, no I/O, ~1400
 * entries, no LIBMTP_Init() needed. Measured: well under a millisecond. */
static bool libmtp_table_has(uint16_t vid, uint16_t pid)
{
	LIBMTP_device_entry_t *list = NULL;
	int n = 0;

	if (LIBMTP_Get_Supported_Devices_List(&list, &n) != 0 || !list)
		return false;
	for (int i = 0; i < n; i++)
		if (list[i].vendor_id == vid && list[i].product_id == pid)
			return true;
	return false;
}

/*
 * MTP database hint: udev's ID_MTP_DEVICE (set from libmtp's hwdb/rules when udev processed the
 * device), else libmtp's own table, which is what that hwdb is generated from. (Opening the hwdb
 * per device cost ~0.27 ms, half of the agent's CPU per decision, and added no entries.)
 * Either only ever adds the "mtp" kind.
 */
static bool mtp_db_lookup(struct udev_device *d, uint16_t vid, uint16_t pid)
{
	const char *v = udev_device_get_property_value(d, "ID_MTP_DEVICE");

	if (v && !strcmp(v, "1"))
		return true;
	return libmtp_table_has(vid, pid);
}

static int read_device_at(struct udev_device *d, int dirfd, struct usb_device_info *dev)
{
	unsigned long v;
	char buf[64];
	_cleanup_(freep) uint8_t *blob = NULL;
	bool truncated = false;
	int n, r;

	r = read_attr_ulong(dirfd, "busnum", 10, UINT8_MAX, &v);
	if (r < 0)
		return r;
	dev->busnum = (uint8_t)v;
	r = read_attr_ulong(dirfd, "devnum", 10, UINT8_MAX, &v);
	if (r < 0)
		return r;
	dev->devnum = (uint8_t)v;
	r = read_speed(dirfd, &dev->speed_mbps);
	if (r == -ENODEV)
		return r;

	r = read_attr(dirfd, "authorized", buf, sizeof(buf));
	if (r == -ENODEV)
		return r;
	dev->authorized = r < 0 ? -1 : !strcmp(buf, "1") ? 1 : !strcmp(buf, "0") ? 0 : -1;

	r = read_string(dirfd, "manufacturer", dev->manufacturer, sizeof(dev->manufacturer),
	                &dev->has_manufacturer);
	if (r < 0)
		return r;
	r = read_string(dirfd, "product", dev->product, sizeof(dev->product), &dev->has_product);
	if (r < 0)
		return r;
	r = read_string(dirfd, "serial", dev->serial, sizeof(dev->serial), &dev->has_serial);
	if (r < 0)
		return r;

	/* Raw descriptors, capped: one byte more than the cap tells "too large" apart. */
	blob = malloc(USB_DESC_MAX_BYTES);
	if (!blob)
		return -ENOMEM;
	n = read_bytes(dirfd, "descriptors", blob, USB_DESC_MAX_BYTES, &truncated);
	if (n == -ENODEV)
		return n;
	if (n < 0) {
		/* no descriptors: nothing to decide on, the device stays blocked */
		(void)usb_device_set_descriptors(dev, NULL, 0);
		dev->desc_status = n;
		dev->desc_error = (struct usb_desc_error){ 0, "descriptors file unreadable" };
	} else {
		/* a parse error is recorded in dev->desc_status, not returned */
		r = usb_device_set_descriptors(dev, blob, (size_t)n);
		if (r == -ENOMEM || r == -EINVAL)
			return r;
		if (truncated) {
			/* over the cap: only the identity of the device descriptor is kept; the
			 * digest covers the first USB_DESC_MAX_BYTES bytes */
			struct usb_descriptors id = { .vid = dev->desc.vid,
				                      .pid = dev->desc.pid,
				                      .bcd_device = dev->desc.bcd_device,
				                      .dev_class = dev->desc.dev_class };
			dev->desc = id;
			dev->n_ifaces = 0;
			dev->desc_status = -EFBIG;
			dev->desc_error =
			    (struct usb_desc_error){ USB_DESC_MAX_BYTES,
				                     "descriptors larger than the cap" };
		}
	}
	if (dev->desc_status < 0 && dev->desc.vid == 0 && dev->desc.pid == 0) {
		/* too short to carry an identity: take the kernel's copy, for people and events */
		r = read_identity(dirfd, &dev->desc);
		if (r == -ENODEV)
			return r;
	}

	r = read_interfaces(dirfd, dev);
	if (r < 0)
		return r;

	dev->mtp_db_hit = dev->desc_status == 0 && mtp_db_lookup(d, dev->desc.vid, dev->desc.pid);
	classify_device(dev);

	/* a final check: the device may have gone while we read (its files vanish together) */
	if (faccessat(dirfd, "uevent", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return -ENODEV;
	return 0;
}

int usb_sysfs_read_device(struct udev_device *d, struct usb_device_info *ret)
{
	_cleanup_(closep) int dirfd = -1;
	_cleanup_(freep) struct usb_device_info *dev = NULL;
	const char *devtype, *syspath, *sysname;
	int r;

	if (!d || !ret)
		return -EINVAL;
	syspath = udev_device_get_syspath(d);
	sysname = udev_device_get_sysname(d);
	if (!syspath || !sysname)
		return -EINVAL;
	dirfd = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		r = negative_errno();
		return r == -ENOENT ? -ENODEV : r;
	}
	/* libudev reads "uevent" lazily: no DEVTYPE may also mean the device just went away */
	devtype = udev_device_get_devtype(d);
	if (!devtype || strcmp(devtype, "usb_device"))
		return gone_or(dirfd, -ENOENT) == -ENODEV ? -ENODEV : -EINVAL;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (str_copy(dev->syspath, sizeof(dev->syspath), syspath) < 0 ||
	    str_copy(dev->busid, sizeof(dev->busid), sysname) < 0)
		return -ENAMETOOLONG;
	dev->is_root_hub = str_startswith(sysname, "usb");
	dev->depth = dev->is_root_hub ? 0 : busid_depth(sysname);
	dev->authorized = -1;

	r = read_device_at(d, dirfd, dev);
	if (r < 0)
		return r;
	memcpy(ret, dev, sizeof(*dev));
	return 0;
}

int usb_sysfs_read_syspath(struct udev *udev, const char *syspath, struct usb_device_info *ret)
{
	_cleanup_(udev_device_unrefp) struct udev_device *d = NULL;

	if (!udev || !syspath || !ret)
		return -EINVAL;
	d = udev_device_new_from_syspath(udev, syspath);
	if (!d)
		return errno == ENOMEM ? -ENOMEM : -ENODEV;
	return usb_sysfs_read_device(d, ret);
}

/* Topological order: depth, then bus number, then bus id in natural order ("1-2" < "1-10"). */
static int cmp_topo(const void *a, const void *b)
{
	const struct usb_device_info *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (x->busnum != y->busnum)
		return x->busnum < y->busnum ? -1 : 1;
	return strverscmp(x->busid, y->busid);
}

int usb_sysfs_enumerate(struct udev *udev, struct usb_device_info **ret_devices)
{
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *en = NULL;
	_cleanup_(freep) struct usb_device_info *devs = NULL;
	struct udev_list_entry *e;
	size_t n = 0, cap = 0;
	int r;

	if (!udev || !ret_devices)
		return -EINVAL;
	en = udev_enumerate_new(udev);
	if (!en)
		return -ENOMEM;
	r = udev_enumerate_add_match_subsystem(en, "usb");
	if (r >= 0)
		r = udev_enumerate_add_match_property(en, "DEVTYPE", "usb_device");
	if (r >= 0)
		r = udev_enumerate_scan_devices(en);
	if (r < 0)
		return r;

	udev_list_entry_foreach (e, udev_enumerate_get_list_entry(en)) {
		_cleanup_(udev_device_unrefp) struct udev_device *d = NULL;

		d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		if (!d)
			continue; /* gone between scan and now */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct usb_device_info *nd;

			if (ncap > USB_SYSFS_MAX_DEVICES)
				return -E2BIG;
			nd = realloc(devs, ncap * sizeof(*devs));
			if (!nd)
				return -ENOMEM;
			devs = nd;
			cap = ncap;
		}
		r = usb_sysfs_read_device(d, &devs[n]);
		if (r == -ENODEV || r == -ENOENT)
			continue; /* unplugged while we looked: not attached any more */
		if (r < 0)
			return r;
		n++;
	}
	if (n > 1)
		qsort(devs, n, sizeof(*devs), cmp_topo);
	*ret_devices = n > 0 ? TAKE_PTR(devs) : NULL;
	return (int)n;
}

struct usb_device_info *usb_sysfs_devices_free(struct usb_device_info *devices)
{
	free(devices);
	return NULL;
}

/* "0"/"1" -> 0/1; anything else (authorized_default may also be -1 or 2) as read, -1 if absent. */
static int read_tristate(int dirfd, const char *name, int *ret)
{
	char buf[16], *end;
	long v;
	int r;

	r = read_attr(dirfd, name, buf, sizeof(buf));
	if (r == -ENODEV)
		return r;
	if (r < 0) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	v = strtol(buf, &end, 10);
	*ret = (errno || end == buf || *end || v < -1 || v > 2) ? -1 : (int)v;
	return 0;
}

int usb_sysfs_read_bus_defaults(const struct usb_device_info *root_hub, int *ret_authorized_default,
                                int *ret_interface_authorized_default)
{
	_cleanup_(closep) int dirfd = -1;
	int a, i, r;

	if (!root_hub || !root_hub->is_root_hub || !ret_authorized_default ||
	    !ret_interface_authorized_default)
		return -EINVAL;
	dirfd = open(root_hub->syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		r = negative_errno();
		return r == -ENOENT ? -ENODEV : r;
	}
	r = read_tristate(dirfd, "authorized_default", &a);
	if (r < 0)
		return r;
	r = read_tristate(dirfd, "interface_authorized_default", &i);
	if (r < 0)
		return r;
	*ret_authorized_default = a;
	*ret_interface_authorized_default = i;
	return 0;
}
