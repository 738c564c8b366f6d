#!/usr/bin/env bash
# Installs what is missing and builds Vakwijzer into build/ (or, with
# --sanitize, an ASan+UBSan build into build-asan/). Incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  # Benchmarks measure nothing useful under sanitizers: not built there.
  flags=(-DCMAKE_BUILD_TYPE=Debug -DVAKWIJZER_SANITIZE=ON
    -DVAKWIJZER_BUILD_BENCHMARKS=OFF)
fi

bash scripts/install-deps.sh
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"${VAKWIJZER_JOBS:-2}"
