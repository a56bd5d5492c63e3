/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portcullisd.conf: read once, one parser (see settings.h). This file uses _cleanup_ only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "agent/daemon/settings.h"
#include "policy/base/conftext.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "paths.h"

void agent_settings_defaults(struct agent_settings *s)
{
	memset(s, 0, sizeof(*s));
	(void)str_copy(s->policy_file, sizeof(s->policy_file), PORTCULLIS_POLICY_FILE);
	(void)str_copy(s->keys_dir, sizeof(s->keys_dir), PORTCULLIS_KEYS_DIR);
	(void)str_copy(s->state_dir, sizeof(s->state_dir), PORTCULLIS_STATE_DIR);
	(void)str_copy(s->log_dir, sizeof(s->log_dir), PORTCULLIS_LOG_DIR);
	(void)str_copy(s->spool_dir, sizeof(s->spool_dir), PORTCULLIS_STATE_DIR "/spool");
	(void)str_copy(s->sysfs_root, sizeof(s->sysfs_root), PORTCULLIS_SYSFS_ROOT);
	uplink_config_init(&s->uplink);
	s->log_max_file_bytes = 8u * 1024u * 1024u;
	s->log_keep_files = 10;
	s->log_max_keep_files = 40;
	s->repeat_window_sec = 60;
	s->seal_interval_sec = 900;
}

/* The integer keys of "agent" and their ranges. */
static const struct {
	const char *key;
	size_t off;
	uint64_t min, max;
} numbers[] = {
	{ "log_max_file_bytes", offsetof(struct agent_settings, log_max_file_bytes), 65536,
	  1024u * 1024u * 1024u },
	{ "log_keep_files", offsetof(struct agent_settings, log_keep_files), 1, 200 },
	{ "log_max_keep_files", offsetof(struct agent_settings, log_max_keep_files), 1, 800 },
	{ "repeat_window_sec", offsetof(struct agent_settings, repeat_window_sec), 0, 86400 },
	{ "seal_interval_sec", offsetof(struct agent_settings, seal_interval_sec), 60, 900 },
};

/* 1 when e is one of the integer keys (stored in n), 0 when not, < 0 with err on a bad value. */
static int parse_number(config_setting_t *e, const char *name, struct agent_settings *n, char *err,
                        size_t errsize)
{
	for (size_t k = 0; k < ARRAY_SIZE(numbers); k++) {
		if (strcmp(name, numbers[k].key) != 0)
			continue;
		int t = config_setting_type(e);
		long long v = t == CONFIG_TYPE_INT     ? config_setting_get_int(e)
		              : t == CONFIG_TYPE_INT64 ? config_setting_get_int64(e)
		                                       : -1;
		if ((t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) || v < 0 ||
		    (uint64_t)v < numbers[k].min || (uint64_t)v > numbers[k].max) {
			(void)snprintf(
			    err, errsize, "line %d: agent.%s must be an integer from %llu to %llu",
			    config_setting_source_line(e), name, (unsigned long long)numbers[k].min,
			    (unsigned long long)numbers[k].max);
			return -EBADMSG;
		}
		*(uint64_t *)((char *)n + numbers[k].off) = (uint64_t)v;
		return 1;
	}
	return 0;
}

static void config_destroyp(config_t **c)
{
	if (*c)
		config_destroy(*c);
}

