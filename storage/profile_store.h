// The storage interface the services use: profiles and their append-only
// assessments, per organisation.
#ifndef VAKWIJZER_STORAGE_PROFILE_STORE_H_
#define VAKWIJZER_STORAGE_PROFILE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/names.h"
#include "vakwijzer/storage/records.pb.h"
#include "vakwijzer/v1/audit.pb.h"
#include "vakwijzer/v1/profile.pb.h"

namespace vakwijzer::storage {

// Thread-safe. Every write is atomic and durable once it returns OK. The
// store does not serialise read-check-write sequences: callers that read a
// record and write it back hold their own per-person lock.
//
// The writes of a person's data take an optional audit event (null for
// none): it is appended to the organisation's audit trail (AuditStore) in
// the same atomic batch as the change it records.
// One person's part of a bulk write (ProfileStore::WritePeople).
struct PersonWrite {
  PersonName name;
  // Replaces the person's derived levels (record.derived) and, when
  // `profile_changed`, the profile part too.
  StoredProfile record;
  bool profile_changed = true;
  // New assessments, by id; an existing id is overwritten, so callers
  // check HasAssessment first.
  std::vector<std::pair<std::string, v1::Assessment>> assessments;
  // Replaces the person's level state when set.
  std::optional<LevelState> state;
  // Appended to the organisation's audit trail in the same batch.
  std::vector<v1::AuditEvent> audit;
};

class ProfileStore {
 public:
  ProfileStore() = default;
  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;
  virtual ~ProfileStore() = default;

  // The profile with its derived levels (StoredProfile.derived) joined in;
  // a record of schema version 1, which carried them inside, comes back in
  // the same form. NOT_FOUND when the person has no profile.
  virtual absl::StatusOr<StoredProfile> GetProfile(const PersonName& name) = 0;

  // Writes the profile record and its derived levels, replacing any
  // existing ones.
  virtual absl::Status PutProfile(const PersonName& name,
                                  const StoredProfile& record,
                                  const v1::AuditEvent* audit) = 0;

  // Erases the profile and all its assessments in one batch.
  // The audit trail is kept.
  virtual absl::Status DeleteProfile(const PersonName& name,
                                     const v1::AuditEvent* audit) = 0;

  // Whether an assessment with this id exists for the person.
  virtual absl::StatusOr<bool> HasAssessment(const PersonName& name,
                                             absl::string_view id) = 0;

  // The person's assessment `id`; NOT_FOUND when there is none.
  virtual absl::StatusOr<v1::Assessment> GetAssessment(
      const PersonName& name, absl::string_view id) = 0;

  // Writes `assessment` under id `id`, replaces the person's derived levels
  // with `derived` and, when `state` is not null, the person's level state
  // with it, in one batch. The profile record is not rewritten.
  virtual absl::Status AppendAssessment(const PersonName& name,
                                        absl::string_view id,
                                        const v1::Assessment& assessment,
                                        const PersonLevels& derived,
                                        const LevelState* state,
                                        const v1::AuditEvent* audit) = 0;

  // Parses the person's level state (records.proto: what the derived
  // levels depend on, kept by the core beside the profile record) into
  // *state, which may live on an arena. NOT_FOUND when none was written
  // (it is deleted with the profile).
  virtual absl::Status GetLevelState(const PersonName& name,
                                     LevelState* state) = 0;

  // Every write of `writes` (all of one organisation or several) in one
  // atomic, synced batch: after a crash either all of it is there or none.
  virtual absl::Status WritePeople(absl::Span<const PersonWrite> writes) = 0;

  using ProfileVisitor = std::function<bool(const StoredProfile&)>;
  using AssessmentVisitor =
      std::function<bool(absl::string_view id, const v1::Assessment&)>;

  // Visits the organisation's profiles (as GetProfile returns them) in
  // order of person id, starting after `start_after` (empty: from the
  // first), until `visit` returns false.
  virtual absl::Status ScanProfiles(absl::string_view org,
                                    absl::string_view start_after,
                                    const ProfileVisitor& visit) = 0;

  // The same scan with each person's PersonLevels record left unparsed,
  // for a reader that decodes it faster than the message (the start-up
  // rebuild): `levels` holds its bytes; when it is empty, `record.derived()`
  // holds the levels (a record of schema version 1 has them in the profile
  // record, and an empty PersonLevels has none).
  using ProfileRecordVisitor = std::function<bool(const StoredProfile& record,
                                                  absl::string_view levels)>;
  virtual absl::Status ScanProfileRecords(
      absl::string_view org, absl::string_view start_after,
      const ProfileRecordVisitor& visit) = 0;

  // At most parts - 1 person ids, ascending, that split the organisation's
  // profiles into parts of about equal size on disk, for scans in parallel:
  // part k visits the ids after splits[k - 1] up to splits[k]. Fewer (none)
  // when the store cannot tell, e.g. while everything is in memory.
  virtual absl::StatusOr<std::vector<std::string>> SplitPeople(
      absl::string_view org, int parts) = 0;

  // Visits the person's assessments in order of id, starting after
  // `start_after`, until `visit` returns false.
  virtual absl::Status ScanAssessments(const PersonName& name,
                                       absl::string_view start_after,
                                       const AssessmentVisitor& visit) = 0;

  // Erases everything of the organisation (profiles, assessments,
  // catalogue) in one batch; the audit trail is kept.
  virtual absl::Status DeleteOrganization(absl::string_view org) = 0;

  // Whether the store holds no organisation data at all (a new store).
  virtual absl::StatusOr<bool> IsEmpty() = 0;
};

}  // namespace vakwijzer::storage

#endif  // VAKWIJZER_STORAGE_PROFILE_STORE_H_
