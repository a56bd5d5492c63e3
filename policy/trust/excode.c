/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline exception codes: see excode.h for the construction. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "policy/trust/excode.h"

static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */

static int b32_value(char ch)
{
	ch = (char)toupper((unsigned char)ch);
	if (ch == 'O')
		ch = '0';
	else if (ch == 'I' || ch == 'L')
		ch = '1';
	const char *p = ch ? strchr(b32, ch) : NULL;
	return p ? (int)(p - b32) : -1;
}

/* n_sym symbols from the big-endian bit string of bytes (zero padded). */
static void b32_encode(const uint8_t *bytes, size_t n_bytes, char *out, size_t n_sym)
{
	for (size_t i = 0; i < n_sym; i++) {
		unsigned v = 0;
		for (size_t b = 0; b < 5; b++) {
			size_t bit = i * 5 + b;
			unsigned x = bit / 8 < n_bytes ? (bytes[bit / 8] >> (7 - bit % 8)) & 1 : 0;
			v = v << 1 | x;
		}
		out[i] = b32[v];
	}
}

/* Exactly n_sym symbols (dashes and spaces skipped) into n_bytes; padding bits must be 0. */
static int b32_decode(const char *s, uint8_t *bytes, size_t n_bytes, size_t n_sym)
{
	size_t got = 0;

	memset(bytes, 0, n_bytes);
	for (; s && *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		int v = b32_value(*s);
		if (v < 0 || got == n_sym)
			return -EBADMSG;
		for (size_t b = 0; b < 5; b++) {
			size_t bit = got * 5 + b;
			unsigned x = (unsigned)(v >> (4 - b)) & 1;
			if (bit / 8 < n_bytes)
				bytes[bit / 8] |= (uint8_t)(x << (7 - bit % 8));
			else if (x)
				return -EBADMSG; /* padding bits are zero */
		}
		got++;
	}
	return got == n_sym ? 0 : -EBADMSG;
}

static uint8_t crc8(const uint8_t *p, size_t n)
{
	uint8_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
	}
	return c;
}

/* CRC-5 (x^5 + x^2 + 1, the USB token CRC) over 40 bits: catches any one wrong symbol. */
static unsigned crc5(const uint8_t p[static EXC_MAC_BYTES])
{
	unsigned c = 0x1f;
	for (size_t bit = 0; bit < 8 * EXC_MAC_BYTES; bit++) {
		unsigned in = (p[bit / 8] >> (7 - bit % 8)) & 1;
		unsigned top = (c >> 4) & 1;
		c = (c << 1) & 0x1f;
		if (top ^ in)
			c ^= 0x05;
	}
	return c;
}

static void sha256_parts(const void *const *parts, const size_t *lens, size_t n, uint8_t ret[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 32;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, ret, &len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		memset(ret, 0xff, 32); /* only on ENOMEM: a digest nothing else has */
}

void exc_host_id(const char *machine_id, uint8_t ret[static EXC_HOST_ID_BYTES])
{
	static const char tag[] = "portcullis-exc-host-v1";
	char mid[65];
	size_t n = 0;
	uint8_t md[32];

	for (const char *s = machine_id; s && *s && n < sizeof(mid) - 1; s++)
		if (!isspace((unsigned char)*s))
			mid[n++] = (char)tolower((unsigned char)*s);
	mid[n] = '\0';
	sha256_parts((const void *[]){ tag, mid }, (size_t[]){ sizeof(tag), n }, 2, md);
	memcpy(ret, md, EXC_HOST_ID_BYTES);
}

int exc_host_key(const uint8_t *secret, size_t len, const uint8_t host_id[static EXC_HOST_ID_BYTES],
                 uint8_t ret[static EXC_KEY_BYTES])
{
	static const char salt[] = "portcullis-exc-v1";
	char info[5 + 2 * EXC_HOST_ID_BYTES + 1] = "host:";
	size_t outlen = EXC_KEY_BYTES;
	int r = -ENOMEM;

	if (!secret || len < EXC_SECRET_MIN_BYTES)
		return -EINVAL;
	for (size_t i = 0; i < EXC_HOST_ID_BYTES; i++)
		snprintf(info + 5 + 2 * i, 3, "%02x", host_id[i]);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(ctx, (const unsigned char *)salt, sizeof(salt) - 1) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, (int)len) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info, (int)strlen(info)) == 1 &&
	    EVP_PKEY_derive(ctx, ret, &outlen) == 1 && outlen == EXC_KEY_BYTES)
		r = 0;
	EVP_PKEY_CTX_free(ctx);
	return r;
}

