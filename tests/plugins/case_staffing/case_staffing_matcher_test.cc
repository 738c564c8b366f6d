#include "plugins/case_staffing/case_staffing_matcher.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/framework_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/api/params.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kOrg[] = "acme";

using ::vakwijzer::testing::HasStatus;

std::unique_ptr<framework::FrameworkRegistry> Load(const std::string& dir) {
  auto registry = framework::FrameworkRegistry::LoadDirectory(dir);
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

struct PersonSpec {
  explicit PersonSpec(std::string person_id) : id(std::move(person_id)) {}
  std::string id;
  std::string track = "junior";
  std::vector<std::string> languages = {"nl"};
  std::string region = "north";
  int capacity = 30;
  int caseload = 0;
  std::vector<std::string> teams;
  std::map<std::string, float> levels;
};

std::shared_ptr<PersonView> Person(const framework::FrameworkIndex& fw,
                                   const PersonSpec& spec) {
  auto p = std::make_shared<PersonView>();
  p->id = spec.id;
  p->display_name = "Name of " + spec.id;
  p->framework = &fw;
  p->track = spec.track;
  p->languages = spec.languages;
  p->region = spec.region;
  p->caseload_capacity = spec.capacity;
  p->current_caseload = spec.caseload;
  p->teams = spec.teams;
  p->levels.assign(IndicatorCount(fw), kUnknown);
  for (const auto& [indicator, level] : spec.levels) {
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

std::string CaseName(const std::string& id) {
  return absl::StrCat("organizations/", kOrg, "/cases/", id);
}

std::string PersonName(const std::string& id) {
  return absl::StrCat("organizations/", kOrg, "/people/", id);
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

// Independent oracle for one person and one requirement: the level the fit
// counts (indicator level, or mean over the track's indicators of the
// competency, unrated = 0), from the framework proto directly.
double BruteLevel(const framework::FrameworkIndex& fw, const PersonView& p,
                  const v1::Requirement& r) {
  double sum = 0;
  int n = 0;
  for (const auto& cluster : fw.proto().clusters()) {
    for (const auto& comp : cluster.competencies()) {
      for (const auto& ind : comp.indicators()) {
        if (ind.track() != p.track) continue;
        if (r.has_indicator() ? ind.id() != r.indicator()
                              : comp.code() != r.competency()) {
          continue;
        }
        ++n;
        float v = p.levels[fw.FindIndicator(ind.id())->ordinal];
        if (!std::isnan(v)) sum += v;
      }
    }
  }
  return n > 0 ? sum / n : 0;
}

double BruteFit(const framework::FrameworkIndex& fw, const PersonView& p,
                const v1::ClientCase& c, bool* qualifies) {
  double shortfall = 0, required = 0;
  *qualifies = true;
  for (const v1::Requirement& r : c.requirements()) {
    const int w = r.weight() > 0 ? r.weight() : 1;
    const double level = BruteLevel(fw, p, r);
    shortfall += w * std::max(0.0, r.level() - level);
    required += w * r.level();
    if (r.must_have() && level < r.level()) *qualifies = false;
  }
  return required > 0 ? std::clamp(1 - shortfall / required, 0.0, 1.0) : 1;
}

bool BruteAvailable(const PersonView& p, const v1::ClientCase& c) {
  const int workload = c.workload() > 0 ? c.workload() : 1;
  if (!c.language().empty() && std::find(p.languages.begin(), p.languages.end(),
                                         c.language()) == p.languages.end()) {
    return false;
  }
  if (!c.region().empty() && c.region() != p.region) return false;
  return p.current_caseload + workload <= p.caseload_capacity;
}

class CaseStaffingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mini_registry_ = Load(VAKWIJZER_TEST_DATA_DIR "/frameworks");
    sfd_registry_ = Load(VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
    mini_ = mini_registry_->Find("mini");
    sfd_ = sfd_registry_->Find("sfd-2021");
    ASSERT_NE(mini_, nullptr);
    ASSERT_NE(sfd_, nullptr);
    matcher_ = NewCaseStaffingMatcher();

    // "crisis": onstuimig, workload 3, nl, north, preferred team t1.
    //   r1 competency A.1 ≥ 2, weight 2, must-have
    //   r2 indicator j-b1-1 ≥ 2, weight 1 (junior only)
    // Σ w·L = 2·2 + 1·2 = 6; Σ w = 3.
    v1::ClientCase crisis;
    crisis.set_name(CaseName("crisis"));
    crisis.set_title("Crisis at home");
    crisis.set_vaarwater(v1::ONSTUIMIG);
    crisis.set_framework("frameworks/mini");
    crisis.set_workload(3);
    crisis.set_language("nl");
    crisis.set_region("north");
    crisis.set_team("t1");
    *crisis.add_requirements() = Comp("A.1", 2, 2, true);
    *crisis.add_requirements() = Ind("j-b1-1", 2, 1);
    org_.cases.push_back(crisis);

    // "rare": needs j-a2-1 ≥ 3 (must-have); only cas, who is full, has it.
    v1::ClientCase rare;
    rare.set_name(CaseName("rare"));
    rare.set_vaarwater(v1::WOELIG);
    rare.set_framework("frameworks/mini");
    rare.set_workload(1);
    *rare.add_requirements() = Ind("j-a2-1", 3, 1, true);
    *rare.add_requirements() = Comp("B.1", 1, 1, true);
    org_.cases.push_back(rare);

    v1::ClientCase empty;
    empty.set_name(CaseName("empty"));
    empty.set_framework("frameworks/mini");
    org_.cases.push_back(empty);
    std::sort(org_.cases.begin(), org_.cases.end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });

    org_.org = kOrg;
    // ann: A.1 (2+3)/2 = 2.5 met; j-b1-1 1 → 1·1 = 1. fit 1 − 1/6 = 5/6;
    //   coverage 2/3; team t1 → score 5/6 + 0.05. Leaves 30 − 20 − 3 = 7.
    PersonSpec ann("ann");
    ann.caseload = 20;
    ann.teams = {"t1"};
    ann.levels = {{"j-a1-1", 2}, {"j-a1-2", 3}, {"j-b1-1", 1}};
    // ben: all met, fit 1; 27 + 3 = 30 ≤ 30 → available, leaves 0.
    PersonSpec ben("ben");
    ben.caseload = 27;
    ben.teams = {"t2"};
    ben.levels = {{"j-a1-1", 3}, {"j-a1-2", 3}, {"j-b1-1", 2}};
    // cas: 28 + 3 > 30 → excluded (though the best on paper).
    PersonSpec cas("cas");
    cas.caseload = 28;
    cas.levels = {{"j-a1-1", 3}, {"j-a1-2", 3}, {"j-a2-1", 3}, {"j-b1-1", 3}};
    // dirk: speaks only en. eva: region south.
    PersonSpec dirk("dirk");
    dirk.languages = {"en"};
    PersonSpec eva("eva");
    eva.region = "south";
    // fay (senior): A.1 = s-a1-1 = 3 met; j-b1-1 is not on her track →
    //   unknown → 0: 1·2 = 2. fit 1 − 2/6 = 2/3, coverage 2/3; team t1.
    PersonSpec fay("fay");
    fay.track = "senior";
    fay.capacity = 10;
    fay.teams = {"t1"};
    fay.levels = {{"s-a1-1", 3}, {"s-b1-1", 3}};
    // gus: A.1 (1+1)/2 = 1 < 2, must-have unmet: 2·1 = 2; j-b1-1 3 met.
    //   fit 1 − 2/6 = 2/3, coverage 1/3; team t1.
    PersonSpec gus("gus");
    gus.teams = {"t1"};
    gus.levels = {{"j-a1-1", 1}, {"j-a1-2", 1}, {"j-b1-1", 3}};
    for (const PersonSpec& s : {ann, ben, cas, dirk, eva, fay, gus}) {
      org_.people.push_back(Person(*mini_, s));
    }
  }

  std::unique_ptr<framework::FrameworkRegistry> mini_registry_, sfd_registry_;
  const framework::FrameworkIndex* mini_ = nullptr;
  const framework::FrameworkIndex* sfd_ = nullptr;
  std::unique_ptr<Matcher> matcher_;
  OrgSnapshot org_;
};

TEST_F(CaseStaffingTest, Info) {
  EXPECT_EQ(matcher_->Info().name(), "case-staffing");
  EXPECT_EQ(matcher_->Info().version(), "1.0.0");
  EXPECT_EQ(matcher_->Info().subject(), "a client case");
}

TEST_F(CaseStaffingTest, HandComputedCase) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, CaseName("crisis")));
  // Qualifying: ben 1, ann 5/6 + 0.05, fay 2/3 + 0.05; then gus
  // (2/3 + 0.05, must-have unmet).
  EXPECT_THAT(Names(r), ElementsAre(PersonName("ben"), PersonName("ann"),
                                    PersonName("fay"), PersonName("gus")));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 1);
  EXPECT_DOUBLE_EQ(r.items(1).score(), 5.0 / 6 + 0.05);
  EXPECT_DOUBLE_EQ(r.items(2).score(), 2.0 / 3 + 0.05);
  EXPECT_DOUBLE_EQ(r.items(3).score(), 2.0 / 3 + 0.05);
  EXPECT_THAT(r.items(3).unmet(), ElementsAre("must-have A.1: 1 of 2"));

  const v1::MatchItem& ann = r.items(1);
  EXPECT_THAT(ann.explanation(), HasSubstr("onstuimig"));
  EXPECT_THAT(ann.explanation(),
              HasSubstr("Fit 0.83, coverage 0.67 over 2 requirements"));
  EXPECT_THAT(ann.explanation(), HasSubstr("short on j-b1-1 (1 of 2)"));
  EXPECT_THAT(ann.explanation(), HasSubstr("caseload 20 + 3 of 30 leaves 7"));
  EXPECT_THAT(ann.explanation(), HasSubstr("in preferred team t1 (+0.05)"));
  ASSERT_EQ(ann.contributions_size(), 3);  // B.1, A.1, team_bonus
  EXPECT_EQ(ann.contributions(0).key(), "B.1");
  EXPECT_DOUBLE_EQ(ann.contributions(0).value(), 1);
  EXPECT_EQ(ann.contributions(1).key(), "A.1");
  EXPECT_DOUBLE_EQ(ann.contributions(1).value(), 0);
  EXPECT_EQ(ann.contributions(2).key(), "team_bonus");
  EXPECT_DOUBLE_EQ(ann.contributions(2).value(), 0.05);
  EXPECT_THAT(r.items(2).explanation(),
              HasSubstr("not rated (counted as 0): j-b1-1"));

  EXPECT_EQ(r.candidate_count(), 7);
  EXPECT_EQ(r.metrics().at("candidates"), 7);
  EXPECT_EQ(r.metrics().at("available"), 4);
  EXPECT_EQ(r.metrics().at("qualifying"), 3);
  EXPECT_EQ(r.metrics().at("remaining_capacity"), 0);  // ben: 30 − 27 − 3
  EXPECT_THAT(r.residual(), IsEmpty());
  EXPECT_THAT(
      r.excluded(),
      ElementsAre(PersonName("cas") + ": caseload 28 + 3 > 30",
                  PersonName("dirk") + ": does not speak nl (speaks en)",
                  PersonName("eva") + ": region south; the case is in "
                                      "north"));
  EXPECT_THAT(r.summary(), HasSubstr("4 available"));
}

