// What the matcher benchmarks share: the shipped frameworks, and generated
// organisations built once per set of options, outside the timed loops.
#ifndef VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_
#define VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_

#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>

#include "framework/framework_registry.h"
#include "plugins/api/snapshot.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::bench {

// data/frameworks, loaded once; aborts if it does not load.
inline const framework::FrameworkRegistry& Frameworks() {
  static const framework::FrameworkRegistry* registry = [] {
    auto loaded = framework::FrameworkRegistry::LoadDirectory(VAKWIJZER_DATA_DIR
                                                              "/frameworks");
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value().release();
  }();
  return *registry;
}

// A synthetic organisation "bench" over sfd-2021, one per distinct options.
// Not thread-safe: benchmarks run on one thread.
inline const plugins::OrgSnapshot& Org(const testing::SyntheticOptions& o) {
  using Key = std::tuple<int, int, int, int, uint64_t>;
  static auto* cache = new std::map<Key, plugins::OrgSnapshot>();
  Key key{o.people, o.modules, o.roles, o.cases, o.seed};
  auto it = cache->find(key);
  if (it == cache->end()) {
    it = cache
             ->emplace(key, testing::MakeSyntheticOrg(
                                *Frameworks().Find("sfd-2021"), o, "bench"))
             .first;
  }
  return it->second;
}

}  // namespace vakwijzer::bench

#endif  // VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_
