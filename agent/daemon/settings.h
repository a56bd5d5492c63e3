/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullisd.conf (libconfig), read once and parsed by one parser: the "agent" group here, the
 * "uplink" group by uplink_config_parse_group(); any other top-level name is refused. A missing
 * file means defaults.
 *
 *   agent = {
 *     policy_file = "/etc/portcullis/policy.conf";
 *     keys_dir = "/etc/portcullis/keys.d";
 *     state_dir = "/var/lib/portcullis";
 *     log_dir = "/var/log/portcullis";
 *     spool_dir = "/var/lib/portcullis/spool";
 *     mode_override = "audit";   # optional; forces audit mode whatever the policy says
 *     sysfs_root = "/sys";
 *     log_max_file_bytes = 8388608;  # incident log rotation: bytes per file (64 KiB..1 GiB)
 *     log_keep_files = 10;           # rotated files kept once acknowledged (1..200)
 *     log_max_keep_files = 40;       # hard limit; past it protected files go (events_lost)
 *     repeat_window_sec = 60;        # flood control window (0 = off, up to 86400)
 *     seal_interval_sec = 900;       # seal at least this often (60..900)
 *   };
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/uplink/uplink_config.h"

#define AGENT_CONF_MAX_BYTES (64u * 1024u)

struct agent_settings {
	char policy_file[PATH_MAX];
	char keys_dir[PATH_MAX];
	char state_dir[PATH_MAX];
	char log_dir[PATH_MAX];
	char spool_dir[PATH_MAX];
	char sysfs_root[PATH_MAX];
	bool force_audit;
	/* The "uplink" group. A bad uplink group does not refuse the file (enforcement does not
	 * depend on it): uplink_error says why ("line N: reason"), and upstream delivery is off. */
	struct uplink_config uplink;
	char uplink_error[256]; /* "" when the group is fine or absent */
	uint64_t log_max_file_bytes;
	uint64_t log_keep_files, log_max_keep_files;
	uint64_t repeat_window_sec; /* 0 = flood control off */
	uint64_t seal_interval_sec;
};

/* Compiled-in defaults (policy/base/paths.h). */
void agent_settings_defaults(struct agent_settings *s);

/*
 * Parses config text (len bytes, need not be NUL-terminated) over *s, which holds defaults.
 * Rejects what the raw-text guard refuses (policy/base/conftext.h: NUL bytes, @include, integers
 * libconfig would wrap), unknown top-level groups, unknown keys in "agent", wrong types, relative
 * paths, numbers out of range and unknown mode_override values. Returns 0, or -EBADMSG/-EFBIG
 * with "line N: reason" in err (*s untouched).
 */
int agent_settings_parse(const char *buf, size_t len, struct agent_settings *s, char *err,
                         size_t errsize);

/*
 * Reads path once (read_file_trusted(): no symlink, capped, unchanged while read; missing =
 * defaults kept, returns 0) and parses it. With check_owner the file must be owned by root and not
 * group- or world-writable (-EPERM otherwise): it can switch enforcement to audit. On failure err
 * says why (without the path).
 */
int agent_settings_load(const char *path, bool check_owner, struct agent_settings *s, char *err,
                        size_t errsize);
