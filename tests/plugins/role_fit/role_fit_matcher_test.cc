#include "plugins/role_fit/role_fit_matcher.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/framework_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/api/params.h"
#include "plugins/role_fit/fit.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kOrg[] = "acme";

using ::vakwijzer::testing::HasStatus;

std::unique_ptr<framework::FrameworkRegistry> LoadMini() {
  auto registry = framework::FrameworkRegistry::LoadDirectory(
      VAKWIJZER_TEST_DATA_DIR "/frameworks");
  EXPECT_OK(registry);
  return std::move(registry).value();
}

std::unique_ptr<framework::FrameworkRegistry> LoadSfd() {
  auto registry = framework::FrameworkRegistry::LoadDirectory(
      VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
  EXPECT_OK(registry);
  return std::move(registry).value();
}

int IndicatorCount(const framework::FrameworkIndex& fw) {
  int n = 0;
  for (const auto& cluster : fw.proto().clusters()) {
    for (const auto& comp : cluster.competencies()) {
      n += comp.indicators_size();
    }
  }
  return n;
}

std::shared_ptr<PersonView> Person(const framework::FrameworkIndex& fw,
                                   std::string id, std::string track,
                                   const std::map<std::string, float>& levels) {
  auto p = std::make_shared<PersonView>();
  p->id = std::move(id);
  p->display_name = "Name of " + p->id;
  p->framework = &fw;
  p->track = std::move(track);
  p->levels.assign(IndicatorCount(fw), kUnknown);
  for (const auto& [indicator, level] : levels) {
    const framework::IndicatorRef* ref = fw.FindIndicator(indicator);
    EXPECT_NE(ref, nullptr) << indicator;
    if (ref != nullptr) p->levels[ref->ordinal] = level;
  }
  return p;
}

v1::Requirement Ind(std::string id, int level, int weight = 1,
                    bool must = false) {
  v1::Requirement r;
  r.set_indicator(std::move(id));
  r.set_level(level);
  r.set_weight(weight);
  r.set_must_have(must);
  return r;
}

v1::Requirement Comp(std::string code, int level, int weight = 1,
                     bool must = false) {
  v1::Requirement r;
  r.set_competency(std::move(code));
  r.set_level(level);
  r.set_weight(weight);
  r.set_must_have(must);
  return r;
}

v1::Role Role(const std::string& id, std::string track, std::string framework,
              std::vector<v1::Requirement> reqs) {
  v1::Role role;
  role.set_name(absl::StrCat("organizations/", kOrg, "/roles/", id));
  role.set_title("Role " + id);
  role.set_track(std::move(track));
  role.set_framework(std::move(framework));
  for (auto& r : reqs) *role.add_requirements() = std::move(r);
  return role;
}

void SortSnapshot(OrgSnapshot* org) {
  std::vector<std::shared_ptr<const PersonView>> people(org->people.begin(),
                                                        org->people.end());
  std::sort(people.begin(), people.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  org->people = std::move(people);
  std::sort(
      org->roles.begin(), org->roles.end(),
      [](const v1::Role& a, const v1::Role& b) { return a.name() < b.name(); });
}

std::string PersonName(const std::string& org, const std::string& id) {
  return absl::StrCat("organizations/", org, "/people/", id);
}

absl::StatusOr<v1::MatchResponse> RunMatch(
    const Matcher& matcher, const OrgSnapshot& org,
    const framework::FrameworkRegistry& frameworks, const std::string& subject,
    std::map<std::string, std::string> params = {}, int page_size = 10,
    std::function<bool()> cancelled = [] { return false; }) {
  v1::MatchRequest request;
  request.set_parent(absl::StrCat("organizations/", org.org));
  request.set_matcher(matcher.Info().name());
  request.set_subject(subject);
  request.set_page_size(page_size);
  for (const auto& [k, v] : params) (*request.mutable_parameters())[k] = v;
  absl::StatusOr<Params> parsed =
      Params::Parse(matcher.Info().parameters(), {}, request.parameters());
  if (!parsed.ok()) return parsed.status();
  MatchInput input{org, frameworks, request, *parsed, cancelled};
  return matcher.Match(input);
}

std::vector<std::string> Names(const v1::MatchResponse& response) {
  std::vector<std::string> out;
  for (const auto& item : response.items()) out.push_back(item.name());
  return out;
}

// An independent oracle: the fit of domain.md §5 computed from the
// framework proto directly (not through Resolve/fit.h). A competency's
// level is the mean over the person's track's indicators of it with
// unrated ones counted as 0; an unrated indicator counts as 0.
struct Brute {
  double fit = 1;
  double coverage = 1;
  std::vector<std::string> unmet;  // must-have keys
  std::vector<bool> met;
};

Brute BruteFit(const framework::FrameworkIndex& fw, const PersonView& p,
               const google::protobuf::RepeatedPtrField<v1::Requirement>& rs) {
  Brute b;
  double shortfall = 0, required = 0, met_weight = 0, total = 0;
  for (const v1::Requirement& r : rs) {
    const int w = r.weight() > 0 ? r.weight() : 1;
    double sum = 0;
    int n = 0;
    for (const auto& cluster : fw.proto().clusters()) {
      for (const auto& comp : cluster.competencies()) {
        for (const auto& ind : comp.indicators()) {
          if (ind.track() != p.track) continue;
          bool hit = r.has_indicator() ? ind.id() == r.indicator()
                                       : comp.code() == r.competency();
          if (!hit) continue;
          ++n;
          float v = p.levels[fw.FindIndicator(ind.id())->ordinal];
          if (!std::isnan(v)) sum += v;
        }
      }
    }
    const double level = n > 0 ? sum / n : 0;
    shortfall += w * std::max(0.0, r.level() - level);
    required += w * r.level();
    total += w;
    const bool met = level >= r.level();
    b.met.push_back(met);
    if (met) met_weight += w;
    if (!met && r.must_have()) {
      b.unmet.push_back(r.has_indicator() ? r.indicator() : r.competency());
    }
  }
  if (required > 0) b.fit = std::clamp(1 - shortfall / required, 0.0, 1.0);
  if (total > 0) b.coverage = met_weight / total;
  return b;
}

class RoleFitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mini_registry_ = LoadMini();
    sfd_registry_ = LoadSfd();
    mini_ = mini_registry_->Find("mini");
    sfd_ = sfd_registry_->Find("sfd-2021");
    ASSERT_NE(mini_, nullptr);
    ASSERT_NE(sfd_, nullptr);
    matcher_ = NewRoleFitMatcher();

    // The "analyst" role (junior, mini):
    //   r1 indicator j-a1-1 ≥ 2, weight 3, must-have
    //   r2 competency A.1 ≥ 2, weight 1 (junior: j-a1-1, j-a1-2)
    //   r3 indicator j-b1-1 ≥ 3, weight 2
    //   r4 competency A.2 ≥ 1, weight 0 → 1 (junior: j-a2-1)
    // Σ w·L = 3·2 + 1·2 + 2·3 + 1·1 = 15; Σ w = 7.
    org_.org = kOrg;
    org_.roles.push_back(Role("analyst", "junior", "frameworks/mini",
                              {Ind("j-a1-1", 2, 3, true), Comp("A.1", 2, 1),
                               Ind("j-b1-1", 3, 2), Comp("A.2", 1, 0)}));
    // alice: r1 2≥2 met; r2 (2+1)/2 = 1.5 → 0.5; r3 1.5 → 1.5·2 = 3;
    //   r4 unrated → 0 → 1·1 = 1. fit = 1 − 4.5/15 = 0.7;
    //   coverage = 3/7.
    org_.people.push_back(
        Person(*mini_, "alice", "junior",
               {{"j-a1-1", 2}, {"j-a1-2", 1}, {"j-b1-1", 1.5}}));
    // gina: same levels as alice → same fit and coverage; ranks after alice
    // by name.
    org_.people.push_back(
        Person(*mini_, "gina", "junior",
               {{"j-a1-1", 2}, {"j-a1-2", 1}, {"j-b1-1", 1.5}}));
    // bob: r1 1 < 2 → 1·3 = 3 and the must-have unmet; r2 (1+3)/2 = 2 met;
    //   r3 3 met; r4 2 met. fit = 1 − 3/15 = 0.8; coverage = 4/7.
    org_.people.push_back(
        Person(*mini_, "bob", "junior",
               {{"j-a1-1", 1}, {"j-a1-2", 3}, {"j-a2-1", 2}, {"j-b1-1", 3}}));
    // carol: r1 3 met; r2 (3 + unrated 0)/2 = 1.5 → 0.5; r3 unrated → 3·2
    //   = 6; r4 unrated → 1. fit = 1 − 7.5/15 = 0.5; coverage = 3/7.
    org_.people.push_back(Person(*mini_, "carol", "junior", {{"j-a1-1", 3}}));
    // frank meets everything: fit 1, coverage 1.
    org_.people.push_back(
        Person(*mini_, "frank", "junior",
               {{"j-a1-1", 2}, {"j-a1-2", 2}, {"j-a2-1", 1}, {"j-b1-1", 3}}));
    // dave is on the senior track, erin on another framework.
    org_.people.push_back(
        Person(*mini_, "dave", "senior", {{"s-a1-1", 3}, {"s-b1-1", 3}}));
    org_.people.push_back(Person(*sfd_, "erin", "hbo", {}));

    // Roles for alice (person subject):
    //   any: no track, no framework; B.1 ≥ 1 weight 2: 1.5 ≥ 1 → fit 1.
    org_.roles.push_back(Role("any", "", "", {Comp("B.1", 1, 2)}));
    //   mixed: s-a1-1 is a senior indicator, so unknown for alice → 0:
    //   shortfall 2·1; j-a1-1 2 met. fit = 1 − 2/4 = 0.5, coverage 1/2.
    org_.roles.push_back(Role("mixed", "", "frameworks/mini",
                              {Ind("s-a1-1", 2), Ind("j-a1-1", 2)}));
    //   strict: j-a2-1 ≥ 1 must-have, unrated → 0: fit 1 − 1/1 = 0,
    //   coverage 0, must-have unmet.
    org_.roles.push_back(Role("strict", "junior", "frameworks/mini",
                              {Ind("j-a2-1", 1, 1, true)}));
    //   excluded: senior track; another framework.
    org_.roles.push_back(
        Role("senior-role", "senior", "frameworks/mini", {Comp("A.1", 1)}));
    org_.roles.push_back(
        Role("other-fw", "", "frameworks/sfd-2021", {Comp("1.1", 1)}));
    SortSnapshot(&org_);
  }

  std::string RoleName(const std::string& id) {
    return absl::StrCat("organizations/", kOrg, "/roles/", id);
  }

  std::unique_ptr<framework::FrameworkRegistry> mini_registry_, sfd_registry_;
  const framework::FrameworkIndex* mini_ = nullptr;
  const framework::FrameworkIndex* sfd_ = nullptr;
  std::unique_ptr<Matcher> matcher_;
  OrgSnapshot org_;
};

