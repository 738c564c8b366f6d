#include "optimization/assignment.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace vakwijzer::optimization {
namespace {

// Passes of fill-and-swap in the greedy improvement; each pass that changes
// anything raises the total weight, so this only bounds the time.
constexpr int kMaxImprovePasses = 64;

// The objective of a solution: more scaled weight, then a smaller rank sum.
struct Value {
  int64_t scaled = 0;
  int64_t rank = 0;
};
bool Better(Value a, Value b) {
  return a.scaled != b.scaled ? a.scaled > b.scaled : a.rank < b.rank;
}

// An edge that can be chosen: its left node has capacity and its demand fits
// its right node's capacity. Kept sorted by (left, right).
struct WorkEdge {
  int left;
  int right;
  int demand;
  int64_t scaled;  // llround(weight * kAssignmentWeightScale)
  int64_t rank;    // position among all edges sorted by (left, right)
  double weight;
};

// A solution: chosen[k] for edges[k].
using Choice = std::vector<char>;

Value ValueOf(const std::vector<WorkEdge>& edges, const Choice& chosen) {
  Value v;
  for (size_t k = 0; k < edges.size(); ++k) {
    if (chosen[k]) {
      v.scaled += edges[k].scaled;
      v.rank += edges[k].rank;
    }
  }
  return v;
}

absl::Status CheckSize(const char* field, size_t size, const char* count_name,
                       int count) {
  if (size != static_cast<size_t>(count)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " has ", size, " entries; want ", count_name, " = ", count));
  }
  return absl::OkStatus();
}

absl::Status Validate(const AssignmentProblem& p) {
  if (p.left_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("left_count must be >= 0, got ", p.left_count));
  }
  if (p.right_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("right_count must be >= 0, got ", p.right_count));
  }
  RETURN_IF_ERROR(CheckSize("left_capacity", p.left_capacity.size(),
                            "left_count", p.left_count));
  RETURN_IF_ERROR(CheckSize("left_demand", p.left_demand.size(), "left_count",
                            p.left_count));
  RETURN_IF_ERROR(CheckSize("right_capacity", p.right_capacity.size(),
                            "right_count", p.right_count));
  for (int i = 0; i < p.left_count; ++i) {
    if (p.left_capacity[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "left_capacity[", i, "] must be >= 0, got ", p.left_capacity[i]));
    }
    if (p.left_demand[i] < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "left_demand[", i, "] must be >= 1, got ", p.left_demand[i]));
    }
  }
  for (int j = 0; j < p.right_count; ++j) {
    if (p.right_capacity[j] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "right_capacity[", j, "] must be >= 0, got ", p.right_capacity[j]));
    }
  }
  for (size_t k = 0; k < p.edges.size(); ++k) {
    const AssignmentProblem::Edge& e = p.edges[k];
    if (e.left < 0 || e.left >= p.left_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("edges[", k, "].left = ", e.left,
                       " is out of range [0, ", p.left_count, ")"));
    }
    if (e.right < 0 || e.right >= p.right_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("edges[", k, "].right = ", e.right,
                       " is out of range [0, ", p.right_count, ")"));
    }
    if (!std::isfinite(e.weight) || e.weight <= 0 ||
        e.weight > kMaxAssignmentWeight) {
      return absl::InvalidArgumentError(
          absl::StrCat("edges[", k, "].weight must be finite, > 0 and <= ",
                       kMaxAssignmentWeight, ", got ", e.weight));
    }
  }
  return absl::OkStatus();
}

