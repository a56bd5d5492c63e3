/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fleet report's aggregation ("portcullis report", docs/reviewer-guide.md). Pure: no files,
 * no clocks. The shell (agent/cli/cmd_report.c) feeds it the lines of one source (one host's
 * incident-log directory, or one JSON-lines file a collector wrote for one host) after another;
 * the renderers (report_render.c) turn the result into HTML, JSON or text.
 *
 * Memory is constant in the number of records: per source only a window of the last
 * REPORT_DEDUP_WINDOW (seq, hash) pairs is kept; every table is capped (REPORT_MAX_*), and what
 * does not fit is counted ("omitted"), never dropped silently.
 *
 * Integrity of a source: the records, with duplicates removed (RELP resends after a reconnect),
 * must form one hash chain with no seq missing. A seq range named by an events_lost record
 * (count, first_seq, last_seq) counts as whole: the agent said honestly that it lost them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/events/event_read.h"
#include "agent/events/log_record.h"

#define REPORT_MAX_HOSTS     100000u /* sources (hosts); more are counted in hosts_omitted */
#define REPORT_MAX_DEVICES   10000u  /* distinct VID:PID + serial */
#define REPORT_MAX_USERS     10000u  /* distinct seat users */
#define REPORT_MAX_DAYS      3660u   /* distinct UTC days (ten years) */
#define REPORT_MAX_ROWS      1000u   /* rows of each event table (tamper, transfer_alert, policy) */
#define REPORT_MAX_GAPS      16u     /* unexplained seq gaps kept per host (more are counted) */
#define REPORT_DEDUP_WINDOW  4096u   /* recent records kept per source to recognise resends */
#define REPORT_HEARTBEAT_SEC 300u    /* heartbeat interval assumed when a host shows none */

/* Series of the "events per day" chart. */
enum report_series {
	REPORT_SERIES_ALLOW = 0, /* the five decision views, in enum decision_view order */
	REPORT_SERIES_LOG,
	REPORT_SERIES_CHARGE_ONLY,
	REPORT_SERIES_BLOCK,
	REPORT_SERIES_AUDIT_BLOCK,
	REPORT_SERIES_TAMPER,
	REPORT_SERIES_TRANSFER,  /* transfer and transfer_alert */
	REPORT_SERIES_POLICY,    /* policy_loaded, _rejected, _expired */
	REPORT_SERIES_OTHER,     /* attach, remove, agent start/stop, ... */
	REPORT_SERIES_HEARTBEAT, /* counted, not drawn: they would drown everything else */
	_REPORT_SERIES_MAX,
};
const char *report_series_name(enum report_series s);

enum report_integrity {
	REPORT_INTEGRITY_OK = 0,
	REPORT_INTEGRITY_GAP,       /* seq missing, not explained by events_lost */
	REPORT_INTEGRITY_MALFORMED, /* lines that are not records */
	REPORT_INTEGRITY_TRUNCATED, /* torn last line, or the log ends before its head file */
	REPORT_INTEGRITY_BROKEN,    /* hash chain broken: a record changed, reordered or forged */
	REPORT_INTEGRITY_EMPTY,     /* no record at all */
};
const char *report_integrity_word(enum report_integrity i); /* "ok", "gap", ... */

struct report_filter {
	bool have_since, have_until;
	int64_t since, until; /* usec; since inclusive, until exclusive */
	const char *host;     /* exact host name */
	const char *user;     /* exact seat user */
	const char *device;   /* VID:PID, serial or bus id (event_device_matches()) */
};

struct report_gap {
	uint64_t first_seq, last_seq;
};

struct report_host {
	char *host; /* from the records ("host"), else the source name */
	char *source;
	uint64_t events; /* records that pass the filter */
	uint64_t records, duplicates, malformed;
	int64_t first, last; /* usec of the first / last record that passes the filter */
	int64_t last_seen;   /* usec of the newest record in the time window, any user/device */
	char last_type[LOG_TYPE_MAX + 1];
	uint64_t decisions[_DECISION_VIEW_MAX];
	uint64_t tamper, policy_rejected, transfer_alerts;
	uint64_t transfer_bytes; /* to the device, from transfer events */
	bool have_policy;
	int64_t policy_serial;
	char *policy_name, *policy_mode;
	bool policy_expired;    /* a policy_expired record after the last policy_loaded */
	uint64_t heartbeat_sec; /* smallest interval between two heartbeats, 0 = none seen */
	int64_t prev_heartbeat;
	/* integrity */
	enum report_integrity integrity;
	char details[256];
	uint64_t first_seq, last_seq;
	uint64_t lost; /* seqs explained by events_lost */
	struct report_gap gaps[REPORT_MAX_GAPS];
	unsigned n_gaps;
	uint64_t gaps_omitted; /* gaps that did not fit (each still makes integrity "gap") */
	bool other_host;       /* records naming another host name than the first one */
};

