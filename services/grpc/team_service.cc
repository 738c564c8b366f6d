#include "services/grpc/team_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

grpc::Status TeamServiceImpl::ScoreTeam(
    grpc::ServerContext* context, const v1::ScoreTeamRequest* request,
    grpc::ServerWriter<v1::ScoreTeamResponse>* writer) {
  return Serve(*auth_, context, "/vakwijzer.v1.TeamService/ScoreTeam",
               [&](const core::Call& call) {
                 return ToGrpcStatus(api_->ScoreTeam(
                     call, *request, [&](const v1::ScoreTeamResponse& part) {
                       return !call.cancelled() &&
                              StreamIo(*auth_, context,
                                       [&] { return writer->Write(part); });
                     }));
               });
}

VW_UNARY_RPC(TeamService, AssignMentors, v1::AssignMentorsRequest,
             v1::MentorAssignment)
VW_UNARY_RPC(TeamService, PlanTeamTraining, v1::PlanTeamTrainingRequest,
             v1::TeamTrainingPlan)
VW_UNARY_RPC(TeamService, StaffCases, v1::StaffCasesRequest, v1::CaseStaffing)

}  // namespace vakwijzer::grpc_api
