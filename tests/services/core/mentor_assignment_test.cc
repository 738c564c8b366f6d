// AssignMentorsExact against the pre-issue-8 AssignMentors (a copy in
// reference_assign_mentors.cc) on random small organisations, and against
// a brute-force optimum on tiny ones.
#include "services/core/mentor_assignment.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/framework_registry.h"
#include "gtest/gtest.h"
#include "optimization/assignment.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/mentor/mentor_scoring.h"
#include "tests/plugins/mentor/reference_mentor_matcher.h"
#include "tests/services/core/reference_assign_mentors.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::core {
namespace {

using plugins::OrgSnapshot;
using plugins::PersonView;

int64_t Scaled(double w) {
  return std::max<int64_t>(
      1, std::llround(w * optimization::kAssignmentWeightScale));
}

class MentorAssignmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto mini = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/frameworks");
    ASSERT_OK(mini);
    mini_ = std::move(mini).value().release();
    auto sfd = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
    ASSERT_OK(sfd);
    sfd_ = std::move(sfd).value().release();
  }
  static void TearDownTestSuite() {
    delete mini_;
    delete sfd_;
  }

  void SetUp() override {
    ASSERT_OK(reference_matchers_.Add(
        plugins::reference::NewReferenceMentorMatcher()));
  }

  plugins::Params Parse(
      const google::protobuf::Map<std::string, std::string>& values) {
    const plugins::Matcher* m = reference_matchers_.Find("mentor");
    auto parsed = plugins::Params::Parse(m->Info().parameters(), {}, values);
    EXPECT_OK(parsed);
    return *std::move(parsed);
  }

  // Checks that `got` is a valid assignment of `mentees` to `mentors`
  // with the kernel's weights; returns its scaled total.
  int64_t CheckValid(const OrgSnapshot& org,
                     const std::vector<const PersonView*>& mentees,
                     const std::vector<const PersonView*>& mentors,
                     const plugins::Params& params,
                     const v1::MentorAssignment& got) {
    std::map<std::string, const PersonView*> by_name;
    for (const auto& p : org.people) {
      by_name[absl::StrCat("organizations/", org.org, "/people/", p->id)] =
          p.get();
    }
    std::set<const PersonView*> mentee_set(mentees.begin(), mentees.end());
    std::set<const PersonView*> mentor_set(mentors.begin(), mentors.end());
    std::set<std::string> seen;
    std::map<const PersonView*, int> load;
    const plugins::mentor::MentorScoreOptions o =
        plugins::mentor::MentorScoreOptions::From(params);
    const std::vector<std::string>& teams = params.List("teams");
    int64_t total = 0;
    for (const v1::Pair& pair : got.pairs()) {
      const PersonView* mentee = by_name[pair.left()];
      const PersonView* mentor = by_name[pair.right()];
      EXPECT_TRUE(mentee_set.count(mentee)) << pair.left();
      EXPECT_TRUE(mentor_set.count(mentor)) << pair.right();
      EXPECT_TRUE(seen.insert(pair.left()).second) << pair.left();
      EXPECT_NE(mentee, mentor);
      EXPECT_LE(++load[mentor], mentor->mentoring_capacity);
      EXPECT_EQ(mentee->framework->id(), mentor->framework->id());
      if (!teams.empty()) {
        EXPECT_TRUE(std::any_of(
            mentor->teams.begin(), mentor->teams.end(), [&](const auto& t) {
              return std::find(teams.begin(), teams.end(), t) != teams.end();
            }));
      }
      const double w =
          plugins::mentor::Score(plugins::mentor::GapsOf(*mentee, o), *mentor);
      EXPECT_GT(w, 0);
      EXPECT_EQ(pair.weight(), w);
      total += Scaled(w);
    }
    EXPECT_EQ(got.pairs_size() + got.unmatched_size(),
              static_cast<int>(mentees.size()));
    return total;
  }

  static const framework::FrameworkIndex& Framework(bool sfd) {
    return sfd ? *sfd_->Find("sfd-2021") : *mini_->Find("mini");
  }
  static const framework::FrameworkRegistry& Registry(bool sfd) {
    return sfd ? *sfd_ : *mini_;
  }

  plugins::MatcherRegistry reference_matchers_;
  std::function<bool()> never_ = [] { return false; };
  static framework::FrameworkRegistry* mini_;
  static framework::FrameworkRegistry* sfd_;
};

