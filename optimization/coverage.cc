#include "optimization/coverage.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace vakwijzer::optimization {
namespace {

constexpr double kTol = 1e-9;
// Most plans the margin may admit before the compact program takes over:
// the integer program over them stays a few megabytes.
constexpr size_t kMaxPlans = 200000;
// Most options (agent, item pairs) for the compact program: CBC's root cut
// loop does not look at the clock, and beyond a few thousand columns it
// overran a 2 s limit by seconds (docs/benchmarks.md).
constexpr size_t kMaxCompactOptions = 2500;

using Plan = std::vector<int>;  // option indices, ascending

bool Finite(double v) { return std::isfinite(v); }

absl::Status Validate(const CoverageProblem& p) {
  if (!Finite(p.budget) || p.budget < 0) {
    return absl::InvalidArgumentError("budget: must be finite and >= 0");
  }
  if (p.max_sessions < 0) {
    return absl::InvalidArgumentError("max_sessions: must be >= 0");
  }
  for (size_t i = 0; i < p.items.size(); ++i) {
    const CoverageItem& item = p.items[i];
    if (!Finite(item.cost) || item.cost < 0 || !Finite(item.hours) ||
        item.hours < 0 || item.seats < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "items[", i, "]: cost, hours and seats must be finite and >= 0"));
    }
  }
  for (size_t a = 0; a < p.agents.size(); ++a) {
    const CoverageAgent& agent = p.agents[a];
    if (!Finite(agent.hours_cap) || agent.hours_cap < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("agents[", a, "].hours_cap: must be finite and >= 0"));
    }
    for (double level : agent.start) {
      if (!Finite(level)) {
        return absl::InvalidArgumentError(
            absl::StrCat("agents[", a, "].start: a level is not finite"));
      }
    }
    for (size_t o = 0; o < agent.options.size(); ++o) {
      const CoverageOption& option = agent.options[o];
      if (option.item < 0 ||
          static_cast<size_t>(option.item) >= p.items.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "agents[", a, "].options[", o, "].item: out of range"));
      }
      for (const auto& [slot, level] : option.reach) {
        if (slot < 0 || static_cast<size_t>(slot) >= agent.start.size() ||
            !Finite(level)) {
          return absl::InvalidArgumentError(
              absl::StrCat("agents[", a, "].options[", o, "].reach: slot ",
                           slot, " out of range or level not finite"));
        }
      }
    }
  }
  return absl::OkStatus();
}

// The deadline and the caller's cancellation, polled every 1,024 steps.
class Clock {
 public:
  Clock(absl::Time deadline, const std::function<bool()>* cancelled)
      : deadline_(deadline), cancelled_(cancelled) {}

  bool Stop() {
    if (stopped_ || ++steps_ % 1024 != 0) return stopped_;
    cancelled_now_ = *cancelled_ && (*cancelled_)();
    stopped_ = cancelled_now_ || absl::Now() >= deadline_;
    return stopped_;
  }
  bool cancelled() const { return cancelled_now_; }
  absl::Duration left() const { return deadline_ - absl::Now(); }

 private:
  absl::Time deadline_;
  const std::function<bool()>* cancelled_;
  uint64_t steps_ = 0;
  bool stopped_ = false;
  bool cancelled_now_ = false;
};

int SessionsOf(const CoverageItem& item, int participants) {
  if (participants == 0) return 0;
  return item.seats > 0 ? (participants + item.seats - 1) / item.seats : 1;
}

// One agent's plans at a price per euro: the best (branch and bound), or
// all priced at a floor or more (enumeration). A plan's priced value is its
// gain - price * cost. Options are tried in the order of their own priced
// value, each subset once; a subtree is cut when its bound — the plan so
// far plus a fractional knapsack over the hours left of what each later
// option would still add (an upper bound: gains only shrink as a plan
// grows) — cannot reach the target.
class AgentSearch {
 public:
  AgentSearch(const CoverageAgent& agent,
              const std::vector<CoverageItem>& items, Clock* clock)
      : agent_(agent), clock_(clock) {
    for (const CoverageOption& option : agent.options) {
      cost_.push_back(items[option.item].cost);
      hours_.push_back(items[option.item].hours);
    }
  }

  // The best priced value (>= 0: the empty plan) into *value, its plan into
  // *plan. False when the clock stopped the search.
  bool Best(double price, double* value, Plan* plan) {
    Start(price, /*enumerate=*/false);
    best_value_ = 0;
    best_plan_.clear();
    Visit(0);
    *value = best_value_;
    *plan = best_plan_;
    std::sort(plan->begin(), plan->end());
    return !stopped_;
  }

