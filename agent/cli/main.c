/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portcullis: the command line for IT, reviewers and operators. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/commands.h"
#include "policy/base/log.h"
#include "paths.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "devices", cmd_devices, "list attached USB devices and the decision the policy gives" },
	{ "policy", cmd_policy, "keygen | sign | verify | check | show | test | generate | diff" },
	{ "log", cmd_log, "verify | show | export the incident log" },
	{ "report", cmd_report, "fleet report over incident logs or a collector's directory" },
	{ "descriptor", cmd_descriptor, "dump a raw descriptors file (debugging)" },
	{ "status", cmd_status, "is the agent running, which device was refused last and why" },
	{ "notify", cmd_notify, "session helper: tell the user when a device is refused" },
	{ "exception", cmd_exception,
	  "request | apply (operator), grant | host-key (IT): offline exceptions" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: portcullis COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nSee portcullis(8). Version " PORTCULLIS_VERSION ".\n");
}

int main(int argc, char **argv)
{
	log_setup("portcullis", LOG_TARGET_STDERR, LOG_LEVEL_WARNING);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("portcullis " PORTCULLIS_VERSION "\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "portcullis: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
