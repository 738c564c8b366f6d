// ProfileStore on RocksDB.
//
// Key layout (every id is [A-Za-z0-9._-], so '/' never occurs inside one):
//   meta/schema_version                     -> decimal schema version
//   o/{org}/p/{person}!                     -> StoredProfile
//   o/{org}/p/{person}!a/{assessment}       -> v1::Assessment
//   o/{org}/m/{module}, o/{org}/r/{role}, o/{org}/c/{case} -> catalogue items
// An organisation is the prefix "o/{org}/", a person "o/{org}/p/{person}!"
// ('!' sorts below every id character, so people are in order of id).
#ifndef VAKWIJZER_STORAGE_ROCKSDB_STORE_H_
#define VAKWIJZER_STORAGE_ROCKSDB_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "storage/catalog_store.h"
#include "storage/profile_store.h"

namespace vakwijzer::storage {

inline constexpr int kSchemaVersion = 1;

// Maps a RocksDB status to an absl::Status: NotFound -> NOT_FOUND,
// Corruption -> DATA_LOSS, IOError -> UNAVAILABLE, Busy/TimedOut ->
// UNAVAILABLE, anything else -> INTERNAL.
absl::Status FromRocksDb(const rocksdb::Status& s);

class RocksDbStore final : public ProfileStore, public CatalogStore {
 public:
  // Opens (creating if needed) the database in `path`. A database written
  // by a newer schema is refused with FAILED_PRECONDITION.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      const std::string& path);

  // Flushes and closes the database.
  ~RocksDbStore() override;

  absl::StatusOr<StoredProfile> GetProfile(const PersonName& name) override;
  absl::Status PutProfile(const PersonName& name,
                          const StoredProfile& record) override;
  absl::Status DeleteProfile(const PersonName& name) override;
  absl::StatusOr<bool> HasAssessment(const PersonName& name,
                                     absl::string_view id) override;
  absl::Status AppendAssessment(const PersonName& name, absl::string_view id,
                                const v1::Assessment& assessment,
                                const StoredProfile& record) override;
  absl::Status ScanProfiles(absl::string_view org,
                            absl::string_view start_after,
                            const ProfileVisitor& visit) override;
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

  // Stored schema version (for tests and diagnostics).
  absl::StatusOr<int> SchemaVersion();

 private:
  explicit RocksDbStore(std::unique_ptr<rocksdb::DB> db);
  absl::Status Write(rocksdb::WriteBatch* batch);

  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace vakwijzer::storage

#endif  // VAKWIJZER_STORAGE_ROCKSDB_STORE_H_
