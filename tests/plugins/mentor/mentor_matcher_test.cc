#include "plugins/mentor/mentor_matcher.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "framework/framework_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::plugins {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kOrg[] = "test";

std::string PersonResource(const std::string& id) {
  return absl::StrCat("organizations/", kOrg, "/people/", id);
}

int IndicatorCount(const framework::FrameworkIndex& fw) {
  int n = 0;
  for (const v1::Track& t : fw.proto().tracks()) {
    n += static_cast<int>(fw.IndicatorsOfTrack(t.id()).size());
  }
  return n;
}

struct PersonSpec {
  std::string id;
  std::string track = "junior";
  int target = 2;
  std::vector<std::string> teams = {"team-a"};
  int capacity = 1;
  std::map<std::string, float> levels;  // indicator id -> level
};

std::shared_ptr<PersonView> MakePerson(const framework::FrameworkIndex& fw,
                                       const PersonSpec& spec) {
  auto p = std::make_shared<PersonView>();
  p->id = spec.id;
  p->framework = &fw;
  p->track = spec.track;
  p->target_level = spec.target;
  p->teams = spec.teams;
  p->mentoring_capacity = spec.capacity;
  p->levels.assign(IndicatorCount(fw), kUnknown);
  for (const auto& [id, level] : spec.levels) {
    const framework::IndicatorRef* ref = fw.FindIndicator(id);
    EXPECT_NE(ref, nullptr) << id;
    if (ref != nullptr) p->levels[ref->ordinal] = level;
  }
  return p;
}

void SortPeople(OrgSnapshot* org) {
  std::vector<std::shared_ptr<const PersonView>> people(org->people.begin(),
                                                        org->people.end());
  std::sort(people.begin(), people.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  org->people = std::move(people);
}

std::vector<std::string> Names(const v1::MatchResponse& r) {
  std::vector<std::string> out;
  for (const v1::MatchItem& item : r.items()) {
    out.push_back(item.name().substr(item.name().rfind('/') + 1));
  }
  return out;
}

std::vector<double> Scores(const v1::MatchResponse& r) {
  std::vector<double> out;
  for (const v1::MatchItem& item : r.items()) out.push_back(item.score());
  return out;
}

// EXPECT_STATUS of status_matchers.h names its parameter `code`, which
// also rewrites its `.code()` call; this checks the same thing.
template <typename T>
void ExpectStatus(const absl::StatusOr<T>& result, absl::StatusCode code,
                  absl::string_view substr) {
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(substr));
}

class MentorMatcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto mini = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/frameworks");
    ASSERT_OK(mini);
    mini_registry_ = std::move(mini).value().release();
    auto sfd = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
    ASSERT_OK(sfd);
    sfd_registry_ = std::move(sfd).value().release();
  }
  static void TearDownTestSuite() {
    delete mini_registry_;
    delete sfd_registry_;
  }

  const framework::FrameworkIndex& Mini() const {
    return *mini_registry_->Find("mini");
  }
  const framework::FrameworkIndex& Sfd() const {
    return *sfd_registry_->Find("sfd-2021");
  }

  absl::StatusOr<v1::MatchResponse> Run(
      const OrgSnapshot& org, const std::string& subject,
      const std::map<std::string, std::string>& params = {}, int page_size = 10,
      std::function<bool()> cancelled = [] { return false; }) const {
    v1::MatchRequest request;
    request.set_parent(absl::StrCat("organizations/", org.org));
    request.set_matcher("mentor");
    request.set_subject(subject);
    request.set_page_size(page_size);
    for (const auto& [k, v] : params) (*request.mutable_parameters())[k] = v;
    ASSIGN_OR_RETURN(Params parsed, Params::Parse(matcher_->Info().parameters(),
                                                  {}, request.parameters()));
    MatchInput input{org, *mini_registry_, request, parsed, cancelled};
    return matcher_->Match(input);
  }

  // The mentee on mini, junior track, target 2 ("good"):
  //   j-a1-1 = 0   gap 2
  //   j-a1-2 = 1   gap 1
  //   j-a2-1 = 1.5 gap 0.5
  //   j-b1-1 unknown: no gap (skipped)
  // Σ gap = 3.5 over 3 gap indicators.
  // Competencies (mean of the junior indicators):
  //   A.1 = (0 + 1) / 2 = 0.5  gap 1.5
  //   A.2 = 1.5                gap 0.5
  //   B.1 unknown: skipped
  // Σ gap = 2 over 2 gap competencies.
  OrgSnapshot BaseOrg(int mentee_target = 2) const {
    const framework::FrameworkIndex& fw = Mini();
    OrgSnapshot org;
    org.org = kOrg;
    org.people = {
        MakePerson(fw, {"mentee",
                        "junior",
                        mentee_target,
                        {"team-a"},
                        1,
                        {{"j-a1-1", 0}, {"j-a1-2", 1}, {"j-a2-1", 1.5}}}),
        MakePerson(fw, {"anna",
                        "junior",
                        2,
                        {"team-a"},
                        1,
                        {{"j-a1-1", 3}, {"j-a1-2", 2}, {"j-a2-1", 1}}}),
        MakePerson(fw, {"bram",
                        "junior",
                        2,
                        {"team-a"},
                        2,
                        {{"j-a1-1", 2}, {"j-a1-2", 3}, {"j-a2-1", 2}}}),
        MakePerson(fw, {"cees",
                        "junior",
                        2,
                        {"team-a"},
                        0,
                        {{"j-a1-1", 3}, {"j-a1-2", 3}, {"j-a2-1", 3}}}),
        MakePerson(fw, {"dirk",
                        "junior",
                        2,
                        {"team-b"},
                        1,
                        {{"j-a1-1", 1}, {"j-a1-2", 1}, {"j-a2-1", 1}}}),
        MakePerson(fw, {"eva",
                        "senior",
                        2,
                        {"team-b"},
                        1,
                        {{"s-a1-1", 3}, {"s-a2-1", 2}, {"s-b1-1", 3}}}),
        MakePerson(fw, {"fleur", "junior", 2, {"team-b"}, 3, {{"j-a2-1", 3}}}),
    };
    SortPeople(&org);
    return org;
  }

  std::unique_ptr<Matcher> matcher_ = NewMentorMatcher();
  static framework::FrameworkRegistry* mini_registry_;
  static framework::FrameworkRegistry* sfd_registry_;
};

