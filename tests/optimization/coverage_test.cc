#include "optimization/coverage.h"

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vakwijzer::optimization {
namespace {

using ::testing::HasSubstr;

constexpr double kEps = 1e-9;

// A random problem: levels and reached levels in quarter steps, costs in
// steps of 50 (some free), hours 2..20, seats 0..2.
CoverageProblem Random(std::mt19937& rng, int agents, int items, int slots) {
  CoverageProblem p;
  auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  for (int i = 0; i < items; ++i) {
    p.items.push_back(
        {50.0 * uniform(0, 6), double(uniform(2, 20)), uniform(0, 2)});
  }
  for (int a = 0; a < agents; ++a) {
    CoverageAgent agent;
    for (int s = 0; s < slots; ++s) agent.start.push_back(uniform(0, 8) / 4.0);
    agent.hours_cap = uniform(10, 40);
    for (int i = 0; i < items; ++i) {
      if (!std::bernoulli_distribution(0.7)(rng)) continue;
      CoverageOption option;
      option.item = i;
      for (int s = 0; s < slots; ++s) {
        if (std::bernoulli_distribution(0.5)(rng)) {
          option.reach.emplace_back(s, uniform(1, 12) / 4.0);
        }
      }
      agent.options.push_back(std::move(option));
    }
    p.agents.push_back(std::move(agent));
  }
  p.budget = 50.0 * uniform(1, 4 * agents);
  p.max_sessions = std::bernoulli_distribution(0.3)(rng) ? uniform(1, 3) : 0;
  return p;
}

// Whether `chosen` keeps every budget; its total gain into *value.
bool Feasible(const CoverageProblem& p,
              const std::vector<std::vector<int>>& chosen, double* value) {
  double cost = 0;
  std::vector<int> participants(p.items.size());
  *value = 0;
  for (size_t a = 0; a < p.agents.size(); ++a) {
    double hours = 0;
    std::set<int> seen;
    for (int o : chosen[a]) {
      if (!seen.insert(o).second) return false;
      const CoverageItem& item = p.items[p.agents[a].options[o].item];
      cost += item.cost;
      hours += item.hours;
      ++participants[p.agents[a].options[o].item];
    }
    if (hours > p.agents[a].hours_cap + kEps) return false;
    *value += CoverageGain(p.agents[a], chosen[a]);
  }
  int sessions = 0;
  for (size_t i = 0; i < p.items.size(); ++i) {
    const int n = participants[i], seats = p.items[i].seats;
    sessions += n == 0 ? 0 : seats > 0 ? (n + seats - 1) / seats : 1;
  }
  return cost <= p.budget + kEps &&
         (p.max_sessions == 0 || sessions <= p.max_sessions);
}

// The oracle: every set of (agent, option) pairs.
double BruteForce(const CoverageProblem& p) {
  std::vector<std::pair<int, int>> pairs;
  for (size_t a = 0; a < p.agents.size(); ++a) {
    for (size_t o = 0; o < p.agents[a].options.size(); ++o) {
      pairs.emplace_back(a, o);
    }
  }
  double best = 0;
  for (uint32_t mask = 0; mask < (1u << pairs.size()); ++mask) {
    std::vector<std::vector<int>> chosen(p.agents.size());
    for (size_t k = 0; k < pairs.size(); ++k) {
      if (mask >> k & 1) chosen[pairs[k].first].push_back(pairs[k].second);
    }
    double value;
    if (Feasible(p, chosen, &value)) best = std::max(best, value);
  }
  return best;
}

TEST(CoverageTest, GainCountsEachSlotOnceAtTheHighestLevel) {
  CoverageAgent agent;
  agent.start = {1, 2.5};
  agent.options = {{0, {{0, 3}, {1, 2}}}, {1, {{0, 2}, {1, 3}}}};
  EXPECT_DOUBLE_EQ(CoverageGain(agent, {}), 0);
  EXPECT_DOUBLE_EQ(CoverageGain(agent, {0}), 2);    // slot 1 stays at 2.5
  EXPECT_DOUBLE_EQ(CoverageGain(agent, {1}), 1.5);  // 1 + 0.5
  EXPECT_DOUBLE_EQ(CoverageGain(agent, {0, 1}), 2.5);
}

// Small random problems against brute force: the optimum, proven, every
// time, and each way of proving it taken somewhere.
TEST(CoverageTest, AgainstBruteForce) {
  std::mt19937 rng(5);
  std::set<std::string> proofs;
  for (int round = 0; round < 400; ++round) {
    const int agents = 2 + round % 3;
    const int items = agents == 4 ? 3 : 4;
    CoverageProblem p = Random(rng, agents, items, 3);
    if (p.agents.size() * p.items.size() > 13) continue;
    const double best = BruteForce(p);
    for (MipSolver solver : {MipSolver::kCbc, MipSolver::kGlpk}) {
      MipOptions options;
      options.solver = solver;
      options.time_limit = absl::Seconds(20);
      absl::StatusOr<CoverageSolution> got = SolveCoverage(p, options);
      ASSERT_TRUE(got.ok()) << got.status();
      double value;
      EXPECT_TRUE(Feasible(p, got->chosen, &value)) << "round " << round;
      EXPECT_NEAR(got->value, value, kEps) << "round " << round;
      EXPECT_TRUE(got->exact) << "round " << round;
      EXPECT_NEAR(got->value, best, kEps) << "round " << round;
      EXPECT_NEAR(got->bound, best, kEps) << "round " << round;
      proofs.insert(got->proof);
    }
  }
  EXPECT_TRUE(proofs.count("priced"));
  EXPECT_TRUE(proofs.count("enumerated"));
}

// 40 people x 12 options: too many subsets for brute force, so every
// instance against the same problem with the budget given to one more
// euro (never less) and to the optimum's own cost (the same value).
TEST(CoverageTest, LargerProblemsAreProvenAndConsistent) {
  std::mt19937 rng(9);
  for (int round = 0; round < 5; ++round) {
    CoverageProblem p = Random(rng, 40, 12, 6);
    p.max_sessions = 0;
    p.budget = 50.0 * 40;
    MipOptions options;
    options.time_limit = absl::Seconds(60);
    absl::StatusOr<CoverageSolution> got = SolveCoverage(p, options);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->exact) << "round " << round;
    double value, cost = 0;
    ASSERT_TRUE(Feasible(p, got->chosen, &value));
    EXPECT_NEAR(value, got->value, kEps);
    for (size_t a = 0; a < p.agents.size(); ++a) {
      for (int o : got->chosen[a]) {
        cost += p.items[p.agents[a].options[o].item].cost;
      }
    }
    CoverageProblem tight = p;
    tight.budget = cost;
    absl::StatusOr<CoverageSolution> same = SolveCoverage(tight, options);
    ASSERT_TRUE(same.ok() && same->exact);
    EXPECT_NEAR(same->value, got->value, kEps) << "round " << round;
    CoverageProblem more = p;
    more.budget += 50;
    absl::StatusOr<CoverageSolution> larger = SolveCoverage(more, options);
    ASSERT_TRUE(larger.ok() && larger->exact);
    EXPECT_GE(larger->value, got->value - kEps) << "round " << round;
    // Dropping a chosen pair loses its marginal gain: no better plan
    // than the optimum at a lower cost exists.
    CoverageProblem less = p;
    less.budget = std::max(0.0, cost - 50);
    absl::StatusOr<CoverageSolution> smaller = SolveCoverage(less, options);
    ASSERT_TRUE(smaller.ok() && smaller->exact);
    EXPECT_LE(smaller->value, got->value + kEps) << "round " << round;
  }
}

TEST(CoverageTest, RefusesBadInput) {
  CoverageProblem p;
  p.items = {{100, 8, 0}};
  CoverageAgent agent;
  agent.start = {1};
  agent.hours_cap = 40;
  agent.options = {{0, {{0, 3}}}};
  p.agents = {agent};
  p.budget = -1;
  EXPECT_THAT(SolveCoverage(p).status().message(), HasSubstr("budget"));
  p.budget = 100;
  p.agents[0].options[0].item = 1;
  EXPECT_THAT(SolveCoverage(p).status().message(),
              HasSubstr("agents[0].options[0].item"));
  p.agents[0].options[0] = {0, {{1, 3}}};
  EXPECT_THAT(SolveCoverage(p).status().message(),
              HasSubstr("agents[0].options[0].reach"));
  p.agents[0].options[0] = {0, {{0, 3}}};
  p.items[0].hours = NAN;
  EXPECT_THAT(SolveCoverage(p).status().message(), HasSubstr("items[0]"));
  p.items[0].hours = 8;
  absl::StatusOr<CoverageSolution> ok = SolveCoverage(p);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_DOUBLE_EQ(ok->value, 2);
}

TEST(CoverageTest, Cancels) {
  std::mt19937 rng(3);
  CoverageProblem p = Random(rng, 200, 30, 10);
  MipOptions options;
  options.cancelled = [] { return true; };
  EXPECT_EQ(SolveCoverage(p, options).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace vakwijzer::optimization
