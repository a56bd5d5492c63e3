/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operator-facing status file <run_dir>/last-refusal: one small JSON object saying which
 * device was refused last and why, in plain words ("portcullis devices" shows it too).
 */
#pragma once

#include <stdint.h>

#include "core/usb_device.h"
#include "policy/policy.h"

/*
 * Formats the plain-words reason for a (partly) refused device into buf, e.g.
 * "mass-storage interface blocked by rule 'no-storage'". Pure.
 */
void status_refusal_reason(const struct usb_device_info *dev, const struct decision *dec, char *buf,
                           size_t size);

/*
 * Writes dir/last-refusal atomically (temporary file + rename, mode 0644). now is Unix seconds.
 * Returns 0 or a negative errno.
 */
int status_write_last_refusal(const char *dir, const struct usb_device_info *dev,
                              const struct decision *dec, int64_t now);
