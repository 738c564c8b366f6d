#include "framework/framework_registry.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "framework/text_io.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::framework {
namespace {

using ::vakwijzer::testing::HasStatus;

using ::vakwijzer::testing::TempDir;

constexpr char kShippedDir[] = VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks";
constexpr char kTestDir[] = VAKWIJZER_TEST_DATA_DIR "/frameworks";
constexpr char kBadDir[] = VAKWIJZER_TEST_DATA_DIR "/bad";

// Loaded once: the shipped framework folder.
const FrameworkRegistry& Shipped() {
  static const FrameworkRegistry* registry = [] {
    absl::StatusOr<std::unique_ptr<FrameworkRegistry>> r =
        FrameworkRegistry::LoadDirectory(kShippedDir);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->release() : new FrameworkRegistry();
  }();
  return *registry;
}

const FrameworkRegistry& TestFrameworks() {
  static const FrameworkRegistry* registry = [] {
    absl::StatusOr<std::unique_ptr<FrameworkRegistry>> r =
        FrameworkRegistry::LoadDirectory(kTestDir);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->release() : new FrameworkRegistry();
  }();
  return *registry;
}

std::vector<std::string> Ids(const std::vector<const IndicatorRef*>& refs) {
  std::vector<std::string> out;
  for (const IndicatorRef* ref : refs) out.push_back(ref->indicator->id());
  return out;
}

// ------------------------------------------------------------------------
// The shipped framework, sfd-2021. Expected numbers are from the source
// document (shared/seeds/000_a7fdf179a2835af3.txt) and sfd-2021.NOTES.md.

class ShippedFrameworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fw_ = Shipped().Find("sfd-2021");
    ASSERT_NE(fw_, nullptr);
  }
  const FrameworkIndex* fw_ = nullptr;
};

TEST_F(ShippedFrameworkTest, ShippedFolderHoldsExactlySfd2021) {
  std::vector<const FrameworkIndex*> all = Shipped().All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]->id(), "sfd-2021");
  EXPECT_EQ(all[0]->proto().name(), "frameworks/sfd-2021");
  EXPECT_EQ(all[0]->proto().version(), "2021-11");
  EXPECT_EQ(all[0]->proto().language(), "nl");
}

TEST_F(ShippedFrameworkTest, HasEightClustersAndThirtyCompetencies) {
  const v1::Framework& p = fw_->proto();
  ASSERT_EQ(p.clusters_size(), 8);
  EXPECT_EQ(fw_->competency_count(), 30);
  // Section 3: clusters 1..8 hold 3, 3, 5, 4, 3, 3, 4, 5 competencies
  // (3+3+5+4+3+3+4+5 = 30).
  const int expected[] = {3, 3, 5, 4, 3, 3, 4, 5};
  for (int c = 0; c < 8; ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(p.clusters(c).code(), std::to_string(c + 1));
    EXPECT_EQ(p.clusters(c).competencies_size(), expected[c]);
  }
}

TEST_F(ShippedFrameworkTest, CompetencyCodesFollowTheirCluster) {
  for (const v1::Cluster& cluster : fw_->proto().clusters()) {
    for (int k = 0; k < cluster.competencies_size(); ++k) {
      EXPECT_EQ(cluster.competencies(k).code(),
                absl::StrCat(cluster.code(), ".", k + 1));
    }
  }
}

TEST_F(ShippedFrameworkTest, TrackIndicatorCounts) {
  EXPECT_EQ(fw_->IndicatorsOfTrack("hbo").size(), 159u);
  EXPECT_EQ(fw_->IndicatorsOfTrack("mbo").size(), 145u);
  EXPECT_TRUE(fw_->HasTrack("hbo"));
  EXPECT_TRUE(fw_->HasTrack("mbo"));
  EXPECT_FALSE(fw_->HasTrack("wo"));
  EXPECT_TRUE(fw_->IndicatorsOfTrack("wo").empty());
}

