/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface classification: class triples (of every alternate setting and of the interface
 * association), endpoint shape, interface strings, Microsoft OS compatible IDs and the MTP
 * database hint. Strings and tables only ever ADD kinds, never remove one. Pure code.
 */
#pragma once

#include <stdbool.h>

#include "policy/device/usb_device.h"

/* Fills kinds/kind of every interface and dev->kinds. Needs usb_device_set_descriptors() first. */
void classify_device(struct usb_device_info *dev);

/* Kinds for one alternate setting on its own (no hints). Exposed for tests and the CLI. */
usb_kind_mask classify_alt(const struct usb_iface_alt *alt);

/*
 * Whether the descriptors alone leave a vendor-specific interface ambiguous, so that endpoint-0
 * hints (interface strings, Microsoft OS compat IDs, read from the device before it is
 * configured) should be asked for: the device parsed, no MTP database hit, and an interface with
 * a vendor-class (ff) alternate setting that classified as "other" only and has no hint yet.
 * Pure; call after classify_device().
 */
bool classify_wants_ep0_hints(const struct usb_device_info *dev);
