#!/bin/sh
# "portcullis devices" under umockdev: human and JSON output for a USB stick, a phone (MTP+ADB),
# a keyboard and a BadUSB composite, unauthorized and configured; --policy with a custom rule;
# bad policy files; usage errors; hostile device strings; malformed descriptors.
# Env (set by ctest): BUILD_DIR, SOURCE_DIR, PC_UMOCKDEV_PRELOAD.
set -eu

: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
PRELOAD=${PC_UMOCKDEV_PRELOAD:-libumockdev-preload.so.0}
TB="$BUILD_DIR/tests/support/pc-testbed"
PC="$BUILD_DIR/agent/cli/portcullis"
[ -x "$PC" ] || PC="$BUILD_DIR/portcullis"
if [ ! -x "$TB" ] || [ ! -x "$PC" ]; then
	echo "missing $TB or $PC" >&2
	exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
FAILS=0
CHECKS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# run OUT ERR TESTBED-ARGS... -- portcullis ARGS...; sets RC
run() {
	out=$1 err=$2
	shift 2
	set +e
	LD_PRELOAD="$PRELOAD" "$TB" "$@" >"$out" 2>"$err"
	RC=$?
	set -e
}

# expect_rc NAME WANT
expect_rc() {
	CHECKS=$((CHECKS + 1))
	[ "$RC" -eq "$2" ] || { fail "$1: exit $RC, want $2"; cat "$WORK/err" >&2; }
}

