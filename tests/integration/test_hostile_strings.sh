#!/bin/sh
# Hostile device strings stay inert in every output (issue 10, item 5). A USB stick whose
# manufacturer, product and serial carry a C1 CSI (U+009B), bidi overrides and isolates (U+202E,
# U+2066..U+2069, U+061C, U+200E/F), terminal escapes and bytes that are not UTF-8, the product 255
# bytes long, goes through the real programs under umockdev-run:
#   portcullis devices --json, portcullis devices,           (the CLI reading sysfs)
#   portcullisd --once -> incident.log (the upstream record: the same line), portcullis log verify,
#   portcullis log show --json, log show, log export --csv,  (the CLI reading the log)
#   portcullis report --format json|text|html,
#   the agent's last-refusal/refusals status files, portcullis status, status --json.
# Every output must be valid UTF-8 without a raw C0 (but line ends), DEL, C1, bidi or format
# character; JSON must carry them as \uXXXX and decode back to the device's characters; CSV and
# text must show a visible escape.
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PC="$BUILD_DIR/agent/cli/portcullis"
PCD="$BUILD_DIR/agent/daemon/portcullisd"
WR="$BUILD_DIR/tests/integration/notify_write_refusal"
. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
desc=$(bed_hex usb-stick)

# The strings, as hex (sysfs attributes are bytes; umockdev's H: lines take hex).
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
product = "Evil\u009b31m\u202egpj.exe\u2066x\u2069\u061c\u200e\u200f".encode() + b"\x1b]0;t\x07\xff"
product += b"A" * (255 - len(product))
assert len(product) == 255
strings = {
    "manufacturer": "Maker\u202a\u202b\u202c\u202d\u2067\u2068".encode() + b"\x9b\x7f",
    "product": product,
    "serial": b"SN\xc2\x9b2J\xe2\x80\xae01",
}
for k, v in strings.items():
    open(f"{d}/{k}.hex", "w").write(v.hex())
    open(f"{d}/{k}.raw", "wb").write(v)
PY

bed_root_hub 0 >"$tmp/bed.umockdev"
cat >>"$tmp/bed.umockdev" <<EOT
P: /devices/pci0000:00/0000:00:14.0/usb1/1-2
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=0\n
A: busnum=1\n
A: devnum=2\n
A: idVendor=0781\n
A: idProduct=5567\n
H: manufacturer=$(cat "$tmp/manufacturer.hex")
H: product=$(cat "$tmp/product.hex")
H: serial=$(cat "$tmp/serial.hex")
A: bConfigurationValue=\n
H: descriptors=$desc
EOT
printf 'agent = { policy_file = "%s/policy.conf"; keys_dir = "%s/keys.d"; state_dir = "%s/state"; };\n' \
    "$tmp" "$tmp" "$tmp" >"$tmp/portcullisd.conf"
CONF="--config $tmp/portcullisd.conf --no-owner-check"

umockdev-run -d "$tmp/bed.umockdev" -- sh -c '
  "$1" devices $4 --json >"$3/devices.json" &&
  "$1" devices $4 >"$3/devices.txt" &&
  "$2" --once --foreground $4 --policy "$3/policy.conf" --state-dir "$3/state" \
      --log-dir "$3/log"' sh "$PC" "$PCD" "$tmp" "$CONF" 2>"$tmp/err" ||
    { cat "$tmp/err"; exit 1; }
"$PC" log verify --dir "$tmp/log" >"$tmp/verify.txt" 2>&1 || { cat "$tmp/verify.txt"; exit 1; }
"$PC" log show --json --dir "$tmp/log" >"$tmp/show.json"
"$PC" log show --dir "$tmp/log" >"$tmp/show.txt"
"$PC" log export --csv --dir "$tmp/log" >"$tmp/export.csv"
for f in json text html; do
    "$PC" report --format $f --out "$tmp/report.$f" "$tmp/log" || { echo "report --format $f failed"; exit 1; }
done
mkdir "$tmp/run"
"$WR" "$tmp/run" 1-2 0781 5567 "$(cat "$tmp/manufacturer.raw")" \
    "$(cat "$tmp/product.raw")" block mass-storage "no-storage"
