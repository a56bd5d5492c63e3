/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/events/event.c + agent/events/event_json.c: type names, schema per type, hostile strings,
 * time. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "events_fixture.h"
#include "policy/base/strenc.h"
#include "policy/lang/policy.h"

static struct events_fixture fx;

static void setup(void)
{
	ck_assert_int_eq(events_fixture_init(&fx), 0);
}

static void teardown(void)
{
	events_fixture_done(&fx);
}

/* Strict parse (UTF-8 validated, nothing trailing) of exactly len bytes. */
static json_object *parse_strict(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, s, (int)len);
	ck_assert_msg(o && json_tokener_get_error(tok) == json_tokener_success,
	              "not strict JSON: %s", s);
	ck_assert_uint_eq(json_tokener_get_parse_end(tok), len);
	json_tokener_free(tok);
	return o;
}

static json_object *encode(const struct event *ev, uint64_t seq)
{
	char *json = NULL;
	size_t len = 0;
	ck_assert_int_eq(event_to_json(ev, seq, &fx.host, &json, &len), 0);
	ck_assert_uint_eq(strlen(json), len);
	ck_assert_ptr_null(memchr(json, '\n', len));
	json_object *o = parse_strict(json, len);
	free(json);
	return o;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing key %s", key);
	if (json_object_is_type(v, json_type_null))
		return NULL;
	ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", key);
	return json_object_get_string(v);
}

static int64_t get_int(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing key %s", key);
	ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an integer", key);
	return json_object_get_int64(v);
}

/* Keys of o joined with ',' in their order. */
static void keys_of(json_object *o, char *buf, size_t size)
{
	buf[0] = '\0';
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		if (buf[0])
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, k, size - strlen(buf) - 1);
	}
}

START_TEST(test_type_names)
{
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		const char *s = event_type_to_string((enum event_type)t);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(event_type_from_string(s), t);
	}
	ck_assert_str_eq(event_type_to_string(EVENT_DEVICE_DECISION), "device_decision");
	ck_assert_str_eq(event_type_to_string(EVENT_EVENTS_DROPPED), "events_dropped");
	ck_assert_ptr_null(event_type_to_string(_EVENT_TYPE_MAX));
	ck_assert_ptr_null(event_type_to_string((enum event_type) - 1));
	ck_assert_int_eq(event_type_from_string("Device_Decision"), -EINVAL); /* case matters */
	ck_assert_int_eq(event_type_from_string(""), -EINVAL);
	ck_assert_int_eq(event_type_from_string(NULL), -EINVAL);
}
END_TEST

/* The exact key order of every type (the chain hashes bytes, consumers rely on the schema). */
static const struct {
	enum event_type type;
	const char *keys;
} schema[] = {
	{ EVENT_AGENT_STARTED, "" },
	{ EVENT_AGENT_STOPPING, "" },
	{ EVENT_DEVICE_ATTACHED, ",device" },
	{ EVENT_DEVICE_DECISION, ",device,decision" },
	{ EVENT_DEVICE_REMOVED, ",device" },
	{ EVENT_ENFORCE_FAILED, ",device,decision,error" },
	{ EVENT_TAMPER, ",device" },
	{ EVENT_POLICY_LOADED, "" },
	{ EVENT_POLICY_REJECTED, "" },
	{ EVENT_POLICY_EXPIRED, "" },
	{ EVENT_HEARTBEAT, ",chain_head,spool_depth" },
	{ EVENT_EVENTS_DROPPED, ",dropped,first_seq,last_seq" },
	{ EVENT_EVENTS_LOST, ",count,first_seq,last_seq" },
	{ EVENT_SEAL, ",epoch,sealed_seq,mac" },
	{ EVENT_REPEATED, ",repeated_type,count,same_as_seq,first_time,last_time" },
	{ EVENT_TRANSFER, ",device,transfer" },
	{ EVENT_TRANSFER_ALERT, ",device,transfer" },
	{ EVENT_EXCEPTION_REQUESTED, ",device" },
	{ EVENT_EXCEPTION_GRANTED, ",device" },
	{ EVENT_EXCEPTION_EXPIRED, ",device" },
	{ EVENT_EXCEPTION_REFUSED, "" },
};

