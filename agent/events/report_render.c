/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's outputs (agent/events/report_render.h). */
#include "agent/events/report_render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/events/event_json.h"
#include "policy/base/rfc3339.h"
#include "policy/base/civil.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"

#define TOP_ROWS     50u /* devices and users shown in HTML and text */
#define CHART_HOSTS  25u /* hosts in the refusals chart */
#define CHART_W      900
#define CHART_H      240
#define CHART_LEFT   70
#define CHART_BOTTOM 40
#define CHART_TOP    24

static const char *const series_color[_REPORT_SERIES_MAX] = {
	"#2e7d32", "#81c784", "#42a5f5", "#c62828", "#ef6c00",
	"#6a1b9a", "#00838f", "#795548", "#9e9e9e", "#e0e0e0",
};
#define CHART_SERIES REPORT_SERIES_HEARTBEAT /* series drawn in the events chart */

int report_format_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "html"))
		return REPORT_FORMAT_HTML;
	if (!strcmp(s, "json"))
		return REPORT_FORMAT_JSON;
	if (!strcmp(s, "text"))
		return REPORT_FORMAT_TEXT;
	return -EINVAL;
}

/* ---- shared ---- */

static void fmt_time(int64_t usec, char buf[static RFC3339_MAX])
{
	if (rfc3339_format_usec(usec, true, buf) < 0)
		(void)snprintf(buf, RFC3339_MAX, "?");
}

/* "2026-11-18 11:06" (UTC) */
static void fmt_time_short(int64_t usec, char buf[static RFC3339_MAX])
{
	fmt_time(usec, buf);
	if (strlen(buf) >= 16) {
		buf[10] = ' ';
		buf[16] = '\0';
	}
}

static void fmt_day(int64_t day, char buf[static 16])
{
	int64_t y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	(void)snprintf(buf, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 13u, d % 32u);
}

static void fmt_bytes(uint64_t b, char buf[static 32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	unsigned u = 0;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, 32, "%" PRIu64 " B", b);
	else
		(void)snprintf(buf, 32, "%.1f %s", v, unit[u]);
}

static bool host_shown(const struct report_result *res, const struct report_host *h)
{
	return !res->filter->host || !strcmp(res->filter->host, h->host ?: "");
}

static uint64_t host_refusals(const struct report_host *h)
{
	return h->decisions[DECISION_VIEW_BLOCK] + h->decisions[DECISION_VIEW_AUDIT_BLOCK];
}

/* ---- JSON ---- */

