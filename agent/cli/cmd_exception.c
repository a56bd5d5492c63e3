/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis exception request | apply | grant | host-key: offline exceptions (docs/it-guide.md
 * "Exceptions", docs/exceptions.md). request and apply talk to the agent over its socket (the
 * operator, e.g. a member of portcullis-operator); grant and host-key are IT's, offline, with the
 * fleet secret. Exit status: 0 ok, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent/cli/cli_host.h"
#include "agent/cli/cli_i18n.h"
#include "agent/cli/commands.h"
#include "paths.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "policy/trust/excode.h"

#define DEFAULT_SOCKET PORTCULLIS_RUN_DIR "/exception.sock"
#define REPLY_MAX      512

static void usage(FILE *f)
{
	fprintf(f, _("Usage: portcullis exception request --device BUSID [--minutes N]\n"
	             "       portcullis exception apply CODE\n"
	             "       portcullis exception grant --secret FILE CHALLENGE\n"
	             "       portcullis exception host-key --secret FILE [--machine-id ID]\n\n"
	             "request: a challenge to read to IT over the phone, for the blocked device\n"
	             "  BUSID (see \"portcullis devices\"), for N minutes (default 60).\n"
	             "apply: the code IT reads back; the device is allowed until the time is up.\n"
	             "grant (IT): the code for a challenge, with the fleet secret.\n"
	             "host-key (IT): the key to install as /etc/portcullis/exception.key.\n"
	             "See docs/it-guide.md, \"Exceptions\".\n"));
}

/* One line to the agent, its one-line answer (without the newline) into reply. */
static int talk(const char *path, const char *line, char *reply, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t got = 0;
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	struct timeval tv = { .tv_sec = 10 };
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line)) {
		r = negative_errno();
		close(fd);
		return r;
	}
	while (got + 1 < size) {
		ssize_t n = recv(fd, reply + got, size - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? negative_errno() : 0;
			break;
		}
		got += (size_t)n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	char *nl = strchr(reply, '\n');
	if (nl)
		*nl = '\0';
	else if (r == 0)
		r = -EPROTO;
	return r;
}

/* The agent's answer: "ok TEXT" or "error REASON" (printed escaped: it is the agent's text,
 * but the socket path may be another program's). */
static int answer(const char *reply, const char **ret_text)
{
	if (!strncmp(reply, "ok ", 3)) {
		*ret_text = reply + 3;
		return 0;
	}
	*ret_text = !strncmp(reply, "error ", 6) ? reply + 6 : reply;
	return -EACCES;
}

/* Sends line to the agent; the text of its "ok" answer, escaped for the terminal, into e.
 * Says why on stderr when the agent cannot be reached or refuses. 0 or a negative errno. */
static int ask_agent(const char *sock, const char *line, char *e, size_t size)
{
	char reply[REPLY_MAX];
	const char *text;
	int r = talk(sock, line, reply, sizeof(reply));

	if (r < 0) {
		fprintf(stderr, _("portcullis exception: cannot reach the agent (%s): %s\n"), sock,
		        strerror(-r));
		return r;
	}
	r = answer(reply, &text);
	str_escape(e, size, text, strlen(text));
	if (r < 0)
		fprintf(stderr, _("portcullis exception: refused: %s\n"), e);
	return r;
}

static bool valid_busid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= USB_BUSID_MAX)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789.-", *s))
			return false;
	return true;
}

static int cmd_request(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "minutes", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{},
	};
	const char *busid = NULL, *sock = DEFAULT_SOCKET;
	char line[96], e[REPLY_MAX * 4];
	unsigned long minutes = 60;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:m:s:", options, NULL)) >= 0) {
		char *end;
		switch (c) {
		case 'd':
			busid = optarg;
			break;
		case 'm':
			errno = 0;
			minutes = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || minutes < 1 || minutes > EXC_MINUTES_MAX) {
				fprintf(stderr,
				        _("portcullis exception: --minutes must be 1..%d\n"),
				        EXC_MINUTES_MAX);
				return 2;
			}
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!busid || optind != argc || !valid_busid(busid)) {
		usage(stderr);
		return 2;
	}
	(void)snprintf(line, sizeof(line), "request %s %lu\n", busid, minutes);
	if (ask_agent(sock, line, e, sizeof(e)) < 0)
		return 1;
	printf(_("Read this challenge to IT (device %s, %lu minutes):\n\n    %s\n\n"
	         "Then type the code IT reads back:  portcullis exception apply CODE\n"
	         "The challenge is valid for one hour.\n"),
	       busid, minutes, e);
	return 0;
}

static int cmd_apply(int argc, char **argv)
{
	const char *sock = DEFAULT_SOCKET, *code = NULL;
	char line[96], e[REPLY_MAX * 4];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (argv[i][0] == '-' || code)
			return usage(stderr), 2;
		else
			code = argv[i];
	}
	if (!code || strlen(code) > 31 || strchr(code, '\n')) {
		usage(stderr);
		return 2;
	}
	(void)snprintf(line, sizeof(line), "apply %s\n", code);
	if (ask_agent(sock, line, e, sizeof(e)) < 0)
		return 1;
	/* "BUSID MINUTES UNTIL" */
	char busid[USB_BUSID_MAX] = "?", until[40] = "?";
	unsigned minutes = 0;
	(void)sscanf(e, "%31s %u %39s", busid, &minutes, until);
	printf(_("Device %s is allowed for %u minutes, until %s (UTC).\n"
	         "It is blocked again when the time is up.\n"),
	       busid, minutes, until);
	return 0;
}

