#ifndef VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_

#include "services/core/core_api.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// ProfileService over the CoreApi. Its handlers wait for fsync'd
// RocksDB writes, so it uses the synchronous API, whose handlers run on a
// thread pool, rather than the callback API, whose threads must not block.
class ProfileServiceImpl final : public v1::ProfileService::Service {
 public:
  // `api` and `auth` must outlive the service.
  ProfileServiceImpl(core::CoreApi* api, const CallAuthenticator* auth)
      : api_(api), auth_(auth) {}

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
  grpc::Status ExportPersonData(grpc::ServerContext* context,
                                const v1::ExportPersonDataRequest* request,
                                v1::PersonDataExport* response) override;
  grpc::Status ImportRecords(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::ImportRecordsRequest>* reader,
      v1::ImportRecordsResponse* response) override;

 private:
  core::CoreApi* api_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_PROFILE_SERVICE_H_
