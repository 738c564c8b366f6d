#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through
# ctest. `scripts/test.sh --sanitize` does the same under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh "$@"
dir=build
[ "${1:-}" = "--sanitize" ] && dir=build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$dir" --output-on-failure -j2
