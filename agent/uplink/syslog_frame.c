/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/uplink/syslog_frame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "policy/base/rfc3339.h"

int syslog_sd_escape(char *dst, size_t size, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		bool esc = c == '"' || c == '\\' || c == ']';
		if (o + (esc ? 2 : 1) >= size)
			return -ENOBUFS;
		if (esc)
			dst[o++] = '\\';
		dst[o++] = c;
	}
	if (o >= size)
		return -ENOBUFS;
	dst[o] = '\0';
	return (int)o;
}

/* PRINTUSASCII field (33..126), at most max bytes, "-" if empty. */
static size_t put_field(char *dst, const char *src, size_t max)
{
	size_t n = 0;

	if (src)
		for (; src[n] && n < max; n++) {
			unsigned char c = (unsigned char)src[n];
			dst[n] = (c >= 33 && c <= 126) ? (char)c : '_';
		}
	if (n == 0)
		dst[n++] = '-';
	return n;
}

int syslog_frame_encode(char *buf, size_t size, const struct syslog_frame *f, bool octet_count)
{
	char head[640];
	size_t h = 0;

	if (f->pri > 191)
		return -EINVAL;
	/* year 1..9999 in microseconds */
	if (f->time_usec < -62135596800LL * 1000000 || f->time_usec >= 253402300800LL * 1000000)
		return -EINVAL;

	char when[RFC3339_MAX];
	if (rfc3339_format_usec(f->time_usec, true, when) < 0)
		return -EINVAL;

	int n = snprintf(head, sizeof(head), "<%u>1 %s ", f->pri, when);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	h = (size_t)n;
	h += put_field(head + h, f->host, 255);
	head[h++] = ' ';
	h += put_field(head + h, SYSLOG_APP_NAME, 48);
	head[h++] = ' ';
	if (f->procid > 0)
		h += (size_t)snprintf(head + h, sizeof(head) - h, "%" PRId64, f->procid);
	else
		head[h++] = '-';
	head[h++] = ' ';
	h += put_field(head + h, f->msgid ? f->msgid : SYSLOG_MSGID, 32);

	char seqbuf[24], seqesc[48];
	(void)snprintf(seqbuf, sizeof(seqbuf), "%" PRIu64, f->seq);
	if (syslog_sd_escape(seqesc, sizeof(seqesc), seqbuf, strlen(seqbuf)) < 0)
		return -EINVAL;
	n = snprintf(head + h, sizeof(head) - h, " [" SYSLOG_SD_NAME "@%" PRIu32 " seq=\"%s\"]",
	             f->enterprise_number ? f->enterprise_number : SYSLOG_PEN_EXAMPLE, seqesc);
	if (n < 0 || (size_t)n >= sizeof(head) - h)
		return -EINVAL;
	h += (size_t)n;

	size_t mlen = f->msg_len;
	if (mlen > 0 && f->msg[mlen - 1] == '\n')
		mlen--;
	size_t body = h + (mlen ? 1 + mlen : 0);

	char prefix[24] = "";
	size_t plen = 0;
	if (octet_count) {
		n = snprintf(prefix, sizeof(prefix), "%zu ", body);
		plen = (size_t)n;
	}
	if (plen + body > size)
		return -ENOBUFS;
	if (plen + body > INT32_MAX)
		return -EMSGSIZE;
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, head, h);
	if (mlen) {
		buf[plen + h] = ' ';
		memcpy(buf + plen + h + 1, f->msg, mlen);
	}
	return (int)(plen + body);
}
