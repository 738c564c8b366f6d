#include "services/grpc/admission.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "vakwijzer/v1/service.pb.h"

namespace vakwijzer::grpc_api {
namespace {

// Whether "/package.Service/Method" streams in either direction, from the
// generated descriptors (unknown methods count as unary).
bool IsStreaming(absl::string_view method) {
  std::string full(absl::StripPrefix(method, "/"));
  std::replace(full.begin(), full.end(), '/', '.');
  // Naming a message of service.proto links it in, services included.
  const google::protobuf::MethodDescriptor* descriptor =
      v1::ImportRecordsRequest::descriptor()->file()->pool()->FindMethodByName(
          full);
  return descriptor != nullptr &&
         (descriptor->client_streaming() || descriptor->server_streaming());
}

// Whether a method computes over an organisation rather than reading or
// writing a record.
bool IsHeavy(absl::string_view method) {
  return absl::StartsWith(method, "/vakwijzer.v1.TeamService/") ||
         method == "/vakwijzer.v1.MatchService/Match" ||
         method == "/vakwijzer.v1.MatchService/BatchMatch";
}

std::string Seconds(absl::Duration d) {
  return absl::StrCat(absl::ToDoubleSeconds(d), " s");
}

}  // namespace

AdmissionControl::AdmissionControl(AdmissionOptions options)
    : options_(options), watchdog_([this] { Watch(); }) {}

AdmissionControl::~AdmissionControl() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watchdog_.join();
}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::Admit(
    grpc::ServerContext* context, absl::string_view method,
    const Principal& principal) {
  const bool stream = IsStreaming(method);
  const bool heavy = IsHeavy(method);
  std::string org = principal.organization;
  if (org == kAnyOrganization) org.clear();
  auto refuse = [&](int limit, absl::string_view what, absl::string_view flag) {
    const int64_t ms = absl::ToInt64Milliseconds(options_.retry_after);
    context->AddTrailingMetadata("grpc-retry-pushback-ms", absl::StrCat(ms));
    return absl::ResourceExhaustedError(
        absl::StrCat("the server is at its limit of ", limit, " ", what, " (",
                     flag, "); retry after ", ms, " ms"));
  };
  absl::MutexLock lock(&mu_);
  // A computing call waits briefly for a place: a burst of short calls
  // queues instead of being refused; long ones are refused as before.
  if (heavy && options_.max_heavy_calls > 0 &&
      !mu_.AwaitWithTimeout(absl::Condition(this, &AdmissionControl::HeavyRoom),
                            options_.heavy_queue_wait)) {
    return refuse(options_.max_heavy_calls, "computing calls in flight",
                  "--max_heavy_calls");
  }
  if (options_.max_calls > 0 && load_.calls >= options_.max_calls) {
    return refuse(options_.max_calls, "calls in flight", "--max_calls");
  }
  if (stream && options_.max_streams > 0 &&
      load_.streams >= options_.max_streams) {
    return refuse(options_.max_streams, "streams in flight", "--max_streams");
  }
  if (!org.empty() && options_.max_calls_per_org > 0 &&
      per_org_[org] >= options_.max_calls_per_org) {
    return refuse(options_.max_calls_per_org,
                  absl::StrCat("calls in flight for organisation ", org),
                  "--max_calls_per_org");
  }
  const uint64_t id = next_id_++;
  entries_[id] = Entry{context, org, stream, heavy};
  by_context_[context] = id;
  ++load_.calls;
  load_.streams += stream;
  load_.heavy += heavy;
  if (!org.empty()) ++per_org_[org];
  return Ticket(this, id, absl::Now() + options_.max_call_duration);
}

bool AdmissionControl::HeavyRoom() const {
  return load_.heavy < options_.max_heavy_calls;
}

void AdmissionControl::Release(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const Entry& entry = it->second;
  --load_.calls;
  load_.streams -= entry.stream;
  load_.heavy -= entry.heavy;
  if (!entry.org.empty() && --per_org_[entry.org] == 0) {
    per_org_.erase(entry.org);
  }
  by_context_.erase(entry.context);
  entries_.erase(it);
}

bool AdmissionControl::Stalled(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.stalled;
}

bool AdmissionControl::Io(grpc::ServerContext* context,
                          const std::function<bool()>& io) {
  auto mark = [&](absl::Time since) {
    absl::MutexLock lock(&mu_);
    auto it = by_context_.find(context);
    if (it != by_context_.end()) entries_[it->second].io_since = since;
  };
  mark(absl::Now());
  const bool ok = io();
  mark(absl::InfiniteFuture());
  return ok;
}

AdmissionControl::Load AdmissionControl::load() const {
  absl::MutexLock lock(&mu_);
  return load_;
}

void AdmissionControl::Watch() {
  const absl::Duration period = std::clamp(
      options_.max_stream_stall / 10, absl::Milliseconds(10), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), period)) {
    const absl::Time now = absl::Now();
    for (auto& [id, entry] : entries_) {
      if (!entry.stalled && now - entry.io_since > options_.max_stream_stall) {
        entry.stalled = true;
        entry.context->TryCancel();
      }
    }
  }
}

AdmissionControl::Ticket::Ticket(Ticket&& other) noexcept
    : control_(std::exchange(other.control_, nullptr)),
      id_(other.id_),
      deadline_(other.deadline_) {}

AdmissionControl::Ticket::~Ticket() {
  if (control_ != nullptr) control_->Release(id_);
}

bool AdmissionControl::Ticket::expired() const {
  return absl::Now() > deadline_;
}

grpc::Status AdmissionControl::Ticket::Finish(grpc::Status status) const {
  if (control_ != nullptr && control_->Stalled(id_)) {
    return grpc::Status(
        grpc::StatusCode::DEADLINE_EXCEEDED,
        absl::StrCat("the stream's peer neither read nor sent for ",
                     Seconds(control_->options_.max_stream_stall),
                     " (--stream_stall_seconds)"));
  }
  if (status.error_code() == grpc::StatusCode::CANCELLED && expired()) {
    return grpc::Status(
        grpc::StatusCode::DEADLINE_EXCEEDED,
        absl::StrCat("the call ran longer than the server allows (",
                     Seconds(control_->options_.max_call_duration),
                     ", --max_call_seconds); narrow the request"));
  }
  return status;
}

}  // namespace vakwijzer::grpc_api
