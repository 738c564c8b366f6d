#!/bin/bash
# Checks the include edges of the layer graph (../shared/design/style.md):
#
#   common → framework → storage | plugins/api → plugins/<matcher>
#          → services/core → services/grpc → services/vakwijzerd
#   common → optimization (flows, integer programs) → plugins, services/core
#
# Every #include of a project path ("common/…", "services/grpc/…", also in
# <…>) in a file of one layer must name a layer that layer may use; nothing
# includes upward. Third-party, system and generated headers ("absl/…",
# "vakwijzer/…" and the like) are allowed everywhere; a quoted include that is
# neither a project path nor a known third-party prefix fails, so a new
# dependency or a new top-level folder gets a rule here before it is used.
# tests/, benchmarks/ and fuzz/ may include anything.
#
# Usage: layering_test.sh [SOURCE_ROOT]   check the tree (default: ..)
#        layering_test.sh --self-test     show that a bad edge is caught
# Exit status 0 when clean; 1 with one "file:line: …" per violation.
set -u

# layer|project folders its files may include. A file belongs to the layer
# with the longest matching folder.
readonly RULES='
common|common
framework|common framework
optimization|common optimization
storage|common framework storage
plugins/api|common framework plugins/api
plugins|common framework optimization plugins
services/auth|common services/auth
services/core|common framework optimization storage plugins services/auth services/core
services/grpc|common framework storage plugins services/auth services/core services/grpc
services/vakwijzerd|common framework storage plugins services
clients|common clients
'
# First components that make an include a project path.
readonly PROJECT_ROOTS='common framework optimization storage plugins services clients tests benchmarks fuzz'
# Top-level folders without C++ rules: they may include anything, or hold none.
readonly UNCHECKED='tests benchmarks fuzz proto data docs scripts'
# Quoted includes allowed everywhere: third-party and generated headers.
readonly THIRD_PARTY='^(absl|grpc|grpcpp|rocksdb|google|gtest|gmock|benchmark|vakwijzer|vakwijzer_plugin_sdk|nlohmann|openssl)/|^jwt\.h$'

