/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>

#include <systemd/sd-login.h>

#include "agent/daemon/seat.h"
#include "policy/base/strutil.h"

int seat_active_user(struct seat_cache *cache, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	uid_t uid;
	int r;

	r = sd_seat_get_active("seat0", NULL, &uid); /* reads /run/systemd/seats/seat0 */
	if (r < 0)
		return r == -ENOENT || r == -ENODATA ? -ENXIO : r;
	if (cache && cache->valid && cache->uid == uid)
		return str_copy(buf, size, cache->name);
	r = getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res);
	if (r != 0)
		return -r;
	if (!res)
		return -ESRCH;
	if (cache) {
		cache->valid = str_copy(cache->name, sizeof(cache->name), res->pw_name) >= 0;
		cache->uid = uid;
	}
	return str_copy(buf, size, res->pw_name);
}
