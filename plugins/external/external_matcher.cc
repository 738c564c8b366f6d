#include "plugins/external/external_matcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "plugins/api/params.h"
#include "plugins/external/host_channel.h"

extern char** environ;

namespace vakwijzer::plugins {
namespace {

namespace fs = std::filesystem;
using host::FrameKind;

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
// Organisation parts kept per plugin (each a copy of an organisation).
constexpr size_t kOrgParts = 2;

// The shortest text that reads back as `value`.
std::string NumberText(double value) {
  for (int precision = 1; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, value);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

// A parameter's effective value as text (see ExternalMatchInput).
std::string ParameterText(const Params& params, const v1::ParameterSpec& spec) {
  const std::string& name = spec.name();
  if (!params.Has(name)) return "";
  switch (spec.type()) {
    case v1::ParameterSpec::NUMBER:
      return NumberText(params.Number(name));
    case v1::ParameterSpec::INTEGER:
      return absl::StrCat(params.Integer(name));
    case v1::ParameterSpec::BOOLEAN:
      return params.Bool(name) ? "true" : "false";
    case v1::ParameterSpec::STRING:
      return params.String(name);
    case v1::ParameterSpec::STRING_LIST:
      return absl::StrJoin(params.List(name), ",");
    default:
      return "";
  }
}

// The framework named by a role's or case's `framework` field, if known.
const framework::FrameworkIndex* NamedFramework(
    const framework::FrameworkRegistry& frameworks, const std::string& name) {
  if (name.empty()) return nullptr;
  absl::StatusOr<std::string> id = ParseFrameworkName(name, "framework");
  return id.ok() ? frameworks.Find(*id) : nullptr;
}

// The framework of the request's subject, when the subject tells it.
const framework::FrameworkIndex* SubjectFramework(const MatchInput& input) {
  const std::string& subject = input.request.subject();
  absl::StatusOr<PersonName> person = ParsePersonName(subject, "subject");
  if (person.ok()) {
    const PersonView* view = person->org == input.org.org
                                 ? input.org.FindPerson(person->person)
                                 : nullptr;
    return view != nullptr ? view->framework : nullptr;
  }
  if (const v1::Role* role = input.org.FindRole(subject)) {
    return NamedFramework(input.frameworks, role->framework());
  }
  if (const v1::ClientCase* c = input.org.FindCase(subject)) {
    return NamedFramework(input.frameworks, c->framework());
  }
  return nullptr;
}

// How a reaped child ended: "killed by SIGSEGV", "exited with status 1".
std::string EndText(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return abbrev != nullptr ? absl::StrCat("killed by SIG", abbrev)
                             : absl::StrCat("killed by signal ", sig);
  }
  if (WIFEXITED(status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(status));
  }
  return "ended";
}

// A plugin host: a child process and its end of the socket.
class HostProcess {
 public:
  // Starts `options.host_binary` for the plugin at `path` and waits for its
  // MatcherInfo (see LoadExternalMatcher for the errors).
  static absl::StatusOr<std::unique_ptr<HostProcess>> Start(
      const std::string& path, const PluginHostOptions& options,
      v1::MatcherInfo* info);

  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  ~HostProcess() { Stop(); }

  int socket() const { return socket_; }

  // Kills the host unless it has ended, reaps it and says how it ended.
  std::string Stop() {
    if (pid_ > 0) {
      // A host that closed its socket is exiting: give it a moment, so that
      // a crash reads as its signal, not as ours.
      int status = 0;
      pid_t reaped = 0;
      for (int i = 0; i < 50 && reaped == 0; ++i) {
        reaped = waitpid(pid_, &status, WNOHANG);
        if (reaped == 0 && !exiting_) break;
        if (reaped == 0) usleep(2000);
      }
      if (reaped == 0) {
        kill(pid_, SIGKILL);
        reaped = waitpid(pid_, &status, 0);
      }
      end_ = reaped == pid_ ? EndText(status) : "lost";
      pid_ = -1;
    }
    if (socket_ >= 0) {
      close(socket_);
      socket_ = -1;
    }
    return end_;
  }

  // The host closed its socket: it is exiting of its own accord.
  void MarkExiting() { exiting_ = true; }

  // The organisation part the host holds (0: none).
  uint64_t org_key = 0;

 private:
  HostProcess(pid_t pid, int socket) : pid_(pid), socket_(socket) {}

