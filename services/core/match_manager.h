// The core of MatchService: checks a match request, hands the registered
// matcher a snapshot of the organisation, and stamps the result.
#ifndef VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_

#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "services/core/snapshot_cache.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::core {

// Most subjects one BatchMatch may name; an empty list (every person of the
// organisation) has no limit, its results being streamed as they come.
inline constexpr int kMaxBatchSubjects = 10000;

class MatchManager {
 public:
  // Pointers must outlive the manager.
  // Matches may split their scans over `pool` when not null.
  MatchManager(const framework::FrameworkRegistry* frameworks,
               const plugins::MatcherRegistry* matchers,
               const SnapshotCache* cache, const ScanPool* pool = nullptr)
      : frameworks_(frameworks),
        matchers_(matchers),
        cache_(cache),
        pool_(pool) {}

  // Every matcher's info, with parameter defaults as this server has them.
  v1::ListMatchersResponse ListMatchers() const;

  // INVALID_ARGUMENT naming parent, matcher, page_size, request_id or
  // parameters["name"]; the matcher's own errors otherwise. `cancelled`
  // reports whether the caller gave up.
  absl::StatusOr<v1::MatchResponse> Match(
      const v1::MatchRequest& request,
      const std::function<bool()>& cancelled) const;

  // Runs Match for every subject on one snapshot and calls `emit` with each
  // result (a subject's error is reported in its result, not fatal).
  // Request-wide errors (parent, matcher, page_size, parameters, more than
  // kMaxBatchSubjects subjects, a subject named twice) fail the call before
  // anything is emitted; CANCELLED when `emit` returns false or
  // `cancelled` turns true.
  absl::Status BatchMatch(
      const v1::BatchMatchRequest& request,
      const std::function<bool(const v1::BatchMatchResponse&)>& emit,
      const std::function<bool()>& cancelled) const;

 private:
  // The matcher and checked parameters of a request; INVALID_ARGUMENT for
  // an unknown matcher, a page size off 0..1000 or a bad parameter.
  absl::StatusOr<std::pair<const plugins::Matcher*, plugins::Params>> Check(
      absl::string_view name, int page_size,
      const google::protobuf::Map<std::string, std::string>& parameters) const;
  // Match on a given snapshot.
  absl::StatusOr<v1::MatchResponse> MatchOn(
      const plugins::OrgSnapshot& snapshot, const v1::MatchRequest& request,
      const std::function<bool()>& cancelled) const;

  const framework::FrameworkRegistry* frameworks_;
  const plugins::MatcherRegistry* matchers_;
  const SnapshotCache* cache_;
  const ScanPool* pool_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_MATCH_MANAGER_H_
