// The one place where absl::Status becomes grpc::Status.
#ifndef VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
#define VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/support/status.h"

namespace vakwijzer::grpc_api {

// Codes map one to one (absl's codes are gRPC's); the message is kept.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Moves an OK result into `response`; converts an error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

// For methods whose response is google.protobuf.Empty.
inline grpc::Status Reply(const absl::Status& status,
                          google::protobuf::Empty*) {
  return ToGrpcStatus(status);
}

// Defines the unary handler Service##Impl::Method, which hands the request
// of an authenticated call to core::CoreApi::Method.
#define VW_UNARY_RPC(Service, Method, Request, Response)                 \
  grpc::Status Service##Impl::Method(grpc::ServerContext* context,       \
                                     const Request* request,             \
                                     Response* response) {               \
    return Serve(*auth_, context, "/vakwijzer.v1." #Service "/" #Method, \
                 [&](const core::Call& call) {                           \
                   return Reply(api_->Method(call, *request), response); \
                 });                                                     \
  }

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
