#!/bin/bash
# Renders the example fleet report: a fleet of six hosts over 14 days written by the real
# recorder (tests/integration/report_mkfleet.c), "portcullis report" as HTML, and headless
# Chromium (Debian package chromium) for a screenshot and the DOM after rendering.
#
#   scripts/report-example.sh [BUILD_DIR [OUT_DIR]]
#
# Without OUT_DIR it writes docs/report-example.png (the README picture). With OUT_DIR it writes
# report-example.html, report-example.png and report-example.dom.html there (the browser test).
set -eu -o pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/dev}
out=${2:-}
chrome=$(command -v chromium || true)
[ -n "$chrome" ] || { echo "report-example: chromium is not installed (scripts/install-deps.sh)" >&2; exit 77; }
for f in tests/integration/report_mkfleet agent/cli/portcullis; do
    [ -x "$build/$f" ] || { echo "report-example: $build/$f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/tests/integration/report_mkfleet" "$tmp/fleet" 14
sed -i 5d "$tmp/fleet/ws-03/incident.log" # a record deleted: the report must say "gap"
"$build/agent/cli/portcullis" report --no-progress --out "$tmp/report-example.html" "$tmp/fleet"
# A fresh profile, nothing in the background that could reach the network.
browse() {
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-extensions \
        --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1100,1500 "$@" \
        "file://$tmp/report-example.html"
}
browse --screenshot="$tmp/report-example.png" >/dev/null 2>"$tmp/chrome.log" ||
    { cat "$tmp/chrome.log" >&2; exit 1; }
if [ -z "$out" ]; then
    cp "$tmp/report-example.png" "$here/docs/report-example.png"
    echo "report-example: wrote docs/report-example.png"
else
    browse --dump-dom >"$tmp/report-example.dom.html" 2>>"$tmp/chrome.log" ||
        { cat "$tmp/chrome.log" >&2; exit 1; }
    mkdir -p "$out"
    cp "$tmp"/report-example.html "$tmp"/report-example.png "$tmp"/report-example.dom.html "$out/"
fi
