#!/usr/bin/env python3
"""Decision latency on a real kernel: Portcullis vs USBGuard, same VM, same hot-plugs.

For each hot-plug, time zero is the kernel's add@ uevent of the usb_device, and the end is the
last authorization effect seen as a kernel uevent: for an allowed keyboard the bind of its
interface to usbhid (the keyboard is usable), for a phone (QEMU usb-mtp) under Portcullis the
creation of its interface (configured, charge-only, interfaces blocked). Both are stamped in the
guest with CLOCK_MONOTONIC by /pc/bin/uevent-stamp. Prints p50/p99 per agent and device; never
fails on timing.

    bench_latency.py --guest DIR --initrd FILE --workdir DIR [--count N]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import VM  # noqa: E402


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def series(vm, driver, vid, pid, effect, count, props=None):
    out = []
    for i in range(count):
        mark = vm.sh("latency mark")[1].strip()
        qid = f"lat{driver.replace('-', '')}{time.monotonic_ns()}"
        vm.device_add(driver, qid, bus="xhci.0", **(props or {}))
        rc, text = vm.sh(f"latency wait {vid} {pid} {mark} {effect}", timeout=120)
        parts = text.split()
        if rc == 0 and len(parts) == 4:
            out.append(int(parts[3]))
        else:
            print(f"  .. {driver} #{i}: no effect seen ({text.strip()})", flush=True)
        busid = parts[0] if parts else ""
        vm.device_del(qid)
        if busid:
            vm.sh(f"pc-e2e gone {busid} 30; pc-e2e quiet 500", timeout=90)
    return out


def report(name, values):
    if values:
        print(f"{name:44s} n={len(values):3d}  p50={pct(values, 50):6d} ms  "
              f"p99={pct(values, 99):6d} ms  min={min(values):6d}  max={max(values):6d}",
              flush=True)
    else:
        print(f"{name:44s} n=  0  (no sample)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guest", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--count", type=int, default=10)
    args = ap.parse_args()
    workdir = os.path.abspath(args.workdir)
    mtproot = os.path.join(workdir, "mtproot")
    os.makedirs(mtproot, exist_ok=True)
    vm = VM(os.path.join(workdir, "vm"), os.path.join(args.guest, "vmlinuz"), args.initrd)
    try:
        print(f"  .. guest booted in {vm.start():.1f}s", flush=True)
        rc, text = vm.sh("portcullisd --foreground >>/run/portcullisd.log 2>&1 & "
                         "echo $! >/run/portcullisd.pid; pc-e2e wait-event agent_started 0 60",
                         timeout=120)
        if rc != 0:
            print(f"portcullisd did not start: {text}")
            return 1
        vm.sh("pc-e2e quiet", timeout=120)
        pk = series(vm, "usb-kbd", "0627", "0001", "bind", args.count)
        pm = series(vm, "usb-mtp", "46f4", "0004", "iface", args.count,
                    {"rootdir": mtproot, "desc": "bench"})
        vm.sh("kill $(cat /run/portcullisd.pid); "
              "for i in $(seq 1 100); do kill -0 $(cat /run/portcullisd.pid) 2>/dev/null "
              "|| break; sleep 0.1; done")
        # USBGuard's own environment: interfaces of authorized devices are usable (its model is
        # whole-device), devices default to blocked (AuthorizedDefault=none).
        vm.sh("for h in /sys/bus/usb/devices/usb*; do echo 1 > $h/interface_authorized_default;"
              " done")
        rc, text = vm.sh("mkdir -p /var/log/usbguard; "
                         "usbguard-daemon -P -K -l /run/usbguard.log -c /pc/usbguard-daemon.conf"
                         " </dev/null >/dev/null 2>&1 & echo $! >/run/usbguard.pid; "
                         "for i in $(seq 1 300); do usbguard list-devices >/dev/null 2>&1 && exit 0;"
                         " sleep 0.1; done; tail -n 5 /run/usbguard.log; exit 1",
                         timeout=120)
        if rc != 0:
            print(f"usbguard-daemon did not start: {text}")
            ug = []
        else:
            vm.sh("pc-e2e quiet", timeout=120)
            ug = series(vm, "usb-kbd", "0627", "0001", "bind", args.count)
        print()
        print("add@ usb_device uevent -> last authorization effect (kernel uevent), "
              "guest CLOCK_MONOTONIC, QEMU TCG (no KVM)")
        report("portcullisd  keyboard (allow: usbhid bound)", pk)
        report("portcullisd  phone usb-mtp (charge-only)", pm)
        report("usbguard 1.1 keyboard (allow: usbhid bound)", ug)
    finally:
        vm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
