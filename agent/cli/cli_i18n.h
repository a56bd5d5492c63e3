/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operator's language: gettext for what operators read (the refusal notice, "portcullis
 * status", "portcullis exception"). Catalogs in po/ (Japanese shipped), English the fallback.
 */
#pragma once

#include <libintl.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") and the "portcullis" text domain (PORTCULLIS_LOCALEDIR, or the
 * PORTCULLIS_LOCALEDIR environment variable for tests and uninstalled builds). Idempotent. */
void cli_i18n_init(void);