TEST_F(RoleFitTest, Info) {
  EXPECT_EQ(matcher_->Info().name(), "role-fit");
  EXPECT_EQ(matcher_->Info().version(), "1.0.0");
  EXPECT_EQ(matcher_->Info().subject(), "a person or a role");
  EXPECT_EQ(matcher_->Info().parameters_size(), 2);
}

TEST_F(RoleFitTest, HandComputedFitCoverageAndMustHave) {
  const fit::Requirements reqs(
      *mini_, "junior", org_.FindRole(RoleName("analyst"))->requirements());
  EXPECT_DOUBLE_EQ(reqs.required_weight(), 15);
  EXPECT_DOUBLE_EQ(reqs.total_weight(), 7);

  fit::Score alice = fit::Evaluate(*org_.FindPerson("alice"), reqs);
  EXPECT_DOUBLE_EQ(alice.fit, 0.7);
  EXPECT_DOUBLE_EQ(alice.coverage, 3.0 / 7);
  EXPECT_EQ(alice.unmet_must_haves, 0);
  EXPECT_EQ(alice.unknown, 1);  // A.2

  fit::Score bob = fit::Evaluate(*org_.FindPerson("bob"), reqs);
  EXPECT_DOUBLE_EQ(bob.fit, 0.8);
  EXPECT_DOUBLE_EQ(bob.coverage, 4.0 / 7);
  EXPECT_EQ(bob.unmet_must_haves, 1);
  EXPECT_FALSE(bob.qualifies());

  fit::Score carol = fit::Evaluate(*org_.FindPerson("carol"), reqs);
  EXPECT_DOUBLE_EQ(carol.fit, 0.5);
  EXPECT_DOUBLE_EQ(carol.coverage, 3.0 / 7);
  EXPECT_EQ(carol.unknown, 2);  // j-b1-1, A.2

  fit::Score frank = fit::Evaluate(*org_.FindPerson("frank"), reqs);
  EXPECT_DOUBLE_EQ(frank.fit, 1);
  EXPECT_DOUBLE_EQ(frank.coverage, 1);
}