/* Reads and parses the fleet secret; the caller wipes ret. */
static int read_secret(const char *path, uint8_t *ret, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	int r = read_file_bounded(path, 4 * EXC_SECRET_MAX_BYTES, &text, &len);

	if (r < 0)
		return r;
	r = len <= 4 * EXC_SECRET_MAX_BYTES ? exc_secret_parse(text, len, ret, size) : -EINVAL;
	OPENSSL_cleanse(text, len);
	free(text);
	return r;
}

/* The key of host id from the fleet secret at secret_path; says why on stderr. The secret never
 * outlives the call. 0 or a negative errno. */
static int host_key_from_secret(const char *secret_path, const uint8_t id[static EXC_HOST_ID_BYTES],
                                uint8_t key[static EXC_KEY_BYTES])
{
	uint8_t secret[EXC_SECRET_MAX_BYTES];
	int n = read_secret(secret_path, secret, sizeof(secret));

	if (n < 0) {
		fprintf(stderr,
		        _("portcullis exception: %s: not a fleet secret (%d..%d bytes as "
		          "hex digits)\n"),
		        secret_path, EXC_SECRET_MIN_BYTES, EXC_SECRET_MAX_BYTES);
		OPENSSL_cleanse(secret, sizeof(secret));
		return n;
	}
	int r = exc_host_key(secret, (size_t)n, id, key);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (r < 0)
		fprintf(stderr, "portcullis exception: %s\n", strerror(-r));
	return r;
}

static int cmd_grant(int argc, char **argv)
{
	const char *secret_path = NULL, *challenge = NULL;
	uint8_t key[EXC_KEY_BYTES], mac[EXC_MAC_BYTES];
	struct exc_challenge c;
	char code[EXC_CODE_TEXT], ch[EXC_CHALLENGE_TEXT];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--secret") && i + 1 < argc)
			secret_path = argv[++i];
		else if (argv[i][0] == '-' || challenge)
			return usage(stderr), 2;
		else
			challenge = argv[i];
	}
	if (!secret_path || !challenge)
		return usage(stderr), 2;
	if (exc_challenge_parse(challenge, &c) < 0) {
		fprintf(stderr, _("portcullis exception: not a challenge: a symbol is wrong or "
		                  "missing; ask the caller to read it again\n"));
		return 1;
	}
	if (host_key_from_secret(secret_path, c.host_id, key) < 0)
		return 1;
	exc_code_compute(key, &c, mac);
	OPENSSL_cleanse(key, sizeof(key));
	exc_code_format(mac, code);
	exc_challenge_format(&c, ch);
	printf(_("challenge: %s\n"
	         "host:      %02x%02x%02x%02x%02x\n"
	         "device:    %02x%02x%02x%02x%02x\n"
	         "minutes:   %u\n"
	         "code:      %s\n"),
	       ch, c.host_id[0], c.host_id[1], c.host_id[2], c.host_id[3], c.host_id[4],
	       c.device[0], c.device[1], c.device[2], c.device[3], c.device[4], c.minutes, code);
	return 0;
}

static int cmd_host_key(int argc, char **argv)
{
	const char *secret_path = NULL, *mid = NULL;
	uint8_t id[EXC_HOST_ID_BYTES], key[EXC_KEY_BYTES];
	struct cli_host host;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--secret") && i + 1 < argc)
			secret_path = argv[++i];
		else if (!strcmp(argv[i], "--machine-id") && i + 1 < argc)
			mid = argv[++i];
		else
			return usage(stderr), 2;
	}
	if (!secret_path)
		return usage(stderr), 2;
	if (!mid) {
		cli_host_read(&host, NULL);
		mid = host.machine_id;
	}
	if (strlen(mid) != 32 || strspn(mid, "0123456789abcdefABCDEF") != 32) {
		fprintf(stderr, _("portcullis exception: a machine id is 32 hex digits "
		                  "(/etc/machine-id)\n"));
		return 2;
	}
	exc_host_id(mid, id);
	if (host_key_from_secret(secret_path, id, key) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(key); i++)
		printf("%02x", key[i]);
	printf("\n");
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

int cmd_exception(int argc, char **argv)
{
	cli_i18n_init();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "request"))
		return cmd_request(argc - 1, argv + 1);
	if (!strcmp(argv[1], "apply"))
		return cmd_apply(argc - 1, argv + 1);
	if (!strcmp(argv[1], "grant"))
		return cmd_grant(argc - 1, argv + 1);
	if (!strcmp(argv[1], "host-key"))
		return cmd_host_key(argc - 1, argv + 1);
	usage(stderr);
	return 2;
}
