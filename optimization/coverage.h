// Budgeted coverage plans, solved exactly: the integer program behind
// PlanTeamTraining (domain.md §5), stated without the domain.
//
// Every agent (a person) may take a set of its options (training modules
// it is eligible for). An option raises some of the agent's slots
// (indicators) to a level; the agent's gain is, per slot, the highest level
// its options reach above the level now — a slot raised twice counts once.
// Options cost money from one shared budget and hours from the agent's own
// cap; an item given to more agents than it has seats runs more sessions,
// and the sessions of all items together may be capped. Maximise the total
// gain.
//
// Method. The budget is the only constraint shared by the agents when
// sessions are not capped, so it is priced out (Lagrangian relaxation): at
// a price p per euro every agent's best plan (gain - p * cost, within its
// hours) is found by a small exact branch and bound, and the price that
// minimises p * budget + sum of those best values (a one-dimensional
// convex function, minimised by cutting planes) is an upper bound on the
// optimum, usually within one agent's plan of it. An integer program over
// the plans seen so far (one 0/1 column per plan, at most one plan per
// agent, the budget and session rows) gives a first solution z. No plan
// whose priced value falls short of its agent's best by more than
// bound - z can be part of a better solution, so those within that margin
// are enumerated and the integer program over them is solved: its optimum
// is the optimum of the whole problem, proven. When the margin admits too
// many plans, the compact program (one 0/1 column per agent and option,
// the once-only gain per slot and level as rows) runs for the remaining
// time instead. The time limit and cancellation hold throughout.
//
// Thread-safe: each call keeps its own state.
#ifndef VAKWIJZER_OPTIMIZATION_COVERAGE_H_
#define VAKWIJZER_OPTIMIZATION_COVERAGE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "optimization/mip.h"

namespace vakwijzer::optimization {

struct CoverageItem {
  double cost = 0;   // euros per agent taking it
  double hours = 0;  // hours of each agent taking it
  int seats = 0;     // agents per session; 0: one session takes everybody
};

struct CoverageOption {
  int item = 0;
  // (slot, level reached): the slot indexes CoverageAgent::start. A level
  // at or below the start adds nothing.
  std::vector<std::pair<int, double>> reach;
};

struct CoverageAgent {
  std::vector<double> start;  // per slot: the level now
  double hours_cap = 0;       // most hours of the options taken together
  std::vector<CoverageOption> options;  // an option at most once
};

struct CoverageProblem {
  std::vector<CoverageItem> items;
  std::vector<CoverageAgent> agents;
  double budget = 0;     // most euros over all agents and options
  int max_sessions = 0;  // most sessions over all items; 0: no cap
};

struct CoverageSolution {
  std::vector<std::vector<int>> chosen;  // per agent: option indices
  double value = 0;                      // the total gain of `chosen`
  double bound = 0;                      // no feasible plan gains more
  bool exact = false;
  // How the proof went: "priced" (every agent's own best plan fits the
  // budget together), "enumerated" (the integer program over the plans
  // within the margin), or "compact" (the compact program).
  std::string proof;
};

// The gain of giving `chosen` (option indices) to `agent`.
double CoverageGain(const CoverageAgent& agent, const std::vector<int>& chosen);

// INVALID_ARGUMENT for an item or slot index out of range, a negative or
// non-finite cost, hours, level, budget or cap; NOT_FOUND when the time
// limit ran out before any plan was found; CANCELLED when
// `options.cancelled` said so. `options.solver` is the back end of the
// integer programs.
absl::StatusOr<CoverageSolution> SolveCoverage(const CoverageProblem& problem,
                                               const MipOptions& options = {});

}  // namespace vakwijzer::optimization

#endif  // VAKWIJZER_OPTIMIZATION_COVERAGE_H_