TEST_F(RoleFitTest, PeopleForRoleRankingAndExclusions) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, RoleName("analyst")));
  // Qualifying by fit: frank 1, alice 0.7 = gina 0.7 (name), carol 0.5;
  // then bob (0.8, must-have unmet).
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "frank"), PersonName(kOrg, "alice"),
                          PersonName(kOrg, "gina"), PersonName(kOrg, "carol"),
                          PersonName(kOrg, "bob")));
  for (int i = 0; i < r.items_size(); ++i) EXPECT_EQ(r.items(i).rank(), i + 1);
  EXPECT_DOUBLE_EQ(r.items(0).score(), 1);
  EXPECT_DOUBLE_EQ(r.items(1).score(), 0.7);
  EXPECT_DOUBLE_EQ(r.items(3).score(), 0.5);
  EXPECT_DOUBLE_EQ(r.items(4).score(), 0.8);
  EXPECT_THAT(r.items(0).unmet(), IsEmpty());
  EXPECT_THAT(r.items(4).unmet(), ElementsAre("must-have j-a1-1: 1 of 2"));
  EXPECT_EQ(r.items(1).title(), "Name of alice");

  const v1::MatchItem& alice = r.items(1);
  EXPECT_THAT(alice.explanation(),
              HasSubstr("Fit 0.70, coverage 0.43 over 4 requirements"));
  // Largest weighted shortfall first: j-b1-1 3, A.2 1, A.1 0.5.
  EXPECT_THAT(alice.explanation(),
              HasSubstr("short on j-b1-1 (1.5 of 3), A.2 (0 of 1, not "
                        "rated), A.1 (1.5 of 2)"));
  EXPECT_THAT(alice.explanation(), HasSubstr("not rated (counted as 0): A.2"));
  // Per competency: B.1 = 2·1.5 = 3; A.2 = 1·1 = 1; A.1 = 3·0 + 1·0.5.
  ASSERT_EQ(alice.contributions_size(), 3);
  EXPECT_EQ(alice.contributions(0).key(), "B.1");
  EXPECT_DOUBLE_EQ(alice.contributions(0).value(), 3);
  EXPECT_EQ(alice.contributions(1).key(), "A.2");
  EXPECT_DOUBLE_EQ(alice.contributions(1).value(), 1);
  EXPECT_EQ(alice.contributions(2).key(), "A.1");
  EXPECT_DOUBLE_EQ(alice.contributions(2).value(), 0.5);
  EXPECT_THAT(alice.contributions(2).note(), HasSubstr("First"));

  EXPECT_THAT(r.items(4).explanation(), HasSubstr("must-have j-a1-1 unmet"));

  EXPECT_EQ(r.candidate_count(), 7);
  EXPECT_EQ(r.metrics().at("candidates"), 7);
  EXPECT_EQ(r.metrics().at("eligible"), 5);
  EXPECT_EQ(r.metrics().at("qualifying"), 4);
  ASSERT_EQ(r.excluded_size(), 2);
  EXPECT_THAT(r.excluded(0), HasSubstr(PersonName(kOrg, "dave")));
  EXPECT_THAT(r.excluded(0), HasSubstr("on track senior"));
  EXPECT_THAT(r.excluded(1), HasSubstr(PersonName(kOrg, "erin")));
  EXPECT_THAT(r.excluded(1), HasSubstr("frameworks/sfd-2021"));
  EXPECT_THAT(r.summary(), HasSubstr("5 people ranked"));
}

