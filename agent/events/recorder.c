/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recorder: seq (allocated, persisted) -> JSON -> chained record -> durable append ->
 * forward (agent/events/recorder.h). Also accounts for every seq it issued (events_lost), notices
 * a log reset behind its back (tamper), summarizes floods (repeated) and seals the chain.
 */
#include "agent/events/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "policy/base/clock.h"
#include "policy/base/log.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strutil.h"
#include "agent/events/event_json.h"
#include "agent/events/log_record.h"
#include "agent/events/seal.h"

/* log-state: one fixed-size line, rewritten in place after every record. */
#define STATE_TAG    "portcullis-log-state-v1"
#define STATE_LEN    (sizeof(STATE_TAG) - 1 + 5 * 21 + 1 + LOG_HASH_HEX_LEN + 1)
#define REPEAT_SLOTS 64

struct repeat_slot {
	bool used;
	uint8_t fp[32];
	enum event_type type;
	uint64_t of_seq;           /* the record written in full */
	int64_t window_start_usec; /* when it was written */
	uint64_t count;            /* left out since */
	int64_t first_usec, last_usec;
	char what[96]; /* "1-2 0781:5567" for the message */
};

struct recorder {
	struct incident_log *log;
	char *hostname, *machine_id, *agent_version;
	struct recorder_host host; /* points at the copies above */
	recorder_forward_fn forward;
	void *forward_userdata;
	recorder_acked_fn acked;
	void *acked_userdata;

	int state_fd;
	uint64_t next_seq;              /* the next seq to issue */
	uint64_t head_seq;              /* seq of the last record in the local log */
	uint64_t lost_first, lost_last; /* issued but not in the local log, not yet reported */
	uint64_t sealed_seq;            /* seq of the last seal record */
	uint64_t last_seq;              /* last seq issued */
	bool in_internal_record;

	/* sealing */
	char *state_dir;
	bool have_key;
	uint8_t key[SEAL_KEY_LEN];
	uint64_t key_epoch;
	int key_fd;
	bool last_is_seal;
	int64_t last_seal_usec;

	/* flood control */
	uint64_t repeat_window_usec; /* 0 = off */
	struct repeat_slot repeats[REPEAT_SLOTS];

	/* Records written before a forward hook was set (the recovery records at open): handed
	 * to the hook when it is set, so they go upstream too. */
	struct {
		char *line;
		size_t len;
		uint64_t seq;
	} unforwarded[8];
	size_t n_unforwarded;
};