static int jadd(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int jadd_str(json_object *o, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return jadd(o, key, json_object_new_string(s));
}

static int jadd_time(json_object *o, const char *key, int64_t usec, bool have)
{
	char t[RFC3339_MAX];
	if (!have)
		return jadd_str(o, key, NULL);
	fmt_time(usec, t);
	return jadd_str(o, key, t);
}

static int jadd_u64(json_object *o, const char *key, uint64_t v)
{
	return jadd(o, key, json_object_new_uint64(v));
}

static json_object *jdecisions(const uint64_t d[_DECISION_VIEW_MAX])
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	for (unsigned i = 0; i < _DECISION_VIEW_MAX; i++)
		if (jadd_u64(o, decision_view_key(i), d[i]) < 0) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

static json_object *json_host(const struct report_result *res, const struct report_host *h)
{
	json_object *o = json_object_new_object(), *gaps = json_object_new_array();
	int r = o && gaps ? 0 : -ENOMEM;

	if (r == 0)
		r = jadd_str(o, "host", h->host);
	if (r == 0)
		r = jadd_u64(o, "events", h->events);
	if (r == 0)
		r = jadd_time(o, "first", h->first, h->events > 0);
	if (r == 0)
		r = jadd_time(o, "last", h->last, h->events > 0);
	if (r == 0)
		r = jadd(o, "decisions", jdecisions(h->decisions));
	if (r == 0)
		r = jadd_u64(o, "tamper", h->tamper);
	if (r == 0)
		r = jadd_u64(o, "transfer_bytes", h->transfer_bytes);
	if (r == 0)
		r = h->have_policy
		        ? jadd(o, "policy_serial", json_object_new_int64(h->policy_serial))
		        : jadd_str(o, "policy_serial", NULL);
	if (r == 0)
		r = jadd_str(o, "integrity", report_integrity_word(h->integrity));
	for (unsigned i = 0; r == 0 && i < h->n_gaps; i++) {
		json_object *g = json_object_new_object();
		r = g ? 0 : -ENOMEM;
		if (r == 0)
			r = jadd_u64(g, "first_seq", h->gaps[i].first_seq);
		if (r == 0)
			r = jadd_u64(g, "last_seq", h->gaps[i].last_seq);
		if (r == 0 && json_object_array_add(gaps, g) < 0)
			r = -ENOMEM;
		if (r < 0)
			json_object_put(g);
	}
	if (r == 0) {
		r = jadd(o, "gaps", gaps);
		gaps = NULL;
	}
	/* more than the keys: details a reviewer needs to act on */
	if (r == 0)
		r = jadd_str(o, "details", h->integrity == REPORT_INTEGRITY_OK ? NULL : h->details);
	if (r == 0)
		r = jadd_u64(o, "gaps_omitted", h->gaps_omitted);
	if (r == 0)
		r = jadd_u64(o, "lost", h->lost);
	if (r == 0)
		r = jadd_u64(o, "records", h->records);
	if (r == 0)
		r = jadd_u64(o, "duplicates", h->duplicates);
	if (r == 0)
		r = jadd_u64(o, "malformed", h->malformed);
	if (r == 0)
		r = h->records ? jadd_u64(o, "first_seq", h->first_seq)
		               : jadd_str(o, "first_seq", NULL);
	if (r == 0)
		r = h->records ? jadd_u64(o, "last_seq", h->last_seq)
		               : jadd_str(o, "last_seq", NULL);
	if (r == 0)
		r = jadd_time(o, "last_seen", h->last_seen, h->last_seen != 0);
	if (r == 0)
		r = jadd(o, "silent", json_object_new_boolean(report_host_silent(res, h)));
	if (r == 0)
		r = jadd_u64(o, "heartbeat_sec", report_host_heartbeat_sec(res, h));
	if (r == 0)
		r = jadd_str(o, "policy_name", h->policy_name);
	if (r == 0)
		r = jadd_str(o, "policy_mode", h->policy_mode);
	if (r == 0)
		r = jadd(o, "policy_old", json_object_new_boolean(report_host_policy_old(res, h)));
	if (r == 0)
		r = jadd(o, "policy_expired", json_object_new_boolean(h->policy_expired));
	if (r == 0)
		r = jadd_u64(o, "policy_rejected", h->policy_rejected);
	if (r == 0)
		r = jadd_u64(o, "transfer_alerts", h->transfer_alerts);
	if (r == 0)
		r = jadd_str(o, "source", h->source);
	json_object_put(gaps);
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *json_row(const struct report_result *res, const struct report_row *row)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;
	if (r == 0)
		r = jadd_time(o, "time", row->time, true);
	if (r == 0)
		r = jadd_str(o, "host", res->hosts[row->host].host);
	if (r == 0)
		r = jadd_u64(o, "seq", row->seq);
	if (r == 0)
		r = jadd_str(o, "type", row->type);
	if (r == 0)
		r = jadd_str(o, "device", row->device);
	if (r == 0)
		r = jadd_str(o, "user", row->user);
	if (r == 0)
		r = jadd_str(o, "message", row->message);
	if (r == 0 && !strcmp(row->type, "transfer_alert"))
		r = jadd_u64(o, "to_device_bytes", row->bytes);
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Prints one value followed by sep; frees it. */
static int put_json(FILE *out, json_object *o, const char *sep)
{
	char *s = NULL;
	size_t n = 0;

	if (!o)
		return -ENOMEM;
	/* Device strings, users, messages are hostile: the one encoding (policy/base/strenc.h). */
	int r = json_serialize_inert(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &s,
	                             &n);
	if (r >= 0)
		(void)fprintf(out, "%s%s", s, sep);
	free(s);
	json_object_put(o);
	return r;
}

static int put_json_table(FILE *out, const struct report_result *res, const char *key,
                          const struct report_table *t)
{
	int r = 0;
	fprintf(out, ",\"%s\":[", key);
	for (size_t i = 0; r == 0 && i < t->n; i++)
		r = put_json(out, json_row(res, &t->rows[i]), i + 1 < t->n ? "," : "");
	fprintf(out, "],\"%s_omitted\":%" PRIu64, key, (uint64_t)t->omitted);
	return r;
}

static int render_json(const struct report_result *res, FILE *out)
{
	const struct report_filter *f = res->filter;
	int r = 0;
	bool first = true;

	fputs("{\"hosts\":[", out);
	for (size_t i = 0; r == 0 && i < res->n_hosts; i++) {
		if (!host_shown(res, &res->hosts[i]))
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		r = put_json(out, json_host(res, &res->hosts[i]), "");
	}
	fprintf(out, "],\"hosts_omitted\":%" PRIu64, res->hosts_omitted);

	json_object *s = json_object_new_object();
	r = r ?: (s ? 0 : -ENOMEM);
	if (r == 0)
		r = jadd_u64(s, "records", res->records);
	if (r == 0)
		r = jadd_u64(s, "events", res->events);
	if (r == 0)
		r = jadd_time(s, "newest", res->newest, res->newest != 0);
	if (r == 0)
		r = res->max_policy_serial >= 0
		        ? jadd(s, "newest_policy_serial",
		               json_object_new_int64(res->max_policy_serial))
		        : jadd_str(s, "newest_policy_serial", NULL);
	if (r == 0)
		r = jadd_time(s, "since", f->since, f->have_since);
	if (r == 0)
		r = jadd_time(s, "until", f->until, f->have_until);
	if (r == 0)
		r = jadd_str(s, "host", f->host);
	if (r == 0)
		r = jadd_str(s, "user", f->user);
	if (r == 0)
		r = jadd_str(s, "device", f->device);
	fputs(",\"summary\":", out);
	if (r == 0)
		r = put_json(out, TAKE_PTR(s), "");
	json_object_put(s);

	fputs(",\"silent_hosts\":[", out);
	first = true;
	for (size_t i = 0; r == 0 && i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h) || !report_host_silent(res, h))
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		r = put_json(out, json_object_new_string(h->host), "");
	}
	fputs("],\"devices\":[", out);
	for (size_t i = 0; r == 0 && i < res->n_devices; i++) {
		const struct report_device *d = &res->devices[i];
		json_object *o = json_object_new_object();
		r = o ? 0 : -ENOMEM;
		if (r == 0)
			r = jadd_str(o, "vendor_id", d->vendor_id);
		if (r == 0)
			r = jadd_str(o, "product_id", d->product_id);
		if (r == 0)
			r = jadd_str(o, "serial", d->serial);
		if (r == 0)
			r = jadd_str(o, "manufacturer", d->manufacturer);
		if (r == 0)
			r = jadd_str(o, "product", d->product);
		if (r == 0)
			r = jadd_u64(o, "events", d->events);
		if (r == 0)
			r = jadd(o, "decisions", jdecisions(d->decisions));
		if (r == 0)
			r = jadd_u64(o, "transfer_bytes", d->transfer_bytes);
		if (r == 0)
			r = jadd_u64(o, "hosts", d->hosts);
		if (r == 0)
			r = jadd_time(o, "first", d->first, true);
		if (r == 0)
			r = jadd_time(o, "last", d->last, true);
		if (r == 0)
			r = put_json(out, TAKE_PTR(o), i + 1 < res->n_devices ? "," : "");
		json_object_put(o);
	}
	fprintf(out, "],\"devices_omitted\":%" PRIu64 ",\"users\":[", res->devices_omitted);
	for (size_t i = 0; r == 0 && i < res->n_users; i++) {
		const struct report_user *u = &res->users[i];
		json_object *o = json_object_new_object();
		r = o ? 0 : -ENOMEM;
		if (r == 0)
			r = jadd_str(o, "user", u->user);
		if (r == 0)
			r = jadd_u64(o, "events", u->events);
		if (r == 0)
			r = jadd(o, "decisions", jdecisions(u->decisions));
		if (r == 0)
			r = jadd_u64(o, "transfer_bytes", u->transfer_bytes);
		if (r == 0)
			r = jadd_u64(o, "hosts", u->hosts);
		if (r == 0)
			r = put_json(out, TAKE_PTR(o), i + 1 < res->n_users ? "," : "");
		json_object_put(o);
	}
	fprintf(out, "],\"users_omitted\":%" PRIu64, res->users_omitted);
	if (r == 0)
		r = put_json_table(out, res, "tamper", &res->tamper);
	if (r == 0)
		r = put_json_table(out, res, "transfer_alerts", &res->transfer_alerts);
	if (r == 0)
		r = put_json_table(out, res, "policy_problems", &res->policy);
	fputs(",\"days\":[", out);
	for (size_t i = 0; r == 0 && i < res->n_days; i++) {
		const struct report_day *d = &res->days[i];
		char day[16];
		fmt_day(d->day, day);
		fprintf(out, "{\"day\":\"%s\"", day);
		for (unsigned k = 0; k < _REPORT_SERIES_MAX; k++) {
			static const char *const key[_REPORT_SERIES_MAX] = {
				"allow",  "log",      "charge_only", "block", "audit_block",
				"tamper", "transfer", "policy",      "other", "heartbeat",
			};
			fprintf(out, ",\"%s\":%" PRIu64, key[k], d->series[k]);
		}
		fprintf(out, ",\"transfer_bytes\":%" PRIu64 "}%s", d->transfer_bytes,
		        i + 1 < res->n_days ? "," : "");
	}
	fprintf(out, "],\"days_omitted\":%" PRIu64 "}\n", res->days_omitted);
	return r;
}