struct report_device {
	char *key; /* "vvvv:pppp serial" (serial may be empty) */
	char *vendor_id, *product_id, *serial, *manufacturer,
	    *product; /* first seen; may be NULL */
	uint64_t events;
	uint64_t decisions[_DECISION_VIEW_MAX];
	uint64_t transfer_bytes;
	uint32_t hosts;     /* distinct hosts (counted when a new source first shows it) */
	uint32_t last_host; /* index + 1 of the last host counted */
	int64_t first, last;
};

struct report_user {
	char *user;
	uint64_t events;
	uint64_t decisions[_DECISION_VIEW_MAX];
	uint64_t transfer_bytes;
	uint32_t hosts, last_host;
};

struct report_day {
	int64_t day; /* days since 1970-01-01, UTC */
	uint64_t series[_REPORT_SERIES_MAX];
	uint64_t transfer_bytes;
};

/* One row of an event table (tamper, transfer_alert, policy_rejected / policy_expired). */
struct report_row {
	int64_t time;
	uint32_t host; /* index into hosts */
	uint64_t seq;
	char type[LOG_TYPE_MAX + 1];
	char *device; /* "vvvv:pppp product serial S" or NULL */
	char *user, *message;
	uint64_t bytes; /* transfer_alert: to_device_bytes, if given */
};

struct report_table {
	struct report_row *rows;
	size_t n, omitted;
};

struct report;

/* Filter strings are borrowed for the report's lifetime. NULL on ENOMEM. */
struct report *report_new(const struct report_filter *filter);
struct report *report_free(struct report *r);

/* Heartbeat interval assumed for hosts whose data shows no two heartbeats (0 = default). */
void report_set_heartbeat_sec(struct report *r, uint64_t sec);

/*
 * Starts a source; name (copied) is shown when its records name no host. Returns 0, -ENOSPC when
 * REPORT_MAX_HOSTS sources were already started (the source is counted and its lines ignored) or
 * -ENOMEM.
 */
int report_begin_source(struct report *r, const char *name);
/* One line of the current source without its newline; torn = the file ended without one.
 * Returns 0 or -ENOMEM (any content is accepted: bad lines are counted, never fatal). */
int report_feed_line(struct report *r, const char *line, size_t len, bool torn);
/* Ends the source. have_head: the source's head file said the newest record is head_seq with
 * hash head_hex (an incident-log directory). Returns 0. */
int report_end_source(struct report *r, bool have_head, uint64_t head_seq, const char *head_hex);

/* Computes what needs every source (silent hosts, old policies, sorting). Call once at the end. */
void report_finish(struct report *r);

/* Results (valid until report_free()). */
struct report_result {
	struct report_host *hosts; /* in source order */
	size_t n_hosts;
	uint64_t hosts_omitted;
	struct report_device *devices; /* sorted: most events first */
	size_t n_devices;
	uint64_t devices_omitted;  /* records about devices that did not fit the table */
	struct report_user *users; /* sorted: most events first */
	size_t n_users;
	uint64_t users_omitted;
	struct report_day *days; /* sorted by day */
	size_t n_days;
	uint64_t days_omitted;
	struct report_table tamper, transfer_alerts, policy; /* in input order */
	uint64_t records, events; /* all records / those passing filters */
	int64_t newest;           /* usec of the newest record in the time window (0 = none) */
	int64_t max_policy_serial;
	const struct report_filter *filter;
	uint64_t default_heartbeat_sec;
};
const struct report_result *report_result(const struct report *r);

/* Whether host h is silent: no record for more than two heartbeat intervals before newest. */
bool report_host_silent(const struct report_result *res, const struct report_host *h);
/* Its heartbeat interval: seen in its data, else the default. */
uint64_t report_host_heartbeat_sec(const struct report_result *res, const struct report_host *h);
/* Its policy is older (lower serial) than the newest any host runs. */
bool report_host_policy_old(const struct report_result *res, const struct report_host *h);