TEST_F(RoleFitTest, IncludeUnqualifiedFalseAndMinFit) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, RoleName("analyst"),
               {{"include_unqualified", "false"}}));
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "frank"), PersonName(kOrg, "alice"),
                          PersonName(kOrg, "gina"), PersonName(kOrg, "carol")));
  EXPECT_THAT(r.excluded(),
              ::testing::Contains(absl::StrCat(PersonName(kOrg, "bob"),
                                               ": must-have j-a1-1: 1 of 2")));

  // min_fit 0.6 drops carol (0.5); bob (0.8) stays, after the qualifying.
  ASSERT_OK_AND_ASSIGN(r, RunMatch(*matcher_, org_, *mini_registry_,
                                   RoleName("analyst"), {{"min_fit", "0.6"}}));
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "frank"), PersonName(kOrg, "alice"),
                          PersonName(kOrg, "gina"), PersonName(kOrg, "bob")));
  EXPECT_THAT(
      r.excluded(),
      ::testing::Contains(HasSubstr("carol: fit 0.500 is below min_fit 0.6")));

  // min_fit 0.75: only frank (1) and bob (0.8).
  ASSERT_OK_AND_ASSIGN(r, RunMatch(*matcher_, org_, *mini_registry_,
                                   RoleName("analyst"), {{"min_fit", "0.75"}}));
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "frank"), PersonName(kOrg, "bob")));

  EXPECT_TRUE(HasStatus(RunMatch(*matcher_, org_, *mini_registry_,
                                 RoleName("analyst"), {{"min_fit", "1.5"}}),
                        absl::StatusCode::kInvalidArgument, "min_fit"));
}

