// The core of MatchService: checks a match request, hands the registered
// matcher a snapshot of the organisation, and stamps the result.
#ifndef VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "plugins/api/matcher.h"
#include "services/core/framework_registry.h"
#include "services/core/snapshot_cache.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::core {

class MatchManager {
 public:
  // Pointers must outlive the manager.
  MatchManager(const FrameworkRegistry* frameworks,
               const plugins::MatcherRegistry* matchers,
               const SnapshotCache* cache)
      : frameworks_(frameworks), matchers_(matchers), cache_(cache) {}

  // Every matcher's info, with parameter defaults as this server has them.
  v1::ListMatchersResponse ListMatchers() const;

  // INVALID_ARGUMENT naming parent, matcher, page_size, request_id or
  // parameters["name"]; the matcher's own errors otherwise. `cancelled`
  // reports whether the caller gave up.
  absl::StatusOr<v1::MatchResponse> Match(
      const v1::MatchRequest& request,
      const std::function<bool()>& cancelled) const;

 private:
  const FrameworkRegistry* frameworks_;
  const plugins::MatcherRegistry* matchers_;
  const SnapshotCache* cache_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_
