#!/bin/sh
# Fails when a file under policy/ (the pure lower floor) includes a header from agent/ (the
# workstation side), names an agent library in its CMake files, or includes a header by a path
# that leaves policy/ ("../"). Usage: layering.sh SOURCE_DIR
set -eu
src=${1:?usage: layering.sh SOURCE_DIR}
[ -d "$src/policy" ] || { echo "layering: no $src/policy"; exit 1; }
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](agent/|\.\./)' "$src/policy" \
      --include='*.c' --include='*.h' --include='*.in' || true)
libs=$(grep -rnE '\b(pc_agent|pc_sysfs|pc_events|pc_event_codec|pc_uplink|pc_uplink_core|pc_notify)\b' \
       "$src/policy" --include=CMakeLists.txt || true)
if [ -n "$bad$libs" ]; then
    echo "layering: policy/ must not depend on agent/:"
    [ -z "$bad" ] || echo "$bad"
    [ -z "$libs" ] || echo "$libs"
    exit 1
fi
n=$(find "$src/policy" -name '*.[ch]' | wc -l)
echo "layering: $n files under policy/, none includes agent/"