TEST_F(ShippedFrameworkTest, PerClusterTrackCountsMatchTheNotes) {
  // NOTES.md "Counts": per cluster hbo/mbo 13/13, 13/12, 30/26, 20/17,
  // 19/19, 14/13, 22/22, 28/23 (sums 159 and 145).
  const int hbo[] = {13, 13, 30, 20, 19, 14, 22, 28};
  const int mbo[] = {13, 12, 26, 17, 19, 13, 22, 23};
  int hbo_count[8] = {}, mbo_count[8] = {};
  for (const IndicatorRef* ref : fw_->IndicatorsOfTrack("hbo")) {
    ++hbo_count[ref->cluster_index];
  }
  for (const IndicatorRef* ref : fw_->IndicatorsOfTrack("mbo")) {
    ++mbo_count[ref->cluster_index];
  }
  for (int c = 0; c < 8; ++c) {
    SCOPED_TRACE(c + 1);
    EXPECT_EQ(hbo_count[c], hbo[c]);
    EXPECT_EQ(mbo_count[c], mbo[c]);
  }
}

TEST_F(ShippedFrameworkTest, IndicatorIdsAreUniqueAndFollowTheScheme) {
  // {track}-{competency code}-{n}, n = 1, 2, ... within competency and track.
  std::set<std::string> ids;
  int total = 0;
  for (const v1::Cluster& cluster : fw_->proto().clusters()) {
    for (const v1::Competency& comp : cluster.competencies()) {
      std::map<std::string, int> n;
      for (const v1::Indicator& ind : comp.indicators()) {
        ++total;
        EXPECT_TRUE(ids.insert(ind.id()).second) << "duplicate " << ind.id();
        EXPECT_EQ(ind.id(), absl::StrCat(ind.track(), "-", comp.code(), "-",
                                         ++n[ind.track()]));
        EXPECT_FALSE(ind.text().empty()) << ind.id();
      }
    }
  }
  EXPECT_EQ(total, 159 + 145);
}

TEST_F(ShippedFrameworkTest, ScaleRunsFromZeroToFourWithLabels) {
  const v1::Scale& scale = fw_->proto().scale();
  const char* labels[] = {"niet zichtbaar", "in ontwikkeling", "startbekwaam",
                          "vakvolwassen", "voorbeeld"};
  ASSERT_EQ(scale.levels_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(scale.levels(i).level(), i);
    EXPECT_EQ(scale.levels(i).label(), labels[i]);
  }
  EXPECT_EQ(fw_->min_level(), 0);
  EXPECT_EQ(fw_->max_level(), 4);
}

TEST_F(ShippedFrameworkTest, StagesAndTheirTargets) {
  EXPECT_EQ(fw_->StageTarget("vakvolwassen"), std::optional<int>(3));
  EXPECT_EQ(fw_->StageTarget("startbekwaam"), std::optional<int>(2));
  EXPECT_EQ(fw_->StageTarget("voorbeeld"), std::nullopt);
  EXPECT_EQ(fw_->proto().default_stage(), "vakvolwassen");
}

TEST_F(ShippedFrameworkTest, StageComparisonAndStageProfiles) {
  EXPECT_EQ(fw_->proto().stage_comparison_size(), 8);
  for (const v1::Cluster& cluster : fw_->proto().clusters()) {
    ASSERT_EQ(cluster.stage_profiles_size(), 1) << cluster.code();
    EXPECT_EQ(cluster.stage_profiles(0).stage(), "startbekwaam");
  }
}

TEST_F(ShippedFrameworkTest, ClusterTitlesFromSectionThree) {
  // Seed l.187, in sentence case; cluster 8 with the typo repaired (l.297
  // "PROFESSIONIE", NOTES repair #1).
  EXPECT_EQ(fw_->proto().clusters(0).title(),
            "Aansluiting vinden en contact aangaan");
  EXPECT_EQ(fw_->proto().clusters(7).title(), "Staan voor de eigen professie");
  // Seed l.195.
  EXPECT_EQ(fw_->proto().clusters(0).competencies(0).title(),
            "Is initiatiefrijk in het aangaan en onderhouden van contact om "
            "te komen tot een effectieve verstandhouding met burgers");
}

