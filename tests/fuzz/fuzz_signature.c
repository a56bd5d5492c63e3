/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two readers that see a signed policy before its signature is checked:
 *   - trust_signature_parse() on the .sig bytes (exactly 64 or a specific rejection);
 *   - trust_scan_key_id() on the raw, unverified policy text (a hand-written lexer);
 * and trust_verify() with a fixed key over input split as signature || message, which must
 * never accept (nobody has the private key of the fixed test key... it is not even stored).
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

/* Ed25519 public key whose private half was discarded when it was made. */
static const char fixed_pub[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MCowBQYDK2VwAyEAZurBtQhDUnQC9cGthZ2WmxeJH6G1qBBAp2bdG79AULs=\n"
                                "-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	uint8_t sig[TRUST_SIG_BYTES];
	char id[TRUST_KEY_ID_MAX + 1], err[256];
	int r;

	if (size > 1 << 20)
		return 0;
	if (!key) {
		r = trust_pubkey_parse((const uint8_t *)fixed_pub, sizeof(fixed_pub) - 1, &key, err,
		                       sizeof(err));
		CHECK(r == 0);
	}

	/* .sig reader */
	r = trust_signature_parse(data, size, sig, err, sizeof(err));
	CHECK(size == TRUST_SIG_BYTES ? r == 0 : r < 0);
	if (r == 0)
		CHECK(memcmp(sig, data, TRUST_SIG_BYTES) == 0);

	/* key_id scanner: an id it returns is valid and occurs in the text */
	r = trust_scan_key_id((const char *)data, size, id, err, sizeof(err));
	CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
	if (r == 0) {
		size_t n = strlen(id);
		CHECK(trust_key_id_valid(id, n));
		CHECK(memmem(data, size, id, n) != NULL);
	}

	/* verify: signature || message */
	if (size >= TRUST_SIG_BYTES)
		CHECK(trust_verify(key, data + TRUST_SIG_BYTES, size - TRUST_SIG_BYTES, data) ==
		      TRUST_E_BAD_SIGNATURE);
	return 0;
}
