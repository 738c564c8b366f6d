#include "services/grpc/authn.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace vakwijzer::grpc_api {
namespace {

constexpr size_t kMaxRequestIdLength = 64;

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen;
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(*gen));
}

bool IsRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::string_view Metadata(const grpc::ServerContext& context,
                           absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<core::Call> CallAuthenticator::Begin(
    grpc::ServerContext* context, absl::string_view method, Token token) const {
  if (!ready_.load()) {
    return absl::UnavailableError(
        "the server is starting: its read model is being loaded; retry "
        "shortly");
  }
  core::Call call;
  call.method = std::string(method);
  absl::string_view given = Metadata(*context, "x-request-id");
  call.request_id = IsRequestId(given) ? std::string(given) : NewRequestId();
  context->AddInitialMetadata("x-request-id", call.request_id);

  if (verifier_ == nullptr) {
    call.principal = Principal::Unauthenticated();
    return call;
  }
  absl::string_view header = Metadata(*context, "authorization");
  if (header.empty() && token == Token::kOptional) {
    call.principal.subject = "anonymous";  // no organisation, no role
    return call;
  }
  if (header.empty()) {
    return absl::UnauthenticatedError(
        "this server requires a bearer token in the authorization metadata");
  }
  constexpr absl::string_view kBearer = "bearer ";
  if (header.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kBearer.size()), kBearer)) {
    return absl::UnauthenticatedError(
        "the authorization metadata must be \"Bearer <token>\"");
  }
  absl::StatusOr<Principal> principal =
      verifier_->Verify(header.substr(kBearer.size()), absl::Now());
  if (!principal.ok()) return principal.status();
  call.principal = *std::move(principal);
  return call;
}

}  // namespace vakwijzer::grpc_api
