// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ffs-stub: the userspace half of one FunctionFS interface, for the E2E gadgets.
 *
 *   ffs-stub MOUNTDIR CLASS SUBCLASS PROTOCOL NEPS [STRING]
 *
 * Writes one interface descriptor (class/subclass/protocol in hex, NEPS = 2: bulk in + bulk out,
 * 3: + interrupt in) for full and high speed, and its interface string if given, to
 * MOUNTDIR/ep0, creates the file named by $PC_FFS_READY (if set), then keeps ep0 open and reads its
 * events until the gadget is torn down or the process is killed. It moves no data: the tests only
 * need a device that looks like Android MTP (ff/ff/00 "MTP"), ADB (ff/42/01), PTP (06/01/01) or
 * Apple usbmux (ff/fe/02) on the bus.
 *
 * With PC_FFS_COMPAT=ID (e.g. "MTP") the interface also carries a Microsoft OS extended compat ID
 * (FunctionFS OS descriptors; the gadget's os_desc must be enabled in configfs for the host to
 * be able to ask for it).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EPS 3

struct descs {
	struct usb_functionfs_descs_head_v2 head;
	uint32_t fs_count;
	uint32_t hs_count;
	struct {
		struct usb_interface_descriptor intf;
		struct usb_endpoint_descriptor_no_audio eps[MAX_EPS];
	} __attribute__((packed)) fs, hs;
} __attribute__((packed));

static int parse_hex_byte(const char *s, uint8_t *ret)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 16);
	if (errno != 0 || end == s || *end != '\0' || v > 0xff)
		return -EINVAL;
	*ret = (uint8_t)v;
	return 0;
}