  pid_t pid_;
  int socket_;
  bool exiting_ = false;
  std::string end_;
};

absl::StatusOr<std::unique_ptr<HostProcess>> HostProcess::Start(
    const std::string& path, const PluginHostOptions& options,
    v1::MatcherInfo* info) {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": cannot make a socket for the plugin host: ", strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 leaves descriptor 3 open across exec.
  posix_spawn_file_actions_adddup2(&actions, sockets[1], 3);
  const std::string memory = absl::StrCat(options.memory_mb);
  const std::string cpu = absl::StrCat(options.cpu_seconds);
  const std::string parent = absl::StrCat(getpid());
  std::vector<char*> argv = {const_cast<char*>(options.host_binary.c_str()),
                             const_cast<char*>(path.c_str()),
                             const_cast<char*>(memory.c_str()),
                             const_cast<char*>(cpu.c_str()),
                             const_cast<char*>(parent.c_str()),
                             nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, options.host_binary.c_str(), &actions,
                                  nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(sockets[1]);
  if (spawned != 0) {
    close(sockets[0]);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot start the plugin host ",
                     options.host_binary, ": ", strerror(spawned)));
  }
  std::unique_ptr<HostProcess> process(new HostProcess(pid, sockets[0]));
  absl::StatusOr<host::Frame> frame =
      host::ReadFrame(process->socket(), host::kMaxPayload,
                      absl::Now() + options.load_timeout, nullptr);
  if (!frame.ok()) {
    if (frame.status().code() == absl::StatusCode::kUnavailable) {
      process->MarkExiting();
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the plugin host ", process->Stop(),
                       " while loading the plugin"));
    }
    process->Stop();
    if (frame.status().code() == absl::StatusCode::kDeadlineExceeded) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the plugin did not load within ",
                       absl::FormatDuration(options.load_timeout),
                       " (its host was killed)"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": ", frame.status().message()));
  }
  if (frame->fd >= 0) close(frame->fd);
  if (frame->header.kind == static_cast<uint32_t>(FrameKind::kError)) {
    process->MarkExiting();
    process->Stop();
    return absl::Status(static_cast<absl::StatusCode>(frame->header.code),
                        frame->payload);
  }
  if (frame->header.kind != static_cast<uint32_t>(FrameKind::kInfo) ||
      !info->ParseFromString(frame->payload)) {
    process->Stop();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the plugin host answered with no MatcherInfo"));
  }
  return process;
}

// MakeOrgPart serialized into a sealed memfd (host_channel.h).
struct OrgPart {
  OrgPart() = default;
  OrgPart(const OrgPart&) = delete;
  OrgPart& operator=(const OrgPart&) = delete;
  ~OrgPart() {
    if (fd >= 0) close(fd);
  }
  std::string cache_key;
  uint64_t key = 0;
  int fd = -1;
  uint64_t size = 0;
};

// Writes `message` as field `field` of the enclosing message.
void WriteField(int field, const google::protobuf::MessageLite& message,
                google::protobuf::io::CodedOutputStream* out) {
  out->WriteTag(static_cast<uint32_t>(field) << 3 | 2);  // length-delimited
  out->WriteVarint32(static_cast<uint32_t>(message.ByteSizeLong()));
  message.SerializeWithCachedSizes(out);
}

// Writes the serialized MakeOrgPart(input) to `out`, person by person,
// without holding the whole message (people first; the field order does
// not change what it parses as).
void SerializeOrgPart(const MatchInput& input,
                      google::protobuf::io::CodedOutputStream* out) {
  const framework::FrameworkIndex* subject_framework = SubjectFramework(input);
  std::map<std::string, const framework::FrameworkIndex*> frameworks;
  if (subject_framework != nullptr) {
    frameworks[subject_framework->id()] = subject_framework;
  }
  v1::SnapshotPerson p;  // reused: keeps its capacity
  for (const auto& person : input.org.people) {
    const framework::FrameworkIndex* framework = person->framework;
    if (subject_framework != nullptr &&
        (framework == nullptr || framework->id() != subject_framework->id())) {
      continue;
    }
    p.Clear();
    p.set_id(person->id);
    p.set_display_name(person->display_name);
    if (framework != nullptr) {
      p.set_framework(FrameworkName(framework->id()));
      frameworks.emplace(framework->id(), framework);
    }
    p.set_track(person->track);
    p.set_target_level(person->target_level);
    for (const std::string& team : person->teams) p.add_teams(team);
    p.set_role(person->role);
    for (const std::string& language : person->languages) {
      p.add_languages(language);
    }
    p.set_region(person->region);
    p.set_mentoring_capacity(person->mentoring_capacity);
    p.set_caseload_capacity(person->caseload_capacity);
    p.set_current_caseload(person->current_caseload);
    for (const std::string& module : person->completed_modules) {
      p.add_completed_modules(module);
    }
    p.mutable_levels()->Add(person->levels.begin(), person->levels.end());
    WriteField(v1::ExternalMatchInput::kPeopleFieldNumber, p, out);
  }
  for (const auto& [id, framework] : frameworks) {
    v1::Framework f = framework->proto();
    f.set_name(FrameworkName(id));
    WriteField(v1::ExternalMatchInput::kFrameworksFieldNumber, f, out);
  }
  for (const v1::TrainingModule& module : input.org.modules) {
    WriteField(v1::ExternalMatchInput::kModulesFieldNumber, module, out);
  }
  for (const v1::Role& role : input.org.roles) {
    WriteField(v1::ExternalMatchInput::kRolesFieldNumber, role, out);
  }
  for (const v1::ClientCase& c : input.org.cases) {
    WriteField(v1::ExternalMatchInput::kCasesFieldNumber, c, out);
  }
}

