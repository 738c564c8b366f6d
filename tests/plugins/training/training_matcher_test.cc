#include "plugins/training/training_matcher.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "framework/framework_registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

using ::testing::HasSubstr;

// Like EXPECT_STATUS of status_matchers.h, whose parameter `code` also
// replaces the `.code()` it calls, so that it does not compile.
#define EXPECT_ERROR(expr, expected_code, substr)                   \
  do {                                                              \
    const absl::Status vw_s = (expr).status();                      \
    EXPECT_EQ(vw_s.code(), expected_code) << vw_s;                  \
    EXPECT_NE(vw_s.message().find(substr), absl::string_view::npos) \
        << "message: " << vw_s.message();                           \
  } while (false)

const framework::FrameworkRegistry& MiniFrameworks() {
  static const framework::FrameworkRegistry* registry =
      framework::FrameworkRegistry::LoadDirectory(VAKWIJZER_TEST_DATA_DIR
                                                  "/frameworks")
          .value()
          .release();
  return *registry;
}

const framework::FrameworkRegistry& SfdFrameworks() {
  static const framework::FrameworkRegistry* registry =
      framework::FrameworkRegistry::LoadDirectory(VAKWIJZER_TEST_DATA_DIR
                                                  "/../../data/frameworks")
          .value()
          .release();
  return *registry;
}

const Matcher& TheMatcher() {
  static const Matcher* matcher = NewTrainingMatcher().release();
  return *matcher;
}

absl::StatusOr<v1::MatchResponse> RunMatcher(
    const OrgSnapshot& org, const framework::FrameworkRegistry& frameworks,
    const std::string& subject,
    const std::map<std::string, std::string>& parameters, int page_size = 100,
    std::function<bool()> cancelled = [] { return false; }) {
  v1::MatchRequest request;
  request.set_parent(absl::StrCat("organizations/", org.org));
  request.set_matcher("training");
  request.set_subject(subject);
  request.set_page_size(page_size);
  for (const auto& [key, value] : parameters) {
    (*request.mutable_parameters())[key] = value;
  }
  ASSIGN_OR_RETURN(Params params,
                   Params::Parse(TheMatcher().Info().parameters(), {},
                                 request.parameters()));
  MatchInput input{org, frameworks, request, params, cancelled};
  return TheMatcher().Match(input);
}

// Map fields serialise in hash order; deterministic serialisation sorts
// them, so equal responses give equal bytes.
std::string Bytes(const v1::MatchResponse& response) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    response.SerializeToCodedStream(&coded);
  }
  return out;
}

std::vector<std::string> ItemNames(const v1::MatchResponse& response) {
  std::vector<std::string> names;
  for (const auto& item : response.items()) names.push_back(item.name());
  return names;
}

v1::Requirement Ind(const std::string& id, int level) {
  v1::Requirement r;
  r.set_indicator(id);
  r.set_level(level);
  return r;
}

v1::Requirement Comp(const std::string& code, int level) {
  v1::Requirement r;
  r.set_competency(code);
  r.set_level(level);
  return r;
}

// ---------------------------------------------------------------------------
// Hand-computed cases on the mini framework.
//
// Person "ann", track junior, target 3. Junior indicators and levels:
//   j-a1-1 (A.1) 1.0   gap 2
//   j-a1-2 (A.1) 2.0   gap 1
//   j-a2-1 (A.2) 1.5   gap 1.5
//   j-b1-1 (B.1) never rated (no gap unless include_unknown)
// total_gap = 2 + 1 + 1.5 = 4.5.
// Base modules:
//   alpha: A.1 → 3, 10 h, € 100: closes 2 + 1 = 3
//   beta:  j-a2-1 → 2, 4 h, € 0: closes 0.5
//   gamma: j-a2-1 → 3 and j-a1-1 → 2, 20 h, € 500: closes 1.5 + 1 = 2.5
class MiniTest : public ::testing::Test {
 protected:
  MiniTest() : fw_(MiniFrameworks().Find("mini")) {
    person_.id = "ann";
    person_.framework = fw_;
    person_.track = "junior";
    person_.target_level = 3;
    person_.languages = {"en"};
    person_.levels.assign(7, kUnknown);
    SetLevel("j-a1-1", 1);
    SetLevel("j-a1-2", 2);
    SetLevel("j-a2-1", 1.5);
  }

  void SetLevel(const std::string& id, float level) {
    person_.levels[fw_->FindIndicator(id)->ordinal] = level;
  }

  v1::TrainingModule& AddModule(const std::string& id, double hours,
                                double cost,
                                std::vector<v1::Requirement> develops) {
    v1::TrainingModule m;
    m.set_name(absl::StrCat("organizations/acme/modules/", id));
    m.set_title(absl::StrCat("Module ", id));
    m.set_framework("frameworks/mini");
    m.set_format("klassikaal");
    m.set_language("en");
    m.set_hours(hours);
    m.set_cost(cost);
    for (auto& r : develops) *m.add_develops() = std::move(r);
    modules_.push_back(std::move(m));
    return modules_.back();
  }

  void AddBase() {
    AddModule("alpha", 10, 100, {Comp("A.1", 3)});
    AddModule("beta", 4, 0, {Ind("j-a2-1", 2)});
    AddModule("gamma", 20, 500, {Ind("j-a2-1", 3), Ind("j-a1-1", 2)});
  }

  OrgSnapshot Snapshot() const {
    OrgSnapshot org;
    org.org = "acme";
    org.people.push_back(std::make_shared<PersonView>(person_));
    org.modules = modules_;
    std::sort(org.modules.begin(), org.modules.end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    return org;
  }

  absl::StatusOr<v1::MatchResponse> Match(
      const std::map<std::string, std::string>& parameters,
      int page_size = 100) {
    snapshot_ = Snapshot();
    return RunMatcher(snapshot_, MiniFrameworks(),
                      "organizations/acme/people/ann", parameters, page_size);
  }

  static std::string M(const std::string& id) {
    return absl::StrCat("organizations/acme/modules/", id);
  }

  const framework::FrameworkIndex* fw_;
  PersonView person_;
  std::vector<v1::TrainingModule> modules_;
  OrgSnapshot snapshot_;
};

TEST_F(MiniTest, InfoDeclaresParameters) {
  const v1::MatcherInfo& info = TheMatcher().Info();
  EXPECT_EQ(info.name(), "training");
  EXPECT_EQ(info.version(), "1.0.0");
  EXPECT_EQ(info.subject(), "a person");
  std::vector<std::string> names;
  for (const auto& p : info.parameters()) names.push_back(p.name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "budget_hours", "budget_cost", "max_modules", "formats",
                       "languages", "include_unknown", "focus", "focus_weight",
                       "mode", "exact_limit", "time_limit_ms", "node_limit"}));
}

