/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis devices [--config FILE | --policy FILE] [--json]: lists the attached USB devices,
 * root hubs as buses, and what the policy decides for each device and interface: by default the
 * policy portcullisd enforces, loaded through the policy store read-only. Changes nothing: it
 * only reads sysfs (through agent/sysfs/usb_sysfs.c) and files, and evaluates. See
 * docs/cli-devices.md.
 *
 * Every device string is untrusted: escaped with str_escape() for people, and written to JSON in
 * the one encoding of device strings (policy/base/strenc.h, through json_serialize_inert()).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libudev.h>

#include "agent/events/event_json.h"
#include "agent/cli/cli_host.h"
#include "agent/cli/commands.h"
#include "agent/daemon/settings.h"
#include "policy/base/clock.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strutil.h"
#include "policy/device/usb_kind.h"
#include "paths.h"
#include "policy/lang/policy.h"
#include "policy/trust/policy_store.h"
#include "agent/sysfs/usb_sysfs.h"
#include "agent/transfer/transfer_acct.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy, policy_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev, udev_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct usb_device_info, usb_sysfs_devices_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object, json_object_put)

/* Escaped form of a device string: at most 4 bytes per input byte. */
#define ESC_MAX (4 * USB_STRING_MAX + 1)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: portcullis devices [--config FILE | --policy FILE] [--json]\n\n"
	    "Lists attached USB devices and what the policy decides for each device and\n"
	    "interface. Changes nothing. By default it decides with the policy portcullisd\n"
	    "enforces: the signed policy named by the agent configuration, verified the same\n"
	    "way (signature, trusted keys, anti-rollback state, last-known-good copy, built-in\n"
	    "default), and says which one it used. See docs/cli-devices.md and portcullis(8).\n\n"
	    "  --config FILE     agent configuration (default " PORTCULLIS_AGENT_CONF ")\n"
	    "  --policy FILE     evaluate with this policy file instead (signature not checked)\n"
	    "  --no-owner-check  do not require root-owned files (tests)\n"
	    "  --json            machine-readable output\n");
}

/* Which policy was used, and why (for people and JSON). */
struct policy_origin {
	const char *source;       /* "file", "last-known-good", "built-in" */
	char path[PATH_MAX + 16]; /* the file, "" for the built-in default */
	bool verified;            /* signature and store checks passed (not for --policy) */
	const char *status; /* "verified", "unverified", "missing", "rejected", "config-refused" */
	char reason[PATH_MAX + 64]; /* why not the configured file; "" when it is */
	bool audit_override;        /* mode_override = "audit" in the configuration */
};

/* Loads FILE as given with --policy; prints "FILE:LINE: reason" and returns < 0 on failure. */
static int load_policy_file(const char *path, struct policy **ret, struct policy_origin *o)
{
	_cleanup_(freep) char *buf = NULL;
	struct policy_error err = { 0 };
	char name[512];
	size_t len = 0;
	int r;

	str_escape(name, sizeof(name), path, strlen(path));
	/* One byte over the cap is read, so the loader sees (and rejects) a file too big. */
	r = read_file_bounded(path, PORTCULLIS_POLICY_MAX_BYTES, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", name, strerror(-r));
		return r;
	}
	r = policy_load_from_bytes(buf, len, path, ret, &err);
	if (r < 0) {
		if (err.line > 0)
			fprintf(stderr, "%s:%d: %s\n", name, err.line, err.reason);
		else
			fprintf(stderr, "%s: %s\n", name,
			        err.reason[0] ? err.reason : strerror(-r));
		return r;
	}
	o->source = "file";
	(void)str_copy(o->path, sizeof(o->path), path);
	o->status = "unverified";
	return 0;
}

/*
 * The policy portcullisd enforces: its configuration (a refused file means the built-in default,
 * as in the agent), then the policy store read-only, exactly as the agent loads it at start.
 */
