// The cost of one write to the in-memory read model: SnapshotCache::
// PutPerson replacing one person of an organisation of N people (about 150
// rated indicators each) with 200 training modules in its catalogue, as
// every acknowledged profile write or assessment does before it answers.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/core/snapshot_cache.h"

namespace vakwijzer::core {
namespace {

const framework::FrameworkRegistry& Frameworks() {
  static const framework::FrameworkRegistry* registry = [] {
    auto loaded = framework::FrameworkRegistry::LoadDirectory(VAKWIJZER_DATA_DIR
                                                              "/frameworks");
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value().release();
  }();
  return *registry;
}

storage::StoredProfile Record(int i) {
  storage::StoredProfile record;
  v1::Profile* p = record.mutable_profile();
  p->set_name(absl::StrCat("organizations/bench/people/p", 1000000 + i));
  p->set_framework("frameworks/sfd-2021");
  p->set_track("hbo");
  p->add_teams(absl::StrCat("team-", i % 20));
  for (const auto& cluster :
       Frameworks().Find("sfd-2021")->proto().clusters()) {
    for (const auto& competency : cluster.competencies()) {
      for (const auto& indicator : competency.indicators()) {
        if (indicator.track() != "hbo") continue;
        record.mutable_derived()->add_indicator(indicator.id());
        record.mutable_derived()->add_level((i + indicator.id().size()) % 5);
      }
    }
  }
  return record;
}

void BM_PutPerson(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  SnapshotCache cache(&Frameworks());
  for (int m = 0; m < 200; ++m) {
    v1::TrainingModule module;
    module.set_name(absl::StrCat("organizations/bench/modules/m", m));
    module.set_title(absl::StrCat("Module ", m));
    module.set_description(std::string(200, 'x'));
    module.set_hours(8);
    module.add_develops()->set_competency("1.1");
    cache.PutModule("bench", module);
  }
  std::vector<storage::StoredProfile> records;
  for (int i = 0; i < n; ++i) records.push_back(Record(i));
  cache.PutPeople("bench", records);
  int i = 0;
  for (auto _ : state) {
    cache.PutPerson("bench", records[i]);
    i = (i + 7919) % n;
  }
  state.counters["people"] = n;
}
BENCHMARK(BM_PutPerson)->Arg(1000)->Arg(10000)->Arg(100000);

}  // namespace
}  // namespace vakwijzer::core