START_TEST(test_schema_per_type)
{
	ck_assert_int_eq((int)(sizeof(schema) / sizeof(schema[0])), _EVENT_TYPE_MAX);
	struct event ev = events_fixture_event(&fx, schema[_i].type, 1795000000123456LL);
	json_object *o = encode(&ev, 42);
	char keys[512], want[512];

	keys_of(o, keys, sizeof(keys));
	snprintf(want, sizeof(want),
	         "seq,time,host,machine_id,agent_version,type,policy,seat_user,message%s",
	         schema[_i].keys);
	ck_assert_str_eq(keys, want);

	ck_assert_int_eq(get_int(o, "seq"), 42);
	ck_assert_str_eq(get_str(o, "time"), "2026-11-18T11:06:40.123456Z");
	ck_assert_str_eq(get_str(o, "host"), "ws-042");
	ck_assert_str_eq(get_str(o, "machine_id"), "0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(get_str(o, "agent_version"), "0.1.0");
	ck_assert_str_eq(get_str(o, "type"), event_type_to_string(schema[_i].type));

	json_object *p;
	ck_assert(json_object_object_get_ex(o, "policy", &p));
	keys_of(p, keys, sizeof(keys));
	ck_assert_str_eq(keys, "name,serial,sha256,mode");
	ck_assert_str_eq(get_str(p, "name"), policy_name(fx.policy));
	ck_assert_int_eq(get_int(p, "serial"), (int64_t)policy_serial(fx.policy));
	ck_assert_uint_eq(strlen(get_str(p, "sha256")), 64);
	ck_assert_str_eq(get_str(p, "mode"), policy_mode_to_string(policy_mode(fx.policy)));
	json_object_put(o);
}
END_TEST

/* --audit on an enforce policy: the record says the mode in force, audit. */
START_TEST(test_audit_override_mode)
{
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 0);
	json_object *o, *p;

	ck_assert_int_eq(policy_mode(fx.policy), POLICY_MODE_ENFORCE);
	ev.audit_override = true;
	o = encode(&ev, 1);
	ck_assert(json_object_object_get_ex(o, "policy", &p));
	ck_assert_str_eq(get_str(p, "mode"), "audit");
	json_object_put(o);
	ev.audit_override = false;
	o = encode(&ev, 2);
	ck_assert(json_object_object_get_ex(o, "policy", &p));
	ck_assert_str_eq(get_str(p, "mode"), "enforce");
	json_object_put(o);
}
END_TEST

