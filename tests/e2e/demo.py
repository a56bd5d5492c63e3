#!/usr/bin/env python3
"""The demo (scripts/demo.sh): boots the E2E guest with portcullisd on its built-in default policy,
plugs a USB stick, two phones and a keyboard, and says in plain words what the agent decided and
why, from the agent's own incident log and `portcullis devices` inside the guest.

    demo.py --guest DIR --initrd FILE --workdir DIR
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import VM  # noqa: E402

PLUGS = [
    # what, how, vid, pid
    ("USB stick", ("qemu", "usb-storage"), "46f4", "0001"),
    ("Phone (MTP, QEMU usb-mtp)", ("qemu", "usb-mtp"), "46f4", "0004"),
    ("Android phone (MTP+ADB)", ("gadget", "android-mtp-adb"), "18d1", "4ee2"),
    ("Keyboard", ("qemu", "usb-kbd"), "0627", "0001"),
]


def say(text=""):
    print(text, flush=True)


def explain(what, ev):
    dev = ev.get("device", {})
    dec = ev.get("decision", {})
    kinds = ", ".join(dev.get("kinds") or []) or "unknown"
    name = " ".join(x for x in (dev.get("manufacturer"), dev.get("product")) if x)
    verdict = dec.get("verdict", "?")
    if dec.get("charge_only"):
        word = "CHARGE ONLY (configured so it charges; every data interface blocked)"
    elif verdict == "allow":
        word = "ALLOWED"
    elif verdict == "block":
        word = "BLOCKED"
    else:
        word = verdict.upper()
    rule = dec.get("rule") or "per interface"
    reason = f"; {dec['reason']}" if dec.get("reason") else ""
    say(f"  {what} {dev.get('vendor_id')}:{dev.get('product_id')} '{name}' -> {word} "
        f"({kinds}; rule: {rule}{reason})")
    for i in dev.get("interfaces") or []:
        label = i.get("kind") or "?"
        if i.get("string"):
            label += ', "' + i["string"] + '"'
        say(f"      interface {i.get('number')} class {i.get('class')} ({label}): "
            f"{i.get('decision', '?')} (rule {i.get('rule') or '-'})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guest", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(os.path.join(workdir, "mtproot"), exist_ok=True)
    with open(os.path.join(workdir, "mtproot", "contract.pdf"), "w") as f:
        f.write("confidential\n")
    img = os.path.join(workdir, "stick.img")
    if not os.path.exists(img):
        with open(img, "wb") as f:
            f.truncate(16 * 1024 * 1024)
    vm = VM(os.path.join(workdir, "vm"), os.path.join(args.guest, "vmlinuz"), args.initrd)
    try:
        say(f"Booting a Debian 12 kernel under QEMU ... ({vm.start():.0f} s)")
        rc, text = vm.sh("portcullisd --foreground >>/run/portcullisd.log 2>&1 & "
                         "pc-e2e wait-event agent_started 0 60", timeout=120)
        if rc != 0:
            say("portcullisd did not start:\n" + vm.sh("tail -n 30 /run/portcullisd.log")[1])
            return 1
        say("portcullisd is running with its built-in default policy "
            "(keyboards, mice, hubs, audio, video, printers, smart cards: allowed; "
            "anything that carries data: blocked).")
        say()
        results = []
        for n, (what, (how, name), vid, pid) in enumerate(PLUGS):
            since = int(vm.sh("pc-e2e logsize")[1].strip() or 0)
            say(f"Plugging: {what} ...")
            if how == "qemu":
                props = {}
                if name == "usb-storage":
                    vm.qmp.cmd("blockdev-add", **{"node-name": "demodisk", "driver": "raw",
                                                 "file": {"driver": "file", "filename": img,
                                                          "locking": "off"}})
                    props["drive"] = "demodisk"
                elif name == "usb-mtp":
                    props.update(rootdir=os.path.join(workdir, "mtproot"), desc="Demo phone")
                vm.device_add(name, f"demo{n}", bus="xhci.0", **props)
            else:
                vm.sh(f"gadget up {name}", timeout=60)
            rc, busid = vm.sh(f"pc-e2e find {vid} {pid} 60", timeout=90)
            busid = busid.strip()
            rc, line = vm.sh(f"pc-e2e wait-event 'device_decision|\"{busid}\"' {since} 30",
                             timeout=60)
            try:
                results.append((what, json.loads(line.strip().splitlines()[-1])))
            except (ValueError, IndexError):
                results.append((what, None))
        vm.sh("pc-e2e quiet", timeout=120)
        say()
        say("What the agent decided, and why (from /var/log/portcullis/incident.log):")
        for what, ev in results:
            if ev:
                explain(what, ev)
            else:
                say(f"  {what}: no decision found in the incident log (see {workdir})")
        say()
        say("What the kernel shows now (portcullis devices, inside the VM):")
        say(vm.sh("portcullis devices 2>&1")[1])
        say()
        rc, mtp = vm.sh("timeout 60 mtp-detect 2>&1 | grep -iE 'error|no raw|found|Unable' "
                        "| head -n 3", timeout=90)
        say("A file-transfer attempt on the phones (mtp-detect): " + (mtp.strip() or "(nothing)"))
        rc, blk = vm.sh("ls /dev/sd* 2>/dev/null || echo 'no /dev/sd* disk appeared'")
        say("The USB stick as a disk: " + blk.strip())
        rc, log = vm.sh("portcullis log verify 2>&1 | tail -n 2")
        say("Incident log hash chain: " + log.strip())
    finally:
        vm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
