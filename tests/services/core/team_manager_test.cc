#include "services/core/team_manager.h"

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::core {
namespace {

using ::vakwijzer::testing::HasStatus;

constexpr double kEps = 1e-9;

class TeamManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/frameworks");
    ASSERT_OK(registry);
    frameworks_ = *std::move(registry);
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    ASSERT_OK(plugins::RegisterBuiltinMatchers(&matchers_));
    manager_ = std::make_unique<TeamManager>(frameworks_.get(), &matchers_,
                                             cache_.get());
  }

  // A junior-track person of the mini framework (target stage "good" = 2)
  // with the given levels (-1: never rated).
  void AddPerson(const std::string& id, const std::string& team,
                 std::map<std::string, double> levels, int mentoring = 0) {
    storage::StoredProfile record;
    v1::Profile* p = record.mutable_profile();
    p->set_name(absl::StrCat("organizations/acme/people/", id));
    p->set_framework("frameworks/mini");
    p->set_track("junior");
    p->set_target_stage("good");
    p->add_teams(team);
    p->set_mentoring_capacity(mentoring);
    for (const auto& [indicator, level] : levels) {
      if (level < 0) continue;
      record.mutable_derived()->add_indicator(indicator);
      record.mutable_derived()->add_level(level);
    }
    cache_->PutPerson("acme", record);
  }

  std::vector<v1::ScoreTeamResponse> Score(const v1::ScoreTeamRequest& r) {
    std::vector<v1::ScoreTeamResponse> parts;
    EXPECT_OK(manager_->ScoreTeam(r, [&](const v1::ScoreTeamResponse& part) {
      parts.push_back(part);
      return true;
    }));
    return parts;
  }

  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<SnapshotCache> cache_;
  plugins::MatcherRegistry matchers_;
  std::unique_ptr<TeamManager> manager_;
  std::function<bool()> never_ = [] { return false; };
};

TEST_F(TeamManagerTest, ScoreTeamMatchesHandComputedFigures) {
  AddPerson("p1", "t1",
            {{"j-a1-1", 2}, {"j-a1-2", 1}, {"j-a2-1", -1}, {"j-b1-1", 3}});
  AddPerson("p2", "t1",
            {{"j-a1-1", 0}, {"j-a1-2", 2}, {"j-a2-1", 2}, {"j-b1-1", -1}});
  AddPerson("p3", "t2", {{"j-a1-1", 0}});  // another team: left out
  v1::ScoreTeamRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  request.mutable_selector()->set_team("t1");
  request.set_include_people(true);
  std::vector<v1::ScoreTeamResponse> parts = Score(request);
  ASSERT_EQ(parts.size(), 3u);  // p1, p2, then the summary

  // p1: rated 2, 1, 3 against target 2: gaps 0, 1, 0; mean 1/3;
  // readiness 1 - 1/6; coverage 3/4; A.1 (0 + 1) / 2, B.1 0.
  const v1::PersonScore& p1 = parts[0].person();
  EXPECT_EQ(p1.person(), "organizations/acme/people/p1");
  EXPECT_NEAR(p1.mean_gap(), 1.0 / 3, kEps);
  EXPECT_NEAR(p1.readiness(), 5.0 / 6, kEps);
  EXPECT_NEAR(p1.coverage(), 0.75, kEps);
  EXPECT_NEAR(p1.competency_gaps().at("A.1"), 0.5, kEps);
  EXPECT_NEAR(p1.competency_gaps().at("B.1"), 0, kEps);
  EXPECT_EQ(p1.competency_gaps().count("A.2"), 0u);
  // p2: rated 0, 2, 2: gaps 2, 0, 0; mean 2/3; readiness 1 - 2/6.
  const v1::PersonScore& p2 = parts[1].person();
  EXPECT_NEAR(p2.mean_gap(), 2.0 / 3, kEps);
  EXPECT_NEAR(p2.readiness(), 2.0 / 3, kEps);
  EXPECT_NEAR(p2.competency_gaps().at("A.1"), 1, kEps);

  const v1::TeamSummary& t = parts[2].summary();
  EXPECT_EQ(t.people(), 2);
  EXPECT_EQ(t.framework(), "frameworks/mini");
  ASSERT_EQ(t.indicators_size(), 4);  // the junior indicators
  // j-a1-1: levels 2 and 0: gaps 0 and 2, mean 1; one at target; levels 0
  // and 2 in the distribution; bus factor 1.
  const v1::IndicatorTeamScore& a11 = t.indicators(0);
  EXPECT_EQ(a11.indicator(), "j-a1-1");
  EXPECT_EQ(a11.people(), 2);
  EXPECT_EQ(a11.unknown(), 0);
  EXPECT_NEAR(a11.mean_gap(), 1, kEps);
  EXPECT_NEAR(a11.share_at_target(), 0.5, kEps);
  EXPECT_EQ(
      std::vector<int>(a11.distribution().begin(), a11.distribution().end()),
      (std::vector<int>{1, 0, 1, 0}));
  EXPECT_EQ(a11.bus_factor(), 1);
  // j-a2-1: one unrated, one at 2.
  const v1::IndicatorTeamScore& a21 = t.indicators(2);
  EXPECT_EQ(a21.indicator(), "j-a2-1");
  EXPECT_EQ(a21.unknown(), 1);
  EXPECT_NEAR(a21.share_at_target(), 1, kEps);
  // A.1 over 4 rated pairs: gaps 0 + 1 + 2 + 0 = 3, mean 0.75; 2 of 4 at
  // target.
  ASSERT_EQ(t.competencies_size(), 3);
  EXPECT_EQ(t.competencies(0).code(), "A.1");
  EXPECT_NEAR(t.competencies(0).mean_gap(), 0.75, kEps);
  EXPECT_NEAR(t.competencies(0).share_at_target(), 0.5, kEps);
  // Cluster A: 5 rated pairs, gap 3, 3 at target, 1 unrated.
  ASSERT_EQ(t.clusters_size(), 2);
  EXPECT_NEAR(t.clusters(0).mean_gap(), 0.6, kEps);
  EXPECT_NEAR(t.clusters(0).share_at_target(), 0.6, kEps);
  EXPECT_EQ(t.clusters(0).unknown(), 1);
  // Overall: 6 rated pairs, gap 3, 4 at target, 2 unrated, weakest bus 1.
  EXPECT_NEAR(t.overall().mean_gap(), 0.5, kEps);
  EXPECT_NEAR(t.overall().share_at_target(), 4.0 / 6, kEps);
  EXPECT_EQ(t.overall().unknown(), 2);
  EXPECT_EQ(t.overall().min_bus_factor(), 1);
}

