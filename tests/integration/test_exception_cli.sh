#!/bin/sh
# "portcullis exception" on IT's side (grant, host-key: offline, the fleet secret) and the
# operator's side without an agent: a known challenge gives its known code, a mistyped challenge
# is refused before anything is computed, bad secrets and usage errors, and request/apply say
# so when the agent cannot be reached. Env (set by ctest): BUILD_DIR.
set -eu
: "${BUILD_DIR:?}"
PC="$BUILD_DIR/agent/cli/portcullis"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# the secret of tests/unit/check_exception.c (bytes 1..32) and its known answer
printf '0102030405060708090a0b0c0d0e0f10\n1112131415161718191a1b1c1d1e1f20\n' >"$W/fleet.secret"
"$PC" exception grant --secret "$W/fleet.secret" 909R-6BSY-0410-6105-0R3G-G280-7H4G >"$W/g.out" ||
	fail "grant"
grep -qx 'code:      92B-HXA-Q1R' "$W/g.out" || { cat "$W/g.out"; fail "known answer"; }
grep -qx 'minutes:   60' "$W/g.out" || fail "minutes"
# read back in lower case with o for 0, without dashes: the same
"$PC" exception grant --secret "$W/fleet.secret" 9o9r6bsyo41o61o5or3gg28o7h4g | grep -q 92B-HXA-Q1R ||
	fail "loose reading"
# one symbol wrong: refused, exit 1
if "$PC" exception grant --secret "$W/fleet.secret" 909R-6BSY-0410-6105-0R3G-G280-7H4H \
	>/dev/null 2>"$W/e"; then fail "typo accepted"; fi
grep -q "a symbol is wrong or missing" "$W/e" || fail "typo message"
# a secret too short
printf '0102\n' >"$W/short.secret"
if "$PC" exception grant --secret "$W/short.secret" 909R-6BSY-0410-6105-0R3G-G280-7H4G \
	>/dev/null 2>&1; then fail "short secret"; fi
# host-key: 64 hex digits, the same for the same machine id, others for others
k1=$("$PC" exception host-key --secret "$W/fleet.secret" --machine-id 0123456789abcdef0123456789abcdef)
k2=$("$PC" exception host-key --secret "$W/fleet.secret" --machine-id fedcba9876543210fedcba9876543210)
[ ${#k1} -eq 64 ] || fail "host key length"
[ "$k1" != "$k2" ] || fail "host keys equal"
# usage
set +e
"$PC" exception grant 909R >/dev/null 2>&1; [ $? -eq 2 ] || fail "grant usage"
"$PC" exception request >/dev/null 2>&1; [ $? -eq 2 ] || fail "request usage"
"$PC" exception request --device '1-2;x' >/dev/null 2>&1; [ $? -eq 2 ] || fail "busid check"
"$PC" exception request --device 1-2 --minutes 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "minutes"
"$PC" exception request --device 1-2 --socket "$W/none.sock" >/dev/null 2>"$W/e"
[ $? -eq 1 ] || fail "no agent"
set -e
grep -q "cannot reach the agent" "$W/e" || fail "no agent message"
echo PASS
