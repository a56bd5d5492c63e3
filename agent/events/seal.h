/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forward-secure sealing of the incident log (Bellare–Yee / Schneier–Kelsey, the scheme of
 * journald's Forward Secure Sealing with an HMAC instead of FSPRG). Pure: no I/O, no clocks.
 *
 *   K[0]        32 random bytes made by "portcullis log setup-keys"; its hex is the verification
 *               key IT keeps off the machine
 *   K[e+1]      SHA-256("portcullis-seal-evolve-v1" || K[e])   (one-way: K[e] cannot be had from
 *               K[e+1]; the agent erases K[e] once the seal of epoch e is durable)
 *   seal of e   HMAC-SHA-256(K[e], "portcullis-seal-v1\n<e>\n<sealed_seq>\n<head hex>")
 *               where head is the hash of record sealed_seq, i.e. the seal record's "prev"
 *
 * A verifier holding K[0] re-derives every K[e]. Root who takes the machine at epoch e holds only
 * K[e]: it cannot forge the seals of epochs below e, so every record up to the last such seal is
 * proven untouched (docs/reviewer-guide.md, "Sealing: what it proves").
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN     32
#define SEAL_KEY_HEX_LEN 64
#define SEAL_MAX_EPOCH   (1u << 24) /* 479 years of 15-minute seals; bounds a verifier's work */
#define SEAL_KEY_FILE    "seal-key"
/* The key file: exactly this many bytes, "portcullis-seal-key-v1 <epoch %020> <key hex>\n". */
#define SEAL_KEY_FILE_LEN (22 + 1 + 20 + 1 + SEAL_KEY_HEX_LEN + 1)

/* K[e] -> K[e+1] in place. */
void seal_key_evolve(uint8_t key[static SEAL_KEY_LEN]);

/* K[epoch] from K[0] (epoch <= SEAL_MAX_EPOCH, else -ERANGE). */
int seal_key_derive(const uint8_t key0[static SEAL_KEY_LEN], uint64_t epoch,
                    uint8_t ret[static SEAL_KEY_LEN]);

/* Lowercase hex HMAC of a seal (see above); head_hex is 64 lowercase hex digits. Returns 0 or
 * -EINVAL / -EIO (OpenSSL failure). */
int seal_mac(const uint8_t key[static SEAL_KEY_LEN], uint64_t epoch, uint64_t sealed_seq,
             const char *head_hex, char ret_hex[static SEAL_KEY_HEX_LEN + 1]);

/* 64 hex digits (either case, surrounding whitespace allowed) -> 32 bytes. -EINVAL otherwise. */
int seal_key_from_hex(const char *s, uint8_t ret[static SEAL_KEY_LEN]);

/* The key file's content (SEAL_KEY_FILE_LEN bytes + NUL) and its strict parser (-EBADMSG). */
void seal_key_file_format(uint64_t epoch, const uint8_t key[static SEAL_KEY_LEN],
                          char buf[static SEAL_KEY_FILE_LEN + 1]);
int seal_key_file_parse(const char *buf, size_t len, uint64_t *ret_epoch,
                        uint8_t ret_key[static SEAL_KEY_LEN]);
