/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/event_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strenc.h"
#include "policy/base/strutil.h"
#include "policy/device/usb_kind.h"
#include "policy/lang/policy.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object, json_object_put);

/*
 * How much of each untrusted string and of the interface list goes into a record. The first
 * encoding keeps everything up to the field caps; when the record would pass
 * EVENT_JSON_MAX_BYTES, it is encoded again with the cut limits and marked "truncated". The cut
 * limits bound every record well below the cap: at most 24 interfaces, strings of 64 bytes,
 * message and reason of 1024 bytes (each byte at most 6 after escaping).
 */
struct enc_limits {
	size_t str_cap;      /* device strings, names, rule ids */
	size_t msg_cap;      /* message, decision reason */
	unsigned max_ifaces; /* interfaces listed */
	bool truncated;
};

static const struct enc_limits limits_full = { SIZE_MAX, SIZE_MAX, USB_MAX_IFACES, false };
static const struct enc_limits limits_cut = { 64, 1024, 24, true };

static size_t lim(size_t cap, size_t limit)
{
	return cap < limit ? cap : limit;
}

/* Adds key: string (or null when s is NULL), reading at most cap bytes of s. */
static int add_str(json_object *o, const char *key, const char *s, size_t cap)
{
	json_object *v = NULL;

	if (s) {
		/* Bytes as they are: event_serialize() makes the whole record inert. */
		v = json_object_new_string_len(s, (int)strnlen(s, cap));
		if (!v)
			return -ENOMEM;
	}
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Adds key: value, taking ownership of value (a NULL value means allocation failed). */
static int add_obj(json_object *o, const char *key, json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (json_object_object_add(o, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

static int add_u64(json_object *o, const char *key, uint64_t v)
{
	return add_obj(o, key, json_object_new_uint64(v));
}

static int add_bool(json_object *o, const char *key, bool v)
{
	return add_obj(o, key, json_object_new_boolean(v));
}

static json_object *kinds_array(usb_kind_mask mask)
{
	json_object *a = json_object_new_array();
	if (!a)
		return NULL;
	for (int k = 0; k < _USB_KIND_MAX; k++) {
		if (!(mask & USB_KIND_BIT(k)))
			continue;
		json_object *s = json_object_new_string(usb_kind_to_string((enum usb_kind)k));
		if (!s || json_object_array_add(a, s) < 0) {
			json_object_put(s);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static int add_policy(json_object *root, const struct policy *p, bool audit_override,
                      const struct enc_limits *L)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char sha[65];
	int r;

	if (!o)
		return -ENOMEM;
	hex_encode(sha, policy_sha256(p), 32);
	if ((r = add_str(o, "name", policy_name(p), lim(EVENT_NAME_MAX, L->str_cap))) < 0 ||
	    (r = add_u64(o, "serial", policy_serial(p))) < 0 ||
	    (r = add_str(o, "sha256", sha, sizeof(sha))) < 0 ||
	    (r = add_str(o, "mode",
	                 policy_mode_to_string(audit_override ? POLICY_MODE_AUDIT : policy_mode(p)),
	                 EVENT_NAME_MAX)) < 0)
		return r;
	return add_obj(root, "policy", TAKE_PTR(o));
}

static int add_iface(json_object *arr, const struct usb_iface_info *ifc,
                     const struct iface_decision *idec, const struct enc_limits *L)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char cls[9];
	int r;

	if (!o)
		return -ENOMEM;
	(void)snprintf(cls, sizeof(cls), "%02x/%02x/%02x", ifc->cls, ifc->subclass, ifc->protocol);
	if ((r = add_u64(o, "config", ifc->config_value)) < 0 ||
	    (r = add_u64(o, "number", ifc->number)) < 0 ||
	    (r = add_str(o, "class", cls, sizeof(cls))) < 0 ||
	    (r = add_str(o, "kind", usb_kind_to_string(ifc->kind), EVENT_NAME_MAX)) < 0 ||
	    (r = add_obj(o, "kinds", kinds_array(ifc->kinds))) < 0 ||
	    (r = add_str(o, "string", ifc->has_string ? ifc->string : NULL,
	                 lim(sizeof(ifc->string), L->str_cap))) < 0)
		return r;
	if (idec) {
		if ((r = add_str(o, "decision", policy_action_to_string(idec->action),
		                 EVENT_NAME_MAX)) < 0 ||
		    (r = add_str(o, "rule", idec->rule_id, lim(EVENT_NAME_MAX, L->str_cap))) < 0)
			return r;
	}
	if (json_object_array_add(arr, o) < 0)
		return -ENOMEM;
	o = NULL;
	return 0;
}

static int add_device(json_object *root, const struct usb_device_info *dev,
                      const struct decision *dec, const struct enc_limits *L)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_(json_object_putp) json_object *ifs = json_object_new_array();
	char vid[5], pid[5], bcd[5], sha[65];
	int r;

	if (!o || !ifs)
		return -ENOMEM;
	(void)snprintf(vid, sizeof(vid), "%04x", dev->desc.vid);
	(void)snprintf(pid, sizeof(pid), "%04x", dev->desc.pid);
	(void)snprintf(bcd, sizeof(bcd), "%04x", dev->desc.bcd_device);
	hex_encode(sha, dev->desc_sha256, sizeof(dev->desc_sha256));
	bool parsed = dev->desc_status == 0;

	if ((r = add_str(o, "syspath", dev->syspath, lim(sizeof(dev->syspath), L->str_cap))) < 0 ||
	    (r = add_str(o, "busid", dev->busid, sizeof(dev->busid))) < 0 ||
	    (r = add_str(o, "vendor_id", parsed ? vid : NULL, sizeof(vid))) < 0 ||
	    (r = add_str(o, "product_id", parsed ? pid : NULL, sizeof(pid))) < 0 ||
	    (r = add_str(o, "bcd_device", parsed ? bcd : NULL, sizeof(bcd))) < 0 ||
	    (r = add_str(o, "manufacturer", dev->has_manufacturer ? dev->manufacturer : NULL,
	                 lim(sizeof(dev->manufacturer), L->str_cap))) < 0 ||
	    (r = add_str(o, "product", dev->has_product ? dev->product : NULL,
	                 lim(sizeof(dev->product), L->str_cap))) < 0 ||
	    (r = add_str(o, "serial", dev->has_serial ? dev->serial : NULL,
	                 lim(sizeof(dev->serial), L->str_cap))) < 0 ||
	    (r = add_u64(o, "speed_mbps", dev->speed_mbps)) < 0 ||
	    (r = add_str(o, "descriptors_sha256", sha, sizeof(sha))) < 0)
		return r;
	if (!parsed) {
		char err[128];
		(void)snprintf(err, sizeof(err), "offset %zu: %s", dev->desc_error.offset,
		               dev->desc_error.reason ? dev->desc_error.reason : "unknown");
		if ((r = add_str(o, "descriptors_error", err, sizeof(err))) < 0)
			return r;
	}
	if ((r = add_obj(o, "kinds", kinds_array(dev->kinds))) < 0)
		return r;
	uint16_t all = dev->n_ifaces <= USB_MAX_IFACES ? dev->n_ifaces : USB_MAX_IFACES;
	uint16_t n = all <= L->max_ifaces ? all : (uint16_t)L->max_ifaces;
	for (uint16_t i = 0; i < n; i++) {
		const struct iface_decision *idec =
		    dec && i < dec->n_ifaces && i < USB_MAX_IFACES ? &dec->ifaces[i] : NULL;
		if ((r = add_iface(ifs, &dev->ifaces[i], idec, L)) < 0)
			return r;
	}
	if ((r = add_obj(o, "interfaces", TAKE_PTR(ifs))) < 0)
		return r;
	if (n < all && (r = add_u64(o, "interfaces_total", all)) < 0)
		return r;
	return add_obj(root, "device", TAKE_PTR(o));
}

/*
 * A device known only by its identity (struct event_device_id): the keys of add_device(), with
 * what the agent knew from its last reading and null for the rest, no interfaces. A device never
 * read has descriptors_sha256 64 zeros and descriptors_error "offset 0: unknown", as one whose
 * descriptors could not be read: every "device" object has one shape for readers.
 */
static int add_device_id(json_object *root, const struct event_device_id *id,
                         const struct enc_limits *L)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char vid[5], pid[5], bcd[5], sha[65];
	int r;

	if (!o)
		return -ENOMEM;
	(void)snprintf(vid, sizeof(vid), "%04x", id->vid);
	(void)snprintf(pid, sizeof(pid), "%04x", id->pid);
	(void)snprintf(bcd, sizeof(bcd), "%04x", id->bcd_device);
	if (id->desc_sha256)
		hex_encode(sha, id->desc_sha256, 32);
	else {
		memset(sha, '0', 64);
		sha[64] = '\0';
	}
	if ((r = add_str(o, "syspath", id->syspath ? id->syspath : "",
	                 lim(USB_SYSPATH_MAX, L->str_cap))) < 0 ||
	    (r = add_str(o, "busid", id->busid ? id->busid : "", USB_BUSID_MAX)) < 0 ||
	    (r = add_str(o, "vendor_id", id->has_ids ? vid : NULL, sizeof(vid))) < 0 ||
	    (r = add_str(o, "product_id", id->has_ids ? pid : NULL, sizeof(pid))) < 0 ||
	    (r = add_str(o, "bcd_device", id->has_ids ? bcd : NULL, sizeof(bcd))) < 0 ||
	    (r = add_str(o, "manufacturer", id->manufacturer, lim(USB_STRING_MAX, L->str_cap))) <
	        0 ||
	    (r = add_str(o, "product", id->product, lim(USB_STRING_MAX, L->str_cap))) < 0 ||
	    (r = add_str(o, "serial", id->serial, lim(USB_STRING_MAX, L->str_cap))) < 0 ||
	    (r = add_u64(o, "speed_mbps", id->speed_mbps)) < 0 ||
	    (r = add_str(o, "descriptors_sha256", sha, sizeof(sha))) < 0 ||
	    (!id->desc_sha256 &&
	     (r = add_str(o, "descriptors_error", "offset 0: unknown", EVENT_NAME_MAX)) < 0) ||
	    (r = add_obj(o, "kinds", kinds_array(id->kinds))) < 0 ||
	    (r = add_obj(o, "interfaces", json_object_new_array())) < 0)
		return r;
	return add_obj(root, "device", TAKE_PTR(o));
}

static int add_decision(json_object *root, const struct decision *dec, const struct enc_limits *L)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char reason[512];
	int r;

	if (!o)
		return -ENOMEM;
	(void)decision_format_reason(dec, reason, sizeof(reason));
	if ((r = add_str(o, "verdict", device_verdict_to_string(dec->verdict), EVENT_NAME_MAX)) <
	        0 ||
	    (r = add_bool(o, "authorize_device", dec->authorize_device)) < 0 ||
	    (r = add_bool(o, "charge_only", dec->charge_only)) < 0 ||
	    (r = add_bool(o, "noteworthy", dec->noteworthy)) < 0 ||
	    (r = add_str(o, "rule", dec->rule_id, lim(EVENT_NAME_MAX, L->str_cap))) < 0 ||
	    (r = add_str(o, "reason", reason[0] ? reason : NULL, lim(sizeof(reason), L->msg_cap))) <
	        0)
		return r;
	return add_obj(root, "decision", TAKE_PTR(o));
}

static int add_i64_time(json_object *o, const char *key, int64_t usec)
{
	char t[RFC3339_MAX];

	if (usec == 0)
		return add_str(o, key, NULL, 0);
	if (rfc3339_format_usec(usec, true, t) < 0)
		return add_str(o, key, NULL, 0);
	return add_str(o, key, t, sizeof(t));
}

/* File names past this many bytes of JSON strings are counted in files_omitted instead, so that a
 * record stays under EVENT_JSON_MAX_BYTES whatever the names are. */
#define TRANSFER_NAMES_BUDGET (EVENT_JSON_MAX_BYTES / 2)

static int add_transfer(json_object *root, const struct transfer_report *t)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_(json_object_putp) json_object *files = json_object_new_array();
	uint64_t omitted = t->files_omitted;
	size_t budget = TRANSFER_NAMES_BUDGET;
	int r;

	if (!o || !files)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_files; i++) {
		size_t n = t->files[i].name ? strnlen(t->files[i].name, 4096) : 0;
		/* worst case: every byte becomes \xNN, then JSON escapes the backslash */
		if (!t->files[i].name || 8 * n + 64 > budget) {
			omitted++;
			continue;
		}
		budget -= 8 * n + 64;
		_cleanup_(json_object_putp) json_object *f = json_object_new_object();
		if (!f)
			return -ENOMEM;
		if ((r = add_str(f, "name", t->files[i].name, 4096)) < 0 ||
		    (r = add_u64(f, "bytes", t->files[i].bytes)) < 0)
			return r;
		if (json_object_array_add(files, f) < 0)
			return -ENOMEM;
		f = NULL;
	}
	if ((r = add_u64(o, "to_device_bytes", t->to_device_bytes)) < 0 ||
	    (r = add_u64(o, "from_device_bytes", t->from_device_bytes)) < 0 ||
	    (r = add_obj(o, "files", TAKE_PTR(files))) < 0 ||
	    (r = add_u64(o, "files_written", t->files_written)) < 0 ||
	    (r = add_u64(o, "files_omitted", omitted)) < 0 ||
	    (r = add_i64_time(o, "started", t->started_usec)) < 0 ||
	    (r = add_i64_time(o, "ended", t->ended_usec)) < 0 ||
	    (r = add_i64_time(o, "session_started", t->session_started_usec)) < 0 ||
	    (r = add_str(o, "method", t->method ? t->method : "unavailable", EVENT_NAME_MAX)) < 0 ||
	    (r = add_str(o, "files_method", t->files_method, EVENT_NAME_MAX)) < 0 ||
	    (r = add_str(o, "end", t->end, EVENT_NAME_MAX)) < 0 ||
	    (r = add_bool(o, "read_only", t->read_only)) < 0)
		return r;
	if (t->method_reason && (r = add_str(o, "reason", t->method_reason, EVENT_MESSAGE_MAX)) < 0)
		return r;
	if (t->files_reason &&
	    (r = add_str(o, "files_reason", t->files_reason, EVENT_MESSAGE_MAX)) < 0)
		return r;
	if (t->limit) {
		_cleanup_(json_object_putp) json_object *l = json_object_new_object();
		if (!l)
			return -ENOMEM;
		if ((r = add_u64(l, "bytes", t->limit->bytes)) < 0 ||
		    (r = add_u64(l, "files", t->limit->files)) < 0 ||
		    (r = add_u64(l, "window_sec", t->limit->window_sec)) < 0 ||
		    (r = add_str(l, "action", transfer_limit_action_to_string(t->limit->action),
		                 EVENT_NAME_MAX)) < 0 ||
		    (r = add_u64(l, "window_bytes", t->window_bytes)) < 0 ||
		    (r = add_u64(l, "window_files", t->window_files)) < 0 ||
		    (r = add_obj(o, "limit", TAKE_PTR(l))) < 0)
			return r;
	}
	return add_obj(root, "transfer", TAKE_PTR(o));
}

