// Maximum-weight bipartite b-matching with capacities and demands: the
// team-wide assignment behind mentor matching (mentees to mentors) and case
// staffing (cases to staff), domain.md §5.
//
// A pure function of its input; thread-compatible (no shared state).
#ifndef VAKWIJZER_OPTIMIZATION_ASSIGNMENT_H_
#define VAKWIJZER_OPTIMIZATION_ASSIGNMENT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace vakwijzer::optimization {

struct AssignmentProblem {
  int left_count = 0;   // e.g. mentees or cases
  int right_count = 0;  // e.g. mentors or staff
  // How many partners left node i may get (1 mentor per mentee, 1 person per
  // case). Sized left_count; each >= 0.
  std::vector<int> left_capacity;
  // Units one assignment of left node i takes on its right partner (a case's
  // workload; 1 for mentees). Sized left_count; each >= 1.
  std::vector<int> left_demand;
  // Units right node j can take (mentoring places, remaining caseload).
  // Sized right_count; each >= 0.
  std::vector<int> right_capacity;
  // An allowed pair; weight finite, > 0 and <= kMaxAssignmentWeight. At most
  // one edge per (left, right).
  struct Edge {
    int left = 0;
    int right = 0;
    double weight = 0;
  };
  std::vector<Edge> edges;
};

struct Assignment {
  // Chosen (left, right) pairs, sorted.
  std::vector<std::pair<int, int>> pairs;
  // Sum of the original weights of the chosen edges, added in pair order.
  double total_weight = 0;
  // An upper bound on the best total weight: equal to total_weight when
  // `exact`, otherwise the optimum of a relaxation (see below).
  double upper_bound = 0;
  // Whether total_weight is proven maximal (up to the weight rounding below).
  bool exact = false;
  // "min-cost-flow", "branch-and-bound" or "greedy-repair".
  std::string method;
};

// Weights are compared as int64 after rounding weight * kAssignmentWeightScale
// to the nearest integer, so the optimum is exact for weights given to six
// decimals; weights that differ by less than 5e-7 may be treated as equal.
inline constexpr double kAssignmentWeightScale = 1e6;
inline constexpr double kMaxAssignmentWeight = 1e6;
// Instances with left_demand > 1 that the flow model cannot express are solved
// by branch and bound when at most this many usable edges remain (edges whose
// left node has capacity and whose demand fits the right node's capacity),
// and the search visits at most kMaxBranchAndBoundNodes nodes.
inline constexpr int kMaxBranchAndBoundEdges = 30;
inline constexpr int64_t kMaxBranchAndBoundNodes = int64_t{1} << 20;

// Chooses a subset of `p.edges`, each at most once, maximising the sum of
// weights, such that left node i is in at most left_capacity[i] chosen edges
// and, for every right node j, the sum of left_demand[i] over chosen edges
// (i, j) is at most right_capacity[j]. Nodes may stay unmatched.
//
// Methods, in order of preference:
//  - "min-cost-flow" (exact) when, for every right node, all left nodes with
//    a usable edge to it have the same demand d (always so when every demand
//    is 1): right capacity c becomes floor(c / d) assignments. Successive
//    shortest paths (Ahuja, Magnanti & Orlin ch. 9) on left -> right (cap 1,
//    cost -weight) -> sink, started from each unit of the side with fewer
//    units to place, where each such unit may also go straight to the sink
//    at cost 0 (stays unmatched): so a pair is added only along a path of
//    negative cost, i.e. one that raises the total weight. Dijkstra with
//    Johnson potentials, stopping at the sink. Time O(U (E + V) log V) worst
//    case, U = the smaller of sum_i min(left_capacity_i, degree_i) and
//    sum_j min(floor(c_j / d_j), degree_j); typically a search touches only
//    part of the graph.
//  - "branch-and-bound" (exact) otherwise, when at most
//    kMaxBranchAndBoundEdges usable edges remain: depth-first over edges by
//    descending weight, pruned by the smaller of two bounds (per left node,
//    its best remaining edges; per right node, a fractional knapsack). If the
//    node budget runs out the best solution found is returned with
//    exact = false.
//  - "greedy-repair" otherwise (a generalised assignment problem, NP-hard):
//    the better of (a) the flow optimum of the relaxation where right node j
//    takes floor(c_j / smallest demand among its neighbours) assignments,
//    repaired by dropping its lowest weight-per-demand edges where
//    overloaded, and (b) greedy by descending weight / demand; both then
//    improved by fill and 1-swap passes. The relaxation's optimum is the
//    upper_bound; exact is true when the solution reaches it.
//
// Deterministic and independent of the order of `p.edges`. Among solutions
// of equal (rounded) weight:
//  - min-cost-flow places the units of the side with fewer to place (left
//    when equal) in node index order, and each search, at equal distance,
//    stops at the first shortest path and otherwise expands smaller node
//    indices first; this favours smaller indices but is not a closed-form
//    rule. (Breaking ties exactly, e.g. by a lexicographic
//    secondary cost, makes every search on tie-heavy inputs such as small
//    integer scores explore all equally good alternatives: 5-20 times
//    slower, over a second on the 2,000 x 500 case.)
//  - branch-and-bound returns one minimising the sum of the chosen edges'
//    ranks, rank being an edge's position when all edges are sorted by
//    (left, right);
//  - greedy-repair follows its greedy order (weight per demand, then rank).
//
// INVALID_ARGUMENT naming the field (e.g. "edges[3].right") when sizes,
// capacities (>= 0), demands (>= 1), edge ends, weights or duplicate edges
// are wrong, or when the instance is too large for exact 64-bit costs.
// `cancelled`, when set, is polled between augmentations and search steps;
// CANCELLED once it returns true.
absl::StatusOr<Assignment> SolveMaxWeightAssignment(
    const AssignmentProblem& p, const std::function<bool()>& cancelled = {});

}  // namespace vakwijzer::optimization

#endif  // VAKWIJZER_OPTIMIZATION_ASSIGNMENT_H_
