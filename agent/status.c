/* SPDX-License-Identifier: GPL-2.0-or-later */
/* <run_dir>/last-refusal (see status.h). This file uses _cleanup_ only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/status.h"
#include "common/macro.h"

/* JSON string body: quotes, backslashes, controls and non-ASCII bytes become \u00XX. */
static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
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

static void unlinkp(char **p)
{
	if (*p)
		(void)unlink(*p); /* leftover temporary file; nothing else to do */
}

int status_write_last_refusal(const char *dir, const struct usb_device_info *dev,
                              const struct decision *dec, int64_t now)
{
	char tmp[PATH_MAX], final[PATH_MAX], id[10], reason[512], when[32];
	_cleanup_(unlinkp) char *cleanup_tmp = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	struct tm tm;
	time_t t = (time_t)now;
	int fd, n;

	if (!dir || !dev || !dec)
		return -EINVAL;
	n = snprintf(final, sizeof(final), "%s/last-refusal", dir);
	if (n < 0 || (size_t)n >= sizeof(final))
		return -ENAMETOOLONG;
	n = snprintf(tmp, sizeof(tmp), "%s/.last-refusal.tmp", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	cleanup_tmp = tmp;
	f = fdopen(fd, "w");
	if (!f) {
		int r = negative_errno();
		(void)close(fd); /* not written to yet */
		return r;
	}
	(void)fchmod(fd, 0644); /* readable by operators despite UMask=0077; best effort */
	usb_device_format_id(dev, id);
	status_refusal_reason(dev, dec, reason, sizeof(reason));
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		(void)snprintf(when, sizeof(when), "%lld", (long long)now);
	fprintf(f, "{\"time\":\"%s\",\"device\":\"", when);
	json_escape(f, dev->busid);
	fprintf(f, "\",\"id\":\"%s\",\"manufacturer\":\"", id);
	json_escape(f, dev->has_manufacturer ? dev->manufacturer : "");
	fputs("\",\"product\":\"", f);
	json_escape(f, dev->has_product ? dev->product : "");
	fprintf(f, "\",\"verdict\":\"%s\",\"reason\":\"", device_verdict_to_string(dec->verdict));
	json_escape(f, reason);
	fputs("\"}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return negative_errno();
	if (rename(tmp, final) < 0)
		return negative_errno();
	cleanup_tmp = NULL;
	return 0;
}
