/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of the event types (agent/events/event.h), as they appear in "type" of every record. */
#include <errno.h>
#include <string.h>

#include "agent/events/event.h"

static const char *const event_type_names[_EVENT_TYPE_MAX] = {
	[EVENT_AGENT_STARTED] = "agent_started",
	[EVENT_AGENT_STOPPING] = "agent_stopping",
	[EVENT_DEVICE_ATTACHED] = "device_attached",
	[EVENT_DEVICE_DECISION] = "device_decision",
	[EVENT_DEVICE_REMOVED] = "device_removed",
	[EVENT_ENFORCE_FAILED] = "enforce_failed",
	[EVENT_TAMPER] = "tamper",
	[EVENT_POLICY_LOADED] = "policy_loaded",
	[EVENT_POLICY_REJECTED] = "policy_rejected",
	[EVENT_POLICY_EXPIRED] = "policy_expired",
	[EVENT_HEARTBEAT] = "heartbeat",
	[EVENT_EVENTS_DROPPED] = "events_dropped",
	[EVENT_EVENTS_LOST] = "events_lost",
	[EVENT_SEAL] = "seal",
	[EVENT_REPEATED] = "repeated",
	[EVENT_TRANSFER] = "transfer",
	[EVENT_TRANSFER_ALERT] = "transfer_alert",
	[EVENT_EXCEPTION_REQUESTED] = "exception_requested",
	[EVENT_EXCEPTION_GRANTED] = "exception_granted",
	[EVENT_EXCEPTION_EXPIRED] = "exception_expired",
	[EVENT_EXCEPTION_REFUSED] = "exception_refused",
};

const char *event_type_to_string(enum event_type t)
{
	if ((unsigned)t >= _EVENT_TYPE_MAX)
		return NULL;
	return event_type_names[t];
}

int event_type_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		if (!strcmp(s, event_type_names[t]))
			return t;
	return -EINVAL;
}
