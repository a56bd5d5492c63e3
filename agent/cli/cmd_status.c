/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis status [--json] [--run-dir DIR]: what the operator or IT person at the terminal
 * wants to know, for any user: is the agent running (systemd's unit state over the system bus;
 * without a bus, whether the pid in <run_dir>/status is a live portcullisd), the policy in force
 * and the mode (<run_dir>/status), and which devices were refused lately and why, in plain words
 * (<run_dir>/last-refusal and refusals). Always exits 0 (2 on a usage error). See
 * docs/operator-notice.md. This file uses _cleanup_ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "agent/events/event_json.h"
#include "agent/cli/commands.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "agent/cli/cli_i18n.h"
#include "agent/notify/refusal.h"
#include "paths.h"

#define AGENT_UNIT_PATH "/org/freedesktop/systemd1/unit/portcullisd_2eservice"
#define UNIT_IFACE      "org.freedesktop.systemd1.Unit"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object, json_object_put)

static void freestrp(char **p)
{
	free(*p);
}

enum agent_state {
	AGENT_UNKNOWN,
	AGENT_RUNNING,
	AGENT_STARTING,
	AGENT_STOPPING,
	AGENT_STOPPED,
	AGENT_FAILED,
	AGENT_NOT_INSTALLED,
};

static const char *const agent_state_names[] = {
	[AGENT_UNKNOWN] = "unknown",
	[AGENT_RUNNING] = "running",
	[AGENT_STARTING] = "starting",
	[AGENT_STOPPING] = "stopping",
	[AGENT_STOPPED] = "stopped",
	[AGENT_FAILED] = "failed",
	[AGENT_NOT_INSTALLED] = "not-installed",
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: portcullis status [--json] [--run-dir DIR]\n"
	        "\n"
	        "Shows whether the Portcullis agent is running, the policy it enforces and its\n"
	        "mode, and which USB devices it refused lately, and why. Works for every user;\n"
	        "changes nothing.\n"
	        "\n"
	        "  --json          machine-readable output\n"
	        "  --run-dir DIR   the agent's run directory (default " PORTCULLIS_RUN_DIR ")\n");
}

/* systemd's view of portcullisd.service over the system bus; detail says why when unknown. */
static enum agent_state agent_state_from_systemd(char *detail, size_t size)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(freestrp) char *active = NULL, *load = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		(void)snprintf(detail, size, "cannot reach the system bus: %s", strerror(-r));
		return AGENT_UNKNOWN;
	}
	r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", AGENT_UNIT_PATH, UNIT_IFACE,
	                               "LoadState", &error, &load);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", AGENT_UNIT_PATH,
		                               UNIT_IFACE, "ActiveState", &error, &active);
	if (r < 0) {
		(void)snprintf(detail, size, "cannot ask systemd: %s",
		               error.message ? error.message : strerror(-r));
		sd_bus_error_free(&error);
		return AGENT_UNKNOWN;
	}
	(void)snprintf(detail, size, "systemd: portcullisd.service is %.32s", active);
	if (!strcmp(load, "not-found"))
		return AGENT_NOT_INSTALLED;
	if (!strcmp(active, "active") || !strcmp(active, "reloading"))
		return AGENT_RUNNING;
	if (!strcmp(active, "activating"))
		return AGENT_STARTING;
	if (!strcmp(active, "deactivating"))
		return AGENT_STOPPING;
	if (!strcmp(active, "failed"))
		return AGENT_FAILED;
	if (!strcmp(active, "inactive"))
		return AGENT_STOPPED;
	return AGENT_UNKNOWN;
}

static const char *agent_sentence(enum agent_state s)
{
	switch (s) {
	case AGENT_RUNNING:
		return N_(
		    "Portcullis agent is running: USB devices are checked against the policy.");
	case AGENT_STARTING:
		return N_(
		    "Portcullis agent is starting: new USB devices stay blocked until it runs.");
	case AGENT_STOPPING:
		return N_(
		    "Portcullis agent is stopping: new USB devices stay blocked until it starts "
		    "again.");
	case AGENT_FAILED:
		return N_(
		    "Portcullis agent is not running (it failed): new USB devices stay blocked "
		    "until it starts. Tell IT.");
	case AGENT_NOT_INSTALLED:
		return N_("Portcullis agent is not installed on this machine.");
	case AGENT_STOPPED:
		return N_("Portcullis agent is not running: new USB devices stay blocked until it "
		          "starts.");
	case AGENT_UNKNOWN:
	default:
		return N_("Portcullis agent state is unknown (systemd could not be asked).");
	}
}