TEST_F(CaseStaffingTest, TeamBonus) {
  // Without a bonus: ben 1, ann 5/6, fay 2/3; gus last.
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       RunMatch(*matcher_, org_, *mini_registry_,
                                CaseName("crisis"), {{"team_bonus", "0"}}));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("ben"), PersonName("ann"),
                                    PersonName("fay"), PersonName("gus")));
  EXPECT_DOUBLE_EQ(r.items(1).score(), 5.0 / 6);
  EXPECT_DOUBLE_EQ(r.items(2).score(), 2.0 / 3);
  // A bonus of 0.2 lifts ann above ben: 5/6 + 0.2 = 1.033 > 1.
  ASSERT_OK_AND_ASSIGN(
      r, RunMatch(*matcher_, org_, *mini_registry_, CaseName("crisis"),
                  {{"team_bonus", "0.2"}}));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("ann"), PersonName("ben"),
                                    PersonName("fay"), PersonName("gus")));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 5.0 / 6 + 0.2);
  // The bonus never lifts someone past the must-have gate: gus stays last.
  ASSERT_OK_AND_ASSIGN(r, RunMatch(*matcher_, org_, *mini_registry_,
                                   CaseName("crisis"), {{"team_bonus", "1"}}));
  EXPECT_EQ(r.items(3).name(), PersonName("gus"));
}

