/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp allow-list of portcullis-uplink. The set was measured (strace -f of the child during the
 * uplink integration tests: syslog+TLS, RELP+TLS, outage/reconnect, mutual TLS, a host name via
 * /etc/hosts and via the DNS resolver) and is documented in docs/uplink.md. Argument filters:
 *   socket  only AF_INET, AF_INET6 (collector, resolver) and AF_UNIX (glibc's nscd probe);
 *           AF_NETLINK fails with EAFNOSUPPORT instead of killing: getaddrinfo asks rtnetlink for
 *           the local addresses when a name has several (RFC 6724 sorting) and copes without;
 *   openat  only without write access, creation, truncation or O_TMPFILE (getaddrinfo reads
 *           /etc/hosts, nsswitch.conf, resolv.conf, gai.conf and loads the NSS modules);
 *   ioctl   only SIOCOUTQ (syslog delivery check) and FIONREAD (resolver).
 * execve, ptrace, mount, chroot, set*id, kexec, bpf, perf_event_open, module loading, ... are not
 * listed and therefore kill the process.
 */
#include "agent/uplink/uplink_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/base/log.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* Allowed without argument checks. */
static const char *const plain[] = {
	/* I/O on the parent socket, the collector socket, stderr and files opened read-only */
	"read",
	"write",
	"writev",
	"close",
	"lseek",
	"fstat",
	"newfstatat",
	"fcntl",
	"poll",
	"ppoll",
	/* sockets (creation is checked below); getsockname: getaddrinfo's RFC 6724 sorting */
	"connect",
	"sendto",
	"recvfrom",
	"sendmsg",
	"recvmsg",
	"sendmmsg",
	"getsockopt",
	"setsockopt",
	"getsockname",
	/* memory (glibc malloc, OpenSSL, NSS modules getaddrinfo may dlopen()) */
	"mmap",
	"munmap",
	"mprotect",
	"brk",
	"mremap",
	"madvise",
	/* signals */
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"restart_syscall",
	/* time (when the vDSO is not usable), randomness, what glibc/OpenSSL ask at run time */
	"clock_gettime",
	"gettimeofday",
	"time",
	"nanosleep",
	"clock_nanosleep",
	"getrandom",
	"getpid",
	"uname",
	"futex",
	/* the end */
	"exit",
	"exit_group",
};

static int add(scmp_filter_ctx ctx, const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture (e.g. "time" on arm64) */
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
	if (r < 0)
		return log_error_errno(r, "seccomp: cannot allow %s: %m", name);
	return 0;
}

static int build(scmp_filter_ctx ctx)
{
	int r;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		r = add(ctx, plain[i], 0, NULL);
		if (r < 0)
			return r;
	}
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX };
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		/* an int argument: compare its low 32 bits only */
		struct scmp_arg_cmp a = { .arg = 0,
			                  .op = SCMP_CMP_MASKED_EQ,
			                  .datum_a = 0xffffffffu,
			                  .datum_b = (scmp_datum_t)families[i] };
		r = add(ctx, "socket", 1, &a);
		if (r < 0)
			return r;
	}
	/* an int argument: compare its low 32 bits only */
	struct scmp_arg_cmp nl = {
		.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu, .datum_b = AF_NETLINK
	};
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, &nl);
	if (r < 0)
		return log_error_errno(r, "seccomp: cannot add the AF_NETLINK rule: %m");
	static const unsigned long requests[] = { SIOCOUTQ, FIONREAD };
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		struct scmp_arg_cmp a = { .arg = 1,
			                  .op = SCMP_CMP_MASKED_EQ,
			                  .datum_a = 0xffffffffu,
			                  .datum_b = (scmp_datum_t)requests[i] };
		r = add(ctx, "ioctl", 1, &a);
		if (r < 0)
			return r;
	}
	/* openat(dirfd, path, flags, mode): nothing that could write or create */
	const scmp_datum_t wr = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE;
	struct scmp_arg_cmp ro = {
		.arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = wr, .datum_b = 0
	};
	return add(ctx, "openat", 1, &ro);
}

int uplink_sandbox_install(enum uplink_sandbox_mode mode)
{
	scmp_filter_ctx ctx =
	    seccomp_init(mode == UPLINK_SANDBOX_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return log_error_errno(-ENOMEM, "seccomp: cannot create the filter");
	int r = build(ctx);
#ifdef PORTCULLIS_SANITIZED
	/* built (so that the sanitizers check its construction) but not loaded */
	if (r >= 0) {
		log_warning("sanitizer build: the seccomp filter is NOT installed (the ASan/UBSan "
		            "run-time needs syscalls it denies, e.g. ptrace for the leak check)");
		r = -EOPNOTSUPP;
	}
#else
	if (r >= 0) {
		r = seccomp_load(ctx);
		if (r < 0)
			log_error_errno(r, "seccomp: cannot load the filter: %m");
	}
#endif
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}

int uplink_sandbox_selftest(const char *call)
{
	int one = 1, fd, r;

	if (!strcmp(call, "openat-read")) {
		fd = openat(AT_FDCWD, "/etc/hosts", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return log_error_errno(-errno, "sandbox self-test: openat-read failed: %m");
		(void)close(fd);
		return 0;
	}
	if (!strcmp(call, "execve")) {
		char *const argv[] = { (char *)"true", NULL };
		r = execve("/bin/true", argv, argv + 1);
	} else if (!strcmp(call, "openat-write")) {
		r = fd = openat(AT_FDCWD, "/tmp/pc-sandbox-selftest",
		                O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	} else if (!strcmp(call, "socket-netlink")) {
		/* the one call that is refused with an error instead of killing */
		r = fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (r < 0 && errno == EAFNOSUPPORT)
			return 0;
	} else if (!strcmp(call, "socket-packet")) {
		r = fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	} else if (!strcmp(call, "ptrace")) {
		r = (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (!strcmp(call, "setuid")) {
		r = setuid(getuid());
	} else if (!strcmp(call, "ioctl-fionbio")) {
		r = ioctl(3, FIONBIO, &one);
	} else {
		return log_error_errno(-EINVAL, "sandbox self-test: unknown call \"%s\"", call);
	}
	log_error("sandbox self-test: %s was not stopped (returned %d, %s)", call, r,
	          r < 0 ? strerror(errno) : "success");
	return -EPERM;
}