framework::FrameworkRegistry* MentorMatcherTest::mini_registry_ = nullptr;
framework::FrameworkRegistry* MentorMatcherTest::sfd_registry_ = nullptr;

TEST_F(MentorMatcherTest, Info) {
  const v1::MatcherInfo& info = matcher_->Info();
  EXPECT_EQ(info.name(), "mentor");
  EXPECT_EQ(info.version(), "1.0.0");
  EXPECT_EQ(info.subject(), "a person (the mentee)");
  std::vector<std::string> names;
  for (const auto& p : info.parameters()) names.push_back(p.name());
  EXPECT_THAT(names, ElementsAre("granularity", "threshold", "voorbeeld_bonus",
                                 "lambda", "teams"));
  // Values outside the specs are refused before the matcher runs.
  ExpectStatus(
      Run(BaseOrg(), PersonResource("mentee"), {{"granularity", "cluster"}}),
      absl::StatusCode::kInvalidArgument, "granularity");
  ExpectStatus(Run(BaseOrg(), PersonResource("mentee"), {{"lambda", "1.5"}}),
               absl::StatusCode::kInvalidArgument, "lambda");
}

TEST_F(MentorMatcherTest, IndicatorGranularityScoresAndTies) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(BaseOrg(), PersonResource("mentee"), {{"granularity", "indicator"}}));
  // Threshold = target 2, bonus 0.5, max level 3.
  // anna  (3, 2, 1):   2·1.5 + 1 + 0         = 4
  // bram  (2, 3, 2):   2 + 1·1.5 + 0.5       = 4   (tie: anna < bram)
  // cees  capacity 0:  excluded
  // dirk  (1, 1, 1):   0                     → covers none
  // eva   senior: no level on junior indicators → covers none
  // fleur (-, -, 3):   0.5·1.5               = 0.75
  EXPECT_THAT(Names(r), ElementsAre("anna", "bram", "fleur"));
  EXPECT_THAT(Scores(r), ElementsAre(4.0, 4.0, 0.75));
  EXPECT_EQ(r.items(0).rank(), 1);
  EXPECT_EQ(r.items(2).rank(), 3);
  EXPECT_EQ(r.items(0).title(), "anna");
  EXPECT_EQ(r.candidate_count(), 3);
  EXPECT_EQ(r.metrics().at("mentee_gap"), 3.5);
  EXPECT_EQ(r.metrics().at("candidates"), 3);
  // anna covers 2 of the 3 gap indicators.
  EXPECT_DOUBLE_EQ(r.metrics().at("best_coverage"), 2.0 / 3);
  EXPECT_EQ(r.metrics().at("unknown_units"), 1);  // j-b1-1
  EXPECT_THAT(r.excluded(),
              ElementsAre(PersonResource("cees") + ": no mentoring capacity",
                          PersonResource("dirk") + ": covers none of the gaps",
                          PersonResource("eva") + ": covers none of the gaps",
                          PersonResource("mentee") + ": the mentee themself"));
  // Every gap indicator is covered by someone shown.
  EXPECT_THAT(r.residual(), IsEmpty());

  const v1::MatchItem& anna = r.items(0);
  ASSERT_EQ(anna.contributions_size(), 2);
  EXPECT_EQ(anna.contributions(0).key(), "j-a1-1");
  EXPECT_EQ(anna.contributions(0).value(), 3.0);
  EXPECT_EQ(anna.contributions(0).note(),
            "mentee 0 → target 2; mentor 3 (voorbeeld)");
  EXPECT_EQ(anna.contributions(1).key(), "j-a1-2");
  EXPECT_EQ(anna.contributions(1).value(), 1.0);
  EXPECT_EQ(anna.contributions(1).note(), "mentee 1 → target 2; mentor 2");
  EXPECT_EQ(anna.explanation(),
            "Covers 2 of the mentee's 3 gaps (j-a1-1, j-a1-2), voorbeeld on "
            "1; 1 mentoring place; team team-a");
  // bram: contributions largest first: j-a1-2 1.5, j-a1-1 2 → 2, 1.5, 0.5.
  const v1::MatchItem& bram = r.items(1);
  ASSERT_EQ(bram.contributions_size(), 3);
  EXPECT_EQ(bram.contributions(0).key(), "j-a1-1");
  EXPECT_EQ(bram.contributions(1).key(), "j-a1-2");
  EXPECT_EQ(bram.contributions(1).value(), 1.5);
  EXPECT_EQ(bram.contributions(2).key(), "j-a2-1");
  EXPECT_EQ(bram.contributions(2).note(), "mentee 1.5 → target 2; mentor 2");
  EXPECT_THAT(bram.explanation(), HasSubstr("2 mentoring places"));
  EXPECT_THAT(r.summary(), HasSubstr("3 colleagues"));
}

