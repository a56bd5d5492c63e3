/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The incident log on disk (shell over agent/events/log_record.h). Layout of the log directory:
 *
 *   incident.log          current file, one record per line, append-only
 *   incident.log.1 .. .N  rotated files, .1 the newest; the chain continues across them
 *   incident.log.torn-*   damaged tail bytes found at open, moved aside (never deleted)
 *   head                  "<seq> <hash>\n" of the last appended record (written after each
 *                         append, not fsynced; lets "log verify" detect a truncated tail)
 *
 * Appends are one write(2) of the whole line (retried on short writes) and an fsync: when
 * incident_log_append() returns 0 the record is durable. A failed append is cut back off the
 * file, so the file never keeps half a record; if even that fails the log reopens itself (with
 * tail recovery) before the next append. Not thread-safe; one writer per directory (flock).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/events/log_record.h"

#define INCIDENT_LOG_FILE              "incident.log"
#define INCIDENT_LOG_HEAD_FILE         "head"
#define INCIDENT_LOG_DEFAULT_MAX_BYTES (8u * 1024u * 1024u) /* per file, bytes */
#define INCIDENT_LOG_DEFAULT_KEEP      10u                  /* rotated files kept */
#define INCIDENT_LOG_MAX_FILES         1000u                /* cap when listing rotated files */

/* The few syscalls an append makes, replaceable so tests can inject faults. Each returns
 * >= 0 on success (write: bytes written, may be short) or a negative errno. */
struct incident_log_ops {
	ssize_t (*write)(void *userdata, int fd, const void *buf, size_t len);
	int (*fsync)(void *userdata, int fd);
	int (*ftruncate)(void *userdata, int fd, off_t len);
	int (*renameat)(void *userdata, int dirfd, const char *from, const char *to);
};

/* Modes of the log directory and of every file in it, whatever the umask (see on-disk-layout). */
#define INCIDENT_LOG_DIR_MODE         0750
#define INCIDENT_LOG_FILE_MODE        0640

#define INCIDENT_LOG_DEFAULT_MAX_KEEP (4u * INCIDENT_LOG_DEFAULT_KEEP)

struct incident_log_config {
	uint64_t max_file_bytes; /* rotate before a record would pass this; 0 = default */
	unsigned keep_files;     /* rotated files kept; 0 = default; older ones are deleted once
	                            every record in them is protected no more (see
	                            incident_log_set_protected) */
	unsigned max_keep_files; /* hard limit of rotated files (0 = 4 x keep_files): past it the
	                            oldest goes even if protected, reported as a drop */
	/* Group of the directory and every file (reviewers read them as members): set at open on
	 * what is there (systemd's LogsDirectory= resets it to root at each start) and on every
	 * file created later. has_group false = leave the groups alone. */
	bool has_group;
	gid_t group;
	const struct incident_log_ops *ops; /* NULL = the real syscalls */
	void *ops_userdata;
};

/* Why the log had to be reopened behind the writer's back (incident_log_check()). */
enum incident_log_tamper {
	INCIDENT_LOG_TAMPER_NONE = 0,
	INCIDENT_LOG_TAMPER_REMOVED,   /* the live file was removed (or renamed away) */
	INCIDENT_LOG_TAMPER_REPLACED,  /* another file now has its name */
	INCIDENT_LOG_TAMPER_TRUNCATED, /* the live file is shorter than what was written */
	INCIDENT_LOG_TAMPER_DIR_GONE,  /* the log directory itself was removed */
};

/* What incident_log_open() found and repaired; the recorder turns it into a record. */
struct incident_log_recovery {
	bool torn; /* damaged tail bytes were moved aside */
	uint64_t torn_bytes;
	char torn_name[64]; /* file name in the log directory */
	bool head_ahead;    /* the head file names a later seq than the log holds */
	bool head_mismatch; /* head file hash differs from the record with its seq */
	uint64_t head_file_seq;
	uint64_t resumed_seq;            /* seq of the last good record (0 = empty log) */
	enum incident_log_tamper tamper; /* set by incident_log_check() */
	uint64_t tamper_size, tamper_expected_size;
};

/* Records of a rotated file deleted although still protected (max_keep_files reached). */
struct incident_log_drop {
	uint64_t first_seq, last_seq;
};

