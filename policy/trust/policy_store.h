/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signed policy on disk and the state that protects it (CONTRACT shared by the agent and the
 * CLI; implemented in trust/).
 *
 *   <policy>            libconfig text, signed by IT
 *   <policy>.sig        raw 64-byte Ed25519 signature over the exact bytes of <policy>
 *   <keys_dir>/<id>.pem trusted public keys; the key id is the file name without ".pem"
 *   <state_dir>/last-good.conf (+ .sig)  copy of the last accepted policy
 *   <state_dir>/serial  highest accepted serial (anti-rollback)
 *
 * Every check runs on one in-memory copy of the bytes, read once (O_NOFOLLOW, size cap, owner and
 * mode checks on the file and its directory). Nothing is persisted unless every check passed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "policy/base/fileio.h"
#include "policy/lang/policy.h"

struct policy_store_config {
	const char *policy_path; /* e.g. PORTCULLIS_POLICY_FILE */
	const char *keys_dir;    /* e.g. PORTCULLIS_KEYS_DIR */
	const char *state_dir;   /* e.g. PORTCULLIS_STATE_DIR; NULL = no persistence (CLI verify) */
	const char *hostname;    /* this host, for the policy's "hosts" list */
	const char *machine_id;  /* /etc/machine-id contents, may be NULL */
	bool check_owner;        /* require root ownership and no group/world write (off in tests
	                            that run unprivileged) */
	/* Added by trust/ (zero-initialised callers keep the defaults): */
	bool dry_run; /* never write state_dir (CLI "policy show") */
	/* The few syscalls the store reads and writes files with (policy/base/fileio.h), so tests
	 * can inject "the file changes between open and read" or "the disk is full"; NULL = libc.
	 */
	const struct fileio_ops *ops;
};

enum policy_status {
	POLICY_STATUS_ACCEPTED = 0, /* the file on disk verified and is now in force */
	POLICY_STATUS_UNCHANGED,    /* identical to the policy already in force */
	POLICY_STATUS_MISSING,      /* no policy file: built-in default (or last-known-good) */
	POLICY_STATUS_REJECTED,     /* failed a check: reason says which; fallback in force */
};

/* Result of a load attempt. */
struct policy_load_result {
	enum policy_status status;
	int error;        /* negative errno of the rejection, 0 otherwise */
	char reason[512]; /* one line, e.g. "policy.conf.sig: signature does not verify" */
	bool expired;     /* the policy in force is outside its validity window (still enforced) */
	/* ACCEPTED, but saving the state (serial, last-known-good copy) failed: negative errno,
	 * reason says where. The policy is in force all the same; the anti-rollback floor is then
	 * held by the caller's current policy until a later save succeeds. 0 otherwise. */
	int state_error;
	const char *source; /* static: "file", "last-known-good", "current", "built-in" */
};

/*
 * Loads the policy to enforce, at time now (Unix seconds). current is the policy in force (may be
 * NULL at start); it must be the last policy this function returned, so that its serial is the
 * highest ever put in force. The anti-rollback floor is the higher of the saved serial and
 * current's: a file or last-known-good copy below it (or at it with other bytes) is refused, also
 * when saving the state failed earlier. On success *ret_policy is the policy to enforce from now on
 * (caller owns it): the new file if it passed every check, else current's copy / the
 * last-known-good / the built-in default - never something weaker because the new file was bad.
 * Returns 0 (with *ret describing what happened) or a negative errno only for internal failures
 * (-ENOMEM); even then nothing is weakened.
 */
int policy_store_load(const struct policy_store_config *cfg, const struct policy *current,
                      int64_t now, struct policy **ret_policy, struct policy_load_result *ret);

/*
 * Verifies a policy file as this host would accept it, without touching any state (for
 * "portcullis policy verify" and "policy show"). Returns 0 and sets *ret_policy (caller owns), or a
 * negative errno with reason filled (one line).
 */
int policy_store_verify_file(const struct policy_store_config *cfg, int64_t now,
                             struct policy **ret_policy, char *reason, size_t reason_size);
