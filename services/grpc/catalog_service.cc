#include "services/grpc/catalog_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

VW_UNARY_RPC(CatalogService, CreateModule, v1::CreateModuleRequest,
             v1::TrainingModule)
VW_UNARY_RPC(CatalogService, GetModule, v1::GetCatalogItemRequest,
             v1::TrainingModule)
VW_UNARY_RPC(CatalogService, UpdateModule, v1::UpdateModuleRequest,
             v1::TrainingModule)
VW_UNARY_RPC(CatalogService, DeleteModule, v1::DeleteCatalogItemRequest,
             google::protobuf::Empty)
VW_UNARY_RPC(CatalogService, ListModules, v1::ListCatalogRequest,
             v1::ListModulesResponse)
VW_UNARY_RPC(CatalogService, CreateRole, v1::CreateRoleRequest, v1::Role)
VW_UNARY_RPC(CatalogService, GetRole, v1::GetCatalogItemRequest, v1::Role)
VW_UNARY_RPC(CatalogService, UpdateRole, v1::UpdateRoleRequest, v1::Role)
VW_UNARY_RPC(CatalogService, DeleteRole, v1::DeleteCatalogItemRequest,
             google::protobuf::Empty)
VW_UNARY_RPC(CatalogService, ListRoles, v1::ListCatalogRequest,
             v1::ListRolesResponse)
VW_UNARY_RPC(CatalogService, CreateCase, v1::CreateCaseRequest, v1::ClientCase)
VW_UNARY_RPC(CatalogService, GetCase, v1::GetCatalogItemRequest, v1::ClientCase)
VW_UNARY_RPC(CatalogService, UpdateCase, v1::UpdateCaseRequest, v1::ClientCase)
VW_UNARY_RPC(CatalogService, DeleteCase, v1::DeleteCatalogItemRequest,
             google::protobuf::Empty)
VW_UNARY_RPC(CatalogService, ListCases, v1::ListCatalogRequest,
             v1::ListCasesResponse)

}  // namespace vakwijzer::grpc_api
