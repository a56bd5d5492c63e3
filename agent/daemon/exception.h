/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's offline exceptions, as plain data and pure functions (the clock, the nonce and the
 * policy are passed in): pending requests, active exceptions, the wrong-code rate limit, and how
 * an active exception changes a decision. The socket and the events are agent.c's and
 * exception_server.c's. See docs/exceptions.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "policy/lang/policy.h"
#include "policy/trust/excode.h"

#define EXC_MAX_PENDING     8
#define EXC_MAX_ACTIVE      8
#define EXC_REQUEST_TTL_SEC 3600 /* a challenge must be answered within an hour */
#define EXC_WRONG_MAX       5    /* wrong codes in a row before the lock */
#define EXC_LOCK_SEC        900  /* 15 minutes */
#define EXC_DEFAULT_MINUTES 60

struct exc_pending {
	struct exc_challenge challenge;
	uint8_t device[32]; /* full exc_device_digest() */
	char busid[USB_BUSID_MAX];
	int64_t created; /* Unix seconds */
	uint32_t uid;    /* who asked */
};

struct exc_active {
	uint8_t device[32];
	char busid[USB_BUSID_MAX]; /* where it was requested (the device may move) */
	char challenge[EXC_CHALLENGE_TEXT];
	char code[EXC_CODE_TEXT];
	uint16_t minutes;
	int64_t until; /* Unix seconds: blocked again after it */
	uint32_t uid;  /* who applied */
};

struct exc_state {
	bool have_key;
	uint8_t host_key[EXC_KEY_BYTES];
	uint8_t host_id[EXC_HOST_ID_BYTES];
	struct exc_pending pending[EXC_MAX_PENDING];
	unsigned n_pending;
	struct exc_active active[EXC_MAX_ACTIVE];
	unsigned n_active;
	unsigned wrong;       /* wrong codes since the last good one */
	int64_t locked_until; /* no code is checked before this */
};

/* Sets the host key (from the key file) and this host's id. Wipe with exc_state_wipe(). */
void exc_state_init(struct exc_state *s, const uint8_t key[static EXC_KEY_BYTES],
                    const char *machine_id);
void exc_state_wipe(struct exc_state *s);

/*
 * A request for dev (classified and decided by policy p as dec), for minutes, at now, by uid,
 * with a fresh random nonce. Checks: a host key is installed, the policy allows exceptions and at
 * least this long, the descriptors parsed, the device is blocked (at least one interface) and
 * has a kind the policy's exceptions may allow. Returns 0 and the challenge to read to IT, or a
 * negative errno with a reason (static text): -ENOKEY no host key, -EPERM exceptions off,
 * -E2BIG too long for the policy, -EINVAL bad minutes or nothing to allow, -EALREADY allowed
 * already. A request for the same device replaces the older one; the oldest is dropped when full.
 */
int exc_request(struct exc_state *s, const struct policy *p, const struct usb_device_info *dev,
                const struct decision *dec, unsigned minutes, int64_t now, uint32_t uid,
                const uint8_t nonce[static EXC_NONCE_BYTES],
                char ret_challenge[static EXC_CHALLENGE_TEXT], const char **ret_reason);

/*
 * A code read back from IT, at now, by uid. minute_sec is 60 (tests shorten it). Returns 0 and
 * *ret (the new active exception; its request is consumed: a code works once), or: -EBADMSG a
 * typo (checksum; not counted), -EACCES wrong code (counted: EXC_WRONG_MAX in a row lock
 * codes out for EXC_LOCK_SEC), -EBUSY locked, -ETIMEDOUT the request is older than
 * EXC_REQUEST_TTL_SEC, -E2BIG longer than policy p allows now, -EPERM exceptions off now,
 * -ENOKEY no key; with a reason (static text).
 */
int exc_apply(struct exc_state *s, const struct policy *p, const char *code, int64_t now,
              unsigned minute_sec, uint32_t uid, struct exc_active *ret, const char **ret_reason);

/* The active exception covering a device with this digest at now, or NULL. */
const struct exc_active *exc_find_active(const struct exc_state *s, const uint8_t device[static 32],
                                         int64_t now);

/* Removes the exceptions whose time is up at now into ret (up to max); returns how many. */
unsigned exc_expire(struct exc_state *s, int64_t now, struct exc_active *ret, unsigned max);

/* The earliest second after which an active exception ends (until + 1), INT64_MAX when none. */
int64_t exc_next_expiry(const struct exc_state *s);

/* A line from the exception socket: "request BUSID MINUTES" or "apply CODE". */
enum exc_command_type {
	EXC_CMD_REQUEST,
	EXC_CMD_APPLY,
};
struct exc_command {
	enum exc_command_type type;
	char busid[USB_BUSID_MAX]; /* [0-9.-], request only */
	unsigned minutes;          /* request only */
	char code[32];             /* apply only: base32 symbols, dashes, spaces */
};
#define EXC_COMMAND_MAX 128 /* bytes of a line, without the newline */
/* Parses one line (len bytes, no newline; hostile). Returns 0 or -EBADMSG. */
int exc_command_parse(const char *line, size_t len, struct exc_command *ret);

/*
 * The decision with an exception: every interface the policy blocked whose kinds are all in
 * kinds is allowed, decided by rule "exception"; verdict and authorization follow. Pure.
 */
void exc_apply_to_decision(struct decision *d, const struct usb_device_info *dev,
                           usb_kind_mask kinds, int64_t until);
