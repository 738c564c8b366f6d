// BM_ScoreTeamSummary: ScoreTeam's summary (no per-person rows) over a
// whole generated sfd-2021 organisation, through TeamManager over a
// SnapshotCache, as the TeamService call does it. Argument: people.
// Run: matcher_benchmarks --benchmark_filter=BM_ScoreTeam
#include <chrono>
#include <functional>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "plugins/api/matcher.h"
#include "services/core/team_manager.h"

namespace vakwijzer {
namespace {

void BM_ScoreTeamSummary(benchmark::State& state) {
  testing::SyntheticOptions options;
  options.people = static_cast<int>(state.range(0));
  options.modules = 0;
  options.seed = 7;
  const plugins::OrgSnapshot& org = bench::Org(options);
  core::SnapshotCache cache(&bench::Frameworks());
  bench::LoadIntoCache(org, options.seed, &cache);
  plugins::MatcherRegistry matchers;
  core::TeamManager manager(&bench::Frameworks(), &matchers, &cache);
  v1::ScoreTeamRequest request;
  request.mutable_selector()->set_parent("organizations/bench");
  int indicators = 0;
  auto score = [&] {
    absl::Status status =
        manager.ScoreTeam(request, [&](const v1::ScoreTeamResponse& r) {
          indicators = r.summary().indicators_size();
          return true;
        });
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  };
  // The first call after a load builds the snapshot's chunk columns
  // (plugins/api/snapshot.h); timed apart as "first_ms".
  auto first_start = std::chrono::steady_clock::now();
  score();
  state.counters["first_ms"] =
      std::chrono::duration<double, std::milli>(
          std::chrono::steady_clock::now() - first_start)
          .count();
  for (auto _ : state) score();
  state.counters["indicators"] = indicators;
}
BENCHMARK(BM_ScoreTeamSummary)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vakwijzer
