#!/bin/bash
# Builds (or reuses) the E2E guest: a Debian 12 kernel unpacked from its package and a minbase
# Debian 12 userspace packed as ONE uncompressed initramfs (fastest to unpack under TCG).
#
#   tests/e2e/build-guest.sh            -> prints the guest folder (cache/guest-<hash>)
#
# The guest is cached in tests/e2e/cache/ (ignored by git), keyed on a hash of this script and the
# kernel package version: editing this file or a new kernel in the archive rebuilds it. The
# project layer (portcullis binaries, test programs, init, guest scripts) is NOT part of this
# image; run.sh packs it into a small second cpio on every run (the kernel unpacks both).
# Needs root (debootstrap, mknod) and network access to the Debian archive.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PC_E2E_CACHE:-$HERE/cache}
MIRROR=${PC_E2E_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"

log() { echo "build-guest: $*" >&2; }

# Which kernel: what linux-image-amd64 depends on today (apt metadata of the host, Debian 12).
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/ {print $2; exit}')
if [ -z "$KPKG" ]; then
    apt-get update -q >&2
    KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')
fi
[ -n "$KPKG" ] || { log "cannot resolve the kernel package behind linux-image-amd64"; exit 1; }
KPKGVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/ {print $2}')

PACKAGES="udev kmod busybox systemd libudev1 libusb-1.0-0 libmtp9 libmtp-runtime libconfig9 libssl3
libjson-c5 libsystemd0 librelp0 mtp-tools usbguard usbutils procps"

KEY=$( (cat "$0"; echo "$KPKG $KPKGVER"; echo "$PACKAGES") | sha256sum | cut -c1-16)
OUT=$CACHE/guest-$KEY
if [ -f "$OUT/.done" ]; then
    log "reusing $OUT"
    echo "$OUT"
    exit 0
fi

t0=$SECONDS
log "building $OUT ($KPKG $KPKGVER)"
rm -rf "$OUT" "$OUT.tmp"
mkdir -p "$OUT.tmp"
W=$OUT.tmp

# 1. kernel: download the .deb and unpack it, nothing goes to the host's /boot.
(cd "$W" && apt-get download -o APT::Sandbox::User=root "$KPKG" >&2)
dpkg-deb -x "$W"/"$KPKG"_*.deb "$W/kernel"
KVER=${KPKG#linux-image-}
[ -f "$W/kernel/boot/vmlinuz-$KVER" ] || { log "no vmlinuz-$KVER in $KPKG"; exit 1; }

# 2. userspace: minbase + udev/systemd-udevd + the agent's runtime libraries + peers and tools.
ROOT=$W/root
debootstrap --variant=minbase --include="$(echo $PACKAGES | tr ' ' ',')" \
    bookworm "$ROOT" "$MIRROR" >"$W/debootstrap.log" 2>&1 \
    || { tail -n 30 "$W/debootstrap.log" >&2; exit 1; }

# Trim what a test VM never reads: smaller cpio, faster unpack under emulation.
rm -rf "$ROOT"/usr/share/{doc,man,info,locale,i18n,zoneinfo} "$ROOT"/var/cache/apt/* \
    "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/bash-completion
# usbguard's package starts its daemon through systemd; the VM starts it by hand for the benchmark.
rm -f "$ROOT"/etc/usbguard/rules.conf

# 3. kernel modules: the USB, HID, input, USB-net, USB-audio, SCSI, configfs, gadget, virtio and
#    9p trees plus their dependency closure (modules.dep).
KSRC=$W/kernel/lib/modules/$KVER
# The package ships no modules.dep (its postinst runs depmod): make one in the unpacked tree.
depmod -b "$W/kernel" "$KVER"
KDST=$ROOT/lib/modules/$KVER
mkdir -p "$KDST"
cp "$KSRC"/modules.order "$KSRC"/modules.builtin* "$KDST"/
wanted=$( (cd "$KSRC" && find kernel/drivers/usb kernel/drivers/hid kernel/drivers/input \
    kernel/drivers/net/usb kernel/sound/usb kernel/drivers/scsi kernel/fs/configfs \
    kernel/drivers/virtio kernel/drivers/char/virtio_console.ko* kernel/net/9p kernel/fs/9p \
    kernel/fs/fat kernel/fs/nls -name '*.ko*' 2>/dev/null) )
closure=$(for m in $wanted; do
    echo "$m"
    awk -v m="$m:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$KSRC/modules.dep"
done | sort -u)
for m in $closure; do
    mkdir -p "$KDST/$(dirname "$m")"
    cp "$KSRC/$m" "$KDST/$m"
done
depmod -b "$ROOT" "$KVER"
log "$(echo "$closure" | wc -l) kernel modules"

# 4. device nodes the kernel needs before devtmpfs is mounted.
mkdir -p "$ROOT/dev"
[ -e "$ROOT/dev/console" ] || mknod -m 600 "$ROOT/dev/console" c 5 1
[ -e "$ROOT/dev/null" ] || mknod -m 666 "$ROOT/dev/null" c 1 3

# 5. one uncompressed cpio of the whole tree.
(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) >"$W/base.cpio"
cp "$W/kernel/boot/vmlinuz-$KVER" "$W/vmlinuz"
echo "$KVER" >"$W/kver"
rm -rf "$W/kernel" "$W"/*.deb
# Keep the root tree: run.sh installs nothing into it, but bench and debugging read it.
mv "$W" "$OUT"
touch "$OUT/.done"
# Older guests (other hashes) are dead weight: 200-400 MB each.
for old in "$CACHE"/guest-*; do
    [ "$old" = "$OUT" ] || rm -rf "$old"
done
log "built in $((SECONDS - t0)) s: $(du -sh "$OUT/base.cpio" | cut -f1) initramfs"
echo "$OUT"
