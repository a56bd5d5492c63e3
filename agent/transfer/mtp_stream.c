/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/transfer/mtp_stream.h"

#include <errno.h>
#include <string.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void mtp_stream_init(struct mtp_stream *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t put_utf8(char *out, size_t o, size_t size, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80)
		b[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	if (o + n >= size)
		return o; /* no room: cut (the name stays valid UTF-8) */
	memcpy(out + o, b, n);
	return o + n;
}

/*
 * A PTP string at p[0..len): u8 count of UTF-16 code units including the terminating NUL, then
 * the units (little-endian). Into out as UTF-8. Returns the bytes the string took, or -EBADMSG.
 */
static int ptp_string(const uint8_t *p, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (len < 1)
		return -EBADMSG;
	size_t n = p[0];
	if (1 + 2 * n > len)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = le16(p + 1 + 2 * i);
		if (u == 0)
			break;
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
			uint32_t lo = le16(p + 1 + 2 * (i + 1));
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else
				u = 0xfffd;
		} else if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		o = put_utf8(out, o, size, u);
	}
	out[o] = '\0';
	return (int)(1 + 2 * n);
}

int mtp_parse_object_info(const uint8_t *ds, size_t len, struct mtp_object *ret)
{
	struct mtp_object o = { 0 };

	if (len < 53)
		return -EBADMSG;
	uint32_t size = le32(ds + 8);
	o.size = size == 0xffffffffu ? UINT64_MAX : size; /* >= 4 GiB: unknown here */
	if (ptp_string(ds + 52, len - 52, o.name, sizeof(o.name)) < 0)
		return -EBADMSG;
	*ret = o;
	return 0;
}

/* Bytes a value of PTP data type t takes at p[0..len), or -EBADMSG (arrays are not expected in
 * an object property list and are refused). */
static int value_len(uint16_t t, const uint8_t *p, size_t len)
{
	static const uint8_t sizes[] = { 0, 1, 1, 2, 2, 4, 4, 8, 8, 16, 16 }; /* 0x0000..0x000a */

	if (t == 0xffff) { /* string */
		if (len < 1 || 1 + 2 * (size_t)p[0] > len)
			return -EBADMSG;
		return 1 + 2 * p[0];
	}
	if (t == 0 || t >= sizeof(sizes) || sizes[t] > len)
		return -EBADMSG;
	return sizes[t];
}

int mtp_parse_prop_list(const uint8_t *ds, size_t len, struct mtp_object *ret)
{
	if (len < 4)
		return -EBADMSG;
	uint32_t n = le32(ds);
	size_t off = 4;

	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 8)
			return -EBADMSG;
		uint16_t code = le16(ds + off + 4), type = le16(ds + off + 6);
		off += 8;
		if (code == MTP_PROP_OBJECT_FILE_NAME && type == 0xffff) {
			struct mtp_object o = { .size = UINT64_MAX };
			if (ptp_string(ds + off, len - off, o.name, sizeof(o.name)) < 0)
				return -EBADMSG;
			*ret = o;
			return 0;
		}
		int v = value_len(type, ds + off, len - off);
		if (v < 0)
			return v;
		off += (size_t)v;
	}
	return -ENOENT;
}

/* A container's dataset is complete (or as much of it as is kept): parse and report it. */
static size_t dataset_done(struct mtp_stream *s,
                           void (*found)(void *userdata, const struct mtp_object *o),
                           void *userdata)
{
	struct mtp_object o;
	int r;

	if (s->code == MTP_OP_SEND_OBJECT_INFO)
		r = mtp_parse_object_info(s->ds, s->ds_have, &o);
	else {
		r = mtp_parse_prop_list(s->ds, s->ds_have, &o);
		if (r >= 0)
			o.size = s->prop_list_size;
	}
	if (r < 0) {
		s->desyncs++;
		return 0;
	}
	if (found)
		found(userdata, &o);
	return 1;
}

size_t mtp_stream_feed(struct mtp_stream *s, const uint8_t *data, size_t len, uint64_t total,
                       void (*found)(void *userdata, const struct mtp_object *o), void *userdata)
{
	size_t n_found = 0;

	if (total < len)
		total = len;
	uint64_t missing = total - len; /* not captured: skipped at the end */

	while (len > 0) {
		if (s->remaining == 0) {
			/* a container header, possibly split across transfers */
			size_t take = MTP_HEADER_LEN - s->hdr_have;
			if (take > len)
				take = len;
			memcpy(s->hdr + s->hdr_have, data, take);
			s->hdr_have += take;
			data += take;
			len -= take;
			if (s->hdr_have < MTP_HEADER_LEN)
				break;
			s->hdr_have = 0;
			uint32_t clen = le32(s->hdr);
			s->type = le16(s->hdr + 4);
			s->code = le16(s->hdr + 6);
			if (clen < MTP_HEADER_LEN || s->type < MTP_CONTAINER_COMMAND ||
			    s->type > MTP_CONTAINER_EVENT) {
				/* not a container: drop the rest of this transfer and resync */
				s->desyncs++;
				s->remaining = 0;
				return n_found;
			}
			s->remaining = clen - MTP_HEADER_LEN;
			s->ds_have = 0;
			s->keep = s->type == MTP_CONTAINER_DATA &&
			          (s->code == MTP_OP_SEND_OBJECT_INFO ||
			           s->code == MTP_OP_SEND_OBJECT_PROP_LIST);
			if (s->type == MTP_CONTAINER_COMMAND &&
			    s->code == MTP_OP_SEND_OBJECT_PROP_LIST) {
				/* parameters: storage, parent, format, size (2 x u32, high first)
				 */
				s->prop_list_size = UINT64_MAX;
			}
			if (s->remaining == 0)
				continue;
		}
		size_t take = len < s->remaining ? len : (size_t)s->remaining;
		if (s->type == MTP_CONTAINER_COMMAND && s->code == MTP_OP_SEND_OBJECT_PROP_LIST &&
		    s->ds_have + take <= 20) {
			memcpy(s->ds + s->ds_have, data, take);
			s->ds_have += take;
			if (s->ds_have >= 20)
				s->prop_list_size =
				    (uint64_t)le32(s->ds + 12) << 32 | le32(s->ds + 16);
		} else if (s->keep && s->ds_have < sizeof(s->ds)) {
			size_t k = sizeof(s->ds) - s->ds_have;
			if (k > take)
				k = take;
			memcpy(s->ds + s->ds_have, data, k);
			s->ds_have += k;
		}
		data += take;
		len -= take;
		s->remaining -= take;
		if (s->remaining == 0 && s->keep)
			n_found += dataset_done(s, found, userdata);
	}
	if (missing) {
		/* bytes the monitor did not capture: they belong to the current container */
		if (s->remaining >= missing) {
			s->remaining -= missing;
			if (s->remaining == 0 && s->keep)
				n_found += dataset_done(s, found, userdata);
		} else {
			s->remaining = 0; /* lost track: the next transfer starts afresh */
			s->hdr_have = 0;
			s->desyncs++;
		}
	}
	return n_found;
}
