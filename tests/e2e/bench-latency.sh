#!/bin/bash
# Benchmark: decision latency on a real kernel, Portcullis vs USBGuard 1.1 (tests/e2e/bench_latency.py
# explains what is measured). Prints figures; never fails on timing. Needs root.
#   tests/e2e/bench-latency.sh [--count N]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PC_E2E_OUT:-$ROOT/build/e2e}
mkdir -p "$OUT"
GUEST=$("$HERE/build-guest.sh")
"$HERE/build-layer.sh" "$GUEST" "$OUT"
exec /usr/bin/python3 "$HERE/bench_latency.py" --guest "$GUEST" --initrd "$OUT/initrd.cpio" \
    --workdir "$OUT/bench" "$@"