TEST_F(CaseStaffingTest, IncludeUnqualifiedAndMinFit) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, CaseName("crisis"),
               {{"include_unqualified", "false"}}));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("ben"), PersonName("ann"),
                                    PersonName("fay")));
  EXPECT_THAT(r.excluded(), ::testing::Contains(PersonName("gus") +
                                                ": must-have A.1: 1 of 2"));
  // min_fit applies to the fit, not the bonus: 0.7 drops fay and gus
  // (2/3 < 0.7 although 2/3 + 0.05 > 0.7).
  ASSERT_OK_AND_ASSIGN(r, RunMatch(*matcher_, org_, *mini_registry_,
                                   CaseName("crisis"), {{"min_fit", "0.7"}}));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("ben"), PersonName("ann")));
}

TEST_F(CaseStaffingTest, ResidualMustHavesNobodyAvailableMeets) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org_, *mini_registry_, CaseName("rare")));
  // No language or region: everyone with room for 1 is available (cas has
  // 28 + 1 ≤ 30 too), and cas has j-a2-1 at 3 → no residual.
  EXPECT_THAT(r.residual(), IsEmpty());
  EXPECT_EQ(r.metrics().at("available"), 7);

  // Fill cas up: now nobody available reaches j-a2-1 at 3. B.1 ≥ 1 is met
  // by ann (1), ben (2), fay (s-b1-1 3), gus (3).
  PersonSpec full("cas");
  full.caseload = 30;
  full.levels = {{"j-a2-1", 3}};
  org_.people.Set(2, Person(*mini_, full));
  ASSERT_OK_AND_ASSIGN(
      r, RunMatch(*matcher_, org_, *mini_registry_, CaseName("rare")));
  ASSERT_EQ(r.residual_size(), 1);
  EXPECT_EQ(r.residual(0).key(), "j-a2-1");
  EXPECT_EQ(r.residual(0).value(), 3);
  EXPECT_EQ(r.residual(0).note(), "no available person reaches 3");
  EXPECT_EQ(r.metrics().at("qualifying"), 0);
  EXPECT_THAT(r.summary(), HasSubstr("1 must-have nobody available meets"));
}

