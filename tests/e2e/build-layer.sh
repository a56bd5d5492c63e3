#!/bin/bash
# Builds the project layer of the E2E guest, every run (cheap): the test programs (ffs-stub, claim,
# uevent-stamp), the guest scripts, and Portcullis itself installed with DESTDIR, packed as a
# small cpio and appended to the cached guest image.
#
#   tests/e2e/build-layer.sh GUESTDIR OUTDIR   -> OUTDIR/initrd.cpio, OUTDIR/layer/, OUTDIR/project.status
#
# project.status says "ok" when portcullisd and portcullis were built and installed, otherwise
# why not (the test bed still boots: scenarios that need the agent then fail with that reason).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
GUEST=$1
OUT=$2
L=$OUT/layer
rm -rf "$L"
mkdir -p "$L/pc/bin" "$L/etc/portcullis/keys.d" "$L/var/log/portcullis"
CFLAGS="-std=c17 -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wswitch-enum -Wvla -Werror"
set -e
gcc $CFLAGS -o "$L/pc/bin/ffs-stub" "$HERE/gadget/ffs-stub.c"
gcc $CFLAGS -o "$L/pc/bin/uevent-stamp" "$HERE/probe/uevent-stamp.c"
gcc $CFLAGS $(pkg-config --cflags libusb-1.0) -o "$L/pc/bin/claim" "$HERE/probe/claim.c" \
    $(pkg-config --libs libusb-1.0)
install -m 755 "$HERE/guest/init" "$HERE/guest/ctl.sh" "$L/pc/"
install -m 755 "$HERE/guest/pc-e2e" "$L/pc/bin/pc-e2e"
install -m 755 "$HERE/guest/gadget.sh" "$L/pc/bin/gadget"
install -m 755 "$HERE/guest/latency.sh" "$L/pc/bin/latency"
install -m 600 "$HERE/guest/usbguard-rules.conf" "$HERE/guest/usbguard-daemon.conf" "$L/pc/"
set +e

# Portcullis, exactly as the task says it is installed on a Debian 12 machine.
B=$OUT/project
status=ok
if ! cmake -S "$SRC" -B "$B" -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_SYSCONFDIR=/etc -DCMAKE_INSTALL_LOCALSTATEDIR=/var \
    -DPORTCULLIS_BUILD_TESTS=OFF -DPORTCULLIS_BUILD_BENCH=OFF >"$OUT/project.log" 2>&1; then
    status="cmake configure failed (see $OUT/project.log)"
elif ! cmake --build "$B" -j "$(nproc)" >>"$OUT/project.log" 2>&1; then
    status="build failed (see $OUT/project.log)"
elif ! DESTDIR=$L cmake --install "$B" >>"$OUT/project.log" 2>&1; then
    status="install failed (see $OUT/project.log)"
elif [ ! -x "$L/usr/sbin/portcullisd" ] && [ ! -x "$L/usr/bin/portcullisd" ]; then
    status="no portcullisd installed (agent/ not built yet)"
fi
echo "$status" >"$OUT/project.status"
echo "$status" >"$L/pc/project.status"

(cd "$L" && find . -print0 | cpio --null -o -H newc --quiet) >"$OUT/layer.cpio"
cat "$GUEST/base.cpio" "$OUT/layer.cpio" >"$OUT/initrd.cpio"
echo "build-layer: project: $status" >&2
