#!/bin/sh
# The operator's language: the refusal notice ("portcullis notify --once --console") in
# ja_JP.UTF-8 and C, with the policy's "ask IT" contact; the exception commands' messages; and
# the catalog is complete: every message marked in agent/po/POTFILES has a Japanese translation.
# Env (set by ctest): BUILD_DIR, SOURCE_DIR.
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
PC="$BUILD_DIR/agent/cli/portcullis"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
export PORTCULLIS_LOCALEDIR="$BUILD_DIR/locale"

# 1. completeness: extract the messages again and merge: nothing untranslated or fuzzy
cd "$SOURCE_DIR"
xgettext --from-code=UTF-8 -k_ -kN_ -o "$W/now.pot" -f agent/po/POTFILES
msgmerge -q --no-fuzzy-matching -o "$W/ja.po" agent/po/ja.po "$W/now.pot"
stats=$(msgfmt -c --statistics -o /dev/null "$W/ja.po" 2>&1)
echo "$stats" | grep -q "untranslated\|fuzzy" && fail "catalog incomplete: $stats"
cd - >/dev/null

# 2. the notice, from a last-refusal record as the agent writes it (with a contact)
mkdir "$W/run"
printf '%s\n' '{"time":"2027-01-15T08:00:00Z","device":"1-2","id":"0781:5567","manufacturer":"SanDisk","product":"Cruzer Blade","verdict":"block","reason":"mass-storage blocked by rule '"'"'no-storage'"'"'","contact":"IT service desk, +81 3-1234-5678"}' >"$W/run/last-refusal"
has_locale=$(locale -a 2>/dev/null | grep -ix 'ja_JP.utf8' || true)
[ -n "$has_locale" ] || { echo "ja_JP.UTF-8 not generated (scripts/install-deps.sh)"; exit 77; }
LC_ALL=ja_JP.UTF-8 "$PC" notify --once --console --run-dir "$W/run" 2>"$W/ja.txt" || true
grep -qF 'Portcullis: USB 機器がブロックされました: USB 記憶装置「SanDisk Cruzer Blade」(0781:5567、ポート 1-2) はブロックされました: USB メモリなどの記憶装置はこの端末では使用できません (ルール: no-storage)。必要な場合は IT 担当に連絡してください: IT service desk, +81 3-1234-5678。' "$W/ja.txt" ||
	{ cat "$W/ja.txt"; fail "Japanese notice"; }
LC_ALL=C "$PC" notify --once --console --run-dir "$W/run" 2>"$W/c.txt" || true
grep -qF "Portcullis: USB device blocked: USB storage device 'SanDisk Cruzer Blade' (0781:5567) on port 1-2 was blocked: mass storage is not allowed on this workstation (rule: no-storage). Ask IT if you need it: IT service desk, +81 3-1234-5678." "$W/c.txt" ||
	{ cat "$W/c.txt"; fail "English notice"; }
# a language without a catalog falls back to English
LC_ALL=C.UTF-8 LANGUAGE=fr "$PC" notify --once --console --run-dir "$W/run" 2>"$W/fr.txt" || true
grep -qF "USB device blocked" "$W/fr.txt" || fail "English fallback"

# 3. "portcullis status": its sentences and the refusal line
LC_ALL=ja_JP.UTF-8 "$PC" status --run-dir "$W/run" >"$W/st-ja.txt" 2>&1 || true
grep -qF "最後にブロックされた USB 機器 (2027-01-15T08:00:00Z):" "$W/st-ja.txt" ||
	{ cat "$W/st-ja.txt"; fail "Japanese status"; }
grep -qF "USB メモリなどの記憶装置はこの端末では使用できません" "$W/st-ja.txt" || fail "Japanese status refusal"
LC_ALL=C "$PC" status --run-dir "$W/run" >"$W/st-c.txt" 2>&1 || true
grep -qF "Last refused USB device, at 2027-01-15T08:00:00Z:" "$W/st-c.txt" ||
	{ cat "$W/st-c.txt"; fail "English status"; }

# 4. the exception commands speak it too
set +e
LC_ALL=ja_JP.UTF-8 "$PC" exception request --device 1-2 --socket "$W/none" 2>"$W/e.txt"
set -e
grep -qF "エージェントに接続できません" "$W/e.txt" || { cat "$W/e.txt"; fail "Japanese exception message"; }
echo PASS
