// ImportRecords through CoreApi over a real RocksDbStore, the "mini" test
// framework (junior: j-a1-1, j-a1-2, j-a2-1, j-b1-1; senior: s-a1-1,
// s-a2-1, s-b1-1; scale 0..3; stage good is the default) and a fixed
// clock, with hand-computed expectations.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "gtest/gtest.h"
#include "services/core/core_api.h"
#include "services/core/profile_manager.h"
#include "services/core/snapshot_cache.h"
#include "storage/rocksdb_store.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::core {
namespace {

using ::vakwijzer::testing::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

v1::ImportRecord PersonRecord(const std::string& id,
                              const std::string& track = "junior",
                              bool create_only = false) {
  v1::ImportRecord r;
  r.mutable_person()->set_profile_id(id);
  r.mutable_person()->mutable_profile()->set_track(track);
  r.mutable_person()->set_create_only(create_only);
  return r;
}

v1::ImportRecord AssessmentRecord(
    const std::string& person, const std::string& id,
    const std::vector<std::pair<std::string, int>>& ratings) {
  v1::ImportRecord r;
  v1::ImportAssessmentRecord* a = r.mutable_assessment();
  a->set_person_id(person);
  a->set_assessment_id(id);
  a->mutable_assessment()->set_rater_role(v1::MANAGER);
  a->mutable_assessment()->set_rater("m1");
  for (const auto& [indicator, level] : ratings) {
    v1::Rating* rating = a->mutable_assessment()->add_ratings();
    rating->set_indicator(indicator);
    rating->set_level(level);
  }
  return r;
}

// The assessment a day before kT0.
v1::ImportRecord Earlier(v1::ImportRecord r) {
  r.mutable_assessment()
      ->mutable_assessment()
      ->mutable_assess_time()
      ->set_seconds(absl::ToUnixSeconds(kT0 - absl::Hours(24)));
  return r;
}

v1::ImportRecordsRequest Batch(std::vector<v1::ImportRecord> records,
                               v1::ImportMode mode = v1::PER_RECORD,
                               const std::string& org = "acme") {
  v1::ImportRecordsRequest batch;
  batch.set_parent(absl::StrCat("organizations/", org));
  batch.set_mode(mode);
  for (v1::ImportRecord& r : records) *batch.add_records() = std::move(r);
  return batch;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    ProfileManagerOptions options;
    options.default_framework = "mini";
    options.max_import_batch = 5;
    auto clock = [] { return kT0; };
    profiles_ = std::make_unique<ProfileManager>(
        frameworks_.get(), store_.get(), options, clock, cache_.get());
    api_ = std::make_unique<CoreApi>(profiles_.get(), nullptr, nullptr, nullptr,
                                     store_.get(), CoreApiOptions{}, clock);
    call_.principal.subject = "loader";
    call_.principal.organization = "acme";
    call_.principal.roles = kRoleAdmin;
    call_.method = "/vakwijzer.v1.ProfileService/ImportRecords";
  }

  // Runs the batches as one stream.
  absl::StatusOr<v1::ImportRecordsResponse> Import(
      const std::vector<v1::ImportRecordsRequest>& batches,
      const Call* call = nullptr) {
    size_t next = 0;
    return api_->ImportRecords(call ? *call : call_,
                               [&](v1::ImportRecordsRequest* batch) {
                                 if (next == batches.size()) return false;
                                 *batch = batches[next++];
                                 return true;
                               });
  }

  absl::StatusOr<storage::StoredProfile> Stored(const std::string& id) {
    return store_->GetProfile(PersonName{"acme", id});
  }

  int AssessmentCount(const std::string& id) {
    int n = 0;
    EXPECT_OK(
        store_->ScanAssessments(PersonName{"acme", id}, "",
                                [&](absl::string_view, const v1::Assessment&) {
                                  ++n;
                                  return true;
                                }));
    return n;
  }

