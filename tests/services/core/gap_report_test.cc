#include "services/core/gap_report.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/framework_registry.h"
#include "framework/text_io.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::core {
namespace {

// The mini framework (tests/data/frameworks/mini.textproto):
//   cluster A "Alpha": A.1 "First"  junior j-a1-1, j-a1-2; senior s-a1-1
//                      A.2 "Second" junior j-a2-1;         senior s-a2-1
//   cluster B "Beta":  B.1 "Third"  junior j-b1-1;         senior s-b1-1
// Stages: basic -> 1, good -> 2. Scale 0..3.
class GapReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::string> text = framework::ReadFile(
        VAKWIJZER_TEST_DATA_DIR "/frameworks/mini.textproto");
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<std::unique_ptr<framework::FrameworkIndex>> fw =
        framework::FrameworkRegistry::ParseFramework(*text, "mini.textproto");
    ASSERT_TRUE(fw.ok()) << fw.status();
    mini_ = fw->release();
  }
  static void TearDownTestSuite() {
    delete mini_;
    mini_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(mini_, nullptr); }

  static const framework::FrameworkIndex& mini() { return *mini_; }

  static const framework::FrameworkIndex* mini_;
};

const framework::FrameworkIndex* GapReportTest::mini_ = nullptr;

v1::IndicatorLevel Level(const std::string& id, double level,
                         bool disagreement = false, bool blind_spot = false) {
  v1::IndicatorLevel l;
  l.set_indicator(id);
  l.set_level(level);
  l.set_rating_count(1);
  l.set_disagreement(disagreement);
  l.set_blind_spot(blind_spot);
  return l;
}

std::map<std::string, v1::IndicatorLevel> Levels(
    const std::vector<v1::IndicatorLevel>& levels) {
  std::map<std::string, v1::IndicatorLevel> out;
  for (const v1::IndicatorLevel& l : levels) out[l.indicator()] = l;
  return out;
}

std::vector<std::string> IndicatorIds(const v1::GapReport& report) {
  std::vector<std::string> out;
  for (const v1::IndicatorGap& g : report.indicators()) {
    out.push_back(g.indicator());
  }
  return out;
}

std::vector<std::string> AsVector(
    const google::protobuf::RepeatedPtrField<std::string>& field) {
  return std::vector<std::string>(field.begin(), field.end());
}

// The junior track against target 2 ("good"), with
//   j-a1-1 1.0 (gap 1), j-a1-2 2.5 (above target: gap 0), j-a2-1 unknown,
//   j-b1-1 0.5 (gap 1.5); s-a1-1 rated but of the other track.
v1::GapReport JuniorReport(const framework::FrameworkIndex& fw,
                           int top_n = 10) {
  return BuildGapReport(fw, "junior", 2,
                        Levels({Level("j-a1-1", 1.0), Level("j-a1-2", 2.5),
                                Level("j-b1-1", 0.5), Level("s-a1-1", 0)}),
                        top_n);
}

TEST_F(GapReportTest, ListsEveryIndicatorOfTheTrackInFrameworkOrder) {
  v1::GapReport report = JuniorReport(mini());
  EXPECT_EQ(IndicatorIds(report),
            (std::vector<std::string>{"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"}));
  EXPECT_EQ(report.target_level(), 2);
}

TEST_F(GapReportTest, IndicatorsOfTheOtherTrackNeverAppear) {
  v1::GapReport report = JuniorReport(mini());
  for (const v1::IndicatorGap& g : report.indicators()) {
    EXPECT_NE(g.indicator().rfind("s-", 0), 0u) << g.indicator();
  }
  for (const std::string& id : report.unknown_indicators()) {
    EXPECT_NE(id.rfind("s-", 0), 0u) << id;
  }
  for (const std::string& id : report.top_gaps()) {
    EXPECT_NE(id.rfind("s-", 0), 0u) << id;
  }
}

