/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/transfer/transfer_acct.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void transfer_counter_init(struct transfer_counter *c, unsigned width, uint64_t baseline)
{
	c->width = width == 32 ? 32 : 64;
	c->last = c->width == 32 ? (baseline & 0xffffffffu) : baseline;
}

uint64_t transfer_counter_update(struct transfer_counter *c, uint64_t raw)
{
	uint64_t top = c->width == 32 ? 0xffffffffu : UINT64_MAX, delta;

	raw &= top;
	if (raw >= c->last)
		delta = raw - c->last;
	else if (c->last > top / 2)
		delta = (top - c->last) + raw + 1; /* wrapped */
	else
		delta = raw; /* restarted: a new device behind the same counter */
	c->last = raw;
	return delta;
}

void transfer_window_init(struct transfer_window *w, uint32_t window_sec)
{
	memset(w, 0, sizeof(*w));
	uint64_t usec = (uint64_t)(window_sec ? window_sec : 1) * 1000000u;
	w->slice_usec = (usec + TRANSFER_SLICES - 1) / TRANSFER_SLICES;
	w->head = -1;
}

static int64_t slice_of(const struct transfer_window *w, int64_t now_usec)
{
	return now_usec < 0 ? 0 : (int64_t)((uint64_t)now_usec / w->slice_usec);
}

/* Moves the head to slice s, clearing the slices that passed. */
static void advance(struct transfer_window *w, int64_t s)
{
	if (w->head < 0 || s - w->head >= TRANSFER_RING) {
		memset(w->bytes, 0, sizeof(w->bytes));
		memset(w->files, 0, sizeof(w->files));
	} else
		for (int64_t k = w->head + 1; k <= s; k++) {
			w->bytes[k % TRANSFER_RING] = 0;
			w->files[k % TRANSFER_RING] = 0;
		}
	w->head = s;
}

void transfer_window_add(struct transfer_window *w, int64_t now_usec, uint64_t bytes,
                         uint64_t files)
{
	int64_t s = slice_of(w, now_usec);

	if (w->head < 0 || s > w->head)
		advance(w, s);
	size_t i = (size_t)(w->head % TRANSFER_RING);
	w->bytes[i] = bytes > UINT64_MAX - w->bytes[i] ? UINT64_MAX : w->bytes[i] + bytes;
	w->files[i] = files > UINT64_MAX - w->files[i] ? UINT64_MAX : w->files[i] + files;
}

void transfer_window_sum(const struct transfer_window *w, int64_t now_usec, uint64_t *ret_bytes,
                         uint64_t *ret_files)
{
	int64_t s = slice_of(w, now_usec);
	uint64_t b = 0, f = 0;

	/* The window (now - window, now] overlaps the slice of now and the 60 before it. */
	if (w->head >= 0)
		for (int64_t k = w->head; k >= 0 && k > w->head - TRANSFER_RING; k--) {
			if (k > s || k <= s - TRANSFER_RING)
				continue;
			size_t i = (size_t)(k % TRANSFER_RING);
			b = w->bytes[i] > UINT64_MAX - b ? UINT64_MAX : b + w->bytes[i];
			f = w->files[i] > UINT64_MAX - f ? UINT64_MAX : f + w->files[i];
		}
	*ret_bytes = b;
	*ret_files = f;
}

void transfer_files_add(struct transfer_files *f, const char *name, size_t len, uint64_t bytes)
{
	if (f->listed >= TRANSFER_FILES_MAX) {
		f->omitted++;
		return;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct transfer_file *v = reallocarray(f->v, cap, sizeof(*v));
		if (!v) {
			f->omitted++;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	size_t keep = len > TRANSFER_NAME_MAX ? TRANSFER_NAME_MAX - 3 : len;
	keep = strnlen(name, keep); /* a NUL ends a name */
	char *s = malloc(keep + 4);
	if (!s) {
		f->omitted++;
		return;
	}
	memcpy(s, name, keep);
	strcpy(s + keep, len > TRANSFER_NAME_MAX ? "..." : "");
	f->v[f->n++] = (struct transfer_file){ s, bytes };
	f->listed++;
}

void transfer_files_clear(struct transfer_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].name);
	f->n = 0;
	f->omitted = 0;
}

void transfer_files_done(struct transfer_files *f)
{
	transfer_files_clear(f);
	free(f->v);
	*f = (struct transfer_files){ 0 };
}

bool transfer_limit_check(const struct transfer_limit *l, struct transfer_limit_state *st,
                          uint64_t window_bytes, uint64_t window_files)
{
	if (!l)
		return false;
	bool over =
	    (l->bytes && window_bytes >= l->bytes) || (l->files && window_files >= l->files);
	if (!over) {
		st->tripped = false;
		return false;
	}
	if (st->tripped)
		return false;
	st->tripped = true;
	return true;
}

