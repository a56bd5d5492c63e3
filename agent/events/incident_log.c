/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/incident_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy/base/clock.h"
#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "agent/events/event_json.h"

/* Longest tail we read back at open: a torn line and the last full line both fit. */
#define TAIL_MAX      ((size_t)2 * LOG_RECORD_MAX_LINE + 2)
#define HEAD_LINE_LEN (20 + 1 + LOG_HASH_HEX_LEN + 1)

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir);

struct incident_log {
	char *dir;
	int dirfd;
	int fd;      /* incident.log, O_APPEND */
	int head_fd; /* head file, also the writer lock */
	uint64_t size;
	uint64_t next_seq;
	char head[LOG_HASH_HEX_LEN + 1];
	bool broken;        /* a failed append could not be cut back: reopen before the next one */
	bool have_recovery; /* a reopen repaired something the recorder has not reported yet */
	struct incident_log_recovery recovery;
	dev_t dev; /* of the live file, to notice it replaced */
	ino_t ino;
	uint64_t protected_seq;
	bool have_drop;
	struct incident_log_drop drop;
	struct incident_log_config cfg;
	struct incident_log_ops ops;
};

static ssize_t real_write(void *u, int fd, const void *buf, size_t len)
{
	(void)u;
	ssize_t n = write(fd, buf, len);
	return n < 0 ? negative_errno() : n;
}

static int real_fsync(void *u, int fd)
{
	(void)u;
	return fsync(fd) < 0 ? negative_errno() : 0;
}

static int real_ftruncate(void *u, int fd, off_t len)
{
	(void)u;
	return ftruncate(fd, len) < 0 ? negative_errno() : 0;
}

static int real_renameat(void *u, int dirfd, const char *from, const char *to)
{
	(void)u;
	return renameat(dirfd, from, dirfd, to) < 0 ? negative_errno() : 0;
}

static const struct incident_log_ops real_ops = {
	.write = real_write,
	.fsync = real_fsync,
	.ftruncate = real_ftruncate,
	.renameat = real_renameat,
};

static int write_all(struct incident_log *l, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = l->ops.write(l->cfg.ops_userdata, fd, buf, len);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pread_all(int fd, char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO; /* file shrank under us */
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Finds the last decodable record in the tail of fd (size bytes). On success fills the seq,
 * hash and end offset (after its newline) of that record; *ret_good_end is 0 and *ret_seq 0
 * when the tail holds none.
 */
static int find_last_record(int fd, uint64_t size, uint64_t *ret_seq, char ret_hash[static 65],
                            uint64_t *ret_good_end)
{
	size_t n = size < TAIL_MAX ? (size_t)size : TAIL_MAX;
	uint64_t base = size - n;
	_cleanup_(freep) char *buf = NULL;
	int r;

	*ret_seq = 0;
	*ret_good_end = 0;
	memcpy(ret_hash, LOG_ZERO_HASH, 65);
	if (n == 0)
		return 0;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	r = pread_all(fd, buf, n, (off_t)base);
	if (r < 0)
		return r;

	/* end: one past the newline of the candidate line. */
	size_t end = n;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start == 0 && base != 0)
			break; /* line starts before the window: longer than a record can be */
		struct log_record rec;
		if (log_record_decode(buf + start, end - 1 - start, &rec, NULL, NULL) == 0) {
			*ret_seq = rec.seq;
			log_record_hash(buf + start, end - 1 - start, ret_hash);
			*ret_good_end = base + end;
			return 0;
		}
		end = start;
	}
	return 0;
}

/*
 * Mode (and group) of a file or the directory, whatever the umask or whoever reset them: the
 * log is evidence that reviewers in the log group read. fd is open, so nothing is raced. A
 * failure is a warning, never a lost record.
 */
static void set_access(const struct incident_log *l, int fd, mode_t mode, const char *name)
{
	if (fchmod(fd, mode) < 0 || (l->cfg.has_group && fchown(fd, (uid_t)-1, l->cfg.group) < 0))
		log_warning_errno(negative_errno(),
		                  "Failed to set mode %04o and group of %s/%s, proceeding: %m",
		                  (unsigned)mode, l->dir, name);
}

