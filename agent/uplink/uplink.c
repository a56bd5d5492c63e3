/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Upstream delivery, parent side: the spool, group commit, and the portcullis-uplink child
 * (fork+exec, SOCK_SEQPACKET, restarted with backoff; a malformed message kills it).
 */
#include "agent/uplink/uplink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/base/log.h"
#include "policy/base/strutil.h"
#include "agent/uplink/spool.h"
#include "agent/uplink/syslog_frame.h"
#include "agent/uplink/uplink_proto.h"

#define COMMIT_DELAY_USEC 2000u   /* group commit: at most this long after the first append */
#define COMMIT_BATCH      4096u   /* ... or this many pending records, whichever comes first */
#define ACK_PERSIST_USEC  100000u /* acks are made durable lazily (duplicates are harmless) */
#define INFLIGHT_MAX      4096u   /* records sent to the child and not yet acknowledged */
#define RESTART_MIN_USEC  250000u
#define RESTART_MAX_USEC  30000000u

struct uplink {
	struct uplink_config cfg;
	char *helper;
	sd_event *event;
	struct spool *spool;
	uplink_dropped_fn on_dropped;
	void *userdata;

	sd_event_source *commit_timer;
	sd_event_source *dropped_defer;
	sd_event_source *child_io;
	sd_event_source *restart_timer;
	uint64_t dropped_pending;
	uint64_t dropped_first, dropped_last; /* seq range of the pending drops */

	int sock;
	pid_t pid;
	uint64_t sent_upto; /* highest seq sent to the current child */
	uint64_t restart_usec;
	bool child_connected;
	char error[256];
	uint64_t restarts;
	uint64_t violations;
	unsigned unsynced_hint; /* appends since the last forced commit */
	uint8_t buf[UPLINK_MSG_MAX + 1];
};

static int child_start(struct uplink *u);
static void pump(struct uplink *u);

static int commit_now(struct uplink *u)
{
	u->unsynced_hint = 0;
	int r = spool_sync(u->spool);
	if (r < 0)
		return log_error_errno(r, "uplink: spool fsync failed: %m");
	return 0;
}

static int on_commit_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	/* an error was logged; the next append or ack retries */
	(void)commit_now(userdata);
	return 0;
}

static void schedule_commit(struct uplink *u, uint64_t delay)
{
	int enabled = SD_EVENT_OFF;

	(void)sd_event_source_get_enabled(u->commit_timer, &enabled);
	if (enabled != SD_EVENT_OFF)
		return; /* already armed, possibly for an earlier time */
	if (sd_event_source_set_time_relative(u->commit_timer, delay) < 0 ||
	    sd_event_source_set_enabled(u->commit_timer, SD_EVENT_ONESHOT) < 0)
		(void)commit_now(u); /* cannot defer: do it now */
}

static int on_dropped_defer(sd_event_source *s, void *userdata)
{
	struct uplink *u = userdata;
	uint64_t n = u->dropped_pending, first = u->dropped_first, last = u->dropped_last;

	(void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
	u->dropped_pending = u->dropped_first = u->dropped_last = 0;
	if (n && u->on_dropped)
		u->on_dropped(u->userdata, n, first, last);
	return 0;
}

static void child_stop(struct uplink *u, const char *why)
{
	if (u->child_io)
		u->child_io = sd_event_source_disable_unref(u->child_io);
	if (u->sock >= 0)
		(void)close(u->sock);
	u->sock = -1;
	if (u->pid > 0) {
		int status = 0;
		(void)kill(u->pid, SIGKILL);
		while (waitpid(u->pid, &status, 0) < 0 && errno == EINTR)
			;
		if (why)
			log_warning("uplink: child %d stopped (%s)%s", (int)u->pid, why,
			            WIFEXITED(status) && WEXITSTATUS(status) == 2
			                ? ": it refused its configuration"
			                : "");
	}
	u->pid = 0;
	u->child_connected = false;
	u->sent_upto = 0;
}

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct uplink *u = userdata;
	(void)s;
	(void)usec;
	int r = child_start(u);
	if (r < 0)
		log_error_errno(r, "uplink: cannot start %s, retrying: %m", u->helper);
	return 0;
}

