#!/usr/bin/python3
"""Receives journald's native protocol on a socket path until killed, writing each datagram's
fields as one JSON object per line (what "journalctl -o json" would show). Used by
journal-fields.sh in a private mount namespace where this socket is /run/systemd/journal/socket.
Usage: journal-fields.py SOCKET OUTFILE"""
import json
import os
import socket
import struct
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out + ".ready", "w").close()
with open(out, "a") as f:
    while True:
        data = s.recv(1 << 20)
        fields, i = {}, 0
        while i < len(data):
            nl = data.index(b"\n", i)
            line = data[i:nl]
            if b"=" in line:
                k, v = line.split(b"=", 1)
                i = nl + 1
            else:  # binary-safe form: KEY \n le64 length, value \n
                k = line
                (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
                v = data[nl + 9:nl + 9 + n]
                i = nl + 9 + n + 1
            fields[k.decode()] = v.decode("utf-8", "backslashreplace")
        f.write(json.dumps(fields) + "\n")
        f.flush()
