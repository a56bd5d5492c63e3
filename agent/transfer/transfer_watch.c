/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transfer sessions (see transfer_watch.h). The arithmetic is transfer_acct.c's; this file reads
 * sysfs, sets read-only flags, keeps one timer and calls back with events.
 */
#include "agent/transfer/transfer_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "agent/transfer/blockdev.h"
#include "agent/transfer/mtp_stream.h"
#include "agent/transfer/transfer_acct.h"
#include "agent/transfer/usbmon_record.h"
#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"

#define NO_BYTE_COUNTER "usbmon: more buses with data devices than readers (16)"
#define MAX_BLOCKS      32
#define MAX_MON_BUSES   16
#define MON_DATA_MAX    4096u /* captured bytes fetched per event (an ObjectInfo dataset fits) */
#define MON_BATCH       1024  /* events per wake-up at most; the rest on the next one */

/* The usbmon binary interface (Documentation/usb/usbmon.rst; no uapi header ships it). */
struct mon_bin_get {
	void *hdr;
	void *data;
	size_t alloc;
};
struct mon_bin_stats {
	uint32_t queued, dropped;
};
#define MON_IOC_MAGIC      0x92
#define MON_IOCG_STATS     _IOR(MON_IOC_MAGIC, 3, struct mon_bin_stats)
#define MON_IOCT_RING_SIZE _IO(MON_IOC_MAGIC, 4)
#define MON_IOCX_GETX      _IOW(MON_IOC_MAGIC, 10, struct mon_bin_get)
#define MON_RING_SIZE      (1024 * 1024) /* disks and partitions of one device */
#define SECTOR             512u

struct blockdev {
	char name[32]; /* kernel name: "sda", "sda1" */
	char syspath[PATH_MAX];
	char mnt[256]; /* where it is mounted (fanotify marked), "" when not */
	dev_t devt;    /* 0 when unknown */
	bool partition;
	int stat_fd; /* disks: <syspath>/stat, kept open (sysfs re-reads at offset 0); -1 */
	int ro_fd;   /* read-only sessions: <syspath>/ro; -1 */
	struct transfer_counter rd, wr;
};

struct session {
	char busid[USB_BUSID_MAX];
	char syspath[PATH_MAX];
	struct usb_device_info *dev; /* copy, for the events */
	struct transfer_plan plan;
	struct transfer_limit limit; /* plan.limit points here */
	bool present_at_start;

	int64_t session_started_rt, period_started_rt; /* CLOCK_REALTIME usec */
	int64_t period_started_mono;                   /* CLOCK_MONOTONIC usec */
	uint64_t to, from, files_written;              /* this period */
	uint64_t total_to, total_from, total_files;    /* this session */
	struct transfer_files files;
	struct transfer_window win;
	struct transfer_limit_state lst;

	struct blockdev blocks[MAX_BLOCKS];
	size_t n_blocks;
	struct mtp_stream *mtp; /* MTP/PTP sessions: the host-to-device container stream */
	char cut_why[320];      /* non-empty: to be cut off (after the loop that found it) */
};

struct transfer_watch {
	struct transfer_watch_config cfg;
	struct udev *udev;
	sd_event_source *timer; /* NULL until the first session; disabled while there is none */
	/* Files written (fanotify): open only while a storage session exists. */
	int fan_fd;
	sd_event_source *fan_src, *mnt_src;
	int fan_error; /* negative errno of fanotify_init/mark, 0 = working */
	bool live_dirty;
	int64_t live_written_mono; /* when live_path was last written */
	/* The USB monitor, one reader per bus with a non-block data device attached. */
	struct usbmon_bus {
		unsigned busnum;
		int fd; /* -1: could not be opened, reason says why */
		sd_event_source *src;
		uint32_t dropped; /* the kernel's count of events lost, last seen */
		char reason[160];
	} mon[MAX_MON_BUSES];
	size_t n_mon;
	_Alignas(8) uint8_t mon_buf[USBMON_HDR_LEN + MON_DATA_MAX]; /* one event at a time */
	char fan_reason[160];
	struct session **s;
	size_t n, cap;
};

static int64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	(void)clock_gettime(clock, &ts); /* cannot fail for the clocks used here */
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void block_close(struct blockdev *b)
{
	if (b->stat_fd >= 0)
		(void)close(b->stat_fd); /* sysfs attribute, read-only */
	if (b->ro_fd >= 0)
		(void)close(b->ro_fd); /* sysfs attribute, read-only */
	b->stat_fd = b->ro_fd = -1;
}

static struct session *session_free(struct session *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_blocks; i++)
		block_close(&s->blocks[i]);
	transfer_files_done(&s->files);
	free(s->mtp);
	free(s->dev);
	free(s);
	return NULL;
}