framework::FrameworkRegistry* MentorAssignmentTest::mini_ = nullptr;
framework::FrameworkRegistry* MentorAssignmentTest::sfd_ = nullptr;

TEST_F(MentorAssignmentTest, SameTotalAsReferenceOverRandomOrgs) {
  int identical = 0, compared = 0, rounds_above_one = 0;
  for (uint64_t seed = 1; seed <= 80; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = uniform(1, 70);
    options.modules = options.roles = options.cases = 0;
    options.seed = seed;
    options.unknown_share = uniform(0, 3) / 10.0;
    const bool sfd = uniform(0, 1);
    OrgSnapshot org = testing::MakeSyntheticOrg(Framework(sfd), options, "a");
    std::vector<const PersonView*> mentees, mentors;
    for (const auto& p : org.people) {
      if (uniform(0, 3)) mentees.push_back(p.get());
      if (uniform(0, 3)) mentors.push_back(p.get());
    }
    google::protobuf::Map<std::string, std::string> values;
    values["granularity"] = uniform(0, 1) ? "competency" : "indicator";
    if (uniform(0, 2) == 0) {
      values["threshold"] = absl::StrCat(uniform(4, 14) / 4.0);
    }
    // Integer-ish bonuses make many ties; others few.
    values["voorbeeld_bonus"] = absl::StrCat(uniform(0, 7) / 3.0);
    if (uniform(0, 3) == 0) values["lambda"] = "1";
    if (uniform(0, 4) == 0) values["teams"] = "team-1, team-2";
    const plugins::Params params = Parse(values);
    MentorAssignmentOptions assign;
    assign.initial_edges = uniform(0, 1) ? 1 : uniform(2, 20);

    ASSERT_OK_AND_ASSIGN(v1::MentorAssignment want,
                         reference::ReferenceAssignMentors(
                             reference_matchers_, Registry(sfd), org, mentees,
                             mentors, values, never_));
    MentorAssignmentStats stats;
    ASSERT_OK_AND_ASSIGN(v1::MentorAssignment got,
                         AssignMentorsExact(org, mentees, mentors, params,
                                            never_, assign, &stats));
    ++compared;
    rounds_above_one += stats.rounds > 1;
    EXPECT_TRUE(got.exact());
    EXPECT_EQ(got.method(), want.method());
    int64_t want_total = 0;
    for (const v1::Pair& p : want.pairs()) want_total += Scaled(p.weight());
    EXPECT_EQ(CheckValid(org, mentees, mentors, params, got), want_total);
    // Equal scaled totals (above); two optima may still differ by each
    // pair's rounding to 1e-6 (< 5e-7 per pair) in their unscaled totals.
    EXPECT_NEAR(got.total_weight(), want.total_weight(),
                1e-9 + 5e-7 * (got.pairs_size() + want.pairs_size()));
    // Who has no possible mentor at all does not depend on ties.
    std::map<std::string, std::string> want_reason, got_reason;
    for (const auto& u : want.unmatched()) want_reason[u.name()] = u.reason();
    for (const auto& u : got.unmatched()) got_reason[u.name()] = u.reason();
    for (const auto& [name, reason] : want_reason) {
      if (reason.rfind("every mentor", 0) == 0) continue;
      EXPECT_EQ(got_reason[name], reason) << name;
    }
    bool same_pairs = want.pairs_size() == got.pairs_size();
    for (int k = 0; same_pairs && k < want.pairs_size(); ++k) {
      same_pairs = want.pairs(k).left() == got.pairs(k).left() &&
                   want.pairs(k).right() == got.pairs(k).right();
    }
    if (same_pairs) {
      ++identical;
      // Then the explanations are the matcher's (no MMR note when lambda 1).
      for (int k = 0; k < want.pairs_size(); ++k) {
        if (!values.count("lambda")) continue;
        EXPECT_EQ(got.pairs(k).explanation(), want.pairs(k).explanation());
        EXPECT_EQ(got.pairs(k).weight(), want.pairs(k).weight());
      }
    }
  }
  EXPECT_EQ(compared, 80);
  EXPECT_GE(rounds_above_one, 10);  // the pricing loop is exercised
  EXPECT_GE(identical, 20);
}

