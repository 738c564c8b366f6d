#ifndef VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_

#include "services/core/profile_manager.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// ProfileService over a ProfileManager. Its handlers wait for fsync'd
// RocksDB writes, so it uses the synchronous API, whose handlers run on a
// thread pool, rather than the callback API, whose threads must not block.
class ProfileServiceImpl final : public v1::ProfileService::Service {
 public:
  // `manager` must outlive the service.
  explicit ProfileServiceImpl(core::ProfileManager* manager)
      : manager_(manager) {}

  grpc::Status CreateProfile(grpc::ServerContext* context,
                             const v1::CreateProfileRequest* request,
                             v1::Profile* response) override;
  grpc::Status GetProfile(grpc::ServerContext* context,
                          const v1::GetProfileRequest* request,
                          v1::Profile* response) override;
  grpc::Status UpdateProfile(grpc::ServerContext* context,
                             const v1::UpdateProfileRequest* request,
                             v1::Profile* response) override;
  grpc::Status DeleteProfile(grpc::ServerContext* context,
                             const v1::DeleteProfileRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListProfiles(grpc::ServerContext* context,
                            const v1::ListProfilesRequest* request,
                            v1::ListProfilesResponse* response) override;
  grpc::Status RecordAssessment(grpc::ServerContext* context,
                                const v1::RecordAssessmentRequest* request,
                                v1::Assessment* response) override;
  grpc::Status ListAssessments(grpc::ServerContext* context,
                               const v1::ListAssessmentsRequest* request,
                               v1::ListAssessmentsResponse* response) override;
  grpc::Status GetGapReport(grpc::ServerContext* context,
                            const v1::GetGapReportRequest* request,
                            v1::GapReport* response) override;

 private:
  core::ProfileManager* manager_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_