// Serializes the organisation part of `input` into a sealed memfd.
absl::StatusOr<std::shared_ptr<const OrgPart>> WriteOrgPart(
    const MatchInput& input, std::string cache_key, uint64_t key) {
  auto part = std::make_shared<OrgPart>();
  part->cache_key = std::move(cache_key);
  part->key = key;
  part->fd =
      memfd_create("vakwijzer-plugin-org", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (part->fd < 0) {
    return absl::InternalError(absl::StrCat(
        "cannot make shared memory for the organisation: ", strerror(errno)));
  }
  {
    google::protobuf::io::FileOutputStream file(part->fd, 1 << 20);
    {
      google::protobuf::io::CodedOutputStream coded(&file);
      SerializeOrgPart(input, &coded);
    }
    if (!file.Flush()) {
      return absl::InternalError(
          absl::StrCat("cannot write the organisation to shared memory: ",
                       strerror(file.GetErrno())));
    }
  }
  struct stat written {};
  if (fstat(part->fd, &written) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot size the organisation's shared memory: ", strerror(errno)));
  }
  part->size = static_cast<uint64_t>(written.st_size);
  if (part->size > host::kMaxPayload || part->size > INT_MAX) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the organisation is too large to hand to a plugin (",
                     part->size, " bytes serialized, over ", INT_MAX, ")"));
  }
  // Nobody, the hosts included, can change it from now on.
  if (fcntl(part->fd, F_ADD_SEALS,
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot seal the organisation's shared memory: ", strerror(errno)));
  }
  return std::shared_ptr<const OrgPart>(std::move(part));
}

