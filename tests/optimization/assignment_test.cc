#include "optimization/assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::optimization {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Pairs = std::vector<std::pair<int, int>>;

AssignmentProblem Make(std::vector<int> left_capacity,
                       std::vector<int> left_demand,
                       std::vector<int> right_capacity,
                       std::vector<AssignmentProblem::Edge> edges) {
  AssignmentProblem p;
  p.left_count = static_cast<int>(left_capacity.size());
  p.right_count = static_cast<int>(right_capacity.size());
  p.left_capacity = std::move(left_capacity);
  p.left_demand = std::move(left_demand);
  p.right_capacity = std::move(right_capacity);
  p.edges = std::move(edges);
  return p;
}

// Unit demands, as in mentoring.
AssignmentProblem MakeUnit(std::vector<int> left_capacity,
                           std::vector<int> right_capacity,
                           std::vector<AssignmentProblem::Edge> edges) {
  std::vector<int> demand(left_capacity.size(), 1);
  return Make(std::move(left_capacity), std::move(demand),
              std::move(right_capacity), std::move(edges));
}

// Capacity violations and pairs that are not distinct edges of `p`.
int CountViolations(const AssignmentProblem& p, const Assignment& a) {
  int violations = 0;
  std::vector<int> left_used(p.left_count, 0);
  std::vector<int64_t> right_load(p.right_count, 0);
  for (size_t k = 0; k < a.pairs.size(); ++k) {
    const auto [i, j] = a.pairs[k];
    if (k > 0 && !(a.pairs[k - 1] < a.pairs[k])) ++violations;  // sorted
    const bool is_edge = std::any_of(
        p.edges.begin(), p.edges.end(),
        [i = i, j = j](const auto& e) { return e.left == i && e.right == j; });
    if (!is_edge || i < 0 || i >= p.left_count || j < 0 || j >= p.right_count) {
      ++violations;
      continue;
    }
    ++left_used[i];
    right_load[j] += p.left_demand[i];
  }
  for (int i = 0; i < p.left_count; ++i) {
    violations += left_used[i] > p.left_capacity[i];
  }
  for (int j = 0; j < p.right_count; ++j) {
    violations += right_load[j] > p.right_capacity[j];
  }
  return violations;
}

double WeightOf(const AssignmentProblem& p, const Pairs& pairs) {
  double w = 0;
  for (const auto& [i, j] : pairs) {
    for (const auto& e : p.edges) {
      if (e.left == i && e.right == j) w += e.weight;
    }
  }
  return w;
}

// Rank of (i, j): its position among the edges sorted by (left, right).
int64_t RankSum(const AssignmentProblem& p, const Pairs& pairs) {
  Pairs all;
  for (const auto& e : p.edges) all.emplace_back(e.left, e.right);
  std::sort(all.begin(), all.end());
  int64_t sum = 0;
  for (const auto& pair : pairs) {
    sum += std::lower_bound(all.begin(), all.end(), pair) - all.begin();
  }
  return sum;
}

// Enumerates every feasible subset of edges: the best weight and, among
// those, the smallest rank sum (branch and bound's tie-break).
struct Oracle {
  double weight = 0;
  int64_t rank = 0;
};

Oracle BruteForce(const AssignmentProblem& p) {
  std::vector<AssignmentProblem::Edge> edges = p.edges;
  std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.left, a.right) < std::make_pair(b.left, b.right);
  });
  std::vector<int> left_used(p.left_count, 0);
  std::vector<int> right_load(p.right_count, 0);
  Oracle best;
  std::function<void(size_t, double, int64_t)> visit =
      [&](size_t k, double weight, int64_t rank) {
        if (k == edges.size()) {
          if (weight > best.weight + 1e-9 ||
              (std::abs(weight - best.weight) <= 1e-9 && rank < best.rank)) {
            best = {weight, rank};
          }
          return;
        }
        visit(k + 1, weight, rank);
        const auto& e = edges[k];
        const int d = p.left_demand[e.left];
        if (left_used[e.left] < p.left_capacity[e.left] &&
            right_load[e.right] + d <= p.right_capacity[e.right]) {
          ++left_used[e.left];
          right_load[e.right] += d;
          visit(k + 1, weight + e.weight, rank + static_cast<int64_t>(k));
          --left_used[e.left];
          right_load[e.right] -= d;
        }
      };
  visit(0, 0, 0);
  return best;
}