static int load_policy_in_force(const char *config, bool check_owner, const struct cli_host *h,
                                struct policy **ret, struct policy_origin *o)
{
	struct agent_settings st;
	struct policy_load_result res = { 0 };
	char err[512];
	int r;

	agent_settings_defaults(&st);
	r = agent_settings_load(config, check_owner, &st, err, sizeof(err));
	if (r < 0) {
		(void)snprintf(o->reason, sizeof(o->reason), "%s: %s", config, err);
		*ret = policy_builtin_default();
		if (!*ret)
			return -ENOMEM;
		o->source = "built-in";
		o->status = "config-refused";
		return 0;
	}
	o->audit_override = st.force_audit;
	struct policy_store_config cfg = {
		.policy_path = st.policy_file,
		.keys_dir = st.keys_dir,
		.state_dir = st.state_dir,
		.hostname = h->hostname[0] ? h->hostname : NULL,
		.machine_id = h->machine_id[0] ? h->machine_id : NULL,
		.check_owner = check_owner,
		.dry_run = true, /* read-only: never moves the anti-rollback state */
	};
	r = policy_store_load(&cfg, NULL, clock_realtime_sec(), ret, &res);
	if (r < 0)
		return r;
	o->source = res.source;
	o->verified = strcmp(res.source, "built-in") != 0;
	if (!strcmp(res.source, "file"))
		(void)str_copy(o->path, sizeof(o->path), st.policy_file);
	else if (!strcmp(res.source, "last-known-good") &&
	         snprintf(o->path, sizeof(o->path), "%s/last-good.conf", st.state_dir) >=
	             (int)sizeof(o->path))
		o->path[0] = '\0'; /* cannot happen: the store opened it */
	switch (res.status) {
	case POLICY_STATUS_MISSING:
		o->status = "missing";
		if (snprintf(o->reason, sizeof(o->reason), "%s does not exist", st.policy_file) >=
		    (int)sizeof(o->reason))
			(void)str_copy(o->reason, sizeof(o->reason),
			               "the policy file does not exist");
		break;
	case POLICY_STATUS_REJECTED:
		o->status = "rejected";
		(void)str_copy(o->reason, sizeof(o->reason), res.reason);
		break;
	case POLICY_STATUS_ACCEPTED:
	case POLICY_STATUS_UNCHANGED:
		o->status = "verified";
		break;
	}
	return 0;
}

static void print_origin(const struct policy_origin *o)
{
	char path[4 * PATH_MAX + 1], reason[4 * sizeof(o->reason) + 1];

	str_escape(path, sizeof(path), o->path, strlen(o->path));
	str_escape(reason, sizeof(reason), o->reason, strlen(o->reason));
	if (!strcmp(o->status, "unverified"))
		printf("Policy file: %s (given with --policy; signature not checked)\n", path);
	else if (!strcmp(o->source, "file"))
		printf("Policy file: %s (signed, verified: the policy in force)\n", path);
	else if (!strcmp(o->source, "last-known-good"))
		printf("Policy file: %s (last-known-good copy: %s)\n", path, reason);
	else
		printf("Policy file: none, the built-in default (%s)\n", reason);
	if (o->audit_override)
		printf("Note: mode_override = \"audit\" in the configuration: portcullisd blocks "
		       "nothing; shown is what the policy decides\n");
}

static const char *esc(char *buf, size_t size, const char *s)
{
	str_escape(buf, size, s, strlen(s));
	return buf;
}

/* A device string for JSON, bytes as they are: json_serialize_inert() writes the output in the
 * one encoding of device strings (controls, C1 and bidi as \uXXXX, non-UTF-8 bytes as \xNN). */
static struct json_object *json_devstr(bool has, const char *s)
{
	if (!has)
		return NULL; /* JSON null */
	return json_object_new_string(s);
}

static struct json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *json_kinds(usb_kind_mask m)
{
	struct json_object *a = json_object_new_array();

