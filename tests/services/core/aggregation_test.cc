#include "services/core/aggregation.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::core {
namespace {

using ::vakwijzer::testing::HasStatus;

// A fixed origin; times in the tests are T0 plus whole days or seconds.
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

absl::Time Day(double d) { return kT0 + absl::Hours(24 * d); }

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t s = absl::ToUnixSeconds(t);
  ts->set_seconds(s);
  ts->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
}

// One assessment by `rater` in `role` at `when`, rating each (indicator,
// level); create_time is left at the epoch unless given.
v1::Assessment Rate(v1::RaterRole role, const std::string& rater,
                    absl::Time when,
                    std::vector<std::pair<std::string, int>> ratings,
                    absl::Time created = absl::UnixEpoch()) {
  v1::Assessment a;
  a.set_rater_role(role);
  a.set_rater(rater);
  SetTime(when, a.mutable_assess_time());
  SetTime(created, a.mutable_create_time());
  for (const auto& [indicator, level] : ratings) {
    v1::Rating* r = a.add_ratings();
    r->set_indicator(indicator);
    r->set_level(level);
  }
  return a;
}

// One rating of indicator "i".
v1::Assessment Rate1(v1::RaterRole role, const std::string& rater,
                     absl::Time when, int level,
                     absl::Time created = absl::UnixEpoch()) {
  return Rate(role, rater, when, {{"i", level}}, created);
}

AggregationOptions With(v1::AggregationPolicy policy) {
  AggregationOptions options;
  options.policy = policy;
  return options;
}

// The level of indicator "i"; fails the test when it is absent.
v1::IndicatorLevel LevelOfI(const std::vector<v1::Assessment>& history,
                            const AggregationOptions& options) {
  EXPECT_OK(ValidateOptions(options));
  std::map<std::string, v1::IndicatorLevel> levels =
      AggregateLevels(history, options);
  auto it = levels.find("i");
  EXPECT_NE(it, levels.end());
  return it == levels.end() ? v1::IndicatorLevel() : it->second;
}

// ------------------------------------------------------------------------
// WEIGHTED

TEST(AggregationTest, WeightedCombinesRoleMeansWithDefaultWeights) {
  const std::vector<v1::Assessment> history = {
      Rate1(v1::SELF, "ann", Day(0), 4),
      Rate1(v1::MANAGER, "mia", Day(1), 2),
      Rate1(v1::PEER, "piet", Day(2), 3),
      Rate1(v1::PEER, "pam", Day(3), 1),
  };
  v1::IndicatorLevel got = LevelOfI(history, With(v1::WEIGHTED));
  // (0.5*4 + 1.0*2 + 0.75*mean(3,1)) / (0.5 + 1.0 + 0.75)
  //   = (2 + 2 + 1.5) / 2.25 = 5.5 / 2.25 = 22/9.
  EXPECT_DOUBLE_EQ(got.level(), 22.0 / 9.0);
  EXPECT_EQ(got.indicator(), "i");
  EXPECT_EQ(got.rating_count(), 4);
  EXPECT_DOUBLE_EQ(got.spread(), 3);  // 4 - 1
  EXPECT_TRUE(got.disagreement());
  EXPECT_DOUBLE_EQ(got.self_level(), 4);
  EXPECT_DOUBLE_EQ(got.others_level(), 2);  // mean(2, 3, 1)
  EXPECT_TRUE(got.blind_spot());            // 4 - 2 >= 1
  EXPECT_EQ(got.last_assess_time().seconds(), absl::ToUnixSeconds(Day(3)));
}

TEST(AggregationTest, DefaultPolicyIsWeightedWithDocumentedWeights) {
  AggregationOptions options;
  EXPECT_EQ(options.policy, v1::WEIGHTED);
  EXPECT_EQ(options.weights.Of(v1::SELF), 0.5);
  EXPECT_EQ(options.weights.Of(v1::PEER), 0.75);
  EXPECT_EQ(options.weights.Of(v1::MANAGER), 1.0);
  EXPECT_EQ(options.weights.Of(v1::ASSESSOR), 1.0);
  EXPECT_EQ(options.weights.Of(v1::RATER_ROLE_UNSPECIFIED), 0);
}

