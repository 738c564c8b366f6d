// The matcher plugin interface and the registry of matchers.
//
// A matcher is a pure function of its input: a read-only snapshot of one
// organisation, the frameworks, the request and its checked parameters. It
// never touches the store, gRPC or another matcher, and it is deterministic:
// the same input gives the same output, ties broken by resource name.
#ifndef VAKWIJZER_PLUGINS_API_MATCHER_H_
#define VAKWIJZER_PLUGINS_API_MATCHER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::plugins {

struct MatchInput {
  const OrgSnapshot& org;
  const framework::FrameworkRegistry& frameworks;
  // The request as received; page_size is already defaulted and bounded.
  const v1::MatchRequest& request;
  const Params& params;
  // Set when the caller gave up (deadline, cancellation): long matchers
  // check it now and then and return CANCELLED.
  const std::function<bool()>& cancelled;
  // Threads a scan of the whole organisation may split over; null: scan on
  // the calling thread.
  const ScanPool* pool = nullptr;
};

class Matcher {
 public:
  Matcher() = default;
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
  virtual ~Matcher() = default;

  // Name, version, description, subject and parameters. Constant.
  virtual const v1::MatcherInfo& Info() const = 0;

  // Thread-safe. Fills items (at most request.page_size, ranked), summary,
  // metrics, residual and excluded; the caller fills matcher, version,
  // request id and subject. Errors name the offending request field or
  // parameter.
  virtual absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const = 0;
};

// Matchers by name, with the server's default parameters for each.
// Filled explicitly at start (RegisterBuiltinMatchers, external plugins);
// read-only afterwards, so lookups need no lock.
class MatcherRegistry {
 public:
  MatcherRegistry() = default;
  MatcherRegistry(const MatcherRegistry&) = delete;
  MatcherRegistry& operator=(const MatcherRegistry&) = delete;

  // ALREADY_EXISTS when the name is taken.
  absl::Status Add(std::unique_ptr<Matcher> matcher);
  // Drops matchers not in `enabled` (when not empty); NOT_FOUND naming an
  // enabled name that no matcher has.
  absl::Status Enable(const std::vector<std::string>& enabled);
  // Sets default parameter values of a matcher, checked against its specs.
  absl::Status SetDefaults(absl::string_view matcher,
                           std::map<std::string, std::string> defaults);

  const Matcher* Find(absl::string_view name) const;
  const std::map<std::string, std::string>& Defaults(
      absl::string_view name) const;
  // Ordered by name.
  std::vector<const Matcher*> All() const;

 private:
  struct Entry {
    std::unique_ptr<Matcher> matcher;
    std::map<std::string, std::string> defaults;
  };
  std::map<std::string, Entry, std::less<>> matchers_;
};

// Adds the built-in matchers: training, mentor, role-fit, case-staffing.
absl::Status RegisterBuiltinMatchers(MatcherRegistry* registry);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_API_MATCHER_H_