TEST_F(ShippedFrameworkTest, IndicatorTextsMatchTheSource) {
  // Seed l.335 (section 4.1, 1.1, first bullet).
  const IndicatorRef* hbo = fw_->FindIndicator("hbo-1.1-1");
  ASSERT_NE(hbo, nullptr);
  EXPECT_EQ(hbo->indicator->text(),
            "Is zichtbaar, bereikbaar en beschikbaar voor mensen in hun "
            "directe leefomgeving en/of op plaatsen waar zij zich bevinden. "
            "Wacht niet af maar is initiatief- en vindingrijk in het zoeken "
            "van (online) contact.");
  EXPECT_EQ(hbo->indicator->track(), "hbo");

  // Seed l.937 (section 4.2, 8.3, first bullet).
  const IndicatorRef* mbo = fw_->FindIndicator("mbo-8.3-1");
  ASSERT_NE(mbo, nullptr);
  EXPECT_EQ(mbo->indicator->text(),
            "Voelt aan als persoonlijke of professionele grenzen worden "
            "overschreden en onderneemt tijdig actie.");
  EXPECT_EQ(mbo->indicator->track(), "mbo");

  // Seed l.352 with the typo "Communiqueert" repaired (NOTES repair #45).
  const IndicatorRef* repaired = fw_->FindIndicator("hbo-1.3-2");
  ASSERT_NE(repaired, nullptr);
  EXPECT_EQ(repaired->indicator->text(),
            "Communiceert duidelijk, helder, transparant, oprecht en "
            "consequent. Houdt zich aan gemaakte beloften en afspraken. Is "
            "expliciet over de informatie die gedeeld wordt met anderen.");
}

TEST_F(ShippedFrameworkTest, PlanIndicatorKeepsItsFourItems) {
  // Seed l.560-564: the lead-in ends in "dat:", then 4 nested bullets.
  const IndicatorRef* ref = fw_->FindIndicator("hbo-7.1-1");
  ASSERT_NE(ref, nullptr);
  const v1::Indicator& ind = *ref->indicator;
  EXPECT_EQ(ind.text(),
            "Gaat in gesprek en werkt op basis van een berekening en analyse, "
            "en de daaruit voortkomende oplossingsrichtingen, een gezamenlijk "
            "plan uit dat:");
  ASSERT_EQ(ind.items_size(), 4);
  EXPECT_EQ(ind.items(0),
            "de mogelijkheden en vermogens van cliënt en netwerk als "
            "uitgangspunt neemt;");
  EXPECT_EQ(ind.items(3), "recht doet aan de diversiteit van mensen.");
  const IndicatorRef* mbo = fw_->FindIndicator("mbo-7.1-1");
  ASSERT_NE(mbo, nullptr);
  EXPECT_EQ(mbo->indicator->items_size(), 4);
}

TEST_F(ShippedFrameworkTest, IndicatorRefLocatesTheIndicator) {
  const IndicatorRef* first = fw_->FindIndicator("hbo-1.1-1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->cluster_index, 0);
  EXPECT_EQ(first->competency_index, 0);
  EXPECT_EQ(first->ordinal, 0);
  EXPECT_EQ(first->competency->code(), "1.1");
  EXPECT_EQ(first->cluster->code(), "1");

  const IndicatorRef* ref = fw_->FindIndicator("mbo-8.3-1");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->cluster_index, 7);
  // Competencies before 8.3: 3+3+5+4+3+3+4 = 25 in clusters 1..7, plus 8.1
  // and 8.2.
  EXPECT_EQ(ref->competency_index, 27);
  // Indicators before it: all 304, less those of 8.3 (5+5), 8.4 (9+7) and
  // 8.5 (5+3) = 270, plus the 5 hbo indicators of 8.3 = 275.
  EXPECT_EQ(ref->ordinal, 275);
  EXPECT_EQ(ref->competency->code(), "8.3");
  EXPECT_EQ(ref->cluster->code(), "8");
}

