#!/bin/sh
# retry-on-crash.sh CHECK_SUITE [ARGS...]
#
# Runs a Check suite once more when it died of a signal, never when a check failed. For the
# suites that churn thousands of emulated devices: umockdev 0.17's preload library keeps its
# table of file descriptors without a lock, and umockdev's own thread (serving the device nodes)
# races the test's thread under that churn: about one run in fifteen of check_agent_burst
# aborted in "libumockdev-preload fd_map_remove(): did not find fd" or crashed inside it.
#
# CK_FORK=no: one process, so a crash ends it with the signal's status (Check in fork mode
# reports it as a failed test, status 1). A failed check (status 1), a sanitizer report and a
# second crash all fail the test.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() {
	CK_FORK=no "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	return $rc
}
run "$@"
rc=$?
if [ $rc -le 128 ] || grep -q 'Sanitizer\|runtime error' "$out"; then
	exit $rc
fi
echo "retry-on-crash: $1 died of signal $((rc - 128)) (the umockdev preload race above?): once more"
run "$@"
