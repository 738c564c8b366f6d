#include "services/core/team_manager.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "optimization/assignment.h"
#include "optimization/coverage.h"
#include "optimization/mip.h"
#include "plugins/training/training_matcher.h"
#include "services/core/mentor_assignment.h"

namespace vakwijzer::core {
namespace {

using plugins::OrgSnapshot;
using plugins::PersonView;

std::string PersonResource(absl::string_view org, const PersonView& p) {
  return absl::StrCat("organizations/", org, "/people/", p.id);
}

// Whether `selector` selects `p`.
bool Selected(const PersonView& p, const v1::TeamSelector& selector) {
  return (selector.team().empty() ||
          std::find(p.teams.begin(), p.teams.end(), selector.team()) !=
              p.teams.end()) &&
         (selector.role().empty() || p.role == selector.role()) &&
         (selector.track().empty() || p.track == selector.track());
}

// The selected people of `snap`, in order of id.
std::vector<const PersonView*> Select(const OrgSnapshot& snap,
                                      const v1::TeamSelector& selector) {
  std::vector<const PersonView*> out;
  for (const auto& p : snap.people) {
    if (Selected(*p, selector)) out.push_back(p.get());
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

// FAILED_PRECONDITION unless the server serves `name`, whose model a team
// call uses: checked before anything else, so the answer does not depend on
// the data.
absl::Status RequireMatcher(const plugins::MatcherRegistry& matchers,
                            absl::string_view name) {
  if (matchers.Find(name) != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("this server does not serve the ", name, " matcher"));
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

// A request's time_limit_ms (0: 2 s; at most a minute) and cancellation,
// and the server's back end, for SolveMip.
absl::StatusOr<optimization::MipOptions> MipOptionsFor(
    int time_limit_ms, const std::function<bool()>& cancelled,
    optimization::MipSolver solver) {
  if (time_limit_ms < 0 || time_limit_ms > 60000) {
    return absl::InvalidArgumentError(
        "time_limit_ms: must be between 0 and 60000");
  }
  optimization::MipOptions options;
  options.time_limit =
      absl::Milliseconds(time_limit_ms > 0 ? time_limit_ms : 2000);
  options.cancelled = cancelled;
  options.solver = solver;
  return options;
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
  RETURN_IF_ERROR(RequireMatcher(*matchers_, "training"));
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
  ASSIGN_OR_RETURN(
      optimization::MipOptions mip_options,
      MipOptionsFor(request.time_limit_ms(), cancelled, options_.mip_solver));
  const double max_hours =
      request.max_hours_per_person() > 0 ? request.max_hours_per_person() : 40;
  const double budget = request.budget_cost();
  const int max_sessions = request.max_sessions();
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  std::vector<const PersonView*> people = Select(*snap, request.selector());

  std::vector<Learner> start;
  double team_gap = 0;
  for (const PersonView* p : people) {
    Learner l = StartOf(p, request.include_unknown());
    for (double cur : l.current) {
      if (!std::isnan(cur)) team_gap += std::max(0.0, p->target_level - cur);
    }
    start.push_back(std::move(l));
  }

  // Eligible (person, module) pairs that close some gap, with their uplift.
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
  for (size_t li = 0; li < start.size(); ++li) {
    const PersonView* p = start[li].person;
    auto [it, fresh] = uplifts.try_emplace({p->framework, p->track});
    if (fresh) {
      for (const v1::TrainingModule& m : modules) {
        // One entry per indicator, at the highest level any of the
        // module's develops reaches on it.
        std::map<int, int> reach;
        for (const v1::Requirement& r : m.develops()) {
          plugins::ResolvedTarget t =
              plugins::Resolve(*p->framework, p->track, r);
          for (int ordinal : t.ordinals) {
            int& level = reach.try_emplace(ordinal, t.level).first->second;
            level = std::max(level, t.level);
          }
        }
        it->second.emplace_back(reach.begin(), reach.end());
      }
    }
    for (size_t mi = 0; mi < modules.size(); ++mi) {
      const v1::TrainingModule& m = modules[mi];
      if (m.hours() > max_hours + 1e-9 || m.cost() > budget + 1e-9 ||
          !plugins::ModuleBarrier(m, *p).empty() ||
          !(Gain(start[li], it->second[mi]) > 0)) {
        continue;
      }
      pairs.push_back(
          {static_cast<int>(li), static_cast<int>(mi), &it->second[mi]});
    }
  }
  auto sessions_of = [&](int module, int n) {
    int seats = modules[module].seats();
    return n == 0 ? 0 : seats > 0 ? (n + seats - 1) / seats : 1;
  };

  // What a set of pairs closes, costs and takes, applied in `order`.
  struct Outcome {
    double gain = 0, cost = 0;
    int sessions = 0;
    bool feasible = true;
  };
  auto evaluate = [&](const std::vector<int>& order,
                      std::vector<Learner>* learners) {
    *learners = start;
    Outcome o;
    std::vector<int> participants(modules.size());
    for (int k : order) {
      Learner& l = (*learners)[pairs[k].learner];
      o.gain += Gain(l, *pairs[k].uplift);
      Apply(l, *pairs[k].uplift);
      l.hours += modules[pairs[k].module].hours();
      o.cost += modules[pairs[k].module].cost();
      ++participants[pairs[k].module];
      o.feasible &= l.hours <= max_hours + 1e-9;
    }
    for (size_t mi = 0; mi < modules.size(); ++mi) {
      o.sessions += sessions_of(static_cast<int>(mi), participants[mi]);
    }
    o.feasible &= o.cost <= budget + 1e-9 &&
                  (max_sessions == 0 || o.sessions <= max_sessions);
    return o;
  };

  // 1. Lazy greedy (CELF) on gain per euro, then the best single pair if
  // it closes more (Khuller, Moss & Naor): a quick plan that the integer
  // program must beat.
  std::vector<int> greedy;
  {
    std::vector<Learner> learners = start;
    std::vector<int> participants(modules.size(), 0);
    auto ratio = [&](double gain, int module) {
      return gain / std::max(modules[module].cost(), 0.01);
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
      queue.push({ratio(g, pairs[k].module), g, static_cast<int>(k)});
    }
    double cost = 0, gain = 0;
    int sessions = 0, steps = 0;
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
      if (cost + m.cost() > budget + 1e-9 ||
          (max_sessions > 0 && sessions + extra > max_sessions) ||
          l.hours + m.hours() > max_hours + 1e-9) {
        continue;
      }
      Apply(l, *pr.uplift);
      l.hours += m.hours();
      cost += m.cost();
      gain += g;
      sessions += extra;
      ++participants[pr.module];
      greedy.push_back(top.pair);
    }
    for (size_t k = 0; k < pairs.size(); ++k) {
      double g = Gain(start[pairs[k].learner], *pairs[k].uplift);
      if (g > gain + 1e-12) {  // one pair always fits: filtered above
        gain = g;
        greedy = {static_cast<int>(k)};
      }
    }
  }

  // 2. The exact solver (optimization/coverage.h): an agent per person, an
  // option per eligible pair, an item per module.
  optimization::CoverageProblem program;
  program.budget = budget;
  program.max_sessions = max_sessions;
  for (const v1::TrainingModule& m : modules) {
    program.items.push_back({m.cost(), m.hours(), m.seats()});
  }
  std::vector<std::vector<int>> pair_of(start.size());    // agent, option
  std::vector<std::map<int, int>> slot_of(start.size());  // ordinal -> slot
  program.agents.resize(start.size());
  for (size_t k = 0; k < pairs.size(); ++k) {
    const Learner& l = start[pairs[k].learner];
    optimization::CoverageAgent& agent = program.agents[pairs[k].learner];
    optimization::CoverageOption option;
    option.item = pairs[k].module;
    for (const auto& [ordinal, level] : *pairs[k].uplift) {
      const double cur = l.current[ordinal];
      const double to = std::min<double>(l.person->target_level, level);
      if (std::isnan(cur) || !(to > cur)) continue;
      auto [it, fresh] = slot_of[pairs[k].learner].try_emplace(
          ordinal, static_cast<int>(agent.start.size()));
      if (fresh) agent.start.push_back(cur);
      option.reach.emplace_back(it->second, to);
    }
    agent.options.push_back(std::move(option));
    pair_of[pairs[k].learner].push_back(static_cast<int>(k));
  }
  for (optimization::CoverageAgent& agent : program.agents) {
    agent.hours_cap = max_hours;
  }
  absl::StatusOr<optimization::CoverageSolution> solved =
      optimization::SolveCoverage(program, mip_options);
  if (solved.status().code() == absl::StatusCode::kCancelled) {
    return solved.status();
  }

  std::vector<Learner> learners;
  Outcome greedy_outcome = evaluate(greedy, &learners);
  std::vector<int> plan_pairs = greedy;
  Outcome outcome = greedy_outcome;
  bool exact = false;
  double bound = team_gap;
  std::string method = "greedy";
  if (solved.ok()) {
    std::vector<int> chosen;
    for (size_t a = 0; a < solved->chosen.size(); ++a) {
      for (int option : solved->chosen[a]) chosen.push_back(pair_of[a][option]);
    }
    Outcome o = evaluate(chosen, &learners);
    bound = std::min(bound, solved->bound);
    if (o.feasible && o.gain >= greedy_outcome.gain - 1e-9) {
      plan_pairs = std::move(chosen);
      outcome = o;
      method = "integer-program";
      exact = solved->exact && o.gain >= solved->bound - 1e-6;
    }
  }
  if (exact) bound = outcome.gain;
  bound = std::max(bound, outcome.gain);

  // Credit order: modules by what they close on their own, largest first.
  std::map<int, std::vector<int>> by_module;  // module -> pairs
  for (int k : plan_pairs) by_module[pairs[k].module].push_back(k);
  struct Credit {
    int module;
    double alone;
  };
  std::vector<Credit> credits;
  for (const auto& [mi, ks] : by_module) {
    double alone = 0;
    for (int k : ks) alone += Gain(start[pairs[k].learner], *pairs[k].uplift);
    credits.push_back({mi, alone});
  }
  std::sort(credits.begin(), credits.end(),
            [&](const Credit& a, const Credit& b) {
              return a.alone != b.alone
                         ? a.alone > b.alone
                         : modules[a.module].name() < modules[b.module].name();
            });
  v1::TeamTrainingPlan plan;
  std::vector<int> order;
  double credited = 0;
  for (const Credit& c : credits) {
    for (int k : by_module[c.module]) order.push_back(k);
    double so_far = evaluate(order, &learners).gain;
    const v1::TrainingModule& m = modules[c.module];
    v1::TeamTrainingModule* out = plan.add_modules();
    out->set_module(m.name());
    out->set_title(m.title());
    for (int k : by_module[c.module]) {
      out->add_participants(
          PersonResource(org, *start[pairs[k].learner].person));
    }
    const int n = out->participants_size();
    out->set_sessions(sessions_of(c.module, n));
    out->set_cost(m.cost() * n);
    out->set_gain(so_far - credited);
    credited = so_far;
  }

  // What stopped the plan from closing more: the first of budget, sessions
  // and hours that keeps out a pair that would still close some gap.
  evaluate(plan_pairs, &learners);
  std::vector<int> participants(modules.size());
  std::vector<double> hours(start.size());
  for (int k : plan_pairs) {
    ++participants[pairs[k].module];
    hours[pairs[k].learner] += modules[pairs[k].module].hours();
  }
  bool by_budget = false, by_sessions = false, by_hours = false;
  std::vector<bool> in_plan(pairs.size());
  for (int k : plan_pairs) in_plan[k] = true;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const Pair& pr = pairs[k];
    if (in_plan[k] || !(Gain(learners[pr.learner], *pr.uplift) > 1e-12)) {
      continue;
    }
    const v1::TrainingModule& m = modules[pr.module];
    by_budget |= outcome.cost + m.cost() > budget + 1e-9;
    by_sessions |= max_sessions > 0 &&
                   outcome.sessions +
                           sessions_of(pr.module, participants[pr.module] + 1) -
                           sessions_of(pr.module, participants[pr.module]) >
                       max_sessions;
    by_hours |= hours[pr.learner] + m.hours() > max_hours + 1e-9;
  }
  plan.set_total_gain(outcome.gain);
  plan.set_total_cost(outcome.cost);
  plan.set_sessions(outcome.sessions);
  plan.set_team_gap(team_gap);
  plan.set_upper_bound(bound);
  plan.set_binding_constraint(by_budget     ? "budget"
                              : by_sessions ? "sessions"
                              : by_hours    ? "hours"
                                            : "none");
  plan.set_exact(exact);
  plan.set_method(method);
  return plan;
}

absl::Status TeamManager::ScoreTeam(
    const v1::ScoreTeamRequest& request,
    const std::function<bool(const v1::ScoreTeamResponse&)>& emit) const {
  const v1::TeamSelector& selector = request.selector();
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(selector.parent(), "selector.parent"));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);

