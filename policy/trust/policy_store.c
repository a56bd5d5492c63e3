/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signed policy store: the I/O shell around policy/trust/trust.h.
 *
 * Every file is read once into memory (O_NOFOLLOW, size cap, owner and mode checks on the file
 * and its directory, fstat before and after the read), then verified and parsed from those bytes;
 * nothing is ever re-opened. State (highest serial, last-known-good copy) is written only after
 * every check passed, each file atomically (temp O_EXCL 0600, fsync, rename, fsync directory).
 */
#include "policy/trust/policy_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "policy/base/log.h"
#include "policy/base/fileio.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "paths.h"
#include "policy/trust/trust.h"

#define STATE_SERIAL    "serial"
#define STATE_LKG       "last-good.conf"
#define STATE_LKG_SIG   "last-good.conf.sig"
#define STATE_MAX_BYTES 4096

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy, policy_free);

struct bytes {
	uint8_t *data;
	size_t len;
};

static void bytes_done(struct bytes *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

struct state {
	bool valid;
	uint64_t serial;
	uint8_t sha256[32];
};

/* ---- syscalls through the ops hook ---- */

static int ops_openat(const struct policy_store_config *cfg, int dirfd, const char *path, int flags)
{
	if (cfg->ops && cfg->ops->openat)
		return cfg->ops->openat(dirfd, path, flags, 0);
	return openat(dirfd, path, flags);
}

static int ops_fstat(const struct policy_store_config *cfg, int fd, struct stat *st)
{
	if (cfg->ops && cfg->ops->fstat)
		return cfg->ops->fstat(fd, st);
	return fstat(fd, st);
}

/* ---- reasons ---- */

_printf_(4, 5) static int fail(char *reason, size_t size, int error, const char *fmt, ...)
{
	va_list ap;

	if (reason && size > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, size, fmt, ap);
		va_end(ap);
	}
	return error;
}

static void join_path(char *dst, size_t size, const char *dir, const char *name)
{
	snprintf(dst, size, "%s/%s", dir, name);
}

static unsigned trust_flags(const struct policy_store_config *cfg)
{
	return FILEIO_NOFOLLOW | (cfg->check_owner ? FILEIO_ROOT_OWNED | FILEIO_NO_GW : 0u);
}

/* Opens a directory we trust the contents of. Returns the fd, -ENOENT, or an error with reason. */
static int open_trusted_dir(const struct policy_store_config *cfg, const char *path, char *reason,
                            size_t size)
{
	_cleanup_(closep) int fd = -1;
	char why[128];
	struct stat st;
	int r;

	fd = ops_openat(cfg, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return fail(reason, size, r, "%s: directory does not exist", path);
		if (r == -ELOOP)
			return fail(reason, size, TRUST_E_SYMLINK, "%s: is a symlink, refusing",
			            path);
		if (r == -ENOTDIR)
			return fail(reason, size, TRUST_E_NOT_REGULAR, "%s: not a directory", path);
		return fail(reason, size, r, "%s: cannot open directory: %s", path, strerror(-r));
	}
	if (ops_fstat(cfg, fd, &st) < 0) {
		r = negative_errno();
		return fail(reason, size, r, "%s: cannot stat: %s", path, strerror(-r));
	}
	if (!S_ISDIR(st.st_mode))
		return fail(reason, size, TRUST_E_NOT_REGULAR, "%s: not a directory", path);
	r = file_check_trust(&st, trust_flags(cfg), why, sizeof(why));
	if (r < 0)
		return fail(reason, size, r, "%s: %s", path, why);
	return TAKE_FD(fd);
}

/*
 * Reads dirfd/name (path is for messages) into memory, once (read_file_trusted()). Returns 0 and
 * *ret (caller frees with bytes_done), -ENOENT when it does not exist (reason set), -EFBIG over
 * cap, or another TRUST_E_* with reason.
 */
static int read_trusted_file(const struct policy_store_config *cfg, int dirfd, const char *name,
                             const char *path, size_t cap, struct bytes *ret, char *reason,
                             size_t size)
{
	char why[256], *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file_trusted(cfg->ops, dirfd, name, cap, trust_flags(cfg), &buf, &len, why,
	                      sizeof(why));
	if (r == -EISDIR)
		r = TRUST_E_NOT_REGULAR;
	if (r < 0)
		return fail(reason, size, r, "%s: %s", path, why);
	ret->data = (uint8_t *)buf;
	ret->len = len;
	return 0;
}

