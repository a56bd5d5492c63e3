/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/uplink/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/base/log.h"
#include "policy/base/endian.h"
#include "agent/uplink/spool_record.h"

#define ACK_FILE      "ack"
#define ACK_MAGIC     0x4b434150u /* "PACK" */
#define SEG_PREFIX    "seg-"
#define SEG_MIN_BYTES (SPOOL_RECORD_HDR + 4096u)
#define SEG_MAX_BYTES (64u * 1024 * 1024) /* seg_max never exceeds this */
/* A segment is rolled once it reaches seg_max: it is at most one record longer. */
#define SEG_FILE_MAX ((uint64_t)SEG_MAX_BYTES + SPOOL_RECORD_HDR + SPOOL_RECORD_MAX)

struct seg {
	uint64_t index;
	uint64_t bytes;
	uint64_t last_seq;
};

struct rec {
	uint64_t seq;
	uint64_t seg;
	uint32_t len;
	uint8_t *data;
};

struct spool {
	struct spool_io io;
	int dirfd;
	int ack_fd;
	int active_fd; /* the last segment when >= 0 */
	uint64_t max_bytes;
	uint64_t seg_max;
	uint64_t next_index;

	struct seg *segs;
	size_t nsegs, segs_cap;

	struct rec *ring; /* undelivered records in seq order */
	size_t head, count, cap;

	uint64_t total_bytes;
	uint64_t acked;
	uint64_t last_seq;
	uint64_t dropped;
	uint64_t corrupt;
	uint64_t unsynced;
	bool ack_dirty;
	bool dir_dirty;
	uint8_t buf[SPOOL_RECORD_HDR + SPOOL_RECORD_MAX];
};

static int sys_openat(void *ctx, int dirfd, const char *name, int flags, mode_t mode)
{
	(void)ctx;
	int fd = openat(dirfd, name, flags, mode);
	return fd < 0 ? negative_errno() : fd;
}

static ssize_t sys_write(void *ctx, int fd, const void *buf, size_t len)
{
	(void)ctx;
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? negative_errno() : n;
}

static ssize_t sys_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
	(void)ctx;
	ssize_t n = pwrite(fd, buf, len, off);
	return n < 0 ? negative_errno() : n;
}

static int sys_fdatasync(void *ctx, int fd)
{
	(void)ctx;
	return fdatasync(fd) < 0 ? negative_errno() : 0;
}

static int sys_ftruncate(void *ctx, int fd, off_t len)
{
	(void)ctx;
	return ftruncate(fd, len) < 0 ? negative_errno() : 0;
}

static int sys_unlinkat(void *ctx, int dirfd, const char *name)
{
	(void)ctx;
	return unlinkat(dirfd, name, 0) < 0 ? negative_errno() : 0;
}

const struct spool_io spool_io_default = {
	.openat = sys_openat,
	.write = sys_write,
	.pwrite = sys_pwrite,
	.fdatasync = sys_fdatasync,
	.ftruncate = sys_ftruncate,
	.unlinkat = sys_unlinkat,
};

static void seg_name(char *buf, size_t size, uint64_t index)
{
	(void)snprintf(buf, size, SEG_PREFIX "%016" PRIx64, index);
}

static struct rec *ring_at(const struct spool *s, size_t i)
{
	return &s->ring[(s->head + i) & (s->cap - 1)];
}

static int ring_push(struct spool *s, uint64_t seq, uint64_t seg, const void *data, uint32_t len)
{
	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		struct rec *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < s->count; i++)
			n[i] = *ring_at(s, i);
		free(s->ring);
		s->ring = n;
		s->cap = ncap;
		s->head = 0;
	}
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	*ring_at(s, s->count) = (struct rec){ .seq = seq, .seg = seg, .len = len, .data = copy };
	s->count++;
	return 0;
}

static void ring_pop(struct spool *s)
{
	free(ring_at(s, 0)->data);
	s->head = (s->head + 1) & (s->cap - 1);
	s->count--;
}

