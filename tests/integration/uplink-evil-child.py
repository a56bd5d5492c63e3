#!/usr/bin/python3
# A compromised portcullis-uplink stand-in: sends the agent a malformed STATUS message (a newline
# in its text) on fd 3, then waits to be killed. The agent must kill and restart it (with backoff)
# and count a violation.
import os
import socket
import sys

s = socket.socket(fileno=3)
s.send(b"\x03\x00\x00\x00\x05\x00\x00\x00\x00\x00\x01\x00\n")
try:
    while s.recv(70000):
        pass
except OSError:
    pass
sys.exit(0)
