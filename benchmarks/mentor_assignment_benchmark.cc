// BM_AssignMentors: the team-wide mentor assignment (AssignMentorsExact)
// over generated sfd-2021 organisations, everyone as mentee and as mentor;
// BM_AssignMentorsReference: the same with AssignMentors as it was before
// issue 8 (tests/services/core/reference_assign_mentors.cc), at the sizes
// where it finishes. Arguments: people, granularity (0 = competency,
// 1 = indicator).
// Run: matcher_benchmarks --benchmark_filter=BM_AssignMentors
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "services/core/mentor_assignment.h"
#include "tests/plugins/mentor/reference_mentor_matcher.h"
#include "tests/services/core/reference_assign_mentors.h"

namespace vakwijzer {
namespace {

const plugins::OrgSnapshot& AssignOrg(int people) {
  testing::SyntheticOptions options;
  options.people = people;
  options.modules = 0;
  options.seed = 7;
  return bench::Org(options);
}

google::protobuf::Map<std::string, std::string> Values(
    const benchmark::State& state) {
  google::protobuf::Map<std::string, std::string> values;
  values["granularity"] = state.range(1) ? "indicator" : "competency";
  return values;
}

void BM_AssignMentors(benchmark::State& state) {
  const plugins::OrgSnapshot& org = AssignOrg(static_cast<int>(state.range(0)));
  std::vector<const plugins::PersonView*> people;
  for (const auto& p : org.people) people.push_back(p.get());
  std::unique_ptr<plugins::Matcher> matcher =
      plugins::reference::NewReferenceMentorMatcher();  // for its specs
  auto params =
      plugins::Params::Parse(matcher->Info().parameters(), {}, Values(state));
  if (!params.ok()) {
    state.SkipWithError(std::string(params.status().message()).c_str());
    return;
  }
  const std::function<bool()> cancelled = [] { return false; };
  core::MentorAssignmentStats stats;
  core::MentorAssignmentOptions assign;
  if (const char* e = std::getenv("VW_INITIAL_EDGES")) {
    assign.initial_edges = std::atoi(e);
  }
  if (const char* e = std::getenv("VW_ADDED_EDGES")) {
    assign.added_edges = std::atoi(e);
  }
  double total = 0;
  for (auto _ : state) {
    auto result = core::AssignMentorsExact(org, people, people, *params,
                                           cancelled, assign, &stats);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      return;
    }
    total = result->total_weight();
    benchmark::DoNotOptimize(result);
  }
  state.counters["total"] = total;
  state.counters["rounds"] = stats.rounds;
  state.counters["edges"] = static_cast<double>(stats.edges);
  state.counters["solve_s"] = stats.solve_seconds;
  state.counters["pairs_scored"] = static_cast<double>(stats.pairs_scored);
}

void BM_AssignMentorsReference(benchmark::State& state) {
  const plugins::OrgSnapshot& org = AssignOrg(static_cast<int>(state.range(0)));
  std::vector<const plugins::PersonView*> people;
  for (const auto& p : org.people) people.push_back(p.get());
  plugins::MatcherRegistry matchers;
  if (!matchers.Add(plugins::reference::NewReferenceMentorMatcher()).ok()) {
    state.SkipWithError("registry");
    return;
  }
  const std::function<bool()> cancelled = [] { return false; };
  double total = 0;
  for (auto _ : state) {
    auto result = reference::ReferenceAssignMentors(
        matchers, bench::Frameworks(), org, people, people, Values(state),
        cancelled);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      return;
    }
    total = result->total_weight();
    benchmark::DoNotOptimize(result);
  }
  state.counters["total"] = total;
}

BENCHMARK(BM_AssignMentors)
    ->ArgNames({"people", "indicator"})
    ->ArgsProduct({{1000, 2000, 10000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_AssignMentorsReference)
    ->ArgNames({"people", "indicator"})
    ->ArgsProduct({{1000, 2000}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace vakwijzer
