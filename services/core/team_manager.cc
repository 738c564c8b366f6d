#include "services/core/team_manager.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "plugins/team/assignment.h"
#include "services/core/mentor_assignment.h"

namespace vakwijzer::core {
namespace {

using plugins::OrgSnapshot;
using plugins::PersonView;

std::string PersonResource(absl::string_view org, const PersonView& p) {
  return absl::StrCat("organizations/", org, "/people/", p.id);
}

// The selected people of `snap`, in order of id.
absl::StatusOr<std::vector<const PersonView*>> Select(
    const OrgSnapshot& snap, const v1::TeamSelector& selector) {
  std::vector<const PersonView*> out;
  for (const auto& p : snap.people) {
    if (!selector.team().empty() &&
        std::find(p->teams.begin(), p->teams.end(), selector.team()) ==
            p->teams.end()) {
      continue;
    }
    if (!selector.role().empty() && p->role != selector.role()) continue;
    if (!selector.track().empty() && p->track != selector.track()) continue;
    out.push_back(p.get());
  }
  return out;
}

// Sums over (person, indicator) pairs.
struct Tally {
  int rated = 0;
  int unknown = 0;
  int at_target = 0;
  double gap = 0;
  int min_bus = INT32_MAX;

  void To(v1::TeamRollup* r) const {
    r->set_mean_gap(rated ? gap / rated : 0);
    r->set_share_at_target(rated ? static_cast<double>(at_target) / rated : 0);
    r->set_unknown(unknown);
    r->set_min_bus_factor(min_bus == INT32_MAX ? 0 : min_bus);
  }
};

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

// One person's part of a team training plan: what the modules given to
// them so far have raised each indicator to.
struct Learner {
  const PersonView* person;
  std::vector<double> current;  // by ordinal: level, or reached; NaN: skip
  double hours = 0;
};

// A module resolved for one track: (ordinal, level reached) pairs.
using Uplift = std::vector<std::pair<int, int>>;

double Gain(const Learner& l, const Uplift& uplift) {
  double gain = 0;
  for (const auto& [ordinal, level] : uplift) {
    double cur = l.current[ordinal];
    if (std::isnan(cur)) continue;
    gain +=
        std::max(0.0, std::min<double>(l.person->target_level, level) - cur);
  }
  return gain;
}

// The person before any training: known levels (unknown ones as 0 when
// `include_unknown`, else left out).
Learner StartOf(const PersonView* p, bool include_unknown) {
  Learner l{p, std::vector<double>(p->levels.size(), NAN)};
  for (const framework::IndicatorRef* ref :
       p->framework->IndicatorsOfTrack(p->track)) {
    float level = p->levels[ref->ordinal];
    if (plugins::IsKnown(level)) {
      l.current[ref->ordinal] = level;
    } else if (include_unknown) {
      l.current[ref->ordinal] = 0;
    }
  }
  return l;
}

void Apply(Learner& l, const Uplift& uplift) {
  for (const auto& [ordinal, level] : uplift) {
    double& cur = l.current[ordinal];
    if (std::isnan(cur)) continue;
    cur = std::max(cur, std::min<double>(l.person->target_level, level));
  }
}

}  // namespace

absl::StatusOr<v1::TeamTrainingPlan> TeamManager::PlanTeamTraining(
    const v1::PlanTeamTrainingRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(
      std::string org,
      ParseOrganizationName(request.selector().parent(), "selector.parent"));
  if (!(request.budget_cost() > 0) || !std::isfinite(request.budget_cost())) {
    return absl::InvalidArgumentError(
        "budget_cost: must be a positive number of euros");
  }
  if (request.max_sessions() < 0) {
    return absl::InvalidArgumentError("max_sessions: must not be negative");
  }
  if (request.max_hours_per_person() < 0 ||
      !std::isfinite(request.max_hours_per_person())) {
    return absl::InvalidArgumentError(
        "max_hours_per_person: must not be negative");
  }
  const double max_hours =
      request.max_hours_per_person() > 0 ? request.max_hours_per_person() : 40;
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  ASSIGN_OR_RETURN(std::vector<const PersonView*> people,
                   Select(*snap, request.selector()));

  std::vector<Learner> learners;
  double team_gap = 0;
  for (const PersonView* p : people) {
    Learner l = StartOf(p, request.include_unknown());
    for (double cur : l.current) {
      if (!std::isnan(cur)) team_gap += std::max(0.0, p->target_level - cur);
    }
    learners.push_back(std::move(l));
  }

  // Eligible (person, module) pairs with their uplift.
  struct Pair {
    int learner;
    int module;
    const Uplift* uplift;
  };
  std::map<std::pair<const framework::FrameworkIndex*, std::string>,
           std::vector<Uplift>>
      uplifts;  // per framework and track, per module
  std::vector<Pair> pairs;
  const auto& modules = snap->modules;
  for (size_t li = 0; li < learners.size(); ++li) {
    const PersonView* p = learners[li].person;
    auto [it, fresh] = uplifts.try_emplace({p->framework, p->track});
    if (fresh) {
      for (const v1::TrainingModule& m : modules) {
        Uplift u;
        for (const v1::Requirement& r : m.develops()) {
          plugins::ResolvedTarget t =
              plugins::Resolve(*p->framework, p->track, r);
          for (int ordinal : t.ordinals) u.emplace_back(ordinal, t.level);
        }
        it->second.push_back(std::move(u));
      }
    }
    for (size_t mi = 0; mi < modules.size(); ++mi) {
      const v1::TrainingModule& m = modules[mi];
      std::string framework =
          m.framework().empty() ? p->framework->proto().name() : m.framework();
      std::string id = m.name().substr(m.name().rfind('/') + 1);
      if (framework != p->framework->proto().name() ||
          (!m.track().empty() && m.track() != p->track) ||
          m.hours() > max_hours ||
          std::find(p->completed_modules.begin(), p->completed_modules.end(),
                    id) != p->completed_modules.end()) {
        continue;
      }
      bool prerequisites_met = true;
      for (const v1::Requirement& r : m.prerequisites()) {
        float level =
            plugins::LevelOn(*p, plugins::Resolve(*p->framework, p->track, r));
        prerequisites_met &= plugins::IsKnown(level) && level >= r.level();
      }
      if (!prerequisites_met) continue;
      pairs.push_back(
          {static_cast<int>(li), static_cast<int>(mi), &it->second[mi]});
    }
  }

  // Lazy greedy (CELF) on gain per euro; a free module ranks by gain.
  auto ratio = [&](double gain, int module) {
    return gain / std::max(modules[module].cost(), 0.01);
  };
  std::vector<int> participants(modules.size(), 0);
  auto sessions_of = [&](int module, int n) {
    int seats = modules[module].seats();
    return n == 0 ? 0 : seats > 0 ? (n + seats - 1) / seats : 1;
  };
  struct Entry {
    double ratio;
    double gain;
    int pair;
    bool operator<(const Entry& o) const {
      return ratio != o.ratio ? ratio < o.ratio : pair > o.pair;
    }
  };
  std::priority_queue<Entry> queue;
  for (size_t k = 0; k < pairs.size(); ++k) {
    double g = Gain(learners[pairs[k].learner], *pairs[k].uplift);
    if (g > 0) queue.push({ratio(g, pairs[k].module), g, static_cast<int>(k)});
  }
  std::vector<bool> chosen(pairs.size());
  double cost = 0, gain = 0;
  int sessions = 0;
  std::string binding = "none";
  int steps = 0;
  while (!queue.empty()) {
    if (++steps % 1024 == 0 && cancelled && cancelled()) {
      return absl::CancelledError("the call was cancelled");
    }
    Entry top = queue.top();
    queue.pop();
    const Pair& pr = pairs[top.pair];
    Learner& l = learners[pr.learner];
    double g = Gain(l, *pr.uplift);
    if (g <= 0) continue;
    if (g < top.gain - 1e-12) {  // stale: re-rank with the current gain
      queue.push({ratio(g, pr.module), g, top.pair});
      continue;
    }
    const v1::TrainingModule& m = modules[pr.module];
    int extra = sessions_of(pr.module, participants[pr.module] + 1) -
                sessions_of(pr.module, participants[pr.module]);
    if (cost + m.cost() > request.budget_cost() + 1e-9) {
      if (binding == "none") binding = "budget";
      continue;
    }
    if (request.max_sessions() > 0 &&
        sessions + extra > request.max_sessions()) {
      if (binding == "none") binding = "sessions";
      continue;
    }
    if (l.hours + m.hours() > max_hours + 1e-9) {
      if (binding == "none") binding = "hours";
      continue;
    }
    Apply(l, *pr.uplift);
    l.hours += m.hours();
    cost += m.cost();
    gain += g;
    sessions += extra;
    ++participants[pr.module];
    chosen[top.pair] = true;
  }

  // The best single pair can beat a greedy that spent its budget on cheap
  // small gains (Khuller, Moss & Naor).
  auto gain_from_start = [&](int k) {
    return Gain(
        StartOf(learners[pairs[k].learner].person, request.include_unknown()),
        *pairs[k].uplift);
  };
  double best_single = 0;
  int best_pair = -1;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const v1::TrainingModule& m = modules[pairs[k].module];
    if (m.cost() > request.budget_cost()) continue;
    double g = gain_from_start(static_cast<int>(k));
    if (g > best_single + 1e-12) {
      best_single = g;
      best_pair = static_cast<int>(k);
    }
  }
  if (best_single > gain + 1e-12) {
    std::fill(chosen.begin(), chosen.end(), false);
    std::fill(participants.begin(), participants.end(), 0);
    chosen[best_pair] = true;
    participants[pairs[best_pair].module] = 1;
    gain = best_single;
    cost = modules[pairs[best_pair].module].cost();
    sessions = 1;
    for (Learner& l : learners) {
      l = StartOf(l.person, request.include_unknown());
    }
    Apply(learners[pairs[best_pair].learner], *pairs[best_pair].uplift);
  }

