// The core of ProfileService: validation, concurrency and derivation for
// profiles, assessments and gap reports. Knows no gRPC.
#ifndef VAKWIJZER_SERVICES_CORE_PROFILE_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_PROFILE_MANAGER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/names.h"
#include "framework/framework_registry.h"
#include "services/core/aggregation.h"
#include "services/core/snapshot_cache.h"
#include "storage/profile_store.h"
#include "vakwijzer/v1/service.pb.h"

namespace vakwijzer::core {

struct ProfileManagerOptions {
  // Framework id used when a profile names none.
  std::string default_framework = "sfd-2021";
  // Role weights and thresholds; `policy` is the default policy, the one
  // whose levels are stored with each profile.
  AggregationOptions aggregation;
  int default_page_size = 50;
  int max_page_size = 1000;
  int max_top_n = 1000;
  int max_evidence_length = 2000;
  // How far in the future an assess_time may lie (client clock skew); it is
  // then recorded as the current time.
  absl::Duration max_clock_skew = absl::Minutes(5);
  // ImportRecords: records per batch, and errors listed per call.
  int max_import_batch = 1000;
  int max_import_errors = 1000;
};

// Thread-safe. Every method validates its whole request before writing
// anything; an error names the offending request field.
class ProfileManager {
 public:
  // `frameworks`, `store` and `cache` must outlive the manager. Every
  // acknowledged write is applied to `cache` (when not null) before it
  // returns.
  ProfileManager(const framework::FrameworkRegistry* frameworks,
                 storage::ProfileStore* store, ProfileManagerOptions options,
                 std::function<absl::Time()> clock = absl::Now,
                 SnapshotCache* cache = nullptr);

  // The writes take an optional audit event, stored in the same batch as
  // the change (see storage::ProfileStore); null for none.
  absl::StatusOr<v1::Profile> CreateProfile(
      const v1::CreateProfileRequest& request,
      const v1::AuditEvent* audit = nullptr);
  absl::StatusOr<v1::Profile> GetProfile(const v1::GetProfileRequest& request);
  absl::StatusOr<v1::Profile> UpdateProfile(
      const v1::UpdateProfileRequest& request,
      const v1::AuditEvent* audit = nullptr);
  absl::Status DeleteProfile(const v1::DeleteProfileRequest& request,
                             const v1::AuditEvent* audit = nullptr);
  absl::StatusOr<v1::ListProfilesResponse> ListProfiles(
      const v1::ListProfilesRequest& request);
  absl::StatusOr<v1::Assessment> RecordAssessment(
      const v1::RecordAssessmentRequest& request,
      const v1::AuditEvent* audit = nullptr);
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const v1::ListAssessmentsRequest& request);
  absl::StatusOr<v1::GapReport> GetGapReport(
      const v1::GetGapReportRequest& request);
  // The profile and every assessment (audit_events are not filled here).
  absl::StatusOr<v1::PersonDataExport> ExportPersonData(
      const v1::ExportPersonDataRequest& request);

  // One batch of ImportRecords (service.proto) into `org`, the batch's
  // parent as the caller checked it. Records are checked in order, as
  // CreateProfile/UpdateProfile and RecordAssessment check them (an
  // assessment may follow its person in the batch); what is written goes
  // to the store in one synced WriteBatch with the event `audit(person)`
  // for each person written, and to the read model in one PutPeople.
  // Levels are derived once per person per batch. Adds the batch's counts
  // and per-record errors (index `batch_index`) to `response`. Returns an
  // error, with nothing of the batch written, only for the batch as a
  // whole: INVALID_ARGUMENT for a limit, or a failing store.
  // The assessments are moved out of `batch`.
  absl::Status ImportBatch(
      absl::string_view org, v1::ImportRecordsRequest* batch, int batch_index,
      const std::function<v1::AuditEvent(const PersonName&)>& audit,
      v1::ImportRecordsResponse* response);

 private:
  absl::Mutex& LockFor(const PersonName& name);
  // Fills defaults of `profile` and checks every field against its
  // framework.
  absl::Status NormalizeProfile(v1::Profile* profile) const;
  // What RecordAssessment checks before reading the profile: clears output
  // fields, rater role and rater, assess_time against `now`.
  absl::Status PrepareAssessment(const PersonName& name, absl::Time now,
                                 v1::Assessment* a) const;
  // The rest: framework and version (filled when empty), ratings against
  // the profile's track and the scale. Returns the framework.
  absl::StatusOr<const framework::FrameworkIndex*> CheckAgainstProfile(
      const PersonName& name, const v1::Profile& profile,
      v1::Assessment* a) const;
  // Fills *state (empty, perhaps on an arena) with the person's level
  // state covering its `stored` assessments: the one stored, or, when that
  // is missing or covers another count (a database written before level
  // states existed), one rebuilt from the history, which *rebuilt then
  // says.
  absl::Status LoadLevelState(const PersonName& name, int64_t stored,
                              storage::LevelState* state, bool* rebuilt);
  // Adds `added` (assessments not in `state`) to `state` and updates the
  // levels of *derived to match it, in framework order: the levels of the
  // indicators they rate, or every level when `all`. O(their ratings ×
  // the person's levels), never the history. The counts are the caller's.
  void AddAssessments(const framework::FrameworkIndex* fw,
                      absl::Span<const v1::Assessment* const> added, bool all,
                      storage::LevelState* state,
                      storage::PersonLevels* derived) const;
  absl::StatusOr<std::vector<v1::Assessment>> LoadAssessments(
      const PersonName& name);
  absl::StatusOr<int> PageSize(int requested) const;

  const framework::FrameworkRegistry* frameworks_;
  storage::ProfileStore* store_;
  const ProfileManagerOptions options_;
  const std::function<absl::Time()> clock_;
  SnapshotCache* const cache_;
  std::array<absl::Mutex, 64> locks_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_PROFILE_MANAGER_H_
