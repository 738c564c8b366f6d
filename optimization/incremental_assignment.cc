#include "optimization/incremental_assignment.h"

#include <algorithm>
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
  at_left_.resize(left);
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
  pi_.assign(nodes, 0);
  dist_.assign(nodes, 0);
  parent_node_.assign(nodes, -1);
  parent_edge_.assign(nodes, -1);
  seen_.assign(nodes, 0);
  done_.assign(nodes, 0);
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
  edge_right_.push_back(right);
  edge_weight_.push_back(weight);
  edge_scaled_.push_back(scaled);
  edge_flow_.push_back(0);
  at_left_[left].push_back(e);
  // A new arc of negative reduced cost breaks the potentials: its left node
  // is unassigned at the next Solve().
  if (scaled > pi_[left] - pi_[left_count() + right]) dirty_[left] = 1;
  return e;
}

void IncrementalAssignment::Unassign(int i) {
  const int left = left_count(), sink = left + right_count();
  for (int e : at_left_[i]) {
    if (!edge_flow_[e]) continue;
    edge_flow_[e] = 0;
    const int j = edge_right_[e];
    std::vector<int>& chosen = chosen_at_right_[j];
    chosen.erase(std::find(chosen.begin(), chosen.end(), e));
    ++short_[left + j];
  }
  short_[sink] += left_to_sink_[i];
  left_to_sink_[i] = 0;
  excess_[i] = std::max(0, left_capacity_[i]);
  // No residual arc enters i now, so its potential may rise freely: to the
  // least value that makes every arc out of it non-negative.
  int64_t p = pi_[sink];
  for (int e : at_left_[i]) {
    p = std::max(p, pi_[left + edge_right_[e]] + edge_scaled_[e]);
  }
  pi_[i] = p;
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
  std::vector<HeapEntry>& heap = heap_;
  heap.clear();
  settled_.clear();
  ++stamp_;
  dist_[src] = 0;
  seen_[src] = stamp_;
  heap.push_back({0, src});
  int target = -1;
  const auto relax = [&](int u, int v, int64_t cost, int edge) {
    if (done_[v] == stamp_) return;
    const int64_t nd = dist_[u] + cost + pi_[u] - pi_[v];
    if (seen_[v] != stamp_ || nd < dist_[v]) {
      seen_[v] = stamp_;
      dist_[v] = nd;
      parent_node_[v] = u;
      parent_edge_[v] = edge;
      heap.push_back({nd, v});
      std::push_heap(heap.begin(), heap.end(), farther);
    }
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), farther);
    const int u = heap.back().node;
    heap.pop_back();
    if (done_[u] == stamp_) continue;
    done_[u] = stamp_;
    settled_.push_back(u);
    if (short_[u] > 0) {
      target = u;
      break;
    }
    if (u < left) {
      for (int e : at_left_[u]) {
        if (!edge_flow_[e]) {
          relax(u, left + edge_right_[e], -edge_scaled_[e], e);
        }
      }
      if (left_to_sink_[u] < left_capacity_[u]) relax(u, sink, 0, -1);
    } else if (u < sink) {
      const int j = u - left;
      for (int e : chosen_at_right_[j]) {
        relax(u, edge_left_[e], edge_scaled_[e], e);
      }
      if (right_to_sink_[j] < right_capacity_[j]) relax(u, sink, 0, -1);
    } else {
      for (int j = 0; j < right; ++j) {
        if (right_to_sink_[j] > 0) relax(u, left + j, 0, -1);
      }
      for (int i = 0; i < left; ++i) {
        if (left_to_sink_[i] > 0) relax(u, i, 0, -1);
      }
    }
  }
  if (target < 0) {
    return absl::InternalError("incremental assignment: no node is short");
  }
  // pi(v) += min(d(v), d(target)), shifted by -d(target) so that nodes not
  // settled keep theirs: every residual arc stays non-negative, and those on
  // the path become zero.
  const int64_t to_target = dist_[target];
  for (int v : settled_) pi_[v] += dist_[v] - to_target;
  for (int v = target; v != src; v = parent_node_[v]) {
    const int u = parent_node_[v];
    const int e = parent_edge_[v];
    if (e >= 0 && u < left) {  // left -> right: choose the edge
      edge_flow_[e] = 1;
      chosen_at_right_[edge_right_[e]].push_back(e);
    } else if (e >= 0) {  // right -> left: give the edge up
      edge_flow_[e] = 0;
      std::vector<int>& chosen = chosen_at_right_[u - left];
      chosen.erase(std::find(chosen.begin(), chosen.end(), e));
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
  for (int e = 0; e < edge_count(); ++e) {
    if (edge_flow_[e]) pairs.emplace_back(edge_left_[e], edge_right_[e]);
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

double IncrementalAssignment::TotalWeight() const {
  std::vector<std::tuple<int, int, double>> chosen;
  for (int e = 0; e < edge_count(); ++e) {
    if (edge_flow_[e]) {
      chosen.emplace_back(edge_left_[e], edge_right_[e], edge_weight_[e]);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  double total = 0;
  for (const auto& c : chosen) total += std::get<2>(c);
  return total;
}

}  // namespace vakwijzer::optimization
