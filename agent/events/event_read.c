/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/event_read.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

const char *event_read_str(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *event_read_obj(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

bool event_read_int(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

bool event_read_bool(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool is_vidpid(const char *s)
{
	return strlen(s) == 9 && s[4] == ':' && strspn(s, "0123456789abcdefABCDEF") == 4 &&
	       strspn(s + 5, "0123456789abcdefABCDEF") == 4;
}

bool event_device_matches(json_object *dev, const char *want)
{
	if (!dev || !want)
		return false;
	if (is_vidpid(want)) {
		const char *v = event_read_str(dev, "vendor_id"),
		           *p = event_read_str(dev, "product_id");
		return v && p && strlen(v) == 4 && !strncasecmp(v, want, 4) &&
		       !strcasecmp(p, want + 5);
	}
	const char *serial = event_read_str(dev, "serial"), *busid = event_read_str(dev, "busid");
	return (serial && !strcmp(serial, want)) || (busid && !strcmp(busid, want));
}

bool event_device_has_kind(json_object *dev, const char *kind)
{
	json_object *kinds;
	if (!dev || !kind || !json_object_object_get_ex(dev, "kinds", &kinds) ||
	    !json_object_is_type(kinds, json_type_array))
		return false;
	size_t n = json_object_array_length(kinds);
	for (size_t i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(kinds, i);
		if (json_object_is_type(k, json_type_string) &&
		    !strcmp(json_object_get_string(k), kind))
			return true;
	}
	return false;
}

enum decision_view decision_view_of(bool audit, enum device_verdict verdict, bool charge_only,
                                    bool noteworthy)
{
	if (audit && (verdict != DEVICE_VERDICT_ALLOW || charge_only))
		return DECISION_VIEW_AUDIT_BLOCK;
	if (charge_only)
		return DECISION_VIEW_CHARGE_ONLY;
	if (verdict != DEVICE_VERDICT_ALLOW)
		return DECISION_VIEW_BLOCK;
	return noteworthy ? DECISION_VIEW_LOG : DECISION_VIEW_ALLOW;
}

int decision_view_of_record(json_object *record)
{
	json_object *dec = event_read_obj(record, "decision");
	if (!dec)
		return -ENOENT;
	const char *verdict = event_read_str(dec, "verdict");
	int v = verdict ? device_verdict_from_string(verdict) : -EINVAL;
	if (v < 0)
		return -EINVAL;
	const char *mode = event_read_str(event_read_obj(record, "policy"), "mode");
	return (int)decision_view_of(mode && !strcmp(mode, "audit"), (enum device_verdict)v,
	                             event_read_bool(dec, "charge_only"),
	                             event_read_bool(dec, "noteworthy"));
}

static const char *const view_keys[_DECISION_VIEW_MAX] = {
	[DECISION_VIEW_ALLOW] = "allow",
	[DECISION_VIEW_LOG] = "log",
	[DECISION_VIEW_CHARGE_ONLY] = "charge_only",
	[DECISION_VIEW_BLOCK] = "block",
	[DECISION_VIEW_AUDIT_BLOCK] = "audit_block",
};

const char *decision_view_key(enum decision_view v)
{
	return (unsigned)v < _DECISION_VIEW_MAX ? view_keys[v] : "?";
}

int decision_view_from_key(const char *s)
{
	char buf[16];
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		buf[i] = s[i] == '-' ? '_' : s[i];
	for (unsigned i = 0; i < _DECISION_VIEW_MAX; i++)
		if (!strcmp(buf, view_keys[i]))
			return (int)i;
	return -EINVAL;
}

const char *decision_view_words(enum decision_view v, bool partial)
{
	switch (v) {
	case DECISION_VIEW_ALLOW:
		return "allowed";
	case DECISION_VIEW_LOG:
		return "allowed, logged";
	case DECISION_VIEW_CHARGE_ONLY:
		return "charge only";
	case DECISION_VIEW_BLOCK:
		return partial ? "partly blocked" : "blocked";
	case DECISION_VIEW_AUDIT_BLOCK:
		return "would block (audit)";
	case _DECISION_VIEW_MAX:
		break;
	}
	return "?";
}