TEST_F(CaseStaffingTest, EmptyCaseFrameworkTakesEveryFramework) {
  v1::ClientCase open;
  open.set_name(CaseName("open"));
  *open.add_requirements() = Comp("A.1", 2, 1);
  OrgSnapshot org;
  org.org = kOrg;
  org.cases = {open};
  // j: (2+1)/2 = 1.5 → 1 − 0.5/2 = 0.75; x (sfd) has no A.1 → 0 → fit 0.
  PersonSpec j("j");
  j.levels = {{"j-a1-1", 2}, {"j-a1-2", 1}};
  PersonSpec x("x");
  x.track = "hbo";
  org.people.push_back(Person(*mini_, j));
  org.people.push_back(Person(*sfd_, x));
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      RunMatch(*matcher_, org, *mini_registry_, CaseName("open")));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("j"), PersonName("x")));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 0.75);
  EXPECT_DOUBLE_EQ(r.items(1).score(), 0);

  // With a framework, the sfd person is excluded.
  org.cases[0].set_framework("frameworks/mini");
  ASSERT_OK_AND_ASSIGN(
      r, RunMatch(*matcher_, org, *mini_registry_, CaseName("open")));
  EXPECT_THAT(Names(r), ElementsAre(PersonName("j")));
  EXPECT_THAT(
      r.excluded(),
      ElementsAre(HasSubstr("x: assessed against frameworks/sfd-2021")));
}

TEST_F(CaseStaffingTest, Errors) {
  EXPECT_TRUE(HasStatus(
      RunMatch(*matcher_, org_, *mini_registry_, "organizations/acme/case/x"),
      absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(RunMatch(*matcher_, org_, *mini_registry_,
                                 "organizations/acme/people/ann"),
                        absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(HasStatus(RunMatch(*matcher_, org_, *mini_registry_,
                                 "organizations/o/cases/crisis"),
                        absl::StatusCode::kInvalidArgument, "subject"));
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, CaseName("missing")),
                absl::StatusCode::kNotFound, "subject"));
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, CaseName("empty")),
                absl::StatusCode::kFailedPrecondition,
                "case organizations/acme/cases/empty has no requirements"));
  EXPECT_TRUE(
      HasStatus(RunMatch(*matcher_, org_, *mini_registry_, CaseName("crisis"),
                         {}, 10, [] { return true; }),
                absl::StatusCode::kCancelled, ""));
  EXPECT_TRUE(HasStatus(RunMatch(*matcher_, org_, *mini_registry_,
                                 CaseName("crisis"), {{"team_bonus", "2"}}),
                        absl::StatusCode::kInvalidArgument, "team_bonus"));
}

