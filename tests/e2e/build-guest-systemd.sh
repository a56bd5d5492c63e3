#!/bin/bash
# Builds (or reuses) the systemd E2E guest: a Debian 12 system on an ext4 disk image, booted the
# way a workstation boots: the Debian kernel with the initramfs that initramfs-tools made in the
# guest, then systemd as PID 1 from the disk. The systemd scenario (tests/e2e/systemd.py) runs it
# on a copy-on-write overlay, installs the .debs with dpkg -i and power-cycles it.
#
#   tests/e2e/build-guest-systemd.sh    -> prints the guest folder (cache/sdguest-<hash>/) with
#                                          disk.img (raw ext4), vmlinuz, initrd.img, kver
#
# Cached like build-guest.sh: the hash covers this script, the guest's control channel
# (guest/ctl.sh), the package list and the kernel package version. Needs root (debootstrap,
# chroot) and the Debian archive; downloads nothing else.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PC_E2E_CACHE:-$HERE/cache}
MIRROR=${PC_E2E_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"

log() { echo "build-guest-systemd: $*" >&2; }

KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/ {print $2; exit}')
if [ -z "$KPKG" ]; then
    apt-get update -q >&2
    KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')
fi
[ -n "$KPKG" ] || { log "cannot resolve the kernel package behind linux-image-amd64"; exit 1; }
KPKGVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/ {print $2}')
KVER=${KPKG#linux-image-}

# A workstation's boot chain (initramfs-tools, systemd, udev; the kernel comes from the host's apt
# sources, bookworm-security included, and is installed below) and the runtime libraries
# the Portcullis packages depend on (dpkg -i installs no dependencies). openssl: the test's TLS
# collector for the uplink child; usbutils/procps: what the scenario inspects.
PACKAGES="linux-base initramfs-tools zstd busybox systemd systemd-sysv udev kmod
libudev1 libusb-1.0-0 libmtp9 libconfig9 libssl3 libjson-c5 libsystemd0 libseccomp2
openssl procps usbutils"

KEY=$( (cat "$0" "$HERE/guest/ctl.sh"; echo "$KPKG $KPKGVER"; echo "$PACKAGES") | sha256sum | cut -c1-16)
OUT=$CACHE/sdguest-$KEY
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
ROOT=$W/root
cleanup() { umount "$ROOT/proc" 2>/dev/null || true; }
trap cleanup EXIT

debootstrap --variant=minbase --include="$(echo $PACKAGES | tr ' ' ',')" \
    bookworm "$ROOT" "$MIRROR" >"$W/debootstrap.log" 2>&1 \
    || { tail -n 30 "$W/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOT"/usr/share/{doc,man,info,locale,i18n} "$ROOT"/var/cache/apt/*.bin \
    "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*

# The machine: root on the virtio disk, no fsck (a fresh image per run), a host name.
echo "/dev/vda / ext4 rw,noatime 0 0" >"$ROOT/etc/fstab"
echo pc-e2e-systemd >"$ROOT/etc/hostname"
# The initramfs loads the root disk's drivers and, as on a desktop whose USB keyboard must work
# in the initramfs (disk unlock), the USB host, storage and HID drivers: usbcore is loaded there,
# before the root file system, so only a module option inside the initramfs closes it from the
# start. MODULES=list keeps update-initramfs fast under emulation.
echo "MODULES=list" >"$ROOT/etc/initramfs-tools/conf.d/pc-e2e.conf"
printf '%s\n' virtio_pci virtio_blk ext4 xhci_pci usb_storage uas usbhid hid_generic \
    >>"$ROOT/etc/initramfs-tools/modules"
# The host's control channel (guest/ctl.sh on the virtio-serial port pc.ctl), started by systemd.
mkdir -p "$ROOT/pc" "$ROOT/mnt/pc"
install -m 755 "$HERE/guest/ctl.sh" "$ROOT/pc/ctl.sh"
ln -s /mnt/pc/bin "$ROOT/pc/bin" # the per-run helpers arrive on a 9p share
cat >"$ROOT/etc/systemd/system/pc-ctl.service" <<'UNIT'
[Unit]
Description=E2E control channel (virtio-serial pc.ctl)
BindsTo=dev-virtio\x2dports-pc.ctl.device
After=dev-virtio\x2dports-pc.ctl.device

[Service]
ExecStart=/pc/ctl.sh /dev/virtio-ports/pc.ctl
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -s /etc/systemd/system/pc-ctl.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
# Nothing in this test needs the network or timers that wake up under emulation.
# No logins either: the host talks to the guest through pc-ctl.
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    fstrim.timer e2scrub_reap.service getty.target; do
    ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done

# The kernel package, installed as on any Debian machine: its postinst makes the initramfs with
# the configuration above.
(cd "$W" && apt-get download -o APT::Sandbox::User=root "$KPKG" >&2)
mv "$W"/"$KPKG"_*.deb "$ROOT/tmp/"
mount -t proc proc "$ROOT/proc"
chroot "$ROOT" sh -c "dpkg -i /tmp/${KPKG}_*.deb" >"$W/kernel.log" 2>&1 \
    || { tail -n 30 "$W/kernel.log" >&2; exit 1; }
umount "$ROOT/proc"
rm -f "$ROOT"/tmp/*.deb
cp "$ROOT/boot/vmlinuz-$KVER" "$W/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$W/initrd.img"
echo "$KVER" >"$W/kver"

# One raw ext4 image made from the tree (no loop mount); each run boots a qcow2 overlay of it.
size=$(( $(du -sm "$ROOT" | cut -f1) + 600 ))
mke2fs -q -t ext4 -L pcroot -d "$ROOT" "$W/disk.img" "${size}M" >&2
rm -rf "$ROOT"
mv "$W" "$OUT"
touch "$OUT/.done"
for old in "$CACHE"/sdguest-*; do
    [ "$old" = "$OUT" ] || rm -rf "$old"
done
log "built in $((SECONDS - t0)) s: $(du -sh --apparent-size "$OUT/disk.img" | cut -f1) disk, $(du -sh "$OUT/initrd.img" | cut -f1) initramfs"
echo "$OUT"