// All three fit in 40 h (34 h). f(all) = 4.5 = the whole gap, but beta is
// idle next to gamma (both raise j-a2-1; gamma to 3), so the plan is
// alpha + gamma (30 h, € 600). Order by marginal gain: alpha 3, then gamma
// 1.5 (j-a1-1 is already at 3 after alpha).
// Greedy (hours/40): alpha 3/0.25 = 12, then beta 0.5/0.1 = 5 over gamma
// 1.5/0.5 = 3, then gamma 1/0.5; tidying drops the now idle beta.
TEST_F(MiniTest, PlanClosesWholeGap) {
  AddBase();
  for (const std::string mode : {"exact", "greedy", "auto"}) {
    SCOPED_TRACE(mode);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, (Match({{"mode", mode}})));
    ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha"), M("gamma")}));
    const auto& alpha = r.items(0);
    EXPECT_EQ(alpha.rank(), 1);
    EXPECT_EQ(alpha.title(), "Module alpha");
    EXPECT_DOUBLE_EQ(alpha.score(), 3);
    ASSERT_EQ(alpha.contributions_size(), 2);
    EXPECT_EQ(alpha.contributions(0).key(), "j-a1-1");
    EXPECT_DOUBLE_EQ(alpha.contributions(0).value(), 2);
    EXPECT_EQ(alpha.contributions(0).note(), "1.0 → 3 (target 3)");
    EXPECT_EQ(alpha.contributions(1).key(), "j-a1-2");
    EXPECT_DOUBLE_EQ(alpha.contributions(1).value(), 1);
    EXPECT_EQ(alpha.contributions(1).note(), "2.0 → 3 (target 3)");
    EXPECT_EQ(alpha.explanation(),
              "Closes 3.00 weighted gap on 2 indicators of A.1; 10 h, € 100");
    const auto& gamma = r.items(1);
    EXPECT_EQ(gamma.rank(), 2);
    EXPECT_DOUBLE_EQ(gamma.score(), 1.5);
    ASSERT_EQ(gamma.contributions_size(), 1);
    EXPECT_EQ(gamma.contributions(0).key(), "j-a2-1");
    EXPECT_DOUBLE_EQ(gamma.contributions(0).value(), 1.5);
    EXPECT_EQ(gamma.contributions(0).note(), "1.5 → 3 (target 3)");
    EXPECT_EQ(gamma.explanation(),
              "Closes 1.50 weighted gap on 1 indicator of A.2; 20 h, € 500");
    EXPECT_EQ(r.residual_size(), 0);
    EXPECT_EQ(r.candidate_count(), 3);
    const auto& m = r.metrics();
    EXPECT_DOUBLE_EQ(m.at("total_gain"), 4.5);
    EXPECT_DOUBLE_EQ(m.at("total_gap"), 4.5);
    EXPECT_DOUBLE_EQ(m.at("coverable_gap"), 4.5);
    EXPECT_DOUBLE_EQ(m.at("upper_bound"), 4.5);
    EXPECT_DOUBLE_EQ(m.at("hours_used"), 30);
    EXPECT_DOUBLE_EQ(m.at("cost_used"), 600);
    EXPECT_DOUBLE_EQ(m.at("modules"), 2);
    // Greedy too: its plan meets its bound (the whole gap).
    EXPECT_DOUBLE_EQ(m.at("exact"), 1);
    EXPECT_DOUBLE_EQ(m.at("candidates"), 3);
    EXPECT_DOUBLE_EQ(m.at("unknown_indicators"), 1);
    EXPECT_THAT(r.summary(),
                HasSubstr("2 modules close 4.50 of 4.50 weighted gap (100%)"));
    EXPECT_THAT(r.summary(), HasSubstr("binding constraint: none"));
    EXPECT_THAT(r.summary(), HasSubstr("1 indicator never rated left out"));
  }
}

// budget_hours 25: alpha + gamma (30 h) no longer fits. Feasible plans:
// alpha+beta 3 + 0.5 = 3.5 (14 h), gamma+beta 2.5 + 0 (24 h), singles.
// OPT = alpha, beta = 3.5. Gamma still has gain 1 (j-a2-1 2 → 3) but
// 14 + 20 > 25: hours bind. Residual j-a2-1: 3 − 2 = 1.
// Greedy upper bound: min(f(all) = 4.5, 3.5 + δ_gamma 1 (20 h fit in the
// 25 h knapsack), 3.5 + top-5 δ = 1) = 4.5.
TEST_F(MiniTest, HoursBind) {
  AddBase();
  for (const std::string mode : {"exact", "greedy"}) {
    SCOPED_TRACE(mode);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         (Match({{"mode", mode}, {"budget_hours", "25"}})));
    ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha"), M("beta")}));
    EXPECT_DOUBLE_EQ(r.items(0).score(), 3);
    EXPECT_DOUBLE_EQ(r.items(1).score(), 0.5);
    EXPECT_EQ(r.items(1).contributions(0).note(), "1.5 → 2 (target 3)");
    EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 3.5);
    EXPECT_DOUBLE_EQ(r.metrics().at("upper_bound"),
                     std::string(mode) == "exact" ? 3.5 : 4.5);
    ASSERT_EQ(r.residual_size(), 1);
    EXPECT_EQ(r.residual(0).key(), "j-a2-1");
    EXPECT_DOUBLE_EQ(r.residual(0).value(), 1);
    EXPECT_EQ(r.residual(0).note(),
              "raised to 2.0 of target 3 (A.2); eligible modules reach 3.0");
    EXPECT_THAT(r.summary(),
                HasSubstr("binding constraint: hours (14 of 25 h)"));
  }
}

// budget_cost 550: alpha + gamma costs 600. OPT alpha + beta = 3.5 (€ 100);
// gamma (gain 1) fits the hours (34 ≤ 40) but not the money.
TEST_F(MiniTest, CostBinds) {
  AddBase();
  for (const std::string mode : {"exact", "greedy"}) {
    SCOPED_TRACE(mode);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         (Match({{"mode", mode}, {"budget_cost", "550"}})));
    ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha"), M("beta")}));
    EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 3.5);
    EXPECT_DOUBLE_EQ(r.metrics().at("cost_used"), 100);
    EXPECT_THAT(r.summary(),
                HasSubstr("binding constraint: cost (€ 100 of € 550)"));
  }
}