TEST_F(ShippedFrameworkTest, TrackIndicatorsAreInFrameworkOrder) {
  const std::vector<const IndicatorRef*>& hbo = fw_->IndicatorsOfTrack("hbo");
  ASSERT_EQ(hbo.size(), 159u);
  EXPECT_EQ(hbo.front()->indicator->id(), "hbo-1.1-1");
  // 8.5 has 5 hbo indicators (NOTES "Counts").
  EXPECT_EQ(hbo.back()->indicator->id(), "hbo-8.5-5");
  for (size_t i = 1; i < hbo.size(); ++i) {
    EXPECT_LT(hbo[i - 1]->ordinal, hbo[i]->ordinal);
  }
}

// ------------------------------------------------------------------------
// The small test framework, tests/data/frameworks/mini.textproto.

class MiniFrameworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fw_ = TestFrameworks().Find("mini");
    ASSERT_NE(fw_, nullptr);
  }
  const FrameworkIndex* fw_ = nullptr;
};

TEST_F(MiniFrameworkTest, FolderHoldsOnlyMini) {
  ASSERT_EQ(TestFrameworks().All().size(), 1u);
  EXPECT_EQ(TestFrameworks().Find("sfd-2021"), nullptr);
  EXPECT_EQ(TestFrameworks().Find(""), nullptr);
}

TEST_F(MiniFrameworkTest, Counts) {
  EXPECT_EQ(fw_->proto().clusters_size(), 2);
  EXPECT_EQ(fw_->competency_count(), 3);
  EXPECT_EQ(fw_->IndicatorsOfTrack("junior").size(), 4u);
  EXPECT_EQ(fw_->IndicatorsOfTrack("senior").size(), 3u);
  EXPECT_EQ(fw_->min_level(), 0);
  EXPECT_EQ(fw_->max_level(), 3);
  EXPECT_EQ(fw_->proto().name(), "frameworks/mini");
}

TEST_F(MiniFrameworkTest, IndicatorsOfTrackInFrameworkOrder) {
  EXPECT_EQ(Ids(fw_->IndicatorsOfTrack("junior")),
            (std::vector<std::string>{"j-a1-1", "j-a1-2", "j-a2-1", "j-b1-1"}));
  EXPECT_EQ(Ids(fw_->IndicatorsOfTrack("senior")),
            (std::vector<std::string>{"s-a1-1", "s-a2-1", "s-b1-1"}));
  EXPECT_TRUE(fw_->IndicatorsOfTrack("hbo").empty());
  EXPECT_TRUE(fw_->IndicatorsOfTrack("").empty());
}

TEST_F(MiniFrameworkTest, HasTrack) {
  EXPECT_TRUE(fw_->HasTrack("junior"));
  EXPECT_TRUE(fw_->HasTrack("senior"));
  EXPECT_FALSE(fw_->HasTrack("hbo"));
  EXPECT_FALSE(fw_->HasTrack("Junior"));
  EXPECT_FALSE(fw_->HasTrack(""));
}

TEST_F(MiniFrameworkTest, FindIndicator) {
  // Framework order: j-a1-1 0, j-a1-2 1, s-a1-1 2 (A.1); j-a2-1 3, s-a2-1 4
  // (A.2); j-b1-1 5, s-b1-1 6 (B.1).
  const IndicatorRef* ref = fw_->FindIndicator("s-a2-1");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->indicator->id(), "s-a2-1");
  EXPECT_EQ(ref->indicator->text(), "Senior A.2 one.");
  EXPECT_EQ(ref->competency->code(), "A.2");
  EXPECT_EQ(ref->cluster->code(), "A");
  EXPECT_EQ(ref->cluster_index, 0);
  EXPECT_EQ(ref->competency_index, 1);
  EXPECT_EQ(ref->ordinal, 4);

  const IndicatorRef* last = fw_->FindIndicator("s-b1-1");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->cluster_index, 1);
  EXPECT_EQ(last->competency_index, 2);
  EXPECT_EQ(last->ordinal, 6);

  EXPECT_EQ(fw_->FindIndicator("nope"), nullptr);
  EXPECT_EQ(fw_->FindIndicator(""), nullptr);
  EXPECT_EQ(fw_->FindIndicator("j-a1"), nullptr);
}