static int segs_push(struct spool *s, uint64_t index, uint64_t bytes, uint64_t last_seq)
{
	if (s->nsegs == s->segs_cap) {
		size_t ncap = s->segs_cap ? s->segs_cap * 2 : 16;
		struct seg *n = realloc(s->segs, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->segs = n;
		s->segs_cap = ncap;
	}
	s->segs[s->nsegs++] = (struct seg){ .index = index, .bytes = bytes, .last_seq = last_seq };
	return 0;
}

/* Removes the oldest segment file (never the active one). */
static void drop_oldest_segment(struct spool *s)
{
	char name[64];
	struct seg *g = &s->segs[0];

	seg_name(name, sizeof(name), g->index);
	int r = s->io.unlinkat(s->io.ctx, s->dirfd, name);
	if (r < 0 && r != -ENOENT)
		log_debug_errno(r, "spool: cannot remove %s, ignoring: %m", name);
	s->total_bytes -= g->bytes;
	memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof(*s->segs));
	s->nsegs--;
	s->dir_dirty = true;
}

static bool is_active(const struct spool *s, size_t i)
{
	return s->active_fd >= 0 && i == s->nsegs - 1;
}

static void close_active(struct spool *s)
{
	if (s->active_fd >= 0)
		(void)close(
		    s->active_fd); /* data was synced or the segment is abandoned after an error */
	s->active_fd = -1;
}

struct spool *spool_free(struct spool *s)
{
	if (!s)
		return NULL;
	while (s->count)
		ring_pop(s);
	free(s->ring);
	free(s->segs);
	close_active(s);
	if (s->ack_fd >= 0)
		(void)close(s->ack_fd);
	if (s->dirfd >= 0)
		(void)close(s->dirfd);
	free(s);
	return NULL;
}

/*
 * Reads a segment file whole, but at most SEG_FILE_MAX bytes: no segment the spool writes is
 * longer, so a larger file (damage, or not ours) is read only that far (*ret_truncated).
 */
static int read_all(int dirfd, const char *name, uint8_t **ret, size_t *ret_len,
                    bool *ret_truncated)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -EBADF;
	}
	bool truncated = (uint64_t)st.st_size > SEG_FILE_MAX;
	size_t cap = truncated ? SEG_FILE_MAX : (size_t)st.st_size, n = 0;
	uint8_t *buf = malloc(cap ? cap : 1);
	if (!buf) {
		(void)close(fd);
		return -ENOMEM;
	}
	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = negative_errno();
			free(buf);
			(void)close(fd);
			return r;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	(void)close(fd);
	*ret = buf;
	*ret_len = n;
	*ret_truncated = truncated;
	return 0;
}

