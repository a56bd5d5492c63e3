/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's status file <run_dir>/last-refusal (written by agent/status.c) as seen by the
 * people at the terminal: "portcullis status" and the session notifier "portcullis notify".
 *
 * Format (one JSON object, every value a string, written atomically by the agent):
 *   {"time":"2026-11-23T15:00:00Z","device":"1-2","id":"0781:5567","manufacturer":"SanDisk",
 *    "product":"Cruzer Blade","verdict":"block","reason":"mass-storage blocked by rule 'x'"}
 * The agent escapes quotes, backslashes, controls and every byte >= 0x7f as \u00XX; the strings
 * are still untrusted (they came from the device or the policy) and are escaped again on output.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Bigger files are refused unread: the agent's largest record is about 7 KiB. */
#define REFUSAL_MAX_BYTES 16384u

struct refusal {
	char time[32];          /* "2026-11-23T15:00:00Z" (or Unix seconds) */
	char device[32];        /* bus id, "1-2.3" */
	char id[16];            /* "0781:5567" */
	char manufacturer[256]; /* raw bytes, may be "" */
	char product[256];      /* raw bytes, may be "" */
	char verdict[16];       /* "block" | "partial" */
	char reason[512];       /* plain words from the agent, raw bytes */
};

/*
 * Parses the file's bytes (need not be NUL-terminated). Pure. Rejects: more than
 * REFUSAL_MAX_BYTES, not one JSON object, a non-string value, a missing or over-long field,
 * NUL inside a string, an unknown verdict. Unknown keys are ignored (newer agents).
 * Returns 0 and fills *ret, or -EFBIG / -EBADMSG and a reason in reterr (size errsize).
 */
int refusal_parse(const char *buf, size_t len, struct refusal *ret, char *reterr, size_t errsize);

/*
 * The plain-words sentence for people, every untrusted byte escaped (printable ASCII only):
 *   "USB device 'SanDisk Cruzer Blade' (0781:5567) on port 1-2 was blocked: mass storage is not
 *    allowed on this workstation (rule: no-storage). Ask IT if you need it."
 * Pure; always NUL-terminates (size > 0), truncates at size.
 */
void refusal_format_message(const struct refusal *r, char *buf, size_t size);

/* Escapes '&', '<' and '>' for a notification body (the server may render markup). Pure. */
void refusal_markup_escape(const char *src, char *buf, size_t size);

/*
 * Reads dirfd/name (the shell part): never follows a symlink (O_NOFOLLOW), accepts only a
 * regular file owned by root or by the caller, of at most REFUSAL_MAX_BYTES, then parses it.
 * Returns 0 and fills *ret; -ENOENT when there is none; another negative errno with a reason in
 * reterr (-ELOOP symlink, -EFTYPE-like -EINVAL not a regular file, -EPERM foreign owner,
 * -EFBIG too large, -EBADMSG malformed). ret_key (may be NULL) gets an identity of this version
 * of the file (inode and modification time) so a watcher can tell a new refusal from an old one.
 */
struct refusal_key {
	dev_t dev;
	ino_t ino;
	long long mtime_ns;
};
int refusal_read_at(int dirfd, const char *name, struct refusal *ret, struct refusal_key *ret_key,
                    char *reterr, size_t errsize);
