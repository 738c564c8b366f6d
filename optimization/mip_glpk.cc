#include "optimization/mip_glpk.h"

#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <vector>

namespace vakwijzer::optimization::internal {
namespace {

// What the branch-and-cut callback reads and records.
struct SearchState {
  const std::function<bool()>* cancelled = nullptr;
  bool stopped = false;
  // The best bound of the open subproblems last seen (maximising): no
  // solution in the tree is better. +inf until the first one is seen.
  double bound = std::numeric_limits<double>::infinity();
};

void Callback(glp_tree* tree, void* info) {
  auto* state = static_cast<SearchState*>(info);
  if (*state->cancelled && (*state->cancelled)()) {
    state->stopped = true;
    glp_ios_terminate(tree);
    return;
  }
  // The active subproblem with the best bound bounds the whole tree. Bounds
  // only tighten as the search goes on, so the last one seen is the best.
  if (const int best = glp_ios_best_node(tree); best != 0) {
    state->bound = glp_ios_node_bound(tree, best);
  }
}

bool Infinite(double v) { return std::abs(v) >= MipProblem::kInfinity; }

// GLPK's bound type for [lo, hi].
int BoundType(double lo, double hi) {
  if (Infinite(lo) && Infinite(hi)) return GLP_FR;
  if (Infinite(hi)) return GLP_LO;
  if (Infinite(lo)) return GLP_UP;
  return lo == hi ? GLP_FX : GLP_DB;
}

struct ProblemDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

}  // namespace

absl::StatusOr<MipSolution> SolveWithGlpk(const MipProblem& problem,
                                          const MipOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const int n = problem.columns();
  const int m = static_cast<int>(problem.rows.size());
  MipSolution out;
  out.solver = "glpk";
  glp_term_out(GLP_OFF);

  std::unique_ptr<glp_prob, ProblemDeleter> lp(glp_create_prob());
  glp_set_obj_dir(lp.get(), GLP_MAX);
  glp_add_cols(lp.get(), n);
  for (int j = 0; j < n; ++j) {
    double lo = problem.lower[j], hi = problem.upper[j];
    if (problem.integer[j]) {
      // GLPK refuses fractional bounds on integer columns.
      if (!Infinite(lo)) lo = std::ceil(lo - 1e-9);
      if (!Infinite(hi)) hi = std::floor(hi + 1e-9);
      if (lo > hi) {
        return absl::NotFoundError("the program has no feasible solution");
      }
      glp_set_col_kind(lp.get(), j + 1, GLP_IV);
    }
    glp_set_col_bnds(lp.get(), j + 1, BoundType(lo, hi), lo, hi);
    glp_set_obj_coef(lp.get(), j + 1, problem.objective[j]);
  }
  // The matrix, 1-based, one entry per (row, column): glp_load_matrix
  // refuses duplicates, which MipProblem allows (they add up).
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0};
  if (m > 0) glp_add_rows(lp.get(), m);
  for (int r = 0; r < m; ++r) {
    const MipProblem::Row& row = problem.rows[r];
    glp_set_row_bnds(lp.get(), r + 1, BoundType(row.lower, row.upper),
                     row.lower, row.upper);
    std::map<int, double> merged;
    for (const auto& [j, a] : row.terms) merged[j] += a;
    for (const auto& [j, a] : merged) {
      if (a == 0) continue;
      ia.push_back(r + 1);
      ja.push_back(j + 1);
      ar.push_back(a);
    }
  }
  glp_load_matrix(lp.get(), static_cast<int>(ia.size()) - 1, ia.data(),
                  ja.data(), ar.data());

  auto remaining_ms = [&] {
    const double used =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    const double left = absl::ToDoubleSeconds(options.time_limit) - used;
    return static_cast<int>(std::clamp(left * 1000, 1.0, 2e9));
  };

  // The LP relaxation first: its optimum is the bound should the search stop
  // before it has one of its own, and glp_intopt without its presolver
  // starts from this basis.
  glp_smcp simplex;
  glp_init_smcp(&simplex);
  simplex.msg_lev = GLP_MSG_OFF;
  simplex.presolve = GLP_ON;
  simplex.tm_lim = remaining_ms();
  const int lp_ret = glp_simplex(lp.get(), &simplex);
  if (options.cancelled && options.cancelled()) {
    return absl::CancelledError("the call was cancelled");
  }
  if (lp_ret == GLP_ENOPFS || glp_get_status(lp.get()) == GLP_NOFEAS) {
    return absl::NotFoundError("the program has no feasible solution");
  }
  if (lp_ret == GLP_ENODFS || glp_get_status(lp.get()) == GLP_UNBND) {
    return absl::InvalidArgumentError("the program is unbounded");
  }
  if (lp_ret != 0 || glp_get_status(lp.get()) != GLP_OPT) {
    return absl::NotFoundError(
        "no feasible solution found within the time limit");
  }
  const double lp_bound = glp_get_obj_val(lp.get());

  SearchState state;
  state.cancelled = &options.cancelled;
  glp_iocp search;
  glp_init_iocp(&search);
  search.msg_lev = GLP_MSG_OFF;
  search.presolve = GLP_OFF;
  search.br_tech = GLP_BR_DTH;  // Driebeck-Tomlin
  search.bt_tech = GLP_BT_BLB;  // best local bound
  search.mir_cuts = GLP_ON;
  search.cov_cuts = GLP_ON;
  search.clq_cuts = GLP_ON;
  search.gmi_cuts = GLP_ON;
  search.fp_heur = GLP_ON;
  search.tm_lim = remaining_ms();
  search.cb_func = Callback;
  search.cb_info = &state;
  const int ret = glp_intopt(lp.get(), &search);
  if (state.stopped) return absl::CancelledError("the call was cancelled");
  const int status = glp_mip_status(lp.get());
  if (status == GLP_NOFEAS) {
    return absl::NotFoundError("the program has no feasible solution");
  }
  if (status != GLP_OPT && status != GLP_FEAS) {
    return absl::NotFoundError(
        "no feasible solution found within the time limit");
  }
  out.values.resize(n);
  for (int j = 0; j < n; ++j) {
    out.values[j] = glp_mip_col_val(lp.get(), j + 1);
    if (problem.integer[j]) out.values[j] = std::round(out.values[j]);
    out.objective += problem.objective[j] * out.values[j];
  }
  out.exact = ret == 0 && status == GLP_OPT;
  out.bound = out.exact
                  ? out.objective
                  : std::max(out.objective, std::min(lp_bound, state.bound));
  return out;
}

}  // namespace vakwijzer::optimization::internal
