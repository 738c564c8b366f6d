// Mixed-integer linear programs, solved exactly by branch and cut (COIN-OR
// CBC, or GNU GLPK on request) within a time limit: the integer-programming
// back end of the team optimisers (domain.md §5). Below the matchers and
// the core; knows nothing of the domain.
//
// Why CBC by default: measured on the core's own programs (PlanTeamTraining
// and StaffCases at 50 / 200 / 1,000 people, docs/benchmarks.md "CBC or
// GLPK"), CBC proved every staffing program optimal within 2 s where GLPK
// missed some, and solved the training plans' programs over candidate plans
// (optimization/coverage.h) about four times faster at 1,000 people. GLPK
// keeps the time limit more closely (CBC's root cut loop does not check the
// clock), so it stays selectable (MipOptions::solver) and is cross-checked
// against CBC and a brute force in tests/optimization/.
//
// Thread-safe: each call builds and solves its own model.
#ifndef VAKWIJZER_OPTIMIZATION_MIP_H_
#define VAKWIJZER_OPTIMIZATION_MIP_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vakwijzer::optimization {

// maximise  sum_j objective[j] * x[j]
// s.t.      rows[r].lower <= sum_(j,a) in rows[r].terms  a * x[j] <= upper
//           lower[j] <= x[j] <= upper[j],  x[j] integer where integer[j].
// Use -kInfinity / kInfinity for a missing side.
struct MipProblem {
  static constexpr double kInfinity = 1e30;

  struct Row {
    std::vector<std::pair<int, double>> terms;  // (column, coefficient)
    double lower = -kInfinity;
    double upper = kInfinity;
  };

  std::vector<double> objective;  // one per column
  std::vector<double> lower;
  std::vector<double> upper;
  std::vector<bool> integer;
  std::vector<Row> rows;

  // Adds a column; returns its index.
  int AddColumn(double objective_coefficient, double lo, double hi,
                bool is_integer);
  int columns() const { return static_cast<int>(objective.size()); }
};

// The branch-and-cut back end. Both solve the same programs to the same
// contract; they differ only in speed (docs/benchmarks.md, "CBC or GLPK").
enum class MipSolver {
  kCbc,   // COIN-OR CBC (the default)
  kGlpk,  // GNU GLPK: glp_simplex, then glp_intopt
};

struct MipOptions {
  MipSolver solver = MipSolver::kCbc;
  // Wall-clock limit of the search; the best solution found by then is
  // returned with exact = false and the proven bound.
  absl::Duration time_limit = absl::Seconds(2);
  // Polled during the search; once it returns true the solve stops and
  // answers CANCELLED.
  std::function<bool()> cancelled;
};

struct MipSolution {
  std::vector<double> values;  // one per column; integers rounded exactly
  double objective = 0;        // objective value of `values`
  double bound = 0;            // no feasible solution has a larger value
  bool exact = false;          // proven optimal (bound == objective)
  std::string solver;          // "cbc" or "glpk"
};

// INVALID_ARGUMENT for inconsistent sizes, a column index out of range, or
// a non-finite coefficient; NOT_FOUND when no feasible solution was found
// (proven infeasible, or none within the time limit); CANCELLED as above.
// Bounds at or beyond kInfinity in magnitude are no bounds; integer columns'
// bounds are rounded inwards.
absl::StatusOr<MipSolution> SolveMip(const MipProblem& problem,
                                     const MipOptions& options = {});

}  // namespace vakwijzer::optimization

#endif  // VAKWIJZER_OPTIMIZATION_MIP_H_
