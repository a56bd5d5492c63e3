#!/bin/bash
# "portcullis report" end to end:
#   a) a fleet written by the real recorder (report_mkfleet), one directory per host: known counts
#      per host, every decision view, transfer bytes, a deleted record -> "gap", a silent host,
#      an old and expired policy, events_lost -> still "ok"
#   b) the same records as a collector writes them (one <host>.jsonl per host, RELP resends
#      included): the same answer
#   c) filters (--host --user --device --since --until), the text and HTML outputs, exit codes
#   d) an incident log written by portcullisd itself (under umockdev), in audit mode
set -u -o pipefail
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
PC=$BUILD_DIR/agent/cli/portcullis
MKFLEET=$BUILD_DIR/tests/integration/report_mkfleet
W=$(mktemp -d /tmp/pc-report-XXXXXX)
trap 'rm -rf "$W"' EXIT
fails=0
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check DESCRIPTION JSONFILE JQ-EXPRESSION EXPECTED
check() {
    local got
    got=$(jq -c "$3" "$2" 2>&1)
    if [ "$got" = "$4" ]; then ok "$1"; else bad "$1: expected $4, got $got"; fi
}

"$MKFLEET" "$W/fleet" || { echo "FAIL: report_mkfleet"; exit 1; }
# ws-03: delete its 5th record (a heartbeat) from the local log
sed -i 5d "$W/fleet/ws-03/incident.log"

# ---- a) directories ----
"$PC" report --format json --out "$W/a.json" "$W/fleet" || bad "a) exit status $?"
H='.hosts[] | select(.host == "ws-01")'
check "a) six hosts" "$W/a.json" '[.hosts[].host]' '["ws-01","ws-02","ws-03","ws-04","ws-05","ws-06"]'
check "a) ws-01 events = its records" "$W/a.json" "$H | .events" "$(wc -l <"$W/fleet/ws-01/incident.log")"
check "a) ws-01 decisions" "$W/a.json" "$H | .decisions" '{"allow":3,"log":1,"charge_only":1,"block":2,"audit_block":0}'
check "a) ws-01 tamper, transfer (two records of one 30 MiB session), policy, integrity" "$W/a.json" \
    "$H | [.tamper, .transfer_bytes, .policy_serial, .integrity, .gaps, .silent]" '[1,31457280,7,"ok",[],false]'
check "a) ws-01 first/last" "$W/a.json" "$H | [.first, .last]" '["2026-11-19T08:00:00.000000Z","2026-11-19T12:00:00.000000Z"]'
check "a) ws-02 audit mode: would block, never block" "$W/a.json" \
    '.hosts[] | select(.host == "ws-02") | .decisions' '{"allow":1,"log":0,"charge_only":0,"block":0,"audit_block":4}'
check "a) ws-03 deleted record -> gap 5..5" "$W/a.json" \
    '.hosts[] | select(.host == "ws-03") | [.integrity, .gaps, .details]' \
    '["gap",[{"first_seq":5,"last_seq":5}],"records 5..5 missing (no events_lost names them)"]'
check "a) ws-04 silent, the only one" "$W/a.json" '.silent_hosts' '["ws-04"]'
check "a) ws-05 old and expired policy" "$W/a.json" \
    '.hosts[] | select(.host == "ws-05") | [.policy_serial, .policy_old, .policy_expired, .policy_rejected]' '[5,true,true,1]'
check "a) ws-06 events_lost explains 11..15" "$W/a.json" \
    '.hosts[] | select(.host == "ws-06") | [.integrity, .lost, .gaps]' '["ok",5,[]]'
check "a) tables" "$W/a.json" '[(.tamper|length), (.transfer_alerts|length), (.policy_problems|map(.type))]' \
    '[1,1,["policy_rejected","policy_expired"]]'
check "a) top device: the refused one on four hosts" "$W/a.json" '.devices[0] | [.serial, .hosts, .decisions.block, .decisions.audit_block]' \
    '["EVIL-0001",4,5,4]'
check "a) users" "$W/a.json" '[.users[] | .user] | sort' '["alice","bob","carol","dave","erin"]'

# a second copy with the ws-03 record back: ok; then an edited record: broken
cp -r "$W/fleet" "$W/fleet2"
"$MKFLEET" "$W/fleet3" && cp "$W/fleet3/ws-03/incident.log" "$W/fleet2/ws-03/incident.log"
sed -i '3s/"seat_user":"dave"/"seat_user":"mallory"/' "$W/fleet2/ws-03/incident.log"
"$PC" report --format json --host ws-03 "$W/fleet2" >"$W/a2.json"
check "a) edited record -> broken, with where" "$W/a2.json" '.hosts[0] | [.integrity, .details]' \
    '["broken","seq 4: prev does not match the hash of seq 3 — record modified or deleted"]'
