// What the matcher benchmarks share: the shipped frameworks, and generated
// organisations built once per set of options, outside the timed loops.
#ifndef VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_
#define VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/framework_registry.h"
#include "plugins/api/snapshot.h"
#include "services/core/snapshot_cache.h"
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

// The generated organisation as stored records in a fresh cache; staff
// get 0..3 units of caseload room (current_caseload near capacity).
inline void LoadIntoCache(const plugins::OrgSnapshot& org, uint64_t seed,
                          core::SnapshotCache* cache) {
  const framework::FrameworkIndex& fw = *Frameworks().Find("sfd-2021");
  std::mt19937_64 rng(seed * 31 + 7);
  std::vector<storage::StoredProfile> records;
  for (const auto& person : org.people) {
    storage::StoredProfile record;
    v1::Profile* p = record.mutable_profile();
    p->set_name(
        absl::StrCat("organizations/", org.org, "/people/", person->id));
    p->set_framework("frameworks/sfd-2021");
    p->set_track(person->track);
    for (const auto& stage : fw.proto().stages()) {
      if (fw.StageTarget(stage.id()) == person->target_level) {
        p->set_target_stage(stage.id());
        break;
      }
    }
    for (const auto& t : person->teams) p->add_teams(t);
    for (const auto& l : person->languages) p->add_languages(l);
    p->set_region(person->region);
    p->set_mentoring_capacity(person->mentoring_capacity);
    p->set_caseload_capacity(person->caseload_capacity);
    p->set_current_caseload(
        std::max(0, person->caseload_capacity -
                        std::uniform_int_distribution<int>(0, 3)(rng)));
    for (const framework::IndicatorRef* ref :
         fw.IndicatorsOfTrack(person->track)) {
      const float level = person->levels[ref->ordinal];
      if (level == plugins::kUnknown) continue;
      record.mutable_derived()->add_indicator(ref->indicator->id());
      record.mutable_derived()->add_level(level);
    }
    records.push_back(std::move(record));
  }
  cache->PutPeople(org.org, records);
  for (const auto& m : org.modules) cache->PutModule(org.org, m);
  for (const auto& c : org.cases) cache->PutCase(org.org, c);
}

}  // namespace vakwijzer::bench

#endif  // VAKWIJZER_BENCHMARKS_BENCH_UTIL_H_
