/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy language: load (libconfig text → struct policy), the built-in default, and pure
 * evaluation of a classified device. See docs/policy.md and portcullis-policy(5).
 *
 * Rules are tried in order; the first rule that matches an interface decides it. A device-scope
 * rule decides every interface of a device it matches. An interface no rule matches gets the
 * policy's default action.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/device/usb_device.h"

enum policy_action {
	POLICY_ACTION_BLOCK = 0, /* zero value is the safe one */
	POLICY_ACTION_ALLOW,
	POLICY_ACTION_LOG,       /* allowed, and marked noteworthy */
	POLICY_ACTION_READ_ONLY, /* mass storage: allowed, every block device of it set read-only */
};

/* What crossing a copy limit does (transfer_alert's "action"). */
enum transfer_limit_action {
	TRANSFER_LIMIT_ALERT = 0, /* a transfer_alert event */
	TRANSFER_LIMIT_BLOCK,     /* that, and the device is deauthorized at once */
};

/*
 * A copy limit (transfer_alert = { bytes = "500M"; files = 1000; window_sec = 600;
 * action = "alert"; }): bytes or files to the device within a sliding window.
 */
struct transfer_limit {
	uint64_t bytes;      /* 0 = no byte limit */
	uint32_t files;      /* 0 = no file limit */
	uint32_t window_sec; /* > 0 */
	enum transfer_limit_action action;
	int line; /* where it was written, for messages */
};

enum policy_mode {
	POLICY_MODE_ENFORCE = 0,
	POLICY_MODE_AUDIT, /* evaluate and report, block nothing */
};

/* Overall result for a device. */
enum device_verdict {
	DEVICE_VERDICT_BLOCK = 0, /* no interface allowed */
	DEVICE_VERDICT_ALLOW,     /* every interface allowed */
	DEVICE_VERDICT_PARTIAL,   /* some allowed, some blocked */
};

struct policy; /* opaque; immutable after load, safe to share read-only */

struct iface_decision {
	enum policy_action action;
	int rule_index; /* index into the policy's rules, -1 = default action or a safety rule */
	const char *rule_id; /* borrowed from the policy (or a static name); valid while it lives */
};

struct decision {
	enum device_verdict verdict;
	/* The earliest end (rule not_after, Unix seconds) of the time-boxed rules that decided an
	 * interface: the decision may change after it. INT64_MAX when no such rule decided. */
	int64_t until;
	/* Whether the device itself is to be authorized (configured): any interface allowed, or a
	 * charge-only device (a phone: configured so it charges, every data interface blocked). */
	bool authorize_device;
	bool charge_only;
	bool noteworthy;     /* a "log" rule matched */
	const char *rule_id; /* device-level rule: device-scope match or the rule shared by all
	                        interfaces; NULL when interfaces were decided by different rules */
	const char *reason;  /* static text for a safety decision (e.g. "descriptors malformed"),
	                        else NULL */
	const char *reason_detail; /* static detail for reason (e.g. the descriptor parser's
	                              reason), else NULL; decision_format_reason() joins them */
	uint16_t n_ifaces;         /* == dev->n_ifaces */
	struct iface_decision ifaces[USB_MAX_IFACES];
};

/* Where and why a policy was rejected. */
struct policy_error {
	int line;         /* 1-based, 0 when not tied to a line */
	char reason[256]; /* e.g. "rule 'phones': unknown key 'vendor'" */
};

/*
 * Parses policy text. buf need not be NUL-terminated; len is capped at PORTCULLIS_POLICY_MAX_BYTES.
 * Rejects NUL bytes, "@include", syntax errors, unknown keys, wrong types, out-of-range integers
 * and duplicate rule ids. filename is used in messages only (may be NULL).
 * Returns 0 and sets *ret_policy (caller owns it; free with policy_free()), or a negative errno
 * (-EBADMSG malformed, -EFBIG too large, -ENOMEM) and fills *reterr.
 */
int policy_load_from_bytes(const char *buf, size_t len, const char *filename,
                           struct policy **ret_policy, struct policy_error *reterr);