static int load_ack(struct spool *s)
{
	uint8_t b[16];
	ssize_t n = pread(s->ack_fd, b, sizeof(b), 0);
	if (n < 0)
		return negative_errno();
	if (n == 0)
		return 0; /* new spool */
	if (n != sizeof(b) || get_le32(b + 12) != ACK_MAGIC || crc32c(0, b, 8) != get_le32(b + 8)) {
		/* Resending everything is the safe side of a damaged ack file: duplicates, no loss.
		 */
		log_warning("spool: damaged ack file, resending every spooled record");
		s->corrupt++;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	s->acked = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int load_segment(struct spool *s, uint64_t index)
{
	char name[64];
	uint8_t *buf = NULL;
	size_t len = 0;
	bool truncated = false;

	seg_name(name, sizeof(name), index);
	int r = read_all(s->dirfd, name, &buf, &len, &truncated);
	if (r < 0)
		return log_error_errno(r, "spool: cannot read %s: %m", name);
	if (truncated) {
		s->corrupt++;
		log_warning("spool: %s is larger than any segment the spool writes; reading its "
		            "first %zu bytes only",
		            name, len);
	}

	uint64_t last = 0, kept = 0;
	size_t off = 0;
	while (off < len) {
		struct spool_record rec;
		r = spool_record_decode(buf + off, len - off, &rec);
		if (r < 0) {
			s->corrupt++;
			size_t next = spool_record_resync(buf, len, off);
			log_warning(
			    "spool: %s: damaged record at offset %zu (%s), skipping %zu bytes",
			    name, off, strerror(-r), next - off);
			off = next;
			continue;
		}
		off += (size_t)r;
		if (rec.seq > s->last_seq)
			s->last_seq = rec.seq;
		if (rec.seq <= s->acked || (s->count && rec.seq <= ring_at(s, s->count - 1)->seq))
			continue; /* delivered, or a duplicate */
		r = ring_push(s, rec.seq, index, rec.payload, rec.len);
		if (r < 0) {
			free(buf);
			return r;
		}
		last = rec.seq;
		kept++;
	}
	free(buf);
	if (kept == 0) {
		r = s->io.unlinkat(s->io.ctx, s->dirfd, name);
		if (r < 0)
			log_debug_errno(r, "spool: cannot remove %s, ignoring: %m", name);
		s->dir_dirty = true;
		return 0;
	}
	s->total_bytes += len;
	return segs_push(s, index, len, last);
}

int spool_open(const char *spool_dir, uint64_t max_bytes, const struct spool_io *io,
               struct spool **ret)
{
	uint64_t *idx = NULL;
	size_t nidx = 0, cap = 0;
	DIR *d = NULL;
	int r;

	if (max_bytes < 4096)
		return -EINVAL;
	struct spool *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->io = io ? *io : spool_io_default;
	s->dirfd = s->ack_fd = s->active_fd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 8 > SEG_MIN_BYTES ? max_bytes / 8 : SEG_MIN_BYTES;
	if (s->seg_max > SEG_MAX_BYTES)
		s->seg_max = SEG_MAX_BYTES;

	if (mkdir(spool_dir, 0700) < 0 && errno != EEXIST) {
		r = negative_errno();
		goto out;
	}
	s->dirfd = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = negative_errno();
		goto out;
	}
	r = s->io.openat(s->io.ctx, s->dirfd, ACK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	                 0600);
	if (r < 0)
		goto out;
	s->ack_fd = r;
	r = load_ack(s);
	if (r < 0)
		goto out;
	s->last_seq = s->acked;

	int dfd = dup(s->dirfd);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		r = negative_errno();
		if (dfd >= 0)
			(void)close(dfd);
		goto out;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, SEG_PREFIX, strlen(SEG_PREFIX)) != 0)
			continue;
		errno = 0;
		uint64_t v = strtoull(de->d_name + strlen(SEG_PREFIX), &end, 16);
		if (errno || *end || end == de->d_name + strlen(SEG_PREFIX))
			continue;
		if (nidx == cap) {
			cap = cap ? cap * 2 : 64;
			uint64_t *n = realloc(idx, cap * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				goto out;
			}
			idx = n;
		}
		idx[nidx++] = v;
	}
	if (nidx > 1)
		qsort(idx, nidx, sizeof(*idx), cmp_u64);
	for (size_t i = 0; i < nidx; i++) {
		r = load_segment(s, idx[i]);
		if (r < 0)
			goto out;
		s->next_index = idx[i] + 1;
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	if (d)
		(void)closedir(d);
	free(idx);
	spool_free(s);
	return r;
}

static int open_segment(struct spool *s)
{
	char name[64];

	seg_name(name, sizeof(name), s->next_index);
	int r = s->io.openat(s->io.ctx, s->dirfd, name,
	                     O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r < 0)
		return r;
	int fd = r;
	r = segs_push(s, s->next_index, 0, 0);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	s->next_index++;
	s->active_fd = fd;
	s->dir_dirty = true;
	return 0;
}

