/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: writes DIR/last-refusal (and appends to DIR/refusals) with the agent's own
 * status_write_last_refusal(), or DIR/status with status_write_agent(), so the notify tests read
 * exactly what the agent writes.
 *   notify_write_refusal DIR BUSID VID PID MANUFACTURER PRODUCT VERDICT KINDS RULE
 *   notify_write_refusal --status DIR PID NAME SERIAL KEY-ID SOURCE MODE FORCED
 * VID/PID in hex; MANUFACTURER/PRODUCT "-" = absent; VERDICT block|partial; KINDS a comma list of
 * the blocked interfaces' kinds ("mass-storage,mtp"); RULE "-" = none (several rules).
 * KEY-ID "-" = none; MODE enforce|audit; FORCED 0|1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/daemon/status.h"
#include "policy/device/usb_kind.h"

static struct usb_device_info dev;
static struct decision dec;

static int write_status(char **argv)
{
	static const uint8_t digest[32] = { 0xde, 0xad, 0xbe, 0xef };
	struct agent_status_info info = {
		.pid = strtoll(argv[3], NULL, 10),
		.started = (int64_t)time(NULL),
		.name = argv[4],
		.serial = strtoull(argv[5], NULL, 10),
		.key_id = strcmp(argv[6], "-") ? argv[6] : NULL,
		.sha256 = digest,
		.not_after = INT64_MAX,
		.source = argv[7],
		.audit = !strcmp(argv[8], "audit"),
		.mode_forced = !strcmp(argv[9], "1"),
	};
	int r = status_write_agent(argv[2], &info);

	if (r < 0) {
		fprintf(stderr, "status_write_agent: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *kinds, *save = NULL;

	if (argc == 10 && !strcmp(argv[1], "--status"))
		return write_status(argv);
	if (argc != 10) {
		fprintf(stderr,
		        "usage: %s DIR BUSID VID PID MANUFACTURER PRODUCT VERDICT KINDS RULE\n"
		        "       %s --status DIR PID NAME SERIAL KEY-ID SOURCE MODE FORCED\n",
		        argv[0], argv[0]);
		return 2;
	}
	snprintf(dev.busid, sizeof(dev.busid), "%s", argv[2]);
	dev.desc.vid = (uint16_t)strtoul(argv[3], NULL, 16);
	dev.desc.pid = (uint16_t)strtoul(argv[4], NULL, 16);
	if (strcmp(argv[5], "-")) {
		dev.has_manufacturer = true;
		snprintf(dev.manufacturer, sizeof(dev.manufacturer), "%s", argv[5]);
	}
	if (strcmp(argv[6], "-")) {
		dev.has_product = true;
		snprintf(dev.product, sizeof(dev.product), "%s", argv[6]);
	}
	dec.verdict = !strcmp(argv[7], "partial") ? DEVICE_VERDICT_PARTIAL : DEVICE_VERDICT_BLOCK;
	dec.rule_id = strcmp(argv[9], "-") ? argv[9] : NULL;
	kinds = argv[8];
	for (char *k = strtok_r(kinds, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		int kind = usb_kind_from_string(k);
		uint16_t i = dev.n_ifaces++;

		if (kind < 0) {
			fprintf(stderr, "unknown kind %s\n", k);
			return 2;
		}
		dev.ifaces[i].number = (uint8_t)i;
		dev.ifaces[i].kinds = USB_KIND_BIT(kind);
		dev.ifaces[i].kind = (enum usb_kind)kind;
		dec.ifaces[i].action = POLICY_ACTION_BLOCK;
		dec.ifaces[i].rule_id = dec.rule_id;
	}
	if (dec.verdict == DEVICE_VERDICT_PARTIAL) { /* one more interface, allowed */
		uint16_t i = dev.n_ifaces++;

		dev.ifaces[i].kinds = USB_KIND_BIT(USB_KIND_HID);
		dev.ifaces[i].kind = USB_KIND_HID;
		dec.ifaces[i].action = POLICY_ACTION_ALLOW;
	}
	dec.n_ifaces = dev.n_ifaces;
	int r = status_write_last_refusal(argv[1], &dev, &dec, (int64_t)time(NULL));
	if (r < 0) {
		fprintf(stderr, "status_write_last_refusal: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
