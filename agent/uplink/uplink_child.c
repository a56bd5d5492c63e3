/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis-uplink: the unprivileged child of portcullisd that talks to the collector.
 *
 * Started by the agent (fork+exec) with its end of a SOCK_SEQPACKET socketpair as fd 3. It loads
 * the CA / client certificate / key, drops to the configured user (no way back, no new privileges),
 * then receives RECORD messages, sends them as RELP or RFC 5424 syslog (octet counting) over TLS,
 * and reports ACK{seq} for every record that is delivered:
 *   relp    the collector answered "200 OK" for it (at-least-once),
 *   syslog  the TLS write succeeded and the collector's TCP stack acknowledged every byte
 *           (SIOCOUTQ == 0) -- no application-level acknowledgement exists in this protocol.
 * Exit status: 0 parent gone, 2 configuration refused (bad user, CA, cert), 1 other failures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "policy/base/clock.h"
#include "policy/base/log.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "agent/uplink/relp_frame.h"
#include "agent/events/event_class.h"
#include "agent/uplink/syslog_frame.h"
#include "agent/uplink/uplink_sandbox.h"
#include "agent/uplink/uplink_proto.h"

#define PARENT_FD       3
#define IO_TIMEOUT_MSEC 10000
/* RELP: a collector that keeps the session but answers nothing for this long is dropped, the
 * session re-made and every unanswered record sent again (at-least-once). */
#define ANSWER_TIMEOUT_MSEC IO_TIMEOUT_MSEC
#define RELP_WINDOW         1024u
#define BACKOFF_MIN_MSEC    250
#define BACKOFF_MAX_MSEC    30000
#define FRAME_MAX           (UPLINK_MSG_MAX + 1024u) /* a record + syslog header + RELP header */
#define BATCH_BYTES         (256u * 1024u)

struct opts {
	const char *protocol, *host, *port, *user, *ca_file, *cert_file, *key_file, *server_name;
	bool tls;
	long procid;
	uint32_t enterprise_number; /* 0 = the example number */
	bool sandbox_log; /* hidden --sandbox-log: seccomp logs instead of killing (debugging) */
	/* hidden --sandbox-selftest[=CALL]: install the filter, then try CALL (default execve) */
	const char *sandbox_selftest;
};

struct item {
	uint64_t seq;
	uint32_t len;
	uint32_t txnr; /* RELP: transaction number in the current session */
	uint8_t *data;
};

struct child {
	struct opts o;
	bool relp;
	SSL_CTX *ctx;
	char hostname[256];

	/* connection */
	int fd;
	SSL *ssl;
	bool connected;
	uint32_t next_txnr;
	uint8_t rbuf[RELP_DATA_MAX + 64];
	size_t rlen;
	int64_t next_attempt; /* monotonic msec */
	int backoff;
	int64_t answer_deadline; /* RELP: records are unanswered and this passes: reconnect */

	/* records from the parent, oldest first; [0, nsent) are written in this session */
	struct item *q;
	size_t qhead, qcount, qcap, nsent;
	uint64_t last_seq;

	uint8_t msg[UPLINK_MSG_MAX + 1];
	char frame[FRAME_MAX];
	char *batch;
	size_t batch_len;

	/* Set when the child must end; main() returns exit_code (only main() exits). */
	bool quit;
	int exit_code;
};

/* Asks main() to end the child with code (the first request wins). */
static void child_quit(struct child *c, int code)
{
	if (c->quit)
		return;
	c->quit = true;
	c->exit_code = code;
}

static void send_parent(struct child *c, const uint8_t *buf, int n)
{
	if (n <= 0 || c->quit)
		return;
	if (send(PARENT_FD, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		/* the parent is gone or broken: nothing left to do for us */
		child_quit(c, errno == EPIPE || errno == ECONNRESET ? 0 : 1);
}

static void status(struct child *c, bool connected, const char *fmt, ...) _printf_(3, 4);
static void status(struct child *c, bool connected, const char *fmt, ...)
{
	char text[UPLINK_STATUS_TEXT_MAX + 1] = "";
	uint8_t buf[UPLINK_MSG_HDR + 4 + UPLINK_STATUS_TEXT_MAX];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		(void)vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
	}
	send_parent(c, buf, uplink_msg_encode_status(buf, sizeof(buf), connected, text));
}

static void ssl_error_text(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, buf, size);
	else
		(void)str_copy(buf, size, "unknown TLS error");
	ERR_clear_error();
}

