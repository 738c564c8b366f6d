// Admission control: how many calls the server runs at once — in all, as
// streams, and per calling organisation — how long any call may run, and
// how long a stream may wait on a peer that stopped reading or sending.
// A call beyond a limit is refused at once with RESOURCE_EXHAUSTED, a
// message naming the limit, and a retry hint (the `grpc-retry-pushback-ms`
// trailer that gRPC's retry policies honour), so admitted calls keep their
// latency instead of sharing the machine with an unbounded crowd.
#ifndef VAKWIJZER_SERVICES_GRPC_ADMISSION_H_
#define VAKWIJZER_SERVICES_GRPC_ADMISSION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/principal.h"
#include "grpcpp/server_context.h"

namespace vakwijzer::grpc_api {

struct AdmissionOptions {
  // Calls in flight over the whole server (0: no limit).
  int max_calls = 256;
  // Of those, streaming calls (BatchMatch, ScoreTeam, ImportRecords).
  int max_streams = 64;
  // Of those, calls that compute over an organisation (Match, BatchMatch
  // and TeamService's calls): CPU-bound, so more of them than the machine
  // has cores only lengthens every one of them. 0: no limit (vakwijzerd's
  // --max_heavy_calls=0 means one per core instead).
  int max_heavy_calls = 0;
  // How long a computing call waits for a place before it is refused.
  absl::Duration heavy_queue_wait = absl::Milliseconds(50);
  // Calls in flight from the tokens of one organisation (not from
  // platform operators, whose grant covers every organisation, nor on a
  // server without authentication).
  int max_calls_per_org = 32;
  // No call runs longer, whatever its deadline: long calls stop with
  // DEADLINE_EXCEEDED at the next point where they check.
  absl::Duration max_call_duration = absl::Minutes(10);
  // A stream read or write blocked this long on its peer ends the call.
  absl::Duration max_stream_stall = absl::Seconds(30);
  // The retry hint of a refused call.
  absl::Duration retry_after = absl::Milliseconds(250);
};

// Thread-safe. Owns a watchdog thread that ends stalled streams.
class AdmissionControl {
 public:
  explicit AdmissionControl(AdmissionOptions options);
  ~AdmissionControl();
  AdmissionControl(const AdmissionControl&) = delete;
  AdmissionControl& operator=(const AdmissionControl&) = delete;

  // One admitted call; leaving its scope frees its place.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();
    // Whether the call ran past max_call_duration.
    bool expired() const;
    // The call's status as sent: a call stopped for running too long
    // (CANCELLED from the core) or for a stalled stream says so.
    grpc::Status Finish(grpc::Status status) const;

   private:
    friend class AdmissionControl;
    Ticket(AdmissionControl* control, uint64_t id, absl::Time deadline)
        : control_(control), id_(id), deadline_(deadline) {}
    AdmissionControl* control_;
    uint64_t id_;
    absl::Time deadline_;
  };

  // Admits a call of `method` ("/package.Service/Method") by `principal`,
  // or RESOURCE_EXHAUSTED naming the limit it would exceed (and the retry
  // hint in the trailers of `context`).
  absl::StatusOr<Ticket> Admit(grpc::ServerContext* context,
                               absl::string_view method,
                               const Principal& principal);

  // Runs one read or write of an admitted stream (`io` returns whether it
  // succeeded); if the peer keeps it blocked longer than max_stream_stall,
  // the call is cancelled, which unblocks it.
  bool Io(grpc::ServerContext* context, const std::function<bool()>& io);

  // What is in flight now (for tests and metrics).
  struct Load {
    int calls = 0;
    int streams = 0;
    int heavy = 0;
  };
  Load load() const;

 private:
  struct Entry {
    grpc::ServerContext* context;
    std::string org;  // empty: not counted per organisation
    bool stream = false;
    bool heavy = false;
    absl::Time io_since = absl::InfiniteFuture();  // blocked on the peer
    bool stalled = false;
  };
  void Release(uint64_t id);
  bool Stalled(uint64_t id) const;
  bool HeavyRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Watch();

  const AdmissionOptions options_;
  mutable absl::Mutex mu_;
  bool stopping_ = false;  // guarded by mu_, like the members below
  uint64_t next_id_ = 1;
  std::map<uint64_t, Entry> entries_;
  std::map<grpc::ServerContext*, uint64_t> by_context_;
  std::map<std::string, int> per_org_;
  Load load_;
  std::thread watchdog_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_ADMISSION_H_
