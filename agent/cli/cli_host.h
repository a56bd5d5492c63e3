/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This host as the CLI sees it: its name and machine id, for hosts lists and rule windows. */
#pragma once

#include <stdint.h>

#include "policy/lang/policy.h"

struct cli_host {
	char hostname[256];  /* "" when unknown */
	char machine_id[64]; /* /etc/machine-id without whitespace; "" when unknown */
};

/* Reads gethostname() and /etc/machine-id; with host set, uses that name and no machine id. */
void cli_host_read(struct cli_host *h, const char *host);

/* The evaluation environment at now for this host (strings borrowed from h). */
void cli_host_env(const struct cli_host *h, int64_t now, struct policy_env *ret);