	for (int k = 0; k < _USB_KIND_MAX; k++)
		if (m & USB_KIND_BIT(k))
			json_object_array_add(a, json_object_new_string(usb_kind_to_string(k)));
	return a;
}

static struct json_object *json_tristate(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static void kinds_text(usb_kind_mask m, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < _USB_KIND_MAX && o < size; k++)
		if (m & USB_KIND_BIT(k))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "",
			                      usb_kind_to_string(k));
	if (!buf[0])
		(void)snprintf(buf, size, "-");
}

static void speed_text(unsigned mbps, char buf[static 16])
{
	if (mbps == 1)
		(void)snprintf(buf, 16, "1.5");
	else
		(void)snprintf(buf, 16, "%u", mbps);
}

/* "SanDisk Cruzer Blade" from the (escaped) manufacturer and product. */
static void display_name(const struct usb_device_info *dev, char *buf, size_t size)
{
	char m[ESC_MAX], p[ESC_MAX];

	if (dev->has_manufacturer && dev->manufacturer[0] && dev->has_product && dev->product[0])
		(void)snprintf(buf, size, "%s %s", esc(m, sizeof(m), dev->manufacturer),
		               esc(p, sizeof(p), dev->product));
	else if (dev->has_product && dev->product[0])
		(void)snprintf(buf, size, "%s", esc(p, sizeof(p), dev->product));
	else if (dev->has_manufacturer && dev->manufacturer[0])
		(void)snprintf(buf, size, "%s", esc(m, sizeof(m), dev->manufacturer));
	else
		(void)snprintf(buf, size, "(no name)");
}

static const char *now_text(int authorized)
{
	return authorized == 1 ? "on" : authorized == 0 ? "off" : "?";
}

/* The policy's default action is shown as "(default)"; a rule of that name stays "default". */
static const char *rule_text(const char *rule_id, bool no_rule_index)
{
	if (!rule_id)
		return "(mixed)";
	if (no_rule_index && !strcmp(rule_id, "default"))
		return "(default)";
	return rule_id;
}

static const char *format_utc(int64_t t, char buf[static 32])
{
	(void)rfc3339_format_sec(t, buf); /* "@<seconds>" out of range */
	return buf;
}

static void print_bus(const struct usb_device_info *dev)
{
	char name[2 * ESC_MAX + 8], id[10];
	int ad = -1, iad = -1;

	usb_device_format_id(dev, id);
	if (dev->has_product)
		esc(name, sizeof(name), dev->product); /* the kernel's "xHCI Host Controller" */
	else
		display_name(dev, name, sizeof(name));
	(void)usb_sysfs_read_bus_defaults(dev, &ad, &iad); /* -1 stays when unreadable */
	printf("Bus %-3u  %-6s  %s  %s\n", dev->busnum, dev->busid, id, name);
	printf("         root hub (never deauthorized); new devices: %s, "
	       "new interfaces: %s%s\n",
	       ad == 0  ? "blocked"
	       : ad < 0 ? "?"
	                : "authorized",
	       iad == 0  ? "blocked"
	       : iad < 0 ? "?"
	                 : "authorized",
	       (ad == 0 && iad == 0) ? "" : "  (NOT fail-closed)");
}

/* The agent's live transfer counters (<run>/transfers), read once; absent or unusable = none. */
#define LIVE_MAX_BYTES (256u * 1024u)
#define LIVE_MAX       512u

struct live_table {
	struct transfer_live v[LIVE_MAX];
	size_t n;
};

static void live_load(struct live_table *t, bool check_owner)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0;

	t->n = 0;
	if (read_file_trusted(NULL, AT_FDCWD, PORTCULLIS_RUN_DIR "/transfers", LIVE_MAX_BYTES,
	                      FILEIO_NOFOLLOW |
	                          (check_owner ? FILEIO_ROOT_OWNED | FILEIO_NO_GW : 0),
	                      &buf, &len, NULL, 0) < 0)
		return;
	for (size_t off = 0; off < len && t->n < LIVE_MAX;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		if (transfer_live_parse(buf + off, n, &t->v[t->n]) == 0)
			t->n++;
		off += n + 1;
	}
}

