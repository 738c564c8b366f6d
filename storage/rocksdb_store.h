// ProfileStore on RocksDB.
//
// Key layout (every id is [A-Za-z0-9._-], so '/' never occurs inside one):
//   meta/schema_version                     -> decimal schema version
//   o/{org}/p/{person}!                     -> StoredProfile without
//                                              `derived` (the profile part)
//   o/{org}/p/{person}!!                    -> PersonLevels (its `derived`)
//   o/{org}/h/{person}!s                    -> LevelState
//   o/{org}/h/{person}!a/{assessment}       -> v1::Assessment
//   o/{org}/m/{module}, o/{org}/r/{role}, o/{org}/c/{case} -> catalogue items
// and, in the column family "audit":
//   {org}/{event}                           -> v1::AuditEvent
// where {event} is 16 hex digits of the event's time in microseconds since
// the epoch and 8 of a sequence number, so that events sort by time.
// An organisation is the prefix "o/{org}/", a person "o/{org}/p/{person}!"
// and their history "o/{org}/h/{person}!" ('!' sorts below every id
// character, so people are in order of id). The history lies apart so that
// a scan of the people (the read model's rebuild at start-up) reads only
// their profiles and levels, not the assessments between them.
#ifndef VAKWIJZER_STORAGE_ROCKSDB_STORE_H_
#define VAKWIJZER_STORAGE_ROCKSDB_STORE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "storage/audit_store.h"
#include "storage/catalog_store.h"
#include "storage/profile_store.h"

namespace vakwijzer::storage {

// Version 3 keeps a person's history (assessments, LevelState) under
// "o/{org}/h/"; versions 1 and 2 kept it inside the person's range
// "o/{org}/p/{person}!". Version 2 keeps a person's derived levels under
// their own key; version 1 kept them inside the profile record. On open, a
// version 1 or 2 database has its history moved (batches of synced writes,
// each moving whole keys, so an interrupted move resumes at the next open)
// and is then marked version 3, so that an older server no longer opens
// it; version 1 profile records are read as they are (GetProfile joins
// either form).
inline constexpr int kSchemaVersion = 3;

// Maps a RocksDB status to an absl::Status: NotFound -> NOT_FOUND,
// Corruption -> DATA_LOSS, IOError -> UNAVAILABLE, Busy/TimedOut ->
// UNAVAILABLE, anything else -> INTERNAL.
absl::Status FromRocksDb(const rocksdb::Status& s);

class RocksDbStore final : public ProfileStore,
                           public CatalogStore,
                           public AuditStore {
 public:
  // Opens (creating if needed) the database in `path`. A database written
  // by a newer schema is refused with FAILED_PRECONDITION.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      const std::string& path);

  // Flushes the memtables of both column families (so that the next open
  // replays no log) and closes the database.
  ~RocksDbStore() override;

  absl::StatusOr<StoredProfile> GetProfile(const PersonName& name) override;
  absl::Status PutProfile(const PersonName& name, const StoredProfile& record,
                          const v1::AuditEvent* audit) override;
  absl::Status DeleteProfile(const PersonName& name,
                             const v1::AuditEvent* audit) override;
  absl::StatusOr<v1::Assessment> GetAssessment(const PersonName& name,
                                               absl::string_view id) override;
  absl::StatusOr<bool> HasAssessment(const PersonName& name,
                                     absl::string_view id) override;
  absl::Status GetLevelState(const PersonName& name,
                             LevelState* state) override;
  absl::Status AppendAssessment(const PersonName& name, absl::string_view id,
                                const v1::Assessment& assessment,
                                const PersonLevels& derived,
                                const LevelState* state,
                                const v1::AuditEvent* audit) override;
  absl::Status WritePeople(absl::Span<const PersonWrite> writes) override;
  absl::Status ScanProfiles(absl::string_view org,
                            absl::string_view start_after,
                            const ProfileVisitor& visit) override;
  absl::Status ScanProfileRecords(absl::string_view org,
                                  absl::string_view start_after,
                                  const ProfileRecordVisitor& visit) override;
  absl::StatusOr<std::vector<std::string>> SplitPeople(absl::string_view org,
                                                       int parts) override;
  absl::Status ScanAssessments(const PersonName& name,
                               absl::string_view start_after,
                               const AssessmentVisitor& visit) override;
  absl::Status DeleteOrganization(absl::string_view org) override;
  absl::StatusOr<bool> IsEmpty() override;

  absl::StatusOr<std::string> GetItem(absl::string_view org, CatalogKind kind,
                                      absl::string_view id) override;
  absl::Status PutItem(absl::string_view org, CatalogKind kind,
                       absl::string_view id, const std::string& value) override;
  absl::Status DeleteItem(absl::string_view org, CatalogKind kind,
                          absl::string_view id) override;
  absl::Status ScanItems(absl::string_view org, CatalogKind kind,
                         absl::string_view start_after,
                         const ItemVisitor& visit) override;
  absl::Status ScanOrganizations(
      const std::function<void(absl::string_view org)>& visit) override;

  absl::Status AppendAudit(absl::string_view org, v1::AuditEvent event,
                           bool sync) override;
  absl::Status ScanAudit(absl::string_view org, absl::string_view start_after,
                         absl::Time start, absl::Time end,
                         const AuditVisitor& visit) override;
  absl::Status DropAuditBefore(absl::Time cutoff) override;

  // Stored schema version (for tests and diagnostics).
  absl::StatusOr<int> SchemaVersion();

 private:
  RocksDbStore(std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles);
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync = true);
  // Moves the history keys of schema versions 1 and 2 to "o/{org}/h/".
  absl::Status MoveHistory();
  // ScanProfiles and ScanProfileRecords: `parse_levels` says whether the
  // PersonLevels record is parsed into the record or handed over as bytes.
  absl::Status ScanPeople(absl::string_view org, absl::string_view start_after,
                          bool parse_levels, const ProfileRecordVisitor& visit);
  // Adds `event` (named here) to `batch`.
  absl::Status AddAudit(absl::string_view org, v1::AuditEvent event,
                        rocksdb::WriteBatch* batch);

  std::unique_ptr<rocksdb::DB> db_;
  // [0] the default column family, [1] "audit".
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint32_t> audit_seq_{0};
};

}  // namespace vakwijzer::storage

#endif  // VAKWIJZER_STORAGE_ROCKSDB_STORE_H_