/* The compiled-in default-deny policy. Caller owns it; free with policy_free(). NULL on ENOMEM. */
struct policy *policy_builtin_default(void);

/*
 * Policies are immutable and reference counted: policy_ref() returns another reference to the same
 * policy (so the policy in force can be kept as the fallback); policy_free() drops one reference
 * and frees on the last. NULL-safe; returns NULL.
 */
struct policy *policy_ref(const struct policy *p);
struct policy *policy_free(struct policy *p);

/*
 * Where and when a device is evaluated: a rule with its own not_before/not_after or hosts only
 * matches inside its window and on the hosts it names. The caller reads the clock and the host
 * name; evaluation stays pure.
 */
struct policy_env {
	int64_t now;            /* Unix seconds, UTC */
	const char *hostname;   /* this host's name; NULL or "" when unknown */
	const char *machine_id; /* /etc/machine-id contents; NULL when unknown */
};

/*
 * Evaluates a classified device (classify_device() done) at env. Pure, does not fail: a device
 * whose descriptors did not parse, or with more interfaces than can be decided, is blocked and
 * ret->reason says why. env NULL: time and host unknown, so no rule with a window or a hosts
 * list matches.
 */
void policy_evaluate(const struct policy *p, const struct usb_device_info *dev,
                     const struct policy_env *env, struct decision *ret);

/*
 * Whether a hosts list names this host: an entry "machine-id:<32 hex>" equal to machine_id
 * (case-insensitive, surrounding whitespace ignored) or a hostname glob matching hostname
 * (fnmatch, case-insensitive). An empty list names every host.
 */
bool policy_hosts_match(const char *const *hosts, size_t n, const char *hostname,
                        const char *machine_id);

/* Rule i's own window and hosts (INT64_MIN / INT64_MAX / 0 when it has none). */
int64_t policy_rule_not_before(const struct policy *p, size_t i);
int64_t policy_rule_not_after(const struct policy *p, size_t i);
size_t policy_rule_n_hosts(const struct policy *p, size_t i);
const char *policy_rule_host(const struct policy *p, size_t i, size_t k);
/* Whether rule i may match at env (its window holds now and its hosts name the host). */
bool policy_rule_active(const struct policy *p, size_t i, const struct policy_env *env);
/* The first time after now at which a rule's window opens or closes (decisions may change
 * then), INT64_MAX when none. */
int64_t policy_next_change(const struct policy *p, int64_t now);

/* Accessors. Strings are borrowed from the policy. */
uint64_t policy_serial(const struct policy *p);
enum policy_mode policy_mode(const struct policy *p);
const char *policy_name(const struct policy *p);   /* "built-in default" or the file name */
const char *policy_key_id(const struct policy *p); /* signing key id, NULL if none */
int64_t policy_not_before(const struct policy *p); /* Unix seconds, INT64_MIN if unset */
int64_t policy_not_after(const struct policy *p);  /* Unix seconds, INT64_MAX if unset */
size_t policy_n_hosts(const struct policy *p);
const char *policy_host(const struct policy *p, size_t i); /* hostname glob or machine-id */
size_t policy_n_rules(const struct policy *p);
const char *policy_rule_id(const struct policy *p, size_t i);
const char *policy_rule_comment(const struct policy *p, size_t i);
int policy_rule_line(const struct policy *p, size_t i);
const uint8_t *policy_sha256(const struct policy *p); /* of the exact bytes loaded (32 bytes) */

const char *
policy_action_to_string(enum policy_action a); /* "allow" | "block" | "log" | "read-only" */
const char *transfer_limit_action_to_string(enum transfer_limit_action a); /* "alert" | "block" */
const char *policy_mode_to_string(enum policy_mode m);                     /* "enforce" | "audit" */
const char *device_verdict_to_string(enum device_verdict v); /* "allow" | "block" | "partial" */

/* The inverse of the *_to_string() helpers: the value (>= 0), or -EINVAL. */
int policy_action_from_string(const char *s);
int transfer_limit_action_from_string(const char *s);
int policy_mode_from_string(const char *s);
int device_verdict_from_string(const char *s);

