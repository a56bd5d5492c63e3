/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portcullisd.conf, group "agent" (see settings.h). This file uses _cleanup_ only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "agent/daemon/settings.h"
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
}

static void config_destroyp(config_t **c)
{
	if (*c)
		config_destroy(*c);
}

int agent_settings_parse(const char *buf, size_t len, struct agent_settings *s, char *err,
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
	_cleanup_(freep) char *text = NULL;
	_cleanup_(config_destroyp) config_t *c = NULL;
	config_t cfg;
	config_setting_t *grp;
	struct agent_settings n = *s;

	if (len > AGENT_CONF_MAX_BYTES) {
		(void)snprintf(err, errsize, "larger than %u bytes", AGENT_CONF_MAX_BYTES);
		return -EFBIG;
	}
	if (memchr(buf, '\0', len)) {
		(void)snprintf(err, errsize, "contains a NUL byte");
		return -EBADMSG;
	}
	text = strndup(buf, len);
	if (!text)
		return -ENOMEM;
	/* libconfig would follow includes; the agent reads exactly one file. */
	if (strstr(text, "@include")) {
		(void)snprintf(err, errsize, "@include is not supported");
		return -EBADMSG;
	}
	config_init(&cfg);
	c = &cfg;
	if (!config_read_string(c, text)) {
		(void)snprintf(err, errsize, "line %d: %s", config_error_line(c),
		               config_error_text(c));
		return -EBADMSG;
	}
	grp = config_lookup(c, "agent");
	if (!grp)
		return 0;
	if (!config_setting_is_group(grp)) {
		(void)snprintf(err, errsize, "line %d: \"agent\" must be a group",
		               config_setting_source_line(grp));
		return -EBADMSG;
	}
	for (int i = 0; i < config_setting_length(grp); i++) {
		config_setting_t *e = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(e), *v;
		size_t k;

		v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e)
		                                                 : NULL;
		if (!v) {
			(void)snprintf(err, errsize, "line %d: agent.%s must be a string",
			               config_setting_source_line(e), name);
			return -EBADMSG;
		}
		if (!strcmp(name, "mode_override")) {
			if (!strcmp(v, "audit"))
				n.force_audit = true;
			else if (!strcmp(v, "") || !strcmp(v, "none") || !strcmp(v, "enforce"))
				n.force_audit = false; /* the policy's own mode */
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
		if (v[0] != '/' || str_copy((char *)&n + paths[k].off, PATH_MAX, v) < 0) {
			(void)snprintf(err, errsize, "line %d: agent.%s must be an absolute path",
			               config_setting_source_line(e), name);
			return -EBADMSG;
		}
	}
	*s = n;
	return 0;
}

int agent_settings_load(const char *path, bool check_owner, struct agent_settings *s, char *err,
                        size_t errsize)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return 0;
		(void)snprintf(err, errsize, "%s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = negative_errno();
		(void)snprintf(err, errsize, "%s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errsize, "not a regular file");
		return -EINVAL;
	}
	/* It can turn enforcement into audit, move the policy, keys and sysfs root: trust it only
	 * as much as the policy's own files (policy_store.c). */
	if (check_owner && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		(void)snprintf(err, errsize,
		               "refused: must be owned by root and not group- or world-writable "
		               "(uid %u, mode %04o)",
		               (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	buf = malloc(AGENT_CONF_MAX_BYTES + 1);
	if (!buf)
		return -ENOMEM;
	while (len <= AGENT_CONF_MAX_BYTES) {
		ssize_t n = read(fd, buf + len, AGENT_CONF_MAX_BYTES + 1 - len);
		if (n < 0) {
			r = negative_errno();
			if (r == -EINTR)
				continue;
			(void)snprintf(err, errsize, "%s", strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return agent_settings_parse(buf, len, s, err, errsize);
}