/* ---- text ---- */

static void put_esc(FILE *out, const char *s)
{
	char buf[4 * 1024 + 1];
	if (!s) {
		fputc('-', out);
		return;
	}
	size_t n = strlen(s);
	(void)str_escape(buf, sizeof(buf), s, n > 1024 ? 1024 : n);
	fputs(buf, out);
}

static void text_row(FILE *out, const struct report_result *res, const struct report_row *row)
{
	char t[RFC3339_MAX], b[32];
	fmt_time_short(row->time, t);
	fprintf(out, "  %s  ", t);
	put_esc(out, res->hosts[row->host].host);
	fprintf(out, " #%" PRIu64 " %s", row->seq, row->type);
	if (row->device) {
		fputc(' ', out);
		put_esc(out, row->device);
	}
	if (row->user) {
		fputs(" user=", out);
		put_esc(out, row->user);
	}
	if (!strcmp(row->type, "transfer_alert")) {
		fmt_bytes(row->bytes, b);
		fprintf(out, " %s", b);
	}
	if (row->message) {
		fputs(": ", out);
		put_esc(out, row->message);
	}
	fputc('\n', out);
}

static void text_table(FILE *out, const struct report_result *res, const char *title,
                       const struct report_table *t)
{
	fprintf(out, "\n%s: %zu%s\n", title, t->n + t->omitted, t->n + t->omitted ? "" : " (none)");
	for (size_t i = 0; i < t->n; i++)
		text_row(out, res, &t->rows[i]);
	if (t->omitted)
		fprintf(out, "  ... and %zu more (table cap %u)\n", t->omitted, REPORT_MAX_ROWS);
}

