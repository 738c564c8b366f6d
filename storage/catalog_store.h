// Storage of an organisation's catalogue: training modules, roles and
// client cases, as serialized protos by kind and id.
#ifndef VAKWIJZER_STORAGE_CATALOG_STORE_H_
#define VAKWIJZER_STORAGE_CATALOG_STORE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vakwijzer::storage {

enum class CatalogKind { kModule, kRole, kCase };

// Thread-safe; every write is atomic and durable once it returns OK.
// Read-check-write sequences are the caller's to serialise.
class CatalogStore {
 public:
  CatalogStore() = default;
  CatalogStore(const CatalogStore&) = delete;
  CatalogStore& operator=(const CatalogStore&) = delete;
  virtual ~CatalogStore() = default;

  // The serialized item; NOT_FOUND when absent.
  virtual absl::StatusOr<std::string> GetItem(absl::string_view org,
                                              CatalogKind kind,
                                              absl::string_view id) = 0;
  virtual absl::Status PutItem(absl::string_view org, CatalogKind kind,
                               absl::string_view id,
                               const std::string& value) = 0;
  virtual absl::Status DeleteItem(absl::string_view org, CatalogKind kind,
                                  absl::string_view id) = 0;

  using ItemVisitor =
      std::function<bool(absl::string_view id, const std::string& value)>;
  // Visits the items of one kind in order of id, after `start_after`, until
  // `visit` returns false.
  virtual absl::Status ScanItems(absl::string_view org, CatalogKind kind,
                                 absl::string_view start_after,
                                 const ItemVisitor& visit) = 0;

  // Visits the id of every organisation that has any data, in order.
  virtual absl::Status ScanOrganizations(
      const std::function<void(absl::string_view org)>& visit) = 0;
};

}  // namespace vakwijzer::storage

#endif  // VAKWIJZER_STORAGE_CATALOG_STORE_H_
