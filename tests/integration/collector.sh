#!/bin/bash
# docs/collector/portcullis-collector.conf with the real rsyslogd, end to end:
#   records written by the real recorder (report_mkfleet) -> the agent's uplink code
#   (uplink_driver: pc_uplink + the portcullis-uplink child) over RELP+TLS -> rsyslog with the
#   documented configuration (paths and port rewritten) -> <host>.jsonl -> portcullis report.
# Checks: the lines arrive byte for byte, the report over the collector equals the report over
# the host's own log, and each message carries its type's severity and MSGID and the configured
# enterprise number. Exit 77 (skip) only when rsyslogd is missing.
set -u -o pipefail
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "SKIP: rsyslogd not installed"; exit 77; }
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
DRIVER=$BUILD_DIR/tests/integration/uplink_driver
HELPER=$BUILD_DIR/agent/uplink/portcullis-uplink
PC=$BUILD_DIR/agent/cli/portcullis
W=$(mktemp -d /tmp/pc-collector-XXXXXX)
chmod 755 "$W"
RPID=
cleanup() { [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fails=0
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    while ! "$@"; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.05; done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# test CA and collector certificate
mkdir -p "$W/pki" && cd "$W/pki" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
    -out ca.pem -days 2 -subj "/CN=Portcullis Test CA" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >ext &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout collector.key \
    -out collector.csr -subj "/CN=localhost" 2>/dev/null &&
openssl x509 -req -in collector.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out collector.pem \
    -days 2 -extfile ext 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
chmod 644 collector.key
cd - >/dev/null || exit 1

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/work" "$W/coll"
{
    echo "global(workDirectory=\"$W/work\")"
    echo 'template(name="meta" type="string" string="%syslogseverity% %msgid% %structured-data%\n")'
    sed -e "s|/etc/rsyslog/pki/|$W/pki/|g" -e "s|/var/log/portcullis-collector/|$W/coll/|g" \
        -e "s|port=\"2514\"|port=\"$PORT\" address=\"127.0.0.1\"|" \
        "$SOURCE_DIR/docs/collector/portcullis-collector.conf"
} >"$W/rsyslog.conf"
grep -q "port=\"$PORT\"" "$W/rsyslog.conf" && grep -q "$W/coll/" "$W/rsyslog.conf" ||
    { echo "FAIL: the documented configuration no longer has the port/paths this test rewrites"; exit 1; }
"$RSYSLOGD" -N1 -f "$W/rsyslog.conf" >"$W/check.log" 2>&1 || { cat "$W/check.log"; echo "FAIL: rsyslogd -N1 rejects the configuration"; exit 1; }
ok "rsyslogd -N1 accepts docs/collector/portcullis-collector.conf"
"$RSYSLOGD" -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" >"$W/rsyslog.log" 2>&1 &
RPID=$!
wait_for 20 port_open "$PORT" || { cat "$W/rsyslog.log"; echo "FAIL: rsyslogd did not start"; exit 1; }

# the records of one host, written by the real recorder (transfer, events_lost, tamper, ...)
"$BUILD_DIR/tests/integration/report_mkfleet" "$W/fleet" >/dev/null || { echo "FAIL: report_mkfleet"; exit 1; }
cat "$W/fleet/ws-01/incident.log" >"$W/ws-01.records"
"$DRIVER" --spool "$W/spool" --helper "$HELPER" --ca "$W/pki/ca.pem" --user nobody --protocol relp \
    --port "$PORT" --records "$W/ws-01.records" --enterprise-number 65500 --drain --timeout 60 >"$W/driver.log" 2>&1 ||
    { cat "$W/driver.log"; bad "uplink_driver did not deliver"; }
HOST=$(hostname)
OUT=$W/coll/$(printf %s "$HOST" | sed 's|/|_|g').jsonl
n=$(wc -l <"$W/ws-01.records")
wait_for 20 test "$(wc -l <"$OUT" 2>/dev/null || echo 0)" -ge "$n" || bad "only $(wc -l <"$OUT" 2>/dev/null) of $n lines arrived"
if cmp -s <(awk '!seen[$0]++' "$OUT") "$W/ws-01.records"; then
    ok "all $n records arrived byte for byte in $(basename "$OUT")"
else
    bad "the collector's lines differ from the incident log"; diff <(awk '!seen[$0]++' "$OUT" | cut -c1-120) <(cut -c1-120 "$W/ws-01.records") | head
fi

"$PC" report --format json "$W/fleet/ws-01" >"$W/direct.json"
"$PC" report --format json "$W/coll" >"$W/coll.json" || bad "report over the collector: exit $?"
filt='.hosts | map(del(.source, .duplicates, .records))'
if [ "$(jq -c "$filt" "$W/direct.json")" = "$(jq -c "$filt" "$W/coll.json")" ]; then
    ok "report over the collector = report over the host's log: $(jq -c '.hosts[0] | [.host, .events, .decisions, .transfer_bytes, .integrity]' "$W/coll.json")"
else
    bad "reports differ"; diff <(jq "$filt" "$W/direct.json") <(jq "$filt" "$W/coll.json") | head -20
fi
[ "$(jq -r '.hosts[0].integrity' "$W/coll.json")" = ok ] && ok "integrity ok on the collector" || bad "integrity not ok on the collector"

# severity and MSGID per type, and the enterprise number, as rsyslog parsed them
sed -i "s|action(type=\"omfile\" dynaFile=\"portcullis-file\"|action(type=\"omfile\" file=\"$W/meta.out\" template=\"meta\")\n        &|" "$W/rsyslog.conf"
kill "$RPID"; wait "$RPID" 2>/dev/null
"$RSYSLOGD" -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" >>"$W/rsyslog.log" 2>&1 &
RPID=$!
wait_for 20 port_open "$PORT" || { cat "$W/rsyslog.log"; echo "FAIL: rsyslogd restart"; exit 1; }
"$DRIVER" --spool "$W/spool2" --helper "$HELPER" --ca "$W/pki/ca.pem" --user nobody --protocol relp \
    --port "$PORT" --records "$W/ws-01.records" --enterprise-number 65500 --drain --timeout 60 >"$W/driver2.log" 2>&1 ||
    bad "second delivery"
wait_for 20 test "$(wc -l <"$W/meta.out" 2>/dev/null || echo 0)" -ge "$n"
for want in "1 tamper " "4 transfer_alert " "6 heartbeat " "5 device_decision " "6 device_decision " "5 policy_loaded "; do
    grep -q "^$want\[portcullis@65500 seq=\"[0-9]*\"\]$" "$W/meta.out" && ok "severity/MSGID/SD-ID: $want" || bad "no \"$want[portcullis@65500 ...]\" in $(sort -u "$W/meta.out" | cut -d' ' -f1,2 | sort -u | tr '\n' ';')"
done

[ $fails -eq 0 ] && echo "PASS: collector" || echo "FAILED: $fails check(s)"
[ $fails -eq 0 ]
