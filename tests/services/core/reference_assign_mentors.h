// TeamManager::AssignMentors as it was before issue 8 (one mentor match per
// mentee over every candidate, explanations for every edge), kept as the
// reference for the differential test and the "before" benchmark.
#ifndef VAKWIJZER_TESTS_SERVICES_CORE_REFERENCE_ASSIGN_MENTORS_H_
#define VAKWIJZER_TESTS_SERVICES_CORE_REFERENCE_ASSIGN_MENTORS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/framework_registry.h"
#include "plugins/api/matcher.h"
#include "plugins/api/snapshot.h"
#include "vakwijzer/v1/team.pb.h"

namespace vakwijzer::reference {

// `mentees` and `mentors` are the selected people of `snap` in order of id;
// `matchers` must serve "mentor".
absl::StatusOr<v1::MentorAssignment> ReferenceAssignMentors(
    const plugins::MatcherRegistry& matchers,
    const framework::FrameworkRegistry& frameworks,
    const plugins::OrgSnapshot& snap,
    const std::vector<const plugins::PersonView*>& mentees,
    const std::vector<const plugins::PersonView*>& mentors,
    const google::protobuf::Map<std::string, std::string>& parameters,
    const std::function<bool()>& cancelled);

}  // namespace vakwijzer::reference

#endif  // VAKWIJZER_TESTS_SERVICES_CORE_REFERENCE_ASSIGN_MENTORS_H_
