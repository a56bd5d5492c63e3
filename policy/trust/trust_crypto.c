/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ed25519 keys and signatures: pure decoding and verification of bytes already in memory. */
#include "policy/trust/trust.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "policy/base/macro.h"

static void set_err(char *reterr, size_t size, const char *msg)
{
	if (reterr && size > 0)
		snprintf(reterr, size, "%s", msg);
}

int trust_pubkey_parse(const uint8_t *buf, size_t len, EVP_PKEY **ret_key, char *reterr,
                       size_t reterr_size)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	BIO *bio;
	EVP_PKEY *key;

	if (len > TRUST_PUBKEY_MAX_BYTES) {
		set_err(reterr, reterr_size, "public key file too large (over 4096 bytes)");
		return -EFBIG;
	}
	if (len == 0 || !memmem(buf, len, begin, sizeof(begin) - 1)) {
		set_err(reterr, reterr_size,
		        "not a PEM public key (no \""
		        "-----BEGIN PUBLIC KEY-----\" line)");
		return -EBADMSG;
	}
	if (memchr(buf, '\0', len)) {
		set_err(reterr, reterr_size, "public key file contains a NUL byte");
		return -EBADMSG;
	}

	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		return -ENOMEM;
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error(); /* OpenSSL's queue is per thread; leave nothing behind for others */
	if (!key) {
		set_err(reterr, reterr_size, "not a valid PEM public key");
		return -EBADMSG;
	}
	if (!EVP_PKEY_is_a(key, "ED25519")) {
		EVP_PKEY_free(key);
		set_err(reterr, reterr_size, "public key is not an Ed25519 key");
		return -EPROTOTYPE;
	}
	*ret_key = key;
	return 0;
}

int trust_signature_parse(const uint8_t *buf, size_t len, uint8_t ret_sig[TRUST_SIG_BYTES],
                          char *reterr, size_t reterr_size)
{
	if (len < TRUST_SIG_BYTES) {
		if (reterr && reterr_size > 0)
			snprintf(reterr, reterr_size,
			         "signature truncated (%zu bytes, a raw Ed25519 signature has 64)",
			         len);
		return TRUST_E_SIG_TRUNCATED;
	}
	if (len > TRUST_SIG_BYTES) {
		if (reterr && reterr_size > 0)
			snprintf(reterr, reterr_size,
			         "signature oversized (%zu bytes, a raw Ed25519 signature has 64; "
			         "base64 or PEM is not accepted)",
			         len);
		return TRUST_E_SIG_OVERSIZED;
	}
	memcpy(ret_sig, buf, TRUST_SIG_BYTES);
	return 0;
}

int trust_verify(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t sig[TRUST_SIG_BYTES])
{
	EVP_MD_CTX *ctx;
	int r;

	if (!EVP_PKEY_is_a(key, "ED25519"))
		return -EPROTOTYPE;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* Ed25519 is one-shot: no digest (md must be NULL), no Update. */
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1) {
		r = -ENOMEM;
		goto out;
	}
	r = EVP_DigestVerify(ctx, sig, TRUST_SIG_BYTES, msg, len) == 1 ? 0 : TRUST_E_BAD_SIGNATURE;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}
