// Loads bundles of people with their assessments (vakwijzer.v1.ImportBundle)
// and of catalogue items (vakwijzer.v1.CatalogBundle), in text format,
// through the managers, so that they are validated like any request.
#ifndef VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_
#define VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/core/catalog_manager.h"
#include "services/core/profile_manager.h"
#include "storage/profile_store.h"

namespace vakwijzer::core {

struct LoadStats {
  int people = 0;
  int assessments = 0;
  int catalog_items = 0;
};

// Records every person and assessment of `people_file` and, when
// `catalog_file` is not empty, every item of it. All or nothing: on any
// error the organisations of both files are erased again. Errors name the
// file and the line (parse errors) or the person or item and the field.
absl::StatusOr<LoadStats> LoadBundles(const std::string& people_file,
                                      const std::string& catalog_file,
                                      ProfileManager* profiles,
                                      CatalogManager* catalog,
                                      storage::ProfileStore* store);

// LoadBundles into a new database, all or nothing across crashes: a marker
// file at `marker` is created (and synced) before the first write and
// removed after the last. A start that finds the marker knows that an
// earlier load was cut short: it erases the organisations of both files and
// loads them again. Without a marker, a database that is not empty is left
// as it is (nullopt). A failed load keeps the marker, so the next start
// cleans up and tries again.
absl::StatusOr<std::optional<LoadStats>> LoadBundlesOnce(
    const std::string& people_file, const std::string& catalog_file,
    const std::string& marker, ProfileManager* profiles,
    CatalogManager* catalog, storage::ProfileStore* store);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_
