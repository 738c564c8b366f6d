#!/usr/bin/env bash
# The quick start: installs what is missing, builds, starts vakwijzerd on its
# defaults (127.0.0.1:50051, RocksDB in ./vakwijzer-data, the shipped
# frameworks, the demo organisation loaded on first start), shows a demo
# person's gap report, training plan, mentors and role fit through the
# client, and keeps serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
listen="${VAKWIJZER_LISTEN:-127.0.0.1:50051}"
cli=(build/clients/cli/vakwijzer --server="$listen")

build/services/vakwijzerd --listen="$listen" --data_dir=vakwijzer-data \
  --plugin_dir=build/matcher_plugins &
server=$!
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches the server as
# SIGTERM from this trap; it then drains calls and closes RocksDB.
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM

for _ in $(seq 1 300); do
  "${cli[@]}" --timeout=1 frameworks >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "vakwijzerd did not start" >&2; exit 1; }
  sleep 0.1
done

for cmd in "gaps demo sw-001" "training demo sw-001" \
           "mentors demo sw-001 --page_size=3" \
           "rolefit demo people/sw-001 --page_size=3"; do
  echo
  echo "\$ ${cli[*]} $cmd"
  # shellcheck disable=SC2086
  "${cli[@]}" $cmd
done
echo
echo "vakwijzerd serves on $listen until Ctrl-C. Try:"
echo "  ${cli[*]} profiles list demo"
echo "  ${cli[*]} staff demo o-dreigende-ontruiming"
echo "  ${cli[*]} matchers"
echo "  ${cli[*]} --help"
wait $server
