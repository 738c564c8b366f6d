#include "services/grpc/match_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

grpc::Status MatchServiceImpl::ListMatchers(
    grpc::ServerContext*, const v1::ListMatchersRequest*,
    v1::ListMatchersResponse* response) {
  *response = manager_->ListMatchers();
  return grpc::Status::OK;
}

grpc::Status MatchServiceImpl::Match(grpc::ServerContext* context,
                                     const v1::MatchRequest* request,
                                     v1::MatchResponse* response) {
  return Reply(
      manager_->Match(*request, [context] { return context->IsCancelled(); }),
      response);
}

grpc::Status MatchServiceImpl::BatchMatch(
    grpc::ServerContext* context, const v1::BatchMatchRequest* request,
    grpc::ServerWriter<v1::BatchMatchResponse>* writer) {
  return ToGrpcStatus(manager_->BatchMatch(
      *request,
      [&](const v1::BatchMatchResponse& part) { return writer->Write(part); },
      [context] { return context->IsCancelled(); }));
}

}  // namespace vakwijzer::grpc_api