# jcheck NAME FILE PYTHON-EXPRESSIONS (one per line, each must be true; j = the parsed JSON,
# dev(busid) = that device, ifc(busid, n) = its interface number n in configuration 1)
jcheck() {
	name=$1 file=$2 exprs=$3
	CHECKS=$((CHECKS + 1))
	if ! python3 - "$file" "$exprs" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
def dev(b):
    m = [d for d in j["devices"] if d["busid"] == b]
    assert len(m) == 1, "no device " + b
    return m[0]
def ifc(b, n, c=1):
    m = [i for i in dev(b)["interfaces"] if i["number"] == n and i["config"] == c]
    assert len(m) == 1, "no interface %s:%d.%d" % (b, c, n)
    return m[0]
bad = 0
for e in sys.argv[2].strip().splitlines():
    e = e.strip()
    try:
        ok = eval(e)
    except Exception as x:
        ok = False
        e += "  (" + repr(x) + ")"
    if not ok:
        print("  not true: " + e, file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
EOF
	then
		fail "$name"
	fi
}

# has NAME FILE FIXED-STRING
has() {
	CHECKS=$((CHECKS + 1))
	grep -qF -- "$3" "$2" || { fail "$1: no '$3' in output"; cat "$2" >&2; }
}

# line NAME FILE EXTENDED-REGEX
line() {
	CHECKS=$((CHECKS + 1))
	grep -qE -- "$3" "$2" || { fail "$1: no line matching '$3'"; cat "$2" >&2; }
}

# The configuration "portcullis devices" reads by default names files that do not exist here: the
# built-in default, whatever /etc/portcullis holds on this machine.
printf 'agent = { policy_file = "%s/etc/policy.conf"; keys_dir = "%s/etc/keys.d";\n  state_dir = "%s/state"; };\n' \
	"$WORK" "$WORK" "$WORK" >"$WORK/none.conf"
NOCONF="--config $WORK/none.conf --no-owner-check"

FOUR_UNAUTH="--device usb-stick@1-2,unauthorized --device android-mtp-adb@1-3,unauthorized
	--device keyboard@1-4,unauthorized --device badusb@1-5,unauthorized"
FOUR_CONF="--device usb-stick@1-2 --device android-mtp-adb@1-3 --device keyboard@1-4
	--device badusb@1-5"

# --- unauthorized: interfaces known only from the descriptors ---
# shellcheck disable=SC2086
run "$WORK/u.json" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF --json
expect_rc "unauthorized json" 0
jcheck "unauthorized json" "$WORK/u.json" '
j["policy"]["name"] == "built-in default" and j["policy"]["source"] == "built-in"
j["policy"]["serial"] == 0 and j["policy"]["mode"] == "enforce"
[b["busid"] for b in j["buses"]] == ["usb1"]
j["buses"][0]["authorized_default"] == 1 and j["buses"][0]["interface_authorized_default"] == 1
[d["busid"] for d in j["devices"]] == ["1-2", "1-3", "1-4", "1-5"]
dev("1-2")["vendor_id"] == "0781" and dev("1-2")["product_id"] == "5567"
dev("1-2")["manufacturer"] == "SanDisk" and dev("1-2")["product"] == "Cruzer Blade"
dev("1-2")["serial"] == "4C530001230607114484"
dev("1-2")["syspath"] == "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
dev("1-2")["authorized"] is False
dev("1-2")["kinds"] == ["mass-storage"] and dev("1-2")["decision"] == "block"
dev("1-2")["rule"] == "builtin-block-data" and dev("1-2")["reason"] is None
dev("1-2")["charge_only"] is False and dev("1-2")["authorize_device"] is False
ifc("1-2", 0)["class"] == "08/06/50" and ifc("1-2", 0)["kind"] == "mass-storage"
ifc("1-2", 0)["present"] is False and ifc("1-2", 0)["authorized"] is None
ifc("1-2", 0)["string"] is None and ifc("1-2", 0)["decision"] == "block"
set(dev("1-3")["kinds"]) == {"mtp", "ptp", "adb"} and dev("1-3")["mtp_db"] is True
dev("1-3")["decision"] == "block" and dev("1-3")["charge_only"] is True
dev("1-3")["authorize_device"] is True
ifc("1-3", 0)["class"] == "06/01/01" and ifc("1-3", 0)["kind"] == "mtp"
ifc("1-3", 1)["class"] == "ff/42/01" and ifc("1-3", 1)["kinds"] == ["adb"]
ifc("1-3", 0)["string"] is None and ifc("1-3", 1)["present"] is False
dev("1-4")["manufacturer"] is None and dev("1-4")["serial"] is None
dev("1-4")["speed"] == "1.5"
dev("1-4")["decision"] == "allow" and dev("1-4")["rule"] == "builtin-allow-peripherals"
[i["decision"] for i in dev("1-4")["interfaces"]] == ["allow", "allow"]
dev("1-5")["decision"] == "partial" and dev("1-5")["rule"] is None
set(dev("1-5")["kinds"]) == {"hid", "mass-storage"}
ifc("1-5", 0)["kind"] == "hid" and ifc("1-5", 0)["decision"] == "allow"
ifc("1-5", 1)["kind"] == "mass-storage" and ifc("1-5", 1)["decision"] == "block"
ifc("1-5", 1)["rule"] == "builtin-block-data"
'

# shellcheck disable=SC2086
run "$WORK/u.txt" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF
expect_rc "unauthorized human" 0
line "human policy" "$WORK/u.txt" '^Policy: built-in default \(serial 0, mode enforce\)$'
line "human bus" "$WORK/u.txt" '^Bus 1 +usb1 +1d6b:0002  xHCI Host Controller$'
line "human bus defaults" "$WORK/u.txt" 'new devices: authorized, new interfaces: authorized  \(NOT fail-closed\)'
line "human stick" "$WORK/u.txt" '^1-2 +0781:5567  SanDisk Cruzer Blade \(serial 4C530001230607114484\) +block +rule: builtin-block-data +now: off$'
line "human stick iface" "$WORK/u.txt" '^ +1-2:1\.0 +08/06/50  mass-storage +block  builtin-block-data +now: -$'
line "human phone" "$WORK/u.txt" '^1-3 +18d1:4ee2  Google Pixel 7 \(serial 2A171FDH2003YB\) +block \(charge only\) +rule: builtin-block-data'
line "human phone adb" "$WORK/u.txt" '^ +1-3:1\.1 +ff/42/01  adb +block'
line "human keyboard" "$WORK/u.txt" '^1-4 +413c:2113  Dell KB216 Wired Keyboard +allow +rule: builtin-allow-peripherals'
line "human badusb" "$WORK/u.txt" '^1-5 +413c:2113  Dell KB216 Wired Keyboard +partial +rule: \(mixed\) +now: off$'
line "human badusb storage" "$WORK/u.txt" '^ +1-5:1\.1 +08/06/50  mass-storage +block'

# --- configured: interfaces present, strings from sysfs ---
# shellcheck disable=SC2086
run "$WORK/c.json" "$WORK/err" $FOUR_CONF -- "$PC" devices $NOCONF --json
expect_rc "configured json" 0
jcheck "configured json" "$WORK/c.json" '
all(d["authorized"] is True for d in j["devices"])
ifc("1-2", 0)["present"] is True and ifc("1-2", 0)["authorized"] is True
ifc("1-2", 0)["sysname"] == "1-2:1.0" and ifc("1-2", 0)["driver"] is True
ifc("1-3", 0)["string"] == "MTP" and ifc("1-3", 1)["string"] == "ADB Interface"
dev("1-3")["decision"] == "block" and dev("1-3")["charge_only"] is True
dev("1-4")["decision"] == "allow" and dev("1-5")["decision"] == "partial"
'
# shellcheck disable=SC2086
run "$WORK/c.txt" "$WORK/err" $FOUR_CONF -- "$PC" devices $NOCONF
expect_rc "configured human" 0
line "human phone string" "$WORK/c.txt" '^ +1-3:1\.0 +06/01/01  mtp,ptp +block +builtin-block-data +now: on  "MTP"$'

# --- a custom policy changes the decision ---
cat >"$WORK/allow.conf" <<'EOF'
# test policy: SanDisk storage allowed, phones' ADB logged
version = 1;
serial = 42;
default = "block";
rules = (
  { id = "allow-sandisk"; action = "allow"; vid = 0x0781; kind = "mass-storage"; },
  { id = "log-adb"; action = "log"; kind = "adb"; }
);
EOF
# shellcheck disable=SC2086
run "$WORK/p.json" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices --policy "$WORK/allow.conf" --json
expect_rc "custom policy json" 0
jcheck "custom policy json" "$WORK/p.json" '
j["policy"]["source"] == "file" and j["policy"]["serial"] == 42
j["policy"]["name"].endswith("allow.conf")
dev("1-2")["decision"] == "allow" and dev("1-2")["rule"] == "allow-sandisk"
ifc("1-2", 0)["decision"] == "allow" and ifc("1-2", 0)["rule"] == "allow-sandisk"
dev("1-2")["authorize_device"] is True
dev("1-3")["decision"] == "partial" and dev("1-3")["noteworthy"] is True
ifc("1-3", 1)["decision"] == "log" and ifc("1-3", 1)["rule"] == "log-adb"
ifc("1-3", 0)["decision"] == "block" and ifc("1-3", 0)["rule"] == "default"
dev("1-4")["decision"] == "block" and dev("1-4")["rule"] == "default"
'
# shellcheck disable=SC2086
run "$WORK/p.txt" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices --policy "$WORK/allow.conf"
expect_rc "custom policy human" 0
line "human custom policy" "$WORK/p.txt" "^Policy: .*allow\\.conf \\(serial 42, mode enforce\\)$"
line "human custom stick" "$WORK/p.txt" '^1-2 +0781:5567 .* allow +rule: allow-sandisk'
line "human default rule" "$WORK/p.txt" '^1-4 +413c:2113 .* block +rule: \(default\)'

# --- time-boxed rules: one open until 2099 (its end is shown), one that ended, one for another host ---
cat >"$WORK/boxed.conf" <<'EOF'
version = 1;
serial = 43;
rules = (
  { id = "stick-until"; action = "allow"; scope = "device"; vid = 0x0781; not_after = "2099-01-31T18:00:00Z"; },
  { id = "kbd-ended"; action = "block"; kind = "hid"; vid = 0x413c; not_after = "2001-01-01T00:00:00Z"; },
  { id = "kbd-elsewhere"; action = "block"; kind = "hid"; hosts = "no-such-host-*"; },
  { id = "hid"; action = "allow"; kind = "hid"; }
);
EOF
# shellcheck disable=SC2086
run "$WORK/t.json" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices --policy "$WORK/boxed.conf" --json
expect_rc "time-boxed json" 0
jcheck "time-boxed json" "$WORK/t.json" '
dev("1-2")["decision"] == "allow" and dev("1-2")["rule"] == "stick-until"
dev("1-2")["until"] == "2099-01-31T18:00:00Z"
dev("1-4")["decision"] == "allow" and dev("1-4")["rule"] == "hid" and dev("1-4")["until"] is None
'
# shellcheck disable=SC2086
run "$WORK/t.txt" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices --policy "$WORK/boxed.conf"
expect_rc "time-boxed human" 0
line "human until" "$WORK/t.txt" '^ +until: 2099-01-31T18:00:00Z \(a time-boxed rule ends'
run "$WORK/s.txt" "$WORK/err" -- "$PC" policy show "$WORK/boxed.conf"
expect_rc "show time-boxed" 0
line "show ends" "$WORK/s.txt" '^ +window: always \.\. 2099-01-31T18:00:00Z  \(ends 2099-01-31T18:00:00Z\)$'
line "show ended" "$WORK/s.txt" '^ +window: always \.\. 2001-01-01T00:00:00Z  \(ENDED 2001-01-01T00:00:00Z: matches nothing\)$'
line "show hosts" "$WORK/s.txt" '^ +hosts: no-such-host-\*$'

# --- the policy in force: --config, the signed policy store, read-only ---
mkdir -p "$WORK/etc/keys.d" "$WORK/state"
"$PC" policy keygen --out "$WORK/etc/keys.d" --id it >/dev/null
mv "$WORK/etc/keys.d/it.key" "$WORK/it.key"
cat >"$WORK/etc/policy.conf" <<'EOF'
version = 1;
serial = 7;
key_id = "it";
default = "block";
rules = (
  { id = "allow-sandisk"; action = "allow"; vid = 0x0781; kind = "mass-storage"; },
  { id = "allow-peripherals"; action = "allow"; kind = [ "hid", "hub" ]; }
);
EOF
"$PC" policy sign --key "$WORK/it.key" "$WORK/etc/policy.conf" >/dev/null
# shellcheck disable=SC2086
run "$WORK/f.json" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF --json
expect_rc "in force json" 0
jcheck "in force json" "$WORK/f.json" "
j['policy']['source'] == 'file' and j['policy']['serial'] == 7
j['policy']['verified'] is True and j['policy']['status'] == 'verified'
j['policy']['path'] == '$WORK/etc/policy.conf'
dev('1-2')['decision'] == 'allow' and dev('1-2')['rule'] == 'allow-sandisk'
dev('1-3')['decision'] == 'block'
"
# shellcheck disable=SC2086
run "$WORK/f.txt" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF
expect_rc "in force human" 0
line "in force human policy" "$WORK/f.txt" '^Policy: .*policy\.conf \(serial 7, mode enforce\)$'
has "in force human file" "$WORK/f.txt" "Policy file: $WORK/etc/policy.conf (signed, verified: the policy in force)"
line "in force human stick" "$WORK/f.txt" '^1-2 +0781:5567 .* allow +rule: allow-sandisk'
CHECKS=$((CHECKS + 1))
[ -z "$(ls -A "$WORK/state")" ] || fail "devices wrote the anti-rollback state"

# the signature broken: the last-known-good copy (as the agent saved it), then nothing
cp "$WORK/etc/policy.conf" "$WORK/state/last-good.conf"
cp "$WORK/etc/policy.conf.sig" "$WORK/state/last-good.conf.sig"
printf '# edited after signing\n' >>"$WORK/etc/policy.conf"
# shellcheck disable=SC2086
run "$WORK/l.json" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF --json
expect_rc "lkg json" 0
jcheck "lkg json" "$WORK/l.json" "
j['policy']['source'] == 'last-known-good' and j['policy']['serial'] == 7
j['policy']['status'] == 'rejected' and 'signature' in j['policy']['reason']
j['policy']['path'] == '$WORK/state/last-good.conf'
dev('1-2')['decision'] == 'allow'
"
rm "$WORK/state/last-good.conf" "$WORK/state/last-good.conf.sig"
# shellcheck disable=SC2086
run "$WORK/n.txt" "$WORK/err" $FOUR_UNAUTH -- "$PC" devices $NOCONF
expect_rc "rejected human" 0
line "rejected human policy" "$WORK/n.txt" '^Policy: built-in default \(serial 0, mode enforce\)$'
line "rejected human why" "$WORK/n.txt" '^Policy file: none, the built-in default \(.*signature does not verify'
line "rejected human stick" "$WORK/n.txt" '^1-2 +0781:5567 .* block +rule: builtin-block-data'

# a configuration the agent would refuse: the built-in default, as the agent enforces then
printf 'agent = { bogus = 1; };\n' >"$WORK/refused.conf"
run "$WORK/r.json" "$WORK/err" --device usb-stick@1-2 -- "$PC" devices --config "$WORK/refused.conf" \
	--no-owner-check --json
expect_rc "refused config" 0
jcheck "refused config" "$WORK/r.json" "
j['policy']['source'] == 'built-in' and j['policy']['status'] == 'config-refused'
j['policy']['reason'].startswith('$WORK/refused.conf: line 1')
"
run "$WORK/b.out" "$WORK/err" -- "$PC" devices --config "$WORK/none.conf" --policy "$WORK/allow.conf"
expect_rc "config and policy" 2

# --- bad policy files: FILE:LINE: reason, exit 1, nothing listed ---
printf 'version = 1;\nserial = 1;\nrules = ( { id = "x"; action = "allow" \n' >"$WORK/bad.conf"
run "$WORK/b.out" "$WORK/err" --device usb-stick@1-2 -- "$PC" devices --policy "$WORK/bad.conf"
expect_rc "bad policy" 1
line "bad policy message" "$WORK/err" "^$WORK/bad\\.conf:[0-9]+: "
CHECKS=$((CHECKS + 1))
[ ! -s "$WORK/b.out" ] || fail "bad policy: printed devices"
printf 'version = 1;\nserial = 1;\nbogus = 3;\n' >"$WORK/bad2.conf"
run "$WORK/b.out" "$WORK/err" -- "$PC" devices --json --policy "$WORK/bad2.conf"
expect_rc "unknown key" 1
line "unknown key message" "$WORK/err" "^$WORK/bad2\\.conf:3: "
run "$WORK/b.out" "$WORK/err" -- "$PC" devices --policy "$WORK/missing.conf"
expect_rc "missing policy" 1
has "missing policy message" "$WORK/err" "$WORK/missing.conf: No such file or directory"

# --- usage ---
run "$WORK/b.out" "$WORK/err" -- "$PC" devices $NOCONF --bogus
expect_rc "unknown option" 2
run "$WORK/b.out" "$WORK/err" -- "$PC" devices $NOCONF extra
expect_rc "extra argument" 2
run "$WORK/b.out" "$WORK/err" -- "$PC" devices --policy
expect_rc "missing argument" 2
run "$WORK/h.out" "$WORK/err" -- "$PC" devices $NOCONF --help
expect_rc "help" 0
has "help text" "$WORK/h.out" "Usage: portcullis devices"

# --- no devices at all ---
run "$WORK/e.txt" "$WORK/err" -- "$PC" devices $NOCONF
expect_rc "empty" 0
has "empty human" "$WORK/e.txt" "No USB devices."
run "$WORK/e.json" "$WORK/err" -- "$PC" devices $NOCONF --json
expect_rc "empty json" 0
jcheck "empty json" "$WORK/e.json" '
j["devices"] == [] and j["buses"] == []
'

# --- hostile strings are escaped; malformed descriptors are blocked with a reason ---
ESC=$(printf '\033')
run "$WORK/h.txt" "$WORK/err" --meta "product=Evil${ESC}[2J\"Disk" --device usb-stick@1-2,unauthorized \
	--device bad-truncated@1-3,unauthorized -- "$PC" devices $NOCONF
expect_rc "hostile human" 0
has "escaped product" "$WORK/h.txt" 'SanDisk Evil\x1b[2J\x22Disk'
CHECKS=$((CHECKS + 1))
if LC_ALL=C grep -q "$ESC" "$WORK/h.txt"; then fail "raw ESC byte in human output"; fi
line "malformed reason" "$WORK/h.txt" '^ +reason: descriptors malformed'
run "$WORK/h.json" "$WORK/err" --meta "product=Evil${ESC}[2J\"Disk" --device usb-stick@1-2,unauthorized \
	--device bad-truncated@1-3,unauthorized -- "$PC" devices $NOCONF --json
expect_rc "hostile json" 0
jcheck "hostile json" "$WORK/h.json" '
dev("1-2")["product"] == "Evil\x1b[2J\"Disk"
dev("1-3")["descriptors_ok"] is False and dev("1-3")["descriptors_error"] is not None
dev("1-3")["decision"] == "block" and dev("1-3")["reason"].startswith("descriptors malformed")
dev("1-3")["interfaces"] == [] and dev("1-3")["kinds"] == []
'
CHECKS=$((CHECKS + 1))
if LC_ALL=C grep -q "$ESC" "$WORK/h.json"; then fail "raw ESC byte in JSON output"; fi

# not UTF-8: JSON gets the escaped form (valid JSON, no raw bytes); valid UTF-8 passes as is
BAD=$(printf 'Disk\377\376')
run "$WORK/x.json" "$WORK/err" --meta "product=$BAD" --meta "manufacturer=Müller" \
	--device usb-stick@1-2,unauthorized -- "$PC" devices $NOCONF --json
expect_rc "non-utf8 json" 0
jcheck "non-utf8 json" "$WORK/x.json" '
dev("1-2")["product"] == "Disk\\xff\\xfe"
dev("1-2")["manufacturer"] == "M\u00fcller" and dev("1-2")["product"].startswith("Disk")
'
run "$WORK/x.txt" "$WORK/err" --meta "product=$BAD" --meta "manufacturer=Müller" \
	--device usb-stick@1-2,unauthorized -- "$PC" devices $NOCONF
has "non-utf8 human" "$WORK/x.txt" 'M\xc3\xbcller Disk\xff\xfe'

# --- a hub: devices behind it are listed below it, deeper ones indented ---
run "$WORK/t.txt" "$WORK/err" --hub 1-1 --device keyboard@1-1.4 --device usb-stick@1-2,unauthorized \
	-- "$PC" devices $NOCONF
expect_rc "hub human" 0
CHECKS=$((CHECKS + 1))
order=$(grep -oE '^ *(1-[0-9.]+) ' "$WORK/t.txt" | tr -d ' ' | tr '\n' ' ')
[ "$order" = "1-1 1-1.4 1-2 " ] || fail "hub order: '$order'"
line "hub indent" "$WORK/t.txt" '^  1-1\.4 +413c:2113'

echo "test_cli_devices: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