static struct json_object *jstr_escaped(const char *s)
{
	char esc[4 * 512 + 1];

	(void)str_escape(esc, sizeof(esc), s, strlen(s));
	return json_object_new_string(esc);
}

/*
 * Without systemd: is the pid the agent published a live portcullisd? (kill(pid, 0), then
 * /proc/<pid>/comm so a reused pid does not count; without /proc the signal check decides.)
 */
static bool agent_pid_alive(long long pid)
{
	_cleanup_(fclosep) FILE *f = NULL;
	char path[64], comm[32] = "";

	if (pid <= 0 || kill((pid_t)pid, 0) < 0) {
		if (pid <= 0 || errno != EPERM)
			return false;
	}
	(void)snprintf(path, sizeof(path), "/proc/%lld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return access("/proc/self", F_OK) < 0; /* no /proc: trust the signal check */
	if (!fgets(comm, sizeof(comm), f))
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "portcullisd");
}

static struct json_object *refusal_to_json(const struct refusal *ref)
{
	struct json_object *o = json_object_new_object();
	char msg[4096];

	if (!o)
		return NULL;
	refusal_format_message(ref, msg, sizeof(msg));
	json_object_object_add(o, "time", jstr_escaped(ref->time));
	json_object_object_add(o, "port", jstr_escaped(ref->device));
	json_object_object_add(o, "id", jstr_escaped(ref->id));
	json_object_object_add(o, "manufacturer", jstr_escaped(ref->manufacturer));
	json_object_object_add(o, "product", jstr_escaped(ref->product));
	json_object_object_add(o, "verdict", jstr_escaped(ref->verdict));
	json_object_object_add(o, "reason", jstr_escaped(ref->reason));
	json_object_object_add(o, "message", json_object_new_string(msg));
	return o;
}

static struct json_object *status_to_json(const struct agent_status_report *st)
{
	struct json_object *o = json_object_new_object();
	char line[2048];

	if (!o)
		return NULL;
	agent_status_format_policy(st, line, sizeof(line));
	json_object_object_add(o, "name", jstr_escaped(st->name));
	json_object_object_add(o, "serial", json_object_new_uint64(st->serial));
	json_object_object_add(o, "key_id", st->has_key_id ? jstr_escaped(st->key_id) : NULL);
	json_object_object_add(o, "sha256", json_object_new_string(st->sha256));
	json_object_object_add(o, "not_after",
	                       st->has_not_after ? jstr_escaped(st->not_after) : NULL);
	json_object_object_add(o, "source", json_object_new_string(st->source));
	json_object_object_add(o, "message", json_object_new_string(line));
	return o;
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(json_object_putp) struct json_object *root = NULL;
	_cleanup_(closep) int dfd = -1;
	const char *run_dir = PORTCULLIS_RUN_DIR;
	char detail[512] = "", why[256] = "", st_why[256] = "", list_why[256] = "";
	char msg[4096] = "", time_esc[4 * 32 + 1], line[2048];
	struct refusal ref, recent[REFUSAL_LIST_MAX];
	struct agent_status_report st;
	enum agent_state state;
	bool json = false, pid_checked = false, pid_alive = false;
	int c, r = -ENOENT, rs = -ENOENT, n_recent = -ENOENT;

	cli_i18n_init();
	optind = 0;
	while ((c = getopt_long(argc, argv, "+jh", options, NULL)) >= 0) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			run_dir = optarg;
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
		fprintf(stderr, "portcullis status: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	state = agent_state_from_systemd(detail, sizeof(detail));
	dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		r = refusal_read_at(dfd, "last-refusal", &ref, NULL, why, sizeof(why));
		rs = agent_status_read_at(dfd, "status", &st, st_why, sizeof(st_why));
		n_recent = refusal_list_read_at(dfd, "refusals", recent, REFUSAL_LIST_MAX, list_why,
		                                sizeof(list_why));
	} else {
		(void)snprintf(why, sizeof(why), "no run directory %s", run_dir);
	}
	if (state == AGENT_UNKNOWN && rs >= 0) {
		/* No systemd to ask: the agent's own word, if its process is still there. */
		size_t n = strlen(detail);

		pid_checked = true;
		pid_alive = agent_pid_alive(st.pid);
		(void)snprintf(detail + n, sizeof(detail) - n,
		               "%sportcullisd (pid %lld, from the status file) is %s",
		               n ? "; " : "", st.pid, pid_alive ? "running" : "not running");
		if (pid_alive)
			state = AGENT_RUNNING;
	}
	if (r >= 0) {
		refusal_format_message(&ref, msg, sizeof(msg));
		(void)str_escape(time_esc, sizeof(time_esc), ref.time, strlen(ref.time));
	}

