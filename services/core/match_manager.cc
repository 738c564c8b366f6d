#include "services/core/match_manager.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace vakwijzer::core {
namespace {

constexpr int kDefaultPageSize = 10;
constexpr int kMaxPageSize = 1000;

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen;
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(*gen));
}

}  // namespace

v1::ListMatchersResponse MatchManager::ListMatchers() const {
  v1::ListMatchersResponse response;
  for (const plugins::Matcher* m : matchers_->All()) {
    v1::MatcherInfo* info = response.add_matchers();
    *info = m->Info();
    const auto& defaults = matchers_->Defaults(info->name());
    for (v1::ParameterSpec& spec : *info->mutable_parameters()) {
      if (auto it = defaults.find(spec.name()); it != defaults.end()) {
        spec.set_default_value(it->second);
      }
    }
  }
  return response;
}

absl::StatusOr<v1::MatchResponse> MatchManager::Match(
    const v1::MatchRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  const plugins::Matcher* matcher = matchers_->Find(request.matcher());
  if (matcher == nullptr) {
    std::vector<std::string> names;
    for (const plugins::Matcher* m : matchers_->All()) {
      names.push_back(m->Info().name());
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "matcher: unknown matcher \"", request.matcher(), "\"; this server has ",
        names.empty() ? "none" : absl::StrJoin(names, ", ")));
  }
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must lie in 0..", kMaxPageSize, ", got ",
        request.page_size()));
  }
  if (!request.request_id().empty()) {
    RETURN_IF_ERROR(ValidateId(request.request_id(), "request_id"));
  }
  if (request.subject().rfind(request.parent() + "/", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("subject: \"", request.subject(),
                     "\" is not a resource of ", request.parent()));
  }
  ASSIGN_OR_RETURN(plugins::Params params,
                   plugins::Params::Parse(matcher->Info().parameters(),
                                          matchers_->Defaults(request.matcher()),
                                          request.parameters()));
  v1::MatchRequest normalized = request;
  if (normalized.page_size() == 0) normalized.set_page_size(kDefaultPageSize);
  if (normalized.request_id().empty()) {
    normalized.set_request_id(NewRequestId());
  }

  std::shared_ptr<const plugins::OrgSnapshot> snapshot = cache_->Get(org);
  plugins::MatchInput input{*snapshot, *frameworks_, normalized, params,
                            cancelled};
  ASSIGN_OR_RETURN(v1::MatchResponse response, matcher->Match(input));
  if (response.items_size() > normalized.page_size()) {
    response.mutable_items()->DeleteSubrange(
        normalized.page_size(),
        response.items_size() - normalized.page_size());
  }
  response.set_matcher(matcher->Info().name());
  response.set_matcher_version(matcher->Info().version());
  response.set_request_id(normalized.request_id());
  response.set_subject(normalized.subject());
  return response;
}

}  // namespace vakwijzer::core
