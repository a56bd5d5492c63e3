#!/usr/bin/python3
# The seccomp filter of portcullis-uplink (agent/uplink/uplink_sandbox.c), with the child driven the way
# the agent drives it (its end of a SOCK_SEQPACKET socketpair on fd 3):
#   1) --sandbox-selftest=CALL installs the filter exactly as in production, then tries CALL:
#      execve("/bin/true"), openat for writing, an AF_PACKET socket, ptrace, setuid,
#      ioctl(FIONBIO) must each kill the child with SIGSYS; an AF_NETLINK socket must fail with
#      EAFNOSUPPORT (exit 0), and openat read-only (the control) must work;
#   2) a child connected over TLS to a collector named "localhost" (getaddrinfo through
#      /etc/hosts) shows "Seccomp: 2" in /proc/PID/status, delivers a record (ACK) and exits 0
#      when the agent goes away -- all under the filter;
#   3) a host name only the DNS resolver can answer (UDP to resolv.conf's server, which may not
#      exist): the child reports "cannot resolve" and stays alive, still filtered;
#   4) a name with two addresses (::1 and 127.0.0.1, from an /etc/hosts bind-mounted in a private
#      mount namespace): getaddrinfo's address sorting tries rtnetlink, which the filter refuses
#      with an error, and the child still connects and delivers (skipped if unshare -m fails).
# In a sanitizer build the child does not install the filter (it says so): the functional checks
# still run, then the test reports SKIP (77). Needs root (the child drops to "nobody").
# Usage: uplink-sandbox.py PATH-TO-portcullis-uplink
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

HELPER = sys.argv[1]
DEADLINE = 30  # seconds per wait; every wait polls or blocks with this deadline
MSG_RECORD, MSG_ACK, MSG_STATUS = 1, 2, 3
fails = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        fails.append(what)
    return ok


