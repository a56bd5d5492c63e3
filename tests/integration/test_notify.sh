#!/bin/sh
# "portcullis status" and "portcullis notify" against temporary run directories holding a
# last-refusal written by the agent's own status_write_last_refusal(), on a private dbus-daemon
# with a fake notification service (and a fake systemd unit state): the Notify call's app name,
# summary and body; the console fallback without a bus or service; hostile device strings;
# refused files (malformed, oversized, symlink, FIFO, foreign owner); the inotify watcher; the
# agent's status file (policy line, mode, the pid fallback without systemd) and its list of recent
# refusals, and refused versions of both.
# Usage: test_notify.sh PORTCULLIS WRITE-REFUSAL FAKE-BUS
set -eu

PC=$1 WR=$2 FAKE=$3
command -v dbus-daemon >/dev/null || { echo "dbus-daemon missing (Debian package dbus-daemon)" >&2; exit 1; }

WORK=$(mktemp -d)
BUS_PID= FAKE_PID= WATCH_PID= AGENT_PID=
cleanup() {
	for p in $WATCH_PID $FAKE_PID $BUS_PID $AGENT_PID; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
FAILS=0 CHECKS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# wait_for FILE PATTERN [COUNT]: until FILE has COUNT (default 1) lines matching PATTERN; 20 s.
wait_for() {
	n=0
	while :; do
		c=$(grep -c -- "$2" "$1" 2>/dev/null) || true # no file yet: 0
		[ "${c:-0}" -lt "${3:-1}" ] || return 0
		n=$((n + 1))
		[ $n -le 400 ] || return 1
		sleep 0.05
	done
}

# run NAME WANT-RC CMD...: stdout in $WORK/out, stderr in $WORK/err
run() {
	name=$1 want=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	set +e
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || { fail "$name: exit $rc, want $want"; cat "$WORK/out" "$WORK/err" >&2; }
}
# has NAME FILE FIXED-STRING / hasnt NAME FILE FIXED-STRING
has() {
	CHECKS=$((CHECKS + 1))
	grep -qF -- "$3" "$2" || { fail "$1: no '$3' in:"; cat "$2" >&2; }
}
hasnt() {
	CHECKS=$((CHECKS + 1))
	! grep -qF -- "$3" "$2" || { fail "$1: unexpected '$3' in:"; cat "$2" >&2; }
}

# A private bus without service activation (no real notification daemon can be started).
cat >"$WORK/bus.conf" <<CONF
<busconfig>
  <type>session</type>
  <listen>unix:dir=$WORK</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$WORK/bus.conf" --fork --print-address=3 --print-pid=4 \
	3>"$WORK/bus.addr" 4>"$WORK/bus.pid"
BUS_PID=$(cat "$WORK/bus.pid")
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$WORK/bus.addr")
DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS # the fake systemd lives there too
XDG_RUNTIME_DIR=$WORK/xdg
mkdir -m 0700 "$XDG_RUNTIME_DIR"
export DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS XDG_RUNTIME_DIR

NOTES=$WORK/notes
: >"$NOTES"
# fake_start [UNIT-STATE] / fake_stop
fake_start() {
	: >"$WORK/fake.out"
	"$FAKE" "$NOTES" "$@" >"$WORK/fake.out" &
	FAKE_PID=$!
	wait_for "$WORK/fake.out" ready || { fail "fake bus service did not start"; exit 1; }
}
fake_stop() {
	kill "$FAKE_PID"
	wait "$FAKE_PID" 2>/dev/null || true
	FAKE_PID=
}

RD=$WORK/run
mkdir "$RD"
MSG="USB storage device 'SanDisk Cruzer Blade' (0781:5567) on port 1-2 was blocked: mass storage is not allowed on this workstation (rule: default). Ask IT if you need it."

# --- agent state -------------------------------------------------------------------------
run "status, no systemd on the bus" 0 "$PC" status --run-dir "$RD"
has "status unknown" "$WORK/out" "Portcullis agent state is unknown"
has "status no refusal" "$WORK/out" "No USB device has been refused since the agent started."

for st in inactive failed not-found active activating; do
	fake_start "$st"
	run "status $st" 0 "$PC" status --run-dir "$RD"
	case $st in
	inactive) has "$st" "$WORK/out" "Portcullis agent is not running: new USB devices stay blocked until it starts." ;;
	failed) has "$st" "$WORK/out" "Portcullis agent is not running (it failed)" ;;
	not-found) has "$st" "$WORK/out" "Portcullis agent is not installed" ;;
	active) has "$st" "$WORK/out" "Portcullis agent is running" ;;
	activating) has "$st" "$WORK/out" "Portcullis agent is starting" ;;
	esac
	fake_stop
