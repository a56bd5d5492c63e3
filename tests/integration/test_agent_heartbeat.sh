#!/bin/sh
# The heartbeat of portcullisd itself (the timer lives in the daemon's main, not in the agent
# library): run the binary under umockdev for a few seconds with uplink.heartbeat_sec = 1, stop it
# with SIGTERM, and find in the incident log at least two heartbeats after agent_started, each
# with the hash-chain head and the spool depth. The daemon's run directory is /run/portcullis:
# the test runs in a private mount namespace with a tmpfs there (root only; skips otherwise).
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
    echo "SKIP: needs root and mount namespaces"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 0
} >"$tmp/bed.umockdev"
printf 'uplink = {\n  heartbeat_sec = 1;\n};\n' >"$tmp/portcullisd.conf"

unshare -m --propagation private sh -c '
  mount -t tmpfs tmpfs /run && mkdir /run/portcullis || exit 1
  umockdev-run -d "$2/bed.umockdev" -- timeout -s TERM 4.5 \
      "$1/agent/daemon/portcullisd" --foreground --config "$2/portcullisd.conf" \
      --no-owner-check --policy "$2/policy.conf" --state-dir "$2/state" --log-dir "$2/log"
  rc=$?
  [ "$rc" = 124 ] || { echo "portcullisd exited $rc before SIGTERM"; exit 1; }' \
    sh "$BUILD_DIR" "$tmp" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" "$tmp/out"; exit 1; }

python3 - "$tmp/log" <<'PY' || { cat "$tmp/err"; exit 1; }
import json, os, re, sys
d = sys.argv[1]
with open(os.path.join(d, "incident.log")) as f:
    recs = [json.loads(l) for l in f if l.strip()]
types = [r["type"] for r in recs]
print("records:", types)
assert types[-1] == "agent_stopping", types
beats = [r for r in recs[types.index("agent_started"):] if r["type"] == "heartbeat"]
assert len(beats) >= 2, "fewer than two heartbeats in 4.5 s"
for b in beats:
    assert re.fullmatch(r"[0-9a-f]{64}", b["chain_head"] or ""), b
    assert isinstance(b["spool_depth"], int), b
    assert b["chain_head"] == b["prev"], "chain_head is not the head before the heartbeat"
    assert b["policy"]["name"] == "built-in default", b
print("PASS")
PY