/* At open: the directory, the head file, and every rotated or torn file already there. */
static void set_access_all(struct incident_log *l)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd;

	set_access(l, l->dirfd, INCIDENT_LOG_DIR_MODE, ".");
	set_access(l, l->head_fd, INCIDENT_LOG_FILE_MODE, INCIDENT_LOG_HEAD_FILE);
	fd = openat(l->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd); /* directory fd */
		return;
	}
	while ((de = readdir(d))) {
		_cleanup_(closep) int ffd = -1;

		if (strncmp(de->d_name, INCIDENT_LOG_FILE ".", strlen(INCIDENT_LOG_FILE ".")))
			continue;
		ffd = openat(l->dirfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (ffd >= 0)
			set_access(l, ffd, INCIDENT_LOG_FILE_MODE, de->d_name);
	}
}

static int open_current(struct incident_log *l)
{
	l->fd =
	    openat(l->dirfd, INCIDENT_LOG_FILE,
	           O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, INCIDENT_LOG_FILE_MODE);
	if (l->fd < 0)
		return negative_errno();
	struct stat st;
	if (fstat(l->fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	set_access(l, l->fd, INCIDENT_LOG_FILE_MODE, INCIDENT_LOG_FILE);
	l->size = (uint64_t)st.st_size;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

/* Seq of the first and last decodable record of a rotated file (0 when none). */
static int file_seq_range(struct incident_log *l, const char *name, uint64_t *ret_first,
                          uint64_t *ret_last)
{
	_cleanup_(closep) int fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char hash[LOG_HASH_HEX_LEN + 1];
	uint64_t end;
	struct stat st;
	int r;

	*ret_first = *ret_last = 0;
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	r = find_last_record(fd, (uint64_t)st.st_size, ret_last, hash, &end);
	if (r < 0)
		return r;
	/* the first line: read at most one record */
	size_t n = st.st_size < (off_t)LOG_RECORD_MAX_LINE + 1 ? (size_t)st.st_size
	                                                       : LOG_RECORD_MAX_LINE + 1;
	_cleanup_(freep) char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	if (n > 0 && (r = pread_all(fd, buf, n, 0)) < 0)
		return r;
	const char *nl = memchr(buf, '\n', n);
	struct log_record rec;
	if (nl && log_record_decode(buf, (size_t)(nl - buf), &rec, NULL, NULL) == 0)
		*ret_first = rec.seq;
	return 0;
}

static unsigned count_rotated(struct incident_log *l)
{
	unsigned n = 0;
	char name[64];
	for (unsigned i = 1; i <= INCIDENT_LOG_MAX_FILES; i++) {
		struct stat st;
		(void)snprintf(name, sizeof(name), INCIDENT_LOG_FILE ".%u", i);
		if (fstatat(l->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		n = i;
	}
	return n;
}

/* Copies [from, size) of the current file into a new incident.log.torn-<time> and fsyncs it. */
static int move_tail_aside(struct incident_log *l, uint64_t from, int64_t now_usec,
                           struct incident_log_recovery *rec)
{
	char t[RFC3339_MAX], name[64];
	_cleanup_(closep) int tfd = -1;
	int r;

	if (rfc3339_format_usec(now_usec, true, t) < 0)
		memcpy(t, "unknown", 8);
	for (unsigned i = 0; i < 100 && tfd < 0; i++) {
		if (i == 0)
			(void)snprintf(name, sizeof(name), INCIDENT_LOG_FILE ".torn-%s", t);
		else
			(void)snprintf(name, sizeof(name), INCIDENT_LOG_FILE ".torn-%s-%u", t, i);
		tfd = openat(l->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		             INCIDENT_LOG_FILE_MODE);
		if (tfd < 0 && errno != EEXIST)
			return negative_errno();
	}
	if (tfd < 0)
		return -EEXIST;
	set_access(l, tfd, INCIDENT_LOG_FILE_MODE, name);

	char buf[65536];
	for (uint64_t off = from; off < l->size;) {
		size_t n = l->size - off < sizeof(buf) ? (size_t)(l->size - off) : sizeof(buf);
		r = pread_all(l->fd, buf, n, (off_t)off);
		if (r < 0)
			return r;
		r = write_all(l, tfd, buf, n);
		if (r < 0)
			return r;
		off += n;
	}
	r = l->ops.fsync(l->cfg.ops_userdata, tfd);
	if (r < 0)
		return r;
	rec->torn = true;
	rec->torn_bytes = l->size - from;
	(void)snprintf(rec->torn_name, sizeof(rec->torn_name), "%s", name);
	return 0;
}

/*
 * incident.log -> .1, .1 -> .2, ... Before that, the oldest rotated files go while there are
 * keep_files or more and every record in them is below the protected seq; past max_keep_files
 * the oldest goes anyway and its range is reported as a drop (the recorder writes events_lost).
 */
static int rotate(struct incident_log *l)
{
	char from[64], to[64];
	unsigned n = count_rotated(l);
	int r;

	while (n > 0 && n >= l->cfg.keep_files) {
		uint64_t first = 0, last = 0;
		(void)snprintf(to, sizeof(to), INCIDENT_LOG_FILE ".%u", n);
		(void)file_seq_range(l, to, &first, &last); /* unreadable: treated as empty */
		bool protected = l->protected_seq != 0 && last >= l->protected_seq;
		if (protected && n < l->cfg.max_keep_files)
			break;
		if (unlinkat(l->dirfd, to, 0) < 0 && errno != ENOENT)
			return negative_errno();
		if (protected && last > 0) {
			if (!l->have_drop)
				l->drop = (struct incident_log_drop){ first ? first : last, last };
			else {
				if (first && first < l->drop.first_seq)
					l->drop.first_seq = first;
				if (last > l->drop.last_seq)
					l->drop.last_seq = last;
			}
			l->have_drop = true;
		}
		n--;
	}
	for (unsigned i = n + 1; i >= 1; i--) {
		if (i == 1)
			(void)snprintf(from, sizeof(from), INCIDENT_LOG_FILE);
		else
			(void)snprintf(from, sizeof(from), INCIDENT_LOG_FILE ".%u", i - 1);
		(void)snprintf(to, sizeof(to), INCIDENT_LOG_FILE ".%u", i);
		r = l->ops.renameat(l->cfg.ops_userdata, l->dirfd, from, to);
		if (r < 0 && !(r == -ENOENT && i > 1))
			return r;
	}
	(void)close(l->fd); /* fsynced already after its last append */
	l->fd = -1;
	r = open_current(l);
	if (r < 0)
		return r;
	return l->ops.fsync(l->cfg.ops_userdata, l->dirfd);
}

static void write_head(struct incident_log *l, uint64_t seq)
{
	char line[HEAD_LINE_LEN + 1];
	/* Fixed width so one pwrite replaces the whole content; no fsync (see header). */
	int n = snprintf(line, sizeof(line), "%020" PRIu64 " %s\n", seq, l->head);
	if (n == HEAD_LINE_LEN)
		(void)!pwrite(l->head_fd, line, HEAD_LINE_LEN, 0); /* advisory only */
}

static int recover(struct incident_log *l, int64_t now_usec, struct incident_log_recovery *rec)
{
	uint64_t seq = 0, good_end = 0;
	char hash[LOG_HASH_HEX_LEN + 1];
	int r;

	r = open_current(l);
	if (r < 0)
		return r;
	r = find_last_record(l->fd, l->size, &seq, hash, &good_end);
	if (r < 0)
		return r;

	if (good_end < l->size) {
		/* Damaged tail: keep the bytes, cut the file back to the last good record, and
		 * start a new file whose first record will say so. */
		r = move_tail_aside(l, good_end, now_usec, rec);
		if (r < 0)
			return r;
		r = l->ops.ftruncate(l->cfg.ops_userdata, l->fd, (off_t)good_end);
		if (r < 0)
			return r;
		r = l->ops.fsync(l->cfg.ops_userdata, l->fd);
		if (r < 0)
			return r;
		l->size = good_end;
		if (l->size > 0) {
			r = rotate(l);
			if (r < 0)
				return r;
		}
	}

	/* Nothing in the current file: the chain continues from the newest rotated file. */
	for (unsigned i = 1; seq == 0 && i <= INCIDENT_LOG_MAX_FILES; i++) {
		char name[64];
		uint64_t sz, end;
		(void)snprintf(name, sizeof(name), INCIDENT_LOG_FILE ".%u", i);
		_cleanup_(closep) int fd =
		    openat(l->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd < 0)
			return negative_errno();
		struct stat st;
		if (fstat(fd, &st) < 0)
			return negative_errno();
		sz = (uint64_t)st.st_size;
		r = find_last_record(fd, sz, &seq, hash, &end);
		if (r < 0)
			return r;
	}

	/* A new incident.log or torn file must survive power loss as well as the records in it. */
	r = l->ops.fsync(l->cfg.ops_userdata, l->dirfd);
	if (r < 0)
		return r;

	rec->resumed_seq = seq;
	memcpy(l->head, hash, sizeof(l->head));
	l->next_seq = seq + 1;

	/* The head file is written after each durable append, so it can only be behind the log. */
	uint64_t hseq;
	char hhash[LOG_HASH_HEX_LEN + 1];
	if (incident_log_read_head(l->dir, &hseq, hhash) == 0) {
		rec->head_file_seq = hseq;
		if (hseq > seq) {
			rec->head_ahead = true;
			l->next_seq = hseq + 1; /* never reuse a seq that may have gone upstream */
		} else if (hseq == seq && strcmp(hhash, hash) != 0) {
			rec->head_mismatch = true;
		}
	}
	return 0;
}

/* The directory (made if missing) and the head file, which is also the writer lock. */
static int open_dir(struct incident_log *l)
{
	if (mkdir(l->dir, INCIDENT_LOG_DIR_MODE) < 0 && errno != EEXIST)
		return negative_errno();
	l->dirfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0)
		return negative_errno();
	l->head_fd = openat(l->dirfd, INCIDENT_LOG_HEAD_FILE,
	                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, INCIDENT_LOG_FILE_MODE);
	if (l->head_fd < 0)
		return negative_errno();
	if (flock(l->head_fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
	set_access_all(l);
	return 0;
}

int incident_log_open(const char *dir, const struct incident_log_config *cfg, int64_t now_usec,
                      struct incident_log **ret, struct incident_log_recovery *ret_recovery)
{
	struct incident_log_recovery rec = {};
	struct incident_log *l;
	int r;

	if (!dir || !ret)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->dirfd = l->fd = l->head_fd = -1;
	if (cfg)
		l->cfg = *cfg;
	if (l->cfg.max_file_bytes == 0)
		l->cfg.max_file_bytes = INCIDENT_LOG_DEFAULT_MAX_BYTES;
	if (l->cfg.keep_files == 0)
		l->cfg.keep_files = INCIDENT_LOG_DEFAULT_KEEP;
	if (l->cfg.keep_files > INCIDENT_LOG_MAX_FILES)
		l->cfg.keep_files = INCIDENT_LOG_MAX_FILES;
	if (l->cfg.max_keep_files == 0)
		l->cfg.max_keep_files = 4 * l->cfg.keep_files;
	if (l->cfg.max_keep_files < l->cfg.keep_files)
		l->cfg.max_keep_files = l->cfg.keep_files;
	if (l->cfg.max_keep_files > INCIDENT_LOG_MAX_FILES - 1)
		l->cfg.max_keep_files = INCIDENT_LOG_MAX_FILES - 1;
	l->ops = l->cfg.ops ? *l->cfg.ops : real_ops;

	l->dir = strdup(dir);
	if (!l->dir) {
		r = -ENOMEM;
		goto fail;
	}
	r = open_dir(l);
	if (r < 0)
		goto fail;
	r = recover(l, now_usec, &rec);
	if (r < 0)
		goto fail;
	*ret = l;
	if (ret_recovery)
		*ret_recovery = rec;
	return 0;
fail:
	incident_log_free(l);
	return r;
}

struct incident_log *incident_log_free(struct incident_log *l)
{
	if (!l)
		return NULL;
	if (l->fd >= 0)
		(void)close(l->fd); /* every record was fsynced: nothing left to report */
	if (l->head_fd >= 0)
		(void)close(l->head_fd);
	if (l->dirfd >= 0)
		(void)close(l->dirfd);
	free(l->dir);
	free(l);
	return NULL;
}

bool incident_log_take_recovery(struct incident_log *l, struct incident_log_recovery *ret)
{
	if (!l->have_recovery)
		return false;
	*ret = l->recovery;
	l->have_recovery = false;
	return true;
}

uint64_t incident_log_next_seq(const struct incident_log *l)
{
	return l->next_seq;
}

const char *incident_log_head(const struct incident_log *l)
{
	return l->head;
}

/* After a failed append that could not be undone: reopen, which repairs the tail. */
static int reopen(struct incident_log *l)
{
	struct incident_log_recovery rec = {};
	if (l->fd >= 0)
		(void)close(l->fd);
	l->fd = -1;
	uint64_t want = l->next_seq;
	int r = recover(l, clock_realtime_usec(), &rec);
	if (r < 0)
		return r;
	if (rec.torn || rec.head_ahead || rec.head_mismatch) {
		l->recovery = rec;
		l->have_recovery = true;
	}
	/* The record that failed was never acknowledged; keep our own seq count if ahead. */
	if (l->next_seq < want)
		l->next_seq = want;
	l->broken = false;
	return 0;
}

int incident_log_check(struct incident_log *l, bool thorough, struct incident_log_recovery *ret)
{
	struct incident_log_recovery rec = {};
	struct stat st, dst;
	enum incident_log_tamper t = INCIDENT_LOG_TAMPER_NONE;
	uint64_t size = 0;

	if (l->dirfd < 0 || (thorough && (fstat(l->dirfd, &dst) < 0 || dst.st_nlink == 0)))
		t = INCIDENT_LOG_TAMPER_DIR_GONE;
	else if (l->fd < 0)
		t = INCIDENT_LOG_TAMPER_REMOVED; /* a failed reopen: try again */
	else if (fstat(l->fd, &st) < 0 || st.st_nlink == 0)
		t = INCIDENT_LOG_TAMPER_REMOVED;
	else if ((uint64_t)st.st_size < l->size) {
		t = INCIDENT_LOG_TAMPER_TRUNCATED;
		size = (uint64_t)st.st_size;
	} else if (thorough) {
		struct stat nst;
		if (fstatat(l->dirfd, INCIDENT_LOG_FILE, &nst, AT_SYMLINK_NOFOLLOW) < 0)
			t = INCIDENT_LOG_TAMPER_REMOVED;
		else if (nst.st_dev != l->dev || nst.st_ino != l->ino)
			t = INCIDENT_LOG_TAMPER_REPLACED;
	}
	if (t == INCIDENT_LOG_TAMPER_NONE)
		return 0;

	char head[LOG_HASH_HEX_LEN + 1];
	uint64_t want = l->next_seq, expected = l->size;
	memcpy(head, l->head, sizeof(head));
	if (l->fd >= 0)
		(void)close(l->fd);
	l->fd = -1;
	if (t == INCIDENT_LOG_TAMPER_DIR_GONE || t == INCIDENT_LOG_TAMPER_REMOVED) {
		/* New directory and head file (the old ones may be gone): lock again. */
		if (l->head_fd >= 0)
			(void)close(l->head_fd);
		if (l->dirfd >= 0)
			(void)close(l->dirfd);
		l->head_fd = l->dirfd = -1;
		int r = open_dir(l);
		if (r < 0)
			return r;
	}
	int r = recover(l, clock_realtime_usec(), &rec);
	if (r < 0)
		return r;
	if (rec.resumed_seq == 0) /* nothing left: the chain goes on from what we wrote last */
		memcpy(l->head, head, sizeof(head));
	if (l->next_seq < want)
		l->next_seq = want;
	l->broken = false;
	rec.tamper = t;
	rec.tamper_size = size;
	rec.tamper_expected_size = expected;
	if (ret)
		*ret = rec;
	return 1;
}

void incident_log_adopt_head(struct incident_log *l, const char *head_hex)
{
	if (l->size == 0 && !strcmp(l->head, LOG_ZERO_HASH) && head_hex &&
	    strnlen(head_hex, LOG_HASH_HEX_LEN + 1) == LOG_HASH_HEX_LEN)
		memcpy(l->head, head_hex, LOG_HASH_HEX_LEN + 1);
}

void incident_log_set_protected(struct incident_log *l, uint64_t seq)
{
	l->protected_seq = seq;
}

bool incident_log_take_drop(struct incident_log *l, struct incident_log_drop *ret)
{
	if (!l->have_drop)
		return false;
	*ret = l->drop;
	l->have_drop = false;
	return true;
}

bool incident_log_would_rotate(const struct incident_log *l, size_t len)
{
	return l->size > 0 && l->size + len + 1 > l->cfg.max_file_bytes;
}

static int append(struct incident_log *l, uint64_t seq, const char *line, size_t len,
                  bool may_rotate)
{
	int r;

	if (!l || !line || len == 0 || len > LOG_RECORD_MAX_LINE || seq < l->next_seq)
		return -EINVAL;
	if (l->broken) {
		char head[LOG_HASH_HEX_LEN + 1];
		memcpy(head, l->head, sizeof(head));
		r = reopen(l);
		if (r < 0)
			return r;
		if (strcmp(head, l->head) != 0 || seq < l->next_seq)
			return -ESTALE; /* caller must re-encode with the recovered head */
	}
	if (may_rotate && incident_log_would_rotate(l, len)) {
		r = rotate(l);
		if (r < 0) {
			l->broken = true;
			return r;
		}
	}

	/* One buffer so the line and its newline go out in one write(2). */
	_cleanup_(freep) char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, line, len);
	buf[len] = '\n';

	r = write_all(l, l->fd, buf, len + 1);
	if (r >= 0)
		r = l->ops.fsync(l->cfg.ops_userdata, l->fd);
	if (r < 0) {
		/* Cut the partial or unsynced record off so the file ends at the last durable
		 * record; if that fails too, reopen (tail recovery) before the next append. */
		if (l->ops.ftruncate(l->cfg.ops_userdata, l->fd, (off_t)l->size) < 0 ||
		    l->ops.fsync(l->cfg.ops_userdata, l->fd) < 0)
			l->broken = true;
		return r;
	}
	l->size += len + 1;
	log_record_hash(line, len, l->head);
	l->next_seq = seq + 1;
	write_head(l, seq);
	return 0;
}

int incident_log_append(struct incident_log *l, uint64_t seq, const char *line, size_t len)
{
	return append(l, seq, line, len, true);
}

int incident_log_append_no_rotate(struct incident_log *l, uint64_t seq, const char *line,
                                  size_t len)
{
	return append(l, seq, line, len, false);
}

char **strv_free(char **v)
{
	if (v)
		for (char **p = v; *p; p++)
			free(*p);
	free(v);
	return NULL;
}

static int cmp_desc(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

int incident_log_list_files(const char *dir, char ***ret_names)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	unsigned long nums[INCIDENT_LOG_MAX_FILES];
	size_t n = 0;
	bool have_current = false;
	struct dirent *de;

	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		if (!strcmp(s, INCIDENT_LOG_FILE)) {
			have_current = true;
			continue;
		}
		if (strncmp(s, INCIDENT_LOG_FILE ".", sizeof(INCIDENT_LOG_FILE)) != 0)
			continue;
		s += sizeof(INCIDENT_LOG_FILE);
		if (*s < '1' || *s > '9' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 6)
			continue;
		if (n == INCIDENT_LOG_MAX_FILES)
			return -E2BIG;
		nums[n++] = strtoul(s, NULL, 10);
	}
	qsort(nums, n, sizeof(nums[0]), cmp_desc);
	char **v = calloc(n + 2, sizeof(char *));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (asprintf(&v[k++], INCIDENT_LOG_FILE ".%lu", nums[i]) < 0) {
			v[k - 1] = NULL;
			strv_free(v);
			return -ENOMEM;
		}
	if (have_current) {
		v[k] = strdup(INCIDENT_LOG_FILE);
		if (!v[k]) {
			strv_free(v);
			return -ENOMEM;
		}
		k++;
	}
	*ret_names = v;
	return (int)k;
}

int incident_log_read_file(const char *dir, const char *name, log_line_fn cb, void *userdata)
{
	_cleanup_(closep) int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	_cleanup_(closep) int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();

	/* Buffer holds one capped line plus a read chunk; longer lines are passed cut at the cap
	 * (the decoder rejects them) and the rest of them skipped. */
	const size_t cap = LOG_RECORD_MAX_LINE + 1 + 65536;
	_cleanup_(freep) char *buf = malloc(cap);
	size_t have = 0;
	bool skipping = false;
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		have += (size_t)n;
		size_t pos = 0;
		for (;;) {
			char *nl = memchr(buf + pos, '\n', have - pos);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + pos));
			if (!skipping) {
				r = cb(userdata, buf + pos, len, false);
				if (r < 0)
					return r;
			}
			skipping = false;
			pos += len + 1;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		if (have > LOG_RECORD_MAX_LINE) {
			if (!skipping) {
				r = cb(userdata, buf, LOG_RECORD_MAX_LINE + 1, false);
				if (r < 0)
					return r;
			}
			skipping = true;
			have = 0;
		}
	}
	if (have > 0 && !skipping)
		return cb(userdata, buf, have, true);
	return 0;
}

int incident_log_read_head(const char *dir, uint64_t *ret_seq, char ret_hex[static 65])
{
	_cleanup_(closep) int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	_cleanup_(closep) int fd =
	    openat(dfd, INCIDENT_LOG_HEAD_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	char buf[HEAD_LINE_LEN + 1];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -ENOENT; /* created, nothing appended yet */
	if (n != HEAD_LINE_LEN || buf[20] != ' ' || buf[HEAD_LINE_LEN - 1] != '\n')
		return -EBADMSG;
	uint64_t seq = 0;
	for (int i = 0; i < 20; i++) {
		if (buf[i] < '0' || buf[i] > '9' || seq > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		seq = seq * 10 + (uint64_t)(buf[i] - '0');
	}
	for (int i = 21; i < 21 + LOG_HASH_HEX_LEN; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
			return -EBADMSG;
	if (seq == 0)
		return -EBADMSG;
	*ret_seq = seq;
	memcpy(ret_hex, buf + 21, LOG_HASH_HEX_LEN);
	ret_hex[LOG_HASH_HEX_LEN] = '\0';
	return 0;
}

struct verify_ctx {
	struct chain_verifier *v;
};

static int verify_line(void *userdata, const char *line, size_t len, bool torn)
{
	struct chain_verifier *v = userdata;
	if (torn)
		return chain_verifier_feed_torn(v, len);
	return chain_verifier_feed_line(v, line, len);
}

int incident_log_verify(const char *dir, struct chain_verifier *v)
{
	char **names = NULL;
	int r;

	if (!v->have_expect_head && v->expect_seq == 0) {
		uint64_t seq;
		char hex[LOG_HASH_HEX_LEN + 1];
		r = incident_log_read_head(dir, &seq, hex);
		if (r == 0)
			(void)chain_verifier_expect(v, hex, seq); /* hex checked by the reader */
		else if (r == -EBADMSG) {
			(void)snprintf(v->error, sizeof(v->error),
			               INCIDENT_LOG_HEAD_FILE
			               " file: malformed (expected \"<seq> "
			               "<hash>\") — written by something else, or damaged");
			v->failed = true;
			return r;
		} else if (r != -ENOENT)
			return r;
	}
	r = incident_log_list_files(dir, &names);
	if (r < 0)
		return r;
	for (char **p = names; *p; p++) {
		chain_verifier_begin_file(v, *p);
		r = incident_log_read_file(dir, *p, verify_line, v);
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = chain_verifier_finish(v);
	/* v->file points into names: keep the message meaningful after they are freed */
	v->file = "incident log";
	strv_free(names);
	return r;
}