done

# --- a refusal in the agent's format --------------------------------------------------------
fake_start active
"$WR" "$RD" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
run "status with a refusal" 0 "$PC" status --run-dir "$RD"
has "status message" "$WORK/out" "$MSG"
has "status running" "$WORK/out" "Portcullis agent is running"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then # works for any user
	chmod 0755 "$WORK"
	run "status as nobody" 0 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$PC" status --run-dir "$RD"
	has "status as nobody" "$WORK/out" "$MSG"
	chmod 0700 "$WORK"
fi
run "status --json" 0 "$PC" status --json --run-dir "$RD"
CHECKS=$((CHECKS + 1))
python3 - "$WORK/out" "$MSG" <<'PY' || fail "status --json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["agent"]["state"] == "running" and j["agent"]["running"] is True, j["agent"]
l = j["last_refusal"]
assert l["message"] == sys.argv[2], l["message"]
assert (l["port"], l["id"], l["manufacturer"], l["product"], l["verdict"]) == \
    ("1-2", "0781:5567", "SanDisk", "Cruzer Blade", "block"), l
assert l["reason"] == "mass-storage blocked by rule 'default'", l["reason"]
assert j["policy"] is None and j["mode"] is None
r = j["recent_refusals"]
assert len(r) == 1 and r[0]["message"] == sys.argv[2], r
PY

run "notify --once over D-Bus" 0 "$PC" notify --once --run-dir "$RD"
CHECKS=$((CHECKS + 1))
wait_for "$NOTES" '^end$' 1 || fail "no Notify call arrived"
has "Notify app" "$NOTES" "app=Portcullis"
has "Notify summary" "$NOTES" "summary=USB device blocked"
has "Notify body" "$NOTES" "body=$MSG"
hasnt "no console fallback with a service" "$WORK/err" "Portcullis: USB device blocked"

# Several kinds, partial verdict, several rules, charging only is worded too.
"$WR" "$RD" 3-1.4 18d1 4ee7 Google "Pixel 7" partial mtp,adb -
run "status partial" 0 "$PC" status --run-dir "$RD"
has "partial wording" "$WORK/out" "USB device 'Google Pixel 7' (18d1:4ee7) on port 3-1.4 was partly blocked: phone file transfer (MTP) and Android debugging (ADB) are not allowed on this workstation (several rules). Ask IT if you need it."

# Hostile device strings: escaped by the agent, escaped again for the terminal, markup-escaped
# for the notification body.
ESC=$(printf '\033')
NL='
'
"$WR" "$RD" 1-3 dead beef "Evil\"<b>&${ESC}[31m" "x${NL}y\\$(printf '\377')z" block mass-storage "r<1>"
CHECKS=$((CHECKS + 1))
python3 - "$RD/last-refusal" <<'PY' || fail "agent's file is not escaped printable ASCII"
import sys
b = open(sys.argv[1], "rb").read()
assert b.endswith(b"\n") and all(0x20 <= c < 0x7f for c in b[:-1]), b
assert b"\\u001b" in b and b"\\\\xff" in b and b"\\u000a" in b, b
PY
run "status hostile" 0 "$PC" status --run-dir "$RD"
has "hostile escaped" "$WORK/out" "USB storage device 'Evil\\x22<b>&\\x1b[31m x\\x0ay\\x5c\\x5cxffz' (dead:beef) on port 1-3 was blocked: mass storage is not allowed on this workstation (rule: r<1>)."
CHECKS=$((CHECKS + 1))
! grep -q "$ESC" "$WORK/out" || fail "raw ESC reached the terminal"
: >"$NOTES"
run "notify hostile" 0 "$PC" notify --once --run-dir "$RD"
wait_for "$NOTES" '^end$' 1 || fail "no Notify call for the hostile device"
has "hostile markup" "$NOTES" "body=USB storage device 'Evil\\x22&lt;b&gt;&amp;\\x1b[31m x\\x0ay\\x5c\\x5cxffz' (dead:beef) on port 1-3 was blocked: mass storage is not allowed on this workstation (rule: r&lt;1&gt;)."

