#!/bin/bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. style      clang-format check of every C file
#   2. werror     gcc build with -Werror, ctest (unit, umockdev integration, fuzz corpus replay);
#                 then an optimized (-O2, Release) gcc -Werror build, whose warnings differ
#   3. sanitize   clang ASan+UBSan build, same ctest
#   4. fuzz       each libFuzzer target for FUZZ_SECONDS (default 20) from its seed corpus
#   5. package    the Debian packages: dpkg-buildpackage, contents, maintainer scripts, lintian
#   6. e2e        QEMU virtual machine with a real Debian kernel and emulated USB devices, and
#                 the .deb installed with dpkg -i in a guest booted with systemd as PID 1
# Set PC_SKIP="e2e fuzz" to skip stages while iterating. Needs root (packages, VM).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
SKIP=" ${PC_SKIP:-} "
passed=0
failed=0
failed_names=""

stage() {
    local name=$1
    shift
    if [[ "$SKIP" == *" $name "* ]]; then
        echo "=== stage $name: skipped (PC_SKIP)"
        return
    fi
    echo "=== stage $name: $*"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "=== stage $name: PASS ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        echo "=== stage $name: FAIL ($((SECONDS - t0)) s)"
    fi
}

build_and_ctest() {
    local dir=$1
    shift
    cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >"$dir.cmake.log" 2>&1 \
        || { cat "$dir.cmake.log"; return 1; }
    cmake --build "$dir" -j "$JOBS" >"$dir.build.log" 2>&1 || { tail -n 80 "$dir.build.log"; return 1; }
    (cd "$dir" && ctest --output-on-failure -j "$JOBS" --timeout 600)
}

style() {
    local files
    files=$(git ls-files '*.c' '*.h')
    [ -n "$files" ] || return 0
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files
}

werror() {
    build_and_ctest "$ROOT/build/ci-werror" -DCMAKE_C_COMPILER=gcc -DPORTCULLIS_WERROR=ON || return 1
    # -O2 finds what -O1 does not (maybe-uninitialized, format-truncation, stringop-overread);
    # the benchmarks are built this way. Compile only.
    local rel="$ROOT/build/ci-release"
    cmake -S "$ROOT" -B "$rel" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc \
        -DPORTCULLIS_WERROR=ON -DPORTCULLIS_BUILD_TESTS=OFF >"$rel.cmake.log" 2>&1 \
        || { cat "$rel.cmake.log"; return 1; }
    cmake --build "$rel" -j "$JOBS" >"$rel.build.log" 2>&1 || { grep -B2 -A6 'error' "$rel.build.log" | head -n 80; return 1; }
    echo "release -O2 -Werror build: OK"
}

sanitize() {
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        build_and_ctest "$ROOT/build/ci-sanitize" -DCMAKE_C_COMPILER=clang -DPORTCULLIS_SANITIZE=ON \
        -DPORTCULLIS_FUZZ=ON
}

fuzz() {
    "$ROOT/scripts/fuzz-smoke.sh" "$ROOT/build/ci-sanitize" "${FUZZ_SECONDS:-20}"
}

package() {
    "$ROOT/scripts/build-deb.sh" "$ROOT/build/deb"
}

e2e() {
    # The systemd scenario installs the .debs of stage "package" (it builds them if missing).
    PC_E2E_DEB_DIR="$ROOT/build/deb" "$ROOT/tests/e2e/run.sh"
}

mkdir -p "$ROOT/build"
if [ "$(id -u)" -eq 0 ]; then
    "$ROOT/scripts/install-deps.sh" || { echo "install-deps failed"; exit 1; }
else
    echo "test.sh: not root: assuming dependencies are installed (scripts/install-deps.sh)"
fi

stage style style
stage werror werror
stage sanitize sanitize
stage fuzz fuzz
stage package package
stage e2e e2e

echo
if [ "$failed" -ne 0 ]; then
    echo "failed stages:$failed_names"
fi
echo "test-suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