TEST_F(TeamManagerTest, ScoreTeamStopsWhenTheClientGoesAway) {
  AddPerson("p1", "t1", {{"j-a1-1", 2}});
  AddPerson("p2", "t1", {{"j-a1-1", 2}});
  v1::ScoreTeamRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  request.set_include_people(true);
  int calls = 0;
  EXPECT_TRUE(HasStatus(manager_->ScoreTeam(request,
                                            [&](const v1::ScoreTeamResponse&) {
                                              ++calls;
                                              return false;
                                            }),
                        absl::StatusCode::kCancelled, ""));
  EXPECT_EQ(calls, 1);
}

TEST_F(TeamManagerTest, ScoreTeamOfNobodyIsAnEmptySummary) {
  v1::ScoreTeamRequest request;
  request.mutable_selector()->set_parent("organizations/empty");
  std::vector<v1::ScoreTeamResponse> parts = Score(request);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].summary().people(), 0);
  EXPECT_TRUE(HasStatus(
      manager_->ScoreTeam(v1::ScoreTeamRequest(),
                          [](const v1::ScoreTeamResponse&) { return true; }),
      absl::StatusCode::kInvalidArgument, "selector.parent"));
}

// The assignment is the best of all feasible ones: checked against brute
// force over every way to give each mentee at most one mentor within the
// mentors' capacities, on random small teams. Pair weights are the mentor
// matcher's scores (indicator granularity, read back from the pairs'
// explanations' source: a separate Match per mentee).
TEST_F(TeamManagerTest, AssignMentorsNoMutualKeepsTheHeavierDirection) {
  // p0 is at 3 on j-a1-1 and 1 on j-a1-2, p1 at 0 and 3 (target 2): each
  // can mentor the other, p0 -> p1 on a gap of 2, p1 -> p0 on a gap of 1.
  AddPerson("p0", "t1", {{"j-a1-1", 3}, {"j-a1-2", 1}}, 1);
  AddPerson("p1", "t1", {{"j-a1-1", 0}, {"j-a1-2", 3}}, 1);
  v1::AssignMentorsRequest request;
  request.mutable_mentees()->set_parent("organizations/acme");
  (*request.mutable_parameters())["granularity"] = "indicator";
  ASSERT_OK_AND_ASSIGN(v1::MentorAssignment free,
                       manager_->AssignMentors(request, never_));
  ASSERT_EQ(free.pairs_size(), 2);  // the mutual optimum
  EXPECT_TRUE(free.exact());
  EXPECT_EQ(free.upper_bound(), free.total_weight());
  const v1::Pair& p1_by_p0 = free.pairs(1);
  ASSERT_EQ(p1_by_p0.left(), "organizations/acme/people/p1");
  EXPECT_GT(p1_by_p0.weight(), free.pairs(0).weight());

  request.set_no_mutual(true);
  ASSERT_OK_AND_ASSIGN(v1::MentorAssignment got,
                       manager_->AssignMentors(request, never_));
  ASSERT_EQ(got.pairs_size(), 1);
  EXPECT_EQ(got.pairs(0).left(), "organizations/acme/people/p1");
  EXPECT_EQ(got.pairs(0).right(), "organizations/acme/people/p0");
  EXPECT_EQ(got.total_weight(), p1_by_p0.weight());
  EXPECT_TRUE(got.exact());
  EXPECT_EQ(got.upper_bound(), got.total_weight());
  EXPECT_EQ(got.method(), "integer-program");
  ASSERT_EQ(got.unmatched_size(), 1);
  EXPECT_EQ(got.unmatched(0).name(), "organizations/acme/people/p0");
  EXPECT_THAT(got.unmatched(0).reason(), ::testing::HasSubstr("no_mutual"));
}