// Sorts the edges by (left, right), rejects duplicates, ranks them and keeps
// the usable ones. Also rejects instances whose path costs could overflow.
absl::StatusOr<std::vector<WorkEdge>> UsableEdges(const AssignmentProblem& p) {
  std::vector<int> order(p.edges.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&p](int a, int b) {
    const auto& x = p.edges[a];
    const auto& y = p.edges[b];
    if (x.left != y.left) return x.left < y.left;
    if (x.right != y.right) return x.right < y.right;
    return a < b;
  });
  std::vector<WorkEdge> edges;
  int64_t max_scaled = 1;
  for (size_t r = 0; r < order.size(); ++r) {
    const AssignmentProblem::Edge& e = p.edges[order[r]];
    if (r > 0) {
      const AssignmentProblem::Edge& prev = p.edges[order[r - 1]];
      if (prev.left == e.left && prev.right == e.right) {
        return absl::InvalidArgumentError(absl::StrCat(
            "edges[", order[r], "] duplicates edges[", order[r - 1], "] (left ",
            e.left, ", right ", e.right, ")"));
      }
    }
    if (p.left_capacity[e.left] == 0 ||
        p.left_demand[e.left] > p.right_capacity[e.right]) {
      continue;
    }
    const int64_t scaled =
        std::max<int64_t>(1, std::llround(e.weight * kAssignmentWeightScale));
    max_scaled = std::max(max_scaled, scaled);
    edges.push_back({e.left, e.right, p.left_demand[e.left], scaled,
                     static_cast<int64_t>(r), e.weight});
  }
  // Potentials stay within (2V + 1) times the largest cost (V nodes), the
  // search adds a few of those, and totals are at most E times it: keep all
  // of it well inside int64.
  const double span = static_cast<double>(p.edges.size()) +
                      8.0 * (static_cast<double>(p.left_count) +
                             static_cast<double>(p.right_count) + 2.0);
  const double limit = 4.0e18;
  if (span * static_cast<double>(max_scaled) > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "instance too large for exact 64-bit costs: ", p.edges.size(),
        " edges, ", p.left_count, " + ", p.right_count,
        " nodes, largest weight ",
        static_cast<double>(max_scaled) / kAssignmentWeightScale));
  }
  return edges;
}

absl::Status Cancelled() {
  return absl::CancelledError("assignment cancelled");
}

