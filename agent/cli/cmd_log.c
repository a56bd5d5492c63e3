/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis log verify | show | export: the reviewer's view of the incident log
 * (docs/reviewer-guide.md). Reads only; never writes to the log directory.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "agent/cli/commands.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strenc.h"
#include "policy/base/strutil.h"
#include "agent/events/event_json.h"
#include "agent/events/event_read.h"
#include "agent/events/incident_log.h"
#include "agent/events/log_record.h"
#include "agent/events/recorder.h"
#include "agent/events/seal.h"
#include "agent/transfer/transfer_acct.h"
#include "paths.h"
#include "policy/device/usb_kind.h"

enum output { OUT_HUMAN, OUT_JSON, OUT_CSV };

struct filter {
	bool have_since, have_until;
	int64_t since, until; /* since inclusive, until exclusive */
	const char *type;
	const char *device; /* VID:PID, serial or busid */
	int verdict;        /* enum decision_view, or -1 */
	const char *kind;   /* a device kind ("mass-storage", ...) */
	const char *user;   /* seat user */
	const char *host;
	bool local_time; /* show times in the local time zone (human and CSV output) */
};

struct show_ctx {
	const struct filter *f;
	enum output out;
	const char *file;
	uint64_t line;
	uint64_t shown, skipped_bad;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: portcullis log verify [--dir DIR] [--head HASH] [--seq N] "
	             "[--verify-key KEY]\n"
	             "       portcullis log show [--dir DIR] [FILTERS] [--json]\n"
	             "       portcullis log export --csv [--dir DIR] [FILTERS]\n"
	             "       portcullis log setup-keys [--state-dir DIR] [--force]\n"
	             "\n"
	             "Filters: --since T  --until T  (RFC 3339 UTC, e.g. 2026-11-18 or "
	             "2026-11-18T09:00:00Z)\n"
	             "         --type TYPE  --device VID:PID|SERIAL|BUSID  --kind KIND\n"
	             "         --verdict allow|log|charge-only|block|audit-block\n"
	             "         --user NAME  --host NAME\n"
	             "Times: --local-time shows them in the local time zone (default UTC).\n"
	             "Default DIR: " PORTCULLIS_LOG_DIR ". See docs/reviewer-guide.md.\n");
}

#define jstr event_read_str
#define jobj event_read_obj
#define jnum event_read_int

static bool matches(const struct filter *f, const struct log_record *rec, json_object *obj)
{
	if (f->have_since && rec->time_usec < f->since)
		return false;
	if (f->have_until && rec->time_usec >= f->until)
		return false;
	if (f->type && strcmp(f->type, rec->type) != 0)
		return false;
	if (f->device && !event_device_matches(jobj(obj, "device"), f->device))
		return false;
	if (f->verdict >= 0 && decision_view_of_record(obj) != f->verdict)
		return false;
	if (f->kind && !event_device_has_kind(jobj(obj, "device"), f->kind))
		return false;
	if (f->user && (!jstr(obj, "seat_user") || strcmp(jstr(obj, "seat_user"), f->user) != 0))
		return false;
	if (f->host && (!jstr(obj, "host") || strcmp(jstr(obj, "host"), f->host) != 0))
		return false;
	return true;
}

/* Prints key="escaped value" (device strings and messages are hostile). */
static void put_quoted(const char *key, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s), size = 4 * n + 1;
	_cleanup_(freep) char *buf = malloc(size);
	if (!buf) {
		printf(" %s%s(out of memory)", key ? key : "", key ? "=" : "");
		return;
	}
	(void)str_escape(buf, size, s, n);
	printf(" %s%s\"%s\"", key ? key : "", key ? "=" : "", buf);
}

/* Escaped copy of a short field: a record that decodes may still be forged (any JSON string). */
static const char *esc_field(char *buf, size_t size, const char *s)
{
	(void)str_escape(buf, size, s, strlen(s));
	return buf;
}

#define SHOW_FILES_MAX 20 /* file lines under a transfer record; --json has them all */