TEST_F(TeamManagerTest, AssignMentorsIsOptimalAgainstBruteForce) {
  const std::vector<std::string> ids = {"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"};
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    manager_ = std::make_unique<TeamManager>(frameworks_.get(), &matchers_,
                                             cache_.get());
    const int people = 4 + round % 3;
    for (int k = 0; k < people; ++k) {
      std::map<std::string, double> levels;
      for (const std::string& id : ids) {
        levels[id] = std::uniform_int_distribution<int>(-1, 3)(rng);
      }
      AddPerson(absl::StrCat("p", k), "t1", levels,
                std::uniform_int_distribution<int>(0, 2)(rng));
    }
    v1::AssignMentorsRequest request;
    request.mutable_mentees()->set_parent("organizations/acme");
    (*request.mutable_parameters())["granularity"] = "indicator";
    ASSERT_OK_AND_ASSIGN(v1::MentorAssignment got,
                         manager_->AssignMentors(request, never_));

    // Weights of every (mentee, mentor) pair from the mentor matcher.
    std::map<std::pair<int, int>, double> weight;
    auto snap = cache_->Get("acme");
    const plugins::Matcher* mentor = matchers_.Find("mentor");
    for (int i = 0; i < people; ++i) {
      google::protobuf::Map<std::string, std::string> values;
      values["granularity"] = "indicator";
      ASSERT_OK_AND_ASSIGN(
          plugins::Params params,
          plugins::Params::Parse(mentor->Info().parameters(), {}, values));
      v1::MatchRequest r;
      r.set_parent("organizations/acme");
      r.set_subject(absl::StrCat("organizations/acme/people/p", i));
      r.set_page_size(100);
      plugins::MatchInput input{*snap, *frameworks_, r, params, never_};
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse m, mentor->Match(input));
      for (const auto& item : m.items()) {
        int j = std::stoi(item.name().substr(item.name().rfind('/') + 2));
        weight[{i, j}] = item.score();
      }
    }
    std::vector<int> capacity(people);
    for (int j = 0; j < people; ++j) {
      capacity[j] = snap->FindPerson(absl::StrCat("p", j))->mentoring_capacity;
    }
    // Brute force: mentee i takes mentor choice[i] (-1: none).
    double best = 0;
    std::vector<int> choice(people, -1);
    std::function<void(int, double)> go = [&](int i, double total) {
      if (i == people) {
        best = std::max(best, total);
        return;
      }
      go(i + 1, total);
      for (int j = 0; j < people; ++j) {
        auto it = weight.find({i, j});
        if (it == weight.end() || capacity[j] == 0) continue;
        --capacity[j];
        go(i + 1, total + it->second);
        ++capacity[j];
      }
    };
    go(0, 0);
    EXPECT_NEAR(got.total_weight(), best, 1e-6) << "round " << round;
    EXPECT_TRUE(got.exact());
    // Feasible: one mentor per mentee, capacities kept, weights add up.
    std::map<std::string, int> load;
    std::set<std::string> mentees;
    double sum = 0;
    for (const v1::Pair& p : got.pairs()) {
      EXPECT_TRUE(mentees.insert(p.left()).second);
      EXPECT_NE(p.left(), p.right());
      ++load[p.right()];
      sum += p.weight();
    }
    for (const auto& [name, n] : load) {
      EXPECT_LE(n, snap->FindPerson(name.substr(name.rfind('/') + 1))
                       ->mentoring_capacity);
    }
    EXPECT_NEAR(sum, got.total_weight(), 1e-6);
    EXPECT_EQ(got.pairs_size() + got.unmatched_size(), people);
  }
}

TEST_F(TeamManagerTest, StaffCasesNamesCasesAndKeepsCaseloads) {
  AddPerson("p1", "t1", {{"j-a1-1", 3}, {"j-a1-2", 3}});
  v1::StaffCasesRequest request;
  request.set_parent("organizations/acme");
  request.add_cases("organizations/acme/cases/nope");
  EXPECT_TRUE(HasStatus(manager_->StaffCases(request, never_),
                        absl::StatusCode::kNotFound, "cases[0]"));
}

TEST_F(TeamManagerTest, StaffCasesRefusesACaseNamedTwice) {
  v1::ClientCase c;
  c.set_name("organizations/acme/cases/c1");
  c.set_framework("frameworks/mini");
  cache_->PutCase("acme", c);
  v1::StaffCasesRequest request;
  request.set_parent("organizations/acme");
  request.add_cases("organizations/acme/cases/c1");
  request.add_cases("organizations/acme/cases/c1");
  EXPECT_TRUE(HasStatus(manager_->StaffCases(request, never_),
                        absl::StatusCode::kInvalidArgument,
                        "cases[1]: repeats cases[0]"));
  request.clear_cases();
  request.set_objective("most");
  EXPECT_TRUE(HasStatus(manager_->StaffCases(request, never_),
                        absl::StatusCode::kInvalidArgument, "objective"));
}

