/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who sits at the machine: the user of the active session on seat0 (logind). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The last uid resolved to a name: the name lookup (NSS, maybe LDAP) is done once per user, not
 * once per event, because events are emitted from the enforcement loop. */
struct seat_cache {
	bool valid;
	uid_t uid;
	char name[64];
};

/*
 * Writes the user name of seat0's active session to buf. cache may be NULL (no caching).
 * Returns 0, -ENXIO when nobody is logged in at seat0, or < 0.
 */
int seat_active_user(struct seat_cache *cache, char *buf, size_t size);
