/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of the policy enums, both ways. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/base/macro.h"
#include "policy/lang/policy.h"

static const char *const action_names[] = {
	[POLICY_ACTION_BLOCK] = "block",
	[POLICY_ACTION_ALLOW] = "allow",
	[POLICY_ACTION_LOG] = "log",
	[POLICY_ACTION_READ_ONLY] = "read-only",
};

static const char *const limit_action_names[] = {
	[TRANSFER_LIMIT_ALERT] = "alert",
	[TRANSFER_LIMIT_BLOCK] = "block",
};

static const char *const mode_names[] = {
	[POLICY_MODE_ENFORCE] = "enforce",
	[POLICY_MODE_AUDIT] = "audit",
};

static const char *const verdict_names[] = {
	[DEVICE_VERDICT_BLOCK] = "block",
	[DEVICE_VERDICT_ALLOW] = "allow",
	[DEVICE_VERDICT_PARTIAL] = "partial",
};

static int lookup(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -EINVAL;
}

const char *policy_action_to_string(enum policy_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : NULL;
}

const char *transfer_limit_action_to_string(enum transfer_limit_action a)
{
	return (unsigned)a < ARRAY_SIZE(limit_action_names) ? limit_action_names[a] : NULL;
}

int transfer_limit_action_from_string(const char *s)
{
	return lookup(limit_action_names, ARRAY_SIZE(limit_action_names), s);
}

const char *policy_mode_to_string(enum policy_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : NULL;
}

const char *device_verdict_to_string(enum device_verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : NULL;
}

int policy_action_from_string(const char *s)
{
	return lookup(action_names, ARRAY_SIZE(action_names), s);
}

int policy_mode_from_string(const char *s)
{
	return lookup(mode_names, ARRAY_SIZE(mode_names), s);
}

int device_verdict_from_string(const char *s)
{
	return lookup(verdict_names, ARRAY_SIZE(verdict_names), s);
}

char *decision_format_reason(const struct decision *d, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (!d || !d->reason)
		return buf;
	if (d->reason_detail)
		(void)snprintf(buf, size, "%s: %s", d->reason,
		               d->reason_detail); /* truncation ok */
	else
		(void)snprintf(buf, size, "%s", d->reason);
	return buf;
}

static void format_size(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	(void)snprintf(buf, size, "%llu%s", (unsigned long long)v,
	               u < 0 ? "" : (char[]){ units[u], '\0' });
}

char *transfer_limit_format(const struct transfer_limit *l, char *buf, size_t size)
{
	char b[32] = "";

	if (size == 0)
		return buf;
	if (!l) {
		(void)snprintf(buf, size, "(none)");
		return buf;
	}
	if (l->bytes)
		format_size(l->bytes, b, sizeof(b));
	(void)snprintf(buf, size, "%s%s%s%.0u%s in %u s: %s", l->bytes ? b : "",
	               l->bytes ? " bytes" : "", l->bytes && l->files ? " or " : "", l->files,
	               l->files ? " files" : "", l->window_sec,
	               transfer_limit_action_to_string(l->action));
	return buf;
}