  // Upper bound: f(S) + the best fractional use of the whole budget on the
  // marginal gains left (each pair at most once).
  std::vector<std::pair<double, double>> left;  // (gain, cost)
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (chosen[k]) continue;
    double g = Gain(learners[pairs[k].learner], *pairs[k].uplift);
    if (g > 0) left.emplace_back(g, modules[pairs[k].module].cost());
  }
  std::sort(left.begin(), left.end(), [](const auto& a, const auto& b) {
    return a.first * std::max(b.second, 1e-9) >
           b.first * std::max(a.second, 1e-9);
  });
  double room = request.budget_cost(), extra_gain = 0;
  for (const auto& [g, c] : left) {
    if (c <= room) {
      extra_gain += g;
      room -= c;
    } else {
      extra_gain += g * room / c;
      break;
    }
  }

  v1::TeamTrainingPlan plan;
  std::map<int, v1::TeamTrainingModule> by_module;
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (!chosen[k]) continue;
    v1::TeamTrainingModule& out = by_module[pairs[k].module];
    out.add_participants(
        PersonResource(org, *learners[pairs[k].learner].person));
  }
  for (auto& [mi, out] : by_module) {
    const v1::TrainingModule& m = modules[mi];
    out.set_module(m.name());
    out.set_title(m.title());
    out.set_sessions(sessions_of(mi, out.participants_size()));
    out.set_cost(m.cost() * out.participants_size());
  }
  // A module's gain is what it closes for its participants on its own
  // (what it adds on top of the others depends on their order).
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (!chosen[k]) continue;
    v1::TeamTrainingModule& out = by_module[pairs[k].module];
    out.set_gain(out.gain() + gain_from_start(static_cast<int>(k)));
  }
  std::vector<v1::TeamTrainingModule> sorted;
  for (auto& [mi, out] : by_module) sorted.push_back(out);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const auto& a, const auto& b) { return a.gain() > b.gain(); });
  for (auto& m : sorted) *plan.add_modules() = std::move(m);
  plan.set_total_gain(gain);
  plan.set_total_cost(cost);
  plan.set_sessions(sessions);
  plan.set_team_gap(team_gap);
  plan.set_upper_bound(std::min(team_gap, gain + extra_gain));
  plan.set_binding_constraint(binding);
  return plan;
}