class ExternalMatcher final : public Matcher {
 public:
  ExternalMatcher(std::string path, PluginHostOptions options,
                  v1::MatcherInfo info, std::unique_ptr<HostProcess> first)
      : path_(std::move(path)),
        options_(std::move(options)),
        info_(std::move(info)),
        prefix_(absl::StrCat("plugin ", info_.name(), ": ")),
        slots_(static_cast<size_t>(std::max(1, options_.processes))) {
    slots_[0].process = std::move(first);
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override;

 private:
  struct Slot {
    std::unique_ptr<HostProcess> process;  // null: not running
    bool busy = false;
    absl::Time retry_after = absl::InfinitePast();
    absl::Duration backoff = absl::ZeroDuration();
  };

  bool Cancelled(const MatchInput& input) const {
    return input.cancelled && input.cancelled();
  }
  absl::StatusOr<std::shared_ptr<const OrgPart>> OrgPartFor(
      const MatchInput& input) const;
  // Takes a free slot (busy from then on) or says why there is none.
  absl::StatusOr<size_t> Acquire(const MatchInput& input) const;
  // Frees the slot; a failed host is stopped and backs off.
  void Release(size_t slot, bool failed) const;
  // One call on the slot's host, started first when it is not running.
  // Sets *failed when the host must go.
  absl::StatusOr<std::string> Call(Slot& slot, const OrgPart& part,
                                   const std::string& request,
                                   const MatchInput& input, bool* failed) const;

  const std::string path_;
  const PluginHostOptions options_;
  const v1::MatcherInfo info_;
  const std::string prefix_;

  mutable absl::Mutex mu_;
  mutable absl::CondVar freed_;
  mutable std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex parts_mu_;
  mutable std::deque<std::shared_ptr<const OrgPart>> parts_
      ABSL_GUARDED_BY(parts_mu_);
  mutable uint64_t next_key_ ABSL_GUARDED_BY(parts_mu_) = 1;
};

absl::StatusOr<std::shared_ptr<const OrgPart>> ExternalMatcher::OrgPartFor(
    const MatchInput& input) const {
  const framework::FrameworkIndex* framework = SubjectFramework(input);
  std::string cache_key =
      absl::StrCat(input.org.org, "/", input.org.version, "/",
                   framework != nullptr ? framework->id() : "*");
  absl::MutexLock lock(&parts_mu_);
  if (input.org.version != 0) {
    for (const auto& part : parts_) {
      if (part->cache_key == cache_key) return part;
    }
  }
  absl::StatusOr<std::shared_ptr<const OrgPart>> part =
      WriteOrgPart(input, std::move(cache_key), next_key_++);
  if (!part.ok()) {
    return absl::Status(part.status().code(),
                        absl::StrCat(prefix_, part.status().message()));
  }
  if (input.org.version != 0) {
    parts_.push_front(*part);
    if (parts_.size() > kOrgParts) parts_.pop_back();
  }
  return part;
}

absl::StatusOr<size_t> ExternalMatcher::Acquire(const MatchInput& input) const {
  absl::MutexLock lock(&mu_);
  while (true) {
    const absl::Time now = absl::Now();
    bool any_busy = false;
    absl::Time soonest = absl::InfiniteFuture();
    std::optional<size_t> restart;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.busy) {
        any_busy = true;
      } else if (slot.process != nullptr) {
        slot.busy = true;
        return i;
      } else if (slot.retry_after <= now) {
        if (!restart) restart = i;
      } else {
        soonest = std::min(soonest, slot.retry_after);
      }
    }
    if (restart) {
      slots_[*restart].busy = true;
      return *restart;
    }
    if (!any_busy) {
      return absl::UnavailableError(
          absl::StrCat(prefix_, "its host failed and is restarting in ",
                       absl::ToInt64Milliseconds(soonest - now) + 1, " ms"));
    }
    if (Cancelled(input)) {
      return absl::CancelledError(
          absl::StrCat(prefix_, "cancelled while waiting for a free host"));
    }
    freed_.WaitWithTimeout(&mu_, absl::Milliseconds(20));
  }
}

void ExternalMatcher::Release(size_t index, bool failed) const {
  std::unique_ptr<HostProcess> stopped;
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[index];
    if (failed) {
      stopped = std::move(slot.process);
      slot.backoff = slot.backoff == absl::ZeroDuration()
                         ? kFirstBackoff
                         : std::min(2 * slot.backoff, kMaxBackoff);
      slot.retry_after = absl::Now() + slot.backoff;
    } else {
      slot.backoff = absl::ZeroDuration();
    }
    slot.busy = false;
  }
  freed_.Signal();
}

absl::StatusOr<std::string> ExternalMatcher::Call(Slot& slot,
                                                  const OrgPart& part,
                                                  const std::string& request,
                                                  const MatchInput& input,
                                                  bool* failed) const {
  if (slot.process == nullptr) {
    v1::MatcherInfo info;
    absl::StatusOr<std::unique_ptr<HostProcess>> started =
        HostProcess::Start(path_, options_, &info);
    if (!started.ok()) {
      *failed = true;
      return absl::UnavailableError(absl::StrCat(
          prefix_, "cannot restart its host: ", started.status().message()));
    }
    slot.process = *std::move(started);
  }
  HostProcess& process = *slot.process;
  const bool send_part = process.org_key != part.key;
  process.org_key = 0;
  absl::Status sent =
      host::WriteFrame(process.socket(), FrameKind::kMatch, 0, part.key,
                       part.size, request, send_part ? part.fd : -1);
  absl::StatusOr<host::Frame> frame =
      sent.ok() ? host::ReadFrame(process.socket(), host::kMaxPayload,
                                  absl::InfiniteFuture(), &input.cancelled)
                : absl::StatusOr<host::Frame>(sent);
  if (!frame.ok()) {
    *failed = true;
    switch (frame.status().code()) {
      case absl::StatusCode::kCancelled:
        process.Stop();
        return absl::DeadlineExceededError(absl::StrCat(
            prefix_,
            "no answer before the call's deadline or cancellation; its host "
            "was stopped"));
      case absl::StatusCode::kUnavailable:
        process.MarkExiting();
        return absl::UnavailableError(
            absl::StrCat(prefix_, "its host ", process.Stop(),
                         " during the call; it will be restarted"));
      default:
        process.Stop();
        return absl::InternalError(absl::StrCat(
            prefix_,
            "its host broke the protocol: ", frame.status().message()));
    }
  }
  if (frame->fd >= 0) close(frame->fd);
  if (frame->header.kind == static_cast<uint32_t>(FrameKind::kError)) {
    // A plugin's error, or the host could not take the part (sent again
    // next time).
    return absl::Status(static_cast<absl::StatusCode>(frame->header.code),
                        absl::StrCat(prefix_, frame->payload));
  }
  if (frame->header.kind != static_cast<uint32_t>(FrameKind::kResult)) {
    *failed = true;
    process.Stop();
    return absl::InternalError(
        absl::StrCat(prefix_, "its host answered with a frame of kind ",
                     frame->header.kind));
  }
  process.org_key = part.key;
  return std::move(frame->payload);
}

