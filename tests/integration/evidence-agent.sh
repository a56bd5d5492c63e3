#!/bin/bash
# Evidence that survives, against the real portcullisd (under umockdev) delivering over RELP+TLS
# to a real rsyslog (issue 10, items 1-3):
#   a) the log directory is a tiny tmpfs: appends fail with ENOSPC; once there is room again an
#      events_lost record names exactly the seqs that failed, and the collector got every one
#   b) the live file truncated, then the log directory emptied, while the agent runs: a tamper
#      record each (inotify), numbering continues, the collector still gets every record
#   c) sealing: with a key from "portcullis log setup-keys" the stopped agent's log verifies with
#      --verify-key (honest loss as warnings, exit 0); a copy whose middle record is forged with
#      the chain and the head file recomputed fails; without the key it passes (the old weakness)
#   d) a device with 250 interfaces and 255-byte hostile strings: its records are cut to fit the
#      one record cap, marked truncated, and reach rsyslog
# Exit 77 (skip) only when rsyslogd is missing or a tmpfs cannot be mounted (no privilege).
set -u -o pipefail
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "SKIP: rsyslogd not installed"; exit 77; }
command -v umockdev-run >/dev/null || { echo "SKIP: umockdev-run not installed"; exit 77; }
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
AGENT=$BUILD_DIR/agent/daemon/portcullisd
CLI=$BUILD_DIR/agent/cli/portcullis
HELPER=$(find "$BUILD_DIR" -name portcullis-uplink -type f -perm -u+x | head -n1)
[ -x "$AGENT" ] && [ -x "$CLI" ] && [ -n "$HELPER" ] || { echo "FAIL: binaries not built"; exit 1; }

