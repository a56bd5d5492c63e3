/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The devices IT has seen: attached now, or in incident logs (see cli_seen.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libudev.h>

#include "agent/cli/cli_seen.h"
#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/sysfs/usb_sysfs.h"
#include "policy/base/macro.h"

#define SEEN_MAX_DIR_ENTRIES 100000u

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ---- logs ---- */

struct read_ctx {
	seen_fn fn;
	void *userdata;
	struct seen_stats *stats;
	const char *file;
	uint64_t line;
	struct usb_device_info *dev;
};

static void note_bad(struct read_ctx *c, const char *reason)
{
	c->stats->bad_lines++;
	if (!c->stats->first_bad[0])
		(void)snprintf(c->stats->first_bad, sizeof(c->stats->first_bad), "%s line %llu: %s",
		               c->file, (unsigned long long)c->line, reason);
}

static int on_line(void *userdata, const char *line, size_t len, bool torn)
{
	struct read_ctx *c = userdata;
	struct log_record rec;
	struct log_record_error err = { 0 };
	struct json_object *obj = NULL;
	int r;

	c->line++;
	if (torn)
		return 0; /* a torn last line is not a record */
	const char *brace = memchr(line, '{', len);
	if (!brace) {
		if (len)
			note_bad(c, "no JSON object");
		return 0;
	}
	len -= (size_t)(brace - line);
	r = log_record_decode(brace, len, &rec, &obj, &err);
	if (r < 0) {
		note_bad(c, err.reason ? err.reason : "not a record");
		return 0;
	}
	c->stats->records++;
	r = seen_device_from_record(obj, c->dev);
	if (r == 0) {
		c->stats->decisions++;
		struct seen_where w = { jstr(obj, "host"), jstr(obj, "machine_id"), rec.time_usec };
		r = c->fn(c->userdata, c->dev, &w);
	} else if (r == -ENOENT)
		r = 0;
	else {
		note_bad(c, "device_decision without the keys of docs/events.md");
		r = 0;
	}
	json_object_put(obj);
	return r;
}

static int read_lines(const char *dir, const char *name, struct read_ctx *c)
{
	char file[4096];
	int n = snprintf(file, sizeof(file), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(file))
		return -ENAMETOOLONG;
	c->file = file;
	c->line = 0;
	c->stats->files++;
	return incident_log_read_file(dir, name, on_line, c);
}

/* A host's incident-log directory: its files oldest first. 0 when it holds none. */
static int read_log_dir(const char *dir, struct read_ctx *c)
{
	char **names = NULL;
	int n = incident_log_list_files(dir, &names), r = 0;

	if (n <= 0) {
		strv_free(names);
		return n;
	}
	for (int i = 0; i < n && r >= 0; i++)
		r = read_lines(dir, names[i], c);
	strv_free(names);
	return r < 0 ? r : n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int seen_from_log(const char *dir, seen_fn fn, void *userdata, struct seen_stats *stats)
{
	_cleanup_(freep) struct usb_device_info *dev = malloc(sizeof(*dev));
	struct read_ctx c = { .fn = fn, .userdata = userdata, .stats = stats, .dev = dev };
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r, found = 0;

	if (!dev)
		return -ENOMEM;
	r = read_log_dir(dir, &c);
	if (r != 0)
		return r < 0 ? r : 0;

	/* A collector directory: per-host log directories and files of received lines. */
	DIR *d = opendir(dir);
	if (!d)
		return negative_errno();
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			char **nn = ncap <= SEEN_MAX_DIR_ENTRIES
			                ? reallocarray(names, ncap, sizeof(*nn))
			                : NULL;
			if (!nn) {
				r = ncap > SEEN_MAX_DIR_ENTRIES ? -E2BIG : -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(e->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char path[4096];
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			r = read_log_dir(path, &c);
			found += r > 0;
		} else if (S_ISREG(st.st_mode)) {
			r = read_lines(dir, names[i], &c);
			found++;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0)
		return r;
	return found ? 0 : -ENOENT;
}

/* ---- attached ---- */

int seen_attached(const struct seen_where *where, seen_fn fn, void *userdata)
{
	struct udev *udev = udev_new();
	struct usb_device_info *devs = NULL;
	int n, r = 0;

	if (!udev)
		return -ENOMEM;
	n = usb_sysfs_enumerate(udev, &devs);
	for (int i = 0; i < n && r >= 0; i++)
		r = fn(userdata, &devs[i], where);
	usb_sysfs_devices_free(devs);
	udev_unref(udev);
	return n < 0 ? n : r < 0 ? r : n;
}
