// The core of CatalogService: validated create/get/update/delete/list of
// an organisation's training modules, roles and client cases. Knows no
// gRPC.
#ifndef VAKWIJZER_SERVICES_CORE_CATALOG_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_CATALOG_MANAGER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "services/core/snapshot_cache.h"
#include "storage/catalog_store.h"
#include "vakwijzer/v1/import.pb.h"
#include "vakwijzer/v1/service.pb.h"

namespace vakwijzer::core {

// Thread-safe. Requirements (what a module develops or needs, what a role
// or case requires) are checked against the item's framework: unknown
// indicators or competencies, indicators of another track than the item's,
// and levels off the scale are INVALID_ARGUMENT naming the field.
class CatalogManager {
 public:
  // Pointers must outlive the manager; `cache` may be null.
  CatalogManager(const framework::FrameworkRegistry* frameworks,
                 storage::CatalogStore* store, SnapshotCache* cache,
                 std::string default_framework,
                 std::function<absl::Time()> clock = absl::Now);

  absl::StatusOr<v1::TrainingModule> CreateModule(
      const v1::CreateModuleRequest& request);
  absl::StatusOr<v1::TrainingModule> GetModule(
      const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::TrainingModule> UpdateModule(
      const v1::UpdateModuleRequest& request);
  absl::Status DeleteModule(const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListModulesResponse> ListModules(
      const v1::ListCatalogRequest& request);

  absl::StatusOr<v1::Role> CreateRole(const v1::CreateRoleRequest& request);
  absl::StatusOr<v1::Role> GetRole(const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::Role> UpdateRole(const v1::UpdateRoleRequest& request);
  absl::Status DeleteRole(const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListRolesResponse> ListRoles(
      const v1::ListCatalogRequest& request);

  absl::StatusOr<v1::ClientCase> CreateCase(
      const v1::CreateCaseRequest& request);
  absl::StatusOr<v1::ClientCase> GetCase(
      const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::ClientCase> UpdateCase(
      const v1::UpdateCaseRequest& request);
  absl::Status DeleteCase(const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListCasesResponse> ListCases(
      const v1::ListCatalogRequest& request);

  // Creates every item of `bundle`; stops at the first error, naming the
  // item.
  absl::Status LoadBundle(const v1::CatalogBundle& bundle);

  // For the generic implementation in the .cc file.
  struct Deps {
    const framework::FrameworkRegistry* frameworks;
    storage::CatalogStore* store;
    SnapshotCache* cache;
    std::string default_framework;
    std::function<absl::Time()> clock;
    absl::Mutex* mu;
  };

 private:
  absl::Mutex mu_;  // serialises read-check-write of items
  Deps deps_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_CATALOG_MANAGER_H_
