/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullis policy keygen | sign | verify | check | show | test
 *
 * What IT needs to produce and inspect signed policies. Signing needs no tool of ours (openssl
 * pkeyutl -sign -rawin makes the same raw 64-byte signature); these commands add the checks that
 * catch mistakes before a policy is pushed. Exit status: 0 ok, 1 refused/failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agent/cli/cli_host.h"
#include "agent/cli/commands.h"
#include "policy/base/clock.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "policy/lang/policy.h"
#include "policy/trust/policy_store.h"
#include "policy/trust/trust.h"

#define PRIVKEY_MAX_BYTES 16384

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy, policy_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO, BIO_free);

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: portcullis policy COMMAND ...\n\n"
	        "  keygen --out DIR --id NAME     make DIR/NAME.key (private) and DIR/NAME.pem\n"
	        "  sign --key FILE.key POLICY     write POLICY.sig (raw Ed25519 signature)\n"
	        "  verify [--keys DIR] [--state DIR] [--host NAME] [--no-owner-check] FILE\n"
	        "                                 would this host accept FILE?\n"
	        "  check FILE                     parse and lint FILE (no signature)\n"
	        "  show [--builtin | FILE]        print a policy; no argument: the one in force\n"
	        "  test FILE [--json]             evaluate the attached devices against FILE\n"
	        "  generate [--attached] [--from-log DIR]... [--key-id ID] [--serial N]\n"
	        "                                 an allow-list of the devices seen (unsigned)\n"
	        "  diff OLD NEW [--from-log DIR]... [--attached]\n"
	        "                                 rules and device decisions a push changes\n\n"
	        "Keys: %s   Policy: %s   State: %s\n"
	        "See portcullis(8) and docs/it-guide.md.\n",
	        PORTCULLIS_KEYS_DIR, PORTCULLIS_POLICY_FILE, PORTCULLIS_STATE_DIR);
}

_printf_(1, 2) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "portcullis policy: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'portcullis policy --help'.\n");
	return 2;
}

/* Escaped copy of an argument or policy string for printing. */
static const char *esc(char *buf, size_t size, const char *s)
{
	str_escape(buf, size, s ? s : "", s ? strlen(s) : 0);
	return buf;
}

/* Reads a whole file (regular, at most cap bytes, -EFBIG over it). *ret_buf is NUL-terminated;
 * caller frees. read_file_bounded() wipes what it read on its error paths (private keys). */
static int read_all(const char *path, size_t cap, uint8_t **ret_buf, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	int r = read_file_bounded(path, cap, &buf, &len);

	if (r < 0)
		return r;
	if (len > cap) {
		explicit_bzero(buf, len);
		free(buf);
		return -EFBIG;
	}
	*ret_buf = (uint8_t *)buf;
	*ret_len = len;
	return 0;
}

/* Writes data to path atomically (write_file_atomic()): a new file unless replace. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode, bool replace)
{
	return write_file_atomic(NULL, AT_FDCWD, path, data, len, mode,
	                         replace ? 0u : FILEIO_NOREPLACE);
}

/* ---- keygen ---- */

/* PEM of the key into a secure-memory BIO (wiped when freed) and out to path. */
static int write_key_pem(const char *path, EVP_PKEY *key, bool private_key)
{
	_cleanup_(BIO_freep) BIO *b = BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem());
	char *data = NULL;
	long n;
	int r;

	if (!b)
		return -ENOMEM;
	if (private_key)
		r = PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL); /* PKCS#8 */
	else
		r = PEM_write_bio_PUBKEY(b, key);
	if (r != 1)
		return -ENOMEM;
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		return -ENOMEM;
	r = write_file(path, data, (size_t)n, private_key ? 0600 : 0644, false);
	if (private_key)
		OPENSSL_cleanse(data, (size_t)n);
	return r;
}