static const struct transfer_live *live_find(const struct live_table *t, const char *busid)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!strcmp(t->v[i].busid, busid))
			return &t->v[i];
	return NULL;
}

static void print_live(const struct transfer_live *l)
{
	char to[32], from[32], files[32], since[32];

	printf("%-12s transfers: wrote %s in %s file%s, read %s since %s%s\n", "",
	       transfer_format_bytes(l->to, to, sizeof(to)),
	       transfer_format_count(l->files, files, sizeof(files)), l->files == 1 ? "" : "s",
	       transfer_format_bytes(l->from, from, sizeof(from)),
	       format_utc(l->started_usec / 1000000, since), l->read_only ? " (read-only)" : "");
}

static void print_device(const struct usb_device_info *dev, const struct decision *d,
                         const struct live_table *live)
{
	char name[2 * ESC_MAX + 8], serial[ESC_MAX], id[10], verdict[32], col[64], reason[512];
	char line[3 * ESC_MAX + 64];
	int indent = dev->depth > 1 ? 2 * (dev->depth - 1) : 0;
	bool all_default = d->n_ifaces > 0;

	for (unsigned i = 0; i < d->n_ifaces; i++)
		all_default = all_default && d->ifaces[i].rule_index < 0;
	usb_device_format_id(dev, id);
	display_name(dev, name, sizeof(name));
	if (dev->has_serial && dev->serial[0])
		(void)snprintf(line, sizeof(line), "%s (serial %s)", name,
		               esc(serial, sizeof(serial), dev->serial));
	else
		(void)snprintf(line, sizeof(line), "%s", name);
	(void)snprintf(verdict, sizeof(verdict), "%s%s", device_verdict_to_string(d->verdict),
	               d->charge_only ? " (charge only)" : "");
	(void)snprintf(col, sizeof(col), "%*s%s", indent, "", dev->busid);
	printf("%-12s %s  %-44s %-20s rule: %-24s now: %s\n", col, id, line, verdict,
	       rule_text(d->rule_id, all_default), now_text(dev->authorized));
	if (d->until != INT64_MAX) {
		char t[32];
		printf(
		    "%-12s until: %s (a time-boxed rule ends; the decision is made again then)\n",
		    "", format_utc(d->until, t));
	}
	if (d->reason) {
		(void)decision_format_reason(d, reason, sizeof(reason));
		printf("%-12s reason: %s\n", "", reason);
	}
	const struct transfer_live *l = live_find(live, dev->busid);
	if (l)
		print_live(l);

	for (unsigned i = 0; i < dev->n_ifaces && i < d->n_ifaces; i++) {
		const struct usb_iface_info *f = &dev->ifaces[i];
		const struct iface_decision *fd = &d->ifaces[i];
		char ifname[USB_BUSID_MAX + 16], kinds[128], str[4 * USB_IFACE_STRING_MAX + 1];
		const char *state = f->sysname[0] ? now_text(f->authorized) : "-";

		(void)snprintf(ifname, sizeof(ifname), "%s:%u.%u", dev->busid, f->config_value,
		               f->number);
		kinds_text(f->kinds, kinds, sizeof(kinds));
		printf("%-12s %*s%-14s %02x/%02x/%02x  %-22s %-6s %-28s now: %s", "", indent, "",
		       ifname, f->cls, f->subclass, f->protocol, kinds,
		       policy_action_to_string(fd->action),
		       rule_text(fd->rule_id, fd->rule_index < 0), state);
		if (f->has_string)
			printf("  \"%s\"",
			       esc(str, sizeof(str), f->string)); /* str_escape escapes '"' */
		putchar('\n');
	}
}