absl::Status TeamManager::ScoreTeam(
    const v1::ScoreTeamRequest& request,
    const std::function<bool(const v1::ScoreTeamResponse&)>& emit) const {
  ASSIGN_OR_RETURN(
      std::string org,
      ParseOrganizationName(request.selector().parent(), "selector.parent"));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  ASSIGN_OR_RETURN(std::vector<const PersonView*> people,
                   Select(*snap, request.selector()));
  const framework::FrameworkIndex* fw = nullptr;
  for (const PersonView* p : people) {
    if (fw != nullptr && p->framework != fw) {
      return absl::FailedPreconditionError(absl::StrCat(
          "selector: the team spans frameworks ", fw->id(), " and ",
          p->framework->id(), "; narrow it by team, role or track"));
    }
    fw = p->framework;
  }

  v1::ScoreTeamResponse summary_message;
  v1::TeamSummary* summary = summary_message.mutable_summary();
  summary->set_people(static_cast<int>(people.size()));
  if (fw == nullptr) {
    return emit(summary_message) ? absl::OkStatus()
                                 : absl::CancelledError("client went away");
  }
  summary->set_framework(fw->proto().name());

  const int levels = fw->max_level() + 1;
  struct IndicatorTally {
    int people = 0, unknown = 0, at_target = 0, bus = 0;
    double gap = 0;
    std::vector<int> distribution;
  };
  std::map<int, IndicatorTally> by_ordinal;  // framework order
  for (const PersonView* p : people) {
    v1::ScoreTeamResponse row;
    v1::PersonScore* score = row.mutable_person();
    double gap = 0, target = 0;
    int rated = 0;
    std::map<std::string, std::pair<double, int>> competency;
    const auto& refs = fw->IndicatorsOfTrack(p->track);
    for (const framework::IndicatorRef* ref : refs) {
      IndicatorTally& t = by_ordinal[ref->ordinal];
      if (t.distribution.empty()) t.distribution.assign(levels, 0);
      ++t.people;
      float level = p->levels[ref->ordinal];
      if (!plugins::IsKnown(level)) {
        ++t.unknown;
        continue;
      }
      double g = std::max(0.0, p->target_level - static_cast<double>(level));
      t.gap += g;
      t.at_target += g == 0;
      t.bus += level >= p->target_level;
      t.distribution[std::clamp(static_cast<int>(std::floor(level)), 0,
                                levels - 1)]++;
      gap += g;
      target += p->target_level;
      ++rated;
      auto& c = competency[ref->competency->code()];
      c.first += g;
      ++c.second;
    }
    if (!request.include_people()) continue;
    score->set_person(PersonResource(org, *p));
    score->set_display_name(p->display_name);
    score->set_track(p->track);
    score->set_target_level(p->target_level);
    score->set_mean_gap(rated ? gap / rated : 0);
    score->set_readiness(target > 0 ? 1 - gap / target : 0);
    score->set_coverage(
        refs.empty() ? 0 : static_cast<double>(rated) / refs.size());
    for (const auto& [code, sum] : competency) {
      (*score->mutable_competency_gaps())[code] = sum.first / sum.second;
    }
    if (!emit(row)) return absl::CancelledError("client went away");
  }

  std::map<int, const framework::IndicatorRef*> ref_of;
  for (const auto& track : fw->proto().tracks()) {
    for (const framework::IndicatorRef* r : fw->IndicatorsOfTrack(track.id())) {
      ref_of[r->ordinal] = r;
    }
  }
  std::map<std::string, Tally> competencies, clusters;
  Tally overall;
  for (const auto& [ordinal, t] : by_ordinal) {
    const framework::IndicatorRef* ref = ref_of[ordinal];
    v1::IndicatorTeamScore* s = summary->add_indicators();
    s->set_indicator(ref->indicator->id());
    s->set_competency(ref->competency->code());
    s->set_cluster(ref->cluster->code());
    s->set_people(t.people);
    s->set_unknown(t.unknown);
    int rated = t.people - t.unknown;
    s->set_mean_gap(rated ? t.gap / rated : 0);
    s->set_share_at_target(rated ? static_cast<double>(t.at_target) / rated
                                 : 0);
    for (int n : t.distribution) s->add_distribution(n);
    s->set_bus_factor(t.bus);
    for (Tally* tally : {&competencies[ref->competency->code()],
                         &clusters[ref->cluster->code()], &overall}) {
      tally->rated += rated;
      tally->unknown += t.unknown;
      tally->at_target += t.at_target;
      tally->gap += t.gap;
      tally->min_bus = std::min(tally->min_bus, t.bus);
    }
  }
  for (const auto& cluster : fw->proto().clusters()) {
    for (const auto& comp : cluster.competencies()) {
      auto it = competencies.find(comp.code());
      if (it == competencies.end()) continue;
      v1::TeamRollup* r = summary->add_competencies();
      r->set_code(comp.code());
      r->set_title(comp.title());
      it->second.To(r);
    }
    auto it = clusters.find(cluster.code());
    if (it == clusters.end()) continue;
    v1::TeamRollup* r = summary->add_clusters();
    r->set_code(cluster.code());
    r->set_title(cluster.title());
    it->second.To(r);
  }
  overall.To(summary->mutable_overall());
  summary->mutable_overall()->set_code("overall");
  return emit(summary_message) ? absl::OkStatus()
                               : absl::CancelledError("client went away");
}

