#!/bin/bash
# Portcullis in two minutes: installs the dependencies, builds the agent, boots a Debian 12
# kernel in QEMU (no USB needed on this machine), plugs a USB stick, two phones and a keyboard,
# and prints what the agent decided and why. Needs root (packages, VM image).
# First run: about 2 minutes more to build the VM image (cached in tests/e2e/cache/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "demo: run as root (sudo $0): it installs packages and builds a VM image" >&2
    exit 1
fi
./scripts/install-deps.sh
OUT=$ROOT/build/demo
mkdir -p "$OUT"
echo "demo: building the VM image (cached) and Portcullis ..."
GUEST=$(./tests/e2e/build-guest.sh)
./tests/e2e/build-layer.sh "$GUEST" "$OUT"
if [ "$(cat "$OUT/project.status")" != ok ]; then
    echo "demo: Portcullis did not build: $(cat "$OUT/project.status")" >&2
    exit 1
fi
exec /usr/bin/python3 ./tests/e2e/demo.py --guest "$GUEST" --initrd "$OUT/initrd.cpio" \
    --workdir "$OUT/run"
