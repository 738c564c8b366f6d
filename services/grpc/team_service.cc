#include "services/grpc/team_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

grpc::Status TeamServiceImpl::ScoreTeam(
    grpc::ServerContext* context, const v1::ScoreTeamRequest* request,
    grpc::ServerWriter<v1::ScoreTeamResponse>* writer) {
  return ToGrpcStatus(
      manager_->ScoreTeam(*request, [&](const v1::ScoreTeamResponse& part) {
        return !context->IsCancelled() && writer->Write(part);
      }));
}

grpc::Status TeamServiceImpl::AssignMentors(
    grpc::ServerContext* context, const v1::AssignMentorsRequest* request,
    v1::MentorAssignment* response) {
  return Reply(manager_->AssignMentors(
                   *request, [context] { return context->IsCancelled(); }),
               response);
}

grpc::Status TeamServiceImpl::PlanTeamTraining(
    grpc::ServerContext* context, const v1::PlanTeamTrainingRequest* request,
    v1::TeamTrainingPlan* response) {
  return Reply(manager_->PlanTeamTraining(
                   *request, [context] { return context->IsCancelled(); }),
               response);
}

grpc::Status TeamServiceImpl::StaffCases(grpc::ServerContext* context,
                                         const v1::StaffCasesRequest* request,
                                         v1::CaseStaffing* response) {
  return Reply(manager_->StaffCases(
                   *request, [context] { return context->IsCancelled(); }),
               response);
}

}  // namespace vakwijzer::grpc_api