absl::StatusOr<v1::MatchResponse> ExternalMatcher::Match(
    const MatchInput& input) const {
  if (Cancelled(input)) return absl::CancelledError("match cancelled");
  ASSIGN_OR_RETURN(std::shared_ptr<const OrgPart> part, OrgPartFor(input));
  std::string request;
  if (!MakeRequestPart(input, info_.parameters()).SerializeToString(&request)) {
    return absl::InternalError(
        absl::StrCat(prefix_, "cannot serialize the match request"));
  }
  ASSIGN_OR_RETURN(size_t index, Acquire(input));
  bool failed = false;
  absl::StatusOr<std::string> out;
  {
    // The slot is this call's until released.
    Slot* slot;
    {
      absl::MutexLock lock(&mu_);
      slot = &slots_[index];
    }
    out = Call(*slot, *part, request, input, &failed);
  }
  Release(index, failed);
  RETURN_IF_ERROR(out.status());
  v1::MatchResponse response;
  if (!response.ParseFromString(*out)) {
    return absl::InternalError(
        absl::StrCat(prefix_, "its result (", out->size(),
                     " bytes) is not a serialized vakwijzer.v1.MatchResponse"));
  }
  if (Cancelled(input)) return absl::CancelledError("match cancelled");
  const int page_size =
      input.request.page_size() > 0 ? input.request.page_size() : 10;
  if (response.items_size() > page_size) {
    response.mutable_items()->DeleteSubrange(page_size,
                                             response.items_size() - page_size);
  }
  return response;
}

}  // namespace

v1::ExternalMatchInput MakeRequestPart(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs) {
  v1::ExternalMatchInput out;
  *out.mutable_request() = input.request;
  for (const v1::ParameterSpec& spec : specs) {
    (*out.mutable_parameters())[spec.name()] =
        ParameterText(input.params, spec);
  }
  return out;
}

v1::ExternalMatchInput MakeExternalMatchInput(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs) {
  v1::ExternalMatchInput out = MakeRequestPart(input, specs);
  out.MergeFrom(MakeOrgPart(input));
  return out;
}

v1::ExternalMatchInput MakeOrgPart(const MatchInput& input) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    SerializeOrgPart(input, &coded);
  }
  v1::ExternalMatchInput out;
  out.ParseFromString(bytes);
  return out;
}

absl::StatusOr<std::unique_ptr<Matcher>> LoadExternalMatcher(
    const std::string& path, const PluginHostOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  v1::MatcherInfo info;
  ASSIGN_OR_RETURN(std::unique_ptr<HostProcess> process,
                   HostProcess::Start(path, options, &info));
  return std::unique_ptr<Matcher>(
      new ExternalMatcher(path, options, std::move(info), std::move(process)));
}

std::vector<std::string> LoadPluginDirectory(const std::string& dir,
                                             const PluginHostOptions& options,
                                             MatcherRegistry* registry) {
  std::vector<std::string> warnings;
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    warnings.push_back(absl::StrCat("plugin directory ", dir,
                                    " cannot be read: ", ec.message()));
    return warnings;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".so" && it->is_regular_file(ec)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    warnings.push_back(absl::StrCat("plugin directory ", dir,
                                    " cannot be read: ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    absl::StatusOr<std::unique_ptr<Matcher>> matcher =
        LoadExternalMatcher(file, options);
    if (!matcher.ok()) {
      warnings.push_back(
          absl::StrCat("skipped plugin ", matcher.status().message()));
      continue;
    }
    if (absl::Status added = registry->Add(*std::move(matcher)); !added.ok()) {
      warnings.push_back(
          absl::StrCat("skipped plugin ", file, ": ", added.message()));
    }
  }
  return warnings;
}

}  // namespace vakwijzer::plugins