struct incident_log;

/*
 * Opens (creating dir and files as needed) the log in dir, recovers the last seq and chain head
 * and repairs a torn tail (see struct incident_log_recovery). now_usec names the torn file.
 * cfg may be NULL. Caller owns *ret (incident_log_free()). Errors: -EBUSY (another writer),
 * other negative errnos from the file system.
 */
int incident_log_open(const char *dir, const struct incident_log_config *cfg, int64_t now_usec,
                      struct incident_log **ret, struct incident_log_recovery *ret_recovery);
struct incident_log *incident_log_free(struct incident_log *l);

/* true (and *ret filled, once) when an append had to reopen the log and repaired its tail. */
bool incident_log_take_recovery(struct incident_log *l, struct incident_log_recovery *ret);

/* Lowest seq the next record may carry (one above the last in the log), and hex hash of the
 * last record (LOG_ZERO_HASH when empty; borrowed, valid until the next append). */
uint64_t incident_log_next_seq(const struct incident_log *l);
const char *incident_log_head(const struct incident_log *l);

/* Appends one encoded record (log_record_encode(), no newline) whose seq is at least next_seq
 * (the writer allocates seqs; a jump is a loss it accounts for) and whose prev is head. Returns 0
 * once durable, or a negative errno (nothing of it remains in the file); -ESTALE when the log had
 * to reopen itself and its head changed: encode again. */
int incident_log_append(struct incident_log *l, uint64_t seq, const char *line, size_t len);

/*
 * Checks that the live file is still ours and whole. Always (one fstat, before every append):
 * not removed or replaced (no link left), not truncated, the directory emptied (its files
 * unlinked). thorough (from inotify): also the directory itself removed, and the name
 * incident.log still naming our file (renamed away, another file moved over it). If it is not,
 * reopens the log (recreating the directory and files, recovering from what is left; the chain
 * head is kept when nothing is left) and returns 1 with *ret saying what happened; 0 when all
 * is well; a negative errno when even reopening failed (the next append retries).
 */
int incident_log_check(struct incident_log *l, bool thorough, struct incident_log_recovery *ret);

/* For an empty log only: the chain goes on from head_hex (the last head its writer knew). */
void incident_log_adopt_head(struct incident_log *l, const char *head_hex);

/* Records with seq >= seq (not yet acknowledged upstream, or the last sealed epoch) must survive
 * rotation; 0 = nothing protected. */
void incident_log_set_protected(struct incident_log *l, uint64_t seq);

/* true (and *ret filled, once) when a rotation had to delete protected records. */
bool incident_log_take_drop(struct incident_log *l, struct incident_log_drop *ret);

/* true when appending a record of len bytes would rotate first (the recorder seals before). */
bool incident_log_would_rotate(const struct incident_log *l, size_t len);
/* incident_log_append() that never rotates (the seal written just before a rotation). */
int incident_log_append_no_rotate(struct incident_log *l, uint64_t seq, const char *line,
                                  size_t len);

/* Reading, for the CLI and tests. */

/* Names of the log files in dir, oldest first (incident.log.N ... incident.log.1, incident.log),
 * NULL-terminated; caller frees with strv_free(). Returns the count or a negative errno. */
int incident_log_list_files(const char *dir, char ***ret_names);
char **strv_free(char **v);

/* Calls cb for every line of dir/name (without newline); a last line without newline is passed
 * with torn = true. Lines longer than LOG_RECORD_MAX_LINE are passed cut to that length (the
 * decoder rejects them). Stops when cb returns < 0 and returns that. */
typedef int (*log_line_fn)(void *userdata, const char *line, size_t len, bool torn);
int incident_log_read_file(const char *dir, const char *name, log_line_fn cb, void *userdata);

/* Reads <dir>/head. Returns 0, -ENOENT, or -EBADMSG when malformed. */
int incident_log_read_head(const char *dir, uint64_t *ret_seq, char ret_hex[static 65]);

/*
 * Verifies the whole log in dir into v (chain_verifier_init() and any chain_verifier_expect()
 * done by the caller; when nothing is expected the head file is used). Returns 0 or -EBADMSG
 * (v->error says where and why) or another negative errno for I/O errors.
 */
int incident_log_verify(const char *dir, struct chain_verifier *v);
