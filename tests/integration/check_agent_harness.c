/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_agent_harness.h"
#include "policy/device/usb_desc.h"
#include "policy/lang/policy.h"
#include "tests/support/testsupport.h"

const char H_POLICY_ALLOW_STORAGE[] =
    "version = 1;\nserial = 2;\nmode = \"enforce\";\ndefault = \"block\";\n"
    "rules = (\n"
    "  { id = \"allow-storage\"; action = \"allow\"; kind = [ \"mass-storage\" ]; },\n"
    "  { id = \"allow-peripherals\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; }\n"
    ");\n";

const char H_POLICY_AUDIT[] =
    "version = 1;\nserial = 3;\nmode = \"audit\";\ndefault = \"block\";\n"
    "rules = (\n"
    "  { id = \"allow-peripherals\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; }\n"
    ");\n";

static int capture(void *userdata, const struct event *ev)
{
	struct harness *h = userdata;
	struct h_event *e;

	if (h->tee.emit) {
		int r = event_sink_emit(&h->tee, ev);
		if (r < 0)
			return r;
		if (h->n_events == H_MAX_EVENTS)
			return 0; /* a long test: the recorder keeps what matters */
	}
	ck_assert_uint_lt(h->n_events, H_MAX_EVENTS);
	e = &h->events[h->n_events++];
	memset(e, 0, sizeof(*e));
	e->type = ev->type;
	e->verdict = ev->decision ? (int)ev->decision->verdict : -1;
	e->error = ev->error;
	if (ev->device)
		snprintf(e->busid, sizeof(e->busid), "%s", ev->device->busid);
	else if (ev->device_id && ev->device_id->busid)
		snprintf(e->busid, sizeof(e->busid), "%s", ev->device_id->busid);
	if (ev->message)
		snprintf(e->message, sizeof(e->message), "%s", ev->message);
	e->audit_override = ev->audit_override;
	return 0;
}

static int loader(void *userdata, const struct policy *current, int64_t now,
                  struct policy **ret_policy, struct policy_load_result *ret)
{
	struct harness *h = userdata;
	const char *text = h->policy_text;
	struct policy_error err;
	int r;

	(void)now;
	h->policy_loads++;
	h->locked_at_load = h_all_buses_locked(h);
	if (h->loader_error < 0)
		return h->loader_error;
	if (h->keep_current && current) {
		/* What policy_store_load() does when the file and last-known-good are unusable. */
		*ret_policy = policy_ref(current);
		memset(ret, 0, sizeof(*ret));
		ret->status = POLICY_STATUS_REJECTED;
		ret->error = -EBADMSG;
		(void)snprintf(ret->reason, sizeof(ret->reason), "test: rejected");
		ret->source = "current";
		return 0;
	}
	if (!text) {
		*ret_policy = policy_builtin_default();
		ck_assert_ptr_nonnull(*ret_policy);
	} else {
		r = policy_load_from_bytes(text, strlen(text), "test policy", ret_policy, &err);
		ck_assert_msg(r == 0, "test policy does not load: line %d: %s", err.line,
		              err.reason);
	}
	memset(ret, 0, sizeof(*ret));
	ret->status = POLICY_STATUS_ACCEPTED;
	ret->source = "file";
	if (h->loader_state_error < 0) {
		ret->state_error = h->loader_state_error;
		(void)snprintf(ret->reason, sizeof(ret->reason), "state/.serial.tmp: cannot write");
	}
	return 0;
}

struct harness *h_new(void)
{
	struct harness *h = calloc(1, sizeof(*h));
	char path[4096];
	int fd;