  // Appends every non-empty plan priced at `floor` or more to *plans. False
  // when there are more than `limit` or the clock stopped the search.
  bool Enumerate(double price, double floor, size_t limit,
                 std::vector<Plan>* plans) {
    Start(price, /*enumerate=*/true);
    floor_ = floor;
    limit_ = limit;
    found_ = plans;
    Visit(0);
    return !stopped_;
  }

  double Cost(const Plan& plan) const {
    double cost = 0;
    for (int o : plan) cost += cost_[o];
    return cost;
  }

 private:
  struct Candidate {
    size_t position;  // in order_
    double value;     // what it adds, priced
    double hours;
  };

  void Start(double price, bool enumerate) {
    price_ = price;
    enumerate_ = enumerate;
    stopped_ = false;
    level_ = agent_.start;
    value_ = 0;
    hours_used_ = 0;
    taken_.clear();
    order_.clear();
    std::vector<double> alone(agent_.options.size());
    for (size_t o = 0; o < agent_.options.size(); ++o) {
      alone[o] = Adds(static_cast<int>(o)) - price * cost_[o];
      if (hours_[o] <= agent_.hours_cap + kTol && Adds(o) > kTol) {
        order_.push_back(static_cast<int>(o));
      }
    }
    std::stable_sort(order_.begin(), order_.end(),
                     [&](int a, int b) { return alone[a] > alone[b]; });
    if (candidates_.size() <= order_.size()) {
      candidates_.resize(order_.size() + 1);
    }
  }

  double Adds(int option) const {
    double gain = 0;
    for (const auto& [slot, level] : agent_.options[option].reach) {
      gain += std::max(0.0, level - level_[slot]);
    }
    return gain;
  }

  // The fractional knapsack over the positive candidates: hours as weight.
  double Bound(std::vector<Candidate> cands, double room) const {
    cands.erase(std::remove_if(cands.begin(), cands.end(),
                               [](const Candidate& c) { return c.value <= 0; }),
                cands.end());
    std::sort(cands.begin(), cands.end(),
              [](const Candidate& a, const Candidate& b) {
                return a.value * b.hours > b.value * a.hours;
              });
    double bound = 0;
    for (const Candidate& c : cands) {
      if (c.hours <= room) {
        bound += c.value;
        room -= c.hours;
      } else {
        bound += c.value * room / c.hours;
        break;
      }
    }
    return bound;
  }

  void Visit(size_t next) {
    if (stopped_ || (stopped_ = clock_->Stop())) return;
    std::vector<Candidate>& cands = candidates_[taken_.size()];
    cands.clear();
    const double room = agent_.hours_cap - hours_used_;
    for (size_t i = next; i < order_.size(); ++i) {
      const int o = order_[i];
      if (hours_[o] > room + kTol) continue;
      const double gain = Adds(o);
      if (gain <= kTol) continue;  // nothing to add now, nor later
      cands.push_back({i, gain - price_ * cost_[o], hours_[o]});
    }
    if (cands.empty()) return;
    const double bound = value_ + Bound(cands, room);
    if (enumerate_ ? bound < floor_ : bound <= best_value_ + kTol) return;
    for (size_t c = 0; c < cands.size(); ++c) {
      // Best: an option that costs more than it adds now never pays later
      // either, so plans with it are worse than without it.
      if (!enumerate_ && cands[c].value <= 0) continue;
      const int o = order_[cands[c].position];
      std::vector<std::pair<int, double>> saved;
      for (const auto& [slot, level] : agent_.options[o].reach) {
        if (level > level_[slot]) {
          saved.emplace_back(slot, level_[slot]);
          level_[slot] = level;
        }
      }
      const double value = value_;
      value_ += cands[c].value;
      hours_used_ += hours_[o];
      taken_.push_back(o);
      Record();
      Visit(cands[c].position + 1);
      taken_.pop_back();
      hours_used_ -= hours_[o];
      value_ = value;
      for (const auto& [slot, level] : saved) level_[slot] = level;
      if (stopped_) return;
    }
  }

  void Record() {
    if (!enumerate_) {
      if (value_ > best_value_ + kTol) {
        best_value_ = value_;
        best_plan_ = taken_;
      }
    } else if (value_ >= floor_) {
      if (found_->size() >= limit_) {
        stopped_ = true;
        return;
      }
      found_->push_back(taken_);
      std::sort(found_->back().begin(), found_->back().end());
    }
  }

