/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis report: the fleet report over one host's incident-log directory or a collector's
 * directory (one sub-directory or one JSON-lines file per host). The shell: arguments, walking
 * directories, reading files line by line, progress on a terminal. Aggregation is
 * agent/events/report.c, the outputs agent/events/report_render.c. Reads only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/cli/commands.h"
#include "agent/events/event_json.h"
#include "policy/base/rfc3339.h"
#include "agent/events/incident_log.h"
#include "agent/events/report.h"
#include "agent/events/report_render.h"
#include "paths.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"

#define JSONL_SUFFIX ".jsonl"

struct walk {
	struct report *report;
	bool progress;
	size_t source, n_sources;
	uint64_t lines;
	struct timespec last_progress;
	bool failed; /* a source could not be read (fully) */
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: portcullis report [OPTIONS] [PATH...]\n"
	    "\n"
	    "PATH: one host's incident-log directory (default " PORTCULLIS_LOG_DIR "), a\n"
	    "collector directory with one sub-directory or one <host>" JSONL_SUFFIX
	    " file per host,\n"
	    "or such a file.\n"
	    "\n"
	    "  --format html|json|text   output (default html)\n"
	    "  --out FILE                write to FILE instead of standard output\n"
	    "  --since T  --until T      RFC 3339 UTC, e.g. 2026-11-18 or 2026-11-18T09:30:00Z\n"
	    "  --host NAME  --user NAME  --device VID:PID|SERIAL|BUSID\n"
	    "  --heartbeat-sec N         heartbeat interval for hosts that show none (300)\n"
	    "  --no-progress             no progress line on a terminal\n"
	    "See docs/reviewer-guide.md.\n");
}

static void progress(struct walk *w, bool force)
{
	struct timespec now;
	if (!w->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (now.tv_sec - w->last_progress.tv_sec) * 1000 +
	             (now.tv_nsec - w->last_progress.tv_nsec) / 1000000;
	if (!force && ms < 250)
		return;
	w->last_progress = now;
	fprintf(stderr, "\rportcullis report: source %zu of %zu, %" PRIu64 " records read\033[K",
	        w->source, w->n_sources, w->lines);
}

static int feed(void *userdata, const char *line, size_t len, bool torn)
{
	struct walk *w = userdata;
	if ((++w->lines & 1023) == 0)
		progress(w, false);
	return report_feed_line(w->report, line, len, torn);
}

static void say_error(const char *path, const char *name, int r)
{
	char p[4 * 512 + 1], n[4 * 256 + 1] = "";
	(void)str_escape(p, sizeof(p), path, strnlen(path, 512));
	if (name)
		(void)str_escape(n, sizeof(n), name, strnlen(name, 256));
	fprintf(stderr, "portcullis report: %s%s%s: %s\n", p, name ? "/" : "", n, strerror(-r));
}

/* One host's incident-log directory: every file oldest first, then the head file. */
static int read_log_dir(struct walk *w, const char *dir, const char *name)
{
	char **names = NULL;
	int r = report_begin_source(w->report, name);
	if (r == -ENOSPC)
		return 0;
	if (r < 0)
		return r;
	r = incident_log_list_files(dir, &names);
	if (r < 0) {
		say_error(dir, NULL, r);
		w->failed = true;
		return report_end_source(w->report, false, 0, NULL);
	}
	for (char **p = names; *p; p++) {
		r = incident_log_read_file(dir, *p, feed, w);
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			say_error(dir, *p, r);
			w->failed = true;
		}
	}
	strv_free(names);
	if (r == -ENOMEM)
		return r;
	uint64_t head_seq = 0;
	char head[LOG_HASH_HEX_LEN + 1];
	bool have_head = incident_log_read_head(dir, &head_seq, head) >= 0;
	return report_end_source(w->report, have_head, head_seq, have_head ? head : NULL);
}

/* One JSON-lines file a collector wrote for one host (dir/name). */
static int read_jsonl(struct walk *w, const char *dir, const char *name)
{
	char label[256];
	size_t n = strlen(name), sl = strlen(JSONL_SUFFIX);
	(void)snprintf(label, sizeof(label), "%.*s", (int)(n > sl ? n - sl : n), name);
	int r = report_begin_source(w->report, label);
	if (r == -ENOSPC)
		return 0;
	if (r < 0)
		return r;
	r = incident_log_read_file(dir, name, feed, w);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		say_error(dir, name, r);
		w->failed = true;
	}
	return report_end_source(w->report, false, 0, NULL);
}

static bool has_log_files(const char *dir)
{
	char **names = NULL;
	int n = incident_log_list_files(dir, &names);
	strv_free(names);
	return n > 0;
}