void exc_device_digest(const struct usb_device_info *dev, uint8_t ret[static 32])
{
	static const char tag[] = "portcullis-exc-dev-v1";
	uint8_t ids[5] = { (uint8_t)(dev->desc.vid >> 8), (uint8_t)dev->desc.vid,
		           (uint8_t)(dev->desc.pid >> 8), (uint8_t)dev->desc.pid,
		           dev->has_serial ? 1 : 0 };
	size_t n = dev->has_serial ? strnlen(dev->serial, sizeof(dev->serial)) : 0;

	sha256_parts((const void *[]){ tag, ids, dev->serial, dev->desc_sha256 },
	             (size_t[]){ sizeof(tag), sizeof(ids), n, 32 }, 4, ret);
}

static void challenge_bytes(const struct exc_challenge *c, uint8_t b[17])
{
	memcpy(b, c->host_id, 5);
	memcpy(b + 5, c->nonce, 4);
	memcpy(b + 9, c->device, 5);
	b[14] = (uint8_t)(c->minutes >> 8);
	b[15] = (uint8_t)c->minutes;
	b[16] = crc8(b, 16);
}

static void with_dashes(const char *sym, size_t n, size_t group, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && i % group == 0)
			out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
}

void exc_challenge_format(const struct exc_challenge *c, char buf[static EXC_CHALLENGE_TEXT])
{
	uint8_t b[17];
	char sym[EXC_CHALLENGE_CHARS];

	challenge_bytes(c, b);
	b32_encode(b, sizeof(b), sym, EXC_CHALLENGE_CHARS);
	with_dashes(sym, EXC_CHALLENGE_CHARS, 4, buf);
}

int exc_challenge_parse(const char *s, struct exc_challenge *ret)
{
	uint8_t b[17];
	struct exc_challenge c;

	if (b32_decode(s, b, sizeof(b), EXC_CHALLENGE_CHARS) < 0 || crc8(b, 16) != b[16])
		return -EBADMSG;
	memcpy(c.host_id, b, 5);
	memcpy(c.nonce, b + 5, 4);
	memcpy(c.device, b + 9, 5);
	c.minutes = (uint16_t)(b[14] << 8 | b[15]);
	if (c.minutes == 0 || c.minutes > EXC_MINUTES_MAX)
		return -EBADMSG;
	*ret = c;
	return 0;
}

void exc_code_compute(const uint8_t key[static EXC_KEY_BYTES], const struct exc_challenge *c,
                      uint8_t ret[static EXC_MAC_BYTES])
{
	static const char tag[] = "portcullis-exc-code-v1";
	uint8_t msg[sizeof(tag) + 17], md[32];
	unsigned len = sizeof(md);

	memcpy(msg, tag, sizeof(tag));
	challenge_bytes(c, msg + sizeof(tag));
	/* the MAC covers the tag (with its NUL) and the 16 bytes before the checksum */
	if (!HMAC(EVP_sha256(), key, EXC_KEY_BYTES, msg, sizeof(tag) + 16, md, &len))
		memset(md, 0, sizeof(md)); /* ENOMEM: a MAC no code matches by chance is not
		                              possible; the caller's comparison fails closed */
	memcpy(ret, md, EXC_MAC_BYTES);
	OPENSSL_cleanse(md, sizeof(md));
}

void exc_code_format(const uint8_t mac[static EXC_MAC_BYTES], char buf[static EXC_CODE_TEXT])
{
	char sym[EXC_CODE_CHARS];

	b32_encode(mac, EXC_MAC_BYTES, sym, 8);
	sym[8] = b32[crc5(mac)];
	with_dashes(sym, EXC_CODE_CHARS, 3, buf);
}

int exc_code_parse(const char *s, uint8_t ret[static EXC_MAC_BYTES])
{
	char sym[EXC_CODE_CHARS + 1];
	size_t n = 0;
	uint8_t mac[EXC_MAC_BYTES];

	for (; s && *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		if (n == EXC_CODE_CHARS || b32_value(*s) < 0)
			return -EBADMSG;
		sym[n++] = *s;
	}
	if (n != EXC_CODE_CHARS)
		return -EBADMSG;
	sym[n] = '\0';
	char check = sym[8];
	sym[8] = '\0';
	if (b32_decode(sym, mac, sizeof(mac), 8) < 0 || b32_value(check) != (int)crc5(mac))
		return -EBADMSG;
	memcpy(ret, mac, sizeof(mac));
	return 0;
}

bool exc_code_equal(const uint8_t a[static EXC_MAC_BYTES], const uint8_t b[static EXC_MAC_BYTES])
{
	return CRYPTO_memcmp(a, b, EXC_MAC_BYTES) == 0;
}

int exc_secret_parse(const char *text, size_t len, uint8_t *ret, size_t size)
{
	size_t n = 0;
	int hi = -1;

	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (isspace((unsigned char)ch))
			continue;
		int v = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (v < 0 || (hi < 0 && n == size))
			return -EINVAL;
		if (hi < 0)
			hi = v;
		else {
			ret[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0 || n < EXC_SECRET_MIN_BYTES || n > EXC_SECRET_MAX_BYTES)
		return -EINVAL;
	return (int)n;
}