static void child_lost(struct uplink *u, const char *why)
{
	child_stop(u, why);
	u->restarts++;
	if (sd_event_source_set_time_relative(u->restart_timer, u->restart_usec) >= 0)
		(void)sd_event_source_set_enabled(u->restart_timer, SD_EVENT_ONESHOT);
	u->restart_usec =
	    u->restart_usec * 2 > RESTART_MAX_USEC ? RESTART_MAX_USEC : u->restart_usec * 2;
}

static void violation(struct uplink *u, const char *what)
{
	u->violations++;
	(void)snprintf(u->error, sizeof(u->error), "child killed: %s", what);
	log_error("uplink: malformed message from portcullis-uplink (%s): treating it as "
	          "compromised, killing it",
	          what);
	child_lost(u, what);
}

static void handle_msg(struct uplink *u, const uint8_t *buf, size_t len)
{
	struct uplink_msg m;

	if (uplink_msg_decode(buf, len, &m) < 0)
		return violation(u, "undecodable message");
	switch (m.type) {
	case UPLINK_MSG_ACK: {
		if (m.seq > u->sent_upto)
			return violation(u, "ack for a record that was never sent");
		int r = spool_ack(u->spool, m.seq);
		if (r < 0)
			return violation(u, "ack out of range");
		if (spool_needs_sync(u->spool))
			schedule_commit(u, ACK_PERSIST_USEC);
		break;
	}
	case UPLINK_MSG_STATUS:
		if (m.connected && !u->child_connected)
			log_info("uplink: connected to %s:%u", u->cfg.host, u->cfg.port);
		if (m.text[0] && strcmp(m.text, u->error))
			log_warning("uplink: %s", m.text);
		u->child_connected = m.connected;
		(void)str_copy(u->error, sizeof(u->error), m.text);
		if (m.connected)
			u->restart_usec = RESTART_MIN_USEC;
		break;
	case UPLINK_MSG_RECORD:
		return violation(u, "unexpected RECORD from the child");
	}
}

static int on_child_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct uplink *u = userdata;
	(void)s;

	if (revents & EPOLLIN) {
		for (;;) {
			ssize_t n = recv(fd, u->buf, sizeof(u->buf), MSG_DONTWAIT | MSG_TRUNC);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				child_lost(u, "socket error");
				return 0;
			}
			if (n == 0) {
				child_lost(u, "it exited");
				return 0;
			}
			if ((size_t)n > sizeof(u->buf)) {
				violation(u, "oversized message");
				return 0;
			}
			handle_msg(u, u->buf, (size_t)n);
			if (u->sock < 0)
				return 0; /* killed */
		}
	} else if (revents & (EPOLLHUP | EPOLLERR)) {
		child_lost(u, "it exited");
		return 0;
	}
	pump(u);
	return 0;
}

