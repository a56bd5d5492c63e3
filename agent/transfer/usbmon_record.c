/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/transfer/usbmon_record.h"

#include <errno.h>
#include <string.h>

int usbmon_parse_record(const uint8_t *buf, size_t len, struct usbmon_record *ret)
{
	struct usbmon_record r = { 0 };
	uint16_t busnum;
	int32_t status;
	uint32_t len_urb, len_cap;

	if (!buf || len < USBMON_HDR_LEN)
		return -EBADMSG;
	/* struct mon_bin_hdr: u64 id; u8 type, xfer_type, epnum, devnum; u16 busnum;
	 * s8 flag_setup, flag_data; s64 ts_sec; s32 ts_usec; s32 status; u32 len_urb;
	 * u32 len_cap; u8 setup[8]; s32 interval, start_frame; u32 xfer_flags, ndesc */
	memcpy(&r.id, buf, 8);
	r.type = (char)buf[8];
	r.xfer_type = buf[9];
	r.epnum = buf[10];
	r.devnum = buf[11];
	memcpy(&busnum, buf + 12, 2);
	memcpy(&status, buf + 28, 4);
	memcpy(&len_urb, buf + 32, 4);
	memcpy(&len_cap, buf + 36, 4);
	r.busnum = busnum;
	r.status = status;
	r.len_urb = len_urb;
	r.len_cap = len_cap;
	if ((r.type != 'S' && r.type != 'C' && r.type != 'E') || r.xfer_type > USBMON_XFER_BULK)
		return -EBADMSG;
	/* The kernel never captures more than the transfer holds (for a submission its length, for
	 * a completion the actual length). */
	if (r.len_cap > r.len_urb && r.xfer_type != USBMON_XFER_ISO)
		return -EBADMSG;
	r.data = buf + USBMON_HDR_LEN;
	r.data_len = len - USBMON_HDR_LEN < r.len_cap ? len - USBMON_HDR_LEN : r.len_cap;
	*ret = r;
	return 0;
}

bool usbmon_bulk_bytes(const struct usbmon_record *r, bool *ret_in, uint32_t *ret_bytes)
{
	if (r->type != 'C' || r->xfer_type != USBMON_XFER_BULK)
		return false;
	*ret_in = (r->epnum & 0x80) != 0;
	*ret_bytes = r->len_urb;
	return true;
}