// Every assignment of tiny instances, by depth-first search.
int64_t BruteForce(const std::vector<std::vector<int64_t>>& w,
                   std::vector<int>& room, size_t i) {
  if (i == w.size()) return 0;
  int64_t best = BruteForce(w, room, i + 1);  // i unmatched
  for (size_t j = 0; j < room.size(); ++j) {
    if (w[i][j] <= 0 || room[j] == 0) continue;
    --room[j];
    best = std::max(best, w[i][j] + BruteForce(w, room, i + 1));
    ++room[j];
  }
  return best;
}

TEST_F(MentorAssignmentTest, OptimalAgainstBruteForceOnTinyOrgs) {
  int nontrivial = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed * 7919);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = uniform(2, 9);
    options.modules = options.roles = options.cases = 0;
    options.seed = seed + 5000;
    const bool sfd = uniform(0, 1);
    OrgSnapshot org = testing::MakeSyntheticOrg(Framework(sfd), options, "b");
    std::vector<const PersonView*> mentees, mentors;
    for (const auto& p : org.people) {
      if (uniform(0, 4)) mentees.push_back(p.get());
      if (uniform(0, 2) && p->mentoring_capacity > 0) {
        mentors.push_back(p.get());
      }
    }
    google::protobuf::Map<std::string, std::string> values;
    values["granularity"] = uniform(0, 1) ? "competency" : "indicator";
    values["voorbeeld_bonus"] = absl::StrCat(uniform(0, 2) / 2.0);
    const plugins::Params params = Parse(values);
    const plugins::mentor::MentorScoreOptions o =
        plugins::mentor::MentorScoreOptions::From(params);
    std::vector<std::vector<int64_t>> w(mentees.size(),
                                        std::vector<int64_t>(mentors.size()));
    std::vector<int> room;
    for (const PersonView* m : mentors) room.push_back(m->mentoring_capacity);
    for (size_t i = 0; i < mentees.size(); ++i) {
      const auto gaps = plugins::mentor::GapsOf(*mentees[i], o);
      for (size_t j = 0; j < mentors.size(); ++j) {
        if (mentees[i] == mentors[j]) continue;
        const double s = plugins::mentor::Score(gaps, *mentors[j]);
        if (s > 0) w[i][j] = Scaled(s);
      }
    }
    const int64_t best = BruteForce(w, room, 0);
    MentorAssignmentOptions assign;
    assign.initial_edges = 1;  // force pricing rounds
    ASSERT_OK_AND_ASSIGN(
        v1::MentorAssignment got,
        AssignMentorsExact(org, mentees, mentors, params, never_, assign));
    EXPECT_EQ(CheckValid(org, mentees, mentors, params, got), best);
    nontrivial += got.pairs_size() >= 2;
  }
  EXPECT_GE(nontrivial, 50);
}

TEST_F(MentorAssignmentTest, MenteeWithoutFrameworkAndCancellation) {
  testing::SyntheticOptions options;
  options.people = 30;
  options.modules = options.roles = options.cases = 0;
  OrgSnapshot org = testing::MakeSyntheticOrg(Framework(false), options, "c");
  std::vector<const PersonView*> people;
  for (const auto& p : org.people) people.push_back(p.get());
  const plugins::Params params = Parse({});
  const std::function<bool()> cancelled = [] { return true; };
  EXPECT_EQ(AssignMentorsExact(org, people, people, params, cancelled)
                .status()
                .code(),
            absl::StatusCode::kCancelled);

  PersonView orphan;
  orphan.id = "zz-orphan";
  std::vector<const PersonView*> mentees = people;
  mentees.push_back(&orphan);
  auto result = AssignMentorsExact(org, mentees, people, params, never_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
}

// Every assignment of tiny instances without a mutual pair, by depth-first
// search over the mentees in order: mentee i may not get mentor j when j is
// mentee k (`reverse[i][j]` = k, or -1), k < i, and k's mentor is i.
int64_t BruteForceNoMutual(const std::vector<std::vector<int64_t>>& w,
                           const std::vector<std::vector<int>>& reverse,
                           const std::vector<const PersonView*>& mentees,
                           const std::vector<const PersonView*>& mentors,
                           std::vector<int>& room, std::vector<int>& chosen,
                           size_t i) {
  if (i == w.size()) return 0;
  int64_t best =
      BruteForceNoMutual(w, reverse, mentees, mentors, room, chosen, i + 1);
  for (size_t j = 0; j < room.size(); ++j) {
    if (w[i][j] <= 0 || room[j] == 0) continue;
    const int k = reverse[i][j];
    if (k >= 0 && static_cast<size_t>(k) < i && chosen[k] >= 0 &&
        mentors[chosen[k]] == mentees[i]) {
      continue;  // mutual
    }
    --room[j];
    chosen[i] = static_cast<int>(j);
    best = std::max(
        best, w[i][j] + BruteForceNoMutual(w, reverse, mentees, mentors, room,
                                           chosen, i + 1));
    chosen[i] = -1;
    ++room[j];
  }
  return best;
}

// Whether `got` pairs some A -> B with B -> A.
bool HasMutualPair(const v1::MentorAssignment& got) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const v1::Pair& p : got.pairs()) pairs.emplace(p.left(), p.right());
  for (const v1::Pair& p : got.pairs()) {
    if (pairs.count({p.right(), p.left()})) return true;
  }
  return false;
}

