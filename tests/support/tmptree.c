/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tmptree.h"

#include <ftw.h>
#include <stdio.h>

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

void ts_rm_rf(const char *path)
{
	if (path)
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
