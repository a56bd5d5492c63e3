#!/bin/sh
# Fail closed first (portcullisd(8), "Start-up"): the binary under umockdev-run, a root hub whose
# defaults read 1, usbcore's parameter -1, a usable USB stick and a usable keyboard.
#  1. portcullisd.conf has a syntax error: every default reads 0 afterwards, the stick is
#     deauthorized by the built-in default, the keyboard still works, the incident log holds a
#     policy_rejected event naming the file, and --once exits 1.
#  2. portcullisd.conf parses but names a sysfs root that does not exist, so the agent cannot
#     start: the defaults under /sys read 0 all the same (locked before the file was read).
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2
    bed_device keyboard 1-3 3
} >"$tmp/bed.umockdev"

# $1: case name. Runs portcullisd --once on $tmp/$1.conf; prints the attributes afterwards.
run() {
    umockdev-run -d "$tmp/bed.umockdev" -- sh -c '
      mkdir -p "$UMOCKDEV_DIR/sys/module/usbcore/parameters"
      echo -1 >"$UMOCKDEV_DIR/sys/module/usbcore/parameters/authorized_default"
      "$1/agent/daemon/portcullisd" --once --foreground --config "$2/$3.conf" --no-owner-check \
          --policy "$2/policy.conf" --state-dir "$2/state" --log-dir "$2/log-$3"
      echo "status=$?"
      for f in devices/usb1/authorized_default devices/usb1/interface_authorized_default \
               devices/1-2/authorized devices/1-3/authorized; do
          printf "%s=%s\n" "${f#devices/}" "$(cat /sys/bus/usb/$f)"
      done
      echo "usbcore=$(cat /sys/module/usbcore/parameters/authorized_default)"' \
      sh "$BUILD_DIR" "$tmp" "$1" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" "$tmp/out"; exit 1; }
    cat "$tmp/err" "$tmp/out"
}
expect() { grep -qx "$1" "$tmp/out" || { echo "FAIL: expected $1"; exit 1; }; }

echo '=== 1. a syntax error in portcullisd.conf'
printf 'agent = {\n  state_dir = "/var/lib/portcullis"\n  log_dir = ;\n};\n' >"$tmp/syntax.conf"
run syntax
expect status=1
expect usb1/authorized_default=0
expect usb1/interface_authorized_default=0
expect usbcore=0
expect 1-2/authorized=0
expect 1-3/authorized=1
grep -q "syntax.conf: line 3" "$tmp/err" || { echo "FAIL: no loud error naming the file"; exit 1; }
grep -q '"policy_rejected".*syntax.conf: line 3' "$tmp"/log-syntax/* ||
    { echo "FAIL: no policy_rejected event naming the file"; exit 1; }

echo '=== 2. the agent cannot start at all'
printf 'agent = { sysfs_root = "%s/no-such-sysfs"; };\n' "$tmp" >"$tmp/nosys.conf"
run nosys
expect status=1
expect usb1/authorized_default=0
expect usb1/interface_authorized_default=0
expect usbcore=0
echo "PASS"