/* The text of the built-in default policy (what policy_builtin_default() parses). */
extern const char policy_builtin_text[];

/*
 * Offline exceptions (exceptions = { max_minutes; kinds; }): the longest an exception code may
 * allow a device (0: exceptions are off, the default) and the interface kinds it may allow.
 */
uint32_t policy_exceptions_max_minutes(const struct policy *p);
usb_kind_mask policy_exceptions_kinds(const struct policy *p);

/* The "ask IT" contact shown in the operator's notice (contact = { name; phone; url; }). */
enum policy_contact_field {
	POLICY_CONTACT_NAME = 0,
	POLICY_CONTACT_PHONE,
	POLICY_CONTACT_URL,
};
const char *policy_contact(const struct policy *p, enum policy_contact_field f); /* or NULL */

enum policy_action policy_default_action(const struct policy *p);
usb_kind_mask policy_charge_only(const struct policy *p); /* kinds that make a device charge-only */
/* charge_only_vendors: phone makers whose network-only devices (USB tethering) are charge-only. */
#define POLICY_MAX_CHARGE_ONLY_VENDORS 1024u
/* The charge_only_vendors list (borrowed, *ret_n entries, NULL when none). */
const uint16_t *policy_charge_only_vendors(const struct policy *p, size_t *ret_n);
enum policy_action policy_rule_action(const struct policy *p, size_t i);

/* A rule's transfer_alert, NULL when it has none. */
const struct transfer_limit *policy_rule_transfer_limit(const struct policy *p, size_t i);
/* The top-level transfer_alert (the default for every rule without one), NULL when none. */
const struct transfer_limit *policy_default_transfer_limit(const struct policy *p);
/*
 * The copy limit for a device decided as d: the transfer_alert of the rule that decided its first
 * allowed interface, if that rule has one, else the top-level one; NULL when none applies or no
 * interface is allowed. Pure.
 */
const struct transfer_limit *policy_transfer_limit(const struct policy *p,
                                                   const struct decision *d);

/* "8M or 1000 files in 600 s: block" into buf (always terminated when size > 0). Returns buf. */
char *transfer_limit_format(const struct transfer_limit *l, char *buf, size_t size);

/* The keys a rule can have ("action", "scope", "kind", ... "comment"); NULL-terminated. */
extern const char *const policy_rule_keys[];

/*
 * Rule i's value of key (one of policy_rule_keys) as text, from the loaded policy (the file is
 * not read again): integers 0x%04x, strings in double quotes with JSON escapes ('"', '\\' and
 * what strenc_unsafe() names), several values as [a, b], kinds in canonical order, times as
 * RFC 3339 strings, transfer_alert as transfer_limit_format() writes it, scope only when
 * "device". Writes what fits into buf (terminated when size > 0) and returns the whole length,
 * as snprintf() does; 0 when the rule does not have the key. Pure.
 */
size_t policy_rule_key_text(const struct policy *p, size_t i, const char *key, char *buf,
                            size_t size);
/* The same whole: in buf when it fits, else in *ret_big (malloc'd, caller frees; a long serial
 * list). Returns the text, or NULL when out of memory. */
const char *policy_rule_key_str(const struct policy *p, size_t i, const char *key, char *buf,
                                size_t size, char **ret_big);

/*
 * "500M" → 524288000: decimal digits and an optional K, M, G or T (binary multiples: 1K = 1024),
 * nothing else. Returns 0, -EINVAL (syntax) or -ERANGE (0 or more than 1 PiB).
 */
int policy_parse_size(const char *s, uint64_t *ret);

/*
 * Lint: index of an earlier rule that matches everything rule i could match (today: an earlier
 * rule without match keys), so rule i can never decide anything; -1 when none is known.
 */
int policy_rule_shadowed_by(const struct policy *p, size_t i);

/*
 * "reason" or "reason: reason_detail" into buf (always NUL-terminated when size > 0); "" when the
 * decision has no reason. Returns buf.
 */
char *decision_format_reason(const struct decision *d, char *buf, size_t size);