START_TEST(test_device_and_decision)
{
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 0);
	json_object *o = encode(&ev, 1), *d, *dec, *ifs, *ifc, *kinds;
	char keys[512];

	ck_assert_str_eq(get_str(o, "seat_user"), "alice");
	ck_assert_ptr_null(get_str(o, "message"));
	ck_assert(json_object_object_get_ex(o, "device", &d));
	keys_of(d, keys, sizeof(keys));
	ck_assert_str_eq(keys, "syspath,busid,vendor_id,product_id,bcd_device,manufacturer,product,"
	                       "serial,speed_mbps,descriptors_sha256,kinds,interfaces");
	ck_assert_str_eq(get_str(d, "busid"), "1-2");
	ck_assert_str_eq(get_str(d, "vendor_id"), "0781");
	ck_assert_str_eq(get_str(d, "product_id"), "5567");
	ck_assert_str_eq(get_str(d, "bcd_device"), "0100");
	ck_assert_str_eq(get_str(d, "manufacturer"), "SanDisk");
	ck_assert_str_eq(get_str(d, "serial"), "4C530001234567");
	ck_assert_int_eq(get_int(d, "speed_mbps"), 480);
	ck_assert_str_eq(get_str(d, "descriptors_sha256"),
	                 "00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9");
	ck_assert(json_object_object_get_ex(d, "kinds", &kinds));
	ck_assert_str_eq(json_object_to_json_string_ext(kinds, JSON_C_TO_STRING_PLAIN),
	                 "[\"mass-storage\",\"mtp\",\"ptp\"]");
	ck_assert(json_object_object_get_ex(d, "interfaces", &ifs));
	ck_assert_int_eq((int)json_object_array_length(ifs), 2);
	ifc = json_object_array_get_idx(ifs, 1);
	keys_of(ifc, keys, sizeof(keys));
	ck_assert_str_eq(keys, "config,number,class,kind,kinds,string,decision,rule");
	ck_assert_int_eq(get_int(ifc, "number"), 1);
	ck_assert_str_eq(get_str(ifc, "class"), "06/01/01");
	ck_assert_str_eq(get_str(ifc, "kind"), "mtp");
	ck_assert_str_eq(get_str(ifc, "string"), "MTP");
	ck_assert_str_eq(get_str(ifc, "decision"), "block");
	ck_assert_str_eq(get_str(ifc, "rule"), "no-storage");
	ck_assert_ptr_null(get_str(json_object_array_get_idx(ifs, 0), "string"));

	ck_assert(json_object_object_get_ex(o, "decision", &dec));
	keys_of(dec, keys, sizeof(keys));
	ck_assert_str_eq(keys, "verdict,authorize_device,charge_only,noteworthy,rule,reason");
	ck_assert_str_eq(get_str(dec, "verdict"), "block");
	ck_assert_str_eq(get_str(dec, "rule"), "no-storage");
	ck_assert_ptr_null(get_str(dec, "reason"));
	json_object_put(o);
}
END_TEST

/* A device whose descriptors did not parse: no ids (they would be zeros, not facts). */
START_TEST(test_device_unparsed)
{
	fx.dev.desc_status = -EBADMSG;
	fx.dev.desc_error = (struct usb_desc_error){ 18, "bLength past end" };
	fx.dec.reason = "descriptors malformed";
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 0);
	json_object *o = encode(&ev, 1), *d, *dec;
	ck_assert(json_object_object_get_ex(o, "device", &d));
	ck_assert_ptr_null(get_str(d, "vendor_id"));
	ck_assert_str_eq(get_str(d, "descriptors_error"), "offset 18: bLength past end");
	ck_assert(json_object_object_get_ex(o, "decision", &dec));
	ck_assert_str_eq(get_str(dec, "reason"), "descriptors malformed");
	json_object_put(o);
}
END_TEST

/*
 * An event about a device known only by its identity encodes exactly as the agent's former stub
 * (a zeroed struct usb_device_info with syspath and busid, descriptors unread): same keys, same
 * bytes, so readers and the chain see no change.
 */
/* A device decided earlier and gone (device_removed): what the agent read when it decided
 * (ids, strings, descriptor hash, kinds), so a reviewer sees which device left; no interfaces. */
START_TEST(test_device_id_known)
{
	const struct usb_device_info *dev = &fx.dev;
	const struct event_device_id id = {
		.syspath = dev->syspath,
		.busid = dev->busid,
		.busnum = dev->busnum,
		.has_ids = true,
		.vid = dev->desc.vid,
		.pid = dev->desc.pid,
		.bcd_device = dev->desc.bcd_device,
		.speed_mbps = dev->speed_mbps,
		.manufacturer = dev->has_manufacturer ? dev->manufacturer : NULL,
		.product = dev->has_product ? dev->product : NULL,
		.serial = dev->has_serial ? dev->serial : NULL,
		.desc_sha256 = dev->desc_sha256,
		.kinds = dev->kinds,
	};
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_REMOVED, 0);
	json_object *full = encode(&ev, 1), *df, *di;
	ev.device = NULL;
	ev.device_id = &id;
	json_object *o = encode(&ev, 1);

	ck_assert(json_object_object_get_ex(full, "device", &df));
	ck_assert(json_object_object_get_ex(o, "device", &di));
	static const char *const same[] = { "syspath",    "busid",      "vendor_id",
		                            "product_id", "bcd_device", "manufacturer",
		                            "product",    "serial",     "descriptors_sha256" };
	for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++) {
		const char *x = get_str(df, same[k]), *y = get_str(di, same[k]);
		ck_assert_msg(x == y || (x && y && !strcmp(x, y)), "%s", same[k]);
	}
	ck_assert_str_eq(get_str(di, "vendor_id"), "0781");
	ck_assert(!json_object_object_get_ex(di, "descriptors_error", NULL));
	json_object *kf, *ki, *ifs;
	ck_assert(json_object_object_get_ex(df, "kinds", &kf));
	ck_assert(json_object_object_get_ex(di, "kinds", &ki));
	ck_assert_str_eq(json_object_to_json_string(kf), json_object_to_json_string(ki));
	ck_assert_uint_gt(json_object_array_length(ki), 0);
	ck_assert(json_object_object_get_ex(di, "interfaces", &ifs));
	ck_assert_uint_eq(json_object_array_length(ifs), 0);
	json_object_put(full);
	json_object_put(o);
}
END_TEST