// max_modules 1: the best single module is alpha (3 > gamma 2.5 > beta
// 0.5). Gamma and beta both fit hours and money: the count binds.
// Residual: j-a2-1 1.5 (1.5 → 3 untouched), ahead of nothing else.
TEST_F(MiniTest, ModuleCountBinds) {
  AddBase();
  for (const std::string mode : {"exact", "greedy"}) {
    SCOPED_TRACE(mode);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         (Match({{"mode", mode}, {"max_modules", "1"}})));
    ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha")}));
    EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 3);
    ASSERT_EQ(r.residual_size(), 1);
    EXPECT_DOUBLE_EQ(r.residual(0).value(), 1.5);
    EXPECT_EQ(r.residual(0).note(),
              "at 1.5 of target 3 (A.2); eligible modules reach 3.0");
    EXPECT_THAT(r.summary(),
                HasSubstr("binding constraint: max_modules (1 of 1)"));
  }
}

// focus A.2 (weight 2): j-a2-1 weighs 2, so total_gap = 2 + 1 + 2·1.5 = 6
// and with one module gamma (1 + 2·1.5 = 4) beats alpha (3).
// focus cluster A: all three gaps weigh 2: total_gap 9, alpha 6 > gamma 5.
TEST_F(MiniTest, FocusWeights) {
  AddBase();
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       (Match({{"max_modules", "1"}, {"focus", "A.2"}})));
  ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("gamma")}));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 4);
  ASSERT_EQ(r.items(0).contributions_size(), 2);
  EXPECT_EQ(r.items(0).contributions(0).key(), "j-a1-1");
  EXPECT_DOUBLE_EQ(r.items(0).contributions(0).value(), 1);
  EXPECT_EQ(r.items(0).contributions(0).note(), "1.0 → 2 (target 3)");
  EXPECT_EQ(r.items(0).contributions(1).key(), "j-a2-1");
  EXPECT_DOUBLE_EQ(r.items(0).contributions(1).value(), 3);
  EXPECT_EQ(r.items(0).contributions(1).note(), "1.5 → 3 (target 3), weight 2");
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 6);
  // Residual after gamma: j-a1-1 3 − 2 = 1, j-a1-2 1: tie, framework order.
  ASSERT_EQ(r.residual_size(), 2);
  EXPECT_EQ(r.residual(0).key(), "j-a1-1");
  EXPECT_EQ(r.residual(1).key(), "j-a1-2");

  ASSERT_OK_AND_ASSIGN(
      r,
      (Match({{"max_modules", "1"}, {"focus", "A"}, {"focus_weight", "2"}})));
  ASSERT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha")}));
  EXPECT_DOUBLE_EQ(r.items(0).score(), 6);
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 9);

  EXPECT_ERROR((Match({{"focus", "Z.9"}})), absl::StatusCode::kInvalidArgument,
               "parameters[\"focus\"]");
}

// delta raises the never-rated j-b1-1 to 3 (5 h). Left out by default
// (closes no gap); with include_unknown it counts from 0: total_gap
// 4.5 + 3 = 7.5, and alpha + gamma + delta (35 h) close all of it. Order
// by gain: alpha 3 and delta 3 tie (alpha first by name), gamma 1.5.
TEST_F(MiniTest, IncludeUnknown) {
  AddBase();
  AddModule("delta", 5, 0, {Ind("j-b1-1", 3)});
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Match({}));
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 4.5);
  EXPECT_THAT(r.excluded(),
              ::testing::Contains(absl::StrCat(M("delta"), ": closes no gap")));

  ASSERT_OK_AND_ASSIGN(r, (Match({{"include_unknown", "true"}})));
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 7.5);
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 7.5);
  ASSERT_EQ(ItemNames(r),
            (std::vector<std::string>{M("alpha"), M("delta"), M("gamma")}));
  EXPECT_DOUBLE_EQ(r.items(1).score(), 3);
  EXPECT_EQ(r.items(1).contributions(0).key(), "j-b1-1");
  EXPECT_EQ(r.items(1).contributions(0).note(),
            "never rated (counted as 0) → 3 (target 3)");
  EXPECT_THAT(r.summary(),
              HasSubstr("1 indicator never rated counted as level 0"));
}

TEST_F(MiniTest, Exclusions) {
  AddModule("alpha", 10, 100, {Comp("A.1", 3)});
  AddModule("done", 10, 100, {Comp("A.1", 3)});
  person_.completed_modules = {"done"};
  AddModule("senior", 10, 100, {Comp("A.1", 3)}).set_track("senior");
  *AddModule("needs", 10, 100, {Comp("A.1", 3)}).add_prerequisites() =
      Ind("j-a1-2", 3);
  *AddModule("needs-rated", 10, 100, {Comp("A.1", 3)}).add_prerequisites() =
      Ind("j-b1-1", 1);
  *AddModule("needs-ok", 10, 100, {Comp("A.1", 3)}).add_prerequisites() =
      Comp("A.1", 1);  // mean of 1.0 and 2.0 = 1.5 ≥ 1: met
  AddModule("online", 10, 100, {Comp("A.1", 3)}).set_format("online");
  AddModule("dutch", 10, 100, {Comp("A.1", 3)}).set_language("nl");
  AddModule("huge", 50, 100, {Comp("A.1", 3)});
  AddModule("pricey", 10, 2000, {Comp("A.1", 3)});
  AddModule("other-fw", 10, 100, {Comp("A.1", 3)})
      .set_framework("frameworks/sfd-2021");
  AddModule("any-fw", 10, 100, {Comp("A.1", 3)}).clear_framework();
  AddModule("idle", 10, 100, {Ind("j-a1-2", 2)});  // already at 2
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       (Match({{"formats", "Klassikaal, blended"},
                               {"languages", "en"},
                               {"budget_cost", "1000"}})));
  std::vector<std::string> expected = {
      M("done") + ": already completed",
      M("dutch") + ": language \"nl\" is not one of en",
      M("huge") + ": 50 h alone exceed the budget of 40 h",
      M("idle") + ": closes no gap",
      M("needs") + ": prerequisite j-a1-2 at level 3 not met (level 2.0)",
      M("needs-rated") +
          ": prerequisite j-b1-1 at level 1 not met (never "
          "rated)",
      M("online") + ": format \"online\" is not one of Klassikaal, blended",
      M("other-fw") +
          ": for framework frameworks/sfd-2021, the person's is "
          "frameworks/mini",
      M("pricey") + ": € 2000 alone exceeds the budget of € 1000",
      M("senior") + ": for track senior, the person's is junior",
  };
  EXPECT_EQ(std::vector<std::string>(r.excluded().begin(), r.excluded().end()),
            expected);
  // alpha, any-fw and needs-ok are identical: the lexicographically
  // smallest single one is the plan (two would be idle next to it).
  EXPECT_EQ(r.candidate_count(), 3);
  EXPECT_EQ(ItemNames(r), (std::vector<std::string>{M("alpha")}));
}

