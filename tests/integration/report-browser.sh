#!/bin/bash
# The HTML report in a real browser: headless Chromium renders scripts/report-example.sh's
# report; the DOM after rendering must hold the three charts (with their bars) and every table
# (with one row per host), and the screenshot must not be blank. Skips (77) without chromium.
set -u -o pipefail
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
W=$(mktemp -d /tmp/pc-report-browser-XXXXXX)
trap 'rm -rf "$W"' EXIT
"$SOURCE_DIR/scripts/report-example.sh" "$BUILD_DIR" "$W"
rc=$?
[ $rc -eq 77 ] && { echo "SKIP: chromium not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: report-example.sh exit $rc"; exit 1; }
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
dom=$W/report-example.dom.html
/usr/bin/python3 - "$dom" <<'PY' || fails=$((fails + 1))
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.rects, self.rows, self.cells = [], set(), {}, {}, {}
        self.svg = self.table = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "svg":
            self.svg = a.get("id")
        if tag == "table":
            self.table = a.get("id")
        if tag == "rect" and self.svg:
            self.rects[self.svg] = self.rects.get(self.svg, 0) + 1
        if tag == "tr" and self.table:
            self.rows[self.table] = self.rows.get(self.table, 0) + 1
    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = None
        if tag == "table":
            self.table = None

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
fail = 0
for i in ["chart-events", "chart-transfer", "chart-refusals", "hosts", "integrity", "silent",
          "devices", "users", "tamper", "transfer-alerts", "policies", "policy-hosts"]:
    if i not in p.ids:
        print("FAIL: no #%s in the rendered DOM" % i); fail = 1
# 14 days of stacked bars (+ legend), 13 days with transfers, 4 hosts with refusals (2 bars each)
for chart, least in [("chart-events", 30), ("chart-transfer", 13), ("chart-refusals", 8)]:
    if p.rects.get(chart, 0) < least:
        print("FAIL: %s has %d bars, expected at least %d" % (chart, p.rects.get(chart, 0), least)); fail = 1
if p.rows.get("hosts") != 7:
    print("FAIL: hosts table has %s rows, expected header + 6" % p.rows.get("hosts")); fail = 1
if p.rows.get("silent") != 2:
    print("FAIL: silent table has %s rows, expected header + ws-04" % p.rows.get("silent")); fail = 1
if not fail:
    print("PASS: DOM has the 3 charts (%s) and every table" % p.rects)
sys.exit(fail)
PY
read -r w h nonwhite colours < <(/usr/bin/python3 "$SOURCE_DIR/tests/integration/png_stats.py" "$W/report-example.png")
if [ "$w" = 1100 ] && [ "$h" = 1500 ] && awk -v n="$nonwhite" 'BEGIN{exit !(n >= 5)}' && [ "$colours" -ge 20 ]; then
    echo "PASS: screenshot ${w}x${h}, ${nonwhite}% not white, $colours colours"
else
    bad "screenshot looks blank: ${w}x${h}, ${nonwhite}% not white, $colours colours"
fi
[ $fails -eq 0 ]
