/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One event of the kernel's USB monitor, binary interface (Documentation/usb/usbmon.rst,
 * struct mon_bin_hdr: 64 bytes in host byte order, then len_cap captured data bytes). Pure: the
 * shell (usbmon_watch in transfer_watch.c) fetches events with MON_IOCX_GETX; this reads them
 * with every length checked, since the data is device traffic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USBMON_HDR_LEN 64

enum {
	USBMON_XFER_ISO = 0,
	USBMON_XFER_INTR = 1,
	USBMON_XFER_CONTROL = 2,
	USBMON_XFER_BULK = 3,
};

struct usbmon_record {
	uint64_t id;
	char type; /* 'S' submit, 'C' complete, 'E' submission error */
	uint8_t xfer_type;
	uint8_t epnum; /* 0x80 set: IN (device to host) */
	uint8_t devnum;
	uint16_t busnum;
	int32_t status;
	uint32_t len_urb;    /* 'S': requested length; 'C': actual length */
	uint32_t len_cap;    /* captured bytes that follow the header */
	const uint8_t *data; /* borrowed: the captured bytes, data_len of them */
	size_t data_len;     /* min(len_cap, what buf holds after the header) */
};

/*
 * buf[0..len): a header and the data that came with it. Returns 0, or -EBADMSG (too short,
 * unknown type or transfer type, captured length larger than the transfer).
 */
int usbmon_parse_record(const uint8_t *buf, size_t len, struct usbmon_record *ret);

/* Whether the record moved data of a bulk endpoint and how much, for accounting: completions
 * ('C') of bulk transfers, by direction. Returns false for anything else. */
bool usbmon_bulk_bytes(const struct usbmon_record *r, bool *ret_in, uint32_t *ret_bytes);
