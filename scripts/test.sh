#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: the normal build (with the container
# image built and run: suite container), the same suite under ASan+UBSan, and the fuzzers for a
# bounded time. Ends with one line
# 'tests: N passed, M failed' and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"  # per fuzz target
export FUZZ_SECONDS
status=0
step() { echo "==> $*"; }

./scripts/install-deps.sh || exit 1

step "build (gcc, debugoptimized)"
[ -d build ] || meson setup build || exit 1
meson compile -C build || exit 1
step "tests"
meson test -C build --print-errorlogs || status=1

step "build (ASan + UBSan)"
[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false || exit 1
meson compile -C build-asan || exit 1
step "tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --timeout-multiplier 3 --no-suite container || status=1

step "fuzz (clang libFuzzer, ${FUZZ_SECONDS}s per target)"
[ -d build-fuzz ] || CXX=clang++ meson setup build-fuzz -Dtests=false -Dfuzz=true || exit 1
meson configure build-fuzz -Dfuzz_seconds="$FUZZ_SECONDS" || exit 1
meson compile -C build-fuzz || exit 1
meson test -C build-fuzz --print-errorlogs --suite fuzz || status=1

python3 scripts/test_summary.py build build-asan build-fuzz || status=1
exit $status
