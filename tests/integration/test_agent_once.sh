#!/bin/sh
# portcullisd --once, the binary itself, under umockdev-run: a root hub with permissive defaults,
# a usable USB stick and a usable keyboard. Afterwards the defaults read 0, the stick is
# deauthorized, the keyboard still works, and the incident log holds the decisions.
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2 "Cruzer Blade"
    bed_iface 1-2 0 08 06 50
    bed_device keyboard 1-3 3
} >"$tmp/bed.umockdev"

umockdev-run -d "$tmp/bed.umockdev" -- sh -c '
  "$1/agent/daemon/portcullisd" --once --foreground --config "$2/portcullisd.conf" --no-owner-check \
      --policy "$2/policy.conf" --state-dir "$2/state" --log-dir "$2/log" || exit 1
  for f in usb1/authorized_default usb1/interface_authorized_default 1-2/authorized \
           1-3/authorized; do
      printf "%s=%s\n" "$f" "$(cat /sys/bus/usb/devices/$f)"
  done' sh "$BUILD_DIR" "$tmp" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" "$tmp/out"; exit 1; }
cat "$tmp/err" "$tmp/out"
expect() { grep -qx "$1" "$tmp/out" || { echo "FAIL: expected $1"; cat "$tmp/err"; exit 1; }; }
expect usb1/authorized_default=0
expect usb1/interface_authorized_default=0
expect 1-2/authorized=0
expect 1-3/authorized=1
grep -q '"device_decision"' "$tmp"/log/* || { echo "FAIL: no decision in the incident log"; ls -l "$tmp/log"; exit 1; }
echo "PASS"