TEST_F(MentorMatcherTest, CompetencyGranularityLetsOtherTrackMentor) {
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       Run(BaseOrg(), PersonResource("mentee")));  // default
  // Mentee: A.1 gap 1.5, A.2 gap 0.5. Threshold 2.
  // anna  A.1 = (3+2)/2 = 2.5 → 1.5;  A.2 = 1 → 0.         = 1.5
  // bram  A.1 = (2+3)/2 = 2.5 → 1.5;  A.2 = 2 → 0.5        = 2
  // dirk  A.1 = 1, A.2 = 1                                 = 0
  // eva   senior: A.1 = 3 (voorbeeld) → 1.5·1.5 = 2.25;
  //               A.2 = 2 → 0.5                            = 2.75
  // fleur A.1 unknown; A.2 = 3 (voorbeeld) → 0.5·1.5       = 0.75
  EXPECT_THAT(Names(r), ElementsAre("eva", "bram", "anna", "fleur"));
  EXPECT_THAT(Scores(r), ElementsAre(2.75, 2.0, 1.5, 0.75));
  EXPECT_EQ(r.metrics().at("mentee_gap"), 2.0);
  // eva covers both gap competencies.
  EXPECT_EQ(r.metrics().at("best_coverage"), 1.0);
  EXPECT_EQ(r.metrics().at("unknown_units"), 1);  // B.1
  const v1::MatchItem& eva = r.items(0);
  ASSERT_EQ(eva.contributions_size(), 2);
  EXPECT_EQ(eva.contributions(0).key(), "A.1");
  EXPECT_EQ(eva.contributions(0).value(), 2.25);
  EXPECT_EQ(eva.contributions(0).note(),
            "mentee 0.5 → target 2; mentor 3 (voorbeeld)");
  EXPECT_EQ(eva.contributions(1).key(), "A.2");
  EXPECT_EQ(eva.contributions(1).value(), 0.5);
  EXPECT_EQ(eva.explanation(),
            "Covers 2 of the mentee's 2 gaps (A.1, A.2), voorbeeld on 1; 1 "
            "mentoring place; team team-b");
}

TEST_F(MentorMatcherTest, VoorbeeldBonus) {
  // Bonus 0:  anna 2 + 1 = 3;  bram 2 + 1 + 0.5 = 3.5;  fleur 0.5.
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse none,
      Run(BaseOrg(), PersonResource("mentee"),
          {{"granularity", "indicator"}, {"voorbeeld_bonus", "0"}}));
  EXPECT_THAT(Names(none), ElementsAre("bram", "anna", "fleur"));
  EXPECT_THAT(Scores(none), ElementsAre(3.5, 3.0, 0.5));
  // Bonus 2:  anna 2·3 + 1 = 7;  bram 2 + 1·3 + 0.5 = 5.5;  fleur 0.5·3.
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse two,
      Run(BaseOrg(), PersonResource("mentee"),
          {{"granularity", "indicator"}, {"voorbeeld_bonus", "2"}}));
  EXPECT_THAT(Names(two), ElementsAre("anna", "bram", "fleur"));
  EXPECT_THAT(Scores(two), ElementsAre(7.0, 5.5, 1.5));
}

