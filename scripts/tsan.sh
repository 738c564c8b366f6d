#!/usr/bin/env bash
# Builds the test suite with ThreadSanitizer into build-tsan/ and runs it
# through ctest.
#
# Debian's Abseil is not built with TSan, so absl::Mutex is invisible to it
# and every value a Mutex guards would be reported as a data race. So the
# script first builds Abseil's synchronization library (with what it
# depends on) with -fsanitize=thread from Debian's own source package of the
# installed libabsl-dev version, Debian's patches applied, into
# build-tsan/abseil/, and links the TSan build with a run path to it: every
# test binary and vakwijzerd load that copy; other programs (Python, whose
# grpcio also loads Abseil) are not affected. The source package comes from
# the deb-src twin of the system's own apt sources, read into a private
# list folder (the system's apt configuration is not changed).
#
# The Python client tests are left out (they test the client, and Debian's
# python3-grpcio is not instrumented); so is the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${VAKWIJZER_JOBS:-2}

bash scripts/install-deps.sh

# Inside build-tsan/, a build tree the layering test skips.
absl=$root/build-tsan/abseil
version=$(dpkg-query -W -f='${Version}' libabsl-dev)
if [ ! -f "$absl/built-$version" ]; then
  rm -rf "$absl"
  mkdir -p "$absl/apt/sources.d" "$absl/apt/lists/partial" "$absl/src"
  # deb-src entries for the system's deb entries (deb822 and one-line).
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: *deb$/Types: deb-src/' "$f" \
      >"$absl/apt/sources.d/$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$absl/apt/sources.list"
  else
    : >"$absl/apt/sources.list"
  fi
  apt_opts=(-o "Dir::Etc::sourcelist=$absl/apt/sources.list"
    -o "Dir::Etc::sourceparts=$absl/apt/sources.d"
    -o "Dir::State::Lists=$absl/apt/lists" -o Debug::NoLocking=1)
  # As root apt fetches as the user _apt, who cannot write here.
  [ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -q update >/dev/null
  (cd "$absl/src" && apt-get "${apt_opts[@]}" -q source "abseil=$version" \
    >/dev/null)
  src=$(find "$absl/src" -mindepth 1 -maxdepth 1 -type d | head -1)
  cmake -S "$src" -B "$absl/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_CXX_FLAGS=-fsanitize=thread -DCMAKE_C_FLAGS=-fsanitize=thread \
    -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null
  cmake --build "$absl/build" -j"$jobs" --target synchronization >/dev/null
  touch "$absl/built-$version"
fi
# The folders of the instrumented shared libraries, for the run path.
absl_dirs=$(find "$absl/build" -name 'libabsl_*.so.*' -printf '%h\n' |
  sort -u | paste -sd ';')

cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVAKWIJZER_TSAN=ON "-DVAKWIJZER_TSAN_ABSL_DIRS=$absl_dirs" \
  -DVAKWIJZER_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-tsan -j"$jobs"

export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
ctest --test-dir build-tsan --output-on-failure -j2 \
  -E '^(python_client_.*|report_browser_test)$'
