#include "optimization/incremental_assignment.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "optimization/assignment.h"

namespace vakwijzer::optimization {

// Nodes: left i is i, right j is L + j, the sink is L + R. Residual arcs:
//  left i -> right j    an edge not chosen, cost -W
//  right j -> left i    a chosen edge, cost +W
//  left i -> sink       while left_to_sink_[i] < left_capacity_[i], cost 0
//  sink -> left i       while left_to_sink_[i] > 0, cost 0
//  right j -> sink      while right_to_sink_[j] < right_capacity_[j], cost 0
//  sink -> right j      while right_to_sink_[j] > 0, cost 0
// Flow is conserved everywhere except at left nodes with excess_ (units not
// routed) and at nodes that are short_ (the sink, or a right node that
// passes more units on than it receives); both sums are equal.

IncrementalAssignment::IncrementalAssignment(std::vector<int> left_capacity,
                                             std::vector<int> right_capacity)
    : left_capacity_(std::move(left_capacity)),
      right_capacity_(std::move(right_capacity)) {
  const int left = left_count(), nodes = left + right_count() + 1;
  left_arcs_.resize(left);
  chosen_at_right_.resize(right_count());
  // Start from every unit sent straight to the sink: feasible and optimal
  // without edges, and zero potentials are then valid.
  left_to_sink_.resize(left);
  for (int i = 0; i < left; ++i) {
    left_to_sink_[i] = std::max(0, left_capacity_[i]);
  }
  right_to_sink_.assign(right_count(), 0);
  short_.assign(nodes, 0);
  excess_.assign(left, 0);
  dirty_.assign(left, 0);
  node_.resize(nodes);
  parent_node_.assign(nodes, -1);
  parent_slot_.assign(nodes, -1);
}

absl::StatusOr<int> IncrementalAssignment::AddEdge(int left, int right,
                                                   double weight) {
  const int e = edge_count();
  if (left < 0 || left >= left_count()) {
    return absl::InvalidArgumentError(
        absl::StrCat("edges[", e, "].left = ", left, " is out of range [0, ",
                     left_count(), ")"));
  }
  if (right < 0 || right >= right_count()) {
    return absl::InvalidArgumentError(
        absl::StrCat("edges[", e, "].right = ", right, " is out of range [0, ",
                     right_count(), ")"));
  }
  if (!std::isfinite(weight) || weight <= 0 || weight > kMaxAssignmentWeight) {
    return absl::InvalidArgumentError(
        absl::StrCat("edges[", e, "].weight must be finite, > 0 and <= ",
                     kMaxAssignmentWeight, ", got ", weight));
  }
  const int64_t scaled =
      std::max<int64_t>(1, std::llround(weight * kAssignmentWeightScale));
  max_scaled_ = std::max(max_scaled_, scaled);
  edge_left_.push_back(left);
  edge_slot_.push_back(static_cast<int>(left_arcs_[left].size()));
  edge_weight_.push_back(weight);
  left_arcs_[left].push_back({right, e, scaled, false});
  // A new arc of negative reduced cost breaks the potentials: its left node
  // is unassigned at the next Solve().
  if (scaled > node_[left].pi - node_[left_count() + right].pi) {
    dirty_[left] = 1;
  }
  return e;
}

void IncrementalAssignment::Unassign(int i) {
  const int left = left_count(), sink = left + right_count();
  int64_t p = node_[sink].pi;
  for (Arc& arc : left_arcs_[i]) {
    if (arc.chosen) {
      arc.chosen = false;
      std::vector<Chosen>& chosen = chosen_at_right_[arc.right];
      chosen.erase(std::find_if(chosen.begin(), chosen.end(),
                                [i](const Chosen& c) { return c.left == i; }));
      ++short_[left + arc.right];
    }
    p = std::max(p, node_[left + arc.right].pi + arc.scaled);
  }
  short_[sink] += left_to_sink_[i];
  left_to_sink_[i] = 0;
  excess_[i] = std::max(0, left_capacity_[i]);
  // No residual arc enters i now, so its potential may rise freely: to the
  // least value that makes every arc out of it non-negative.
  node_[i].pi = p;
}

absl::Status IncrementalAssignment::Route(int src) {
  const int left = left_count(), right = right_count();
  const int sink = left + right;
  // Nearest on top; at equal distance the sink, then right nodes, then left
  // nodes, each by index.
  const auto farther = [left, sink](const HeapEntry& a, const HeapEntry& b) {
    if (a.dist != b.dist) return a.dist > b.dist;
    const auto key = [left, sink](int v) {
      return v == sink ? -1 : v >= left ? v - left : v + sink;
    };
    return key(a.node) > key(b.node);
  };
  const int stamp = ++stamp_;
  std::vector<HeapEntry>& heap = heap_;
  heap.clear();
  settled_.clear();
  node_[src].dist = 0;
  node_[src].seen = stamp;
  heap.push_back({0, src});
  // The least distance found so far to a node that is short: nothing
  // farther can be settled before the search ends.
  int64_t bound = INT64_MAX;
  // Relaxes u -> v of reduced cost `reduced`; `slot` is the arc's slot at
  // its left end when it is an edge, else -1.
  const auto relax = [&](int u, int64_t du, int v, int64_t reduced, int slot) {
    const int64_t nd = du + reduced;
    if (nd > bound) return;
    Node& n = node_[v];
    if (n.done == stamp) return;
    if (n.seen != stamp || nd < n.dist) {
      if (short_[v] > 0) bound = nd;
      n.seen = stamp;
      n.dist = nd;
      parent_node_[v] = u;
      parent_slot_[v] = slot;
      heap.push_back({nd, v});
      std::push_heap(heap.begin(), heap.end(), farther);
    }
  };
  int target = -1;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), farther);
    const int u = heap.back().node;
    heap.pop_back();
    Node& nu = node_[u];
    if (nu.done == stamp) continue;
    nu.done = stamp;
    settled_.push_back(u);
    if (short_[u] > 0) {
      target = u;
      break;
    }
    const int64_t du = nu.dist, pu = nu.pi;
    if (u < left) {
      const std::vector<Arc>& arcs = left_arcs_[u];
      for (int k = 0, n = static_cast<int>(arcs.size()); k < n; ++k) {
        const Arc& arc = arcs[k];
        if (arc.chosen) continue;
        const int v = left + arc.right;
        relax(u, du, v, pu - arc.scaled - node_[v].pi, k);
      }
      if (left_to_sink_[u] < left_capacity_[u]) {
        relax(u, du, sink, pu - node_[sink].pi, -1);
      }
    } else if (u < sink) {
      const int j = u - left;
      for (const Chosen& c : chosen_at_right_[j]) {
        relax(u, du, c.left,
              left_arcs_[c.left][c.slot].scaled + pu - node_[c.left].pi,
              c.slot);
      }
      if (right_to_sink_[j] < right_capacity_[j]) {
        relax(u, du, sink, pu - node_[sink].pi, -1);
      }
    } else {
      for (int j = 0; j < right; ++j) {
        if (right_to_sink_[j] > 0) {
          relax(u, du, left + j, pu - node_[left + j].pi, -1);
        }
      }
      for (int i = 0; i < left; ++i) {
        if (left_to_sink_[i] > 0) relax(u, du, i, pu - node_[i].pi, -1);
      }
    }
  }
  if (target < 0) {
    return absl::InternalError("incremental assignment: no node is short");
  }
  // pi(v) += min(d(v), d(target)), shifted by -d(target) so that nodes not
  // settled keep theirs: every residual arc stays non-negative, and those on
  // the path become zero.
  const int64_t to_target = node_[target].dist;
  for (int v : settled_) node_[v].pi += node_[v].dist - to_target;
  for (int v = target; v != src; v = parent_node_[v]) {
    const int u = parent_node_[v];
    const int slot = parent_slot_[v];
    if (slot >= 0 && u < left) {  // left -> right: choose the edge
      left_arcs_[u][slot].chosen = true;
      chosen_at_right_[v - left].push_back({u, slot});
    } else if (slot >= 0) {  // right -> left: give the edge up
      left_arcs_[v][slot].chosen = false;
      std::vector<Chosen>& chosen = chosen_at_right_[u - left];
      chosen.erase(std::find_if(chosen.begin(), chosen.end(),
                                [v](const Chosen& c) { return c.left == v; }));
    } else if (v == sink) {
      if (u < left) {
        ++left_to_sink_[u];
      } else {
        ++right_to_sink_[u - left];
      }
    } else if (v < left) {
      --left_to_sink_[v];
    } else {
      --right_to_sink_[v - left];
    }
  }
  --short_[target];
  --excess_[src];
  return absl::OkStatus();
}