TEST_F(GapReportTest, GapPerIndicator) {
  v1::GapReport report = JuniorReport(mini());
  ASSERT_EQ(report.indicators_size(), 4);

  const v1::IndicatorGap& a11 = report.indicators(0);
  EXPECT_EQ(a11.indicator(), "j-a1-1");
  EXPECT_EQ(a11.competency(), "A.1");
  EXPECT_EQ(a11.cluster(), "A");
  EXPECT_EQ(a11.text(), "Junior A.1 one.");
  EXPECT_EQ(a11.target(), 2);
  EXPECT_TRUE(a11.known());
  EXPECT_DOUBLE_EQ(a11.gap(), 1.0);  // 2 - 1.0
  EXPECT_DOUBLE_EQ(a11.current().level(), 1.0);
  EXPECT_EQ(a11.current().indicator(), "j-a1-1");

  const v1::IndicatorGap& a12 = report.indicators(1);
  EXPECT_TRUE(a12.known());
  EXPECT_DOUBLE_EQ(a12.gap(), 0);  // max(0, 2 - 2.5)
  EXPECT_DOUBLE_EQ(a12.current().level(), 2.5);

  const v1::IndicatorGap& a21 = report.indicators(2);
  EXPECT_EQ(a21.indicator(), "j-a2-1");
  EXPECT_EQ(a21.competency(), "A.2");
  EXPECT_FALSE(a21.known());
  EXPECT_DOUBLE_EQ(a21.gap(), 0);
  EXPECT_FALSE(a21.has_current());
  EXPECT_EQ(a21.target(), 2);

  const v1::IndicatorGap& b11 = report.indicators(3);
  EXPECT_EQ(b11.cluster(), "B");
  EXPECT_TRUE(b11.known());
  EXPECT_DOUBLE_EQ(b11.gap(), 1.5);  // 2 - 0.5
}

TEST_F(GapReportTest, UnknownIndicatorsInFrameworkOrder) {
  // Only j-a1-2 rated: the other three junior indicators are unknown.
  v1::GapReport report =
      BuildGapReport(mini(), "junior", 2, Levels({Level("j-a1-2", 1)}), 10);
  EXPECT_EQ(AsVector(report.unknown_indicators()),
            (std::vector<std::string>{"j-a1-1", "j-a2-1", "j-b1-1"}));
  EXPECT_EQ(AsVector(JuniorReport(mini()).unknown_indicators()),
            std::vector<std::string>{"j-a2-1"});
}

TEST_F(GapReportTest, CompetencySummaries) {
  v1::GapReport report = JuniorReport(mini());
  ASSERT_EQ(report.competencies_size(), 3);

  // A.1: j-a1-1 gap 1, j-a1-2 gap 0; targets 2 + 2.
  const v1::GapSummary& a1 = report.competencies(0);
  EXPECT_EQ(a1.code(), "A.1");
  EXPECT_EQ(a1.title(), "First");
  EXPECT_EQ(a1.indicator_count(), 2);
  EXPECT_EQ(a1.known_count(), 2);
  EXPECT_EQ(a1.unknown_count(), 0);
  EXPECT_DOUBLE_EQ(a1.mean_gap(), 0.5);         // (1 + 0) / 2
  EXPECT_DOUBLE_EQ(a1.share_at_target(), 0.5);  // 1 of 2
  EXPECT_DOUBLE_EQ(a1.readiness(), 0.75);       // 1 - 1 / 4
  EXPECT_DOUBLE_EQ(a1.coverage(), 1.0);         // 2 / 2

  // A.2: only j-a2-1, unknown. Nothing known: no gap, no readiness.
  const v1::GapSummary& a2 = report.competencies(1);
  EXPECT_EQ(a2.code(), "A.2");
  EXPECT_EQ(a2.title(), "Second");
  EXPECT_EQ(a2.indicator_count(), 1);
  EXPECT_EQ(a2.known_count(), 0);
  EXPECT_EQ(a2.unknown_count(), 1);
  EXPECT_DOUBLE_EQ(a2.mean_gap(), 0);
  EXPECT_DOUBLE_EQ(a2.share_at_target(), 0);
  EXPECT_DOUBLE_EQ(a2.readiness(), 0);
  EXPECT_DOUBLE_EQ(a2.coverage(), 0);

  // B.1: j-b1-1 gap 1.5 of target 2.
  const v1::GapSummary& b1 = report.competencies(2);
  EXPECT_EQ(b1.code(), "B.1");
  EXPECT_EQ(b1.indicator_count(), 1);
  EXPECT_EQ(b1.known_count(), 1);
  EXPECT_DOUBLE_EQ(b1.mean_gap(), 1.5);
  EXPECT_DOUBLE_EQ(b1.share_at_target(), 0);
  EXPECT_DOUBLE_EQ(b1.readiness(), 0.25);  // 1 - 1.5 / 2
  EXPECT_DOUBLE_EQ(b1.coverage(), 1.0);
}

