// The training matcher over generated sfd-2021 organisations.
//
// BM_TrainingGreedy/{people}/{modules}/{mode}: one plan for p000001, mode
// 0 = greedy, 1 = auto (these catalogues leave far more than exact_limit
// eligible modules: branch and bound in ratio order, the integer program
// when it does not end within node_limit). Items are catalogue modules
// screened. The people count is there to show that the cost does not grow
// with the organisation: only the subject's levels are read.
// BM_TrainingExact/{modules}: the exact branch and bound on a catalogue
// small enough for it (exact_limit 25).
// BM_TrainingPeople/{modules}/{auto}: the end-to-end benchmark's call
// (benchmarks/e2e/run_e2e.py: default parameters, 40 h, at most 5 modules,
// no cost budget) for each of the first 100 people of a 1,000-person
// organisation in turn. The counters come from one call per person:
// shares of plans proven optimal (`exact`) and of integer programs run
// (`program`), mean branch-and-bound nodes, and the median and 90th
// percentile of a call's wall time.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/training/training_matcher.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

// Built once per size, outside the timed loops.
const OrgSnapshot& Org(int people, int modules) {
  testing::SyntheticOptions options;
  options.people = people;
  options.modules = modules;
  options.seed = 2021;
  return bench::Org(options);
}

void RunPlans(benchmark::State& state, const OrgSnapshot& org,
              const std::map<std::string, std::string>& values) {
  static const Matcher* matcher = NewTrainingMatcher().release();
  v1::MatchRequest request;
  request.set_parent("organizations/bench");
  request.set_matcher("training");
  request.set_subject("organizations/bench/people/p000001");
  request.set_page_size(10);
  for (const auto& [key, value] : values) {
    (*request.mutable_parameters())[key] = value;
  }
  absl::StatusOr<Params> params =
      Params::Parse(matcher->Info().parameters(), {}, request.parameters());
  if (!params.ok()) {
    state.SkipWithError(params.status().ToString().c_str());
    return;
  }
  const std::function<bool()> cancelled = [] { return false; };
  MatchInput input{org, bench::Frameworks(), request, *params, cancelled};
  double gain = 0, candidates = 0, exact = 0;
  for (auto _ : state) {
    absl::StatusOr<v1::MatchResponse> response = matcher->Match(input);
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      return;
    }
    gain = response->metrics().at("total_gain");
    candidates = response->candidate_count();
    exact = response->metrics().at("exact");
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(org.modules.size()));
  state.counters["candidates"] = candidates;
  state.counters["gain"] = gain;
  state.counters["exact"] = exact;
}

void BM_TrainingGreedy(benchmark::State& state) {
  const OrgSnapshot& org =
      Org(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  RunPlans(state, org,
           {{"mode", state.range(2) == 0 ? "greedy" : "auto"},
            {"budget_cost", "2000"}});
}
BENCHMARK(BM_TrainingGreedy)
    ->ArgNames({"people", "modules", "auto"})
    ->ArgsProduct({{5, 1000}, {200, 2000}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

void BM_TrainingExact(benchmark::State& state) {
  const OrgSnapshot& org = Org(5, static_cast<int>(state.range(0)));
  RunPlans(state, org,
           {{"mode", "exact"}, {"exact_limit", "25"}, {"budget_cost", "2000"}});
}
BENCHMARK(BM_TrainingExact)
    ->ArgNames({"modules"})
    ->Arg(30)
    ->Arg(45)
    ->Unit(benchmark::kMicrosecond);

void BM_TrainingPeople(benchmark::State& state) {
  static const Matcher* matcher = NewTrainingMatcher().release();
  const OrgSnapshot& org = Org(1000, static_cast<int>(state.range(0)));
  constexpr int kSubjects = 100;
  std::vector<v1::MatchRequest> requests(kSubjects);
  std::vector<Params> params;
  for (int i = 0; i < kSubjects; ++i) {
    v1::MatchRequest& request = requests[i];
    request.set_parent("organizations/bench");
    request.set_matcher("training");
    request.set_subject(
        absl::StrCat("organizations/bench/people/", org.people[i]->id));
    request.set_page_size(10);
    (*request.mutable_parameters())["mode"] =
        state.range(1) == 0 ? "greedy" : "auto";
    absl::StatusOr<Params> p =
        Params::Parse(matcher->Info().parameters(), {}, request.parameters());
    if (!p.ok()) {
      state.SkipWithError(p.status().ToString().c_str());
      return;
    }
    params.push_back(*std::move(p));
  }
  const std::function<bool()> cancelled = [] { return false; };
  auto match = [&](int i) {
    MatchInput input{org, bench::Frameworks(), requests[i], params[i],
                     cancelled};
    return matcher->Match(input);
  };
  // Once per person, outside the timed loop: the shares, and the median
  // and 90th percentile of one call's wall time (the end-to-end run
  // reports the median).
  double exact = 0, program = 0, candidates = 0, nodes = 0;
  std::vector<double> micros;
  for (int i = 0; i < kSubjects; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::MatchResponse> response = match(i);
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      return;
    }
    const auto& m = response->metrics();
    exact += m.at("exact");
    auto it = m.find("program");
    program += it == m.end() ? 0 : it->second;
    it = m.find("search_nodes");
    nodes += it == m.end() ? 0 : it->second;
    candidates += response->candidate_count();
  }
  std::sort(micros.begin(), micros.end());
  int next = 0;
  for (auto _ : state) {
    absl::StatusOr<v1::MatchResponse> response = match(next);
    next = (next + 1) % kSubjects;
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  state.counters["exact"] = exact / kSubjects;
  state.counters["program"] = program / kSubjects;
  state.counters["candidates"] = candidates / kSubjects;
  state.counters["nodes"] = nodes / kSubjects;
  state.counters["p50_us"] = micros[kSubjects / 2];
  state.counters["p90_us"] = micros[kSubjects * 9 / 10];
}
BENCHMARK(BM_TrainingPeople)
    ->ArgNames({"modules", "auto"})
    ->ArgsProduct({{50, 200}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vakwijzer::plugins