check_tree() {
  local root=$1
  cd "$root" || { echo "layering_test: no such folder: $root"; return 2; }

  local status=0 dir name
  # A top-level folder with C++ sources but no rule is an error: new layers
  # must say where they stand. Build trees (CMakeCache.txt) are skipped.
  for dir in */; do
    name=${dir%/}
    [[ -e "$name/CMakeCache.txt" ]] && continue
    [[ " $UNCHECKED " == *" $name "* ]] && continue
    grep -q "^$name[|/]" <<<"$RULES" && continue
    if [[ -n $(find "$name" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' \) -print -quit) ]]; then
      echo "$name/: no layering rule for this folder; add one to tests/layering_test.sh"
      status=1
    fi
  done

  local -a folders=()
  for name in $(sed -n 's/^\([^|/]*\).*/\1/p' <<<"$RULES" | sort -u); do
    [[ -d $name ]] && folders+=("$name")
  done
  [[ ${#folders[@]} -eq 0 ]] && return $status

  local -a files=()
  mapfile -t files < <(find "${folders[@]}" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' \) | sort)
  [[ ${#files[@]} -eq 0 ]] && return $status

  awk -v rules="$RULES" -v roots="$PROJECT_ROOTS" -v third="$THIRD_PARTY" '
    BEGIN {
      n = split(rules, lines, "\n")
      for (i = 1; i <= n; i++) {
        if (lines[i] == "") continue
        split(lines[i], kv, "|")
        allowed[kv[1]] = kv[2]
      }
      split(roots, r, " ")
      for (i in r) is_root[r[i]] = 1
      bad = 0
    }
    FNR == 1 {
      # The most specific layer of this file.
      layer = ""
      for (l in allowed)
        if (index(FILENAME, l "/") == 1 && length(l) > length(layer)) layer = l
      if (layer == "") {
        printf "%s: in no layer; add a rule to tests/layering_test.sh\n", FILENAME
        bad = 1
      }
    }
    /^[ \t]*#[ \t]*include[ \t]*[<"]/ {
      line = $0
      sub(/^[ \t]*#[ \t]*include[ \t]*/, "", line)
      quote = substr(line, 1, 1)
      close_char = quote == "<" ? ">" : "\""
      path = substr(line, 2)
      end = index(path, close_char)
      if (end == 0) next
      path = substr(path, 1, end - 1)
      first = path
      sub(/\/.*/, "", first)
      if (!(first in is_root) || index(path, "/") == 0) {
        if (quote == "\"" && path !~ third) {
          printf "%s:%d: unknown include \"%s\": not a project path nor a known third-party prefix (add it to THIRD_PARTY in tests/layering_test.sh)\n", FILENAME, FNR, path
          bad = 1
        }
        next
      }
      ok = 0
      m = split(allowed[layer], may, " ")
      for (i = 1; i <= m; i++)
        if (index(path, may[i] "/") == 1) { ok = 1; break }
      if (!ok) {
        printf "%s:%d: %s may not include %s%s%s (it may include: %s)\n", FILENAME, FNR, layer, quote, path, close_char, allowed[layer]
        bad = 1
      }
    }
    END { exit bad }
  ' "${files[@]}" || status=1
  return $status
}

self_test() {
  local tmp
  tmp=$(mktemp -d) || return 2
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp"/{common,framework,optimization,plugins/api,plugins/x,services/core,services/grpc}
  printf '#include "common/a.h"\n#include "absl/strings/str_cat.h"\n#include <vector>\n' >"$tmp/common/a.h"
  printf '#include "common/a.h"\n#include "framework/f.h"\n' >"$tmp/framework/f.cc"
  printf '#include "framework/f.h"\n#include "vakwijzer/v1/framework.pb.h"\n' >"$tmp/plugins/api/m.h"
  printf '#include "plugins/api/m.h"\n' >"$tmp/plugins/x/x.cc"
  printf '#include "common/a.h"\n#include "optimization/o.h"\n' >"$tmp/optimization/o.cc"
  printf '#include "plugins/api/m.h"\n#include "storage/s.h"\n' >"$tmp/services/core/c.cc"
  printf '#include "services/core/c.h"\n' >"$tmp/services/grpc/g.cc"
  local out
  if ! out=$( (check_tree "$tmp") 2>&1); then
    echo "self-test: a clean tree was rejected:"; echo "$out"; return 1
  fi

  # Upward edges, one per rule kind, and an unknown quoted include.
  printf '\n#include "framework/f.h"\n' >>"$tmp/common/a.h"
  printf '#include <services/core/c.h>\n' >>"$tmp/framework/f.cc"
  printf '#include "plugins/x/x.h"\n' >>"$tmp/plugins/api/m.h"
  printf '#include "framework/f.h"\n#include "plugins/api/m.h"\n' >>"$tmp/optimization/o.cc"
  printf '#include "services/core/c.h"\n#include "mystery/lib.h"\n' >>"$tmp/plugins/x/x.cc"
  printf '#include "services/grpc/g.h"\n' >>"$tmp/services/core/c.cc"
  printf '#include "services/vakwijzerd/main.h"\n' >>"$tmp/services/grpc/g.cc"
  mkdir -p "$tmp/newlayer" && printf '#include "common/a.h"\n' >"$tmp/newlayer/n.cc"
  if out=$( (check_tree "$tmp") 2>&1); then
    echo "self-test: upward includes were not caught"; return 1
  fi
  local want
  for want in \
      'common/a.h:5: common may not include "framework/f.h"' \
      'framework/f.cc:3: framework may not include <services/core/c.h>' \
      'plugins/api/m.h:3: plugins/api may not include "plugins/x/x.h"' \
      'optimization/o.cc:3: optimization may not include "framework/f.h"' \
      'optimization/o.cc:4: optimization may not include "plugins/api/m.h"' \
      'plugins/x/x.cc:2: plugins may not include "services/core/c.h"' \
      'plugins/x/x.cc:3: unknown include "mystery/lib.h"' \
      'services/core/c.cc:3: services/core may not include "services/grpc/g.h"' \
      'services/grpc/g.cc:2: services/grpc may not include "services/vakwijzerd/main.h"' \
      'newlayer/: no layering rule'; do
    if [[ $out != *"$want"* ]]; then
      echo "self-test: expected a line containing: $want"; echo "got:"; echo "$out"
      return 1
    fi
  done
  echo "self-test: ok ($(wc -l <<<"$out") violations reported as expected)"
}

if [[ ${1:-} == --self-test ]]; then
  self_test
  exit $?
fi
root=${1:-$(dirname "$0")/..}
if check_tree "$root"; then
  echo "layering: every include edge points down"
  exit 0
fi
exit 1