START_TEST(test_device_id_as_stub)
{
	static const char syspath[] = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2";
	struct usb_device_info *stub = calloc(1, sizeof(*stub));
	const struct event_device_id id = {
		.syspath = syspath, .busid = "1-2", .busnum = 1, .vid = 0x0781, .pid = 0x5567
	};
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	ck_assert_ptr_nonnull(stub);
	stub->authorized = -1;
	stub->desc_status = -ENODATA;
	snprintf(stub->syspath, sizeof(stub->syspath), "%s", syspath);
	snprintf(stub->busid, sizeof(stub->busid), "1-2");
	stub->busnum = 1;
	stub->desc.vid = 0x0781;
	stub->desc.pid = 0x5567;
	for (int type = EVENT_ENFORCE_FAILED; type <= EVENT_TAMPER; type++) {
		struct event ev = events_fixture_event(&fx, (enum event_type)type, 0);

		ev.decision = NULL;
		ev.error = type == EVENT_ENFORCE_FAILED ? -ENODEV : 0;
		ev.device = stub;
		ck_assert_int_eq(event_to_json(&ev, 9, &fx.host, &a, &alen), 0);
		ev.device = NULL;
		ev.device_id = &id;
		ck_assert_int_eq(event_to_json(&ev, 9, &fx.host, &b, &blen), 0);
		ck_assert_str_eq(a, b);
		ck_assert_uint_eq(alen, blen);
		free(a);
		free(b);
	}
	/* device wins over device_id; neither: no "device" key. */
	const struct event_device_id other = { .syspath = "/sys/x/9-9", .busid = "9-9" };
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_REMOVED, 0);
	ev.device_id = &other;
	json_object *o = encode(&ev, 1), *d;
	ck_assert(json_object_object_get_ex(o, "device", &d));
	ck_assert_str_eq(get_str(d, "busid"), "1-2");
	json_object_put(o);
	ev.device = NULL;
	ev.device_id = NULL;
	o = encode(&ev, 1);
	ck_assert(!json_object_object_get_ex(o, "device", &d));
	json_object_put(o);
	free(stub);
}
END_TEST

