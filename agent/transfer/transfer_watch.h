/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transfer accounting, the shell: one session per allowed device that carries data, from its
 * decision until it is removed, deauthorized or the agent stops. For mass storage it samples the
 * disk's block-layer counters (/sys/block/<disk>/stat; partitions belong to their disk) every
 * TRANSFER_SAMPLE_USEC while such a device is attached, and keeps read-only storage read-only
 * (BLKROSET, re-set and reported when cleared). It has no timer at all while no session exists.
 *
 * Events go out through the callbacks: EVENT_TRANSFER at session end and every report interval,
 * For phones and other non-block data devices it reads the kernel's USB monitor (/dev/usbmonN,
 * binary interface) of that device's bus only, only while such a device is attached: bulk bytes
 * both ways, and for MTP/PTP the names of the objects sent to the device.
 *
 * EVENT_TRANSFER_ALERT when a copy limit is crossed (then, for action "block", cut_off()), and
 * EVENT_TAMPER when a read-only flag was cleared.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "agent/events/event.h"
#include "policy/device/usb_device.h"
#include "policy/lang/policy.h"

#define TRANSFER_SAMPLE_USEC (250u * 1000u)
/* ... and this often while a "block" copy limit is armed on a stick. */
#define TRANSFER_CUT_SAMPLE_USEC (20u * 1000u)
#define TRANSFER_REPORT_USEC     (600ull * 1000000u)

struct transfer_watch;

struct transfer_watch_config {
	sd_event *event;
	const char *sysfs_root; /* "/sys" */
	const char *dev_root;   /* "/dev" */
	const char *ro_dir;     /* markers for the udev helper, e.g. /run/portcullis/read-only */
	const char *live_path;  /* live counters for "portcullis devices"; NULL = none */
	uint64_t sample_usec;   /* 0 = TRANSFER_SAMPLE_USEC */
	uint64_t report_usec;   /* 0 = TRANSFER_REPORT_USEC */
	void *userdata;
	/* An event about a device (dev is the one given at session start; rep may be NULL). */
	void (*emit)(void *userdata, enum event_type type, const struct usb_device_info *dev,
	             const struct transfer_report *rep, const char *message);
	/* Deauthorize the device now (a copy limit with action "block"); why is for the record,
	 * dev the device as it was decided (valid until the callback ends the session). */
	void (*cut_off)(void *userdata, const char *busid, const struct usb_device_info *dev,
	                const char *why);
};

/* What a device's decision means for accounting. */
struct transfer_plan {
	bool storage;    /* an allowed mass-storage interface: count block I/O */
	bool read_only;  /* keep every block device of it read-only */
	bool other_data; /* allowed data interfaces that are not block devices (MTP, ADB, ...) */
	bool mtp;        /* among them MTP or PTP: object names from SendObjectInfo */
	bool audit;      /* audit mode: a limit with action "block" only alerts */
	const struct transfer_limit *limit; /* copied; NULL = none */
};

int transfer_watch_new(const struct transfer_watch_config *cfg, struct transfer_watch **ret);
/* Frees without events (transfer_watch_stop() first to report). NULL-safe. */
struct transfer_watch *transfer_watch_free(struct transfer_watch *w);

/*
 * Before a read-only interface is authorized: leave the marker that the udev helper
 * (portcullis-blockro) finds in the block device's own udev event. 0 or a negative errno (then
 * the interface must stay blocked).
 */
int transfer_watch_prepare_read_only(struct transfer_watch *w, const char *busid, bool on);

/*
 * A device was decided (and enforced). Starts a session, or updates the plan of the running one;
 * a plan with nothing to account ends it ("deauthorized"). in_session_since_boot: the device was
 * attached before the agent started (its counters so far are not counted). Returns 0 or -ENOMEM.
 */
int transfer_watch_device(struct transfer_watch *w, const struct usb_device_info *dev,
                          const struct transfer_plan *plan, bool present_at_start);

/* The device is gone or deauthorized: a last sample (if it can still be read), then the report. */
void transfer_watch_end(struct transfer_watch *w, const char *busid, const char *end);

/* A kernel uevent of the block subsystem (add/remove/change of a disk or partition). */
void transfer_watch_block_uevent(struct transfer_watch *w, const char *action, const char *syspath,
                                 const char *devname, const char *devtype);

/* Agent stopping: every session ends with its report ("agent stopping"). */
void transfer_watch_stop(struct transfer_watch *w);

/* Live counters for status: number of sessions; the i-th one's figures (false past the end). */
size_t transfer_watch_count(const struct transfer_watch *w);
bool transfer_watch_get(const struct transfer_watch *w, size_t i, const char **ret_busid,
                        uint64_t *ret_to, uint64_t *ret_from, uint64_t *ret_files,
                        int64_t *ret_started_usec);