// Cases of mixed workloads sharing people (a generalised assignment
// problem, beyond branch and bound's 30 pairs) against brute force over
// every staffing: exact, feasible, and the reasons for unstaffed cases name
// cases that really hold the qualified people's room. Pair scores come
// from the case-staffing matcher itself; the oracle only optimises.
TEST_F(TeamManagerTest, StaffCasesWithMixedWorkloadsIsExact) {
  const std::vector<std::string> ids = {"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"};
  std::mt19937 rng(5);
  int integer_program = 0;
  for (int round = 0; round < 16; ++round) {
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    manager_ = std::make_unique<TeamManager>(frameworks_.get(), &matchers_,
                                             cache_.get());
    constexpr int kPeople = 8, kCases = 5;
    for (int k = 0; k < kPeople; ++k) {
      storage::StoredProfile record;
      v1::Profile* p = record.mutable_profile();
      p->set_name(absl::StrCat("organizations/acme/people/p", k));
      p->set_framework("frameworks/mini");
      p->set_track("junior");
      p->set_target_stage("good");
      p->set_caseload_capacity(std::uniform_int_distribution<int>(1, 4)(rng));
      for (const std::string& id : ids) {
        record.mutable_derived()->add_indicator(id);
        record.mutable_derived()->add_level(
            std::uniform_int_distribution<int>(1, 3)(rng));
      }
      cache_->PutPerson("acme", record);
    }
    std::vector<int> workload;
    for (int i = 0; i < kCases; ++i) {
      v1::ClientCase c;
      c.set_name(absl::StrCat("organizations/acme/cases/c", i));
      c.set_framework("frameworks/mini");
      c.set_workload(std::uniform_int_distribution<int>(1, 3)(rng));
      workload.push_back(c.workload());
      for (const std::string& id : ids) {
        if (c.requirements_size() > 0 &&
            !std::bernoulli_distribution(0.6)(rng)) {
          continue;
        }
        v1::Requirement* r = c.add_requirements();
        r->set_indicator(id);
        r->set_level(std::uniform_int_distribution<int>(1, 3)(rng));
      }
      cache_->PutCase("acme", c);
    }
    v1::StaffCasesRequest request;
    request.set_parent("organizations/acme");
    ASSERT_OK_AND_ASSIGN(v1::CaseStaffing got,
                         manager_->StaffCases(request, never_));

    // The oracle's weights: the matcher's score of each (case, person).
    auto snap = cache_->Get("acme");
    const plugins::Matcher* matcher = matchers_.Find("case-staffing");
    std::map<std::pair<int, int>, double> weight;
    for (int i = 0; i < kCases; ++i) {
      v1::MatchRequest m;
      m.set_parent("organizations/acme");
      m.set_matcher("case-staffing");
      m.set_subject(absl::StrCat("organizations/acme/cases/c", i));
      m.set_page_size(kPeople + 1);
      google::protobuf::Map<std::string, std::string> given;
      given["include_unqualified"] = "false";
      ASSERT_OK_AND_ASSIGN(
          plugins::Params params,
          plugins::Params::Parse(matcher->Info().parameters(),
                                 matchers_.Defaults("case-staffing"), given));
      plugins::MatchInput input{*snap, *frameworks_, m, params, never_};
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, matcher->Match(input));
      for (const v1::MatchItem& item : r.items()) {
        if (item.score() <= 0) continue;
        int k = std::stoi(item.name().substr(item.name().rfind('/') + 2));
        weight[{i, k}] = item.score();
      }
    }
    std::vector<int> room(kPeople);
    for (int k = 0; k < kPeople; ++k) {
      room[k] = snap->FindPerson(absl::StrCat("p", k))->caseload_capacity;
    }
    double best = 0;
    std::function<void(int, double)> go = [&](int i, double total) {
      if (i == kCases) {
        best = std::max(best, total);
        return;
      }
      go(i + 1, total);
      for (int k = 0; k < kPeople; ++k) {
        auto it = weight.find({i, k});
        if (it == weight.end() || room[k] < workload[i]) continue;
        room[k] -= workload[i];
        go(i + 1, total + it->second);
        room[k] += workload[i];
      }
    };
    go(0, 0);

    EXPECT_TRUE(got.exact()) << "round " << round;
    EXPECT_NEAR(got.total_score(), best, 1e-6) << "round " << round;
    EXPECT_NEAR(got.upper_bound(), best, 1e-6) << "round " << round;
    integer_program += got.method() == "integer-program";
    std::map<std::string, int> load;
    std::map<std::string, std::string> staffed;
    double sum = 0;
    for (const v1::Pair& p : got.assignments()) {
      int i = p.left().back() - '0';
      load[p.right()] += workload[i];
      staffed[p.left()] = p.right();
      sum += p.weight();
    }
    EXPECT_NEAR(sum, got.total_score(), 1e-9);
    for (const auto& [person, units] : load) {
      EXPECT_LE(units, snap->FindPerson(person.substr(person.rfind('/') + 1))
                           ->caseload_capacity);
    }
    for (const v1::Unmatched& u : got.unstaffed()) {
      int i = u.name().back() - '0';
      bool anyone = false;
      for (int k = 0; k < kPeople; ++k) anyone |= weight.count({i, k}) > 0;
      if (!anyone) {
        EXPECT_THAT(u.reason(), ::testing::HasSubstr("nobody available"));
        continue;
      }
      // Each qualified person has no room left for this case, and the
      // reason names every case holding a qualified person.
      for (int k = 0; k < kPeople; ++k) {
        if (!weight.count({i, k})) continue;
        std::string person = absl::StrCat("organizations/acme/people/p", k);
        EXPECT_LT(snap->FindPerson(absl::StrCat("p", k))->caseload_capacity -
                      load[person],
                  workload[i])
            << u.name();
        for (const auto& [c, who] : staffed) {
          if (who == person) {
            EXPECT_THAT(u.reason(), ::testing::HasSubstr(c));
          }
        }
      }
    }
  }
  // The instances reach the integer program (not only flow or branch and
  // bound).
  EXPECT_GT(integer_program, 0);
}