TEST(AggregationTest, WeightedUsesOnlyTheLatestRatingOfEachRater) {
  // The newer rating of "mia" comes first in the input: order is by time.
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(5), 2),
      Rate1(v1::SELF, "ann", Day(1), 4),
      Rate1(v1::MANAGER, "mia", Day(2), 1),
  };
  v1::IndicatorLevel got = LevelOfI(history, With(v1::WEIGHTED));
  // mia's 1 is superseded by her 2: (0.5*4 + 1.0*2) / 1.5 = 4 / 1.5 = 8/3.
  // (Had it counted: (0.5*4 + 1.0*mean(1,2)) / 1.5 = 3.5 / 1.5 = 7/3.)
  EXPECT_DOUBLE_EQ(got.level(), 8.0 / 3.0);
  EXPECT_EQ(got.rating_count(), 3);   // every rating counts here
  EXPECT_DOUBLE_EQ(got.spread(), 2);  // latest per rater: 4 and 2
}

TEST(AggregationTest, WeightedAveragesRatersWithinARoleFirst) {
  // Three peers 1, 2, 3 and one manager 4: roles weigh, not raters.
  const std::vector<v1::Assessment> history = {
      Rate1(v1::PEER, "p1", Day(0), 1),
      Rate1(v1::PEER, "p2", Day(0), 2),
      Rate1(v1::PEER, "p3", Day(0), 3),
      Rate1(v1::ASSESSOR, "evc", Day(0), 4),
  };
  // (0.75*mean(1,2,3) + 1.0*4) / (0.75 + 1.0) = (1.5 + 4) / 1.75 = 22/7.
  EXPECT_DOUBLE_EQ(LevelOfI(history, With(v1::WEIGHTED)).level(), 22.0 / 7.0);
}

TEST(AggregationTest, WeightedWithCustomWeights) {
  AggregationOptions options = With(v1::WEIGHTED);
  options.weights.self = 1;
  options.weights.manager = 3;
  const std::vector<v1::Assessment> history = {
      Rate1(v1::SELF, "ann", Day(0), 4),
      Rate1(v1::MANAGER, "mia", Day(0), 2),
  };
  // (1*4 + 3*2) / (1 + 3) = 10 / 4 = 2.5.
  EXPECT_DOUBLE_EQ(LevelOfI(history, options).level(), 2.5);
}

TEST(AggregationTest, SameRaterIdInTwoRolesCountsAsTwoRaters) {
  const std::vector<v1::Assessment> history = {
      Rate1(v1::PEER, "kim", Day(0), 1),
      Rate1(v1::MANAGER, "kim", Day(1), 3),
  };
  // (0.75*1 + 1.0*3) / 1.75 = 3.75 / 1.75 = 15/7.
  EXPECT_DOUBLE_EQ(LevelOfI(history, With(v1::WEIGHTED)).level(), 15.0 / 7.0);
}

// ------------------------------------------------------------------------
// LATEST, HIGHEST, LOWEST

TEST(AggregationTest, LatestTakesTheMostRecentRating) {
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(0), 4),
      Rate1(v1::PEER, "piet", Day(2), 1),
      Rate1(v1::SELF, "ann", Day(1), 3),
  };
  v1::IndicatorLevel got = LevelOfI(history, With(v1::LATEST));
  EXPECT_DOUBLE_EQ(got.level(), 1);
  EXPECT_EQ(got.last_assess_time().seconds(), absl::ToUnixSeconds(Day(2)));
}

TEST(AggregationTest, LatestTieOnAssessTimeBrokenByCreateTime) {
  // Same assess_time; the one recorded later (create_time) wins even though
  // it comes first in the input.
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(1), 2, kT0 + absl::Seconds(5)),
      Rate1(v1::PEER, "piet", Day(1), 4, kT0 + absl::Seconds(1)),
  };
  EXPECT_DOUBLE_EQ(LevelOfI(history, With(v1::LATEST)).level(), 2);
}