/* ---- keys ---- */

static int load_key(const struct policy_store_config *cfg, const char *key_id, EVP_PKEY **ret_key,
                    char *reason, size_t size)
{
	_cleanup_(closep) int dfd = -1;
	_cleanup_(bytes_done) struct bytes pem = { 0 };
	char name[TRUST_KEY_ID_MAX + 8], path[PATH_MAX], err[256];
	int r;

	if (!cfg->keys_dir)
		return fail(reason, size, TRUST_E_UNKNOWN_KEY, "no keys directory configured");
	dfd = open_trusted_dir(cfg, cfg->keys_dir, reason, size);
	if (dfd < 0)
		return dfd == -ENOENT ? TRUST_E_UNKNOWN_KEY : dfd;
	snprintf(name, sizeof(name), "%s.pem", key_id);
	join_path(path, sizeof(path), cfg->keys_dir, name);
	r = read_trusted_file(cfg, dfd, name, path, TRUST_PUBKEY_MAX_BYTES, &pem, reason, size);
	if (r == -ENOENT)
		return fail(reason, size, TRUST_E_UNKNOWN_KEY, "unknown key '%s' (no %s)", key_id,
		            path);
	if (r == -EFBIG)
		return fail(reason, size, -EBADMSG, "%s: too large for a public key", path);
	if (r < 0)
		return r;
	r = trust_pubkey_parse(pem.data, pem.len, ret_key, err, sizeof(err));
	if (r < 0)
		return fail(reason, size, r == -ENOMEM ? r : -EBADMSG, "%s: %s", path, err);
	return 0;
}

/* ---- verification of bytes in memory ---- */

struct verified {
	struct policy *policy;
	bool outside_window; /* only when allow_outside_window */
};

/*
 * Signature, key, parse, key_id, host and (unless allow_outside_window) validity, over bytes
 * already in memory. path/sig_path are for messages.
 */
static int verify_bytes(const struct policy_store_config *cfg, const struct bytes *pol,
                        const struct bytes *sigb, const char *path, const char *sig_path,
                        int64_t now, bool allow_outside_window, struct verified *ret, char *reason,
                        size_t size)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(policy_freep) struct policy *p = NULL;
	uint8_t sig[TRUST_SIG_BYTES];
	char key_id[TRUST_KEY_ID_MAX + 1], err[256], t[32];
	struct policy_error perr = { 0 };
	const char *pid;
	int r;

	r = trust_signature_parse(sigb->data, sigb->len, sig, err, sizeof(err));
	if (r < 0)
		return fail(reason, size, r, "%s: %s", sig_path, err);

	r = trust_scan_key_id((const char *)pol->data, pol->len, key_id, err, sizeof(err));
	if (r == -ENOENT)
		return fail(reason, size, TRUST_E_UNKNOWN_KEY,
		            "%s: no key_id setting: cannot tell which key signed it", path);
	if (r < 0)
		return fail(reason, size, TRUST_E_MALFORMED, "%s: %s", path, err);

	r = load_key(cfg, key_id, &key, reason, size);
	if (r < 0)
		return r;

	r = trust_verify(key, pol->data, pol->len, sig);
	if (r == TRUST_E_BAD_SIGNATURE)
		return fail(reason, size, r, "%s: signature does not verify with key '%s'",
		            sig_path, key_id);
	if (r < 0)
		return fail(reason, size, r, "%s: cannot verify: %s", sig_path, strerror(-r));

	/* Only now, with authentic bytes, does libconfig see them. */
	r = policy_load_from_bytes((const char *)pol->data, pol->len, path, &p, &perr);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (perr.line > 0)
			return fail(reason, size,
			            r == -EFBIG ? TRUST_E_TOO_LARGE : TRUST_E_MALFORMED,
			            "%s:%d: %s", path, perr.line, perr.reason);
		return fail(reason, size, r == -EFBIG ? TRUST_E_TOO_LARGE : TRUST_E_MALFORMED,
		            "%s: %s", path, perr.reason);
	}

	pid = policy_key_id(p);
	if (!pid || strcmp(pid, key_id) != 0)
		return fail(reason, size, TRUST_E_BAD_SIGNATURE,
		            "%s: key_id does not match the verifying key '%s'", path, key_id);

	if (!trust_host_matches(p, cfg->hostname, cfg->machine_id))
		return fail(reason, size, TRUST_E_WRONG_HOST,
		            "%s: not for this host (%s): its hosts list does not name it", path,
		            cfg->hostname ? cfg->hostname : "no hostname");

	r = trust_check_validity(p, now);
	if (r < 0 && !allow_outside_window) {
		if (r == TRUST_E_NOT_YET_VALID)
			return fail(reason, size, r, "%s: not valid before %s", path,
			            trust_format_time(policy_not_before(p), t, sizeof(t)));
		return fail(reason, size, r, "%s: expired at %s", path,
		            trust_format_time(policy_not_after(p), t, sizeof(t)));
	}
	ret->outside_window = r < 0;
	ret->policy = TAKE_PTR(p);
	return 0;
}

