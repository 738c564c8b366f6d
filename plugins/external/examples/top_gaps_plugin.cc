// An example run-time matcher plugin, "top-gaps": the subject's indicators
// ordered by gap = max(0, target_level - level), largest first.
//
// It shows what a plugin needs: the C ABI of vakwijzer_plugin.h, the SDK
// protos (vakwijzer_plugin_sdk.v1, never the server's vakwijzer.v1) and no
// exception crossing the C boundary. Build it with
// vakwijzer_add_matcher_plugin (plugins/external/CMakeLists.txt).
//
// Compile definitions make the test plugins from this same source:
//   TOP_GAPS_ABI_MAJOR=N   report ABI major N instead of the host's
//   TOP_GAPS_OMIT_MATCH    leave VakwijzerPluginMatch out
//   TOP_GAPS_OMIT_PARTS    leave VakwijzerPluginMatchParts (ABI 1.1) out
//   TOP_GAPS_ALWAYS_FAIL   name "always-fails"; every match fails with
//                          FAILED_PRECONDITION
//   TOP_GAPS_MISBEHAVE     name "misbehaves"; its parameter `do` makes a
//                          match segfault, abort, hang, spin or allocate
//                          memory until it fails
//   TOP_GAPS_ABORT_AT_LOAD abort while the shared object is loaded
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "plugins/external/vakwijzer_plugin.h"
#include "vakwijzer_plugin_sdk/v1/framework.pb.h"
#include "vakwijzer_plugin_sdk/v1/match.pb.h"
#include "vakwijzer_plugin_sdk/v1/plugin.pb.h"

#ifndef TOP_GAPS_ABI_MAJOR
#define TOP_GAPS_ABI_MAJOR VAKWIJZER_PLUGIN_ABI_MAJOR
#endif

struct VwError {
  uint32_t code;
  std::string message;
};