TEST(AggregationTest, LatestFullTieBrokenByInputPosition) {
  const absl::Time created = kT0 + absl::Seconds(9);
  const std::vector<v1::Assessment> forward = {
      Rate1(v1::MANAGER, "mia", Day(1), 2, created),
      Rate1(v1::PEER, "piet", Day(1), 3, created),
  };
  EXPECT_DOUBLE_EQ(LevelOfI(forward, With(v1::LATEST)).level(), 3);
  const std::vector<v1::Assessment> backward = {forward[1], forward[0]};
  EXPECT_DOUBLE_EQ(LevelOfI(backward, With(v1::LATEST)).level(), 2);
}

TEST(AggregationTest, TieBreakAlsoDecidesTheLatestRatingOfARater) {
  // Two assessments by the same rater at the same assess_time: the one
  // created later is the rater's latest.
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(1), 1, kT0 + absl::Seconds(7)),
      Rate1(v1::MANAGER, "mia", Day(1), 3, kT0 + absl::Seconds(2)),
  };
  v1::IndicatorLevel got = LevelOfI(history, With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.level(), 1);
  EXPECT_DOUBLE_EQ(got.spread(), 0);  // one rater
}

TEST(AggregationTest, HighestAndLowestOverEveryRatingEverGiven) {
  // mia's 4 is superseded by her 2, but it was given: HIGHEST sees it.
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(0), 4),
      Rate1(v1::MANAGER, "mia", Day(3), 2),
      Rate1(v1::PEER, "piet", Day(1), 1),
      Rate1(v1::SELF, "ann", Day(2), 3),
  };
  EXPECT_DOUBLE_EQ(LevelOfI(history, With(v1::HIGHEST)).level(), 4);
  EXPECT_DOUBLE_EQ(LevelOfI(history, With(v1::LOWEST)).level(), 1);
}

TEST(AggregationTest, SingleRatingUnderEveryPolicy) {
  const std::vector<v1::Assessment> history = {
      Rate1(v1::PEER, "piet", Day(0), 3)};
  for (v1::AggregationPolicy policy :
       {v1::WEIGHTED, v1::LATEST, v1::HIGHEST, v1::LOWEST, v1::DECAYING}) {
    SCOPED_TRACE(v1::AggregationPolicy_Name(policy));
    AggregationOptions options = With(policy);
    options.as_of = Day(30);
    v1::IndicatorLevel got = LevelOfI(history, options);
    EXPECT_DOUBLE_EQ(got.level(), 3);
    EXPECT_EQ(got.rating_count(), 1);
    EXPECT_DOUBLE_EQ(got.spread(), 0);
    EXPECT_FALSE(got.disagreement());
  }
}

// ------------------------------------------------------------------------
// DECAYING

TEST(AggregationTest, DecayingHalvesWeightAfterOneHalfLife) {
  AggregationOptions options = With(v1::DECAYING);
  options.half_life_days = 10;
  options.as_of = Day(10);
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(0), 4),   // 10 days old: weight 1 * 0.5
      Rate1(v1::MANAGER, "mia", Day(10), 2),  // 0 days old: weight 1
  };
  // Every rating counts, not just the latest: (0.5*4 + 1*2) / 1.5 = 8/3.
  EXPECT_DOUBLE_EQ(LevelOfI(history, options).level(), 8.0 / 3.0);
}

TEST(AggregationTest, DecayingMultipliesRoleWeightAndDecay) {
  AggregationOptions options = With(v1::DECAYING);
  options.half_life_days = 10;
  options.as_of = Day(20);
  const std::vector<v1::Assessment> history = {
      Rate1(v1::SELF, "ann", Day(20), 4),  // 0.5 * 1 = 0.5
      Rate1(v1::PEER, "piet", Day(0), 2),  // 0.75 * 0.5^2 = 0.1875
  };
  // (0.5*4 + 0.1875*2) / (0.5 + 0.1875) = 2.375 / 0.6875 = 38/11.
  EXPECT_DOUBLE_EQ(LevelOfI(history, options).level(), 38.0 / 11.0);
}

