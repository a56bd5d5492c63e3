/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis notify [--once] [--run-dir DIR] [--console]: the session helper, run as the
 * logged-in user (systemd --user unit portcullis-notify.service or XDG autostart). It watches
 * the agent's run directory with inotify (no polling, no timers) and, for every new
 * <run_dir>/last-refusal, tells the user: a desktop notification over the session bus
 * (org.freedesktop.Notifications.Notify), or, without a session bus or notification daemon, a
 * line on stderr (the journal of the user unit on a text console). See docs/operator-notice.md.
 *
 * The file is untrusted: read through refusal_read_at() (no symlinks, regular file, root-owned,
 * size cap) and every device string escaped before it is shown. This file uses _cleanup_ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "agent/cli/commands.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "agent/cli/cli_i18n.h"
#include "agent/notify/refusal.h"
#include "paths.h"

#define SUMMARY             _("USB device blocked")
#define NOTIFY_TIMEOUT_USEC (5ULL * 1000000ULL)

struct notifier {
	const char *run_dir;
	bool console; /* never try the session bus */
	bool have_key;
	struct refusal_key last; /* the version of the file already shown (or refused) */
	int last_error;
};

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: portcullis notify [--once] [--run-dir DIR] [--console]\n"
	       "\n"
	       "Tells the user at this session when Portcullis refused a USB device, as a desktop\n"
	       "notification or, without one, on stderr (the journal of the user unit).\n"
	       "\n"
	       "  --once          show the current last refusal and exit\n"
	       "  --run-dir DIR   the agent's run directory (default " PORTCULLIS_RUN_DIR ")\n"
	       "  --console       print to stderr only, never use the session bus\n");
}

/* org.freedesktop.Notifications.Notify on the user's session bus. Negative errno on failure. */
static int notify_desktop(const char *body, char *reterr, size_t errsize)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char markup[4096];
	int r;

	r = sd_bus_open_user(&bus);
	if (r < 0) {
		(void)snprintf(reterr, errsize, "no session bus: %s", strerror(-r));
		return r;
	}
	refusal_markup_escape(body, markup, sizeof(markup));
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.Notifications",
	                                   "/org/freedesktop/Notifications",
	                                   "org.freedesktop.Notifications", "Notify");
	if (r >= 0)
		r = sd_bus_message_append(m, "susssas", "Portcullis", (uint32_t)0, "security-high",
		                          SUMMARY, markup, 0);
	if (r >= 0) /* urgency normal (1): stays in the notification list like other notices */
		r = sd_bus_message_append(m, "a{sv}", 2, "urgency", "y", (uint8_t)1,
		                          "desktop-entry", "s", "portcullis-notify");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", (int32_t)-1);
	if (r < 0) {
		(void)snprintf(reterr, errsize, "cannot build the D-Bus message: %s", strerror(-r));
		return r;
	}
	r = sd_bus_call(bus, m, NOTIFY_TIMEOUT_USEC, &error, &reply);
	if (r < 0) {
		(void)snprintf(reterr, errsize, "no notification service: %s",
		               error.message ? error.message : strerror(-r));
		sd_bus_error_free(&error);
		return r;
	}
	return 0;
}

static void show(const struct notifier *n, const struct refusal *ref)
{
	char msg[4096], why[512] = "";

	refusal_format_message(ref, msg, sizeof(msg));
	if (!n->console && notify_desktop(msg, why, sizeof(why)) >= 0)
		return;
	fprintf(stderr, "Portcullis: %s: %s\n", SUMMARY, msg);
	if (why[0])
		fprintf(stderr, "portcullis notify: (shown here: %s)\n", why);
	(void)fflush(stderr);
}

/*
 * Reads the current last-refusal. Returns 1 when it is a version not seen before (and shows it
 * when show_new), 0 when unchanged or absent, negative errno when refused (reported once per
 * version of the file).
 */
static int check(struct notifier *n, bool show_new)
{
	_cleanup_(closep) int dfd = -1;
	struct refusal ref;
	struct refusal_key key = { 0 };
	char why[256] = "";
	struct stat st;
	int r;

	dfd = open(n->run_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return 0; /* the agent is not running: nothing new */
	r = refusal_read_at(dfd, "last-refusal", &ref, &key, why, sizeof(why));
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		/* Report a refused file once, not on every event: identify it without following. */
		if (fstatat(dfd, "last-refusal", &st, AT_SYMLINK_NOFOLLOW) == 0) {
			key.dev = st.st_dev;
			key.ino = st.st_ino;
			key.mtime_ns =
			    (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		}
		if (n->have_key && n->last_error == r && !memcmp(&key, &n->last, sizeof(key)))
			return r;
		n->have_key = true;
		n->last = key;
		n->last_error = r;
		fprintf(stderr, "portcullis notify: ignoring %s/last-refusal: %s\n", n->run_dir,
		        why);
		(void)fflush(stderr);
		return r;
	}
	if (n->have_key && !n->last_error && !memcmp(&key, &n->last, sizeof(key)))
		return 0;
	n->have_key = true;
	n->last = key;
	n->last_error = 0;
	if (show_new)
		show(n, &ref);
	return 1;
}

/* One notifier per session (the user unit and XDG autostart may both start one). */
static int take_session_lock(void)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[PATH_MAX];
	int fd, n;

	if (!rt || rt[0] != '/')
		return -1; /* no per-user runtime directory: nothing to share a lock in */
	n = snprintf(path, sizeof(path), "%s/portcullis-notify.lock", rt);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		(void)close(fd);
		return e == EWOULDBLOCK ? -2 : -1;
	}
	return fd; /* held until exit */
}