namespace {

namespace sdk = vakwijzer_plugin_sdk::v1;

#ifdef TOP_GAPS_ALWAYS_FAIL
constexpr bool kAlwaysFail = true;
constexpr char kName[] = "always-fails";
#elif defined(TOP_GAPS_MISBEHAVE)
constexpr bool kAlwaysFail = false;
constexpr char kName[] = "misbehaves";
#else
constexpr bool kAlwaysFail = false;
constexpr char kName[] = "top-gaps";
#endif
constexpr char kVersion[] = "1.0.0";
constexpr char kMinGap[] = "min_gap";
constexpr char kMinGapDefault[] = "0.5";
constexpr int kMaxExcluded = 100;

// Canonical codes (absl::StatusCode, google.rpc.Code).
constexpr uint32_t kInvalidArgument = 3;
constexpr uint32_t kNotFound = 5;
constexpr uint32_t kResourceExhausted = 8;
constexpr uint32_t kFailedPrecondition = 9;
constexpr uint32_t kInternal = 13;

// Returned when even an error cannot be allocated; never deleted.
VwError out_of_memory{kResourceExhausted, "out of memory"};

VwError* Error(uint32_t code, std::string message) {
  try {
    return new VwError{code, std::move(message)};
  } catch (...) {
    return &out_of_memory;
  }
}

// Serializes `message` into a malloc'd buffer for the host.
VwError* Serialize(const google::protobuf::MessageLite& message, uint8_t** out,
                   size_t* out_len) {
  const size_t size = message.ByteSizeLong();
  *out = nullptr;
  *out_len = 0;
  if (size == 0) return nullptr;
  void* buffer = std::malloc(size);
  if (buffer == nullptr) return Error(kResourceExhausted, "out of memory");
  if (!message.SerializeToArray(buffer, static_cast<int>(size))) {
    std::free(buffer);
    return Error(kInternal, "cannot serialize the result");
  }
  *out = static_cast<uint8_t*>(buffer);
  *out_len = size;
  return nullptr;
}

// Shortest text that reads back as `value` (locale-independent).
std::string Num(double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

sdk::MatcherInfo MakeInfo() {
  sdk::MatcherInfo info;
  info.set_name(kName);
  info.set_version(kVersion);
  info.set_description(
      "The subject's indicators of their track ordered by gap = max(0, "
      "target level - current level), largest first; ties in framework "
      "order. Never-rated indicators are left out (listed as excluded). An "
      "example of a run-time plugin.");
  info.set_subject("a person");
  sdk::ParameterSpec* min_gap = info.add_parameters();
  min_gap->set_name(kMinGap);
  min_gap->set_type(sdk::ParameterSpec::NUMBER);
  min_gap->set_default_value(kMinGapDefault);
  min_gap->set_description("Smallest gap an indicator must have to be listed.");
  min_gap->set_has_min(true);
  min_gap->set_min(0);
  min_gap->set_has_max(true);
  min_gap->set_max(1000);
#ifdef TOP_GAPS_MISBEHAVE
  sdk::ParameterSpec* misbehave = info.add_parameters();
  misbehave->set_name("do");
  misbehave->set_type(sdk::ParameterSpec::STRING);
  misbehave->set_description(
      "segfault, abort, hang, spin or allocate; empty: behave");
#endif
  return info;
}

VwError* ParseMinGap(const sdk::ExternalMatchInput& input, double* min_gap) {
  std::string text = kMinGapDefault;
  if (auto it = input.parameters().find(kMinGap);
      it != input.parameters().end() && !it->second.empty()) {
    text = it->second;
  }
  const char* end = text.data() + text.size();
  auto result = std::from_chars(text.data(), end, *min_gap);
  if (result.ec != std::errc() || result.ptr != end ||
      !std::isfinite(*min_gap) || *min_gap < 0) {
    return Error(kInvalidArgument, "parameters[\"min_gap\"]: \"" + text +
                                       "\" is not a number >= 0");
  }
  return nullptr;
}

// Finds the subject person: "organizations/{org}/people/{person}" in the
// request's parent, among `org`'s people (ordered by id).
VwError* FindSubject(const sdk::ExternalMatchInput& org,
                     const sdk::ExternalMatchInput& input,
                     const sdk::SnapshotPerson** person) {
  const std::string& subject = input.request().subject();
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = subject.find('/', start)) != std::string::npos;
       start = slash + 1) {
    parts.push_back(subject.substr(start, slash - start));
  }
  parts.push_back(subject.substr(start));
  if (parts.size() != 4 || parts[0] != "organizations" || parts[1].empty() ||
      parts[2] != "people" || parts[3].empty()) {
    return Error(kInvalidArgument,
                 "subject: malformed resource name \"" + subject +
                     "\"; expected organizations/{org}/people/{person}");
  }
  *person = nullptr;
  if ("organizations/" + parts[1] == input.request().parent()) {
    auto it =
        std::lower_bound(org.people().begin(), org.people().end(), parts[3],
                         [](const sdk::SnapshotPerson& p,
                            const std::string& id) { return p.id() < id; });
    if (it != org.people().end() && it->id() == parts[3]) *person = &*it;
  }
  if (*person == nullptr) {
    return Error(kNotFound, "subject: person \"" + subject +
                                "\" not found in " + input.request().parent());
  }
  return nullptr;
}

struct Gap {
  const sdk::Indicator* indicator;
  const sdk::Competency* competency;
  double level;
  double gap;
};

#ifdef TOP_GAPS_MISBEHAVE
// Does what parameters["do"] says; returns only for "allocate" and "".
VwError* Misbehave(const sdk::ExternalMatchInput& input) {
  auto it = input.parameters().find("do");
  const std::string what = it == input.parameters().end() ? "" : it->second;
  if (what == "segfault") raise(SIGSEGV);
  if (what == "abort") std::abort();
  if (what == "hang") {
    while (true) pause();
  }
  if (what == "spin") {
    for (volatile uint64_t i = 0;; i = i + 1) {
    }
  }
  if (what == "allocate") {
    // 16 MiB blocks, each touched, up to 1 GiB.
    constexpr size_t kBlock = size_t{16} << 20;
    std::vector<void*> blocks;
    while (blocks.size() < 64) {
      void* block = std::malloc(kBlock);
      if (block == nullptr) break;
      std::memset(block, 1, kBlock);
      blocks.push_back(block);
    }
    const size_t got = blocks.size() * 16;
    for (void* block : blocks) std::free(block);
    if (got < 1024) {
      return Error(kResourceExhausted,
                   "allocated " + std::to_string(got) + " MiB, then no more");
    }
  }
  return nullptr;
}
#endif