TEST_F(GapReportTest, ClusterSummaries) {
  v1::GapReport report = JuniorReport(mini());
  ASSERT_EQ(report.clusters_size(), 2);

  // A: j-a1-1 (gap 1), j-a1-2 (gap 0), j-a2-1 (unknown).
  const v1::GapSummary& a = report.clusters(0);
  EXPECT_EQ(a.code(), "A");
  EXPECT_EQ(a.title(), "Alpha");
  EXPECT_EQ(a.indicator_count(), 3);
  EXPECT_EQ(a.known_count(), 2);
  EXPECT_EQ(a.unknown_count(), 1);
  EXPECT_DOUBLE_EQ(a.mean_gap(), 0.5);         // (1 + 0) / 2 known
  EXPECT_DOUBLE_EQ(a.share_at_target(), 0.5);  // 1 of 2 known
  EXPECT_DOUBLE_EQ(a.readiness(), 0.75);       // 1 - 1 / (2 + 2)
  EXPECT_DOUBLE_EQ(a.coverage(), 2.0 / 3.0);   // 2 known of 3

  // B: j-b1-1 (gap 1.5).
  const v1::GapSummary& b = report.clusters(1);
  EXPECT_EQ(b.code(), "B");
  EXPECT_EQ(b.title(), "Beta");
  EXPECT_EQ(b.indicator_count(), 1);
  EXPECT_EQ(b.known_count(), 1);
  EXPECT_EQ(b.unknown_count(), 0);
  EXPECT_DOUBLE_EQ(b.mean_gap(), 1.5);
  EXPECT_DOUBLE_EQ(b.share_at_target(), 0);
  EXPECT_DOUBLE_EQ(b.readiness(), 0.25);
  EXPECT_DOUBLE_EQ(b.coverage(), 1.0);
}

TEST_F(GapReportTest, OverallSummary) {
  v1::GapReport report = JuniorReport(mini());
  const v1::GapSummary& all = report.overall();
  EXPECT_EQ(all.code(), "overall");
  EXPECT_EQ(all.indicator_count(), 4);
  EXPECT_EQ(all.known_count(), 3);
  EXPECT_EQ(all.unknown_count(), 1);
  EXPECT_DOUBLE_EQ(all.mean_gap(), 2.5 / 3.0);         // (1 + 0 + 1.5) / 3
  EXPECT_DOUBLE_EQ(all.share_at_target(), 1.0 / 3.0);  // j-a1-2 only
  EXPECT_DOUBLE_EQ(all.readiness(), 7.0 / 12.0);       // 1 - 2.5 / 6
  EXPECT_DOUBLE_EQ(all.coverage(), 0.75);              // 3 / 4
}

TEST_F(GapReportTest, TopGapsLargestFirstWithoutZeroGaps) {
  v1::GapReport report = JuniorReport(mini());
  // j-b1-1 1.5, j-a1-1 1.0; j-a1-2 has no gap, j-a2-1 is unknown.
  EXPECT_EQ(AsVector(report.top_gaps()),
            (std::vector<std::string>{"j-b1-1", "j-a1-1"}));
}

TEST_F(GapReportTest, TopGapTiesInFrameworkOrder) {
  // Gaps against target 2: j-a1-1 1, j-a1-2 2, j-a2-1 1, j-b1-1 2.
  const auto levels = Levels({Level("j-b1-1", 0), Level("j-a2-1", 1),
                              Level("j-a1-2", 0), Level("j-a1-1", 1)});
  v1::GapReport report = BuildGapReport(mini(), "junior", 2, levels, 10);
  EXPECT_EQ(AsVector(report.top_gaps()),
            (std::vector<std::string>{"j-a1-2", "j-b1-1", "j-a1-1", "j-a2-1"}));
}