	if (json) {
		struct json_object *agent, *last = NULL;

		root = json_object_new_object();
		agent = json_object_new_object();
		if (!root || !agent) {
			json_object_put(agent);
			fprintf(stderr, "portcullis status: out of memory\n");
			return 1;
		}
		json_object_object_add(root, "agent", agent);
		json_object_object_add(agent, "state",
		                       json_object_new_string(agent_state_names[state]));
		json_object_object_add(agent, "running",
		                       json_object_new_boolean(state == AGENT_RUNNING));
		json_object_object_add(agent, "detail", jstr_escaped(detail));
		json_object_object_add(agent, "message",
		                       json_object_new_string(agent_sentence(state)));
		json_object_object_add(agent, "pid",
		                       rs >= 0 ? json_object_new_int64(st.pid) : NULL);
		json_object_object_add(agent, "started", rs >= 0 ? jstr_escaped(st.started) : NULL);
		json_object_object_add(agent, "pid_alive",
		                       pid_checked ? json_object_new_boolean(pid_alive) : NULL);
		/* null when the agent has not published them (see docs/operator-notice.md). */
		json_object_object_add(root, "policy", rs >= 0 ? status_to_json(&st) : NULL);
		json_object_object_add(
		    root, "mode",
		    rs >= 0 ? json_object_new_string(st.audit ? "audit" : "enforce") : NULL);
		json_object_object_add(root, "mode_forced",
		                       rs >= 0 ? json_object_new_boolean(st.mode_forced) : NULL);
		if (rs < 0 && rs != -ENOENT)
			json_object_object_add(root, "status_error", jstr_escaped(st_why));
		if (r >= 0)
			last = refusal_to_json(&ref);
		else if (r != -ENOENT)
			json_object_object_add(root, "last_refusal_error", jstr_escaped(why));
		json_object_object_add(root, "last_refusal", last);
		if (n_recent >= 0) {
			struct json_object *arr = json_object_new_array();

			for (int i = 0; arr && i < n_recent; i++)
				json_object_array_add(arr, refusal_to_json(&recent[i]));
			json_object_object_add(root, "recent_refusals", arr);
		} else {
			json_object_object_add(root, "recent_refusals", NULL);
			if (n_recent != -ENOENT)
				json_object_object_add(root, "refusals_error",
				                       jstr_escaped(list_why));
		}
		_cleanup_(freep) char *s = NULL;
		size_t n = 0;

		if (json_serialize_inert(root,
		                         JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
		                         &s, &n) < 0) {
			fprintf(stderr, "portcullis status: out of memory\n");
			return 1;
		}
		printf("%s\n", s);
		return 0;
	}

	printf("%s\n", _(agent_sentence(state)));
	if (detail[0])
		printf("  (%s)\n", detail);
	char path_esc[4 * 256 + 1];

	(void)str_escape(path_esc, sizeof(path_esc), run_dir, strlen(run_dir));
	if (rs >= 0) {
		agent_status_format_policy(&st, line, sizeof(line));
		printf("%s\n", line);
	} else if (rs == -ENOENT) {
		printf(_("Policy and mode: not reported by the agent (IT: 'portcullis policy "
		         "show').\n"));
	} else {
		printf(_("The status file in %s is not usable: %s.\n"), path_esc, st_why);
	}
	if (r >= 0)
		printf(_("Last refused USB device, at %s:\n  %s\n"), time_esc, msg);
	else if (r == -ENOENT)
		printf(_("No USB device has been refused since the agent started.\n"));
	else
		printf(_("The last-refusal file in %s is not usable: %s.\n"), path_esc, why);
	if (n_recent > 0) {
		printf(_("Recent refusals (newest first):\n"));
		for (int i = 0; i < n_recent; i++) {
			char t[4 * 32 + 1];

			refusal_format_message(&recent[i], msg, sizeof(msg));
			(void)str_escape(t, sizeof(t), recent[i].time, strlen(recent[i].time));
			printf("  %s  %s\n", t, msg);
		}
	} else if (n_recent < 0 && n_recent != -ENOENT) {
		printf(_("The refusals file in %s is not usable: %s.\n"), path_esc, list_why);
	}
	return 0;
}
