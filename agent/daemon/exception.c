/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's offline exceptions, pure (see exception.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "agent/daemon/exception.h"

static const char exception_rule[] = "exception";

void exc_state_init(struct exc_state *s, const uint8_t key[static EXC_KEY_BYTES],
                    const char *machine_id)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->host_key, key, EXC_KEY_BYTES);
	exc_host_id(machine_id, s->host_id);
	s->have_key = true;
}

void exc_state_wipe(struct exc_state *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

static usb_kind_mask iface_kinds(const struct usb_iface_info *f)
{
	return f->kinds ? f->kinds : USB_KIND_BIT(USB_KIND_OTHER);
}

static void drop_pending(struct exc_state *s, unsigned i)
{
	memmove(&s->pending[i], &s->pending[i + 1], (s->n_pending - i - 1) * sizeof(s->pending[0]));
	s->n_pending--;
	memset(&s->pending[s->n_pending], 0, sizeof(s->pending[0]));
}

int exc_request(struct exc_state *s, const struct policy *p, const struct usb_device_info *dev,
                const struct decision *dec, unsigned minutes, int64_t now, uint32_t uid,
                const uint8_t nonce[static EXC_NONCE_BYTES],
                char ret_challenge[static EXC_CHALLENGE_TEXT], const char **ret_reason)
{
	uint32_t max = policy_exceptions_max_minutes(p);
	usb_kind_mask kinds = policy_exceptions_kinds(p);
	bool blocked = false, coverable = false;
	uint8_t digest[32];

	if (!s->have_key)
		return *ret_reason = "no exception key on this host", -ENOKEY;
	if (!max)
		return *ret_reason = "the policy in force does not allow exceptions", -EPERM;
	if (minutes < 1 || minutes > EXC_MINUTES_MAX)
		return *ret_reason = "minutes must be 1..10080", -EINVAL;
	if (minutes > max)
		return *ret_reason = "longer than the policy in force allows", -E2BIG;
	if (dev->desc_status < 0 || dev->is_root_hub)
		return *ret_reason = "this device can never be allowed (descriptors malformed)",
		       -EINVAL;
	for (uint16_t i = 0; i < dec->n_ifaces && i < dev->n_ifaces; i++) {
		if (dec->ifaces[i].action != POLICY_ACTION_BLOCK)
			continue;
		blocked = true;
		coverable |= (iface_kinds(&dev->ifaces[i]) & ~kinds) == 0;
	}
	if (!blocked)
		return *ret_reason = "the device is not blocked", -EALREADY;
	if (!coverable)
		return *ret_reason = "no blocked interface of a kind the policy's exceptions allow",
		       -EINVAL;

	exc_device_digest(dev, digest);
	/* stale requests go; a new request for the same device replaces its older one */
	for (unsigned i = 0; i < s->n_pending;)
		if (now - s->pending[i].created > EXC_REQUEST_TTL_SEC ||
		    !memcmp(s->pending[i].device, digest, 32))
			drop_pending(s, i);
		else
			i++;
	if (s->n_pending == EXC_MAX_PENDING)
		drop_pending(s, 0); /* the oldest */
	struct exc_pending *q = &s->pending[s->n_pending++];
	*q = (struct exc_pending){ .created = now, .uid = uid };
	memcpy(q->challenge.host_id, s->host_id, EXC_HOST_ID_BYTES);
	memcpy(q->challenge.nonce, nonce, EXC_NONCE_BYTES);
	memcpy(q->challenge.device, digest, EXC_DEVICE_BYTES);
	q->challenge.minutes = (uint16_t)minutes;
	memcpy(q->device, digest, 32);
	(void)snprintf(q->busid, sizeof(q->busid), "%s", dev->busid);
	exc_challenge_format(&q->challenge, ret_challenge);
	*ret_reason = NULL;
	return 0;
}

int exc_apply(struct exc_state *s, const struct policy *p, const char *code, int64_t now,
              unsigned minute_sec, uint32_t uid, struct exc_active *ret, const char **ret_reason)
{
	uint8_t mac[EXC_MAC_BYTES], want[EXC_MAC_BYTES];
	unsigned i, hit = s->n_pending;

	if (!s->have_key)
		return *ret_reason = "no exception key on this host", -ENOKEY;
	if (now < s->locked_until)
		return *ret_reason = "too many wrong codes: locked for 15 minutes", -EBUSY;
	if (exc_code_parse(code, mac) < 0)
		return *ret_reason = "mistyped: not a code (check the symbols and read it again)",
		       -EBADMSG;
	/* every pending request is tried, so the time taken says nothing about which matched */
	for (i = 0; i < s->n_pending; i++) {
		exc_code_compute(s->host_key, &s->pending[i].challenge, want);
		if (exc_code_equal(mac, want) && hit == s->n_pending)
			hit = i;
	}
	OPENSSL_cleanse(want, sizeof(want));
	if (hit == s->n_pending) {
		if (++s->wrong >= EXC_WRONG_MAX) {
			s->wrong = 0;
			s->locked_until = now + EXC_LOCK_SEC;
		}
		return *ret_reason = "wrong code (no pending request of this host matches)",
		       -EACCES;
	}
	s->wrong = 0;

	struct exc_pending q = s->pending[hit];
	drop_pending(s, hit); /* a code works once, whatever happens next */
	if (now - q.created > EXC_REQUEST_TTL_SEC)
		return *ret_reason = "the request has expired (older than an hour): ask again",
		       -ETIMEDOUT;
	if (!policy_exceptions_max_minutes(p))
		return *ret_reason = "the policy in force does not allow exceptions", -EPERM;
	if (q.challenge.minutes > policy_exceptions_max_minutes(p))
		return *ret_reason = "longer than the policy in force allows", -E2BIG;

	unsigned slot = s->n_active;
	for (i = 0; i < s->n_active; i++)
		if (!memcmp(s->active[i].device, q.device, 32))
			slot = i; /* a new code for the same device replaces the old exception */
	if (slot == EXC_MAX_ACTIVE)
		return *ret_reason = "too many exceptions active on this host", -ENOSPC;
	struct exc_active *a = &s->active[slot];
	*a = (struct exc_active){ .minutes = q.challenge.minutes, .uid = uid };
	memcpy(a->device, q.device, 32);
	memcpy(a->busid, q.busid, sizeof(a->busid));
	exc_challenge_format(&q.challenge, a->challenge);
	exc_code_format(mac, a->code);
	a->until = now + (int64_t)q.challenge.minutes * (minute_sec ? minute_sec : 60);
	if (slot == s->n_active)
		s->n_active++;
	*ret = *a;
	*ret_reason = NULL;
	return 0;
}

const struct exc_active *exc_find_active(const struct exc_state *s, const uint8_t device[static 32],
                                         int64_t now)
{
	for (unsigned i = 0; i < s->n_active; i++)
		if (now <= s->active[i].until && !memcmp(s->active[i].device, device, 32))
			return &s->active[i];
	return NULL;
}

unsigned exc_expire(struct exc_state *s, int64_t now, struct exc_active *ret, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_active;) {
		if (now > s->active[i].until && n < max) {
			ret[n++] = s->active[i];
			memmove(&s->active[i], &s->active[i + 1],
			        (s->n_active - i - 1) * sizeof(s->active[0]));
			s->n_active--;
		} else
			i++;
	}
	return n;
}