// Exact maximum-weight b-matching on `edges` where right node j takes at most
// right_units[j] assignments (demand ignored). Successive shortest paths from
// each unit of the side with less to place (the "source" side) to the sink,
// through the other ("target") side; every source unit may also go straight to
// the sink at cost 0 (unplaced). Starting from the smaller side saves the
// searches that end in "unplaced", which explore the most.
absl::StatusOr<Choice> SolveFlow(const AssignmentProblem& p,
                                 const std::vector<WorkEdge>& edges,
                                 const std::vector<int64_t>& right_units,
                                 const std::function<bool()>& cancelled) {
  std::vector<int64_t> left_degree(p.left_count, 0);
  std::vector<int64_t> right_degree(p.right_count, 0);
  for (const WorkEdge& e : edges) {
    ++left_degree[e.left];
    ++right_degree[e.right];
  }
  int64_t left_supply = 0;
  for (int i = 0; i < p.left_count; ++i) {
    left_supply += std::min<int64_t>(left_degree[i], p.left_capacity[i]);
  }
  int64_t right_supply = 0;
  for (int j = 0; j < p.right_count; ++j) {
    right_supply += std::min(right_degree[j], right_units[j]);
  }
  const bool from_right = right_supply < left_supply;
  const int n = from_right ? p.right_count : p.left_count;
  const int m = from_right ? p.left_count : p.right_count;
  const auto source_of = [from_right](const WorkEdge& e) {
    return from_right ? e.right : e.left;
  };
  const auto target_of = [from_right](const WorkEdge& e) {
    return from_right ? e.left : e.right;
  };
  std::vector<int64_t> excess(n);
  std::vector<int64_t> target_cap(m);
  for (int i = 0; i < p.left_count; ++i) {
    const int64_t cap = p.left_capacity[i];
    if (from_right) {
      target_cap[i] = cap;
    } else {
      excess[i] = std::min(cap, left_degree[i]);
    }
  }
  for (int j = 0; j < p.right_count; ++j) {
    if (from_right) {
      excess[j] = std::min(right_units[j], right_degree[j]);
    } else {
      target_cap[j] = right_units[j];
    }
  }
  const int sink = n + m;
  const int num_nodes = n + m + 1;

  // Out-arcs per node (CSR): source s: its edges, then s -> sink; target t:
  // reverse arcs, then t -> sink. Arcs into the sink need no reverse: a
  // shortest path ends at the sink.
  std::vector<int> first(num_nodes + 1, 0);
  for (const WorkEdge& e : edges) {
    ++first[source_of(e) + 1];
    ++first[n + target_of(e) + 1];
  }
  for (int v = 0; v < n + m; ++v) ++first[v + 1];
  std::partial_sum(first.begin(), first.end(), first.begin());

  struct Arc {
    int to;
    int rev;  // -1 for arcs into the sink
    int64_t cap;
    int64_t cost;
  };
  std::vector<Arc> arcs(first[num_nodes]);
  std::vector<int> next(first.begin(), first.end() - 1);
  std::vector<int> edge_arc(edges.size());
  for (size_t k = 0; k < edges.size(); ++k) {
    const WorkEdge& e = edges[k];
    const int a = next[source_of(e)]++;
    const int b = next[n + target_of(e)]++;
    arcs[a] = {n + target_of(e), b, 1, -e.scaled};
    arcs[b] = {source_of(e), a, 0, e.scaled};
    edge_arc[k] = a;
  }
  for (int s = 0; s < n; ++s) {
    arcs[next[s]++] = {sink, -1, excess[s], 0};
  }
  for (int t = 0; t < m; ++t) {
    arcs[next[n + t]++] = {sink, -1, target_cap[t], 0};
  }

  // Initial potentials: shortest distances from a virtual node with a
  // zero-cost arc to every node (the graph is acyclic), so that every arc
  // with capacity has a non-negative reduced cost.
  std::vector<int64_t> pot(num_nodes, 0);
  for (const WorkEdge& e : edges) {
    const int t = n + target_of(e);
    pot[t] = std::min(pot[t], -e.scaled);
  }
  for (int t = 0; t < m; ++t) pot[sink] = std::min(pot[sink], pot[n + t]);

  struct HeapEntry {
    int64_t dist;
    int node;
  };
  // std::push_heap keeps the greatest on top: order so that is the nearest;
  // at equal distance the sink, then targets, then sources, each by index.
  // So a search stops at the first shortest path it completes instead of
  // expanding every node as near as the sink (tie-heavy inputs, such as
  // small integer scores, have many).
  const auto farther = [n, sink](const HeapEntry& a, const HeapEntry& b) {
    if (a.dist != b.dist) return a.dist > b.dist;
    const auto key = [n, sink](int v) {
      return v == sink ? -1 : v >= n ? v - n : v + sink;
    };
    return key(a.node) > key(b.node);
  };
  std::vector<HeapEntry> heap;
  std::vector<int64_t> dist(num_nodes, 0);
  std::vector<int> parent_arc(num_nodes, -1);
  std::vector<int> parent_node(num_nodes, -1);
  std::vector<int> seen(num_nodes, 0);
  std::vector<int> done(num_nodes, 0);
  std::vector<int> settled;
  int stamp = 0;

  for (int src = 0; src < n; ++src) {
    while (excess[src] > 0) {
      if (cancelled && cancelled()) return Cancelled();
      ++stamp;
      settled.clear();
      heap.clear();
      dist[src] = 0;
      seen[src] = stamp;
      heap.push_back({0, src});
      while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), farther);
        const int u = heap.back().node;
        heap.pop_back();
        if (done[u] == stamp) continue;
        done[u] = stamp;
        settled.push_back(u);
        if (u == sink) break;
        for (int a = first[u]; a < first[u + 1]; ++a) {
          const Arc& arc = arcs[a];
          if (arc.cap <= 0 || done[arc.to] == stamp) continue;
          const int64_t nd = dist[u] + arc.cost + pot[u] - pot[arc.to];
          if (seen[arc.to] != stamp || nd < dist[arc.to]) {
            seen[arc.to] = stamp;
            dist[arc.to] = nd;
            parent_arc[arc.to] = a;
            parent_node[arc.to] = u;
            heap.push_back({nd, arc.to});
            std::push_heap(heap.begin(), heap.end(), farther);
          }
        }
      }
      // Sources are processed in order, so src's own arc to the sink
      // still has at least excess[src] capacity: the sink is reachable.
      if (done[sink] != stamp) {
        return absl::InternalError("assignment: sink not reachable");
      }
      // p(v) += min(d(v), d(sink)), shifted by -d(sink) so that nodes not
      // settled keep their potential.
      const int64_t to_sink = dist[sink];
      for (int v : settled) pot[v] = pot[v] + dist[v] - to_sink;

      int64_t push = excess[src];
      for (int v = sink; v != src; v = parent_node[v]) {
        push = std::min(push, arcs[parent_arc[v]].cap);
      }
      for (int v = sink; v != src; v = parent_node[v]) {
        Arc& arc = arcs[parent_arc[v]];
        arc.cap -= push;
        if (arc.rev >= 0) arcs[arc.rev].cap += push;
      }
      excess[src] -= push;
    }
  }

  Choice chosen(edges.size(), 0);
  for (size_t k = 0; k < edges.size(); ++k) {
    chosen[k] = arcs[edge_arc[k]].cap == 0;
  }
  return chosen;
}

