// Team-wide mentor assignment (TeamService.AssignMentors): an exact
// maximum-weight assignment of mentees to mentors with mentoring capacities,
// each pair weighed by the mentor matcher's score (plugins/mentor/
// mentor_scoring.h), at the scale of a whole organisation.
#ifndef VAKWIJZER_SERVICES_CORE_MENTOR_ASSIGNMENT_H_
#define VAKWIJZER_SERVICES_CORE_MENTOR_ASSIGNMENT_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "optimization/mip.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "vakwijzer/v1/team.pb.h"

namespace vakwijzer::core {

struct MentorAssignmentOptions {
  // Edges per mentee in the first restricted problem (>= 1); a mentee's
  // list at least doubles whenever the pricing pass finds a better edge.
  int initial_edges = 16;
  // Edges added per mentee and pricing pass, the most violated first
  // (0: as many as the mentee has, doubling its list).
  int added_edges = 0;
  // No two people mentor each other (AssignMentorsRequest.no_mutual).
  bool no_mutual = false;
  // The integer program behind no_mutual: its back end and time limit.
  optimization::MipSolver mip_solver = optimization::MipSolver::kCbc;
  absl::Duration time_limit = absl::Seconds(2);
};

// What a run did, for tests and benchmarks.
struct MentorAssignmentStats {
  int rounds = 0;            // restricted problems solved
  int64_t edges = 0;         // edges of the last restricted problem
  int64_t pairs_scored = 0;  // (mentee, mentor) scores computed
  double solve_seconds = 0;  // in the min-cost flow solver (wall time)
};

// Assigns each of `mentees` at most one of `mentors` (those with
// mentoring_capacity > 0, each at most that many mentees), maximising the
// sum of the pair weights, where the weight of (mentee, mentor) is the
// mentor matcher's score under `params` (its checked parameters: the
// granularity, threshold, voorbeeld_bonus and teams filter; lambda only
// orders a ranking and plays no part here). Allowed pairs are exactly the
// candidates the matcher would list for the mentee: not the mentee, same
// framework, capacity > 0, in one of `teams` when given, score > 0. Both
// lists must be in order of id and come from `snap`.
//
// Exact (up to the 1e-6 weight rounding of optimization/assignment.h) by
// delayed column generation: weights come from a dense scoring kernel
// (MentorLevelTable, no explanations), scored once and then kept as int32
// scaled weights (kAssignmentWeightScale) for the later pricing passes when
// they fit (at most 2^28 pairs, 1 GiB; otherwise every pass re-scores);
// each mentee starts with its `initial_edges` best mentors; the restricted
// problem is solved by min-cost flow (optimization/incremental_assignment.h,
// mentors as the side that places units), which keeps its flow and
// potentials between rounds and re-optimises from them by cost scaling;
// its exact potentials give dual prices, and a
// pricing pass re-prices every pair and adds the pairs whose reduced cost
// is negative. When none is left the potentials prove the restricted optimum
// optimal for all pairs (no negative cycle in the full residual graph).
// Memory is O(people × units + edges kept) plus 4 bytes per (mentee, mentor
// of its framework) pair while the weights are kept (about 400 MB at 10,000
// people); time is one scoring pass of O(mentees × mentors × gap units),
// cheap passes over the kept weights, and the flow solver, which dominates
// (docs/benchmarks.md). Pair weights in the answer are the matcher's scores
// bit for bit (Score() of the chosen pairs). Explanations are built for the
// chosen pairs only; they are the matcher's, without the MMR diversity note.
//
// With `options.no_mutual`, no mentee A gets mentor B while B gets mentor
// A. If the optimum above has no such pair it is the answer. Otherwise the
// potentials give each pair e a slack s_e >= 0 such that any assignment
// using e weighs at most optimum - s_e; breaking each mutual pair (dropping
// its lighter pair) loses L, so a restricted optimum uses only pairs of
// slack < L, or the broken optimum is itself optimal. Those candidates are
// solved as an integer program (optimization/mip.h, method
// "integer-program", back end `options.mip_solver`) with x_AB + x_BA <= 1
// within `options.time_limit`. At most kMaxMutualCandidates candidates,
// those of least slack, are kept; the least excluded slack still bounds
// the answer. When optimality is not proven in time, the better of the
// program's answer and the broken optimum is returned with exact = false
// and the proven upper_bound (up to the weight rounding).
//
// Pairs are sorted by (mentee, mentor) index; among optimal assignments of
// equal rounded weight the one returned may differ from the one the solver
// picks on all pairs. FAILED_PRECONDITION when a mentee has no framework;
// CANCELLED when `cancelled` returns true.
inline constexpr int64_t kMaxMutualCandidates = 200000;

absl::StatusOr<v1::MentorAssignment> AssignMentorsExact(
    const plugins::OrgSnapshot& snap,
    const std::vector<const plugins::PersonView*>& mentees,
    const std::vector<const plugins::PersonView*>& mentors,
    const plugins::Params& params, const std::function<bool()>& cancelled,
    const MentorAssignmentOptions& options = {},
    MentorAssignmentStats* stats = nullptr);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_MENTOR_ASSIGNMENT_H_
