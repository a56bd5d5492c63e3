/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline exceptions in the agent: the host key, the operators' socket and the events. The
 * decisions themselves are exception.c's (pure). See docs/exceptions.md for the threat model.
 *
 * The socket (default /run/portcullis/exception.sock) is 0660 root:portcullis-operator (0600
 * root when that group does not exist): who may ask and apply is decided by the file system;
 * SO_PEERCRED names the uid in the events. One line in ("request BUSID MINUTES" or "apply
 * CODE"), one line out ("ok ..." or "error REASON"), then the connection is closed. A client
 * gets 5 seconds; at most EXC_MAX_CLIENTS at once; nothing a client sends can block the loop.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent/daemon/agent_internal.h"
#include "agent/sysfs/usb_sysfs.h"
#include "policy/base/clock.h"
#include "policy/base/fileio.h"

#define EXC_MAX_CLIENTS    8
#define EXC_CLIENT_USEC    (5u * 1000000u)
#define EXC_OPERATOR_GROUP "portcullis-operator"
#define EXC_KEY_FILE_MAX   4096

struct exc_client {
	struct exc_server *server;
	int fd;
	uint32_t uid;
	sd_event_source *io, *timer;
	size_t len;
	char buf[EXC_COMMAND_MAX + 2];
};

struct exc_server {
	struct agent *agent;
	int fd;
	char path[108];
	sd_event_source *io;
	struct exc_client *clients[EXC_MAX_CLIENTS];
};

static void format_utc(int64_t t, char buf[static 32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, 32, "@%lld", (long long)t);
}

/* ---- key ---- */

static int load_key(struct agent *a)
{
	const char *path = a->cfg.exception_key_file;
	_cleanup_(freep) char *text = NULL;
	uint8_t key[EXC_SECRET_MAX_BYTES];
	struct stat st;
	size_t len = 0;
	int r, n;

	if (!path)
		return 0;
	if (stat(path, &st) < 0) {
		r = negative_errno();
		if (r == -ENOENT) {
			log_info("No exception key (%s): offline exceptions are not possible here",
			         path);
			return 0;
		}
		return log_error_errno(r, "Cannot read the exception key %s: %m", path);
	}
	if (a->cfg.store.check_owner && (st.st_uid != 0 || (st.st_mode & 0077))) {
		log_error("Exception key %s must be owned by root and readable by root only; "
		          "ignored (no exceptions)",
		          path);
		return 0;
	}
	if (!a->cfg.store.machine_id) {
		log_error("No machine id: the exception key cannot be used (no exceptions)");
		return 0;
	}
	r = read_file_bounded(path, EXC_KEY_FILE_MAX, &text, &len);
	if (r < 0)
		return log_error_errno(r, "Cannot read the exception key %s: %m", path);
	n = len <= EXC_KEY_FILE_MAX ? exc_secret_parse(text, len, key, sizeof(key)) : -EINVAL;
	OPENSSL_cleanse(text, len);
	if (n != EXC_KEY_BYTES) {
		OPENSSL_cleanse(key, sizeof(key));
		log_error("Exception key %s is not 64 hex digits (portcullis exception host-key "
		          "makes it); ignored (no exceptions)",
		          path);
		return 0;
	}
	exc_state_init(&a->exc, key, a->cfg.store.machine_id);
	OPENSSL_cleanse(key, sizeof(key));
	log_info("Offline exceptions: host key loaded");
	return 0;
}

/* ---- the agent's side of request and apply ---- */

/* The attached device at busid, read and classified into a->read_buf. */
static int read_device(struct agent *a, const char *busid, const struct usb_device_info **ret)
{
	const struct tracked *t = tracked_table_get(&a->tracked, busid);
	int r;

	if (!t)
		return -ENODEV;
	r = usb_sysfs_read_syspath(a->udev, t->syspath, a->read_buf);
	if (r < 0)
		return r;
	*ret = a->read_buf;
	return 0;
}

int agent_exception_request(struct agent *a, const char *busid, unsigned minutes, uint32_t uid,
                            char *ret_challenge, const char **ret_reason)
{
	const struct usb_device_info *dev;
	struct policy_env env;
	uint8_t nonce[EXC_NONCE_BYTES];
	char msg[160];
	int r;

	if (!a || !a->started || !busid || !ret_challenge || !ret_reason)
		return -EINVAL;
	r = read_device(a, busid, &dev);
	if (r < 0)
		return *ret_reason = "no such device attached", r;
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		return *ret_reason = "no randomness", -EIO;
	agent_env(a, &env);
	policy_evaluate(a->policy, dev, &env, a->dec);
	agent_exception_decision(a, dev, a->dec);
	r = exc_request(&a->exc, a->policy, dev, a->dec, minutes, env.now, uid, nonce,
	                ret_challenge, ret_reason);
	if (r < 0)
		return r;
	(void)snprintf(msg, sizeof(msg), "challenge %s for %u minutes, asked by uid %u",
	               ret_challenge, minutes, uid);
	agent_emit(
	    a, &(struct event){ .type = EVENT_EXCEPTION_REQUESTED, .device = dev, .message = msg });
	return 0;
}

int agent_exception_apply(struct agent *a, const char *code, uint32_t uid, char *ret_text,
                          size_t size, const char **ret_reason)
{
	const struct usb_device_info *dev = NULL;
	struct exc_active x;
	char msg[320], until[32];
	int64_t now = clock_realtime_sec();
	int r;

	if (!a || !a->started || !code || !ret_text || !ret_reason)
		return -EINVAL;
	r = exc_apply(&a->exc, a->policy, code, now, a->cfg.exception_minute_sec, uid, &x,
	              ret_reason);
	if (r < 0) {
		if (r != -EBADMSG) { /* a typo is not an event; everything else is */
			(void)snprintf(msg, sizeof(msg), "%s, by uid %u", *ret_reason, uid);
			agent_emit(
			    a, &(struct event){ .type = EVENT_EXCEPTION_REFUSED, .message = msg });
		}
		return r;
	}
	format_utc(x.until, until);
	(void)snprintf(msg, sizeof(msg),
	               "code %s (challenge %s) for %u minutes, until %s, applied by uid %u", x.code,
	               x.challenge, x.minutes, until, uid);
	if (read_device(a, x.busid, &dev) < 0)
		dev = NULL; /* unplugged since: allowed when it comes back, until the time is up */
	agent_emit(
	    a, &(struct event){ .type = EVENT_EXCEPTION_GRANTED, .device = dev, .message = msg });
	(void)snprintf(ret_text, size, "%s %u %s", x.busid, x.minutes, until);
	agent_redecide_all(a);
	return 0;
}

void agent_exception_decision(struct agent *a, const struct usb_device_info *info,
                              struct decision *dec)
{
	uint8_t digest[32];
	const struct exc_active *x;

	if (!a->exc.n_active || !a->policy || !policy_exceptions_max_minutes(a->policy))
		return; /* a policy without exceptions ends them all */
	exc_device_digest(info, digest);
	x = exc_find_active(&a->exc, digest, clock_realtime_sec());
	if (x)
		exc_apply_to_decision(dec, info, policy_exceptions_kinds(a->policy), x->until);
}

bool agent_exception_expire(struct agent *a)
{
	struct exc_active gone[EXC_MAX_ACTIVE];
	unsigned n = exc_expire(&a->exc, clock_realtime_sec(), gone, EXC_MAX_ACTIVE);

	for (unsigned i = 0; i < n; i++) {
		const struct usb_device_info *dev = NULL;
		char msg[200], until[32];

		format_utc(gone[i].until, until);
		(void)snprintf(msg, sizeof(msg),
		               "code %s: time is up (%s); decided by the policy again",
		               gone[i].code, until);
		if (read_device(a, gone[i].busid, &dev) < 0)
			dev = NULL;
		agent_emit(a, &(struct event){
		                  .type = EVENT_EXCEPTION_EXPIRED, .device = dev, .message = msg });
	}
	return n > 0;
}

/* ---- the socket ---- */

static void client_free(struct exc_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < EXC_MAX_CLIENTS; i++)
		if (c->server->clients[i] == c)
			c->server->clients[i] = NULL;
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static void reply(struct exc_client *c, const char *status, const char *text)
{
	char out[256];
	int n = snprintf(out, sizeof(out), "%s %s\n", status, text);

	if (n > 0) /* the socket is non-blocking and the line small: one send or nothing */
		(void)send(c->fd, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1,
		           MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void handle_line(struct exc_client *c, const char *line, size_t len)
{
	struct agent *a = c->server->agent;
	struct exc_command cmd;
	const char *why = NULL;
	char text[EXC_CHALLENGE_TEXT + 96];
	int r;

	if (exc_command_parse(line, len, &cmd) < 0) {
		reply(c, "error", "not a command (request BUSID MINUTES | apply CODE)");
		return;
	}
	if (cmd.type == EXC_CMD_REQUEST)
		r = agent_exception_request(a, cmd.busid, cmd.minutes, c->uid, text, &why);
	else
		r = agent_exception_apply(a, cmd.code, c->uid, text, sizeof(text), &why);
	if (r < 0)
		reply(c, "error", why ? why : strerror(-r));
	else
		reply(c, "ok", text);
}

static int on_client(sd_event_source *s _unused_, int fd _unused_, uint32_t revents _unused_,
                     void *userdata)
{
	struct exc_client *c = userdata;
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		client_free(c);
		return 0;
	}
	c->len += (size_t)n;
	char *nl = memchr(c->buf, '\n', c->len);
	if (nl)
		handle_line(c, c->buf, (size_t)(nl - c->buf));
	else if (c->len < sizeof(c->buf) - 1)
		return 0; /* more to come */
	else
		reply(c, "error", "line too long");
	client_free(c);
	return 0;
}

static int on_client_timeout(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata)
{
	client_free(userdata);
	return 0;
}

static int on_accept(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata)
{
	struct exc_server *srv = userdata;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	size_t slot = EXC_MAX_CLIENTS;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return 0;
	for (size_t i = 0; i < EXC_MAX_CLIENTS && slot == EXC_MAX_CLIENTS; i++)
		if (!srv->clients[i])
			slot = i;
	if (slot == EXC_MAX_CLIENTS || getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(cfd); /* busy, or no peer: nobody to answer */
		return 0;
	}
	struct exc_client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->server = srv;
	c->fd = cfd;
	c->uid = (uint32_t)cred.uid;
	srv->clients[slot] = c;
	if (sd_event_add_io(srv->agent->event, &c->io, cfd, EPOLLIN, on_client, c) < 0 ||
	    sd_event_add_time_relative(srv->agent->event, &c->timer, CLOCK_MONOTONIC,
	                               EXC_CLIENT_USEC, 100000, on_client_timeout, c) < 0)
		client_free(c);
	return 0;
}

static int open_socket(struct agent *a)
{
	const char *path = a->cfg.exception_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct exc_server *srv;
	struct stat st;
	int r;

	if (!path)
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Exception socket path too long: %s", path);
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->agent = a;
	memcpy(sa.sun_path, path, strlen(path));
	(void)snprintf(srv->path, sizeof(srv->path), "%s", path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path); /* ours, from a previous run */
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = negative_errno();
		goto fail;
	}
	/* root:portcullis-operator 0660, else root-only */
	struct group *g = getgrnam(EXC_OPERATOR_GROUP);
	if (g && chown(path, 0, g->gr_gid) == 0)
		r = chmod(path, 0660);
	else
		r = chmod(path, 0600);
	if (r < 0 || listen(srv->fd, 8) < 0) {
		r = negative_errno();
		goto fail;
	}
	r = sd_event_add_io(a->event, &srv->io, srv->fd, EPOLLIN, on_accept, srv);
	if (r < 0)
		goto fail;
	a->exc_server = srv;
	return 0;
fail:
	log_warning_errno(r,
	                  "Cannot open the exception socket %s; exceptions cannot be asked "
	                  "for: %m",
	                  path);
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
	return 0; /* enforcement does not depend on it */
}

int agent_exception_setup(struct agent *a)
{
	int r = load_key(a);
	if (r < 0)
		return 0; /* logged; enforcement does not depend on exceptions */
	return open_socket(a);
}

void agent_exception_teardown(struct agent *a)
{
	struct exc_server *srv = a->exc_server;

	if (srv) {
		for (size_t i = 0; i < EXC_MAX_CLIENTS; i++)
			client_free(srv->clients[i]);
		sd_event_source_disable_unref(srv->io);
		close(srv->fd);
		(void)unlink(srv->path);
		free(srv);
		a->exc_server = NULL;
	}
	exc_state_wipe(&a->exc);
}
