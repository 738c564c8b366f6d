// vakwijzer_plugin_host: runs one run-time matcher plugin out of the
// server's process. Started by vakwijzerd (external_matcher.cc), never by
// hand:
//
//   vakwijzer_plugin_host PLUGIN.so MEMORY_MB CPU_SECONDS PARENT_PID
//
// with a Unix stream socket to the server on descriptor 3. It limits its
// address space to MEMORY_MB (0: no limit), loads the plugin, answers INFO
// (or ERROR, and exits), then serves MATCH frames one at a time until the
// socket closes (host_channel.h). Each match may use CPU_SECONDS of CPU
// time (0: no limit) before the kernel stops the host with SIGXCPU. The
// host dies with its parent.
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "plugins/external/host_channel.h"
#include "plugins/external/plugin_library.h"

namespace vakwijzer::plugins::host {
namespace {

constexpr int kSocket = 3;

#if defined(__SANITIZE_ADDRESS__) || defined(VW_SANITIZE_THREAD)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

absl::Status SendError(const absl::Status& status) {
  return WriteFrame(kSocket, FrameKind::kError,
                    static_cast<uint32_t>(status.code()), 0, 0,
                    status.message());
}

// Allows the coming match `cpu_seconds` more of CPU time.
void LimitCpu(uint64_t cpu_seconds) {
  if (cpu_seconds == 0) return;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const uint64_t used = static_cast<uint64_t>(usage.ru_utime.tv_sec) +
                        static_cast<uint64_t>(usage.ru_stime.tv_sec) + 1;
  rlimit limit{};
  getrlimit(RLIMIT_CPU, &limit);
  limit.rlim_cur = used + cpu_seconds;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
  }
  setrlimit(RLIMIT_CPU, &limit);
}

// The organisation part the server sent last, mapped read-only from its
// sealed memfd (shared with the server: never copied).
class OrgPart {
 public:
  OrgPart() = default;
  OrgPart(const OrgPart&) = delete;
  OrgPart& operator=(const OrgPart&) = delete;
  ~OrgPart() { Unmap(); }

  uint64_t key() const { return key_; }
  absl::string_view bytes() const {
    return absl::string_view(static_cast<const char*>(data_), size_);
  }

  // Maps part `key` of `size` bytes from `fd` (closed here).
  absl::Status Take(int fd, uint64_t key, uint64_t size) {
    Unmap();
    absl::Status status;
    if (size > 0) {
      void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (map == MAP_FAILED) {
        status = absl::InternalError(absl::StrCat(
            "plugin host: cannot map the organisation (", size, " bytes)"));
      } else {
        data_ = map;
        size_ = size;
      }
    }
    close(fd);
    if (status.ok()) key_ = key;
    return status;
  }

 private:
  void Unmap() {
    if (data_ != nullptr) munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
    key_ = 0;
  }

  uint64_t key_ = 0;  // 0: none
  void* data_ = nullptr;
  size_t size_ = 0;
};

int Serve(const PluginLibrary& plugin, uint64_t cpu_seconds) {
  OrgPart org;
  PluginLibrary::Joined joined;
  while (true) {
    absl::StatusOr<Frame> frame = ReadFrame(
        kSocket, kMaxPayload, absl::InfiniteFuture(), /*stop=*/nullptr);
    if (!frame.ok()) {
      // The server closed the socket (or broke the protocol): done.
      return frame.status().code() == absl::StatusCode::kUnavailable ? 0 : 2;
    }
    if (frame->header.kind != static_cast<uint32_t>(FrameKind::kMatch)) {
      if (frame->fd >= 0) close(frame->fd);
      return 2;
    }
    absl::Status ready;
    if (frame->fd >= 0) {
      ready = org.Take(frame->fd, frame->header.key, frame->header.org_bytes);
    } else if (org.key() == 0 || org.key() != frame->header.key) {
      ready =
          absl::InternalError(absl::StrCat("plugin host: organisation part ",
                                           frame->header.key, " was not sent"));
    }
    if (!ready.ok()) {
      if (!SendError(ready).ok()) return 0;
      continue;
    }
    LimitCpu(cpu_seconds);
    absl::StatusOr<std::string> result =
        plugin.MatchParts(org.key(), org.bytes(), frame->payload, &joined);
    const absl::Status sent =
        result.ok() ? WriteFrame(kSocket, FrameKind::kResult, 0, 0, 0, *result)
                    : SendError(result.status());
    if (!sent.ok()) return 0;
  }
}

int Main(int argc, char** argv) {
  uint64_t memory_mb = 0, cpu_seconds = 0;
  int64_t parent = 0;
  if (argc != 5 || !absl::SimpleAtoi(argv[2], &memory_mb) ||
      !absl::SimpleAtoi(argv[3], &cpu_seconds) ||
      !absl::SimpleAtoi(argv[4], &parent)) {
    std::fprintf(stderr,
                 "usage: vakwijzer_plugin_host PLUGIN.so MEMORY_MB "
                 "CPU_SECONDS PARENT_PID (started by vakwijzerd, with its "
                 "socket on descriptor 3)\n");
    return 2;
  }
  // Dies with the server, even while a plugin hangs.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 0;
  signal(SIGPIPE, SIG_IGN);
  // Sanitizers reserve terabytes of address space for their shadow memory.
  if (memory_mb > 0 && !kSanitized) {
    const rlim_t bytes = static_cast<rlim_t>(memory_mb) << 20;
    rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  absl::StatusOr<std::unique_ptr<PluginLibrary>> plugin =
      PluginLibrary::Load(argv[1]);
  if (!plugin.ok()) {
    SendError(plugin.status()).IgnoreError();
    return 0;
  }
  std::string info;
  if (!(*plugin)->info().SerializeToString(&info) ||
      !WriteFrame(kSocket, FrameKind::kInfo, 0, 0, 0, info).ok()) {
    return 0;
  }
  return Serve(**plugin, cpu_seconds);
}

}  // namespace
}  // namespace vakwijzer::plugins::host

int main(int argc, char** argv) {
  return vakwijzer::plugins::host::Main(argc, argv);
}