# --- console fallback -------------------------------------------------------------------------
"$WR" "$RD" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
fake_stop
run "notify, bus but no notification service" 0 "$PC" notify --once --run-dir "$RD"
has "fallback message" "$WORK/err" "Portcullis: USB device blocked: $MSG"
has "fallback why" "$WORK/err" "no notification service"
run "notify, no session bus" 0 env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$WORK/nowhere" \
	"$PC" notify --once --run-dir "$RD"
has "no bus message" "$WORK/err" "Portcullis: USB device blocked: $MSG"
has "no bus why" "$WORK/err" "no session bus"
run "notify --console" 0 "$PC" notify --once --console --run-dir "$RD"
has "console" "$WORK/err" "Portcullis: USB device blocked: $MSG"
run "notify, nothing refused" 0 "$PC" notify --once --run-dir "$WORK/empty-does-not-exist"
has "nothing refused" "$WORK/out" "No USB device has been refused"

# --- the agent's status file and recent refusals; the pid fallback without systemd ----------------
# (the fake systemd is stopped here: the bus answers, systemd does not)
RD2=$WORK/run2
mkdir "$RD2"
cp "$(command -v sleep)" "$WORK/portcullisd" # a process named like the agent
"$WORK/portcullisd" 300 &
AGENT_PID=$!
run "status, no status file" 0 "$PC" status --run-dir "$RD2"
has "not reported" "$WORK/out" "Policy and mode: not reported by the agent"
hasnt "no list" "$WORK/out" "Recent refusals"
"$WR" --status "$RD2" "$AGENT_PID" policy.conf 7 it-2026 file enforce 0
"$WR" "$RD2" 3-1.4 18d1 4ee7 Google "Pixel 7" partial mtp,adb -
"$WR" "$RD2" 1-3 dead beef Acme Phone block mtp phones
"$WR" "$RD2" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
run "status with the agent's status" 0 "$PC" status --run-dir "$RD2"
has "policy line" "$WORK/out" "Policy: policy.conf (serial 7, key it-2026, from file), mode: enforce"
has "pid fallback" "$WORK/out" "Portcullis agent is running"
has "pid detail" "$WORK/out" "portcullisd (pid $AGENT_PID, from the status file) is running"
has "recent header" "$WORK/out" "Recent refusals (newest first):"
CHECKS=$((CHECKS + 1))
sed -n '/^Recent refusals/,$p' "$WORK/out" | sed 's/.*on port \([^ ]*\) .*/\1/' | tr '\n' ' ' >"$WORK/order"
[ "$(cat "$WORK/order")" = "Recent refusals (newest first): 1-2 1-3 3-1.4 " ] || fail "recent refusals order: $(cat "$WORK/order")"
has "recent message" "$WORK/out" "$MSG"
run "status --json with the agent's status" 0 "$PC" status --json --run-dir "$RD2"
CHECKS=$((CHECKS + 1))
python3 - "$WORK/out" "$AGENT_PID" "$MSG" <<'PY' || fail "status --json: policy, mode, recent refusals"
import json, sys
j = json.load(open(sys.argv[1]))
a = j["agent"]
assert a["state"] == "running" and a["pid"] == int(sys.argv[2]) and a["pid_alive"] is True, a
p = j["policy"]
assert (p["name"], p["serial"], p["key_id"], p["source"], p["not_after"]) == \
    ("policy.conf", 7, "it-2026", "file", None), p
