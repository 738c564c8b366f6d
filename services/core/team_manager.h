// The core of TeamService: whole-team scores, and exact team-wide
// assignments of mentors and cases, over the same snapshots and matchers
// as MatchService.
#ifndef VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "framework/framework_registry.h"
#include "optimization/mip.h"
#include "plugins/api/matcher.h"
#include "services/core/snapshot_cache.h"
#include "vakwijzer/v1/team.pb.h"

namespace vakwijzer::core {

// How the server runs the team optimisers; not part of the API.
struct TeamManagerOptions {
  // The back end of every integer program (PlanTeamTraining, StaffCases,
  // AssignMentors with no_mutual). CBC unless a benchmark compares.
  optimization::MipSolver mip_solver = optimization::MipSolver::kCbc;
};

class TeamManager {
 public:
  // Pointers must outlive the manager.
  TeamManager(const framework::FrameworkRegistry* frameworks,
              const plugins::MatcherRegistry* matchers,
              const SnapshotCache* cache, TeamManagerOptions options = {})
      : frameworks_(frameworks),
        matchers_(matchers),
        cache_(cache),
        options_(options) {}

  // Calls `emit` with a PersonScore per selected person (when
  // include_people), then once with the summary; stops with CANCELLED when
  // `emit` returns false. The team must use one framework.
  absl::Status ScoreTeam(
      const v1::ScoreTeamRequest& request,
      const std::function<bool(const v1::ScoreTeamResponse&)>& emit) const;

  // Pairs are weighed by the "mentor" matcher's score with its parameters;
  // exact at the scale of a whole organisation (AssignMentorsExact,
  // mentor_assignment.h), also under no_mutual (an integer program within
  // 2 s when the optimum has mutual pairs). FAILED_PRECONDITION when the
  // server does not serve the mentor matcher.
  absl::StatusOr<v1::MentorAssignment> AssignMentors(
      const v1::AssignMentorsRequest& request,
      const std::function<bool()>& cancelled) const;

  // The plan closing the most team gap (objective in team.proto) within
  // the budget, sessions and hours per person: an integer program over
  // (person, module) pairs solved by branch and cut (optimization/mip.h)
  // within request.time_limit_ms, started against a lazy greedy plan on
  // gain per euro (kept when the program finds nothing better in time).
  // Eligibility is plugins::ModuleBarrier. exact and upper_bound come from
  // the program's proof; CANCELLED when `cancelled` says so.
  absl::StatusOr<v1::TeamTrainingPlan> PlanTeamTraining(
      const v1::PlanTeamTrainingRequest& request,
      const std::function<bool()>& cancelled) const;

  // Pairs are scored by the "case-staffing" matcher (must-haves gate);
  // each case gets at most one person, within each person's caseload room.
  // Exact by min-cost flow or branch and bound (optimization/assignment.h)
  // where those apply; otherwise (mixed workloads, many pairs) an integer
  // program within request.time_limit_ms improves the greedy-repair answer
  // and proves its bound. A case named twice is INVALID_ARGUMENT. Reasons
  // for unstaffed cases are read off the returned staffing.
  absl::StatusOr<v1::CaseStaffing> StaffCases(
      const v1::StaffCasesRequest& request,
      const std::function<bool()>& cancelled) const;

 private:
  const framework::FrameworkRegistry* frameworks_;
  const plugins::MatcherRegistry* matchers_;
  const SnapshotCache* cache_;
  TeamManagerOptions options_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_
