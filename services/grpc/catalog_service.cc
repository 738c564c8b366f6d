#include "services/grpc/catalog_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

grpc::Status CatalogServiceImpl::CreateModule(
    grpc::ServerContext*, const v1::CreateModuleRequest* request,
    v1::TrainingModule* response) {
  return Reply(manager_->CreateModule(*request), response);
}

grpc::Status CatalogServiceImpl::GetModule(
    grpc::ServerContext*, const v1::GetCatalogItemRequest* request,
    v1::TrainingModule* response) {
  return Reply(manager_->GetModule(*request), response);
}

grpc::Status CatalogServiceImpl::UpdateModule(
    grpc::ServerContext*, const v1::UpdateModuleRequest* request,
    v1::TrainingModule* response) {
  return Reply(manager_->UpdateModule(*request), response);
}

grpc::Status CatalogServiceImpl::DeleteModule(
    grpc::ServerContext*, const v1::DeleteCatalogItemRequest* request,
    google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteModule(*request));
}

grpc::Status CatalogServiceImpl::ListModules(
    grpc::ServerContext*, const v1::ListCatalogRequest* request,
    v1::ListModulesResponse* response) {
  return Reply(manager_->ListModules(*request), response);
}

grpc::Status CatalogServiceImpl::CreateRole(
    grpc::ServerContext*, const v1::CreateRoleRequest* request,
    v1::Role* response) {
  return Reply(manager_->CreateRole(*request), response);
}

grpc::Status CatalogServiceImpl::GetRole(
    grpc::ServerContext*, const v1::GetCatalogItemRequest* request,
    v1::Role* response) {
  return Reply(manager_->GetRole(*request), response);
}

grpc::Status CatalogServiceImpl::UpdateRole(
    grpc::ServerContext*, const v1::UpdateRoleRequest* request,
    v1::Role* response) {
  return Reply(manager_->UpdateRole(*request), response);
}

grpc::Status CatalogServiceImpl::DeleteRole(
    grpc::ServerContext*, const v1::DeleteCatalogItemRequest* request,
    google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteRole(*request));
}

grpc::Status CatalogServiceImpl::ListRoles(
    grpc::ServerContext*, const v1::ListCatalogRequest* request,
    v1::ListRolesResponse* response) {
  return Reply(manager_->ListRoles(*request), response);
}

grpc::Status CatalogServiceImpl::CreateCase(
    grpc::ServerContext*, const v1::CreateCaseRequest* request,
    v1::ClientCase* response) {
  return Reply(manager_->CreateCase(*request), response);
}

grpc::Status CatalogServiceImpl::GetCase(
    grpc::ServerContext*, const v1::GetCatalogItemRequest* request,
    v1::ClientCase* response) {
  return Reply(manager_->GetCase(*request), response);
}

grpc::Status CatalogServiceImpl::UpdateCase(
    grpc::ServerContext*, const v1::UpdateCaseRequest* request,
    v1::ClientCase* response) {
  return Reply(manager_->UpdateCase(*request), response);
}

grpc::Status CatalogServiceImpl::DeleteCase(
    grpc::ServerContext*, const v1::DeleteCatalogItemRequest* request,
    google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteCase(*request));
}

grpc::Status CatalogServiceImpl::ListCases(
    grpc::ServerContext*, const v1::ListCatalogRequest* request,
    v1::ListCasesResponse* response) {
  return Reply(manager_->ListCases(*request), response);
}

}  // namespace vakwijzer::grpc_api
