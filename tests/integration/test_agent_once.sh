#!/bin/sh
# portcullisd --once, the binary itself, under umockdev-run: a root hub with permissive defaults,
# a usable USB stick and a usable keyboard. Afterwards the defaults read 0, the stick is
# deauthorized, the keyboard still works, and the incident log holds the decisions.
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hex() { grep -v '^[[:space:]]*#' "$SOURCE_DIR/tests/data/descriptors/$1.hex" | tr -d ' \n\t'; }

cat >"$tmp/bed.umockdev" <<EOT
P: /devices/pci0000:00/0000:00:14.0/usb1
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=1\n
A: authorized_default=1\n
A: interface_authorized_default=1\n
A: busnum=1\n
A: devnum=1\n
A: bDeviceClass=09\n
A: idVendor=1d6b\n
A: idProduct=0002\n

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=1\n
A: busnum=1\n
A: devnum=2\n
A: idVendor=0781\n
A: idProduct=5567\n
A: product=Cruzer Blade\n
A: bConfigurationValue=1\n
H: descriptors=$(hex usb-stick)

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0
E: DEVTYPE=usb_interface
E: SUBSYSTEM=usb
A: authorized=1\n
A: bInterfaceClass=08\n
A: bInterfaceSubClass=06\n
A: bInterfaceProtocol=50\n
A: bInterfaceNumber=00\n

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=1\n
A: busnum=1\n
A: devnum=3\n
A: idVendor=413c\n
A: idProduct=2113\n
A: bConfigurationValue=1\n
H: descriptors=$(hex keyboard)
EOT

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
