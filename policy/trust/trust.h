/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure pieces of policy trust (no files, no clocks, no logging): Ed25519 public key and signature
 * decoding, the pre-parse key_id scanner, signature verification over bytes in memory, and the
 * "is this policy for me / valid now" checks. policy/trust/policy_store.c is the I/O shell around
 * them.
 *
 * Every function that rejects input returns a negative errno and writes a one-line reason to
 * reterr (reterr_size bytes, always NUL-terminated when reterr_size > 0); ret_* only on success.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "policy/lang/policy.h"

#define TRUST_SIG_BYTES        64   /* raw Ed25519 signature */
#define TRUST_PUBKEY_MAX_BYTES 4096 /* a PEM public key is ~113 bytes; anything bigger is junk */
#define TRUST_KEY_ID_MAX       128  /* key id = key file name without ".pem" */

/*
 * The errno of each rejection, so callers (agent events, CLI, tests) can tell them apart. The
 * reason text says which file and why.
 */
#define TRUST_E_UNSIGNED      (-ENOMSG)       /* no <policy>.sig */
#define TRUST_E_UNKNOWN_KEY   (-ENOKEY)       /* key_id names no trusted key, or no key_id */
#define TRUST_E_BAD_SIGNATURE (-EKEYREJECTED) /* signature does not verify (or key_id mismatch) */
#define TRUST_E_SIG_TRUNCATED (-ENODATA)      /* .sig shorter than 64 bytes */
#define TRUST_E_SIG_OVERSIZED (-EOVERFLOW)    /* .sig longer than 64 bytes */
#define TRUST_E_ROLLBACK      (-ESTALE)       /* serial lower than the highest accepted */
#define TRUST_E_SERIAL_REUSED (-EEXIST)       /* same serial as accepted, different bytes */
#define TRUST_E_NOT_YET_VALID (-ETIME)        /* now < not_before */
#define TRUST_E_EXPIRED       (-EKEYEXPIRED)  /* now > not_after */
#define TRUST_E_WRONG_HOST    (-EHOSTUNREACH) /* hosts list does not name this host */
#define TRUST_E_MALFORMED     (-EBADMSG) /* policy text does not parse (policy_load_from_bytes) */
#define TRUST_E_TOO_LARGE     (-EFBIG)   /* over PORTCULLIS_POLICY_MAX_BYTES */
#define TRUST_E_SYMLINK       (-ELOOP)   /* a symlink where a file/directory was expected */
#define TRUST_E_OWNER         (-EPERM)   /* not owned by root */
#define TRUST_E_MODE          (-EACCES)  /* group- or world-writable */
#define TRUST_E_NOT_REGULAR   (-EINVAL)  /* not a regular file (or not a directory) */
#define TRUST_E_CHANGED       (-EAGAIN)  /* file changed while being read */

/*
 * Decodes a PEM public key ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo). Only Ed25519 is
 * accepted; len is capped at TRUST_PUBKEY_MAX_BYTES. Returns 0 and *ret_key (caller owns; free
 * with EVP_PKEY_free()), or -EFBIG (too large), -EBADMSG (not a PEM public key), -EPROTOTYPE (a
 * key of another type), -ENOMEM.
 */
int trust_pubkey_parse(const uint8_t *buf, size_t len, EVP_PKEY **ret_key, char *reterr,
                       size_t reterr_size);

/*
 * Checks a raw signature file: exactly TRUST_SIG_BYTES bytes. Returns 0 and copies it to ret_sig,
 * or TRUST_E_SIG_TRUNCATED / TRUST_E_SIG_OVERSIZED.
 */
int trust_signature_parse(const uint8_t *buf, size_t len, uint8_t ret_sig[TRUST_SIG_BYTES],
                          char *reterr, size_t reterr_size);

/* true when s is a valid key id: 1..TRUST_KEY_ID_MAX of [A-Za-z0-9._:@-] (the policy language's
 * set), not starting with '.'. */
bool trust_key_id_valid(const char *s, size_t len);

/*
 * Finds the top-level setting `key_id = "..."` (or `key_id : "..."`) in raw, UNVERIFIED policy
 * text without parsing it with libconfig: a bounded lexical scan that skips comments (#, //, and
 * C-style blocks) and strings and ignores settings nested inside groups, lists and arrays.
 * Returns 0 and the id in ret_id (NUL-terminated, TRUST_KEY_ID_MAX + 1 bytes), -ENOENT when there
 * is none, or -EBADMSG (duplicate, not a plain string, invalid characters, too long, NUL byte).
 */
int trust_scan_key_id(const char *buf, size_t len, char ret_id[TRUST_KEY_ID_MAX + 1], char *reterr,
                      size_t reterr_size);

/*
 * Verifies the Ed25519 signature sig over exactly msg[0..len). Returns 0 when it verifies,
 * TRUST_E_BAD_SIGNATURE when it does not, -EPROTOTYPE for a non-Ed25519 key, -ENOMEM.
 */
int trust_verify(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t sig[TRUST_SIG_BYTES]);

/*
 * Whether policy p applies to this host: true when its hosts list is empty, when an entry
 * "machine-id:<32 hex>" equals machine_id (case-insensitive, surrounding whitespace ignored), or
 * when a hostname glob matches hostname (fnmatch, case-insensitive). hostname and machine_id may
 * be NULL (then only entries of the other kind can match).
 */
bool trust_host_matches(const struct policy *p, const char *hostname, const char *machine_id);

/*
 * Validity window at now (Unix seconds): 0, TRUST_E_NOT_YET_VALID (now < not_before) or
 * TRUST_E_EXPIRED (now > not_after). Both bounds are inclusive.
 */
int trust_check_validity(const struct policy *p, int64_t now);

/* Formats Unix seconds as RFC 3339 UTC ("2026-01-31T12:00:00Z"), or "never"/"always" for the
 * unset bounds INT64_MAX/INT64_MIN. buf needs 32 bytes. Returns buf. */
const char *trust_format_time(int64_t t, char *buf, size_t size);
