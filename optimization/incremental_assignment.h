// Maximum-weight bipartite b-matching with unit demands that is re-optimised
// as edges are added: the restricted problem of delayed column generation
// (services/core/mentor_assignment.h), where each pricing round adds a few
// edges and a solve from scratch would redo all the work of the last one.
//
// Not thread-safe; copying is disabled.
#ifndef VAKWIJZER_OPTIMIZATION_INCREMENTAL_ASSIGNMENT_H_
#define VAKWIJZER_OPTIMIZATION_INCREMENTAL_ASSIGNMENT_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vakwijzer::optimization {

// Chooses edges, each at most once, maximising the sum of their weights,
// such that left node i is in at most left_capacity[i] chosen edges and
// right node j in at most right_capacity[j] (every demand is 1). Weights
// are rounded as in optimization/assignment.h (kAssignmentWeightScale), so
// the optimum is exact for weights given to six decimals.
//
// Method: min-cost flow left -> right (cap 1, cost -W) -> sink, where each
// unit of a left node may also go straight to the sink at cost 0 (stays
// unmatched), kept optimal together with node potentials pi under which
// every residual arc has a non-negative reduced cost.
//
// Solve() re-optimises by cost scaling (Goldberg, "An efficient
// implementation of a scaling minimum-cost flow algorithm", 1997): costs
// are multiplied by alpha = V + 1 (V nodes), the last flow and alpha times
// the last potentials are the start, and refines at eps = the largest
// violation / 4, / 16, ... down to 1 push units along arcs of negative
// reduced cost (first in, first out, with a current arc at left nodes and
// the sink) and lower prices where none is left. A flow that is 1-optimal
// for costs times alpha is optimal (a cycle has at most V arcs). Exact
// integer potentials then come from the prices divided by alpha (every
// reduced cost >= -1) and label-correcting shortest paths over the
// residual graph, which in practice change few nodes. Successive shortest
// paths (below) suffer where many pairs weigh nearly the same: each search
// settles every node on the plateau below the nearest target, and a pricing
// round re-routes most units; cost scaling moves prices in steps of eps
// for many units at once (10,000 people in docs/benchmarks.md: 58 s of
// solver time down to about 30 s). Time per Solve: O(E) per refine for
// the saturation pass plus the pushes and relabels (a relabel of a left
// node scans its arcs), O(log(alpha C)) refines, C the largest weight.
//
// When the prices could overflow int64 (16 V^2 times the largest scaled
// weight above 4e18), when set_method() asks for it, on the first Solve()
// and when fewer than 1 in 12 left nodes gained edges of negative reduced
// cost since the last one, Solve() uses successive shortest paths instead
// (for few such nodes the searches stay local, while every refine of cost
// scaling passes over all arcs): a left node that gained an edge of
// negative reduced cost (W > pi(left) - pi(right)) is unassigned, which
// leaves a unit short at its former partner (or at the sink), its potential
// is raised until its arcs are non-negative again (it has no residual arc
// in), and each such unit is routed by Dijkstra with the potentials to the
// nearest node that is short (successive shortest paths with several
// targets). Left nodes whose new edges already price out keep their
// partners. Time per Solve: O(U (E + V) log V) worst case, U = the units
// of the left nodes unassigned. Memory, either way: O(V + E).
//
// Potentials certify optimality beyond the edges added: after Solve(), an
// edge (i, j) of scaled weight W that is not (yet) an edge can raise the
// optimum only if W > LeftPotential(i) - RightPotential(j); when no such
// edge exists among all pairs, the optimum over the added edges is the
// optimum over all pairs. More generally any assignment over edges that all
// satisfy W <= LeftPotential(i) - RightPotential(j) and that uses an edge
// of slack s = LeftPotential(i) - RightPotential(j) - W weighs at most the
// optimum minus s (scaled).
//
// Deterministic: the same calls in the same order give the same pairs.
// Among solutions of equal rounded weight the one kept depends on the
// order of additions and solves (and on the method: cost scaling pushes in
// node and arc order; successive shortest paths, at equal distance, stop at
// the first node that is short, preferring the sink, then right nodes, then
// left nodes, each by index); it is not a closed-form rule.
class IncrementalAssignment {
 public:
  // Capacities must be >= 0 (checked by Solve()).
  IncrementalAssignment(std::vector<int> left_capacity,
                        std::vector<int> right_capacity);
  IncrementalAssignment(const IncrementalAssignment&) = delete;
  IncrementalAssignment& operator=(const IncrementalAssignment&) = delete;

  int left_count() const { return static_cast<int>(left_capacity_.size()); }
  int right_count() const { return static_cast<int>(right_capacity_.size()); }

  // Adds the edge (left, right). INVALID_ARGUMENT when an end is out of
  // range or the weight is not finite, > 0 and <= kMaxAssignmentWeight.
  // Duplicate edges are the caller's to avoid (not checked: the solver
  // would treat them as two parallel edges). Returns the edge's id, the
  // number of edges added before it.
  absl::StatusOr<int> AddEdge(int left, int right, double weight);

