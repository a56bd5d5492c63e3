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
#include "agent/uplink/uplink.h"

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
	};
	(void)str_copy(ret->protocol, sizeof(ret->protocol), "relp");
	(void)str_copy(ret->user, sizeof(ret->user), "portcullis");
}

static int fail(char *err, size_t errsize, const char *path, int line, const char *fmt, ...)
    _printf_(5, 6);
static int fail(char *err, size_t errsize, const char *path, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errsize)
		(void)snprintf(err, errsize, "%s:%d: %s", path, line, msg);
	return -EINVAL;
}

static int get_string(const config_setting_t *s, const char *path, char *dst, size_t size,
                      char *err, size_t errsize)
{
	const char *v = config_setting_get_string(s);
	int line = (int)config_setting_source_line(s);

	if (config_setting_type(s) != CONFIG_TYPE_STRING || !v)
		return fail(err, errsize, path, line, "%s must be a string",
		            config_setting_name(s));
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(err, errsize, path, line, "%s contains a control character",
			            config_setting_name(s));
	if (str_copy(dst, size, v) < 0)
		return fail(err, errsize, path, line, "%s is too long (at most %zu bytes)",
		            config_setting_name(s), size - 1);
	return 0;
}

/* Integers, or for sizes a string with an optional K/M/G suffix ("64M"): libconfig 1.5 silently
 * wraps decimal literals above 2^31 unless they carry an "L" suffix. */
static int get_u64(const config_setting_t *s, const char *path, bool size_suffix, uint64_t *ret,
                   char *err, size_t errsize)
{
	int line = (int)config_setting_source_line(s);
	const char *name = config_setting_name(s);

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long v = config_setting_get_int64(s);
		if (v < 0)
			return fail(err, errsize, path, line, "%s must not be negative", name);
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
			return fail(err, errsize, path, line,
			            "%s: \"%s\" is not a size (digits, optional K, M or G)", name,
			            v);
		*ret = (uint64_t)n << shift;
		return 0;
	}
	default:
		break;
	}
	return fail(err, errsize, path, line, "%s must be an integer%s", name,
	            size_suffix ? " or a size string such as \"64M\"" : "");
}

static int get_bool(const config_setting_t *s, const char *path, bool *ret, char *err,
                    size_t errsize)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(err, errsize, path, (int)config_setting_source_line(s),
		            "%s must be true or false", config_setting_name(s));
	*ret = config_setting_get_bool(s);
	return 0;
}

static bool is_abs_path(const char *p)
{
	return p[0] == '/';
}