int64_t exc_next_expiry(const struct exc_state *s)
{
	int64_t next = INT64_MAX;

	for (unsigned i = 0; i < s->n_active; i++)
		if (s->active[i].until < INT64_MAX && s->active[i].until + 1 < next)
			next = s->active[i].until + 1;
	return next;
}

void exc_apply_to_decision(struct decision *d, const struct usb_device_info *dev,
                           usb_kind_mask kinds, int64_t until)
{
	unsigned allowed = 0;
	bool changed = false;

	if (dev->desc_status < 0)
		return; /* safety decisions stand */
	for (uint16_t i = 0; i < d->n_ifaces && i < dev->n_ifaces; i++) {
		struct iface_decision *f = &d->ifaces[i];
		if (f->action == POLICY_ACTION_BLOCK &&
		    (iface_kinds(&dev->ifaces[i]) & ~kinds) == 0) {
			*f = (struct iface_decision){ POLICY_ACTION_ALLOW, -1, exception_rule };
			changed = true;
		}
		allowed += f->action == POLICY_ACTION_ALLOW || f->action == POLICY_ACTION_LOG;
	}
	if (!changed)
		return;
	d->verdict = allowed == d->n_ifaces ? DEVICE_VERDICT_ALLOW
	             : allowed == 0         ? DEVICE_VERDICT_BLOCK
	                                    : DEVICE_VERDICT_PARTIAL;
	d->charge_only = d->charge_only && allowed == 0;
	d->authorize_device = allowed > 0 || d->charge_only;
	d->rule_id =
	    d->verdict == DEVICE_VERDICT_ALLOW && allowed == d->n_ifaces ? exception_rule : NULL;
	for (uint16_t i = 0; d->rule_id && i < d->n_ifaces; i++)
		if (strcmp(d->ifaces[i].rule_id, exception_rule))
			d->rule_id = NULL;
	if (until < d->until)
		d->until = until;
}

static bool word(const char **p, const char *end, char *out, size_t size, const char *allowed)
{
	size_t n = 0;

	while (*p < end && **p == ' ')
		(*p)++;
	while (*p < end && **p != ' ') {
		char ch = **p;
		if (!ch || !strchr(allowed, ch) || n + 1 >= size)
			return false;
		out[n++] = ch;
		(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

int exc_command_parse(const char *line, size_t len, struct exc_command *ret)
{
	static const char digits[] = "0123456789";
	static const char busid_chars[] = "0123456789.-";
	static const char code_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                 "abcdefghijklmnopqrstuvwxyz-";
	const char *p = line, *end = line + len;
	struct exc_command c = { 0 };
	char verb[16], num[8];

	if (!line || len > EXC_COMMAND_MAX || memchr(line, '\0', len))
		return -EBADMSG;
	if (!word(&p, end, verb, sizeof(verb), "abcdefghijklmnopqrstuvwxyz"))
		return -EBADMSG;
	if (!strcmp(verb, "request")) {
		c.type = EXC_CMD_REQUEST;
		if (!word(&p, end, c.busid, sizeof(c.busid), busid_chars) ||
		    !word(&p, end, num, sizeof(num), digits))
			return -EBADMSG;
		c.minutes = (unsigned)strtoul(num, NULL, 10);
		if (c.minutes < 1 || c.minutes > EXC_MINUTES_MAX)
			return -EBADMSG;
	} else if (!strcmp(verb, "apply")) {
		c.type = EXC_CMD_APPLY;
		/* the code may be typed with spaces: the rest of the line, spaces dropped */
		size_t n = 0;
		for (; p < end; p++) {
			if (*p == ' ')
				continue;
			if (!strchr(code_chars, *p) || n + 1 >= sizeof(c.code))
				return -EBADMSG;
			c.code[n++] = *p;
		}
		c.code[n] = '\0';
		if (!n)
			return -EBADMSG;
	} else
		return -EBADMSG;
	while (p < end && *p == ' ')
		p++;
	if (p != end)
		return -EBADMSG;
	*ret = c;
	return 0;
}