static int cmp_display(const void *a, const void *b)
{
	const struct usb_device_info *x = a, *y = b;

	if (x->busnum != y->busnum)
		return x->busnum < y->busnum ? -1 : 1;
	if (x->is_root_hub != y->is_root_hub)
		return x->is_root_hub ? -1 : 1;
	return strverscmp(x->busid, y->busid);
}

static struct json_object *json_policy(const struct policy *p, const struct policy_origin *po)
{
	struct json_object *o = json_object_new_object();
	char hex[65];

	hex_encode(hex, policy_sha256(p), 32);
	json_object_object_add(o, "name", json_object_new_string(policy_name(p)));
	json_object_object_add(o, "source", json_object_new_string(po->source));
	json_object_object_add(o, "path", po->path[0] ? json_object_new_string(po->path) : NULL);
	json_object_object_add(o, "status", json_object_new_string(po->status));
	json_object_object_add(o, "verified", json_object_new_boolean(po->verified));
	json_object_object_add(o, "reason",
	                       po->reason[0] ? json_object_new_string(po->reason) : NULL);
	json_object_object_add(o, "audit_override", json_object_new_boolean(po->audit_override));
	json_object_object_add(o, "serial", json_object_new_uint64(policy_serial(p)));
	json_object_object_add(o, "mode",
	                       json_object_new_string(policy_mode_to_string(policy_mode(p))));
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	return o;
}

static struct json_object *json_bus(const struct usb_device_info *dev)
{
	struct json_object *o = json_object_new_object();
	char id[10];
	int ad = -1, iad = -1;

	(void)usb_sysfs_read_bus_defaults(dev, &ad, &iad);
	usb_device_format_id(dev, id);
	id[4] = '\0';
	json_object_object_add(o, "busnum", json_object_new_int(dev->busnum));
	json_object_object_add(o, "busid", json_object_new_string(dev->busid));
	json_object_object_add(o, "syspath", json_devstr(true, dev->syspath));
	json_object_object_add(o, "vendor_id", json_object_new_string(id));
	json_object_object_add(o, "product_id", json_object_new_string(id + 5));
	json_object_object_add(o, "product", json_devstr(dev->has_product, dev->product));
	json_object_object_add(o, "authorized_default", ad < 0 ? NULL : json_object_new_int(ad));
	json_object_object_add(o, "interface_authorized_default",
	                       iad < 0 ? NULL : json_object_new_int(iad));
	return o;
}