START_TEST(test_type_specific)
{
	struct event ev = events_fixture_event(&fx, EVENT_HEARTBEAT, 0);
	json_object *o = encode(&ev, 7);
	ck_assert_str_eq(get_str(o, "chain_head"), LOG_ZERO_HASH);
	ck_assert_int_eq(get_int(o, "spool_depth"), 3);
	json_object_put(o);

	ev = events_fixture_event(&fx, EVENT_EVENTS_DROPPED, 0);
	o = encode(&ev, 7);
	ck_assert_int_eq(get_int(o, "dropped"), 17);
	ck_assert_int_eq(get_int(o, "first_seq"), 3);
	ck_assert_int_eq(get_int(o, "last_seq"), 19);
	json_object_put(o);

	ev = events_fixture_event(&fx, EVENT_EVENTS_LOST, 0);
	o = encode(&ev, 7);
	ck_assert_int_eq(get_int(o, "count"), 2);
	ck_assert_int_eq(get_int(o, "first_seq"), 5);
	ck_assert_int_eq(get_int(o, "last_seq"), 6);
	json_object_put(o);

	ev = events_fixture_event(&fx, EVENT_SEAL, 0);
	o = encode(&ev, 42);
	ck_assert_int_eq(get_int(o, "epoch"), 3);
	ck_assert_int_eq(get_int(o, "sealed_seq"), 41);
	ck_assert_str_eq(get_str(o, "mac"), LOG_ZERO_HASH);
	json_object_put(o);

	ev = events_fixture_event(&fx, EVENT_REPEATED, 1795000000123456LL);
	o = encode(&ev, 9);
	ck_assert_str_eq(get_str(o, "repeated_type"), "device_attached");
	ck_assert_int_eq(get_int(o, "count"), 7);
	ck_assert_int_eq(get_int(o, "same_as_seq"), 3);
	ck_assert_str_eq(get_str(o, "first_time"), "2026-11-18T11:06:40.123456Z");
	ck_assert_str_eq(get_str(o, "last_time"), "2026-11-18T11:06:41.123456Z");
	json_object_put(o);

	ev = events_fixture_event(&fx, EVENT_ENFORCE_FAILED, 0);
	o = encode(&ev, 7);
	ck_assert_str_eq(get_str(o, "error"), "ENODEV");
	json_object_put(o);

	ev.error = -EIO;
	o = encode(&ev, 7);
	ck_assert_str_eq(get_str(o, "error"), "EIO");
	json_object_put(o);

	ev.error = -9999; /* no name: numeric fallback */
	o = encode(&ev, 7);
	ck_assert_str_eq(get_str(o, "error"), "E9999");
	json_object_put(o);

	/* no policy yet (agent_started before the first load): no "policy" key */
	ev = events_fixture_event(&fx, EVENT_AGENT_STARTED, 0);
	ev.policy = NULL;
	o = encode(&ev, 1);
	ck_assert(!json_object_object_get_ex(o, "policy", NULL));
	json_object_put(o);
}
END_TEST

/*
 * Hostile device strings: each must come out as strict, valid-UTF-8 JSON whose decoded value is
 * the expected text (invalid bytes as "\xNN", everything else unchanged).
 */
static const struct {
	const char *name;
	const char *in;
	const char *want;
} hostile[] = {
	{ "quote", "a\"b", "a\"b" },
	{ "backslash", "a\\b\\", "a\\b\\" },
	{ "json injection", "x\",\"type\":\"agent_started", "x\",\"type\":\"agent_started" },
	{ "newline", "line1\nline2\r", "line1\nline2\r" },
	{ "control chars", "\x01\x1b[31m\x7f", "\x01\x1b[31m\x7f" },
	{ "invalid byte", "ab\xff\xfe", "ab\\xff\\xfe" },
	{ "lone continuation", "\x80z", "\\x80z" },
	{ "overlong slash", "\xc0\xaf", "\\xc0\\xaf" },
	{ "surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
	{ "truncated sequence", "\xe6\x97", "\\xe6\\x97" },
	{ "valid UTF-8", "Gerät 日本 \xf0\x9f\x94\x8c", "Gerät 日本 \xf0\x9f\x94\x8c" },
	{ "bidi override",
	  "\xe2\x80\xae"
	  "exe.txt",
	  "\xe2\x80\xae"
	  "exe.txt" },
	{ "C1 CSI",
	  "\xc2\x9b"
	  "31mred",
	  "\xc2\x9b"
	  "31mred" },
	{ "bidi and format",
	  "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x81"
	  "\xa6\xe2\x81\xa7\xe2"
	  "\x81\xa8\xe2\x81\xa9",
	  "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x81"
	  "\xa6\xe2\x81\xa7\xe2"
	  "\x81\xa8\xe2\x81\xa9" },
};

/* The record's bytes: valid UTF-8, no raw C0/DEL/C1/bidi/format character anywhere (they are
 * \uXXXX in the JSON text, so a terminal or a reviewer's viewer shows them inert). */
static void assert_inert(const char *json, size_t len)
{
	const unsigned char *p = (const unsigned char *)json;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		ck_assert_msg(n > 0, "byte 0x%02x at %zu is not UTF-8", p[i], i);
		ck_assert_msg(!strenc_unsafe(cp), "raw U+%04X at %zu", (unsigned)cp, i);
		i += n;
	}
}

