/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Carrying a decision out in sysfs (through authorize.c, the only writer): the root hubs'
 * defaults, a device, its interfaces, and undoing what someone else changed. Every failure and
 * every tamper is reported (agent_report()) before these return. Private to the agent library.
 */
#pragma once

#include <stdbool.h>

#include "agent/daemon/agent_internal.h"

/*
 * Writes 0 to both defaults of root hub usbN and reads them back; records the bus as locked or
 * not. With report_tamper, a default found non-zero is reported as tamper. Returns 0 or
 * -EREMOTEIO when a default did not stick (reported as enforce_failed).
 */
int enforce_lock_bus(struct agent *a, unsigned busnum, bool report_tamper);

/*
 * A root hub (new, present at start, or one of its interfaces appeared): locks its bus, then makes
 * sure its own hub interface is authorized and bound to the hub driver (the kernel may configure
 * a hot-added controller's root hub after the bus was locked). report_tamper: a default found at
 * 1 is reported as tamper (not for a new root hub). Returns 0, or a negative errno
 * when the bus could not be locked (reported); interface failures are reported as
 * enforce_failed.
 */
int enforce_root_hub(struct agent *a, const struct usb_device_info *info, bool report_tamper);

/* Fail closed before anything is authorized: usbcore's default, then every root hub. */
int enforce_lock_all_buses(struct agent *a);

/*
 * Enforces the tracked decision t on the device and its existing interfaces (info: the device as
 * read, for events). May narrow t with interface strings. Returns 0 or a negative errno; the
 * device is left blocked if possible.
 */
int enforce_device(struct agent *a, struct tracked *t, const struct usb_device_info *info);

/* Brings every existing interface of the device (relative dir devdir) in line with t. */
int enforce_children(struct agent *a, const struct tracked *t, const char *devdir);

/*
 * Brings interface ifname in line with t. bound: a driver bound to it; tamper: the uevent says
 * someone else changed it (an allowed interface narrowed by someone is left alone).
 */
int enforce_iface(struct agent *a, const struct tracked *t, const char *devdir, const char *ifname,
                  bool bound, bool tamper);

/*
 * The device is tracked as blocked but was authorized by someone: resets it to 0 (read back).
 * Returns 1 when it had to be reset (reported as tamper), 0 when it read 0, or a negative errno.
 */
int enforce_reblock_device(struct agent *a, const struct tracked *t, const char *devdir);

/*
 * Re-reads the device with its interface strings and narrows t (strings never widen); a narrowed
 * decision is reported. Returns the number of interfaces newly blocked (0 in audit mode).
 */
int enforce_refine_with_strings(struct agent *a, struct tracked *t);

/* Reads authorized of every blocked interface of every authorized device; undoes a flip to 1. */
void enforce_recheck_blocked(struct agent *a);