/* ---- queue ---- */

static struct item *q_at(struct child *c, size_t i)
{
	return &c->q[(c->qhead + i) & (c->qcap - 1)];
}

static int q_push(struct child *c, uint64_t seq, const uint8_t *data, uint32_t len)
{
	if (c->qcount == c->qcap) {
		size_t ncap = c->qcap ? c->qcap * 2 : 1024;
		struct item *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < c->qcount; i++)
			n[i] = *q_at(c, i);
		free(c->q);
		c->q = n;
		c->qcap = ncap;
		c->qhead = 0;
	}
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	*q_at(c, c->qcount++) = (struct item){ .seq = seq, .len = len, .data = copy };
	return 0;
}

/* The first n records are delivered: drop them and tell the parent. */
static void q_deliver(struct child *c, size_t n)
{
	uint64_t seq = 0;
	uint8_t buf[UPLINK_MSG_HDR + 8];

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct item *it = q_at(c, 0);
		seq = it->seq;
		free(it->data);
		c->qhead = (c->qhead + 1) & (c->qcap - 1);
		c->qcount--;
	}
	c->nsent -= n;
	c->answer_deadline =
	    clock_monotonic_msec() + ANSWER_TIMEOUT_MSEC; /* progress: the clock restarts */
	send_parent(c, buf, uplink_msg_encode_ack(buf, sizeof(buf), seq));
}

/* ---- connection ---- */

static void disconnect(struct child *c, const char *fmt, ...) _printf_(2, 3);
static void disconnect(struct child *c, const char *fmt, ...)
{
	char text[UPLINK_STATUS_TEXT_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	c->connected = false;
	c->nsent = 0; /* everything not acknowledged is sent again on the next connection */
	c->rlen = 0;
	c->next_attempt = clock_monotonic_msec() + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX_MSEC ? BACKOFF_MAX_MSEC : c->backoff * 2;
	log_warning("%s (retrying)", text);
	status(c, false, "%s", text);
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - clock_monotonic_msec();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r > 0)
			return 0;
	}
}

static int tcp_connect(struct child *c, char *err, size_t errsize)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int r = getaddrinfo(c->o.host, c->o.port, &hints, &ai);
	if (r != 0) {
		(void)snprintf(err, errsize, "cannot resolve %s: %s", c->o.host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	r = -ECONNREFUSED;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		                a->ai_protocol);
		if (fd < 0) {
			r = negative_errno();
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			r = negative_errno();
			(void)close(fd);
			continue;
		}
		r = wait_fd(fd, POLLOUT, clock_monotonic_msec() + IO_TIMEOUT_MSEC);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr == 0) {
			int one = 1;
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			freeaddrinfo(ai);
			return fd;
		}
		if (r == 0)
			r = -soerr;
		(void)close(fd);
	}
	freeaddrinfo(ai);
	(void)snprintf(err, errsize, "cannot connect to %s:%s: %s", c->o.host, c->o.port,
	               strerror(-r));
	return r;
}