int transfer_watch_new(const struct transfer_watch_config *cfg, struct transfer_watch **ret)
{
	struct transfer_watch *w;

	if (!cfg || !cfg->event || !ret)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	if (!w->cfg.sysfs_root)
		w->cfg.sysfs_root = "/sys";
	if (!w->cfg.dev_root)
		w->cfg.dev_root = "/dev";
	if (!w->cfg.sample_usec)
		w->cfg.sample_usec = TRANSFER_SAMPLE_USEC;
	if (!w->cfg.report_usec)
		w->cfg.report_usec = TRANSFER_REPORT_USEC;
	w->fan_fd = -1;
	w->udev = udev_new();
	if (!w->udev) {
		free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

struct transfer_watch *transfer_watch_free(struct transfer_watch *w)
{
	if (!w)
		return NULL;
	sd_event_source_disable_unref(w->timer);
	sd_event_source_disable_unref(w->fan_src);
	sd_event_source_disable_unref(w->mnt_src);
	for (size_t i = 0; i < w->n_mon; i++) {
		sd_event_source_disable_unref(w->mon[i].src);
		if (w->mon[i].fd >= 0)
			(void)close(w->mon[i].fd); /* read-only character device */
	}
	if (w->fan_fd >= 0)
		(void)close(w->fan_fd); /* notification fd */
	if (w->cfg.live_path && w->n)
		(void)unlink(w->cfg.live_path); /* counters of an agent that is gone are not live */
	for (size_t i = 0; i < w->n; i++)
		session_free(w->s[i]);
	free(w->s);
	udev_unref(w->udev);
	free(w);
	return NULL;
}

static ssize_t session_index(const struct transfer_watch *w, const char *busid)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->s[i]->busid, busid))
			return (ssize_t)i;
	return -1;
}

/* ---- read-only ------------------------------------------------------------------------- */

