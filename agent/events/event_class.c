/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/event_class.h"

#include <stdbool.h>
#include <string.h>

/* Severity: what a SOC should look at first. Tamper is an attack on the control itself (alert);
 * a crossed copy limit, a policy that failed its checks or ran out, lost or dropped evidence are
 * warnings; a failed enforcement an error; refusals and configuration changes notices;
 * everything routine info. MESSAGE_IDs were made once with "systemd-id128 new". */
static const struct event_class classes[] = {
	{ "agent_started", SYSLOG_SEV_NOTICE, "agent_started", "3f6f790c5a894d6db002b4fce499c1fc" },
	{ "agent_stopping", SYSLOG_SEV_NOTICE, "agent_stopping",
	  "ce16bb95af294ac2b15829d413937dd6" },
	{ "device_attached", SYSLOG_SEV_INFO, "device_attached",
	  "626e0a087e3c4d1abb836bef8dcffa4d" },
	{ "device_decision", SYSLOG_SEV_NOTICE, "device_decision",
	  "0683ef507cab4817b0b574a09767cbcc" },
	{ "device_removed", SYSLOG_SEV_INFO, "device_removed", "244ac3688aa04a9a978e93fbdb32e051" },
	{ "enforce_failed", SYSLOG_SEV_ERR, "enforce_failed", "6aad299ef9c84b4a816c283d54d923e8" },
	{ "tamper", SYSLOG_SEV_ALERT, "tamper", "d8c82f2b543a4094a6551690e8c2f540" },
	{ "policy_loaded", SYSLOG_SEV_NOTICE, "policy_loaded", "fef2e1cbab9d4d459e4f87ab7ed79083" },
	{ "policy_rejected", SYSLOG_SEV_WARNING, "policy_rejected",
	  "9d775efbf203491d8b264767b8ba2ce8" },
	{ "policy_expired", SYSLOG_SEV_WARNING, "policy_expired",
	  "0b848c2ae4554e95a10ceb897bc17398" },
	{ "heartbeat", SYSLOG_SEV_INFO, "heartbeat", "c72398dd88144c2fa42da45b083db9e6" },
	{ "events_dropped", SYSLOG_SEV_WARNING, "events_dropped",
	  "52e4a9d6aec14f8e99fa0ef3942e5b9c" },
	{ "events_lost", SYSLOG_SEV_WARNING, "events_lost", "a3b6c17e4d6e4e5487f1cbb3172f6159" },
	{ "seal", SYSLOG_SEV_INFO, "seal", "a01b9ea7a1894c1dbeba80bdbb6e2a46" },
	{ "repeated", SYSLOG_SEV_INFO, "repeated", "471a5ee0b3b74d8cb305f55c2b3df629" },
	{ "transfer", SYSLOG_SEV_INFO, "transfer", "972fa95ad4614cb8ac5e23a19cefd9dd" },
	{ "transfer_alert", SYSLOG_SEV_WARNING, "transfer_alert",
	  "a9f2fa4313f54963af5d67eaea29bb27" },
	/* offline exceptions: a device allowed outside the policy, or a wrong code, is a notice */
	{ "exception_requested", SYSLOG_SEV_INFO, "exception_requested",
	  "f2d698bccc0841209e1038ae29bd5108" },
	{ "exception_granted", SYSLOG_SEV_NOTICE, "exception_granted",
	  "573875ed4f4d45efa773b00c1a4ce876" },
	{ "exception_expired", SYSLOG_SEV_INFO, "exception_expired",
	  "d91f4d53fa35461cbfcae5e3dc4b71a6" },
	{ "exception_refused", SYSLOG_SEV_NOTICE, "exception_refused",
	  "95ff2ea1b5924518a2ac5cc52243433e" },
};

const struct event_class *event_class_table(size_t *ret_n)
{
	*ret_n = sizeof(classes) / sizeof(classes[0]);
	return classes;
}

const struct event_class *event_class_of(const char *type, size_t len)
{
	if (!type)
		return NULL;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].type) == len && !memcmp(classes[i].type, type, len))
			return &classes[i];
	return NULL;
}

/* The value of the first "key":"value" (value without escapes: the keys we read are [a-z_]). */
static const char *find_value(const char *line, size_t len, const char *key, size_t *ret_n)
{
	size_t kl = strlen(key);
	for (const char *p = line; p && (size_t)(p - line) + kl <= len;) {
		p = memmem(p, len - (size_t)(p - line), key, kl);
		if (!p)
			return NULL;
		const char *v = p + kl, *end = line + len, *q = v;
		while (q < end && *q != '"' && *q != '\\')
			q++;
		if (q < end && *q == '"') {
			*ret_n = (size_t)(q - v);
			return v;
		}
		p = v;
	}
	return NULL;
}

void event_class_of_line(const char *line, size_t len, enum syslog_severity *ret_severity,
                         const char **ret_msgid)
{
	size_t n = 0;
	const char *type = line ? find_value(line, len, "\"type\":\"", &n) : NULL;
	const struct event_class *c = type ? event_class_of(type, n) : NULL;

	*ret_severity = c ? c->severity : SYSLOG_SEV_NOTICE;
	*ret_msgid = c ? c->msgid : "EVENT";
	if (!c || strcmp(c->type, "device_decision") != 0)
		return;
	/* the top-level decision is the only "decision" whose value is an object */
	const char *verdict = find_value(line, len, "\"decision\":{\"verdict\":\"", &n);
	const char *dec = verdict ? verdict : NULL;
	bool noteworthy = dec && memmem(dec, len - (size_t)(dec - line), "\"noteworthy\":true", 17);
	bool charge_only =
	    dec && memmem(dec, len - (size_t)(dec - line), "\"charge_only\":true", 18);
	bool allow = verdict && n == 5 && !memcmp(verdict, "allow", 5);
	if (allow && !noteworthy && !charge_only)
		*ret_severity = SYSLOG_SEV_INFO;
}
