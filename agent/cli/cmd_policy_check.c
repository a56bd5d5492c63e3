/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis policy check FILE: parse and lint a policy file, without its signature.
 * Exit 0 and "FILE: OK (...)" when it loads; 1 and "FILE:LINE: reason" when it does not;
 * 2 on usage errors. Warnings (shadowed rules, expiry) go to stderr and do not fail the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/cli/commands.h"
#include "policy/base/clock.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "policy/lang/policy.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy, policy_free);

static void usage(FILE *f)
{
	fprintf(f, "Usage: portcullis policy check FILE\n\n"
	           "Parses and lints a policy file (the signature is not checked; see\n"
	           "\"portcullis policy verify\"). See portcullis-policy(5).\n");
}

int cmd_policy_check(int argc, char **argv)
{
	_cleanup_(policy_freep) struct policy *p = NULL;
	_cleanup_(freep) char *buf = NULL;
	struct policy_error err = { 0 };
	char name[512];
	size_t len = 0;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '\0' || (argv[1][0] == '-' && argv[1][1] != '\0')) {
		usage(stderr);
		return 2;
	}
	const char *path = argv[1];
	str_escape(name, sizeof(name), path, strlen(path));

	/* One byte over the cap is read, so the loader sees (and rejects) a file too big. */
	r = read_file_bounded(path, PORTCULLIS_POLICY_MAX_BYTES, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", name, strerror(-r));
		return 1;
	}
	r = policy_load_from_bytes(buf, len, path, &p, &err);
	if (r < 0) {
		if (err.line > 0)
			fprintf(stderr, "%s:%d: %s\n", name, err.line, err.reason);
		else
			fprintf(stderr, "%s: %s\n", name, err.reason);
		return 1;
	}

	/* Lint: warnings only. */
	for (size_t i = 0; i < policy_n_rules(p); i++) {
		int k = policy_rule_shadowed_by(p, i);
		if (k >= 0)
			fprintf(stderr,
			        "%s:%d: warning: rule '%s' can never match: rule '%s' (line %d) "
			        "matches every interface before it\n",
			        name, policy_rule_line(p, i), policy_rule_id(p, i),
			        policy_rule_id(p, (size_t)k), policy_rule_line(p, (size_t)k));
	}
	for (size_t i = 0; i < policy_n_rules(p); i++)
		if (policy_rule_not_after(p, i) != INT64_MAX &&
		    clock_realtime_sec() > policy_rule_not_after(p, i))
			fprintf(
			    stderr,
			    "%s:%d: warning: rule '%s' has ended ('not_after' is in the past): it "
			    "matches nothing\n",
			    name, policy_rule_line(p, i), policy_rule_id(p, i));
	if (policy_default_action(p) != POLICY_ACTION_BLOCK)
		fprintf(stderr,
		        "%s: warning: default is \"%s\": interfaces no rule matches are allowed\n",
		        name, policy_action_to_string(policy_default_action(p)));
	int64_t now = clock_realtime_sec();
	if (policy_not_after(p) != INT64_MAX && now > policy_not_after(p))
		fprintf(stderr, "%s: warning: expired ('not_after' is in the past)\n", name);
	if (policy_not_before(p) != INT64_MIN && now < policy_not_before(p))
		fprintf(stderr, "%s: warning: not valid yet ('not_before' is in the future)\n",
		        name);

	printf("%s: OK (serial %llu, %zu rules, mode %s)\n", name,
	       (unsigned long long)policy_serial(p), policy_n_rules(p),
	       policy_mode_to_string(policy_mode(p)));
	return 0;
}