static bool is_jsonl(const char *name)
{
	size_t n = strlen(name), sl = strlen(JSONL_SUFFIX);
	return n > sl && !strcmp(name + n - sl, JSONL_SUFFIX);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a collector directory that are sources, sorted. */
static int list_collector(const char *path, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(path);
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	int r = 0;

	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !(S_ISREG(st.st_mode) && is_jsonl(de->d_name)))
			continue;
		if (n >=
		    (size_t)REPORT_MAX_HOSTS * 2) /* far past the cap: the report counts them */
			break;
		if (n + 1 >= alloc) {
			size_t a = alloc ? alloc * 2 : 64;
			char **nv = realloc(v, a * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			alloc = a;
		}
		if (!(v[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		v[++n] = NULL;
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int read_path(struct walk *w, const char *path)
{
	struct stat st;
	int r;

	if (stat(path, &st) < 0) {
		r = negative_errno();
		say_error(path, NULL, r);
		w->failed = true;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_(freep) char *copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		char *slash = strrchr(copy, '/');
		const char *dir = ".", *name = copy;
		if (slash) {
			*slash = '\0';
			dir = slash == copy ? "/" : copy;
			name = slash + 1;
		}
		w->n_sources++;
		w->source++;
		return read_jsonl(w, dir, name);
	}
	if (!S_ISDIR(st.st_mode)) {
		say_error(path, NULL, -EINVAL);
		w->failed = true;
		return 0;
	}
	if (has_log_files(path)) {
		w->n_sources++;
		w->source++;
		return read_log_dir(w, path, path);
	}
	char **names = NULL;
	size_t n = 0;
	if ((r = list_collector(path, &names, &n)) < 0) {
		if (r == -ENOMEM)
			return r;
		say_error(path, NULL, r);
		w->failed = true;
		return 0;
	}
	w->n_sources += n;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		w->source++;
		_cleanup_(freep) char *sub = NULL;
		if (asprintf(&sub, "%s/%s", path, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (is_jsonl(names[i])) {
			r = read_jsonl(w, path, names[i]);
		} else if (has_log_files(sub)) {
			r = read_log_dir(w, sub, names[i]);
		} else {
			char e[4 * 256 + 1];
			(void)str_escape(e, sizeof(e), names[i], strnlen(names[i], 256));
			fprintf(stderr,
			        "%sportcullis report: note: %s holds no incident log; skipped\n",
			        w->progress ? "\r\033[K" : "", e);
		}
		progress(w, false);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int parse_time_arg(const char *opt, const char *s, int64_t *ret)
{
	if (rfc3339_parse_usec(s, RFC3339_DATE_OK | RFC3339_SPACE_OK, ret) < 0) {
		fprintf(stderr,
		        "portcullis report: %s '%s' is not a UTC time like 2026-11-18 or "
		        "2026-11-18T09:30:00Z\n",
		        opt, s);
		return -EINVAL;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	enum {
		OPT_FORMAT = 0x100,
		OPT_OUT,
		OPT_SINCE,
		OPT_UNTIL,
		OPT_HOST,
		OPT_USER,
		OPT_DEVICE,
		OPT_HEARTBEAT,
		OPT_NO_PROGRESS,
	};
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "user", required_argument, NULL, OPT_USER },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "heartbeat-sec", required_argument, NULL, OPT_HEARTBEAT },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct report_filter f = {};
	enum report_format format = REPORT_FORMAT_HTML;
	const char *out_path = NULL;
	uint64_t heartbeat = 0;
	bool no_progress = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if ((r = report_format_from_string(optarg)) < 0) {
				fprintf(stderr,
				        "portcullis report: --format is html, json or text\n");
				return 2;
			}
			format = (enum report_format)r;
			break;
		case OPT_OUT:
			out_path = optarg;
			break;
		case OPT_SINCE:
			if (parse_time_arg("--since", optarg, &f.since) < 0)
				return 2;
			f.have_since = true;
			break;
		case OPT_UNTIL:
			if (parse_time_arg("--until", optarg, &f.until) < 0)
				return 2;
			f.have_until = true;
			break;
		case OPT_HOST:
			f.host = optarg;
			break;
		case OPT_USER:
			f.user = optarg;
			break;
		case OPT_DEVICE:
			f.device = optarg;
			break;
		case OPT_HEARTBEAT: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || *end || v == 0 || v > 86400 || optarg[0] == '-') {
				fprintf(stderr, "portcullis report: --heartbeat-sec is 1..86400\n");
				return 2;
			}
			heartbeat = v;
			break;
		}
		case OPT_NO_PROGRESS:
			no_progress = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	struct walk w = { .progress = !no_progress && isatty(STDERR_FILENO) };
	w.report = report_new(&f);
	if (!w.report) {
		fprintf(stderr, "portcullis report: out of memory\n");
		return 1;
	}
	report_set_heartbeat_sec(w.report, heartbeat);
	clock_gettime(CLOCK_MONOTONIC, &w.last_progress);

	r = 0;
	if (optind >= argc)
		r = read_path(&w, PORTCULLIS_LOG_DIR);
	for (int i = optind; r >= 0 && i < argc; i++)
		r = read_path(&w, argv[i]);
	if (w.progress) {
		progress(&w, true);
		fputs("\r\033[K", stderr);
	}
	if (r < 0) {
		fprintf(stderr, "portcullis report: %s\n", strerror(-r));
		report_free(w.report);
		return 1;
	}
	report_finish(w.report);

	FILE *out = stdout;
	if (out_path && !(out = fopen(out_path, "we"))) {
		fprintf(stderr, "portcullis report: %s: %s\n", out_path, strerror(errno));
		report_free(w.report);
		return 1;
	}
	r = report_render(report_result(w.report), format, out);
	if (out != stdout && fclose(out) != 0 && r == 0)
		r = -EIO;
	report_free(w.report);
	if (r < 0) {
		fprintf(stderr, "portcullis report: writing the report: %s\n", strerror(-r));
		return 1;
	}
	return w.failed ? 1 : 0;
}