struct watch {
	int fd, wd_dir, wd_parent;
	char parent[PATH_MAX];
	const char *base;
};

/* Watches the run directory, or, while it does not exist, its parent for it to appear. */
static int watch_setup(struct watch *w, const char *run_dir)
{
	const uint32_t dir_mask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF |
	                          IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

	if (w->wd_dir >= 0)
		return 0;
	w->wd_dir = inotify_add_watch(w->fd, run_dir, dir_mask);
	if (w->wd_dir >= 0) {
		if (w->wd_parent >= 0)
			(void)inotify_rm_watch(w->fd, w->wd_parent); /* not needed any more */
		w->wd_parent = -1;
		return 0;
	}
	if (errno != ENOENT)
		return negative_errno();
	if (w->wd_parent < 0) {
		w->wd_parent =
		    inotify_add_watch(w->fd, w->parent, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
		if (w->wd_parent < 0)
			return negative_errno();
	}
	/* It may have appeared between the two calls. */
	w->wd_dir = inotify_add_watch(w->fd, run_dir, dir_mask);
	return 0;
}

static int run_watch(struct notifier *n)
{
	_cleanup_(closep) int ifd = -1;
	_cleanup_(closep) int lock = -1;
	struct watch w = { .wd_dir = -1, .wd_parent = -1 };
	const char *slash;
	int r;

	lock = take_session_lock();
	if (lock == -2) {
		fprintf(stderr, "portcullis notify: already running in this session\n");
		return 0;
	}
	slash = strrchr(n->run_dir, '/');
	if (!slash || !slash[1] || n->run_dir[0] != '/') {
		fprintf(stderr, "portcullis notify: --run-dir must be an absolute path\n");
		return 2;
	}
	if (str_copy(w.parent, sizeof(w.parent), n->run_dir) < 0) {
		fprintf(stderr, "portcullis notify: --run-dir is too long\n");
		return 2;
	}
	w.parent[slash == n->run_dir ? 1 : (size_t)(slash - n->run_dir)] = '\0';
	w.base = slash + 1;

	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0) {
		fprintf(stderr, "portcullis notify: inotify: %m\n");
		return 1;
	}
	w.fd = ifd;
	r = watch_setup(&w, n->run_dir);
	if (r < 0) {
		fprintf(stderr, "portcullis notify: cannot watch %s: %s\n", n->run_dir,
		        strerror(-r));
		return 1;
	}
	/* What is there already was shown before (or is from before this session). */
	(void)check(n, false);
	fprintf(stderr, "portcullis notify: watching %s\n", n->run_dir);
	(void)fflush(stderr);

	for (;;) {
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		struct pollfd p = { .fd = ifd, .events = POLLIN };
		bool look = false, reset = false;
		ssize_t len;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "portcullis notify: poll: %m\n");
			return 1;
		}
		len = read(ifd, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "portcullis notify: inotify read: %m\n");
			return 1;
		}
		for (char *e = buf; e < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)e;

			if (ev->mask & IN_Q_OVERFLOW)
				look = true;
			if (ev->wd == w.wd_dir) {
				if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
					reset = true;
				else if (ev->len && !strcmp(ev->name, "last-refusal"))
					look = true;
			} else if (ev->wd == w.wd_parent && ev->len && !strcmp(ev->name, w.base)) {
				look = true; /* the agent (re)started */
			}
			e += sizeof(*ev) + ev->len;
		}
		if (reset && w.wd_dir >= 0) {
			(void)inotify_rm_watch(ifd, w.wd_dir); /* may be gone already */
			w.wd_dir = -1;
			look = true; /* it may be back already, with a refusal in it */
		}
		r = watch_setup(&w, n->run_dir);
		if (r < 0) {
			fprintf(stderr, "portcullis notify: cannot watch %s: %s\n", n->run_dir,
			        strerror(-r));
			return 1;
		}
		if (look)
			(void)check(n, true);
	}
}

int cmd_notify(int argc, char **argv)
{
	static const struct option options[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "run-dir", required_argument, NULL, 'd' },
		{ "console", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct notifier n = { .run_dir = PORTCULLIS_RUN_DIR };
	bool once = false;
	int c, r;

	cli_i18n_init();
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			once = true;
			break;
		case 'd':
			n.run_dir = optarg;
			break;
		case 'c':
			n.console = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "portcullis notify: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!once)
		return run_watch(&n);

	r = check(&n, true);
	if (r == 0) {
		printf("No USB device has been refused since the Portcullis agent started.\n");
		return 0;
	}
	return r < 0 ? 1 : 0;
}
