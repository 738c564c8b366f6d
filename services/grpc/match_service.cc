#include "services/grpc/match_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

grpc::Status MatchServiceImpl::ListMatchers(
    grpc::ServerContext* context, const v1::ListMatchersRequest*,
    v1::ListMatchersResponse* response) {
  return Serve(*auth_, context, "/vakwijzer.v1.MatchService/ListMatchers",
               [&](const core::Call& call) {
                 *response = api_->ListMatchers(call);
                 return grpc::Status::OK;
               });
}

VW_UNARY_RPC(MatchService, Match, v1::MatchRequest, v1::MatchResponse)

grpc::Status MatchServiceImpl::BatchMatch(
    grpc::ServerContext* context, const v1::BatchMatchRequest* request,
    grpc::ServerWriter<v1::BatchMatchResponse>* writer) {
  return Serve(*auth_, context, "/vakwijzer.v1.MatchService/BatchMatch",
               [&](const core::Call& call) {
                 return ToGrpcStatus(api_->BatchMatch(
                     call, *request, [&](const v1::BatchMatchResponse& part) {
                       return StreamIo(*auth_, context,
                                       [&] { return writer->Write(part); });
                     }));
               });
}

}  // namespace vakwijzer::grpc_api