TEST_F(MentorMatcherTest, ThresholdDefaultsToTarget) {
  // Mentee target 1 ("basic"): only j-a1-1 (level 0) has a gap, of 1;
  // j-a1-2 = 1 and j-a2-1 = 1.5 are at target. Default threshold 1:
  //   anna 3 → 1·1.5 = 1.5;  bram 2 → 1;  dirk 1 → 1;  fleur unknown.
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(BaseOrg(/*mentee_target=*/1), PersonResource("mentee"),
          {{"granularity", "indicator"}}));
  EXPECT_THAT(Names(r), ElementsAre("anna", "bram", "dirk"));
  EXPECT_THAT(Scores(r), ElementsAre(1.5, 1.0, 1.0));
  EXPECT_EQ(r.metrics().at("mentee_gap"), 1.0);
  EXPECT_EQ(r.metrics().at("threshold"), 1.0);
}

TEST_F(MentorMatcherTest, ExplicitThreshold) {
  // Target 2, threshold 3: only levels of 3 count (all voorbeeld).
  //   anna j-a1-1 → 2·1.5 = 3;  bram j-a1-2 → 1·1.5 = 1.5;
  //   fleur j-a2-1 → 0.5·1.5 = 0.75.
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse high,
                       Run(BaseOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"threshold", "3"}}));
  EXPECT_THAT(Names(high), ElementsAre("anna", "bram", "fleur"));
  EXPECT_THAT(Scores(high), ElementsAre(3.0, 1.5, 0.75));
  // Threshold 1 (below target): a level of 1 counts, but only where it is
  // above the mentee's own (0, 1, 1.5 on j-a1-1, j-a1-2, j-a2-1):
  //   anna (3,2,1) 3 + 1 + 0 (1 is below 1.5) = 4;  bram 2 + 1.5 + 0.5 = 4;
  //   dirk (1,1,1) 2 + 0 (1 is not above 1) + 0 = 2;  fleur 0.75.
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse low,
                       Run(BaseOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"threshold", "1"}}));
  EXPECT_THAT(Names(low), ElementsAre("anna", "bram", "dirk", "fleur"));
  EXPECT_THAT(Scores(low), ElementsAre(4.0, 4.0, 2.0, 0.75));
  ASSERT_EQ(low.items(2).contributions_size(), 1);
  EXPECT_EQ(low.items(2).contributions(0).key(), "j-a1-1");
  // Threshold 0: a mentor at the mentee's level (dirk on j-a1-2) or below
  // it (anna on j-a2-1) is still not credited.
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse zero,
                       Run(BaseOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"threshold", "0"}}));
  EXPECT_THAT(Scores(zero), ElementsAre(4.0, 4.0, 2.0, 0.75));
}

TEST_F(MentorMatcherTest, TeamFilter) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(BaseOrg(), PersonResource("mentee"),
          {{"granularity", "indicator"}, {"teams", "team-b"}}));
  // team-b: dirk 0, eva 0 (other track), fleur 0.75.
  EXPECT_THAT(Names(r), ElementsAre("fleur"));
  EXPECT_THAT(r.excluded(),
              ElementsAre(PersonResource("anna") + ": not in teams team-b",
                          PersonResource("bram") + ": not in teams team-b",
                          PersonResource("cees") + ": no mentoring capacity",
                          PersonResource("dirk") + ": covers none of the gaps",
                          PersonResource("eva") + ": covers none of the gaps",
                          PersonResource("mentee") + ": the mentee themself"));
  // fleur covers j-a2-1 only; the other two gaps remain, largest first.
  ASSERT_EQ(r.residual_size(), 2);
  EXPECT_EQ(r.residual(0).key(), "j-a1-1");
  EXPECT_EQ(r.residual(0).value(), 2.0);
  EXPECT_EQ(r.residual(1).key(), "j-a1-2");
  EXPECT_EQ(r.residual(1).value(), 1.0);
  EXPECT_DOUBLE_EQ(r.metrics().at("best_coverage"), 1.0 / 3);
}

TEST_F(MentorMatcherTest, OtherFrameworkExcluded) {
  OrgSnapshot org = BaseOrg();
  auto outsider = std::make_shared<PersonView>();
  outsider->id = "aaron";
  outsider->framework = &Sfd();
  outsider->track = "hbo";
  outsider->target_level = 3;
  outsider->mentoring_capacity = 3;
  outsider->levels.assign(IndicatorCount(Sfd()), 4.0f);
  org.people.push_back(outsider);
  SortPeople(&org);
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(org, PersonResource("mentee"), {{"granularity", "indicator"}}));
  EXPECT_THAT(Names(r), ElementsAre("anna", "bram", "fleur"));
  ASSERT_GE(r.excluded_size(), 1);
  EXPECT_EQ(r.excluded(0),
            PersonResource("aaron") + ": another framework (sfd-2021)");
}