/*
 * Reads <dir>/<name> and <dir>/<name>.sig (directory checked) and verifies them. -ENOENT (reason
 * set) only when the policy itself does not exist; a missing .sig is TRUST_E_UNSIGNED.
 * *ret_bytes gets the policy bytes when non-NULL (for persisting them).
 */
static int read_and_verify(const struct policy_store_config *cfg, const char *dir, const char *name,
                           int64_t now, bool allow_outside_window, struct verified *ret,
                           struct bytes *ret_pol, struct bytes *ret_sig, char *reason, size_t size)
{
	_cleanup_(closep) int dfd = -1;
	_cleanup_(bytes_done) struct bytes pol = { 0 }, sig = { 0 };
	char path[PATH_MAX], sig_name[NAME_MAX + 1], sig_path[PATH_MAX + 8];
	int r;

	join_path(path, sizeof(path), dir, name);
	if (snprintf(sig_name, sizeof(sig_name), "%s.sig", name) >= (int)sizeof(sig_name))
		return fail(reason, size, -ENAMETOOLONG, "%s: name too long", path);
	snprintf(sig_path, sizeof(sig_path), "%s.sig", path);

	dfd = open_trusted_dir(cfg, dir, reason, size);
	if (dfd < 0)
		return dfd;
	r = read_trusted_file(cfg, dfd, name, path, PORTCULLIS_POLICY_MAX_BYTES, &pol, reason,
	                      size);
	if (r == -EFBIG)
		return TRUST_E_TOO_LARGE;
	if (r < 0)
		return r;
	r = read_trusted_file(cfg, dfd, sig_name, sig_path, 4096, &sig, reason, size);
	if (r == -ENOENT)
		return fail(reason, size, TRUST_E_UNSIGNED, "%s: not signed (no %s)", path,
		            sig_path);
	if (r == -EFBIG)
		return fail(reason, size, TRUST_E_SIG_OVERSIZED,
		            "%s: signature oversized (a raw Ed25519 signature has 64 bytes)",
		            sig_path);
	if (r < 0)
		return r;
	r = verify_bytes(cfg, &pol, &sig, path, sig_path, now, allow_outside_window, ret, reason,
	                 size);
	if (r < 0)
		return r;
	if (ret_pol)
		*ret_pol = pol, pol = (struct bytes){ 0 };
	if (ret_sig)
		*ret_sig = sig, sig = (struct bytes){ 0 };
	return 0;
}

/* Splits cfg->policy_path into directory and file name. */
static int split_policy_path(const char *path, char *dir, size_t dsize, const char **ret_name)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dsize, ".");
		*ret_name = path;
	} else if (slash == path) {
		snprintf(dir, dsize, "/");
		*ret_name = slash + 1;
	} else {
		if ((size_t)(slash - path) >= dsize)
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		*ret_name = slash + 1;
	}
	if (!**ret_name)
		return -EISDIR;
	return 0;
}

/* ---- state ---- */

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The serial file: "serial <decimal>\nsha256 <64 lowercase hex>\n". Pure parser; -EBADMSG when
 * it is not exactly that.
 */