TEST(AggregationTest, DecayingWithoutAsOfWeighsOnlyByRole) {
  AggregationOptions options = With(v1::DECAYING);
  options.half_life_days = 1;
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(0), 4),
      Rate1(v1::MANAGER, "mia", Day(100), 2),
      Rate1(v1::SELF, "ann", Day(50), 1),
  };
  // No decay: (1*4 + 1*2 + 0.5*1) / (1 + 1 + 0.5) = 6.5 / 2.5 = 2.6.
  EXPECT_DOUBLE_EQ(LevelOfI(history, options).level(), 2.6);
}

TEST(AggregationTest, DecayingFallsBackToLatestWhenAllWeightsUnderflow) {
  AggregationOptions options = With(v1::DECAYING);
  options.half_life_days = 1;
  options.as_of = Day(5000);  // 0.5^4999 underflows to 0
  const std::vector<v1::Assessment> history = {
      Rate1(v1::MANAGER, "mia", Day(1), 3),
      Rate1(v1::MANAGER, "mia", Day(0), 1),
  };
  EXPECT_DOUBLE_EQ(LevelOfI(history, options).level(), 3);
}

// ------------------------------------------------------------------------
// as_of

TEST(AggregationTest, AssessmentsAfterAsOfAreIgnored) {
  AggregationOptions options = With(v1::WEIGHTED);
  options.as_of = Day(1);
  const std::vector<v1::Assessment> history = {
      Rate(v1::MANAGER, "mia", Day(0), {{"i", 2}, {"j", 1}}),
      Rate(v1::MANAGER, "mia", Day(1), {{"j", 3}}),  // at as_of: counts
      Rate(v1::MANAGER, "mia", Day(2), {{"i", 4}, {"k", 4}}),
  };
  std::map<std::string, v1::IndicatorLevel> levels =
      AggregateLevels(history, options);
  ASSERT_EQ(levels.size(), 2u);  // "k" was rated only after as_of
  EXPECT_DOUBLE_EQ(levels["i"].level(), 2);
  EXPECT_EQ(levels["i"].rating_count(), 1);
  EXPECT_EQ(levels["i"].last_assess_time().seconds(),
            absl::ToUnixSeconds(Day(0)));
  EXPECT_DOUBLE_EQ(levels["j"].level(), 3);
  EXPECT_EQ(levels["j"].rating_count(), 2);
  EXPECT_EQ(levels.count("k"), 0u);
}

TEST(AggregationTest, EverythingAfterAsOfLeavesNoLevels) {
  AggregationOptions options = With(v1::LATEST);
  options.as_of = Day(-1);
  EXPECT_TRUE(
      AggregateLevels({Rate1(v1::SELF, "ann", Day(0), 3)}, options).empty());
}

// ------------------------------------------------------------------------
// Which indicators, counts and times

TEST(AggregationTest, OnlyRatedIndicatorsArePresent) {
  const std::vector<v1::Assessment> history = {
      Rate(v1::PEER, "piet", Day(0), {{"a", 1}, {"b", 2}}),
      Rate(v1::SELF, "ann", Day(1), {{"b", 4}, {"c", 0}}),
  };
  std::map<std::string, v1::IndicatorLevel> levels =
      AggregateLevels(history, With(v1::LATEST));
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_DOUBLE_EQ(levels["a"].level(), 1);
  EXPECT_EQ(levels["a"].rating_count(), 1);
  EXPECT_DOUBLE_EQ(levels["b"].level(), 4);
  EXPECT_EQ(levels["b"].rating_count(), 2);
  // Level 0 is a level, not "unknown".
  EXPECT_DOUBLE_EQ(levels["c"].level(), 0);
  EXPECT_EQ(levels["c"].indicator(), "c");
  EXPECT_EQ(levels.count("d"), 0u);
  EXPECT_TRUE(AggregateLevels({}, With(v1::WEIGHTED)).empty());
}