// Objective "cases": one case that scores high alone against two that
// score less together but staff more.
TEST_F(TeamManagerTest, StaffCasesCanStaffTheMostCasesFirst) {
  storage::StoredProfile record;
  v1::Profile* p = record.mutable_profile();
  p->set_name("organizations/acme/people/p0");
  p->set_framework("frameworks/mini");
  p->set_track("junior");
  p->set_target_stage("good");
  p->set_caseload_capacity(2);
  for (const auto& [id, level] : std::map<std::string, int>{
           {"j-a1-1", 3}, {"j-a1-2", 1}, {"j-a2-1", 3}, {"j-b1-1", 1}}) {
    record.mutable_derived()->add_indicator(id);
    record.mutable_derived()->add_level(level);
  }
  cache_->PutPerson("acme", record);
  // The person fits "big" fully (fit 1) and the small ones a third
  // (shortfall 2 + 2 of 3 + 3): 1 > 1/3 + 1/3.
  auto add_case = [&](const std::string& id, int workload,
                      const std::string& first, const std::string& second) {
    v1::ClientCase c;
    c.set_name("organizations/acme/cases/" + id);
    c.set_framework("frameworks/mini");
    c.set_workload(workload);
    for (const std::string& indicator : {first, second}) {
      v1::Requirement* r = c.add_requirements();
      r->set_indicator(indicator);
      r->set_level(3);
    }
    cache_->PutCase("acme", c);
  };
  add_case("big", 2, "j-a1-1", "j-a2-1");
  add_case("small1", 1, "j-a1-2", "j-b1-1");
  add_case("small2", 1, "j-a1-2", "j-b1-1");
  v1::StaffCasesRequest request;
  request.set_parent("organizations/acme");
  request.add_cases("organizations/acme/cases/big");
  request.add_cases("organizations/acme/cases/small1");
  request.add_cases("organizations/acme/cases/small2");
  ASSERT_OK_AND_ASSIGN(v1::CaseStaffing by_score,
                       manager_->StaffCases(request, never_));
  ASSERT_EQ(by_score.assignments_size(), 1);
  EXPECT_EQ(by_score.assignments(0).left(), "organizations/acme/cases/big");
  request.set_objective("cases");
  ASSERT_OK_AND_ASSIGN(v1::CaseStaffing got,
                       manager_->StaffCases(request, never_));
  EXPECT_LT(got.total_score(), by_score.total_score());
  EXPECT_TRUE(got.exact());
  ASSERT_EQ(got.assignments_size(), 2);
  EXPECT_EQ(got.assignments(0).left(), "organizations/acme/cases/small1");
  EXPECT_EQ(got.assignments(1).left(), "organizations/acme/cases/small2");
  ASSERT_EQ(got.unstaffed_size(), 1);
  EXPECT_THAT(got.unstaffed(0).reason(),
              ::testing::HasSubstr("small1, organizations/acme/cases/small2"));
}

// A team of 10,000 streams one row per person and then the summary, so no
// single message grows with the team.
TEST_F(TeamManagerTest, ScoreTeamStreamsATenThousandPersonTeam) {
  constexpr int kPeople = 10000;
  for (int k = 0; k < kPeople; ++k) {
    // Levels 0..3 cycling; every fifth person leaves j-b1-1 unrated.
    AddPerson(absl::StrCat("p", 100000 + k), "big",
              {{"j-a1-1", k % 4}, {"j-b1-1", k % 5 == 0 ? -1 : 2}});
  }
  v1::ScoreTeamRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  request.mutable_selector()->set_team("big");
  request.set_include_people(true);
  int rows = 0;
  size_t largest = 0;
  v1::TeamSummary summary;
  ASSERT_OK(manager_->ScoreTeam(request, [&](const v1::ScoreTeamResponse& r) {
    largest = std::max(largest, r.ByteSizeLong());
    if (r.has_person()) ++rows;
    if (r.has_summary()) summary = r.summary();
    return true;
  }));
  EXPECT_EQ(rows, kPeople);
  EXPECT_EQ(summary.people(), kPeople);
  EXPECT_LT(largest, 64u * 1024);
  // j-a1-1: levels 0, 1, 2, 3 a quarter each against target 2: gaps 2, 1,
  // 0, 0, mean 0.75; half at target; 2,500 per level.
  const v1::IndicatorTeamScore& a11 = summary.indicators(0);
  EXPECT_NEAR(a11.mean_gap(), 0.75, kEps);
  EXPECT_NEAR(a11.share_at_target(), 0.5, kEps);
  EXPECT_EQ(
      std::vector<int>(a11.distribution().begin(), a11.distribution().end()),
      (std::vector<int>{2500, 2500, 2500, 2500}));
  EXPECT_EQ(a11.bus_factor(), 5000);
  // j-b1-1: 2,000 unrated; j-a1-2 and j-a2-1 never rated.
  EXPECT_EQ(summary.indicators(3).unknown(), 2000);
  EXPECT_EQ(summary.overall().unknown(), 2000 + 2 * kPeople);
}

