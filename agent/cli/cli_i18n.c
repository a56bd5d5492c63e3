/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>

#include "agent/cli/cli_i18n.h"
#include "paths.h"

void cli_i18n_init(void)
{
	static bool done;
	const char *dir = secure_getenv("PORTCULLIS_LOCALEDIR");

	if (done)
		return;
	done = true;
	(void)setlocale(LC_ALL, "");
	(void)bindtextdomain("portcullis", dir && *dir ? dir : PORTCULLIS_LOCALEDIR);
	(void)bind_textdomain_codeset("portcullis", "UTF-8");
	(void)textdomain("portcullis");
}
