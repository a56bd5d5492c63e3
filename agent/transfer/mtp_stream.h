/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MTP/PTP (ISO 15740, MTP 1.1) containers in the host-to-device bulk stream, as the USB monitor
 * captures it: finds the objects the host sends to the device (SendObjectInfo 0x100C with its
 * ObjectInfo dataset, or MTP SendObjectPropList 0x9808 with ObjectFileName 0xDC07) and reports
 * each one's file name and size. Pure and bounded: the stream is device-facing traffic of a
 * device that may be hostile, and a capture may be truncated or lose events, so every length is
 * checked, at most MTP_DATASET_MAX bytes of a dataset are kept, and anything that does not parse
 * resynchronises at the next transfer instead of guessing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MTP_HEADER_LEN  12
#define MTP_DATASET_MAX 2048u /* bytes of a dataset kept: ObjectInfo needs 53 + 2 * 255 */
#define MTP_NAME_MAX    (3u * 255u + 1u)

enum {
	MTP_CONTAINER_COMMAND = 1,
	MTP_CONTAINER_DATA = 2,
	MTP_CONTAINER_RESPONSE = 3,
	MTP_CONTAINER_EVENT = 4,
};

#define MTP_OP_SEND_OBJECT_INFO      0x100Cu
#define MTP_OP_SEND_OBJECT           0x100Du
#define MTP_OP_SEND_OBJECT_PROP_LIST 0x9808u
#define MTP_PROP_OBJECT_FILE_NAME    0xDC07u

struct mtp_object {
	char name[MTP_NAME_MAX]; /* UTF-8, NUL-terminated; invalid UTF-16 becomes U+FFFD */
	uint64_t size;           /* announced size; UINT64_MAX when unknown */
};

struct mtp_stream {
	uint8_t hdr[MTP_HEADER_LEN];
	size_t hdr_have;
	uint64_t remaining; /* payload bytes of the current container still to come */
	uint16_t type, code;
	uint64_t prop_list_size; /* SendObjectPropList: ObjectSize from the command's parameters */
	bool keep;               /* the current container's payload is a dataset we parse */
	uint8_t ds[MTP_DATASET_MAX];
	size_t ds_have;
	uint64_t desyncs; /* containers that did not parse (diagnostics, tests) */
};

void mtp_stream_init(struct mtp_stream *s);

/*
 * Feeds one host-to-device bulk transfer: captured bytes data[0..len) of a transfer that was
 * total bytes long (total >= len; the uncaptured rest is skipped). Every object announced in it
 * is reported through found (may be NULL). Returns the number of objects found.
 */
size_t mtp_stream_feed(struct mtp_stream *s, const uint8_t *data, size_t len, uint64_t total,
                       void (*found)(void *userdata, const struct mtp_object *o), void *userdata);

/*
 * The ObjectInfo dataset of SendObjectInfo (ISO 15740 5.5.2): ObjectCompressedSize at offset 8,
 * Filename (a PTP string) at offset 52. 0 or -EBADMSG.
 */
int mtp_parse_object_info(const uint8_t *ds, size_t len, struct mtp_object *ret);

/*
 * The ObjectPropList dataset of SendObjectPropList (MTP 1.1 E.2.1.1): the ObjectFileName
 * property's string. size is taken from the command (the caller's). 0, -ENOENT (no file name)
 * or -EBADMSG.
 */
int mtp_parse_prop_list(const uint8_t *ds, size_t len, struct mtp_object *ret);