TEST_F(MiniTest, ExcludedIsCapped) {
  for (int i = 0; i < 130; ++i) {
    AddModule(absl::StrFormat("idle%03d", i), 1, 0, {Ind("j-a1-2", 1)});
  }
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Match({}));
  ASSERT_EQ(r.excluded_size(), 101);
  EXPECT_EQ(r.excluded(100), "… and 30 more");
  EXPECT_THAT(r.summary(),
              HasSubstr("No eligible module closes any of 4.50 weighted gap"));
}

// Ties: m-a and m-b are identical; the plan is the lexicographically
// smallest, and never both (the second would be idle).
// Idle modules: narrow (j-a1-1 → 3, 2 h) is what greedy takes first
// (2/0.05 = 40 over wide 3/0.25 = 12), but wide (A.1 → 3) then covers it
// too; the plan keeps only wide in both modes, although {narrow, wide}
// sorts before {wide}.
TEST_F(MiniTest, TiesAndIdleModules) {
  AddModule("m-b", 10, 0, {Comp("A.1", 3)});
  AddModule("m-a", 10, 0, {Comp("A.1", 3)});
  for (const std::string mode : {"exact", "greedy"}) {
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, (Match({{"mode", mode}})));
    EXPECT_EQ(ItemNames(r), (std::vector<std::string>{M("m-a")})) << mode;
  }
  modules_.clear();
  AddModule("narrow", 2, 0, {Ind("j-a1-1", 3)});
  AddModule("wide", 10, 0, {Comp("A.1", 3)});
  for (const std::string mode : {"exact", "greedy"}) {
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, (Match({{"mode", mode}})));
    EXPECT_EQ(ItemNames(r), (std::vector<std::string>{M("wide")})) << mode;
    EXPECT_DOUBLE_EQ(r.metrics().at("hours_used"), 10) << mode;
  }
}

// Plain greedy by gain per hour is fooled by a cheap module; the best
// single module rescues it. budget 10 h:
//   small: j-a2-1 → 2, 1 h: 0.5, ratio 0.5 / 0.1 = 5
//   big:   A.1 → 3, 10 h: 3, ratio 3 / 1 = 3
// Greedy takes small, then big no longer fits: 0.5. Best single: big, 3.
TEST_F(MiniTest, GreedyKeepsBestSingle) {
  AddModule("small", 1, 0, {Ind("j-a2-1", 2)});
  AddModule("big", 10, 0, {Comp("A.1", 3)});
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       (Match({{"mode", "greedy"}, {"budget_hours", "10"}})));
  EXPECT_EQ(ItemNames(r), (std::vector<std::string>{M("big")}));
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 3);
  EXPECT_THAT(r.summary(), HasSubstr("binding constraint: hours (10 of 10 h)"));
}

// Only a pair seed finds the optimum. include_unknown, budget 10 h:
//   a: A.1 → 3, 5 h: 2 + 1 = 3, ratio 3 / 0.5 = 6
//   b: j-b1-1 (never rated, 0) → 3, 5 h: 3, ratio 6
//   c: j-a2-1 → 2, 0.5 h: 0.5, ratio 0.5 / 0.05 = 10
// Greedy: c, a (5.5 h), b does not fit: 3.5. Best single a (tie with b,
// by name), completed: c, then b does not fit: 3.5. Pair (a, b): 6 = OPT.
// Upper bound: f(all) = 6.5; 6 + δ_c 0.5 = 6.5.
TEST_F(MiniTest, GreedyEnumeratesPairs) {
  AddModule("a", 5, 0, {Comp("A.1", 3)});
  AddModule("b", 5, 0, {Ind("j-b1-1", 3)});
  AddModule("c", 0.5, 0, {Ind("j-a2-1", 2)});
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       (Match({{"mode", "greedy"},
                               {"budget_hours", "10"},
                               {"include_unknown", "true"}})));
  EXPECT_EQ(ItemNames(r), (std::vector<std::string>{M("a"), M("b")}));
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 6);
  EXPECT_DOUBLE_EQ(r.metrics().at("upper_bound"), 6.5);
  EXPECT_DOUBLE_EQ(r.metrics().at("coverable_gap"), 6.5);
  EXPECT_THAT(r.summary(), HasSubstr("at most 6.50 reachable"));
  EXPECT_THAT(r.summary(), HasSubstr("binding constraint: hours (10 of 10 h)"));
}

TEST_F(MiniTest, PageSizeCapsItemsNotThePlan) {
  AddBase();
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Match({}, 1));
  ASSERT_EQ(r.items_size(), 1);
  EXPECT_EQ(r.items(0).name(), M("alpha"));
  EXPECT_DOUBLE_EQ(r.metrics().at("modules"), 2);
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gain"), 4.5);
}

TEST_F(MiniTest, NoGap) {
  AddBase();
  for (const char* id : {"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"}) {
    SetLevel(id, 3);
  }
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r, Match({}));
  EXPECT_EQ(r.items_size(), 0);
  EXPECT_EQ(r.excluded_size(), 3);
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 0);
  EXPECT_THAT(r.summary(), HasSubstr("No weighted gap to close"));
}

TEST_F(MiniTest, SubjectErrors) {
  AddBase();
  snapshot_ = Snapshot();
  EXPECT_ERROR(RunMatcher(snapshot_, MiniFrameworks(),
                          "organizations/acme/persons/ann", {}),
               absl::StatusCode::kInvalidArgument, "subject");
  EXPECT_ERROR((RunMatcher(snapshot_, MiniFrameworks(), "ann", {})),
               absl::StatusCode::kInvalidArgument, "subject");
  EXPECT_ERROR(RunMatcher(snapshot_, MiniFrameworks(),
                          "organizations/other/people/ann", {}),
               absl::StatusCode::kInvalidArgument, "subject");
  EXPECT_ERROR(RunMatcher(snapshot_, MiniFrameworks(),
                          "organizations/acme/people/bob", {}),
               absl::StatusCode::kNotFound, "subject");
}