int transfer_watch_prepare_read_only(struct transfer_watch *w, const char *busid, bool on)
{
	char path[PATH_MAX];
	int fd;

	if (!w->cfg.ro_dir)
		return on ? -ENOTDIR : 0;
	if (snprintf(path, sizeof(path), "%s/%s", w->cfg.ro_dir, busid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (!on)
		return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;
	if (mkdir(w->cfg.ro_dir, 0755) < 0 && errno != EEXIST) {
		/* the run directory itself may be missing (no tmpfiles.d run yet): make it too */
		char parent[PATH_MAX];
		char *slash;
		if (errno != ENOENT || str_copy(parent, sizeof(parent), w->cfg.ro_dir) < 0 ||
		    !(slash = strrchr(parent, '/')) || slash == parent)
			return -errno;
		*slash = '\0';
		if ((mkdir(parent, 0755) < 0 && errno != EEXIST) ||
		    (mkdir(w->cfg.ro_dir, 0755) < 0 && errno != EEXIST))
			return negative_errno();
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	if (close(fd) < 0) /* empty marker: its existence is the message */
		return negative_errno();
	return 0;
}

static void emit(struct transfer_watch *w, enum event_type type, const struct session *s,
                 const struct transfer_report *rep, const char *msg)
{
	if (w->cfg.emit)
		w->cfg.emit(w->cfg.userdata, type, s->dev, rep, msg);
}

/* Sets the flag on one block device of a read-only session; failure is reported, and the device
 * is cut off: storage that should be read-only and is not must not stay usable. */
static void block_make_ro(struct transfer_watch *w, struct session *s, struct blockdev *b,
                          bool tamper)
{
	char node[96], msg[256];
	int r;

	if (snprintf(node, sizeof(node), "%s/%s", w->cfg.dev_root, b->name) >= (int)sizeof(node))
		r = -ENAMETOOLONG;
	else
		r = blockdev_set_read_only(node);
	if (r < 0) {
		(void)snprintf(msg, sizeof(msg),
		               "%s could not be set read-only (%s); device deauthorized", node,
		               strerror(-r));
		log_error("%s", msg);
		if (!s->cut_why[0])
			(void)str_copy(s->cut_why, sizeof(s->cut_why), msg);
		return;
	}
	if (tamper) {
		(void)snprintf(msg, sizeof(msg),
		               "read-only flag of %s was cleared by someone else; set again", node);
		log_warning("%s", msg);
		emit(w, EVENT_TAMPER, s, NULL, msg);
	}
}

/* ---- block devices --------------------------------------------------------------------- */

static int read_attr(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return (int)n;
}

static int open_attr(const char *dir, const char *attr)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

static void fan_scan_mounts(struct transfer_watch *w);

/* A block device of the session appeared (uevent or scan). Idempotent. */
static void session_add_block(struct transfer_watch *w, struct session *s, const char *syspath,
                              const char *name, bool partition, bool born_now)
{
	char buf[256];

	for (size_t i = 0; i < s->n_blocks; i++)
		if (!strcmp(s->blocks[i].syspath, syspath))
			return;
	if (s->n_blocks == MAX_BLOCKS || strlen(name) >= sizeof(s->blocks[0].name) ||
	    strlen(syspath) >= sizeof(s->blocks[0].syspath)) {
		log_warning("%s: too many block devices or names too long; %s not counted",
		            s->busid, name);
		return;
	}
	struct blockdev *b = &s->blocks[s->n_blocks];
	*b = (struct blockdev){ .partition = partition, .stat_fd = -1, .ro_fd = -1 };
	(void)str_copy(b->name, sizeof(b->name), name);
	(void)str_copy(b->syspath, sizeof(b->syspath), syspath);
	int dfd = open_attr(syspath, "dev");
	if (dfd >= 0) {
		unsigned maj, min;
		if (read_attr(dfd, buf, sizeof(buf)) > 0 && sscanf(buf, "%u:%u", &maj, &min) == 2)
			b->devt = makedev(maj, min);
		(void)close(dfd); /* sysfs attribute, read-only */
	}
	if (s->plan.read_only) {
		block_make_ro(w, s, b, false);
		int fd = open_attr(syspath, "ro");
		b->ro_fd = fd >= 0 ? fd : -1;
	}
	if (!partition) {
		uint64_t rd = 0, wr = 0;
		int fd = open_attr(syspath, "stat");
		b->stat_fd = fd >= 0 ? fd : -1;
		/* A disk born in this session counts from zero; one present when the agent started
		 * counts from now. */
		if (!born_now && b->stat_fd >= 0 && read_attr(b->stat_fd, buf, sizeof(buf)) > 0)
			(void)transfer_parse_block_stat(buf, strlen(buf), &rd, &wr);
		transfer_counter_init(&b->rd, sizeof(long) * 8, rd);
		transfer_counter_init(&b->wr, sizeof(long) * 8, wr);
	}
	s->n_blocks++;
	log_info("%s: block device %s%s%s (%s)", s->busid, name, partition ? " (partition)" : "",
	         s->plan.read_only ? ", read-only" : "",
	         born_now ? "counted from 0" : "counted from now");
	fan_scan_mounts(w); /* mounted already (agent start), or the mount raced this uevent */
}

static void session_drop_block(struct session *s, size_t i)
{
	block_close(&s->blocks[i]);
	memmove(&s->blocks[i], &s->blocks[i + 1], (s->n_blocks - i - 1) * sizeof(s->blocks[0]));
	s->n_blocks--;
}

/* Every block device under the USB device now (agent start, or uevents missed). */
static void session_scan(struct transfer_watch *w, struct session *s, bool born_now)
{
	struct udev_enumerate *e = udev_enumerate_new(w->udev);
	struct udev_device *parent = udev_device_new_from_syspath(w->udev, s->syspath);
	struct udev_list_entry *l;

	if (!e || !parent)
		goto out;
	if (udev_enumerate_add_match_subsystem(e, "block") < 0 ||
	    udev_enumerate_add_match_parent(e, parent) < 0 || udev_enumerate_scan_devices(e) < 0)
		goto out;
	udev_list_entry_foreach (l, udev_enumerate_get_list_entry(e)) {
		const char *sp = udev_list_entry_get_name(l);
		const char *name = strrchr(sp, '/');
		struct udev_device *d = udev_device_new_from_syspath(w->udev, sp);
		const char *type = d ? udev_device_get_devtype(d) : NULL;

		if (name && type)
			session_add_block(w, s, sp, name + 1, !strcmp(type, "partition"), born_now);
		udev_device_unref(d);
	}
out:
	udev_device_unref(parent);
	udev_enumerate_unref(e);
}

static bool session_has_disk(const struct session *s)
{
	for (size_t i = 0; i < s->n_blocks; i++)
		if (!s->blocks[i].partition)
			return true;
	return false;
}

/* Reads every disk's counters into the period; keeps the read-only flags set. */
static void session_sample(struct transfer_watch *w, struct session *s, int64_t mono)
{
	char buf[256];
	uint64_t to = 0, from_before = s->from;

	for (size_t i = 0; i < s->n_blocks;) {
		struct blockdev *b = &s->blocks[i];
		uint64_t rd, wr;

		if (b->stat_fd >= 0) {
			int r = read_attr(b->stat_fd, buf, sizeof(buf));
			if (r < 0) {
				/* gone: what was sampled last is what is counted */
				session_drop_block(s, i);
				continue;
			}
			if (transfer_parse_block_stat(buf, (size_t)r, &rd, &wr) == 0) {
				uint64_t dr = transfer_counter_update(&b->rd, rd) * SECTOR;
				uint64_t dw = transfer_counter_update(&b->wr, wr) * SECTOR;
				s->from += dr;
				s->total_from += dr;
				to += dw;
			}
		}
		if (b->ro_fd >= 0 && read_attr(b->ro_fd, buf, sizeof(buf)) > 0 && buf[0] == '0')
			block_make_ro(w, s, b, true);
		i++;
	}
	s->to += to;
	s->total_to += to;
	transfer_window_add(&s->win, mono, to, 0);
	if (to || s->from != from_before)
		w->live_dirty = true;
}

/* ---- how it was counted ----------------------------------------------------------------- */

static const struct usbmon_bus *mon_bus(const struct transfer_watch *w, unsigned busnum)
{
	for (size_t i = 0; i < w->n_mon; i++)
		if (w->mon[i].busnum == busnum)
			return &w->mon[i];
	return NULL;
}

/* How bytes and names were learnt, and why not when they were not. */
static void report_methods(const struct transfer_watch *w, const struct session *s,
                           struct transfer_report *rep)
{
	if (s->plan.storage) {
		rep->method = "block";
		rep->files_method = w->fan_error ? "unavailable" : "fanotify";
		rep->files_reason = w->fan_error ? w->fan_reason : NULL;
		return;
	}
	const struct usbmon_bus *b = mon_bus(w, s->dev->busnum);
	if (b && b->fd >= 0) {
		rep->method = "usbmon";
		rep->files_method = s->plan.mtp ? "mtp" : NULL;
		return;
	}
	rep->method = "unavailable";
	rep->method_reason = b ? b->reason : NO_BYTE_COUNTER;
	rep->files_method = s->plan.mtp ? "unavailable" : NULL;
	rep->files_reason = s->plan.mtp ? rep->method_reason : NULL;
}

/* ---- transfer events ------------------------------------------------------------------ */

static void session_report(struct transfer_watch *w, struct session *s, const char *end)
{
	struct transfer_file_ref *refs = NULL;
	int64_t rt = now_usec(CLOCK_REALTIME);

	if (s->files.n)
		refs = calloc(s->files.n, sizeof(*refs));
	for (size_t i = 0; refs && i < s->files.n; i++)
		refs[i] = (struct transfer_file_ref){ s->files.v[i].name, s->files.v[i].bytes };

	struct transfer_report rep = {
		.to_device_bytes = s->to,
		.from_device_bytes = s->from,
		.files = refs,
		.n_files = refs ? s->files.n : 0,
		.files_written = s->files_written,
		.files_omitted = s->files.omitted + (refs ? 0 : s->files.n),
		.started_usec = s->period_started_rt,
		.ended_usec = rt,
		.session_started_usec = s->session_started_rt,
		.end = end,
		.read_only = s->plan.read_only,
	};
	report_methods(w, s, &rep);
	emit(w, EVENT_TRANSFER, s, &rep, NULL);
	free(refs);

	s->to = s->from = s->files_written = 0;
	transfer_files_clear(&s->files);
	s->period_started_rt = rt;
	s->period_started_mono = now_usec(CLOCK_MONOTONIC);
}

/* The copy limit: an alert, and for "block" the device is to be cut off. */
static void session_check_limit(struct transfer_watch *w, struct session *s, int64_t mono)
{
	uint64_t wb, wf;
	char b1[32], lim[128], msg[300];

	if (!s->plan.limit)
		return;
	transfer_window_sum(&s->win, mono, &wb, &wf);
	if (!transfer_limit_check(s->plan.limit, &s->lst, wb, wf))
		return;
	bool cut = s->plan.limit->action == TRANSFER_LIMIT_BLOCK;
	(void)snprintf(msg, sizeof(msg),
	               "copy limit crossed: %s and %llu files to the device in %u s "
	               "(limit %s)%s",
	               transfer_format_bytes(wb, b1, sizeof(b1)), (unsigned long long)wf,
	               s->plan.limit->window_sec,
	               transfer_limit_format(s->plan.limit, lim, sizeof(lim)),
	               cut ? "; device deauthorized" : "");
	struct transfer_report rep = {
		.to_device_bytes = s->to,
		.from_device_bytes = s->from,
		.files_written = s->files_written,
		.started_usec = s->period_started_rt,
		.ended_usec = now_usec(CLOCK_REALTIME),
		.session_started_usec = s->session_started_rt,
		.read_only = s->plan.read_only,
		.limit = s->plan.limit,
		.window_bytes = wb,
		.window_files = wf,
	};
	report_methods(w, s, &rep);
	log_warning("%s: %s", s->busid, msg);
	emit(w, EVENT_TRANSFER_ALERT, s, &rep, msg);
	if (cut && !s->cut_why[0])
		(void)str_copy(s->cut_why, sizeof(s->cut_why), msg);
}

/* Cuts off the devices found to need it. cut_off() ends the session (through the agent's
 * deauthorization); backwards, so that an ended session moves nothing not yet visited. */
static void process_cuts(struct transfer_watch *w)
{
	char busid[USB_BUSID_MAX], why[sizeof(((struct session *)0)->cut_why)];

	for (size_t i = w->n; i-- > 0;) {
		if (i >= w->n || !w->s[i]->cut_why[0])
			continue;
		(void)str_copy(busid, sizeof(busid), w->s[i]->busid);
		(void)str_copy(why, sizeof(why), w->s[i]->cut_why);
		w->s[i]->cut_why[0] = '\0';
		if (w->cfg.cut_off)
			w->cfg.cut_off(w->cfg.userdata, busid, w->s[i]->dev, why);
	}
}

/* ---- files written (fanotify) ---------------------------------------------------------- */

static bool any_storage(const struct transfer_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->s[i]->plan.storage)
			return true;
	return false;
}

static void fan_fail(struct transfer_watch *w, int r, const char *what)
{
	if (!w->fan_error)
		log_warning_errno(r, "%s failed; file names are not recorded: %m", what);
	w->fan_error = r;
	(void)snprintf(w->fan_reason, sizeof(w->fan_reason), "%s: %s", what, strerror(-r));
}

/* The session and block device whose filesystem st_dev is. */
static struct session *session_of_dev(struct transfer_watch *w, dev_t dev, struct blockdev **ret_b)
{
	for (size_t i = 0; i < w->n; i++)
		for (size_t k = 0; k < w->s[i]->n_blocks; k++)
			if (w->s[i]->blocks[k].devt == dev && w->s[i]->plan.storage) {
				*ret_b = &w->s[i]->blocks[k];
				return w->s[i];
			}
	return NULL;
}

/* Marks every mounted filesystem of a storage session (FAN_MARK_FILESYSTEM is idempotent). */
static void fan_scan_mounts(struct transfer_watch *w)
{
	char line[4096], mnt[256];
	FILE *f;

	if (w->fan_fd < 0)
		return;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	for (size_t i = 0; i < w->n; i++)
		for (size_t k = 0; k < w->s[i]->n_blocks; k++)
			w->s[i]->blocks[k].mnt[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		struct blockdev *b;
		if (transfer_parse_mountinfo_line(line, strlen(line), &maj, &min, mnt,
		                                  sizeof(mnt)) < 0 ||
		    !session_of_dev(w, makedev(maj, min), &b))
			continue;
		if (fanotify_mark(w->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE,
		                  AT_FDCWD, mnt) < 0) {
			fan_fail(w, negative_errno(), "fanotify_mark");
			continue;
		}
		(void)str_copy(b->mnt, sizeof(b->mnt), mnt);
	}
	fclose(f);
}

static int on_mountinfo(sd_event_source *src _unused_, int fd _unused_, uint32_t revents _unused_,
                        void *userdata)
{
	fan_scan_mounts(userdata);
	return 0;
}

/* One file closed after writing: name (relative to its mount), size, into its session. */
static void fan_file(struct transfer_watch *w, int fd)
{
	char link[64], path[PATH_MAX];
	struct blockdev *b;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	struct session *s = session_of_dev(w, st.st_dev, &b);
	if (!s)
		return;
	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		s->files.omitted++;
	} else {
		path[n] = '\0';
		size_t ml = strlen(b->mnt);
		const char *name = path;
		if (ml > 1 && !strncmp(path, b->mnt, ml) && path[ml] == '/')
			name = path + ml + 1;
		else if (ml == 1 && path[0] == '/')
			name = path + 1;
		transfer_files_add(&s->files, name, strlen(name), (uint64_t)st.st_size);
	}
	s->files_written++;
	s->total_files++;
	w->live_dirty = true;
	transfer_window_add(&s->win, now_usec(CLOCK_MONOTONIC), 0, 1);
}

static int on_fanotify(sd_event_source *src _unused_, int fd, uint32_t revents _unused_,
                       void *userdata)
{
	struct transfer_watch *w = userdata;
	_Alignas(struct fanotify_event_metadata) char buf[8192];
	ssize_t len;

	for (int round = 0; round < 16; round++) { /* bounded: the loop runs again */
		len = read(fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		struct fanotify_event_metadata *m = (void *)buf; /* FAN_EVENT_NEXT casts */
		for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			bool known = m->vers == FANOTIFY_METADATA_VERSION; /* else: only close */
			if (known && (m->mask & FAN_Q_OVERFLOW)) {
				/* lost events: at least one file per storage session not listed */
				for (size_t i = 0; i < w->n; i++)
					if (w->s[i]->plan.storage)
						w->s[i]->files.omitted++;
			}
			if (m->fd >= 0) {
				if (known)
					fan_file(w, m->fd);
				(void)close(m->fd); /* read-only fd the kernel opened for us */
			}
		}
	}
	for (size_t i = 0; i < w->n; i++)
		session_check_limit(w, w->s[i], now_usec(CLOCK_MONOTONIC));
	process_cuts(w);
	return 0;
}

/* fanotify and the mount table watch exist exactly while a storage session does. */
static void fan_update(struct transfer_watch *w)
{
	int r;

	if (!any_storage(w)) {
		w->fan_src = sd_event_source_disable_unref(w->fan_src);
		w->mnt_src = sd_event_source_disable_unref(w->mnt_src);
		if (w->fan_fd >= 0)
			(void)close(w->fan_fd); /* notification fd */
		w->fan_fd = -1;
		w->fan_error = 0;
		return;
	}
	if (w->fan_fd >= 0 || w->fan_error)
		return;
	w->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
	                          O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (w->fan_fd < 0) {
		w->fan_fd = -1;
		fan_fail(w, negative_errno(), "fanotify_init");
		return;
	}
	r = sd_event_add_io(w->cfg.event, &w->fan_src, w->fan_fd, EPOLLIN, on_fanotify, w);
	if (r < 0) {
		fan_fail(w, r, "watching fanotify");
		return;
	}
	int mfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (mfd < 0 ||
	    sd_event_add_io(w->cfg.event, &w->mnt_src, mfd, EPOLLPRI, on_mountinfo, w) < 0) {
		if (mfd >= 0)
			(void)close(mfd); /* read-only */
		fan_fail(w, -EIO, "watching /proc/self/mountinfo");
		return;
	}
	(void)sd_event_source_set_io_fd_own(w->mnt_src, true);
}

/* ---- the USB monitor (phones and other non-block data devices) ------------------------- */

static struct session *session_of_usb(struct transfer_watch *w, unsigned busnum, unsigned devnum)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->s[i]->plan.other_data && !w->s[i]->plan.storage &&
		    w->s[i]->dev->busnum == busnum && w->s[i]->dev->devnum == devnum)
			return w->s[i];
	return NULL;
}