  const CoverageAgent& agent_;
  Clock* clock_;
  std::vector<double> cost_, hours_;
  // The search.
  double price_ = 0;
  bool enumerate_ = false;
  bool stopped_ = false;
  std::vector<int> order_;
  std::vector<std::vector<Candidate>> candidates_;  // per depth
  std::vector<double> level_;
  double value_ = 0, hours_used_ = 0;
  std::vector<int> taken_;
  double best_value_ = 0;
  Plan best_plan_;
  double floor_ = 0;
  size_t limit_ = 0;
  std::vector<Plan>* found_ = nullptr;
};

// The session rows: per item s = sessions run, participants <= seats * s
// (every participant in one session without seats), and the sum of s at
// most max_sessions. by_item: item -> (column, agent) of every column that
// gives the item to an agent.
void AddSessionRows(
    const CoverageProblem& p,
    const std::map<int, std::vector<std::pair<int, int>>>& by_item,
    MipProblem* program) {
  MipProblem::Row total;
  total.upper = p.max_sessions;
  for (const auto& [item, columns] : by_item) {
    std::set<int> agents;
    for (const auto& [x, a] : columns) agents.insert(a);
    const int n = static_cast<int>(agents.size());
    const int s = program->AddColumn(0, 0, SessionsOf(p.items[item], n),
                                     /*is_integer=*/true);
    total.terms.emplace_back(s, 1);
    MipProblem::Row row;
    for (const auto& [x, a] : columns) row.terms.emplace_back(x, 1);
    row.terms.emplace_back(
        s, -(p.items[item].seats > 0 ? p.items[item].seats : n));
    row.upper = 0;
    program->rows.push_back(std::move(row));
  }
  program->rows.push_back(std::move(total));
}

// maximise sum gain * x over the given plans: at most one plan per agent,
// the budget, and the sessions when capped.
absl::StatusOr<CoverageSolution> SolveOverPlans(
    const CoverageProblem& p, const std::vector<std::vector<Plan>>& plans,
    const MipOptions& options) {
  MipProblem program;
  MipProblem::Row money;
  money.upper = p.budget;
  std::vector<std::pair<int, int>> column_of;  // column -> (agent, plan)
  std::map<int, std::vector<std::pair<int, int>>> by_item;
  for (size_t a = 0; a < plans.size(); ++a) {
    MipProblem::Row one;
    one.upper = 1;
    for (size_t k = 0; k < plans[a].size(); ++k) {
      const Plan& plan = plans[a][k];
      const int x = program.AddColumn(CoverageGain(p.agents[a], plan), 0, 1,
                                      /*is_integer=*/true);
      column_of.emplace_back(static_cast<int>(a), static_cast<int>(k));
      one.terms.emplace_back(x, 1);
      double cost = 0;
      for (int o : plan) {
        const int item = p.agents[a].options[o].item;
        cost += p.items[item].cost;
        by_item[item].emplace_back(x, static_cast<int>(a));
      }
      if (cost > 0) money.terms.emplace_back(x, cost);
    }
    if (one.terms.size() > 1) program.rows.push_back(std::move(one));
  }
  program.rows.push_back(std::move(money));
  if (p.max_sessions > 0) AddSessionRows(p, by_item, &program);
  absl::StatusOr<MipSolution> solved = SolveMip(program, options);
  if (!solved.ok()) return solved.status();
  CoverageSolution out;
  out.chosen.resize(p.agents.size());
  for (size_t x = 0; x < column_of.size(); ++x) {
    if (solved->values[x] > 0.5) {
      const auto [a, k] = column_of[x];
      out.chosen[a] = plans[a][k];
      out.value += program.objective[x];
    }
  }
  out.bound = std::max(out.value, solved->bound);
  out.exact = solved->exact;
  return out;
}

