#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fleet-scale policy figures (issue 15), printed with the issue's ratios; never fails on timing.
# The policies are generated here (gen_fleet_policy.sh), signed with a key made here:
#   - portcullis policy verify vs openssl pkeyutl -verify -rawin on the same 100,000-rule file
#     (target: <= 5x the time, <= 64 MB peak);
#   - portcullis policy check on 12,500 and 100,000 rules (target: <= 12x);
#   - portcullis policy show, and policy diff of two 100,000-rule pushes (no target: figures);
#   - the same 100,000 sticks as one rule with a serial list;
#   - portcullisd with the 100,000-rule policy in force (under umockdev-run, no devices): VmRSS
#     after start, after ten SIGHUP reloads and after ten pushes of a new serial (target: <= 32 MB).
# Times are the best of a few runs by wall clock (like /usr/bin/time's %e, in ms), with the CPU
# time (user + system) of that run beside it: on a busy machine the wall clock of a 50 ms openssl
# run and of a longer one are disturbed differently. Peaks are /usr/bin/time's %M.
#
#   bench_fleet.sh BUILD_DIR      (BUILD_DIR/agent/cli/portcullis, .../agent/daemon/portcullisd)
set -eu

build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cli=$build/agent/cli/portcullis
agentd=$build/agent/daemon/portcullisd
gen=$here/gen_fleet_policy.sh
n=100000

for t in openssl awk /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "bench_fleet: $t not found, skipped"
		exit 0
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pc-bench-fleet.XXXXXX")
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# best ROUNDS CMD...: "ms cpu_ms kb" of the fastest run by wall clock (cpu: user + system of that
# run, which a busy machine disturbs less; kb: the largest peak seen)
best() {
	rounds=$1
	shift
	bms=
	bcpu=
	bkb=0
	b_i=0
	while [ "$b_i" -lt "$rounds" ]; do
		t0=$(now_ms)
		/usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
			echo "bench_fleet: failed: $*" >&2
			cat "$tmp/err" >&2
			return 1
		}
		t1=$(now_ms)
		ms=$((t1 - t0))
		cpu=$(tail -1 "$tmp/time" | awk '{ printf "%d", ($1 + $2) * 1000 }')
		kb=$(tail -1 "$tmp/time" | awk '{ print $3 }')
		if [ -z "$bms" ] || [ "$ms" -lt "$bms" ]; then
			bms=$ms
			bcpu=$cpu
		fi
		if [ "$kb" -gt "$bkb" ]; then bkb=$kb; fi
		b_i=$((b_i + 1))
	done
	echo "$bms $bcpu $bkb"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 1; printf "%.1f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mbd() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

"$gen" "$n" "$tmp/p100k"
"$gen" 12500 "$tmp/p12k"
"$gen" --list "$n" "$tmp/list"
size=$(wc -c <"$tmp/p100k/policy.conf")
lsize=$(wc -c <"$tmp/list/policy.conf")

p=$tmp/p100k
echo "bench_fleet: $n one-rule-per-device rules (issue 15 shape), $(mbd "$size") MB, signed"
echo "  (wall ms: best of several runs; cpu ms: user + system of that run)"
set -- $(best 5 openssl pkeyutl -verify -pubin -inkey "$p/keys/fleet.pem" -rawin \
	-in "$p/policy.conf" -sigfile "$p/policy.conf.sig")
o_ms=$1 o_cpu=$2 o_kb=$3
set -- $(best 5 "$cli" policy verify --keys "$p/keys" --no-owner-check --host bench \
	"$p/policy.conf")
v_ms=$1 v_cpu=$2 v_kb=$3
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "openssl pkeyutl -verify -rawin" "$o_ms" \
	"$o_cpu" "$o_kb"
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy verify" "$v_ms" "$v_cpu" \
	"$v_kb"
printf '    verify/openssl: %sx wall (target <= 5x); peak %s MB (target <= 64)\n' \
	"$(ratio "$v_ms" "$o_ms")" "$(mb "$v_kb")"

set -- $(best 3 "$cli" policy check "$tmp/p12k/policy.conf")
c12_ms=$1 c12_cpu=$2 c12_kb=$3
set -- $(best 3 "$cli" policy check "$tmp/p100k/policy.conf")
c100_ms=$1 c100_cpu=$2 c100_kb=$3
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy check (12,500)" "$c12_ms" \
	"$c12_cpu" "$c12_kb"
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy check (100,000)" \
	"$c100_ms" "$c100_cpu" "$c100_kb"
# /usr/bin/time counts CPU in 10 ms ticks: a ratio of two such counts means little below 50 ms
if [ "$c12_cpu" -ge 50 ]; then
	cpu_ratio="$(ratio "$c100_cpu" "$c12_cpu")x cpu"
else
	cpu_ratio="cpu of 12,500 below the 10 ms ticks' resolution"
fi
printf '    check(100,000)/check(12,500): %sx wall, %s (target <= 12x)\n' \
	"$(ratio "$c100_ms" "$c12_ms")" "$cpu_ratio"