  // The summary adds up per-chunk tallies (plugins::TrackTally), in chunk
  // order: without a team or role filter those the snapshot keeps per chunk
  // (a track filter picks that track's), otherwise those of the chunk's
  // selected people. Either way the same sums in the same order.
  const plugins::PersonTable& table = snap->people;
  const bool whole_chunks = selector.team().empty() && selector.role().empty();
  std::vector<const PersonView*> people;  // selected, when needed
  std::vector<std::vector<plugins::TrackTally>> owned;
  owned.reserve(table.chunk_count());
  std::vector<const plugins::TrackTally*> parts;
  for (size_t c = 0; c < table.chunk_count(); ++c) {
    if (!whole_chunks || request.include_people()) {
      std::vector<const PersonView*> chosen;
      for (const auto& p : table.ChunkItems(c)) {
        if (Selected(*p, selector)) chosen.push_back(p.get());
      }
      if (request.include_people()) {
        people.insert(people.end(), chosen.begin(), chosen.end());
      }
      if (!whole_chunks) {
        owned.push_back(plugins::TallyTracks(chosen));
        for (const plugins::TrackTally& t : owned.back()) parts.push_back(&t);
        continue;
      }
    }
    for (const plugins::TrackTally& t : table.ChunkIndex(c).tallies()) {
      if (selector.track().empty() || t.track == selector.track()) {
        parts.push_back(&t);
      }
    }
  }
  const framework::FrameworkIndex* fw = nullptr;
  int selected = 0;
  for (const plugins::TrackTally* t : parts) {
    if (fw != nullptr && t->framework != fw) {
      return absl::FailedPreconditionError(absl::StrCat(
          "selector: the team spans frameworks ", fw->id(), " and ",
          t->framework->id(), "; narrow it by team, role or track"));
    }
    fw = t->framework;
    selected += t->people;
  }

