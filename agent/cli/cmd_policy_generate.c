/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis policy generate [--attached] [--from-log DIR]... [--key-id ID] [--serial N]
 *                            [--phone-data] [--out FILE]
 *
 * An allow-list for the devices seen: attached now and/or in the device decisions of incident
 * logs (typically an audit period). Prints a policy that passes "policy check"; signs nothing.
 * The policy text is checked by the same loader before it is written. Exit: 0, 1 failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli/cli_host.h"
#include "agent/cli/cli_seen.h"
#include "agent/cli/commands.h"
#include "agent/cli/policy_gen.h"
#include "policy/base/clock.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/lang/policy.h"

#define MAX_LOG_DIRS 64

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy_gen, policy_gen_free);

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: portcullis policy generate [--attached] [--from-log DIR]... [--key-id ID]\n"
	       "                                  [--serial N] [--phone-data] [--out FILE]\n\n"
	       "Prints a ready-to-sign policy that allows exactly the devices seen (on top of\n"
	       "default = \"block\"): one rule per model and serial, devices without a serial by\n"
	       "model, keyboards, mice and hubs by kind, phones charge only.\n\n"
	       "  --attached      the devices attached now\n"
	       "  --from-log DIR  the device decisions in DIR: a host's incident-log directory or\n"
	       "                  a collector directory (repeatable)\n"
	       "  --key-id ID     the policy's key_id (the key that will sign it)\n"
	       "  --serial N      the policy's serial (default 1)\n"
	       "  --phone-data    allow phones' data interfaces too (default: charge only)\n"
	       "  --out FILE      write to FILE (new file) instead of standard output\n"
	       "See docs/it-guide.md, \"Rolling out\".\n");
}

struct gen_ctx {
	struct policy_gen *gen;
	int error;
};

static int on_seen(void *userdata, const struct usb_device_info *dev, const struct seen_where *w)
{
	struct gen_ctx *c = userdata;
	int r = policy_gen_add_device(c->gen, dev, w->host, w->time_usec);

	if (r < 0) {
		c->error = r;
		return r; /* stop: too many devices or out of memory */
	}
	return 0;
}

/* Generates into a memory buffer, loads it with the real loader, then writes it out. */
static int emit(const struct policy_gen *g, const struct policy_gen_options *o, const char *out)
{
	_cleanup_(freep) char *text = NULL;
	struct policy *p = NULL;
	struct policy_error perr = { 0 };
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int r;

	if (!m)
		return -ENOMEM;
	r = policy_gen_write(g, o, m);
	if (fclose(m) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	r = policy_load_from_bytes(text, len, "generated", &p, &perr);
	if (r < 0) {
		fprintf(stderr,
		        "portcullis policy generate: internal error: the text does not load "
		        "(line %d: %s)\n",
		        perr.line, perr.reason);
		return r;
	}
	policy_free(p);

	FILE *f = stdout;
	if (out) {
		f = fopen(out, "wxe"); /* never overwrites */
		if (!f)
			return negative_errno();
	}
	bool ok = fwrite(text, 1, len, f) == len;
	ok = (out ? fclose(f) == 0 : fflush(f) == 0) && ok;
	return ok ? 0 : -EIO;
}

int cmd_policy_generate(int argc, char **argv)
{
	static const struct option options[] = {
		{ "attached", no_argument, NULL, 'a' },
		{ "from-log", required_argument, NULL, 'l' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "serial", required_argument, NULL, 's' },
		{ "phone-data", no_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(policy_gen_freep) struct policy_gen *g = NULL;
	const char *dirs[MAX_LOG_DIRS], *out = NULL;
	struct policy_gen_options o = { .serial = 1 };
	struct seen_stats st = { 0 };
	struct cli_host host;
	char source[1024] = "", e[600];
	size_t n_dirs = 0, so = 0;
	bool attached = false;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+al:k:s:po:h", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			attached = true;
			break;
		case 'l':
			if (n_dirs == MAX_LOG_DIRS) {
				fprintf(stderr,
				        "portcullis policy generate: at most %d --from-log\n",
				        MAX_LOG_DIRS);
				return 2;
			}
			dirs[n_dirs++] = optarg;
			break;
		case 'k':
			o.key_id = optarg;
			break;
		case 's': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || !*optarg || *end || optarg[0] == '-' || v > INT64_MAX) {
				fprintf(stderr,
				        "portcullis policy generate: --serial needs 0..%" PRId64
				        "\n",
				        INT64_MAX);
				return 2;
			}
			o.serial = v;
			break;
		}
		case 'p':
			o.phone_data = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!attached && n_dirs == 0)) {
		fprintf(stderr, "portcullis policy generate: say what was seen: --attached and/or "
		                "--from-log DIR\n");
		usage(stderr);
		return 2;
	}
	if (o.key_id) {
		for (const char *q = o.key_id; *q; q++)
			if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
			      (*q >= '0' && *q <= '9') || strchr("._:@-", *q))) {
				fprintf(stderr, "portcullis policy generate: --key-id: only "
				                "[A-Za-z0-9._:@-]\n");
				return 2;
			}
	}

	r = policy_gen_new(&g);
	if (r < 0)
		return 1;
	struct gen_ctx ctx = { .gen = g };
	o.now_usec = clock_realtime_usec();
	cli_host_read(&host, NULL);

	for (size_t i = 0; i < n_dirs; i++) {
		uint64_t before = st.decisions;
		str_escape(e, sizeof(e), dirs[i], strlen(dirs[i]));
		r = seen_from_log(dirs[i], on_seen, &ctx, &st);
		if (r < 0 && !ctx.error) {
			fprintf(stderr, "%s: %s\n", e,
			        r == -ENOENT ? "no incident log or collected lines in it"
			                     : strerror(-r));
			return 1;
		}
		if (ctx.error)
			break;
		so += (size_t)snprintf(source + so, so < sizeof(source) ? sizeof(source) - so : 0,
		                       "%s%s (%" PRIu64 " device decisions)", so ? ", " : "", e,
		                       st.decisions - before);
	}
	if (!ctx.error && attached) {
		struct seen_where here = { host.hostname, host.machine_id, o.now_usec };
		r = seen_attached(&here, on_seen, &ctx);
		if (r < 0 && !ctx.error) {
			fprintf(stderr,
			        "portcullis policy generate: cannot enumerate USB devices: %s\n",
			        strerror(-r));
			return 1;
		}
		if (so < sizeof(source))
			(void)snprintf(source + so, sizeof(source) - so, "%sattached on %s",
			               so ? ", " : "",
			               host.hostname[0] ? host.hostname : "this host");
	}
	if (ctx.error) {
		fprintf(stderr, "portcullis policy generate: %s\n",
		        ctx.error == -E2BIG ? "too many distinct devices (20000)"
		                            : strerror(-ctx.error));
		return 1;
	}
	if (st.bad_lines)
		fprintf(stderr,
		        "portcullis policy generate: warning: %" PRIu64
		        " line(s) skipped (not records), first: %s\n",
		        st.bad_lines, st.first_bad);
	o.source = source[0] ? source : NULL;
	r = emit(g, &o, out);
	if (r < 0) {
		if (out) {
			str_escape(e, sizeof(e), out, strlen(out));
			fprintf(stderr, "%s: %s\n", e, strerror(-r));
		}
		return 1;
	}
	if (out)
		fprintf(stderr, "%s: %zu devices seen; check, diff and sign it\n", out,
		        policy_gen_n_devices(g));
	return 0;
}
