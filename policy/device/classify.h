/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface classification: class triples (of every alternate setting and of the interface
 * association), endpoint shape, interface strings, Microsoft OS compatible IDs and the MTP
 * database hint. Strings and tables only ever ADD kinds, never remove one. Pure code.
 */
#pragma once

#include "policy/device/usb_device.h"

/* Fills kinds/kind of every interface and dev->kinds. Needs usb_device_set_descriptors() first. */
void classify_device(struct usb_device_info *dev);

/* Kinds for one alternate setting on its own (no hints). Exposed for tests and the CLI. */
usb_kind_mask classify_alt(const struct usb_iface_alt *alt);
