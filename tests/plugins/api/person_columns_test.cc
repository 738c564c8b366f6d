// PersonColumns, the per-chunk columns of the people table, against a
// brute-force reading of each person's levels.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "framework/framework_registry.h"
#include "gtest/gtest.h"
#include "plugins/api/snapshot.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

// The person's level on competency `code`: the mean of their known levels on
// its indicators of their own track, in framework order; NaN when none.
double BruteCompetencyLevel(const PersonView& p, const v1::Competency& comp) {
  double sum = 0;
  int known = 0;
  for (const v1::Indicator& indicator : comp.indicators()) {
    if (indicator.track() != p.track) continue;
    float l = p.levels[p.framework->FindIndicator(indicator.id())->ordinal];
    if (IsKnown(l)) {
      sum += l;
      ++known;
    }
  }
  return known ? sum / known : std::nan("");
}

TEST(PersonColumnsTest, EveryChunkMatchesItsPeople) {
  auto registry = framework::FrameworkRegistry::LoadDirectory(
      VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
  ASSERT_TRUE(registry.ok()) << registry.status();
  const framework::FrameworkIndex& fw = *(*registry)->Find("sfd-2021");
  testing::SyntheticOptions options;
  options.people = 1500;  // several chunks
  options.unknown_share = 0.4;
  OrgSnapshot org = testing::MakeSyntheticOrg(fw, options);
  // Changes after the first scan: the changed chunks are rebuilt.
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_GT(org.people.chunk_count(), 3u);
    size_t checked = 0, unknown = 0;
    for (size_t c = 0; c < org.people.chunk_count(); ++c) {
      const PersonColumns& columns = org.people.ChunkIndex(c);
      const auto& items = org.people.ChunkItems(c);
      ASSERT_EQ(columns.rows(), items.size());
      ASSERT_EQ(columns.competency_columns(), fw.competency_count());
      for (size_t r = 0; r < items.size(); ++r) {
        const PersonView& p = *items[r];
        EXPECT_EQ(columns.framework(r), p.framework);
        EXPECT_EQ(columns.mentoring_capacity(r), p.mentoring_capacity);
        int index = 0;
        for (const v1::Cluster& cluster : fw.proto().clusters()) {
          for (const v1::Competency& comp : cluster.competencies()) {
            double expected = BruteCompetencyLevel(p, comp);
            double got = columns.competency_levels(index++)[r];
            if (std::isnan(expected)) {
              EXPECT_TRUE(std::isnan(got)) << p.id << " " << comp.code();
              ++unknown;
            } else {
              EXPECT_DOUBLE_EQ(got, expected) << p.id << " " << comp.code();
            }
            ++checked;
          }
        }
      }
    }
    EXPECT_EQ(checked, org.people.size() * fw.competency_count());
    EXPECT_GT(unknown, 0u);  // the NaN path is exercised
    // Give one person capacity and no levels, drop another.
    auto changed = std::make_shared<PersonView>(*org.people[700]);
    changed->mentoring_capacity = 42;
    std::fill(changed->levels.begin(), changed->levels.end(), kUnknown);
    org.people.Set(700, changed);
    org.people.Erase(10);
  }
}

}  // namespace
}  // namespace vakwijzer::plugins