TEST(AggregationTest, LastAssessTimeKeepsNanos) {
  const absl::Time when = Day(3) + absl::Nanoseconds(123456789);
  v1::IndicatorLevel got =
      LevelOfI({Rate1(v1::PEER, "p", Day(1), 2), Rate1(v1::PEER, "q", when, 2)},
               With(v1::WEIGHTED));
  EXPECT_EQ(got.last_assess_time().seconds(), absl::ToUnixSeconds(Day(3)));
  EXPECT_EQ(got.last_assess_time().nanos(), 123456789);
}

// ------------------------------------------------------------------------
// Spread, disagreement, blind spots

TEST(AggregationTest, SpreadOfTwoIsDisagreementAtDefaultThreshold) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::PEER, "p", Day(0), 1), Rate1(v1::MANAGER, "m", Day(0), 3)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.spread(), 2);  // 3 - 1, exactly the threshold
  EXPECT_TRUE(got.disagreement());
}

TEST(AggregationTest, SpreadOfOneIsNoDisagreement) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::PEER, "p", Day(0), 2), Rate1(v1::MANAGER, "m", Day(0), 3)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.spread(), 1);
  EXPECT_FALSE(got.disagreement());
}

TEST(AggregationTest, SpreadUsesLatestRatingOfEachRater) {
  // p once rated 0, then 3; m rated 3: latest ratings 3 and 3.
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::PEER, "p", Day(0), 0), Rate1(v1::PEER, "p", Day(1), 3),
       Rate1(v1::MANAGER, "m", Day(0), 3)},
      With(v1::LOWEST));
  EXPECT_DOUBLE_EQ(got.spread(), 0);
  EXPECT_FALSE(got.disagreement());
  EXPECT_DOUBLE_EQ(got.level(), 0);  // LOWEST still sees the 0
}

TEST(AggregationTest, DisagreementThresholdIsAnOption) {
  AggregationOptions options = With(v1::WEIGHTED);
  options.disagreement_spread = 3;
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::PEER, "p", Day(0), 1), Rate1(v1::MANAGER, "m", Day(0), 3)},
      options);
  EXPECT_FALSE(got.disagreement());  // spread 2 < 3
}

TEST(AggregationTest, BlindSpotWhenSelfClearlyAboveOthers) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::SELF, "ann", Day(0), 4), Rate1(v1::PEER, "p", Day(0), 2),
       Rate1(v1::MANAGER, "m", Day(0), 3)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.self_level(), 4);
  EXPECT_DOUBLE_EQ(got.others_level(), 2.5);  // mean(2, 3)
  EXPECT_TRUE(got.blind_spot());              // 4 - 2.5 = 1.5 >= 1
}

TEST(AggregationTest, NoBlindSpotWhenSelfOnlySlightlyAbove) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::SELF, "ann", Day(0), 3), Rate1(v1::PEER, "p", Day(0), 2),
       Rate1(v1::MANAGER, "m", Day(0), 3)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.others_level(), 2.5);
  EXPECT_FALSE(got.blind_spot());  // 3 - 2.5 = 0.5 < 1
}

TEST(AggregationTest, BlindSpotAtExactlyTheMargin) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::SELF, "ann", Day(0), 3), Rate1(v1::PEER, "p", Day(0), 2)},
      With(v1::WEIGHTED));
  EXPECT_TRUE(got.blind_spot());  // 3 - 2 = 1 >= 1
}

TEST(AggregationTest, BlindSpotMarginIsAnOption) {
  AggregationOptions options = With(v1::WEIGHTED);
  options.blind_spot_margin = 2;
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::SELF, "ann", Day(0), 4), Rate1(v1::PEER, "p", Day(0), 2),
       Rate1(v1::MANAGER, "m", Day(0), 3)},
      options);
  EXPECT_FALSE(got.blind_spot());  // 1.5 < 2
}

TEST(AggregationTest, BlindSpotUsesLatestSelfRating) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::SELF, "ann", Day(0), 4), Rate1(v1::SELF, "ann", Day(2), 2),
       Rate1(v1::PEER, "p", Day(1), 2)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.self_level(), 2);
  EXPECT_FALSE(got.blind_spot());  // 2 - 2 = 0
}

