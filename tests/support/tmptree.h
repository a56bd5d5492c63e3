/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Temporary trees of the tests on real files: one way to remove them. */
#pragma once

/* Removes path and everything under it, without following symlinks. Best effort: a leftover
 * temporary directory is not a test failure. NULL-safe. */
void ts_rm_rf(const char *path);