// A random instance; weights are multiples of 0.25 so that ties are common
// and sums are exact. Edges come in random order.
AssignmentProblem RandomProblem(std::mt19937& rng, int max_demand,
                                int max_edges) {
  auto uniform = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  const int n = uniform(2, 6);
  const int m = uniform(2, 5);
  AssignmentProblem p;
  p.left_count = n;
  p.right_count = m;
  for (int i = 0; i < n; ++i) {
    p.left_capacity.push_back(uniform(0, 3));
    p.left_demand.push_back(uniform(1, max_demand));
  }
  for (int j = 0; j < m; ++j) p.right_capacity.push_back(uniform(0, 3));
  const int density = uniform(40, 100);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) {
      if (uniform(1, 100) <= density &&
          static_cast<int>(p.edges.size()) < max_edges) {
        p.edges.push_back({i, j, 0.25 * uniform(1, 12)});
      }
    }
  }
  std::shuffle(p.edges.begin(), p.edges.end(), rng);
  return p;
}

TEST(AssignmentTest, BeatsGreedyOn3x3) {
  // Weights (- = no edge):   r0  r1  r2
  //                     l0   10   9   -
  //                     l1    9   -   -
  //                     l2    -   -   1
  // Greedy takes (0,0)=10, leaving l1 nothing: 10 + 1 = 11.
  // Optimum: (0,1)=9 + (1,0)=9 + (2,2)=1 = 19.
  const AssignmentProblem p = MakeUnit(
      {1, 1, 1}, {1, 1, 1}, {{0, 0, 10}, {0, 1, 9}, {1, 0, 9}, {2, 2, 1}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs,
              ElementsAre(std::pair(0, 1), std::pair(1, 0), std::pair(2, 2)));
  EXPECT_DOUBLE_EQ(a.total_weight, 19);
  EXPECT_DOUBLE_EQ(a.upper_bound, 19);
  EXPECT_TRUE(a.exact);
  EXPECT_EQ(a.method, "min-cost-flow");
}

TEST(AssignmentTest, RightCapacityAboveOne) {
  // Mentor r0 has 2 places, r1 one. Weights: r0: l0 5, l1 4, l2 3;
  // r1: l0 6, l1 1, l2 1.
  // r1 unused:       5 + 4 (r0 full, l2 out)           =  9
  // r1 takes l0:     6 + 4 + 3                          = 13
  // r1 takes l1:     1 + 5 + 3                          =  9
  // r1 takes l2:     1 + 5 + 4                          = 10
  const AssignmentProblem p = MakeUnit(
      {1, 1, 1}, {2, 1},
      {{0, 0, 5}, {1, 0, 4}, {2, 0, 3}, {0, 1, 6}, {1, 1, 1}, {2, 1, 1}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs,
              ElementsAre(std::pair(0, 1), std::pair(1, 0), std::pair(2, 0)));
  EXPECT_DOUBLE_EQ(a.total_weight, 13);
}

TEST(AssignmentTest, LeftCapacityTwo) {
  // l0 may take two of r0..r2 (5, 4, 1); l1 one of r0 (6), r1 (1).
  // l1 -> r0: l0 takes r1 + r2 = 4 + 1, total 11.
  // l1 -> r1: l0 takes r0 + r2 = 5 + 1, total 7.
  // l1 out:   l0 takes r0 + r1 = 5 + 4, total 9.
  const AssignmentProblem p =
      MakeUnit({2, 1}, {1, 1, 1},
               {{0, 0, 5}, {0, 1, 4}, {0, 2, 1}, {1, 0, 6}, {1, 1, 1}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs,
              ElementsAre(std::pair(0, 1), std::pair(0, 2), std::pair(1, 0)));
  EXPECT_DOUBLE_EQ(a.total_weight, 11);
}

TEST(AssignmentTest, NodesWithoutEdgesStayUnmatched) {
  // l0 and l1 compete for r0 (2 vs 3); l2, r1 and r2 have no edges.
  const AssignmentProblem p =
      MakeUnit({1, 1, 1}, {1, 1, 1}, {{0, 0, 2}, {1, 0, 3}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs, ElementsAre(std::pair(1, 0)));
  EXPECT_DOUBLE_EQ(a.total_weight, 3);
}

TEST(AssignmentTest, StopsWhenMoreFlowWouldLowerWeight) {
  // The maximum-cardinality matching (0,1) + (1,0) weighs 1 + 1 = 2; the
  // single edge (0,0) weighs 10. After placing (0,0) the only augmenting
  // path l1 -> r0 -> l0 -> r1 costs -1 + 10 - 1 = +8: not taken.
  const AssignmentProblem p =
      MakeUnit({1, 1}, {1, 1}, {{0, 0, 10}, {0, 1, 1}, {1, 0, 1}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs, ElementsAre(std::pair(0, 0)));
  EXPECT_DOUBLE_EQ(a.total_weight, 10);
}

TEST(AssignmentTest, ZeroCapacitiesAndEmptyInstances) {
  ASSERT_OK_AND_ASSIGN(const Assignment empty,
                       SolveMaxWeightAssignment(AssignmentProblem{}));
  EXPECT_THAT(empty.pairs, IsEmpty());
  EXPECT_TRUE(empty.exact);
  EXPECT_EQ(empty.total_weight, 0);

  // l0 wants nobody, r1 has no room: only (1,0) is possible.
  const AssignmentProblem p =
      MakeUnit({0, 1}, {1, 0}, {{0, 0, 5}, {1, 0, 2}, {1, 1, 9}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs, ElementsAre(std::pair(1, 0)));
}

TEST(AssignmentTest, TiesGoToSmallerIndices) {
  ASSERT_OK_AND_ASSIGN(
      const Assignment one_left,
      SolveMaxWeightAssignment(MakeUnit({1}, {1, 1}, {{0, 1, 2}, {0, 0, 2}})));
  EXPECT_THAT(one_left.pairs, ElementsAre(std::pair(0, 0)));
  ASSERT_OK_AND_ASSIGN(
      const Assignment one_right,
      SolveMaxWeightAssignment(MakeUnit({1, 1}, {1}, {{1, 0, 2}, {0, 0, 2}})));
  EXPECT_THAT(one_right.pairs, ElementsAre(std::pair(0, 0)));
  // Branch and bound: l0 alone (demand 2, weight 4, rank 0) ties with l1 +
  // l2 (demand 1 each, 2 + 2, ranks 1 + 2) on r0's 2 units: rank sum 0 wins.
  ASSERT_OK_AND_ASSIGN(
      const Assignment fewer,
      SolveMaxWeightAssignment(
          Make({1, 1, 1}, {2, 1, 1}, {2}, {{2, 0, 2}, {1, 0, 2}, {0, 0, 4}})));
  EXPECT_EQ(fewer.method, "branch-and-bound");
  EXPECT_THAT(fewer.pairs, ElementsAre(std::pair(0, 0)));
}

TEST(AssignmentTest, UniformDemandPerRightIsExactFlow) {
  // All of r0's neighbours take 2 units of its 5: floor(5 / 2) = 2 cases.
  // Weights 3, 2, 1: take l0 and l1, total 5. r1's only neighbour (l3)
  // takes 3 units of 3.
  const AssignmentProblem p =
      Make({1, 1, 1, 1}, {2, 2, 2, 3}, {5, 3},
           {{0, 0, 3}, {1, 0, 2}, {2, 0, 1}, {3, 1, 4}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs,
              ElementsAre(std::pair(0, 0), std::pair(1, 0), std::pair(3, 1)));
  EXPECT_DOUBLE_EQ(a.total_weight, 9);
  EXPECT_TRUE(a.exact);
  EXPECT_EQ(a.method, "min-cost-flow");
}

TEST(AssignmentTest, MixedDemandsUseBranchAndBound) {
  // One staff member with caseload 4. Cases (demand, weight): l0 (3, 6),
  // l1 (2, 4), l2 (2, 4), l3 (1, 1.5). Weight per unit 2, 2, 2, 1.5.
  // Greedy by weight per unit: l0 (load 3), then only l3 fits: 7.5; no
  // single swap helps. Optimum: l1 + l2 = 8 at load 4
  // (l0 + l3 = 7.5; l1 + l3 = 5.5; l0 alone 6).
  const AssignmentProblem p =
      Make({1, 1, 1, 1}, {3, 2, 2, 1}, {4},
           {{0, 0, 6}, {1, 0, 4}, {2, 0, 4}, {3, 0, 1.5}});
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
  EXPECT_THAT(a.pairs, ElementsAre(std::pair(1, 0), std::pair(2, 0)));
  EXPECT_DOUBLE_EQ(a.total_weight, 8);
  EXPECT_TRUE(a.exact);
  EXPECT_EQ(a.method, "branch-and-bound");
}

void ExpectMatchesOracle(int max_demand, int instances) {
  std::mt19937 rng(20240611 + max_demand);
  int violations = 0;
  int branch_and_bound = 0;
  int at_least_three_pairs = 0;
  for (int n = 0; n < instances; ++n) {
    const AssignmentProblem p = RandomProblem(rng, max_demand, 16);
    SCOPED_TRACE(absl::StrCat("instance ", n));
    ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
    const Oracle best = BruteForce(p);
    violations += CountViolations(p, a);
    EXPECT_NEAR(a.total_weight, best.weight, 1e-6);
    EXPECT_NEAR(a.total_weight, WeightOf(p, a.pairs), 1e-9);
    if (a.method == "branch-and-bound") {
      EXPECT_EQ(RankSum(p, a.pairs), best.rank);
    }
    EXPECT_TRUE(a.exact);
    EXPECT_NEAR(a.upper_bound, a.total_weight, 1e-9);
    branch_and_bound += a.method == "branch-and-bound";
    at_least_three_pairs += a.pairs.size() >= 3;
    if (max_demand == 1) {
      EXPECT_EQ(a.method, "min-cost-flow");
    }
  }
  EXPECT_EQ(violations, 0);
  // The instances are not trivial, and mixed demands reach the search.
  EXPECT_GT(at_least_three_pairs, instances / 4);
  if (max_demand > 1) {
    EXPECT_GT(branch_and_bound, instances / 4);
  }
}

TEST(AssignmentTest, UnitDemandsMatchBruteForce) {
  ExpectMatchesOracle(1, 300);
}

TEST(AssignmentTest, MixedDemandsMatchBruteForce) {
  ExpectMatchesOracle(3, 300);
}

AssignmentProblem LargeProblem(uint32_t seed, int n, int m, int degree,
                               int max_demand) {
  std::mt19937 rng(seed);
  auto uniform = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  AssignmentProblem p;
  p.left_count = n;
  p.right_count = m;
  for (int i = 0; i < n; ++i) {
    p.left_capacity.push_back(uniform(1, 2));
    p.left_demand.push_back(uniform(1, max_demand));
  }
  for (int j = 0; j < m; ++j) p.right_capacity.push_back(uniform(0, 6));
  for (int i = 0; i < n; ++i) {
    std::vector<int> rights(m);
    for (int j = 0; j < m; ++j) rights[j] = j;
    std::shuffle(rights.begin(), rights.end(), rng);
    for (int d = 0; d < degree && d < m; ++d) {
      p.edges.push_back({i, rights[d], 0.5 * uniform(1, 10)});
    }
  }
  return p;
}

TEST(AssignmentTest, DeterministicAndIndependentOfEdgeOrder) {
  for (int max_demand : {1, 3}) {
    AssignmentProblem p = LargeProblem(7, 60, 15, 6, max_demand);
    ASSERT_OK_AND_ASSIGN(const Assignment first, SolveMaxWeightAssignment(p));
    ASSERT_OK_AND_ASSIGN(const Assignment again, SolveMaxWeightAssignment(p));
    EXPECT_EQ(first.pairs, again.pairs);
    std::mt19937 rng(3);
    std::shuffle(p.edges.begin(), p.edges.end(), rng);
    ASSERT_OK_AND_ASSIGN(const Assignment shuffled,
                         SolveMaxWeightAssignment(p));
    EXPECT_EQ(first.pairs, shuffled.pairs);
    EXPECT_EQ(first.total_weight, shuffled.total_weight);
  }
}

// Whether no single edge can be added, or swapped in for a lighter chosen
// edge, keeping the solution feasible.
bool IsOneSwapOptimal(const AssignmentProblem& p, const Assignment& a) {
  std::vector<int> left_used(p.left_count, 0);
  std::vector<int> right_load(p.right_count, 0);
  std::vector<AssignmentProblem::Edge> chosen, unchosen;
  for (const auto& e : p.edges) {
    if (std::binary_search(a.pairs.begin(), a.pairs.end(),
                           std::pair(e.left, e.right))) {
      chosen.push_back(e);
      ++left_used[e.left];
      right_load[e.right] += p.left_demand[e.left];
    } else {
      unchosen.push_back(e);
    }
  }
  for (const auto& f : unchosen) {
    const int d = p.left_demand[f.left];
    const bool left_ok = left_used[f.left] < p.left_capacity[f.left];
    const bool right_ok = right_load[f.right] + d <= p.right_capacity[f.right];
    if (left_ok && right_ok) return false;
    for (const auto& e : chosen) {
      if (e.weight >= f.weight) continue;
      const bool frees_left = left_ok || e.left == f.left;
      const bool frees_right =
          right_ok || (e.right == f.right &&
                       right_load[f.right] - p.left_demand[e.left] + d <=
                           p.right_capacity[f.right]);
      if (frees_left && frees_right) return false;
    }
  }
  return true;
}

TEST(AssignmentTest, GreedyRepairIsFeasibleAndBounded) {
  int exact = 0;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    const AssignmentProblem p = LargeProblem(seed, 40, 10, 4, 3);
    ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(p));
    EXPECT_EQ(a.method, "greedy-repair");
    EXPECT_EQ(CountViolations(p, a), 0);
    EXPECT_LE(a.total_weight, a.upper_bound + 1e-9);
    EXPECT_GT(a.total_weight, 0);
    EXPECT_TRUE(IsOneSwapOptimal(p, a));
    if (a.exact) {
      ++exact;
      EXPECT_DOUBLE_EQ(a.total_weight, a.upper_bound);
    }
  }
  // With room for everything, the relaxation is feasible: proven optimal.
  AssignmentProblem roomy = LargeProblem(5, 40, 10, 4, 3);
  for (int& c : roomy.right_capacity) c = 1000;
  ASSERT_OK_AND_ASSIGN(const Assignment a, SolveMaxWeightAssignment(roomy));
  EXPECT_EQ(a.method, "greedy-repair");
  EXPECT_TRUE(a.exact);
  EXPECT_DOUBLE_EQ(a.total_weight, a.upper_bound);
  double all = 0;  // each left node takes its heaviest left_capacity edges
  for (int i = 0; i < roomy.left_count; ++i) {
    std::vector<double> w;
    for (const auto& e : roomy.edges) {
      if (e.left == i) w.push_back(e.weight);
    }
    std::sort(w.rbegin(), w.rend());
    for (int k = 0; k < roomy.left_capacity[i]; ++k) all += w[k];
  }
  EXPECT_DOUBLE_EQ(a.total_weight, all);
}

TEST(AssignmentTest, ValidationNamesTheField) {
  const AssignmentProblem good = MakeUnit({1, 1}, {1}, {{0, 0, 1}, {1, 0, 2}});
  ASSERT_OK(SolveMaxWeightAssignment(good));
  auto expect_invalid = [](const AssignmentProblem& p, const std::string& sub) {
    EXPECT_STATUS(SolveMaxWeightAssignment(p),
                  absl::StatusCode::kInvalidArgument, sub);
  };
  AssignmentProblem p = good;
  p.left_count = -1;
  expect_invalid(p, "left_count");
  p = good;
  p.right_count = 2;
  expect_invalid(p, "right_capacity has 1 entries");
  p = good;
  p.left_demand.pop_back();
  expect_invalid(p, "left_demand has 1 entries");
  p = good;
  p.left_capacity[1] = -1;
  expect_invalid(p, "left_capacity[1]");
  p = good;
  p.left_demand[0] = 0;
  expect_invalid(p, "left_demand[0]");
  p = good;
  p.right_capacity[0] = -2;
  expect_invalid(p, "right_capacity[0]");
  p = good;
  p.edges[1].left = 2;
  expect_invalid(p, "edges[1].left");
  p = good;
  p.edges[0].right = 1;
  expect_invalid(p, "edges[0].right");
  p = good;
  p.edges[1].right = -1;
  expect_invalid(p, "edges[1].right");
  for (double w : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity(), 2e6}) {
    p = good;
    p.edges[1].weight = w;
    expect_invalid(p, "edges[1].weight");
  }
  p = good;
  p.edges.push_back({0, 0, 3});
  expect_invalid(p, "edges[2] duplicates edges[0]");
}

TEST(AssignmentTest, CancelledStopsEachMethod) {
  const std::function<bool()> always = [] { return true; };
  // min-cost-flow
  EXPECT_STATUS(SolveMaxWeightAssignment(
                    MakeUnit({1, 1}, {1}, {{0, 0, 1}, {1, 0, 2}}), always),
                absl::StatusCode::kCancelled, "cancelled");
  // branch-and-bound (the greedy seed polls first)
  EXPECT_STATUS(SolveMaxWeightAssignment(
                    Make({1, 1}, {1, 2}, {2}, {{0, 0, 1}, {1, 0, 2}}), always),
                absl::StatusCode::kCancelled, "cancelled");
  // greedy-repair, cancelled part-way through the relaxation's flow.
  int calls = 0;
  const std::function<bool()> later = [&calls] { return ++calls > 5; };
  EXPECT_STATUS(SolveMaxWeightAssignment(LargeProblem(1, 40, 10, 4, 3), later),
                absl::StatusCode::kCancelled, "cancelled");
  EXPECT_EQ(calls, 6);
  // Never cancelled: polled but harmless.
  const std::function<bool()> never = [] { return false; };
  EXPECT_OK(SolveMaxWeightAssignment(LargeProblem(1, 40, 10, 4, 3), never));
}

}  // namespace
}  // namespace vakwijzer::optimization
