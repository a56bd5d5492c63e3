/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/events/seal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "policy/base/strutil.h"

static const char evolve_tag[] = "portcullis-seal-evolve-v1";
static const char file_tag[] = "portcullis-seal-key-v1";

void seal_key_evolve(uint8_t key[static SEAL_KEY_LEN])
{
	uint8_t in[sizeof(evolve_tag) - 1 + SEAL_KEY_LEN], md[32];
	unsigned mdlen = 0;

	memcpy(in, evolve_tag, sizeof(evolve_tag) - 1);
	memcpy(in + sizeof(evolve_tag) - 1, key, SEAL_KEY_LEN);
	/* Only an allocation failure inside OpenSSL fails SHA-256; a zero key then never
	 * verifies, which shows up as a failed seal, not a passed one. */
	if (EVP_Digest(in, sizeof(in), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	memcpy(key, md, SEAL_KEY_LEN);
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(md, sizeof(md));
}

int seal_key_derive(const uint8_t key0[static SEAL_KEY_LEN], uint64_t epoch,
                    uint8_t ret[static SEAL_KEY_LEN])
{
	if (epoch > SEAL_MAX_EPOCH)
		return -ERANGE;
	memcpy(ret, key0, SEAL_KEY_LEN);
	for (uint64_t e = 0; e < epoch; e++)
		seal_key_evolve(ret);
	return 0;
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int seal_mac(const uint8_t key[static SEAL_KEY_LEN], uint64_t epoch, uint64_t sealed_seq,
             const char *head_hex, char ret_hex[static SEAL_KEY_HEX_LEN + 1])
{
	char msg[128];
	uint8_t md[32];
	unsigned mdlen = 0;

	if (!head_hex || strnlen(head_hex, 65) != 64 || !is_lower_hex(head_hex, 64))
		return -EINVAL;
	int n = snprintf(msg, sizeof(msg), "portcullis-seal-v1\n%" PRIu64 "\n%" PRIu64 "\n%s",
	                 epoch, sealed_seq, head_hex);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EINVAL;
	if (!HMAC(EVP_sha256(), key, SEAL_KEY_LEN, (const uint8_t *)msg, (size_t)n, md, &mdlen) ||
	    mdlen != 32)
		return -EIO;
	hex_encode(ret_hex, md, 32);
	return 0;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int seal_key_from_hex(const char *s, uint8_t ret[static SEAL_KEY_LEN])
{
	uint8_t k[SEAL_KEY_LEN];

	if (!s)
		return -EINVAL;
	s += strspn(s, " \t\r\n");
	for (size_t i = 0; i < SEAL_KEY_LEN; i++) {
		int hi = unhex(s[2 * i]), lo = hi < 0 ? -1 : unhex(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(k, sizeof(k));
			return -EINVAL;
		}
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	s += SEAL_KEY_HEX_LEN;
	if (s[strspn(s, " \t\r\n")] != '\0') {
		OPENSSL_cleanse(k, sizeof(k));
		return -EINVAL;
	}
	memcpy(ret, k, SEAL_KEY_LEN);
	OPENSSL_cleanse(k, sizeof(k));
	return 0;
}

void seal_key_file_format(uint64_t epoch, const uint8_t key[static SEAL_KEY_LEN],
                          char buf[static SEAL_KEY_FILE_LEN + 1])
{
	char hex[SEAL_KEY_HEX_LEN + 1];
	hex_encode(hex, key, SEAL_KEY_LEN);
	(void)snprintf(buf, SEAL_KEY_FILE_LEN + 1, "%s %020" PRIu64 " %s\n", file_tag, epoch, hex);
	OPENSSL_cleanse(hex, sizeof(hex));
}

int seal_key_file_parse(const char *buf, size_t len, uint64_t *ret_epoch,
                        uint8_t ret_key[static SEAL_KEY_LEN])
{
	const size_t tl = sizeof(file_tag) - 1;
	uint64_t epoch = 0;
	char hex[SEAL_KEY_HEX_LEN + 1];
	int r;

	if (!buf || len != SEAL_KEY_FILE_LEN || memcmp(buf, file_tag, tl) != 0 || buf[tl] != ' ' ||
	    buf[tl + 21] != ' ' || buf[len - 1] != '\n')
		return -EBADMSG;
	for (size_t i = tl + 1; i < tl + 21; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		epoch = epoch * 10 + (uint64_t)(buf[i] - '0');
		if (epoch > SEAL_MAX_EPOCH)
			return -EBADMSG;
	}
	if (!is_lower_hex(buf + tl + 22, SEAL_KEY_HEX_LEN))
		return -EBADMSG;
	memcpy(hex, buf + tl + 22, SEAL_KEY_HEX_LEN);
	hex[SEAL_KEY_HEX_LEN] = '\0';
	r = seal_key_from_hex(hex, ret_key);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (r < 0)
		return -EBADMSG;
	*ret_epoch = epoch;
	return 0;
}
