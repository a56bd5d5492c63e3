#!/bin/bash
# The end-to-end suite (scripts/test.sh stage "e2e"): builds or reuses the guest, builds and
# installs Portcullis into the project layer, boots one QEMU VM and runs every scenario; then
# the systemd scenario (systemd.py): the .debs installed with dpkg -i in a guest booted with
# systemd as PID 1, and a power cycle with a stick and a keyboard attached.
# Prints "PASS name" / "FAIL name: why" per assertion and "e2e: N passed, M failed"; exits
# non-zero on any failure. Needs root. docs/e2e.md explains the scenarios and how to read failures.
#
#   tests/e2e/run.sh [--only usb-storage,hub,android-mtp,...,systemd]
#   PC_E2E_OUT=DIR       where the VM's console, the agent's log and incident log go (build/e2e)
#   PC_E2E_DEB_DIR=DIR   the .debs for the systemd scenario (default: built into $PC_E2E_OUT/deb)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PC_E2E_OUT:-$ROOT/build/e2e}
mkdir -p "$OUT"
only=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
    --only) only=${args[$((i + 1))]:-} ;;
    --only=*) only=${args[$i]#--only=} ;;
    esac
done
want_systemd=yes want_main=yes
if [ -n "$only" ]; then
    [[ ",$only," == *",systemd,"* ]] || want_systemd=no
    [ "$only" = "systemd" ] && want_main=no
fi
t0=$SECONDS
GUEST=$("$HERE/build-guest.sh")
t1=$SECONDS
"$HERE/build-layer.sh" "$GUEST" "$OUT"
t2=$SECONDS
echo "e2e: guest $((t1 - t0)) s, project layer $((t2 - t1)) s"
rc=0
if [ $want_main = yes ]; then
    /usr/bin/python3 "$HERE/scenarios.py" --guest "$GUEST" --initrd "$OUT/initrd.cpio" \
        --workdir "$OUT/run" "$@" || rc=$?
    echo "e2e: console $OUT/run/vm/console.log," \
        "agent log $OUT/run/portcullisd.log, incident log $OUT/run/incident.log"
fi
if [ $want_systemd = yes ]; then
    t3=$SECONDS
    SDGUEST=$("$HERE/build-guest-systemd.sh")
    DEBS=${PC_E2E_DEB_DIR:-$OUT/deb}
    if ! ls "$DEBS"/portcullis_*.deb >/dev/null 2>&1; then
        "$ROOT/scripts/build-deb.sh" "$DEBS" >"$OUT/build-deb.log" 2>&1 \
            || { tail -n 40 "$OUT/build-deb.log"; echo "FAIL systemd: .debs not built"; exit 1; }
    fi
    echo "e2e: systemd guest and .debs $((SECONDS - t3)) s"
    /usr/bin/python3 "$HERE/systemd.py" --guest "$SDGUEST" --debs "$DEBS" \
        --bin "$OUT/layer/pc/bin" --workdir "$OUT/systemd" || rc=$?
fi
echo "e2e: total $((SECONDS - t0)) s"
exit $rc
