/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis status [--json] [--run-dir DIR]: what the operator or IT person at the terminal
 * wants to know, for any user: is the agent running (systemd's unit state over the system bus),
 * and which device was refused last and why, in plain words. Always exits 0 (2 on a usage
 * error). See docs/operator-notice.md.
 *
 * The agent publishes only <run_dir>/last-refusal today; the policy in force and the mode are
 * shown as "not reported" until it publishes them. This file uses _cleanup_ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "cli/commands.h"
#include "common/macro.h"
#include "common/strutil.h"
#include "notify/refusal.h"
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
	        "Shows whether the Portcullis agent is running and which USB device it refused\n"
	        "last, and why. Works for every user; changes nothing.\n"
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
		return "Portcullis agent is running: USB devices are checked against the policy.";
	case AGENT_STARTING:
		return "Portcullis agent is starting: new USB devices stay blocked until it runs.";
	case AGENT_STOPPING:
		return "Portcullis agent is stopping: new USB devices stay blocked until it starts "
		       "again.";
	case AGENT_FAILED:
		return "Portcullis agent is not running (it failed): new USB devices stay blocked "
		       "until it starts. Tell IT.";
	case AGENT_NOT_INSTALLED:
		return "Portcullis agent is not installed on this machine.";
	case AGENT_STOPPED:
		return "Portcullis agent is not running: new USB devices stay blocked until it "
		       "starts.";
	case AGENT_UNKNOWN:
	default:
		return "Portcullis agent state is unknown (systemd could not be asked).";
	}
}

static struct json_object *jstr_escaped(const char *s)
{
	char esc[4 * 512 + 1];

	(void)str_escape(esc, sizeof(esc), s, strlen(s));
	return json_object_new_string(esc);
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
	char detail[256] = "", why[256] = "", msg[4096] = "", time_esc[4 * 32 + 1];
	struct refusal ref;
	enum agent_state state;
	bool json = false;
	int c, r = -ENOENT;

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
	if (dfd >= 0)
		r = refusal_read_at(dfd, "last-refusal", &ref, NULL, why, sizeof(why));
	else
		(void)snprintf(why, sizeof(why), "no run directory %s", run_dir);
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
		/* Not published by the agent yet (see docs/operator-notice.md). */
		json_object_object_add(root, "policy", NULL);
		json_object_object_add(root, "mode", NULL);
		if (r >= 0) {
			last = json_object_new_object();
			json_object_object_add(last, "time", json_object_new_string(time_esc));
			json_object_object_add(last, "port", jstr_escaped(ref.device));
			json_object_object_add(last, "id", jstr_escaped(ref.id));
			json_object_object_add(last, "manufacturer",
			                       jstr_escaped(ref.manufacturer));
			json_object_object_add(last, "product", jstr_escaped(ref.product));
			json_object_object_add(last, "verdict", jstr_escaped(ref.verdict));
			json_object_object_add(last, "reason", jstr_escaped(ref.reason));
			json_object_object_add(last, "message", json_object_new_string(msg));
		} else if (r != -ENOENT) {
			json_object_object_add(root, "last_refusal_error", jstr_escaped(why));
		}
		json_object_object_add(root, "last_refusal", last);
		printf("%s\n", json_object_to_json_string_ext(
		                   root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}

	printf("%s\n", agent_sentence(state));
	if (detail[0])
		printf("  (%s)\n", detail);
	printf("Policy and mode: not reported by the agent (IT: 'portcullis policy show').\n");
	if (r >= 0) {
		printf("Last refused USB device, at %s:\n  %s\n", time_esc, msg);
	} else if (r == -ENOENT) {
		printf("No USB device has been refused since the agent started.\n");
	} else {
		char path_esc[4 * 256 + 1];

		(void)str_escape(path_esc, sizeof(path_esc), run_dir, strlen(run_dir));
		printf("The last-refusal file in %s is not usable: %s.\n", path_esc, why);
	}
	return 0;
}
