#!/usr/bin/env python3
"""End-to-end scenarios: one VM boot, real Debian kernel, emulated and in-guest USB devices.

Prints one line per assertion ("PASS name" / "FAIL name: why") and a closing line
"e2e: N passed, M failed". Exit status 0 only when nothing failed.

    scenarios.py --guest DIR --initrd FILE --workdir DIR [--only NAME,...] [--demo]
"""

import argparse
import json
import subprocess
import os
import re
import shlex
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import VM, GuestError, QMPError  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Expectations under the built-in default policy (docs/e2e.md has the same table).
#   allow : device authorized, every interface authorized, DRIVERS bound
#   block : device NOT authorized (no configuration, no interfaces)
#   phone : device authorized (configured: it charges), every interface authorized=0, no driver
#   mixed : device authorized; interfaces of ALLOWED classes authorized, all others authorized=0
# "data" names what must NOT appear for a blocked data channel: blk (a /dev/sd*), net (a network
# interface), tty (ttyACM/ttyUSB), and "claim": libusb cannot claim any blocked interface.
# ---------------------------------------------------------------------------------------------
QEMU_DEVICES = [
    # name, expectation, qemu driver, props, vid, pid, extra checks
    dict(name="usb-storage", expect="block", vid="46f4", pid="0001", data=["blk", "claim"],
         qemu=("usb-storage", {"drive": "@stick"})),
    dict(name="usb-uas", expect="block", vid="46f4", pid="0003", data=["blk", "claim"],
         qemu=("usb-uas", {}), uas=True),
    dict(name="usb-mtp", expect="phone", vid="46f4", pid="0004", data=["claim", "mtp"],
         qemu=("usb-mtp", {"rootdir": "@mtproot", "desc": "E2E phone"})),
    dict(name="usb-kbd", expect="allow", vid="0627", pid="0001", drivers=["usbhid"],
         new=["input"], qemu=("usb-kbd", {})),
    dict(name="usb-mouse", expect="allow", vid="0627", pid="0001", drivers=["usbhid"],
         new=["input"], qemu=("usb-mouse", {})),
    dict(name="usb-net", expect="block", vid="0525", pid="a4a2", data=["net", "claim"],
         qemu=("usb-net", {"netdev": "@netdev"})),
    dict(name="usb-serial", expect="block", vid="0403", pid="6001", data=["tty", "claim"],
         qemu=("usb-serial", {"chardev": "@chardev", "always-plugged": True})),
    dict(name="usb-audio", expect="allow", vid="46f4", pid="0002", drivers=["snd-usb-audio"],
         new=["sound"], qemu=("usb-audio", {"audiodev": "snd0"})),
]

GADGETS = [
    dict(name="android-mtp", expect="phone", vid="18d1", pid="4ee1", data=["claim"]),
    dict(name="android-mtp-adb", expect="phone", vid="18d1", pid="4ee2", data=["claim"]),
    dict(name="android-ptp", expect="phone", vid="18d1", pid="4ee5", data=["claim"]),
    dict(name="iphone", expect="phone", vid="05ac", pid="12a8", data=["claim"]),
    dict(name="samsung", expect="phone", vid="04e8", pid="6860", data=["claim", "tty"]),
    dict(name="mtp-compat", expect="phone", vid="1209", pid="c0de", data=["claim"],
         kinds=["mtp"]),
    dict(name="rndis", expect="phone", vid="18d1", pid="4ee3", data=["net", "claim"]),
    dict(name="ecm", expect="block", vid="0525", pid="a4a2", data=["net", "claim"]),
    dict(name="stick", expect="block", vid="0781", pid="5567", data=["blk", "claim"]),
    dict(name="badusb", expect="mixed", vid="1209", pid="bad1", data=["blk"],
         allowed_classes=["03"]),
]

# The policy the "policy push" scenario signs and installs: the built-in default plus mass storage.
PUSHED_POLICY = """version = 1;
serial = 2;
key_id = "e2e";
mode = "enforce";
default = "block";
charge_only = [ "mtp", "ptp", "adb", "apple-usbmux", "apple-ethernet" ];
rules = (
  { id = "e2e-allow-storage"; action = "allow"; kind = [ "mass-storage" ]; },
  { id = "e2e-block-data"; action = "block";
    kind = [ "mtp", "ptp", "adb", "apple-usbmux", "apple-ethernet", "network", "wireless",
             "serial", "other" ]; },
  { id = "e2e-allow-peripherals"; action = "allow";
    kind = [ "hid", "hub", "smartcard", "audio", "video", "printer" ]; }
);
"""

# The policy of the "transfer" scenario (signed and pushed like PUSHED_POLICY): sticks told apart
# by their serial number (QEMU usb-storage's "serial" property).
TRANSFER_POLICY = """version = 1;
serial = 3;
key_id = "e2e";
transfer_alert = { bytes = "16M"; window_sec = 600; action = "alert"; };
rules = (
  { id = "e2e-read-only"; action = "read-only"; kind = "mass-storage"; serial = "E2E-RO"; },
  { id = "e2e-copy-limit"; action = "allow"; kind = "mass-storage"; serial = "E2E-CUT";
    transfer_alert = { bytes = "8M"; action = "block"; }; },
  { id = "e2e-allow-storage"; action = "allow"; kind = "mass-storage"; },
  { id = "e2e-log-phones"; action = "log"; kind = [ "mtp", "ptp" ]; },
  { id = "e2e-allow-peripherals"; action = "allow";
    kind = [ "hid", "hub", "smartcard", "audio", "video", "printer" ]; }
);
"""

# Guest shell: the disk of USB device $1 (waits up to 30 s), e.g. "sda".
DISK_OF = (
    'disk_of() { for i in $(seq 1 600); do '
    'for d in /sys/bus/usb/devices/$1/$1:*/host*/target*/*/block/*; do '
    '[ -e "$d" ] && { echo "${d##*/}"; return 0; }; done; sleep 0.1; done; return 1; }; ')