TEST_F(MentorMatcherTest, PageSizeAndResidual) {
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       Run(BaseOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}}, /*page_size=*/1));
  EXPECT_THAT(Names(r), ElementsAre("anna"));
  EXPECT_EQ(r.candidate_count(), 3);  // anna, bram, fleur qualify
  // anna covers j-a1-1 and j-a1-2; j-a2-1 (gap 0.5) is left.
  ASSERT_EQ(r.residual_size(), 1);
  EXPECT_EQ(r.residual(0).key(), "j-a2-1");
  EXPECT_EQ(r.residual(0).value(), 0.5);
  EXPECT_THAT(r.summary(), HasSubstr("1 gap has no mentor"));
}

TEST_F(MentorMatcherTest, NoGapsAndNoMentors) {
  OrgSnapshot org = BaseOrg();
  // A mentee at target everywhere they are rated.
  org.people.push_back(
      MakePerson(Mini(), {"zoe", "junior", 2, {"team-a"}, 1, {{"j-a1-1", 2}}}));
  SortPeople(&org);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Run(org, PersonResource("zoe")));
  EXPECT_THAT(r.items(), IsEmpty());
  EXPECT_EQ(r.metrics().at("mentee_gap"), 0);
  EXPECT_EQ(r.metrics().at("best_coverage"), 0);
  EXPECT_THAT(r.summary(), HasSubstr("no gap"));

  // Nobody has mentoring capacity: no mentor, both gap competencies left.
  OrgSnapshot busy = BaseOrg();
  for (size_t i = 0; i < busy.people.size(); ++i) {
    auto copy = std::make_shared<PersonView>(*busy.people[i]);
    copy->mentoring_capacity = 0;
    busy.people.Set(i, copy);
  }
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse none,
                       Run(busy, PersonResource("mentee")));
  EXPECT_THAT(none.items(), IsEmpty());
  EXPECT_EQ(none.candidate_count(), 0);
  EXPECT_EQ(none.residual_size(), 2);  // A.1 and A.2
  EXPECT_THAT(none.summary(), HasSubstr("No colleague"));
}

TEST_F(MentorMatcherTest, ExcludedIsCapped) {
  OrgSnapshot org = BaseOrg();
  for (int i = 0; i < 150; ++i) {
    org.people.push_back(MakePerson(
        Mini(), {absl::StrCat("x", 1000 + i), "junior", 2, {"team-c"}, 0, {}}));
  }
  SortPeople(&org);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Run(org, PersonResource("mentee")));
  // 150 + cees without capacity, dirk with no coverage, the mentee: 153.
  ASSERT_EQ(r.excluded_size(), 101);
  EXPECT_EQ(r.excluded(100), "… and 53 more");
}

// MMR with sim = 1 for a shared team. The mentee's gaps (indicators):
// j-a1-1 2, j-a1-2 1, j-a2-1 0.5; threshold 2, bonus 0.5.
//   m1 team-x (3, 2, -): 2·1.5 + 1       = 4
//   m2 team-x (2, 2, 2): 2 + 1 + 0.5     = 3.5
//   m3 team-y (2, 2, -): 2 + 1           = 3
//   m4 team-z (-, -, 3): 0.5·1.5         = 0.75
class MentorMmrTest : public MentorMatcherTest {
 protected:
  OrgSnapshot MmrOrg() const {
    const framework::FrameworkIndex& fw = Mini();
    OrgSnapshot org;
    org.org = kOrg;
    org.people = {
        MakePerson(fw, {"mentee",
                        "junior",
                        2,
                        {"team-x"},
                        1,
                        {{"j-a1-1", 0}, {"j-a1-2", 1}, {"j-a2-1", 1.5}}}),
        MakePerson(
            fw,
            {"m1", "junior", 2, {"team-x"}, 1, {{"j-a1-1", 3}, {"j-a1-2", 2}}}),
        MakePerson(fw, {"m2",
                        "junior",
                        2,
                        {"team-x"},
                        1,
                        {{"j-a1-1", 2}, {"j-a1-2", 2}, {"j-a2-1", 2}}}),
        MakePerson(
            fw,
            {"m3", "junior", 2, {"team-y"}, 1, {{"j-a1-1", 2}, {"j-a1-2", 2}}}),
        MakePerson(fw, {"m4", "junior", 2, {"team-z"}, 1, {{"j-a2-1", 3}}}),
    };
    SortPeople(&org);
    return org;
  }
};