// ---------------------------------------------------------------------------
// Large instances: cancellation and the exact limit.

const OrgSnapshot& LargeOrg() {
  static const OrgSnapshot* org = [] {
    testing::SyntheticOptions options;
    options.people = 5;
    options.modules = 2000;
    options.seed = 7;
    return new OrgSnapshot(testing::MakeSyntheticOrg(
        *SfdFrameworks().Find("sfd-2021"), options, "big"));
  }();
  return *org;
}

TEST(TrainingLargeTest, CancelledIsCancelled) {
  EXPECT_ERROR((RunMatcher(LargeOrg(), SfdFrameworks(),
                           "organizations/big/people/p000001", {}, 10,
                           [] { return true; })),
               absl::StatusCode::kCancelled, "cancelled");
  // Cancelled part way (the second look).
  int calls = 0;
  EXPECT_ERROR((RunMatcher(LargeOrg(), SfdFrameworks(),
                           "organizations/big/people/p000001", {}, 10,
                           [&calls] { return ++calls > 1; })),
               absl::StatusCode::kCancelled, "cancelled");
}

// Beyond exact_limit candidates, auto mode proves the optimum by branch
// and bound in ratio order (the integer program when that does not end)
// and exact mode by the integer program: never worse than the greedy
// plan, within the greedy plan's bound. (A time limit far above the solve
// time, so that the outcome does not depend on the machine's load.)
TEST(TrainingLargeTest, ManyCandidatesAreProvenOptimal) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse greedy,
      (RunMatcher(LargeOrg(), SfdFrameworks(),
                  "organizations/big/people/p000001",
                  {{"budget_cost", "2000"}, {"mode", "greedy"}})));
  for (const char* mode : {"auto", "exact"}) {
    SCOPED_TRACE(mode);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         (RunMatcher(LargeOrg(), SfdFrameworks(),
                                     "organizations/big/people/p000001",
                                     {{"budget_cost", "2000"},
                                      {"mode", mode},
                                      {"time_limit_ms", "60000"}})));
    const auto& m = r.metrics();
    EXPECT_GT(m.at("candidates"), 20);
    EXPECT_EQ(m.at("exact"), 1);
    if (std::string(mode) == "exact") {
      EXPECT_EQ(m.at("program"), 1);
    }
    EXPECT_EQ(m.at("upper_bound"), m.at("total_gain"));
    EXPECT_GE(m.at("total_gain"), greedy.metrics().at("total_gain") - 1e-9);
    EXPECT_LE(m.at("total_gain"), greedy.metrics().at("upper_bound") + 1e-9);
    EXPECT_LE(m.at("hours_used"), 40);
    EXPECT_LE(m.at("cost_used"), 2000);
    EXPECT_LE(m.at("modules"), 5);
  }
}

TEST(TrainingLargeTest, GreedyOnLargeOrgIsFeasibleAndBounded) {
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      (RunMatcher(LargeOrg(), SfdFrameworks(),
                  "organizations/big/people/p000001",
                  {{"budget_cost", "2000"}, {"mode", "greedy"}})));
  const auto& m = r.metrics();
  // Exact only if the plan meets its own bound.
  EXPECT_EQ(m.at("exact"),
            m.at("total_gain") >= m.at("upper_bound") - 1e-9 ? 1 : 0);
  EXPECT_GT(m.at("candidates"), 20);
  EXPECT_LE(m.at("hours_used"), 40);
  EXPECT_LE(m.at("cost_used"), 2000);
  EXPECT_LE(m.at("modules"), 5);
  EXPECT_GT(m.at("total_gain"), 0);
  EXPECT_LE(m.at("total_gain"), m.at("upper_bound") + 1e-9);
  EXPECT_LE(m.at("upper_bound"), m.at("coverable_gap") + 1e-9);
  EXPECT_LE(m.at("coverable_gap"), m.at("total_gap") + 1e-9);
  EXPECT_THAT(r.excluded(100), HasSubstr("more"));
}

// ---------------------------------------------------------------------------
// Brute-force oracle on small random instances.
//
// The oracle re-derives everything from the definitions: which modules a
// person may take, f(S) = Σ_i w_i·max(0, min(T, reached_i(S)) − ℓ_i) for
// every subset, the feasible optimum, and the exact mode's tie rule (the
// lexicographically smallest sorted name list among optimal plans in which
// every module adds gain).
//
// Smallest greedy/OPT ratio seen over the 480 runs (240 instances × two
// configurations; in 242 of them the constraints keep OPT below f(all)):
// 1.0 — with best-single and pair seeds the greedy mode found the optimum
// every time. With plain lazy greedy alone (seeds disabled, as a check that
// this test can tell) it was 0.444, and 0.590 < 1 − 1/e with only the
// hours budget, failing the guarantee check on seeds 16, 129 and 225.

struct Config {
  double budget_hours = 40;
  std::optional<double> budget_cost;
  int max_modules = 100;
  bool include_unknown = false;
  std::string focus;
  double focus_weight = 2;
  std::string formats;

  std::map<std::string, std::string> Params() const {
    std::map<std::string, std::string> p = {
        {"budget_hours", absl::StrCat(budget_hours)},
        {"max_modules", absl::StrCat(max_modules)},
        {"include_unknown", include_unknown ? "true" : "false"},
        {"focus_weight", absl::StrCat(focus_weight)}};
    if (budget_cost.has_value()) p["budget_cost"] = absl::StrCat(*budget_cost);
    if (!focus.empty()) p["focus"] = focus;
    if (!formats.empty()) p["formats"] = formats;
    return p;
  }
};