static int policy_keygen(int argc, char **argv)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	const char *out = NULL, *id = NULL;
	char priv[PATH_MAX], pub[PATH_MAX], e[PATH_MAX];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--id") && i + 1 < argc)
			id = argv[++i];
		else
			return usage_error("keygen: unexpected argument '%s'", argv[i]);
	}
	if (!out || !id)
		return usage_error("keygen needs --out DIR and --id NAME");
	if (!trust_key_id_valid(id, strlen(id)))
		return usage_error(
		    "keygen: key id '%s' must be 1-128 characters of A-Z a-z 0-9 . _ "
		    ": @ - (not starting with '.')",
		    esc(e, sizeof(e), id));
	if (snprintf(priv, sizeof(priv), "%s/%s.key", out, id) >= (int)sizeof(priv) ||
	    snprintf(pub, sizeof(pub), "%s/%s.pem", out, id) >= (int)sizeof(pub))
		return usage_error("keygen: path too long");

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!key) {
		fprintf(stderr, "portcullis policy keygen: key generation failed\n");
		return 1;
	}
	r = write_key_pem(priv, key, true);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", esc(e, sizeof(e), priv), strerror(-r));
		return 1;
	}
	r = write_key_pem(pub, key, false);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", esc(e, sizeof(e), pub), strerror(-r));
		(void)unlink(priv); /* a private key without its public half is of no use */
		return 1;
	}
	printf("%s: private key (keep it offline, mode 0600)\n", esc(e, sizeof(e), priv));
	printf("%s: public key (install as %s/%s.pem on every host)\n", esc(e, sizeof(e), pub),
	       PORTCULLIS_KEYS_DIR, id);
	return 0;
}

/* ---- sign ---- */

/* Loads a PEM private key; the file bytes are wiped before return on every path. */
static int load_private_key(const char *path, EVP_PKEY **ret_key)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	EVP_PKEY *key = NULL;
	BIO *b;
	int r;

	r = read_all(path, PRIVKEY_MAX_BYTES, &buf, &len);
	if (r < 0)
		return r;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b) {
		key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	ERR_clear_error();
	if (!key)
		return -EBADMSG;
	if (!EVP_PKEY_is_a(key, "ED25519")) {
		EVP_PKEY_free(key);
		return -EPROTOTYPE;
	}
	*ret_key = key;
	return 0;
}

/* Key id from a key file name: base name without ".key" (or ".pem", as openssl users name it). */
static int key_id_from_path(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && (!strcmp(base + n - 4, ".key") || !strcmp(base + n - 4, ".pem")))
		n -= 4;
	if (n >= size || !trust_key_id_valid(base, n))
		return -EINVAL;
	memcpy(buf, base, n);
	buf[n] = 0;
	return 0;
}

static int policy_sign(int argc, char **argv)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
	_cleanup_(policy_freep) struct policy *p = NULL;
	_cleanup_(freep) uint8_t *text = NULL;
	const char *keyfile = NULL, *path = NULL;
	char key_id[TRUST_KEY_ID_MAX + 1], sig_path[PATH_MAX], e[PATH_MAX], e2[256];
	struct policy_error perr = { 0 };
	uint8_t sig[TRUST_SIG_BYTES];
	size_t len = 0, siglen = sizeof(sig);
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc)
			keyfile = argv[++i];
		else if (argv[i][0] == '-' || path)
			return usage_error("sign: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!keyfile || !path)
		return usage_error("sign needs --key FILE.key and a POLICY file");
	if (key_id_from_path(keyfile, key_id, sizeof(key_id)) < 0) {
		fprintf(stderr,
		        "%s: the file name (without .key) is the key id and must be 1-128 of "
		        "A-Z a-z 0-9 . _ : @ -\n",
		        esc(e, sizeof(e), keyfile));
		return 1;
	}
	if (snprintf(sig_path, sizeof(sig_path), "%s.sig", path) >= (int)sizeof(sig_path))
		return usage_error("sign: path too long");

	r = load_private_key(keyfile, &key);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", esc(e, sizeof(e), keyfile),
		        r == -EBADMSG ? "not a PEM private key (the .pem file is the public half)"
		        : r == -EPROTOTYPE ? "not an Ed25519 key"
		                           : strerror(-r));
		return 1;
	}
	r = read_all(path, PORTCULLIS_POLICY_MAX_BYTES, &text, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", esc(e, sizeof(e), path),
		        r == -EFBIG ? "too large" : strerror(-r));
		return 1;
	}
	/* Refuse to sign what no agent would load. */
	r = policy_load_from_bytes((const char *)text, len, path, &p, &perr);
	if (r < 0) {
		if (perr.line > 0)
			fprintf(stderr, "%s:%d: %s (not signed)\n", esc(e, sizeof(e), path),
			        perr.line, perr.reason);
		else
			fprintf(stderr, "%s: %s (not signed)\n", esc(e, sizeof(e), path),
			        perr.reason);
		return 1;
	}
	if (!policy_key_id(p) || strcmp(policy_key_id(p), key_id) != 0) {
		fprintf(stderr,
		        "%s: key_id \"%s\" does not name the signing key '%s' (not signed)\n",
		        esc(e, sizeof(e), path), esc(e2, sizeof(e2), policy_key_id(p)), key_id);
		return 1;
	}

	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, text, len) != 1 || siglen != sizeof(sig)) {
		ERR_clear_error();
		fprintf(stderr, "%s: signing failed\n", esc(e, sizeof(e), path));
		return 1;
	}
	/* Self-check with the public half, over the same bytes. */
	if (trust_verify(key, text, len, sig) != 0) {
		fprintf(stderr, "%s: signature does not verify (internal error)\n",
		        esc(e, sizeof(e), path));
		return 1;
	}
	r = write_file(sig_path, sig, sizeof(sig), 0644, true);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", esc(e, sizeof(e), sig_path), strerror(-r));
		return 1;
	}
	printf("%s: signed with key '%s' (serial %" PRIu64 ")\n", esc(e, sizeof(e), sig_path),
	       key_id, policy_serial(p));
	return 0;
}