static int state_parse(const char *buf, size_t len, struct state *ret)
{
	char text[STATE_MAX_BYTES + 1], *p, *end;
	struct state s = { .valid = true };
	unsigned long long v;

	if (len > STATE_MAX_BYTES || memchr(buf, '\0', len))
		return -EBADMSG;
	memcpy(text, buf, len);
	text[len] = '\0';
	if (strncmp(text, "serial ", 7) != 0 || !(text[7] >= '0' && text[7] <= '9'))
		return -EBADMSG;
	errno = 0;
	v = strtoull(text + 7, &end, 10);
	if (errno != 0 || strncmp(end, "\nsha256 ", 8) != 0)
		return -EBADMSG;
	p = end + 8;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_nibble(p[2 * i]), lo = hi < 0 ? -1 : hex_nibble(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EBADMSG;
		s.sha256[i] = (uint8_t)(hi << 4 | lo);
	}
	if (strcmp(p + 64, "\n") != 0)
		return -EBADMSG;
	s.serial = v;
	*ret = s;
	return 0;
}

/*
 * Reads the anti-rollback state. Missing state dir or file: *ret = { .valid = false }, 0.
 * A corrupt serial file is reported (reason) and returns -EBADMSG: callers then take the floor
 * from the last-known-good copy.
 */
static int state_read(const struct policy_store_config *cfg, struct state *ret, char *reason,
                      size_t size)
{
	_cleanup_(closep) int dfd = -1;
	_cleanup_(bytes_done) struct bytes b = { 0 };
	char path[PATH_MAX];
	int r;

	*ret = (struct state){ 0 };
	if (!cfg->state_dir)
		return 0;
	dfd = open_trusted_dir(cfg, cfg->state_dir, reason, size);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	join_path(path, sizeof(path), cfg->state_dir, STATE_SERIAL);
	r = read_trusted_file(cfg, dfd, STATE_SERIAL, path, STATE_MAX_BYTES, &b, reason, size);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = state_parse((const char *)b.data, b.len, ret);
	if (r < 0)
		return fail(reason, size, r, "%s: corrupt", path);
	return 0;
}

static int state_persist(const struct policy_store_config *cfg, const struct bytes *pol,
                         const struct bytes *sig, const struct policy *p, char *reason, size_t size)
{
	_cleanup_(closep) int dfd = -1;
	char text[128], hex[65];
	static const char *const names[] = { STATE_LKG_SIG, STATE_LKG, STATE_SERIAL };
	static const char *const tmps[] = { "." STATE_LKG_SIG ".tmp", "." STATE_LKG ".tmp",
		                            "." STATE_SERIAL ".tmp" };
	const void *datas[3];
	size_t lens[3];
	int r;

	if (!cfg->state_dir || cfg->dry_run)
		return 0;
	if (mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST)
		return fail(reason, size, negative_errno(), "%s: cannot create: %m",
		            cfg->state_dir);
	dfd = open_trusted_dir(cfg, cfg->state_dir, reason, size);
	if (dfd < 0)
		return dfd;

	hex_encode(hex, policy_sha256(p), 32);
	snprintf(text, sizeof(text), "serial %" PRIu64 "\nsha256 %s\n", policy_serial(p), hex);
	datas[0] = sig->data, lens[0] = sig->len;
	datas[1] = pol->data, lens[1] = pol->len;
	datas[2] = text, lens[2] = strlen(text);

	/* All three temp files are complete and synced before the first rename, so a crash leaves
	 * at most a short window in which the copy and its signature disagree (the copy then
	 * fails to verify and the built-in default is used: never weaker). */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		r = write_file_temp(cfg->ops, dfd, tmps[i], datas[i], lens[i], 0600);
		if (r < 0)
			return fail(reason, size, r, "%s/%s: cannot write: %s", cfg->state_dir,
			            tmps[i], strerror(-r));
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (renameat(dfd, tmps[i], dfd, names[i]) < 0) {
			r = negative_errno();
			return fail(reason, size, r, "%s/%s: cannot rename: %s", cfg->state_dir,
			            names[i], strerror(-r));
		}
	if (fsync(dfd) < 0) {
		r = negative_errno();
		return fail(reason, size, r, "%s: cannot sync: %s", cfg->state_dir, strerror(-r));
	}
	return 0;
}

