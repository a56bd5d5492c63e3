#!/bin/sh
# Installs every build, test and demo dependency from Debian 12 packages. Idempotent; needs root.
set -eu

PACKAGES="
build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
libudev-dev libusb-1.0-0-dev libmtp-dev libmtp-runtime libconfig-dev libssl-dev openssl
libjson-c-dev libsystemd-dev libseccomp-dev
check umockdev libumockdev-dev
udev systemd dbus-daemon
rsyslog rsyslog-relp rsyslog-openssl
qemu-system-x86 qemu-utils debootstrap cpio kmod busybox-static mtp-tools usbutils dosfstools procps
python3 python3-yaml ca-certificates
gettext locales
debhelper dpkg-dev lintian e2fsprogs
jq chromium fonts-dejavu-core
"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (sudo $0)" >&2
    exit 1
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
else
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

# The operator's messages are tested in Japanese (ja_JP.UTF-8) and C: generate the locale.
if ! locale -a 2>/dev/null | grep -qix 'ja_JP.utf8'; then
    sed -i 's/^# *\(ja_JP.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen || echo 'ja_JP.UTF-8 UTF-8' >>/etc/locale.gen
    locale-gen
fi
