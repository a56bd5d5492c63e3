/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: one incident-log line → log_record_decode() → seen_device_from_record(), what
 * "policy generate" and "policy diff" read from logs and collector files. The device it yields
 * must be bounded (strings terminated inside their buffers, interface count capped).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/cli/cli_seen.h"
#include "agent/events/log_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct usb_device_info dev;
	struct log_record rec;
	struct json_object *obj = NULL;

	if (log_record_decode((const char *)data, size, &rec, &obj, NULL) < 0)
		return 0;
	if (seen_device_from_record(obj, &dev) == 0) {
		if (dev.n_ifaces > USB_MAX_IFACES || !memchr(dev.serial, 0, sizeof(dev.serial)) ||
		    !memchr(dev.product, 0, sizeof(dev.product)) ||
		    !memchr(dev.manufacturer, 0, sizeof(dev.manufacturer)) ||
		    !memchr(dev.busid, 0, sizeof(dev.busid)))
			abort();
		for (uint16_t i = 0; i < dev.n_ifaces; i++)
			if (!memchr(dev.ifaces[i].string, 0, sizeof(dev.ifaces[i].string)))
				abort();
	}
	json_object_put(obj);
	return 0;
}