static void mtp_found(void *userdata, const struct mtp_object *o)
{
	struct session *s = userdata;

	transfer_files_add(&s->files, o->name, strlen(o->name),
	                   o->size == UINT64_MAX ? 0 : o->size);
	s->files_written++;
	s->total_files++;
	transfer_window_add(&s->win, now_usec(CLOCK_MONOTONIC), 0, 1);
}

static int on_usbmon(sd_event_source *src _unused_, int fd, uint32_t revents _unused_,
                     void *userdata)
{
	struct transfer_watch *w = userdata;
	uint8_t *buf = w->mon_buf;
	struct mon_bin_get get = { buf, buf + USBMON_HDR_LEN, MON_DATA_MAX };
	struct mon_bin_stats st;
	int64_t mono = now_usec(CLOCK_MONOTONIC);

	for (int k = 0; k < MON_BATCH; k++) {
		struct usbmon_record r;
		if (ioctl(fd, MON_IOCX_GETX, &get) < 0)
			break; /* EAGAIN: drained */
		uint32_t cap;
		memcpy(&cap, buf + 36, sizeof(cap));
		size_t len = USBMON_HDR_LEN + (cap < MON_DATA_MAX ? cap : MON_DATA_MAX);
		if (usbmon_parse_record(buf, len, &r) < 0)
			continue;
		struct session *s = session_of_usb(w, r.busnum, r.devnum);
		if (!s)
			continue;
		bool in;
		uint32_t bytes;
		if (usbmon_bulk_bytes(&r, &in, &bytes)) {
			if (in) {
				s->from += bytes;
				s->total_from += bytes;
			} else {
				s->to += bytes;
				s->total_to += bytes;
				transfer_window_add(&s->win, mono, bytes, 0);
			}
			w->live_dirty = true;
		} else if (s->mtp && r.type == 'S' && r.xfer_type == USBMON_XFER_BULK &&
		           !(r.epnum & 0x80))
			(void)mtp_stream_feed(s->mtp, r.data, r.data_len, r.len_urb, mtp_found, s);
	}
	/* Events the kernel dropped (ring full): names may be missing, the stream starts afresh. */
	for (size_t i = 0; i < w->n_mon; i++)
		if (w->mon[i].fd == fd && ioctl(fd, MON_IOCG_STATS, &st) == 0 &&
		    st.dropped != w->mon[i].dropped) {
			w->mon[i].dropped = st.dropped;
			for (size_t j = 0; j < w->n; j++)
				if (w->s[j]->mtp && w->s[j]->dev->busnum == w->mon[i].busnum) {
					mtp_stream_init(w->s[j]->mtp);
					w->s[j]->files.omitted++;
				}
		}
	for (size_t i = 0; i < w->n; i++)
		session_check_limit(w, w->s[i], mono);
	process_cuts(w);
	return 0;
}