static bool is_ip(const char *s)
{
	unsigned char b[16];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static int tls_handshake(struct child *c, char *err, size_t errsize)
{
	const char *name = c->o.server_name && c->o.server_name[0] ? c->o.server_name : c->o.host;

	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		goto ssl_fail;
	if (is_ip(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) != 1)
			goto ssl_fail;
	} else {
		char sni[256]; /* SSL_set_tlsext_host_name() is a macro that casts away const */
		(void)str_copy(sni, sizeof(sni), name);
		if (SSL_set_tlsext_host_name(c->ssl, sni) != 1 || SSL_set1_host(c->ssl, name) != 1)
			goto ssl_fail;
	}
	int64_t deadline = clock_monotonic_msec() + IO_TIMEOUT_MSEC;
	for (;;) {
		int r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) <
			    0) {
				(void)snprintf(err, errsize, "TLS handshake with %s:%s timed out",
				               c->o.host, c->o.port);
				return -ETIMEDOUT;
			}
			continue;
		}
		long v = SSL_get_verify_result(c->ssl);
		char why[160];
		ssl_error_text(why, sizeof(why));
		if (v != X509_V_OK)
			(void)snprintf(err, errsize,
			               "TLS handshake with %s:%s failed: collector certificate "
			               "refused: %s",
			               c->o.host, c->o.port, X509_verify_cert_error_string(v));
		else
			(void)snprintf(err, errsize, "TLS handshake with %s:%s failed: %s",
			               c->o.host, c->o.port, why);
		return -EPROTO;
	}
	return 0;
ssl_fail : {
	char why[160];
	ssl_error_text(why, sizeof(why));
	(void)snprintf(err, errsize, "TLS setup failed: %s", why);
	return -EPROTO;
}
}

