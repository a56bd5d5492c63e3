/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's status files in <run_dir> (written by agent/status.c) as seen by the people at the
 * terminal: "portcullis status" and the session notifier "portcullis notify". last-refusal and
 * refusals (the same records as JSON lines, newest last, at most 10) are described here; status
 * (the policy in force and the mode) further down.
 *
 * Format (one JSON object, every value a string, written atomically by the agent):
 *   {"time":"2026-11-23T15:00:00Z","device":"1-2","id":"0781:5567","manufacturer":"SanDisk",
 *    "product":"Cruzer Blade","verdict":"block","reason":"mass-storage blocked by rule 'x'"}
 * The agent escapes quotes, backslashes, controls and every byte >= 0x7f as \u00XX; the strings
 * are still untrusted (they came from the device or the policy) and are escaped again on output.
 */
#pragma once

#include <stdbool.h>
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
	char contact[704];      /* the policy's "ask IT" contact, "name, phone, url"; "" if none */
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

/* ---- <run_dir>/refusals ---------------------------------------------------------------------- */

/* Bigger files are refused unread: the agent keeps 10 records of at most about 7 KiB. */
#define REFUSAL_LIST_MAX_BYTES (16u * 8192u)
#define REFUSAL_LIST_MAX       10

/*
 * Parses the refusals file: one record per line (each as refusal_parse() wants it), newest last.
 * Fills ret[0..] newest first with at most max records (older ones are dropped). Pure. Rejects
 * more than REFUSAL_LIST_MAX_BYTES, NUL bytes, an unterminated last line and any bad record
 * (reterr says which line and why). Returns the number of records (0 for an empty file) or
 * -EFBIG / -EBADMSG.
 */
int refusal_list_parse(const char *buf, size_t len, struct refusal *ret, size_t max, char *reterr,
                       size_t errsize);

/*
 * Reads dirfd/name with the rules of refusal_read_at() (cap REFUSAL_LIST_MAX_BYTES) and parses
 * it with refusal_list_parse(). Returns the count, -ENOENT when there is none, or a negative errno
 * with a reason in reterr.
 */
int refusal_list_read_at(int dirfd, const char *name, struct refusal *ret, size_t max, char *reterr,
                         size_t errsize);

/* ---- <run_dir>/status ------------------------------------------------------------------------ */

/*
 * One JSON object, rewritten atomically whenever the policy in force or the mode changes:
 *   {"pid":812,"started":"2026-11-23T15:00:00Z","policy":{"name":"policy.conf","serial":7,
 *    "key_id":"it-2026","sha256":"<64 hex>","not_after":"2027-01-01T00:00:00Z","source":"file"},
 *    "mode":"enforce","mode_forced":false}
 * key_id and not_after may be null. Strings are untrusted and escaped on output.
 */
#define AGENT_STATUS_MAX_BYTES 4096u

struct agent_status_report {
	long long pid;             /* > 0 */
	char started[32];          /* RFC 3339 */
	char name[256];            /* the policy's name (raw bytes) */
	unsigned long long serial; /* the policy's serial */
	bool has_key_id;
	char key_id[128];
	char sha256[65]; /* 64 lowercase hex digits */
	bool has_not_after;
	char not_after[32];
	char source[16]; /* "file" | "last-known-good" | "current" | "built-in" */
	bool audit;      /* mode "audit" (else "enforce") */
	bool mode_forced;
};

/*
 * Parses the status file's bytes. Pure. Rejects more than AGENT_STATUS_MAX_BYTES, NUL bytes, not
 * one JSON object, a missing field or one of the wrong type, an over-long string, a pid <= 0, a
 * negative serial, a sha256 that is not 64 hex digits, an unknown source or mode. Unknown keys are
 * ignored (newer agents). Returns 0 and fills *ret, or -EFBIG / -EBADMSG with a reason in reterr.
 */
int agent_status_parse(const char *buf, size_t len, struct agent_status_report *ret, char *reterr,
                       size_t errsize);

/* Reads dirfd/name with the rules of refusal_read_at() (cap AGENT_STATUS_MAX_BYTES) and parses it.
 */
int agent_status_read_at(int dirfd, const char *name, struct agent_status_report *ret, char *reterr,
                         size_t errsize);

/*
 * "Policy: policy.conf (serial 7, key it-2026, from file), mode: audit (forced)", every untrusted
 * byte escaped (printable ASCII only); "key none" when unsigned. Pure; always NUL-terminates.
 */
void agent_status_format_policy(const struct agent_status_report *s, char *buf, size_t size);
