/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The recorder: seq → JSON → chained record → durable append → forward (agent/events/recorder.h).
 */
#include "agent/events/recorder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "agent/events/event_json.h"
#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"

struct recorder {
	struct incident_log *log;
	char *hostname, *machine_id, *agent_version;
	struct recorder_host host; /* points at the copies above */
	recorder_forward_fn forward;
	void *forward_userdata;
	uint64_t last_seq;
	bool in_recovery_record;
	/* Records written before a forward hook was set (the recovery record at open): handed
	 * to the hook when it is set, so they go upstream too. */
	char *unforwarded;
	size_t unforwarded_len;
	uint64_t unforwarded_seq;
};

static void *mfree(void *p)
{
	free(p);
	return NULL;
}

static int64_t now_usec(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* Writes the record that names what incident_log_open() (or a reopen) had to repair. */
static void emit_recovery(struct recorder *r, const struct incident_log_recovery *rec)
{
	char msg[512];
	size_t o = 0;

	o += (size_t)snprintf(msg + o, sizeof(msg) - o,
	                      "incident log recovered after seq %" PRIu64 ":", rec->resumed_seq);
	if (rec->torn && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      " %" PRIu64 " damaged bytes at the end moved to %s;",
		                      rec->torn_bytes, rec->torn_name);
	if (rec->head_ahead && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      " head file names seq %" PRIu64 ": records %" PRIu64
		                      "..%" PRIu64
		                      " are missing from the log (deleted?), numbering continues;",
		                      rec->head_file_seq, rec->resumed_seq + 1, rec->head_file_seq);
	if (rec->head_mismatch && o < sizeof(msg))
		(void)snprintf(msg + o, sizeof(msg) - o,
		               " head file hash differs from record seq %" PRIu64 " (rewritten?);",
		               rec->head_file_seq);

	struct event ev = {
		.type = EVENT_TAMPER,
		.time_usec = now_usec(),
		.message = msg,
	};
	r->in_recovery_record = true;
	int64_t s = recorder_emit(r, &ev);
	r->in_recovery_record = false;
	if (s < 0)
		log_warning_errno((int)s, "Failed to record the incident log recovery (%s): %m",
		                  msg);
	else
		log_warning("%s", msg);
}

int recorder_open_ex(const char *log_dir, const struct recorder_host *host,
                     const struct incident_log_config *cfg, struct recorder **ret)
{
	struct incident_log_recovery rec = {};
	struct recorder *r;
	int e;

	if (!log_dir || !host || !ret)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if ((e = dup_or_null(host->hostname ? host->hostname : "", &r->hostname)) < 0 ||
	    (e = dup_or_null(host->machine_id, &r->machine_id)) < 0 ||
	    (e = dup_or_null(host->agent_version, &r->agent_version)) < 0)
		goto fail;
	r->host = (struct recorder_host){ r->hostname, r->machine_id, r->agent_version };

	e = incident_log_open(log_dir, cfg, now_usec(), &r->log, &rec);
	if (e < 0)
		goto fail;
	r->last_seq = incident_log_next_seq(r->log) - 1;
	if (rec.torn || rec.head_ahead || rec.head_mismatch)
		emit_recovery(r, &rec);
	*ret = r;
	return 0;
fail:
	recorder_free(r);
	return e;
}

int recorder_open(const char *log_dir, const struct recorder_host *host, struct recorder **ret)
{
	return recorder_open_ex(log_dir, host, NULL, ret);
}

struct recorder *recorder_free(struct recorder *r)
{
	if (!r)
		return NULL;
	incident_log_free(r->log);
	free(r->hostname);
	free(r->machine_id);
	free(r->agent_version);
	free(r->unforwarded);
	free(r);
	return NULL;
}

void recorder_set_forward(struct recorder *r, recorder_forward_fn fn, void *userdata)
{
	r->forward = fn;
	r->forward_userdata = userdata;
	if (fn && r->unforwarded) {
		int f = fn(userdata, r->unforwarded_seq, r->unforwarded, r->unforwarded_len);
		if (f < 0)
			log_warning_errno(f,
			                  "Failed to forward record seq %" PRIu64 ", ignoring: %m",
			                  r->unforwarded_seq);
		r->unforwarded = mfree(r->unforwarded);
	}
}

static int append_one(struct recorder *r, const struct event *ev, uint64_t *ret_seq,
                      char **ret_line, size_t *ret_len)
{
	_cleanup_(freep) char *json = NULL;
	_cleanup_(freep) char *line = NULL;
	size_t jlen, len;
	uint64_t seq = incident_log_next_seq(r->log);
	struct event copy = *ev;
	int e;

	if (copy.type == EVENT_HEARTBEAT && !copy.chain_head)
		copy.chain_head = incident_log_head(r->log);
	e = event_to_json(&copy, seq, &r->host, &json, &jlen);
	if (e < 0)
		return e;
	e = log_record_encode(json, jlen, incident_log_head(r->log), &line, &len);
	if (e < 0)
		return e;
	e = incident_log_append(r->log, seq, line, len);
	if (e < 0)
		return e;
	*ret_seq = seq;
	*ret_line = TAKE_PTR(line);
	*ret_len = len;
	return 0;
}

int64_t recorder_emit(struct recorder *r, const struct event *ev)
{
	_cleanup_(freep) char *line = NULL;
	uint64_t seq = 0;
	size_t len = 0;
	int e;

	if (!r || !ev)
		return -EINVAL;
	e = append_one(r, ev, &seq, &line, &len);
	if (e == -ESTALE) /* the log reopened itself: head and seq changed, encode again */
		e = append_one(r, ev, &seq, &line, &len);
	if (e < 0)
		return e;
	r->last_seq = seq;

	if (r->forward) {
		int f = r->forward(r->forward_userdata, seq, line, len);
		if (f < 0)
			log_warning_errno(f,
			                  "Failed to forward record seq %" PRIu64
			                  " upstream, ignoring (it is in the incident log): %m",
			                  seq);
	} else if (!r->unforwarded) {
		r->unforwarded = TAKE_PTR(line);
		r->unforwarded_len = len;
		r->unforwarded_seq = seq;
	}

	struct incident_log_recovery rec;
	if (!r->in_recovery_record && incident_log_take_recovery(r->log, &rec))
		emit_recovery(r, &rec);
	return (int64_t)seq;
}

static int sink_emit(void *userdata, const struct event *ev)
{
	int64_t s = recorder_emit(userdata, ev);
	return s < 0 ? (int)s : 0;
}

struct event_sink recorder_sink(struct recorder *r)
{
	return (struct event_sink){ .userdata = r, .emit = sink_emit };
}

uint64_t recorder_last_seq(const struct recorder *r)
{
	return r->last_seq;
}

const char *recorder_chain_head(const struct recorder *r)
{
	return incident_log_head(r->log);
}