// The compact program: x per (agent, option); per agent, slot and distinct
// level v_1 < ... < v_t reached above the start v_0, y_j in [0, 1] earns
// v_j - v_(j-1) and is at most the number of chosen options reaching v_j;
// budget, hours per agent, and sessions as rows.
absl::StatusOr<CoverageSolution> SolveCompact(const CoverageProblem& p,
                                              const MipOptions& options) {
  MipProblem program;
  std::vector<std::pair<int, int>> column_of;  // x column -> (agent, option)
  MipProblem::Row money;
  money.upper = p.budget;
  std::map<int, std::vector<std::pair<int, int>>> by_item;
  for (size_t a = 0; a < p.agents.size(); ++a) {
    const CoverageAgent& agent = p.agents[a];
    MipProblem::Row hours;
    hours.upper = agent.hours_cap;
    std::map<int, std::vector<std::pair<double, int>>> reach;  // slot -> ...
    for (size_t o = 0; o < agent.options.size(); ++o) {
      const CoverageItem& item = p.items[agent.options[o].item];
      const int x = program.AddColumn(0, 0, 1, /*is_integer=*/true);
      column_of.emplace_back(static_cast<int>(a), static_cast<int>(o));
      if (item.cost > 0) money.terms.emplace_back(x, item.cost);
      if (item.hours > 0) hours.terms.emplace_back(x, item.hours);
      by_item[agent.options[o].item].emplace_back(x, static_cast<int>(a));
      for (const auto& [slot, level] : agent.options[o].reach) {
        if (level > agent.start[slot]) reach[slot].emplace_back(level, x);
      }
    }
    for (auto& [slot, list] : reach) {
      std::sort(list.begin(), list.end());
      double below = agent.start[slot];
      for (size_t i = 0; i < list.size(); ++i) {
        if (i > 0 && list[i].first == list[i - 1].first) continue;
        MipProblem::Row row;  // y - sum of x reaching at least v_j <= 0
        row.terms.emplace_back(
            program.AddColumn(list[i].first - below, 0, 1, false), 1);
        below = list[i].first;
        for (size_t j = i; j < list.size(); ++j) {
          row.terms.emplace_back(list[j].second, -1);
        }
        row.upper = 0;
        program.rows.push_back(std::move(row));
      }
    }
    if (!hours.terms.empty()) program.rows.push_back(std::move(hours));
  }
  program.rows.push_back(std::move(money));
  if (p.max_sessions > 0) AddSessionRows(p, by_item, &program);
  absl::StatusOr<MipSolution> solved = SolveMip(program, options);
  if (!solved.ok()) return solved.status();
  CoverageSolution out;
  out.chosen.resize(p.agents.size());
  for (size_t x = 0; x < column_of.size(); ++x) {
    if (solved->values[x] > 0.5) {
      out.chosen[column_of[x].first].push_back(column_of[x].second);
    }
  }
  for (size_t a = 0; a < p.agents.size(); ++a) {
    out.value += CoverageGain(p.agents[a], out.chosen[a]);
  }
  out.bound = std::max(out.value, solved->bound);
  out.exact = solved->exact;
  return out;
}

}  // namespace

double CoverageGain(const CoverageAgent& agent,
                    const std::vector<int>& chosen) {
  std::vector<double> level = agent.start;
  for (int o : chosen) {
    for (const auto& [slot, reached] : agent.options[o].reach) {
      level[slot] = std::max(level[slot], reached);
    }
  }
  double gain = 0;
  for (size_t s = 0; s < level.size(); ++s) gain += level[s] - agent.start[s];
  return gain;
}