static struct json_object *json_device(const struct usb_device_info *dev, const struct decision *d,
                                       const struct live_table *live)
{
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	char id[10], hex[65], speed[16], reason[512];

	usb_device_format_id(dev, id);
	id[4] = '\0';
	hex_encode(hex, dev->desc_sha256, 32);
	speed_text(dev->speed_mbps, speed);
	json_object_object_add(o, "syspath", json_devstr(true, dev->syspath));
	json_object_object_add(o, "busid", json_devstr(true, dev->busid));
	json_object_object_add(o, "busnum", json_object_new_int(dev->busnum));
	json_object_object_add(o, "devnum", json_object_new_int(dev->devnum));
	json_object_object_add(o, "depth", json_object_new_int(dev->depth));
	json_object_object_add(o, "vendor_id", json_object_new_string(id));
	json_object_object_add(o, "product_id", json_object_new_string(id + 5));
	json_object_object_add(o, "manufacturer",
	                       json_devstr(dev->has_manufacturer, dev->manufacturer));
	json_object_object_add(o, "product", json_devstr(dev->has_product, dev->product));
	json_object_object_add(o, "serial", json_devstr(dev->has_serial, dev->serial));
	json_object_object_add(o, "speed", json_object_new_string(speed));
	json_object_object_add(o, "authorized", json_tristate(dev->authorized));
	json_object_object_add(o, "descriptors_ok", json_object_new_boolean(dev->desc_status == 0));
	json_object_object_add(o, "descriptors_error",
	                       dev->desc_status < 0
	                           ? json_object_new_string(dev->desc_error.reason
	                                                        ? dev->desc_error.reason
	                                                        : strerror(-dev->desc_status))
	                           : NULL);
	json_object_object_add(o, "descriptors_sha256", json_object_new_string(hex));
	json_object_object_add(o, "mtp_db", json_object_new_boolean(dev->mtp_db_hit));
	json_object_object_add(o, "kinds", json_kinds(dev->kinds));
	json_object_object_add(o, "decision",
	                       json_object_new_string(device_verdict_to_string(d->verdict)));
	json_object_object_add(o, "authorize_device", json_object_new_boolean(d->authorize_device));
	json_object_object_add(o, "charge_only", json_object_new_boolean(d->charge_only));
	json_object_object_add(o, "noteworthy", json_object_new_boolean(d->noteworthy));
	json_object_object_add(o, "rule", json_str_or_null(d->rule_id));
	const struct transfer_live *l = live_find(live, dev->busid);
	if (l) {
		struct json_object *t = json_object_new_object();
		char since[32];
		json_object_object_add(t, "to_device_bytes", json_object_new_uint64(l->to));
		json_object_object_add(t, "from_device_bytes", json_object_new_uint64(l->from));
		json_object_object_add(t, "files", json_object_new_uint64(l->files));
		json_object_object_add(
		    t, "started",
		    json_object_new_string(format_utc(l->started_usec / 1000000, since)));
		json_object_object_add(t, "read_only", json_object_new_boolean(l->read_only));
		json_object_object_add(o, "transfer", t);
	}
	if (d->until != INT64_MAX) {
		char t[32];
		json_object_object_add(o, "until", json_object_new_string(format_utc(d->until, t)));
	} else
		json_object_object_add(o, "until", NULL);
	json_object_object_add(
	    o, "reason",
	    d->reason ? json_object_new_string(decision_format_reason(d, reason, sizeof(reason)))
	              : NULL);

	for (unsigned i = 0; i < dev->n_ifaces && i < d->n_ifaces; i++) {
		const struct usb_iface_info *f = &dev->ifaces[i];
		const struct iface_decision *fd = &d->ifaces[i];
		struct json_object *fo = json_object_new_object();
		char cls[9];

		(void)snprintf(cls, sizeof(cls), "%02x/%02x/%02x", f->cls, f->subclass,
		               f->protocol);
		json_object_object_add(fo, "config", json_object_new_int(f->config_value));
		json_object_object_add(fo, "number", json_object_new_int(f->number));
		json_object_object_add(fo, "class", json_object_new_string(cls));
		json_object_object_add(fo, "kind",
		                       json_object_new_string(usb_kind_to_string(f->kind)));
		json_object_object_add(fo, "kinds", json_kinds(f->kinds));
		json_object_object_add(fo, "string", json_devstr(f->has_string, f->string));
		json_object_object_add(fo, "decision",
		                       json_object_new_string(policy_action_to_string(fd->action)));
		json_object_object_add(fo, "rule", json_str_or_null(fd->rule_id));
		json_object_object_add(fo, "present", json_object_new_boolean(f->sysname[0] != 0));
		json_object_object_add(fo, "sysname",
		                       f->sysname[0] ? json_devstr(true, f->sysname) : NULL);
		json_object_object_add(fo, "authorized",
		                       f->sysname[0] ? json_tristate(f->authorized) : NULL);
		json_object_object_add(
		    fo, "driver", f->sysname[0] ? json_object_new_boolean(f->has_driver) : NULL);
		json_object_array_add(ifs, fo);
	}
	json_object_object_add(o, "interfaces", ifs);
	return o;
}

