"""QEMU control for the E2E tests (python3 standard library only).

VM boots qemu-system-x86_64 (q35, TCG, qemu-xhci, serial console to a file) with two unix
sockets: QMP (plug and unplug devices) and a virtio-serial port "pc.ctl" served in the guest by
guest/ctl.sh (run a shell command, get its exit code and output back).
"""

import base64
import json
import os
import socket
import subprocess
import time


class QMPError(Exception):
    pass


class QMP:
    """A minimal QMP client: commands, and the events seen while waiting for replies."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # poll interval while QEMU creates its socket
        self.file = self.sock.makefile("rwb", buffering=0)
        self.events = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self, timeout=60):
        self.sock.settimeout(timeout)
        line = self.file.readline()
        if not line:
            raise QMPError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise QMPError(f"{name} {args}: {r['error'].get('desc')}")
            return r.get("return")

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def wait_event(self, name, match=None, timeout=30):
        """Wait for event NAME whose data contains every key/value of MATCH."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and all(
                    ev.get("data", {}).get(k) == v for k, v in (match or {}).items()
                ):
                    del self.events[i]
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError(f"no {name} event {match} within {timeout}s")
            try:
                self.events.append(self._read(timeout=left))
            except socket.timeout:
                pass


class GuestError(Exception):
    pass


class VM:
    def __init__(self, workdir, kernel, initrd, append="", mem=1024, smp=2, extra=(),
                 cmdline=None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.ctl_path = os.path.join(workdir, "ctl.sock")
        self.console = os.path.join(workdir, "console.log")
        for p in (self.qmp_path, self.ctl_path):
            if os.path.exists(p):
                os.unlink(p)
        # Default: the initramfs guest with its own init (build-guest.sh); the systemd guest
        # (build-guest-systemd.sh) passes its own command line.
        if cmdline is None:
            cmdline = "console=ttyS0 rdinit=/pc/init panic=-1 loglevel=4 " + append
        self.argv = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max",
            "-m", str(mem), "-smp", str(smp), "-nodefaults", "-no-reboot", "-display", "none",
            "-kernel", kernel, "-initrd", initrd, "-append", cmdline,
            "-serial", f"file:{self.console}",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-device", "qemu-xhci,id=xhci,p2=8,p3=8",
            # empty PCIe root ports: controllers hot-added at runtime go there (a dock)
            "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
            "-device", "pcie-root-port,id=rp2,chassis=2,slot=2",
            "-device", "pcie-root-port,id=rp3,chassis=3,slot=3",
            "-device", "virtio-serial-pci,id=vser",
            "-chardev", f"socket,id=ctl,path={self.ctl_path},server=on,wait=off",
            "-device", "virtserialport,chardev=ctl,name=pc.ctl",
            "-audiodev", "none,id=snd0",
            *extra,
        ]
        self.proc = None
        self.seq = 0
        self.buf = b""
        self.qmp = None
        self.ctl = None

    def start(self, timeout=180):
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(self.workdir, "qemu.log"), "wb"),
                                     stderr=subprocess.STDOUT)
        self.qmp = QMP(self.qmp_path)
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise GuestError(f"QEMU exited with {self.proc.returncode}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.ctl_path)
                self.ctl = s
                self.ctl_file = s.makefile("rwb", buffering=0)
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # poll interval while QEMU creates its socket
        # The guest answers once init has started the command server.
        while True:
            try:
                rc, out = self.sh("echo ready", timeout=2)
                if rc == 0 and out.strip() == "ready":
                    break
            except (GuestError, socket.timeout):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise GuestError("guest did not come up; see " + self.console)
        self.boot_seconds = time.monotonic() - t0
        return self.boot_seconds

    def sh(self, command, timeout=120):
        """Run COMMAND with bash in the guest; return (exit code, stdout+stderr)."""
        self.seq += 1
        want = str(self.seq).encode()
        self.ctl_file.write(want + b" " + base64.b64encode(command.encode()) + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise GuestError(f"guest command timed out after {timeout}s: {command}")
                self.ctl.settimeout(left)
                try:
                    chunk = self.ctl.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    raise GuestError("control channel closed")
                self.buf += chunk
            line, _, self.buf = self.buf.partition(b"\n")
            parts = line.strip().split(b" ", 2)
            if len(parts) >= 2 and parts[0] == want:
                data = parts[2] if len(parts) == 3 else b""
                return int(parts[1]), base64.b64decode(data).decode(errors="replace")
            # an answer to an earlier command we stopped waiting for: drop it

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            try:
                self.qmp.cmd("quit")
            except Exception:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # Devices -------------------------------------------------------------------------------
    def device_add(self, driver, id, **props):
        self.qmp.cmd("device_add", driver=driver, id=id, **props)

    def device_del(self, id, timeout=60):
        self.qmp.cmd("device_del", id=id)
        self.qmp.wait_event("DEVICE_DELETED", {"device": id}, timeout=timeout)