  std::vector<v1::AuditEvent> Trail() {
    std::vector<v1::AuditEvent> events;
    EXPECT_OK(store_->ScanAudit("acme", "", absl::UnixEpoch(),
                                absl::InfiniteFuture(),
                                [&](const v1::AuditEvent& e) {
                                  events.push_back(e);
                                  return true;
                                }));
    return events;
  }

  TempDir dir_;
  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<SnapshotCache> cache_;
  std::unique_ptr<ProfileManager> profiles_;
  std::unique_ptr<CoreApi> api_;
  Call call_;
};

TEST_F(ImportTest, ValidBatchWritesPeopleAssessmentsLevelsAndAudit) {
  // p1 rated twice by m1 on j-a1-1, in the same batch as its creation.
  ASSERT_OK_AND_ASSIGN(
      v1::ImportRecordsResponse r,
      Import({Batch({PersonRecord("p1"), PersonRecord("p2", "senior"),
                     Earlier(AssessmentRecord("p1", "a1", {{"j-a1-1", 1}})),
                     AssessmentRecord("p1", "a2", {{"j-a1-1", 3}}),
                     AssessmentRecord("p2", "a1", {{"s-b1-1", 2}})})}));
  EXPECT_EQ(r.people_created(), 2);
  EXPECT_EQ(r.people_updated(), 0);
  EXPECT_EQ(r.assessments_recorded(), 3);
  EXPECT_EQ(r.assessments_skipped(), 0);
  EXPECT_EQ(r.batches_written(), 1);
  EXPECT_EQ(r.error_count(), 0);

  ASSERT_OK_AND_ASSIGN(storage::StoredProfile p1, Stored("p1"));
  EXPECT_EQ(p1.profile().name(), "organizations/acme/people/p1");
  EXPECT_EQ(p1.profile().framework(), "frameworks/mini");
  EXPECT_EQ(p1.profile().target_stage(), "good");
  EXPECT_EQ(p1.derived().assessment_count(), 2);
  ASSERT_EQ(p1.derived().level_size(), 1);
  EXPECT_EQ(p1.derived().indicator(0), "j-a1-1");
  // One rater: its latest rating (a2, at kT0; a1 a day before) counts.
  EXPECT_DOUBLE_EQ(p1.derived().level(0), 3);
  EXPECT_EQ(AssessmentCount("p1"), 2);
  EXPECT_EQ(AssessmentCount("p2"), 1);

  // The read model has both.
  auto snapshot = cache_->Get("acme");
  EXPECT_EQ(snapshot->people.size(), 2u);

  // One event per person written, in the same batch.
  std::vector<v1::AuditEvent> trail = Trail();
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[0].person(), "p1");
  EXPECT_EQ(trail[1].person(), "p2");
  EXPECT_EQ(trail[0].outcome(), "OK");
  EXPECT_EQ(trail[0].caller(), "loader");
  EXPECT_EQ(trail[0].rpc(), "/vakwijzer.v1.ProfileService/ImportRecords");
}