/* ---- verify ---- */

/* Prints "FILE: reason", unless reason already starts with the file name. */
static void print_reason(const char *path, const char *reason)
{
	char e[PATH_MAX], e2[1024];
	esc(e, sizeof(e), path);
	esc(e2, sizeof(e2), reason);
	if (str_startswith(e2, e) && e2[strlen(e)] == ':')
		printf("%s\n", e2);
	else
		printf("%s: %s\n", e, e2);
}

static int policy_verify(int argc, char **argv)
{
	_cleanup_(policy_freep) struct policy *p = NULL;
	const char *keys = PORTCULLIS_KEYS_DIR, *state = NULL, *host = NULL, *path = NULL;
	bool owner = true;
	struct cli_host h;
	char reason[512], t[32], e[PATH_MAX];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--keys") && i + 1 < argc)
			keys = argv[++i];
		else if (!strcmp(argv[i], "--state") && i + 1 < argc)
			state = argv[++i];
		else if (!strcmp(argv[i], "--host") && i + 1 < argc)
			host = argv[++i];
		else if (!strcmp(argv[i], "--no-owner-check"))
			owner = false;
		else if (argv[i][0] == '-' || path)
			return usage_error("verify: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return usage_error("verify needs a FILE");
	if (!state && access(PORTCULLIS_STATE_DIR, F_OK) == 0)
		state = PORTCULLIS_STATE_DIR;
	cli_host_read(&h, host);

	struct policy_store_config cfg = {
		.policy_path = path,
		.keys_dir = keys,
		.state_dir = state,
		.hostname = h.hostname[0] ? h.hostname : NULL,
		.machine_id = h.machine_id[0] ? h.machine_id : NULL,
		.check_owner = owner,
		.dry_run = true,
	};
	r = policy_store_verify_file(&cfg, clock_realtime_sec(), &p, reason, sizeof(reason));
	if (r < 0) {
		print_reason(path, reason);
		return 1;
	}
	printf("%s: OK (serial %" PRIu64 ", key %s, valid until %s)\n", esc(e, sizeof(e), path),
	       policy_serial(p), policy_key_id(p),
	       trust_format_time(policy_not_after(p), t, sizeof(t)));
	return 0;
}

/* ---- show ---- */

/* "ends 2027-01-31T18:00:00Z", "starts ...", "hosts: a, b" of a time-boxed rule. */
static void print_rule_limits(const struct policy *p, size_t i, int64_t now)
{
	int64_t nb = policy_rule_not_before(p, i), na = policy_rule_not_after(p, i);
	char a[32], b[32], e[300];

	if (nb != INT64_MIN || na != INT64_MAX) {
		printf("       window: %s .. %s", trust_format_time(nb, a, sizeof(a)),
		       trust_format_time(na, b, sizeof(b)));
		if (now > na)
			printf("  (ENDED %s: matches nothing)\n", b);
		else if (now < nb)
			printf("  (not yet: starts %s)\n", a);
		else if (na != INT64_MAX)
			printf("  (ends %s)\n", b);
		else
			printf("\n");
	}
	if (policy_rule_n_hosts(p, i) > 0) {
		printf("       hosts:");
		for (size_t k = 0; k < policy_rule_n_hosts(p, i); k++)
			printf("%s %s", k ? "," : "", esc(e, sizeof(e), policy_rule_host(p, i, k)));
		printf("\n");
	}
}

/* " key = value;" of rule i, from the loaded policy; nothing when the rule has no such key. */
static void print_rule_key(const struct policy *p, size_t i, const char *key)
{
	char small[512];
	_cleanup_(freep) char *big = NULL;
	const char *v = policy_rule_key_str(p, i, key, small, sizeof(small), &big);

	if (!v || *v)
		printf(" %s = %s;", key, v ? v : "(out of memory)");
}

/* The match keys of each rule, as the agent enforces them (the loaded policy, not the text again:
 * a 100,000-rule file is about 150 MB as a libconfig tree). */
static void print_rules(const struct policy *p)
{
	static const char *const match_keys[] = { "scope", "kind",   "class",        "vid",
		                                  "pid",   "serial", "manufacturer", "product",
		                                  "port",  "hash" };
	int64_t now = clock_realtime_sec();
	char id[160], cm[1100];

	printf("rules (%zu, first match decides):\n", policy_n_rules(p));
	for (size_t i = 0; i < policy_n_rules(p); i++) {
		printf("%5zu  %-24s %-9s", i + 1, esc(id, sizeof(id), policy_rule_id(p, i)),
		       policy_action_to_string(policy_rule_action(p, i)));
		for (size_t k = 0; k < ARRAY_SIZE(match_keys); k++)
			print_rule_key(p, i, match_keys[k]);
		if (policy_rule_transfer_limit(p, i)) {
			char l[128];
			printf(
			    " transfer_alert = %s;",
			    transfer_limit_format(policy_rule_transfer_limit(p, i), l, sizeof(l)));
		}
		if (policy_rule_line(p, i) > 0)
			printf("  (line %d)", policy_rule_line(p, i));
		printf("\n");
		print_rule_limits(p, i, now);
		if (policy_rule_comment(p, i))
			printf("       # %s\n", esc(cm, sizeof(cm), policy_rule_comment(p, i)));
	}
}

static void print_policy(const struct policy *p)
{
	char a[32], b[32], e[1100];
	usb_kind_mask co = policy_charge_only(p);
	bool first = true;

	printf("serial:      %" PRIu64 "\n", policy_serial(p));
	printf("key:         %s\n",
	       policy_key_id(p) ? esc(e, sizeof(e), policy_key_id(p)) : "(none)");
	printf("valid:       %s .. %s\n", trust_format_time(policy_not_before(p), a, sizeof(a)),
	       trust_format_time(policy_not_after(p), b, sizeof(b)));
	printf("hosts:       ");
	if (policy_n_hosts(p) == 0)
		printf("(all)");
	for (size_t i = 0; i < policy_n_hosts(p); i++)
		printf("%s%s", i ? ", " : "", esc(e, sizeof(e), policy_host(p, i)));
	printf("\nmode:        %s\n", policy_mode_to_string(policy_mode(p)));
	printf("default:     %s\n", policy_action_to_string(policy_default_action(p)));
	printf("charge_only: ");
	for (int k = 0; k < _USB_KIND_MAX; k++)
		if (co & USB_KIND_BIT(k)) {
			printf("%s%s", first ? "" : ", ", usb_kind_to_string((enum usb_kind)k));
			first = false;
		}
	printf("%s\n", first ? "(none)" : "");
	size_t n_vendors;
	const uint16_t *vendors = policy_charge_only_vendors(p, &n_vendors);
	printf("charge_only_vendors: ");
	for (size_t i = 0; i < n_vendors; i++)
		printf("%s%04x", i ? ", " : "", vendors[i]);
	printf("%s\n", n_vendors ? " (network-only devices: charge-only)" : "(none)");
	printf("transfer_alert: %s\n",
	       transfer_limit_format(policy_default_transfer_limit(p), e, sizeof(e)));
	print_rules(p);
}

static int show_file(const char *path)
{
	_cleanup_(policy_freep) struct policy *p = NULL, *v = NULL;
	_cleanup_(freep) uint8_t *text = NULL;
	struct policy_error perr = { 0 };
	struct cli_host h;
	char reason[512], ereason[1024], e[PATH_MAX];
	size_t len = 0;
	int r;

	esc(e, sizeof(e), path);
	r = read_all(path, PORTCULLIS_POLICY_MAX_BYTES, &text, &len);
	if (r < 0) {
		printf("%s: %s\n", e, r == -EFBIG ? "too large" : strerror(-r));
		return 1;
	}
	r = policy_load_from_bytes((const char *)text, len, path, &p, &perr);
	if (r < 0) {
		if (perr.line > 0)
			printf("%s:%d: %s\n", e, perr.line, perr.reason);
		else
			printf("%s: %s\n", e, perr.reason);
		return 1;
	}
	/* Whether this host would accept it: shown, not required (IT reads drafts too). */
	cli_host_read(&h, NULL);
	struct policy_store_config cfg = {
		.policy_path = path,
		.keys_dir = PORTCULLIS_KEYS_DIR,
		.state_dir = access(PORTCULLIS_STATE_DIR, F_OK) == 0 ? PORTCULLIS_STATE_DIR : NULL,
		.hostname = h.hostname[0] ? h.hostname : NULL,
		.machine_id = h.machine_id[0] ? h.machine_id : NULL,
		.check_owner = true,
		.dry_run = true,
	};
	r = policy_store_verify_file(&cfg, clock_realtime_sec(), &v, reason, sizeof(reason));
	printf("policy:      %s\n", e);
	if (r >= 0 && memcmp(policy_sha256(v), policy_sha256(p), 32) == 0)
		printf("status:      verified: this host would accept it\n");
	else
		printf("status:      NOT accepted here: %s\n",
		       r < 0 ? esc(ereason, sizeof(ereason), reason) : "changed while being read");
	print_policy(p);
	return 0;
}

static int show_builtin(void)
{
	_cleanup_(policy_freep) struct policy *p = policy_builtin_default();
	if (!p) {
		fprintf(stderr, "portcullis policy show: out of memory\n");
		return 1;
	}
	printf("policy:      built-in default (used when no valid policy was ever accepted)\n");
	print_policy(p);
	return 0;
}

static int show_in_force(void)
{
	_cleanup_(policy_freep) struct policy *p = NULL;
	struct policy_load_result res = { 0 };
	struct cli_host h;
	char path[PATH_MAX];
	int r;

	cli_host_read(&h, NULL);
	struct policy_store_config cfg = {
		.policy_path = PORTCULLIS_POLICY_FILE,
		.keys_dir = PORTCULLIS_KEYS_DIR,
		.state_dir = PORTCULLIS_STATE_DIR,
		.hostname = h.hostname[0] ? h.hostname : NULL,
		.machine_id = h.machine_id[0] ? h.machine_id : NULL,
		.check_owner = true,
		.dry_run = true, /* read-only: "show" never moves the anti-rollback state */
	};
	r = policy_store_load(&cfg, NULL, clock_realtime_sec(), &p, &res);
	if (r < 0) {
		fprintf(stderr, "portcullis policy show: %s\n", strerror(-r));
		return 1;
	}
	if (!strcmp(res.source, "file")) {
		printf("policy:      %s\n", PORTCULLIS_POLICY_FILE);
	} else if (!strcmp(res.source, "last-known-good")) {
		snprintf(path, sizeof(path), "%s/last-good.conf", PORTCULLIS_STATE_DIR);
		printf("policy:      %s (last-known-good)\n", path);
	} else {
		printf("policy:      built-in default\n");
	}
	if (res.status == POLICY_STATUS_MISSING)
		printf("status:      %s does not exist\n", PORTCULLIS_POLICY_FILE);
	else if (res.status == POLICY_STATUS_REJECTED)
		printf("status:      new policy REJECTED: %s\n", res.reason);
	else
		printf("status:      verified\n");
	if (res.expired)
		printf("warning:     outside its validity window; still enforced until a newer "
		       "policy arrives\n");
	print_policy(p);
	return 0;
}

static int policy_show(int argc, char **argv)
{
	if (argc == 1)
		return show_in_force();
	if (argc == 2 && !strcmp(argv[1], "--builtin"))
		return show_builtin();
	if (argc == 2 && argv[1][0] != '-')
		return show_file(argv[1]);
	return usage_error("show takes --builtin or one FILE");
}

/* ---- test ---- */

static int policy_test(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || path)
			return usage_error("test: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return usage_error("test needs a FILE");
	_cleanup_(freep) char *file = strdup(path); /* cmd_devices() takes char ** */
	if (!file)
		return 1;
	char *dargv[] = { "devices", "--policy", file, json ? "--json" : NULL, NULL };
	return cmd_devices(json ? 4 : 3, dargv);
}

int cmd_policy(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "keygen", policy_keygen },
		{ "sign", policy_sign },
		{ "verify", policy_verify },
		{ "check", cmd_policy_check },
		{ "show", policy_show },
		{ "test", policy_test },
		{ "generate", cmd_policy_generate },
		{ "diff", cmd_policy_diff },
	};

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