static void *mfree(void *p)
{
	free(p);
	return NULL;
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* ---- log-state ------------------------------------------------------------------------- */

struct log_state {
	uint64_t next_seq, head_seq, lost_first, lost_last, sealed_seq;
	char head[LOG_HASH_HEX_LEN + 1];
};

static int parse_u64_20(const char *p, uint64_t *ret)
{
	uint64_t v = 0;
	for (int i = 0; i < 20; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Strict parser of the state line (hostile: root or a broken disk may have written it). */
static int state_parse(const char *buf, size_t len, struct log_state *ret)
{
	const size_t tl = sizeof(STATE_TAG) - 1;
	struct log_state st = {};
	uint64_t *f[] = { &st.next_seq, &st.head_seq, &st.lost_first, &st.lost_last,
		          &st.sealed_seq };
	const char *p = buf + tl;

	if (len != STATE_LEN || memcmp(buf, STATE_TAG, tl) != 0 || buf[len - 1] != '\n')
		return -EBADMSG;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++, p += 21)
		if (p[0] != ' ' || parse_u64_20(p + 1, f[i]) < 0)
			return -EBADMSG;
	if (p[0] != ' ')
		return -EBADMSG;
	for (int i = 0; i < LOG_HASH_HEX_LEN; i++)
		if (!((p[1 + i] >= '0' && p[1 + i] <= '9') || (p[1 + i] >= 'a' && p[1 + i] <= 'f')))
			return -EBADMSG;
	memcpy(st.head, p + 1, LOG_HASH_HEX_LEN);
	st.head[LOG_HASH_HEX_LEN] = '\0';
	if (st.next_seq == 0 || st.next_seq > INT64_MAX || st.head_seq >= st.next_seq ||
	    st.lost_last >= st.next_seq || st.lost_first > st.lost_last ||
	    (st.lost_first == 0) != (st.lost_last == 0))
		return -EBADMSG;
	*ret = st;
	return 0;
}

static int state_open(struct recorder *r, const char *dir, struct log_state *ret, bool *ret_found)
{
	_cleanup_(freep) char *buf = NULL;
	char reason[128];
	size_t n = 0;
	int fd, e;

	*ret_found = false;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	_cleanup_(closep) int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	e = read_file_trusted(NULL, dfd, RECORDER_STATE_FILE, STATE_LEN,
	                      FILEIO_NOFOLLOW | FILEIO_OVER_CAP_READS_MORE, &buf, &n, reason,
	                      sizeof(reason));
	if (e < 0 && e != -ENOENT)
		log_warning("%s/" RECORDER_STATE_FILE ": %s, ignored", dir, reason);
	/* Rewritten in place after every record: one fixed-size line, kept open. */
	fd = openat(dfd, RECORDER_STATE_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	r->state_fd = fd;
	if (e < 0 || n == 0)
		return 0;
	if (state_parse(buf, n, ret) < 0) {
		log_warning("%s/" RECORDER_STATE_FILE
		            ": malformed, ignored (numbering continues from "
		            "the log and its head file)",
		            dir);
		return 0;
	}
	*ret_found = true;
	return 0;
}

/* Rewrites the state in place; with durable, fdatasync()s it (a record not in the log). */
static int state_write(struct recorder *r, bool durable)
{
	char buf[STATE_LEN + 1];

	if (r->state_fd < 0)
		return 0;
	int n = snprintf(buf, sizeof(buf),
	                 STATE_TAG " %020" PRIu64 " %020" PRIu64 " %020" PRIu64 " %020" PRIu64
	                           " %020" PRIu64 " %s\n",
	                 r->next_seq, r->head_seq, r->lost_first, r->lost_last, r->sealed_seq,
	                 incident_log_head(r->log));
	if (n != (int)STATE_LEN)
		return -EINVAL;
	ssize_t w = pwrite(r->state_fd, buf, STATE_LEN, 0);
	if (w != (ssize_t)STATE_LEN)
		return w < 0 ? negative_errno() : -EIO;
	if (durable && fdatasync(r->state_fd) < 0)
		return negative_errno();
	return 0;
}

/* ---- seal key -------------------------------------------------------------------------- */

static void key_forget(struct recorder *r)
{
	OPENSSL_cleanse(r->key, sizeof(r->key));
	r->have_key = false;
	if (r->key_fd >= 0)
		(void)close(r->key_fd);
	r->key_fd = -1;
}

/* Loads <state_dir>/seal-key if present (and not loaded yet). */
static int key_load(struct recorder *r)
{
	char *buf = NULL, reason[128];
	size_t n = 0;
	int e;

	if (r->have_key)
		return 0;
	_cleanup_(closep) int dfd = open(r->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	e = read_file_trusted(NULL, dfd, SEAL_KEY_FILE, SEAL_KEY_FILE_LEN,
	                      FILEIO_NOFOLLOW | FILEIO_NO_GW | FILEIO_OVER_CAP_READS_MORE, &buf, &n,
	                      reason, sizeof(reason));
	if (e == -ENOENT)
		return 0;
	if (e < 0) {
		log_warning("%s/" SEAL_KEY_FILE ": %s, not sealing", r->state_dir, reason);
		return e;
	}
	e = seal_key_file_parse(buf, n, &r->key_epoch, r->key);
	OPENSSL_cleanse(buf, n);
	free(buf);
	if (e < 0) {
		log_warning("%s/" SEAL_KEY_FILE ": malformed, not sealing", r->state_dir);
		return e;
	}
	/* Kept open: each evolution overwrites the same bytes in place (the old key's blocks). */
	int fd = openat(dfd, SEAL_KEY_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		OPENSSL_cleanse(r->key, sizeof(r->key));
		return negative_errno();
	}
	r->have_key = true;
	r->key_fd = fd;
	return 0;
}

/* K[e] -> K[e+1]: the file is overwritten in place (same blocks) and synced, then memory wiped. */
static int key_evolve(struct recorder *r)
{
	char buf[SEAL_KEY_FILE_LEN + 1];

	seal_key_evolve(r->key);
	r->key_epoch++;
	seal_key_file_format(r->key_epoch, r->key, buf);
	ssize_t w = pwrite(r->key_fd, buf, SEAL_KEY_FILE_LEN, 0);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (w != (ssize_t)SEAL_KEY_FILE_LEN)
		return w < 0 ? negative_errno() : -EIO;
	if (fdatasync(r->key_fd) < 0)
		return negative_errno();
	return 0;
}

int recorder_setup_keys(const char *state_dir, bool force,
                        char ret_verify_hex[static SEAL_KEY_HEX_LEN + 1])
{
	uint8_t key[SEAL_KEY_LEN];
	char buf[SEAL_KEY_FILE_LEN + 1];
	int e = 0;

	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	_cleanup_(closep) int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (force) {
		/* The key being replaced still seals the old log's future: wipe its bytes first. */
		_cleanup_(closep) int old =
		    openat(dfd, SEAL_KEY_FILE, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (old >= 0) {
			memset(buf, 0, sizeof(buf));
			if (pwrite(old, buf, SEAL_KEY_FILE_LEN, 0) < 0 || fdatasync(old) < 0)
				return negative_errno();
		}
	}
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -EIO;
	seal_key_file_format(0, key, buf);
	e = write_file_atomic(NULL, dfd, SEAL_KEY_FILE, buf, SEAL_KEY_FILE_LEN, 0600,
	                      force ? 0 : FILEIO_NOREPLACE);
	if (e == 0)
		hex_encode(ret_verify_hex, key, SEAL_KEY_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(buf, sizeof(buf));
	return e;
}

/* ---- appending ------------------------------------------------------------------------- */

static void forward(struct recorder *r, uint64_t seq, char **line, size_t len)
{
	if (r->forward) {
		int f = r->forward(r->forward_userdata, seq, *line, len);
		if (f < 0)
			log_warning_errno(
			    f, "Failed to forward record seq %" PRIu64 " upstream: %m", seq);
	} else if (r->n_unforwarded < ARRAY_SIZE(r->unforwarded)) {
		r->unforwarded[r->n_unforwarded].line = TAKE_PTR(*line);
		r->unforwarded[r->n_unforwarded].len = len;
		r->unforwarded[r->n_unforwarded].seq = seq;
		r->n_unforwarded++;
	}
}

static void note_protected(struct recorder *r)
{
	uint64_t p = r->acked ? r->acked(r->acked_userdata) + 1 : 0;
	if (r->sealed_seq && (p == 0 || r->sealed_seq < p))
		p = r->sealed_seq;
	incident_log_set_protected(r->log, p);
}

static int64_t emit_internal(struct recorder *r, const struct event *ev);

/*
 * Encodes ev with seq, appends it and forwards it (also when the append failed, if
 * forward_on_fail). Returns 0 when it is in the local log, else a negative errno.
 */
static int append_record(struct recorder *r, const struct event *ev, uint64_t seq, bool no_rotate,
                         bool forward_on_fail)
{
	_cleanup_(freep) char *json = NULL;
	_cleanup_(freep) char *line = NULL;
	size_t jlen, len;
	struct event copy = *ev;
	int e;

	for (int attempt = 0; attempt < 2; attempt++) {
		json = mfree(json);
		line = mfree(line);
		if (copy.type == EVENT_HEARTBEAT && !ev->chain_head)
			copy.chain_head = incident_log_head(r->log);
		e = event_to_json(&copy, seq, &r->host, &json, &jlen);
		if (e < 0)
			return e;
		e = log_record_encode(json, jlen, incident_log_head(r->log), &line, &len);
		if (e < 0)
			return e;
		if (!no_rotate && incident_log_would_rotate(r->log, len))
			note_protected(r);
		e = no_rotate ? incident_log_append_no_rotate(r->log, seq, line, len)
		              : incident_log_append(r->log, seq, line, len);
		if (e != -ESTALE)
			break;
	}
	if (e == 0)
		r->head_seq = seq;
	else if (!forward_on_fail)
		return e;
	forward(r, seq, &line, len);
	return e;
}

/* Writes events_lost for the pending range, if the log takes it (its seq is used only then).
 * Returns its seq or a negative errno. */
static int64_t report_lost(struct recorder *r, uint64_t first, uint64_t last, const char *why)
{
	char msg[256];
	(void)snprintf(msg, sizeof(msg),
	               "%" PRIu64 " record(s), seq %" PRIu64 "..%" PRIu64
	               ", are not in the local log: %s",
	               last - first + 1, first, last, why);
	struct event ev = {
		.type = EVENT_EVENTS_LOST,
		.time_usec = clock_realtime_usec(),
		.message = msg,
		.lost_first = first,
		.lost_last = last,
		.lost_count = last - first + 1,
	};
	return emit_internal(r, &ev);
}

/* The record that names what incident_log_open(), a reopen or a check had to repair. */
static void emit_recovery(struct recorder *r, const struct incident_log_recovery *rec,
                          uint64_t had_head_seq)
{
	static const char *const what[] = {
		[INCIDENT_LOG_TAMPER_NONE] = "",
		[INCIDENT_LOG_TAMPER_REMOVED] = "the live incident log file was removed by someone "
		                                "else;",
		[INCIDENT_LOG_TAMPER_REPLACED] = "the live incident log file was replaced by "
		                                 "another file;",
		[INCIDENT_LOG_TAMPER_TRUNCATED] = "the live incident log file was truncated by "
		                                  "someone else;",
		[INCIDENT_LOG_TAMPER_DIR_GONE] = "the incident log directory was removed;",
	};
	char msg[640];
	size_t o = 0;

	if (rec->tamper != INCIDENT_LOG_TAMPER_NONE)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s", what[rec->tamper]);
	if (rec->tamper == INCIDENT_LOG_TAMPER_TRUNCATED && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      " %" PRIu64 " bytes left of %" PRIu64 ";", rec->tamper_size,
		                      rec->tamper_expected_size);
	if (o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      "%sincident log resumed after seq %" PRIu64
		                      " (last written: seq %" PRIu64
		                      "), numbering continues at %" PRIu64 ";",
		                      o ? " " : "", rec->resumed_seq, had_head_seq, r->next_seq);
	if (rec->torn && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      " %" PRIu64 " damaged bytes at the end moved to %s;",
		                      rec->torn_bytes, rec->torn_name);
	if (rec->head_ahead && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		                      " head file names seq %" PRIu64 ": records %" PRIu64
		                      "..%" PRIu64 " are missing from the log (deleted?);",
		                      rec->head_file_seq, rec->resumed_seq + 1, rec->head_file_seq);
	if (rec->head_mismatch && o < sizeof(msg))
		(void)snprintf(msg + o, sizeof(msg) - o,
		               " head file hash differs from record seq %" PRIu64 " (rewritten?);",
		               rec->head_file_seq);

	struct event ev = {
		.type = EVENT_TAMPER,
		.time_usec = clock_realtime_usec(),
		.message = msg,
	};
	log_warning("%s", msg);
	(void)emit_internal(r, &ev);
}

/* After a reopen: what the log no longer holds joins the lost range. */
static void account_reopen(struct recorder *r, const struct incident_log_recovery *rec,
                           uint64_t had_head_seq)
{
	if (rec->resumed_seq < had_head_seq) {
		uint64_t first = rec->resumed_seq + 1;
		if (r->lost_first == 0 || first < r->lost_first)
			r->lost_first = first;
		if (had_head_seq > r->lost_last)
			r->lost_last = had_head_seq;
	}
	r->head_seq = rec->resumed_seq;
	(void)state_write(r, true);
}

static int check_log(struct recorder *r, bool thorough)
{
	struct incident_log_recovery rec;
	uint64_t had = r->head_seq;
	int c = incident_log_check(r->log, thorough, &rec);
	if (c <= 0)
		return c;
	account_reopen(r, &rec, had);
	emit_recovery(r, &rec, had);
	return 1;
}

/* Pending loss (lost range, rotation drop): reported as soon as the log takes records again. */
static void report_pending(struct recorder *r)
{
	struct incident_log_drop d;

	if (incident_log_take_drop(r->log, &d) &&
	    report_lost(r, d.first_seq, d.last_seq,
	                "rotation had to delete them before they were acknowledged upstream or "
	                "while they held the last seal (log_max_keep_files reached)") < 0) {
		/* not reported yet: joins the pending range */
		if (r->lost_first == 0 || d.first_seq < r->lost_first)
			r->lost_first = d.first_seq;
		if (d.last_seq > r->lost_last)
			r->lost_last = d.last_seq;
	}
	if (r->lost_first != 0) {
		uint64_t f = r->lost_first, l = r->lost_last;
		r->lost_first = r->lost_last = 0;
		if (report_lost(
		        r, f, l,
		        "they could not be appended (disk full, I/O error, log removed) or "
		        "were removed from it; each was forwarded upstream when a collector "
		        "is configured") < 0) {
			r->lost_first = f;
			r->lost_last = l;
		}
		(void)state_write(r, true);
	}
}

/* Issues the next seq, appends and forwards; accounts for it when the log did not take it. */
static int64_t emit_one(struct recorder *r, const struct event *ev)
{
	uint64_t seq = r->next_seq;
	int e;

	if (seq < incident_log_next_seq(r->log))
		seq = r->next_seq = incident_log_next_seq(r->log);
	/* events_lost and seal only count once in the log: if it does not take them, their seq
	 * is not used (nothing went anywhere) and they are tried again later. */
	bool only_local = ev->type == EVENT_EVENTS_LOST || ev->type == EVENT_SEAL;
	e = append_record(r, ev, seq, ev->type == EVENT_SEAL, !only_local);
	bool appended = e == 0;
	if (!appended && only_local)
		return e;
	r->next_seq = seq + 1;
	r->last_seq = seq;
	if (!appended) {
		if (r->lost_first == 0)
			r->lost_first = seq;
		r->lost_last = seq;
		int s = state_write(r, true);
		if (s < 0)
			log_warning_errno(s, "Failed to persist the sequence state: %m");
		log_warning_errno(e,
		                  "Failed to append record seq %" PRIu64 " to the incident log "
		                  "(kept in the seq accounting%s): %m",
		                  seq, r->forward ? ", forwarded upstream" : "");
		return r->forward ? (int64_t)seq : e;
	}
	r->last_is_seal = ev->type == EVENT_SEAL;
	(void)state_write(r, false);
	return (int64_t)seq;
}

static int64_t emit_internal(struct recorder *r, const struct event *ev)
{
	bool was = r->in_internal_record;
	r->in_internal_record = true;
	int64_t s = emit_one(r, ev);
	r->in_internal_record = was;
	return s;
}

/* ---- flood control ---------------------------------------------------------------------- */

static bool repeatable(const struct event *ev)
{
	return (ev->device || ev->device_id) && ev->type != EVENT_EVENTS_LOST &&
	       ev->type != EVENT_SEAL && ev->type != EVENT_REPEATED && ev->type != EVENT_HEARTBEAT;
}

/* SHA-256 of the event encoded without seq and time. */
static int fingerprint(struct recorder *r, const struct event *ev, uint8_t fp[static 32])
{
	_cleanup_(freep) char *json = NULL;
	size_t len;
	unsigned mdlen = 0;
	struct event copy = *ev;
	copy.time_usec = 0;
	int e = event_to_json(&copy, 1, &r->host, &json, &len);
	if (e < 0)
		return e;
	if (EVP_Digest(json, len, fp, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -ENOMEM;
	return 0;
}

static void write_summary(struct recorder *r, struct repeat_slot *s)
{
	char t1[RFC3339_MAX], t2[RFC3339_MAX], msg[320];

	if (s->count == 0)
		return;
	if (rfc3339_format_usec(s->first_usec, true, t1) < 0 ||
	    rfc3339_format_usec(s->last_usec, true, t2) < 0)
		t1[0] = t2[0] = '\0';
	(void)snprintf(msg, sizeof(msg),
	               "%s of %s repeated %" PRIu64 " times between %s and %s (same as seq %" PRIu64
	               ")",
	               event_type_to_string(s->type), s->what, s->count, t1, t2, s->of_seq);
	struct event ev = {
		.type = EVENT_REPEATED,
		.time_usec = clock_realtime_usec(),
		.message = msg,
		.repeat_type = s->type,
		.repeat_count = s->count,
		.repeat_of_seq = s->of_seq,
		.repeat_first_usec = s->first_usec,
		.repeat_last_usec = s->last_usec,
	};
	s->count = 0;
	(void)emit_internal(r, &ev);
}

void recorder_flush_repeats(struct recorder *r, int64_t now, bool flush_all)
{
	if (!r)
		return;
	for (size_t i = 0; i < REPEAT_SLOTS; i++) {
		struct repeat_slot *s = &r->repeats[i];
		if (!s->used)
			continue;
		if (flush_all || now - s->window_start_usec >= (int64_t)r->repeat_window_usec) {
			write_summary(r, s);
			s->used = false;
		}
	}
}

int64_t recorder_repeats_due(const struct recorder *r)
{
	int64_t due = INT64_MAX;

	if (!r)
		return due;
	for (size_t i = 0; i < REPEAT_SLOTS; i++) {
		const struct repeat_slot *s = &r->repeats[i];
		/* a slot that left nothing out has no summary to write */
		if (s->used && s->count > 0 &&
		    s->window_start_usec + (int64_t)r->repeat_window_usec < due)
			due = s->window_start_usec + (int64_t)r->repeat_window_usec;
	}
	return due;
}

/* true when ev is a repeat inside its window (counted, not written). */
static bool suppress(struct recorder *r, const struct event *ev, uint8_t fp[static 32],
                     struct repeat_slot **ret_slot)
{
	struct repeat_slot *free_slot = NULL, *oldest = NULL;

	*ret_slot = NULL;
	for (size_t i = 0; i < REPEAT_SLOTS; i++) {
		struct repeat_slot *s = &r->repeats[i];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (!oldest || s->window_start_usec < oldest->window_start_usec)
			oldest = s;
		if (memcmp(s->fp, fp, 32) != 0)
			continue;
		if (ev->time_usec - s->window_start_usec < (int64_t)r->repeat_window_usec &&
		    ev->time_usec >= s->window_start_usec) {
			if (s->count++ == 0)
				s->first_usec = ev->time_usec;
			s->last_usec = ev->time_usec;
			return true;
		}
		write_summary(r, s); /* window over: summary, then this one in full */
		*ret_slot = s;
		return false;
	}
	if (!free_slot) {
		write_summary(r, oldest);
		free_slot = oldest;
	}
	*ret_slot = free_slot;
	return false;
}

/* ---- public ---------------------------------------------------------------------------- */

int recorder_open_ex(const char *log_dir, const struct recorder_host *host,
                     const struct recorder_config *cfg, struct recorder **ret)
{
	static const struct recorder_config defaults = {};
	struct incident_log_recovery rec = {};
	struct log_state st = {};
	bool found = false;
	struct recorder *r;
	int e;

	if (!log_dir || !host || !ret)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->state_fd = r->key_fd = -1;
	if ((e = dup_or_null(host->hostname ? host->hostname : "", &r->hostname)) < 0 ||
	    (e = dup_or_null(host->machine_id, &r->machine_id)) < 0 ||
	    (e = dup_or_null(host->agent_version, &r->agent_version)) < 0 ||
	    (e = dup_or_null(cfg->state_dir ? cfg->state_dir : log_dir, &r->state_dir)) < 0)
		goto fail;
	r->host = (struct recorder_host){ r->hostname, r->machine_id, r->agent_version };
	r->repeat_window_usec =
	    cfg->no_flood_control
	        ? 0
	        : (uint64_t)(cfg->repeat_window_sec ? cfg->repeat_window_sec
	                                            : RECORDER_DEFAULT_REPEAT_WINDOW_S) *
	              1000000u;

	e = state_open(r, r->state_dir, &st, &found);
	if (e < 0)
		goto fail;
	e = incident_log_open(log_dir, &cfg->log, clock_realtime_usec(), &r->log, &rec);
	if (e < 0)
		goto fail;

	/* The next seq: above everything issued (state), in the log, or named by its head file. */
	r->head_seq = rec.resumed_seq;
	r->next_seq = incident_log_next_seq(r->log);
	if (found && st.next_seq > r->next_seq)
		r->next_seq = st.next_seq;
	r->last_seq = r->next_seq - 1;
	if (found) {
		r->lost_first = st.lost_first;
		r->lost_last = st.lost_last;
		r->sealed_seq = st.sealed_seq;
		if (st.head_seq > rec.resumed_seq) {
			/* The log lost records we know were in it: reset or cut while we were down.
			 */
			rec.tamper = rec.resumed_seq == 0 ? INCIDENT_LOG_TAMPER_REMOVED
			                                  : INCIDENT_LOG_TAMPER_TRUNCATED;
			if (rec.resumed_seq == 0) /* nothing left: chain on from the last head */
				incident_log_adopt_head(r->log, st.head);
			account_reopen(r, &rec, st.head_seq);
		}
	}
	(void)key_load(r);
	if (rec.torn || rec.head_ahead || rec.head_mismatch || rec.tamper)
		emit_recovery(r, &rec, found ? st.head_seq : rec.resumed_seq);
	report_pending(r);
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
	key_forget(r);
	if (r->state_fd >= 0)
		(void)close(r->state_fd);
	free(r->hostname);
	free(r->machine_id);
	free(r->agent_version);
	free(r->state_dir);
	for (size_t i = 0; i < r->n_unforwarded; i++)
		free(r->unforwarded[i].line);
	free(r);
	return NULL;
}

void recorder_set_forward(struct recorder *r, recorder_forward_fn fn, void *userdata)
{
	r->forward = fn;
	r->forward_userdata = userdata;
	for (size_t i = 0; fn && i < r->n_unforwarded; i++) {
		int f = fn(userdata, r->unforwarded[i].seq, r->unforwarded[i].line,
		           r->unforwarded[i].len);
		if (f < 0)
			log_warning_errno(f,
			                  "Failed to forward record seq %" PRIu64 ", ignoring: %m",
			                  r->unforwarded[i].seq);
		r->unforwarded[i].line = mfree(r->unforwarded[i].line);
	}
	if (fn)
		r->n_unforwarded = 0;
}

void recorder_set_acked_source(struct recorder *r, recorder_acked_fn fn, void *userdata)
{
	r->acked = fn;
	r->acked_userdata = userdata;
}

void recorder_raise_seq(struct recorder *r, uint64_t seq)
{
	if (r && seq >= r->next_seq) {
		r->next_seq = seq + 1;
		r->last_seq = seq;
		(void)state_write(r, true);
	}
}

int recorder_check(struct recorder *r)
{
	if (!r)
		return -EINVAL;
	int c = check_log(r, true);
	if (c > 0)
		report_pending(r);
	return c;
}

int recorder_seal(struct recorder *r)
{
	char mac[SEAL_KEY_HEX_LEN + 1];
	int e;

	if (!r)
		return -EINVAL;
	(void)key_load(r);
	if (!r->have_key || r->last_is_seal || r->head_seq == 0)
		return 0;
	e = seal_mac(r->key, r->key_epoch, r->head_seq, incident_log_head(r->log), mac);
	if (e < 0)
		return e;
	struct event ev = {
		.type = EVENT_SEAL,
		.time_usec = clock_realtime_usec(),
		.seal_epoch = r->key_epoch,
		.seal_seq = r->head_seq,
		.seal_mac = mac,
	};
	uint64_t before = r->head_seq;
	int64_t s = emit_internal(r, &ev);
	if (s < 0 || r->head_seq == before)
		return s < 0 ? (int)s : -EIO; /* not in the log: the key stays for the next try */
	r->sealed_seq = (uint64_t)s;
	r->last_seal_usec = ev.time_usec;
	e = key_evolve(r);
	if (e < 0) {
		/* The old key must not be used again: stop sealing rather than reuse it. */
		log_error_errno(e, "Failed to store the evolved sealing key, sealing stops: %m");
		key_forget(r);
		return e;
	}
	(void)state_write(r, false);
	return 1;
}

bool recorder_has_seal_key(const struct recorder *r)
{
	return r && r->have_key;
}

int64_t recorder_last_seal_usec(const struct recorder *r)
{
	return r ? r->last_seal_usec : 0;
}

int64_t recorder_emit(struct recorder *r, const struct event *ev)
{
	struct repeat_slot *slot = NULL;
	uint8_t fp[32];
	bool have_fp = false;

	if (!r || !ev)
		return -EINVAL;
	if (r->in_internal_record)
		return emit_one(r, ev);
	if (ev->type == EVENT_EVENTS_LOST || ev->type == EVENT_SEAL)
		return -EINVAL; /* only the recorder makes these: they vouch for the log */

	(void)check_log(r, false); /* the thorough check runs from inotify (recorder_check) */
	report_pending(r);

	if (r->repeat_window_usec && repeatable(ev) && fingerprint(r, ev, fp) == 0) {
		have_fp = true;
		if (suppress(r, ev, fp, &slot))
			return 0;
	}

	/* A rotation is coming: seal the file that is about to become history. */
	if (r->have_key && incident_log_would_rotate(r->log, 4096))
		(void)recorder_seal(r);

	int64_t seq = emit_one(r, ev);
	if (seq > 0 && have_fp && slot) {
		*slot = (struct repeat_slot){
			.used = true,
			.type = ev->type,
			.of_seq = (uint64_t)seq,
			.window_start_usec = ev->time_usec,
		};
		memcpy(slot->fp, fp, 32);
		if (ev->device)
			(void)snprintf(slot->what, sizeof(slot->what), "%.32s %04x:%04x",
			               ev->device->busid, ev->device->desc.vid,
			               ev->device->desc.pid);
		else
			(void)snprintf(slot->what, sizeof(slot->what), "%.32s %04x:%04x",
			               ev->device_id->busid ? ev->device_id->busid : "?",
			               ev->device_id->vid, ev->device_id->pid);
	}

	/* The log reopened itself inside the append (after an unrecoverable failed write). */
	struct incident_log_recovery rec;
	if (incident_log_take_recovery(r->log, &rec))
		emit_recovery(r, &rec, r->head_seq);
	return seq;
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