TEST_F(ImportTest, BadRecordsAreNamedAndTheValidRestIsWritten) {
  ASSERT_OK_AND_ASSIGN(
      v1::ImportRecordsResponse r,
      Import({Batch({PersonRecord("p1"), PersonRecord("p2", "wo"),
                     AssessmentRecord("p1", "a1", {{"j-a1-1", 9}}),
                     AssessmentRecord("p3", "a1", {{"j-a1-1", 1}}),
                     AssessmentRecord("p1", "a2", {{"j-a1-2", 2}})})}));
  EXPECT_EQ(r.people_created(), 1);
  EXPECT_EQ(r.assessments_recorded(), 1);
  EXPECT_EQ(r.error_count(), 3);
  ASSERT_EQ(r.errors_size(), 3);
  EXPECT_EQ(r.errors(0).batch_index(), 0);
  EXPECT_EQ(r.errors(0).record_index(), 1);
  EXPECT_EQ(r.errors(0).field(), "person.profile.track");
  EXPECT_EQ(r.errors(0).code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(absl::StrContains(r.errors(0).reason(), "\"wo\""))
      << r.errors(0).reason();
  EXPECT_EQ(r.errors(1).record_index(), 2);
  EXPECT_EQ(r.errors(1).field(), "assessment.assessment.ratings[0].level");
  EXPECT_EQ(r.errors(1).reason(), "9 is outside the scale 0..3");
  EXPECT_EQ(r.errors(2).record_index(), 3);
  EXPECT_EQ(r.errors(2).field(), "assessment.person_id");
  EXPECT_EQ(r.errors(2).code(), static_cast<int>(absl::StatusCode::kNotFound));

  EXPECT_OK(Stored("p1").status());
  EXPECT_TRUE(absl::IsNotFound(Stored("p2").status()));
  EXPECT_EQ(AssessmentCount("p1"), 1);
  // p1's event, and one for the batch's rejected records.
  std::vector<v1::AuditEvent> trail = Trail();
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[0].person(), "p1");
  EXPECT_EQ(trail[1].outcome(), "INVALID_ARGUMENT");
  EXPECT_EQ(trail[1].resource(), "organizations/acme");
}

TEST_F(ImportTest, AllOrNothingWritesNothingOfABadBatch) {
  ASSERT_OK_AND_ASSIGN(
      v1::ImportRecordsResponse r,
      Import({Batch({PersonRecord("p1")}, v1::ALL_OR_NOTHING),
              Batch({PersonRecord("p2"),
                     AssessmentRecord("p2", "a1", {{"j-a1-1", 1}}),
                     AssessmentRecord("p1", "a1", {{"s-a1-1", 1}})},
                    v1::ALL_OR_NOTHING),
              Batch({PersonRecord("p3")}, v1::ALL_OR_NOTHING)}));
  // The failed batch ends the import: p3's batch is not read.
  EXPECT_EQ(r.batches_written(), 1);
  EXPECT_EQ(r.batches_rejected(), 1);
  EXPECT_EQ(r.people_created(), 1);
  EXPECT_EQ(r.assessments_recorded(), 0);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_EQ(r.errors(0).batch_index(), 1);
  EXPECT_EQ(r.errors(0).record_index(), 2);
  EXPECT_EQ(r.errors(0).field(), "assessment.assessment.ratings[0].indicator");
  EXPECT_OK(Stored("p1").status());
  EXPECT_TRUE(absl::IsNotFound(Stored("p2").status()));
  EXPECT_TRUE(absl::IsNotFound(Stored("p3").status()));
  EXPECT_EQ(AssessmentCount("p1"), 0);
}

