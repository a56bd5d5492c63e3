#!/usr/bin/python3
# portcullis-uplink as the agent sees it on fd 3: a malformed message from the agent ends the child
# with status 1 (treated as compromise), and the agent closing its end ends it with status 0.
# Usage: uplink-child-exit.py PATH-TO-portcullis-uplink
import os
import socket
import subprocess
import sys

HELPER = sys.argv[1]
ARGS = ["--protocol", "syslog", "--host", "127.0.0.1", "--port", "9", "--user", "nobody",
        "--tls", "0"]


def run(payload):
    """Starts the child with one end of a socketpair as fd 3; returns its exit status."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([HELPER] + ARGS, pass_fds=(3, b.fileno()),
                         preexec_fn=lambda: os.dup2(b.fileno(), 3),
                         stderr=subprocess.DEVNULL)
    b.close()
    if payload is not None:
        a.send(payload)
    else:
        a.close()
    try:
        return p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return "timeout"
    finally:
        a.close()


if os.geteuid() != 0:
    print("SKIP: needs root (the child drops privileges to 'nobody')")
    sys.exit(77)

failed = False
# type 7 does not exist: the message is malformed
for name, payload, want in (("malformed message", b"\x07\x00\x00\x00\x00\x00\x00\x00", 1),
                            ("agent gone", None, 0)):
    got = run(payload)
    ok = got == want
    failed |= not ok
    print("%s: %s (exit status %s, want %s)" % ("ok" if ok else "FAIL", name, got, want))
sys.exit(1 if failed else 0)
