// The frames a plugin host and the server read from each other
// (plugins/external/host_channel.h): any bytes on the socket give frames
// whose headers pass CheckHeader and whose payloads have the length they
// announce, then an error (INVALID_ARGUMENT for a bad header, UNAVAILABLE
// at the end of the bytes); never a crash, a hang or an allocation beyond
// the payload limit.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "plugins/external/host_channel.h"

namespace host = vakwijzer::plugins::host;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The socket buffer takes inputs of this size whole.
  if (size > 64 * 1024) return 0;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    std::abort();
  }
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(sockets[1], data + written, size - written);
    if (n <= 0) std::abort();
    written += static_cast<size_t>(n);
  }
  close(sockets[1]);
  constexpr uint64_t kMaxPayload = 1 << 20;
  while (true) {
    absl::StatusOr<host::Frame> frame = host::ReadFrame(
        sockets[0], kMaxPayload, absl::Now() + absl::Seconds(5), nullptr);
    if (!frame.ok()) {
      const absl::StatusCode code = frame.status().code();
      if (code != absl::StatusCode::kInvalidArgument &&
          code != absl::StatusCode::kUnavailable) {
        std::abort();
      }
      break;
    }
    if (!host::CheckHeader(frame->header, kMaxPayload).ok() ||
        frame->payload.size() != frame->header.length || frame->fd != -1) {
      std::abort();
    }
  }
  close(sockets[0]);
  return 0;
}