TEST_F(MentorAssignmentTest, NoMutualOptimalAgainstBruteForceOnTinyOrgs) {
  int mutual_optimum = 0, restricted_lower = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed * 104729);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = uniform(2, 8);
    options.modules = options.roles = options.cases = 0;
    options.seed = seed + 9000;
    const bool sfd = uniform(0, 1);
    OrgSnapshot org = testing::MakeSyntheticOrg(Framework(sfd), options, "m");
    // Mostly the same people on both sides, so mutual pairs can arise.
    std::vector<const PersonView*> mentees, mentors;
    for (const auto& p : org.people) {
      if (uniform(0, 5)) mentees.push_back(p.get());
      if (uniform(0, 5) && p->mentoring_capacity > 0) {
        mentors.push_back(p.get());
      }
    }
    google::protobuf::Map<std::string, std::string> values;
    values["granularity"] = uniform(0, 1) ? "competency" : "indicator";
    const plugins::Params params = Parse(values);
    const plugins::mentor::MentorScoreOptions o =
        plugins::mentor::MentorScoreOptions::From(params);
    const size_t l = mentees.size(), r = mentors.size();
    std::vector<std::vector<int64_t>> w(l, std::vector<int64_t>(r));
    std::vector<std::vector<int>> reverse(l, std::vector<int>(r, -1));
    std::vector<int> room;
    for (const PersonView* m : mentors) room.push_back(m->mentoring_capacity);
    for (size_t i = 0; i < l; ++i) {
      const auto gaps = plugins::mentor::GapsOf(*mentees[i], o);
      for (size_t j = 0; j < r; ++j) {
        if (mentees[i] == mentors[j]) continue;
        const double s = plugins::mentor::Score(gaps, *mentors[j]);
        if (s > 0) w[i][j] = Scaled(s);
        for (size_t k = 0; k < l; ++k) {
          if (mentees[k] == mentors[j]) reverse[i][j] = static_cast<int>(k);
        }
      }
    }
    std::vector<int> chosen(l, -1);
    const int64_t best =
        BruteForceNoMutual(w, reverse, mentees, mentors, room, chosen, 0);

    MentorAssignmentOptions assign;
    assign.initial_edges = uniform(1, 3);
    // The same pricing rounds without no_mutual: among optima of equal
    // weight which one the solver keeps depends on the rounds.
    ASSERT_OK_AND_ASSIGN(
        v1::MentorAssignment free,
        AssignMentorsExact(org, mentees, mentors, params, never_, assign));
    assign.no_mutual = true;
    assign.mip_solver = uniform(0, 1) ? optimization::MipSolver::kGlpk
                                      : optimization::MipSolver::kCbc;
    ASSERT_OK_AND_ASSIGN(
        v1::MentorAssignment got,
        AssignMentorsExact(org, mentees, mentors, params, never_, assign));
    EXPECT_FALSE(HasMutualPair(got));
    EXPECT_EQ(CheckValid(org, mentees, mentors, params, got), best);
    EXPECT_TRUE(got.exact());
    EXPECT_DOUBLE_EQ(got.upper_bound(), got.total_weight());
    if (HasMutualPair(free)) {
      ++mutual_optimum;
      EXPECT_EQ(got.method(), "integer-program");
      const int64_t unrestricted =
          CheckValid(org, mentees, mentors, params, free);
      restricted_lower += best < unrestricted;
    } else {
      EXPECT_EQ(got.method(), free.method());
      EXPECT_EQ(got.total_weight(), free.total_weight());
    }
  }
  // The restriction mattered in many instances, and often cost weight.
  EXPECT_GE(mutual_optimum, 30);
  EXPECT_GE(restricted_lower, 10);
}

}  // namespace
}  // namespace vakwijzer::core
