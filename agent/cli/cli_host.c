/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/cli_host.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"

void cli_host_read(struct cli_host *h, const char *host)
{
	_cleanup_(freep) char *mid = NULL;
	size_t n = 0, k = 0;

	if (host)
		snprintf(h->hostname, sizeof(h->hostname), "%s", host);
	else if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
		h->hostname[0] = 0;
	h->hostname[sizeof(h->hostname) - 1] = 0;
	h->machine_id[0] = 0;
	if (host || read_file_bounded("/etc/machine-id", 64, &mid, &n) < 0)
		return;
	for (size_t i = 0; i < n && k + 1 < sizeof(h->machine_id); i++)
		if (!isspace((unsigned char)mid[i]))
			h->machine_id[k++] = mid[i];
	h->machine_id[k] = 0;
}

void cli_host_env(const struct cli_host *h, int64_t now, struct policy_env *ret)
{
	*ret = (struct policy_env){
		.now = now,
		.hostname = h->hostname[0] ? h->hostname : NULL,
		.machine_id = h->machine_id[0] ? h->machine_id : NULL,
	};
}
