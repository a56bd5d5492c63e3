/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline exception codes (docs/it-guide.md "Exceptions", threat model in docs/exceptions.md).
 * Pure: no I/O, no clock, no randomness (the nonce is passed in).
 *
 *   host id     = SHA-256("portcullis-exc-host-v1" || machine id)[0..5)          40 bits
 *   host key    = HKDF-SHA256(ikm = fleet secret, salt = "portcullis-exc-v1",
 *                             info = "host:" || hex(host id))                     256 bits
 *   device      = SHA-256("portcullis-exc-dev-v1" || vid || pid || serial || descriptors SHA-256)
 *   challenge   = host id (5) || nonce (4) || device[0..5) (5) || minutes (2, big endian)
 *                 || CRC-8 of the 16 bytes (1)                                  17 bytes
 *   code        = HMAC-SHA256(host key, "portcullis-exc-code-v1" || challenge[0..16))[0..5)
 *                 || CRC-5 of those 40 bits                                      45 bits
 *
 * Written in Crockford's base32 (0-9 A-Z without I L O U), read back case-insensitively with
 * O as 0 and I, L as 1, dashes and spaces ignored: a challenge is 28 symbols shown as
 * XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX, a code 9 symbols shown as XXX-XXX-XXX. The checksums catch
 * every single mistyped symbol before anything is compared, so a typo never counts as a wrong
 * code.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/device/usb_device.h"

#define EXC_HOST_ID_BYTES    5
#define EXC_NONCE_BYTES      4
#define EXC_DEVICE_BYTES     5
#define EXC_KEY_BYTES        32
#define EXC_MAC_BYTES        5
#define EXC_CHALLENGE_CHARS  28
#define EXC_CHALLENGE_TEXT   (EXC_CHALLENGE_CHARS + 6 + 1) /* with dashes and NUL */
#define EXC_CODE_CHARS       9
#define EXC_CODE_TEXT        (EXC_CODE_CHARS + 2 + 1)
#define EXC_SECRET_MIN_BYTES 32
#define EXC_SECRET_MAX_BYTES 1024
#define EXC_MINUTES_MAX      10080 /* a week: the longest any policy may allow */

struct exc_challenge {
	uint8_t host_id[EXC_HOST_ID_BYTES];
	uint8_t nonce[EXC_NONCE_BYTES];
	uint8_t device[EXC_DEVICE_BYTES]; /* first bytes of exc_device_digest() */
	uint16_t minutes;                 /* 1..EXC_MINUTES_MAX */
};

/* This host's id, from /etc/machine-id's contents (whitespace around it ignored, hex digits
 * compared in lowercase). */
void exc_host_id(const char *machine_id, uint8_t ret[static EXC_HOST_ID_BYTES]);

/* The per-host key from the fleet secret. Returns 0, -EINVAL (secret shorter than
 * EXC_SECRET_MIN_BYTES) or -ENOMEM. */
int exc_host_key(const uint8_t *secret, size_t len, const uint8_t host_id[static EXC_HOST_ID_BYTES],
                 uint8_t ret[static EXC_KEY_BYTES]);

/* The device's identity: vid, pid, serial (or its absence) and the descriptors' SHA-256. */
void exc_device_digest(const struct usb_device_info *dev, uint8_t ret[static 32]);

/* XXXX-XXXX-... into buf (EXC_CHALLENGE_TEXT bytes). */
void exc_challenge_format(const struct exc_challenge *c, char buf[static EXC_CHALLENGE_TEXT]);
/* Parses what a person typed. Returns 0, or -EBADMSG: wrong length or symbol, checksum
 * mismatch (a typo), minutes 0 or above EXC_MINUTES_MAX. */
int exc_challenge_parse(const char *s, struct exc_challenge *ret);

/* The response code for a challenge (the MAC; the check symbol is added when formatted). */
void exc_code_compute(const uint8_t key[static EXC_KEY_BYTES], const struct exc_challenge *c,
                      uint8_t ret[static EXC_MAC_BYTES]);
void exc_code_format(const uint8_t mac[static EXC_MAC_BYTES], char buf[static EXC_CODE_TEXT]);
/* Returns 0 or -EBADMSG (wrong length or symbol, check symbol mismatch: a typo). */
int exc_code_parse(const char *s, uint8_t ret[static EXC_MAC_BYTES]);
/* Constant time. */
bool exc_code_equal(const uint8_t a[static EXC_MAC_BYTES], const uint8_t b[static EXC_MAC_BYTES]);

/* The fleet secret file: hex digits (whitespace ignored), EXC_SECRET_MIN..MAX bytes.
 * Returns the length, or -EINVAL. The caller wipes ret. */
int exc_secret_parse(const char *text, size_t len, uint8_t *ret, size_t size);