TEST(AggregationTest, NoOthersMeansNoBlindSpot) {
  v1::IndicatorLevel got =
      LevelOfI({Rate1(v1::SELF, "ann", Day(0), 4)}, With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.self_level(), 4);
  EXPECT_DOUBLE_EQ(got.others_level(), -1);
  EXPECT_FALSE(got.blind_spot());
}

TEST(AggregationTest, NoSelfMeansSelfLevelMinusOne) {
  v1::IndicatorLevel got = LevelOfI(
      {Rate1(v1::PEER, "p", Day(0), 0), Rate1(v1::ASSESSOR, "a", Day(0), 1)},
      With(v1::WEIGHTED));
  EXPECT_DOUBLE_EQ(got.self_level(), -1);
  EXPECT_DOUBLE_EQ(got.others_level(), 0.5);
  EXPECT_FALSE(got.blind_spot());
}

// ------------------------------------------------------------------------
// ValidateOptions

TEST(AggregationOptionsTest, DefaultsAndEveryPolicyAreValid) {
  EXPECT_OK(ValidateOptions(AggregationOptions()));
  for (v1::AggregationPolicy policy :
       {v1::WEIGHTED, v1::LATEST, v1::HIGHEST, v1::LOWEST, v1::DECAYING}) {
    EXPECT_OK(ValidateOptions(With(policy)));
  }
}

TEST(AggregationOptionsTest, RejectsUnspecifiedOrUnknownPolicy) {
  EXPECT_TRUE(
      HasStatus(ValidateOptions(With(v1::AGGREGATION_POLICY_UNSPECIFIED)),
                absl::StatusCode::kInvalidArgument, "policy"));
  EXPECT_TRUE(
      HasStatus(ValidateOptions(With(static_cast<v1::AggregationPolicy>(99))),
                absl::StatusCode::kInvalidArgument, "policy"));
}

TEST(AggregationOptionsTest, RejectsNonPositiveOrNonFiniteWeights) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double RoleWeights::*weight;
    double value;
    const char* field;
  };
  for (const Case& c :
       {Case{&RoleWeights::self, 0, "role_weights.self"},
        Case{&RoleWeights::peer, -1, "role_weights.peer"},
        Case{&RoleWeights::manager, nan, "role_weights.manager"},
        Case{&RoleWeights::assessor, inf, "role_weights.assessor"},
        Case{&RoleWeights::self, -0.0, "role_weights.self"}}) {
    SCOPED_TRACE(c.field);
    AggregationOptions options;
    options.weights.*c.weight = c.value;
    EXPECT_TRUE(HasStatus(ValidateOptions(options),
                          absl::StatusCode::kInvalidArgument, c.field));
  }
}

