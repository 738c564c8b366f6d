#include "optimization/mip.h"

#include <cmath>
#include <optional>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vakwijzer::optimization {
namespace {

// For the tests that check what is proven, not how fast: a time limit no
// run reaches (under ASan on a busy machine one of the random knapsacks
// took more than the default 2 s and came back unproven).
MipOptions Proving(MipSolver solver = MipSolver::kCbc) {
  MipOptions options;
  options.solver = solver;
  options.time_limit = absl::Minutes(10);
  return options;
}

using ::testing::HasSubstr;

// A multi-dimensional 0/1 knapsack: n items, m capacity rows.
struct Knapsack {
  std::vector<double> value;
  std::vector<std::vector<double>> weight;  // [row][item]
  std::vector<double> capacity;

  MipProblem Program() const {
    MipProblem p;
    for (double v : value) p.AddColumn(v, 0, 1, true);
    for (size_t r = 0; r < capacity.size(); ++r) {
      MipProblem::Row row;
      for (size_t j = 0; j < value.size(); ++j) {
        row.terms.emplace_back(static_cast<int>(j), weight[r][j]);
      }
      row.upper = capacity[r];
      p.rows.push_back(std::move(row));
    }
    return p;
  }

  // The oracle: every subset.
  double BruteForce() const {
    const size_t n = value.size();
    double best = 0;
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      bool fits = true;
      double total = 0;
      for (size_t r = 0; r < capacity.size() && fits; ++r) {
        double used = 0;
        for (size_t j = 0; j < n; ++j) {
          if (mask >> j & 1) used += weight[r][j];
        }
        fits = used <= capacity[r] + 1e-9;
      }
      if (!fits) continue;
      for (size_t j = 0; j < n; ++j) {
        if (mask >> j & 1) total += value[j];
      }
      best = std::max(best, total);
    }
    return best;
  }

  bool Feasible(const std::vector<double>& x) const {
    for (size_t r = 0; r < capacity.size(); ++r) {
      double used = 0;
      for (size_t j = 0; j < x.size(); ++j) used += weight[r][j] * x[j];
      if (used > capacity[r] + 1e-6) return false;
    }
    for (double v : x) {
      if (v != 0 && v != 1) return false;
    }
    return true;
  }
};

Knapsack Random(std::mt19937& rng, int n, int m) {
  std::uniform_int_distribution<int> w(1, 40);
  Knapsack k;
  k.weight.assign(m, {});
  for (int j = 0; j < n; ++j) {
    double total = 0;
    for (int r = 0; r < m; ++r) {
      k.weight[r].push_back(w(rng));
      total += k.weight[r].back();
    }
    // Values correlated with weight: the hard kind.
    k.value.push_back(total / m +
                      std::uniform_int_distribution<int>(0, 10)(rng));
  }
  for (int r = 0; r < m; ++r) {
    double sum = 0;
    for (double x : k.weight[r]) sum += x;
    k.capacity.push_back(std::floor(sum / 2));
  }
  return k;
}

TEST(MipTest, MatchesBruteForceOnRandomKnapsacks) {
  std::mt19937 rng(7);
  for (int instance = 0; instance < 60; ++instance) {
    Knapsack k = Random(rng, 4 + instance % 11, 1 + instance % 3);
    absl::StatusOr<MipSolution> s = SolveMip(k.Program(), Proving());
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->exact) << instance;
    EXPECT_NEAR(s->objective, k.BruteForce(), 1e-6) << instance;
    EXPECT_NEAR(s->bound, s->objective, 1e-6) << instance;
    EXPECT_TRUE(k.Feasible(s->values)) << instance;
    EXPECT_EQ(s->solver, "cbc");
  }
}

TEST(MipTest, ContinuousColumnsAndEqualityRows) {
  // max x + 2y  s.t. x + y = 3, y <= 1.5 (y continuous), x integer <= 2
  // -> x = 2, y = 1 (x + y = 3) gives 4; x = 1.5 is not integer.
  MipProblem p;
  int x = p.AddColumn(1, 0, 2, true);
  int y = p.AddColumn(2, 0, 1.5, false);
  p.rows.push_back({{{x, 1}, {y, 1}}, 3, 3});
  absl::StatusOr<MipSolution> s = SolveMip(p, Proving());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->exact);
  EXPECT_DOUBLE_EQ(s->values[x], 2);
  EXPECT_NEAR(s->values[y], 1, 1e-9);
  EXPECT_NEAR(s->objective, 4, 1e-9);
}

TEST(MipTest, InfeasibleIsNotFound) {
  MipProblem p;
  int x = p.AddColumn(1, 0, 1, true);
  p.rows.push_back({{{x, 1}}, 2, MipProblem::kInfinity});
  absl::StatusOr<MipSolution> s = SolveMip(p);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
}

