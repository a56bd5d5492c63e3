/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp allow-list of portcullis-uplink (libseccomp). Installed once the child has loaded its
 * TLS files and dropped its privileges, before its first network byte. Everything not listed ends
 * the process with SIGSYS (SCMP_ACT_KILL_PROCESS).
 */
#pragma once

enum uplink_sandbox_mode {
	UPLINK_SANDBOX_ENFORCE, /* production: a syscall outside the list kills the process */
	UPLINK_SANDBOX_LOG,     /* debugging only: allowed, but logged by the kernel (audit) */
};

/*
 * Installs the filter for the calling process (needs PR_SET_NO_NEW_PRIVS set before). Returns 0,
 * -EOPNOTSUPP when the binary is built with sanitizers (PORTCULLIS_SANITIZED: their run-time needs
 * ptrace, clone and more for reports and leak checks; nothing is installed then), or a negative
 * errno from libseccomp.
 */
int uplink_sandbox_install(enum uplink_sandbox_mode mode);

/*
 * Test only (portcullis-uplink --sandbox-selftest=CALL, after uplink_sandbox_install()): makes one
 * call. Denied ones -- "execve" (/bin/true), "openat-write" (creates /tmp/pc-sandbox-selftest),
 * "socket-packet" (AF_PACKET), "ptrace" (PTRACE_TRACEME), "setuid" (to the own uid),
 * "ioctl-fionbio" (on fd 3) -- must kill the process; "socket-netlink" (NETLINK_ROUTE) must fail
 * with EAFNOSUPPORT; "openat-read" (reads /etc/hosts) is the allowed control. Returns 0 when the
 * call behaved as the filter wants and returned, a negative errno when a call returned that should
 * not have (or for an unknown CALL).
 */
int uplink_sandbox_selftest(const char *call);