int spool_append(struct spool *s, uint64_t seq, const void *data, size_t len, uint64_t *ret_dropped)
{
	uint64_t dropped = 0;
	int r;

	if (len == 0 || len > SPOOL_RECORD_MAX)
		return -EMSGSIZE;
	if (seq == 0 || seq <= s->last_seq)
		return -EEXIST;
	if (s->active_fd >= 0 && s->segs[s->nsegs - 1].bytes >= s->seg_max) {
		/* rotate: the full segment is made durable first, so only the newest one is ever
		 * behind, and the size bound below can drop whole old segments */
		if (s->unsynced) {
			r = s->io.fdatasync(s->io.ctx, s->active_fd);
			if (r < 0)
				return r;
			s->unsynced = 0;
		}
		close_active(s);
	}
	if (s->active_fd < 0) {
		r = open_segment(s);
		if (r < 0)
			return r;
	}
	struct seg *g = &s->segs[s->nsegs - 1];
	int n = spool_record_encode(seq, data, len, s->buf, sizeof(s->buf));
	if (n < 0)
		return n;
	ssize_t w = s->io.write(s->io.ctx, s->active_fd, s->buf, (size_t)n);
	if (w != n) {
		/* Never append after a torn frame: cut it off if we can, and start a new segment.
		 */
		if (w > 0) {
			if (s->io.ftruncate(s->io.ctx, s->active_fd, (off_t)g->bytes) < 0) {
				g->bytes += (uint64_t)w;
				s->total_bytes += (uint64_t)w;
			}
		}
		close_active(s);
		return w < 0 ? (int)w : -EIO;
	}
	r = ring_push(s, seq, g->index, data, (uint32_t)len);
	if (r < 0) {
		/* on disk but not in memory: the next open finds it, so it is not lost */
		close_active(s);
		return r;
	}
	g->bytes += (uint64_t)n;
	g->last_seq = seq;
	s->total_bytes += (uint64_t)n;
	s->last_seq = seq;
	s->unsynced++;

	/* Bounded: drop whole oldest segments, counting their undelivered records. */
	while (s->total_bytes > s->max_bytes && s->nsegs > 1) {
		uint64_t index = s->segs[0].index;
		while (s->count && ring_at(s, 0)->seq && ring_at(s, 0)->seg == index) {
			ring_pop(s);
			dropped++;
		}
		drop_oldest_segment(s);
	}
	s->dropped += dropped;
	if (ret_dropped)
		*ret_dropped = dropped;
	return 0;
}

int spool_needs_sync(const struct spool *s)
{
	return s->unsynced > 0 || s->ack_dirty || s->dir_dirty;
}

int spool_sync(struct spool *s)
{
	int r;

	if (s->active_fd >= 0 && s->unsynced) {
		r = s->io.fdatasync(s->io.ctx, s->active_fd);
		if (r < 0)
			return r;
	}
	s->unsynced = 0;
	if (s->dir_dirty) {
		r = s->io.fdatasync(s->io.ctx, s->dirfd);
		if (r < 0)
			return r;
		s->dir_dirty = false;
	}
	if (s->ack_dirty) {
		uint8_t b[16];
		for (int i = 0; i < 8; i++)
			b[i] = (uint8_t)(s->acked >> (8 * i));
		put_le32(b + 8, crc32c(0, b, 8));
		put_le32(b + 12, ACK_MAGIC);
		ssize_t w = s->io.pwrite(s->io.ctx, s->ack_fd, b, sizeof(b), 0);
		if (w != sizeof(b))
			return w < 0 ? (int)w : -EIO;
		r = s->io.fdatasync(s->io.ctx, s->ack_fd);
		if (r < 0)
			return r;
		s->ack_dirty = false;
	}
	if (s->active_fd >= 0 && s->segs[s->nsegs - 1].bytes >= s->seg_max)
		close_active(s); /* synced above: the next append starts a new segment */
	return 0;
}

int spool_ack(struct spool *s, uint64_t seq)
{
	if (seq > s->last_seq)
		return -ERANGE;
	if (seq <= s->acked)
		return 0;
	while (s->count && ring_at(s, 0)->seq <= seq)
		ring_pop(s);
	s->acked = seq;
	s->ack_dirty = true;
	while (s->nsegs > 0 && !is_active(s, 0) && s->segs[0].last_seq <= seq)
		drop_oldest_segment(s);
	return 0;
}

int spool_peek(const struct spool *s, uint64_t i, uint64_t *ret_seq, const uint8_t **ret_data,
               uint32_t *ret_len)
{
	if (i >= s->count)
		return -ENOENT;
	const struct rec *r = ring_at(s, (size_t)i);
	*ret_seq = r->seq;
	*ret_data = r->data;
	*ret_len = r->len;
	return 0;
}

uint64_t spool_index_after(const struct spool *s, uint64_t after)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ring_at(s, mid)->seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void spool_get_stats(const struct spool *s, struct spool_stats *ret)
{
	*ret = (struct spool_stats){
		.depth = s->count,
		.bytes = s->total_bytes,
		.acked_seq = s->acked,
		.last_seq = s->last_seq,
		.dropped = s->dropped,
		.corrupt_frames = s->corrupt,
		.segments = s->nsegs,
	};
}
