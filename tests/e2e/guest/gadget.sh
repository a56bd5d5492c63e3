#!/bin/bash
# In-guest USB gadgets on dummy_hcd (configfs libcomposite), one at a time (dummy_hcd has one
# port). Installed as /pc/bin/gadget.
#
#   gadget up NAME     build gadget NAME and bind it to the dummy UDC (it appears on the dummy bus)
#   gadget down        unbind and remove whatever gadget is up
#   gadget list        the names below
#
# FunctionFS interfaces (Android MTP/ADB/PTP, Apple usbmux) are served by /pc/bin/ffs-stub.
set -eu
G=/sys/kernel/config/usb_gadget/pc
STUB=/pc/bin/ffs-stub

now_ms() { local u; read -r u _ </proc/uptime; echo "${u/./}0"; }

wait_file() { # FILE TIMEOUT_S
    local deadline=$(($(now_ms) + $2 * 1000))
    while [ ! -e "$1" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "gadget: $1 did not appear" >&2; return 1; }
        sleep 0.05 # poll interval, bounded by the deadline
    done
}

base() { # VID PID MANUFACTURER PRODUCT SERIAL
    mkdir -p "$G/strings/0x409" "$G/configs/c.1/strings/0x409"
    echo "0x$1" >"$G/idVendor"
    echo "0x$2" >"$G/idProduct"
    echo 0x0200 >"$G/bcdUSB"
    echo "$3" >"$G/strings/0x409/manufacturer"
    echo "$4" >"$G/strings/0x409/product"
    echo "$5" >"$G/strings/0x409/serialnumber"
    echo "conf" >"$G/configs/c.1/strings/0x409/configuration"
    echo 500 >"$G/configs/c.1/MaxPower"
}

os_desc() { # VENDOR_CODE: answer Microsoft OS descriptors (string 0xEE "MSFT100", compat IDs)
    echo 1 >"$G/os_desc/use"
    echo "0x$1" >"$G/os_desc/b_vendor_code"
    echo MSFT100 >"$G/os_desc/qw_sign"
    ln -s "$G/configs/c.1" "$G/os_desc/"
}

ffs() { # INSTANCE CLASS SUB PROTO NEPS [STRING]; PC_FFS_COMPAT=ID in the environment adds a
        # Microsoft OS compat ID
    local inst=$1
    shift
    mkdir -p "$G/functions/ffs.$inst" "/dev/ffs/$inst"
    ln -s "$G/functions/ffs.$inst" "$G/configs/c.1/"
    mount -t functionfs "$inst" "/dev/ffs/$inst"
    rm -f "/run/ffs-$inst.ready"
    PC_FFS_READY=/run/ffs-$inst.ready setsid "$STUB" "/dev/ffs/$inst" "$@" </dev/null >>/run/ffs-stub.log 2>&1 &
    echo $! >"/run/ffs-$inst.pid"
    wait_file "/run/ffs-$inst.ready" 10 || { tail -n 3 /run/ffs-stub.log >&2; return 1; }
}

func() { # TYPE.INSTANCE: create; configure its attributes, then link it
    mkdir -p "$G/functions/$1"
}

link() { # TYPE.INSTANCE: put it into the configuration (attributes are locked from here on)
    ln -s "$G/functions/$1" "$G/configs/c.1/"
}

storage_file() {
    [ -f /run/gadget-disk.img ] || { truncate -s 8M /run/gadget-disk.img; }
    echo /run/gadget-disk.img
}

