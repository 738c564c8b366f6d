// The core of TeamService: whole-team scores, and exact team-wide
// assignments of mentors and cases, over the same snapshots and matchers
// as MatchService.
#ifndef VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_
#define VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "services/core/snapshot_cache.h"
#include "vakwijzer/v1/team.pb.h"

namespace vakwijzer::core {

class TeamManager {
 public:
  // Pointers must outlive the manager.
  TeamManager(const framework::FrameworkRegistry* frameworks,
              const plugins::MatcherRegistry* matchers,
              const SnapshotCache* cache)
      : frameworks_(frameworks), matchers_(matchers), cache_(cache) {}

  // Calls `emit` with a PersonScore per selected person (when
  // include_people), then once with the summary; stops with CANCELLED when
  // `emit` returns false. The team must use one framework.
  absl::Status ScoreTeam(
      const v1::ScoreTeamRequest& request,
      const std::function<bool(const v1::ScoreTeamResponse&)>& emit) const;

  // Pairs are weighed by the "mentor" matcher's score with its parameters;
  // exact at the scale of a whole organisation (AssignMentorsExact,
  // mentor_assignment.h). FAILED_PRECONDITION when the server does not serve
  // the mentor matcher.
  absl::StatusOr<v1::MentorAssignment> AssignMentors(
      const v1::AssignMentorsRequest& request,
      const std::function<bool()>& cancelled) const;

  // Lazy greedy on team gap closed per euro over (person, module) pairs,
  // compared with the best single pair; eligibility as in the training
  // matcher (framework, track, completed modules, prerequisites). The
  // upper bound is f(S) plus the fractional knapsack of the remaining
  // marginal gains under the budget (submodularity).
  absl::StatusOr<v1::TeamTrainingPlan> PlanTeamTraining(
      const v1::PlanTeamTrainingRequest& request,
      const std::function<bool()>& cancelled) const;

  // Pairs are scored by the "case-staffing" matcher (must-haves gate).
  absl::StatusOr<v1::CaseStaffing> StaffCases(
      const v1::StaffCasesRequest& request,
      const std::function<bool()>& cancelled) const;

 private:
  const framework::FrameworkRegistry* frameworks_;
  const plugins::MatcherRegistry* matchers_;
  const SnapshotCache* cache_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_TEAM_MANAGER_H_