// ScoreTeam's summary against brute force over random people of both
// tracks, for every kind of selector, before and after writes (the
// summary adds up per-chunk tallies that writes invalidate); with and
// without rows the summary is the same, bit for bit.
TEST_F(TeamManagerTest, ScoreTeamSummaryMatchesBruteForce) {
  struct Person {
    std::string id, track, team, role;
    int target;
    std::map<std::string, double> levels;  // rated only
  };
  const std::map<std::string, std::vector<std::string>> indicators = {
      {"junior", {"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"}},
      {"senior", {"s-a1-1", "s-a2-1", "s-b1-1"}}};
  const double kLevels[] = {-1, 0, 0.5, 1, 1.75, 2, 3};
  std::mt19937 random(5);
  std::map<std::string, Person> people;
  auto put = [&](const std::string& id) {
    Person p{id,
             random() % 3 ? "junior" : "senior",
             absl::StrCat("t", random() % 3),
             absl::StrCat("r", random() % 2),
             static_cast<int>(1 + random() % 2),
             {}};
    storage::StoredProfile record;
    v1::Profile* profile = record.mutable_profile();
    profile->set_name(absl::StrCat("organizations/acme/people/", id));
    profile->set_framework("frameworks/mini");
    profile->set_track(p.track);
    profile->set_target_stage(p.target == 1 ? "basic" : "good");
    profile->add_teams(p.team);
    profile->set_role(p.role);
    for (const std::string& indicator : indicators.at(p.track)) {
      double level = kLevels[random() % 7];
      if (level < 0) continue;
      p.levels[indicator] = level;
      record.mutable_derived()->add_indicator(indicator);
      record.mutable_derived()->add_level(level);
    }
    cache_->PutPerson("acme", record);
    people[id] = p;
  };
  for (int k = 0; k < 1500; ++k) put(absl::StrCat("p", 10000 + k));

  auto check = [&](v1::TeamSelector selector) {
    SCOPED_TRACE(selector.ShortDebugString());
    selector.set_parent("organizations/acme");
    v1::ScoreTeamRequest request;
    *request.mutable_selector() = selector;
    std::vector<v1::ScoreTeamResponse> parts = Score(request);
    ASSERT_EQ(parts.size(), 1u);
    const v1::TeamSummary& summary = parts[0].summary();
    request.set_include_people(true);
    std::vector<v1::ScoreTeamResponse> with_rows = Score(request);
    ASSERT_FALSE(with_rows.empty());
    EXPECT_EQ(with_rows.back().summary().SerializeAsString(),
              summary.SerializeAsString());

    int selected = 0, overall_unknown = 0, overall_rated = 0;
    double overall_gap = 0;
    std::map<std::string, const v1::IndicatorTeamScore*> got;
    for (const auto& s : summary.indicators()) got[s.indicator()] = &s;
    std::map<std::string, std::vector<const Person*>> by_track;
    for (const auto& [id, p] : people) {
      if ((selector.team().empty() || p.team == selector.team()) &&
          (selector.role().empty() || p.role == selector.role()) &&
          (selector.track().empty() || p.track == selector.track())) {
        ++selected;
        by_track[p.track].push_back(&p);
      }
    }
    EXPECT_EQ(summary.people(), selected);
    size_t expected_indicators = 0;
    for (const auto& [track, members] : by_track) {
      for (const std::string& indicator : indicators.at(track)) {
        ++expected_indicators;
        int unknown = 0, at_target = 0, bus = 0;
        double gap = 0;
        std::vector<int> distribution(4, 0);
        for (const Person* p : members) {
          auto it = p->levels.find(indicator);
          if (it == p->levels.end()) {
            ++unknown;
            continue;
          }
          double g = std::max(0.0, p->target - it->second);
          gap += g;
          at_target += g == 0;
          bus += it->second >= p->target;
          ++distribution[static_cast<int>(std::floor(it->second))];
        }
        ASSERT_EQ(got.count(indicator), 1u) << indicator;
        const v1::IndicatorTeamScore& s = *got[indicator];
        int rated = static_cast<int>(members.size()) - unknown;
        EXPECT_EQ(s.people(), static_cast<int>(members.size())) << indicator;
        EXPECT_EQ(s.unknown(), unknown) << indicator;
        EXPECT_EQ(s.bus_factor(), bus) << indicator;
        EXPECT_NEAR(s.mean_gap(), rated ? gap / rated : 0, kEps);
        EXPECT_NEAR(s.share_at_target(),
                    rated ? static_cast<double>(at_target) / rated : 0, kEps);
        EXPECT_EQ(
            std::vector<int>(s.distribution().begin(), s.distribution().end()),
            distribution)
            << indicator;
        overall_unknown += unknown;
        overall_rated += rated;
        overall_gap += gap;
      }
    }
    EXPECT_EQ(static_cast<size_t>(summary.indicators_size()),
              expected_indicators);
    EXPECT_EQ(summary.overall().unknown(), overall_unknown);
    EXPECT_NEAR(summary.overall().mean_gap(),
                overall_rated ? overall_gap / overall_rated : 0, kEps);
  };
  auto check_all = [&] {
    v1::TeamSelector selector;
    check(selector);
    selector.set_track("senior");
    check(selector);
    selector.set_track("");
    selector.set_team("t1");
    check(selector);
    selector.set_role("r0");
    check(selector);
    selector.set_team("");
    selector.set_track("junior");
    check(selector);
  };
  check_all();
  // Writes after the first scans: replaced, new and erased people.
  for (int k = 0; k < 100; ++k) {
    put(absl::StrCat("p", 10000 + random() % 1500));
    put(absl::StrCat("q", k));
  }
  for (int k = 0; k < 50; ++k) {
    std::string id = absl::StrCat("p", 10000 + 7 * k);
    cache_->ErasePerson("acme", id);
    people.erase(id);
  }
  check_all();
}

