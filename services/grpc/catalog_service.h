#ifndef VAKWIJZER_SERVICES_GRPC_CATALOG_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_CATALOG_SERVICE_H_

#include "services/core/core_api.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// CatalogService over the CoreApi; synchronous API, as its writes
// wait for fsync (see ProfileServiceImpl).
class CatalogServiceImpl final : public v1::CatalogService::Service {
 public:
  // `api` and `auth` must outlive the service.
  CatalogServiceImpl(core::CoreApi* api, const CallAuthenticator* auth)
      : api_(api), auth_(auth) {}

#define VW_CATALOG_RPC(Method, Request, Response)                           \
  grpc::Status Method(grpc::ServerContext* context, const Request* request, \
                      Response* response) override;
  VW_CATALOG_RPC(CreateModule, v1::CreateModuleRequest, v1::TrainingModule)
  VW_CATALOG_RPC(GetModule, v1::GetCatalogItemRequest, v1::TrainingModule)
  VW_CATALOG_RPC(UpdateModule, v1::UpdateModuleRequest, v1::TrainingModule)
  VW_CATALOG_RPC(DeleteModule, v1::DeleteCatalogItemRequest,
                 google::protobuf::Empty)
  VW_CATALOG_RPC(ListModules, v1::ListCatalogRequest, v1::ListModulesResponse)
  VW_CATALOG_RPC(CreateRole, v1::CreateRoleRequest, v1::Role)
  VW_CATALOG_RPC(GetRole, v1::GetCatalogItemRequest, v1::Role)
  VW_CATALOG_RPC(UpdateRole, v1::UpdateRoleRequest, v1::Role)
  VW_CATALOG_RPC(DeleteRole, v1::DeleteCatalogItemRequest,
                 google::protobuf::Empty)
  VW_CATALOG_RPC(ListRoles, v1::ListCatalogRequest, v1::ListRolesResponse)
  VW_CATALOG_RPC(CreateCase, v1::CreateCaseRequest, v1::ClientCase)
  VW_CATALOG_RPC(GetCase, v1::GetCatalogItemRequest, v1::ClientCase)
  VW_CATALOG_RPC(UpdateCase, v1::UpdateCaseRequest, v1::ClientCase)
  VW_CATALOG_RPC(DeleteCase, v1::DeleteCatalogItemRequest,
                 google::protobuf::Empty)
  VW_CATALOG_RPC(ListCases, v1::ListCatalogRequest, v1::ListCasesResponse)
#undef VW_CATALOG_RPC

 private:
  core::CoreApi* api_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_CATALOG_SERVICE_H_