# records cut off the end are found against the head file
head -n -2 "$W/fleet3/ws-01/incident.log" >"$W/cut" && cp "$W/cut" "$W/fleet3/ws-01/incident.log"
"$PC" report --format json --host ws-01 "$W/fleet3" >"$W/a3.json"
check "a) tail cut off -> truncated (head file)" "$W/a3.json" '.hosts[0].integrity' '"truncated"'

# ---- b) the collector's layout: one JSON-lines file per host, with resends ----
mkdir -p "$W/coll"
for d in "$W/fleet"/ws-*; do
    n=$(basename "$d")
    cat "$d"/incident.log >"$W/coll/$n.jsonl"
done
tail -n 3 "$W/fleet/ws-02/incident.log" >>"$W/coll/ws-02.jsonl"   # RELP resend after a reconnect
"$PC" report --format json "$W/coll" >"$W/b.json" || bad "b) exit status"
if diff <(jq -c 'del(.hosts[].source, .hosts[].duplicates, .hosts[].records, .summary.records)' "$W/a.json") \
        <(jq -c 'del(.hosts[].source, .hosts[].duplicates, .hosts[].records, .summary.records)' "$W/b.json") >/dev/null; then
    ok "b) collector files give the same report as the directories"
else
    bad "b) collector report differs"; diff <(jq . "$W/a.json") <(jq . "$W/b.json") | head -20
fi
check "b) resends recognised" "$W/b.json" '.hosts[] | select(.host == "ws-02") | [.duplicates, .integrity]' '[3,"ok"]'
"$PC" report --format json "$W/coll/ws-03.jsonl" >"$W/b1.json"
check "b) a single file" "$W/b1.json" '[.hosts[].host, .hosts[0].integrity]' '["ws-03","gap"]'

# ---- c) filters and formats ----
"$PC" report --format json --host ws-02 "$W/coll" >"$W/c1.json"
check "c) --host" "$W/c1.json" '[.hosts[].host]' '["ws-02"]'
"$PC" report --format json --user alice "$W/coll" >"$W/c2.json"
check "c) --user alice: her 6 decisions and 3 transfer records, on ws-01" "$W/c2.json" \
    '[.hosts[] | select(.events > 0) | .host, .events, .decisions.allow]' '["ws-01",9,3]'
"$PC" report --format json --device EVIL-0001 "$W/coll" >"$W/c3.json"
check "c) --device SERIAL" "$W/c3.json" '[.hosts[] | .decisions.block + .decisions.audit_block] | add' '9'
"$PC" report --format json --since 2026-11-19T09:00:00Z --until 2026-11-19T10:00:00Z "$W/coll" >"$W/c4.json"
check "c) --since/--until" "$W/c4.json" '.hosts[] | select(.host == "ws-06") | .events' '12'
"$PC" report --format text "$W/coll" >"$W/c.txt" || bad "c) text exit status"
grep -q '^ws-03 .* gap$' "$W/c.txt" && grep -q 'ws-04: last record 2026-11-19 08:30 (heartbeat)' "$W/c.txt" \
    && ok "c) text output" || { bad "c) text output"; cat "$W/c.txt"; }
"$PC" report --out "$W/c.html" "$W/coll" || bad "c) html exit status"
for id in chart-events chart-transfer chart-refusals hosts devices users tamper transfer-alerts policies silent integrity; do
    grep -q "id=\"$id\"" "$W/c.html" || bad "c) html lacks #$id"
done
if grep -Eqi '<script|https?://|<link|@import|url\(' "$W/c.html"; then
    bad "c) html refers to something outside itself"
else
    ok "c) html self-contained, with every chart and table"
fi
"$PC" report --format nope "$W/coll" 2>/dev/null; [ $? -eq 2 ] && ok "c) bad --format: usage error" || bad "c) bad --format"
"$PC" report --since yesterday "$W/coll" 2>/dev/null; [ $? -eq 2 ] && ok "c) bad --since: usage error" || bad "c) bad --since"
"$PC" report --format json "$W/missing" >/dev/null 2>&1; [ $? -eq 1 ] && ok "c) unreadable input: exit 1" || bad "c) unreadable input"

