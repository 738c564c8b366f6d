// The in-memory table of current levels and catalogue per organisation
// that matchers read: built from the store at start, updated by every
// write before the write is acknowledged, published as immutable
// snapshots (copy on write), so a match never reads the store and never
// sees a half-applied write.
#ifndef VAKWIJZER_SERVICES_CORE_SNAPSHOT_CACHE_H_
#define VAKWIJZER_SERVICES_CORE_SNAPSHOT_CACHE_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "plugins/api/snapshot.h"
#include "storage/catalog_store.h"
#include "storage/profile_store.h"
#include "vakwijzer/storage/records.pb.h"

namespace vakwijzer::core {

class SnapshotCache {
 public:
  // `frameworks` must outlive the cache.
  explicit SnapshotCache(const framework::FrameworkRegistry* frameworks)
      : frameworks_(frameworks) {}
  SnapshotCache(const SnapshotCache&) = delete;
  SnapshotCache& operator=(const SnapshotCache&) = delete;

  // Reads every organisation's profiles and catalogue. Call once, before
  // serving. With a `pool`, an organisation's people are read in parts of
  // its key range, one per thread.
  absl::Status LoadAll(storage::ProfileStore* profiles,
                       storage::CatalogStore* catalog,
                       const ScanPool* pool = nullptr);

  // The organisation as of the last acknowledged write; an empty snapshot
  // for an organisation without data. Cheap (a shared pointer copy).
  std::shared_ptr<const plugins::OrgSnapshot> Get(absl::string_view org) const;

  // Mutations, called by the managers after the store accepted the write.
  void PutPerson(absl::string_view org, const storage::StoredProfile& record);
  // Many people in one update: one copy of the snapshot for all of them.
  void PutPeople(absl::string_view org,
                 absl::Span<const storage::StoredProfile> records);
  void ErasePerson(absl::string_view org, absl::string_view person);
  void PutModule(absl::string_view org, const v1::TrainingModule& module);
  void PutRole(absl::string_view org, const v1::Role& role);
  void PutCase(absl::string_view org, const v1::ClientCase& c);
  // Erases the catalogue item with this resource name, of any kind.
  void EraseItem(absl::string_view org, absl::string_view name);

  // A person as matchers see them; nullptr when the profile's framework is
  // not loaded.
  std::shared_ptr<const plugins::PersonView> MakePersonView(
      const storage::StoredProfile& record) const;
  // The same from a record as ScanProfileRecords hands it over, with its
  // PersonLevels record still serialized in `levels`; DataLoss when
  // `levels` does not parse.
  absl::StatusOr<std::shared_ptr<const plugins::PersonView>> MakePersonView(
      const storage::StoredProfile& record, absl::string_view levels) const;

 private:
  using Mutation = std::function<void(plugins::OrgSnapshot*)>;
  // A person's view with every level unknown; nullptr when the profile's
  // framework is not loaded.
  std::shared_ptr<plugins::PersonView> NewPersonView(
      const v1::Profile& profile) const;
  using NamedView =
      std::pair<std::string, std::shared_ptr<const plugins::PersonView>>;
  // Puts each view (null: erases the person) in one update.
  void PutViews(absl::string_view org, std::vector<NamedView> views);
  // Copies the organisation's snapshot, applies `mutate`, publishes it.
  void Update(absl::string_view org, const Mutation& mutate);

  const framework::FrameworkRegistry* frameworks_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const plugins::OrgSnapshot>,
           std::less<>>
      orgs_ ABSL_GUARDED_BY(mu_);
  // The version of the next snapshot published (OrgSnapshot::version).
  uint64_t next_version_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_SNAPSHOT_CACHE_H_