TEST_F(MentorMmrTest, PureRelevance) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(MmrOrg(), PersonResource("mentee"), {{"granularity", "indicator"}}));
  EXPECT_THAT(Names(r), ElementsAre("m1", "m2", "m3", "m4"));
  EXPECT_THAT(Scores(r), ElementsAre(4.0, 3.5, 3.0, 0.75));
}

TEST_F(MentorMmrTest, LambdaHalfPrefersAnotherTeam) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(MmrOrg(), PersonResource("mentee"),
          {{"granularity", "indicator"}, {"lambda", "0.5"}}, /*page_size=*/3));
  // max score 4; relevance 0.5·s/4: m1 0.5, m2 0.4375, m3 0.375, m4 0.09375.
  // Pick 1: m1 (0.5; nothing picked yet).
  // Pick 2: m2 shares team-x: 0.4375 − 0.5 = −0.0625; m3 0.375; m4 0.09375
  //         → m3, though m2 scores higher.
  // Pick 3: m2 −0.0625; m4 0.09375 → m4. page_size 3: m2 is not returned.
  EXPECT_THAT(Names(r), ElementsAre("m1", "m3", "m4"));
  EXPECT_THAT(Scores(r), ElementsAre(4.0, 3.0, 0.75));  // raw scores
  EXPECT_EQ(r.candidate_count(), 4);
  EXPECT_THAT(r.items(2).explanation(), Not(HasSubstr("diversity penalty")));

  // All four: pick 4 is m2, with the penalty noted.
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse all,
                       Run(MmrOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"lambda", "0.5"}}));
  EXPECT_THAT(Names(all), ElementsAre("m1", "m3", "m4", "m2"));
  EXPECT_THAT(all.items(3).explanation(),
              HasSubstr("shares a team with a higher-ranked mentor"));
}

TEST_F(MentorMmrTest, LambdaHighKeepsTheBetterSameTeamMentor) {
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       Run(MmrOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"lambda", "0.9"}}));
  // relevance 0.9·s/4: m1 0.9, m2 0.7875, m3 0.675, m4 0.16875.
  // Pick 2: m2 0.7875 − 0.1 = 0.6875 > m3 0.675 → m2.
  // Pick 3: m3 0.675 (team-y not picked) > m4 0.16875 → m3. Then m4.
  EXPECT_THAT(Names(r), ElementsAre("m1", "m2", "m3", "m4"));
}

TEST_F(MentorMmrTest, LambdaZeroOrdersByDiversityThenName) {
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       Run(MmrOrg(), PersonResource("mentee"),
                           {{"granularity", "indicator"}, {"lambda", "0"}}));
  // Relevance counts for nothing: pick 1 by name (m1), then the unshared
  // teams by name (m3, m4), then m2 (−1).
  EXPECT_THAT(Names(r), ElementsAre("m1", "m3", "m4", "m2"));
}

// A tie between a candidate sharing a team with a pick and one that does
// not is broken by name. Bonus 0, lambda 0.75, the mentee's gaps as above:
//   k1 team-x (2, 2, -): 2 + 1 = 3   relevance 0.75·3/3 = 0.75
//   k2 team-x (2, 2, -): 3           relevance 0.75
//   kN team-y (2, -, -): 2           relevance 0.75·2/3 = 0.5
// Pick 1: k1 (k1 < k2). Pick 2: k2 0.75 − 0.25 = 0.5 against kN 0.5: the
// smaller name wins (all figures are exact binary fractions).
TEST_F(MentorMmrTest, TieAcrossSharingBrokenByName) {
  for (const std::string& other : {std::string("k0"), std::string("k3")}) {
    OrgSnapshot org = MmrOrg();
    const framework::FrameworkIndex& fw = Mini();
    org.people = {org.people.back()};  // the mentee ("mentee" sorts last)
    ASSERT_EQ(org.people[0]->id, "mentee");
    org.people.push_back(MakePerson(
        fw,
        {"k1", "junior", 2, {"team-x"}, 1, {{"j-a1-1", 2}, {"j-a1-2", 2}}}));
    org.people.push_back(MakePerson(
        fw,
        {"k2", "junior", 2, {"team-x"}, 1, {{"j-a1-1", 2}, {"j-a1-2", 2}}}));
    org.people.push_back(
        MakePerson(fw, {other, "junior", 2, {"team-y"}, 1, {{"j-a1-1", 2}}}));
    SortPeople(&org);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Run(org, PersonResource("mentee"),
                                                  {{"granularity", "indicator"},
                                                   {"voorbeeld_bonus", "0"},
                                                   {"lambda", "0.75"}}));
    if (other == "k0") {
      EXPECT_THAT(Names(r), ElementsAre("k1", "k0", "k2"));
    } else {
      EXPECT_THAT(Names(r), ElementsAre("k1", "k2", "k3"));
    }
  }
}

