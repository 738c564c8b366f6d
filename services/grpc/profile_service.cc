#include "services/grpc/profile_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {
grpc::Status ProfileServiceImpl::CreateProfile(
    grpc::ServerContext*, const v1::CreateProfileRequest* request,
    v1::Profile* response) {
  return Reply(manager_->CreateProfile(*request), response);
}

grpc::Status ProfileServiceImpl::GetProfile(
    grpc::ServerContext*, const v1::GetProfileRequest* request,
    v1::Profile* response) {
  return Reply(manager_->GetProfile(*request), response);
}

grpc::Status ProfileServiceImpl::UpdateProfile(
    grpc::ServerContext*, const v1::UpdateProfileRequest* request,
    v1::Profile* response) {
  return Reply(manager_->UpdateProfile(*request), response);
}

grpc::Status ProfileServiceImpl::DeleteProfile(
    grpc::ServerContext*, const v1::DeleteProfileRequest* request,
    google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteProfile(*request));
}

grpc::Status ProfileServiceImpl::ListProfiles(
    grpc::ServerContext*, const v1::ListProfilesRequest* request,
    v1::ListProfilesResponse* response) {
  return Reply(manager_->ListProfiles(*request), response);
}

grpc::Status ProfileServiceImpl::RecordAssessment(
    grpc::ServerContext*, const v1::RecordAssessmentRequest* request,
    v1::Assessment* response) {
  return Reply(manager_->RecordAssessment(*request), response);
}

grpc::Status ProfileServiceImpl::ListAssessments(
    grpc::ServerContext*, const v1::ListAssessmentsRequest* request,
    v1::ListAssessmentsResponse* response) {
  return Reply(manager_->ListAssessments(*request), response);
}

grpc::Status ProfileServiceImpl::GetGapReport(
    grpc::ServerContext*, const v1::GetGapReportRequest* request,
    v1::GapReport* response) {
  return Reply(manager_->GetGapReport(*request), response);
}

}  // namespace vakwijzer::grpc_api