#ifdef TOP_GAPS_ABORT_AT_LOAD
// Runs when the shared object is loaded.
[[maybe_unused]] const int abort_at_load = (std::abort(), 0);
#endif

// Unused only in the test plugin without VakwijzerPluginMatch.
// `org` holds the organisation's fields of the input, `input` the request
// and parameters (the same message when the input came whole).
[[maybe_unused]] VwError* Match(const sdk::ExternalMatchInput& org,
                                const sdk::ExternalMatchInput& input,
                                sdk::MatchResponse* response) {
#ifdef TOP_GAPS_MISBEHAVE
  if (VwError* error = Misbehave(input)) return error;
#endif
  if (kAlwaysFail) {
    return Error(kFailedPrecondition, "this test plugin refuses every match");
  }
  double min_gap = 0;
  if (VwError* error = ParseMinGap(input, &min_gap)) return error;
  const sdk::SnapshotPerson* person = nullptr;
  if (VwError* error = FindSubject(org, input, &person)) return error;
  const sdk::Framework* framework = nullptr;
  for (const sdk::Framework& f : org.frameworks()) {
    if (f.name() == person->framework()) framework = &f;
  }
  if (framework == nullptr) {
    return Error(kFailedPrecondition, "subject: framework \"" +
                                          person->framework() +
                                          "\" of the person is not known");
  }

  // Walk the framework in order: the position of an indicator is the index
  // of its level.
  const double target = person->target_level();
  std::vector<Gap> gaps;
  std::vector<std::string> unrated;
  int ordinal = 0;
  int rated = 0;
  for (const sdk::Cluster& cluster : framework->clusters()) {
    for (const sdk::Competency& competency : cluster.competencies()) {
      for (const sdk::Indicator& indicator : competency.indicators()) {
        const int at = ordinal++;
        if (indicator.track() != person->track()) continue;
        if (at >= person->levels_size() || std::isnan(person->levels(at))) {
          unrated.push_back(indicator.id());
          continue;
        }
        ++rated;
        const double level = person->levels(at);
        const double gap = std::max(0.0, target - level);
        if (gap <= 0 || gap < min_gap) continue;
        gaps.push_back({&indicator, &competency, level, gap});
      }
    }
  }
  std::stable_sort(gaps.begin(), gaps.end(),
                   [](const Gap& a, const Gap& b) { return a.gap > b.gap; });

  double total = 0;
  for (const Gap& g : gaps) total += g.gap;
  const int page_size =
      input.request().page_size() > 0 ? input.request().page_size() : 10;
  const int shown = std::min<int>(page_size, static_cast<int>(gaps.size()));
  for (int i = 0; i < shown; ++i) {
    const Gap& g = gaps[i];
    sdk::MatchItem* item = response->add_items();
    item->set_name(g.indicator->id());
    item->set_title(g.indicator->text());
    item->set_score(g.gap);
    item->set_rank(i + 1);
    item->set_explanation("Level " + Num(g.level) + " against target " +
                          Num(target) + " on indicator " + g.indicator->id() +
                          " of competency " + g.competency->code() + " " +
                          g.competency->title() + ": gap " + Num(g.gap) + ".");
    sdk::Contribution* c = item->add_contributions();
    c->set_key(g.indicator->id());
    c->set_value(g.gap);
    c->set_note("target " + Num(target) + " - level " + Num(g.level));
  }
  response->set_summary(std::to_string(gaps.size()) +
                        (gaps.size() == 1 ? " indicator" : " indicators") +
                        " below target");
  (*response->mutable_metrics())["total_gap"] = total;
  (*response->mutable_metrics())["rated"] = rated;
  (*response->mutable_metrics())["unrated"] = unrated.size();
  for (size_t i = 0; i < unrated.size() && i < kMaxExcluded; ++i) {
    response->add_excluded(unrated[i] + ": never rated");
  }
  if (unrated.size() > kMaxExcluded) {
    response->add_excluded(
        "… and " + std::to_string(unrated.size() - kMaxExcluded) + " more");
  }
  response->set_candidate_count(rated);
  return nullptr;
}