class Oracle {
 public:
  Oracle(const OrgSnapshot& org, const PersonView& person, const Config& c)
      : org_(org), person_(person), config_(c) {
    const framework::FrameworkIndex& fw = *person.framework;
    // Indicators with a gap.
    for (const framework::IndicatorRef* ref :
         fw.IndicatorsOfTrack(person.track)) {
      float raw = person.levels[ref->ordinal];
      double level;
      if (!IsKnown(raw)) {
        if (!c.include_unknown) continue;
        level = 0;
      } else {
        level = raw;
      }
      bool focus = !c.focus.empty() && (ref->competency->code() == c.focus ||
                                        ref->cluster->code() == c.focus);
      ordinals_.push_back(ref->ordinal);
      level_.push_back(level);
      weight_.push_back(focus ? c.focus_weight : 1);
    }
    for (const v1::TrainingModule& m : org.modules) {
      if (!Allowed(m)) continue;
      std::vector<double> reach(ordinals_.size(), 0);
      for (const v1::Requirement& r : m.develops()) {
        ResolvedTarget t = Resolve(fw, person.track, r);
        for (int ordinal : t.ordinals) {
          for (size_t i = 0; i < ordinals_.size(); ++i) {
            if (ordinals_[i] == ordinal) {
              reach[i] = std::max(reach[i], double(r.level()));
            }
          }
        }
      }
      modules_.push_back(&m);
      reach_.push_back(std::move(reach));
    }
    Enumerate();
  }

  // Framework, track, completed, formats, prerequisites: what a person may
  // take regardless of budgets (which the subset checks apply).
  bool Allowed(const v1::TrainingModule& m) const {
    if (m.framework() != "frameworks/" + person_.framework->id()) return false;
    if (!m.track().empty() && m.track() != person_.track) return false;
    if (!config_.formats.empty() && m.format() != config_.formats) return false;
    for (const v1::Requirement& r : m.prerequisites()) {
      float level =
          LevelOn(person_, Resolve(*person_.framework, person_.track, r));
      if (!IsKnown(level) || level < r.level()) return false;
    }
    return true;
  }

  double Value(const std::vector<int>& set) const {
    double total = 0;
    for (size_t i = 0; i < ordinals_.size(); ++i) {
      double reached = 0;
      for (int m : set) reached = std::max(reached, reach_[m][i]);
      double T = person_.target_level;
      total += weight_[i] * std::max(0.0, std::min(T, reached) - level_[i]);
    }
    return total;
  }

  bool Feasible(const std::vector<int>& set) const {
    double hours = 0, cost = 0;
    for (int m : set) {
      hours += modules_[m]->hours();
      cost += modules_[m]->cost();
    }
    return static_cast<int>(set.size()) <= config_.max_modules &&
           hours <= config_.budget_hours + 1e-9 &&
           (!config_.budget_cost || cost <= *config_.budget_cost + 1e-9);
  }

  // Index into modules_ of a module name; -1 when the oracle would not
  // allow it at all.
  int IndexOf(const std::string& name) const {
    for (size_t i = 0; i < modules_.size(); ++i) {
      if (modules_[i]->name() == name) return static_cast<int>(i);
    }
    return -1;
  }

  double opt() const { return opt_; }
  double unconstrained() const {
    std::vector<int> all(modules_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    return Value(all);
  }
  const std::vector<std::string>& best_names() const { return best_names_; }
  int eligible() const { return eligible_; }

 private:
  void Enumerate() {
    const int n = static_cast<int>(modules_.size());
    std::vector<std::pair<std::vector<int>, double>> feasible;
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      std::vector<int> set;
      for (int i = 0; i < n; ++i) {
        if (mask & (1u << i)) set.push_back(i);
      }
      if (!Feasible(set)) continue;
      double value = Value(set);
      feasible.emplace_back(set, value);
      opt_ = std::max(opt_, value);
    }
    bool have = false;
    for (const auto& [set, value] : feasible) {
      if (value < opt_ - 1e-9) continue;
      bool irredundant = true;
      for (size_t i = 0; i < set.size() && irredundant; ++i) {
        std::vector<int> rest = set;
        rest.erase(rest.begin() + i);
        irredundant = Value(rest) < value - 1e-9;
      }
      if (!irredundant) continue;
      std::vector<std::string> names;
      for (int m : set) names.push_back(modules_[m]->name());
      if (!have || names < best_names_) best_names_ = names;
      have = true;
    }
    for (int i = 0; i < n; ++i) {
      if (Feasible({i}) && Value({i}) > 1e-9) ++eligible_;
    }
  }

  const OrgSnapshot& org_;
  const PersonView& person_;
  Config config_;
  std::vector<int> ordinals_;
  std::vector<double> level_;
  std::vector<double> weight_;
  std::vector<const v1::TrainingModule*> modules_;
  std::vector<std::vector<double>> reach_;
  double opt_ = 0;
  std::vector<std::string> best_names_;
  int eligible_ = 0;
};

// MakeSyntheticOrg spreads modules over the whole framework, so their
// targets rarely overlap. This variant draws the targets of every module
// from ten indicators of the person's track (and their competencies), and
// hours from 1..40, so that modules compete and the budget bites.
OrgSnapshot OverlappingOrg(const framework::FrameworkIndex& fw, int modules,
                           uint64_t seed) {
  testing::SyntheticOptions options;
  options.people = 2;
  options.modules = modules;
  options.seed = seed;
  OrgSnapshot org = testing::MakeSyntheticOrg(fw, options, "oracle");
  std::mt19937_64 rng(seed * 7919 + 1);
  const auto& refs = fw.IndicatorsOfTrack(org.people[0]->track);
  size_t start =
      std::uniform_int_distribution<size_t>(0, refs.size() - 10)(rng);
  for (v1::TrainingModule& m : org.modules) {
    m.clear_develops();
    m.clear_track();
    int targets = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int t = 0; t < targets; ++t) {
      const framework::IndicatorRef* ref =
          refs[start + std::uniform_int_distribution<size_t>(0, 9)(rng)];
      int level = std::uniform_int_distribution<int>(1, fw.max_level())(rng);
      *m.add_develops() = std::bernoulli_distribution(0.25)(rng)
                              ? Comp(ref->competency->code(), level)
                              : Ind(ref->indicator->id(), level);
    }
    m.set_hours(std::uniform_int_distribution<int>(1, 40)(rng));
    m.set_cost(std::uniform_int_distribution<int>(0, 30)(rng) * 50);
  }
  return org;
}

