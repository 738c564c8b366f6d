// Verbatim from services/core/team_manager.cc before issue 8 (RunMatcher and
// the body of TeamManager::AssignMentors after the selection). Do not change
// its behaviour.
#include "tests/services/core/reference_assign_mentors.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "optimization/assignment.h"

namespace vakwijzer::reference {
namespace {

using plugins::OrgSnapshot;
using plugins::PersonView;

std::string PersonResource(absl::string_view org, const PersonView& p) {
  return absl::StrCat("organizations/", org, "/people/", p.id);
}

// Runs `name` (a registered matcher) directly, over every candidate.
absl::StatusOr<v1::MatchResponse> RunMatcher(
    const plugins::MatcherRegistry& matchers,
    const framework::FrameworkRegistry& frameworks, const OrgSnapshot& snap,
    absl::string_view name, const std::string& subject,
    google::protobuf::Map<std::string, std::string> parameters,
    const std::function<bool()>& cancelled) {
  const plugins::Matcher* matcher = matchers.Find(name);
  if (matcher == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("this server does not serve the ", name, " matcher"));
  }
  ASSIGN_OR_RETURN(plugins::Params params,
                   plugins::Params::Parse(matcher->Info().parameters(),
                                          matchers.Defaults(name), parameters));
  v1::MatchRequest request;
  request.set_parent(absl::StrCat("organizations/", snap.org));
  request.set_matcher(std::string(name));
  request.set_subject(subject);
  request.set_page_size(static_cast<int>(snap.people.size()) + 1);
  plugins::MatchInput input{snap, frameworks, request, params, cancelled};
  return matcher->Match(input);
}

}  // namespace

absl::StatusOr<v1::MentorAssignment> ReferenceAssignMentors(
    const plugins::MatcherRegistry& matchers,
    const framework::FrameworkRegistry& frameworks, const OrgSnapshot& snap,
    const std::vector<const PersonView*>& mentees,
    const std::vector<const PersonView*>& mentors,
    const google::protobuf::Map<std::string, std::string>& parameters,
    const std::function<bool()>& cancelled) {
  const std::string& org = snap.org;
  std::map<std::string, int> mentor_index;
  optimization::AssignmentProblem problem;
  for (const PersonView* m : mentors) {
    if (m->mentoring_capacity <= 0) continue;
    mentor_index[PersonResource(org, *m)] =
        static_cast<int>(problem.right_capacity.size());
    problem.right_capacity.push_back(m->mentoring_capacity);
  }
  std::vector<std::string> right_names(mentor_index.size());
  for (const auto& [name, j] : mentor_index) right_names[j] = name;

  v1::MentorAssignment out;
  std::map<std::pair<int, int>, std::string> explanations;
  std::vector<std::string> left_names;
  std::vector<std::string> no_edge_reason;
  for (const PersonView* mentee : mentees) {
    const std::string name = PersonResource(org, *mentee);
    ASSIGN_OR_RETURN(v1::MatchResponse r,
                     RunMatcher(matchers, frameworks, snap, "mentor", name,
                                parameters, cancelled));
    const int i = static_cast<int>(left_names.size());
    int edges = 0;
    for (const v1::MatchItem& item : r.items()) {
      auto it = mentor_index.find(item.name());
      if (it == mentor_index.end() || item.score() <= 0) continue;
      problem.edges.push_back({i, it->second, item.score()});
      explanations[{i, it->second}] = item.explanation();
      ++edges;
    }
    left_names.push_back(name);
    no_edge_reason.push_back(
        edges > 0 ? ""
        : r.metrics().count("gap_units") && r.metrics().at("gap_units") == 0
            ? "no gap to mentor on"
            : "no selected mentor with capacity covers any of the gaps");
  }
  problem.left_count = static_cast<int>(left_names.size());
  problem.right_count = static_cast<int>(right_names.size());
  problem.left_capacity.assign(problem.left_count, 1);
  problem.left_demand.assign(problem.left_count, 1);
  ASSIGN_OR_RETURN(optimization::Assignment solution,
                   optimization::SolveMaxWeightAssignment(problem, cancelled));
  std::vector<bool> matched(problem.left_count);
  for (const auto& [i, j] : solution.pairs) {
    matched[i] = true;
    v1::Pair* pair = out.add_pairs();
    pair->set_left(left_names[i]);
    pair->set_right(right_names[j]);
    for (const auto& e : problem.edges) {
      if (e.left == i && e.right == j) pair->set_weight(e.weight);
    }
    pair->set_explanation(explanations[{i, j}]);
  }
  for (int i = 0; i < problem.left_count; ++i) {
    if (matched[i]) continue;
    v1::Unmatched* u = out.add_unmatched();
    u->set_name(left_names[i]);
    u->set_reason(no_edge_reason[i].empty()
                      ? "every mentor who covers a gap is taken by mentees "
                        "that weigh more"
                      : no_edge_reason[i]);
  }
  out.set_total_weight(solution.total_weight);
  out.set_method(solution.method);
  out.set_exact(solution.exact);
  return out;
}

}  // namespace vakwijzer::reference