TEST_F(MiniFrameworkTest, StageTargets) {
  EXPECT_EQ(fw_->StageTarget("basic"), std::optional<int>(1));
  EXPECT_EQ(fw_->StageTarget("good"), std::optional<int>(2));
  EXPECT_EQ(fw_->StageTarget("vakvolwassen"), std::nullopt);
  EXPECT_EQ(fw_->StageTarget(""), std::nullopt);
  EXPECT_EQ(fw_->proto().default_stage(), "good");
}

// ------------------------------------------------------------------------
// ParseFramework on inline text. One field per line, so that every error
// has a line of its own.

const std::vector<std::string>& BaseLines() {
  static const std::vector<std::string>* lines = new std::vector<std::string>{
      R"(id: "t")",                                                 // 1
      R"(version: "1")",                                            // 2
      R"(title: "Test")",                                           // 3
      R"(scale {)",                                                 // 4
      R"(  levels { level: 0 label: "zero" })",                     // 5
      R"(  levels { level: 1 label: "one" })",                      // 6
      R"(  levels { level: 2 label: "two" })",                      // 7
      R"(})",                                                       // 8
      R"(stages { id: "low" target_level: 1 })",                    // 9
      R"(stages { id: "high" target_level: 2 })",                   // 10
      R"(default_stage: "high")",                                   // 11
      R"(tracks { id: "x" })",                                      // 12
      R"(tracks { id: "y" })",                                      // 13
      R"(clusters {)",                                              // 14
      R"(  code: "1")",                                             // 15
      R"(  title: "One")",                                          // 16
      R"(  competencies {)",                                        // 17
      R"(    code: "1.1")",                                         // 18
      R"(    title: "First")",                                      // 19
      R"(    indicators { id: "x-1" track: "x" text: "X one." })",  // 20
      R"(    indicators { id: "y-1" track: "y" text: "Y one." })",  // 21
      R"(  })",                                                     // 22
      R"(  competencies {)",                                        // 23
      R"(    code: "1.2")",                                         // 24
      R"(    title: "Second")",                                     // 25
      R"(    indicators { id: "x-2" track: "x" text: "X two." })",  // 26
      R"(  })",                                                     // 27
      R"(  stage_profiles { stage: "low" text: "Low." })",          // 28
      R"(})",                                                       // 29
      R"(stage_comparison {)",                                      // 30
      R"(  aspect: "Experience")",                                  // 31
      R"(  by_stage { key: "low" value: "Little." })",              // 32
      R"(})",                                                       // 33
  };
  return *lines;
}

// The base text with line `line` (1-based) replaced by `text`.
std::string With(std::map<int, std::string> replacements) {
  std::vector<std::string> lines = BaseLines();
  for (const auto& [line, text] : replacements) lines[line - 1] = text;
  return absl::StrJoin(lines, "\n") + "\n";
}
std::string With(int line, const std::string& text) {
  return With(std::map<int, std::string>{{line, text}});
}

absl::Status ParseStatus(const std::string& text) {
  return FrameworkRegistry::ParseFramework(text, "t.textproto").status();
}

TEST(ParseFrameworkTest, BaseTextIsValid) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FrameworkIndex> fw,
                       FrameworkRegistry::ParseFramework(With({}), "t"));
  EXPECT_EQ(fw->id(), "t");
  EXPECT_EQ(fw->proto().name(), "frameworks/t");
  EXPECT_EQ(fw->competency_count(), 2);
  EXPECT_EQ(Ids(fw->IndicatorsOfTrack("x")),
            (std::vector<std::string>{"x-1", "x-2"}));
  EXPECT_EQ(Ids(fw->IndicatorsOfTrack("y")), std::vector<std::string>{"y-1"});
  EXPECT_EQ(fw->max_level(), 2);
}

TEST(ParseFrameworkTest, SyntaxErrorNamesSourceLineAndColumn) {
  // "version 1": the parser wants ':' where "1" stands, column 9.
  EXPECT_TRUE(HasStatus(FrameworkRegistry::ParseFramework(
                            "id: \"a\"\nversion 1\n", "s.textproto"),
                        absl::StatusCode::kInvalidArgument,
                        "s.textproto:2:9: "));
}