TEST(AggregationOptionsTest, RejectsNonPositiveHalfLife) {
  for (double half_life : {0.0, -5.0, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(half_life);
    AggregationOptions options = With(v1::DECAYING);
    options.half_life_days = half_life;
    EXPECT_TRUE(HasStatus(ValidateOptions(options),
                          absl::StatusCode::kInvalidArgument,
                          "half_life_days"));
  }
}

TEST(AggregationOptionsTest, AcceptsSmallPositiveValues) {
  AggregationOptions options = With(v1::DECAYING);
  options.half_life_days = 0.01;
  options.weights.self = 1e-6;
  EXPECT_OK(ValidateOptions(options));
}

// ------------------------------------------------------------------------
// Incremental aggregation (LevelState) against AggregateLevels

// Random histories with many ties (few distinct times, raters and levels),
// added to a LevelState in a random order: every indicator's level under
// every policy equals the full aggregation over the history, exactly.
TEST(LevelStateTest, EqualsFullAggregationOnRandomHistories) {
  std::mt19937 rng(20261203);
  const std::vector<v1::RaterRole> roles = {v1::SELF, v1::PEER, v1::MANAGER,
                                            v1::ASSESSOR};
  const std::vector<std::string> raters = {"ann", "bob", "cem"};
  int compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int assessments = 1 + static_cast<int>(rng() % 12);
    std::vector<v1::Assessment> history;
    for (int a = 0; a < assessments; ++a) {
      std::vector<std::pair<std::string, int>> ratings;
      for (int i = 0; i < 5; ++i) {
        if (rng() % 2) ratings.emplace_back(absl::StrCat("i", i), rng() % 5);
      }
      if (ratings.empty()) ratings.emplace_back("i0", rng() % 5);
      v1::Assessment x =
          Rate(roles[rng() % roles.size()], raters[rng() % raters.size()],
               Day(static_cast<double>(rng() % 3)), ratings,
               kT0 + absl::Seconds(static_cast<double>(rng() % 2)));
      x.set_name(absl::StrFormat("organizations/o/people/p/assessments/a%03d",
                                 static_cast<int>(rng() % 1000)) +
                 absl::StrCat("-", a));
      history.push_back(std::move(x));
    }
    std::vector<v1::Assessment> order = history;
    std::shuffle(order.begin(), order.end(), rng);
    storage::LevelState state;
    for (const v1::Assessment& x : order) AddToLevelState(x, &state);
    ASSERT_EQ(state.assessment_count(), assessments);
    ASSERT_TRUE(std::is_sorted(state.indicators().begin(),
                               state.indicators().end(),
                               [](const auto& a, const auto& b) {
                                 return a.indicator() < b.indicator();
                               }));
    for (v1::AggregationPolicy policy :
         {v1::WEIGHTED, v1::LATEST, v1::HIGHEST, v1::LOWEST, v1::DECAYING}) {
      AggregationOptions options = With(policy);
      options.weights.peer = 0.3 + 0.1 * static_cast<double>(rng() % 5);
      const std::map<std::string, v1::IndicatorLevel> full =
          AggregateLevels(history, options);
      ASSERT_EQ(static_cast<size_t>(state.indicators_size()), full.size());
      for (const storage::IndicatorState& ind : state.indicators()) {
        const v1::IndicatorLevel got = LevelFromState(state, ind, options);
        const auto it = full.find(ind.indicator());
        ASSERT_NE(it, full.end());
        EXPECT_TRUE(
            google::protobuf::util::MessageDifferencer::Equals(got, it->second))
            << "trial " << trial << " policy " << policy << "\nstate:\n"
            << got.DebugString() << "full:\n"
            << it->second.DebugString();
        ++compared;
      }
    }
    // Only sources some rater's latest rating comes from are kept.
    std::vector<bool> used(state.sources_size(), false);
    for (const storage::IndicatorState& ind : state.indicators()) {
      for (int source : ind.rater_source()) used[source] = true;
    }
    EXPECT_EQ(std::count(used.begin(), used.end(), true), state.sources_size());
  }
  EXPECT_GT(compared, 5000);
}

TEST(LevelStateTest, ALaterRatingOfTheSameRaterReplacesTheEarlier) {
  storage::LevelState state;
  v1::Assessment late = Rate1(v1::MANAGER, "mia", Day(2), 4);
  late.set_name("b");
  v1::Assessment early = Rate1(v1::MANAGER, "mia", Day(1), 1);
  early.set_name("a");
  AddToLevelState(late, &state);
  AddToLevelState(early, &state);  // older: counted, but not the latest
  ASSERT_EQ(state.indicators_size(), 1);
  const storage::IndicatorState& ind = state.indicators(0);
  EXPECT_EQ(ind.rating_count(), 2);
  EXPECT_EQ(ind.min_level(), 1);
  EXPECT_EQ(ind.max_level(), 4);
  ASSERT_EQ(ind.rater_level_size(), 1);
  EXPECT_EQ(ind.rater_level(0), 4);
  ASSERT_EQ(state.sources_size(), 1);  // "a" is no rater's latest
  EXPECT_EQ(state.sources(0).name(), "b");
  EXPECT_DOUBLE_EQ(LevelFromState(state, ind, With(v1::WEIGHTED)).level(), 4);
  EXPECT_DOUBLE_EQ(LevelFromState(state, ind, With(v1::DECAYING)).level(), 2.5);
}

}  // namespace
}  // namespace vakwijzer::core