# ---- e) honest views in log show / export: words, filters, local time ----
count() { "$PC" log show "$@" | wc -l; }
[ "$(count --dir "$W/fleet/ws-02" --verdict audit-block)" = 4 ] && \
    [ "$("$PC" log show --dir "$W/fleet/ws-02" --verdict audit-block | grep -c ' would block (audit) rule=')" = 4 ] \
    && ok "e) --verdict audit-block: 4 lines saying would block (audit)" || bad "e) audit-block view"
"$PC" log show --dir "$W/fleet/ws-01" --verdict log | grep >/dev/null ' allowed, logged rule=' && ok "e) allowed, logged" || bad "e) log view"
"$PC" log show --dir "$W/fleet/ws-01" --verdict charge-only | grep >/dev/null ' charge only rule=' && ok "e) charge only" || bad "e) charge-only view"
[ "$(count --dir "$W/fleet/ws-01" --verdict block)" = 2 ] && ok "e) --verdict block" || bad "e) --verdict block"
[ "$(count --dir "$W/fleet/ws-01" --user bob)" = 1 ] && ok "e) --user" || bad "e) --user"
[ "$(count --dir "$W/fleet/ws-01" --host ws-02)" = 0 ] && [ "$(count --dir "$W/fleet/ws-02" --host ws-02)" = "$(wc -l <"$W/fleet/ws-02/incident.log")" ] \
    && ok "e) --host" || bad "e) --host"
[ "$(count --dir "$W/fleet/ws-01" --kind mass-storage --type device_decision)" = 7 ] && [ "$(count --dir "$W/fleet/ws-01" --kind hid)" = 0 ] \
    && ok "e) --kind" || bad "e) --kind"
TZ=Asia/Tokyo "$PC" log show --local-time --dir "$W/fleet/ws-01" | sed -n 1p | grep >/dev/null '^2026-11-19T17:00:00.000000+09:00 ws-01 #1 ' \
    && ok "e) --local-time" || bad "e) --local-time: $(TZ=Asia/Tokyo "$PC" log show --local-time --dir "$W/fleet/ws-01" | sed -n 1p)"
"$PC" log export --csv --dir "$W/fleet/ws-02" --verdict audit-block >"$W/e.csv"
head -n1 "$W/e.csv" | grep >/dev/null ',policy_sha256,policy_mode,outcome' && [ "$(grep -c ',audit,would block (audit)' "$W/e.csv")" = 4 ] \
    && ok "e) CSV: policy_mode and outcome columns" || { bad "e) CSV outcome"; head -n 3 "$W/e.csv"; }
"$PC" log show --verdict maybe --dir "$W/fleet/ws-01" 2>/dev/null; [ $? -eq 2 ] && ok "e) bad --verdict: usage error" || bad "e) bad --verdict"

# ---- d) a log written by portcullisd itself, in audit mode ----
. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2 "Cruzer Blade"
    bed_iface 1-2 0 08 06 50
    bed_device keyboard 1-3 3
} >"$W/bed.umockdev"
if command -v umockdev-run >/dev/null; then
    umockdev-run -d "$W/bed.umockdev" -- "$BUILD_DIR/agent/daemon/portcullisd" --once --foreground \
        --audit --config "$W/none.conf" --no-owner-check --policy "$W/none.policy" \
        --state-dir "$W/state" --log-dir "$W/agentlog" >"$W/agent.out" 2>&1 || { bad "d) portcullisd"; cat "$W/agent.out"; }
    "$PC" report --format json "$W/agentlog" >"$W/d.json"
    check "d) portcullisd --audit: the stick would be blocked, the keyboard allowed, chain ok" "$W/d.json" \
        '.hosts[0] | [.decisions.audit_block, .decisions.allow, .decisions.block, .integrity]' '[1,1,0,"ok"]'
    grep -a 'device_decision 0781:5567 .* on 1-2: would block (audit)' "$W/agent.out" >/dev/null \
        && ok "d) the agent's journal line says would block (audit)" || { bad "d) journal line"; cat "$W/agent.out"; }
    "$PC" log show --dir "$W/agentlog" >"$W/d.txt"
    grep -q 'would block (audit)' "$W/d.txt" && ok "d) log show says would block (audit)" || { bad "d) log show wording"; cat "$W/d.txt"; }
else
    echo "SKIP: d) umockdev-run not installed"
fi

[ $fails -eq 0 ] && echo "PASS: report" || echo "FAILED: $fails check(s)"
[ $fails -eq 0 ]
