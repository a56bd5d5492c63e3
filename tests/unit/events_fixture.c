/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "events_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "policy/lang/policy.h"

int events_fixture_init(struct events_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->policy = policy_builtin_default();
	if (!f->policy)
		return -ENOMEM;
	f->host = (struct recorder_host){ "ws-042", "0123456789abcdef0123456789abcdef", "0.1.0" };

	struct usb_device_info *d = &f->dev;
	strcpy(d->syspath, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2");
	strcpy(d->busid, "1-2");
	d->busnum = 1;
	d->devnum = 5;
	d->depth = 1;
	d->speed_mbps = 480;
	d->authorized = 0;
	d->has_manufacturer = d->has_product = d->has_serial = true;
	strcpy(d->manufacturer, "SanDisk");
	strcpy(d->product, "Cruzer Blade");
	strcpy(d->serial, "4C530001234567");
	d->desc_status = 0;
	for (int i = 0; i < 32; i++)
		d->desc_sha256[i] = (uint8_t)(i * 7);
	d->desc.vid = 0x0781;
	d->desc.pid = 0x5567;
	d->desc.bcd_device = 0x0100;
	d->n_ifaces = 2;
	d->ifaces[0] = (struct usb_iface_info){ .config_value = 1,
		                                .number = 0,
		                                .cls = 0x08,
		                                .subclass = 0x06,
		                                .protocol = 0x50,
		                                .n_alts = 1,
		                                .kinds = USB_KIND_BIT(USB_KIND_MASS_STORAGE),
		                                .kind = USB_KIND_MASS_STORAGE,
		                                .authorized = 0 };
	strcpy(d->ifaces[0].sysname, "1-2:1.0");
	d->ifaces[1] = (struct usb_iface_info){ .config_value = 1,
		                                .number = 1,
		                                .cls = 0x06,
		                                .subclass = 0x01,
		                                .protocol = 0x01,
		                                .n_alts = 1,
		                                .has_string = true,
		                                .kinds = USB_KIND_BIT(USB_KIND_MTP) |
		                                         USB_KIND_BIT(USB_KIND_PTP),
		                                .kind = USB_KIND_MTP,
		                                .authorized = 0 };
	strcpy(d->ifaces[1].string, "MTP");
	strcpy(d->ifaces[1].sysname, "1-2:1.1");
	d->kinds = d->ifaces[0].kinds | d->ifaces[1].kinds;

	f->dec.verdict = DEVICE_VERDICT_BLOCK;
	f->dec.authorize_device = false;
	f->dec.rule_id = "no-storage";
	f->dec.n_ifaces = 2;
	f->dec.ifaces[0] = (struct iface_decision){ POLICY_ACTION_BLOCK, 0, "no-storage" };
	f->dec.ifaces[1] = (struct iface_decision){ POLICY_ACTION_BLOCK, 0, "no-storage" };

	static const struct transfer_file_ref files[] = { { "report.pdf", 1234567 },
		                                          { "d/\xff bad.txt", 3 } };
	f->transfer = (struct transfer_report){
		.to_device_bytes = 25165824,
		.from_device_bytes = 4096,
		.files = files,
		.n_files = 2,
		.files_written = 3,
		.files_omitted = 1,
		.started_usec = 1790000000000000,
		.ended_usec = 1790000240000000,
		.session_started_usec = 1790000000000000,
		.method = "block",
		.files_method = "fanotify",
		.end = "removed",
	};
	return 0;
}

void events_fixture_done(struct events_fixture *f)
{
	f->policy = policy_free(f->policy);
}

struct event events_fixture_event(const struct events_fixture *f, enum event_type t,
                                  int64_t time_usec)
{
	struct event ev = { .type = t, .time_usec = time_usec, .policy = f->policy };

	switch (t) {
	case EVENT_DEVICE_ATTACHED:
	case EVENT_DEVICE_REMOVED:
		ev.device = &f->dev;
		break;
	case EVENT_DEVICE_DECISION:
		ev.device = &f->dev;
		ev.decision = &f->dec;
		ev.seat_user = "alice";
		break;
	case EVENT_ENFORCE_FAILED:
		ev.device = &f->dev;
		ev.decision = &f->dec;
		ev.error = -ENODEV;
		ev.message = "1-2/authorized: device vanished";
		break;
	case EVENT_TAMPER:
		ev.device = &f->dev;
		ev.message = "1-2:1.0/authorized set to 1 by someone else; reset to 0";
		break;
	case EVENT_POLICY_REJECTED:
		ev.message = "policy.conf.sig: signature does not verify";
		break;
	case EVENT_POLICY_EXPIRED:
		ev.message = "not_after 2026-11-01T00:00:00Z passed; still enforced";
		break;
	case EVENT_HEARTBEAT:
		ev.chain_head = LOG_ZERO_HASH;
		ev.spool_depth = 3;
		break;
	case EVENT_EVENTS_DROPPED:
		ev.dropped_count = 17;
		ev.lost_first = 3;
		ev.lost_last = 19;
		break;
	case EVENT_EVENTS_LOST:
		ev.message = "2 record(s), seq 5..6, are not in the local log: disk full";
		ev.lost_first = 5;
		ev.lost_last = 6;
		ev.lost_count = 2;
		break;
	case EVENT_SEAL:
		ev.seal_epoch = 3;
		ev.seal_seq = 41;
		ev.seal_mac = LOG_ZERO_HASH;
		break;
	case EVENT_REPEATED:
		ev.message = "device_attached of 1-2 0781:5567 repeated 7 times between "
		             "2026-11-18T11:06:40.123456Z and 2026-11-18T11:06:41.123456Z (same as "
		             "seq 3)";
		ev.repeat_type = EVENT_DEVICE_ATTACHED;
		ev.repeat_count = 7;
		ev.repeat_of_seq = 3;
		ev.repeat_first_usec = time_usec;
		ev.repeat_last_usec = time_usec + 1000000;
		break;
	case EVENT_TRANSFER:
	case EVENT_TRANSFER_ALERT:
		ev.device = &f->dev;
		ev.transfer = &f->transfer;
		break;
	case EVENT_EXCEPTION_REQUESTED:
		ev.device = &f->dev;
		ev.message =
		    "challenge 909R-6BSY-0410-6105-0R3G-G280-7H4G for 60 minutes, asked by "
		    "uid 1000";
		break;
	case EVENT_EXCEPTION_GRANTED:
		ev.device = &f->dev;
		ev.message =
		    "code 92B-HXA-Q1R (challenge 909R-6BSY-0410-6105-0R3G-G280-7H4G) for 60 "
		    "minutes, until 2026-11-18T12:06:42Z, applied by uid 1000";
		break;
	case EVENT_EXCEPTION_EXPIRED:
		ev.device = &f->dev;
		ev.message = "code 92B-HXA-Q1R: time is up (2026-11-18T12:06:42Z); decided by the "
		             "policy again";
		break;
	case EVENT_EXCEPTION_REFUSED:
		ev.message = "wrong code (no pending request of this host matches), by uid 1000";
		break;
	case EVENT_AGENT_STARTED:
	case EVENT_AGENT_STOPPING:
	case EVENT_POLICY_LOADED:
	case _EVENT_TYPE_MAX:
		break;
	}
	return ev;
}

char *events_fixture_chain(const struct events_fixture *f, unsigned n, size_t *ret_len,
                           size_t *line_off)
{
	char prev[LOG_HASH_HEX_LEN + 1] = LOG_ZERO_HASH;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		struct event ev =
		    events_fixture_event(f, (enum event_type)(i % (EVENT_EVENTS_DROPPED + 1)),
		                         1795000000000000LL + (int64_t)i * 1000);
		char *json = NULL, *line = NULL;
		size_t jlen, llen;
		if (event_to_json(&ev, i + 1, &f->host, &json, &jlen) < 0 ||
		    log_record_encode(json, jlen, prev, &line, &llen) < 0) {
			free(json);
			free(buf);
			return NULL;
		}
		free(json);
		while (len + llen + 1 > cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(line);
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		if (line_off)
			line_off[i] = len;
		memcpy(buf + len, line, llen);
		buf[len + llen] = '\n';
		len += llen + 1;
		log_record_hash(line, llen, prev);
		free(line);
	}
	if (line_off)
		line_off[n] = len;
	*ret_len = len;
	return buf;
}
