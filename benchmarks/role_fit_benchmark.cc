// The role-fit matcher over generated sfd-2021 organisations.
//
// BM_RoleFitPeopleForRole/{people}: rank every person for one role (the
// first generated role: 4 requirements, indicators or competencies).
// Items are people screened.
// BM_RoleFitRolesForPerson/{roles}: rank every role of the organisation for
// one person (p000001). Items are roles screened.
// Run: matcher_benchmarks --benchmark_filter=BM_RoleFit
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
#include "plugins/role_fit/role_fit_matcher.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

// Built once per size, outside the timed loops.
const OrgSnapshot& RoleFitOrg(int people, int roles) {
  testing::SyntheticOptions options;
  options.people = people;
  options.roles = roles;
  options.modules = 0;
  options.cases = 0;
  options.seed = 7;
  return bench::Org(options);
}

void RunRoleFit(benchmark::State& state, const OrgSnapshot& org,
                const std::string& subject, int64_t items) {
  std::unique_ptr<Matcher> matcher = NewRoleFitMatcher();
  v1::MatchRequest request;
  request.set_parent("organizations/bench");
  request.set_matcher("role-fit");
  request.set_subject(subject);
  request.set_page_size(10);
  auto params =
      Params::Parse(matcher->Info().parameters(), {}, request.parameters());
  if (!params.ok()) std::abort();
  const std::function<bool()> cancelled = [] { return false; };
  MatchInput input{org, bench::Frameworks(), request, *params, cancelled};
  for (auto _ : state) {
    auto response = matcher->Match(input);
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations() * items);
}

void BM_RoleFitPeopleForRole(benchmark::State& state) {
  const int people = static_cast<int>(state.range(0));
  const OrgSnapshot& org = RoleFitOrg(people, 5);
  RunRoleFit(state, org, org.roles.front().name(), people);
}
BENCHMARK(BM_RoleFitPeopleForRole)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_RoleFitRolesForPerson(benchmark::State& state) {
  const int roles = static_cast<int>(state.range(0));
  const OrgSnapshot& org = RoleFitOrg(100, roles);
  RunRoleFit(state, org, "organizations/bench/people/p000001", roles);
}
BENCHMARK(BM_RoleFitRolesForPerson)
    ->Arg(200)
    ->Arg(2000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vakwijzer::plugins