assert p["sha256"] == "deadbeef" + "0" * 56, p["sha256"]
assert j["mode"] == "enforce" and j["mode_forced"] is False, j
r = j["recent_refusals"]
assert [x["port"] for x in r] == ["1-2", "1-3", "3-1.4"], r
assert r[0]["message"] == sys.argv[3] and r[1]["reason"] == "mtp blocked by rule 'phones'", r
PY
# Forced audit, unsigned, kept after a rejected reload; the agent gone.
"$WR" --status "$RD2" "$AGENT_PID" "evil${ESC}[31m.conf" 8 - current audit 1
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
run "status, agent gone" 0 "$PC" status --run-dir "$RD2"
has "forced audit" "$WORK/out" 'Policy: evil\x1b[31m.conf (serial 8, key none, from current), mode: audit (forced)'
CHECKS=$((CHECKS + 1))
! grep -q "$ESC" "$WORK/out" || fail "raw ESC from the policy name reached the terminal"
has "agent gone" "$WORK/out" "Portcullis agent state is unknown"
has "agent gone detail" "$WORK/out" "portcullisd (pid $AGENT_PID, from the status file) is not running"
# A live process that is not the agent (a reused pid) does not count.
sleep 300 &
AGENT_PID=$!
"$WR" --status "$RD2" "$AGENT_PID" policy.conf 9 - file enforce 0
run "status, pid reused" 0 "$PC" status --run-dir "$RD2"
has "pid reused" "$WORK/out" "Portcullis agent state is unknown"
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
AGENT_PID=
# The list keeps the newest ten.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$WR" "$RD2" "2-$i" 1111 2222 Acme "Stick $i" block mass-storage default
done
CHECKS=$((CHECKS + 1))
[ "$(wc -l <"$RD2/refusals")" -eq 10 ] || fail "refusals file not capped at 10: $(wc -l <"$RD2/refusals")"
run "status, ten recent" 0 "$PC" status --run-dir "$RD2"
CHECKS=$((CHECKS + 1))
[ "$(sed -n '/^Recent refusals/,$p' "$WORK/out" | grep -c 'on port 2-')" -eq 10 ] || fail "not ten recent refusals shown"
has "newest of ten" "$WORK/out" "on port 2-12 was blocked"
hasnt "oldest dropped" "$WORK/out" "on port 2-2 was blocked"
# Refused status and refusals files: said so, nothing from them shown.
bad_status() {
	run "status: status file $1" 0 "$PC" status --run-dir "$RD2"
	has "status file $1" "$WORK/out" "The status file in $RD2 is not usable: $2."
	hasnt "status file $1 not shown" "$WORK/out" "Policy: "
}
printf 'garbage' >"$RD2/status"
bad_status "malformed" "not valid JSON"
printf '{"pid":1,"started":"t","policy":{"name":"p","serial":1,"key_id":null,"sha256":"%064d","not_after":null,"source":"usb"},"mode":"enforce","mode_forced":false}\n' 0 >"$RD2/status"
bad_status "unknown source" "unknown policy source"
python3 -c 'import sys; sys.stdout.write("{\"pid\":\"" + "1" * 5000 + "\"}")' >"$RD2/status"
bad_status "oversized" "refused: larger than 4 KiB"
"$WR" --status "$WORK" 1 policy.conf 1 - file enforce 0
rm -f "$RD2/status"
ln -s "$WORK/status" "$RD2/status"
bad_status "symlink" "refused: it is a symbolic link"
rm -f "$RD2/status"
if [ "$(id -u)" -eq 0 ]; then
	"$WR" --status "$RD2" 1 policy.conf 1 - file enforce 0
	chown nobody "$RD2/status"
	bad_status "foreign owner" "refused: not owned by root (not written by the agent)"
	rm -f "$RD2/status"
fi
printf '{"time":"t"}\n' >>"$RD2/refusals"
run "status: refusals file malformed" 0 "$PC" status --run-dir "$RD2"
has "refusals malformed" "$WORK/out" "The refusals file in $RD2 is not usable: line 11: missing field 'device'."
hasnt "refusals malformed not shown" "$WORK/out" "Recent refusals"
mv "$RD2/refusals" "$WORK/refusals"
ln -s "$WORK/refusals" "$RD2/refusals"
run "status: refusals symlink" 0 "$PC" status --run-dir "$RD2"
has "refusals symlink" "$WORK/out" "The refusals file in $RD2 is not usable: refused: it is a symbolic link."
run "status --json: refused files" 0 "$PC" status --json --run-dir "$RD2"
CHECKS=$((CHECKS + 1))
python3 - "$WORK/out" <<'PY' || fail "status --json: refused files"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["policy"] is None and j["mode"] is None and j["recent_refusals"] is None, j
assert j["refusals_error"] == "refused: it is a symbolic link", j
PY