W=$(mktemp -d /tmp/pc-evidence-XXXXXX)
chmod 755 "$W"
RPID= APID=
fails=0
cleanup() {
    [ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
    [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
    mountpoint -q "$W/log" && umount "$W/log"
    rm -rf "$W"
}
trap cleanup EXIT
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
wait_for() { # wait_for SECONDS CMD...
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -p "$W/log"
if ! mount -t tmpfs -o size=12k,mode=0750 tmpfs "$W/log" 2>"$W/mount.err"; then
    [ "$(id -u)" -ne 0 ] && { echo "SKIP: mounting a tmpfs needs root"; exit 77; }
    cat "$W/mount.err"; echo "FAIL: cannot mount a tmpfs as root"; exit 1
fi

# ---- PKI and collector ----
mkdir -p "$W/pki" "$W/work"
(
    cd "$W/pki" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
        -out ca.pem -days 2 -subj "/CN=Portcullis Evidence Test CA" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >server.ext &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
        -out server.csr -subj "/CN=localhost" 2>/dev/null &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
        -days 2 -extfile server.ext 2>/dev/null && chmod 644 server.key ca.pem
) || { echo "FAIL: test PKI"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$W/rsyslog.conf" <<CONF
global(workDirectory="$W/work" maxMessageSize="64k")
module(load="imrelp" tls.tlslib="openssl")
template(name="msg" type="string" string="%msg%\n")
ruleset(name="in") { action(type="omfile" file="$W/relp.out" template="msg") }
input(type="imrelp" address="127.0.0.1" port="$PORT" ruleset="in" tls="on"
      tls.caCert="$W/pki/ca.pem" tls.myCert="$W/pki/server.pem" tls.myPrivKey="$W/pki/server.key")
CONF
"$RSYSLOGD" -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" >"$W/rsyslog.log" 2>&1 &
RPID=$!
wait_for 20 port_open "$PORT" || { cat "$W/rsyslog.log"; echo "FAIL: rsyslog did not start"; exit 1; }

# ---- the agent ----
. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2
} >"$W/bed.umockdev"
cat >"$W/portcullisd.conf" <<CONF
agent = { seal_interval_sec = 60; };
uplink = { enabled = true; protocol = "relp"; host = "127.0.0.1"; port = $PORT;
           ca_file = "$W/pki/ca.pem"; user = "nobody"; heartbeat_sec = 1; };
CONF
mkdir -p "$W/state"
VKEY=$("$CLI" log setup-keys --state-dir "$W/state" | tail -n1)
[[ "$VKEY" =~ ^[0-9a-f]{64}$ ]] || { echo "FAIL: setup-keys printed no key: $VKEY"; exit 1; }
ok "setup-keys: verification key on the last line"

umockdev-run -d "$W/bed.umockdev" -- "$AGENT" --foreground --verbose --config "$W/portcullisd.conf" \
    --no-owner-check --policy "$W/no-policy.conf" --state-dir "$W/state" --log-dir "$W/log" \
    --uplink-helper "$HELPER" >"$W/agent.out" 2>"$W/agent.err" &
APID=$!

failed_seqs() { grep -o 'Failed to append record seq [0-9]*' "$W/agent.err" | grep -o '[0-9]*$'; }
n_failed() { [ "$(failed_seqs | wc -l)" -ge "$1" ]; }
in_log() { cat "$W"/log/incident.log* 2>/dev/null | grep -q "$1"; }

# ---- a) disk full ----
if wait_for 60 n_failed 4; then
    mount -o remount,size=4m "$W/log"
    wait_for 20 in_log '"type":"events_lost"' || bad "a) no events_lost after space came back"
else
    bad "a) appends never failed on the 12 KiB tmpfs"; tail -n 20 "$W/agent.err"
fi
LOST=$(failed_seqs | sort -n | uniq)
# ---- b) truncate the live file, then empty the directory ----
sleep 1.5
truncate -s 0 "$W/log/incident.log"
wait_for 10 in_log 'live incident log file was truncated' || bad "b) truncation not recorded"
sleep 1.5
rm -rf "$W"/log/*
wait_for 10 in_log 'live incident log file was removed' || bad "b) removal not recorded"
sleep 2.5
kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ $rc -eq 0 ] || { bad "agent exit status $rc"; tail -n 20 "$W/agent.err"; }

MAX=$(cat "$W"/log/incident.log* | python3 -c 'import sys,json; print(max(json.loads(l)["seq"] for l in sys.stdin))')
collector_complete() {
    python3 - "$W/relp.out" "$MAX" <<'PY'
import json, sys
seqs = set()
for line in open(sys.argv[1], errors="replace"):
    try:
        seqs.add(json.loads(line)["seq"])
    except Exception:
        pass
sys.exit(0 if set(range(1, int(sys.argv[2]) + 1)) <= seqs else 1)
PY
}
if wait_for 30 collector_complete; then
    ok "collector: every seq 1..$MAX arrived (disk full, truncation and removal included)"
else
    bad "collector: seqs missing of 1..$MAX"
fi

# The local invariant, and events_lost of the disk-full phase = exactly the seqs that failed.
python3 - "$W/log" "$MAX" "$(echo $LOST)" "$W/relp.out" <<'PY' || bad "local log invariant"
import glob, json, sys
d, mx, lost = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split()]
# the disk-full events_lost was in the directory that was emptied later: take the collector's copy
upstream = []
for l in open(sys.argv[4], errors="replace"):
    try:
        upstream.append(json.loads(l))
    except Exception:
        pass
recs = [json.loads(l) for f in glob.glob(d + "/incident.log*") for l in open(f)]
present = {r["seq"] for r in recs}
covered = set()
els = [r for r in recs if r["type"] == "events_lost"]
for r in els:
    assert r["count"] == r["last_seq"] - r["first_seq"] + 1
    covered |= set(range(r["first_seq"], r["last_seq"] + 1))
missing = set(range(1, mx + 1)) - present - covered
assert not missing, f"seqs neither in the log nor in events_lost: {sorted(missing)}"
first = min((r for r in upstream if r["type"] == "events_lost"), key=lambda r: r["seq"])
want = (lost[0], lost[-1], len(lost))
got = (first["first_seq"], first["last_seq"], first["count"])
assert want == got and lost == list(range(lost[0], lost[-1] + 1)), f"disk full: failed {lost}, events_lost {got}"
tampers = [r for r in upstream if r["type"] == "tamper"]
assert any("truncated" in r["message"] for r in tampers) and any("removed" in r["message"] for r in tampers), tampers
print(f"PASS: local log: disk full lost seq {want[0]}..{want[1]} (count {want[2]}) named by events_lost; "
      f"every seq 1..{mx} present or covered ({len(present)} present, {len(covered)} covered)")
PY

out=$("$CLI" log verify --dir "$W/log" --verify-key "$VKEY")
rc=$?
if [ $rc -eq 0 ] && grep -q '^warning: records .* are not in this log: events_lost' <<<"$out" &&
   grep -q '^sealed: every record up to seq' <<<"$out"; then
    ok "verify --verify-key: exit 0, honest loss as warnings, sealed"
else
    bad "verify --verify-key (exit $rc): $out"
fi

# ---- c) forged middle record, chain and head file recomputed ----
cp -a "$W/log" "$W/forged"
python3 - "$W/forged" <<'PY' || bad "forging failed"
import glob, hashlib, json, os, sys
d = sys.argv[1]
f = d + "/incident.log"
lines = open(f).read().split("\n")[:-1]
i = next(k for k, l in enumerate(lines) if '"type":"heartbeat"' in l and k > 0 and k < len(lines) - 2)
lines[i] = lines[i].replace('"spool_depth":', '"spool_depth":1', 1)  # root edits a record
for k in range(i + 1, len(lines)):
    prev = hashlib.sha256(lines[k - 1].encode()).hexdigest()
    lines[k] = lines[k][:-66] + prev + '"}'
open(f, "w").write("\n".join(lines) + "\n")
last = json.loads(lines[-1])["seq"]
open(d + "/head", "w").write("%020d %s\n" % (last, hashlib.sha256(lines[-1].encode()).hexdigest()))
PY
out=$("$CLI" log verify --dir "$W/forged")
if [ $? -eq 0 ]; then ok "forged copy passes without the key (what sealing is for)"; else bad "forged copy: $out"; fi
out=$("$CLI" log verify --dir "$W/forged" --verify-key "$VKEY")
if [ $? -eq 1 ] && grep -q 'does not verify with the key' <<<"$out"; then
    ok "forged copy fails with --verify-key: $(grep FAILED <<<"$out")"
else
    bad "forged copy with the key: $out"
fi
out=$("$CLI" log verify --dir "$W/log" --verify-key "$(printf '%064d' 7)")
[ $? -eq 1 ] && ok "wrong key: refused" || bad "wrong key accepted: $out"

# ---- d) a device with 250 interfaces and 255-byte hostile strings: its record reaches rsyslog ----
python3 - "$W/big.umockdev" <<'PY'
import sys
hostile = (b"\x1b]0;pwned\x07\x1b[2J\xe2\x80\xae\xc2\x9b\"\\\xff\x01" * 20)[:255]
def hexs(b): return b.hex()
desc = bytes.fromhex("12010002000000403412785600010102030101")[:18]
total = 9 + 250 * 9
desc += bytes([9, 2, total & 0xff, total >> 8, 250, 1, 0, 0x80, 0x32])
for n in range(250):
    desc += bytes([9, 4, n, 0, 0, 0xff, 0xff, 0xff, 0])
out = ["P: /devices/pci0000:00/0000:00:14.0/usb1", "E: DEVTYPE=usb_device", "E: SUBSYSTEM=usb",
       "A: authorized=1\\n", "A: authorized_default=1\\n", "A: interface_authorized_default=1\\n",
       "A: busnum=1\\n", "A: devnum=1\\n", "",
       "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3", "E: DEVTYPE=usb_device", "E: SUBSYSTEM=usb",
       "A: authorized=1\\n", "A: busnum=1\\n", "A: devnum=3\\n", "A: idVendor=1234\\n",
       "A: idProduct=5678\\n", "A: bConfigurationValue=1\\n",
       "H: manufacturer=" + hexs(hostile), "H: product=" + hexs(hostile), "H: serial=" + hexs(hostile),
       "H: descriptors=" + hexs(desc), ""]
for n in range(250):
    out += ["P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.%d" % n, "E: DEVTYPE=usb_interface",
            "E: SUBSYSTEM=usb", "A: authorized=1\\n", "A: bInterfaceClass=ff\\n",
            "A: bInterfaceSubClass=ff\\n", "A: bInterfaceProtocol=ff\\n",
            "A: bInterfaceNumber=%02x\\n" % n, "H: interface=" + hexs(hostile[:127]), ""]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
mkdir -p "$W/big-state"
: >"$W/relp.out"
umockdev-run -d "$W/big.umockdev" -- "$AGENT" --foreground --config "$W/portcullisd.conf" \
    --no-owner-check --policy "$W/no-policy.conf" --state-dir "$W/big-state" --log-dir "$W/big-log" \
    --uplink-helper "$HELPER" >"$W/big.out" 2>"$W/big.err" &
APID=$!
big_arrived() { grep -q '"interfaces_total":250' "$W/relp.out" 2>/dev/null; }
if wait_for 60 big_arrived; then
    python3 - "$W/relp.out" "$W/big-log" <<'PY' && ok "d) 250 interfaces, hostile strings: record cut to fit, marked truncated, delivered to rsyslog and in the local log" || bad "d) big record"
import glob, json, sys
up = [json.loads(l) for l in open(sys.argv[1]) if '"interfaces_total":250' in l]
local = [l for f in glob.glob(sys.argv[2] + "/incident.log*") for l in open(f) if '"interfaces_total":250' in l]
r = up[0]
assert r["truncated"] is True and len(r["device"]["interfaces"]) == 24, r.keys()
assert len(json.dumps(r)) < 65536
assert any(json.loads(l)["seq"] == r["seq"] for l in local)
print("   record seq %d: %d bytes upstream, %d interfaces listed of %d" % (r["seq"], len(json.dumps(r, separators=(",", ":"))), len(r["device"]["interfaces"]), r["device"]["interfaces_total"]))
PY
else
    bad "d) no record with 250 interfaces reached rsyslog"; tail -n 5 "$W/big.err"
fi
kill -TERM "$APID"; wait "$APID"; APID=

[ $fails -eq 0 ] && echo "evidence-agent: all passed" || echo "evidence-agent: $fails failed"
exit $((fails > 0))