TEST(ParseFrameworkTest, UnknownFieldNamesSourceAndLine) {
  absl::Status s = ParseStatus(With(3, R"(colour: "red")"));
  EXPECT_TRUE(
      HasStatus(s, absl::StatusCode::kInvalidArgument, "t.textproto:3:"));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInvalidArgument, "colour"));
}

TEST(ParseFrameworkTest, UnknownTrackOnIndicator) {
  // The indicator spread over lines 26..30: the track is on line 28.
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(26,
                                 "    indicators {\n"
                                 "      id: \"x-2\"\n"
                                 "      track: \"z\"\n"
                                 "      text: \"X two.\"\n"
                                 "    }")),
                absl::StatusCode::kInvalidArgument,
                "t.textproto:28: clusters[0].competencies[1].indicators[0]."
                "track: unknown track \"z\""));
}

TEST(ParseFrameworkTest, DuplicateIndicatorId) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(
          26, R"(    indicators { id: "x-1" track: "x" text: "X two." })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:26: clusters[0].competencies[1].indicators[0].id: "
      "duplicate indicator id \"x-1\""));
}

TEST(ParseFrameworkTest, InvalidIndicatorId) {
  absl::Status s = ParseStatus(
      With(21, R"(    indicators { id: "y 1" track: "y" text: "Y one." })"));
  EXPECT_TRUE(HasStatus(
      s, absl::StatusCode::kInvalidArgument,
      "t.textproto:21: clusters[0].competencies[0].indicators[1].id"));
  EXPECT_TRUE(
      HasStatus(s, absl::StatusCode::kInvalidArgument, "[A-Za-z0-9._-]"));
}

TEST(ParseFrameworkTest, ScaleNotStartingAtZero) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(5, R"(  levels { level: 1 label: "zero" })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:5: scale.levels[0].level: levels must run 0, 1, 2, ... in "
      "order; expected 0, found 1"));
}

TEST(ParseFrameworkTest, ScaleWithAGap) {
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(7, R"(  levels { level: 3 label: "two" })")),
                absl::StatusCode::kInvalidArgument,
                "t.textproto:7: scale.levels[2].level: levels must run 0, 1, "
                "2, ... in order; expected 2, found 3"));
}

TEST(ParseFrameworkTest, ScaleLevelWithoutLabel) {
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(6, R"(  levels { level: 1 label: "" })")),
                absl::StatusCode::kInvalidArgument,
                "t.textproto:6: scale.levels[1].label: must not be empty"));
}

TEST(ParseFrameworkTest, ScaleOfOneLevel) {
  // Stages reach no further than level 0, so the scale is the only error.
  EXPECT_TRUE(HasStatus(ParseStatus(With({{6, ""},
                                          {7, ""},
                                          {9, R"(stages { id: "low" })"},
                                          {10, R"(stages { id: "high" })"}})),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto:4: scale: needs at least two levels"));
}

TEST(ParseFrameworkTest, DefaultStageUnknown) {
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(11, R"(default_stage: "mid")")),
                absl::StatusCode::kInvalidArgument,
                "t.textproto:11: default_stage: \"mid\" is not a stage"));
}

TEST(ParseFrameworkTest, DefaultStageMissingHasNoLine) {
  EXPECT_TRUE(HasStatus(ParseStatus(With(11, "")),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto: default_stage: \"\" is not a stage"));
}

TEST(ParseFrameworkTest, EmptyTitle) {
  EXPECT_TRUE(HasStatus(ParseStatus(With(3, R"(title: "")")),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto:3: title: must not be empty"));
}

TEST(ParseFrameworkTest, MissingTitleHasNoLine) {
  EXPECT_TRUE(HasStatus(ParseStatus(With(3, "# no title")),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto: title: must not be empty"));
}

TEST(ParseFrameworkTest, EmptyClusterTitle) {
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(16, R"(  title: "")")),
                absl::StatusCode::kInvalidArgument,
                "t.textproto:16: clusters[0].title: must not be empty"));
}

TEST(ParseFrameworkTest, EmptyCompetencyTitle) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(25, R"(    title: "")")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:25: clusters[0].competencies[1].title: must not be empty"));
}