static int render_text(const struct report_result *res, FILE *out)
{
	char t1[RFC3339_MAX], t2[RFC3339_MAX], b[32];
	size_t shown = 0, silent = 0, bad = 0;

	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h))
			continue;
		shown++;
		silent += report_host_silent(res, h);
		bad += h->integrity != REPORT_INTEGRITY_OK;
	}
	fmt_time_short(res->newest, t1);
	fprintf(out,
	        "Portcullis fleet report: %zu hosts, %" PRIu64 " records, %" PRIu64
	        " events after filters, newest %s UTC\n",
	        shown, res->records, res->events, res->newest ? t1 : "-");
	fprintf(out, "integrity not ok: %zu   silent: %zu   tamper: %zu   transfer alerts: %zu\n",
	        bad, silent, res->tamper.n + res->tamper.omitted,
	        res->transfer_alerts.n + res->transfer_alerts.omitted);
	if (res->hosts_omitted)
		fprintf(out, "note: %" PRIu64 " sources not read (cap %u hosts)\n",
		        res->hosts_omitted, REPORT_MAX_HOSTS);

	fprintf(out, "\nHOST                     EVENTS  ALLOW    LOG CHARGE  BLOCK  AUDIT TAMPER "
	             "  TRANSFER POLICY INTEGRITY\n");
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		char name[4 * 24 + 1], pol[32] = "-";
		if (!host_shown(res, h))
			continue;
		(void)str_escape(name, sizeof(name), h->host, strlen(h->host));
		fmt_bytes(h->transfer_bytes, b);
		if (h->have_policy)
			(void)snprintf(pol, sizeof(pol), "%" PRId64 "%s", h->policy_serial,
			               h->policy_expired                ? "!exp"
			               : report_host_policy_old(res, h) ? "!old"
			                                                : "");
		fprintf(out,
		        "%-24s %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64
		        " %6" PRIu64 " %6" PRIu64 " %10s %6s %s%s\n",
		        name, h->events, h->decisions[0], h->decisions[1], h->decisions[2],
		        h->decisions[3], h->decisions[4], h->tamper, b, pol,
		        report_integrity_word(h->integrity),
		        report_host_silent(res, h) ? " silent" : "");
	}

	fprintf(out, "\nIntegrity problems:%s\n", bad ? "" : " none");
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h) || h->integrity == REPORT_INTEGRITY_OK)
			continue;
		fputs("  ", out);
		put_esc(out, h->host);
		fprintf(out, ": %s: ", report_integrity_word(h->integrity));
		put_esc(out, h->details);
		fputc('\n', out);
	}
	fprintf(out,
	        "\nSilent hosts (no record for more than two heartbeat intervals before %s):%s\n",
	        res->newest ? t1 : "-", silent ? "" : " none");
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h) || !report_host_silent(res, h))
			continue;
		fmt_time_short(h->last_seen, t2);
		fputs("  ", out);
		put_esc(out, h->host);
		fprintf(out, ": last record %s (%s), heartbeat every %" PRIu64 " s\n",
		        h->last_seen ? t2 : "-", h->last_type[0] ? h->last_type : "-",
		        report_host_heartbeat_sec(res, h));
	}
	fprintf(out, "\nTop devices:%s\n", res->n_devices ? "" : " none");
	for (size_t i = 0; i < res->n_devices && i < TOP_ROWS; i++) {
		const struct report_device *d = &res->devices[i];
		fmt_bytes(d->transfer_bytes, b);
		fprintf(out,
		        "  %6" PRIu64 " events  %u hosts  blocked %" PRIu64 "  audit %" PRIu64
		        "  transfer %s  ",
		        d->events, d->hosts, d->decisions[DECISION_VIEW_BLOCK],
		        d->decisions[DECISION_VIEW_AUDIT_BLOCK], b);
		put_esc(out, d->key);
		fputs(" ", out);
		put_esc(out, d->product);
		fputc('\n', out);
	}
	fprintf(out, "\nTop users:%s\n", res->n_users ? "" : " none");
	for (size_t i = 0; i < res->n_users && i < TOP_ROWS; i++) {
		const struct report_user *u = &res->users[i];
		fmt_bytes(u->transfer_bytes, b);
		fprintf(out, "  %6" PRIu64 " events  %u hosts  blocked %" PRIu64 "  transfer %s  ",
		        u->events, u->hosts, u->decisions[DECISION_VIEW_BLOCK], b);
		put_esc(out, u->user);
		fputc('\n', out);
	}
	text_table(out, res, "Tamper", &res->tamper);
	text_table(out, res, "Transfer alerts", &res->transfer_alerts);
	text_table(out, res, "Rejected or expired policies", &res->policy);
	return 0;
}

/* ---- HTML ---- */

void report_html_escape(FILE *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (*p >= 0x20 && *p < 0x7f && *p != '\\')
				fputc(*p, out);
			else
				fprintf(out, "\\x%c%c", hex[*p >> 4], hex[*p & 0xf]);
		}
	}
}

static void h_esc(FILE *out, const char *s)
{
	if (s)
		report_html_escape(out, s);
	else
		fputs("&mdash;", out);
}

static uint64_t nice_max(uint64_t v)
{
	uint64_t m = 1;
	if (v == 0)
		return 1;
	while (m * 10 <= v && m < UINT64_MAX / 10)
		m *= 10;
	for (uint64_t k = 1; k <= 10; k++)
		if (k * m >= v)
			return k * m;
	return v;
}

static void svg_axis(FILE *out, uint64_t max, bool bytes, int plot_w, int plot_h)
{
	for (int k = 0; k <= 4; k++) {
		int y = CHART_TOP + plot_h - plot_h * k / 4;
		uint64_t v = max / 4 * (uint64_t)k + (k == 4 ? max % 4 : 0);
		char label[32];
		if (bytes)
			fmt_bytes(v, label);
		else
			(void)snprintf(label, sizeof(label), "%" PRIu64, v);
		fprintf(out,
		        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>"
		        "<text x=\"%d\" y=\"%d\" class=\"yl\">%s</text>\n",
		        CHART_LEFT, y, CHART_LEFT + plot_w, y, CHART_LEFT - 6, y + 4, label);
	}
}

static void svg_day_labels(FILE *out, const struct report_result *res, double bar)
{
	size_t n = res->n_days, step = n > 8 ? (n + 7) / 8 : 1;
	for (size_t i = 0; i < n; i += step) {
		char day[16];
		fmt_day(res->days[i].day, day);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%s</text>\n",
		        CHART_LEFT + bar * (double)i + bar / 2, CHART_TOP + CHART_H + 16, day);
	}
}