/* One reader per bus with a non-block data device, none otherwise. */
static void mon_update(struct transfer_watch *w)
{
	/* close the buses nobody needs */
	for (size_t i = 0; i < w->n_mon;) {
		bool need = false;
		for (size_t j = 0; j < w->n && !need; j++)
			need = w->s[j]->plan.other_data && !w->s[j]->plan.storage &&
			       w->s[j]->dev->busnum == w->mon[i].busnum;
		if (need) {
			i++;
			continue;
		}
		sd_event_source_disable_unref(w->mon[i].src);
		if (w->mon[i].fd >= 0)
			(void)close(w->mon[i].fd); /* read-only character device */
		w->mon[i] = w->mon[--w->n_mon];
	}
	/* open the ones that are needed */
	for (size_t j = 0; j < w->n; j++) {
		const struct session *s = w->s[j];
		unsigned bus = s->dev->busnum;
		char path[32];

		if (!s->plan.other_data || s->plan.storage || mon_bus(w, bus) ||
		    w->n_mon == MAX_MON_BUSES)
			continue;
		struct usbmon_bus *b = &w->mon[w->n_mon++];
		*b = (struct usbmon_bus){ .busnum = bus, .fd = -1 };
		(void)snprintf(path, sizeof(path), "/dev/usbmon%u", bus);
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int e = errno;
			(void)snprintf(b->reason, sizeof(b->reason), "usbmon: %s: %s%s", path,
			               strerror(e),
			               e == ENOENT ? " (the usbmon module is not loaded)" : "");
			log_warning("%s; transfers of bus %u are not counted", b->reason, bus);
			continue;
		}
		(void)ioctl(fd, MON_IOCT_RING_SIZE,
		            MON_RING_SIZE); /* best effort: default 300 KiB */
		int r = sd_event_add_io(w->cfg.event, &b->src, fd, EPOLLIN, on_usbmon, w);
		if (r < 0) {
			(void)close(fd); /* read-only character device */
			(void)snprintf(b->reason, sizeof(b->reason), "usbmon: watching %s: %s",
			               path, strerror(-r));
			continue;
		}
		struct mon_bin_stats st;
		if (ioctl(fd, MON_IOCG_STATS, &st) == 0)
			b->dropped = st.dropped;
		b->fd = fd;
	}
}

