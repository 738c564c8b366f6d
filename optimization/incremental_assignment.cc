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

namespace {

// Solve() searches when fewer than one left node in kSearchShare has new
// arcs of negative reduced cost (2,000 and 10,000 people in
// docs/benchmarks.md: searches won below about 8 %, lost badly above 14 %).
constexpr int kSearchShare = 12;

// floor(a / b) for b > 0.
int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

void IncrementalAssignment::Choose(int i, int k) {
  Arc& arc = left_arcs_[i][k];
  arc.chosen = true;
  chosen_at_right_[arc.right].push_back({i, k});
}

void IncrementalAssignment::Unchoose(int i, int k) {
  Arc& arc = left_arcs_[i][k];
  arc.chosen = false;
  std::vector<Chosen>& chosen = chosen_at_right_[arc.right];
  chosen.erase(std::find_if(chosen.begin(), chosen.end(),
                            [i](const Chosen& c) { return c.left == i; }));
}

void IncrementalAssignment::ResetCold() {
  const int left = left_count(), right = right_count();
  const int sink = left + right;
  for (std::vector<Arc>& arcs : left_arcs_) {
    for (Arc& arc : arcs) arc.chosen = false;
  }
  for (std::vector<Chosen>& chosen : chosen_at_right_) chosen.clear();
  std::fill(right_to_sink_.begin(), right_to_sink_.end(), 0);
  std::fill(short_.begin(), short_.end(), 0);
  // Every unit unrouted; potentials 0 except the left nodes', raised over
  // their arcs, are then valid (no residual arc enters a left node).
  for (Node& n : node_) n.pi = 0;
  for (int i = 0; i < left; ++i) {
    left_to_sink_[i] = 0;
    excess_[i] = std::max(0, left_capacity_[i]);
    short_[sink] += excess_[i];
    for (const Arc& arc : left_arcs_[i]) {
      node_[i].pi = std::max(node_[i].pi, arc.scaled);
    }
    dirty_[i] = 0;
  }
  needs_reset_ = false;
}

absl::Status IncrementalAssignment::SolveByCostScaling(
    const std::function<bool()>& cancelled) {
  const int left = left_count(), right = right_count();
  const int sink = left + right, nodes = sink + 1;
  // Costs times alpha > nodes: a flow that is 1-optimal for them is optimal
  // (a cycle has at most `nodes` arcs, each of reduced cost >= -1, so its
  // cost is > -alpha, i.e. >= 0 in the original integer costs).
  const int64_t alpha = nodes + 1;
  std::vector<int64_t>& p = price_;
  std::vector<int64_t>& ex = cs_excess_;
  p.resize(nodes);
  ex.assign(nodes, 0);
  for (int v = 0; v < nodes; ++v) p[v] = node_[v].pi * alpha;
  // Excesses of the current (pseudo)flow: after a Solve() that returned OK
  // all are 0.
  int64_t to_sink = 0;
  for (int i = 0; i < left; ++i) {
    int64_t out = left_to_sink_[i];
    for (const Arc& arc : left_arcs_[i]) out += arc.chosen;
    ex[i] = left_capacity_[i] - out;
    to_sink += left_to_sink_[i];
    dirty_[i] = 0;
  }
  for (int j = 0; j < right; ++j) {
    ex[left + j] =
        static_cast<int64_t>(chosen_at_right_[j].size()) - right_to_sink_[j];
    to_sink += right_to_sink_[j];
  }
  int64_t supply = 0;
  for (int i = 0; i < left; ++i) supply += left_capacity_[i];
  ex[sink] = to_sink - supply;
  needs_reset_ = true;  // until this returns OK

  // epsilon: the most negative reduced cost of a residual arc.
  int64_t eps = 0;
  for (int i = 0; i < left; ++i) {
    for (const Arc& arc : left_arcs_[i]) {
      const int64_t r = p[i] - arc.scaled * alpha - p[left + arc.right];
      eps = std::max(eps, arc.chosen ? r : -r);
    }
    if (left_to_sink_[i] < left_capacity_[i]) {
      eps = std::max(eps, p[sink] - p[i]);
    }
    if (left_to_sink_[i] > 0) eps = std::max(eps, p[i] - p[sink]);
  }
  for (int j = 0; j < right; ++j) {
    if (right_to_sink_[j] < right_capacity_[j]) {
      eps = std::max(eps, p[sink] - p[left + j]);
    }
    if (right_to_sink_[j] > 0) eps = std::max(eps, p[left + j] - p[sink]);
  }
  const bool balanced =
      std::all_of(ex.begin(), ex.end(), [](int64_t e) { return e == 0; });
  int64_t polls = 0;
  auto is_cancelled = [&] {
    return cancelled && (++polls & 255) == 0 && cancelled();
  };
  std::vector<int>& queue = cs_queue_;
  std::vector<char>& queued = cs_queued_;
  std::vector<int>& cur = cs_current_;
  queued.assign(nodes, 0);
  cur.assign(left, 0);
  // Refines to eps-optimality, eps divided by kScale each time, down to 1
  // (Goldberg 1997): skipped when the flow is already 1-optimal.
  constexpr int64_t kScale = 4;
  if (!balanced || eps > 1) {
    // Units not routed (a cancelled Solve()): start from the full scale,
    // as a refine at a small eps from far off is a long price war.
    if (!balanced) eps = std::max(eps, alpha * max_scaled_);
    eps = std::max<int64_t>(1, eps);
    // Node v's arc to the sink (carrying *flow of `capacity`) full when its
    // reduced cost is negative, empty when positive.
    auto saturate_to_sink = [&](int v, int* flow, int capacity) {
      const int64_t r = p[v] - p[sink];
      const int d = r < 0 ? capacity - *flow : r > 0 ? -*flow : 0;
      *flow += d;
      ex[v] -= d;
      ex[sink] += d;
    };
    while (true) {
      eps = std::max<int64_t>(1, eps / kScale);
      if (cancelled && cancelled()) {
        return absl::CancelledError("assignment cancelled");
      }
      // Saturate every residual arc of negative reduced cost: 0-optimal.
      for (int i = 0; i < left; ++i) {
        std::vector<Arc>& arcs = left_arcs_[i];
        for (int k = 0, n = static_cast<int>(arcs.size()); k < n; ++k) {
          const Arc& arc = arcs[k];
          const int j = left + arc.right;
          const int64_t r = p[i] - arc.scaled * alpha - p[j];
          if (!arc.chosen && r < 0) {
            Choose(i, k);
            --ex[i];
            ++ex[j];
          } else if (arc.chosen && r > 0) {
            Unchoose(i, k);
            ++ex[i];
            --ex[j];
          }
        }
        saturate_to_sink(i, &left_to_sink_[i], left_capacity_[i]);
      }
      for (int j = 0; j < right; ++j) {
        saturate_to_sink(left + j, &right_to_sink_[j], right_capacity_[j]);
      }
      queue.clear();
      for (int v = 0; v < nodes; ++v) {
        queued[v] = ex[v] > 0;
        if (queued[v]) queue.push_back(v);
        if (v < left) cur[v] = 0;
      }
      int sink_current = 0;
      // Push/relabel, first in first out.
      auto activate = [&](int v) {
        if (ex[v] > 0 && !queued[v]) {
          queued[v] = 1;
          queue.push_back(v);
        }
      };
      for (size_t head = 0; head < queue.size(); ++head) {
        if (head > 4096 && head * 2 > queue.size()) {
          queue.erase(queue.begin(), queue.begin() + head);
          head = 0;
        }
        const int u = queue[head];
        queued[u] = 0;
        if (is_cancelled()) return absl::CancelledError("assignment cancelled");
        while (ex[u] > 0) {
          if (u < left) {
            std::vector<Arc>& arcs = left_arcs_[u];
            const int n = static_cast<int>(arcs.size());
            int k = cur[u];
            for (; k < n && ex[u] > 0; ++k) {
              const Arc& arc = arcs[k];
              if (arc.chosen) continue;
              const int v = left + arc.right;
              if (p[u] - arc.scaled * alpha - p[v] < 0) {
                Choose(u, k);
                --ex[u];
                ++ex[v];
                activate(v);
              }
            }
            if (ex[u] == 0) {
              cur[u] = k;
              break;
            }
            if (k == n && left_to_sink_[u] < left_capacity_[u] &&
                p[u] - p[sink] < 0) {
              const int64_t d = std::min<int64_t>(
                  ex[u], left_capacity_[u] - left_to_sink_[u]);
              left_to_sink_[u] += d;
              ex[u] -= d;
              ex[sink] += d;
              activate(sink);
              cur[u] = k;
              continue;
            }
            // Relabel: the least decrease that makes an arc admissible.
            // The scan resumes at the first arc of the highest value (the
            // sink's comes last); arcs before it within eps of it are left
            // until the next relabel, which saves scanning them again.
            int64_t best = INT64_MIN;
            int first = n;
            const Arc* data = arcs.data();
            const int64_t* price = p.data() + left;
            for (int a = 0; a < n; ++a) {
              if (data[a].chosen) continue;
              const int64_t v = price[data[a].right] + data[a].scaled * alpha;
              if (v > best) {
                best = v;
                first = a;
              }
            }
            if (left_to_sink_[u] < left_capacity_[u] && p[sink] > best) {
              best = p[sink];
              first = n;
            }
            p[u] = std::min(p[u], best - eps);
            cur[u] = first;
          } else if (u < sink) {
            const int j = u - left;
            std::vector<Chosen>& chosen = chosen_at_right_[j];
            bool pushed = false;
            for (size_t c = 0; c < chosen.size() && ex[u] > 0;) {
              const int i = chosen[c].left;
              const Arc& arc = left_arcs_[i][chosen[c].slot];
              if (p[u] + arc.scaled * alpha - p[i] < 0) {
                const int slot = chosen[c].slot;
                left_arcs_[i][slot].chosen = false;
                chosen.erase(chosen.begin() + c);
                --ex[u];
                ++ex[i];
                activate(i);
                pushed = true;
              } else {
                ++c;
              }
            }
            if (ex[u] > 0 && right_to_sink_[j] < right_capacity_[j] &&
                p[u] - p[sink] < 0) {
              const int64_t d = std::min<int64_t>(
                  ex[u], right_capacity_[j] - right_to_sink_[j]);
              right_to_sink_[j] += d;
              ex[u] -= d;
              ex[sink] += d;
              activate(sink);
              pushed = true;
            }
            if (ex[u] == 0 || pushed) continue;
            int64_t best = INT64_MIN;
            for (const Chosen& c : chosen) {
              best = std::max(
                  best, p[c.left] - left_arcs_[c.left][c.slot].scaled * alpha);
            }
            if (right_to_sink_[j] < right_capacity_[j]) {
              best = std::max(best, p[sink]);
            }
            p[u] = best - eps;
          } else {
            // The sink's arcs: to right j (index j) and left i (right + i),
            // from a current arc as for left nodes.
            int k = sink_current;
            for (; k < right + left && ex[u] > 0; ++k) {
              int* flow =
                  k < right ? &right_to_sink_[k] : &left_to_sink_[k - right];
              const int v = k < right ? left + k : k - right;
              if (*flow > 0 && p[u] - p[v] < 0) {
                const int64_t d = std::min<int64_t>(ex[u], *flow);
                *flow -= static_cast<int>(d);
                ex[u] -= d;
                ex[v] += d;
                activate(v);
                if (*flow > 0) break;  // ex[u] is 0: stay on this arc
              }
            }
            sink_current = k;
            if (ex[u] == 0) continue;
            int64_t best = INT64_MIN;
            for (int j = 0; j < right; ++j) {
              if (right_to_sink_[j] > 0) best = std::max(best, p[left + j]);
            }
            for (int i = 0; i < left; ++i) {
              if (left_to_sink_[i] > 0) best = std::max(best, p[i]);
            }
            sink_current = 0;
            p[u] = best - eps;
          }
        }
      }
      if (eps == 1) break;
    }
  }

  // The flow is optimal. Exact potentials: p / alpha leaves every residual
  // arc at reduced cost >= -1; label-correcting shortest paths from there
  // (no negative cycle) make them all >= 0.
  for (int v = 0; v < nodes; ++v) node_[v].pi = FloorDiv(p[v], alpha);
  queue.clear();
  for (int v = 0; v < nodes; ++v) {
    queued[v] = 1;
    queue.push_back(v);
  }
  auto lower = [&](int v, int64_t to) {
    if (to < node_[v].pi) {
      node_[v].pi = to;
      if (!queued[v]) {
        queued[v] = 1;
        queue.push_back(v);
      }
    }
  };
  // Without a negative cycle each node is taken at most `nodes` times.
  int64_t budget = static_cast<int64_t>(nodes) * nodes + nodes;
  for (size_t head = 0; head < queue.size(); ++head) {
    if (head > 4096 && head * 2 > queue.size()) {
      queue.erase(queue.begin(), queue.begin() + head);
      head = 0;
    }
    if (--budget < 0) {
      return absl::InternalError(
          "incremental assignment: cost scaling ended with a negative cycle");
    }
    const int u = queue[head];
    queued[u] = 0;
    const int64_t pu = node_[u].pi;
    if (u < left) {
      for (const Arc& arc : left_arcs_[u]) {
        if (!arc.chosen) lower(left + arc.right, pu - arc.scaled);
      }
      if (left_to_sink_[u] < left_capacity_[u]) lower(sink, pu);
    } else if (u < sink) {
      const int j = u - left;
      for (const Chosen& c : chosen_at_right_[j]) {
        lower(c.left, pu + left_arcs_[c.left][c.slot].scaled);
      }
      if (right_to_sink_[j] < right_capacity_[j]) lower(sink, pu);
    } else {
      for (int j = 0; j < right; ++j) {
        if (right_to_sink_[j] > 0) lower(left + j, pu);
      }
      for (int i = 0; i < left; ++i) {
        if (left_to_sink_[i] > 0) lower(i, pu);
      }
    }
  }
  // Only differences matter; keep the sink at 0 so that potentials stay
  // small over many solves.
  const int64_t base = node_[sink].pi;
  for (Node& n : node_) n.pi -= base;
  std::fill(short_.begin(), short_.end(), 0);
  std::fill(excess_.begin(), excess_.end(), 0);
  needs_reset_ = false;
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
  // Cost scaling multiplies costs by about V and its prices may fall by a
  // few times V times that: about 10 V^2 times the largest weight.
  const double nodes = static_cast<double>(left_count()) + right_count() + 2.0;
  // Successive shortest paths where few left nodes must be re-routed (the
  // first solve of a fresh instance, or few new arcs of negative reduced
  // cost): each search then stays near its start, while a refine of cost
  // scaling passes over every arc.
  int dirty = 0;
  for (char d : dirty_) dirty += d;
  const bool searches =
      !needs_reset_ && (solves_ == 0 || dirty * kSearchShare < left_count());
  ++solves_;
  if (method_ == Method::kAuto && !searches &&
      16.0 * nodes * nodes * static_cast<double>(max_scaled_) <= 4.0e18) {
    last_searches_ = 0;
    return SolveByCostScaling(cancelled);
  }
  // Successive shortest paths need a flow with valid potentials: after a
  // cancelled cost-scaling solve, start again from no pairs.
  if (needs_reset_) ResetCold();
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
