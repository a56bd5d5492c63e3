/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "uplink" group of the agent config file (libconfig). */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "agent/uplink/syslog_frame.h"
#include "agent/uplink/uplink_config.h"

#define SPOOL_MIN_BYTES (64ull * 1024)
/* undelivered records are also held in memory (agent/uplink/spool.c): keep the bound modest */
#define SPOOL_MAX_BYTES (1024ull * 1024 * 1024)
#define HEARTBEAT_MAX   86400u

void uplink_config_init(struct uplink_config *ret)
{
	*ret = (struct uplink_config){
		.enabled = false,
		.tls = true,
		.spool_max_bytes = 64ull * 1024 * 1024,
		.heartbeat_sec = 300,
		.enterprise_number = SYSLOG_PEN_EXAMPLE,
	};
	(void)str_copy(ret->protocol, sizeof(ret->protocol), "relp");
	(void)str_copy(ret->user, sizeof(ret->user), "portcullis");
}

_printf_(4, 5) static int fail(char *err, size_t errsize, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errsize)
		(void)snprintf(err, errsize, "line %d: %s", line, msg);
	return -EINVAL;
}

static int get_string(const config_setting_t *s, char *dst, size_t size, char *err, size_t errsize)
{
	const char *v = config_setting_get_string(s);
	int line = (int)config_setting_source_line(s);

	if (config_setting_type(s) != CONFIG_TYPE_STRING || !v)
		return fail(err, errsize, line, "%s must be a string", config_setting_name(s));
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(err, errsize, line, "%s contains a control character",
			            config_setting_name(s));
	if (str_copy(dst, size, v) < 0)
		return fail(err, errsize, line, "%s is too long (at most %zu bytes)",
		            config_setting_name(s), size - 1);
	return 0;
}

/* Integers, or for sizes a string with an optional K/M/G suffix ("64M"): libconfig 1.5 silently
 * wraps decimal literals above 2^31 unless they carry an "L" suffix. */
static int get_u64(const config_setting_t *s, bool size_suffix, uint64_t *ret, char *err,
                   size_t errsize)
{
	int line = (int)config_setting_source_line(s);
	const char *name = config_setting_name(s);

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long v = config_setting_get_int64(s);
		if (v < 0)
			return fail(err, errsize, line, "%s must not be negative", name);
		*ret = (uint64_t)v;
		return 0;
	}
	case CONFIG_TYPE_STRING: {
		const char *v = config_setting_get_string(s);
		if (!size_suffix || !v || !isdigit((unsigned char)v[0]))
			break;
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 10);
		unsigned shift = 0;
		if (*end == 'K' || *end == 'k')
			shift = 10;
		else if (*end == 'M' || *end == 'm')
			shift = 20;
		else if (*end == 'G' || *end == 'g')
			shift = 30;
		if (shift)
			end++;
		if (errno || *end || n > (UINT64_MAX >> shift))
			return fail(err, errsize, line,
			            "%s: \"%s\" is not a size (digits, optional K, M or G)", name,
			            v);
		*ret = (uint64_t)n << shift;
		return 0;
	}
	default:
		break;
	}
	return fail(err, errsize, line, "%s must be an integer%s", name,
	            size_suffix ? " or a size string such as \"64M\"" : "");
}

static int get_bool(const config_setting_t *s, bool *ret, char *err, size_t errsize)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(err, errsize, (int)config_setting_source_line(s),
		            "%s must be true or false", config_setting_name(s));
	*ret = config_setting_get_bool(s);
	return 0;
}

static bool is_abs_path(const char *p)
{
	return p[0] == '/';
}

