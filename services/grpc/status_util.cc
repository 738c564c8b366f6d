#include "services/grpc/status_util.h"

#include <string>

#include "common/quote.h"

namespace vakwijzer::grpc_api {

// Messages travel in the grpc-message trailer; the quotes of input in them
// are short (common/quote.h), and this is the backstop for the rest.
constexpr size_t kMaxStatusMessageBytes = 1024;

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      Truncate(status.message(), kMaxStatusMessageBytes));
}

}  // namespace vakwijzer::grpc_api