int cmd_devices(int argc, char **argv)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "no-owner-check", no_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(policy_freep) struct policy *p = NULL;
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	_cleanup_(usb_sysfs_devices_freep) struct usb_device_info *devs = NULL;
	_cleanup_(json_object_putp) struct json_object *root = NULL;
	_cleanup_(freep) struct decision *d = NULL;
	_cleanup_(freep) struct live_table *live = NULL;
	struct json_object *jbuses = NULL, *jdevs = NULL;
	const char *policy_path = NULL, *config = NULL;
	struct policy_origin origin = { 0 };
	struct cli_host host;
	struct policy_env env;
	bool json = false, check_owner = true;
	int c, n, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:c:jh", options, NULL)) >= 0) {
		switch (c) {
		case 'p':
			policy_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'O':
			check_owner = false;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "portcullis devices: unknown option or missing argument\n");
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	if (policy_path && config) {
		fprintf(stderr, "portcullis devices: --policy and --config exclude each other\n");
		return 2;
	}
	cli_host_read(&host, NULL);
	cli_host_env(&host, clock_realtime_sec(), &env);
	if (policy_path)
		r = load_policy_file(policy_path, &p, &origin);
	else {
		r = load_policy_in_force(config ? config : PORTCULLIS_AGENT_CONF, check_owner,
		                         &host, &p, &origin);
		if (r < 0)
			fprintf(stderr, "portcullis devices: cannot load the policy: %s\n",
			        strerror(-r));
	}
	if (r < 0)
		return 1;

	udev = udev_new();
	if (!udev) {
		fprintf(stderr, "portcullis devices: cannot use libudev: %s\n", strerror(errno));
		return 1;
	}
	n = usb_sysfs_enumerate(udev, &devs);
	if (n < 0) {
		fprintf(stderr, "portcullis devices: cannot enumerate USB devices: %s\n",
		        strerror(-n));
		return 1;
	}
	d = malloc(sizeof(*d));
	live = malloc(sizeof(*live));
	if (!d || !live) {
		fprintf(stderr, "portcullis devices: out of memory\n");
		return 1;
	}
	live_load(live, check_owner);

	if (json) {
		root = json_object_new_object();
		jbuses = json_object_new_array();
		jdevs = json_object_new_array();
		json_object_object_add(root, "policy", json_policy(p, &origin));
		json_object_object_add(root, "buses", jbuses);
		json_object_object_add(root, "devices", jdevs);
	} else {
		char name[512];
		esc(name, sizeof(name), policy_name(p));
		printf("Policy: %s (serial %llu, mode %s)\n", name,
		       (unsigned long long)policy_serial(p), policy_mode_to_string(policy_mode(p)));
		print_origin(&origin);
		if (n == 0)
			printf("No USB devices.\n");
	}

	/* People read a tree: each bus, then its devices depth-first (1-1, 1-1.2, 1-2). JSON keeps
	 * usb_sysfs_enumerate()'s topological order (hubs before what is behind them). */
	if (!json && n > 1)
		qsort(devs, (size_t)n, sizeof(*devs), cmp_display);
	for (int i = 0; i < n; i++) {
		const struct usb_device_info *dev = &devs[i];

		if (dev->is_root_hub) {
			if (json)
				json_object_array_add(jbuses, json_bus(dev));
			else {
				putchar('\n');
				print_bus(dev);
			}
			continue;
		}
		policy_evaluate(p, dev, &env, d);
		if (json)
			json_object_array_add(jdevs, json_device(dev, d, live));
		else
			print_device(dev, d, live);
	}

	if (json) {
		_cleanup_(freep) char *s = NULL;
		size_t slen = 0;

		/* Device strings are hostile: controls, C1 and bidi characters as \uXXXX. */
		if (json_serialize_inert(root,
		                         JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                             JSON_C_TO_STRING_NOSLASHESCAPE,
		                         &s, &slen) < 0) {
			fprintf(stderr, "portcullis devices: out of memory\n");
			return 1;
		}
		puts(s);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "portcullis devices: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