TEST_F(RoleFitTest, PageSize) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, RoleName("analyst"), {}, 2));
  EXPECT_THAT(Names(r), ElementsAre(PersonName(kOrg, "frank"),
                                    PersonName(kOrg, "alice")));
  EXPECT_EQ(r.metrics().at("listed"), 5);
  // 0 means the default of 10.
  ASSERT_OK_AND_ASSIGN(r, RunMatch(*matcher_, org_, *mini_registry_,
                                   RoleName("analyst"), {}, 0));
  EXPECT_EQ(r.items_size(), 5);
}

TEST_F(RoleFitTest, RolesForPerson) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, PersonName(kOrg, "alice")));
  // any 1; analyst 0.7; mixed 0.5; strict 0 (must-have unmet) last.
  EXPECT_THAT(Names(r), ElementsAre(RoleName("any"), RoleName("analyst"),
                                    RoleName("mixed"), RoleName("strict")));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 1);
  EXPECT_DOUBLE_EQ(r.items(1).score(), 0.7);
  EXPECT_DOUBLE_EQ(r.items(2).score(), 0.5);
  EXPECT_THAT(r.items(2).explanation(),
              HasSubstr("Fit 0.50, coverage 0.50 over 2 requirements"));
  EXPECT_THAT(r.items(2).explanation(), HasSubstr("not rated (counted as 0): "
                                                  "s-a1-1"));
  EXPECT_DOUBLE_EQ(r.items(3).score(), 0);
  EXPECT_THAT(r.items(3).unmet(),
              ElementsAre("must-have j-a2-1: 0 of 1, not rated"));
  EXPECT_EQ(r.items(1).title(), "Role analyst");
  EXPECT_EQ(r.metrics().at("candidates"), 6);
  EXPECT_EQ(r.metrics().at("eligible"), 4);
  EXPECT_EQ(r.metrics().at("qualifying"), 3);
  // Excluded in name order: other-fw, senior-role.
  ASSERT_EQ(r.excluded_size(), 2);
  EXPECT_THAT(r.excluded(0), HasSubstr("other-fw: framework "
                                       "frameworks/sfd-2021"));
  EXPECT_THAT(r.excluded(1), HasSubstr("senior-role: for track senior"));
}