static int64_t jtime(json_object *o, const char *key)
{
	int64_t t;
	const char *s = jstr(o, key);

	return s && rfc3339_parse_usec(s, RFC3339_DATE_OK | RFC3339_SPACE_OK, &t) >= 0 ? t : 0;
}

/* A transfer record in plain words: "wrote 1.2 GB in 3,412 files in 4 min to ...". */
static void put_transfer(json_object *dev, json_object *t)
{
	char b1[32], b2[32], n[32], d[32];
	int64_t to = 0, from = 0, files = 0, omitted = 0;
	const char *method = jstr(t, "method") ?: "?", *s;

	(void)jnum(t, "to_device_bytes", &to);
	(void)jnum(t, "from_device_bytes", &from);
	(void)jnum(t, "files_written", &files);
	(void)jnum(t, "files_omitted", &omitted);
	int64_t started = jtime(t, "started"), ended = jtime(t, "ended");
	transfer_format_duration(ended > started ? ended - started : 0, d, sizeof(d));
	if (!strcmp(method, "unavailable")) {
		printf(": bytes not counted");
		put_quoted("reason", jstr(t, "reason"));
	} else {
		printf(": wrote %s",
		       transfer_format_bytes((uint64_t)(to < 0 ? 0 : to), b1, sizeof(b1)));
		if (files > 0)
			printf(" in %s file%s",
			       transfer_format_count((uint64_t)files, n, sizeof(n)),
			       files == 1 ? "" : "s");
		printf(" in %s", d);
	}
	if (dev) {
		printf(" to");
		put_quoted(NULL, jstr(dev, "manufacturer"));
		put_quoted(NULL, jstr(dev, "product"));
		if ((s = jstr(dev, "serial")))
			put_quoted(NULL, s);
	}
	if (strcmp(method, "unavailable"))
		printf(", read %s",
		       transfer_format_bytes((uint64_t)(from < 0 ? 0 : from), b2, sizeof(b2)));
	json_object *ro;
	if (json_object_object_get_ex(t, "read_only", &ro) && json_object_get_boolean(ro))
		printf(" (read-only)");
	if ((s = jstr(t, "end")))
		printf("; %s", !strcmp(s, "removed")        ? "device removed"
		               : !strcmp(s, "deauthorized") ? "device deauthorized"
		                                            : "agent stopping");
	else
		printf("; still attached");
	if ((s = jstr(t, "files_method")) && !strcmp(s, "unavailable"))
		put_quoted("file names not recorded", jstr(t, "files_reason"));
}

/* The files of a transfer record, one per line, the first SHOW_FILES_MAX. */
static void put_transfer_files(json_object *t)
{
	json_object *files;
	int64_t omitted = 0;
	char b[32];

	(void)jnum(t, "files_omitted", &omitted);
	if (!json_object_object_get_ex(t, "files", &files) ||
	    !json_object_is_type(files, json_type_array))
		return;
	size_t n = json_object_array_length(files);
	for (size_t i = 0; i < n && i < SHOW_FILES_MAX; i++) {
		json_object *f = json_object_array_get_idx(files, i);
		int64_t bytes = 0;
		(void)jnum(f, "bytes", &bytes);
		printf("   "); /* put_quoted() adds the fourth space */
		put_quoted(NULL, jstr(f, "name") ?: "?");
		printf(" %s\n",
		       transfer_format_bytes((uint64_t)(bytes < 0 ? 0 : bytes), b, sizeof(b)));
	}
	size_t more =
	    (n > SHOW_FILES_MAX ? n - SHOW_FILES_MAX : 0) + (size_t)(omitted > 0 ? omitted : 0);
	if (more)
		printf("    ... and %zu more file%s (--json lists the %zu named ones)\n", more,
		       more == 1 ? "" : "s", n);
}