# --- refused files ----------------------------------------------------------------------------
# bad NAME EXPECTED-REASON: notify --once exits 1 and says why; status still exits 0.
bad() {
	run "notify --once: $1" 1 "$PC" notify --once --console --run-dir "$RD"
	has "$1" "$WORK/err" "ignoring $RD/last-refusal: $2"
	hasnt "$1 not shown" "$WORK/err" "USB device blocked"
	run "status: $1" 0 "$PC" status --run-dir "$RD"
	has "status $1" "$WORK/out" "is not usable: $2"
}
printf 'not json at all' >"$RD/last-refusal"
bad "malformed" "not valid JSON"
printf '{"time":"t","device":"1-2","id":"0781:5567","manufacturer":"","product":"","verdict":"block"}\n' >"$RD/last-refusal"
bad "missing field" "missing field 'reason'"
printf '{"time":"t","device":"1-2","id":"0781:5567","manufacturer":"","product":"","verdict":"allow","reason":"x"}\n' >"$RD/last-refusal"
bad "verdict" "unknown verdict"
printf '{"time":"t","device":"1-2","id":"0781:5567","manufacturer":"","product":1,"verdict":"block","reason":"x"}\n' >"$RD/last-refusal"
bad "number" "not a string: field 'product'"
printf '{"time":"t","device":"1-2","id":"0781:5567","manufacturer":"a\\u0000b","product":"","verdict":"block","reason":"x"}\n' >"$RD/last-refusal"
bad "NUL" "NUL character in field 'manufacturer'"
python3 -c 'import sys; sys.stdout.write("{\"reason\":\"" + "A" * 20000 + "\"}")' >"$RD/last-refusal"
bad "oversized" "refused: larger than 16 KiB"
"$WR" "$WORK" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
rm -f "$RD/last-refusal"
ln -s "$WORK/last-refusal" "$RD/last-refusal"
bad "symlink" "refused: it is a symbolic link"
rm -f "$RD/last-refusal"
mkfifo "$RD/last-refusal"
bad "FIFO" "refused: not a regular file"
rm -f "$RD/last-refusal"
if [ "$(id -u)" -eq 0 ]; then
	"$WR" "$RD" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
	chown nobody "$RD/last-refusal"
	bad "foreign owner" "refused: not owned by root"
	rm -f "$RD/last-refusal"
fi

# --- the watcher ------------------------------------------------------------------------------
fake_start
: >"$NOTES"
"$WR" "$RD" 9-9 1111 2222 Old "Old Stick" block mass-storage default # from before the session
"$PC" notify --run-dir "$RD" 2>"$WORK/watch.err" &
WATCH_PID=$!
CHECKS=$((CHECKS + 1))
wait_for "$WORK/watch.err" "watching $RD" || fail "watcher did not start"
# (timeout: without the session lock this one would watch forever)
run "second notifier in the session" 0 timeout 20 "$PC" notify --run-dir "$RD"
has "single instance" "$WORK/err" "already running in this session"
"$WR" "$RD" 1-2 0781 5567 SanDisk "Cruzer Blade" block mass-storage default
CHECKS=$((CHECKS + 1))
wait_for "$NOTES" '^end$' 1 || fail "watcher: no notification for a new refusal"
has "watcher body" "$NOTES" "body=$MSG"
hasnt "old refusal not shown" "$NOTES" "Old Stick"
# A broken file is reported once and does not stop the watcher.
printf 'garbage' >"$RD/.tmp" && mv "$RD/.tmp" "$RD/last-refusal"
CHECKS=$((CHECKS + 1))
wait_for "$WORK/watch.err" "ignoring $RD/last-refusal: not valid JSON" || fail "watcher: broken file not reported"
# The agent stops (run directory removed) and starts again.
rm -rf "$RD"
mkdir "$RD"
"$WR" "$RD" 2-1 abcd 0001 Acme "Phone" block mtp phones
CHECKS=$((CHECKS + 1))
wait_for "$NOTES" '^end$' 2 || fail "watcher: no notification after the run directory came back"
has "watcher after restart" "$NOTES" "(abcd:0001) on port 2-1 was blocked: phone file transfer (MTP) is not allowed on this workstation (rule: phones)"
CHECKS=$((CHECKS + 1))
kill -0 "$WATCH_PID" || fail "watcher died"
kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null || true
WATCH_PID=
CHECKS=$((CHECKS + 1))
[ "$(grep -c '^end$' "$NOTES")" -eq 2 ] || fail "watcher: duplicate or missing notifications: $(grep -c '^end$' "$NOTES")"

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