  v1::ScoreTeamResponse summary_message;
  v1::TeamSummary* summary = summary_message.mutable_summary();
  summary->set_people(selected);
  if (fw == nullptr) {
    return emit(summary_message) ? absl::OkStatus()
                                 : absl::CancelledError("client went away");
  }
  summary->set_framework(fw->proto().name());

  // Every indicator of the framework by ordinal, and every competency by
  // index.
  std::vector<const framework::IndicatorRef*> ref_of;
  std::vector<const v1::Competency*> competency_of(fw->competency_count());
  for (const auto& track : fw->proto().tracks()) {
    for (const framework::IndicatorRef* r : fw->IndicatorsOfTrack(track.id())) {
      if (static_cast<size_t>(r->ordinal) >= ref_of.size()) {
        ref_of.resize(r->ordinal + 1);
      }
      ref_of[r->ordinal] = r;
      competency_of[r->competency_index] = r->competency;
    }
  }

  // Rows: per person, their gaps on their track's indicators.
  std::vector<std::pair<double, int>> competency(fw->competency_count());
  std::vector<int> touched;  // competencies of this person's row
  for (const PersonView* p : people) {
    double gap = 0, target = 0;
    int rated = 0;
    const auto& refs = fw->IndicatorsOfTrack(p->track);
    for (const framework::IndicatorRef* ref : refs) {
      float level = p->levels[ref->ordinal];
      if (!plugins::IsKnown(level)) continue;
      double g = std::max(0.0, p->target_level - static_cast<double>(level));
      gap += g;
      target += p->target_level;
      ++rated;
      auto& c = competency[ref->competency_index];
      if (c.second++ == 0) touched.push_back(ref->competency_index);
      c.first += g;
    }
    v1::ScoreTeamResponse row;
    v1::PersonScore* score = row.mutable_person();
    score->set_person(PersonResource(org, *p));
    score->set_display_name(p->display_name);
    score->set_track(p->track);
    score->set_target_level(p->target_level);
    score->set_mean_gap(rated ? gap / rated : 0);
    score->set_readiness(target > 0 ? 1 - gap / target : 0);
    score->set_coverage(
        refs.empty() ? 0 : static_cast<double>(rated) / refs.size());
    for (int c : touched) {
      auto& [sum, count] = competency[c];
      (*score->mutable_competency_gaps())[competency_of[c]->code()] =
          sum / count;
      sum = 0;
      count = 0;
    }
    touched.clear();
    if (!emit(row)) return absl::CancelledError("client went away");
  }
  // The parts added up by ordinal.
  const int bins = fw->max_level() + 1;
  struct IndicatorTally {
    int people = 0, unknown = 0, at_target = 0, bus = 0;
    double gap = 0;
    std::vector<int> distribution;
  };
  std::vector<IndicatorTally> by_ordinal(ref_of.size());
  for (const plugins::TrackTally* part : parts) {
    const auto& refs = fw->IndicatorsOfTrack(part->track);
    for (size_t j = 0; j < refs.size(); ++j) {
      IndicatorTally& t = by_ordinal[refs[j]->ordinal];
      const plugins::TrackTally::Indicator& in = part->indicators[j];
      if (t.distribution.empty()) t.distribution.assign(bins, 0);
      t.people += part->people;
      t.unknown += in.unknown;
      t.at_target += in.at_target;
      t.bus += in.bus;
      t.gap += in.gap;
      for (int b = 0; b < bins; ++b) {
        t.distribution[b] += part->distribution[j * bins + b];
      }
    }
  }