absl::Status IncrementalAssignment::Solve(
    const std::function<bool()>& cancelled) {
  if (!validated_) {
    for (int i = 0; i < left_count(); ++i) {
      if (left_capacity_[i] < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "left_capacity[", i, "] must be >= 0, got ", left_capacity_[i]));
      }
    }
    for (int j = 0; j < right_count(); ++j) {
      if (right_capacity_[j] < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "right_capacity[", j, "] must be >= 0, got ", right_capacity_[j]));
      }
    }
    validated_ = true;
  }
  // As in optimization/assignment.cc: potentials stay within a few times
  // (V + 2) times the largest cost.
  const double span =
      8.0 * (static_cast<double>(left_count()) + right_count() + 2.0);
  if (span * static_cast<double>(max_scaled_) > 4.0e18) {
    return absl::InvalidArgumentError(absl::StrCat(
        "instance too large for exact 64-bit costs: ", left_count(), " + ",
        right_count(), " nodes, largest weight ",
        static_cast<double>(max_scaled_) / kAssignmentWeightScale));
  }
  // Unassign first, route after: the units short are then spread over the
  // former partners, and a search usually ends at a near one.
  for (int i = 0; i < left_count(); ++i) {
    if (dirty_[i]) {
      dirty_[i] = 0;
      Unassign(i);
    }
  }
  last_searches_ = 0;
  for (int i = 0; i < left_count(); ++i) {
    while (excess_[i] > 0) {
      if (cancelled && cancelled()) {
        return absl::CancelledError("assignment cancelled");
      }
      if (absl::Status s = Route(i); !s.ok()) return s;
      ++last_searches_;
    }
  }
  return absl::OkStatus();
}

std::vector<std::pair<int, int>> IncrementalAssignment::Pairs() const {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < left_count(); ++i) {
    for (const Arc& arc : left_arcs_[i]) {
      if (arc.chosen) pairs.emplace_back(i, arc.right);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

double IncrementalAssignment::TotalWeight() const {
  std::vector<std::pair<int, int>> chosen;  // (right, edge) per left node
  double total = 0;
  for (int i = 0; i < left_count(); ++i) {
    chosen.clear();
    for (const Arc& arc : left_arcs_[i]) {
      if (arc.chosen) chosen.emplace_back(arc.right, arc.edge);
    }
    std::sort(chosen.begin(), chosen.end());
    for (const auto& [j, e] : chosen) total += edge_weight_[e];
  }
  return total;
}

}  // namespace vakwijzer::optimization