TEST_F(ImportTest, ReImportSkipsExistingAssessmentsAndUpdatesPeople) {
  const std::vector<v1::ImportRecordsRequest> file = {
      Batch({PersonRecord("p1"), AssessmentRecord("p1", "a1", {{"j-a1-1", 2}}),
             AssessmentRecord("p1", "a2", {{"j-a2-1", 1}})})};
  ASSERT_OK_AND_ASSIGN(v1::ImportRecordsResponse first, Import(file));
  EXPECT_EQ(first.assessments_recorded(), 2);
  ASSERT_OK_AND_ASSIGN(v1::ImportRecordsResponse again, Import(file));
  EXPECT_EQ(again.people_created(), 0);
  EXPECT_EQ(again.people_updated(), 1);
  EXPECT_EQ(again.assessments_recorded(), 0);
  EXPECT_EQ(again.assessments_skipped(), 2);
  EXPECT_EQ(again.error_count(), 0);
  EXPECT_EQ(AssessmentCount("p1"), 2);
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile p1, Stored("p1"));
  EXPECT_EQ(p1.derived().assessment_count(), 2);
  EXPECT_EQ(p1.revision(), 2);  // the update
  EXPECT_EQ(p1.derived().level_size(), 2);

  // create_only refuses the existing person instead.
  ASSERT_OK_AND_ASSIGN(v1::ImportRecordsResponse strict,
                       Import({Batch({PersonRecord("p1", "junior", true)})}));
  ASSERT_EQ(strict.errors_size(), 1);
  EXPECT_EQ(strict.errors(0).field(), "person.profile_id");
  EXPECT_EQ(strict.errors(0).code(),
            static_cast<int>(absl::StatusCode::kAlreadyExists));

  // A later batch adds to the stored history: levels come from all three.
  ASSERT_OK_AND_ASSIGN(
      v1::ImportRecordsResponse more,
      Import({Batch({AssessmentRecord("p1", "a3", {{"j-b1-1", 3}})})}));
  EXPECT_EQ(more.assessments_recorded(), 1);
  ASSERT_OK_AND_ASSIGN(p1, Stored("p1"));
  EXPECT_EQ(p1.derived().assessment_count(), 3);
  ASSERT_EQ(p1.derived().level_size(), 3);
  EXPECT_EQ(p1.derived().indicator(0), "j-a1-1");
  EXPECT_EQ(p1.derived().indicator(2), "j-b1-1");
}

TEST_F(ImportTest, CancelledStreamKeepsTheCompletedBatches) {
  // The caller gives up while the third batch is arriving: the two before
  // are written, nothing of the third.
  int delivered = 0;
  Call call = call_;
  call.cancelled = [&] { return delivered >= 3; };
  std::vector<v1::ImportRecordsRequest> batches = {Batch({PersonRecord("p1")}),
                                                   Batch({PersonRecord("p2")}),
                                                   Batch({PersonRecord("p3")})};
  absl::StatusOr<v1::ImportRecordsResponse> r =
      api_->ImportRecords(call, [&](v1::ImportRecordsRequest* batch) {
        if (delivered == static_cast<int>(batches.size())) return false;
        *batch = batches[delivered++];
        return true;
      });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "after 2 batches"));
  EXPECT_OK(Stored("p1").status());
  EXPECT_OK(Stored("p2").status());
  EXPECT_TRUE(absl::IsNotFound(Stored("p3").status()));
}

TEST_F(ImportTest, LimitsAndParentsAreCheckedPerBatch) {
  std::vector<v1::ImportRecord> six;
  for (int i = 0; i < 6; ++i) six.push_back(PersonRecord(absl::StrCat("q", i)));
  absl::StatusOr<v1::ImportRecordsResponse> big =
      Import({Batch({PersonRecord("p1")}), Batch(six)});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "records: 6 records in batch 1; at most 5 per batch");
  EXPECT_OK(Stored("p1").status());  // the batch before stays
  EXPECT_TRUE(absl::IsNotFound(Stored("q0").status()));

  absl::StatusOr<v1::ImportRecordsResponse> mixed =
      Import({Batch({PersonRecord("p4")}),
              Batch({PersonRecord("p5")}, v1::PER_RECORD, "rival")});
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(mixed.status().message(), "parent: "));
  EXPECT_TRUE(absl::IsNotFound(Stored("p5").status()));
}

TEST_F(ImportTest, OnlyAdminsOfTheOrganisationImport) {
  Call assessor = call_;
  assessor.principal.roles = kRoleAssessor;
  absl::StatusOr<v1::ImportRecordsResponse> r =
      Import({Batch({PersonRecord("p1")})}, &assessor);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  Call rival = call_;
  rival.principal.organization = "rival";
  r = Import({Batch({PersonRecord("p1")})}, &rival);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::IsNotFound(Stored("p1").status()));
  // Both refusals are audited.
  EXPECT_EQ(Trail().size(), 2u);
}

}  // namespace
}  // namespace vakwijzer::core