static int parse_agent_group(config_setting_t *grp, struct agent_settings *n, char *err,
                             size_t errsize)
{
	static const struct {
		const char *key;
		size_t off;
	} paths[] = {
		{ "policy_file", offsetof(struct agent_settings, policy_file) },
		{ "keys_dir", offsetof(struct agent_settings, keys_dir) },
		{ "state_dir", offsetof(struct agent_settings, state_dir) },
		{ "log_dir", offsetof(struct agent_settings, log_dir) },
		{ "spool_dir", offsetof(struct agent_settings, spool_dir) },
		{ "sysfs_root", offsetof(struct agent_settings, sysfs_root) },
	};

	if (!config_setting_is_group(grp)) {
		(void)snprintf(err, errsize, "line %d: \"agent\" must be a group",
		               config_setting_source_line(grp));
		return -EBADMSG;
	}
	for (int i = 0; i < config_setting_length(grp); i++) {
		config_setting_t *e = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(e), *v;
		size_t k;
		int r = parse_number(e, name, n, err, errsize);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e)
		                                                 : NULL;
		if (!v) {
			(void)snprintf(err, errsize, "line %d: agent.%s must be a string",
			               config_setting_source_line(e), name);
			return -EBADMSG;
		}
		if (!strcmp(name, "mode_override")) {
			if (!strcmp(v, "audit"))
				n->force_audit = true;
			else if (!strcmp(v, "") || !strcmp(v, "none") || !strcmp(v, "enforce"))
				n->force_audit = false; /* the policy's own mode */
			else {
				(void)snprintf(
				    err, errsize,
				    "line %d: agent.mode_override must be \"audit\" or \"\"",
				    config_setting_source_line(e));
				return -EBADMSG;
			}
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(paths); k++)
			if (!strcmp(name, paths[k].key))
				break;
		if (k == ARRAY_SIZE(paths)) {
			(void)snprintf(err, errsize, "line %d: unknown key agent.%s",
			               config_setting_source_line(e), name);
			return -EBADMSG;
		}
		if (v[0] != '/' || str_copy((char *)n + paths[k].off, PATH_MAX, v) < 0) {
			(void)snprintf(err, errsize, "line %d: agent.%s must be an absolute path",
			               config_setting_source_line(e), name);
			return -EBADMSG;
		}
	}
	if (n->log_max_keep_files < n->log_keep_files) {
		(void)snprintf(err, errsize,
		               "agent.log_max_keep_files (%llu) is below "
		               "agent.log_keep_files (%llu)",
		               (unsigned long long)n->log_max_keep_files,
		               (unsigned long long)n->log_keep_files);
		return -EBADMSG;
	}
	return 0;
}

int agent_settings_parse(const char *buf, size_t len, struct agent_settings *s, char *err,
                         size_t errsize)
{
	_cleanup_(freep) char *text = NULL;
	_cleanup_(config_destroyp) config_t *c = NULL;
	struct conftext_error te;
	config_t cfg;
	config_setting_t *root;
	struct agent_settings n = *s;
	int r;

	if (len > AGENT_CONF_MAX_BYTES) {
		(void)snprintf(err, errsize, "larger than %u bytes", AGENT_CONF_MAX_BYTES);
		return -EFBIG;
	}
	r = conftext_check(buf, len, "portcullisd.conf", &te);
	if (r < 0) {
		(void)snprintf(err, errsize, "line %d: %s", te.line, te.reason);
		return r;
	}
	text = strndup(buf ? buf : "", len);
	if (!text)
		return -ENOMEM;
	config_init(&cfg);
	c = &cfg;
	config_set_include_dir(c, "/dev/null"); /* a second barrier: no path under it opens */
	if (!config_read_string(c, text)) {
		(void)snprintf(err, errsize, "line %d: %s", config_error_line(c),
		               config_error_text(c));
		return -EBADMSG;
	}
	root = config_root_setting(c);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(g);

		if (!strcmp(name, "agent")) {
			r = parse_agent_group(g, &n, err, errsize);
			if (r < 0)
				return r;
		} else if (!strcmp(name, "uplink")) {
			n.uplink_error[0] = '\0';
			if (uplink_config_parse_group(g, &n.uplink, n.uplink_error,
			                              sizeof(n.uplink_error)) < 0)
				uplink_config_init(&n.uplink);
		} else {
			(void)snprintf(err, errsize,
			               "line %d: unknown group \"%s\" (the file has \"agent\" and "
			               "\"uplink\")",
			               config_setting_source_line(g), name);
			return -EBADMSG;
		}
	}
	*s = n;
	return 0;
}

int agent_settings_load(const char *path, bool check_owner, struct agent_settings *s, char *err,
                        size_t errsize)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0;
	int r;

	/* It can turn enforcement into audit, move the policy, keys and sysfs root: trust it only
	 * as much as the policy's own files (policy_store.c). */
	r = read_file_trusted(NULL, AT_FDCWD, path, AGENT_CONF_MAX_BYTES,
	                      FILEIO_NOFOLLOW |
	                          (check_owner ? FILEIO_ROOT_OWNED | FILEIO_NO_GW : 0u),
	                      &buf, &len, err, errsize);
	if (r == -ENOENT)
		return 0;
	if (r == -EACCES)
		return -EPERM; /* one code for "not trusted" (settings.h) */
	if (r < 0)
		return r;
	return agent_settings_parse(buf, len, s, err, errsize);
}