  std::map<std::string, Tally> competencies, clusters;
  Tally overall;
  for (size_t ordinal = 0; ordinal < by_ordinal.size(); ++ordinal) {
    const IndicatorTally& t = by_ordinal[ordinal];
    if (t.people == 0) continue;
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
  std::vector<const PersonView*> mentees = Select(*snap, request.mentees());
  std::vector<const PersonView*> mentors = Select(*snap, request.mentors());
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
  MentorAssignmentOptions options;
  options.no_mutual = request.no_mutual();
  options.mip_solver = options_.mip_solver;
  return AssignMentorsExact(*snap, mentees, mentors, params, cancelled,
                            options);
}

absl::StatusOr<v1::CaseStaffing> TeamManager::StaffCases(
    const v1::StaffCasesRequest& request,
    const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  RETURN_IF_ERROR(RequireMatcher(*matchers_, "case-staffing"));
  const bool cases_first = request.objective() == "cases";
  if (!cases_first && !request.objective().empty() &&
      request.objective() != "score") {
    return absl::InvalidArgumentError(
        "objective: must be \"score\" or \"cases\" (or empty for \"score\")");
  }
  ASSIGN_OR_RETURN(
      optimization::MipOptions mip_options,
      MipOptionsFor(request.time_limit_ms(), cancelled, options_.mip_solver));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get(org);
  std::vector<const v1::ClientCase*> cases;
  std::map<std::string, int> named;
  for (int i = 0; i < request.cases_size(); ++i) {
    auto [it, fresh] = named.emplace(request.cases(i), i);
    if (!fresh) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cases[", i, "]: repeats cases[", it->second, "]; name each once"));
    }
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
  optimization::AssignmentProblem problem;
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
  std::map<std::pair<int, int>, std::pair<double, std::string>> scored;
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSIGN_OR_RETURN(
        v1::MatchResponse r,
        RunMatcher(*matchers_, *frameworks_, *snap, "case-staffing",
                   cases[i]->name(), parameters, cancelled));
    for (const v1::MatchItem& item : r.items()) {
      auto it = person_index.find(item.name());
      if (it == person_index.end() || item.score() <= 0) continue;
      problem.edges.push_back({static_cast<int>(i), it->second, item.score()});
      scored[{static_cast<int>(i), it->second}] = {item.score(),
                                                   item.explanation()};
    }
    for (const v1::Contribution& c : r.residual()) {
      uncovered.insert(
          absl::StrCat(cases[i]->name(), ": ", c.key(), " ", c.note()));
    }
  }
  problem.left_count = static_cast<int>(cases.size());
  problem.right_count = static_cast<int>(right_names.size());
  problem.left_capacity.assign(problem.left_count, 1);
  for (const v1::ClientCase* c : cases) {
    problem.left_demand.push_back(std::max(1, c->workload()));
  }
  // Objective "cases": every staffed case is worth more than all scores
  // together (scores are at most 1 per case), so the count comes first.
  const double case_weight =
      cases_first ? static_cast<double>(cases.size()) + 1 : 0;
  for (auto& e : problem.edges) e.weight += case_weight;

