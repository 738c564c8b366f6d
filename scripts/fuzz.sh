#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang in build-fuzz/ and runs
# each for SECONDS_PER_TARGET seconds (default 20) over a copy of its seed
# corpus in fuzz/corpus/<target>/: new inputs go to a temporary folder, never
# into the committed corpus. Fails when a target crashes, leaks, hangs or
# trips a sanitizer; the crashing input is kept in build-fuzz/crashes/.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail

seconds=${1:-20}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
targets=(profile_filter page_token resource_names csv_import framework plugin_frame)
jobs=${VAKWIJZER_JOBS:-2}

bash "$root/scripts/install-deps.sh"
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVAKWIJZER_FUZZ=ON \
  -DVAKWIJZER_BUILD_TESTS=OFF -DVAKWIJZER_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$jobs" \
  --target "${targets[@]/%/_fuzzer}" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/crashes"
summary=()
failed=()
for t in "${targets[@]}"; do
  corpus=$work/$t
  mkdir -p "$corpus"
  cp -R "$root/fuzz/corpus/$t/." "$corpus/"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  log=$work/$t.log
  echo "== $t: ${seconds}s"
  status=0
  start=$(date +%s)
  # -timeout: an input that runs longer than 10 s is a hang; -rss_limit_mb
  # bounds memory.
  "$build/fuzz/${t}_fuzzer" "$corpus" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
    >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(($(date +%s) - start))
  summary+=("$t: ${execs:-?} execs in $took s")
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "$t FAILED (exit $status); last lines of its log:" >&2
    tail -n 40 "$log" >&2
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (inputs in $build/crashes/)" >&2
  exit 1
fi
