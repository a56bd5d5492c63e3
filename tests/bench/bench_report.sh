#!/bin/bash
# "portcullis report" on a generated fleet of 1,000 hosts x 1,000 events (collector layout, one
# <host>.jsonl each; BENCH_REPORT_HOSTS / BENCH_REPORT_EVENTS to change): wall time, CPU time
# and peak RSS, beside "jq -c ." reading the same files. Prints figures; never fails on them.
# On a shared machine compare the CPU times: wall time includes waiting for the cores.
set -eu -o pipefail
: "${BUILD_DIR:?}"
hosts=${BENCH_REPORT_HOSTS:-1000}
events=${BENCH_REPORT_EVENTS:-1000}
dir=$BUILD_DIR/bench-report-fleet-${hosts}x${events}
if [ ! -e "$dir/.complete" ]; then
    rm -rf "$dir"
    "$BUILD_DIR/tests/bench/bench_report_gen" "$dir" "$hosts" "$events"
    touch "$dir/.complete"
fi
size=$(du -sm "$dir" | cut -f1)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
measure() { # LABEL CMD...: wall clock, CPU (user + system) and peak RSS, from GNU time
    local label=$1 e u s m
    shift
    /usr/bin/time -o "$tmp" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || echo "($label failed)"
    read -r e u s m <"$tmp"
    printf '%-36s wall %7.2f s   cpu %7.2f s   peak RSS %7d KiB\n' "$label" "$e" \
        "$(awk -v a="$u" -v b="$s" 'BEGIN{print a+b}')" "$m"
}
echo "bench_report: $hosts hosts x $events events ($((hosts * events)) records, $size MiB)"
measure "portcullis report --format json" "$BUILD_DIR/agent/cli/portcullis" report --no-progress --format json "$dir"
measure "portcullis report --format html" "$BUILD_DIR/agent/cli/portcullis" report --no-progress --format html "$dir"
if command -v jq >/dev/null; then
    measure "jq -c . (the same files)" sh -c "jq -c . \"\$1\"/*.jsonl" sh "$dir"
else
    echo "jq not installed: no comparison"
fi