  ASSIGN_OR_RETURN(optimization::Assignment solution,
                   optimization::SolveMaxWeightAssignment(problem, cancelled));
  if (!solution.exact) {
    // Cases of different workloads share people: a generalised assignment
    // problem, solved exactly by integer programming when time allows.
    optimization::MipProblem program;
    std::vector<optimization::MipProblem::Row> per_case(problem.left_count),
        per_person(problem.right_count);
    for (size_t e = 0; e < problem.edges.size(); ++e) {
      const auto& edge = problem.edges[e];
      int x = program.AddColumn(edge.weight, 0, 1, true);
      per_case[edge.left].terms.emplace_back(x, 1);
      per_person[edge.right].terms.emplace_back(x,
                                                problem.left_demand[edge.left]);
    }
    for (int i = 0; i < problem.left_count; ++i) {
      per_case[i].upper = 1;
      if (!per_case[i].terms.empty()) {
        program.rows.push_back(std::move(per_case[i]));
      }
    }
    for (int j = 0; j < problem.right_count; ++j) {
      per_person[j].upper = problem.right_capacity[j];
      if (!per_person[j].terms.empty()) {
        program.rows.push_back(std::move(per_person[j]));
      }
    }
    absl::StatusOr<optimization::MipSolution> solved =
        optimization::SolveMip(program, mip_options);
    if (solved.status().code() == absl::StatusCode::kCancelled) {
      return solved.status();
    }
    if (solved.ok()) {
      solution.upper_bound = std::min(solution.upper_bound, solved->bound);
      if (solved->objective > solution.total_weight + 1e-9) {
        solution.pairs.clear();
        solution.total_weight = 0;
        for (size_t e = 0; e < problem.edges.size(); ++e) {
          if (solved->values[e] < 0.5) continue;
          solution.pairs.emplace_back(problem.edges[e].left,
                                      problem.edges[e].right);
        }
        std::sort(solution.pairs.begin(), solution.pairs.end());
        for (const auto& pair : solution.pairs) {
          solution.total_weight += scored[pair].first + case_weight;
        }
        solution.method = "integer-program";
      }
      solution.exact = solution.total_weight >= solution.upper_bound - 1e-6;
    }
  }