# IT's review of a push: show and diff read the loaded policies, never a libconfig tree
mkdir -p "$tmp/p100k2"
cp "$tmp/p100k/fleet.key" "$tmp/p100k2/"
SERIAL=2 "$gen" "$n" "$tmp/p100k2"
set -- $(best 3 "$cli" policy show "$tmp/p100k/policy.conf")
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy show (100,000)" "$1" "$2" "$3"
set -- $(best 3 "$cli" policy diff "$tmp/p100k/policy.conf" "$tmp/p100k2/policy.conf")
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy diff (100,000 x2)" "$1" "$2" \
	"$3"

echo "  the same $n sticks as one rule with a serial list: $(mbd "$lsize") MB"
p=$tmp/list
set -- $(best 5 "$cli" policy verify --keys "$p/keys" --no-owner-check --host bench \
	"$p/policy.conf")
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy verify (list)" "$1" "$2" "$3"
set -- $(best 3 "$cli" policy check "$tmp/list/policy.conf")
printf '  %-34s %6d ms wall %6d ms cpu %8d KB\n' "portcullis policy check (list)" "$1" "$2" "$3"

# ---- portcullisd with the policy in force ----
if ! command -v umockdev-run >/dev/null 2>&1 || [ ! -x "$agentd" ]; then
	echo "  portcullisd: skipped (needs umockdev-run and $agentd)"
	exit 0
fi
d=$tmp/agent
mkdir -p "$d/sys" "$d/state" "$d/log" "$d/etc"
cp "$tmp/p100k/policy.conf" "$tmp/p100k/policy.conf.sig" "$d/etc/"
printf 'agent = {\n  keys_dir = "%s";\n  sysfs_root = "%s";\n};\n' "$tmp/p100k/keys" "$d/sys" \
	>"$d/portcullisd.conf"

status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# waits until the agent has used no CPU for 0.5 s (a reload done), at most 60 s
settle() {
	last=-1
	s_i=0
	while [ "$s_i" -lt 120 ]; do
		c=$(cpu "$1")
		[ "$c" = "$last" ] && return 0
		last=$c
		sleep 0.5
		s_i=$((s_i + 1))
	done
}
# waits for a line in the agent's output, at most 60 s
wait_for() {
	w_i=0
	while [ "$w_i" -lt 600 ]; do
		grep -q "$1" "$d/out" && return 0
		sleep 0.1
		w_i=$((w_i + 1))
	done
	echo "bench_fleet: portcullisd never said '$1'" >&2
	return 1
}

# the same agent with the built-in default policy (no policy file), for comparison
mkdir -p "$d/state0" "$d/log0"
umockdev-run -- sh -c 'echo $$ >"$0"; exec "$@"' "$d/pid" "$agentd" --foreground \
	--config "$d/portcullisd.conf" --policy "$d/none/policy.conf" --state-dir "$d/state0" \
	--log-dir "$d/log0" --no-owner-check >"$d/out" 2>&1 &
daemon_pid=$!
wait_for "in force"
settle "$(cat "$d/pid")"
rss_builtin=$(status "$(cat "$d/pid")" VmRSS)
kill "$(cat "$d/pid")"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=

umockdev-run -- sh -c 'echo $$ >"$0"; exec "$@"' "$d/pid" "$agentd" --foreground \
	--config "$d/portcullisd.conf" --policy "$d/etc/policy.conf" --state-dir "$d/state" \
	--log-dir "$d/log" --no-owner-check >"$d/out" 2>&1 &
daemon_pid=$!
wait_for "serial 1, file) in force"
pid=$(cat "$d/pid")
settle "$pid"
rss0=$(status "$pid" VmRSS)
hwm0=$(status "$pid" VmHWM)
i=0
while [ "$i" -lt 10 ]; do
	kill -HUP "$pid"
	sleep 0.2
	settle "$pid"
	i=$((i + 1))
done
rss1=$(status "$pid" VmRSS)
mkdir -p "$tmp/push"
cp "$tmp/p100k/fleet.key" "$tmp/push/" # the same signing key
i=2
while [ "$i" -le 11 ]; do
	SERIAL=$i "$gen" "$n" "$tmp/push"
	mv "$tmp/push/policy.conf.sig" "$d/etc/.policy.conf.sig.new"
	mv "$tmp/push/policy.conf" "$d/etc/.policy.conf.new"
	mv "$d/etc/.policy.conf.new" "$d/etc/policy.conf"
	mv "$d/etc/.policy.conf.sig.new" "$d/etc/policy.conf.sig"
	wait_for "serial $i, file) in force"
	settle "$pid"
	i=$((i + 1))
done
rss2=$(status "$pid" VmRSS)
hwm2=$(status "$pid" VmHWM)
echo "  portcullisd with the $n-rule policy in force (no devices, umockdev-run;" \
	"with the built-in policy it holds $(mb "$rss_builtin") MB):"
printf '    VmRSS after start %s MB, after 10 reloads %s MB, after 10 pushes of a new serial %s MB (target <= 32)\n' \
	"$(mb "$rss0")" "$(mb "$rss1")" "$(mb "$rss2")"
printf '    VmHWM after start %s MB, at the end %s MB\n' "$(mb "$hwm0")" "$(mb "$hwm2")"
