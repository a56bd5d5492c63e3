#!/bin/bash
# Runs every libFuzzer binary (*-libfuzzer) in BUILD_DIR for SECONDS each, starting from its seed
# corpus in tests/fuzz/corpus/<name>/ (new inputs go to a scratch copy, never into the tree).
set -u -o pipefail
build=$(realpath "${1:?usage: fuzz-smoke.sh BUILD_DIR [SECONDS]}")
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
found=0
while IFS= read -r bin; do
    found=1
    name=$(basename "$bin" -libfuzzer)
    work=$(mktemp -d)
    cp -r "$root/tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    echo "--- fuzz $name for ${secs}s"
    if ! (cd "$work" && LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp \
          "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 "$work" 2>&1 | tail -n 15); then
        status=1
    fi
    if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
        echo "fuzz $name: FOUND A FAILURE, reproducers kept in $work"
        status=1
    else
        rm -rf "$work"
    fi
done < <(find "$build" -name '*-libfuzzer' -type f -executable | sort)
if [ "$found" -eq 0 ]; then
    echo "fuzz-smoke: no *-libfuzzer binaries in $build (configure with -DPORTCULLIS_FUZZ=ON and clang)"
    exit 1
fi
exit $status
