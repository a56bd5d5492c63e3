/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Load + verify time of a large signed policy: 100,000 "allow this serial number" rules, signed
 * with a key made here. Prints figures; never fails on timing.
 *   verify only   trust_verify() over the bytes in memory (Ed25519)
 *   parse only    policy_load_from_bytes()
 *   verify_file   policy_store_verify_file(): read once, checks, verify, parse
 *   store load    policy_store_load() with persistence (last-known-good copy + serial, fsync)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "policy/trust/policy_store.h"
#include "policy/trust/trust.h"

#define N_RULES 100000
#define ROUNDS  5
#define NOW     INT64_C(1800000000)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	size_t n = fwrite(data, 1, len, f);
	if (fclose(f) != 0 || n != len)
		return -EIO;
	return 0;
}

static char *make_policy(size_t *ret_len)
{
	size_t cap = 96u * N_RULES + 256, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	n += (size_t)snprintf(buf + n, cap - n,
	                      "version = 1;\nserial = 1;\nkey_id = \"bench\";\nrules = (\n");
	for (unsigned i = 0; i < N_RULES; i++)
		n += (size_t)snprintf(buf + n, cap - n,
		                      "  { id = \"sn-%06u\"; action = \"allow\"; serial = "
		                      "\"SN%08u\"; }%s\n",
		                      i, i * 7919u, i + 1 < N_RULES ? "," : "");
	n += (size_t)snprintf(buf + n, cap - n, ");\n");
	*ret_len = n;
	return buf;
}

static void report(const char *what, const double *ms, int rounds)
{
	double min = ms[0], sum = 0;
	for (int i = 0; i < rounds; i++) {
		sum += ms[i];
		if (ms[i] < min)
			min = ms[i];
	}
	printf("  %-14s min %8.2f ms   mean %8.2f ms   (%d rounds)\n", what, min, sum / rounds,
	       rounds);
}

int main(void)
{
	char dir[] = "/tmp/pc-bench-trust-XXXXXX", path[512], keys[128], state[128];
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = NULL;
	uint8_t sig[64];
	size_t len, siglen = sizeof(sig);
	double ms[ROUNDS];
	char reason[512];
	int rc = 1;

	char *text = make_policy(&len);
	if (!text || !mkdtemp(dir))
		return 1;
	snprintf(keys, sizeof(keys), "%s/keys.d", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(path, sizeof(path), "%s/bench.pem", keys);
	if (mkdir(keys, 0755) < 0)
		goto out;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ctx = EVP_MD_CTX_new();
	if (!key || !ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const uint8_t *)text, len) != 1)
		goto out;
	FILE *f = fopen(path, "we");
	if (!f || PEM_write_PUBKEY(f, key) != 1 || fclose(f) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	if (write_file(path, text, len) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/policy.conf.sig", dir);
	if (write_file(path, sig, sizeof(sig)) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/policy.conf", dir);

	printf("bench_trust: %d rules, %.1f MB policy text\n", N_RULES, (double)len / 1e6);

	for (int i = 0; i < ROUNDS; i++) {
		double t0 = now_ms();
		if (trust_verify(key, (const uint8_t *)text, len, sig) != 0)
			goto out;
		ms[i] = now_ms() - t0;
	}
	report("verify only", ms, ROUNDS);

	for (int i = 0; i < ROUNDS; i++) {
		struct policy *p = NULL;
		struct policy_error err;
		double t0 = now_ms();
		if (policy_load_from_bytes(text, len, "bench", &p, &err) < 0) {
			fprintf(stderr, "parse: line %d: %s\n", err.line, err.reason);
			goto out;
		}
		ms[i] = now_ms() - t0;
		policy_free(p);
	}
	report("parse only", ms, ROUNDS);

	struct policy_store_config cfg = {
		.policy_path = path,
		.keys_dir = keys,
		.state_dir = NULL,
		.hostname = "bench",
	};
	for (int i = 0; i < ROUNDS; i++) {
		struct policy *p = NULL;
		double t0 = now_ms();
		if (policy_store_verify_file(&cfg, NOW, &p, reason, sizeof(reason)) < 0) {
			fprintf(stderr, "verify_file: %s\n", reason);
			goto out;
		}
		ms[i] = now_ms() - t0;
		if (policy_n_rules(p) != N_RULES)
			goto out;
		policy_free(p);
	}
	report("verify_file", ms, ROUNDS);

	cfg.state_dir = state;
	for (int i = 0; i < ROUNDS; i++) {
		struct policy *p = NULL;
		struct policy_load_result res;
		double t0 = now_ms();
		if (policy_store_load(&cfg, NULL, NOW, &p, &res) < 0 ||
		    res.status != POLICY_STATUS_ACCEPTED) {
			fprintf(stderr, "store load: %s\n", res.reason);
			goto out;
		}
		ms[i] = now_ms() - t0;
		policy_free(p);
	}
	report("store load", ms, ROUNDS);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_trust: setup failed\n");
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	free(text);
	/* clean up the temp tree */
	const char *files[] = { "keys.d/bench.pem",         "policy.conf",
		                "policy.conf.sig",          "state/last-good.conf",
		                "state/last-good.conf.sig", "state/serial" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(keys);
	(void)rmdir(state);
	(void)rmdir(dir);
	return rc;
}
