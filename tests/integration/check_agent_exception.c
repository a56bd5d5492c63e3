/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline exceptions in the real agent under umockdev: a blocked stick, a request over the
 * operators' socket, IT's code (computed as "portcullis exception grant" does), a wrong code
 * refused, the right one authorizes the stick, a replay is refused, and when the time is up
 * (seconds here: exception_minute_sec = 1) the stick is blocked again, with every event.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_agent_harness.h"
#include "policy/trust/excode.h"

#define MID "0123456789abcdef0123456789abcdef"

static const uint8_t secret[32] = {
	42, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
};

static const char policy[] = "version = 1; serial = 5;\n"
                             "exceptions = { max_minutes = 60; kinds = [ \"mass-storage\" ]; };\n"
                             "rules = ( { id = \"hid\"; action = \"allow\"; kind = \"hid\"; } );\n";

static char dir[] = "/tmp/pc-exc-XXXXXX";
static char keyfile[64], sockpath[64];

/* What IT installs on the host: its key, as "portcullis exception host-key" prints it. */
static void write_key(void)
{
	uint8_t id[EXC_HOST_ID_BYTES], key[EXC_KEY_BYTES];
	FILE *f;

	exc_host_id(MID, id);
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), id, key), 0);
	snprintf(keyfile, sizeof(keyfile), "%s/exception.key", dir);
	f = fopen(keyfile, "we");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < sizeof(key); i++)
		fprintf(f, "%02x", key[i]);
	fputc('\n', f);
	fclose(f);
}

/* IT's side of the phone call. */
static void grant(const char *challenge, char code[static EXC_CODE_TEXT])
{
	struct exc_challenge c;
	uint8_t key[EXC_KEY_BYTES], mac[EXC_MAC_BYTES];

	ck_assert_int_eq(exc_challenge_parse(challenge, &c), 0);
	ck_assert_int_eq(exc_host_key(secret, sizeof(secret), c.host_id, key), 0);
	exc_code_compute(key, &c, mac);
	exc_code_format(mac, code);
}

/* One command over the socket, as "portcullis exception" sends it; the reply line. */
static void sock_cmd(struct harness *h, const char *line, char *reply, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;
	struct timespec t0, t;

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, sockpath);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reply[0] = '\0';
	for (;;) {
		(void)agent_run_until_idle(h->agent, 10 * 1000);
		ssize_t n = recv(fd, reply + got, size - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		reply[got] = '\0';
		if (n == 0 || strchr(reply, '\n'))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_int_lt(t.tv_sec - t0.tv_sec, 3);
	}
	close(fd);
}

START_TEST(test_exception_round_trip)
{
	struct harness *h = h_new();
	char reply[256], ch[EXC_CHALLENGE_TEXT], code[EXC_CODE_TEXT], line[128];
	const char *why = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_key();
	snprintf(sockpath, sizeof(sockpath), "%s/exception.sock", dir);
	h->policy_text = policy;
	h->machine_id = MID;
	h->exception_key_file = keyfile;
	h->exception_socket = sockpath;
	h->exception_minute_sec = 1; /* "minutes" of one second: the test clock */
	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);

	/* the operator asks for 3 "minutes" */
	sock_cmd(h, "request 1-2 3\n", reply, sizeof(reply));
	ck_assert_msg(!strncmp(reply, "ok ", 3), "%s", reply);
	snprintf(ch, sizeof(ch), "%.*s", EXC_CHALLENGE_TEXT - 1, reply + 3);
	ck_assert_uint_eq(h_count(h, EVENT_EXCEPTION_REQUESTED, "1-2"), 1);
	ck_assert_ptr_nonnull(strstr(h_last(h, EVENT_EXCEPTION_REQUESTED, "1-2")->message, ch));

	/* a request the policy does not allow, and for a device that is not there */
	sock_cmd(h, "request 1-2 61\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "error longer than the policy in force allows\n");
	sock_cmd(h, "request 9-9 5\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "error no such device attached\n");
	sock_cmd(h, "hello\n", reply, sizeof(reply));
	ck_assert_msg(!strncmp(reply, "error not a command", 19), "%s", reply);

	/* IT reads back a code; a wrong one is refused and reported */
	grant(ch, code);
	char wrong[EXC_CODE_TEXT];
	uint8_t mac[EXC_MAC_BYTES] = { 9, 9, 9, 9, 9 };
	exc_code_format(mac, wrong);
	snprintf(line, sizeof(line), "apply %s\n", wrong);
	sock_cmd(h, line, reply, sizeof(reply));
	ck_assert_msg(!strncmp(reply, "error wrong code", 16), "%s", reply);
	ck_assert_uint_eq(h_count(h, EVENT_EXCEPTION_REFUSED, NULL), 1);
	ck_assert_int_eq(h_auth(h, st, NULL), 0);

	/* the right one authorizes the stick */
	snprintf(line, sizeof(line), "apply %s\n", code);
	sock_cmd(h, line, reply, sizeof(reply));
	ck_assert_msg(!strncmp(reply, "ok 1-2 3 ", 9), "%s", reply);
	ck_assert_int_eq(h_auth(h, st, NULL), 1);
	const struct h_event *e = h_last(h, EVENT_EXCEPTION_GRANTED, "1-2");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, code));
	ck_assert_ptr_nonnull(strstr(e->message, ch));
	e = h_last(h, EVENT_DEVICE_DECISION, "1-2");
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_ALLOW);

	/* a replay does nothing */
	ck_assert_int_eq(agent_exception_apply(h->agent, code, 0, line, sizeof(line), &why),
	                 -EACCES);

	/* the time is up: blocked again, without a uevent */
	ck_assert_int_eq(h_wait_auth(h, st, NULL, 0), 0);
	e = h_last(h, EVENT_EXCEPTION_EXPIRED, "1-2");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, code));
	e = h_last(h, EVENT_DEVICE_DECISION, "1-2");
	ck_assert_int_eq(e->verdict, DEVICE_VERDICT_BLOCK);
	ck_assert_str_eq(e->message, "re-evaluated: a time window or an exception began or ended");

	free(st);
	h_free(h);
	unlink(keyfile);
	rmdir(dir);
}
END_TEST

/* Without a key or with exceptions off in the policy, nothing is granted. */
START_TEST(test_exception_off)
{
	struct harness *h = h_new();
	char ch[EXC_CHALLENGE_TEXT];
	const char *why = NULL;

	h->policy_text = "version = 1; serial = 5;";
	h_start(h);
	char *st = h_add(h, "usb-stick", NULL, "1-2", false, false);
	h_settle(h);
	ck_assert_int_eq(agent_exception_request(h->agent, "1-2", 5, 0, ch, &why), -ENOKEY);
	free(st);
	h_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_exception");
	TCase *tc = tcase_create("exception");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_exception_round_trip);
	tcase_add_test(tc, test_exception_off);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