// Over 200 seeded synthetic organisations (mini and sfd-2021), every case:
// the items are exactly the available people (capacity, language, region
// respected — never a capacity violation), scores and the gate agree with
// the oracle, and the residual is exactly the must-haves no available person
// meets.
TEST_F(CaseStaffingTest, AgreesWithOracleOnSyntheticOrgs) {
  int residuals = 0, items_seen = 0, excluded_seen = 0;
  for (int seed = 1; seed <= 200; ++seed) {
    const framework::FrameworkIndex& fw = seed % 2 ? *sfd_ : *mini_;
    const framework::FrameworkRegistry& registry =
        seed % 2 ? *sfd_registry_ : *mini_registry_;
    testing::SyntheticOptions options;
    options.people = 25;
    options.cases = 4;
    options.seed = seed;
    options.unknown_share = 0.2;
    OrgSnapshot org = testing::MakeSyntheticOrg(fw, options, kOrg);
    // Load some people up to the brim so that capacity binds.
    for (size_t i = 0; i < org.people.size(); i += 3) {
      auto p = std::make_shared<PersonView>(*org.people[i]);
      p->current_caseload = p->caseload_capacity - static_cast<int>(i % 4);
      org.people.Set(i, p);
    }
    for (const v1::ClientCase& c : org.cases) {
      ASSERT_OK_AND_ASSIGN(
          v1::MatchResponse r,
          RunMatch(*matcher_, org, registry, c.name(), {}, 1000));
      const int workload = c.workload() > 0 ? c.workload() : 1;
      std::set<std::string> expected, got;
      std::vector<bool> met_by_available(c.requirements_size(), false);
      for (const auto& p : org.people) {
        if (!BruteAvailable(*p, c)) continue;
        expected.insert(PersonName(p->id));
        for (int k = 0; k < c.requirements_size(); ++k) {
          if (BruteLevel(fw, *p, c.requirements(k)) >=
              c.requirements(k).level()) {
            met_by_available[k] = true;
          }
        }
      }
      bool seen_unqualified = false;
      for (const v1::MatchItem& item : r.items()) {
        got.insert(item.name());
        const PersonView& p =
            *org.FindPerson(item.name().substr(item.name().rfind('/') + 1));
        EXPECT_LE(p.current_caseload + workload, p.caseload_capacity)
            << item.name() << " for " << c.name();
        EXPECT_THAT(p.languages, ::testing::Contains(c.language()));
        if (!c.region().empty()) {
          EXPECT_EQ(p.region, c.region());
        }
        bool qualifies = false;
        double fit = BruteFit(fw, p, c, &qualifies);
        EXPECT_NEAR(item.score(), fit, 1e-9) << item.name();  // no team set
        EXPECT_EQ(item.unmet().empty(), qualifies) << item.name();
        if (!qualifies) seen_unqualified = true;
        EXPECT_FALSE(seen_unqualified && qualifies) << item.name();
        ++items_seen;
      }
      EXPECT_EQ(got, expected) << c.name() << " seed " << seed;
      excluded_seen += r.excluded_size();

      std::vector<std::pair<std::string, int>> want_residual, got_residual;
      for (int k = 0; k < c.requirements_size(); ++k) {
        const v1::Requirement& req = c.requirements(k);
        if (req.must_have() && !met_by_available[k]) {
          want_residual.emplace_back(
              req.has_indicator() ? req.indicator() : req.competency(),
              req.level());
        }
      }
      for (const v1::Contribution& res : r.residual()) {
        got_residual.emplace_back(res.key(), static_cast<int>(res.value()));
      }
      EXPECT_EQ(got_residual, want_residual) << c.name() << " seed " << seed;
      residuals += static_cast<int>(want_residual.size());
    }
  }
  // Not vacuous: some residuals, items and exclusions were checked.
  EXPECT_GT(residuals, 10);
  EXPECT_GT(items_seen, 1000);
  EXPECT_GT(excluded_seen, 1000);
}

}  // namespace
}  // namespace vakwijzer::plugins