TEST_F(RoleFitTest, TieBrokenByCoverageThenName) {
  OrgSnapshot org;
  org.org = kOrg;
  // Σ w·L = 4 for both. zed: shortfall 0 + 2 → fit 0.5, coverage 1/2.
  // amy: 1 + 1 → fit 0.5, coverage 0. Same fit, zed covers more.
  // bea equals amy: by name after amy.
  org.roles.push_back(Role("r", "junior", "frameworks/mini",
                           {Ind("j-a1-1", 2), Ind("j-b1-1", 2)}));
  org.people.push_back(
      Person(*mini_, "zed", "junior", {{"j-a1-1", 2}, {"j-b1-1", 0}}));
  org.people.push_back(
      Person(*mini_, "amy", "junior", {{"j-a1-1", 1}, {"j-b1-1", 1}}));
  org.people.push_back(
      Person(*mini_, "bea", "junior", {{"j-a1-1", 1}, {"j-b1-1", 1}}));
  SortSnapshot(&org);
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org, *mini_registry_, RoleName("r")));
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "zed"), PersonName(kOrg, "amy"),
                          PersonName(kOrg, "bea")));
}

TEST_F(RoleFitTest, RoleWithoutTrackOrFrameworkTakesEveryone) {
  OrgSnapshot org;
  org.org = kOrg;
  // "A.1" resolves per person's framework and track: junior mean of two
  // indicators, senior s-a1-1; the sfd person has no A.1 → unknown → 0.
  org.roles.push_back(Role("open", "", "", {Comp("A.1", 2)}));
  org.people.push_back(
      Person(*mini_, "j", "junior", {{"j-a1-1", 2}, {"j-a1-2", 1}}));
  org.people.push_back(Person(*mini_, "s", "senior", {{"s-a1-1", 3}}));
  org.people.push_back(Person(*sfd_, "x", "hbo", {}));
  SortSnapshot(&org);
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org, *mini_registry_, RoleName("open")));
  // s: 3 ≥ 2 → 1; j: 1.5 → 1 − 0.5/2 = 0.75; x: 0 → 0.
  EXPECT_THAT(Names(r),
              ElementsAre(PersonName(kOrg, "s"), PersonName(kOrg, "j"),
                          PersonName(kOrg, "x")));
  EXPECT_DOUBLE_EQ(r.items(1).score(), 0.75);
  EXPECT_DOUBLE_EQ(r.items(2).score(), 0);
  EXPECT_THAT(r.excluded(), IsEmpty());
}

TEST_F(RoleFitTest, Errors) {
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, "people/alice"),
                absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(
      RunMatch(*matcher_, org_, *mini_registry_, "organizations/acme/cases/c1"),
      absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(
      RunMatch(*matcher_, org_, *mini_registry_, "organizations/acme/people/"),
      absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(RunMatch(*matcher_, org_, *mini_registry_,
                                 "organizations/other/people/alice"),
                        absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(
      RunMatch(*matcher_, org_, *mini_registry_, PersonName(kOrg, "nobody")),
      absl::StatusCode::kNotFound, "subject"));
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, RoleName("nothing")),
                absl::StatusCode::kNotFound, "subject"));
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, RoleName("analyst"),
                         {}, 10, [] { return true; }),
                absl::StatusCode::kCancelled, ""));
  EXPECT_TRUE(HasStatus(
      RunMatch(*matcher_, org_, *mini_registry_, PersonName(kOrg, "alice"), {},
               10, [] { return true; }),
      absl::StatusCode::kCancelled, ""));
}

