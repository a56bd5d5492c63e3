/* SPDX-License-Identifier: GPL-2.0-or-later */
/* <run_dir>/last-refusal, refusals and status (see status.h). This file uses _cleanup_ only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/daemon/status.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/rfc3339.h"
#include "policy/base/strenc.h"

/* JSON string body in the one encoding of device strings (policy/base/strenc.h). */
static void json_escape(FILE *f, const char *s)
{
	size_t n = strlen(s);
	_cleanup_(freep) char *buf = malloc(STRENC_MAX(n));

	if (!buf) {
		fputs("(out of memory)", f); /* the writer's fclose() check still sees the stream */
		return;
	}
	(void)strenc_json(buf, s, n);
	fputs(buf, f);
}

void status_refusal_reason(const struct usb_device_info *dev, const struct decision *dec, char *buf,
                           size_t size)
{
	usb_kind_mask blocked = 0;
	size_t off = 0;
	int n;

	if (!size)
		return;
	buf[0] = '\0';
	for (uint16_t i = 0; i < dec->n_ifaces && i < dev->n_ifaces; i++)
		if (dec->ifaces[i].action == POLICY_ACTION_BLOCK)
			blocked |= dev->ifaces[i].kinds ? USB_KIND_BIT(dev->ifaces[i].kind) : 0;
	if (dec->reason) {
		(void)snprintf(buf, size, "%s", dec->reason);
		return;
	}
	for (int k = 0; k < _USB_KIND_MAX && off < size; k++) {
		if (!(blocked & USB_KIND_BIT(k)))
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? ", " : "",
		             usb_kind_to_string((enum usb_kind)k));
		if (n < 0)
			return;
		off += (size_t)n;
	}
	if (off >= size)
		return;
	n = snprintf(buf + off, size - off, "%s%s", off ? " blocked" : "device blocked",
	             dec->charge_only ? " (charging only)" : "");
	if (n < 0 || (off += (size_t)n) >= size)
		return;
	if (dec->rule_id)
		(void)snprintf(buf + off, size - off, " by rule '%s'", dec->rule_id);
	else
		(void)snprintf(buf + off, size - off, " by the policy");
}

static void rfc3339(int64_t secs, char buf[static RFC3339_MAX])
{
	(void)rfc3339_format_sec(secs, buf); /* "@<seconds>" outside years 0..9999 */
}

/* Replaces dir/name atomically (write_file_atomic(), mode 0644: readable by operators despite
 * UMask=0077) with what fill() writes. */
static int write_atomic(const char *dir, const char *name, void (*fill)(FILE *f, const void *u),
                        const void *userdata)
{
	_cleanup_(freep) char *data = NULL;
	char path[PATH_MAX];
	size_t len = 0;
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = open_memstream(&data, &len);
	if (!f)
		return negative_errno();
	fill(f, userdata);
	if (fclose(f) != 0)
		return -ENOMEM;
	return write_file_atomic(NULL, AT_FDCWD, path, data, len, 0644, 0);
}

void status_format_refusal(FILE *f, const struct usb_device_info *dev, const struct decision *dec,
                           int64_t now, const char *contact)
{
	char id[10], reason[512], when[32];

	usb_device_format_id(dev, id);
	status_refusal_reason(dev, dec, reason, sizeof(reason));
	rfc3339(now, when);
	fprintf(f, "{\"time\":\"%s\",\"device\":\"", when);
	json_escape(f, dev->busid);
	fprintf(f, "\",\"id\":\"%s\",\"manufacturer\":\"", id);
	json_escape(f, dev->has_manufacturer ? dev->manufacturer : "");
	fputs("\",\"product\":\"", f);
	json_escape(f, dev->has_product ? dev->product : "");
	fprintf(f, "\",\"verdict\":\"%s\",\"reason\":\"", device_verdict_to_string(dec->verdict));
	json_escape(f, reason);
	if (contact && *contact) {
		fputs("\",\"contact\":\"", f);
		json_escape(f, contact);
	}
	fputs("\"}\n", f);
}

