#!/usr/bin/env bash
# Installs the Debian 12 packages Vakwijzer needs to build, run and test.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  protobuf-compiler libprotobuf-dev
  libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libjwt-dev libssl-dev openssl nlohmann-json3-dev
  coinor-libcbc-dev libglpk-dev
  python3-grpcio python3-protobuf python3-jwt python3-cryptography
  python3-venv python3-pip python3-setuptools python3-wheel  # pip install ./clients/python
  clang libclang-rt-14-dev  # libFuzzer and the sanitizers of scripts/fuzz.sh
)
# The browser test of the HTML report; installed with its recommended
# packages (fonts, GL fallbacks) as a desktop install would be.
browser_packages=(chromium fonts-liberation)

missing() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      echo "$p"
  done
}
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
updated=false
install() {  # install [--no-install-recommends] PACKAGE...
  local flags=()
  if [ "${1:-}" = --no-install-recommends ]; then flags=("$1"); shift; fi
  [ $# -gt 0 ] || return 0
  echo "Installing: $*"
  if [ "$updated" = false ]; then
    "${sudo_cmd[@]}" apt-get update -qq
    updated=true
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${flags[@]}" "$@"
}

# shellcheck disable=SC2046
install --no-install-recommends $(missing "${packages[@]}")
# shellcheck disable=SC2046
install $(missing "${browser_packages[@]}")