// A feasible (or, before Repair, possibly overloaded) set of edges with the
// loads it puts on the nodes.
class Packing {
 public:
  Packing(const AssignmentProblem& p, const std::vector<WorkEdge>& edges)
      : p_(p),
        edges_(edges),
        chosen_(edges.size(), 0),
        left_used_(p.left_count, 0),
        right_load_(p.right_count, 0),
        at_left_(p.left_count),
        at_right_(p.right_count) {
    // Greedy order: descending weight per unit of demand, then rank.
    order_.resize(edges.size());
    std::iota(order_.begin(), order_.end(), 0);
    std::sort(order_.begin(), order_.end(), [this](int a, int b) {
      const double ra = Ratio(a);
      const double rb = Ratio(b);
      if (ra != rb) return ra > rb;
      return edges_[a].rank < edges_[b].rank;
    });
  }

  const Choice& chosen() const { return chosen_; }

  // Takes every edge of `choice`, whether it fits or not.
  void AddAll(const Choice& choice) {
    for (size_t k = 0; k < choice.size(); ++k) {
      if (choice[k]) Add(static_cast<int>(k));
    }
  }

  // Drops the edges with the least weight per demand from each overloaded
  // right node until it fits.
  void Repair() {
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      const WorkEdge& e = edges_[*it];
      if (chosen_[*it] && right_load_[e.right] > p_.right_capacity[e.right]) {
        Remove(*it);
      }
    }
  }

  // Passes over the edges in greedy order: add an edge that fits, or swap it
  // for the lightest chosen edge whose removal makes it fit, when that
  // raises the weight.
  absl::Status Improve(const std::function<bool()>& cancelled) {
    for (int pass = 0; pass < kMaxImprovePasses; ++pass) {
      if (cancelled && cancelled()) return Cancelled();
      bool changed = false;
      for (int k : order_) {
        if (chosen_[k]) continue;
        const WorkEdge& f = edges_[k];
        const bool left_ok = left_used_[f.left] < p_.left_capacity[f.left];
        const bool right_ok =
            right_load_[f.right] + f.demand <= p_.right_capacity[f.right];
        if (left_ok && right_ok) {
          Add(k);
          changed = true;
          continue;
        }
        int out = -1;
        if (!left_ok && right_ok) {
          for (int e : at_left_[f.left]) {
            if (edges_[e].scaled < f.scaled && Lighter(e, out)) out = e;
          }
        } else if (left_ok && !right_ok) {
          for (int e : at_right_[f.right]) {
            if (edges_[e].scaled < f.scaled &&
                right_load_[f.right] - edges_[e].demand + f.demand <=
                    p_.right_capacity[f.right] &&
                Lighter(e, out)) {
              out = e;
            }
          }
        }
        if (out >= 0) {
          Remove(out);
          Add(k);
          changed = true;
        }
      }
      if (!changed) break;
    }
    return absl::OkStatus();
  }

 private:
  double Ratio(int k) const {
    return static_cast<double>(edges_[k].scaled) / edges_[k].demand;
  }
  // Whether edge a is a better one to give up than edge b (-1: none yet).
  bool Lighter(int a, int b) const {
    if (b < 0) return true;
    if (edges_[a].scaled != edges_[b].scaled) {
      return edges_[a].scaled < edges_[b].scaled;
    }
    return edges_[a].rank > edges_[b].rank;
  }
  void Add(int k) {
    const WorkEdge& e = edges_[k];
    chosen_[k] = 1;
    ++left_used_[e.left];
    right_load_[e.right] += e.demand;
    at_left_[e.left].push_back(k);
    at_right_[e.right].push_back(k);
  }
  void Remove(int k) {
    const WorkEdge& e = edges_[k];
    chosen_[k] = 0;
    --left_used_[e.left];
    right_load_[e.right] -= e.demand;
    auto erase = [k](std::vector<int>& v) {
      v.erase(std::find(v.begin(), v.end(), k));
    };
    erase(at_left_[e.left]);
    erase(at_right_[e.right]);
  }

  const AssignmentProblem& p_;
  const std::vector<WorkEdge>& edges_;
  std::vector<int> order_;
  Choice chosen_;
  std::vector<int> left_used_;
  std::vector<int64_t> right_load_;
  std::vector<std::vector<int>> at_left_;
  std::vector<std::vector<int>> at_right_;
};