/* ---- live counters -------------------------------------------------------------------- */

#define LIVE_MIN_USEC (1000 * 1000) /* at most once a second while counters move */

/* <live_path>: one line per session, replaced atomically. Best effort: never affects anything. */
static void live_write(struct transfer_watch *w, bool force)
{
	char tmp[PATH_MAX], line[128];
	int64_t mono = now_usec(CLOCK_MONOTONIC);
	FILE *f;

	if (!w->cfg.live_path ||
	    (!force && (!w->live_dirty || mono - w->live_written_mono < LIVE_MIN_USEC)))
		return;
	if (w->n == 0) { /* nothing attached: no file */
		(void)unlink(w->cfg.live_path);
		w->live_dirty = false;
		return;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", w->cfg.live_path) >= (int)sizeof(tmp))
		return;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	(void)fchmod(fd, 0644); /* operators may read it despite the unit's UMask */
	f = fdopen(fd, "w");
	if (!f) {
		(void)close(fd); /* nothing written */
		(void)unlink(tmp);
		return;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct session *s = w->s[i];
		struct transfer_live l = { .to = s->total_to,
			                   .from = s->total_from,
			                   .files = s->total_files,
			                   .started_usec = s->session_started_rt,
			                   .read_only = s->plan.read_only };
		(void)str_copy(l.busid, sizeof(l.busid), s->busid);
		if (transfer_live_format(&l, line, sizeof(line)) > 0)
			(void)fputs(line, f);
	}
	if (fclose(f) != 0 || rename(tmp, w->cfg.live_path) < 0) {
		(void)unlink(tmp);
		return;
	}
	w->live_dirty = false;
	w->live_written_mono = mono;
}

/* ---- timer ----------------------------------------------------------------------------- */

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata);