TEST(ParseFrameworkTest, EmptyIndicatorText) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(
          With(21, R"(    indicators { id: "y-1" track: "y" text: "" })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:21: clusters[0].competencies[0].indicators[1].text: must "
      "not be empty"));
}

TEST(ParseFrameworkTest, CompetencyWithoutIndicatorsPointsAtCompetency) {
  EXPECT_TRUE(
      HasStatus(ParseStatus(With(26, "")), absl::StatusCode::kInvalidArgument,
                "t.textproto:23: clusters[0].competencies[1].indicators: needs "
                "at least one indicator"));
}

TEST(ParseFrameworkTest, StageTargetAboveTheScale) {
  // The scale has levels 0..2.
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(10, R"(stages { id: "high" target_level: 3 })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:10: stages[1].target_level: level 3 is not on the "
      "scale"));
}

TEST(ParseFrameworkTest, StageTargetBelowTheScale) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(9, R"(stages { id: "low" target_level: -1 })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:9: stages[0].target_level: level -1 is not on the "
      "scale"));
}

TEST(ParseFrameworkTest, DuplicateStage) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(10, R"(stages { id: "low" target_level: 2 })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:10: stages[1].id: duplicate stage \"low\""));
}

TEST(ParseFrameworkTest, DuplicateTrack) {
  EXPECT_TRUE(HasStatus(ParseStatus(With(13, R"(tracks { id: "x" })")),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto:13: tracks[1].id: duplicate track \"x\""));
}

TEST(ParseFrameworkTest, TrackWithoutIndicators) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(13, "tracks { id: \"y\" }\ntracks { id: \"w\" }")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:14: tracks[2]: track \"w\" has no indicators"));
}

TEST(ParseFrameworkTest, UnknownStageInStageProfile) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(28, R"(  stage_profiles { stage: "mid" text: "M." })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:28: clusters[0].stage_profiles[0].stage: unknown stage "
      "\"mid\""));
}

TEST(ParseFrameworkTest, UnknownStageInStageComparison) {
  EXPECT_TRUE(HasStatus(
      ParseStatus(With(32, R"(  by_stage { key: "mid" value: "Little." })")),
      absl::StatusCode::kInvalidArgument,
      "t.textproto:32: stage_comparison[0].by_stage: unknown stage \"mid\""));
}

TEST(ParseFrameworkTest, NameIsOutputOnly) {
  EXPECT_TRUE(HasStatus(ParseStatus(With(1, R"(id: "t" name: "frameworks/t")")),
                        absl::StatusCode::kInvalidArgument,
                        "t.textproto:1: name: is output only"));
}

TEST(ParseFrameworkTest, InvalidFrameworkId) {
  absl::Status s = ParseStatus(With(1, R"(id: "-t")"));
  EXPECT_TRUE(
      HasStatus(s, absl::StatusCode::kInvalidArgument, "t.textproto:1: id: "));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInvalidArgument,
                        "must not start with '.' or '-'"));
}

TEST(ParseFrameworkTest, ReportsTheFirstErrorOnly) {
  // Title (checked first) and default stage are both wrong.
  absl::Status s =
      ParseStatus(With({{3, R"(title: "")"}, {11, R"(default_stage: "mid")"}}));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInvalidArgument,
                        "t.textproto:3: title: must not be empty"));
  EXPECT_EQ(s.message().find("default_stage"), absl::string_view::npos) << s;
}

TEST(FrameworkIndexTest, CreateValidatesWithoutSourceOrLine) {
  v1::Framework fw;
  fw.set_id("f");
  fw.set_version("1");
  EXPECT_TRUE(HasStatus(FrameworkIndex::Create(fw),
                        absl::StatusCode::kInvalidArgument,
                        "title: must not be empty"));
}

// ------------------------------------------------------------------------
// LoadDirectory.

