#ifndef VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_

#include "services/core/core_api.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// TeamService over the CoreApi; synchronous API (long, cancellable
// calls on the thread pool). ScoreTeam streams as it goes.
class TeamServiceImpl final : public v1::TeamService::Service {
 public:
  // `api` and `auth` must outlive the service.
  TeamServiceImpl(core::CoreApi* api, const CallAuthenticator* auth)
      : api_(api), auth_(auth) {}

  grpc::Status ScoreTeam(
      grpc::ServerContext* context, const v1::ScoreTeamRequest* request,
      grpc::ServerWriter<v1::ScoreTeamResponse>* writer) override;
  grpc::Status AssignMentors(grpc::ServerContext* context,
                             const v1::AssignMentorsRequest* request,
                             v1::MentorAssignment* response) override;
  grpc::Status PlanTeamTraining(grpc::ServerContext* context,
                                const v1::PlanTeamTrainingRequest* request,
                                v1::TeamTrainingPlan* response) override;
  grpc::Status StaffCases(grpc::ServerContext* context,
                          const v1::StaffCasesRequest* request,
                          v1::CaseStaffing* response) override;

 private:
  core::CoreApi* api_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_
