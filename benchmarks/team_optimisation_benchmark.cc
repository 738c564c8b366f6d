// The integer programs of the team optimisers, CBC against GLPK, through the
// real core path (TeamManager over a SnapshotCache): PlanTeamTraining over
// N people x 50 modules and StaffCases over N people x 100 cases, N = 50,
// 200 and 1,000, a few generated organisations (seeds) each. Per call: wall
// time of the whole call (matching included), whether the answer is proven
// best, and the gap to the proven bound. Not a Google Benchmark: every call
// is one measurement, and the table is the point.
//
// Staff get 0..3 units of caseload room (current_caseload near capacity)
// and cases workloads 1..3, so rooms bind and workloads mix: the assignment
// is not a flow problem and StaffCases runs its integer program whenever
// greedy-repair does not meet the relaxation's bound. The training budget
// is EUR 300 per person.
//
// Run: build/benchmarks/team_optimisation_benchmark [SEEDS [TIME_LIMIT_MS
//      [PEOPLE,...  [MAX_SESSIONS]]]]   (defaults 5, 2000, 50,200,1000, 0:
//      the training plans' sessions uncapped)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "benchmarks/bench_util.h"
#include "plugins/api/matcher.h"
#include "services/core/snapshot_cache.h"
#include "services/core/team_manager.h"

namespace vakwijzer::bench {
namespace {

using optimization::MipSolver;

struct Run {
  double seconds = 0;
  bool exact = false;
  double gap = 0;  // (upper_bound - value) / upper_bound
  std::string method;
};

struct Row {
  std::string kind;
  int people;
  MipSolver solver;
  std::vector<Run> runs;
};

double Gap(double value, double bound) {
  return bound > 0 ? std::max(0.0, bound - value) / bound : 0;
}

const char* Name(MipSolver s) { return s == MipSolver::kGlpk ? "glpk" : "cbc"; }

}  // namespace
}  // namespace vakwijzer::bench

int main(int argc, char** argv) {
  using namespace vakwijzer;
  using namespace vakwijzer::bench;
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int time_limit_ms = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int max_sessions = argc > 4 ? std::atoi(argv[4]) : 0;
  std::vector<int> sizes = {50, 200, 1000};
  if (argc > 3) {
    sizes.clear();
    for (absl::string_view n : absl::StrSplit(argv[3], ',')) {
      sizes.push_back(std::atoi(std::string(n).c_str()));
    }
  }
  plugins::MatcherRegistry matchers;
  if (!plugins::RegisterBuiltinMatchers(&matchers).ok()) return 1;
  const std::function<bool()> never = [] { return false; };

  std::vector<Row> rows;
  for (int people : sizes) {
    Row training[2] = {{"training", people, MipSolver::kCbc, {}},
                       {"training", people, MipSolver::kGlpk, {}}};
    Row staffing[2] = {{"staffing", people, MipSolver::kCbc, {}},
                       {"staffing", people, MipSolver::kGlpk, {}}};
    for (int seed = 1; seed <= seeds; ++seed) {
      testing::SyntheticOptions options;
      options.people = people;
      options.modules = 50;
      options.cases = 100;
      options.roles = 0;
      options.seed = static_cast<uint64_t>(seed);
      const plugins::OrgSnapshot org = testing::MakeSyntheticOrg(
          *Frameworks().Find("sfd-2021"), options, "bench");
      core::SnapshotCache cache(&Frameworks());
      LoadIntoCache(org, options.seed, &cache);
      for (int s = 0; s < 2; ++s) {
        core::TeamManagerOptions manager_options;
        manager_options.mip_solver = training[s].solver;
        core::TeamManager manager(&Frameworks(), &matchers, &cache,
                                  manager_options);

        v1::PlanTeamTrainingRequest plan;
        plan.mutable_selector()->set_parent("organizations/bench");
        plan.set_budget_cost(300.0 * people);
        plan.set_max_sessions(max_sessions);
        plan.set_time_limit_ms(time_limit_ms);
        auto start = std::chrono::steady_clock::now();
        auto planned = manager.PlanTeamTraining(plan, never);
        Run run;
        run.seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
        if (!planned.ok()) {
          std::fprintf(stderr, "training: %s\n",
                       planned.status().ToString().c_str());
          return 1;
        }
        run.exact = planned->exact();
        run.gap = Gap(planned->total_gain(), planned->upper_bound());
        run.method = planned->method();
        training[s].runs.push_back(run);
        std::printf(
            "training %5d seed %d %-4s %8.3f s exact %d gap %.4f%% %s\n",
            people, seed, Name(training[s].solver), run.seconds, run.exact,
            100 * run.gap, run.method.c_str());

        v1::StaffCasesRequest staff;
        staff.set_parent("organizations/bench");
        staff.set_time_limit_ms(time_limit_ms);
        start = std::chrono::steady_clock::now();
        auto staffed = manager.StaffCases(staff, never);
        run = Run{};
        run.seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
        if (!staffed.ok()) {
          std::fprintf(stderr, "staffing: %s\n",
                       staffed.status().ToString().c_str());
          return 1;
        }
        run.exact = staffed->exact();
        run.gap = Gap(staffed->total_score(), staffed->upper_bound());
        run.method = staffed->method();
        staffing[s].runs.push_back(run);
        std::printf(
            "staffing %5d seed %d %-4s %8.3f s exact %d gap %.4f%% %s\n",
            people, seed, Name(staffing[s].solver), run.seconds, run.exact,
            100 * run.gap, run.method.c_str());
        std::fflush(stdout);
      }
    }
    for (int s = 0; s < 2; ++s) rows.push_back(training[s]);
    for (int s = 0; s < 2; ++s) rows.push_back(staffing[s]);
  }

  std::printf(
      "\n| problem | people | solver | median s | max s | proven optimal | "
      "max gap | methods |\n|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::vector<double> t;
    int exact = 0;
    double gap = 0;
    std::string methods;
    for (const Run& r : row.runs) {
      t.push_back(r.seconds);
      exact += r.exact;
      gap = std::max(gap, r.gap);
      if (methods.find(r.method) == std::string::npos) {
        absl::StrAppend(&methods, methods.empty() ? "" : ", ", r.method);
      }
    }
    std::sort(t.begin(), t.end());
    std::printf("| %s | %d | %s | %.3f | %.3f | %d / %zu | %.3f%% | %s |\n",
                row.kind.c_str(), row.people, Name(row.solver), t[t.size() / 2],
                t.back(), exact, row.runs.size(), 100 * gap, methods.c_str());
  }
  return 0;
}
