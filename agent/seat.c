/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>

#include <systemd/sd-login.h>

#include "agent/seat.h"
#include "common/strutil.h"

int seat_active_user(char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	uid_t uid;
	int r;

	r = sd_seat_get_active("seat0", NULL, &uid);
	if (r < 0)
		return r == -ENOENT || r == -ENODATA ? -ENXIO : r;
	r = getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res);
	if (r != 0)
		return -r;
	if (!res)
		return -ESRCH;
	return str_copy(buf, size, res->pw_name);
}