TEST_F(GapReportTest, TopGapsCutAtTopN) {
  const auto levels = Levels({Level("j-b1-1", 0), Level("j-a2-1", 1),
                              Level("j-a1-2", 0), Level("j-a1-1", 1)});
  EXPECT_EQ(AsVector(BuildGapReport(mini(), "junior", 2, levels, 3).top_gaps()),
            (std::vector<std::string>{"j-a1-2", "j-b1-1", "j-a1-1"}));
  EXPECT_EQ(AsVector(BuildGapReport(mini(), "junior", 2, levels, 1).top_gaps()),
            std::vector<std::string>{"j-a1-2"});
  EXPECT_TRUE(
      BuildGapReport(mini(), "junior", 2, levels, 0).top_gaps().empty());
  // The cut does not change anything else.
  EXPECT_EQ(BuildGapReport(mini(), "junior", 2, levels, 0).indicators_size(),
            4);
}

TEST_F(GapReportTest, LevelsAboveTargetGiveNoGap) {
  const auto levels = Levels({Level("j-a1-1", 3), Level("j-a1-2", 2),
                              Level("j-a2-1", 2.0001), Level("j-b1-1", 3)});
  v1::GapReport report = BuildGapReport(mini(), "junior", 2, levels, 10);
  for (const v1::IndicatorGap& g : report.indicators()) {
    EXPECT_DOUBLE_EQ(g.gap(), 0) << g.indicator();
  }
  EXPECT_TRUE(report.top_gaps().empty());
  EXPECT_TRUE(report.unknown_indicators().empty());
  EXPECT_DOUBLE_EQ(report.overall().mean_gap(), 0);
  EXPECT_DOUBLE_EQ(report.overall().share_at_target(), 1);
  EXPECT_DOUBLE_EQ(report.overall().readiness(), 1);
  EXPECT_DOUBLE_EQ(report.overall().coverage(), 1);
}

TEST_F(GapReportTest, JustBelowTargetIsNotAtTarget) {
  v1::GapReport report =
      BuildGapReport(mini(), "junior", 2, Levels({Level("j-a1-1", 1.75)}), 10);
  EXPECT_DOUBLE_EQ(report.indicators(0).gap(), 0.25);
  EXPECT_DOUBLE_EQ(report.overall().share_at_target(), 0);
  EXPECT_DOUBLE_EQ(report.overall().readiness(), 0.875);  // 1 - 0.25 / 2
  EXPECT_DOUBLE_EQ(report.overall().coverage(), 0.25);    // 1 of 4
}

TEST_F(GapReportTest, NothingRatedIsAllUnknownNotAllGap) {
  v1::GapReport report = BuildGapReport(mini(), "senior", 1, {}, 10);
  EXPECT_EQ(IndicatorIds(report),
            (std::vector<std::string>{"s-a1-1", "s-a2-1", "s-b1-1"}));
  EXPECT_EQ(AsVector(report.unknown_indicators()), IndicatorIds(report));
  EXPECT_TRUE(report.top_gaps().empty());
  const v1::GapSummary& all = report.overall();
  EXPECT_EQ(all.indicator_count(), 3);
  EXPECT_EQ(all.known_count(), 0);
  EXPECT_EQ(all.unknown_count(), 3);
  EXPECT_DOUBLE_EQ(all.mean_gap(), 0);
  EXPECT_DOUBLE_EQ(all.readiness(), 0);
  EXPECT_DOUBLE_EQ(all.coverage(), 0);
}

