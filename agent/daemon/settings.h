/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "agent" group of portcullisd.conf (libconfig). Other groups ("uplink") belong to other
 * readers and are ignored here. A missing file means defaults.
 *
 *   agent = {
 *     policy_file = "/etc/portcullis/policy.conf";
 *     keys_dir = "/etc/portcullis/keys.d";
 *     state_dir = "/var/lib/portcullis";
 *     log_dir = "/var/log/portcullis";
 *     spool_dir = "/var/lib/portcullis/spool";
 *     mode_override = "audit";   # optional; forces audit mode whatever the policy says
 *     sysfs_root = "/sys";
 *   };
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define AGENT_CONF_MAX_BYTES (64u * 1024u)

struct agent_settings {
	char policy_file[PATH_MAX];
	char keys_dir[PATH_MAX];
	char state_dir[PATH_MAX];
	char log_dir[PATH_MAX];
	char spool_dir[PATH_MAX];
	char sysfs_root[PATH_MAX];
	bool force_audit;
};

/* Compiled-in defaults (policy/base/paths.h). */
void agent_settings_defaults(struct agent_settings *s);

/*
 * Parses config text (len bytes, need not be NUL-terminated) over *s, which holds defaults.
 * Rejects NUL bytes, @include, unknown keys in "agent", wrong types, relative paths and unknown
 * mode_override values. Returns 0, or -EBADMSG/-EFBIG with "line N: reason" in err.
 */
int agent_settings_parse(const char *buf, size_t len, struct agent_settings *s, char *err,
                         size_t errsize);

/*
 * Reads path (missing = defaults kept, returns 0) and parses it. With check_owner the file must be
 * owned by root and not group- or world-writable (-EPERM otherwise): it can switch enforcement to
 * audit. On failure err says why (without the path).
 */
int agent_settings_load(const char *path, bool check_owner, struct agent_settings *s, char *err,
                        size_t errsize);
