#!/bin/bash
# portcullisd (not in the foreground) sends each incident event to the journal with structured
# fields: MESSAGE_ID per type, PRIORITY, PORTCULLIS_*. There is no journald here: in a private
# mount namespace a tmpfs over /run holds /run/systemd/journal/socket, where journal-fields.py
# receives journald's native protocol. The agent runs --once, --audit, under umockdev with a
# USB stick and a keyboard. Skips (77) without root or umockdev-run.
set -u -o pipefail
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a mount namespace"; exit 77; }
command -v umockdev-run >/dev/null || { echo "SKIP: umockdev-run not installed"; exit 77; }
W=$(mktemp -d /tmp/pc-journal-XXXXXX)
trap 'rm -rf "$W"' EXIT
. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2 "Cruzer Blade"
    bed_iface 1-2 0 08 06 50
} >"$W/bed.umockdev"
unshare -m --propagation private bash -c '
    mount -t tmpfs tmpfs /run || exit 77
    mkdir -p /run/systemd/journal
    /usr/bin/python3 "$1/tests/integration/journal-fields.py" /run/systemd/journal/socket "$3/journal.jsonl" &
    rx=$!
    for i in $(seq 100); do [ -e "$3/journal.jsonl.ready" ] && break; sleep 0.05; done
    umockdev-run -d "$3/bed.umockdev" -- "$2/agent/daemon/portcullisd" --once --audit \
        --config "$3/none.conf" --no-owner-check --policy "$3/none.policy" \
        --state-dir "$3/state" --log-dir "$3/log" >"$3/agent.out" 2>&1
    rc=$?
    sleep 0.3
    kill $rx
    exit $rc' sh "$SOURCE_DIR" "$BUILD_DIR" "$W"
rc=$?
[ $rc -eq 77 ] && { echo "SKIP: cannot mount a tmpfs in a mount namespace"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: portcullisd exit $rc"; cat "$W/agent.out"; exit 1; }
/usr/bin/python3 - "$W/journal.jsonl" "$W/log/incident.log" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
recs = [json.loads(l) for l in open(sys.argv[2])]
fail = 0
def check(what, ok):
    global fail
    print(("PASS: " if ok else "FAIL: ") + what)
    fail |= not ok
ev = [m for m in msgs if "PORTCULLIS_TYPE" in m]
check("every record has its journal message (%d records, %d messages)" % (len(recs), len(ev)),
      sorted(int(m["PORTCULLIS_SEQ"]) for m in ev if "PORTCULLIS_SEQ" in m) == [r["seq"] for r in recs])
stick = [m for m in ev if m.get("PORTCULLIS_TYPE") == "device_decision" and m.get("PORTCULLIS_VENDOR_ID") == "0781"]
check("the stick's decision: structured fields", len(stick) == 1 and
      stick[0].get("MESSAGE_ID") == "0683ef507cab4817b0b574a09767cbcc" and
      stick[0].get("PORTCULLIS_PRODUCT_ID") == "5567" and
      stick[0].get("PORTCULLIS_OUTCOME") == "audit_block" and
      stick[0].get("PORTCULLIS_VERDICT") == "block" and
      stick[0].get("PORTCULLIS_POLICY_MODE") == "audit" and
      stick[0].get("PORTCULLIS_KINDS") == "mass-storage" and
      stick[0].get("PRIORITY") == "5" and
      "would block (audit)" in stick[0].get("MESSAGE", ""))
started = [m for m in ev if m.get("PORTCULLIS_TYPE") == "agent_started"]
check("agent_started has its own MESSAGE_ID", len(started) == 1 and
      started[0].get("MESSAGE_ID") == "3f6f790c5a894d6db002b4fce499c1fc")
ids = {m["PORTCULLIS_TYPE"]: m.get("MESSAGE_ID") for m in ev}
check("one MESSAGE_ID per type (%s)" % ids, len(set(ids.values())) == len(ids) and None not in ids.values())
if fail:
    print(json.dumps(ev, indent=1))
sys.exit(fail)
PY