// Depth-first branch and bound over few edges, on nodes renumbered densely.
class BranchAndBound {
 public:
  BranchAndBound(const AssignmentProblem& p, const std::vector<WorkEdge>& edges)
      : edges_(edges) {
    const int t_count = static_cast<int>(edges.size());
    // Branch on heavy edges first: good solutions early, tight pruning.
    order_.resize(t_count);
    std::iota(order_.begin(), order_.end(), 0);
    std::sort(order_.begin(), order_.end(), [&edges](int a, int b) {
      if (edges[a].scaled != edges[b].scaled) {
        return edges[a].scaled > edges[b].scaled;
      }
      return edges[a].rank < edges[b].rank;
    });
    std::vector<int> left_id(p.left_count, -1);
    std::vector<int> right_id(p.right_count, -1);
    for (int t = 0; t < t_count; ++t) {
      const WorkEdge& e = edges[order_[t]];
      if (left_id[e.left] < 0) {
        left_id[e.left] = static_cast<int>(left_cap_.size());
        left_cap_.push_back(p.left_capacity[e.left]);
      }
      if (right_id[e.right] < 0) {
        right_id[e.right] = static_cast<int>(right_cap_.size());
        right_cap_.push_back(p.right_capacity[e.right]);
      }
      left_.push_back(left_id[e.left]);
      right_.push_back(right_id[e.right]);
    }
    left_used_.assign(left_cap_.size(), 0);
    slots_.assign(left_cap_.size(), 0);
    right_load_.assign(right_cap_.size(), 0);
    room_.assign(right_cap_.size(), 0);
    by_ratio_.resize(t_count);
    std::iota(by_ratio_.begin(), by_ratio_.end(), 0);
    std::sort(by_ratio_.begin(), by_ratio_.end(), [this](int a, int b) {
      const double ra = static_cast<double>(Edge(a).scaled) / Edge(a).demand;
      const double rb = static_cast<double>(Edge(b).scaled) / Edge(b).demand;
      if (ra != rb) return ra > rb;
      return Edge(a).rank < Edge(b).rank;
    });
    taken_.assign(t_count, 0);
  }