// Team training plans against brute force over every set of (person,
// module) pairs on small random teams: the plan keeps every budget, its
// gain is what it really closes, it reaches at least half of (1 - 1/e) of
// the optimum (greedy plus the best single pair), and the upper bound is
// never below the optimum.
TEST_F(TeamManagerTest, PlanTeamTrainingAgainstBruteForce) {
  const std::vector<std::string> ids = {"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"};
  std::mt19937 rng(11);
  double worst = 1;
  for (int round = 0; round < 60; ++round) {
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    manager_ = std::make_unique<TeamManager>(frameworks_.get(), &matchers_,
                                             cache_.get());
    const int people = 2 + round % 2;
    for (int k = 0; k < people; ++k) {
      std::map<std::string, double> levels;
      for (const std::string& id : ids) {
        levels[id] = std::uniform_int_distribution<int>(0, 2)(rng);
      }
      AddPerson(absl::StrCat("p", k), "t1", levels);
    }
    struct Module {
      std::vector<std::pair<std::string, int>> develops;
      double cost, hours;
      int seats;
    };
    std::vector<Module> modules;
    for (int m = 0; m < 3; ++m) {
      Module mod;
      for (const std::string& id : ids) {
        if (std::bernoulli_distribution(0.5)(rng)) {
          mod.develops.push_back(
              {id, std::uniform_int_distribution<int>(1, 3)(rng)});
        }
      }
      // Now and then a competency too, overlapping its indicators: a
      // gap closed twice must count once.
      if (std::bernoulli_distribution(0.4)(rng)) {
        mod.develops.push_back(
            {"A.1", std::uniform_int_distribution<int>(1, 3)(rng)});
      }
      if (mod.develops.empty()) mod.develops.push_back({ids[m], 2});
      mod.cost = std::uniform_int_distribution<int>(1, 6)(rng) * 100;
      mod.hours = std::uniform_int_distribution<int>(4, 24)(rng);
      mod.seats = std::uniform_int_distribution<int>(0, 2)(rng);
      v1::TrainingModule t;
      t.set_name(absl::StrCat("organizations/acme/modules/m", m));
      t.set_title(absl::StrCat("Module ", m));
      t.set_framework("frameworks/mini");
      t.set_cost(mod.cost);
      t.set_hours(mod.hours);
      t.set_seats(mod.seats);
      for (const auto& [id, level] : mod.develops) {
        v1::Requirement* r = t.add_develops();
        if (id == "A.1") {
          r->set_competency(id);
        } else {
          r->set_indicator(id);
        }
        r->set_level(level);
      }
      cache_->PutModule("acme", t);
      modules.push_back(mod);
    }
    v1::PlanTeamTrainingRequest request;
    request.mutable_selector()->set_parent("organizations/acme");
    request.set_budget_cost(std::uniform_int_distribution<int>(2, 12)(rng) *
                            100);
    request.set_max_sessions(std::uniform_int_distribution<int>(0, 3)(rng));
    request.set_max_hours_per_person(30);
    ASSERT_OK_AND_ASSIGN(v1::TeamTrainingPlan plan,
                         manager_->PlanTeamTraining(request, never_));

    auto snap = cache_->Get("acme");
    // f of a set of pairs (bit k = person k / 3, module k % 3).
    auto value = [&](unsigned mask, double* cost, int* sessions,
                     bool* hours_ok) {
      double total = 0;
      *cost = 0;
      *sessions = 0;
      *hours_ok = true;
      std::vector<int> count(3);
      for (int k = 0; k < people; ++k) {
        const plugins::PersonView* p = snap->FindPerson(absl::StrCat("p", k));
        double hours = 0;
        for (const std::string& id : ids) {
          const framework::IndicatorRef* ref = p->framework->FindIndicator(id);
          double level = p->levels[ref->ordinal];
          double reached = level;
          for (int m = 0; m < 3; ++m) {
            if (!(mask >> (k * 3 + m) & 1)) continue;
            for (const auto& [d, l] : modules[m].develops) {
              // Competency A.1 holds j-a1-1 and j-a1-2 (mini.textproto).
              if (d == id || (d == "A.1" && absl::StartsWith(id, "j-a1-"))) {
                reached = std::max<double>(reached, l);
              }
            }
          }
          total +=
              std::max(0.0, std::min<double>(p->target_level, reached) - level);
        }
        for (int m = 0; m < 3; ++m) {
          if (!(mask >> (k * 3 + m) & 1)) continue;
          *cost += modules[m].cost;
          hours += modules[m].hours;
          ++count[m];
        }
        *hours_ok &= hours <= 30;
      }
      for (int m = 0; m < 3; ++m) {
        int seats = modules[m].seats;
        *sessions += count[m] == 0 ? 0
                     : seats > 0   ? (count[m] + seats - 1) / seats
                                   : 1;
      }
      return total;
    };
    double best = 0;
    for (unsigned mask = 0; mask < (1u << (3 * people)); ++mask) {
      double cost;
      int sessions;
      bool hours_ok;
      double v = value(mask, &cost, &sessions, &hours_ok);
      if (cost <= request.budget_cost() && hours_ok &&
          (request.max_sessions() == 0 || sessions <= request.max_sessions())) {
        best = std::max(best, v);
      }
    }
    // The plan as a mask, checked with the same arithmetic.
    unsigned mask = 0;
    for (const v1::TeamTrainingModule& m : plan.modules()) {
      int mi = m.module().back() - '0';
      for (const std::string& person : m.participants()) {
        int k = person.back() - '0';
        mask |= 1u << (k * 3 + mi);
      }
    }
    double cost;
    int sessions;
    bool hours_ok;
    double v = value(mask, &cost, &sessions, &hours_ok);
    EXPECT_NEAR(plan.total_gain(), v, 1e-9) << "round " << round;
    EXPECT_NEAR(plan.total_cost(), cost, 1e-9);
    EXPECT_EQ(plan.sessions(), sessions);
    EXPECT_LE(cost, request.budget_cost() + 1e-9);
    EXPECT_TRUE(hours_ok);
    if (request.max_sessions() > 0) {
      EXPECT_LE(sessions, request.max_sessions());
    }
    EXPECT_GE(plan.upper_bound(), best - 1e-9) << "round " << round;
    EXPECT_LE(plan.total_gain(), plan.team_gap() + 1e-9);
    double credited = 0;
    for (const v1::TeamTrainingModule& m : plan.modules()) {
      credited += m.gain();
    }
    EXPECT_NEAR(credited, plan.total_gain(), 1e-9) << "round " << round;
    // Instances this small are always proven within the time limit.
    EXPECT_TRUE(plan.exact()) << "round " << round;
    EXPECT_EQ(plan.method(), "integer-program");
    EXPECT_NEAR(plan.total_gain(), best, 1e-9) << "round " << round;
    EXPECT_NEAR(plan.upper_bound(), best, 1e-9) << "round " << round;
    if (best > 0) worst = std::min(worst, plan.total_gain() / best);
  }
  EXPECT_DOUBLE_EQ(worst, 1);
}

