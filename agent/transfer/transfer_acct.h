/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transfer accounting, the pure part: what moved to and from one allowed device during one attach
 * session. No clock (times are passed in, CLOCK_MONOTONIC microseconds), no I/O, no allocation
 * except the capped file list. The shell (transfer_watch.c) samples the block layer's counters,
 * fanotify and the USB monitor and feeds the numbers here.
 *
 *   counters:  raw kernel counters → deltas (wrap of a 32-bit counter; a counter that went back
 *              is a new device, e.g. the disk was replaced mid-session, and counts from zero)
 *   window:    a sliding window of 60 slices for the copy limit (transfer_alert)
 *   files:     the first TRANSFER_FILES_MAX files of a session by name and size, then a count
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/lang/policy.h"

#define TRANSFER_SLICES    60 /* a window is 60 slices; the ring keeps one more (see sum) */
#define TRANSFER_RING      (TRANSFER_SLICES + 1)
#define TRANSFER_FILES_MAX 1000u
#define TRANSFER_NAME_MAX  512u /* bytes of a file name kept (longer names are cut, "...") */

/* One raw kernel counter (e.g. sectors written of one disk). */
struct transfer_counter {
	uint64_t last;
	unsigned width; /* bits: 32 or 64 */
};

/* Starts counting at baseline (the value already counted, or 0 for a device born in session). */
void transfer_counter_init(struct transfer_counter *c, unsigned width, uint64_t baseline);
/*
 * The increase since the last reading. raw < last: if last was in the upper half of the counter's
 * range it wrapped (delta across the wrap), else the counter restarted (a new device under the same
 * name) and raw is all new.
 */
uint64_t transfer_counter_update(struct transfer_counter *c, uint64_t raw);

struct transfer_window {
	uint64_t slice_usec;
	int64_t head; /* slice number of the newest slice, -1 = empty */
	uint64_t bytes[TRANSFER_RING];
	uint64_t files[TRANSFER_RING];
};

void transfer_window_init(struct transfer_window *w, uint32_t window_sec);
/* Adds what moved at time now (usec, non-decreasing; an earlier time counts in the newest slice).
 */
void transfer_window_add(struct transfer_window *w, int64_t now_usec, uint64_t bytes,
                         uint64_t files);
/* Bytes and files within the window ending at now: every slice that overlaps it (so a limit can
 * trip up to one slice early, never late). */
void transfer_window_sum(const struct transfer_window *w, int64_t now_usec, uint64_t *ret_bytes,
                         uint64_t *ret_files);

struct transfer_file {
	char *name; /* owned */
	uint64_t bytes;
};

struct transfer_files {
	struct transfer_file *v;
	size_t n, cap;
	uint64_t omitted; /* files past the cap (or not kept for lack of memory) */
	uint64_t listed;  /* files ever listed this session (the cap is per session) */
};

/* Adds one file (name of len bytes, need not be terminated; cut at TRANSFER_NAME_MAX). Past the
 * per-session cap, or out of memory, it is counted in omitted. Never fails. */
void transfer_files_add(struct transfer_files *f, const char *name, size_t len, uint64_t bytes);
/* Forgets the listed files (after a report), keeping the session's cap; omitted is reset too. */
void transfer_files_clear(struct transfer_files *f);
void transfer_files_done(struct transfer_files *f);

/* A copy limit's state: crossed once, reported once, re-armed when the window drops below. */
struct transfer_limit_state {
	bool tripped;
};

/*
 * Whether the limit is newly crossed at now: window sums at or over bytes or files. Returns true
 * once per crossing (and marks it), false while it stays crossed or below.
 */
bool transfer_limit_check(const struct transfer_limit *l, struct transfer_limit_state *st,
                          uint64_t window_bytes, uint64_t window_files);

/* Plain words: "1.2 GB" (decimal units, one decimal under 10) into buf. Returns buf. */
char *transfer_format_bytes(uint64_t bytes, char *buf, size_t size);
/* "3,412": thousands separated by commas. Returns buf. */
char *transfer_format_count(uint64_t n, char *buf, size_t size);
/* "4 min", "35 s", "2 h 5 min" into buf. Returns buf. */
char *transfer_format_duration(int64_t usec, char *buf, size_t size);

/*
 * The text of /sys/block/<disk>/stat (Documentation/block/stat.rst): field 3 sectors read, field 7
 * sectors written, 512-byte units whatever the disk's logical block size. Returns 0 or -EINVAL.
 */
int transfer_parse_block_stat(const char *buf, size_t len, uint64_t *ret_read_sectors,
                              uint64_t *ret_written_sectors);

/*
 * The USB device ("2-1.3") a block device belongs to, from its sysfs device path
 * (".../usb2/2-1/2-1.3/2-1.3:1.0/host0/.../block/sda/sda1"): the part before ':' of the last
 * interface component. Returns 0, -ENOENT (not on USB) or -ENAMETOOLONG.
 */
int transfer_busid_from_devpath(const char *devpath, char *buf, size_t size);

/*
 * One line of /proc/self/mountinfo ("36 35 8:1 / /media/stick rw,... - vfat /dev/sda1 rw,..."):
 * the device number of the mounted filesystem and its mount point, octal escapes (\040) undone.
 * Returns 0, -EINVAL (malformed) or -ENAMETOOLONG (mount point longer than mnt_size - 1).
 */
int transfer_parse_mountinfo_line(const char *line, size_t len, unsigned *ret_major,
                                  unsigned *ret_minor, char *mnt, size_t mnt_size);

/*
 * The live counters of one attached device, one line of <run_dir>/transfers (written by the
 * agent, read by "portcullis devices"): "BUSID TO FROM FILES STARTED_USEC RO\n".
 */
struct transfer_live {
	char busid[32];
	uint64_t to, from, files;
	int64_t started_usec; /* CLOCK_REALTIME */
	bool read_only;
};

/* The line for l into buf (terminated). Returns its length, or -ENOBUFS. */
int transfer_live_format(const struct transfer_live *l, char *buf, size_t size);
/* One line (need not be terminated; a trailing newline is fine). 0 or -EINVAL. */
int transfer_live_parse(const char *line, size_t len, struct transfer_live *ret);