  // Reasons from the solution: who could have taken an unstaffed case, and
  // which kept cases use their room.
  std::vector<int> staffed_by(problem.left_count, -1);
  std::vector<std::vector<int>> cases_of(problem.right_count);
  double total_score = 0;
  for (const auto& [i, j] : solution.pairs) {
    staffed_by[i] = j;
    cases_of[j].push_back(i);
    const auto& [score, explanation] = scored[{i, j}];
    total_score += score;
    v1::Pair* pair = out.add_assignments();
    pair->set_left(cases[i]->name());
    pair->set_right(right_names[j]);
    pair->set_weight(score);
    pair->set_explanation(explanation);
  }
  std::vector<std::vector<int>> qualified(problem.left_count);
  for (const auto& e : problem.edges) qualified[e.left].push_back(e.right);
  for (int i = 0; i < problem.left_count; ++i) {
    if (staffed_by[i] >= 0) continue;
    v1::Unmatched* u = out.add_unstaffed();
    u->set_name(cases[i]->name());
    if (qualified[i].empty()) {
      u->set_reason(
          "nobody available qualifies (language, region, caseload room and "
          "must-haves)");
      continue;
    }
    std::set<std::string> keeping;
    for (int j : qualified[i]) {
      for (int k : cases_of[j]) keeping.insert(cases[k]->name());
    }
    u->set_reason(absl::StrCat(
        "the caseload room of the ", qualified[i].size(),
        qualified[i].size() == 1 ? " qualified person" : " qualified people",
        " is used by ", absl::StrJoin(keeping, ", "),
        solution.exact ? ", which the best staffing keeps"
                       : ", which the staffing found keeps"));
  }
  for (const std::string& u : uncovered) out.add_uncovered_must_haves(u);
  const double cases_value = case_weight * solution.pairs.size();
  out.set_total_score(total_score);
  out.set_upper_bound(
      std::max(total_score, solution.upper_bound - cases_value));
  out.set_method(solution.method);
  out.set_exact(solution.exact);
  return out;
}

}  // namespace vakwijzer::core