	ck_assert_ptr_nonnull(h);
	/* An in-memory testbed is closer to sysfs and ten times faster to build than one on ext4.
	 */
	if (access("/dev/shm", W_OK) == 0)
		g_setenv("TMPDIR", "/dev/shm", TRUE);
	h->tb = umockdev_testbed_new();
	ck_assert(umockdev_in_mock_environment());
	h->sysdir = umockdev_testbed_get_sys_dir(h->tb);
	ck_assert_int_eq(ts_add_root_hub(h->tb, 1, NULL), 0);
	/* drivers_probe, as the kernel has it; tests read back the last name written. */
	snprintf(path, sizeof(path), "%s/bus/usb/drivers_probe", h->sysdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(h->run_dir, sizeof(h->run_dir), "/tmp/pc-agent-run.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(h->run_dir));
	return h;
}

int h_try_start(struct harness *h)
{
	struct agent_config cfg = {
		.sysfs_root = "/sys", /* umockdev redirects it to the testbed */
		.run_dir = h->run_dir,
		.loader = loader,
		.loader_userdata = h,
		.force_audit = h->audit,
		.store = { .policy_path = h->watch_path, .machine_id = h->machine_id },
		.exception_key_file = h->exception_key_file,
		.exception_socket = h->exception_socket,
		.exception_minute_sec = h->exception_minute_sec,
		.watch_policy = h->watch_path != NULL,
		.sink = { .userdata = h, .emit = capture },
	};

	ck_assert_int_eq(agent_new(&cfg, &h->agent), 0);
	return agent_start(h->agent);
}

void h_start(struct harness *h)
{
	ck_assert_int_eq(h_try_start(h), 0);
	h_settle(h);
}

bool h_all_buses_locked(struct harness *h)
{
	static const char *const attrs[] = { "authorized_default", "interface_authorized_default" };
	g_autofree gchar *dir = g_build_filename(h->sysdir, "bus/usb/devices", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((name = g_dir_read_name(d))) {
		if (strncmp(name, "usb", 3))
			continue;
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			char rel[128], buf[32];

			snprintf(rel, sizeof(rel), "bus/usb/devices/%s/%s", name, attrs[i]);
			if (strcmp(h_sysfile(h, rel, buf, sizeof(buf)), "0"))
				return false;
		}
		n++;
	}
	ck_assert_uint_gt(n, 0);
	return true;
}

void h_free(struct harness *h)
{
	char path[128];

	if (!h)
		return;
	agent_free(h->agent);
	/* Everything the agent publishes in its run dir (agent/status.c). */
	static const char *const files[] = { "last-refusal", "refusals", "status" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", h->run_dir, files[i]);
		(void)unlink(path); /* absent when the agent never wrote it */
	}
	ck_assert_msg(rmdir(h->run_dir) == 0, "run dir %s not empty", h->run_dir);
	g_free(h->sysdir);
	g_object_unref(h->tb);
	free(h);
}

void h_settle(struct harness *h)
{
	/* Uevents are delivered through a socket: wait for the first, then drain until quiet. */
	for (int quiet = 0; quiet < 3;)
		quiet = agent_run_until_idle(h->agent, 20 * 1000) > 0 ? 0 : quiet + 1;
}

char *h_add(struct harness *h, const char *fixture, const char *parent, const char *busid,
            bool authorized, bool configured)
{
	char *sp = NULL;
	int r = ts_add_device(h->tb, fixture, parent, busid, authorized, configured, &sp);

	ck_assert_msg(r == 0, "ts_add_device(%s): %s", fixture, strerror(-r));
	return sp;
}

void h_configure(struct harness *h, const char *syspath, const char *busid, const char *fixture)
{
	struct ts_fixture *f = NULL;

	ck_assert_int_eq(ts_fixture_load(fixture, &f), 0);
	h_configure_fixture(h, syspath, busid, f);
	ts_fixture_free(f);
}

void h_configure_fixture(struct harness *h, const char *syspath, const char *busid,
                         const struct ts_fixture *f)
{
	struct usb_descriptors *d = malloc(sizeof(*d));
	uint8_t cfg;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(usb_desc_parse(f->desc, f->desc_len, d, NULL), 0);
	ck_assert_uint_gt(d->n_configs, 0);
	cfg = d->configs[0].value;
	{
		char v[8];
		snprintf(v, sizeof(v), "%u", cfg);
		ts_write_attr(h->tb, syspath, "bConfigurationValue", v);
	}
	for (unsigned i = 0; i < d->n_alts; i++) {
		const struct usb_iface_alt *a = &d->alts[i];

		if (a->config_value != cfg || a->alt != 0)
			continue;
		h_add_iface(h, syspath, busid, cfg, a->number, a->cls, a->subclass, a->protocol,
		            ts_fixture_iface_string(f, cfg, a->number));
	}
	free(d);
}

void h_add_iface(struct harness *h, const char *syspath, const char *busid, uint8_t cfg,
                 uint8_t number, uint8_t cls, uint8_t subclass, uint8_t protocol,
                 const char *string)
{
	char name[64], c[8], s[8], p[8], num[8], strv[160];
	gchar *sp;

	snprintf(name, sizeof(name), "%s:%u.%u", busid, cfg, number);
	snprintf(c, sizeof(c), "%02x\n", cls);
	snprintf(s, sizeof(s), "%02x\n", subclass);
	snprintf(p, sizeof(p), "%02x\n", protocol);
	snprintf(num, sizeof(num), "%02x\n", number);
	snprintf(strv, sizeof(strv), "%s\n", string ? string : "");
	gchar *attrs[] = { "bInterfaceClass",
		           c,
		           "bInterfaceSubClass",
		           s,
		           "bInterfaceProtocol",
		           p,
		           "bInterfaceNumber",
		           num,
		           "authorized",
		           "0\n",
		           string ? "interface" : NULL,
		           strv,
		           NULL };
	gchar *props[] = { "DEVTYPE", "usb_interface", NULL };

	sp = umockdev_testbed_add_devicev(h->tb, "usb", name, syspath, attrs, props);
	ck_assert_ptr_nonnull(sp);
	g_free(sp);
}

int h_auth(struct harness *h, const char *syspath, const char *iface)
{
	char buf[32], sub[512];
	int r;

	snprintf(sub, sizeof(sub), "%s%s%s", syspath, iface ? "/" : "", iface ? iface : "");
	r = ts_read_attr(h->tb, sub, "authorized", buf, sizeof(buf));
	if (r < 0)
		return -1;
	return atoi(buf);
}

int h_wait_auth(struct harness *h, const char *syspath, const char *iface, int want)
{
	struct timespec t0, t;
	int v;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		v = h_auth(h, syspath, iface);
		if (v == want)
			return v;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			return v;
		(void)agent_run_until_idle(h->agent, 10 * 1000);
	}
}

unsigned h_count(const struct harness *h, enum event_type type, const char *busid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->n_events; i++)
		if (h->events[i].type == type && (!busid || !strcmp(h->events[i].busid, busid)))
			n++;
	return n;
}

const struct h_event *h_last(const struct harness *h, enum event_type type, const char *busid)
{
	for (unsigned i = h->n_events; i-- > 0;)
		if (h->events[i].type == type && (!busid || !strcmp(h->events[i].busid, busid)))
			return &h->events[i];
	return NULL;
}

const char *h_sysfile(struct harness *h, const char *rel, char *buf, size_t size)
{
	char path[4096];
	FILE *f;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", h->sysdir, rel);
	f = fopen(path, "re");
	if (!f)
		return buf;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}