TEST_F(RoleFitTest, ExcludedIsCapped) {
  testing::SyntheticOptions options;
  options.people = 400;
  options.seed = 7;
  OrgSnapshot org = testing::MakeSyntheticOrg(*mini_, options, kOrg);
  org.roles = {
      Role("junior-only", "junior", "frameworks/mini", {Comp("A.1", 2)})};
  int seniors = 0;
  for (const auto& p : org.people) seniors += p->track == "senior";
  ASSERT_GT(seniors, 100);
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org, *mini_registry_, RoleName("junior-only")));
  ASSERT_EQ(r.excluded_size(), 101);
  EXPECT_EQ(r.excluded(100), absl::StrCat("… and ", seniors - 100, " more"));
  EXPECT_EQ(r.metrics().at("eligible"), 400 - seniors);
}

// The bounded heap keeps exactly the first k of a full sort, ties included.
TEST(TopKTest, AgreesWithFullSort) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = static_cast<int>(rng() % 60);
    const int k = static_cast<int>(rng() % 15);
    std::vector<fit::Ranked> all;
    for (int i = 0; i < n; ++i) {
      fit::Ranked r;
      r.index = i;
      r.score.unmet_must_haves = static_cast<int>(rng() % 3 == 0);
      // Few distinct values, so that ties on value and coverage happen.
      r.value = static_cast<double>(rng() % 4) / 4;
      r.score.fit = r.value;
      r.score.coverage = static_cast<double>(rng() % 3) / 2;
      all.push_back(r);
    }
    std::shuffle(all.begin(), all.end(), rng);
    fit::TopK top(k);
    for (const fit::Ranked& r : all) top.Offer(r);
    EXPECT_EQ(top.offered(), n);
    std::vector<fit::Ranked> got = top.Take();
    std::sort(all.begin(), all.end(), fit::RanksBefore);
    all.resize(std::min(n, k));
    ASSERT_EQ(got.size(), all.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].index, all[i].index) << "trial " << trial;
    }
  }
}

// Raising any level, or rating an unrated indicator, never lowers fit or
// coverage and never adds an unmet must-have.
TEST_F(RoleFitTest, MonotoneInEveryLevel) {
  std::mt19937_64 rng(20240601);
  int changed = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const framework::FrameworkIndex& fw = trial % 2 ? *sfd_ : *mini_;
    testing::SyntheticOptions options;
    options.people = 4;
    options.roles = 3;
    options.seed = 1000 + trial;
    options.unknown_share = 0.3;
    OrgSnapshot org = testing::MakeSyntheticOrg(fw, options, kOrg);
    const PersonView& person = *org.people[rng() % org.people.size()];
    const v1::Role& role = org.roles[rng() % org.roles.size()];
    fit::Requirements reqs(fw, person.track, role.requirements());
    std::vector<int> ordinals;
    for (const fit::Target& t : reqs.targets()) {
      ordinals.insert(ordinals.end(), t.resolved.ordinals.begin(),
                      t.resolved.ordinals.end());
    }
    if (ordinals.empty()) continue;
    const double max = fw.max_level();

    PersonView raised = person;
    fit::Score before = fit::Evaluate(raised, reqs);
    // Raise one rated level by a random amount (to at most the top).
    std::vector<int> rated, unrated;
    for (int o : ordinals)
      (IsKnown(raised.levels[o]) ? rated : unrated).push_back(o);
    if (!rated.empty()) {
      int o = rated[rng() % rated.size()];
      double up = std::uniform_real_distribution<double>(0, max)(rng);
      raised.levels[o] =
          static_cast<float>(std::min(max, raised.levels[o] + up));
      fit::Score after = fit::Evaluate(raised, reqs);
      EXPECT_GE(after.fit, before.fit) << "trial " << trial;
      EXPECT_GE(after.coverage, before.coverage) << "trial " << trial;
      EXPECT_LE(after.unmet_must_haves, before.unmet_must_haves);
      changed += after.fit > before.fit;
      before = after;
    }
    // Rate one unrated indicator at a random level, 0 included.
    if (!unrated.empty()) {
      int o = unrated[rng() % unrated.size()];
      raised.levels[o] = static_cast<float>(
          std::uniform_int_distribution<int>(0, 4 * fw.max_level())(rng) / 4.0);
      fit::Score after = fit::Evaluate(raised, reqs);
      EXPECT_GE(after.fit, before.fit) << "trial " << trial;
      EXPECT_GE(after.coverage, before.coverage) << "trial " << trial;
      EXPECT_LE(after.unmet_must_haves, before.unmet_must_haves);
      changed += after.fit > before.fit;
    }
  }
  // The property is not vacuous: many changes did raise the fit.
  EXPECT_GT(changed, 100);
}