/* Writes all of buf (non-blocking socket, waiting up to IO_TIMEOUT_MSEC). */
static int net_write(struct child *c, const void *buf, size_t len)
{
	int64_t deadline = clock_monotonic_msec() + IO_TIMEOUT_MSEC;
	size_t off = 0;

	while (off < len) {
		short ev;
		if (c->ssl) {
			size_t w = 0;
			int r = SSL_write_ex(c->ssl, (const char *)buf + off, len - off, &w);
			if (r == 1) {
				off += w;
				continue;
			}
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_WRITE)
				ev = POLLOUT;
			else if (e == SSL_ERROR_WANT_READ)
				ev = POLLIN;
			else {
				ERR_clear_error();
				return -EPIPE;
			}
		} else {
			ssize_t w = send(c->fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);
			if (w >= 0) {
				off += (size_t)w;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				return negative_errno();
			ev = POLLOUT;
		}
		if (wait_fd(c->fd, ev, deadline) < 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Reads what is available into rbuf. Returns bytes read, 0 if none now, -EPIPE on EOF/error. */
static int net_read(struct child *c)
{
	size_t room = sizeof(c->rbuf) - c->rlen;
	if (room == 0)
		return -EMSGSIZE;
	if (c->ssl) {
		size_t n = 0;
		int r = SSL_read_ex(c->ssl, c->rbuf + c->rlen, room, &n);
		if (r == 1) {
			c->rlen += n;
			return (int)n;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		ERR_clear_error();
		return -EPIPE;
	}
	ssize_t n = recv(c->fd, c->rbuf + c->rlen, room, MSG_DONTWAIT);
	if (n > 0) {
		c->rlen += (size_t)n;
		return (int)n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -EPIPE;
}

/* Waits for one complete RELP frame (used during "open"). */
static int relp_read_frame(struct child *c, struct relp_frame *f, int64_t deadline)
{
	for (;;) {
		int r = relp_frame_parse(c->rbuf, c->rlen, f);
		if (r != 0)
			return r;
		r = net_read(c);
		if (r < 0)
			return r;
		if (r == 0 && (!c->ssl || SSL_pending(c->ssl) == 0) &&
		    wait_fd(c->fd, POLLIN, deadline) < 0)
			return -ETIMEDOUT;
	}
}

static void rbuf_consume(struct child *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

static int relp_open(struct child *c, char *err, size_t errsize)
{
	static const char offers[] =
	    "relp_version=0\nrelp_software=portcullis," PORTCULLIS_VERSION "\ncommands=syslog";
	int n =
	    relp_frame_encode(c->frame, sizeof(c->frame), 1, "open", offers, sizeof(offers) - 1);
	if (n < 0 || net_write(c, c->frame, (size_t)n) < 0) {
		(void)snprintf(err, errsize, "RELP open to %s:%s failed: write error", c->o.host,
		               c->o.port);
		return -EPIPE;
	}
	struct relp_frame f;
	int r = relp_read_frame(c, &f, clock_monotonic_msec() + IO_TIMEOUT_MSEC);
	if (r < 0) {
		(void)snprintf(err, errsize, "RELP open to %s:%s failed: %s", c->o.host, c->o.port,
		               r == -EBADMSG ? "malformed response" : strerror(-r));
		return r;
	}
	int code = relp_rsp_code(&f);
	if (f.txnr != 1 || strcmp(f.cmd, "rsp") || code != 200) {
		char esc[128];
		(void)str_escape(esc, sizeof(esc), (const char *)f.data, f.len < 64 ? f.len : 64);
		(void)snprintf(err, errsize, "RELP open refused by %s:%s: %s", c->o.host, c->o.port,
		               esc);
		return -EPROTO;
	}
	rbuf_consume(c, (size_t)r);
	c->next_txnr = 2;
	return 0;
}

static void try_connect(struct child *c)
{
	char err[UPLINK_STATUS_TEXT_MAX + 1] = "";
	int r = tcp_connect(c, err, sizeof(err));
	if (r < 0) {
		c->fd = -1;
		disconnect(c, "%s", err);
		return;
	}
	c->fd = r;
	c->rlen = 0;
	if (c->o.tls) {
		r = tls_handshake(c, err, sizeof(err));
		if (r < 0) {
			disconnect(c, "%s", err);
			return;
		}
	}
	if (c->relp) {
		r = relp_open(c, err, sizeof(err));
		if (r < 0) {
			disconnect(c, "%s", err);
			return;
		}
	}
	c->connected = true;
	c->nsent = 0;
	c->backoff = BACKOFF_MIN_MSEC;
	log_info("connected to %s:%s (%s%s)", c->o.host, c->o.port, c->o.protocol,
	         c->o.tls ? ", TLS" : "");
	status(c, true, NULL);
}

/* ---- sending ---- */

static int encode_item(struct child *c, struct item *it, char *dst, size_t size)
{
	enum syslog_severity severity;
	const char *msgid;
	/* severity and MSGID per event type (docs/events.md, "For the SIEM") */
	event_class_of_line((const char *)it->data, it->len, &severity, &msgid);
	struct syslog_frame f = {
		.pri = SYSLOG_FACILITY * 8 + (unsigned)severity,
		.msgid = msgid,
		.enterprise_number = c->o.enterprise_number,
		.time_usec = clock_realtime_usec(),
		.host = c->hostname,
		.procid = c->o.procid,
		.seq = it->seq,
		.msg = (const char *)it->data,
		.msg_len = it->len,
	};
	if (!c->relp)
		return syslog_frame_encode(dst, size, &f, true);
	int n = syslog_frame_encode(c->frame, sizeof(c->frame), &f, false);
	if (n < 0)
		return n;
	it->txnr = c->next_txnr;
	c->next_txnr = c->next_txnr >= RELP_TXNR_MAX ? 1 : c->next_txnr + 1;
	return relp_frame_encode(dst, size, it->txnr, "syslog", c->frame, (size_t)n);
}

static void send_pending(struct child *c)
{
	while (c->connected && c->nsent < c->qcount) {
		if (c->relp && c->nsent >= RELP_WINDOW)
			return;
		/* one TLS write per batch of frames */
		c->batch_len = 0;
		if (c->nsent == 0) /* the first unanswered record: the collector's clock starts */
			c->answer_deadline = clock_monotonic_msec() + ANSWER_TIMEOUT_MSEC;
		while (c->nsent < c->qcount && (!c->relp || c->nsent < RELP_WINDOW) &&
		       c->batch_len + FRAME_MAX <= BATCH_BYTES) {
			struct item *it = q_at(c, c->nsent);
			int n = encode_item(c, it, c->batch + c->batch_len, FRAME_MAX);
			if (n < 0) {
				/* cannot happen: the agent length-checks records (<= 64 KiB) */
				log_error_errno(n, "cannot encode record %" PRIu64 ": %m", it->seq);
				child_quit(c, 1);
				return;
			}
			c->batch_len += (size_t)n;
			c->nsent++;
		}
		int r = net_write(c, c->batch, c->batch_len);
		if (r < 0) {
			disconnect(c, "write to %s:%s failed: %s", c->o.host, c->o.port,
			           strerror(-r));
			return;
		}
	}
}

/* syslog: everything written is delivered once the peer's TCP stack acknowledged all bytes. */
static void syslog_check_delivered(struct child *c)
{
	int outq = 0;
	if (!c->connected || c->nsent == 0)
		return;
	if (ioctl(c->fd, SIOCOUTQ, &outq) == 0 && outq == 0)
		q_deliver(c, c->nsent);
}

static void handle_net(struct child *c)
{
	for (;;) {
		int r = net_read(c);
		if (r < 0) {
			disconnect(c, "connection to %s:%s closed by the collector", c->o.host,
			           c->o.port);
			return;
		}
		if (!c->relp) {
			c->rlen = 0; /* a syslog collector sends nothing we use */
			if (r == 0)
				return;
			continue;
		}
		size_t acked = 0;
		for (;;) {
			struct relp_frame f;
			int n = relp_frame_parse(c->rbuf, c->rlen, &f);
			if (n == 0)
				break;
			if (n < 0) {
				disconnect(c, "malformed RELP data from %s:%s", c->o.host,
				           c->o.port);
				return;
			}
			if (!strcmp(f.cmd, "serverclose")) {
				q_deliver(c, acked);
				disconnect(c, "collector %s:%s closed the RELP session", c->o.host,
				           c->o.port);
				return;
			}
			if (strcmp(f.cmd, "rsp") || acked >= c->nsent ||
			    f.txnr != q_at(c, acked)->txnr) {
				q_deliver(c, acked);
				disconnect(c, "unexpected RELP frame from %s:%s", c->o.host,
				           c->o.port);
				return;
			}
			int code = relp_rsp_code(&f);
			if (code != 200) {
				char esc[128];
				q_deliver(c, acked);
				(void)str_escape(esc, sizeof(esc), (const char *)f.data,
				                 f.len < 64 ? f.len : 64);
				disconnect(c, "collector refused record: %s", esc);
				return;
			}
			acked++;
			rbuf_consume(c, (size_t)n);
		}
		q_deliver(c, acked);
		if (r == 0 && (!c->ssl || SSL_pending(c->ssl) == 0))
			return;
	}
}

static void handle_parent(struct child *c)
{
	for (;;) {
		ssize_t n = recv(PARENT_FD, c->msg, sizeof(c->msg), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			child_quit(c, 0); /* parent gone */
			return;
		}
		struct uplink_msg m;
		if ((size_t)n > sizeof(c->msg) || uplink_msg_decode(c->msg, (size_t)n, &m) < 0 ||
		    m.type != UPLINK_MSG_RECORD || m.seq <= c->last_seq) {
			log_error("malformed message from the agent, exiting");
			child_quit(c, 1);
			return;
		}
		if (q_push(c, m.seq, m.payload, m.len) < 0) {
			log_error("out of memory");
			child_quit(c, 1);
			return;
		}
		c->last_seq = m.seq;
	}
}

/* ---- start-up ---- */

static int load_tls(struct child *c)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return -ENOMEM;
	if (SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1)
		return -EPROTO;
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	char why[256];
	if (!c->o.ca_file || SSL_CTX_load_verify_locations(c->ctx, c->o.ca_file, NULL) != 1) {
		ssl_error_text(why, sizeof(why));
		status(c, false, "cannot load CA file %s: %s",
		       c->o.ca_file ? c->o.ca_file : "(none)", why);
		return log_error_errno(-EINVAL, "cannot load CA file %s: %s",
		                       c->o.ca_file ? c->o.ca_file : "(none)", why);
	}
	if (c->o.cert_file) {
		if (SSL_CTX_use_certificate_chain_file(c->ctx, c->o.cert_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(c->ctx, c->o.key_file ? c->o.key_file : "",
		                                SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(c->ctx) != 1) {
			ssl_error_text(why, sizeof(why));
			status(c, false, "cannot load client certificate %s / key: %s",
			       c->o.cert_file, why);
			return log_error_errno(-EINVAL, "cannot load client certificate %s: %s",
			                       c->o.cert_file, why);
		}
	}
	return 0;
}

static int drop_privileges(struct child *c)
{
	errno = 0;
	struct passwd *pw = getpwnam(c->o.user);
	if (!pw) {
		status(c, false, "user \"%s\" does not exist: refusing to start", c->o.user);
		return log_error_errno(-ESRCH, "user \"%s\" does not exist: refusing to start",
		                       c->o.user);
	}
	if (pw->pw_uid == 0) {
		status(c, false, "user \"%s\" is root: refusing to start", c->o.user);
		return log_error_errno(-EPERM, "user \"%s\" is root: refusing to start", c->o.user);
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (geteuid() == 0) {
		if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			return log_error_errno(negative_errno(), "cannot drop privileges to %s: %m",
			                       c->o.user);
	} else if (geteuid() != uid) {
		log_warning("not started as root: keeping uid %u instead of %s",
		            (unsigned)geteuid(), c->o.user);
	}
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru == 0 || eu == 0 ||
	    su == 0 || (geteuid() == uid && (rg == 0 || eg == 0 || sg == 0)))
		return log_error_errno(-EPERM, "still privileged after dropping to %s", c->o.user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return log_error_errno(-EPERM, "could regain root after dropping to %s", c->o.user);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return log_error_errno(negative_errno(), "PR_SET_NO_NEW_PRIVS failed: %m");
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* best effort: no core with TLS keys */
	/* the death signal is reset by the uid change, so set it afterwards */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return negative_errno();
	return 0;
}

/*
 * Confines the child with its seccomp allow-list (agent/uplink/uplink_sandbox.c). With
 * --sandbox-selftest the filter is installed exactly as in production, then one call is tried (see
 * uplink_sandbox_selftest()): a denied one must end the child with SIGSYS. Returns 0 (a self-test:
 * the allowed call worked), or the exit code for main() (1 failure, 77 self-test impossible in a
 * sanitizer build).
 */
static int enter_sandbox(const struct opts *o)
{
	const char *env = getenv("PORTCULLIS_UPLINK_SANDBOX");
	bool log_only = !o->sandbox_selftest && (o->sandbox_log || (env && !strcmp(env, "log")));
	int r = uplink_sandbox_install(log_only ? UPLINK_SANDBOX_LOG : UPLINK_SANDBOX_ENFORCE);
	if (r == -EOPNOTSUPP)
		return o->sandbox_selftest ? 77 : 0; /* sanitizer build, warned about */
	if (r < 0)
		return 1;
	if (log_only)
		log_warning(
		    "seccomp filter in LOG mode (debugging): denied syscalls are only logged");
	if (o->sandbox_selftest)
		return uplink_sandbox_selftest(o->sandbox_selftest) < 0 ? 1 : 0;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "protocol", required_argument, NULL, 'P' },
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "tls", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "procid", required_argument, NULL, 'i' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "cert-file", required_argument, NULL, 'c' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "server-name", required_argument, NULL, 's' },
		{ "enterprise-number", required_argument, NULL, 'E' },
		{ "sandbox-log", no_argument, NULL, 'L' },
		{ "sandbox-selftest", optional_argument, NULL, 'T' },
		{}
	};
	int opt;

	*o = (struct opts){ .tls = true };
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
		switch (opt) {
		case 'P':
			o->protocol = optarg;
			break;
		case 'h':
			o->host = optarg;
			break;
		case 'p':
			o->port = optarg;
			break;
		case 't':
			o->tls = strcmp(optarg, "0") != 0;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'i':
			o->procid = strtol(optarg, NULL, 10);
			break;
		case 'C':
			o->ca_file = optarg;
			break;
		case 'c':
			o->cert_file = optarg;
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 's':
			o->server_name = optarg;
			break;
		case 'E': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > INT32_MAX)
				return -EINVAL;
			o->enterprise_number = (uint32_t)v;
			break;
		}
		case 'L':
			o->sandbox_log = true;
			break;
		case 'T':
			o->sandbox_selftest = optarg ? optarg : "execve";
			break;
		default:
			return -EINVAL;
		}
	}
	if (!o->protocol || (strcmp(o->protocol, "relp") && strcmp(o->protocol, "syslog")) ||
	    !o->host || !o->port || !o->user)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static struct child c;
	int r;

	log_setup("portcullis-uplink", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	(void)signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &c.o) < 0) {
		fprintf(stderr, "usage: portcullis-uplink --protocol relp|syslog --host H --port P "
		                "--user U [--tls 0|1] [--ca-file F] [--cert-file F --key-file F] "
		                "[--server-name N] [--procid PID] [--enterprise-number N]\n"
		                "Started by portcullisd with its socket as fd 3.\n");
		return 2;
	}
	int type = 0;
	socklen_t tl = sizeof(type);
	if (getsockopt(PARENT_FD, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET) {
		log_error("fd 3 is not the agent's SOCK_SEQPACKET socket");
		return 2;
	}
	c.relp = !strcmp(c.o.protocol, "relp");
	c.fd = -1;
	c.backoff = BACKOFF_MIN_MSEC;
	c.batch = malloc(BATCH_BYTES);
	if (!c.batch)
		return 1;
	if (gethostname(c.hostname, sizeof(c.hostname) - 1) < 0)
		(void)str_copy(c.hostname, sizeof(c.hostname), "-");

	/* everything that needs root to read comes first, then the privileges go */
	if (c.o.tls && load_tls(&c) < 0)
		return 2;
	if (!c.o.tls)
		log_warning("TLS is off: records go to %s:%s in clear text", c.o.host, c.o.port);
	r = drop_privileges(&c);
	if (r < 0)
		return 2;
	if (getppid() == 1)
		return 0; /* the parent died before PR_SET_PDEATHSIG */
	/* files are loaded, privileges are gone, no network byte yet: confine the rest */
	r = enter_sandbox(&c.o);
	if (r != 0 || c.o.sandbox_selftest)
		return r;

	while (!c.quit) {
		if (!c.connected && clock_monotonic_msec() >= c.next_attempt)
			try_connect(&c);
		if (!c.quit)
			send_pending(&c);
		if (!c.quit && !c.relp)
			syslog_check_delivered(&c);
		if (c.quit)
			break;

		struct pollfd p[2] = { { .fd = PARENT_FD, .events = POLLIN },
			               { .fd = c.connected ? c.fd : -1, .events = POLLIN } };
		int timeout = -1;
		if (!c.connected)
			timeout = (int)(c.next_attempt - clock_monotonic_msec() > 0
			                    ? c.next_attempt - clock_monotonic_msec()
			                    : 0);
		else if (!c.relp && c.nsent > 0)
			timeout = 5; /* waiting for the collector's TCP acknowledgements */
		else if (c.relp && c.nsent > 0)
			timeout = (int)(c.answer_deadline - clock_monotonic_msec() > 0
			                    ? c.answer_deadline - clock_monotonic_msec()
			                    : 0);
		if (c.ssl && SSL_pending(c.ssl) > 0)
			timeout = 0;
		r = poll(p, 2, timeout);
		if (r < 0 && errno != EINTR)
			return log_error_errno(negative_errno(), "poll failed: %m"), 1;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			handle_parent(&c);
		if (!c.quit && c.connected &&
		    ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) ||
		     (c.ssl && SSL_pending(c.ssl) > 0)))
			handle_net(&c);
		if (!c.quit && c.connected && c.relp && c.nsent > 0 &&
		    clock_monotonic_msec() >= c.answer_deadline)
			disconnect(&c,
			           "collector %s:%s accepted the session but answered none of %zu "
			           "record(s) for %d s",
			           c.o.host, c.o.port, c.nsent, ANSWER_TIMEOUT_MSEC / 1000);
	}
	return c.exit_code;
}
