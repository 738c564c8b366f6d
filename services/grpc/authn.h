// Who is calling, as the gRPC layer establishes it: the bearer token in
// the `authorization` metadata (verified by services/auth), or nobody in
// particular on a server without authentication; and the call's request
// id (`x-request-id`, generated when absent, echoed in the response's
// initial metadata). What the caller may do is the core's decision.
#ifndef VAKWIJZER_SERVICES_GRPC_AUTHN_H_
#define VAKWIJZER_SERVICES_GRPC_AUTHN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "services/auth/jwt_verifier.h"
#include "services/core/core_api.h"
#include "services/grpc/admission.h"
#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

class CallAuthenticator {
 public:
  // `verifier` null: no authentication, every call is made by
  // Principal::Unauthenticated(). Otherwise it must outlive this object.
  // `admission` null: calls are not limited; otherwise it must outlive
  // this object.
  explicit CallAuthenticator(const auth::JwtVerifier* verifier,
                             AdmissionControl* admission = nullptr)
      : verifier_(verifier), admission_(admission) {}

  // While not ready (the server is loading), every call is UNAVAILABLE.
  void SetReady(bool ready) { ready_.store(ready); }

  // Whether a method needs a token when the server authenticates. Public
  // methods (the frameworks' published text) take calls without one, as an
  // anonymous principal with no grant; a token they do get must be valid.
  enum class Token { kRequired, kOptional };

  // UNAVAILABLE while not ready; UNAUTHENTICATED when a token is required
  // and missing, or given and not a bearer token or not valid (the message
  // never repeats the token).
  absl::StatusOr<core::Call> Begin(grpc::ServerContext* context,
                                   absl::string_view method,
                                   Token token = Token::kRequired) const;

  AdmissionControl* admission() const { return admission_; }

 private:
  const auth::JwtVerifier* verifier_;
  AdmissionControl* admission_;
  std::atomic<bool> ready_{true};
};

// Whether a call was cancelled, from a poll of gRPC at most every
// kInterval: ServerContext::IsCancelled polls the call's completion queue,
// which cost a mentor Match about a fifth of its server CPU when asked per
// chunk of 256 people. A cancellation is noticed at most kInterval late.
// Thread-safe.
class ThrottledCancelCheck {
 public:
  static constexpr int64_t kInterval = 2'000'000;  // ns

  explicit ThrottledCancelCheck(std::function<bool()> poll)
      : poll_(std::move(poll)) {}

  bool operator()() const {
    if (cancelled_.load(std::memory_order_relaxed)) return true;
    const int64_t now = absl::GetCurrentTimeNanos();
    int64_t next = next_poll_.load(std::memory_order_relaxed);
    // One caller polls; the others keep the last answer meanwhile.
    if (now < next ||
        !next_poll_.compare_exchange_strong(next, now + kInterval)) {
      return false;
    }
    if (!poll_()) return false;
    cancelled_.store(true, std::memory_order_relaxed);
    return true;
  }

 private:
  const std::function<bool()> poll_;
  mutable std::atomic<bool> cancelled_{false};
  mutable std::atomic<int64_t> next_poll_{0};
};

// Runs `body(const core::Call&)` for an authenticated, admitted call, or
// answers with the authentication or admission error. The call counts as
// cancelled once its client gives up or it runs past the server's limit.
template <typename Body>
grpc::Status Serve(
    const CallAuthenticator& auth, grpc::ServerContext* context,
    absl::string_view method, Body&& body,
    CallAuthenticator::Token token = CallAuthenticator::Token::kRequired) {
  absl::StatusOr<core::Call> call = auth.Begin(context, method, token);
  if (!call.ok()) return ToGrpcStatus(call.status());
  if (auth.admission() == nullptr) {
    call->cancelled = [check = std::make_shared<ThrottledCancelCheck>(
                           [context] { return context->IsCancelled(); })] {
      return (*check)();
    };
    return std::forward<Body>(body)(*call);
  }
  absl::StatusOr<AdmissionControl::Ticket> ticket =
      auth.admission()->Admit(context, method, call->principal);
  if (!ticket.ok()) return ToGrpcStatus(ticket.status());
  const AdmissionControl::Ticket* admitted = &*ticket;
  call->cancelled =
      [check = std::make_shared<ThrottledCancelCheck>([context, admitted] {
         return context->IsCancelled() || admitted->expired();
       })] { return (*check)(); };
  return ticket->Finish(std::forward<Body>(body)(*call));
}

// One read or write of a stream served by Serve: `io()` under the stall
// limit of admission control.
template <typename Io>
bool StreamIo(const CallAuthenticator& auth, grpc::ServerContext* context,
              Io&& io) {
  if (auth.admission() == nullptr) return std::forward<Io>(io)();
  return auth.admission()->Io(context, std::forward<Io>(io));
}

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_AUTHN_H_
