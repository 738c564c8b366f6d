// The one place where absl::Status becomes grpc::Status.
#ifndef VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
#define VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace vakwijzer::grpc_api {

// Codes map one to one (absl's codes are gRPC's); the message is kept.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_STATUS_UTIL_H_
