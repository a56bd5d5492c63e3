#!/usr/bin/env python3
"""A RELP-over-TLS collector that accepts the session (answers "open") and then, in the first
session, never answers a record; in later sessions it answers every record with 200 OK.
For tests/integration/uplink-rsyslog.sh (i): the sender must time out, reconnect and resend.

    relp-mute-collector.py PORT CERT KEY LOG

LOG gets one line per received record: "<session number> <seq>"."""
import re
import socket
import ssl
import sys

port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(4)
out = open(log, "a", buffering=1)


def frames(conn):
    buf = b""
    while True:
        m = re.match(rb"(\d+) (\w+) (\d+)", buf)
        if m:
            n = int(m.group(3))
            start = m.end() + (1 if n else 0)
            if len(buf) >= start + n + 1:
                yield int(m.group(1)), m.group(2).decode(), buf[start:start + n]
                buf = buf[start + n + 1:]
                continue
        data = conn.recv(65536)
        if not data:
            return
        buf += data


connection = 0  # RELP sessions ("open" received): a port probe does not count
while True:
    raw, _ = srv.accept()
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
        for txnr, cmd, data in frames(conn):
            if cmd == "open":
                connection += 1
                offer = b"200 OK\nrelp_version=0\nrelp_software=mute\ncommands=syslog"
                conn.sendall(b"%d rsp %d %s\n" % (txnr, len(offer), offer))
            elif cmd == "syslog":
                m = re.search(rb'seq="(\d+)"', data)
                out.write("%d %s\n" % (connection, m.group(1).decode() if m else "?"))
                if connection > 1:
                    conn.sendall(b"%d rsp 6 200 OK\n" % txnr)
            elif cmd == "close":
                conn.sendall(b"%d rsp 0\n" % txnr)
                break
        conn.close()
    except (OSError, ssl.SSLError):
        pass