static void fill_speed(struct usb_interface_descriptor *intf,
                       struct usb_endpoint_descriptor_no_audio *eps, uint8_t cls, uint8_t sub,
                       uint8_t proto, int neps, int has_string, uint16_t bulk_size)
{
	*intf = (struct usb_interface_descriptor){
		.bLength = sizeof(*intf),
		.bDescriptorType = USB_DT_INTERFACE,
		.bNumEndpoints = (uint8_t)neps,
		.bInterfaceClass = cls,
		.bInterfaceSubClass = sub,
		.bInterfaceProtocol = proto,
		.iInterface = has_string ? 1 : 0,
	};
	for (int i = 0; i < neps; i++) {
		eps[i] = (struct usb_endpoint_descriptor_no_audio){
			.bLength = sizeof(eps[i]),
			.bDescriptorType = USB_DT_ENDPOINT,
		};
		if (i == 0) {
			eps[i].bEndpointAddress = 1 | USB_DIR_IN;
			eps[i].bmAttributes = USB_ENDPOINT_XFER_BULK;
			eps[i].wMaxPacketSize = htole16(bulk_size);
		} else if (i == 1) {
			eps[i].bEndpointAddress = 2 | USB_DIR_OUT;
			eps[i].bmAttributes = USB_ENDPOINT_XFER_BULK;
			eps[i].wMaxPacketSize = htole16(bulk_size);
		} else {
			eps[i].bEndpointAddress = 3 | USB_DIR_IN;
			eps[i].bmAttributes = USB_ENDPOINT_XFER_INT;
			eps[i].wMaxPacketSize = htole16(28);
			eps[i].bInterval = 6;
		}
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s MOUNTDIR CLASS SUBCLASS PROTOCOL NEPS [STRING]\n",
		        argv[0]);
		return 2;
	}
	uint8_t cls, sub, proto;
	if (parse_hex_byte(argv[2], &cls) < 0 || parse_hex_byte(argv[3], &sub) < 0 ||
	    parse_hex_byte(argv[4], &proto) < 0) {
		fprintf(stderr, "ffs-stub: class/subclass/protocol must be hex bytes\n");
		return 2;
	}
	int neps = atoi(argv[5]);
	if (neps < 2 || neps > MAX_EPS) {
		fprintf(stderr, "ffs-stub: NEPS must be 2 or 3\n");
		return 2;
	}
	const char *str = argc == 7 ? argv[6] : NULL;
	if (str && strlen(str) > 126) {
		fprintf(stderr, "ffs-stub: interface string too long\n");
		return 2;
	}

	struct descs d;
	memset(&d, 0, sizeof(d));
	size_t speed_len = sizeof(struct usb_interface_descriptor) +
	                   (size_t)neps * sizeof(struct usb_endpoint_descriptor_no_audio);
	fill_speed(&d.fs.intf, d.fs.eps, cls, sub, proto, neps, str != NULL, 64);
	fill_speed(&d.hs.intf, d.hs.eps, cls, sub, proto, neps, str != NULL, 512);
	/* The two speed blocks are packed back to back: move the high-speed block down. */
	const char *compat = getenv("PC_FFS_COMPAT");
	if (compat && (!*compat || strlen(compat) > 8)) {
		fprintf(stderr, "ffs-stub: PC_FFS_COMPAT must be 1..8 characters\n");
		return 2;
	}
	struct {
		struct usb_os_desc_header h;
		struct usb_ext_compat_desc c;
	} __attribute__((packed)) os = {
		/* bcdVersion 0x0001: Debian 12's f_fs (Linux 6.1) refuses 0x0100 with EINVAL
		 * (seen in this suite); later kernels accept both, 0x0001 with a warning */
		.h = { .interface = 0,
		       .dwLength = htole32(sizeof(os)),
		       .bcdVersion = htole16(0x0001),
		       .wIndex = htole16(4),
		       .bCount = 1 },
		/* Reserved1 0: Linux before 6.4 rejects anything else (later ones force it to 1) */
		.c = { .bFirstInterfaceNumber = 0, .Reserved1 = 0 },
	};
	if (compat)
		memcpy(os.c.CompatibleID, compat, strlen(compat));
	char buf[sizeof(d) + sizeof(uint32_t) + sizeof(os)];
	uint32_t counts[3] = { htole32(1 + (uint32_t)neps), htole32(1 + (uint32_t)neps),
		               htole32(1) };
	size_t ncounts = compat ? 3 : 2;
	size_t off = sizeof(d.head) + ncounts * sizeof(uint32_t);
	memcpy(buf + off, &d.fs, speed_len);
	memcpy(buf + off + speed_len, &d.hs, speed_len);
	size_t total = off + 2 * speed_len;
	if (compat) {
		memcpy(buf + total, &os, sizeof(os));
		total += sizeof(os);
	}
	struct usb_functionfs_descs_head_v2 head = {
		.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
		.length = htole32((uint32_t)total),
		.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC |
		                 (compat ? FUNCTIONFS_HAS_MS_OS_DESC : 0)),
	};
	memcpy(buf, &head, sizeof(head));
	memcpy(buf + sizeof(head), counts, ncounts * sizeof(uint32_t));

	char strbuf[sizeof(struct usb_functionfs_strings_head) + 2 + 128];
	size_t slen = sizeof(struct usb_functionfs_strings_head);
	struct usb_functionfs_strings_head sh = {
		.magic = htole32(FUNCTIONFS_STRINGS_MAGIC),
		.str_count = htole32(str ? 1 : 0),
		.lang_count = htole32(str ? 1 : 0),
	};
	if (str) {
		uint16_t lang = htole16(0x0409);
		memcpy(strbuf + slen, &lang, 2);
		slen += 2;
		memcpy(strbuf + slen, str, strlen(str) + 1);
		slen += strlen(str) + 1;
	}
	sh.length = htole32((uint32_t)slen);
	memcpy(strbuf, &sh, sizeof(sh));

	char path[4096];
	snprintf(path, sizeof(path), "%s/ep0", argv[1]);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "ffs-stub: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	int r = write_all(fd, buf, total);
	if (r < 0) {
		fprintf(stderr, "ffs-stub: write descriptors: %s\n", strerror(-r));
		return 1;
	}
	r = write_all(fd, strbuf, slen);
	if (r < 0) {
		fprintf(stderr, "ffs-stub: write strings: %s\n", strerror(-r));
		return 1;
	}
	const char *ready = getenv("PC_FFS_READY");
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rfd >= 0)
			close(rfd);
	}
	/* Keep the function alive; drain events (BIND, ENABLE, SETUP, ...) until ep0 goes away. */
	for (;;) {
		struct usb_functionfs_event ev;
		ssize_t n = read(fd, &ev, sizeof(ev));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (ev.type == FUNCTIONFS_SETUP) {
			/* Refuse class/vendor requests: stall by reading/writing zero bytes the
			 * wrong way, as the FunctionFS documentation describes. */
			if (ev.u.setup.bRequestType & USB_DIR_IN) {
				if (read(fd, NULL, 0) < 0) {
					/* stalled as intended */
				}
			} else {
				if (write(fd, NULL, 0) < 0) {
					/* stalled as intended */
				}
			}
		}
	}
	close(fd);
	return 0;
}
