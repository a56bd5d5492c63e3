/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/uplink/relp_frame.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int relp_frame_encode(char *buf, size_t size, uint32_t txnr, const char *cmd, const void *data,
                      size_t len)
{
	size_t clen = strlen(cmd);
	char head[64];

	if (txnr == 0 || txnr > RELP_TXNR_MAX || clen == 0 || clen > RELP_CMD_MAX)
		return -EINVAL;
	for (size_t i = 0; i < clen; i++)
		if (!((cmd[i] >= 'a' && cmd[i] <= 'z') || (cmd[i] >= 'A' && cmd[i] <= 'Z')))
			return -EINVAL;
	int n = snprintf(head, sizeof(head), "%u %s %zu", txnr, cmd, len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	size_t total = (size_t)n + (len ? 1 + len : 0) + 1;
	if (total > size || total > INT32_MAX)
		return -ENOBUFS;
	memcpy(buf, head, (size_t)n);
	size_t o = (size_t)n;
	if (len) {
		buf[o++] = ' ';
		memcpy(buf + o, data, len);
		o += len;
	}
	buf[o++] = '\n';
	return (int)o;
}

/* Reads 1..maxdigits decimal digits ending at a space. 0: need more, <0: bad, >0: bytes used. */
static int parse_number(const uint8_t *p, size_t len, unsigned maxdigits, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (i >= maxdigits)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (i == len)
		return 0;
	if (i == 0)
		return -EBADMSG;
	*ret = v;
	return (int)i;
}

int relp_frame_parse(const uint8_t *buf, size_t len, struct relp_frame *ret)
{
	struct relp_frame f = {};
	uint64_t v;
	size_t o = 0;
	int r;

	r = parse_number(buf, len, 9, &v);
	if (r <= 0)
		return r;
	if (v == 0 && !(r == 1)) /* leading zeros are not allowed; "0" is the serverclose txnr */
		return -EBADMSG;
	f.txnr = (uint32_t)v;
	o = (size_t)r;
	if (buf[o++] != ' ')
		return -EBADMSG;

	size_t c = 0;
	for (; o + c < len && buf[o + c] != ' '; c++) {
		uint8_t ch = buf[o + c];
		if (c >= RELP_CMD_MAX || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
			return -EBADMSG;
		f.cmd[c] = (char)ch;
	}
	if (o + c == len)
		return 0;
	if (c == 0)
		return -EBADMSG;
	f.cmd[c] = '\0';
	o += c + 1;

	/* DATALEN, then either LF (no data) or SP DATA LF */
	size_t d = 0;
	v = 0;
	for (; o + d < len && buf[o + d] >= '0' && buf[o + d] <= '9'; d++) {
		if (d >= 9)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(buf[o + d] - '0');
	}
	if (o + d == len)
		return 0;
	if (d == 0 || v > RELP_DATA_MAX)
		return -EBADMSG;
	o += d;
	if (v == 0) {
		if (buf[o] != '\n')
			return -EBADMSG;
		f.data = buf + o;
		f.len = 0;
		*ret = f;
		return (int)(o + 1);
	}
	if (buf[o] != ' ')
		return -EBADMSG;
	o++;
	if (len - o < v + 1)
		return 0;
	if (buf[o + v] != '\n')
		return -EBADMSG;
	f.data = buf + o;
	f.len = (size_t)v;
	*ret = f;
	return (int)(o + v + 1);
}

int relp_rsp_code(const struct relp_frame *f)
{
	if (f->len < 3)
		return -EBADMSG;
	for (int i = 0; i < 3; i++)
		if (f->data[i] < '0' || f->data[i] > '9')
			return -EBADMSG;
	if (f->len > 3 && f->data[3] != ' ' && f->data[3] != '\n')
		return -EBADMSG;
	return (f->data[0] - '0') * 100 + (f->data[1] - '0') * 10 + (f->data[2] - '0');
}
