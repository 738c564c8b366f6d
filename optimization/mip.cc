#include "optimization/mip.h"

#include <CbcEventHandler.hpp>
#include <CbcHeuristic.hpp>
#include <CbcHeuristicFPump.hpp>
#include <CbcModel.hpp>
#include <CglClique.hpp>
#include <CglFlowCover.hpp>
#include <CglGomory.hpp>
#include <CglKnapsackCover.hpp>
#include <CglMixedIntegerRounding2.hpp>
#include <CglProbing.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "optimization/mip_glpk.h"

namespace vakwijzer::optimization {
namespace {

// Stops the search once `cancelled` says so. CBC clones its handler, so the
// clones share the flag.
class StopHandler : public CbcEventHandler {
 public:
  StopHandler(const std::function<bool()>* cancelled,
              std::shared_ptr<std::atomic<bool>> stopped)
      : cancelled_(cancelled), stopped_(std::move(stopped)) {}

  CbcAction event(CbcEvent) override {
    if (*cancelled_ && (*cancelled_)()) {
      stopped_->store(true);
      return stop;
    }
    return noAction;
  }
  CbcEventHandler* clone() const override { return new StopHandler(*this); }

 private:
  const std::function<bool()>* cancelled_;
  std::shared_ptr<std::atomic<bool>> stopped_;
};

bool Finite(double v) { return std::isfinite(v); }

absl::Status Validate(const MipProblem& p) {
  const size_t n = p.objective.size();
  if (p.lower.size() != n || p.upper.size() != n || p.integer.size() != n) {
    return absl::InvalidArgumentError(
        "objective, lower, upper and integer must have one entry per column");
  }
  for (size_t j = 0; j < n; ++j) {
    if (!Finite(p.objective[j])) {
      return absl::InvalidArgumentError(
          absl::StrCat("objective[", j, "]: not finite"));
    }
    if (std::isnan(p.lower[j]) || std::isnan(p.upper[j]) ||
        p.lower[j] > p.upper[j]) {
      return absl::InvalidArgumentError(
          absl::StrCat("column ", j, ": bounds are empty or NaN"));
    }
  }
  for (size_t r = 0; r < p.rows.size(); ++r) {
    const MipProblem::Row& row = p.rows[r];
    if (std::isnan(row.lower) || std::isnan(row.upper) ||
        row.lower > row.upper) {
      return absl::InvalidArgumentError(
          absl::StrCat("rows[", r, "]: bounds are empty or NaN"));
    }
    for (const auto& [j, a] : row.terms) {
      if (j < 0 || static_cast<size_t>(j) >= n || !Finite(a)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rows[", r, "]: column ", j, " out of range or coefficient ", a));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

int MipProblem::AddColumn(double objective_coefficient, double lo, double hi,
                          bool is_integer) {
  objective.push_back(objective_coefficient);
  lower.push_back(lo);
  upper.push_back(hi);
  integer.push_back(is_integer);
  return columns() - 1;
}

namespace {

// Branch and cut on CBC; `problem` is valid and has columns.
absl::StatusOr<MipSolution> SolveWithCbc(const MipProblem& problem,
                                         const MipOptions& options) {
  const int n = problem.columns();
  MipSolution out;
  out.solver = "cbc";

  // Row-ordered, built in one go: appending rows one by one reallocates
  // the whole matrix each time (quadratic; a minute at 50,000 rows).
  std::vector<CoinBigIndex> start{0};
  std::vector<int> length, index;
  std::vector<double> value, row_lower, row_upper;
  for (const MipProblem::Row& row : problem.rows) {
    for (const auto& [j, a] : row.terms) {
      index.push_back(j);
      value.push_back(a);
    }
    length.push_back(static_cast<int>(row.terms.size()));
    start.push_back(static_cast<CoinBigIndex>(index.size()));
    row_lower.push_back(row.lower);
    row_upper.push_back(row.upper);
  }
  CoinPackedMatrix matrix(false, n, static_cast<int>(problem.rows.size()),
                          static_cast<CoinBigIndex>(index.size()), value.data(),
                          index.data(), start.data(), length.data());
  auto clamp = [](double v) {
    return std::max(-COIN_DBL_MAX, std::min(COIN_DBL_MAX, v));
  };
  std::vector<double> lo(problem.lower), hi(problem.upper);
  for (double& v : lo) v = clamp(v);
  for (double& v : hi) v = clamp(v);
  for (double& v : row_lower) v = clamp(v);
  for (double& v : row_upper) v = clamp(v);

  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(matrix, lo.data(), hi.data(), problem.objective.data(),
                     row_lower.data(), row_upper.data());
  solver.setObjSense(-1);  // maximise
  for (int j = 0; j < n; ++j) {
    if (problem.integer[j]) solver.setInteger(j);
  }

  CbcModel model(solver);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.setNumberThreads(0);
  const double limit_seconds =
      std::max(0.001, absl::ToDoubleSeconds(options.time_limit));
  model.setMaximumSeconds(limit_seconds);
  model.setUseElapsedTime(true);
  auto stopped = std::make_shared<std::atomic<bool>>(false);
  StopHandler handler(&options.cancelled, stopped);
  model.passInEventHandler(&handler);

  CglProbing probing;
  probing.setUsingObjective(true);
  probing.setMaxPass(3);
  probing.setMaxProbe(100);
  probing.setMaxLook(50);
  probing.setRowCuts(3);
  CglGomory gomory;
  gomory.setLimit(300);
  CglKnapsackCover knapsack;
  CglClique clique;
  clique.setStarCliqueReport(false);
  clique.setRowCliqueReport(false);
  CglMixedIntegerRounding2 rounding;
  CglFlowCover flow;
  model.addCutGenerator(&probing, -1, "Probing");
  model.addCutGenerator(&gomory, -1, "Gomory");
  model.addCutGenerator(&knapsack, -1, "Knapsack");
  model.addCutGenerator(&clique, -1, "Clique");
  model.addCutGenerator(&rounding, -1, "MIR2");
  model.addCutGenerator(&flow, -1, "FlowCover");
  CbcRounding heuristic_rounding(model);
  model.addHeuristic(&heuristic_rounding);
  CbcHeuristicFPump pump(model);
  model.addHeuristic(&pump);

  // CbcModel's limit does not cover the root LP (initialSolve), which alone
  // took 8-20 s on PlanTeamTraining over 1,000 people: Clp gets the same
  // wall-clock limit, counted from here, for that LP only. (Left on, it
  // would cut node LPs short inside the search and spoil CBC's bound.)
  auto* clp = dynamic_cast<OsiClpSolverInterface*>(model.solver());
  if (clp != nullptr) clp->getModelPtr()->setMaximumWallSeconds(limit_seconds);
  model.initialSolve();
  if (clp != nullptr) clp->getModelPtr()->setMaximumWallSeconds(-1);
  if (stopped->load()) return absl::CancelledError("the call was cancelled");
  if (model.solver()->isProvenPrimalInfeasible()) {
    return absl::NotFoundError("the program has no feasible solution");
  }
  if (model.solver()->isIterationLimitReached()) {
    return absl::NotFoundError(
        "no feasible solution found within the time limit");
  }
  model.branchAndBound();
  if (stopped->load()) return absl::CancelledError("the call was cancelled");
  const double* best = model.bestSolution();
  if (best == nullptr) {
    return absl::NotFoundError(
        model.isProvenInfeasible()
            ? "the program has no feasible solution"
            : "no feasible solution found within the time limit");
  }
  out.values.assign(best, best + n);
  for (int j = 0; j < n; ++j) {
    if (problem.integer[j]) out.values[j] = std::round(out.values[j]);
    out.objective += problem.objective[j] * out.values[j];
  }
  out.exact = model.isProvenOptimal();
  // In the problem's own (maximising) sense, like getObjValue().
  const double bound = model.getBestPossibleObjValue();
  out.bound = out.exact ? out.objective : std::max(out.objective, bound);
  return out;
}

}  // namespace

absl::StatusOr<MipSolution> SolveMip(const MipProblem& problem,
                                     const MipOptions& options) {
  if (absl::Status s = Validate(problem); !s.ok()) return s;
  if (options.cancelled && options.cancelled()) {
    return absl::CancelledError("the call was cancelled");
  }
  if (problem.columns() == 0) {
    MipSolution out;
    out.solver = options.solver == MipSolver::kGlpk ? "glpk" : "cbc";
    out.exact = true;
    return out;
  }
  switch (options.solver) {
    case MipSolver::kGlpk:
      return internal::SolveWithGlpk(problem, options);
    case MipSolver::kCbc:
      break;
  }
  return SolveWithCbc(problem, options);
}

}  // namespace vakwijzer::optimization