/* The last-known-good copy, re-verified (signature, key still trusted, host); may be outside its
 * validity window. It must not be older than the recorded serial. */
static int load_lkg(const struct policy_store_config *cfg, const struct state *st, int64_t now,
                    struct verified *ret, char *reason, size_t size)
{
	struct verified v = { 0 };
	int r;

	if (!cfg->state_dir)
		return -ENOENT;
	r = read_and_verify(cfg, cfg->state_dir, STATE_LKG, now, true, &v, NULL, NULL, reason,
	                    size);
	if (r < 0)
		return r;
	if (st->valid && policy_serial(v.policy) < st->serial) {
		r = fail(reason, size, TRUST_E_ROLLBACK,
		         "%s/%s: serial %" PRIu64 " is older than the anti-rollback floor %" PRIu64,
		         cfg->state_dir, STATE_LKG, policy_serial(v.policy), st->serial);
		policy_free(v.policy);
		return r;
	}
	if (st->valid && policy_serial(v.policy) == st->serial &&
	    memcmp(policy_sha256(v.policy), st->sha256, 32) != 0) {
		r = fail(reason, size, TRUST_E_SERIAL_REUSED,
		         "%s/%s: serial %" PRIu64 " was accepted with different content",
		         cfg->state_dir, STATE_LKG, st->serial);
		policy_free(v.policy);
		return r;
	}
	*ret = v;
	return 0;
}

/* Anti-rollback: serial must not go down; the same serial only for the identical bytes. */
static int check_rollback(const struct state *st, const struct policy *p, const char *path,
                          char *reason, size_t size)
{
	if (!st->valid)
		return 0;
	if (policy_serial(p) < st->serial)
		return fail(reason, size, TRUST_E_ROLLBACK,
		            "%s: serial %" PRIu64
		            " is lower than the highest accepted serial %" PRIu64
		            " (rollback refused; issue a higher serial)",
		            path, policy_serial(p), st->serial);
	if (policy_serial(p) == st->serial && memcmp(policy_sha256(p), st->sha256, 32) != 0)
		return fail(reason, size, TRUST_E_SERIAL_REUSED,
		            "%s: serial %" PRIu64 " was already accepted with different content "
		            "(every change needs a higher serial)",
		            path, st->serial);
	return 0;
}

/*
 * The floor for anti-rollback: the serial file; when its content is corrupt, the last-known-good
 * copy's serial. Any other failure to read the state (bad ownership, I/O) is returned: a new
 * policy is then refused rather than accepted without its rollback check.
 */
static int read_floor(const struct policy_store_config *cfg, int64_t now, struct state *ret,
                      char *reason, size_t size)
{
	struct verified v = { 0 };
	struct state none = { 0 };
	char lkg_reason[512];
	int r;

	r = state_read(cfg, ret, reason, size);
	if (r != -EBADMSG)
		return r;
	log_debug("%s; using the last-known-good copy's serial", reason);
	*ret = none;
	if (load_lkg(cfg, &none, now, &v, lkg_reason, sizeof(lkg_reason)) >= 0) {
		ret->valid = true;
		ret->serial = policy_serial(v.policy);
		memcpy(ret->sha256, policy_sha256(v.policy), 32);
		policy_free(v.policy);
	}
	return 0;
}

/*
 * The floor is the highest serial ever put in force: the saved one, or current's when saving the
 * state failed since (current is the last policy policy_store_load() returned).
 */
static void raise_floor(struct state *st, const struct policy *current)
{
	if (!current || policy_serial(current) <= (st->valid ? st->serial : 0))
		return;
	st->valid = true;
	st->serial = policy_serial(current);
	memcpy(st->sha256, policy_sha256(current), 32);
}

int policy_store_verify_file(const struct policy_store_config *cfg, int64_t now,
                             struct policy **ret_policy, char *reason, size_t reason_size)
{
	char dir[PATH_MAX];
	const char *name;
	struct state st;
	struct verified v = { 0 };
	int r;

