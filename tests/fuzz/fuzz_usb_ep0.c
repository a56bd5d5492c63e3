/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary bytes as endpoint-0 answers of a device: a string descriptor, the Microsoft OS 1.0
 * string (0xEE) and an extended compat ID descriptor. The first input byte picks the parser so one
 * corpus covers all three. Invariants (abort on violation): results are NUL-terminated within
 * their buffers and counts stay within bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/sysfs/usb_ep0.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64];
	struct usb_ep0_compat compat[8];
	int r;

	if (size < 1 || size > 4096)
		return 0;
	const uint8_t *buf = data + 1;
	size_t len = size - 1;

	switch (data[0] % 3) {
	case 0:
		memset(out, 'x', sizeof(out));
		r = usb_ep0_parse_string(buf, len, out, sizeof(out));
		if (r >= 0 &&
		    ((size_t)r >= sizeof(out) || out[r] != '\0' || strlen(out) != (size_t)r))
			abort();
		break;
	case 1:
		r = usb_ep0_parse_msos_string(buf, len);
		if (r > 255)
			abort();
		break;
	default:
		r = usb_ep0_parse_compat_ids(buf, len, compat, 8);
		if (r > 8)
			abort();
		for (int i = 0; i < r; i++)
			if (strnlen(compat[i].compat_id, sizeof(compat[i].compat_id)) >=
			    sizeof(compat[i].compat_id))
				abort();
		break;
	}
	return 0;
}
