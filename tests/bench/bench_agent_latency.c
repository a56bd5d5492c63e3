/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullisd figures (printed, never judged):
 *  1. decision latency, from the receipt of a udev event to the agent's last authorization write
 *     for it, p50/p99/max over 1,000 hot-plugged devices (half keyboards: authorized; half USB
 *     sticks: left unauthorized) and over the interfaces of 100 keyboards (authorize + probe);
 *  2. the daemon's idle footprint: portcullisd --foreground on a testbed with a few devices,
 *     VmRSS once idle, and whether it wakes up while idle (/proc/PID/schedstat and context
 *     switches over 3 s).
 * Run under LD_PRELOAD=libumockdev-preload.so.0 (the bench target does).
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "agent/daemon/agent.h"
#include "tests/support/testsupport.h"

#define N_DEVICES       1000
#define N_IFACE_DEVICES 100

struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct bench {
	struct samples dev, iface, dev_cpu, iface_cpu;
};

static void add_sample(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n++] = ns;
}

static void on_latency(void *userdata, struct udev_device *d, uint64_t nsec, uint64_t cpu)
{
	struct bench *b = userdata;
	const char *devtype = udev_device_get_devtype(d), *action = udev_device_get_action(d);

	if (!devtype || !action || strcmp(action, "add"))
		return;
	add_sample(!strcmp(devtype, "usb_interface") ? &b->iface : &b->dev, nsec);
	add_sample(!strcmp(devtype, "usb_interface") ? &b->iface_cpu : &b->dev_cpu, cpu);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void report(const char *what, struct samples *s)
{
	if (!s->n) {
		printf("  %-44s no samples\n", what);
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	printf("  %-44s n=%zu p50=%.1f us p99=%.1f us max=%.1f us\n", what, s->n,
	       s->v[s->n / 2] / 1e3, s->v[(s->n * 99) / 100] / 1e3, s->v[s->n - 1] / 1e3);
}

static int null_sink(void *userdata, const struct event *ev)
{
	(void)userdata;
	(void)ev;
	return 0;
}

static void drain(struct agent *a)
{
	for (int quiet = 0; quiet < 3;)
		quiet = agent_run_until_idle(a, 20 * 1000) > 0 ? 0 : quiet + 1;
}

/* Creates the interfaces of a keyboard (configuration 1), as the kernel does on authorization. */
static void configure_keyboard(UMockdevTestbed *tb, const char *syspath, const char *busid)
{
	for (unsigned i = 0; i < 2; i++) {
		char name[64];
		gchar *attrs[] = { "bInterfaceClass",
			           "03\n",
			           "bInterfaceSubClass",
			           i ? "00\n" : "01\n",
			           "bInterfaceProtocol",
			           i ? "00\n" : "01\n",
			           "authorized",
			           "0\n",
			           NULL };
		gchar *props[] = { "DEVTYPE", "usb_interface", NULL };
		gchar *sp;

		snprintf(name, sizeof(name), "%s:1.%u", busid, i);
		sp = umockdev_testbed_add_devicev(tb, "usb", name, syspath, attrs, props);
		g_free(sp);
	}
}

static int bench_latency(void)
{
	UMockdevTestbed *tb = umockdev_testbed_new();
	struct bench b = { 0 };
	/* No policy file (and no state): the built-in default, as on a fresh install. */
	struct agent_config cfg = { .sink = { .emit = null_sink },
		                    .store = { .policy_path =
		                                   "/nonexistent/portcullis/policy.conf" } };
	struct agent *a = NULL;
	static char *sp[N_DEVICES];
	struct agent_stats st;
	int r;

	for (unsigned bus = 1; bus <= 8; bus++)
		if (ts_add_root_hub(tb, bus, NULL) < 0)
			return -EIO;
	{
		gchar *sysdir = umockdev_testbed_get_sys_dir(tb);
		gchar *probe = g_build_filename(sysdir, "bus/usb/drivers_probe", NULL);

		if (!g_file_set_contents(probe, "", 0, NULL))
			return -EIO;
		g_free(probe);
		g_free(sysdir);
	}
	cfg.latency_hook = on_latency;
	cfg.latency_userdata = &b;
	r = agent_new(&cfg, &a);
	if (r < 0 || (r = agent_start(a)) < 0)
		return r;
	printf("agent decision latency (umockdev testbed; builtin policy):\n");
	for (unsigned i = 0; i < N_DEVICES; i++) {
		char busid[16];

		snprintf(busid, sizeof(busid), "%u-%u", 1 + i / 125, 1 + i % 125);
		r = ts_add_device(tb, i % 2 ? "usb-stick" : "keyboard", NULL, busid, false, false,
		                  &sp[i]);
		if (r < 0)
			return r;
		if (i % 4 == 3) /* umockdev's uevent queue holds 10 */
			(void)agent_run_until_idle(a, 0);
	}
	drain(a);
	for (unsigned i = 0; i < 2 * N_IFACE_DEVICES; i += 2) {
		char busid[16];

		snprintf(busid, sizeof(busid), "%u-%u", 1 + i / 125, 1 + i % 125);
		configure_keyboard(tb, sp[i], busid);
		(void)agent_run_until_idle(a, 0);
	}
	drain(a);
	agent_get_stats(a, &st);
	report("device add -> decided and enforced (wall)", &b.dev);
	report("  same, CPU time of the agent thread", &b.dev_cpu);
	report("interface add -> authorized + probe (wall)", &b.iface);
	report("  same, CPU time of the agent thread", &b.iface_cpu);
	printf("  decisions=%llu enforce_failed=%llu\n", (unsigned long long)st.decisions,
	       (unsigned long long)st.enforce_failed);
	for (unsigned i = 0; i < N_DEVICES; i++)
		free(sp[i]);
	free(b.dev.v);
	free(b.iface.v);
	free(b.dev_cpu.v);
	free(b.iface_cpu.v);
	agent_free(a);
	g_object_unref(tb);
	return 0;
}

/* A "Key: value kB" line of /proc/PID/<file> (status, smaps_rollup); -1 when absent. */
static long proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static long status_field(pid_t pid, const char *key)
{
	return proc_field(pid, "status", key);
}

static int schedstat(pid_t pid, unsigned long long *run_ns, unsigned long long *slices)
{
	char path[64];
	unsigned long long wait;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu", run_ns, &wait, slices);
	fclose(f);
	return n == 3 ? 0 : -EIO;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int bench_idle(void)
{
	UMockdevTestbed *tb = umockdev_testbed_new();
	char dir[] = "/tmp/pc-bench-agent.XXXXXX", buf[16], *st = NULL, *kb = NULL;
	unsigned long long run0, run1, sl0, sl1;
	long ctx0, ctx1, rss;
	double t0;
	pid_t pid;

	if (!mkdtemp(dir) || ts_add_root_hub(tb, 1, NULL) < 0 ||
	    ts_add_device(tb, "usb-stick", NULL, "1-2", true, true, &st) < 0 ||
	    ts_add_device(tb, "keyboard", NULL, "1-3", true, true, &kb) < 0 ||
	    ts_add_device(tb, "badusb", NULL, "1-4", true, true, NULL) < 0)
		return -EIO;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char conf[64], pol[64], state[64], log[64];

		snprintf(conf, sizeof(conf), "%s/portcullisd.conf", dir);
		snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
		snprintf(state, sizeof(state), "%s/state", dir);
		snprintf(log, sizeof(log), "%s/log", dir);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(PORTCULLISD_PATH, "portcullisd", "--foreground", "--config", conf, "--policy",
		      pol, "--state-dir", state, "--log-dir", log, "--no-owner-check",
		      (char *)NULL);
		_exit(127);
	}
	/* Started once the usable stick has been deauthorized; then idle. */
	t0 = now_s();
	while (ts_read_attr(tb, st, "authorized", buf, sizeof(buf)) < 0 || strcmp(buf, "0")) {
		if (now_s() - t0 > 10) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	usleep(500000); /* let start-up finish (incident log fsyncs) before sampling */
	if (schedstat(pid, &run0, &sl0) < 0)
		return -EIO;
	ctx0 = status_field(pid, "voluntary_ctxt_switches:");
	sleep(3); /* the idle window being measured */
	if (schedstat(pid, &run1, &sl1) < 0)
		return -EIO;
	ctx1 = status_field(pid, "voluntary_ctxt_switches:");
	rss = status_field(pid, "VmRSS:");
	printf("portcullisd idle (3 devices, umockdev preload loaded, built-in policy):\n");
	printf("  VmRSS=%ld kB (RssAnon=%ld kB private, RssFile=%ld kB shared library pages)\n",
	       rss, status_field(pid, "RssAnon:"), status_field(pid, "RssFile:"));
	/* Pss charges each shared page to the processes mapping it: the daemon's fair share. Note
	 * the umockdev preload (and glib) is mapped here too, unlike on a real system. */
	printf("  Pss=%ld kB (Pss_Anon=%ld kB, Pss_File=%ld kB)\n",
	       proc_field(pid, "smaps_rollup", "Pss:"),
	       proc_field(pid, "smaps_rollup", "Pss_Anon:"),
	       proc_field(pid, "smaps_rollup", "Pss_File:"));
	printf("  over 3 s idle: cpu=%llu ns, timeslices=%llu, voluntary context switches=%ld\n",
	       run1 - run0, sl1 - sl0, ctx1 - ctx0);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(st);
	free(kb);
	g_object_unref(tb);
	return 0;
}

int main(void)
{
	int r;

	/* An in-memory testbed, like sysfs (the kernel's attribute writes cost no disk I/O). */
	if (access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);

	r = bench_latency();
	if (r < 0)
		fprintf(stderr, "latency bench failed: %s\n", strerror(-r));
	r = bench_idle();
	if (r < 0)
		fprintf(stderr, "idle bench failed: %s\n", strerror(-r));
	return 0;
}