absl::StatusOr<v1::MentorAssignment> TeamManager::AssignMentors(
    const v1::AssignMentorsRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(
      std::string org,
      ParseOrganizationName(request.mentees().parent(), "mentees.parent"));
  if (!request.mentors().parent().empty() &&
      request.mentors().parent() != request.mentees().parent()) {
    return absl::InvalidArgumentError(
        "mentors.parent: must be empty or equal mentees.parent");
  }
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  ASSIGN_OR_RETURN(std::vector<const PersonView*> mentees,
                   Select(*snap, request.mentees()));
  ASSIGN_OR_RETURN(std::vector<const PersonView*> mentors,
                   Select(*snap, request.mentors()));
  // The pairs are weighed as the mentor matcher weighs them, with its
  // parameters and the server's defaults for it.
  const plugins::Matcher* matcher = matchers_->Find("mentor");
  if (matcher == nullptr) {
    return absl::FailedPreconditionError(
        "this server does not serve the mentor matcher");
  }
  ASSIGN_OR_RETURN(plugins::Params params,
                   plugins::Params::Parse(matcher->Info().parameters(),
                                          matchers_->Defaults("mentor"),
                                          request.parameters()));
  return AssignMentorsExact(*snap, mentees, mentors, params, cancelled);
}

absl::StatusOr<v1::CaseStaffing> TeamManager::StaffCases(
    const v1::StaffCasesRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  std::vector<const v1::ClientCase*> cases;
  for (int i = 0; i < request.cases_size(); ++i) {
    const v1::ClientCase* c = snap->FindCase(request.cases(i));
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("cases[", i, "]: no case ", request.cases(i)));
    }
    cases.push_back(c);
  }
  if (request.cases().empty()) {
    for (const v1::ClientCase& c : snap->cases) cases.push_back(&c);
  }
  std::map<std::string, int> person_index;
  std::vector<std::string> right_names;
  plugins::team::AssignmentProblem problem;
  for (const auto& p : snap->people) {
    int room = std::max(0, p->caseload_capacity - p->current_caseload);
    person_index[PersonResource(org, *p)] =
        static_cast<int>(right_names.size());
    right_names.push_back(PersonResource(org, *p));
    problem.right_capacity.push_back(room);
  }
  google::protobuf::Map<std::string, std::string> parameters =
      request.parameters();
  parameters["include_unqualified"] = "false";

  v1::CaseStaffing out;
  std::set<std::string> uncovered;
  std::vector<std::string> reasons;
  std::map<std::pair<int, int>, std::string> explanations;
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSIGN_OR_RETURN(
        v1::MatchResponse r,
        RunMatcher(*matchers_, *frameworks_, *snap, "case-staffing",
                   cases[i]->name(), parameters, cancelled));
    int edges = 0;
    for (const v1::MatchItem& item : r.items()) {
      auto it = person_index.find(item.name());
      if (it == person_index.end() || item.score() <= 0) continue;
      problem.edges.push_back({static_cast<int>(i), it->second, item.score()});
      explanations[{static_cast<int>(i), it->second}] = item.explanation();
      ++edges;
    }
    for (const v1::Contribution& c : r.residual()) {
      uncovered.insert(
          absl::StrCat(cases[i]->name(), ": ", c.key(), " ", c.note()));
    }
    reasons.push_back(edges > 0 ? ""
                                : "nobody available qualifies (language, "
                                  "region, caseload room and must-haves)");
  }
  problem.left_count = static_cast<int>(cases.size());
  problem.right_count = static_cast<int>(right_names.size());
  problem.left_capacity.assign(problem.left_count, 1);
  for (const v1::ClientCase* c : cases) {
    problem.left_demand.push_back(std::max(1, c->workload()));
  }
  ASSIGN_OR_RETURN(plugins::team::Assignment solution,
                   plugins::team::SolveMaxWeightAssignment(problem, cancelled));
  std::vector<bool> staffed(problem.left_count);
  for (const auto& [i, j] : solution.pairs) {
    staffed[i] = true;
    v1::Pair* pair = out.add_assignments();
    pair->set_left(cases[i]->name());
    pair->set_right(right_names[j]);
    for (const auto& e : problem.edges) {
      if (e.left == i && e.right == j) pair->set_weight(e.weight);
    }
    pair->set_explanation(explanations[{i, j}]);
  }
  for (int i = 0; i < problem.left_count; ++i) {
    if (staffed[i]) continue;
    v1::Unmatched* u = out.add_unstaffed();
    u->set_name(cases[i]->name());
    u->set_reason(reasons[i].empty() ? "the qualified people's caseload room "
                                       "went to cases that score more"
                                     : reasons[i]);
  }
  for (const std::string& u : uncovered) out.add_uncovered_must_haves(u);
  out.set_total_score(solution.total_weight);
  out.set_method(solution.method);
  out.set_exact(solution.exact);
  return out;
}

}  // namespace vakwijzer::core