static int add_error(json_object *root, int error)
{
	char buf[32];
	int e = error < 0 ? -error : error;
	const char *name = strerrorname_np(e);

	if (!name) {
		(void)snprintf(buf, sizeof(buf), "E%d", e);
		name = buf;
	}
	return add_str(root, "error", name, sizeof(buf));
}

static int add_time(json_object *o, const char *key, int64_t usec)
{
	char tbuf[RFC3339_MAX];
	int r = rfc3339_format_usec(usec, true, tbuf);
	if (r < 0)
		return r;
	return add_str(o, key, tbuf, sizeof(tbuf));
}

int json_serialize_inert(struct json_object *obj, int flags, char **ret, size_t *ret_len)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(obj, flags, &len);

	if (!s)
		return -ENOMEM;
	return strenc_json_inert(s, len, ret, ret_len);
}

int event_serialize(struct json_object *obj, char **ret, size_t *ret_len)
{
	return json_serialize_inert(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	                            ret, ret_len);
}

static int encode(const struct event *ev, uint64_t seq, const struct recorder_host *host,
                  const struct enc_limits *L, char **ret_json, size_t *ret_len)
{
	_cleanup_(json_object_putp) json_object *root = NULL;
	char tbuf[RFC3339_MAX];
	const char *type;
	size_t names = lim(EVENT_NAME_MAX, L->str_cap);
	int r;

	type = event_type_to_string(ev->type);
	if (!type)
		return -EINVAL;
	r = rfc3339_format_usec(ev->time_usec, true, tbuf);
	if (r < 0)
		return r;

	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	if ((r = add_u64(root, "seq", seq)) < 0 ||
	    (r = add_str(root, "time", tbuf, sizeof(tbuf))) < 0 ||
	    (r = add_str(root, "host", host->hostname ? host->hostname : "", names)) < 0 ||
	    (r = add_str(root, "machine_id", host->machine_id, names)) < 0 ||
	    (r = add_str(root, "agent_version", host->agent_version, names)) < 0 ||
	    (r = add_str(root, "type", type, EVENT_NAME_MAX)) < 0)
		return r;
	if (ev->policy && (r = add_policy(root, ev->policy, ev->audit_override, L)) < 0)
		return r;
	if ((r = add_str(root, "seat_user", ev->seat_user, names)) < 0 ||
	    (r = add_str(root, "message", ev->message, lim(EVENT_MESSAGE_MAX, L->msg_cap))) < 0)
		return r;
	if (ev->device && (r = add_device(root, ev->device, ev->decision, L)) < 0)
		return r;
	if (!ev->device && ev->device_id && (r = add_device_id(root, ev->device_id, L)) < 0)
		return r;
	if (ev->decision && (r = add_decision(root, ev->decision, L)) < 0)
		return r;

	switch (ev->type) {
	case EVENT_HEARTBEAT:
		if ((r = add_str(root, "chain_head", ev->chain_head, 65)) < 0 ||
		    (r = add_u64(root, "spool_depth", ev->spool_depth)) < 0)
			return r;
		break;
	case EVENT_EVENTS_DROPPED:
		if ((r = add_u64(root, "dropped", ev->dropped_count)) < 0 ||
		    (r = add_u64(root, "first_seq", ev->lost_first)) < 0 ||
		    (r = add_u64(root, "last_seq", ev->lost_last)) < 0)
			return r;
		break;
	case EVENT_ENFORCE_FAILED:
		if ((r = add_error(root, ev->error)) < 0)
			return r;
		break;
	case EVENT_EVENTS_LOST:
		if ((r = add_u64(root, "count", ev->lost_count)) < 0 ||
		    (r = add_u64(root, "first_seq", ev->lost_first)) < 0 ||
		    (r = add_u64(root, "last_seq", ev->lost_last)) < 0)
			return r;
		break;
	case EVENT_SEAL:
		if ((r = add_u64(root, "epoch", ev->seal_epoch)) < 0 ||
		    (r = add_u64(root, "sealed_seq", ev->seal_seq)) < 0 ||
		    (r = add_str(root, "mac", ev->seal_mac, 65)) < 0)
			return r;
		break;
	case EVENT_REPEATED: {
		const char *rt = event_type_to_string(ev->repeat_type);
		if ((r = add_str(root, "repeated_type", rt ? rt : "unknown", EVENT_NAME_MAX)) < 0 ||
		    (r = add_u64(root, "count", ev->repeat_count)) < 0 ||
		    (r = add_u64(root, "same_as_seq", ev->repeat_of_seq)) < 0 ||
		    (r = add_time(root, "first_time", ev->repeat_first_usec)) < 0 ||
		    (r = add_time(root, "last_time", ev->repeat_last_usec)) < 0)
			return r;
		break;
	}
	case EVENT_TRANSFER:
	case EVENT_TRANSFER_ALERT:
		if (ev->transfer && (r = add_transfer(root, ev->transfer)) < 0)
			return r;
		break;
	case EVENT_AGENT_STARTED:
	case EVENT_AGENT_STOPPING:
	case EVENT_DEVICE_ATTACHED:
	case EVENT_DEVICE_DECISION:
	case EVENT_DEVICE_REMOVED:
	case EVENT_TAMPER:
	case EVENT_POLICY_LOADED:
	case EVENT_POLICY_REJECTED:
	case EVENT_POLICY_EXPIRED:
	case EVENT_EXCEPTION_REQUESTED:
	case EVENT_EXCEPTION_GRANTED:
	case EVENT_EXCEPTION_EXPIRED:
	case EVENT_EXCEPTION_REFUSED:
	case _EVENT_TYPE_MAX:
		break;
	}

	if ((ev->truncated || L->truncated) && (r = add_bool(root, "truncated", true)) < 0)
		return r;

	_cleanup_(freep) char *out = NULL;
	size_t len;
	r = event_serialize(root, &out, &len);
	if (r < 0)
		return r;
	if (len > EVENT_JSON_MAX_BYTES)
		return -E2BIG;
	*ret_json = TAKE_PTR(out);
	*ret_len = len;
	return 0;
}

int event_to_json(const struct event *ev, uint64_t seq, const struct recorder_host *host,
                  char **ret_json, size_t *ret_len)
{
	if (!ev || !host || !ret_json || !ret_len || seq == 0 || seq > INT64_MAX)
		return -EINVAL;
	int r = encode(ev, seq, host, &limits_full, ret_json, ret_len);
	if (r == -E2BIG) /* too large for one record: cut strings and interfaces, say so */
		r = encode(ev, seq, host, &limits_cut, ret_json, ret_len);
	return r;
}