// Every module takes 1.25·h hours (h = 2..5) and raises h indicators of
// its own from 0 to the person's target T: the same gain T per 1.25 hours
// for all. With a budget of 46.875 h (37.5 × 1.25) every relaxation of the
// branch and bound stays half a unit's gain above the optimum (the
// integer knapsack over hours rounded down to whole hours even more), so
// the search would visit most of the 2^25 subsets. Auto mode stops at its
// node limit, in name order (exact_limit 25) as in ratio order
// (node_limit); without the integer program (time_limit_ms = 0) it keeps
// the greedy plan, saying so; with it, the optimum is proven: 37 units fit
// (h = 2-5 over 25 modules), each worth the target level on an indicator
// of its own.
TEST(TrainingLargeTest, AutoStopsALongExactSearch) {
  const framework::FrameworkIndex& sfd = *SfdFrameworks().Find("sfd-2021");
  OrgSnapshot org = OverlappingOrg(sfd, 25, 1);
  auto person = std::make_shared<PersonView>(*org.people[0]);
  for (float& level : person->levels) level = 0;
  org.people.Set(0, person);
  const auto& refs = sfd.IndicatorsOfTrack(person->track);
  std::mt19937_64 rng(1);
  size_t next = 0;
  for (v1::TrainingModule& m : org.modules) {
    m.clear_develops();
    m.clear_prerequisites();
    const int units = 2 + static_cast<int>(rng() % 4);
    for (int t = 0; t < units; ++t) {
      *m.add_develops() = Ind(refs[next++]->indicator->id(), 4);
    }
    m.set_hours(1.25 * units);
  }
  const std::string subject = "organizations/oracle/people/p000001";
  const std::map<std::string, std::string> budget = {{"budget_hours", "46.875"},
                                                     {"max_modules", "25"}};
  auto with = [&](std::map<std::string, std::string> params) {
    params.insert(budget.begin(), budget.end());
    return params;
  };
  for (const auto& params :
       {with({{"exact_limit", "25"}, {"time_limit_ms", "0"}}),
        with({{"time_limit_ms", "0"}})}) {
    SCOPED_TRACE(params.count("exact_limit") ? "name order" : "ratio order");
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                         RunMatcher(org, SfdFrameworks(), subject, params));
    EXPECT_EQ(r.candidate_count(), 25);
    EXPECT_EQ(r.metrics().at("exact"), 0);
    EXPECT_EQ(r.metrics().at("program"), 0);
    EXPECT_THAT(r.summary(),
                HasSubstr("optimum not proven within the search limits"));
    EXPECT_LE(r.metrics().at("hours_used"), 46.875);
    EXPECT_LE(r.metrics().at("total_gain"), r.metrics().at("upper_bound"));
    // At most 37 units fit, each worth T.
    EXPECT_LE(r.metrics().at("total_gain"), 37.0 * person->target_level + 1e-9);
  }
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse proven,
      RunMatcher(org, SfdFrameworks(), subject,
                 with({{"exact_limit", "25"}, {"time_limit_ms", "60000"}})));
  EXPECT_EQ(proven.metrics().at("exact"), 1);
  EXPECT_EQ(proven.metrics().at("program"), 1);
  EXPECT_NEAR(proven.metrics().at("total_gain"), 37.0 * person->target_level,
              1e-9);
  EXPECT_LE(proven.metrics().at("hours_used"), 46.875);
}

// The branch and bound in ratio order (auto mode beyond exact_limit)
// against every subset, on instances of at most 12 modules whose targets
// overlap on ten indicators (random caps), with hours in quarters, and
// random budgets of hours, money and module count: at most 2^12 subsets,
// so the search always ends within its node limit, and its plan must be
// an optimum by the oracle, proven by the search alone.
TEST(TrainingOracleTest, RatioOrderSearchMatchesBruteForce) {
  const framework::FrameworkIndex& sfd = *SfdFrameworks().Find("sfd-2021");
  int instances = 0, improved = 0;
  int64_t nodes = 0;
  for (uint64_t seed = 1001; seed <= 1300; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    const int modules = std::uniform_int_distribution<int>(2, 12)(rng);
    OrgSnapshot org = OverlappingOrg(sfd, modules, seed);
    for (v1::TrainingModule& m : org.modules) {
      m.clear_prerequisites();
      if (std::bernoulli_distribution(0.5)(rng)) {
        m.set_hours(std::uniform_int_distribution<int>(2, 120)(rng) / 4.0);
      }
    }
    const PersonView& person = *org.FindPerson("p000001");
    Config config;
    config.budget_hours = std::uniform_int_distribution<int>(8, 240)(rng) / 4.0;
    config.include_unknown = std::bernoulli_distribution(0.3)(rng);
    if (std::bernoulli_distribution(0.5)(rng)) {
      config.budget_cost = std::uniform_int_distribution<int>(1, 40)(rng) * 75;
    }
    config.max_modules = std::bernoulli_distribution(0.3)(rng)
                             ? 100
                             : std::uniform_int_distribution<int>(1, 6)(rng);
    Oracle oracle(org, person, config);
    std::map<std::string, std::string> params = config.Params();
    params["mode"] = "auto";
    params["exact_limit"] = "1";
    params["node_limit"] = "5000";
    params["time_limit_ms"] = "0";
    ASSERT_OK_AND_ASSIGN(
        v1::MatchResponse r,
        RunMatcher(org, SfdFrameworks(), "organizations/oracle/people/p000001",
                   params));
    ++instances;
    std::vector<int> set;
    for (const auto& item : r.items()) {
      const int index = oracle.IndexOf(item.name());
      ASSERT_GE(index, 0) << item.name() << " is not allowed";
      set.push_back(index);
    }
    EXPECT_TRUE(oracle.Feasible(set));
    const double gain = r.metrics().at("total_gain");
    EXPECT_NEAR(oracle.Value(set), gain, 1e-9);
    EXPECT_NEAR(gain, oracle.opt(), 1e-9);
    EXPECT_EQ(r.metrics().at("exact"), 1);
    EXPECT_EQ(r.metrics().at("program"), 0);
    EXPECT_EQ(r.metrics().at("upper_bound"), gain);
    EXPECT_EQ(r.candidate_count(), oracle.eligible());
    nodes += static_cast<int64_t>(r.metrics().at("search_nodes"));
    if (r.metrics().at("search_nodes") > 0) ++improved;
  }
  std::cout << "ratio-order search: " << instances << " instances, " << improved
            << " searched, " << nodes << " nodes in all\n";
  EXPECT_GE(improved, 50);
}