/* Sends unsent records to the child, bounded by INFLIGHT_MAX and the socket buffer. */
static void pump(struct uplink *u)
{
	if (u->sock < 0)
		return;
	struct spool_stats st;
	spool_get_stats(u->spool, &st);
	uint64_t i = spool_index_after(u->spool, u->sent_upto);
	bool blocked = false;

	for (; i < st.depth && i < INFLIGHT_MAX; i++) {
		uint64_t seq;
		const uint8_t *data;
		uint32_t len;
		if (spool_peek(u->spool, i, &seq, &data, &len) < 0)
			break;
		int n = uplink_msg_encode_record(u->buf, sizeof(u->buf), seq, data, len);
		if (n < 0)
			break;
		ssize_t w = send(u->sock, u->buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				blocked = true;
				break;
			}
			child_lost(u, "socket error");
			return;
		}
		u->sent_upto = seq;
	}
	(void)sd_event_source_set_io_events(u->child_io, blocked ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static int child_start(struct uplink *u)
{
	int sv[2] = { -1, -1 };
	char a_port[16], a_tls[8], a_procid[24], a_pen[16];
	char *argv[28];
	int k = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	(void)snprintf(a_port, sizeof(a_port), "%u", u->cfg.port);
	(void)snprintf(a_tls, sizeof(a_tls), "%d", u->cfg.tls ? 1 : 0);
	(void)snprintf(a_procid, sizeof(a_procid), "%d", (int)getpid());
	(void)snprintf(a_pen, sizeof(a_pen), "%" PRIu32,
	               u->cfg.enterprise_number ? u->cfg.enterprise_number : SYSLOG_PEN_EXAMPLE);
	/* "--name" "value" pairs (see uplink_child.c): a value can never be taken for an option */
	argv[k++] = u->helper;
	argv[k++] = (char *)"--protocol";
	argv[k++] = u->cfg.protocol;
	argv[k++] = (char *)"--host";
	argv[k++] = u->cfg.host;
	argv[k++] = (char *)"--port";
	argv[k++] = a_port;
	argv[k++] = (char *)"--tls";
	argv[k++] = a_tls;
	argv[k++] = (char *)"--user";
	argv[k++] = u->cfg.user;
	argv[k++] = (char *)"--procid";
	argv[k++] = a_procid;
	argv[k++] = (char *)"--enterprise-number";
	argv[k++] = a_pen;
	if (u->cfg.ca_file[0]) {
		argv[k++] = (char *)"--ca-file";
		argv[k++] = u->cfg.ca_file;
	}
	if (u->cfg.cert_file[0]) {
		argv[k++] = (char *)"--cert-file";
		argv[k++] = u->cfg.cert_file;
		argv[k++] = (char *)"--key-file";
		argv[k++] = u->cfg.key_file;
	}
	if (u->cfg.server_name[0]) {
		argv[k++] = (char *)"--server-name";
		argv[k++] = u->cfg.server_name;
	}
	argv[k] = NULL;

	pid_t pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		(void)close(sv[0]);
		(void)close(sv[1]);
		return r;
	}
	if (pid == 0) {
		/* child: async-signal-safe calls only until exec */
		sigset_t all;
		(void)sigemptyset(&all);
		(void)sigprocmask(SIG_SETMASK, &all, NULL); /* sd-event users block signals */
		for (int sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		if (sv[1] == 3) {
			(void)fcntl(3, F_SETFD, 0);
		} else if (dup2(sv[1], 3) < 0)
			_exit(127);
		(void)close_range(4, ~0u, 0);
		execv(u->helper, argv);
		_exit(127);
	}
	(void)close(sv[1]);
	u->sock = sv[0];
	u->pid = pid;
	u->sent_upto = 0;
	u->child_connected = false;
	int r = sd_event_add_io(u->event, &u->child_io, u->sock, EPOLLIN, on_child_io, u);
	if (r < 0) {
		child_stop(u, NULL);
		return r;
	}
	(void)sd_event_source_set_description(u->child_io, "uplink-child");
	pump(u);
	return 0;
}

struct uplink *uplink_free(struct uplink *u)
{
	if (!u)
		return NULL;
	child_stop(u, NULL);
	if (u->spool && spool_needs_sync(u->spool))
		(void)commit_now(u);
	sd_event_source_disable_unref(u->commit_timer);
	sd_event_source_disable_unref(u->dropped_defer);
	sd_event_source_disable_unref(u->restart_timer);
	spool_free(u->spool);
	sd_event_unref(u->event);
	free(u->helper);
	free(u);
	return NULL;
}

int uplink_start(const struct uplink_config *cfg, const char *spool_dir, const char *helper_path,
                 sd_event *e, uplink_dropped_fn on_dropped, void *userdata, struct uplink **ret)
{
	int r;

	if (!cfg || !spool_dir || !e || !ret)
		return -EINVAL;
	struct uplink *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->cfg = *cfg;
	u->sock = -1;
	u->event = sd_event_ref(e);
	u->on_dropped = on_dropped;
	u->userdata = userdata;
	u->restart_usec = RESTART_MIN_USEC;
	u->helper = strdup(helper_path ? helper_path : "");
	if (!u->helper) {
		r = -ENOMEM;
		goto fail;
	}
	r = spool_open(spool_dir, cfg->spool_max_bytes, NULL, &u->spool);
	if (r < 0) {
		log_error_errno(r, "uplink: cannot open the spool %s: %m", spool_dir);
		goto fail;
	}
	struct spool_stats st;
	spool_get_stats(u->spool, &st);
	if (st.depth || st.corrupt_frames)
		log_info("uplink: spool has %" PRIu64 " undelivered records (%" PRIu64
		         " damaged frames skipped)",
		         st.depth, st.corrupt_frames);

	r = sd_event_add_time_relative(e, &u->commit_timer, CLOCK_MONOTONIC, COMMIT_DELAY_USEC, 0,
	                               on_commit_timer, u);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_enabled(u->commit_timer, SD_EVENT_OFF);
	r = sd_event_add_defer(e, &u->dropped_defer, on_dropped_defer, u);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_enabled(u->dropped_defer, SD_EVENT_OFF);
	r = sd_event_add_time_relative(e, &u->restart_timer, CLOCK_MONOTONIC, RESTART_MIN_USEC, 0,
	                               on_restart_timer, u);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_enabled(u->restart_timer, SD_EVENT_OFF);

	if (cfg->enabled) {
		if (!helper_path || !helper_path[0]) {
			r = -EINVAL;
			goto fail;
		}
		if (!getpwnam(cfg->user)) {
			r = log_error_errno(-ESRCH,
			                    "uplink: user \"%s\" does not exist: refusing to start "
			                    "the uplink (create it or set uplink.user)",
			                    cfg->user);
			goto fail;
		}
		r = child_start(u);
		if (r < 0) {
			log_error_errno(r, "uplink: cannot start %s: %m", helper_path);
			goto fail;
		}
	}
	*ret = u;
	return 0;
fail:
	uplink_free(u);
	return r;
}

int uplink_submit(struct uplink *u, uint64_t seq, const char *line, size_t len)
{
	uint64_t dropped = 0, oldest = 0, now_oldest = seq;
	const uint8_t *data;
	uint32_t dlen;

	if (!u->cfg.enabled)
		return 0;
	/* Drops are always the oldest undelivered records: [oldest before, oldest after) */
	(void)spool_peek(u->spool, 0, &oldest, &data, &dlen);
	int r = spool_append(u->spool, seq, line, len, &dropped);
	if (r < 0)
		return r;
	if (dropped) {
		(void)spool_peek(u->spool, 0, &now_oldest, &data, &dlen);
		if (u->dropped_first == 0 || (oldest && oldest < u->dropped_first))
			u->dropped_first = oldest ? oldest : now_oldest - dropped;
		if (now_oldest - 1 > u->dropped_last)
			u->dropped_last = now_oldest - 1;
		u->dropped_pending += dropped;
		(void)sd_event_source_set_enabled(u->dropped_defer, SD_EVENT_ONESHOT);
	}
	schedule_commit(u, COMMIT_DELAY_USEC);
	u->unsynced_hint++;
	if (u->unsynced_hint >= COMMIT_BATCH)
		(void)commit_now(u); /* logged; the timer retries */
	pump(u);
	return 0;
}

int uplink_flush(struct uplink *u)
{
	u->unsynced_hint = 0;
	int r = spool_sync(u->spool);
	if (r >= 0)
		(void)sd_event_source_set_enabled(u->commit_timer, SD_EVENT_OFF);
	return r;
}

uint64_t uplink_spool_depth(const struct uplink *u)
{
	struct spool_stats st;
	spool_get_stats(u->spool, &st);
	return st.depth;
}

void uplink_get_status(const struct uplink *u, struct uplink_status *ret)
{
	struct spool_stats st;
	spool_get_stats(u->spool, &st);
	*ret = (struct uplink_status){
		.child_running = u->pid > 0,
		.connected = u->child_connected,
		.depth = st.depth,
		.acked_seq = st.acked_seq,
		.last_seq = st.last_seq > st.acked_seq ? st.last_seq : st.acked_seq,
		.dropped = st.dropped,
		.corrupt_frames = st.corrupt_frames,
		.child_restarts = u->restarts,
		.child_violations = u->violations,
	};
	(void)str_copy(ret->error, sizeof(ret->error), u->error);
}