"$PC" status --run-dir "$tmp/run" >"$tmp/status.txt" || true
"$PC" status --json --run-dir "$tmp/run" >"$tmp/status.json" || true

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
raw = {k: open(f"{d}/{k}.raw", "rb").read() for k in ("manufacturer", "product", "serial")}
HOSTILE = set(range(0x00, 0x20)) | set(range(0x7f, 0xa0)) | {0x061c, 0x200e, 0x200f, 0x2028, 0x2029} \
    | set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))
fails = 0

def fail(msg):
    global fails
    fails += 1
    print("FAIL", msg)

def inert(name, allowed="\n"):
    b = open(f"{d}/{name}", "rb").read()
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError as e:
        return fail(f"{name}: not UTF-8 ({e})")
    bad = {hex(ord(c)) for c in t if ord(c) in HOSTILE and c not in allowed}
    if bad:
        return fail(f"{name}: raw hostile characters {sorted(bad)}")
    print("ok  ", name, "inert")
    return t

def expect(name, text, *needles):
    for n in needles:
        if n not in text:
            fail(f"{name}: lacks {n!r}")
    print("ok  ", name, "has", len(needles), "visible escapes")

# The device's characters as a JSON decoder gets them (bytes that are not UTF-8: the text \xNN).
def decoded(b):
    out, i = "", 0
    while i < len(b):
        for n in (1, 2, 3, 4):
            try:
                c = b[i:i + n].decode("utf-8")
                if c != "\0":
                    out += c; i += n; break
            except UnicodeDecodeError:
                pass
        else:
            out += "\\x%02x" % b[i]; i += 1
    return out

# portcullis devices --json
t = inert("devices.json")
if t:
    expect("devices.json", t, "\\u009b", "\\u202e", "\\u2066", "\\u061c", "\\u001b", "\\\\xff")
    dev = [x for x in json.loads(t)["devices"] if x["busid"] == "1-2"][0]
    for k in raw:
        if dev[k] != decoded(raw[k]):
            fail(f"devices.json: {k} {dev[k]!r} != {decoded(raw[k])!r}")
inert("devices.txt")
# the incident log itself (what goes upstream), and log show --json
for name in ("log/incident.log", "show.json"):
    t = inert(name)
    if not t:
        continue
    expect(name, t, "\\u009b", "\\u202e", "\\u2069", "\\u200f", "\\u001b", "\\\\x9b", "\\\\xff")
    recs = [json.loads(l) for l in t.splitlines()]
    decs = [r for r in recs if r["type"] == "device_decision" and r["device"]["busid"] == "1-2"]
    if not decs:
        fail(f"{name}: no decision for 1-2")
    else:
        for k in raw:
            if decs[0]["device"][k] != decoded(raw[k]):
                fail(f"{name}: {k} {decs[0]['device'][k]!r} != {decoded(raw[k])!r}")
        if len(decs[0]["device"]["product"]) < 240:
            fail(f"{name}: the 255-byte product was cut")
t = inert("show.txt")
if t:
    # str_escape(): every byte outside printable ASCII as \xNN; the stored text \xff as \x5cxff
    expect("show.txt", t, "\\xc2\\x9b", "\\xe2\\x80\\xae", "\\x1b", "\\x5cxff")
t = inert("export.csv", "\r\n")
if t:
    expect("export.csv", t, "\\u009b", "\\u202e", "\\u2066", "\\u061c", "\\x1b", "\\x9b")
inert("verify.txt")
# the fleet report, in each format
t = inert("report.json")
if t:
    json.loads(t)
    expect("report.json", t, "\\u009b")
inert("report.text")
inert("report.html")
# the agent's status files and what portcullis status makes of them
for name in ("run/last-refusal", "run/refusals"):
    t = inert(name)
    if t:
        expect(name, t, "\\u009b", "\\u202e")
        r = json.loads(t.splitlines()[-1])
        if r["product"] != decoded(raw["product"]):
            fail(f"{name}: product {r['product']!r}")
inert("status.txt")
t = inert("status.json")
if t:
    json.loads(t)
if fails:
    sys.exit(1)
print("PASS")
PY