class Bed:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0
        self.results = []
        self.vm = None
        self.n = 0

    # -- reporting --------------------------------------------------------------------------
    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {why}", flush=True)
        return ok

    def note(self, text):
        print(f"  .. {text}", flush=True)

    # -- guest helpers ----------------------------------------------------------------------
    def sh(self, cmd, timeout=120):
        return self.vm.sh(cmd, timeout=timeout)

    def out(self, cmd, timeout=120):
        return self.sh(cmd, timeout)[1]

    def nodes(self):
        res = {}
        for line in self.out("pc-e2e nodes").splitlines():
            k, _, v = line.partition(" ")
            res[k] = set(v.split())
        return res

    def snap(self, busid):
        rc, text = self.sh(f"pc-e2e snap {busid}")
        dev, ifs = {}, []
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
            kv["name"] = parts[1]
            if parts[0] == "dev":
                dev = kv
            elif parts[0] == "if":
                ifs.append(kv)
        return dev, ifs, text

    def logsize(self):
        return int(self.out("pc-e2e logsize").strip() or 0)

    def decision_event(self, busid, since, timeout=30):
        rc, text = self.sh(f"pc-e2e wait-event 'device_decision|\"{busid}\"' {since} {timeout}",
                           timeout=timeout + 30)
        if rc != 0:
            return None
        try:
            return json.loads(text.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return None

    def events_since(self, since):
        text = self.out(f"tail -c +{since + 1} /var/log/portcullis/incident.log 2>/dev/null")
        evs = []
        for line in text.splitlines():
            try:
                evs.append(json.loads(line))
            except ValueError:
                pass
        return evs

    # -- plugging ---------------------------------------------------------------------------
    def qemu_plug(self, spec, bus="xhci.0", port=None):
        self.n += 1
        qid = f"{spec['name'].replace('-', '')}{self.n}"
        drv, props = spec["qemu"]
        props = dict(props)
        for k, v in list(props.items()):
            if v == "@stick":
                node = f"disk{self.n}"
                self.vm.qmp.cmd("blockdev-add", **{
                    "node-name": node, "driver": "raw",
                    "file": {"driver": "file", "filename": self.args.stick_image,
                             "locking": "off"}})
                props[k] = node
            elif v == "@mtproot":
                props[k] = self.args.mtp_root
            elif v == "@netdev":
                nid = f"net{self.n}"
                self.vm.qmp.cmd("netdev_add", type="user", id=nid)
                props[k] = nid
            elif v == "@chardev":
                cid = f"chr{self.n}"
                self.vm.qmp.cmd("chardev-add", id=cid, backend={"type": "null", "data": {}})
                props[k] = cid
        if spec.get("uas"):
            self.vm.device_add("usb-uas", qid, bus=bus, **({"port": port} if port else {}))
            node = f"disk{self.n}"
            self.vm.qmp.cmd("blockdev-add", **{
                "node-name": node, "driver": "raw",
                "file": {"driver": "file", "filename": self.args.stick_image,
                             "locking": "off"}})
            self.vm.device_add("scsi-hd", qid + "hd", bus=f"{qid}.0", drive=node)
            self.vm.qmp.cmd("qom-set", path=f"/machine/peripheral/{qid}", property="attached",
                            value=True)
        else:
            if port:
                props["port"] = port
            self.vm.device_add(drv, qid, bus=bus, **props)
        return qid

    def qemu_unplug(self, qid, busid):
        try:
            self.vm.device_del(qid)
        except QMPError as e:
            self.note(f"unplug {qid}: {e}")
        if busid:
            self.sh(f"pc-e2e gone {busid} 30", timeout=60)

    # -- the assertions for one device -------------------------------------------------------
    def assess(self, label, spec, busid, before, since, agent=True):
        expect = spec["expect"]
        ev = None
        if agent:
            ev = self.decision_event(busid, since)
            self.check(f"{label}: device_decision event", ev is not None,
                       f"no device_decision for {busid} in incident.log")
        rc, _ = self.sh("pc-e2e quiet 1500 60", timeout=120)
        dev, ifs, text = self.snap(busid)
        after = self.nodes()
        self.note(" | ".join(text.splitlines()))
        if ev:
            d = ev.get("decision", {})
            self.note(f"decision: verdict={d.get('verdict')} rule={d.get('rule')} "
                      f"reason={d.get('reason')} kinds={ev.get('device', {}).get('kinds')}")
        auth = dev.get("authorized")
        for kind in spec.get("kinds", []):
            kinds = (ev or {}).get("device", {}).get("kinds") or []
            self.check(f"{label}: classified {kind} before it was configured", kind in kinds,
                       f"kinds={kinds}")
        if expect == "allow":
            self.check(f"{label}: device authorized", auth == "1", f"authorized={auth}")
            self.check(f"{label}: every interface authorized",
                       ifs and all(i.get("authorized") == "1" for i in ifs), text)
            for drv in spec.get("drivers", []):
                self.check(f"{label}: driver {drv} bound",
                           any(i.get("driver") == drv for i in ifs), text)
            for kind in spec.get("new", []):
                self.check(f"{label}: new {kind} node", after[kind] - before[kind],
                           f"{kind} before {sorted(before[kind])} after {sorted(after[kind])}")
        elif expect == "block":
            self.check(f"{label}: device not authorized", auth == "0", f"authorized={auth}")
            self.check(f"{label}: no interface bound to a driver",
                       all(i.get("driver") == "-" for i in ifs), text)
        elif expect == "phone":
            self.check(f"{label}: phone configured (authorized=1, charges)", auth == "1",
                       f"authorized={auth}")
            self.check(f"{label}: every interface authorized=0",
                       ifs and all(i.get("authorized") == "0" for i in ifs), text)
            self.check(f"{label}: no interface bound to a driver",
                       all(i.get("driver") == "-" for i in ifs), text)
        elif expect == "mixed":
            allowed = spec.get("allowed_classes", [])
            for i in ifs:
                cls = i.get("class", "")[:2]
                if cls in allowed:
                    self.check(f"{label}: {i['name']} ({i['class']}) authorized",
                               i.get("authorized") == "1", text)
                else:
                    self.check(f"{label}: {i['name']} ({i['class']}) authorized=0, no driver",
                               i.get("authorized") == "0" and i.get("driver") == "-", text)
            if auth == "0":
                self.note("device left unauthorized as a whole (stricter than per-interface)")
        for kind in ("blk", "net", "tty"):
            if kind in spec.get("data", []):
                self.check(f"{label}: no new {kind} node", not (after[kind] - before[kind]),
                           f"new {kind}: {sorted(after[kind] - before[kind])}")
        if "claim" in spec.get("data", []):
            claim = self.out(f"pc-e2e claim {busid}")
            self.check(f"{label}: libusb claim fails on every interface",
                       claim.strip() and " ok" not in claim, claim.strip())
        if "mtp" in spec.get("data", []):
            rc, mtp = self.sh("timeout 60 mtp-detect 2>&1 | tail -n 5", timeout=90)
            opened = "Device info" in mtp or "Manufacturer:" in mtp or "MTP-specific" in mtp
            self.check(f"{label}: mtp-detect cannot open a session", not opened,
                       mtp.strip()[-300:])
        return dev, ifs, ev

    # -- scenarios --------------------------------------------------------------------------
    def run_qemu_device(self, spec, agent=True):
        label = spec["name"]
        before = self.nodes()
        since = self.logsize()
        qid = self.qemu_plug(spec)
        rc, busid = self.sh(f"pc-e2e find {spec['vid']} {spec['pid']} 60", timeout=90)
        busid = busid.strip()
        if not self.check(f"{label}: enumerated", rc == 0, busid):
            self.qemu_unplug(qid, None)
            return
        self.assess(label, spec, busid, before, since, agent)
        self.qemu_unplug(qid, busid)

    def run_gadget(self, spec, agent=True):
        label = f"gadget {spec['name']}"
        before = self.nodes()
        since = self.logsize()
        rc, text = self.sh(f"gadget up {spec['name']}", timeout=60)
        if not self.check(f"{label}: gadget up", rc == 0, text):
            self.sh("gadget down")
            return
        rc, busid = self.sh(f"pc-e2e find {spec['vid']} {spec['pid']} 60", timeout=90)
        busid = busid.strip()
        if self.check(f"{label}: enumerated", rc == 0, busid):
            self.assess(label, spec, busid, before, since, agent)
        self.sh("gadget down", timeout=60)
        if rc == 0:
            self.sh(f"pc-e2e gone {busid} 30", timeout=60)

    def control(self):
        """Without the agent and with permissive defaults, the probes DO see the data channels:
        proves that the 'blocked' assertions below can fail."""
        self.sh("for h in /sys/bus/usb/devices/usb*; do echo 1 > $h/authorized_default; "
                "echo 1 > $h/interface_authorized_default; done")
        spec = QEMU_DEVICES[0]
        before = self.nodes()
        qid = self.qemu_plug(spec)
        rc, busid = self.sh(f"pc-e2e find {spec['vid']} {spec['pid']} 60", timeout=90)
        busid = busid.strip()
        self.sh(f"pc-e2e until {busid} 'driver=usb-storage' 60; pc-e2e quiet", timeout=120)
        after = self.nodes()
        self.check("control: usb-storage without agent gets /dev/sd*", after["blk"] - before["blk"],
                   f"blk {sorted(after['blk'])}")
        self.qemu_unplug(qid, busid)
        spec = next(s for s in QEMU_DEVICES if s["name"] == "usb-mtp")
        qid = self.qemu_plug(spec)
        rc, busid = self.sh(f"pc-e2e find {spec['vid']} {spec['pid']} 60", timeout=90)
        busid = busid.strip()
        self.sh("pc-e2e quiet", timeout=120)
        rc, mtp = self.sh("timeout 60 mtp-detect 2>&1 | tail -n 30", timeout=90)
        self.check("control: mtp-detect opens QEMU usb-mtp without agent",
                   "MTP-specific" in mtp or "Device info" in mtp or "Manufacturer" in mtp,
                   mtp[-300:])
        claim = self.out(f"pc-e2e claim {busid}")
        self.check("control: libusb claims usb-mtp interface without agent", " ok" in claim, claim)
        self.qemu_unplug(qid, busid)
        self.sh("gadget up android-mtp-adb")
        rc, busid = self.sh("pc-e2e find 18d1 4ee2 60", timeout=90)
        busid = busid.strip()
        self.sh("pc-e2e quiet", timeout=120)
        claim = self.out(f"pc-e2e claim {busid}")
        self.check("control: libusb claims Android MTP+ADB gadget without agent",
                   claim.count(" ok") == 2, claim)
        self.sh("gadget down")
        self.sh(f"pc-e2e gone {busid} 30", timeout=60)
        # Back to what the installed udev rule and modprobe option give at boot.
        self.sh("for h in /sys/bus/usb/devices/usb*; do echo 0 > $h/authorized_default; "
                "echo 0 > $h/interface_authorized_default; done")

    def start_agent(self, label):
        since = self.logsize()
        rc, text = self.sh("portcullisd --foreground --verbose >>/run/portcullisd.log 2>&1 & "
                           "echo $! > /run/portcullisd.pid; "
                           "pc-e2e wait-event 'agent_started' 0 60 || "
                           "pc-e2e wait-event 'policy_loaded' 0 5", timeout=120)
        ok = self.check(f"{label}: agent started (agent_started event)", rc == 0,
                        text + self.out("tail -n 20 /run/portcullisd.log"))
        return ok, since

    def before_start(self):
        """Fail-closed boot: the stick and a keyboard are plugged BEFORE the agent runs."""
        st = QEMU_DEVICES[0]
        kb = next(s for s in QEMU_DEVICES if s["name"] == "usb-kbd")
        q1 = self.qemu_plug(st)
        q2 = self.qemu_plug(kb)
        rc1, b1 = self.sh(f"pc-e2e find {st['vid']} {st['pid']} 60", timeout=90)
        rc2, b2 = self.sh(f"pc-e2e find {kb['vid']} {kb['pid']} 60", timeout=90)
        b1, b2 = b1.strip(), b2.strip()
        self.sh("pc-e2e quiet", timeout=120)
        d1, _, t1 = self.snap(b1)
        self.check("pre-agent: stick plugged before the agent stays unauthorized "
                   "(udev rule + usbcore option)", d1.get("authorized") == "0", t1)
        before = self.nodes()
        ok, since = self.start_agent("pre-agent")
        if not ok:
            return [(q1, b1), (q2, b2)], False
        rc, text = self.sh("for h in /sys/bus/usb/devices/usb*; do "
                           "echo $(cat $h/authorized_default)$(cat $h/interface_authorized_default);"
                           " done; cat /sys/module/usbcore/parameters/authorized_default")
        vals = text.split()
        self.check("agent start: every root hub authorized_default=0 interface_authorized_default=0",
                   vals[:-1] and all(v == "00" for v in vals[:-1]), text)
        self.check("agent start: usbcore authorized_default=0", vals[-1:] == ["0"], text)
        self.assess("pre-agent stick handled at start", st, b1, before, since)
        self.assess("pre-agent keyboard allowed at start", kb, b2, before, since)
        return [(q1, b1), (q2, b2)], True

    def hub(self):
        """A hub is allowed and passes its children on: a keyboard behind it works, a storage
        device behind it is blocked."""
        before = self.nodes()
        since = self.logsize()
        self.n += 1
        hid = f"hub{self.n}"
        self.vm.device_add("usb-hub", hid, bus="xhci.0")
        info = self.vm.qmp.hmp("info usb")
        m = re.search(r"Port (\S+), Speed [^,]+, Product QEMU USB Hub, ID: " + hid, info)
        if not self.check("hub: plugged", m is not None, info):
            return
        port = m.group(1)
        rc, hbus = self.sh("pc-e2e find 0409 55aa 60", timeout=90)
        hbus = hbus.strip()
        self.assess("hub", dict(name="hub", expect="allow", drivers=["hub"]), hbus, before, since)
        kb = dict(next(s for s in QEMU_DEVICES if s["name"] == "usb-kbd"))
        st = dict(QEMU_DEVICES[0])
        since = self.logsize()
        before = self.nodes()
        qk = self.qemu_plug(kb, port=f"{port}.1")
        rc, kbus = self.sh(f"pc-e2e find {kb['vid']} {kb['pid']} 60", timeout=90)
        kbus = kbus.strip()
        self.check("hub: keyboard behind the hub is a child of the hub",
                   kbus.startswith(hbus + "."), f"{kbus} vs {hbus}")
        self.assess("hub/keyboard", kb, kbus, before, since)
        since = self.logsize()
        before = self.nodes()
        qs = self.qemu_plug(st, port=f"{port}.2")
        rc, sbus = self.sh(f"pc-e2e find {st['vid']} {st['pid']} 60", timeout=90)
        sbus = sbus.strip()
        self.assess("hub/usb-storage", st, sbus, before, since)
        self.qemu_unplug(qs, sbus)
        self.qemu_unplug(qk, kbus)
        self.qemu_unplug(hid, hbus)

    def hot_added_controllers(self):
        """Host controllers added at runtime one after another (a dock): xHCI, EHCI, xHCI on
        PCIe root ports. Each new root hub's own hub interface must be authorized and bound to
        the hub driver while its bus is locked; a keyboard behind one works, a stick behind
        another is blocked."""
        label = "hot-added controllers"
        plugged = []
        hc3_usb2 = None
        for i, drv in enumerate(["qemu-xhci", "usb-ehci", "qemu-xhci"], 1):
            hid = f"hc{i}"
            before = set(self.out("ls /sys/bus/usb/devices | grep '^usb'").split())
            props = {"bus": f"rp{i}"}
            if drv == "qemu-xhci":
                props.update(p2=4, p3=4)
            self.vm.device_add(drv, hid, **props)
            plugged.append(hid)
            want = 2 if drv == "qemu-xhci" else 1
            rc, text = self.sh(
                "for n in $(seq 600); do "
                "now=$(ls /sys/bus/usb/devices | grep -c '^usb'); "
                f"[ $now -ge {len(before) + want} ] && break; sleep 0.1; done; "
                "pc-e2e quiet 1500 60 >/dev/null; ls /sys/bus/usb/devices | grep '^usb'",
                timeout=120)
            new = sorted(set(text.split()) - before)
            if not self.check(f"{label}: {drv} {hid} adds {want} root hub(s)",
                              len(new) == want, f"new root hubs {new}"):
                continue
            for hub in new:
                n = hub[3:]
                state = self.out(
                    f"d=/sys/bus/usb/devices/{hub}; i=$d/{n}-0:1.0; "
                    "echo ad=$(cat $d/authorized_default) "
                    "iad=$(cat $d/interface_authorized_default) "
                    "if=$(cat $i/authorized) "
                    "drv=$(basename $(readlink $i/driver 2>/dev/null) 2>/dev/null)").strip()
                self.note(f"{hid} {hub}: {state}")
                self.check(f"{label}: {hub} locked (both defaults 0)",
                           "ad=0 " in state and "iad=0 " in state, state)
                self.check(f"{label}: {hub} hub interface authorized, hub driver bound",
                           "if=1 " in state and state.endswith("drv=hub"), state)
            if hid == "hc3":
                hc3_usb2 = new[0]  # xHCI registers its USB 2 root hub first
        # The race itself cannot be forced: reproduce its outcome on hc3's USB 2 root hub (its
        # hub interface unauthorized, no hub driver) and let the kernel announce the interface
        # again, as when it configures a root hub after the bus was locked.
        if hc3_usb2:
            n = hc3_usb2[3:]
            rc, state = self.sh(
                f"i=/sys/bus/usb/devices/{n}-0:1.0; echo 0 > $i/authorized; "
                "echo add > $i/uevent; "
                "for k in $(seq 200); do [ $(cat $i/authorized) = 1 ] && "
                "[ -e $i/driver ] && break; sleep 0.05; done; "
                "echo if=$(cat $i/authorized) drv=$(basename $(readlink $i/driver) 2>/dev/null)",
                timeout=60)
            state = state.strip()
            self.check(f"{label}: {hc3_usb2} hub interface born unauthorized is authorized "
                       "and bound again", state == "if=1 drv=hub", state)
        # devices behind the new controllers are decided as usual
        kb = dict(next(s for s in QEMU_DEVICES if s["name"] == "usb-kbd"))
        before = self.nodes()
        since = self.logsize()
        qk = self.qemu_plug(kb, bus="hc3.0")
        rc, kbus = self.sh(f"pc-e2e find {kb['vid']} {kb['pid']} 60", timeout=90)
        kbus = kbus.strip()
        if self.check(f"{label}: keyboard behind hc3 enumerated", rc == 0, kbus):
            self.assess(f"{label}/keyboard", kb, kbus, before, since)
        st = dict(QEMU_DEVICES[0])
        before = self.nodes()
        since = self.logsize()
        qs = self.qemu_plug(st, bus="hc2.0")
        rc, sbus = self.sh(f"pc-e2e find {st['vid']} {st['pid']} 60", timeout=90)
        sbus = sbus.strip()
        if self.check(f"{label}: stick behind the EHCI enumerated", rc == 0, sbus):
            self.assess(f"{label}/usb-storage", st, sbus, before, since)
        self.qemu_unplug(qs, sbus if rc == 0 else None)
        self.qemu_unplug(qk, kbus if kbus else None)
        # the controllers stay: PCIe hot-removal under TCG is slow and proves nothing here

    def uevents_since(self, mark):
        return self.out(f"tail -c +{mark + 1} /run/uevent-stamps.log | cut -d' ' -f2- | head -n 20")

    def tamper(self):
        """Root writes 1 to a blocked interface's / device's authorized (and asks for a driver
        probe): undone, reported as tamper events."""
        # 1. A phone's blocked MTP interface: authorized=1 (no driver exists for ff/ff/00).
        since = self.logsize()
        self.sh("gadget up android-mtp")
        rc, busid = self.sh("pc-e2e find 18d1 4ee1 60", timeout=90)
        busid = busid.strip()
        self.decision_event(busid, since)
        self.sh("pc-e2e quiet", timeout=120)
        since = self.logsize()
        mark = int(self.out("stat -c %s /run/uevent-stamps.log").strip() or 0)
        self.sh(f"echo 1 > /sys/bus/usb/devices/{busid}:1.0/authorized")
        rc, text = self.sh(f"pc-e2e until {busid} 'if {busid}:1.0 .*authorized=0' 10", timeout=30)
        if not self.check("tamper: interface authorized=1 on a phone's MTP interface is undone",
                          rc == 0, text):
            self.note("kernel uevents after the write: "
                      + (self.uevents_since(mark).replace("\n", " | ") or "(none)"))
        claim = self.out(f"pc-e2e claim {busid}")
        self.check("tamper: after the write, libusb still cannot claim the MTP interface",
                   claim.strip() and " ok" not in claim, claim.strip())
        rc, ev = self.sh(f"pc-e2e wait-event 'tamper|{busid}' {since} 10", timeout=30)
        self.check("tamper: interface tamper event logged", rc == 0, ev)
        self.sh("gadget down")
        self.sh(f"pc-e2e gone {busid} 30", timeout=60)
        # 2. BadUSB's blocked storage interface: authorized=1 and a driver probe.
        before = self.nodes()
        since = self.logsize()
        self.sh("gadget up badusb")
        rc, busid = self.sh("pc-e2e find 1209 bad1 60", timeout=90)
        busid = busid.strip()
        self.decision_event(busid, since)
        self.sh("pc-e2e quiet", timeout=120)
        since = self.logsize()
        self.sh(f"echo 1 > /sys/bus/usb/devices/{busid}:1.1/authorized; "
                f"echo {busid}:1.1 > /sys/bus/usb/drivers_probe")
        rc, text = self.sh(f"pc-e2e until {busid} 'if {busid}:1.1 .*authorized=0 driver=-' 10; "
                           "pc-e2e quiet", timeout=60)
        dev, ifs, text = self.snap(busid)
        st = [i for i in ifs if i["name"] == f"{busid}:1.1"]
        self.check("tamper: BadUSB storage interface authorized=1 + drivers_probe is undone",
                   st and st[0].get("authorized") == "0" and st[0].get("driver") == "-", text)
        rc, ev = self.sh(f"pc-e2e wait-event 'tamper|{busid}' {since} 10", timeout=30)
        self.check("tamper: BadUSB storage tamper event logged", rc == 0, ev)
        after = self.nodes()
        self.check("tamper: no /dev/sd* left from the tampered storage interface",
                   not (after["blk"] - before["blk"]), f"blk {sorted(after['blk'])}")
        self.sh("gadget down")
        self.sh(f"pc-e2e gone {busid} 30", timeout=60)
        # 3. A blocked stick: device authorized=1.
        st = QEMU_DEVICES[0]
        since = self.logsize()
        qid = self.qemu_plug(st)
        rc, busid = self.sh(f"pc-e2e find {st['vid']} {st['pid']} 60", timeout=90)
        busid = busid.strip()
        self.decision_event(busid, since)
        self.sh("pc-e2e quiet", timeout=120)
        since = self.logsize()
        mark = int(self.out("stat -c %s /run/uevent-stamps.log").strip() or 0)
        self.sh(f"echo 1 > /sys/bus/usb/devices/{busid}/authorized")
        rc, text = self.sh(f"pc-e2e until {busid} 'dev .*authorized=0' 10; pc-e2e quiet",
                           timeout=60)
        dev, ifs, text = self.snap(busid)
        if not self.check("tamper: device authorized=1 on a blocked stick is undone",
                          dev.get("authorized") == "0", text):
            self.note("kernel uevents after the write: "
                      + (self.uevents_since(mark).replace("\n", " | ") or "(none)"))
        self.check("tamper: the tampered stick's interfaces stay blocked (no driver)",
                   all(i.get("authorized") == "0" and i.get("driver") == "-" for i in ifs), text)
        rc, ev = self.sh(f"pc-e2e wait-event 'tamper|{busid}' {since} 10", timeout=30)
        self.check("tamper: device tamper event logged", rc == 0, ev)
        return qid, busid

    def policy_push(self, qid, busid):
        """A signed policy that allows mass storage, renamed into place while the stick is
        attached: the stick becomes usable within a few seconds."""
        before = self.nodes()
        since = self.logsize()
        policy = PUSHED_POLICY
        script = (
            "set -e; mkdir -p /run/e2e-keys /etc/portcullis/keys.d; "
            "portcullis policy keygen --out /run/e2e-keys --id e2e >/dev/null; "
            "cp /run/e2e-keys/e2e.pem /etc/portcullis/keys.d/; "
            f"printf '%s' {shlex.quote(policy)} > /etc/portcullis/policy.conf.new; "
            "portcullis policy check /etc/portcullis/policy.conf.new; "
            "portcullis policy sign --key /run/e2e-keys/e2e.key /etc/portcullis/policy.conf.new; "
            "mv /etc/portcullis/policy.conf.new.sig /etc/portcullis/policy.conf.sig; "
            "mv /etc/portcullis/policy.conf.new /etc/portcullis/policy.conf")
        rc, text = self.sh(script)
        if not self.check("policy push: signed policy written and renamed into place", rc == 0,
                          text + "\n" + policy):
            self.qemu_unplug(qid, busid)
            return
        t0 = time.monotonic()
        rc, text = self.sh(f"pc-e2e until {busid} 'driver=usb-storage' 15", timeout=60)
        dt = time.monotonic() - t0
        self.check(f"policy push: attached stick authorized and usb-storage bound ({dt:.1f}s)",
                   rc == 0, text)
        rc, ev = self.sh(f"pc-e2e wait-event 'policy_loaded' {since} 10", timeout=30)
        self.check("policy push: policy_loaded event", rc == 0, ev)
        self.sh("pc-e2e quiet", timeout=120)
        after = self.nodes()
        self.check("policy push: stick's /dev/sd* appears", after["blk"] - before["blk"],
                   f"blk {sorted(after['blk'])}")
        self.qemu_unplug(qid, busid)

    # -- transfer accounting, copy limits, read-only storage --------------------------------
    def push_policy(self, label, policy):
        since = self.logsize()
        script = (
            "set -e; mkdir -p /run/e2e-keys /etc/portcullis/keys.d; "
            "[ -f /run/e2e-keys/e2e.key ] || "
            "portcullis policy keygen --out /run/e2e-keys --id e2e >/dev/null; "
            "cp /run/e2e-keys/e2e.pem /etc/portcullis/keys.d/; "
            f"printf '%s' {shlex.quote(policy)} > /etc/portcullis/policy.conf.new; "
            "portcullis policy check /etc/portcullis/policy.conf.new; "
            "portcullis policy sign --key /run/e2e-keys/e2e.key /etc/portcullis/policy.conf.new; "
            "mv /etc/portcullis/policy.conf.new.sig /etc/portcullis/policy.conf.sig; "
            "mv /etc/portcullis/policy.conf.new /etc/portcullis/policy.conf")
        rc, text = self.sh(script)
        ok = self.check(f"{label}: signed policy installed", rc == 0, text)
        rc, ev = self.sh(f"pc-e2e wait-event 'policy_loaded|serial\":3' {since} 20", timeout=40)
        return self.check(f"{label}: policy_loaded event", ok and rc == 0, ev)

    def plug_stick(self, serial, image, size_mib):
        """A QEMU usb-storage stick with its own image and serial; returns (qid, busid, disk)."""
        if not os.path.exists(image):
            with open(image, "wb") as f:
                f.truncate(size_mib * 1024 * 1024)
        self.n += 1
        qid, node = f"tstick{self.n}", f"tdisk{self.n}"
        self.vm.qmp.cmd("blockdev-add", **{
            "node-name": node, "driver": "raw",
            "file": {"driver": "file", "filename": image, "locking": "off"}})
        self.vm.device_add("usb-storage", qid, bus="xhci.0", drive=node, serial=serial)
        rc, busid = self.sh("pc-e2e find 46f4 0001 60", timeout=90)
        busid = busid.strip()
        rc, disk = self.sh(f"{DISK_OF} disk_of {busid}", timeout=180)
        if rc != 0:
            self.note(self.out(f"pc-e2e snap {busid}; tail -n 15 /run/portcullisd.log"))
        return qid, busid, disk.strip() if rc == 0 else ""

    def transfer_event(self, busid, since, kind="transfer", timeout=30):
        rc, text = self.sh(f"pc-e2e wait-event '\"type\":\"{kind}\"|\"{busid}\"' "
                           f"{since} {timeout}", timeout=timeout + 30)
        try:
            return json.loads(text.strip().splitlines()[-1]) if rc == 0 else None
        except (ValueError, IndexError):
            return None

    def transfer(self):
        """Signed policy with copy limits and a read-only rule; QEMU sticks told apart by serial."""
        # The run directory (systemd's RuntimeDirectory= on a real system) for the notice.
        self.sh("mkdir -p /run/portcullis")
        if not self.push_policy("transfer", TRANSFER_POLICY):
            return
        work = self.args.workdir

        # 1. An allowed stick: 24 MiB written raw (O_DIRECT) -> transfer.to_device_bytes within
        #    2 %; over the 16M top-level limit -> transfer_alert.
        since = self.logsize()
        qid, busid, disk = self.plug_stick("E2E-ACCT", os.path.join(work, "acct.img"), 40)
        if self.check("transfer: allowed stick has a disk", bool(disk), f"{busid}: no disk"):
            rc, text = self.sh(f"dd if=/dev/urandom of=/dev/{disk} bs=1M count=24 "
                               "oflag=direct 2>&1", timeout=300)
            self.check("transfer: 24 MiB written raw to the allowed stick", rc == 0, text)
            al = self.transfer_event(busid, since, "transfer_alert")
            self.check("transfer: 16M top-level limit -> transfer_alert", al is not None and
                       al["transfer"]["limit"]["action"] == "alert",
                       json.dumps(al) if al else "no transfer_alert")
            dev, _, _ = self.snap(busid)
            self.check("transfer: alert-only limit leaves the stick authorized",
                       dev.get("authorized") == "1", str(dev))
        self.qemu_unplug(qid, busid)
        ev = self.transfer_event(busid, since)
        want = 24 * 1024 * 1024
        got = ev["transfer"]["to_device_bytes"] if ev else -1
        self.check(f"transfer: transfer event at removal, to_device_bytes {got} within 2 % of "
                   f"{want}", ev is not None and abs(got - want) <= want * 0.02 and
                   ev["transfer"]["end"] == "removed" and ev["transfer"]["method"] == "block",
                   json.dumps(ev) if ev else "no transfer event")

        # 1b. Files written through a mounted FAT filesystem: their names and sizes (fanotify).
        fat_img = os.path.join(work, "fat.img")
        if not os.path.exists(fat_img):
            with open(fat_img, "wb") as f:
                f.truncate(16 * 1024 * 1024)
            subprocess.run(["mkfs.vfat", "-n", "E2EFAT", fat_img], check=True,
                           stdout=subprocess.DEVNULL)
        since = self.logsize()
        qid, busid, disk = self.plug_stick("E2E-FAT", fat_img, 16)
        if self.check("transfer: FAT stick has a disk", bool(disk), f"{busid}: no disk"):
            rc, text = self.sh(f"mkdir -p /mnt/fat && mount /dev/{disk} /mnt/fat && "
                               "mkdir -p /mnt/fat/out && "
                               "head -c 300000 /dev/urandom > /mnt/fat/out/report.pdf && "
                               "echo hello > /mnt/fat/notes.txt && sync && umount /mnt/fat 2>&1")
            self.check("transfer: two files copied to the mounted FAT stick", rc == 0, text)
            rc, text = self.sh("for i in $(seq 1 30); do portcullis devices | grep -q "
                               "'transfers: wrote .* in 2 files' && break; sleep 0.2; done; "
                               f"portcullis devices | grep -A3 '^{busid} '")
            self.check("transfer: portcullis devices shows the live counters",
                       "transfers: wrote" in text and "in 2 files" in text, text)
        self.qemu_unplug(qid, busid)
        ev = self.transfer_event(busid, since)
        files = {f["name"]: f["bytes"] for f in ev["transfer"]["files"]} if ev else {}
        self.check("transfer: transfer event names the files written (fanotify)",
                   ev is not None and files.get("out/report.pdf") == 300000 and
                   files.get("notes.txt") == 6 and ev["transfer"]["files_method"] == "fanotify"
                   and ev["transfer"]["to_device_bytes"] >= 300000,
                   json.dumps(ev["transfer"]) if ev else "no transfer event")

        # 2. A stick with an 8M "block" limit: a 32 MiB copy is cut off, the device deauthorized.
        since = self.logsize()
        qid, busid, disk = self.plug_stick("E2E-CUT", os.path.join(work, "cut.img"), 40)
        if self.check("transfer: copy-limited stick has a disk", bool(disk), f"{busid}: no disk"):
            rc, text = self.sh(f"dd if=/dev/zero of=/dev/{disk} bs=1M count=32 "
                               "oflag=direct 2>&1; echo rc=$?", timeout=300)
            self.check("transfer: the 32 MiB copy fails (8M block limit)",
                       "rc=0" not in text, text)
            al = self.transfer_event(busid, since, "transfer_alert")
            self.check("transfer: transfer_alert with action block", al is not None and
                       al["transfer"]["limit"]["action"] == "block" and
                       "deauthorized" in (al.get("message") or ""),
                       json.dumps(al) if al else "no transfer_alert")
            rc, text = self.sh(f"pc-e2e until {busid} '^dev [^ ]+ authorized=0' 10", timeout=40)
            self.check("transfer: the stick is deauthorized", rc == 0, text)
            ev = self.transfer_event(busid, since)
            self.check("transfer: transfer event ends \"deauthorized\", 8..24 MiB counted",
                       ev is not None and ev["transfer"]["end"] == "deauthorized" and
                       8 << 20 <= ev["transfer"]["to_device_bytes"] < 24 << 20,
                       json.dumps(ev) if ev else "no transfer event")
            rc, text = self.sh("cat /run/portcullis/last-refusal; "
                               "portcullis notify --once --console 2>&1 || true")
            self.check("transfer: operator notice says a copy limit cut the device off",
                       "copy limit" in text, text)
        self.qemu_unplug(qid, busid)

        # 3. A read-only stick (FAT made on the host): writes fail, reads work, the mount is
        #    read-only, blockdev --setrw is undone and reported.
        ro_img = os.path.join(work, "ro.img")
        if not os.path.exists(ro_img):
            with open(ro_img, "wb") as f:
                f.truncate(16 * 1024 * 1024)
            subprocess.run(["mkfs.vfat", "-n", "E2ERO", ro_img], check=True,
                           stdout=subprocess.DEVNULL)
        since = self.logsize()
        qid, busid, disk = self.plug_stick("E2E-RO", ro_img, 16)
        if self.check("transfer: read-only stick has a disk", bool(disk), f"{busid}: no disk"):
            rc, text = self.sh(f"blockdev --getro /dev/{disk}")
            self.check("transfer: read-only stick's disk is read-only (blockdev --getro)",
                       text.strip() == "1", text)
            rc, text = self.sh(f"dd if=/dev/zero of=/dev/{disk} bs=4k count=1 oflag=direct 2>&1")
            self.check("transfer: a write to the read-only stick fails", rc != 0, text)
            rc, text = self.sh(f"dd if=/dev/{disk} of=/dev/null bs=1M count=4 iflag=direct 2>&1")
            self.check("transfer: a read from the read-only stick works", rc == 0, text)
            rc, text = self.sh(f"mkdir -p /mnt/ro; mount /dev/{disk} /mnt/ro 2>&1; "
                               "grep ' /mnt/ro ' /proc/mounts; umount /mnt/ro")
            self.check("transfer: the read-only stick mounts read-only",
                       " ro," in text or " ro " in text, text)
            # The udev rule alone, and its ordering: with the agent stopped, the flag cleared
            # and a "change" event triggered, a udev listener that reads the flag the moment it
            # learns of the event sees it set (udev ran the rule's RUN before announcing it).
            pid = self.out("cat /run/portcullisd.pid").strip()
            rc, text = self.sh(
                f"kill -STOP {pid}; blockdev --setrw /dev/{disk}; "
                f"echo before=$(cat /sys/block/{disk}/ro); "
                "(udevadm monitor --udev --subsystem-match=block | while read -r l; do "
                f"case \"$l\" in *change*/block/{disk}\\ *) "
                f"echo listener_saw_ro=$(cat /sys/block/{disk}/ro); break;; esac; done) "
                ">/tmp/listener.out 2>&1 & lp=$!; sleep 1; "
                f"udevadm trigger --action=change /sys/block/{disk}; udevadm settle; "
                "for i in $(seq 1 50); do grep -q listener_saw_ro /tmp/listener.out && break; "
                "sleep 0.1; done; kill $lp 2>/dev/null; cat /tmp/listener.out; "
                f"kill -CONT {pid}", timeout=120)
            self.check("transfer: udev rule alone sets read-only before udev's listeners learn "
                       "of the event", "before=0" in text and "listener_saw_ro=1" in text, text)
            t_since = self.logsize()
            rc, text = self.sh(f"blockdev --setrw /dev/{disk}; "
                               f"for i in $(seq 1 50); do [ $(blockdev --getro /dev/{disk}) = 1 ]"
                               " && exit 0; sleep 0.1; done; exit 1")
            self.check("transfer: blockdev --setrw is undone within 5 s", rc == 0, text)
            rc, text = self.sh(f"pc-e2e wait-event 'tamper|{disk}|read-only' {t_since} 10",
                               timeout=30)
            self.check("transfer: clearing the read-only flag is reported as tamper", rc == 0,
                       text)
        self.qemu_unplug(qid, busid)
        ev_ro = self.transfer_event(busid, since)
        self.transfer_mtp()
        if os.environ.get("PC_E2E_BENCH"):
            self.transfer_bench()
        ev = ev_ro
        self.check("transfer: read-only stick's transfer event: read_only, reads counted",
                   ev is not None and ev["transfer"]["read_only"] and
                   ev["transfer"]["from_device_bytes"] > 0 and
                   ev["transfer"]["to_device_bytes"] == 0,
                   json.dumps(ev) if ev else "no transfer event")

    def transfer_bench(self):
        """Prints figures, asserts nothing: raw write throughput to an allowed stick with the
        agent running (accounting on) and with it stopped (SIGSTOP: accounting off, the stick stays
        authorized), the agent's CPU per second of copying, and its wake-ups (context switches)
        per minute with nothing attached."""
        pid = self.out("cat /run/portcullisd.pid").strip()
        cpu = ("awk '{print $14 + $15}' /proc/%s/stat" % pid)
        ctx = ("awk '/voluntary_ctxt_switches/ {n += $2} END {print n}' /proc/%s/status" % pid)
        rc, text = self.sh(f"sleep 2; a=$({ctx}); sleep 20; b=$({ctx}); echo $((b - a))",
                           timeout=60)
        if rc == 0:
            self.note(f"bench: agent wake-ups with no data device attached: "
                      f"{int(text.strip()) * 3} per minute (20 s sampled)")
        qid, busid, disk = self.plug_stick("E2E-BENCH", os.path.join(self.args.workdir,
                                                                     "bench.img"), 72)
        if not disk:
            self.qemu_unplug(qid, busid)
            return
        dd = f"dd if=/dev/zero of=/dev/{disk} bs=1M count=64 oflag=direct 2>&1 | tail -n 1"
        self.sh(dd, timeout=300)  # warm-up: the image's blocks allocated on the host first
        runs = {"on": [], "off": []}
        for i in range(6):
            mode = "off" if i % 2 == 0 else "on"
            pre = "" if mode == "on" else f"kill -STOP {pid}; "
            post = "" if mode == "on" else f"; kill -CONT {pid}"
            rc, text = self.sh(f"{pre}c0=$({cpu}); t0=$(date +%s.%N); {dd}; "
                               f"t1=$(date +%s.%N); c1=$({cpu}){post}; "
                               "echo \"T $t0 $t1 C $c0 $c1\"", timeout=300)
            m = re.search(r"T (\S+) (\S+) C (\d+) (\d+)", text)
            if m:
                secs = float(m.group(2)) - float(m.group(1))
                runs[mode].append((64 / secs, (int(m.group(4)) - int(m.group(3))) / secs))
        self.qemu_unplug(qid, busid)
        if runs["on"] and runs["off"]:
            on = sum(r[0] for r in runs["on"]) / len(runs["on"])
            off = sum(r[0] for r in runs["off"]) / len(runs["off"])
            ticks = sum(r[1] for r in runs["on"]) / len(runs["on"])
            self.note(f"bench: raw 64 MiB O_DIRECT writes: {on:.1f} MiB/s with accounting, "
                      f"{off:.1f} MiB/s without (agent stopped): overhead "
                      f"{(off - on) / off * 100:+.1f} % (TCG: noisy, compare runs)")
            self.note(f"bench: agent CPU while copying: {ticks:.2f} clock ticks per second "
                      f"({ticks:.2f} % of one CPU at 100 Hz)")

    def transfer_mtp(self):
        """The QEMU MTP phone (writable) allowed with "log": mtp-sendfile of 4 MiB is counted
        through the USB monitor and the file is named from its SendObjectInfo dataset."""
        # usbmon is loaded at boot by modules-load.d/portcullis.conf on an installed system.
        rc, text = self.sh("modprobe usbmon && ls /dev/usbmon*")
        self.check("transfer: usbmon loaded", rc == 0, text)
        root = os.path.join(self.args.workdir, "mtpwrite")
        shutil.rmtree(root, ignore_errors=True)  # QEMU's responder will not overwrite a file
        os.makedirs(root)
        since = self.logsize()
        self.n += 1
        qid = f"tphone{self.n}"
        self.vm.device_add("usb-mtp", qid, bus="xhci.0", rootdir=root, readonly=False,
                           desc="E2E writable phone")
        rc, busid = self.sh("pc-e2e find 46f4 0004 60", timeout=90)
        busid = busid.strip()
        ev = self.decision_event(busid, since)
        self.check("transfer: MTP phone allowed by the log rule", ev is not None and
                   ev["decision"]["verdict"] == "allow",
                   json.dumps(ev["decision"]) if ev else "no device_decision")
        rc, text = self.sh("head -c 4194304 /dev/urandom > /tmp/payload.bin && "
                           "for i in 1 2 3; do mtp-sendfile /tmp/payload.bin payload.bin "
                           ">/tmp/sendfile.log 2>&1 && exit 0; sleep 1; done; "
                           "cat /tmp/sendfile.log; exit 1", timeout=300)
        self.check("transfer: mtp-sendfile of 4 MiB to the phone", rc == 0, text[-800:])
        self.qemu_unplug(qid, busid)
        ev = self.transfer_event(busid, since)
        t = ev["transfer"] if ev else {}
        names = [f["name"] for f in t.get("files", [])]
        self.check("transfer: MTP transfer event: usbmon, >= 4 MiB to the device, names the "
                   "file", ev is not None and t.get("method") == "usbmon" and
                   t.get("to_device_bytes", 0) >= 4194304 and "payload.bin" in names,
                   json.dumps(t) if ev else "no transfer event")

    def sigkill(self):
        """The agent dies (SIGKILL): new devices stay blocked (defaults stay 0)."""
        rc, text = self.sh("kill -9 $(cat /run/portcullisd.pid); "
                           "for i in $(seq 1 100); do kill -0 $(cat /run/portcullisd.pid) "
                           "2>/dev/null || exit 0; sleep 0.1; done; exit 1")
        self.check("sigkill: agent killed", rc == 0, text)
        for spec in (QEMU_DEVICES[0], next(s for s in QEMU_DEVICES if s["name"] == "usb-kbd")):
            before = self.nodes()
            qid = self.qemu_plug(spec)
            rc, busid = self.sh(f"pc-e2e find {spec['vid']} {spec['pid']} 60", timeout=90)
            busid = busid.strip()
            self.sh("pc-e2e quiet", timeout=120)
            dev, ifs, text = self.snap(busid)
            after = self.nodes()
            self.check(f"sigkill: {spec['name']} plugged after the agent died stays "
                       "unauthorized", dev.get("authorized") == "0", text)
            self.check(f"sigkill: {spec['name']}: no new block/net/input node",
                       all(not (after[k] - before[k]) for k in ("blk", "net", "input")),
                       str({k: sorted(after[k] - before[k]) for k in after}))
            self.qemu_unplug(qid, busid)

    def demo_report(self):
        text = self.out("portcullis devices 2>&1")
        print(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guest", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    args.workdir = os.path.abspath(args.workdir)
    args.stick_image = os.path.join(args.workdir, "stick.img")
    args.mtp_root = os.path.join(args.workdir, "mtproot")
    os.makedirs(args.mtp_root, exist_ok=True)
    with open(os.path.join(args.mtp_root, "holiday.jpg"), "w") as f:
        f.write("not really a photo\n")
    if not os.path.exists(args.stick_image):
        with open(args.stick_image, "wb") as f:
            f.truncate(16 * 1024 * 1024)
    only = set(filter(None, args.only.split(",")))

    def want(name):
        return not only or name in only

    bed = Bed(args)
    status = open(os.path.join(os.path.dirname(args.initrd), "project.status")).read().strip()
    vm = VM(os.path.join(args.workdir, "vm"), os.path.join(args.guest, "vmlinuz"), args.initrd)
    bed.vm = vm
    t0 = time.monotonic()
    try:
        boot = vm.start()
        print(f"  .. guest booted in {boot:.1f}s", flush=True)
        if want("control"):
            bed.control()
        agent_ok = bed.check("project: portcullis built and installed", status == "ok", status)
        if agent_ok:
            plugged, agent_ok = bed.before_start()
            for q, b in plugged:
                bed.qemu_unplug(q, b)
        if agent_ok:
            for spec in QEMU_DEVICES:
                if want(spec["name"]):
                    bed.run_qemu_device(spec)
            if want("hub"):
                bed.hub()
            if want("hot-added-controllers"):
                bed.hot_added_controllers()
            for spec in GADGETS:
                if want(spec["name"]):
                    bed.run_gadget(spec)
            if want("tamper") or want("policy"):
                qid, busid = bed.tamper()
                bed.policy_push(qid, busid)
            if want("transfer"):
                bed.transfer()
            if want("sigkill"):
                bed.sigkill()
    except (GuestError, QMPError, OSError) as e:
        bed.check("test bed", False, f"{type(e).__name__}: {e}")
    finally:
        if bed.vm.ctl:
            try:
                log = bed.out("cat /run/portcullisd.log 2>/dev/null | tail -n 400", timeout=30)
                open(os.path.join(args.workdir, "portcullisd.log"), "w").write(log)
                inc = bed.out("cat /var/log/portcullis/incident.log 2>/dev/null", timeout=30)
                open(os.path.join(args.workdir, "incident.log"), "w").write(inc)
            except Exception:
                pass
        vm.stop()
    print(f"  .. VM run {time.monotonic() - t0:.0f}s (console: {vm.console})")
    print(f"e2e: {bed.passed} passed, {bed.failed} failed")
    return 0 if bed.failed == 0 and bed.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
