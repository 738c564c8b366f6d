#include "plugins/external/host_channel.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vakwijzer::plugins::host {
namespace {

absl::Status Gone(absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("plugin host channel: ", what, ": ", std::strerror(errno)));
}

// Waits until `socket` is readable. DEADLINE_EXCEEDED, CANCELLED or OK.
absl::Status AwaitReadable(int socket, absl::Time deadline,
                           const std::function<bool()>* stop) {
  while (true) {
    if (stop != nullptr && *stop && (*stop)()) {
      return absl::CancelledError("plugin host channel: cancelled");
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          "plugin host channel: no answer before the deadline");
    }
    pollfd p{socket, POLLIN, 0};
    // Wakes up now and then to check `stop`; rounds up, so never 0.
    const absl::Duration slice = std::min(
        left, stop != nullptr ? absl::Milliseconds(20) : absl::Seconds(1));
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(slice)) + 1;
    const int ready = poll(&p, 1, wait_ms);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) return Gone("poll");
  }
}

// Reads exactly `size` bytes into `out`, receiving a descriptor into *fd
// when one comes with them (fd may be null: then none is accepted).
absl::Status ReadExactly(int socket, char* out, size_t size,
                         absl::Time deadline, const std::function<bool()>* stop,
                         int* fd) {
  size_t done = 0;
  while (done < size) {
    if (absl::Status ready = AwaitReadable(socket, deadline, stop);
        !ready.ok()) {
      return ready;
    }
    iovec io{out + done, size - done};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    if (fd != nullptr) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    const ssize_t n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Gone("read");
    }
    if (n == 0) {
      return absl::UnavailableError("plugin host channel: closed by the peer");
    }
    if (fd != nullptr) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
           c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
          int received;
          std::memcpy(&received, CMSG_DATA(c), sizeof received);
          if (*fd >= 0) close(*fd);
          *fd = received;
        }
      }
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckHeader(const FrameHeader& header, uint64_t max_payload) {
  if (header.magic != kMagic) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin host frame: magic ", header.magic, ", not ", kMagic));
  }
  if (header.kind < static_cast<uint32_t>(FrameKind::kInfo) ||
      header.kind > static_cast<uint32_t>(FrameKind::kError)) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugin host frame: unknown kind ", header.kind));
  }
  if (header.kind == static_cast<uint32_t>(FrameKind::kError) &&
      (header.code < 1 || header.code > 16)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin host frame: error code ", header.code, " is not one of 1..16"));
  }
  if (header.length > max_payload) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugin host frame: a payload of ", header.length,
                     " bytes is over the limit of ", max_payload));
  }
  if (header.org_bytes > kMaxPayload) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin host frame: an organisation part of ", header.org_bytes,
        " bytes is over the limit of ", kMaxPayload));
  }
  return absl::OkStatus();
}

absl::Status WriteFrame(int socket, FrameKind kind, uint32_t code, uint64_t key,
                        uint64_t org_bytes, absl::string_view payload, int fd) {
  FrameHeader header;
  header.magic = kMagic;
  header.kind = static_cast<uint32_t>(kind);
  header.code = code;
  header.key = key;
  header.org_bytes = org_bytes;
  header.length = payload.size();
  iovec io[2] = {{&header, sizeof header},
                 {const_cast<char*>(payload.data()), payload.size()}};
  size_t left = sizeof header + payload.size();
  size_t skip = 0;  // bytes already written
  bool fd_sent = fd < 0;
  while (left > 0) {
    iovec parts[2];
    int count = 0;
    size_t offset = skip;
    for (const iovec& part : io) {
      if (offset >= part.iov_len) {
        offset -= part.iov_len;
        continue;
      }
      parts[count++] = {static_cast<char*>(part.iov_base) + offset,
                        part.iov_len - offset};
      offset = 0;
    }
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = count;
    if (!fd_sent) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    const ssize_t n = sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Gone("write");
    }
    fd_sent = true;
    skip += static_cast<size_t>(n);
    left -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<Frame> ReadFrame(int socket, uint64_t max_payload,
                                absl::Time deadline,
                                const std::function<bool()>* stop) {
  Frame frame;
  absl::Status status =
      ReadExactly(socket, reinterpret_cast<char*>(&frame.header),
                  sizeof frame.header, deadline, stop, &frame.fd);
  if (status.ok()) status = CheckHeader(frame.header, max_payload);
  if (status.ok()) {
    frame.payload.resize(frame.header.length);
    status = ReadExactly(socket, frame.payload.data(), frame.payload.size(),
                         deadline, stop, nullptr);
  }
  if (!status.ok()) {
    if (frame.fd >= 0) close(frame.fd);
    return status;
  }
  return frame;
}

}  // namespace vakwijzer::plugins::host
