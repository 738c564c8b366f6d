// LoadBundlesOnce over a real RocksDbStore and the "mini" test framework:
// a load cut short (the marker file left behind with part of the data) is
// erased and redone on the next start; a complete one is never repeated.
#include "services/core/demo_loader.h"

#include <fstream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "gtest/gtest.h"
#include "services/core/catalog_manager.h"
#include "services/core/profile_manager.h"
#include "storage/rocksdb_store.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::core {
namespace {

using ::vakwijzer::testing::TempDir;

constexpr char kPeople[] = R"pb(
  organization: "demo"
  people {
    id: "ann"
    profile { track: "junior" }
    assessments {
      rater_role: MANAGER
      rater: "m1"
      ratings { indicator: "j-a1-1" level: 2 }
    }
  }
  people {
    id: "bob"
    profile { track: "junior" }
  }
)pb";

constexpr char kCatalog[] = R"pb(
  organization: "demo"
  modules {
    id: "m1"
    module {
      title: "Module one"
      hours: 4
      develops { indicator: "j-a1-1" level: 3 }
    }
  }
)pb";

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

class DemoLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
    ProfileManagerOptions options;
    options.default_framework = "mini";
    profiles_ = std::make_unique<ProfileManager>(frameworks_.get(),
                                                 store_.get(), options);
    catalog_ = std::make_unique<CatalogManager>(frameworks_.get(), store_.get(),
                                                nullptr, "mini");
    std::ofstream(people_) << kPeople;
    std::ofstream(catalog_file_) << kCatalog;
  }

  absl::StatusOr<std::optional<LoadStats>> Load() {
    return LoadBundlesOnce(people_, catalog_file_, marker_, profiles_.get(),
                           catalog_.get(), store_.get());
  }

  int People() {
    int n = 0;
    EXPECT_OK(
        store_->ScanProfiles("demo", "", [&](const storage::StoredProfile&) {
          ++n;
          return true;
        }));
    return n;
  }

  TempDir dir_;
  const std::string people_ = dir_.Sub("people.textproto");
  const std::string catalog_file_ = dir_.Sub("catalog.textproto");
  const std::string marker_ = dir_.Sub("db/DEMO_LOADING");
  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<ProfileManager> profiles_;
  std::unique_ptr<CatalogManager> catalog_;
};

TEST_F(DemoLoaderTest, LoadsANewDatabaseOnceAndRemovesTheMarker) {
  ASSERT_OK_AND_ASSIGN(std::optional<LoadStats> stats, Load());
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->people, 2);
  EXPECT_EQ(stats->assessments, 1);
  EXPECT_EQ(stats->catalog_items, 1);
  EXPECT_FALSE(Exists(marker_));
  // The next start finds data and no marker: nothing is loaded again.
  ASSERT_OK_AND_ASSIGN(stats, Load());
  EXPECT_FALSE(stats.has_value());
  EXPECT_EQ(People(), 2);
}

TEST_F(DemoLoaderTest, AStartAfterACutShortLoadErasesItAndLoadsAgain) {
  // As a kill after the first person: the marker, one person with a
  // different track, no assessment and no catalogue.
  std::ofstream(marker_) << "loading";
  v1::CreateProfileRequest create;
  create.set_parent("organizations/demo");
  create.set_profile_id("ann");
  create.mutable_profile()->set_track("senior");
  ASSERT_OK(profiles_->CreateProfile(create).status());

  ASSERT_OK_AND_ASSIGN(std::optional<LoadStats> stats, Load());
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->people, 2);
  EXPECT_EQ(stats->assessments, 1);
  EXPECT_FALSE(Exists(marker_));
  EXPECT_EQ(People(), 2);
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile ann,
                       store_->GetProfile(PersonName{"demo", "ann"}));
  EXPECT_EQ(ann.profile().track(), "junior");
  EXPECT_EQ(ann.derived().assessment_count(), 1);
  EXPECT_OK(
      store_->GetItem("demo", storage::CatalogKind::kModule, "m1").status());
}

TEST_F(DemoLoaderTest, AFailedLoadLeavesNothingButTheMarker) {
  // Valid text, but an item the catalogue refuses: the people are written
  // first and must be erased again.
  std::ofstream(catalog_file_)
      << "organization: \"demo\"\nmodules { id: \"m1\" module { title: "
         "\"x\" hours: 4 develops { indicator: \"nope\" level: 3 } } }";
  absl::StatusOr<std::optional<LoadStats>> stats = Load();
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("catalog.textproto"),
            std::string::npos)
      << stats.status();
  EXPECT_NE(stats.status().message().find("nope"), std::string::npos)
      << stats.status();
  EXPECT_EQ(People(), 0);
  EXPECT_TRUE(Exists(marker_));
  // Mended, the next start loads it all.
  std::ofstream(catalog_file_) << kCatalog;
  ASSERT_OK_AND_ASSIGN(std::optional<LoadStats> again, Load());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(People(), 2);
  EXPECT_FALSE(Exists(marker_));
}

}  // namespace
}  // namespace vakwijzer::core
