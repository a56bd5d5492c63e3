/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/event_journal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/events/event_class.h"
#include "agent/events/event_json.h"
#include "agent/events/event_read.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/device/usb_kind.h"
#include "policy/lang/policy.h"

static bool audit_mode(const struct event *ev)
{
	return ev->audit_override || (ev->policy && policy_mode(ev->policy) == POLICY_MODE_AUDIT);
}

int event_journal_priority(const struct event *ev)
{
	const char *type = event_type_to_string(ev->type);
	const struct event_class *c = type ? event_class_of(type, strlen(type)) : NULL;
	int sev = c ? (int)c->severity : SYSLOG_SEV_NOTICE;
	if (ev->type == EVENT_DEVICE_DECISION && ev->decision &&
	    decision_view_of(audit_mode(ev), ev->decision->verdict, ev->decision->charge_only,
	                     ev->decision->noteworthy) == DECISION_VIEW_ALLOW)
		sev = SYSLOG_SEV_INFO;
	return sev;
}

_printf_(2, 3) static int add(struct event_journal *j, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (j->n >= EVENT_JOURNAL_MAX_FIELDS)
		return -ENOBUFS;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	j->field[j->n++] = s;
	return 0;
}

/* KEY=value with value escaped (hostile text); nothing when s is NULL. */
static int add_esc(struct event_journal *j, const char *key, const char *s)
{
	if (!s)
		return 0;
	size_t n = strlen(s); /* every source is NUL-terminated */
	if (n > EVENT_MESSAGE_MAX)
		n = EVENT_MESSAGE_MAX;
	size_t size = 4 * n + 1;
	char *buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	(void)str_escape(buf, size, s, n);
	int r = add(j, "%s=%s", key, buf);
	free(buf);
	return r;
}

void event_journal_done(struct event_journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->field[i]);
	j->n = 0;
}

int event_journal_fields(const struct event *ev, uint64_t seq, const char *message,
                         struct event_journal *ret)
{
	struct event_journal j = {};
	const char *type = event_type_to_string(ev->type) ?: "unknown";
	const struct event_class *c = event_class_of(type, strlen(type));
	const struct usb_device_info *d = ev->device;
	int r = 0;

	r = r ?: add_esc(&j, "MESSAGE", message ?: type);
	r = r ?: add(&j, "PRIORITY=%d", event_journal_priority(ev));
	if (c)
		r = r ?: add(&j, "MESSAGE_ID=%s", c->message_id);
	r = r ?: add(&j, "PORTCULLIS_TYPE=%s", type);
	if (seq)
		r = r ?: add(&j, "PORTCULLIS_SEQ=%" PRIu64, seq);
	if (ev->policy) {
		r = r ?: add_esc(&j, "PORTCULLIS_POLICY_NAME", policy_name(ev->policy));
		r = r ?: add(&j, "PORTCULLIS_POLICY_SERIAL=%" PRIu64, policy_serial(ev->policy));
		r = r ?: add(&j, "PORTCULLIS_POLICY_MODE=%s", audit_mode(ev) ? "audit" : "enforce");
	}
	r = r ?: add_esc(&j, "PORTCULLIS_SEAT_USER", ev->seat_user);
	if (d) {
		r = r ?: add_esc(&j, "PORTCULLIS_BUSID", d->busid);
		if (d->desc_status == 0) {
			r = r ?: add(&j, "PORTCULLIS_VENDOR_ID=%04x", d->desc.vid);
			r = r ?: add(&j, "PORTCULLIS_PRODUCT_ID=%04x", d->desc.pid);
		}
		r = r
		        ?: add_esc(&j, "PORTCULLIS_MANUFACTURER",
		                   d->has_manufacturer ? d->manufacturer : NULL);
		r = r ?: add_esc(&j, "PORTCULLIS_PRODUCT", d->has_product ? d->product : NULL);
		r = r ?: add_esc(&j, "PORTCULLIS_SERIAL", d->has_serial ? d->serial : NULL);
		char kinds[512] = "";
		size_t o = 0;
		for (unsigned k = 0; k < _USB_KIND_MAX && o < sizeof(kinds); k++)
			if (d->kinds & USB_KIND_BIT(k))
				o += (size_t)snprintf(kinds + o, sizeof(kinds) - o, "%s%s",
				                      o ? "," : "",
				                      usb_kind_to_string((enum usb_kind)k));
		if (kinds[0])
			r = r ?: add(&j, "PORTCULLIS_KINDS=%s", kinds);
	}
	if (ev->decision) {
		const struct decision *dec = ev->decision;
		enum decision_view v = decision_view_of(audit_mode(ev), dec->verdict,
		                                        dec->charge_only, dec->noteworthy);
		r = r ?: add(&j, "PORTCULLIS_VERDICT=%s", device_verdict_to_string(dec->verdict));
		r = r ?: add(&j, "PORTCULLIS_OUTCOME=%s", decision_view_key(v));
		r = r ?: add_esc(&j, "PORTCULLIS_RULE", dec->rule_id);
	}
	r = r ?: add_esc(&j, "PORTCULLIS_MESSAGE", ev->message);
	if (r < 0) {
		event_journal_done(&j);
		return r == -ENOBUFS ? -ENOMEM : r;
	}
	*ret = j;
	return 0;
}