/* The record's time: as stored (UTC), or in the local time zone with its offset. */
static const char *fmt_record_time(const struct filter *f, const struct log_record *rec,
                                   json_object *o, char *buf, size_t size)
{
	if (!f->local_time)
		return esc_field(buf, size, jstr(o, "time") ?: "?");
	time_t secs = (time_t)(rec->time_usec / 1000000);
	long usec = (long)(rec->time_usec % 1000000);
	struct tm tm;
	char date[32], zone[8];
	if (usec < 0) {
		usec += 1000000;
		secs--;
	}
	if (!localtime_r(&secs, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return esc_field(buf, size, jstr(o, "time") ?: "?");
	(void)snprintf(buf, size, "%s.%06ld%.3s:%.2s", date, usec, zone, zone + 3);
	return buf;
}

/* The decision in plain words ("would block (audit)", "allowed, logged", "charge only", ...), or
 * the escaped verdict when it is not one this version knows. */
static const char *outcome(json_object *o, char *buf, size_t size)
{
	json_object *dec = jobj(o, "decision");
	int v = decision_view_of_record(o);
	if (v >= 0)
		return decision_view_words((enum decision_view)v,
		                           !strcmp(jstr(dec, "verdict") ?: "", "partial"));
	return esc_field(buf, size, jstr(dec, "verdict") ?: "?");
}

static void put_human(const struct filter *f, const struct log_record *rec, json_object *o)
{
	json_object *dev = jobj(o, "device"), *dec = jobj(o, "decision");
	char host[4 * EVENT_NAME_MAX + 1], time[128], vid[32], pid[32], verdict[64];
	int64_t n;
	const char *s;

	(void)str_escape(host, sizeof(host), jstr(o, "host") ?: "", strlen(jstr(o, "host") ?: ""));
	printf("%s %s #%" PRIu64 " %s", fmt_record_time(f, rec, o, time, sizeof(time)), host,
	       rec->seq, rec->type);
	json_object *transfer = !strcmp(rec->type, "transfer") ? jobj(o, "transfer") : NULL;
	if (dev) {
		char busid[4 * USB_BUSID_MAX + 1];
		s = jstr(dev, "busid") ?: "?";
		(void)str_escape(busid, sizeof(busid), s, strlen(s));
		printf(" %s %s:%s", busid,
		       esc_field(vid, sizeof(vid), jstr(dev, "vendor_id") ?: "????"),
		       esc_field(pid, sizeof(pid), jstr(dev, "product_id") ?: "????"));
		if (!transfer) {
			put_quoted(NULL, jstr(dev, "manufacturer"));
			put_quoted(NULL, jstr(dev, "product"));
			put_quoted("serial", jstr(dev, "serial"));
		}
	}
	if (transfer)
		put_transfer(dev, transfer);
	if (dec) {
		printf(" %s", outcome(o, verdict, sizeof(verdict)));
		put_quoted("rule", jstr(dec, "rule"));
		put_quoted("reason", jstr(dec, "reason"));
	}
	if ((s = jstr(o, "error")))
		put_quoted("error", s);
	if (jnum(o, "dropped", &n))
		printf(" dropped=%" PRId64, n);
	if (jnum(o, "spool_depth", &n))
		printf(" spool=%" PRId64, n);
	if ((s = jstr(o, "chain_head")))
		put_quoted("head", s);
	put_quoted("user", jstr(o, "seat_user"));
	put_quoted("message", jstr(o, "message"));
	putchar('\n');
	if (transfer)
		put_transfer_files(transfer);
}

/*
 * One CSV cell: RFC 4180 quoting, a leading ' against spreadsheet formula injection, and hostile
 * characters written visibly by strenc_text(): C0 controls (terminal escapes) as \xNN, C1
 * controls and bidi/format characters as \uXXXX, bytes that are not UTF-8 as \xNN.
 */
static void put_csv_cell(const char *s, bool last)
{
	if (s && *s) {
		size_t n = strlen(s);
		_cleanup_(freep) char *text = malloc(STRENC_MAX(n));
		bool formula = strchr("=+-@\t\r", s[0]) != NULL;
		bool quote = formula || strpbrk(s, ",\"") != NULL;

		if (quote)
			putchar('"');
		if (formula)
			putchar('\'');
		if (!text)
			fputs("(out of memory)", stdout);
		else
			(void)strenc_text(text, s, n);
		for (const char *p = text; p && *p; p++) {
			if (*p == '"')
				fputs("\"\"", stdout);
			else
				putchar(*p);
		}
		if (quote)
			putchar('"');
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static const char *const csv_columns[] = {
	"seq",       "time",          "host",          "type",        "busid",
	"vendor_id", "product_id",    "manufacturer",  "product",     "serial",
	"verdict",   "rule",          "reason",        "error",       "seat_user",
	"message",   "policy_serial", "policy_sha256", "policy_mode", "outcome",
};

static void put_csv(const struct filter *f, const struct log_record *rec, json_object *o)
{
	json_object *dev = jobj(o, "device"), *dec = jobj(o, "decision"), *pol = jobj(o, "policy");
	char seq[24], pserial[24] = "", time[128], verdict[64];
	int64_t n;

	(void)snprintf(seq, sizeof(seq), "%" PRIu64, rec->seq);
	if (jnum(pol, "serial", &n))
		(void)snprintf(pserial, sizeof(pserial), "%" PRId64, n);
	const char *cells[] = {
		seq,
		f->local_time ? fmt_record_time(f, rec, o, time, sizeof(time)) : jstr(o, "time"),
		jstr(o, "host"),
		rec->type,
		jstr(dev, "busid"),
		jstr(dev, "vendor_id"),
		jstr(dev, "product_id"),
		jstr(dev, "manufacturer"),
		jstr(dev, "product"),
		jstr(dev, "serial"),
		jstr(dec, "verdict"),
		jstr(dec, "rule"),
		jstr(dec, "reason"),
		jstr(o, "error"),
		jstr(o, "seat_user"),
		jstr(o, "message"),
		pserial,
		jstr(pol, "sha256"),
		jstr(pol, "mode"),
		dec ? outcome(o, verdict, sizeof(verdict)) : NULL,
	};
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		put_csv_cell(cells[i], i + 1 == ARRAY_SIZE(cells));
}

static int show_line(void *userdata, const char *line, size_t len, bool torn)
{
	struct show_ctx *c = userdata;
	struct log_record rec;
	struct log_record_error err = {};
	json_object *obj = NULL;

	c->line++;
	int r = torn ? -EBADMSG : log_record_decode(line, len, &rec, &obj, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		fprintf(stderr, "%s line %" PRIu64 ": skipping %s (%s)\n", c->file, c->line,
		        torn ? "truncated last line" : "malformed record",
		        torn ? "no newline" : err.reason);
		c->skipped_bad++;
		return 0;
	}
	if (matches(c->f, &rec, obj)) {
		switch (c->out) {
		case OUT_JSON: {
			/* A record that decodes may be forged or older: strings made inert again.
			 */
			_cleanup_(freep) char *inert = NULL;
			size_t n = 0;

			if (strenc_json_inert(line, len, &inert, &n) < 0) {
				json_object_put(obj);
				return -ENOMEM;
			}
			fwrite(inert, 1, n, stdout);
			putchar('\n');
			break;
		}
		case OUT_CSV:
			put_csv(c->f, &rec, obj);
			break;
		case OUT_HUMAN:
			put_human(c->f, &rec, obj);
			break;
		}
		c->shown++;
	}
	json_object_put(obj);
	return 0;
}

static int do_show(const char *dir, const struct filter *f, enum output out)
{
	char **names = NULL;
	struct show_ctx c = { .f = f, .out = out };
	int r = incident_log_list_files(dir, &names);

	if (r < 0) {
		fprintf(stderr, "portcullis log: %s: %s\n", dir, strerror(-r));
		return 1;
	}
	if (out == OUT_CSV)
		for (size_t i = 0; i < ARRAY_SIZE(csv_columns); i++)
			put_csv_cell(csv_columns[i], i + 1 == ARRAY_SIZE(csv_columns));
	for (char **p = names; *p; p++) {
		c.file = *p;
		c.line = 0;
		r = incident_log_read_file(dir, *p, show_line, &c);
		if (r < 0) {
			fprintf(stderr, "portcullis log: %s/%s: %s\n", dir, *p, strerror(-r));
			break;
		}
	}
	strv_free(names);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "portcullis log: write error: %s\n", strerror(errno));
		return 1;
	}
	if (c.skipped_bad > 0)
		fprintf(stderr,
		        "portcullis log: %" PRIu64 " damaged line(s) skipped; run 'portcullis log "
		        "verify'\n",
		        c.skipped_bad);
	return r < 0 ? 1 : 0;
}

static void note_torn_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (str_startswith(de->d_name, INCIDENT_LOG_FILE ".torn-")) {
			char name[4 * 256 + 1];
			(void)str_escape(name, sizeof(name), de->d_name, strlen(de->d_name));
			printf("note: %s holds damaged bytes moved aside at a restart; the record "
			       "after the break says so\n",
			       name);
		}
	if (d)
		closedir(d);
}

static void fmt_time(int64_t usec, char buf[static RFC3339_MAX])
{
	if (rfc3339_format_usec(usec, true, buf) < 0)
		(void)snprintf(buf, RFC3339_MAX, "(time out of range)");
}

/* Honest loss: one warning line per events_lost record (the reviewer's "what is missing"). */
static void print_loss(const struct chain_verifier *v)
{
	for (size_t i = 0; i < v->n_lost_listed; i++)
		printf("warning: records %" PRIu64 "..%" PRIu64 " (%" PRIu64
		       ") are not in this log: events_lost at seq %" PRIu64
		       " accounts for them (see 'portcullis log show --type events_lost')\n",
		       v->lost[i].first, v->lost[i].last, v->lost[i].last - v->lost[i].first + 1,
		       v->lost[i].at_seq);
	if (v->n_lost_records > v->n_lost_listed)
		printf("warning: %" PRIu64 " more events_lost records\n",
		       v->n_lost_records - v->n_lost_listed);
	if (v->n_lost_records > 0)
		printf("warning: %" PRIu64
		       " record(s) in all are missing from this log and accounted "
		       "for (honest loss); the collector should hold them\n",
		       v->lost_seqs_total);
}

static int do_verify(const char *dir, const char *head, uint64_t seq, const char *key_hex)
{
	struct chain_verifier v;
	uint8_t key[SEAL_KEY_LEN];
	int r;

	chain_verifier_init(&v);
	if ((head || seq) && chain_verifier_expect(&v, head, seq) < 0) {
		fprintf(stderr, "portcullis log verify: --head needs 64 hex digits\n");
		return 2;
	}
	if (key_hex) {
		if (seal_key_from_hex(key_hex, key) < 0) {
			fprintf(stderr,
			        "portcullis log verify: --verify-key needs the 64 hex digits "
			        "'portcullis log setup-keys' printed\n");
			return 2;
		}
		chain_verifier_set_key(&v, key);
		explicit_bzero(key, sizeof(key));
	}
	bool expected = head || seq;
	r = incident_log_verify(dir, &v);
	chain_verifier_done(&v);
	if (r == -EBADMSG) {
		print_loss(&v);
		printf("FAILED: %s\n", v.error);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "portcullis log verify: %s: %s\n", dir, strerror(-r));
		return 1;
	}
	if (key_hex && !v.have_seal) {
		printf("FAILED: no seal record in the log: nothing is proven with the key (was "
		       "'portcullis log setup-keys' run, and the agent restarted or running for 15 "
		       "minutes since?)\n");
		return 1;
	}
	if (v.records == 0)
		printf("OK: 0 records\n");
	else
		printf("OK: %" PRIu64 " records, seq %" PRIu64 "..%" PRIu64 ", head %s\n",
		       v.records, v.first_seq, v.last_seq, v.head);
	print_loss(&v);
	if (v.prefix_unexplained_last > 0)
		printf("note: records 1..%" PRIu64 " were rotated away\n",
		       v.prefix_unexplained_last);
	if (key_hex) {
		char t[RFC3339_MAX], tl[RFC3339_MAX];
		fmt_time(v.sealed_time_usec, t);
		printf("sealed: every record up to seq %" PRIu64
		       " (%s) is proven untouched by %" PRIu64
		       " seal(s) checked with the key, last epoch %" PRIu64 "\n",
		       v.sealed_seq, t, v.seals, v.seal_epoch);
		if (v.last_seq > v.sealed_seq) {
			fmt_time(v.last_time_usec, tl);
			printf("warning: records %" PRIu64 "..%" PRIu64
			       " (up to %s) come after the "
			       "last seal: not proven (root on this machine could have written "
			       "them)\n",
			       v.sealed_seq + 1, v.last_seq, tl);
			if (v.last_time_usec - v.sealed_time_usec > (int64_t)(2 * 900) * 1000000)
				printf(
				    "warning: the last seal is more than 30 minutes older than the "
				    "last record, though the agent seals every 15 minutes: seals "
				    "may "
				    "have been removed with the records after them\n");
		}
	} else if (v.seals > 0) {
		printf("note: %" PRIu64 " seal record(s) not checked: give the verification key "
		       "(--verify-key) to prove the log was not rewritten\n",
		       v.seals);
	}
	if (!expected && !v.have_expect_head)
		printf("note: no known head (--head, or the head file): records cut off at the end "
		       "cannot be detected\n");
	else if (!expected)
		printf("note: checked against the head file (seq %" PRIu64 "); compare with the "
		       "collector's last chain_head for independent proof\n",
		       v.expect_seq);
	note_torn_files(dir);
	return 0;
}