static void chart_events(FILE *out, const struct report_result *res)
{
	int plot_w = CHART_W, plot_h = CHART_H;
	uint64_t max = 0;

	fprintf(out,
	        "<svg id=\"chart-events\" class=\"chart\" role=\"img\" "
	        "viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\"><title>Events per day by type</title>\n",
	        CHART_LEFT + CHART_W + 20, CHART_TOP + CHART_H + CHART_BOTTOM + 24,
	        CHART_LEFT + CHART_W + 20, CHART_TOP + CHART_H + CHART_BOTTOM + 24);
	for (size_t i = 0; i < res->n_days; i++) {
		uint64_t sum = 0;
		for (unsigned k = 0; k < CHART_SERIES; k++)
			sum += res->days[i].series[k];
		if (sum > max)
			max = sum;
	}
	max = nice_max(max);
	svg_axis(out, max, false, plot_w, plot_h);
	if (res->n_days == 0)
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"nodata\">no events</text>\n",
		        CHART_LEFT + plot_w / 2, CHART_TOP + plot_h / 2);
	double bar = res->n_days ? (double)plot_w / (double)res->n_days : 0;
	for (size_t i = 0; i < res->n_days; i++) {
		const struct report_day *d = &res->days[i];
		double y = CHART_TOP + plot_h;
		char day[16];
		fmt_day(d->day, day);
		for (unsigned k = 0; k < CHART_SERIES; k++) {
			if (!d->series[k])
				continue;
			double hgt = (double)plot_h * (double)d->series[k] / (double)max;
			y -= hgt;
			fprintf(out,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			        "fill=\"%s\"><title>%s %s: %" PRIu64 "</title></rect>\n",
			        CHART_LEFT + bar * (double)i + (bar > 3 ? 0.5 : 0), y,
			        bar > 3 ? bar - 1 : bar, hgt, series_color[k], day,
			        report_series_name(k), d->series[k]);
		}
	}
	svg_day_labels(out, res, bar);
	int lx = CHART_LEFT;
	for (unsigned k = 0; k < CHART_SERIES; k++) {
		fprintf(out,
		        "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		        "<text x=\"%d\" y=\"%d\" class=\"lg\">%s</text>\n",
		        lx, CHART_TOP + CHART_H + 28, series_color[k], lx + 14,
		        CHART_TOP + CHART_H + 37, report_series_name(k));
		lx += 14 + 6 * (int)strlen(report_series_name(k)) + 14;
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"lg\">(heartbeats not drawn)</text>\n", lx,
	        CHART_TOP + CHART_H + 37);
	fputs("</svg>\n", out);
}

static void chart_transfer(FILE *out, const struct report_result *res)
{
	int plot_w = CHART_W, plot_h = CHART_H / 2 + 40;
	uint64_t max = 0;

	fprintf(out,
	        "<svg id=\"chart-transfer\" class=\"chart\" role=\"img\" "
	        "viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\"><title>Transfer volume per day (to devices)</title>\n",
	        CHART_LEFT + CHART_W + 20, CHART_TOP + plot_h + 30, CHART_LEFT + CHART_W + 20,
	        CHART_TOP + plot_h + 30);
	for (size_t i = 0; i < res->n_days; i++)
		if (res->days[i].transfer_bytes > max)
			max = res->days[i].transfer_bytes;
	bool none = max == 0;
	max = nice_max(max);
	svg_axis(out, max, true, plot_w, plot_h);
	if (none)
		fprintf(out,
		        "<text x=\"%d\" y=\"%d\" class=\"nodata\">no transfer to allowed devices "
		        "recorded</text>\n",
		        CHART_LEFT + plot_w / 2, CHART_TOP + plot_h / 2);
	double bar = res->n_days ? (double)plot_w / (double)res->n_days : 0;
	for (size_t i = 0; i < res->n_days; i++) {
		const struct report_day *d = &res->days[i];
		char day[16], b[32];
		if (!d->transfer_bytes)
			continue;
		double hgt = (double)plot_h * (double)d->transfer_bytes / (double)max;
		fmt_day(d->day, day);
		fmt_bytes(d->transfer_bytes, b);
		fprintf(out,
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
		        "<title>%s: %s</title></rect>\n",
		        CHART_LEFT + bar * (double)i + (bar > 3 ? 0.5 : 0),
		        CHART_TOP + plot_h - hgt, bar > 3 ? bar - 1 : bar, hgt,
		        series_color[REPORT_SERIES_TRANSFER], day, b);
	}
	size_t n = res->n_days, step = n > 8 ? (n + 7) / 8 : 1;
	for (size_t i = 0; i < n; i += step) {
		char day[16];
		fmt_day(res->days[i].day, day);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%s</text>\n",
		        CHART_LEFT + bar * (double)i + bar / 2, CHART_TOP + plot_h + 16, day);
	}
	fputs("</svg>\n", out);
}

static int cmp_refusals(const void *a, const void *b)
{
	const struct report_host *x = *(const struct report_host *const *)a;
	const struct report_host *y = *(const struct report_host *const *)b;
	uint64_t rx = host_refusals(x), ry = host_refusals(y);
	if (rx != ry)
		return rx < ry ? 1 : -1;
	return strcmp(x->host, y->host);
}