START_TEST(test_hostile_strings)
{
	strcpy(fx.dev.product, hostile[_i].in);
	strcpy(fx.dev.ifaces[1].string, hostile[_i].in);
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_ATTACHED, 0);
	ev.message = hostile[_i].in;
	ev.seat_user = hostile[_i].in;
	char *json = NULL;
	size_t len = 0;
	ck_assert_int_eq(event_to_json(&ev, 1, &fx.host, &json, &len), 0);
	assert_inert(json, len);
	free(json);
	json_object *o = encode(&ev, 1), *d, *ifs;
	ck_assert(json_object_object_get_ex(o, "device", &d));
	ck_assert_msg(!strcmp(get_str(d, "product"), hostile[_i].want), "%s", hostile[_i].name);
	ck_assert_str_eq(get_str(o, "message"), hostile[_i].want);
	ck_assert_str_eq(get_str(o, "seat_user"), hostile[_i].want);
	ck_assert_str_eq(get_str(o, "type"), "device_attached");
	ck_assert(json_object_object_get_ex(d, "interfaces", &ifs));
	ck_assert_str_eq(get_str(json_object_array_get_idx(ifs, 1), "string"), hostile[_i].want);
	json_object_put(o);
}
END_TEST

/* Full-size strings: 255 bytes + NUL, and a buffer with no NUL at all (cut at its size). */
START_TEST(test_long_strings)
{
	memset(fx.dev.product, '\x01', sizeof(fx.dev.product) - 1);
	fx.dev.product[sizeof(fx.dev.product) - 1] = '\0';
	memset(fx.dev.serial, '\xff', sizeof(fx.dev.serial)); /* no NUL: must not over-read */
	memset(fx.dev.manufacturer, 'M', sizeof(fx.dev.manufacturer) - 1);
	fx.dev.manufacturer[sizeof(fx.dev.manufacturer) - 1] = '\0';
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_ATTACHED, 0);
	json_object *o = encode(&ev, 1), *d;
	ck_assert(json_object_object_get_ex(o, "device", &d));
	ck_assert_uint_eq(strlen(get_str(d, "product")), 255);
	ck_assert_uint_eq(strlen(get_str(d, "manufacturer")), 255);
	ck_assert_uint_eq(strlen(get_str(d, "serial")), 4 * sizeof(fx.dev.serial));
	ck_assert(strncmp(get_str(d, "serial"), "\\xff\\xff", 8) == 0);
	json_object_put(o);
}
END_TEST

/* The record cap: a device with 250 interfaces and 255-byte hostile strings everywhere does
 * not fit 64 KiB as is; it is encoded again cut, marked truncated, and always fits (with prev). */