// The example of issue 9, on the mini framework: greedy by gain per euro
// takes the free module first and then has no session left; m3 also names
// an indicator inside its competency, which must not count twice.
TEST_F(TeamManagerTest, PlanTeamTrainingIsBestWhereGreedyIsNot) {
  AddPerson("p1", "t1",
            {{"j-a1-1", 2}, {"j-a1-2", 1}, {"j-a2-1", 2}, {"j-b1-1", 2}});
  AddPerson("p3", "t1",
            {{"j-a1-1", 1}, {"j-a1-2", 2}, {"j-a2-1", 2}, {"j-b1-1", 2}});
  v1::TrainingModule m3;
  m3.set_name("organizations/acme/modules/m3");
  m3.set_framework("frameworks/mini");
  m3.set_cost(150);
  m3.set_hours(8);
  m3.set_seats(2);
  v1::Requirement* r = m3.add_develops();
  r->set_competency("A.1");
  r->set_level(3);
  r = m3.add_develops();
  r->set_indicator("j-a1-2");
  r->set_level(3);
  cache_->PutModule("acme", m3);
  v1::TrainingModule m7;
  m7.set_name("organizations/acme/modules/m7");
  m7.set_framework("frameworks/mini");
  m7.set_cost(0);
  m7.set_hours(8);
  r = m7.add_develops();
  r->set_indicator("j-a1-2");
  r->set_level(3);
  cache_->PutModule("acme", m7);

  v1::PlanTeamTrainingRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  request.set_budget_cost(300);
  request.set_max_sessions(1);
  ASSERT_OK_AND_ASSIGN(v1::TeamTrainingPlan plan,
                       manager_->PlanTeamTraining(request, never_));
  // Target 2: p1 closes 1 on j-a1-2, p3 1 on j-a1-1.
  EXPECT_DOUBLE_EQ(plan.team_gap(), 2);
  EXPECT_DOUBLE_EQ(plan.total_gain(), 2);
  EXPECT_DOUBLE_EQ(plan.upper_bound(), 2);
  EXPECT_TRUE(plan.exact());
  EXPECT_DOUBLE_EQ(plan.total_cost(), 300);
  EXPECT_EQ(plan.sessions(), 1);
  ASSERT_EQ(plan.modules_size(), 1);
  EXPECT_EQ(plan.modules(0).module(), "organizations/acme/modules/m3");
  EXPECT_EQ(plan.modules(0).participants_size(), 2);
  EXPECT_DOUBLE_EQ(plan.modules(0).gain(), 2);
  EXPECT_EQ(plan.binding_constraint(), "none");  // nothing left to close
}

// A module developing an indicator for two people, and a second module on
// the same indicator: the second adds only what goes beyond the first, and
// the gains add up.
TEST_F(TeamManagerTest, PlanTeamTrainingCreditsEachModuleItsMarginalGain) {
  AddPerson("p1", "t1",
            {{"j-a1-1", 0}, {"j-a1-2", 2}, {"j-a2-1", 2}, {"j-b1-1", 2}});
  auto module = [&](const std::string& id, int level, double cost) {
    v1::TrainingModule m;
    m.set_name("organizations/acme/modules/" + id);
    m.set_framework("frameworks/mini");
    m.set_cost(cost);
    m.set_hours(4);
    v1::Requirement* r = m.add_develops();
    r->set_indicator("j-a1-1");
    r->set_level(level);
    cache_->PutModule("acme", m);
  };
  module("low", 1, 10);
  module("high", 2, 100);
  v1::PlanTeamTrainingRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  request.set_budget_cost(1000);
  ASSERT_OK_AND_ASSIGN(v1::TeamTrainingPlan plan,
                       manager_->PlanTeamTraining(request, never_));
  // "high" alone closes the whole gap of 2; "low" adds nothing, so the
  // optimum may or may not include it, but never credits it.
  EXPECT_DOUBLE_EQ(plan.total_gain(), 2);
  EXPECT_TRUE(plan.exact());
  ASSERT_GE(plan.modules_size(), 1);
  EXPECT_EQ(plan.modules(0).module(), "organizations/acme/modules/high");
  EXPECT_DOUBLE_EQ(plan.modules(0).gain(), 2);
  for (int i = 1; i < plan.modules_size(); ++i) {
    EXPECT_DOUBLE_EQ(plan.modules(i).gain(), 0);
  }
}

TEST_F(TeamManagerTest, PlanTeamTrainingChecksItsRequest) {
  v1::PlanTeamTrainingRequest request;
  request.mutable_selector()->set_parent("organizations/acme");
  EXPECT_TRUE(HasStatus(manager_->PlanTeamTraining(request, never_),
                        absl::StatusCode::kInvalidArgument, "budget_cost"));
  request.set_budget_cost(100);
  request.set_max_sessions(-1);
  EXPECT_TRUE(HasStatus(manager_->PlanTeamTraining(request, never_),
                        absl::StatusCode::kInvalidArgument, "max_sessions"));
  request.set_max_sessions(0);
  request.set_time_limit_ms(60001);
  EXPECT_TRUE(HasStatus(manager_->PlanTeamTraining(request, never_),
                        absl::StatusCode::kInvalidArgument, "time_limit_ms"));
}

// A server started without a matcher (--matchers=...) refuses the team
// calls built on it, naming it, whatever the data.
TEST_F(TeamManagerTest, TeamCallsNameTheMatcherTheServerWasStartedWithout) {
  AddPerson("ann", "t1", {{"j-a1-1", 1}}, 1);
  plugins::MatcherRegistry none;
  TeamManager bare(frameworks_.get(), &none, cache_.get());

  v1::PlanTeamTrainingRequest plan;
  plan.mutable_selector()->set_parent("organizations/acme");
  plan.set_budget_cost(100);
  absl::Status status = bare.PlanTeamTraining(plan, never_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "this server does not serve the training matcher");

  v1::StaffCasesRequest staff;
  staff.set_parent("organizations/acme");
  status = bare.StaffCases(staff, never_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "this server does not serve the case-staffing matcher");

  v1::AssignMentorsRequest mentors;
  mentors.mutable_mentees()->set_parent("organizations/acme");
  status = bare.AssignMentors(mentors, never_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "this server does not serve the mentor matcher");
}

}  // namespace
}  // namespace vakwijzer::core
