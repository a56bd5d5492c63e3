/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where and when rules apply: host lists (the policy's and each rule's) and the time boxes of
 * rules. Pure: the caller passes the time and the host in struct policy_env.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "policy/lang/policy_internal.h"

/* Trims ASCII whitespace; returns the start and sets *n. */
static const char *trim(const char *s, size_t *n)
{
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	*n = len;
	return s;
}

bool policy_hosts_match(const char *const *hosts, size_t n, const char *hostname,
                        const char *machine_id)
{
	static const char mid_prefix[] = "machine-id:";

	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		const char *h = hosts[i];
		if (!h)
			continue;
		if (strncasecmp(h, mid_prefix, sizeof(mid_prefix) - 1) == 0) {
			size_t want_len, have_len;
			const char *want = trim(h + sizeof(mid_prefix) - 1, &want_len);
			const char *have;
			if (!machine_id)
				continue;
			have = trim(machine_id, &have_len);
			if (want_len == 32 && have_len == 32 && strncasecmp(want, have, 32) == 0)
				return true;
		} else if (hostname && *hostname && fnmatch(h, hostname, FNM_CASEFOLD) == 0) {
			return true;
		}
	}
	return false;
}

bool policy_rule_in_env(const struct policy_rule *r, const struct policy_env *env)
{
	if (!r->limited)
		return true;
	if (!env)
		return false; /* time and host unknown: a limited rule cannot be shown to apply */
	if (env->now < r->x->not_before || env->now > r->x->not_after)
		return false;
	return r->x->n_hosts == 0 ||
	       policy_hosts_match(r->x->hosts, r->x->n_hosts, env->hostname, env->machine_id);
}

bool policy_rule_active(const struct policy *p, size_t i, const struct policy_env *env)
{
	return i < p->n_rules && policy_rule_in_env(&p->rules[i], env);
}

int64_t policy_rule_not_before(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].x->not_before : INT64_MIN;
}

int64_t policy_rule_not_after(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].x->not_after : INT64_MAX;
}

size_t policy_rule_n_hosts(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].x->n_hosts : 0;
}

const char *policy_rule_host(const struct policy *p, size_t i, size_t k)
{
	return i < p->n_rules && k < p->rules[i].x->n_hosts ? p->rules[i].x->hosts[k] : NULL;
}

int64_t policy_next_change(const struct policy *p, int64_t now)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!r->limited)
			continue;
		if (r->x->not_before > now && r->x->not_before < next)
			next = r->x->not_before;
		/* the window holds through not_after; the rule stops matching a second later */
		if (r->x->not_after != INT64_MAX && r->x->not_after >= now &&
		    r->x->not_after + 1 < next)
			next = r->x->not_after + 1;
	}
	return next;
}