START_TEST(test_record_cap_truncates)
{
	char big[4096 + 1];
	fx.dev.n_ifaces = 250;
	for (unsigned i = 0; i < 250; i++) {
		fx.dev.ifaces[i] = fx.dev.ifaces[i % 2];
		fx.dev.ifaces[i].number = (uint8_t)i;
		memset(fx.dev.ifaces[i].string, '\x1b', sizeof(fx.dev.ifaces[i].string) - 1);
		fx.dev.ifaces[i].string[sizeof(fx.dev.ifaces[i].string) - 1] = '\0';
		fx.dev.ifaces[i].has_string = true;
	}
	fx.dec.n_ifaces = 250;
	for (unsigned i = 2; i < 250; i++)
		fx.dec.ifaces[i] = fx.dec.ifaces[i % 2];
	memset(fx.dev.product, '\x01', sizeof(fx.dev.product) - 1);
	memset(fx.dev.manufacturer, '\xff', sizeof(fx.dev.manufacturer) - 1);
	memset(fx.dev.serial, '"', sizeof(fx.dev.serial) - 1);
	memset(big, '\x02', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 0);
	ev.message = big;
	char *j = NULL, *line = NULL;
	size_t l, ll;
	ck_assert_int_eq(event_to_json(&ev, 1, &fx.host, &j, &l), 0);
	ck_assert_uint_le(l, EVENT_JSON_MAX_BYTES);
	ck_assert_int_eq(log_record_encode(j, l, LOG_ZERO_HASH, &line, &ll), 0);
	ck_assert_uint_le(ll, LOG_RECORD_MAX_LINE);
	json_object *o = parse_strict(j, l), *d, *ifs, *t;
	ck_assert(json_object_object_get_ex(o, "truncated", &t) && json_object_get_boolean(t));
	ck_assert(json_object_object_get_ex(o, "device", &d));
	ck_assert_int_eq(get_int(d, "interfaces_total"), 250);
	ck_assert(json_object_object_get_ex(d, "interfaces", &ifs));
	ck_assert_int_eq((int)json_object_array_length(ifs), 24);
	ck_assert_uint_eq(strlen(get_str(d, "product")), 64);
	ck_assert_uint_eq(strlen(get_str(o, "message")), 1024);
	json_object_put(o);
	free(j);
	free(line);

	/* an ordinary record is not touched */
	ev = events_fixture_event(&fx, EVENT_HEARTBEAT, 0);
	ck_assert_int_eq(event_to_json(&ev, 1, &fx.host, &j, &l), 0);
	ck_assert_ptr_null(strstr(j, "truncated"));
	free(j);
}
END_TEST

START_TEST(test_deterministic)
{
	struct event ev = events_fixture_event(&fx, EVENT_DEVICE_DECISION, 1);
	char *a = NULL, *b = NULL;
	size_t la, lb;
	ck_assert_int_eq(event_to_json(&ev, 9, &fx.host, &a, &la), 0);
	ck_assert_int_eq(event_to_json(&ev, 9, &fx.host, &b, &lb), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert_mem_eq(a, b, la);
	ck_assert(strncmp(a, "{\"seq\":9,\"time\":\"1970-01-01T00:00:00.000001Z\",", 45) == 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct event ev = events_fixture_event(&fx, EVENT_HEARTBEAT, 0);
	char *j = (char *)"untouched";
	size_t l = 99;
	ck_assert_int_eq(event_to_json(&ev, 0, &fx.host, &j, &l), -EINVAL);
	ck_assert_int_eq(event_to_json(NULL, 1, &fx.host, &j, &l), -EINVAL);
	ck_assert_int_eq(event_to_json(&ev, 1, NULL, &j, &l), -EINVAL);
	ev.type = _EVENT_TYPE_MAX;
	ck_assert_int_eq(event_to_json(&ev, 1, &fx.host, &j, &l), -EINVAL);
	ev.type = EVENT_HEARTBEAT;
	ev.time_usec = 253402300800000000LL; /* year 10000 */
	ck_assert_int_eq(event_to_json(&ev, 1, &fx.host, &j, &l), -ERANGE);
	ck_assert_str_eq(j, "untouched"); /* ret_* written only on success */
	ck_assert_uint_eq(l, 99);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("event_json");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_type_names);
	tcase_add_loop_test(tc, test_schema_per_type, 0, _EVENT_TYPE_MAX);
	tcase_add_test(tc, test_device_and_decision);
	tcase_add_test(tc, test_audit_override_mode);
	tcase_add_test(tc, test_device_unparsed);
	tcase_add_test(tc, test_device_id_as_stub);
	tcase_add_test(tc, test_device_id_known);
	tcase_add_test(tc, test_type_specific);
	tcase_add_loop_test(tc, test_hostile_strings, 0, sizeof(hostile) / sizeof(hostile[0]));
	tcase_add_test(tc, test_long_strings);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_record_cap_truncates);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