static void timer_update(struct transfer_watch *w)
{
	bool sample = false;

	mon_update(w);

	fan_update(w);
	int64_t mono = now_usec(CLOCK_MONOTONIC), next = INT64_MAX;
	uint64_t period = w->cfg.sample_usec;
	int r;

	for (size_t i = 0; i < w->n; i++) {
		struct session *s = w->s[i];
		int64_t due = s->period_started_mono + (int64_t)w->cfg.report_usec;
		sample |= s->plan.storage || s->plan.read_only;
		/* A limit that cuts the device off must see a fast copy while it happens: a stick
		 * writes tens of MB per 250 ms period. */
		if (s->plan.storage && s->plan.limit &&
		    s->plan.limit->action == TRANSFER_LIMIT_BLOCK &&
		    period > TRANSFER_CUT_SAMPLE_USEC)
			period = TRANSFER_CUT_SAMPLE_USEC;
		if (due < next)
			next = due;
	}
	if (w->n == 0) {
		if (w->timer)
			(void)sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
		return;
	}
	if (sample && mono + (int64_t)period < next)
		next = mono + (int64_t)period;
	if (next < mono)
		next = mono;
	if (!w->timer) {
		r = sd_event_add_time(w->cfg.event, &w->timer, CLOCK_MONOTONIC, (uint64_t)next,
		                      1000, on_timer, w);
		if (r < 0) {
			log_warning_errno(r, "Failed to arm the transfer timer: %m");
			w->timer = NULL;
			return;
		}
	} else
		(void)sd_event_source_set_time(w->timer, (uint64_t)next);
	(void)sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata)
{
	struct transfer_watch *w = userdata;
	int64_t mono = now_usec(CLOCK_MONOTONIC);

	for (size_t i = 0; i < w->n; i++) {
		struct session *s = w->s[i];

		if ((s->plan.storage || s->plan.read_only) && !session_has_disk(s))
			session_scan(w, s, true);
		session_sample(w, s, mono);
		session_check_limit(w, s, mono);
		if (mono - s->period_started_mono >= (int64_t)w->cfg.report_usec)
			session_report(w, s, NULL);
	}
	process_cuts(w);
	live_write(w, false);
	timer_update(w);
	return 0;
}

/* ---- sessions -------------------------------------------------------------------------- */

