/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the policy library, shared by its files and by its unit tests and benchmark.
 * Not part of the API other areas use: they go through policy/policy.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/device/usb_kind.h"
#include "policy/lang/policy.h"

enum rule_scope {
	RULE_SCOPE_INTERFACE = 0,
	RULE_SCOPE_DEVICE,
};

/* "cc:ss:pp"; a part whose bit is set in any_mask is "*". */
struct class_pattern {
	uint8_t value[3];
	uint8_t any_mask;
};

/*
 * What few rules have (comment, transfer limit, hosts, time box, class, glob and hash keys), kept
 * out of line: a rule of a 100,000-device allow-list carries none of it. Lives in the policy's
 * arena; rules without any of it share policy_rule_no_extra.
 */
struct policy_rule_extra {
	const char *comment;                /* NULL when none */
	const struct transfer_limit *limit; /* transfer_alert; NULL when none (arena) */
	const char **hosts;                 /* the rule's own hosts (n_hosts of them) */
	struct class_pattern *classes;
	const char **manufacturers, **products, **ports; /* fnmatch(3) globs */
	uint8_t (*hashes)[32];
	/* Time box of the rule itself; outside it (or its hosts) the rule does not match. */
	int64_t not_before, not_after;
	uint32_t n_classes, n_manufacturers, n_products, n_ports, n_hashes, n_hosts;
};

/* The longest string a loaded policy holds (a rule's comment; every other is shorter). */
#define COMMENT_MAX 1024

/* The extra of a rule that has none: no keys, no window (INT64_MIN..INT64_MAX), no hosts. */
extern const struct policy_rule_extra policy_rule_no_extra;

/*
 * One rule, in the policy's rules[] array (one allocation for all rules). Every string and value
 * list it points to lives in the policy's arena, interned where values repeat: equal strings and
 * equal lists (the same vid list on 100,000 rules) are stored once. 64 bytes: the keys of a
 * device allow-list in line, the rest behind x.
 */
struct policy_rule {
	const char *id;
	/* Match keys; n_* == 0 means "key absent". All present keys must match (AND). */
	uint16_t *vids, *pids;
	const char **serials;
	const struct policy_rule_extra *x; /* never NULL */
	uint32_t n_vids, n_pids, n_serials;
	usb_kind_mask kinds;
	int line;
	uint8_t action; /* enum policy_action */
	uint8_t scope;  /* enum rule_scope */
	bool has_kinds;
	bool limited; /* not_before, not_after or hosts is set */
};

/* Index key types: rules are filed under their most selective device key. */
enum {
	INDEX_KEY_SERIAL = 1,
	INDEX_KEY_VID,
	INDEX_KEY_HASH,
};

/* 16 bytes: the key is borrowed from the rules (a serial string, a vendor id, a hash). */
struct policy_index_slot {
	const void *key;     /* NULL = empty slot */
	uint32_t first;      /* postings[first .. first + count) */
	uint32_t count_type; /* count << 2 | INDEX_KEY_* */
};

struct policy_index {
	size_t cap; /* slots; 0 when no rule is indexed */
	struct policy_index_slot *slots;
	uint32_t *postings; /* ascending rule indices per key */
	uint32_t *generic;  /* rules with no indexable key, ascending */
	size_t n_generic;
};

/* Builds the index over rules[0..n). Returns 0 or -ENOMEM. */
int policy_index_build(struct policy_index *idx, const struct policy_rule *rules, size_t n);
void policy_index_done(struct policy_index *idx);
/* Ascending rule indices filed under (type, key); returns how many (0 when none). */
size_t policy_index_lookup(const struct policy_index *idx, uint8_t type, const void *key,
                           size_t len, const uint32_t **ret_postings);
uint64_t policy_hash_bytes(uint8_t type, const void *key, size_t len);

struct arena_chunk;

struct policy {
	unsigned n_ref; /* policy_ref()/policy_free(); the policy itself never changes after load */
	const char *name;
	uint64_t serial;
	enum policy_mode mode;
	enum policy_action default_action;
	const char *key_id;
	int64_t not_before, not_after;
	size_t n_hosts;
	const char **hosts;
	usb_kind_mask charge_only;
	/* Phone makers: a device of theirs whose interfaces are all network functions (USB
	 * tethering) is charge-only too. Arena; none when n is 0. */
	uint32_t n_charge_only_vendors;
	uint16_t *charge_only_vendors;
	uint32_t exc_max_minutes; /* exceptions = { ... }: 0 = off */
	usb_kind_mask exc_kinds;
	const char *contact[3];             /* contact = { name; phone; url; }: NULL when unset */
	const struct transfer_limit *limit; /* top-level transfer_alert; NULL when none (arena) */
	size_t n_rules;
	struct policy_rule *rules;
	struct policy_index index;
	int first_catch_all; /* index of the first rule without match keys, -1 when none */
	/* How the rules were read (for tests and the benchmark): chunks by the fast reader, by
	 * libconfig; both 0 when the whole text went through libconfig at once. */
	uint32_t chunks_fast, chunks_libconfig;
	uint8_t sha256[32];
	struct arena_chunk *arena; /* every string and array above lives here */
};

/*
 * policy_load_from_bytes() with the path chosen: chunked (what it does: the rules list parsed a
 * chunk at a time, falling back to the whole text when in doubt) or the whole text through
 * libconfig at once (the reference, which tests and the fuzzer compare the chunked path with).
 */
int policy_load_from_bytes_how(const char *buf, size_t len, const char *filename, bool chunked,
                               struct policy **ret_policy, struct policy_error *reterr);

/* Whether the rule has no match key at all (matches everything). */
bool policy_rule_is_catch_all(const struct policy_rule *r);

/* Whether a rule may match at env (always true for a rule without window or hosts). */
bool policy_rule_in_env(const struct policy_rule *r, const struct policy_env *env);

/* Reference evaluation that tries every rule in order, ignoring the index (tests compare). */
void policy_evaluate_linear(const struct policy *p, const struct usb_device_info *dev,
                            const struct policy_env *env, struct decision *ret);

/* Strict RFC 3339 UTC ("YYYY-MM-DDTHH:MM:SS[.frac]Z") to Unix seconds. 0 or -EINVAL. */
int policy_parse_time(const char *s, bool round_up, int64_t *ret);