TEST(FrameworkLoadDirectoryTest, SyntaxErrorNamesFileAndLine) {
  // Line 6 of the file is `title "Syntax error"`.
  EXPECT_TRUE(HasStatus(
      FrameworkRegistry::LoadDirectory(absl::StrCat(kBadDir, "/syntax")),
      absl::StatusCode::kInvalidArgument, "syntax_error.textproto:6:"));
}

TEST(FrameworkLoadDirectoryTest, SemanticErrorNamesFileLineAndField) {
  EXPECT_TRUE(HasStatus(
      FrameworkRegistry::LoadDirectory(absl::StrCat(kBadDir, "/unknown_track")),
      absl::StatusCode::kInvalidArgument,
      "unknown_track.textproto:30: clusters[0].competencies[1].indicators[0]."
      "track: unknown track \"senoir\""));
}

TEST(FrameworkLoadDirectoryTest, SameIdInTwoFilesNamesBoth) {
  absl::Status s =
      FrameworkRegistry::LoadDirectory(absl::StrCat(kBadDir, "/duplicate_id"))
          .status();
  EXPECT_TRUE(
      HasStatus(s, absl::StatusCode::kAlreadyExists, "second.textproto"));
  EXPECT_TRUE(
      HasStatus(s, absl::StatusCode::kAlreadyExists, "first.textproto"));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kAlreadyExists, "\"twin\""));
}

TEST(FrameworkLoadDirectoryTest, FolderWithoutTextprotoIsNotFound) {
  EXPECT_TRUE(HasStatus(
      FrameworkRegistry::LoadDirectory(absl::StrCat(kBadDir, "/no_frameworks")),
      absl::StatusCode::kNotFound, "no_frameworks"));
}

TEST(FrameworkLoadDirectoryTest, MissingFolderIsNotFound) {
  EXPECT_TRUE(HasStatus(
      FrameworkRegistry::LoadDirectory(absl::StrCat(kBadDir, "/not-there")),
      absl::StatusCode::kNotFound, "not-there"));
}

TEST(FrameworkLoadDirectoryTest, FileInsteadOfFolderIsNotFound) {
  EXPECT_EQ(FrameworkRegistry::LoadDirectory(
                absl::StrCat(kTestDir, "/mini.textproto"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(FrameworkLoadDirectoryTest, SubfolderNamedTextprotoIsNotAFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.Sub("x.textproto"));
  EXPECT_EQ(FrameworkRegistry::LoadDirectory(dir.path()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FrameworkLoadDirectoryTest, AllIsOrderedById) {
  ASSERT_OK_AND_ASSIGN(std::string mini,
                       ReadFile(absl::StrCat(kTestDir, "/mini.textproto")));
  TempDir dir;
  // File order (a, b) is the reverse of id order (mini, zzz).
  std::ofstream(dir.Sub("a.textproto"))
      << absl::StrReplaceAll(mini, {{"id: \"mini\"", "id: \"zzz\""}});
  std::ofstream(dir.Sub("b.textproto")) << mini;
  std::ofstream(dir.Sub("c.txt")) << "not a framework";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FrameworkRegistry> registry,
                       FrameworkRegistry::LoadDirectory(dir.path()));
  std::vector<const FrameworkIndex*> all = registry->All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->id(), "mini");
  EXPECT_EQ(all[1]->id(), "zzz");
  EXPECT_NE(registry->Find("zzz"), nullptr);
}

TEST(FrameworkRegistryTest, AddRefusesSecondFrameworkWithSameId) {
  FrameworkRegistry registry;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FrameworkIndex> first,
                       FrameworkRegistry::ParseFramework(With({}), "a"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FrameworkIndex> second,
                       FrameworkRegistry::ParseFramework(With({}), "b"));
  EXPECT_OK(registry.Add(std::move(first)));
  EXPECT_TRUE(HasStatus(registry.Add(std::move(second)),
                        absl::StatusCode::kAlreadyExists, "\"t\""));
  EXPECT_EQ(registry.All().size(), 1u);
}

}  // namespace
}  // namespace vakwijzer::framework
