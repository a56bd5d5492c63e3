#!/bin/bash
# The end-to-end suite (scripts/test.sh stage "e2e"): builds or reuses the guest, builds and
# installs Portcullis into the project layer, boots one QEMU VM and runs every scenario.
# Prints "PASS name" / "FAIL name: why" per assertion and "e2e: N passed, M failed"; exits
# non-zero on any failure. Needs root. docs/e2e.md explains the scenarios and how to read failures.
#
#   tests/e2e/run.sh [--only usb-storage,hub,android-mtp,...]
#   PC_E2E_OUT=DIR   where the VM's console, the agent's log and incident log go (build/e2e)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PC_E2E_OUT:-$ROOT/build/e2e}
mkdir -p "$OUT"
t0=$SECONDS
GUEST=$("$HERE/build-guest.sh")
t1=$SECONDS
"$HERE/build-layer.sh" "$GUEST" "$OUT"
t2=$SECONDS
echo "e2e: guest $((t1 - t0)) s, project layer $((t2 - t1)) s"
rc=0
/usr/bin/python3 "$HERE/scenarios.py" --guest "$GUEST" --initrd "$OUT/initrd.cpio" \
    --workdir "$OUT/run" "$@" || rc=$?
echo "e2e: total $((SECONDS - t0)) s; console $OUT/run/vm/console.log," \
    "agent log $OUT/run/portcullisd.log, incident log $OUT/run/incident.log"
exit $rc