up() {
    [ ! -d "$G" ] || down
    mkdir -p "$G"
    case "$1" in
    android-mtp)
        base 18d1 4ee1 Google Pixel "PCE2E0001"
        ffs mtp ff ff 00 3 MTP
        ;;
    android-mtp-adb)
        base 18d1 4ee2 Google Pixel "PCE2E0002"
        ffs mtp ff ff 00 3 MTP
        ffs adb ff 42 01 2 ADB
        ;;
    android-ptp)
        base 18d1 4ee5 Google Pixel "PCE2E0003"
        ffs ptp 06 01 01 3
        ;;
    iphone)
        base 05ac 12a8 "Apple Inc." iPhone "00008030PCE2E0004"
        ffs ptp 06 01 01 3
        ffs usbmux ff fe 02 2
        ;;
    samsung)
        base 04e8 6860 SAMSUNG SAMSUNG_Android "PCE2E0005"
        ffs mtp ff ff 00 3 "Samsung MTP"
        func acm.gs0
        link acm.gs0
        ffs adb ff 42 01 2 ADB
        ;;
    mtp-compat)
        # an unknown vendor id and a bare ff/ff/00 interface (bulk in/out only, no string):
        # only its Microsoft OS compat ID "MTP", read over endpoint 0, says what it is
        base 1209 c0de "Example" "Unknown Phone" "PCE2E0010"
        os_desc 01
        export PC_FFS_COMPAT=MTP
        ffs mtpx ff ff 00 2
        unset PC_FFS_COMPAT
        ;;
    rndis)
        base 18d1 4ee3 Google Pixel "PCE2E0006"
        func rndis.usb0
        link rndis.usb0
        ;;
    ecm)
        base 0525 a4a2 "Linux Foundation" "Ethernet Gadget" "PCE2E0007"
        func ecm.usb0
        link ecm.usb0
        ;;
    stick)
        base 0781 5567 SanDisk "Cruzer Blade" "PCE2E0008"
        func mass_storage.0
        echo 1 >"$G/functions/mass_storage.0/lun.0/removable"
        storage_file >"$G/functions/mass_storage.0/lun.0/file"
        link mass_storage.0
        ;;
    badusb)
        base 1209 bad1 "Generic" "USB Keyboard" "PCE2E0009"
        func hid.kbd
        echo 1 >"$G/functions/hid.kbd/protocol"
        echo 1 >"$G/functions/hid.kbd/subclass"
        echo 8 >"$G/functions/hid.kbd/report_length"
        # Boot keyboard report descriptor (HID 1.11 appendix B.1).
        printf '\x05\x01\x09\x06\xa1\x01\x05\x07\x19\xe0\x29\xe7\x15\x00\x25\x01\x75\x01\x95\x08\x81\x02\x95\x01\x75\x08\x81\x03\x95\x05\x75\x01\x05\x08\x19\x01\x29\x05\x91\x02\x95\x01\x75\x03\x91\x03\x95\x06\x75\x08\x15\x00\x25\x65\x05\x07\x19\x00\x29\x65\x81\x00\xc0' \
            >"$G/functions/hid.kbd/report_desc"
        link hid.kbd
        func mass_storage.0
        echo 1 >"$G/functions/mass_storage.0/lun.0/removable"
        storage_file >"$G/functions/mass_storage.0/lun.0/file"
        link mass_storage.0
        ;;
    *)
        echo "gadget: unknown gadget '$1'" >&2
        rmdir "$G"
        return 2
        ;;
    esac
    ls /sys/class/udc | head -n1 >"$G/UDC"
}

down() {
    [ -d "$G" ] || return 0
    echo "" >"$G/UDC" 2>/dev/null || true
    for l in "$G"/configs/c.1/*.*; do
        [ -L "$l" ] && rm -f "$l"
    done
    [ -L "$G/os_desc/c.1" ] && rm -f "$G/os_desc/c.1"
    for f in "$G"/functions/*; do
        [ -d "$f" ] || continue
        case "$(basename "$f")" in
        ffs.*)
            inst=${f##*/ffs.}
            if [ -f "/run/ffs-$inst.pid" ]; then
                pid=$(cat "/run/ffs-$inst.pid")
                kill "$pid" 2>/dev/null || true
                deadline=$(($(now_ms) + 5000))
                while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
                    sleep 0.05 # poll interval, bounded by the deadline
                done
                rm -f "/run/ffs-$inst.pid"
            fi
            umount "/dev/ffs/$inst" 2>/dev/null || true
            ;;
        esac
        rmdir "$f"
    done
    rmdir "$G"/configs/c.1/strings/0x409 "$G"/configs/c.1 "$G"/strings/0x409 "$G"
}

case "${1:-}" in
up) up "$2" ;;
down) down ;;
list) echo "android-mtp android-mtp-adb android-ptp iphone samsung rndis ecm stick badusb" ;;
*) echo "usage: gadget up NAME | down | list" >&2; exit 2 ;;
esac
