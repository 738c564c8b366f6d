// The case-staffing matcher over generated sfd-2021 organisations.
//
// BM_CaseStaffing/{people}: rank every person for one client case (the
// first generated case: 4 requirements, a language and workload; hard
// filters on language, region and caseload). Items are people screened.
// Run: matcher_benchmarks --benchmark_filter=BM_CaseStaffing
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/case_staffing/case_staffing_matcher.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

// Built once per size, outside the timed loops.
const OrgSnapshot& StaffingOrg(int people) {
  testing::SyntheticOptions options;
  options.people = people;
  options.modules = 0;
  options.roles = 0;
  options.cases = 5;
  options.seed = 11;
  return bench::Org(options);
}

void BM_CaseStaffing(benchmark::State& state) {
  const int people = static_cast<int>(state.range(0));
  const OrgSnapshot& org = StaffingOrg(people);
  std::unique_ptr<Matcher> matcher = NewCaseStaffingMatcher();
  v1::MatchRequest request;
  request.set_parent("organizations/bench");
  request.set_matcher("case-staffing");
  request.set_subject(org.cases.front().name());
  request.set_page_size(10);
  auto params =
      Params::Parse(matcher->Info().parameters(), {}, request.parameters());
  if (!params.ok()) std::abort();
  const std::function<bool()> cancelled = [] { return false; };
  MatchInput input{org, bench::Frameworks(), request, *params, cancelled};
  double available = 0;
  for (auto _ : state) {
    auto response = matcher->Match(input);
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      break;
    }
    available = response->metrics().at("available");
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations() * people);
  state.counters["available"] = available;
}
BENCHMARK(BM_CaseStaffing)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vakwijzer::plugins
