// The one place where absl::Status becomes grpc::Status.
#ifndef VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
#define VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
