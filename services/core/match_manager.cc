#include "services/core/match_manager.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/quote.h"
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
  return MatchOn(*cache_->Get(org), request, cancelled);
}

absl::Status MatchManager::BatchMatch(
    const v1::BatchMatchRequest& request,
    const std::function<bool(const v1::BatchMatchResponse&)>& emit,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  // What is wrong with the request as a whole fails it before any result.
  RETURN_IF_ERROR(
      Check(request.matcher(), request.page_size(), request.parameters())
          .status());
  if (request.subjects_size() > kMaxBatchSubjects) {
    return absl::InvalidArgumentError(absl::StrCat(
        "subjects: ", request.subjects_size(), " subjects; at most ",
        kMaxBatchSubjects,
        " per call (split the list, or leave it empty for every person of "
        "the organisation)"));
  }
  absl::flat_hash_map<absl::string_view, int> seen;
  for (int i = 0; i < request.subjects_size(); ++i) {
    auto [it, added] = seen.try_emplace(request.subjects(i), i);
    if (!added) {
      return absl::InvalidArgumentError(
          absl::StrCat("subjects[", i, "]: duplicate of subjects[", it->second,
                       "] ", Quote(request.subjects(i))));
    }
  }
  std::shared_ptr<const plugins::OrgSnapshot> snapshot = cache_->Get(org);
  std::vector<std::string> subjects(request.subjects().begin(),
                                    request.subjects().end());
  if (subjects.empty()) {
    for (const auto& p : snapshot->people) {
      subjects.push_back(absl::StrCat(request.parent(), "/people/", p->id));
    }
  }
  for (size_t i = 0; i < subjects.size(); ++i) {
    if (cancelled()) return absl::CancelledError("the call was cancelled");
    v1::MatchRequest one;
    one.set_parent(request.parent());
    one.set_matcher(request.matcher());
    one.set_subject(subjects[i]);
    *one.mutable_parameters() = request.parameters();
    one.set_page_size(request.page_size());
    absl::StatusOr<v1::MatchResponse> result =
        MatchOn(*snapshot, one, cancelled);
    v1::BatchMatchResponse part;
    part.set_subject(subjects[i]);
    if (result.ok()) {
      *part.mutable_response() = *std::move(result);
    } else {
      part.set_error_code(static_cast<int>(result.status().code()));
      part.set_error_message(std::string(result.status().message()));
    }
    if (!emit(part)) return absl::CancelledError("the client went away");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<const plugins::Matcher*, plugins::Params>>
MatchManager::Check(
    absl::string_view name, int page_size,
    const google::protobuf::Map<std::string, std::string>& parameters) const {
  const plugins::Matcher* matcher = matchers_->Find(name);
  if (matcher == nullptr) {
    std::vector<std::string> names;
    for (const plugins::Matcher* m : matchers_->All()) {
      names.push_back(m->Info().name());
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "matcher: unknown matcher ", Quote(name), "; this server has ",
        names.empty() ? "none" : absl::StrJoin(names, ", ")));
  }
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must lie in 0..", kMaxPageSize, ", got ", page_size));
  }
  ASSIGN_OR_RETURN(
      plugins::Params params,
      plugins::Params::Parse(matcher->Info().parameters(),
                             matchers_->Defaults(name), parameters));
  return std::make_pair(matcher, std::move(params));
}

absl::StatusOr<v1::MatchResponse> MatchManager::MatchOn(
    const plugins::OrgSnapshot& snapshot, const v1::MatchRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(auto checked, Check(request.matcher(), request.page_size(),
                                       request.parameters()));
  const auto& [matcher, params] = checked;
  if (!request.request_id().empty()) {
    RETURN_IF_ERROR(ValidateId(request.request_id(), "request_id"));
  }
  if (request.subject().rfind(request.parent() + "/", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("subject: ", Quote(request.subject()),
                     " is not a resource of ", request.parent()));
  }
  v1::MatchRequest normalized = request;
  if (normalized.page_size() == 0) normalized.set_page_size(kDefaultPageSize);
  if (normalized.request_id().empty()) {
    normalized.set_request_id(NewRequestId());
  }

  plugins::MatchInput input{snapshot, *frameworks_, normalized,
                            params,   cancelled,    pool_};
  ASSIGN_OR_RETURN(v1::MatchResponse response, matcher->Match(input));
  if (response.items_size() > normalized.page_size()) {
    response.mutable_items()->DeleteSubrange(
        normalized.page_size(), response.items_size() - normalized.page_size());
  }
  response.set_matcher(matcher->Info().name());
  response.set_matcher_version(matcher->Info().version());
  response.set_request_id(normalized.request_id());
  response.set_subject(normalized.subject());
  return response;
}

}  // namespace vakwijzer::core