static int chart_refusals(FILE *out, const struct report_result *res)
{
	const struct report_host **top = calloc(res->n_hosts ? res->n_hosts : 1, sizeof(*top));
	size_t n = 0;
	uint64_t max = 0;

	if (!top)
		return -ENOMEM;
	for (size_t i = 0; i < res->n_hosts; i++)
		if (host_shown(res, &res->hosts[i]) && host_refusals(&res->hosts[i]) > 0)
			top[n++] = &res->hosts[i];
	qsort(top, n, sizeof(*top), cmp_refusals);
	size_t shown = n < CHART_HOSTS ? n : CHART_HOSTS;
	int row = 18, left = 200, plot_w = CHART_W - 130;
	int height = CHART_TOP + (int)(shown ? shown : 1) * row + 50;
	fprintf(out,
	        "<svg id=\"chart-refusals\" class=\"chart\" role=\"img\" "
	        "viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\"><title>Refusals per host (blocked, and would block in "
	        "audit)</title>\n",
	        left + plot_w + 80, height, left + plot_w + 80, height);
	if (shown == 0)
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"nodata\">no refusals</text>\n",
		        left + plot_w / 2, CHART_TOP + 10);
	if (shown)
		max = host_refusals(top[0]);
	for (size_t i = 0; i < shown; i++) {
		const struct report_host *h = top[i];
		int y = CHART_TOP + (int)i * row;
		double wb =
		    (double)plot_w * (double)h->decisions[DECISION_VIEW_BLOCK] / (double)max;
		double wa =
		    (double)plot_w * (double)h->decisions[DECISION_VIEW_AUDIT_BLOCK] / (double)max;
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"yl\">", left - 6, y + 12);
		report_html_escape(out, h->host);
		fprintf(out,
		        "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
		        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
		        "<text x=\"%.1f\" y=\"%d\" class=\"lg\">%" PRIu64 "</text>\n",
		        left, y + 2, wb, row - 4, series_color[REPORT_SERIES_BLOCK], left + wb,
		        y + 2, wa, row - 4, series_color[REPORT_SERIES_AUDIT_BLOCK],
		        left + wb + wa + 4, y + 13, host_refusals(h));
	}
	int ly = CHART_TOP + (int)(shown ? shown : 1) * row + 20;
	fprintf(out,
	        "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" "
	        "y=\"%d\" class=\"lg\">blocked</text><rect x=\"%d\" y=\"%d\" width=\"10\" "
	        "height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"lg\">would block "
	        "(audit)</text>",
	        left, ly, series_color[REPORT_SERIES_BLOCK], left + 14, ly + 9, left + 90, ly,
	        series_color[REPORT_SERIES_AUDIT_BLOCK], left + 104, ly + 9);
	if (n > shown)
		fprintf(out,
		        "<text x=\"%d\" y=\"%d\" class=\"lg\">(%zu more hosts with refusals in "
		        "the table)</text>",
		        left + 300, ly + 9, n - shown);
	fputs("</svg>\n", out);
	free(top);
	return 0;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
    "'unsafe-inline'; img-src data:\">\n"
    "<title>Portcullis fleet report</title>\n<style>\n"
    "body{font-family:sans-serif;margin:24px;color:#212121;max-width:1200px}\n"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}\n"
    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td:first-child,td.t{white-space:nowrap}\n"
    ".bad{color:#b71c1c;font-weight:bold}.ok{color:#2e7d32}.warn{color:#e65100}\n"
    ".cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;"
    "padding:8px 14px;min-width:120px}.card b{display:block;font-size:22px}\n"
    ".chart text{font-family:sans-serif;font-size:11px;fill:#424242}\n"
    ".chart .yl{text-anchor:end}.chart .xl{text-anchor:middle}.chart .nodata{text-anchor:middle;"
    "font-size:14px;fill:#9e9e9e}.chart .grid{stroke:#e0e0e0}\n"
    "code{font-size:12px}\n</style></head><body>\n";

static void h_card(FILE *out, const char *label, uint64_t v, bool bad)
{
	fprintf(out, "<div class=\"card\"><b class=\"%s\">%" PRIu64 "</b>%s</div>\n",
	        bad && v ? "bad" : "", v, label);
}

static void h_table_rows(FILE *out, const struct report_result *res, const char *id,
                         const char *title, const struct report_table *t, bool bytes)
{
	fprintf(out,
	        "<h2>%s</h2>\n<table id=\"%s\"><thead><tr><th>time (UTC)</th><th>host</th>"
	        "<th>seq</th><th>type</th><th>device</th><th>user</th>%s<th>message</th>"
	        "</tr></thead><tbody>\n",
	        title, id, bytes ? "<th>to device</th>" : "");
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *row = &t->rows[i];
		char tm[RFC3339_MAX], b[32];
		fmt_time_short(row->time, tm);
		fprintf(out, "<tr><td>%s</td><td>", tm);
		h_esc(out, res->hosts[row->host].host);
		fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td>%s</td><td>", row->seq,
		        row->type);
		h_esc(out, row->device);
		fputs("</td><td>", out);
		h_esc(out, row->user);
		if (bytes) {
			fmt_bytes(row->bytes, b);
			fprintf(out, "</td><td class=\"n\">%s", b);
		}
		fputs("</td><td>", out);
		h_esc(out, row->message);
		fputs("</td></tr>\n", out);
	}
	if (t->n == 0)
		fprintf(out, "<tr><td colspan=\"%d\">none</td></tr>\n", bytes ? 8 : 7);
	fputs("</tbody></table>\n", out);
	if (t->omitted)
		fprintf(out, "<p>and %zu more (the report keeps the first %u)</p>\n", t->omitted,
		        REPORT_MAX_ROWS);
}

static void h_decision_cells(FILE *out, const uint64_t d[_DECISION_VIEW_MAX])
{
	for (unsigned k = 0; k < _DECISION_VIEW_MAX; k++)
		fprintf(out, "<td class=\"n\">%" PRIu64 "</td>", d[k]);
}

