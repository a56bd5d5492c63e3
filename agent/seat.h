/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who sits at the machine: the user of the active session on seat0 (logind). */
#pragma once

#include <stddef.h>

/* Writes the user name to buf. Returns 0, -ENXIO when nobody is logged in at seat0, or < 0. */
int seat_active_user(char *buf, size_t size);