  // Searches from `incumbent` (feasible). Returns the best solution found;
  // complete() tells whether it is proven optimal.
  absl::StatusOr<Choice> Run(const Choice& incumbent,
                             const std::function<bool()>& cancelled) {
    cancelled_ = &cancelled;
    best_ = ValueOf(edges_, incumbent);
    best_taken_.assign(order_.size(), 0);
    for (size_t t = 0; t < order_.size(); ++t) {
      best_taken_[t] = incumbent[order_[t]];
    }
    Search(0, Value{});
    if (was_cancelled_) return Cancelled();
    Choice chosen(edges_.size(), 0);
    for (size_t t = 0; t < order_.size(); ++t) {
      chosen[order_[t]] = best_taken_[t];
    }
    return chosen;
  }

  bool complete() const { return !out_of_budget_; }

 private:
  const WorkEdge& Edge(int t) const { return edges_[order_[t]]; }

  bool Fits(int t) const {
    return left_used_[left_[t]] < left_cap_[left_[t]] &&
           right_load_[right_[t]] + Edge(t).demand <= right_cap_[right_[t]];
  }

  // An upper bound on the weight edges t.. can still add: the smaller of
  // (a) each left node's best remaining edges up to its free slots and
  // (b) each right node's fractional knapsack over its remaining edges
  // (taking the edge that crosses the capacity whole).
  int64_t Bound(int t0) {
    const int t_count = static_cast<int>(order_.size());
    for (size_t l = 0; l < slots_.size(); ++l) {
      slots_[l] = left_cap_[l] - left_used_[l];
    }
    int64_t by_left = 0;
    for (int t = t0; t < t_count; ++t) {
      if (slots_[left_[t]] > 0 &&
          right_load_[right_[t]] + Edge(t).demand <= right_cap_[right_[t]]) {
        by_left += Edge(t).scaled;
        --slots_[left_[t]];
      }
    }
    for (size_t r = 0; r < room_.size(); ++r) {
      room_[r] = right_cap_[r] - right_load_[r];
    }
    int64_t by_right = 0;
    for (int t : by_ratio_) {
      if (t < t0 || left_used_[left_[t]] >= left_cap_[left_[t]] ||
          right_load_[right_[t]] + Edge(t).demand > right_cap_[right_[t]] ||
          room_[right_[t]] <= 0) {
        continue;
      }
      by_right += Edge(t).scaled;
      room_[right_[t]] -= Edge(t).demand;
    }
    return std::min(by_left, by_right);
  }

  void Search(int t, Value current) {
    if (out_of_budget_ || was_cancelled_) return;
    if (++nodes_ > kMaxBranchAndBoundNodes) {
      out_of_budget_ = true;
      return;
    }
    if ((nodes_ & 1023) == 0 && *cancelled_ && (*cancelled_)()) {
      was_cancelled_ = true;
      return;
    }
    if (t == static_cast<int>(order_.size())) {
      if (Better(current, best_)) {
        best_ = current;
        best_taken_ = taken_;
      }
      return;
    }
    // Completions add weight at most Bound and rank at least 0.
    if (!Better({current.scaled + Bound(t), current.rank}, best_)) return;
    if (Fits(t)) {
      taken_[t] = 1;
      ++left_used_[left_[t]];
      right_load_[right_[t]] += Edge(t).demand;
      Search(t + 1,
             {current.scaled + Edge(t).scaled, current.rank + Edge(t).rank});
      right_load_[right_[t]] -= Edge(t).demand;
      --left_used_[left_[t]];
      taken_[t] = 0;
    }
    Search(t + 1, current);
  }

  const std::vector<WorkEdge>& edges_;
  std::vector<int> order_;     // branching position -> index into edges_
  std::vector<int> by_ratio_;  // branching positions by weight per demand
  std::vector<int> left_;      // branching position -> dense left node
  std::vector<int> right_;     // branching position -> dense right node
  std::vector<int64_t> left_cap_, left_used_, slots_;
  std::vector<int64_t> right_cap_, right_load_, room_;
  std::vector<char> taken_, best_taken_;
  Value best_;
  int64_t nodes_ = 0;
  bool out_of_budget_ = false;
  bool was_cancelled_ = false;
  const std::function<bool()>* cancelled_ = nullptr;
};

