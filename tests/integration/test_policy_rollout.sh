#!/bin/sh
# Rolling out (docs/it-guide.md): the real portcullisd in audit mode writes an incident log for a
# stick, a phone, a keyboard and a BadUSB; "policy generate --from-log" turns it into a policy that
# "policy check" accepts and that, evaluated on the same devices, allows what was seen (the phone
# charges); "policy diff" names the rules and the device decisions that change, on known pairs.
# Env (set by ctest): BUILD_DIR, SOURCE_DIR, PC_UMOCKDEV_PRELOAD.
set -eu

: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
PRELOAD=${PC_UMOCKDEV_PRELOAD:-libumockdev-preload.so.0}
TB="$BUILD_DIR/tests/support/pc-testbed"
PC="$BUILD_DIR/agent/cli/portcullis"
PD="$BUILD_DIR/agent/daemon/portcullisd"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT INT TERM
FAILS=0
fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
has() { grep -qF -- "$2" "$1" || { fail "no '$2' in $1"; cat "$1" >&2; }; }
hasnt() { ! grep -qF -- "$2" "$1" || { fail "unexpected '$2' in $1"; cat "$1" >&2; }; }
DEVS="--device usb-stick@1-2 --device android-mtp-adb@1-3 --device keyboard@1-4 --device badusb@1-5"

# 1. audit period: the real agent decides (and enforces nothing), the recorder writes the log
touch "$W/portcullisd.conf"
# shellcheck disable=SC2086
LD_PRELOAD="$PRELOAD" "$TB" $DEVS -- "$PD" --once --foreground --config "$W/portcullisd.conf" \
	--no-owner-check --policy "$W/none.conf" --state-dir "$W/state" --log-dir "$W/log" --audit \
	>"$W/agent.out" 2>&1 || { cat "$W/agent.out"; exit 1; }
[ "$(grep -c '"type":"device_decision"' "$W/log/incident.log")" -eq 4 ] || fail "4 decisions in the log"

# 2. generate from the log, with the settings filled in
"$PC" policy generate --from-log "$W/log" --key-id it-2027 --serial 12 --out "$W/new.conf" \
	2>"$W/gen.err" || { cat "$W/gen.err"; exit 1; }
has "$W/gen.err" "4 devices seen"
"$PC" policy check "$W/new.conf" >"$W/check.out" 2>"$W/check.err" || fail "generated policy fails check"
has "$W/check.out" "OK (serial 12, 3 rules, mode enforce)"
[ -s "$W/check.err" ] && fail "policy check warns: $(cat "$W/check.err")"
has "$W/new.conf" 'key_id = "it-2027";'
has "$W/new.conf" 'serial = "4C530001230607114484"; kind = [ "mass-storage" ];'
has "$W/new.conf" '# phone Google Pixel 7 18d1:4ee2 serial "2A171FDH2003YB": charge only'
has "$W/new.conf" 'no serial number: allowed by model (every 413c:2113'
has "$W/new.conf" 'seen 1 time on '
# --out never overwrites
if "$PC" policy generate --from-log "$W/log" --out "$W/new.conf" 2>/dev/null; then fail "--out overwrote"; fi
# usage errors
"$PC" policy generate >/dev/null 2>&1 && fail "generate without a source"
[ $? -eq 2 ] || true
mkdir "$W/empty"
if "$PC" policy generate --from-log "$W/empty" >/dev/null 2>"$W/e.err"; then fail "empty dir accepted"; fi
has "$W/e.err" "no incident log or collected lines in it"

# 3. the generated policy on the same devices: seen = allowed, the phone charges
# shellcheck disable=SC2086
LD_PRELOAD="$PRELOAD" "$TB" $DEVS -- "$PC" devices --policy "$W/new.conf" --json >"$W/dev.json"
python3 - "$W/dev.json" <<'EOF' || fail "generated policy decisions"
import json, sys
j = json.load(open(sys.argv[1]))
d = {x["busid"]: x for x in j["devices"]}
assert d["1-2"]["decision"] == "allow", d["1-2"]["decision"]
assert d["1-2"]["rule"] == "seen-0781-5567-4C530001230607114484"
assert d["1-3"]["decision"] == "block" and d["1-3"]["charge_only"] is True
assert d["1-4"]["decision"] == "allow"  # by seen-413c-2113 (kinds a subset) or seen-hid
assert d["1-5"]["decision"] == "allow" and d["1-5"]["rule"] == "seen-413c-2113"
EOF

# 4. diff: the built-in default's rules as OLD
cat >"$W/old.conf" <<'EOF'
version = 1;
serial = 11;
rules = (
  { id = "builtin-block-data"; action = "block";
    kind = [ "mass-storage", "mtp", "ptp", "adb", "apple-usbmux", "apple-ethernet", "network",
             "wireless", "serial", "other" ]; },
  { id = "builtin-allow-peripherals"; action = "allow";
    kind = [ "hid", "hub", "smartcard", "audio", "video", "printer" ]; }
);
EOF
set +e
"$PC" policy diff "$W/old.conf" "$W/new.conf" --from-log "$W/log" >"$W/diff.out" 2>"$W/diff.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "diff exit $rc, want 1"
has "$W/diff.out" "- builtin-block-data"
has "$W/diff.out" "+ seen-0781-5567-4C530001230607114484"
has "$W/diff.out" "+ seen-hid"
has "$W/diff.out" "0781:5567 SanDisk Cruzer Blade (serial 4C530001230607114484)"
has "$W/diff.out" "    block (builtin-block-data) -> allow (seen-0781-5567-4C530001230607114484)"
has "$W/diff.out" "1-5:1.1 08/06/50 mass-storage   block -> allow"
has "$W/diff.out" "2 of 4 distinct devices (4 sightings) change decision."
hasnt "$W/diff.out" "Pixel 7"

# the same policy against itself: no difference, exit 0
"$PC" policy diff "$W/new.conf" "$W/new.conf" --from-log "$W/log" >"$W/same.out" ||
	fail "diff of a file with itself is not 0"
has "$W/same.out" "0 of 4 distinct devices"

# a changed rule, a moved rule, a device that loses access
sed -e 's/serial = 11;/serial = 13;/' -e 's/"hid", "hub", /"hub", /' "$W/old.conf" >"$W/old2.conf"
set +e
"$PC" policy diff "$W/old.conf" "$W/old2.conf" --from-log "$W/log" >"$W/d2.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "diff 2 exit $rc"
has "$W/d2.out" "~ builtin-allow-peripherals        kind"
has "$W/d2.out" "! "
has "$W/d2.out" "allow (builtin-allow-peripherals) -> block (default)"
"$PC" policy diff "$W/old2.conf" "$W/old.conf" >"$W/d3.out" 2>&1 || true
has "$W/d3.out" "! serial 11 is not above 13"

[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo PASS