static int parse_group(const config_setting_t *g, const char *path, struct uplink_config *c,
                       char *err, size_t errsize)
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
			return fail(err, errsize, path, line, "uplink must be a group of settings");
		if (!strcmp(name, "enabled"))
			r = get_bool(s, path, &c->enabled, err, errsize);
		else if (!strcmp(name, "tls"))
			r = get_bool(s, path, &c->tls, err, errsize);
		else if (!strcmp(name, "protocol")) {
			r = get_string(s, path, c->protocol, sizeof(c->protocol), err, errsize);
			if (r == 0 && strcmp(c->protocol, "relp") && strcmp(c->protocol, "syslog"))
				r = fail(err, errsize, path, line,
				         "protocol must be \"relp\" or \"syslog\", not \"%s\"",
				         c->protocol);
		} else if (!strcmp(name, "host"))
			r = get_string(s, path, c->host, sizeof(c->host), err, errsize);
		else if (!strcmp(name, "port")) {
			r = get_u64(s, path, false, &v, err, errsize);
			if (r == 0 && (v < 1 || v > 65535))
				r = fail(err, errsize, path, line, "port must be 1..65535");
			if (r == 0) {
				c->port = (uint16_t)v;
				port_set = true;
			}
		} else if (!strcmp(name, "ca_file"))
			r = get_string(s, path, c->ca_file, sizeof(c->ca_file), err, errsize);
		else if (!strcmp(name, "cert_file"))
			r = get_string(s, path, c->cert_file, sizeof(c->cert_file), err, errsize);
		else if (!strcmp(name, "key_file"))
			r = get_string(s, path, c->key_file, sizeof(c->key_file), err, errsize);
		else if (!strcmp(name, "server_name"))
			r = get_string(s, path, c->server_name, sizeof(c->server_name), err,
			               errsize);
		else if (!strcmp(name, "user")) {
			r = get_string(s, path, c->user, sizeof(c->user), err, errsize);
			if (r == 0 && c->user[0] == '\0')
				r = fail(err, errsize, path, line, "user must not be empty");
		} else if (!strcmp(name, "spool_max_bytes")) {
			r = get_u64(s, path, true, &v, err, errsize);
			if (r == 0 && (v < SPOOL_MIN_BYTES || v > SPOOL_MAX_BYTES))
				r = fail(err, errsize, path, line,
				         "spool_max_bytes must be 64K..1G, not %" PRIu64, v);
			if (r == 0)
				c->spool_max_bytes = v;
		} else if (!strcmp(name, "heartbeat_sec")) {
			r = get_u64(s, path, false, &v, err, errsize);
			if (r == 0 && v > HEARTBEAT_MAX)
				r = fail(err, errsize, path, line,
				         "heartbeat_sec must be 0 (off) .. %u", HEARTBEAT_MAX);
			if (r == 0)
				c->heartbeat_sec = (unsigned)v;
		} else
			r = fail(err, errsize, path, line, "unknown setting uplink.%s", name);
		if (r < 0)
			return r;
	}

	int line = (int)config_setting_source_line(g);
	if (!port_set)
		c->port = !strcmp(c->protocol, "relp") ? 2514 : (c->tls ? 6514 : 514);
	if (c->cert_file[0] && !c->key_file[0])
		return fail(err, errsize, path, line, "cert_file is set but key_file is not");
	if (c->key_file[0] && !c->cert_file[0])
		return fail(err, errsize, path, line, "key_file is set but cert_file is not");
	const char *files[] = { c->ca_file, c->cert_file, c->key_file };
	for (size_t i = 0; i < 3; i++)
		if (files[i][0] && !is_abs_path(files[i]))
			return fail(err, errsize, path, line, "%s is not an absolute path",
			            files[i]);
	if (c->enabled) {
		if (!c->host[0])
			return fail(err, errsize, path, line,
			            "uplink is enabled but host is not set");
		if (c->tls && !c->ca_file[0])
			return fail(
			    err, errsize, path, line,
			    "tls needs ca_file (the CA that signed the collector certificate)");
	}
	return 0;
}

/* The same rules as the agent's own reader: bounded, no NUL bytes (libconfig stops there), no
 * @include (libconfig would follow it). */
#define CONF_MAX_BYTES (64u * 1024u)

static int read_conf(const char *path, char **ret, char *err, size_t errsize)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int r = negative_errno();
		(void)fail(err, errsize, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	char *buf = malloc(CONF_MAX_BYTES + 2);
	if (!buf) {
		(void)fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, CONF_MAX_BYTES + 1, f);
	bool ioerr = ferror(f);
	(void)fclose(f);
	if (ioerr) {
		free(buf);
		(void)fail(err, errsize, path, 0, "read error");
		return -EIO;
	}
	if (n > CONF_MAX_BYTES) {
		free(buf);
		return fail(err, errsize, path, 0, "larger than %u bytes", CONF_MAX_BYTES);
	}
	buf[n] = '\0';
	int line = 1;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\0') {
			free(buf);
			return fail(err, errsize, path, line, "NUL byte in the file");
		}
		if (buf[i] == '\n')
			line++;
		else if (buf[i] == '@' &&
		         (i == 0 || buf[i - 1] == '\n' || buf[i - 1] == ' ' ||
		          buf[i - 1] == '\t') &&
		         !strncmp(buf + i, "@include", 8)) {
			free(buf);
			return fail(err, errsize, path, line, "@include is not allowed");
		}
	}
	*ret = buf;
	return 0;
}

int uplink_config_load(const char *path, struct uplink_config *ret, char *err, size_t errsize)
{
	config_t cfg;
	struct uplink_config c;
	char *text = NULL;
	int r;

	r = read_conf(path, &text, err, errsize);
	if (r < 0)
		return r;
	uplink_config_init(&c);
	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		r = fail(err, errsize, path, config_error_line(&cfg), "%s",
		         config_error_text(&cfg));
		goto out;
	}
	const config_setting_t *g = config_lookup(&cfg, "uplink");
	if (g) {
		if (!config_setting_is_group(g)) {
			r = fail(err, errsize, path, (int)config_setting_source_line(g),
			         "uplink must be a group: uplink = { ... };");
			goto out;
		}
		r = parse_group(g, path, &c, err, errsize);
		if (r < 0)
			goto out;
	}
	*ret = c;
	r = 0;
out:
	config_destroy(&cfg);
	free(text);
	return r;
}