// The matcher's scores, unmet must-haves and gate ordering against the
// oracle, over seeded synthetic organisations, both subject kinds.
TEST_F(RoleFitTest, MatchesBruteForceOracle) {
  for (int seed = 1; seed <= 60; ++seed) {
    const framework::FrameworkIndex& fw = seed % 2 ? *sfd_ : *mini_;
    const framework::FrameworkRegistry& registry =
        seed % 2 ? *sfd_registry_ : *mini_registry_;
    testing::SyntheticOptions options;
    options.people = 30;
    options.roles = 6;
    options.seed = seed;
    options.unknown_share = 0.25;
    options.targets_per_item = 5;
    OrgSnapshot org = testing::MakeSyntheticOrg(fw, options, kOrg);
    auto check = [&](const v1::MatchItem& item, const PersonView& p,
                     const v1::Role& role) {
      Brute b = BruteFit(fw, p, role.requirements());
      EXPECT_NEAR(item.score(), b.fit, 1e-9) << item.name();
      std::vector<std::string> unmet_keys;
      for (const std::string& u : item.unmet()) {
        // "must-have KEY: ..."
        unmet_keys.push_back(u.substr(10, u.find(':') - 10));
      }
      EXPECT_EQ(unmet_keys, b.unmet) << item.name() << " for " << role.name();
      return b;
    };
    for (const v1::Role& role : org.roles) {
      ASSERT_OK_AND_ASSIGN(
          v1::MatchResponse r,
          RunMatch(*matcher_, org, registry, role.name(), {}, 1000));
      int expected = 0;
      for (const auto& p : org.people) {
        expected += role.track().empty() || role.track() == p->track;
      }
      ASSERT_EQ(r.items_size(), expected);
      bool seen_unqualified = false;
      for (const v1::MatchItem& item : r.items()) {
        const PersonView& p =
            *org.FindPerson(item.name().substr(item.name().rfind('/') + 1));
        Brute b = check(item, p, role);
        // The gate: nobody with an unmet must-have before a qualifier.
        if (!b.unmet.empty()) seen_unqualified = true;
        EXPECT_FALSE(seen_unqualified && b.unmet.empty()) << item.name();
      }
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse q,
                           RunMatch(*matcher_, org, registry, role.name(),
                                    {{"include_unqualified", "false"}}, 1000));
      int qualifying = 0;
      for (const auto& p : org.people) {
        if (role.track().empty() || role.track() == p->track) {
          qualifying += BruteFit(fw, *p, role.requirements()).unmet.empty();
        }
      }
      EXPECT_EQ(q.items_size(), qualifying);
      for (const v1::MatchItem& item : q.items()) {
        EXPECT_THAT(item.unmet(), IsEmpty());
      }
    }
    const PersonView& person = *org.people[seed % org.people.size()];
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         RunMatch(*matcher_, org, registry,
                                  PersonName(kOrg, person.id), {}, 1000));
    for (const v1::MatchItem& item : r.items()) {
      check(item, person, *org.FindRole(item.name()));
    }
  }
}

}  // namespace
}  // namespace vakwijzer::plugins
