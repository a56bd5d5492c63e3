/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc-testbed: runs a command in a umockdev testbed built from the descriptor data set, for shell
 * tests (like umockdev-run, but with pc_testsupport's devices). Needs LD_PRELOAD of
 * libumockdev-preload.so.0 (ctest sets it; else run it under umockdev-wrapper).
 *
 *   pc-testbed [DEVICE-OPTIONS...] -- COMMAND [ARGS...]
 *     --hub BUSID                 a 4-port hub (parent: the hub or root hub of the busid)
 *     --device NAME@BUSID[,opt]   data-set device NAME; opts: unauthorized, unconfigured,
 *                                 iface-unauthorized, no-driver, no-descriptors, mtp_db
 *     --set BUSID[/SUB]:ATTR=VAL  overwrite a sysfs attribute after the devices are built
 *     --meta KEY=VALUE            override a meta key of the NEXT --device (e.g. product=...)
 *
 * Root hubs are created on demand (busid 1-2 -> usb1). Exit status: the command's, 125 when the
 * testbed cannot be built, 126/127 when the command cannot be run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/testsupport.h"

#define MAX_NODES 64

static struct {
	char busid[64];
	char *syspath;
} nodes[MAX_NODES];
static unsigned n_nodes;

static const char *find_node(const char *busid)
{
	for (unsigned i = 0; i < n_nodes; i++)
		if (!strcmp(nodes[i].busid, busid))
			return nodes[i].syspath;
	return NULL;
}

static int remember(const char *busid, char *syspath)
{
	if (n_nodes >= MAX_NODES || strlen(busid) >= sizeof(nodes[0].busid)) {
		free(syspath);
		return -E2BIG;
	}
	snprintf(nodes[n_nodes].busid, sizeof(nodes[0].busid), "%s", busid);
	nodes[n_nodes++].syspath = syspath;
	return 0;
}

/* "1-3.2" -> the syspath of hub "1-3" (must have been added); "1-2" -> NULL (its root hub). */
static int parent_of(const char *busid, const char **ret)
{
	char parent[64];
	const char *dot = strrchr(busid, '.');

	if (!dot) {
		*ret = NULL;
		return 0;
	}
	if ((size_t)(dot - busid) >= sizeof(parent))
		return -EINVAL;
	memcpy(parent, busid, (size_t)(dot - busid));
	parent[dot - busid] = '\0';
	*ret = find_node(parent);
	if (!*ret) {
		fprintf(stderr, "pc-testbed: %s: add hub %s first (--hub)\n", busid, parent);
		return -ENOENT;
	}
	return 0;
}

static int add_device(UMockdevTestbed *tb, const char *spec, char **metas, unsigned n_metas)
{
	char buf[256], *at, *opt, *save = NULL;
	struct ts_opts o = ts_opts_default();
	struct ts_fixture *f = NULL;
	const char *parent;
	char *sp = NULL;
	int r;

	o.driver_bound = true; /* configured interfaces get a driver unless no-driver */
	snprintf(buf, sizeof(buf), "%s", spec);
	at = strchr(buf, '@');
	if (!at)
		return -EINVAL;
	*at++ = '\0';
	opt = strchr(at, ',');
	if (opt)
		*opt++ = '\0';
	r = ts_fixture_load(buf, &f);
	if (r < 0) {
		fprintf(stderr, "pc-testbed: device %s: %s\n", buf, strerror(-r));
		return r;
	}
	for (char *t = opt ? strtok_r(opt, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "unauthorized"))
			o.authorized = false;
		else if (!strcmp(t, "unconfigured"))
			o.configured = false;
		else if (!strcmp(t, "iface-unauthorized"))
			o.iface_authorized = 0;
		else if (!strcmp(t, "no-driver"))
			o.driver_bound = false;
		else if (!strcmp(t, "no-descriptors"))
			o.no_descriptors = true;
		else if (!strcmp(t, "mtp_db"))
			r = ts_fixture_set(f, "mtp_db", "1");
		else
			r = -EINVAL;
		if (r < 0) {
			fprintf(stderr, "pc-testbed: %s: bad option '%s'\n", spec, t);
			ts_fixture_free(f);
			return r;
		}
	}
	if (!o.authorized)
		o.configured = false;
	o.driver_bound = o.driver_bound && o.configured;
	for (unsigned i = 0; i < n_metas; i++) {
		char *eq = strchr(metas[i], '=');
		*eq = '\0';
		r = ts_fixture_set(f, metas[i], eq + 1);
		*eq = '=';
		if (r < 0) {
			ts_fixture_free(f);
			return r;
		}
	}
	r = parent_of(at, &parent);
	if (r >= 0)
		r = ts_add_fixture(tb, f, parent, at, &o, &sp);
	ts_fixture_free(f);
	if (r < 0) {
		fprintf(stderr, "pc-testbed: %s: %s\n", spec, strerror(-r));
		return r;
	}
	return remember(at, sp);
}

static int set_attr(UMockdevTestbed *tb, const char *spec)
{
	char buf[4096], *colon, *eq, *slash, path[1024];
	const char *sp;

	snprintf(buf, sizeof(buf), "%s", spec);
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	eq = strchr(colon + 1, '=');
	if (!eq)
		return -EINVAL;
	*eq = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	sp = find_node(buf);
	if (!sp)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s%s", slash ? slash + 1 : "", slash ? "/" : "", colon + 1);
	ts_write_attr(tb, sp, path, eq + 1);
	return 0;
}

int main(int argc, char **argv)
{
	UMockdevTestbed *tb;
	char *metas[16];
	unsigned n_metas = 0;
	int i, r = 0, status;
	pid_t pid;

	tb = umockdev_testbed_new();
	if (!umockdev_in_mock_environment()) {
		fprintf(stderr, "pc-testbed: not in a umockdev environment "
		                "(LD_PRELOAD=libumockdev-preload.so.0 missing)\n");
		return 125;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!arg) {
			r = -EINVAL;
		} else if (!strcmp(argv[i], "--hub")) {
			const char *parent;
			char *sp = NULL;
			r = parent_of(arg, &parent);
			if (r >= 0)
				r = ts_add_hub(tb, parent, arg, &sp);
			if (r >= 0)
				r = remember(arg, sp);
			i++;
		} else if (!strcmp(argv[i], "--device")) {
			r = add_device(tb, arg, metas, n_metas);
			n_metas = 0;
			i++;
		} else if (!strcmp(argv[i], "--meta")) {
			if (!strchr(arg, '=') || n_metas >= 16)
				r = -EINVAL;
			else
				metas[n_metas++] = argv[i + 1];
			i++;
		} else if (!strcmp(argv[i], "--set")) {
			r = set_attr(tb, arg);
			i++;
		} else {
			r = -EINVAL;
		}
		if (r < 0) {
			fprintf(stderr, "pc-testbed: %s %s: %s\n", argv[i - (arg ? 1 : 0)],
			        arg ? arg : "", strerror(-r));
			return 125;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: pc-testbed [--hub B] [--device NAME@B[,opts]] "
		                "[--set B:ATTR=V] [--meta K=V] -- COMMAND [ARGS...]\n");
		return 125;
	}

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "pc-testbed: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	for (unsigned k = 0; k < n_nodes; k++)
		free(nodes[k].syspath);
	g_object_unref(tb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