void status_contact_text(const struct policy *p, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (int k = POLICY_CONTACT_NAME; p && k <= POLICY_CONTACT_URL; k++) {
		const char *s = policy_contact(p, (enum policy_contact_field)k);
		if (s && o < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", s);
	}
}

struct refusal_args {
	const struct usb_device_info *dev;
	const struct decision *dec;
	int64_t now;
	const char *contact; /* the policy's "ask IT" contact, may be NULL */
	const char *keep;    /* older records to keep (whole lines), may be NULL */
	size_t keep_len;
};

static void fill_last_refusal(FILE *f, const void *u)
{
	const struct refusal_args *a = u;

	status_format_refusal(f, a->dev, a->dec, a->now, a->contact);
}

static void fill_refusals(FILE *f, const void *u)
{
	const struct refusal_args *a = u;

	if (a->keep_len)
		(void)fwrite(a->keep, 1, a->keep_len, f); /* errors show in ferror() */
	status_format_refusal(f, a->dev, a->dec, a->now, a->contact);
}

/*
 * Reads dir/refusals (ours; never through a link, regular files only) into *ret_buf and returns
 * its length. A missing, unusable or oversized file counts as empty: the list starts afresh.
 */
static size_t read_refusals(const char *dir, char **ret_buf)
{
	char path[PATH_MAX];
	_cleanup_(closep) int fd = -1;
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int n;

	*ret_buf = NULL;
	n = snprintf(path, sizeof(path), "%s/refusals", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)STATUS_REFUSALS_MAX_BYTES)
		return 0;
	buf = malloc(STATUS_REFUSALS_MAX_BYTES);
	if (!buf)
		return 0;
	while (len < STATUS_REFUSALS_MAX_BYTES) {
		ssize_t r = read(fd, buf + len, STATUS_REFUSALS_MAX_BYTES - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 0;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*ret_buf = TAKE_PTR(buf);
	return len;
}

/* The newest max whole lines of buf[0..len): returns where they start. A torn last line goes. */
static size_t keep_newest_lines(const char *buf, size_t *len, unsigned max)
{
	size_t end = *len, start;
	unsigned lines = 0;

	while (end > 0 && buf[end - 1] != '\n')
		end--; /* an incomplete last line (not ours) */
	start = end;
	while (start > 0 && lines < max) {
		size_t i = start - 1; /* the '\n' ending the line before start */

		while (i > 0 && buf[i - 1] != '\n')
			i--;
		start = i;
		lines++;
	}
	*len = end - start;
	return start;
}

int status_write_last_refusal(const char *dir, const struct usb_device_info *dev,
                              const struct decision *dec, int64_t now)
{
	return status_write_last_refusal_contact(dir, dev, dec, now, NULL);
}

int status_write_last_refusal_contact(const char *dir, const struct usb_device_info *dev,
                                      const struct decision *dec, int64_t now, const char *contact)
{
	struct refusal_args args = { .dev = dev, .dec = dec, .now = now, .contact = contact };
	_cleanup_(freep) char *old = NULL;
	size_t len;
	int r, q;

	if (!dir || !dev || !dec)
		return -EINVAL;
	r = write_atomic(dir, "last-refusal", fill_last_refusal, &args);
	len = read_refusals(dir, &old);
	if (len) {
		size_t start = keep_newest_lines(old, &len, STATUS_MAX_REFUSALS - 1);

		args.keep = old + start;
		args.keep_len = len;
	}
	q = write_atomic(dir, "refusals", fill_refusals, &args);
	return r < 0 ? r : q;
}

void status_info_from_policy(const struct policy *p, const char *source, bool forced_audit,
                             int64_t pid, int64_t started, struct agent_status_info *ret)
{
	bool policy_audit = policy_mode(p) == POLICY_MODE_AUDIT;

	*ret = (struct agent_status_info){
		.pid = pid,
		.started = started,
		.name = policy_name(p),
		.serial = policy_serial(p),
		.key_id = policy_key_id(p),
		.sha256 = policy_sha256(p),
		.not_after = policy_not_after(p),
		.source = source,
		.audit = forced_audit || policy_audit,
		.mode_forced = forced_audit && !policy_audit,
	};
}

static void json_string_or_null(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	json_escape(f, s);
	fputc('"', f);
}

void status_format_agent(FILE *f, const struct agent_status_info *info)
{
	char when[32];

	rfc3339(info->started, when);
	fprintf(f, "{\"pid\":%lld,\"started\":\"%s\",\"policy\":{\"name\":", (long long)info->pid,
	        when);
	json_string_or_null(f, info->name ? info->name : "");
	fprintf(f, ",\"serial\":%llu,\"key_id\":", (unsigned long long)info->serial);
	json_string_or_null(f, info->key_id);
	fputs(",\"sha256\":", f);
	if (info->sha256) {
		fputc('"', f);
		for (size_t i = 0; i < 32; i++)
			fprintf(f, "%02x", info->sha256[i]);
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"not_after\":", f);
	if (info->not_after == INT64_MAX) {
		fputs("null", f);
	} else {
		rfc3339(info->not_after, when);
		fprintf(f, "\"%s\"", when);
	}
	fputs(",\"source\":", f);
	json_string_or_null(f, info->source ? info->source : "?");
	fprintf(f, "},\"mode\":\"%s\",\"mode_forced\":%s}\n", info->audit ? "audit" : "enforce",
	        info->mode_forced ? "true" : "false");
}

static void fill_status(FILE *f, const void *u)
{
	status_format_agent(f, u);
}

int status_write_agent(const char *dir, const struct agent_status_info *info)
{
	if (!dir || !info)
		return -EINVAL;
	return write_atomic(dir, "status", fill_status, info);
}