def seccomp_mode(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Seccomp:"):
                return int(line.split()[1])
    return None


def start(args, env=None, prefix=()):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen(list(prefix) + [HELPER] + args, pass_fds=(3, b.fileno()),
                         preexec_fn=lambda: os.dup2(b.fileno(), 3),
                         stderr=subprocess.PIPE, env=env)
    b.close()
    return p, a


def finish(p, a):
    """Closes the agent's end; returns (exit status, stderr)."""
    a.close()
    try:
        p.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return p.returncode, p.stderr.read().decode(errors="replace")


def recv_msg(a, want_type, pred=lambda body: True):
    """Waits for a message of want_type whose body satisfies pred; returns the body or None."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        a.settimeout(max(0.01, end - time.monotonic()))
        try:
            m = a.recv(70000)
        except socket.timeout:
            return None
        if not m:
            return None
        t, _, n = struct.unpack_from("<HHI", m)
        if t == want_type and pred(m[8:8 + n]):
            return m[8:8 + n]
    return None


def status_text(body):
    (tl,) = struct.unpack_from("<H", body, 2)
    return body[4:4 + tl].decode()


def pki(d):
    def run(*cmd):
        subprocess.run(cmd, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=pc sandbox CA")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "ca.pem"), 0o644)


class Collector:
    """A TLS syslog collector on 127.0.0.1 that keeps what it receives."""

    def __init__(self, d=None):
        self.ctx = None  # plain TCP without a PKI directory
        if d:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(os.path.join(d, "server.pem"),
                                     os.path.join(d, "server.key"))
        self.lsock = socket.create_server(("127.0.0.1", 0))
        self.port = self.lsock.getsockname()[1]
        self.data = b""
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.lsock.accept()
                s = self.ctx.wrap_socket(conn, server_side=True) if self.ctx else conn
            except (OSError, ssl.SSLError):
                continue
            threading.Thread(target=self.read, args=(s,), daemon=True).start()

    def read(self, s):
        while True:
            try:
                b = s.recv(65536)
            except (OSError, ssl.SSLError):
                return
            if not b:
                return
            with self.lock:
                self.data += b


if os.geteuid() != 0:
    print("SKIP: needs root (the child drops privileges to 'nobody')")
    sys.exit(77)

# ---- 1) the self-tests: forbidden calls under the filter ----
def selftest(call):
    """Runs the child with --sandbox-selftest=CALL; returns (wait status, stderr)."""
    p, a = start(["--protocol", "syslog", "--host", "127.0.0.1", "--port", "9", "--user", "nobody",
                  "--tls", "0", "--sandbox-selftest=" + call])
    try:
        p.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    a.close()
    return p.returncode, p.stderr.read().decode(errors="replace").strip()


rc, err = selftest("execve")
sanitized = rc == 77 and "sanitizer build" in err
if sanitized:
    print("note: sanitizer build, the child does not install the filter: %s" % err)
else:
    check(rc == -signal.SIGSYS, "self-test execve(\"/bin/true\") under the filter: killed by "
          "SIGSYS (wait status %s, stderr: %r)" % (rc, err[-200:]))
    # each of these works for "nobody" without the filter (the child then exits 1)
    for call in ("openat-write", "socket-packet", "ptrace", "setuid", "ioctl-fionbio"):
        rc, err = selftest(call)
        check(rc == -signal.SIGSYS, "self-test %s under the filter: killed by SIGSYS "
              "(wait status %s, stderr: %r)" % (call, rc, err[-200:]))
    if os.path.exists("/tmp/pc-sandbox-selftest"):
        os.unlink("/tmp/pc-sandbox-selftest")
    rc, err = selftest("socket-netlink")
    check(rc == 0, "self-test socket-netlink under the filter: refused with EAFNOSUPPORT "
          "(wait status %s, stderr: %r)" % (rc, err[-200:]))
    rc, err = selftest("openat-read")
    check(rc == 0, "self-test openat-read (the allowed control) works under the filter "
          "(wait status %s, stderr: %r)" % (rc, err[-200:]))

# ---- 2) TLS to "localhost": filtered, delivers, exits cleanly ----
with tempfile.TemporaryDirectory(prefix="pc-sandbox-") as d:
    pki(d)
    col = Collector(d)
    p, a = start(["--protocol", "syslog", "--host", "localhost", "--port", str(col.port),
                  "--user", "nobody", "--tls", "1", "--ca-file", os.path.join(d, "ca.pem")])
    st = recv_msg(a, MSG_STATUS, lambda body: body[0] == 1)
    if check(st is not None, "TLS via the name \"localhost\": the child reports connected"):
        mode = seccomp_mode(p.pid)
        if not sanitized:
            check(mode == 2, "/proc/%d/status of the running child shows Seccomp: %s (want 2)"
                  % (p.pid, mode))
        payload = b'{"seq":1,"type":"sandbox-test"}'
        a.send(struct.pack("<HHIQ", MSG_RECORD, 0, 8 + len(payload), 1) + payload)
        ack = recv_msg(a, MSG_ACK)
        check(ack is not None and struct.unpack("<Q", ack)[0] == 1,
              "a record sent under the filter is acknowledged (ACK seq 1)")
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end and payload not in col.data:
            time.sleep(0.01)
        check(payload in col.data, "the collector received the record")
    rc, err = finish(p, a)
    check(rc == 0, "agent gone: the filtered child exits with status 0 (status %s, stderr: %r)"
          % (rc, err.strip()[-300:]))

# ---- 3) a name only the DNS resolver knows (UDP under the filter) ----
env = dict(os.environ, RES_OPTIONS="timeout:1 attempts:1")
p, a = start(["--protocol", "syslog", "--host", "pc-sandbox-test.invalid", "--port", "6514",
              "--user", "nobody", "--tls", "0"], env)
st = recv_msg(a, MSG_STATUS, lambda body: "cannot resolve" in status_text(body))
check(st is not None and p.poll() is None,
      "an unresolvable name is reported (%r) and the child lives on"
      % (status_text(st) if st else None))
if not sanitized and p.poll() is None:
    check(seccomp_mode(p.pid) == 2, "the resolving child is filtered (Seccomp: 2)")
rc, err = finish(p, a)
check(rc == 0, "agent gone: exit status 0 after the resolver was used (status %s, stderr: %r)"
      % (rc, err.strip()[-300:]))

# ---- 4) a name with two addresses ----
with tempfile.TemporaryDirectory(prefix="pc-sandbox-") as d:
    hosts = os.path.join(d, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n::1 pc-sandbox-multi\n127.0.0.1 pc-sandbox-multi\n")
    ns = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts]
    probe = subprocess.run(ns + ["true"], stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        print("note: unshare --mount is not possible here, the two-address case is not checked")
    else:
        col = Collector()
        p, a = start(["--protocol", "syslog", "--host", "pc-sandbox-multi", "--port",
                      str(col.port), "--user", "nobody", "--tls", "0"], prefix=ns)
        st = recv_msg(a, MSG_STATUS, lambda body: body[0] == 1)
        if check(st is not None, "a name with two addresses (::1, 127.0.0.1): connected"):
            if not sanitized:
                check(seccomp_mode(p.pid) == 2, "that child is filtered (Seccomp: 2)")
            payload = b'{"seq":1,"type":"sandbox-multi"}'
            a.send(struct.pack("<HHIQ", MSG_RECORD, 0, 8 + len(payload), 1) + payload)
            ack = recv_msg(a, MSG_ACK)
            check(ack is not None and struct.unpack("<Q", ack)[0] == 1,
                  "a name with two addresses: the record is acknowledged")
        rc, err = finish(p, a)
        check(rc == 0, "a name with two addresses: exit status 0 when the agent goes "
              "(status %s, stderr: %r)" % (rc, err.strip()[-300:]))

if fails:
    print("%d check(s) failed" % len(fails))
    sys.exit(1)
if sanitized:
    print("SKIP: functional checks passed, but a sanitizer build runs without the filter")
    sys.exit(77)
sys.exit(0)