absl::StatusOr<CoverageSolution> SolveCoverage(const CoverageProblem& problem,
                                               const MipOptions& options) {
  RETURN_IF_ERROR(Validate(problem));
  Clock clock(absl::Now() + options.time_limit, &options.cancelled);
  auto remaining = [&] {
    MipOptions sub = options;
    sub.time_limit = std::max(clock.left(), absl::Milliseconds(1));
    return sub;
  };
  auto stopped_status = [&] {
    return clock.cancelled()
               ? absl::CancelledError("the call was cancelled")
               : absl::NotFoundError("no plan within the time limit");
  };
  const size_t n = problem.agents.size();
  std::vector<AgentSearch> searches;
  searches.reserve(n);
  for (const CoverageAgent& agent : problem.agents) {
    searches.emplace_back(agent, problem.items, &clock);
  }

  // 1. Price the budget out. pooled: every plan some price made best.
  struct Priced {
    double price = 0;
    double value = 0;  // price * budget + sum of best priced values
    double cost = 0;   // of the best plans
    std::vector<double> best;
    std::vector<Plan> plans;
  };
  std::vector<std::set<Plan>> pooled(n);
  auto price_out = [&](double price, Priced* out) {
    out->price = price;
    out->value = price * problem.budget;
    out->cost = 0;
    out->best.assign(n, 0);
    out->plans.assign(n, Plan());
    for (size_t a = 0; a < n; ++a) {
      if (!searches[a].Best(price, &out->best[a], &out->plans[a])) {
        return false;
      }
      out->value += out->best[a];
      out->cost += searches[a].Cost(out->plans[a]);
      if (!out->plans[a].empty()) pooled[a].insert(out->plans[a]);
    }
    return true;
  };
  Priced lo;
  if (!price_out(0, &lo)) return stopped_status();
  Priced best = lo;
  if (lo.cost <= problem.budget + kTol && problem.max_sessions == 0) {
    CoverageSolution out;
    out.chosen = lo.plans;
    out.value = out.bound = lo.value;
    out.exact = true;
    out.proof = "priced";
    return out;
  }
  if (lo.cost > problem.budget + kTol) {
    // At this price no option with a cost adds more than it costs, so the
    // best plans are free: the slope budget - cost is >= 0.
    double top = 0;
    for (const CoverageAgent& agent : problem.agents) {
      for (const CoverageOption& option : agent.options) {
        const double cost = problem.items[option.item].cost;
        if (cost > 0) {
          double alone = 0;
          for (const auto& [slot, level] : option.reach) {
            alone += std::max(0.0, level - agent.start[slot]);
          }
          top = std::max(top, alone / cost);
        }
      }
    }
    Priced hi;
    if (price_out(2 * top + 1, &hi)) {
      // Cutting planes on the convex, piecewise-linear dual: the two
      // supporting lines meet at the next price to try; when the dual
      // there lies on them, that price is its minimum.
      if (hi.value < best.value) best = hi;
      for (int round = 0; round < 100; ++round) {
        const double slope_lo = problem.budget - lo.cost;
        const double slope_hi = problem.budget - hi.cost;
        if (slope_hi - slope_lo <= kTol) break;
        const double price =
            (hi.value - lo.value + slope_lo * lo.price - slope_hi * hi.price) /
            (slope_lo - slope_hi);
        if (!(price > lo.price && price < hi.price)) break;
        const double line = lo.value + slope_lo * (price - lo.price);
        Priced mid;
        if (!price_out(price, &mid)) break;
        if (mid.value < best.value) best = mid;
        if (mid.value <= line + kTol * (1 + std::abs(line))) break;
        (problem.budget - mid.cost < 0 ? lo : hi) = std::move(mid);
      }
    }
  }
  if (clock.cancelled()) return stopped_status();

  // 2. A first solution from the pooled plans.
  std::vector<std::vector<Plan>> plans(n);
  for (size_t a = 0; a < n; ++a) {
    plans[a].assign(pooled[a].begin(), pooled[a].end());
  }
  CoverageSolution incumbent;
  incumbent.chosen.resize(n);
  {
    absl::StatusOr<CoverageSolution> first =
        SolveOverPlans(problem, plans, remaining());
    if (first.status().code() == absl::StatusCode::kCancelled) {
      return first.status();
    }
    if (first.ok()) incumbent = *std::move(first);
  }
  incumbent.bound = best.value;
  incumbent.proof = "enumerated";
  const double margin = best.value - incumbent.value;
  if (margin <= kTol * (1 + best.value)) {
    incumbent.bound = incumbent.value;
    incumbent.exact = true;
    return incumbent;
  }
  incumbent.exact = false;
  if (clock.Stop() || clock.left() <= absl::ZeroDuration()) {
    if (clock.cancelled()) return stopped_status();
    return incumbent;
  }

  // 3. Every plan within the margin of its agent's best at the best price,
  // and the program over them; or the compact program.
  bool complete = true;
  size_t total = 0;
  for (size_t a = 0; a < n && complete; ++a) {
    std::vector<Plan> within;
    complete = searches[a].Enumerate(
        best.price, best.best[a] - margin - 1e-7 * (1 + margin),
        kMaxPlans - total, &within);
    if (!incumbent.chosen[a].empty() &&
        std::find(within.begin(), within.end(), incumbent.chosen[a]) ==
            within.end()) {
      within.push_back(incumbent.chosen[a]);
    }
    total += within.size();
    plans[a] = std::move(within);
  }
  if (clock.cancelled()) return stopped_status();
  size_t options_count = 0;
  for (const CoverageAgent& agent : problem.agents) {
    options_count += agent.options.size();
  }
  if (!complete && (options_count > kMaxCompactOptions ||
                    clock.left() <= absl::ZeroDuration())) {
    return incumbent;
  }
  absl::StatusOr<CoverageSolution> solved =
      complete ? SolveOverPlans(problem, plans, remaining())
               : SolveCompact(problem, remaining());
  if (solved.status().code() == absl::StatusCode::kCancelled) {
    return solved.status();
  }
  if (!solved.ok()) return incumbent;
  solved->proof = complete ? "enumerated" : "compact";
  solved->bound = std::min(best.value, solved->bound);
  if (solved->value < incumbent.value) {
    incumbent.bound = solved->bound;
    solved = std::move(incumbent);
  }
  solved->bound = std::max(solved->bound, solved->value);
  solved->exact = solved->value >= solved->bound - kTol * (1 + solved->bound);
  if (solved->exact) solved->bound = solved->value;
  return solved;
}

}  // namespace vakwijzer::optimization
