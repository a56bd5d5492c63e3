/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: one incident-log line → log_record_decode(). Also a round-trip property:
 * the input used as hostile device strings and message must encode (event_to_json +
 * log_record_encode) into a record the decoder accepts with the same seq and prev.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/events/event_json.h"
#include "agent/events/log_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const uint8_t *data, size_t size)
{
	static struct usb_device_info dev; /* large: not on the stack; fully reset below */
	struct recorder_host host = { "fuzz-host", NULL, "0" };
	struct event ev = { .type = EVENT_DEVICE_ATTACHED, .time_usec = 1795000000000000LL };
	char msg[512];
	size_t third = size / 3;

	memset(&dev, 0, sizeof(dev));
	dev.has_product = dev.has_serial = true;
	memcpy(dev.product, data,
	       third < sizeof(dev.product) - 1 ? third : sizeof(dev.product) - 1);
	memcpy(dev.serial, data + third,
	       third < sizeof(dev.serial) - 1 ? third : sizeof(dev.serial) - 1);
	size_t rest = size - 2 * third < sizeof(msg) - 1 ? size - 2 * third : sizeof(msg) - 1;
	memcpy(msg, data + 2 * third, rest);
	msg[rest] = '\0';
	dev.n_ifaces = 1;
	dev.ifaces[0].has_string = true;
	memcpy(dev.ifaces[0].string, msg,
	       rest < sizeof(dev.ifaces[0].string) - 1 ? rest : sizeof(dev.ifaces[0].string) - 1);
	ev.device = &dev;
	ev.message = msg;
	ev.seat_user = dev.serial;

	char *json = NULL, *line = NULL;
	size_t jlen, llen;
	struct log_record rec;
	if (event_to_json(&ev, 7, &host, &json, &jlen) < 0)
		abort(); /* no error is possible for these inputs */
	if (log_record_encode(json, jlen, LOG_ZERO_HASH, &line, &llen) < 0)
		abort();
	if (log_record_decode(line, llen, &rec, NULL, NULL) < 0 || rec.seq != 7 ||
	    strcmp(rec.prev, LOG_ZERO_HASH) != 0)
		abort(); /* our own output must always read back */
	free(json);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_record rec;
	struct log_record_error err;
	json_object *obj = NULL;

	if (size > LOG_RECORD_MAX_LINE + 16)
		return 0;
	if (log_record_decode((const char *)data, size, &rec, &obj, &err) == 0) {
		if (rec.seq == 0 || strlen(rec.prev) != LOG_HASH_HEX_LEN || !obj)
			abort();
		json_object_put(obj);
	}
	roundtrip(data, size);
	return 0;
}
