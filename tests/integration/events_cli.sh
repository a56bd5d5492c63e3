#!/bin/bash
# "portcullis log verify|show|export" on a real log written by the recorder (events_mklog):
# each kind of tampering is caught and named, device strings come out escaped, CSV is quoted
# and defused. Usage: events_cli.sh EVENTS_MKLOG PORTCULLIS
set -u -o pipefail
mklog=$1
pc=$2
tmp=$(mktemp -d /tmp/pc-events-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

check() { # check NAME EXPECTED_STATUS EXPECTED_REGEX -- CMD...
    local name=$1 want_rc=$2 want_re=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -Eq -- "$want_re" <<<"$out"; then
        echo "FAIL $name: exit $rc (want $want_rc), output:"
        echo "$out" | head -n 20
        echo "  (wanted /$want_re/)"
        fails=$((fails + 1))
    else
        echo "ok   $name"
    fi
}

fresh() { # fresh DIR N: a new log of N records
    rm -rf "$1"
    "$mklog" "$1" "$2" >/dev/null || { echo "events_mklog failed"; exit 1; }
}

d=$tmp/log
fresh "$d" 30
head_hash=$(cut -c22-85 "$d/head")

check "verify intact" 0 "^OK: 30 records, seq 1\.\.30, head $head_hash" -- "$pc" log verify --dir "$d"
check "verify with --head" 0 "^OK: 30 records" -- "$pc" log verify --dir "$d" --head "$head_hash"
check "verify bad --head" 2 "64 hex" -- "$pc" log verify --dir "$d" --head xyz
check "usage error" 2 "Usage" -- "$pc" log frobnicate
check "missing dir" 1 "No such file" -- "$pc" log verify --dir "$tmp/nope"

# one byte of a device string changed in record 17: record 18 no longer chains to it
cp -r "$d" "$tmp/mod"
sed -i '17s/4C530001234567/4C530001234568/' "$tmp/mod/incident.log"
check "modified record" 1 "^FAILED: incident.log line 18 \(seq 18\): prev does not match hash of seq 17" -- "$pc" log verify --dir "$tmp/mod"

# a record deleted
cp -r "$d" "$tmp/del"
sed -i '7d' "$tmp/del/incident.log"
check "deleted record" 1 "line 7 \(seq 8\): sequence gap after seq 6" -- "$pc" log verify --dir "$tmp/del"

# two records swapped
cp -r "$d" "$tmp/swap"
awk 'NR==5 { held = $0; next } NR==6 { print; print held; next } 1' "$d/incident.log" >"$tmp/swap/incident.log"
check "swapped records" 1 "line 5 \(seq 6\): sequence gap after seq 4" -- "$pc" log verify --dir "$tmp/swap"

# a record duplicated
cp -r "$d" "$tmp/dup"
sed -i '12p' "$tmp/dup/incident.log"
check "duplicated record" 1 "line 13 \(seq 12\): seq 12 appears twice" -- "$pc" log verify --dir "$tmp/dup"

# cut in the middle of the last line
cp -r "$d" "$tmp/cut"
truncate -s -50 "$tmp/cut/incident.log"
check "truncated mid-line" 1 "truncated last line" -- "$pc" log verify --dir "$tmp/cut"

# whole records cut off the end: caught through the head file, or an explicit --head/--seq
cp -r "$d" "$tmp/tail"
sed -i '28,30d' "$tmp/tail/incident.log"
check "tail cut (head file)" 1 "log ends at seq 27 but the known head is seq 30" -- "$pc" log verify --dir "$tmp/tail"
rm "$tmp/tail/head"
check "tail cut (no head)" 0 "^OK: 27 records.*|cannot be detected" -- "$pc" log verify --dir "$tmp/tail"
check "tail cut (--head)" 1 "is not in the log \(ends at seq 27\)" -- "$pc" log verify --dir "$tmp/tail" --head "$head_hash"
check "tail cut (--seq)" 1 "known head is seq 30" -- "$pc" log verify --dir "$tmp/tail" --seq 30

# show: device strings escaped (no raw ESC reaches the terminal), filters work
out=$("$pc" log show --dir "$d")
if grep -q $'\x1b' <<<"$out"; then echo "FAIL show: raw escape character in output"; fails=$((fails + 1)); else echo "ok   show escapes"; fi
check "show line" 0 '#4 device_decision 1-2 0781:5567 "=HYPERLINK\(\\x22http://x\\x22\)" "Stick\\x1b\]0;pwned\\x07\\x1b\[2J \\x22quoted\\x22, comma" serial="4C530001234567" blocked rule="no-storage" user="alice"' -- "$pc" log show --dir "$d"
# a forged record (it decodes; only verify sees the broken chain): every field comes out escaped
cp -r "$d" "$tmp/forged"
sed -i '4s/"vendor_id":"0781"/"vendor_id":"\\u001b[2J"/; 4s/"verdict":"block"/"verdict":"\\u001b]0;x\\u0007"/' "$tmp/forged/incident.log"
out=$("$pc" log show --dir "$tmp/forged")
if grep -q $'\x1b' <<<"$out"; then echo "FAIL show forged: raw escape character in output"; fails=$((fails + 1)); else echo "ok   show forged escapes"; fi
check "show forged line" 0 '#4 device_decision 1-2 \\x1b\[2J:5567 .* \\x1b\]0;x\\x07 rule=' -- "$pc" log show --dir "$tmp/forged"
check "show --type" 0 "^[^#]*#4 device_decision" -- "$pc" log show --dir "$d" --type device_decision
n=$("$pc" log show --dir "$d" --type device_decision | wc -l)
[ "$n" -eq 3 ] && echo "ok   show --type count" || { echo "FAIL show --type count: $n"; fails=$((fails + 1)); }
# transfer records in words, with the files under them (a log of transfer events only)
"$mklog" "$tmp/tr" 2 transfer >/dev/null || { echo "events_mklog transfer failed"; exit 1; }
check "show transfer in words" 0 "#1 transfer 1-2 0781:5567: wrote 25 MB in 3 files in 4 min to .*\"4C530001234567\", read 4\.1 kB; device removed" -- "$pc" log show --dir "$tmp/tr"
check "show transfer files" 0 "^    \"report\.pdf\" 1\.2 MB" -- "$pc" log show --dir "$tmp/tr"
check "show transfer omitted" 0 "^    \.\.\. and 1 more file" -- "$pc" log show --dir "$tmp/tr"
n=$("$pc" log show --dir "$d" --device 0781:5567 | wc -l)
[ "$n" -eq 14 ] && echo "ok   show --device vid:pid" || { echo "FAIL show --device vid:pid: $n"; fails=$((fails + 1)); }
n=$("$pc" log show --dir "$d" --device OTHER-SERIAL | wc -l)
[ "$n" -eq 1 ] && echo "ok   show --device serial" || { echo "FAIL show --device serial: $n"; fails=$((fails + 1)); }
n=$("$pc" log show --dir "$d" --since 2026-11-18T12:06:40Z --until 2026-11-18T15:06:40Z | wc -l)
[ "$n" -eq 3 ] && echo "ok   show --since/--until" || { echo "FAIL show --since/--until: $n"; fails=$((fails + 1)); }
check "show bad time" 2 "not a UTC time" -- "$pc" log show --dir "$d" --since yesterday
check "show --json" 0 '^\{"seq":1,"time":"2026-11-18T11:06:40.000000Z","host":"ws-042"' -- "$pc" log show --dir "$d" --json
cmp <("$pc" log show --dir "$d" --json) "$d/incident.log" && echo "ok   show --json is the raw log" || { echo "FAIL show --json differs from the log"; fails=$((fails + 1)); }
check "show unknown type" 0 "not a type this version writes" -- "$pc" log show --dir "$d" --type nope_type
sed -i '10s/"seq":10/"seq":10 /' "$tmp/mod/incident.log"
check "show names damage" 0 "incident.log line 10: skipping malformed record" -- "$pc" log show --dir "$tmp/mod"

# export: RFC 4180 quoting, CRLF, formula cells defused
csv=$("$pc" log export --csv --dir "$d" --type device_decision)
check "export header" 0 "^seq,time,host,type,busid" -- "$pc" log export --csv --dir "$d"
if grep -q "\"'=HYPERLINK(\"\"http://x\"\")\"" <<<"$csv"; then echo "ok   export defuses formula"; else echo "FAIL export formula: $csv"; fails=$((fails + 1)); fi
if grep -qF '"Stick\x1b]0;pwned\x07\x1b[2J ""quoted"", comma"' <<<"$csv"; then echo "ok   export quotes and escapes"; else echo "FAIL export quoting: $csv"; fails=$((fails + 1)); fi
if grep -q $'\x1b' <<<"$csv"; then echo "FAIL export: raw escape character"; fails=$((fails + 1)); fi
if [ "$(head -n1 <<<"$csv" | tail -c 2 | od -An -c | tr -d ' ')" = '\r\n' ]; then echo "ok   export CRLF"; else echo "FAIL export CRLF"; fails=$((fails + 1)); fi
check "export needs --csv" 2 "needs --csv" -- "$pc" log export --dir "$d"

echo "events_cli: $fails failure(s)"
[ "$fails" -eq 0 ]