/* "portcullis log setup-keys": the first sealing key, like journalctl --setup-keys. */
static int do_setup_keys(const char *state_dir, bool force)
{
	char hex[SEAL_KEY_HEX_LEN + 1];
	int r = recorder_setup_keys(state_dir, force, hex);

	if (r == -EEXIST) {
		fprintf(stderr,
		        "portcullis log setup-keys: %s/" SEAL_KEY_FILE
		        " exists: the log is already "
		        "sealed with it. --force makes a new key (the old verification key then "
		        "proves only the seals made before)\n",
		        state_dir);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "portcullis log setup-keys: %s/" SEAL_KEY_FILE ": %s\n", state_dir,
		        strerror(-r));
		return 1;
	}
	printf("New sealing key written to %s/" SEAL_KEY_FILE " (epoch 0, readable by root only).\n"
	       "portcullisd seals the incident log with it every 15 minutes, on rotation and on\n"
	       "stop, and evolves it one-way after each seal (restart portcullisd to start now).\n"
	       "Keep the verification key below OFF this machine; a reviewer checks the log with\n"
	       "  portcullis log verify --dir DIR --verify-key KEY\n"
	       "Verification key:\n%s\n",
	       state_dir, hex);
	explicit_bzero(hex, sizeof(hex));
	return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_log(int argc, char **argv)
{
	enum {
		OPT_DIR = 0x100,
		OPT_HEAD,
		OPT_SEQ,
		OPT_SINCE,
		OPT_UNTIL,
		OPT_TYPE,
		OPT_DEVICE,
		OPT_JSON,
		OPT_CSV,
		OPT_VERIFY_KEY,
		OPT_STATE_DIR,
		OPT_FORCE,
		OPT_VERDICT,
		OPT_KIND,
		OPT_USER,
		OPT_HOST,
		OPT_LOCAL_TIME,
	};
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "head", required_argument, NULL, OPT_HEAD },
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "verify-key", required_argument, NULL, OPT_VERIFY_KEY },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "verdict", required_argument, NULL, OPT_VERDICT },
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "user", required_argument, NULL, OPT_USER },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "local-time", no_argument, NULL, OPT_LOCAL_TIME },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = PORTCULLIS_LOG_DIR, *head = NULL, *key = NULL;
	const char *state_dir = PORTCULLIS_STATE_DIR;
	bool force = false, have_dir = false, have_state_dir = false;
	uint64_t seq = 0;
	bool json = false, csv = false;
	struct filter f = { .verdict = -1 };
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "verify") && strcmp(sub, "show") && strcmp(sub, "export") &&
	    strcmp(sub, "setup-keys")) {
		fprintf(stderr, "portcullis log: unknown subcommand '%s'\n", sub);
		usage(stderr);
		return 2;
	}

	optind = 0; /* reset getopt: argv is ours, starting at the subcommand */
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			dir = optarg;
			have_dir = true;
			break;
		case OPT_VERIFY_KEY:
			key = optarg;
			break;
		case OPT_STATE_DIR:
			state_dir = optarg;
			have_state_dir = true;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_HEAD:
			head = optarg;
			break;
		case OPT_SEQ: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || *end || v == 0 || optarg[0] == '-') {
				fprintf(stderr, "portcullis log: --seq needs a number > 0\n");
				return 2;
			}
			seq = v;
			break;
		}
		case OPT_SINCE:
		case OPT_UNTIL: {
			int64_t t;
			if (rfc3339_parse_usec(optarg, RFC3339_DATE_OK | RFC3339_SPACE_OK, &t) <
			    0) {
				fprintf(stderr,
				        "portcullis log: '%s' is not a UTC time like 2026-11-18 or "
				        "2026-11-18T09:30:00Z\n",
				        optarg);
				return 2;
			}
			if (c == OPT_SINCE)
				f.have_since = true, f.since = t;
			else
				f.have_until = true, f.until = t;
			break;
		}
		case OPT_TYPE:
			if (event_type_from_string(optarg) < 0)
				fprintf(stderr,
				        "portcullis log: note: '%s' is not a type this version "
				        "writes\n",
				        optarg);
			f.type = optarg;
			break;
		case OPT_DEVICE:
			f.device = optarg;
			break;
		case OPT_VERDICT:
			if ((f.verdict = decision_view_from_key(optarg)) < 0) {
				fprintf(stderr,
				        "portcullis log: --verdict is allow, log, charge-only, "
				        "block or audit-block\n");
				return 2;
			}
			break;
		case OPT_KIND:
			if (usb_kind_from_string(optarg) < 0)
				fprintf(
				    stderr,
				    "portcullis log: note: '%s' is not a kind this version knows\n",
				    optarg);
			f.kind = optarg;
			break;
		case OPT_USER:
			f.user = optarg;
			break;
		case OPT_HOST:
			f.host = optarg;
			break;
		case OPT_LOCAL_TIME:
			f.local_time = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			csv = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "portcullis log: unexpected argument '%s'\n", argv[1 + optind]);
		return 2;
	}

	bool filters = f.have_since || f.have_until || f.type || f.device || f.verdict >= 0 ||
	               f.kind || f.user || f.host || f.local_time;
	if (!strcmp(sub, "setup-keys")) {
		if (filters || json || csv || head || seq || key || have_dir) {
			fprintf(stderr,
			        "portcullis log setup-keys: takes only --state-dir, --force\n");
			return 2;
		}
		return do_setup_keys(state_dir, force);
	}
	if (have_state_dir || force) {
		fprintf(stderr, "portcullis log %s: --state-dir/--force are for setup-keys\n", sub);
		return 2;
	}
	if (!strcmp(sub, "verify")) {
		if (filters || json || csv) {
			fprintf(stderr, "portcullis log verify: takes only --dir, --head, --seq, "
			                "--verify-key\n");
			return 2;
		}
		return do_verify(dir, head, seq, key);
	}
	if (key) {
		fprintf(stderr, "portcullis log %s: --verify-key is for verify\n", sub);
		return 2;
	}
	if (head || seq) {
		fprintf(stderr, "portcullis log %s: --head/--seq are for verify\n", sub);
		return 2;
	}
	if (!strcmp(sub, "export")) {
		if (!csv || json) {
			fprintf(stderr,
			        "portcullis log export: needs --csv (for JSON: log show --json)\n");
			return 2;
		}
		return do_show(dir, &f, OUT_CSV);
	}
	if (csv) {
		fprintf(stderr, "portcullis log show: --csv is for 'log export'\n");
		return 2;
	}
	return do_show(dir, &f, json ? OUT_JSON : OUT_HUMAN);
}