TEST(MipTest, BadProgramsAreRefusedNamingTheField) {
  MipProblem p;
  p.AddColumn(1, 0, 1, true);
  p.rows.push_back({{{3, 1}}, 0, 1});
  EXPECT_THAT(SolveMip(p).status().message(), HasSubstr("rows[0]"));
  MipProblem q;
  q.AddColumn(NAN, 0, 1, true);
  EXPECT_THAT(SolveMip(q).status().message(), HasSubstr("objective[0]"));
  MipProblem r;
  r.AddColumn(1, 2, 1, false);
  EXPECT_EQ(SolveMip(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MipTest, CancellationStopsTheSearch) {
  std::mt19937 rng(11);
  Knapsack k = Random(rng, 120, 5);
  int polls = 0;
  MipOptions options;
  options.time_limit = absl::Seconds(30);
  options.cancelled = [&polls] { return ++polls > 1; };  // after the start
  absl::StatusOr<MipSolution> s = SolveMip(k.Program(), options);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled) << polls;
  EXPECT_GT(polls, 1);  // CBC itself polled, not only the up-front check
}

TEST(MipTest, TimeLimitReturnsAFeasibleSolutionAndAnHonestBound) {
  std::mt19937 rng(13);
  Knapsack k = Random(rng, 150, 6);
  MipOptions options;
  options.time_limit = absl::Milliseconds(50);
  absl::StatusOr<MipSolution> s = SolveMip(k.Program(), options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(k.Feasible(s->values));
  EXPECT_GE(s->bound, s->objective - 1e-6);
  if (s->exact) {
    EXPECT_NEAR(s->bound, s->objective, 1e-6);
  }
  // The bound is at most the LP relaxation's (sum of all values is a
  // trivially valid but useless bound: it must be tighter than that).
  double all = 0;
  for (double v : k.value) all += v;
  EXPECT_LT(s->bound, all);
}

// The GLPK back end on the same knapsacks as CBC above.
TEST(MipTest, GlpkMatchesBruteForceOnRandomKnapsacks) {
  std::mt19937 rng(7);
  const MipOptions glpk = Proving(MipSolver::kGlpk);
  for (int instance = 0; instance < 60; ++instance) {
    Knapsack k = Random(rng, 4 + instance % 11, 1 + instance % 3);
    absl::StatusOr<MipSolution> s = SolveMip(k.Program(), glpk);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->exact) << instance;
    EXPECT_NEAR(s->objective, k.BruteForce(), 1e-6) << instance;
    EXPECT_NEAR(s->bound, s->objective, 1e-6) << instance;
    EXPECT_TRUE(k.Feasible(s->values)) << instance;
    EXPECT_EQ(s->solver, "glpk");
  }
}

// A general integer program: columns in small integer ranges, rows of
// every kind (<=, >=, ranged, equality), signed coefficients.
struct IntegerProgram {
  MipProblem program;

  // The oracle: every integer point of the box. nullopt when none is
  // feasible.
  std::optional<double> BruteForce() const {
    const int n = program.columns();
    std::vector<double> x(program.lower);
    std::optional<double> best;
    while (true) {
      if (Feasible(x)) {
        double value = 0;
        for (int j = 0; j < n; ++j) value += program.objective[j] * x[j];
        if (!best || value > *best) best = value;
      }
      int j = 0;  // next point of the box, as an odometer
      while (j < n && x[j] == program.upper[j]) x[j] = program.lower[j], ++j;
      if (j == n) break;
      x[j] += 1;
    }
    return best;
  }

  bool Feasible(const std::vector<double>& x) const {
    for (int j = 0; j < program.columns(); ++j) {
      if (x[j] != std::round(x[j]) || x[j] < program.lower[j] ||
          x[j] > program.upper[j]) {
        return false;
      }
    }
    for (const MipProblem::Row& row : program.rows) {
      double a = 0;
      for (const auto& [j, c] : row.terms) a += c * x[j];
      if (a < row.lower - 1e-6 || a > row.upper + 1e-6) return false;
    }
    return true;
  }
};

IntegerProgram RandomIntegerProgram(std::mt19937& rng) {
  std::uniform_int_distribution<int> columns(2, 6), rows(1, 5), coef(-4, 6),
      kind(0, 3), lo(-1, 1), width(1, 3);
  IntegerProgram ip;
  const int n = columns(rng);
  for (int j = 0; j < n; ++j) {
    const int l = lo(rng);
    ip.program.AddColumn(coef(rng), l, l + width(rng), true);
  }
  const int m = rows(rng);
  for (int r = 0; r < m; ++r) {
    MipProblem::Row row;
    for (int j = 0; j < n; ++j) {
      if (std::bernoulli_distribution(0.7)(rng)) {
        row.terms.emplace_back(j, coef(rng));
      }
    }
    const int rhs = std::uniform_int_distribution<int>(-2, 8)(rng);
    switch (kind(rng)) {
      case 0:
        row.upper = rhs;
        break;
      case 1:
        row.lower = rhs - 6;
        break;
      case 2:
        row.lower = rhs - 3;
        row.upper = rhs;
        break;
      default:
        row.lower = row.upper = rhs - 2;
        break;
    }
    ip.program.rows.push_back(std::move(row));
  }
  return ip;
}

TEST(MipTest, CbcAndGlpkAgreeWithBruteForceOnRandomIntegerPrograms) {
  std::mt19937 rng(19);
  int feasible = 0, infeasible = 0;
  for (int instance = 0; instance < 300; ++instance) {
    IntegerProgram ip = RandomIntegerProgram(rng);
    const std::optional<double> best = ip.BruteForce();
    for (MipSolver solver : {MipSolver::kCbc, MipSolver::kGlpk}) {
      absl::StatusOr<MipSolution> s = SolveMip(ip.program, Proving(solver));
      const int which = static_cast<int>(solver);
      if (!best) {
        EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound)
            << instance << " solver " << which;
        continue;
      }
      ASSERT_TRUE(s.ok()) << instance << " solver " << which << s.status();
      EXPECT_TRUE(s->exact) << instance << " solver " << which;
      EXPECT_NEAR(s->objective, *best, 1e-6) << instance << " solver " << which;
      EXPECT_NEAR(s->bound, *best, 1e-6) << instance << " solver " << which;
      EXPECT_TRUE(ip.Feasible(s->values)) << instance << " solver " << which;
    }
    ++(best ? feasible : infeasible);
  }
  // Both kinds of instance were drawn.
  EXPECT_GT(feasible, 50);
  EXPECT_GT(infeasible, 20);
}