char *transfer_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1000) {
		(void)snprintf(buf, size, "%llu byte%s", (unsigned long long)bytes,
		               bytes == 1 ? "" : "s");
		return buf;
	}
	while (v >= 999.95 && u < 5) {
		v /= 1000;
		u++;
	}
	(void)snprintf(buf, size, v < 9.95 ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

char *transfer_format_count(uint64_t n, char *buf, size_t size)
{
	char digits[24], out[32];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t o = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	(void)snprintf(buf, size, "%s", out);
	return buf;
}

char *transfer_format_duration(int64_t usec, char *buf, size_t size)
{
	int64_t s = usec < 0 ? 0 : (usec + 500000) / 1000000;

	if (s < 60)
		(void)snprintf(buf, size, "%lld s", (long long)s);
	else if (s < 3600)
		(void)snprintf(buf, size, "%lld min", (long long)((s + 30) / 60));
	else
		(void)snprintf(buf, size, "%lld h %lld min", (long long)(s / 3600),
		               (long long)(s % 3600 / 60));
	return buf;
}

int transfer_parse_block_stat(const char *buf, size_t len, uint64_t *ret_read_sectors,
                              uint64_t *ret_written_sectors)
{
	uint64_t f[7] = { 0 };
	size_t i = 0;

	for (int k = 0; k < 7; k++) {
		while (i < len && buf[i] == ' ')
			i++;
		if (i >= len || buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
			if (f[k] > (UINT64_MAX - 9) / 10)
				return -EINVAL;
			f[k] = f[k] * 10 + (uint64_t)(buf[i] - '0');
		}
		if (i < len && buf[i] != ' ' && buf[i] != '\n')
			return -EINVAL;
	}
	*ret_read_sectors = f[2];
	*ret_written_sectors = f[6];
	return 0;
}

static bool is_iface_component(const char *s, size_t n, size_t *ret_busid_len)
{
	const char *colon = memchr(s, ':', n);
	size_t i = 0;

	if (!colon)
		return false;
	size_t b = (size_t)(colon - s);
	/* busid: digits '-' digits ( '.' digits )* */
	if (b == 0 || s[0] < '0' || s[0] > '9')
		return false;
	while (i < b && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i >= b || s[i] != '-')
		return false;
	for (i++; i < b; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] == '.' && s[i - 1] != '.' && s[i - 1] != '-')))
			return false;
	if (s[b - 1] < '0' || s[b - 1] > '9')
		return false;
	/* ":C.N" */
	i = b + 1;
	size_t d = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (!d || i >= n || s[i] != '.')
		return false;
	d = 0;
	for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (!d || i != n)
		return false;
	*ret_busid_len = b;
	return true;
}

int transfer_busid_from_devpath(const char *devpath, char *buf, size_t size)
{
	const char *best = NULL;
	size_t best_len = 0;

	if (!devpath)
		return -ENOENT;
	for (const char *p = devpath; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t blen;
		if (e > p && is_iface_component(p, (size_t)(e - p), &blen)) {
			best = p;
			best_len = blen;
		}
		p = e;
	}
	if (!best)
		return -ENOENT;
	if (best_len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, best, best_len);
	buf[best_len] = '\0';
	return 0;
}

/* The next space-separated field of line[*pos..len). */
static bool next_field(const char *line, size_t len, size_t *pos, const char **ret, size_t *ret_n)
{
	size_t i = *pos;

	while (i < len && line[i] == ' ')
		i++;
	size_t start = i;
	while (i < len && line[i] != ' ' && line[i] != '\n')
		i++;
	if (i == start)
		return false;
	*ret = line + start;
	*ret_n = i - start;
	*pos = i;
	return true;
}

static bool parse_uint(const char *s, size_t n, unsigned *ret)
{
	unsigned long v = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*ret = (unsigned)v;
	return true;
}

int transfer_parse_mountinfo_line(const char *line, size_t len, unsigned *ret_major,
                                  unsigned *ret_minor, char *mnt, size_t mnt_size)
{
	const char *f;
	size_t n, pos = 0;
	unsigned maj, min;

	/* mount id, parent id */
	for (int k = 0; k < 2; k++)
		if (!next_field(line, len, &pos, &f, &n))
			return -EINVAL;
	if (!next_field(line, len, &pos, &f, &n))
		return -EINVAL;
	const char *colon = memchr(f, ':', n);
	if (!colon || !parse_uint(f, (size_t)(colon - f), &maj) ||
	    !parse_uint(colon + 1, n - (size_t)(colon - f) - 1, &min))
		return -EINVAL;
	/* root, then the mount point */
	if (!next_field(line, len, &pos, &f, &n) || !next_field(line, len, &pos, &f, &n))
		return -EINVAL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = f[i];
		if (c == '\\' && i + 3 < n && f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' && f[i + 3] >= '0' && f[i + 3] <= '7') {
			c = (char)((f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 |
			           (f[i + 3] - '0'));
			i += 3;
		}
		if (c == '\0')
			return -EINVAL;
		if (o + 1 >= mnt_size)
			return -ENAMETOOLONG;
		mnt[o++] = c;
	}
	mnt[o] = '\0';
	*ret_major = maj;
	*ret_minor = min;
	return 0;
}

int transfer_live_format(const struct transfer_live *l, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s %llu %llu %llu %lld %d\n", l->busid,
	                 (unsigned long long)l->to, (unsigned long long)l->from,
	                 (unsigned long long)l->files, (long long)l->started_usec, l->read_only);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static bool parse_u64(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return true;
}

int transfer_live_parse(const char *line, size_t len, struct transfer_live *ret)
{
	struct transfer_live l = { 0 };
	const char *f;
	size_t n, pos = 0;
	uint64_t v[5];

	if (len && line[len - 1] == '\n')
		len--;
	if (!next_field(line, len, &pos, &f, &n) || n >= sizeof(l.busid))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((f[i] >= '0' && f[i] <= '9') || f[i] == '-' || f[i] == '.'))
			return -EINVAL;
	memcpy(l.busid, f, n);
	for (int k = 0; k < 5; k++)
		if (!next_field(line, len, &pos, &f, &n) || !parse_u64(f, n, &v[k]))
			return -EINVAL;
	if (pos != len || v[3] > INT64_MAX || v[4] > 1)
		return -EINVAL;
	l.to = v[0];
	l.from = v[1];
	l.files = v[2];
	l.started_usec = (int64_t)v[3];
	l.read_only = v[4] == 1;
	*ret = l;
	return 0;
}
