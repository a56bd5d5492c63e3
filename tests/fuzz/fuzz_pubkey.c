/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public key files (keys.d/<id>.pem) on arbitrary bytes: trust_pubkey_parse() must accept only
 * Ed25519 SubjectPublicKeyInfo PEM, reject everything else with a reason, and never leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/trust/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): the invariants must hold in NDEBUG (Release) builds too. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *key = NULL;
	char err[256];

	if (size > 2 * TRUST_PUBKEY_MAX_BYTES)
		return 0;
	err[0] = '\0';
	int r = trust_pubkey_parse(data, size, &key, err, sizeof(err));
	if (r == 0) {
		CHECK(key);
		CHECK(EVP_PKEY_is_a(key, "ED25519"));
		/* A key we accept must be usable: verifying garbage fails cleanly. */
		uint8_t sig[TRUST_SIG_BYTES] = { 0 };
		CHECK(trust_verify(key, data, size, sig) == TRUST_E_BAD_SIGNATURE);
		EVP_PKEY_free(key);
	} else {
		CHECK(r < 0);
		CHECK(key == NULL);
		CHECK(err[0] != '\0' || r == -ENOMEM);
		CHECK(memchr(err, '\0', sizeof(err)));
	}
	return 0;
}