int transfer_watch_device(struct transfer_watch *w, const struct usb_device_info *dev,
                          const struct transfer_plan *plan, bool present_at_start)
{
	ssize_t i = session_index(w, dev->busid);
	struct session *s;

	if (!plan->storage && !plan->other_data && !plan->read_only) {
		if (i >= 0)
			transfer_watch_end(w, dev->busid, "deauthorized");
		return 0;
	}
	if (i >= 0) {
		/* policy reload: the same session goes on under the new plan */
		s = w->s[i];
		bool was_ro = s->plan.read_only;
		s->plan = *plan;
		s->plan.limit = NULL;
		if (plan->limit) {
			s->limit = *plan->limit;
			if (plan->audit) /* audit mode blocks nothing */
				s->limit.action = TRANSFER_LIMIT_ALERT;
			s->plan.limit = &s->limit;
			transfer_window_init(&s->win, s->limit.window_sec);
		}
		if (plan->read_only && !was_ro)
			for (size_t k = 0; k < s->n_blocks; k++) {
				block_make_ro(w, s, &s->blocks[k], false);
				int fd = open_attr(s->blocks[k].syspath, "ro");
				if (fd >= 0 && s->blocks[k].ro_fd < 0)
					s->blocks[k].ro_fd = fd;
				else if (fd >= 0)
					(void)close(fd); /* already open */
			}
		process_cuts(w);
		timer_update(w);
		return 0;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dev = malloc(sizeof(*s->dev));
	if (!s->dev || str_copy(s->syspath, sizeof(s->syspath), dev->syspath) < 0) {
		session_free(s);
		return -ENOMEM;
	}
	memcpy(s->dev, dev, sizeof(*dev));
	(void)str_copy(s->busid, sizeof(s->busid), dev->busid);
	s->plan = *plan;
	s->plan.limit = NULL;
	if (plan->limit) {
		s->limit = *plan->limit;
		if (plan->audit) /* audit mode blocks nothing */
			s->limit.action = TRANSFER_LIMIT_ALERT;
		s->plan.limit = &s->limit;
	}
	transfer_window_init(&s->win, s->plan.limit ? s->limit.window_sec : 600);
	if (plan->mtp && !plan->storage) {
		s->mtp = malloc(sizeof(*s->mtp)); /* without it: bytes only */
		if (s->mtp)
			mtp_stream_init(s->mtp);
	}
	s->present_at_start = present_at_start;
	s->session_started_rt = s->period_started_rt = now_usec(CLOCK_REALTIME);
	s->period_started_mono = now_usec(CLOCK_MONOTONIC);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct session **v = reallocarray(w->s, cap, sizeof(*v));
		if (!v) {
			session_free(s);
			return -ENOMEM;
		}
		w->s = v;
		w->cap = cap;
	}
	w->s[w->n++] = s;
	fan_update(w);
	if (plan->storage || plan->read_only)
		session_scan(w, s, !present_at_start);
	process_cuts(w);
	live_write(w, true);
	timer_update(w);
	return 0;
}

void transfer_watch_end(struct transfer_watch *w, const char *busid, const char *end)
{
	ssize_t i = w ? session_index(w, busid) : -1;

	if (i < 0)
		return;
	struct session *s = w->s[i];
	session_sample(w, s, now_usec(CLOCK_MONOTONIC)); /* whatever can still be read */
	session_report(w, s, end);
	if (s->plan.read_only)
		(void)transfer_watch_prepare_read_only(w, s->busid, false);
	session_free(s);
	memmove(&w->s[i], &w->s[i + 1], (w->n - (size_t)i - 1) * sizeof(w->s[0]));
	w->n--;
	live_write(w, true);
	timer_update(w);
}

void transfer_watch_block_uevent(struct transfer_watch *w, const char *action, const char *syspath,
                                 const char *devname, const char *devtype)
{
	if (!w || !action || !syspath || !devtype)
		return;
	/* DEVNAME is "sda" in the kernel's uevent, "/dev/sda" once libudev has read it */
	const char *name = devname;
	if (name && str_startswith(name, "/dev/"))
		name += strlen("/dev/");
	if (!name || !*name || strchr(name, '/')) {
		name = strrchr(syspath, '/');
		if (!name)
			return;
		name++;
	}
	for (size_t i = 0; i < w->n; i++) {
		struct session *s = w->s[i];
		size_t n = strlen(s->syspath);

		if (strncmp(syspath, s->syspath, n) || syspath[n] != '/')
			continue;
		if (!s->plan.storage && !s->plan.read_only)
			return;
		if (!strcmp(action, "add") || !strcmp(action, "change")) {
			session_add_block(w, s, syspath, name, !strcmp(devtype, "partition"), true);
			/* "change" (media change, table re-read): the flag again, at once */
			for (size_t k = 0;
			     s->plan.read_only && !strcmp(action, "change") && k < s->n_blocks; k++)
				if (!strcmp(s->blocks[k].syspath, syspath))
					block_make_ro(w, s, &s->blocks[k], false);
		} else if (!strcmp(action, "remove")) {
			for (size_t k = 0; k < s->n_blocks; k++)
				if (!strcmp(s->blocks[k].syspath, syspath)) {
					session_drop_block(s, k);
					break;
				}
		}
		process_cuts(w);
		timer_update(w);
		return;
	}
}

void transfer_watch_stop(struct transfer_watch *w)
{
	while (w && w->n)
		transfer_watch_end(w, w->s[w->n - 1]->busid, "agent stopping");
}

size_t transfer_watch_count(const struct transfer_watch *w)
{
	return w ? w->n : 0;
}

bool transfer_watch_get(const struct transfer_watch *w, size_t i, const char **ret_busid,
                        uint64_t *ret_to, uint64_t *ret_from, uint64_t *ret_files,
                        int64_t *ret_started_usec)
{
	if (!w || i >= w->n)
		return false;
	*ret_busid = w->s[i]->busid;
	*ret_to = w->s[i]->total_to;
	*ret_from = w->s[i]->total_from;
	*ret_files = w->s[i]->total_files;
	*ret_started_usec = w->s[i]->session_started_rt;
	return true;
}
