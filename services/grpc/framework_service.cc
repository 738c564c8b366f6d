#include "services/grpc/framework_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {
namespace {

absl::Status GetFramework(const framework::FrameworkRegistry& registry,
                          const v1::GetFrameworkRequest& request,
                          v1::Framework* out) {
  absl::StatusOr<std::string> id = ParseFrameworkName(request.name(), "name");
  if (!id.ok()) return id.status();
  const framework::FrameworkIndex* fw = registry.Find(*id);
  if (fw == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("name: no framework ", request.name()));
  }
  *out = fw->proto();
  if (request.track().empty()) return absl::OkStatus();
  if (!fw->HasTrack(request.track())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "track: \"", request.track(), "\" is not a track of ", request.name()));
  }
  for (v1::Cluster& cluster : *out->mutable_clusters()) {
    for (v1::Competency& comp : *cluster.mutable_competencies()) {
      auto* indicators = comp.mutable_indicators();
      indicators->erase(std::remove_if(indicators->begin(), indicators->end(),
                                       [&](const v1::Indicator& i) {
                                         return i.track() != request.track();
                                       }),
                        indicators->end());
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status FrameworkServiceImpl::ListFrameworks(
    grpc::ServerContext* context, const v1::ListFrameworksRequest* request,
    v1::ListFrameworksResponse* response) {
  return Serve(
      *auth_, context, "/vakwijzer.v1.FrameworkService/ListFrameworks",
      [&](const core::Call&) {
        for (const framework::FrameworkIndex* fw : registry_->All()) {
          v1::Framework* out = response->add_frameworks();
          *out = fw->proto();
          if (request->summary_only()) {
            out->clear_clusters();
            out->clear_stage_comparison();
          }
        }
        return grpc::Status::OK;
      },
      CallAuthenticator::Token::kOptional);
}

grpc::Status FrameworkServiceImpl::GetFramework(
    grpc::ServerContext* context, const v1::GetFrameworkRequest* request,
    v1::Framework* response) {
  return Serve(
      *auth_, context, "/vakwijzer.v1.FrameworkService/GetFramework",
      [&](const core::Call&) {
        return ToGrpcStatus(
            grpc_api::GetFramework(*registry_, *request, response));
      },
      CallAuthenticator::Token::kOptional);
}

}  // namespace vakwijzer::grpc_api
