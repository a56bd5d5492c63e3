# shellcheck shell=sh
# Sourced by the shell tests that run the programs under umockdev-run: the pieces of their
# testbed files (umockdev's device-file format), one way. Needs SOURCE_DIR.
#
#   bed_root_hub DEFAULT          usb1; DEFAULT: its authorized_default and
#                                 interface_authorized_default (1 = the kernel's, 0 = locked)
#   bed_device NAME BUSID DEVNUM [PRODUCT]
#                                 data-set device NAME (tests/data/descriptors/NAME.hex) on a root
#                                 port, authorized and in configuration 1, with its vendor and
#                                 product ids (and the product string, when given)
#   bed_iface BUSID NUMBER CLASS SUBCLASS PROTOCOL
#                                 an authorized interface BUSID:1.NUMBER (two hex digits each)
#
#   { bed_root_hub 1; bed_device usb-stick 1-2 2; } >"$tmp/bed.umockdev"

bed_hex() {
	grep -v '^[[:space:]]*#' "$SOURCE_DIR/tests/data/descriptors/$1.hex" | tr -d ' \n\t'
}

bed_meta() {
	sed -n "s/^$2=//p" "$SOURCE_DIR/tests/data/descriptors/$1.meta" | head -n 1
}

bed_root_hub() {
	cat <<EOT
P: /devices/pci0000:00/0000:00:14.0/usb1
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=1\n
A: authorized_default=$1\n
A: interface_authorized_default=$1\n
A: busnum=1\n
A: devnum=1\n
A: bDeviceClass=09\n
A: idVendor=1d6b\n
A: idProduct=0002\n

EOT
}

bed_device() {
	cat <<EOT
P: /devices/pci0000:00/0000:00:14.0/usb1/$2
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: authorized=1\n
A: busnum=1\n
A: devnum=$3\n
A: idVendor=$(bed_meta "$1" vid)\n
A: idProduct=$(bed_meta "$1" pid)\n
EOT
	if [ -n "${4:-}" ]; then
		printf 'A: product=%s\\n\n' "$4"
	fi
	cat <<EOT
A: bConfigurationValue=1\n
H: descriptors=$(bed_hex "$1")

EOT
}

bed_iface() {
	cat <<EOT
P: /devices/pci0000:00/0000:00:14.0/usb1/$1/$1:1.$2
E: DEVTYPE=usb_interface
E: SUBSYSTEM=usb
A: authorized=1\n
A: bInterfaceClass=$3\n
A: bInterfaceSubClass=$4\n
A: bInterfaceProtocol=$5\n
A: bInterfaceNumber=$(printf '%02x' "$2")\n

EOT
}