TEST_F(GapReportTest, SeniorTrackWithBasicTarget) {
  // Target 1: s-a1-1 0 (gap 1), s-a2-1 0.5 (gap 0.5), s-b1-1 1 (gap 0).
  // Junior ratings are present but must not count.
  const auto levels =
      Levels({Level("s-a1-1", 0), Level("s-a2-1", 0.5), Level("s-b1-1", 1),
              Level("j-a1-1", 0), Level("j-b1-1", 0)});
  v1::GapReport report = BuildGapReport(mini(), "senior", 1, levels, 10);
  EXPECT_EQ(IndicatorIds(report),
            (std::vector<std::string>{"s-a1-1", "s-a2-1", "s-b1-1"}));
  EXPECT_EQ(AsVector(report.top_gaps()),
            (std::vector<std::string>{"s-a1-1", "s-a2-1"}));
  ASSERT_EQ(report.competencies_size(), 3);
  EXPECT_EQ(report.competencies(0).indicator_count(), 1);
  ASSERT_EQ(report.clusters_size(), 2);
  // A: gaps 1 and 0.5 of targets 1 + 1.
  EXPECT_EQ(report.clusters(0).indicator_count(), 2);
  EXPECT_DOUBLE_EQ(report.clusters(0).mean_gap(), 0.75);
  EXPECT_DOUBLE_EQ(report.clusters(0).readiness(), 0.25);  // 1 - 1.5 / 2
  // Overall: gaps 1 + 0.5 + 0 = 1.5 of targets 3.
  EXPECT_EQ(report.overall().indicator_count(), 3);
  EXPECT_DOUBLE_EQ(report.overall().mean_gap(), 0.5);
  EXPECT_DOUBLE_EQ(report.overall().readiness(), 0.5);
  EXPECT_DOUBLE_EQ(report.overall().share_at_target(), 1.0 / 3.0);
}

TEST_F(GapReportTest, TargetZeroMeansEveryKnownIndicatorIsReady) {
  v1::GapReport report =
      BuildGapReport(mini(), "junior", 0,
                     Levels({Level("j-a1-1", 0), Level("j-b1-1", 2)}), 10);
  EXPECT_DOUBLE_EQ(report.overall().mean_gap(), 0);
  EXPECT_DOUBLE_EQ(report.overall().share_at_target(), 1);
  EXPECT_DOUBLE_EQ(report.overall().readiness(), 1);
  EXPECT_DOUBLE_EQ(report.overall().coverage(), 0.5);
  // A.2 has nothing known: readiness 0, not 1.
  EXPECT_DOUBLE_EQ(report.competencies(1).readiness(), 0);
}

TEST_F(GapReportTest, DisagreementAndBlindSpotCounts) {
  // Flags on j-a1-1 (disagreement), j-a1-2 (both), j-b1-1 (blind spot);
  // the other track's flags must not count.
  const auto levels =
      Levels({Level("j-a1-1", 1, /*disagreement=*/true, /*blind_spot=*/false),
              Level("j-a1-2", 2, true, true), Level("j-b1-1", 0, false, true),
              Level("s-a1-1", 0, true, true)});
  v1::GapReport report = BuildGapReport(mini(), "junior", 2, levels, 10);
  EXPECT_EQ(report.competencies(0).disagreement_count(), 2);  // A.1
  EXPECT_EQ(report.competencies(0).blind_spot_count(), 1);
  EXPECT_EQ(report.competencies(1).disagreement_count(), 0);  // A.2 unknown
  EXPECT_EQ(report.competencies(2).blind_spot_count(), 1);    // B.1
  EXPECT_EQ(report.clusters(0).disagreement_count(), 2);      // A
  EXPECT_EQ(report.clusters(0).blind_spot_count(), 1);
  EXPECT_EQ(report.clusters(1).disagreement_count(), 0);  // B
  EXPECT_EQ(report.clusters(1).blind_spot_count(), 1);
  EXPECT_EQ(report.overall().disagreement_count(), 2);
  EXPECT_EQ(report.overall().blind_spot_count(), 2);
}

TEST_F(GapReportTest, UnknownTrackGivesAnEmptyReport) {
  v1::GapReport report =
      BuildGapReport(mini(), "hbo", 3, Levels({Level("j-a1-1", 1)}), 10);
  EXPECT_EQ(report.indicators_size(), 0);
  EXPECT_EQ(report.clusters_size(), 0);
  EXPECT_EQ(report.competencies_size(), 0);
  EXPECT_EQ(report.overall().indicator_count(), 0);
  EXPECT_DOUBLE_EQ(report.overall().coverage(), 0);
  EXPECT_DOUBLE_EQ(report.overall().readiness(), 0);
}

TEST_F(GapReportTest, LeavesIdentifyingFieldsToTheCaller) {
  v1::GapReport report = JuniorReport(mini());
  EXPECT_TRUE(report.person().empty());
  EXPECT_TRUE(report.framework().empty());
  EXPECT_TRUE(report.track().empty());
  EXPECT_TRUE(report.target_stage().empty());
}

}  // namespace
}  // namespace vakwijzer::core
