// The frames between vakwijzerd and a plugin host (plugin_host_main.cc),
// over a Unix stream socket. A frame is a fixed 40-byte header (native
// byte order: both ends are one build on one machine) and `length` bytes
// of payload; a MATCH frame may carry a file descriptor (SCM_RIGHTS) on its
// first byte.
//
//   server -> host  MATCH   key, org_bytes; payload: the request part
//                           (below); fd when the host lacks part `key`
//   host -> server  INFO    payload: serialized v1.MatcherInfo (once, after
//                           loading)
//                   RESULT  payload: serialized v1.MatchResponse
//                   ERROR   code; payload: the message (loading or a match)
//
// The organisation part of a match, everything of the plugin's
// v1.ExternalMatchInput that does not depend on the request (frameworks,
// people, catalogue), is written once per snapshot version into a sealed
// memfd of `org_bytes` bytes, identified by `key`; the host keeps the last
// part it was sent mapped read-only. The plugin's input is the part
// followed by the request part (request and parameters): serialized
// protobuf messages concatenate into their merge, so the host never parses
// either (PluginLibrary::MatchParts).
#ifndef VAKWIJZER_PLUGINS_EXTERNAL_HOST_CHANNEL_H_
#define VAKWIJZER_PLUGINS_EXTERNAL_HOST_CHANNEL_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vakwijzer::plugins::host {

enum class FrameKind : uint32_t {
  kInfo = 1,
  kMatch = 2,
  kResult = 3,
  kError = 4,
};

struct FrameHeader {
  uint32_t magic = 0;
  uint32_t kind = 0;
  uint32_t code = 0;  // ERROR: absl::StatusCode (1..16)
  uint32_t reserved = 0;
  uint64_t key = 0;        // MATCH: the organisation part's key
  uint64_t org_bytes = 0;  // MATCH: the organisation part's size
  uint64_t length = 0;     // payload bytes
};
static_assert(sizeof(FrameHeader) == 40, "FrameHeader is 40 bytes");

inline constexpr uint32_t kMagic = 0x56574831;  // "VWH1"

// Payloads larger than this are refused by both ends.
inline constexpr uint64_t kMaxPayload = uint64_t{1} << 30;

struct Frame {
  FrameHeader header;
  std::string payload;
  int fd = -1;  // received descriptor, owned by the caller; -1 for none
};

// Checks a header as read from the wire: magic, a known kind, an ERROR code
// in 1..16, a payload of at most `max_payload` bytes, no organisation part
// over kMaxPayload. INVALID_ARGUMENT naming the field otherwise.
absl::Status CheckHeader(const FrameHeader& header, uint64_t max_payload);

// Writes one frame (blocking; retries on EINTR and short writes), with `fd`
// attached when it is not -1. UNAVAILABLE when the peer is gone.
absl::Status WriteFrame(int socket, FrameKind kind, uint32_t code, uint64_t key,
                        uint64_t org_bytes, absl::string_view payload,
                        int fd = -1);

// Reads one frame of at most `max_payload` payload bytes. Waits until
// `deadline`, checking `stop` (may be null) every 20 ms while nothing
// arrives: DEADLINE_EXCEEDED or CANCELLED then (the frame may be half read:
// the channel is not usable after any error). UNAVAILABLE when the peer
// closed the socket; INVALID_ARGUMENT for a malformed header.
absl::StatusOr<Frame> ReadFrame(int socket, uint64_t max_payload,
                                absl::Time deadline,
                                const std::function<bool()>* stop);

}  // namespace vakwijzer::plugins::host

#endif  // VAKWIJZER_PLUGINS_EXTERNAL_HOST_CHANNEL_H_