// Parses `size` bytes at `data` into `message`.
[[maybe_unused]] VwError* Parse(const uint8_t* data, size_t size,
                                sdk::ExternalMatchInput* message) {
  if (size > static_cast<size_t>(INT_MAX) ||
      !message->ParseFromArray(data, static_cast<int>(size))) {
    return Error(kInvalidArgument,
                 "the input is not a serialized ExternalMatchInput");
  }
  return nullptr;
}

// The organisation part parsed last, kept under its key (ABI 1.1): calls
// with the same key skip parsing it.
struct OrgCache {
  std::mutex mu;
  uint64_t key = 0;
  std::shared_ptr<const sdk::ExternalMatchInput> org;
};
[[maybe_unused]] OrgCache org_cache;

// Runs `body`, turning any exception into an INTERNAL error: none may
// cross the C boundary.
template <typename Body>
VwError* Guarded(Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return &out_of_memory;
  } catch (const std::exception& e) {
    return Error(kInternal, e.what());
  } catch (...) {
    return Error(kInternal, "unknown exception");
  }
}

}  // namespace

extern "C" {

uint32_t VwErrorCode(const VwError* error) { return error->code; }

const char* VwErrorMessage(const VwError* error) {
  return error->message.c_str();
}

void VwErrorDelete(VwError* error) {
  if (error != &out_of_memory) delete error;
}

uint32_t VakwijzerPluginAbiVersion(void) {
  return (static_cast<uint32_t>(TOP_GAPS_ABI_MAJOR) << 16) |
         VAKWIJZER_PLUGIN_ABI_MINOR;
}

VwError* VakwijzerPluginInfo(uint8_t** out, size_t* out_len) {
  return Guarded([&] { return Serialize(MakeInfo(), out, out_len); });
}

#ifndef TOP_GAPS_OMIT_MATCH
VwError* VakwijzerPluginMatch(const uint8_t* in, size_t in_len, uint8_t** out,
                              size_t* out_len) {
  return Guarded([&]() -> VwError* {
    sdk::ExternalMatchInput input;
    if (VwError* error = Parse(in, in_len, &input)) return error;
    sdk::MatchResponse response;
    if (VwError* error = Match(input, input, &response)) return error;
    return Serialize(response, out, out_len);
  });
}
#endif

#if !defined(TOP_GAPS_OMIT_MATCH) && !defined(TOP_GAPS_OMIT_PARTS)
VwError* VakwijzerPluginMatchParts(uint64_t org_key, const uint8_t* org,
                                   size_t org_len, const uint8_t* request,
                                   size_t request_len, uint8_t** out,
                                   size_t* out_len) {
  return Guarded([&]() -> VwError* {
    std::shared_ptr<const sdk::ExternalMatchInput> parsed;
    {
      std::lock_guard<std::mutex> lock(org_cache.mu);
      if (org_cache.key == org_key) parsed = org_cache.org;
    }
    if (parsed == nullptr) {
      auto fresh = std::make_shared<sdk::ExternalMatchInput>();
      if (VwError* error = Parse(org, org_len, fresh.get())) return error;
      parsed = fresh;
      std::lock_guard<std::mutex> lock(org_cache.mu);
      org_cache.key = org_key;
      org_cache.org = parsed;
    }
    sdk::ExternalMatchInput input;
    if (VwError* error = Parse(request, request_len, &input)) return error;
    sdk::MatchResponse response;
    if (VwError* error = Match(*parsed, input, &response)) return error;
    return Serialize(response, out, out_len);
  });
}
#endif

void VakwijzerPluginFree(void* buffer) { std::free(buffer); }

}  // extern "C"
