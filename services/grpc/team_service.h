#ifndef VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_

#include "services/core/team_manager.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// TeamService over a TeamManager; synchronous API (long, cancellable
// calls on the thread pool). ScoreTeam streams as it goes.
class TeamServiceImpl final : public v1::TeamService::Service {
 public:
  // `manager` must outlive the service.
  explicit TeamServiceImpl(const core::TeamManager* manager)
      : manager_(manager) {}

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
  const core::TeamManager* manager_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_TEAM_SERVICE_H_