TEST(MipTest, RepeatedTermsAddUpAndIntegerBoundsRoundInwards) {
  // max x + y  s.t. x + x <= 3 (i.e. 2x <= 3), x integer in [0, 5];
  // y integer in [0.5, 2.5], i.e. {1, 2}: x = 1, y = 2.
  MipProblem p;
  int x = p.AddColumn(1, 0, 5, true);
  int y = p.AddColumn(1, 0.5, 2.5, true);
  p.rows.push_back({{{x, 1}, {x, 1}}, -MipProblem::kInfinity, 3});
  for (MipSolver solver : {MipSolver::kCbc, MipSolver::kGlpk}) {
    absl::StatusOr<MipSolution> s = SolveMip(p, Proving(solver));
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->exact);
    EXPECT_EQ(s->values[x], 1);
    EXPECT_EQ(s->values[y], 2);
    EXPECT_NEAR(s->objective, 3, 1e-9);
  }
}

TEST(MipTest, GlpkInfeasibleIsNotFound) {
  MipProblem p;
  int x = p.AddColumn(1, 0, 1, true);
  p.rows.push_back({{{x, 1}}, 2, MipProblem::kInfinity});
  MipOptions options;
  options.solver = MipSolver::kGlpk;
  EXPECT_EQ(SolveMip(p, options).status().code(), absl::StatusCode::kNotFound);
  // Integer bounds that hold no integer.
  MipProblem q;
  q.AddColumn(1, 0.2, 0.8, true);
  EXPECT_EQ(SolveMip(q, options).status().code(), absl::StatusCode::kNotFound);
}

TEST(MipTest, GlpkCancellationStopsTheSearch) {
  std::mt19937 rng(11);
  Knapsack k = Random(rng, 120, 5);
  int polls = 0;
  MipOptions options;
  options.solver = MipSolver::kGlpk;
  options.time_limit = absl::Seconds(30);
  // After the up-front check and the one after the LP relaxation.
  options.cancelled = [&polls] { return ++polls > 3; };
  absl::StatusOr<MipSolution> s = SolveMip(k.Program(), options);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled) << polls;
  EXPECT_GT(polls, 3);  // the search's callback polled
}

TEST(MipTest, GlpkTimeLimitReturnsAFeasibleSolutionAndAnHonestBound) {
  std::mt19937 rng(13);
  Knapsack k = Random(rng, 150, 6);
  MipOptions options;
  options.solver = MipSolver::kGlpk;
  options.time_limit = absl::Milliseconds(50);
  absl::StatusOr<MipSolution> s = SolveMip(k.Program(), options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(k.Feasible(s->values));
  EXPECT_GE(s->bound, s->objective - 1e-6);
  if (s->exact) {
    EXPECT_NEAR(s->bound, s->objective, 1e-6);
  }
  double all = 0;
  for (double v : k.value) all += v;
  EXPECT_LT(s->bound, all);
}

}  // namespace
}  // namespace vakwijzer::optimization