Assignment Finish(const std::vector<WorkEdge>& edges, const Choice& chosen,
                  bool exact, std::string method, double upper_bound) {
  Assignment out;
  for (size_t k = 0; k < edges.size(); ++k) {
    if (!chosen[k]) continue;
    out.pairs.emplace_back(edges[k].left, edges[k].right);
    out.total_weight += edges[k].weight;
  }
  out.exact = exact;
  out.upper_bound =
      exact ? out.total_weight : std::max(upper_bound, out.total_weight);
  out.method = std::move(method);
  return out;
}

double WeightOf(const std::vector<WorkEdge>& edges, const Choice& chosen) {
  double w = 0;
  for (size_t k = 0; k < edges.size(); ++k) {
    if (chosen[k]) w += edges[k].weight;
  }
  return w;
}

}  // namespace

absl::StatusOr<Assignment> SolveMaxWeightAssignment(
    const AssignmentProblem& p, const std::function<bool()>& cancelled) {
  RETURN_IF_ERROR(Validate(p));
  ASSIGN_OR_RETURN(const std::vector<WorkEdge> edges, UsableEdges(p));

  // Per right node, the smallest and largest demand among its neighbours.
  std::vector<int> min_demand(p.right_count, INT_MAX);
  std::vector<int> max_demand(p.right_count, 0);
  for (const WorkEdge& e : edges) {
    min_demand[e.right] = std::min(min_demand[e.right], e.demand);
    max_demand[e.right] = std::max(max_demand[e.right], e.demand);
  }
  bool uniform = true;
  std::vector<int64_t> units(p.right_count, 0);
  for (int j = 0; j < p.right_count; ++j) {
    if (max_demand[j] == 0) continue;  // no usable edge
    uniform = uniform && min_demand[j] == max_demand[j];
    units[j] = p.right_capacity[j] / min_demand[j];
  }

  if (uniform) {
    ASSIGN_OR_RETURN(const Choice chosen,
                     SolveFlow(p, edges, units, cancelled));
    return Finish(edges, chosen, /*exact=*/true, "min-cost-flow", 0);
  }

  if (edges.size() <= static_cast<size_t>(kMaxBranchAndBoundEdges)) {
    Packing greedy(p, edges);
    RETURN_IF_ERROR(greedy.Improve(cancelled));
    BranchAndBound search(p, edges);
    ASSIGN_OR_RETURN(const Choice chosen,
                     search.Run(greedy.chosen(), cancelled));
    if (search.complete()) {
      return Finish(edges, chosen, /*exact=*/true, "branch-and-bound", 0);
    }
    ASSIGN_OR_RETURN(const Choice relaxed,
                     SolveFlow(p, edges, units, cancelled));
    return Finish(edges, chosen, /*exact=*/false, "branch-and-bound",
                  WeightOf(edges, relaxed));
  }

  // Every feasible solution puts at most units[j] assignments on right node
  // j, so the flow optimum with those capacities bounds the optimum.
  ASSIGN_OR_RETURN(const Choice relaxed, SolveFlow(p, edges, units, cancelled));
  Packing repaired(p, edges);
  repaired.AddAll(relaxed);
  repaired.Repair();
  RETURN_IF_ERROR(repaired.Improve(cancelled));
  Packing greedy(p, edges);
  RETURN_IF_ERROR(greedy.Improve(cancelled));
  const Choice& best =
      Better(ValueOf(edges, greedy.chosen()), ValueOf(edges, repaired.chosen()))
          ? greedy.chosen()
          : repaired.chosen();
  const bool exact =
      ValueOf(edges, best).scaled == ValueOf(edges, relaxed).scaled;
  return Finish(edges, best, exact, "greedy-repair", WeightOf(edges, relaxed));
}

}  // namespace vakwijzer::optimization
