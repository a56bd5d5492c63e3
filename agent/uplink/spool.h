/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The durable, bounded spool (file shell over spool_record.c).
 *
 * spool_dir holds segment files "seg-NNNNNNNNNNNNNNNN" of framed records and a 16-byte "ack" file
 * (highest acknowledged seq | crc32c | magic). Appends are write(2)n at once (SIGKILL-safe) and
 * made durable by spool_sync() (group commit: the caller decides when). Each process writes to a
 * fresh segment, so a torn tail left by a crash is never appended to; recovery reports it and
 * skips to the next valid frame. When the spool holds more than max_bytes, whole oldest segments
 * are deleted and their undelivered records counted as dropped.
 *
 * All file writes go through struct spool_io so tests inject EIO, ENOSPC, short writes and
 * crashes after N bytes.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct spool;

struct spool_io {
	/* Each returns >= 0 or a negative errno (never -1/errno). */
	int (*openat)(void *ctx, int dirfd, const char *name, int flags, mode_t mode);
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t len, off_t off);
	int (*fdatasync)(void *ctx, int fd);
	int (*ftruncate)(void *ctx, int fd, off_t len);
	int (*unlinkat)(void *ctx, int dirfd, const char *name);
	void *ctx;
};

/* The real system calls. */
extern const struct spool_io spool_io_default;

struct spool_stats {
	uint64_t depth;          /* records not yet acknowledged */
	uint64_t bytes;          /* bytes in segment files */
	uint64_t acked_seq;      /* highest acknowledged seq */
	uint64_t last_seq;       /* highest seq in the spool (0 = none yet) */
	uint64_t dropped;        /* records dropped because the spool was full, this process */
	uint64_t corrupt_frames; /* damaged frames skipped at open */
	uint64_t segments;
};

/*
 * Opens (creating, mode 0700) spool_dir and recovers the undelivered records. max_bytes >= 4096.
 * io may be NULL (the real calls). Caller owns *ret; free with spool_free().
 */
int spool_open(const char *spool_dir, uint64_t max_bytes, const struct spool_io *io,
               struct spool **ret);
struct spool *spool_free(struct spool *s);

/*
 * Appends one record (written at once, durable after spool_sync()). seq must be above every seq
 * already spooled (-EEXIST otherwise); len 1..SPOOL_RECORD_MAX (-EMSGSIZE). On success
 * *ret_dropped (may be NULL) is the number of oldest undelivered records dropped to make room. On
 * a write error nothing is appended (a partial frame is truncated or left for recovery to skip)
 * and the next append starts a new segment.
 */
int spool_append(struct spool *s, uint64_t seq, const void *data, size_t len,
                 uint64_t *ret_dropped);

/* fdatasync()s pending appends and the ack file. Returns 0 or a negative errno. */
int spool_sync(struct spool *s);
/* true when spool_sync() has something to do */
int spool_needs_sync(const struct spool *s);

/* Every record <= seq is delivered: forget it (segment files go when all theirs are acked). */
int spool_ack(struct spool *s, uint64_t seq);

/* Record i (0 = oldest undelivered) of spool_stats.depth; data is borrowed until the next change.
 */
int spool_peek(const struct spool *s, uint64_t i, uint64_t *ret_seq, const uint8_t **ret_data,
               uint32_t *ret_len);
/* Index of the first undelivered record with seq > after (== depth when none). */
uint64_t spool_index_after(const struct spool *s, uint64_t after);

void spool_get_stats(const struct spool *s, struct spool_stats *ret);