static int parse_group(const config_setting_t *g, struct uplink_config *c, char *err,
                       size_t errsize)
{
	int n = config_setting_length(g);
	bool port_set = false;

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		int line = (int)config_setting_source_line(s);
		uint64_t v;
		int r;

		if (!name)
			return fail(err, errsize, line, "uplink must be a group of settings");
		if (!strcmp(name, "enabled"))
			r = get_bool(s, &c->enabled, err, errsize);
		else if (!strcmp(name, "tls"))
			r = get_bool(s, &c->tls, err, errsize);
		else if (!strcmp(name, "allow_plaintext"))
			r = get_bool(s, &c->allow_plaintext, err, errsize);
		else if (!strcmp(name, "protocol")) {
			r = get_string(s, c->protocol, sizeof(c->protocol), err, errsize);
			if (r == 0 && strcmp(c->protocol, "relp") && strcmp(c->protocol, "syslog"))
				r = fail(err, errsize, line,
				         "protocol must be \"relp\" or \"syslog\", not \"%s\"",
				         c->protocol);
		} else if (!strcmp(name, "host"))
			r = get_string(s, c->host, sizeof(c->host), err, errsize);
		else if (!strcmp(name, "port")) {
			r = get_u64(s, false, &v, err, errsize);
			if (r == 0 && (v < 1 || v > 65535))
				r = fail(err, errsize, line, "port must be 1..65535");
			if (r == 0) {
				c->port = (uint16_t)v;
				port_set = true;
			}
		} else if (!strcmp(name, "ca_file"))
			r = get_string(s, c->ca_file, sizeof(c->ca_file), err, errsize);
		else if (!strcmp(name, "cert_file"))
			r = get_string(s, c->cert_file, sizeof(c->cert_file), err, errsize);
		else if (!strcmp(name, "key_file"))
			r = get_string(s, c->key_file, sizeof(c->key_file), err, errsize);
		else if (!strcmp(name, "server_name"))
			r = get_string(s, c->server_name, sizeof(c->server_name), err, errsize);
		else if (!strcmp(name, "user")) {
			r = get_string(s, c->user, sizeof(c->user), err, errsize);
			if (r == 0 && c->user[0] == '\0')
				r = fail(err, errsize, line, "user must not be empty");
		} else if (!strcmp(name, "spool_max_bytes")) {
			r = get_u64(s, true, &v, err, errsize);
			if (r == 0 && (v < SPOOL_MIN_BYTES || v > SPOOL_MAX_BYTES))
				r = fail(err, errsize, line,
				         "spool_max_bytes must be 64K..1G, not %" PRIu64, v);
			if (r == 0)
				c->spool_max_bytes = v;
		} else if (!strcmp(name, "heartbeat_sec")) {
			r = get_u64(s, false, &v, err, errsize);
			if (r == 0 && v > HEARTBEAT_MAX)
				r = fail(err, errsize, line, "heartbeat_sec must be 0 (off) .. %u",
				         HEARTBEAT_MAX);
			if (r == 0)
				c->heartbeat_sec = (unsigned)v;
		} else if (!strcmp(name, "enterprise_number")) {
			r = get_u64(s, false, &v, err, errsize);
			if (r == 0 && (v == 0 || v > INT32_MAX))
				r = fail(
				    err, errsize, line,
				    "enterprise_number must be 1..2147483647 (your IANA private "
				    "enterprise number)");
			if (r == 0)
				c->enterprise_number = (uint32_t)v;
		} else
			r = fail(err, errsize, line, "unknown setting uplink.%s", name);
		if (r < 0)
			return r;
	}

	int line = (int)config_setting_source_line(g);
	if (!port_set)
		c->port = !strcmp(c->protocol, "relp") ? 2514 : (c->tls ? 6514 : 514);
	if (c->cert_file[0] && !c->key_file[0])
		return fail(err, errsize, line, "cert_file is set but key_file is not");
	if (c->key_file[0] && !c->cert_file[0])
		return fail(err, errsize, line, "key_file is set but cert_file is not");
	const char *files[] = { c->ca_file, c->cert_file, c->key_file };
	for (size_t i = 0; i < 3; i++)
		if (files[i][0] && !is_abs_path(files[i]))
			return fail(err, errsize, line, "%s is not an absolute path", files[i]);
	if (!c->tls && !c->allow_plaintext)
		return fail(err, errsize, line,
		            "tls = false sends the incident log in clear text: refused unless "
		            "allow_plaintext = true says so");
	if (c->enabled) {
		if (!c->host[0])
			return fail(err, errsize, line, "uplink is enabled but host is not set");
		if (c->tls && !c->ca_file[0])
			return fail(
			    err, errsize, line,
			    "tls needs ca_file (the CA that signed the collector certificate)");
	}
	return 0;
}

int uplink_config_parse_group(const void *group, struct uplink_config *ret, char *err,
                              size_t errsize)
{
	const config_setting_t *g = group;
	struct uplink_config c;
	int r;

	uplink_config_init(&c);
	if (!config_setting_is_group(g))
		return fail(err, errsize, (int)config_setting_source_line(g),
		            "uplink must be a group: uplink = { ... };");
	r = parse_group(g, &c, err, errsize);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}