TEST_F(MentorMatcherTest, Errors) {
  OrgSnapshot org = BaseOrg();
  ExpectStatus(Run(org, "people/mentee"), absl::StatusCode::kInvalidArgument,
               "subject");
  ExpectStatus(Run(org, "organizations/test/roles/mentee"),
               absl::StatusCode::kInvalidArgument, "subject");
  ExpectStatus(Run(org, PersonResource("nobody")), absl::StatusCode::kNotFound,
               "subject");
  ExpectStatus(Run(org, "organizations/other/people/mentee"),
               absl::StatusCode::kNotFound, "subject");
  ExpectStatus(Run(org, PersonResource("mentee"), {}, 10, [] { return true; }),
               absl::StatusCode::kCancelled, "");
}

// ---------------------------------------------------------------------------
// Brute force over random small organisations.

struct Oracle {
  std::string name;
  double score;
  std::vector<std::string> teams;
};

// The mean of `p`'s known levels on `ids`; NaN when none is known.
double MeanLevel(const framework::FrameworkIndex& fw, const PersonView& p,
                 const std::vector<std::string>& ids) {
  double sum = 0;
  int n = 0;
  for (const std::string& id : ids) {
    float l = p.levels[fw.FindIndicator(id)->ordinal];
    if (!std::isnan(l)) {
      sum += l;
      ++n;
    }
  }
  return n ? sum / n : std::nan("");
}

// The indicator ids of `track` for one competency, straight from the proto.
std::vector<std::string> IdsOf(const v1::Competency& c,
                               const std::string& track) {
  std::vector<std::string> ids;
  for (const v1::Indicator& i : c.indicators()) {
    if (i.track() == track) ids.push_back(i.id());
  }
  return ids;
}

double OracleScore(const framework::FrameworkIndex& fw,
                   const PersonView& mentee, const PersonView& mentor,
                   bool by_competency, double threshold, double bonus) {
  double score = 0;
  for (const v1::Cluster& cl : fw.proto().clusters()) {
    for (const v1::Competency& c : cl.competencies()) {
      if (by_competency) {
        std::vector<std::string> mine = IdsOf(c, mentee.track);
        if (mine.empty()) continue;
        double ml = MeanLevel(fw, mentee, mine);
        if (std::isnan(ml)) continue;
        double gap = std::max(0.0, mentee.target_level - ml);
        double tl = MeanLevel(fw, mentor, IdsOf(c, mentor.track));
        if (gap > 0 && !std::isnan(tl) && tl >= threshold && tl > ml) {
          score += gap * (1 + (tl >= fw.max_level() ? bonus : 0));
        }
      } else {
        for (const std::string& id : IdsOf(c, mentee.track)) {
          double ml = MeanLevel(fw, mentee, {id});
          if (std::isnan(ml)) continue;
          double gap = std::max(0.0, mentee.target_level - ml);
          if (gap <= 0 || mentor.track != mentee.track) continue;
          double tl = MeanLevel(fw, mentor, {id});
          if (!std::isnan(tl) && tl >= threshold && tl > ml) {
            score += gap * (1 + (tl >= fw.max_level() ? bonus : 0));
          }
        }
      }
    }
  }
  return score;
}

bool ShareTeam(const Oracle& a, const Oracle& b) {
  for (const std::string& t : a.teams) {
    if (std::find(b.teams.begin(), b.teams.end(), t) != b.teams.end()) {
      return true;
    }
  }
  return false;
}

