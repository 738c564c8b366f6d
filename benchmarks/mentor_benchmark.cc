// BM_Mentor: one mentor match over generated sfd-2021 organisations;
// BM_MentorReference: the same with the matcher as it was before issue 8
// (tests/plugins/mentor/reference_mentor_matcher.cc).
// Arguments: people, granularity (0 = competency, 1 = indicator), lambda·10.
// Run: matcher_benchmarks --benchmark_filter=BM_Mentor
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/mentor/mentor_matcher.h"
#include "tests/plugins/mentor/reference_mentor_matcher.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer {
namespace {

// Built once per size, outside the timed loops.
const plugins::OrgSnapshot& MentorOrg(int people) {
  testing::SyntheticOptions options;
  options.people = people;
  options.modules = 0;
  options.seed = 42;
  return bench::Org(options);
}

void RunMentor(benchmark::State& state,
               std::unique_ptr<plugins::Matcher> matcher,
               const ScanPool* pool = nullptr) {
  const plugins::OrgSnapshot& org = MentorOrg(static_cast<int>(state.range(0)));
  v1::MatchRequest request;
  request.set_parent("organizations/bench");
  request.set_matcher("mentor");
  // A mentee from the middle of the organisation.
  request.set_subject(absl::StrCat("organizations/bench/people/",
                                   org.people[org.people.size() / 2]->id));
  request.set_page_size(10);
  (*request.mutable_parameters())["granularity"] =
      state.range(1) ? "indicator" : "competency";
  (*request.mutable_parameters())["lambda"] =
      absl::StrCat(state.range(2) / 10.0);
  auto params = plugins::Params::Parse(matcher->Info().parameters(), {},
                                       request.parameters());
  if (!params.ok()) {
    state.SkipWithError(std::string(params.status().message()).c_str());
    return;
  }
  const std::function<bool()> cancelled = [] { return false; };
  plugins::MatchInput input{org,     bench::Frameworks(), request,
                            *params, cancelled,           pool};
  int64_t candidates = 0;
  for (auto _ : state) {
    auto response = matcher->Match(input);
    if (!response.ok()) {
      state.SkipWithError(std::string(response.status().message()).c_str());
      return;
    }
    candidates = response->candidate_count();
    benchmark::DoNotOptimize(response);
  }
  state.counters["candidates"] = static_cast<double>(candidates);
  state.counters["people/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * org.people.size(),
      benchmark::Counter::kIsRate);
}

void BM_Mentor(benchmark::State& state) {
  RunMentor(state, plugins::NewMentorMatcher());
}

// BM_Mentor with the scan split over a pool of two threads (--scan_threads).
void BM_MentorSplit(benchmark::State& state) {
  static const ScanPool* pool = new ScanPool(2);
  RunMentor(state, plugins::NewMentorMatcher(), pool);
}

void BM_MentorReference(benchmark::State& state) {
  RunMentor(state, plugins::reference::NewReferenceMentorMatcher());
}

BENCHMARK(BM_Mentor)
    ->ArgNames({"people", "indicator", "lambda10"})
    ->ArgsProduct({{1000, 10000, 100000}, {0, 1}, {10, 7}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MentorSplit)
    ->ArgNames({"people", "indicator", "lambda10"})
    ->ArgsProduct({{10000, 100000}, {0, 1}, {10, 7}});
BENCHMARK(BM_MentorReference)
    ->ArgNames({"people", "indicator", "lambda10"})
    ->ArgsProduct({{1000, 10000, 100000}, {0, 1}, {10, 7}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vakwijzer