TEST(TrainingOracleTest, MatchesBruteForce) {
  const framework::FrameworkIndex& sfd = *SfdFrameworks().Find("sfd-2021");
  const framework::FrameworkIndex& mini = *MiniFrameworks().Find("mini");
  double min_ratio = 1, min_ratio_hours_only = 1;
  int instances = 0, nontrivial = 0, constrained = 0, exact_nonempty = 0;
  int programs = 0;
  for (uint64_t seed = 1; seed <= 240; ++seed) {
    std::mt19937_64 rng(seed);
    const int modules = 8 + static_cast<int>(seed % 7);
    OrgSnapshot org;
    const framework::FrameworkRegistry* registry = &SfdFrameworks();
    switch (seed % 3) {
      case 0: {
        testing::SyntheticOptions options;
        options.people = 2;
        options.modules = modules;
        options.seed = seed;
        org = testing::MakeSyntheticOrg(sfd, options, "oracle");
        break;
      }
      case 1: {
        testing::SyntheticOptions options;
        options.people = 2;
        options.modules = modules;
        options.seed = seed;
        options.targets_per_item = 2;
        org = testing::MakeSyntheticOrg(mini, options, "oracle");
        registry = &MiniFrameworks();
        break;
      }
      default:
        org = OverlappingOrg(sfd, modules, seed);
    }
    const PersonView& person = *org.FindPerson("p000001");
    const std::string subject = "organizations/oracle/people/p000001";

    Config hours_only;
    hours_only.budget_hours = std::uniform_int_distribution<int>(10, 80)(rng);
    hours_only.include_unknown = std::bernoulli_distribution(0.3)(rng);
    Config all = hours_only;
    all.budget_cost = std::uniform_int_distribution<int>(2, 30)(rng) * 100;
    all.max_modules = std::uniform_int_distribution<int>(1, 4)(rng);
    if (std::bernoulli_distribution(0.3)(rng)) {
      const auto& refs = person.framework->IndicatorsOfTrack(person.track);
      const auto* ref = refs[rng() % refs.size()];
      all.focus = std::bernoulli_distribution(0.5)(rng)
                      ? ref->competency->code()
                      : ref->cluster->code();
      all.focus_weight = std::bernoulli_distribution(0.5)(rng) ? 3 : 1.5;
    }
    if (std::bernoulli_distribution(0.2)(rng)) all.formats = "online";

    for (const Config* config : {&hours_only, &all}) {
      SCOPED_TRACE(
          absl::StrCat("seed ", seed, config == &all ? " all" : " hours"));
      ++instances;
      Oracle oracle(org, person, *config);
      const double opt = oracle.opt();
      if (opt > 0) ++nontrivial;
      if (opt < oracle.unconstrained() - 1e-9) ++constrained;
      // "search": auto mode with exact_limit 1, so that every instance of
      // more than one candidate goes to the branch and bound in ratio
      // order; "program": the same without its nodes, so that every
      // instance the greedy plan does not prove goes to the integer
      // program.
      for (const std::string mode : {"exact", "greedy", "search", "program"}) {
        SCOPED_TRACE(mode);
        std::map<std::string, std::string> params = config->Params();
        params["mode"] = mode == "search" || mode == "program" ? "auto" : mode;
        if (mode == "search" || mode == "program") params["exact_limit"] = "1";
        if (mode == "search") params["node_limit"] = "20000";
        if (mode == "program") params["node_limit"] = "0";
        // The integer program's limit is wall-clock time: the longest
        // allowed, so that a slow (sanitizer) build still proves these
        // small instances (a CI run under ASan hit the default 200 ms).
        if (mode == "search" || mode == "program") {
          params["time_limit_ms"] = "60000";
        }
        ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                             RunMatcher(org, *registry, subject, params, 100));
        ASSERT_OK_AND_ASSIGN(v1::MatchResponse again,
                             RunMatcher(org, *registry, subject, params, 100));
        EXPECT_EQ(Bytes(r), Bytes(again));

        // The plan is allowed, feasible and worth what it says.
        std::vector<int> set;
        for (const auto& item : r.items()) {
          int index = oracle.IndexOf(item.name());
          ASSERT_GE(index, 0) << item.name() << " is not allowed";
          set.push_back(index);
        }
        EXPECT_EQ(static_cast<double>(set.size()), r.metrics().at("modules"));
        EXPECT_TRUE(oracle.Feasible(set));
        const double gain = r.metrics().at("total_gain");
        EXPECT_NEAR(oracle.Value(set), gain, 1e-9);
        double sum_of_scores = 0;
        for (const auto& item : r.items()) sum_of_scores += item.score();
        EXPECT_NEAR(sum_of_scores, gain, 1e-9);
        EXPECT_LE(gain, opt + 1e-9);
        EXPECT_GE(r.metrics().at("upper_bound"), opt - 1e-9);
        EXPECT_EQ(r.candidate_count(), oracle.eligible());

        if (mode == "search" || mode == "program") {
          EXPECT_EQ(r.metrics().at("exact"), 1);
          EXPECT_NEAR(gain, opt, 1e-9);
          // At most 2^14 subsets: the search ends within its nodes.
          if (mode == "search") {
            EXPECT_EQ(r.metrics().at("program"), 0);
          } else if (r.metrics().at("program") == 1) {
            ++programs;
          }
        } else if (mode == "exact") {
          EXPECT_EQ(r.metrics().at("exact"), 1);
          EXPECT_NEAR(gain, opt, 1e-9);
          std::vector<std::string> names = ItemNames(r);
          std::sort(names.begin(), names.end());
          EXPECT_EQ(names, oracle.best_names());
          if (!names.empty()) ++exact_nonempty;
        } else if (opt > 0) {
          const double ratio = gain / opt;
          min_ratio = std::min(min_ratio, ratio);
          if (config == &hours_only) {
            min_ratio_hours_only = std::min(min_ratio_hours_only, ratio);
            EXPECT_GE(gain, (1 - std::exp(-1.0)) * opt - 1e-9);
          }
        }
      }
    }
  }
  std::cout << "oracle: " << instances << " instances, " << nontrivial
            << " with OPT > 0, " << constrained
            << " where the constraints cut OPT below f(all), " << exact_nonempty
            << " non-empty exact plans, " << programs
            << " integer programs; min greedy/OPT " << min_ratio
            << " (hours only " << min_ratio_hours_only << ")\n";
  ::testing::Test::RecordProperty("min_greedy_ratio", absl::StrCat(min_ratio));
  EXPECT_GE(nontrivial, 300);
}

}  // namespace
}  // namespace vakwijzer::plugins