TEST_F(MentorMatcherTest, BruteForceOverRandomOrgs) {
  const framework::FrameworkIndex& fw = Mini();
  const std::vector<std::string> all_ids = {
      "j-a1-1", "j-a1-2", "s-a1-1", "j-a2-1", "s-a2-1", "j-b1-1", "s-b1-1"};
  int several = 0, reordered = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    OrgSnapshot org;
    org.org = kOrg;
    const int people = uniform(6, 14);
    for (int i = 0; i < people; ++i) {
      PersonSpec spec;
      spec.id = absl::StrCat("p", uniform(10, 99), "-", i);
      spec.track = uniform(0, 2) ? "junior" : "senior";
      spec.target = uniform(1, 2);
      spec.capacity = uniform(0, 3) ? uniform(1, 3) : 0;
      spec.teams = {absl::StrCat("t", uniform(0, 2))};
      if (uniform(0, 3) == 0)
        spec.teams.push_back(absl::StrCat("t", uniform(0, 2)));
      for (const std::string& id : all_ids) {
        if (fw.FindIndicator(id)->indicator->track() != spec.track) continue;
        if (uniform(0, 4) == 0) continue;  // unknown
        spec.levels[id] = uniform(0, 12) / 4.0f;
      }
      org.people.push_back(MakePerson(fw, spec));
    }
    SortPeople(&org);
    const PersonView& mentee = *org.people[uniform(0, people - 1)];
    const bool by_competency = uniform(0, 1);
    std::map<std::string, std::string> params = {
        {"granularity", by_competency ? "competency" : "indicator"}};
    double threshold = mentee.target_level;
    if (uniform(0, 1)) {
      threshold = uniform(2, 12) / 4.0;
      params["threshold"] = absl::StrCat(threshold);
    }
    double bonus = uniform(0, 4) / 2.0;
    params["voorbeeld_bonus"] = absl::StrCat(bonus);
    std::vector<std::string> teams;
    if (uniform(0, 3) == 0) {
      teams = {"t0", "t2"};
      params["teams"] = "t0, t2";
    }

    // Oracle: score everyone eligible, in resource-name order.
    std::vector<Oracle> eligible;
    for (const auto& p : org.people) {
      if (p.get() == &mentee || p->mentoring_capacity <= 0) continue;
      if (!teams.empty() &&
          std::none_of(p->teams.begin(), p->teams.end(),
                       [&](const auto& t) { return t == "t0" || t == "t2"; })) {
        continue;
      }
      double score =
          OracleScore(fw, mentee, *p, by_competency, threshold, bonus);
      if (score > 0)
        eligible.push_back({PersonResource(p->id), score, p->teams});
    }

    // lambda 1: sorted by score, then name.
    const int page = uniform(1, 6);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         Run(org, PersonResource(mentee.id), params, page));
    std::vector<Oracle> ranked = eligible;
    // Scores within 1e-9 are ties (sums of the same gaps in another order
    // differ in their last bits), broken by name.
    auto tie = [](double a, double b) { return std::abs(a - b) <= 1e-9; };
    std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
      return !tie(a.score, b.score) ? a.score > b.score : a.name < b.name;
    });
    EXPECT_EQ(r.candidate_count(), static_cast<int>(eligible.size()));
    ASSERT_EQ(r.items_size(), std::min<int>(page, ranked.size()));
    for (int i = 0; i < r.items_size(); ++i) {
      EXPECT_EQ(r.items(i).name(), ranked[i].name);
      EXPECT_NEAR(r.items(i).score(), ranked[i].score, 1e-9);
      EXPECT_EQ(r.items(i).rank(), i + 1);
      if (i > 0) {
        const auto& a = r.items(i - 1);
        const auto& b = r.items(i);
        EXPECT_TRUE(a.score() > b.score() + 1e-9 ||
                    (tie(a.score(), b.score()) && a.name() < b.name()));
      }
      double sum = 0;
      for (const auto& c : r.items(i).contributions()) sum += c.value();
      EXPECT_NEAR(sum, r.items(i).score(), 1e-9);
    }

    // MMR: the greedy argmax of λ·s/max − (1 − λ)·max sim, ties by name.
    const double lambda = uniform(0, 9) / 10.0;
    params["lambda"] = absl::StrCat(lambda);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse m,
                         Run(org, PersonResource(mentee.id), params, page));
    double max_score = 0;
    for (const Oracle& o : eligible) max_score = std::max(max_score, o.score);
    std::vector<Oracle> left = eligible, picked;
    while (!left.empty() && static_cast<int>(picked.size()) < page) {
      size_t best = 0;
      double best_value = 0;
      for (size_t c = 0; c < left.size(); ++c) {
        double sim = 0;
        for (const Oracle& s : picked)
          sim = std::max(sim, ShareTeam(left[c], s) ? 1.0 : 0.0);
        double value = lambda * left[c].score / max_score - (1 - lambda) * sim;
        if (c == 0 || value > best_value + 1e-9 ||
            (tie(value, best_value) && left[c].name < left[best].name)) {
          best = c;
          best_value = value;
        }
      }
      picked.push_back(left[best]);
      left.erase(left.begin() + best);
    }
    ASSERT_EQ(m.items_size(), static_cast<int>(picked.size()))
        << "lambda " << lambda;
    for (int i = 0; i < m.items_size(); ++i) {
      EXPECT_EQ(m.items(i).name(), picked[i].name) << "lambda " << lambda;
    }
    if (eligible.size() >= 2) ++several;
    for (int i = 0; i < m.items_size(); ++i) {
      if (m.items(i).name() != r.items(i).name()) {
        ++reordered;
        break;
      }
    }
  }
  // The instances are not vacuous: about half have several
  // candidates, and MMR reorders some of them.
  EXPECT_GE(several, 40);
  EXPECT_GE(reordered, 5);
}

}  // namespace
}  // namespace vakwijzer::plugins
