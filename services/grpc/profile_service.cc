#include "services/grpc/profile_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

VW_UNARY_RPC(ProfileService, CreateProfile, v1::CreateProfileRequest,
             v1::Profile)
VW_UNARY_RPC(ProfileService, GetProfile, v1::GetProfileRequest, v1::Profile)
VW_UNARY_RPC(ProfileService, UpdateProfile, v1::UpdateProfileRequest,
             v1::Profile)
VW_UNARY_RPC(ProfileService, DeleteProfile, v1::DeleteProfileRequest,
             google::protobuf::Empty)
VW_UNARY_RPC(ProfileService, ListProfiles, v1::ListProfilesRequest,
             v1::ListProfilesResponse)
VW_UNARY_RPC(ProfileService, RecordAssessment, v1::RecordAssessmentRequest,
             v1::Assessment)
VW_UNARY_RPC(ProfileService, ListAssessments, v1::ListAssessmentsRequest,
             v1::ListAssessmentsResponse)
VW_UNARY_RPC(ProfileService, GetGapReport, v1::GetGapReportRequest,
             v1::GapReport)
VW_UNARY_RPC(ProfileService, ExportPersonData, v1::ExportPersonDataRequest,
             v1::PersonDataExport)

grpc::Status ProfileServiceImpl::ImportRecords(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::ImportRecordsRequest>* reader,
    v1::ImportRecordsResponse* response) {
  return Serve(*auth_, context, "/vakwijzer.v1.ProfileService/ImportRecords",
               [&](const core::Call& call) {
                 return Reply(api_->ImportRecords(
                                  call,
                                  [&](v1::ImportRecordsRequest* batch) {
                                    return StreamIo(*auth_, context, [&] {
                                      return reader->Read(batch);
                                    });
                                  }),
                              response);
               });
}

}  // namespace vakwijzer::grpc_api