  // The algorithm of Solve(): kAuto is cost scaling unless its prices
  // could overflow; kSuccessiveShortestPaths always the searches (tests
  // compare the two).
  enum class Method { kAuto, kSuccessiveShortestPaths };
  void set_method(Method method) { method_ = method; }

  // Re-optimises (see above). INVALID_ARGUMENT for negative capacities or
  // when potentials could overflow int64 (more than about 4e18 / (8 V)
  // scaled weight per edge); CANCELLED when `cancelled` returns true
  // (polled between refines and every 256 pushes or relabels, or between
  // searches): the state is then inconsistent until the next Solve()
  // returns OK, which finishes the work.
  absl::Status Solve(const std::function<bool()>& cancelled = {});

  // The chosen (left, right) pairs, sorted; their total weight, adding the
  // original weights in pair order.
  std::vector<std::pair<int, int>> Pairs() const;
  double TotalWeight() const;

  int edge_count() const { return static_cast<int>(edge_left_.size()); }
  int EdgeLeft(int e) const { return edge_left_[e]; }
  int EdgeRight(int e) const { return ArcOf(e).right; }
  double EdgeWeight(int e) const { return edge_weight_[e]; }
  int64_t EdgeScaled(int e) const { return ArcOf(e).scaled; }
  bool EdgeChosen(int e) const { return ArcOf(e).chosen; }
  // The edges at left node i: Degree(i) of them, EdgeAt(i, k) their ids in
  // order of addition.
  int Degree(int left) const {
    return static_cast<int>(left_arcs_[left].size());
  }
  int EdgeAt(int left, int k) const { return left_arcs_[left][k].edge; }

  int64_t LeftPotential(int left) const { return node_[left].pi; }
  int64_t RightPotential(int right) const {
    return node_[left_count() + right].pi;
  }

  // Left nodes routed by the last Solve() by successive shortest paths (a
  // measure of its work; 0 after cost scaling).
  int64_t last_searches() const { return last_searches_; }

 private:
  // An edge as seen from its left node; a left node's arcs are contiguous
  // so that a search scans them in one pass.
  // 16 bytes: the scans of a left node's arcs are most of a solve's time.
  struct Arc {
    int right;
    int edge;
    // llround(weight * kAssignmentWeightScale), in [1, 1e12].
    int64_t scaled : 63;
    uint64_t chosen : 1;
  };
  // A chosen edge as seen from its right node.
  struct Chosen {
    int left;
    int slot;  // index into left_arcs_[left]
  };
  // Per node (left, right, sink): potential and search state together.
  struct Node {
    int64_t pi = 0;
    int64_t dist = 0;
    int seen = 0;  // search stamp when dist was set
    int done = 0;  // search stamp when settled
  };
  struct HeapEntry {
    int64_t dist;
    int node;
  };

  const Arc& ArcOf(int e) const {
    return left_arcs_[edge_left_[e]][edge_slot_[e]];
  }
  // Removes every unit of left node i and raises its potential.
  void Unassign(int i);
  // Routes one unit of left node `src` to the nearest node that is short.
  absl::Status Route(int src);
  // Chooses / gives up edge slot k of left node i.
  void Choose(int i, int k);
  void Unchoose(int i, int k);
  // No pairs, every unit unrouted, valid potentials: the start of a cold
  // solve by successive shortest paths.
  void ResetCold();
  absl::Status SolveByCostScaling(const std::function<bool()>& cancelled);

  std::vector<int> left_capacity_, right_capacity_;
  std::vector<int> edge_left_, edge_slot_;
  std::vector<double> edge_weight_;
  std::vector<std::vector<Arc>> left_arcs_;
  std::vector<std::vector<Chosen>> chosen_at_right_;
  std::vector<int> left_to_sink_;   // units of left i sent straight to sink
  std::vector<int> right_to_sink_;  // units right j passes to the sink
  // Units missing at each node: a right node that passes on more than it
  // receives, or the sink.
  std::vector<int> short_;
  std::vector<int> excess_;  // units of left i not routed yet
  std::vector<char> dirty_;  // left nodes to unassign at the next Solve()
  std::vector<Node> node_;
  int64_t max_scaled_ = 1;
  int64_t last_searches_ = 0;
  Method method_ = Method::kAuto;
  // Set while a cost-scaling solve has not finished: the flow may have
  // units not routed anywhere and the potentials are stale.
  bool needs_reset_ = false;

  // Cost-scaling state, reused: prices (costs times alpha), excesses, the
  // active nodes and the current arc of each left node.
  std::vector<int64_t> price_, cs_excess_;
  std::vector<int> cs_queue_, cs_current_;
  std::vector<char> cs_queued_;
  bool validated_ = false;
  int64_t solves_ = 0;  // Solve() calls

  // Search state, reused.
  std::vector<int> parent_node_;
  std::vector<int> parent_slot_;  // the arc in: slot at its left node, or -1
  std::vector<int> settled_;
  std::vector<HeapEntry> heap_;
  int stamp_ = 0;
};

}  // namespace vakwijzer::optimization

#endif  // VAKWIJZER_OPTIMIZATION_INCREMENTAL_ASSIGNMENT_H_
