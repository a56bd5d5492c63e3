/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the policy/trust/ Check suites: temp dirs, files, Ed25519 keys made at test time. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tmptree.h" /* ts_rm_rf() */

/* Each aborts the test (ck_abort) on failure: they set up, they do not test. */
char *tu_mkdtemp(void); /* "/tmp/pc-trust-XXXXXX"; caller frees */
void tu_write_file(const char *path, const void *data, size_t len, unsigned mode);
void tu_write_str(const char *path, const char *s);       /* mode 0644 */
uint8_t *tu_read_file(const char *path, size_t *ret_len); /* caller frees; NULL if missing */
EVP_PKEY *tu_keygen(void);                                /* fresh Ed25519 private key */
void tu_write_pubkey(const char *path, EVP_PKEY *key);    /* PEM SubjectPublicKeyInfo */
void tu_write_privkey(const char *path, EVP_PKEY *key);   /* PKCS#8 PEM */
void tu_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64]);
/* Runs argv[0] (PATH lookup) with posix_spawnp, stdout/stderr to /dev/null unless out_path;
 * returns the exit status, -1 when it did not exit normally. */
int tu_run(char *const argv[], const char *out_path);