static void h_decision_heads(FILE *out)
{
	for (unsigned k = 0; k < _DECISION_VIEW_MAX; k++)
		fprintf(out, "<th>%s</th>", decision_view_words(k, false));
}

static int render_html(const struct report_result *res, FILE *out)
{
	const struct report_filter *f = res->filter;
	char t1[RFC3339_MAX], t2[RFC3339_MAX], b[32];
	uint64_t shown = 0, silent = 0, bad = 0, tamper = 0, bytes = 0, alerts = 0, expired = 0;
	int r;

	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h))
			continue;
		shown++;
		silent += report_host_silent(res, h);
		bad += h->integrity != REPORT_INTEGRITY_OK;
		tamper += h->tamper;
		bytes += h->transfer_bytes;
		alerts += h->transfer_alerts;
		expired += h->policy_expired || report_host_policy_old(res, h);
	}
	fputs(html_head, out);
	fmt_time_short(res->newest, t1);
	fprintf(out,
	        "<h1>Portcullis fleet report</h1>\n<p>%" PRIu64 " hosts, %" PRIu64
	        " records read, %" PRIu64 " events after filters; newest record %s UTC.",
	        shown, res->records, res->events, res->newest ? t1 : "&mdash;");
	if (f->have_since || f->have_until || f->host || f->user || f->device) {
		fputs(" Filters:", out);
		if (f->have_since) {
			fmt_time(f->since, t2);
			fprintf(out, " since %s", t2);
		}
		if (f->have_until) {
			fmt_time(f->until, t2);
			fprintf(out, " until %s", t2);
		}
		if (f->host) {
			fputs(" host ", out);
			h_esc(out, f->host);
		}
		if (f->user) {
			fputs(" user ", out);
			h_esc(out, f->user);
		}
		if (f->device) {
			fputs(" device ", out);
			h_esc(out, f->device);
		}
		fputc('.', out);
	}
	fputs("</p>\n<div class=\"cards\">\n", out);
	h_card(out, "hosts", shown, false);
	h_card(out, "integrity not ok", bad, true);
	h_card(out, "silent hosts", silent, true);
	h_card(out, "tamper records", tamper, true);
	h_card(out, "transfer alerts", alerts, true);
	h_card(out, "old or expired policy", expired, true);
	fmt_bytes(bytes, b);
	fprintf(out, "<div class=\"card\"><b>%s</b>to allowed devices</div>\n</div>\n", b);

	fputs("<h2>Events per day by type</h2>\n", out);
	chart_events(out, res);
	fputs("<h2>Transfer volume per day</h2>\n", out);
	chart_transfer(out, res);
	fputs("<h2>Refusals per host</h2>\n", out);
	if ((r = chart_refusals(out, res)) < 0)
		return r;

	fputs("<h2>Hosts</h2>\n<table id=\"hosts\"><thead><tr><th>host</th><th>events</th>"
	      "<th>first (UTC)</th><th>last (UTC)</th>",
	      out);
	h_decision_heads(out);
	fputs("<th>tamper</th><th>to devices</th><th>policy</th><th>integrity</th><th>last "
	      "seen</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h))
			continue;
		fputs("<tr><td>", out);
		h_esc(out, h->host);
		fmt_time_short(h->first, t1);
		fmt_time_short(h->last, t2);
		fprintf(out,
		        "</td><td class=\"n\">%" PRIu64
		        "</td><td class=\"t\">%s</td><td class=\"t\">%s</td>",
		        h->events, h->events ? t1 : "&mdash;", h->events ? t2 : "&mdash;");
		h_decision_cells(out, h->decisions);
		fmt_bytes(h->transfer_bytes, b);
		fprintf(out, "<td class=\"n%s\">%" PRIu64 "</td><td class=\"n\">%s</td><td>",
		        h->tamper ? " bad" : "", h->tamper, b);
		if (h->have_policy) {
			fprintf(out, "%" PRId64 " ", h->policy_serial);
			h_esc(out, h->policy_mode);
			if (h->policy_expired)
				fputs(" <span class=\"bad\">expired</span>", out);
			else if (report_host_policy_old(res, h))
				fputs(" <span class=\"warn\">old</span>", out);
		} else
			fputs("&mdash;", out);
		fmt_time_short(h->last_seen, t1);
		fprintf(out, "</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td></tr>\n",
		        h->integrity == REPORT_INTEGRITY_OK ? "ok" : "bad",
		        report_integrity_word(h->integrity),
		        report_host_silent(res, h) ? "bad" : "", h->last_seen ? t1 : "&mdash;");
	}
	fputs("</tbody></table>\n", out);
	if (res->hosts_omitted)
		fprintf(out, "<p class=\"bad\">%" PRIu64 " sources not read (cap %u hosts)</p>\n",
		        res->hosts_omitted, REPORT_MAX_HOSTS);

	fputs("<h2>Integrity per host</h2>\n<p>ok = the hash chain is unbroken and no sequence "
	      "number is missing (ranges an <code>events_lost</code> record names count as "
	      "accounted for).</p>\n<table id=\"integrity\"><thead><tr><th>host</th><th>integrity"
	      "</th><th>seq</th><th>records</th><th>duplicates</th><th>lost (declared)</th>"
	      "<th>details</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h))
			continue;
		fputs("<tr><td>", out);
		h_esc(out, h->host);
		fprintf(out,
		        "</td><td class=\"%s\">%s</td><td>%" PRIu64 "..%" PRIu64
		        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
		        "</td><td class=\"n\">%" PRIu64 "</td><td>",
		        h->integrity == REPORT_INTEGRITY_OK ? "ok" : "bad",
		        report_integrity_word(h->integrity), h->first_seq, h->last_seq, h->records,
		        h->duplicates, h->lost);
		if (h->integrity != REPORT_INTEGRITY_OK)
			h_esc(out, h->details);
		if (h->other_host)
			fputs(" (records name more than one host)", out);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);

	fprintf(out,
	        "<h2>Silent hosts</h2>\n<p>No record for more than two heartbeat intervals "
	        "before the newest record in the data (%s UTC).</p>\n<table id=\"silent\">"
	        "<thead><tr><th>host</th><th>last record (UTC)</th><th>its type</th>"
	        "<th>heartbeat interval</th></tr></thead><tbody>\n",
	        res->newest ? (fmt_time_short(res->newest, t1), t1) : "&mdash;");
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h) || !report_host_silent(res, h))
			continue;
		fputs("<tr><td>", out);
		h_esc(out, h->host);
		fmt_time_short(h->last_seen, t1);
		fprintf(out, "</td><td>%s</td><td>%s</td><td class=\"n\">%" PRIu64 " s</td></tr>\n",
		        h->last_seen ? t1 : "&mdash;", h->last_type[0] ? h->last_type : "&mdash;",
		        report_host_heartbeat_sec(res, h));
	}
	if (!silent)
		fputs("<tr><td colspan=\"4\">none</td></tr>\n", out);
	fputs("</tbody></table>\n", out);

	fputs("<h2>Top devices</h2>\n<table id=\"devices\"><thead><tr><th>VID:PID</th>"
	      "<th>serial</th><th>manufacturer</th><th>product</th><th>events</th><th>hosts</th>",
	      out);
	h_decision_heads(out);
	fputs("<th>to device</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < res->n_devices && i < TOP_ROWS; i++) {
		const struct report_device *d = &res->devices[i];
		fputs("<tr><td>", out);
		h_esc(out, d->vendor_id);
		fputc(':', out);
		h_esc(out, d->product_id);
		fputs("</td><td>", out);
		h_esc(out, d->serial);
		fputs("</td><td>", out);
		h_esc(out, d->manufacturer);
		fputs("</td><td>", out);
		h_esc(out, d->product);
		fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%u</td>",
		        d->events, d->hosts);
		h_decision_cells(out, d->decisions);
		fmt_bytes(d->transfer_bytes, b);
		fprintf(out, "<td class=\"n\">%s</td></tr>\n", b);
	}
	if (!res->n_devices)
		fputs("<tr><td colspan=\"12\">none</td></tr>\n", out);
	fputs("</tbody></table>\n", out);
	if (res->n_devices > TOP_ROWS || res->devices_omitted)
		fprintf(out, "<p>%zu devices in all (first %u shown)%s.</p>\n", res->n_devices,
		        TOP_ROWS, res->devices_omitted ? "; more than the table holds" : "");

	fputs("<h2>Top users</h2>\n<table id=\"users\"><thead><tr><th>user</th><th>events</th>"
	      "<th>hosts</th>",
	      out);
	h_decision_heads(out);
	fputs("<th>to devices</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < res->n_users && i < TOP_ROWS; i++) {
		const struct report_user *u = &res->users[i];
		fputs("<tr><td>", out);
		h_esc(out, u->user);
		fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%u</td>",
		        u->events, u->hosts);
		h_decision_cells(out, u->decisions);
		fmt_bytes(u->transfer_bytes, b);
		fprintf(out, "<td class=\"n\">%s</td></tr>\n", b);
	}
	if (!res->n_users)
		fputs("<tr><td colspan=\"9\">none</td></tr>\n", out);
	fputs("</tbody></table>\n", out);

	h_table_rows(out, res, "tamper", "Tamper", &res->tamper, false);
	h_table_rows(out, res, "transfer-alerts", "Transfer alerts", &res->transfer_alerts, true);
	h_table_rows(out, res, "policies", "Rejected or expired policies", &res->policy, false);

	fputs("<h2>Old or expired policies</h2>\n<table id=\"policy-hosts\"><thead><tr><th>host"
	      "</th><th>serial</th><th>name</th><th>mode</th><th>state</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct report_host *h = &res->hosts[i];
		if (!host_shown(res, h) || !(h->policy_expired || report_host_policy_old(res, h)))
			continue;
		fputs("<tr><td>", out);
		h_esc(out, h->host);
		fprintf(out, "</td><td class=\"n\">%" PRId64 "</td><td>", h->policy_serial);
		h_esc(out, h->policy_name);
		fputs("</td><td>", out);
		h_esc(out, h->policy_mode);
		fprintf(out, "</td><td class=\"bad\">%s</td></tr>\n",
		        h->policy_expired ? "expired (still enforced)" : "older than the newest");
	}
	if (!expired)
		fputs("<tr><td colspan=\"5\">none</td></tr>\n", out);
	fputs("</tbody></table>\n", out);
	fprintf(out, "<p>Newest policy serial in the fleet: %" PRId64 ".</p>\n",
	        res->max_policy_serial);
	fputs("<p>Made by <code>portcullis report</code>. Strings from the logs are shown escaped: "
	      "bytes that are not printable ASCII appear as <code>\\xNN</code>.</p>\n</body>"
	      "</html>\n",
	      out);
	return 0;
}

int report_render(const struct report_result *res, enum report_format format, FILE *out)
{
	int r;
	switch (format) {
	case REPORT_FORMAT_HTML:
		r = render_html(res, out);
		break;
	case REPORT_FORMAT_JSON:
		r = render_json(res, out);
		break;
	case REPORT_FORMAT_TEXT:
		r = render_text(res, out);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
