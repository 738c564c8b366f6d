// IncrementalAssignment against a cold solve (SolveMaxWeightAssignment, itself
// checked against brute force in assignment_test.cc) after every batch of
// added edges, on random instances; both of its methods against brute force
// on tiny instances and against each other on larger ones.
#include "optimization/incremental_assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "optimization/assignment.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::optimization {
namespace {

using ::testing::ElementsAre;

int64_t Scaled(double w) {
  return std::max<int64_t>(1, std::llround(w * kAssignmentWeightScale));
}

TEST(IncrementalAssignmentTest, ReassignsWhenABetterEdgeArrives) {
  IncrementalAssignment a({1, 1}, {1});
  ASSERT_OK(a.AddEdge(0, 0, 2).status());
  ASSERT_OK(a.Solve());
  EXPECT_THAT(a.Pairs(), ElementsAre(std::pair(0, 0)));
  // Left 1 outbids left 0 for the only place.
  ASSERT_OK(a.AddEdge(1, 0, 5).status());
  ASSERT_OK(a.Solve());
  EXPECT_THAT(a.Pairs(), ElementsAre(std::pair(1, 0)));
  EXPECT_DOUBLE_EQ(a.TotalWeight(), 5);
  // A new mentor for left 0.
  IncrementalAssignment b({1, 1}, {1, 1});
  ASSERT_OK(b.AddEdge(0, 0, 3).status());
  ASSERT_OK(b.AddEdge(1, 0, 2).status());
  ASSERT_OK(b.Solve());
  EXPECT_THAT(b.Pairs(), ElementsAre(std::pair(0, 0)));
  ASSERT_OK(b.AddEdge(1, 1, 1).status());
  ASSERT_OK(b.Solve());
  EXPECT_THAT(b.Pairs(), ElementsAre(std::pair(0, 0), std::pair(1, 1)));
  EXPECT_DOUBLE_EQ(b.TotalWeight(), 4);
}

struct Instance {
  std::vector<int> left_capacity, right_capacity;
  std::vector<AssignmentProblem::Edge> edges;  // in order of addition
};

Instance RandomInstance(std::mt19937& rng, int n, int m, int degree,
                        bool small_integers) {
  auto uniform = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  Instance in;
  for (int i = 0; i < n; ++i) in.left_capacity.push_back(uniform(0, 2));
  for (int j = 0; j < m; ++j) in.right_capacity.push_back(uniform(0, 3));
  for (int i = 0; i < n; ++i) {
    std::vector<int> rights(m);
    for (int j = 0; j < m; ++j) rights[j] = j;
    std::shuffle(rights.begin(), rights.end(), rng);
    for (int d = 0; d < degree && d < m; ++d) {
      const double w = small_integers ? uniform(1, 4)
                                      : std::uniform_real_distribution<double>(
                                            0.001, 10.0)(rng);
      in.edges.push_back({i, rights[d], w});
    }
  }
  std::shuffle(in.edges.begin(), in.edges.end(), rng);
  return in;
}

// Feasible, and potentials that certify optimality over the added edges.
void ExpectConsistent(const IncrementalAssignment& a, const Instance& in) {
  std::vector<int> left_used(a.left_count(), 0), right_used(a.right_count());
  for (int e = 0; e < a.edge_count(); ++e) {
    const int i = a.EdgeLeft(e), j = a.EdgeRight(e);
    const int64_t price = a.LeftPotential(i) - a.RightPotential(j);
    if (a.EdgeChosen(e)) {
      ++left_used[i];
      ++right_used[j];
    } else {
      EXPECT_LE(a.EdgeScaled(e), price) << "edge " << e;
    }
  }
  for (int i = 0; i < a.left_count(); ++i) {
    EXPECT_LE(left_used[i], in.left_capacity[i]);
  }
  for (int j = 0; j < a.right_count(); ++j) {
    EXPECT_LE(right_used[j], in.right_capacity[j]);
  }
}

void ExpectWarmEqualsCold(uint32_t seed, int instances, int n, int m,
                          int degree, bool small_integers) {
  std::mt19937 rng(seed);
  int reassigned = 0;
  for (int k = 0; k < instances; ++k) {
    SCOPED_TRACE(absl::StrCat("instance ", k));
    const Instance in = RandomInstance(rng, n, m, degree, small_integers);
    IncrementalAssignment warm(in.left_capacity, in.right_capacity);
    AssignmentProblem cold;
    cold.left_count = n;
    cold.right_count = m;
    cold.left_capacity = in.left_capacity;
    cold.left_demand.assign(n, 1);
    cold.right_capacity = in.right_capacity;
    size_t next = 0;
    std::vector<std::pair<int, int>> before;
    while (next < in.edges.size()) {
      const size_t batch = std::uniform_int_distribution<size_t>(
          1, std::max<size_t>(1, in.edges.size() / 3))(rng);
      for (size_t b = 0; b < batch && next < in.edges.size(); ++b, ++next) {
        const auto& e = in.edges[next];
        ASSERT_OK(warm.AddEdge(e.left, e.right, e.weight).status());
        cold.edges.push_back(e);
      }
      ASSERT_OK(warm.Solve());
      ASSERT_OK_AND_ASSIGN(const Assignment want,
                           SolveMaxWeightAssignment(cold));
      int64_t got_scaled = 0, want_scaled = 0;
      for (int e = 0; e < warm.edge_count(); ++e) {
        if (warm.EdgeChosen(e)) got_scaled += warm.EdgeScaled(e);
      }
      for (const auto& [i, j] : want.pairs) {
        for (const auto& e : cold.edges) {
          if (e.left == i && e.right == j) want_scaled += Scaled(e.weight);
        }
      }
      ASSERT_EQ(got_scaled, want_scaled);
      EXPECT_NEAR(warm.TotalWeight(), want.total_weight, 1e-6);
      ExpectConsistent(warm, in);
      const std::vector<std::pair<int, int>> now = warm.Pairs();
      for (const auto& pair : before) {
        reassigned += !std::binary_search(now.begin(), now.end(), pair);
      }
      before = now;
    }
  }
  // The batches do move earlier pairs, so the warm start is exercised.
  EXPECT_GT(reassigned, instances);
}

TEST(IncrementalAssignmentTest, WarmEqualsColdOnSmallInstances) {
  ExpectWarmEqualsCold(1, 300, 6, 4, 3, /*small_integers=*/false);
}

TEST(IncrementalAssignmentTest, WarmEqualsColdOnTieHeavyInstances) {
  ExpectWarmEqualsCold(2, 300, 8, 5, 4, /*small_integers=*/true);
}

TEST(IncrementalAssignmentTest, WarmEqualsColdOnLargerInstances) {
  ExpectWarmEqualsCold(3, 20, 120, 40, 12, /*small_integers=*/false);
  ExpectWarmEqualsCold(4, 20, 120, 40, 12, /*small_integers=*/true);
}

TEST(IncrementalAssignmentTest, DeterministicForTheSameCalls) {
  std::mt19937 rng(5);
  const Instance in = RandomInstance(rng, 50, 20, 8, /*small_integers=*/true);
  std::vector<std::pair<int, int>> first;
  for (int run = 0; run < 2; ++run) {
    IncrementalAssignment a(in.left_capacity, in.right_capacity);
    for (size_t k = 0; k < in.edges.size(); ++k) {
      const auto& e = in.edges[k];
      ASSERT_OK(a.AddEdge(e.left, e.right, e.weight).status());
      if (k % 50 == 49) {
        ASSERT_OK(a.Solve());
      }
    }
    ASSERT_OK(a.Solve());
    if (run == 0) {
      first = a.Pairs();
    } else {
      EXPECT_EQ(a.Pairs(), first);
    }
  }
}

TEST(IncrementalAssignmentTest, CancelledThenResumed) {
  std::mt19937 rng(6);
  const Instance in = RandomInstance(rng, 40, 15, 6, /*small_integers=*/false);
  IncrementalAssignment a(in.left_capacity, in.right_capacity);
  AssignmentProblem cold;
  cold.left_count = 40;
  cold.right_count = 15;
  cold.left_capacity = in.left_capacity;
  cold.left_demand.assign(40, 1);
  cold.right_capacity = in.right_capacity;
  cold.edges = in.edges;
  for (const auto& e : in.edges) {
    ASSERT_OK(a.AddEdge(e.left, e.right, e.weight).status());
  }
  int polls = 0;
  EXPECT_EQ(a.Solve([&polls] { return ++polls > 5; }).code(),
            absl::StatusCode::kCancelled);
  ASSERT_OK(a.Solve());
  ASSERT_OK_AND_ASSIGN(const Assignment want, SolveMaxWeightAssignment(cold));
  EXPECT_NEAR(a.TotalWeight(), want.total_weight, 1e-6);
  ExpectConsistent(a, in);
}

// The best total scaled weight of tiny instances, by trying every subset of
// edges.
int64_t BruteForce(const Instance& in, size_t edges) {
  int64_t best = 0;
  for (uint32_t mask = 0; mask < (uint32_t{1} << edges); ++mask) {
    std::vector<int> left_used(in.left_capacity.size(), 0),
        right_used(in.right_capacity.size(), 0);
    int64_t total = 0;
    bool ok = true;
    for (size_t e = 0; e < edges && ok; ++e) {
      if (!(mask >> e & 1)) continue;
      const auto& edge = in.edges[e];
      ok = ++left_used[edge.left] <= in.left_capacity[edge.left] &&
           ++right_used[edge.right] <= in.right_capacity[edge.right];
      total += Scaled(edge.weight);
    }
    if (ok) best = std::max(best, total);
  }
  return best;
}

int64_t ChosenScaled(const IncrementalAssignment& a) {
  int64_t total = 0;
  for (int e = 0; e < a.edge_count(); ++e) {
    if (a.EdgeChosen(e)) total += a.EdgeScaled(e);
  }
  return total;
}

// Both methods against brute force after every edge added, on instances of
// at most 12 edges (so every subset can be tried), tie-heavy and not.
TEST(IncrementalAssignmentTest, BothMethodsMatchBruteForceOnTinyInstances) {
  std::mt19937 rng(7);
  int nontrivial = 0;
  for (int k = 0; k < 400; ++k) {
    SCOPED_TRACE(absl::StrCat("instance ", k));
    const int n = std::uniform_int_distribution<int>(1, 5)(rng);
    const int m = std::uniform_int_distribution<int>(1, 4)(rng);
    Instance in = RandomInstance(rng, n, m, 3, /*small_integers=*/k % 2 == 0);
    if (in.edges.size() > 12) in.edges.resize(12);
    for (const auto method :
         {IncrementalAssignment::Method::kAuto,
          IncrementalAssignment::Method::kSuccessiveShortestPaths}) {
      IncrementalAssignment a(in.left_capacity, in.right_capacity);
      a.set_method(method);
      for (size_t e = 0; e < in.edges.size(); ++e) {
        const auto& edge = in.edges[e];
        ASSERT_OK(a.AddEdge(edge.left, edge.right, edge.weight).status());
        ASSERT_OK(a.Solve());
        ASSERT_EQ(ChosenScaled(a), BruteForce(in, e + 1)) << "edges " << e + 1;
        ExpectConsistent(a, in);
      }
      nontrivial += a.Pairs().size() >= 2;
    }
  }
  EXPECT_GE(nontrivial, 200);
}

// Cost scaling (the default) against successive shortest paths on larger
// instances, batch by batch, both warm.
TEST(IncrementalAssignmentTest, CostScalingEqualsShortestPaths) {
  std::mt19937 rng(8);
  for (int k = 0; k < 12; ++k) {
    SCOPED_TRACE(absl::StrCat("instance ", k));
    const Instance in = RandomInstance(rng, 300, 120, 25,
                                       /*small_integers=*/k % 3 == 0);
    IncrementalAssignment scaling(in.left_capacity, in.right_capacity);
    IncrementalAssignment paths(in.left_capacity, in.right_capacity);
    paths.set_method(IncrementalAssignment::Method::kSuccessiveShortestPaths);
    size_t next = 0;
    while (next < in.edges.size()) {
      const size_t batch =
          std::uniform_int_distribution<size_t>(1, in.edges.size() / 4)(rng);
      for (size_t b = 0; b < batch && next < in.edges.size(); ++b, ++next) {
        const auto& e = in.edges[next];
        ASSERT_OK(scaling.AddEdge(e.left, e.right, e.weight).status());
        ASSERT_OK(paths.AddEdge(e.left, e.right, e.weight).status());
      }
      ASSERT_OK(scaling.Solve());
      ASSERT_OK(paths.Solve());
      ASSERT_EQ(ChosenScaled(scaling), ChosenScaled(paths));
      ExpectConsistent(scaling, in);
      ExpectConsistent(paths, in);
    }
  }
}

// A cost-scaling solve cancelled half way, then finished by successive
// shortest paths (which start again from no pairs).
TEST(IncrementalAssignmentTest, CancelledCostScalingFinishedByShortestPaths) {
  std::mt19937 rng(9);
  const Instance in = RandomInstance(rng, 60, 25, 8, /*small_integers=*/false);
  IncrementalAssignment a(in.left_capacity, in.right_capacity);
  AssignmentProblem cold;
  cold.left_count = 60;
  cold.right_count = 25;
  cold.left_capacity = in.left_capacity;
  cold.left_demand.assign(60, 1);
  cold.right_capacity = in.right_capacity;
  cold.edges = in.edges;
  for (const auto& e : in.edges) {
    ASSERT_OK(a.AddEdge(e.left, e.right, e.weight).status());
  }
  int polls = 0;
  EXPECT_EQ(a.Solve([&polls] { return ++polls > 3; }).code(),
            absl::StatusCode::kCancelled);
  a.set_method(IncrementalAssignment::Method::kSuccessiveShortestPaths);
  ASSERT_OK(a.Solve());
  ASSERT_OK_AND_ASSIGN(const Assignment want, SolveMaxWeightAssignment(cold));
  EXPECT_NEAR(a.TotalWeight(), want.total_weight, 1e-6);
  ExpectConsistent(a, in);
}

// Successive shortest paths warm-started from the flow and potentials a
// cost-scaling solve left (as when a heavier edge arrives later).
TEST(IncrementalAssignmentTest, ShortestPathsContinueAfterCostScaling) {
  std::mt19937 rng(10);
  for (int k = 0; k < 20; ++k) {
    SCOPED_TRACE(absl::StrCat("instance ", k));
    const Instance in =
        RandomInstance(rng, 80, 30, 10, /*small_integers=*/k % 2 == 0);
    IncrementalAssignment a(in.left_capacity, in.right_capacity);
    AssignmentProblem cold;
    cold.left_count = 80;
    cold.right_count = 30;
    cold.left_capacity = in.left_capacity;
    cold.left_demand.assign(80, 1);
    cold.right_capacity = in.right_capacity;
    const size_t half = in.edges.size() / 2;
    for (size_t e = 0; e < in.edges.size(); ++e) {
      if (e == half) {
        ASSERT_OK(a.Solve());
        a.set_method(IncrementalAssignment::Method::kSuccessiveShortestPaths);
      }
      const auto& edge = in.edges[e];
      ASSERT_OK(a.AddEdge(edge.left, edge.right, edge.weight).status());
      cold.edges.push_back(edge);
    }
    ASSERT_OK(a.Solve());
    ASSERT_OK_AND_ASSIGN(const Assignment want, SolveMaxWeightAssignment(cold));
    int64_t want_scaled = 0;
    for (const auto& [i, j] : want.pairs) {
      for (const auto& e : cold.edges) {
        if (e.left == i && e.right == j) want_scaled += Scaled(e.weight);
      }
    }
    EXPECT_EQ(ChosenScaled(a), want_scaled);
    ExpectConsistent(a, in);
  }
}

TEST(IncrementalAssignmentTest, ValidationNamesTheField) {
  IncrementalAssignment a({1}, {1});
  EXPECT_EQ(a.AddEdge(1, 0, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.AddEdge(0, -1, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(a.AddEdge(0, 0, 0).status().message()),
              ::testing::HasSubstr("edges[0].weight"));
  IncrementalAssignment b({-1}, {1});
  EXPECT_THAT(std::string(b.Solve().message()),
              ::testing::HasSubstr("left_capacity[0]"));
}

}  // namespace
}  // namespace vakwijzer::optimization