	if (!cfg || !cfg->policy_path)
		return -EINVAL;
	r = split_policy_path(cfg->policy_path, dir, sizeof(dir), &name);
	if (r < 0)
		return fail(reason, reason_size, r, "%s: not a file name", cfg->policy_path);
	r = read_and_verify(cfg, dir, name, now, false, &v, NULL, NULL, reason, reason_size);
	if (r < 0)
		return r;
	r = read_floor(cfg, now, &st, reason, reason_size);
	if (r >= 0)
		r = check_rollback(&st, v.policy, cfg->policy_path, reason, reason_size);
	if (r < 0) {
		policy_free(v.policy);
		return r;
	}
	*ret_policy = v.policy;
	return 0;
}

int policy_store_load(const struct policy_store_config *cfg, const struct policy *current,
                      int64_t now, struct policy **ret_policy, struct policy_load_result *ret)
{
	_cleanup_(bytes_done) struct bytes pol = { 0 }, sig = { 0 };
	struct policy_load_result res = { .status = POLICY_STATUS_REJECTED };
	struct verified v = { 0 }, lkg = { 0 };
	char dir[PATH_MAX], lkg_reason[512];
	const char *name;
	struct state st;
	struct policy *builtin;
	int r;

	if (!cfg || !cfg->policy_path || !ret_policy || !ret)
		return -EINVAL;

	r = read_floor(cfg, now, &st, res.reason, sizeof(res.reason));
	if (r < 0)
		st = (struct state){ 0 }; /* the new file is refused; the copy is still checked */
	raise_floor(&st, current);
	if (r >= 0) {
		r = split_policy_path(cfg->policy_path, dir, sizeof(dir), &name);
		if (r < 0)
			(void)fail(res.reason, sizeof(res.reason), r, "%s: not a file name",
			           cfg->policy_path);
	}
	if (r >= 0)
		r = read_and_verify(cfg, dir, name, now, false, &v, &pol, &sig, res.reason,
		                    sizeof(res.reason));
	if (r >= 0) {
		r = check_rollback(&st, v.policy, cfg->policy_path, res.reason, sizeof(res.reason));
		if (r < 0)
			v.policy = policy_free(v.policy);
	}
	if (r >= 0) {
		res.source = "file";
		res.reason[0] = '\0';
		if (current && memcmp(policy_sha256(current), policy_sha256(v.policy), 32) == 0) {
			res.status = POLICY_STATUS_UNCHANGED;
		} else {
			res.status = POLICY_STATUS_ACCEPTED;
			/* The policy verified: it is enforced even if saving the state fails (the
			 * caller's current policy holds the floor then); state_error and the reason
			 * say so for the caller's report. */
			res.state_error = state_persist(cfg, &pol, &sig, v.policy, res.reason,
			                                sizeof(res.reason));
			if (res.state_error > 0)
				res.state_error = 0;
		}
		*ret_policy = v.policy;
		*ret = res;
		return 0;
	}
	if (r == -ENOENT) {
		res.status = POLICY_STATUS_MISSING; /* the policy file or its directory */
		res.error = 0;
	} else {
		res.status = POLICY_STATUS_REJECTED; /* also -ENOMEM: an internal failure */
		res.error = r;
	}

	/* Never weaker: the last-known-good copy (even if expired) unless it is below the floor
	 * (older than what is in force because saving the state failed, or an older signed copy
	 * swapped in), else what is in force, else the built-in default. */
	r = load_lkg(cfg, &st, now, &lkg, lkg_reason, sizeof(lkg_reason));
	if (r >= 0) {
		res.source = "last-known-good";
		res.expired = lkg.outside_window;
		*ret_policy = lkg.policy;
		*ret = res;
		return 0;
	}
	if (cfg->state_dir)
		log_debug("last-known-good policy not usable: %s", lkg_reason);
	/* The policy in force was accepted earlier: keep it rather than fall back to the built-in
	 * default, which may be weaker than what IT signed. */
	if (current) {
		res.source = "current";
		res.expired = policy_not_after(current) < now || policy_not_before(current) > now;
		*ret_policy = policy_ref(current);
		*ret = res;
		return 0;
	}
	builtin = policy_builtin_default();
	if (!builtin)
		return -ENOMEM; /* the caller keeps enforcing what it has */
	res.source = "built-in";
	res.expired = false;
	*ret_policy = builtin;
	*ret = res;
	return 0;
}
