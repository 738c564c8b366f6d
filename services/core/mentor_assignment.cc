#include "services/core/mentor_assignment.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "optimization/assignment.h"
#include "optimization/incremental_assignment.h"
#include "optimization/mip.h"
#include "plugins/mentor/mentor_scoring.h"

namespace vakwijzer::core {
namespace {

using plugins::OrgSnapshot;
using plugins::PersonView;
using plugins::mentor::MenteeGaps;
using plugins::mentor::MentorLevelTable;

constexpr int kCancelCheckEvery = 256;

// At most this many (mentee, mentor) weights are kept between pricing
// passes, as int32 (4 bytes each): 1 GiB. Beyond it every pass re-scores.
constexpr int64_t kMaxCachedPairs = int64_t{1} << 28;

// The solver's integer weight (optimization/assignment.cc).
int64_t Scaled(double weight) {
  return std::max<int64_t>(
      1, std::llround(weight * optimization::kAssignmentWeightScale));
}

// The mentors of one framework that may mentor anyone (capacity, teams
// filter), as a dense table; local index k is mentor right_of[k].
struct Group {
  std::unique_ptr<MentorLevelTable> table;
  std::vector<int> right_of;
  absl::flat_hash_map<const PersonView*, int> local;
  // The solver's potential of each mentor, copied before a pricing pass so
  // that the pass reads them in table order.
  std::vector<int64_t> potential;
};

}  // namespace

absl::StatusOr<v1::MentorAssignment> AssignMentorsExact(
    const OrgSnapshot& snap, const std::vector<const PersonView*>& mentees,
    const std::vector<const PersonView*>& mentors,
    const plugins::Params& params, const std::function<bool()>& cancelled,
    const MentorAssignmentOptions& options, MentorAssignmentStats* stats) {
  const plugins::mentor::MentorScoreOptions score_options =
      plugins::mentor::MentorScoreOptions::From(params);
  const std::vector<std::string>& teams = params.List("teams");
  const size_t initial_edges =
      static_cast<size_t>(std::max(1, options.initial_edges));
  auto name_of = [&](const PersonView& p) {
    return PersonName{snap.org, p.id}.Format();
  };
  auto is_cancelled = [&] { return cancelled && cancelled(); };

  // Right nodes: the selected mentors with places, in order of id; the
  // tables hold those the matcher would consider at all.
  optimization::AssignmentProblem problem;
  std::vector<const PersonView*> right;
  std::map<std::string, Group> groups;  // by framework id
  std::map<std::string, std::vector<const PersonView*>> group_people;
  std::map<std::string, const framework::FrameworkIndex*> group_framework;
  for (const PersonView* m : mentors) {
    if (m->mentoring_capacity <= 0) continue;
    const int j = static_cast<int>(right.size());
    right.push_back(m);
    problem.right_capacity.push_back(m->mentoring_capacity);
    if (m->framework == nullptr) continue;
    if (!teams.empty() &&
        std::none_of(m->teams.begin(), m->teams.end(), [&](const auto& t) {
          return std::find(teams.begin(), teams.end(), t) != teams.end();
        })) {
      continue;
    }
    const std::string& id = m->framework->id();
    group_framework.try_emplace(id, m->framework);
    group_people[id].push_back(m);
    groups[id].right_of.push_back(j);
  }
  for (auto& [id, group] : groups) {
    std::vector<const PersonView*>& people = group_people[id];
    for (size_t k = 0; k < people.size(); ++k) {
      group.local[people[k]] = static_cast<int>(k);
    }
    group.table = std::make_unique<MentorLevelTable>(
        *group_framework[id], score_options.by_competency, std::move(people));
  }
  size_t widest = 0;
  for (const auto& [id, group] : groups) {
    widest = std::max(widest, group.table->size());
  }

  const int left = static_cast<int>(mentees.size());
  problem.left_count = left;
  problem.right_count = static_cast<int>(right.size());
  problem.left_capacity.assign(left, 1);
  problem.left_demand.assign(left, 1);
  // The restricted problem; it keeps its flow and potentials between rounds.
  // Mentors are its left side: they have fewer units to place than there
  // are mentees, and a search for a unit that ends up unplaced is the
  // costliest (it explores every better alternative first).
  optimization::IncrementalAssignment solver(problem.right_capacity,
                                             problem.left_capacity);
  // The mentors of each mentee's edges, by index into its group's table.
  std::vector<std::vector<int>> edges_of(left);
  absl::Status add_status;
  // Per mentee: its table (null: no candidate at all), whether it has a gap
  // and any candidate.
  std::vector<const Group*> group_of(left, nullptr);
  std::vector<char> has_gap(left, 0), has_candidate(left, 0);
  std::vector<double> score(widest);
  std::vector<int> stamp(widest, -1);
  MentorAssignmentStats local_stats;

  // The scaled weights of all pairs, kept after the first pass when they
  // fit in int32 and kMaxCachedPairs cells: mentee i's row starts at
  // row_start[i] and has one cell per mentor of its table (0: no weight).
  std::vector<int32_t> cached;
  std::vector<int64_t> row_start(left + 1, 0);
  bool use_cache = false;
  bool cache_filled = false;
  // The visited mentee's kept scaled weights, or null; whether `score`
  // holds its scores (false when the pass reads the kept weights).
  const int32_t* scaled_row = nullptr;
  bool scored = false;
  // The weight of the visited mentee's pair with mentor k of its table.
  auto weight = [&](size_t k) {
    return scored ? score[k]
                  : scaled_row[k] / optimization::kAssignmentWeightScale;
  };

  // One pass over every mentee against its table; `visit(i, group)` reads
  // the candidates' weights with weight(k), the mentee's own 0. The first
  // pass scores with the kernel (and fills the cache); later passes read
  // the cache when there is one, as weights rounded to the solver's 1e-6
  // (Scaled() of them is the same integer).
  auto pass = [&](const auto& visit) -> absl::Status {
    for (int i = 0; i < left; ++i) {
      if (i % kCancelCheckEvery == 0 && is_cancelled()) {
        return absl::CancelledError("AssignMentors: the request was cancelled");
      }
      const Group* group = group_of[i];
      if (group == nullptr) continue;
      const size_t n = group->table->size();
      int32_t* row = use_cache ? cached.data() + row_start[i] : nullptr;
      scored = !cache_filled;
      if (scored) {
        const MenteeGaps gaps =
            plugins::mentor::GapsOf(*mentees[i], score_options, false);
        group->table->ScoreAll(gaps, score.data());
        auto self = group->local.find(mentees[i]);
        if (self != group->local.end()) score[self->second] = 0;
        local_stats.pairs_scored += static_cast<int64_t>(n);
        if (row != nullptr) {
          for (size_t k = 0; k < n; ++k) {
            if (score[k] <= 0) {
              row[k] = 0;
              continue;
            }
            const int64_t s = Scaled(score[k]);
            if (s > INT32_MAX) {  // too heavy for the cache: score again
              use_cache = false;
              row = nullptr;
              cached = std::vector<int32_t>();
              break;
            }
            row[k] = static_cast<int32_t>(s);
          }
        }
      }
      scaled_row = row;  // null when not kept (or given up in this pass)
      visit(i, *group);
    }
    if (use_cache) cache_filled = true;
    return absl::OkStatus();
  };

  // The best `count` of the candidates `key_of` accepts, by descending key
  // then the mentee's scan order (below), appended as edges of mentee i.
  struct Pick {
    double key;
    int order;  // position in the mentee's scan, for ties
    int k;
  };
  auto before = [](const Pick& a, const Pick& b) {
    return a.key != b.key ? a.key > b.key : a.order < b.order;
  };
  std::vector<Pick> heap;
  auto add_best = [&](int i, const Group& group, size_t count,
                      const auto& key_of) {
    heap.clear();
    const size_t n = group.table->size();
    // Many mentors often weigh the same for a mentee (equal levels on its
    // gaps): each mentee scans from its own start, so that ties spread its
    // edges over those mentors instead of giving every mentee the same
    // first ones, which would crowd them and make the pricing rounds add
    // edges by the million (10,000 people: docs/benchmarks.md).
    const size_t start =
        static_cast<size_t>(
            (uint64_t{static_cast<uint32_t>(i)} * 0x9E3779B97F4A7C15ull) >>
            32) %
        n;
    for (size_t order = 0; order < n; ++order) {
      const size_t k = start + order < n ? start + order : start + order - n;
      double key;
      if (!key_of(k, &key)) continue;
      Pick pick{key, static_cast<int>(order), static_cast<int>(k)};
      if (heap.size() < count) {
        heap.push_back(pick);
        std::push_heap(heap.begin(), heap.end(), before);
      } else if (before(pick, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), before);
        heap.back() = pick;
        std::push_heap(heap.begin(), heap.end(), before);
      }
    }
    for (const Pick& pick : heap) {
      const int j = group.right_of[pick.k];
      absl::StatusOr<int> added = solver.AddEdge(j, i, weight(pick.k));
      edges_of[i].push_back(pick.k);
      if (!added.ok() && add_status.ok()) add_status = added.status();
    }
    return heap.size();
  };

  // First pass: gaps, candidates and the first edges.
  for (int i = 0; i < left; ++i) {
    const PersonView& mentee = *mentees[i];
    if (mentee.framework == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("subject: ", name_of(mentee), " has no framework"));
    }
    auto g = groups.find(mentee.framework->id());
    if (g != groups.end()) group_of[i] = &g->second;
    row_start[i + 1] =
        row_start[i] +
        (group_of[i] ? static_cast<int64_t>(group_of[i]->table->size()) : 0);
  }
  if (row_start[left] <= kMaxCachedPairs) {
    use_cache = true;
    cached.resize(static_cast<size_t>(row_start[left]));
  }
  RETURN_IF_ERROR(pass([&](int i, const Group& group) {
    const size_t n = group.table->size();
    for (size_t k = 0; k < n && !has_candidate[i]; ++k) {
      has_candidate[i] = score[k] > 0;
    }
    add_best(i, group, initial_edges, [&](size_t k, double* key) {
      *key = score[k];
      return score[k] > 0;
    });
  }));
  for (int i = 0; i < left; ++i) {
    // Whether the mentee has a gap at all, for the reason given when
    // unmatched (the tables may not even hold their framework).
    has_gap[i] = !plugins::mentor::GapsOf(*mentees[i], score_options, false)
                      .units.empty();
  }

  RETURN_IF_ERROR(add_status);

  // Solve, price, repeat. The solver's potentials price the pairs outside
  // the problem: the pair of mentee i and mentor j can improve the optimum
  // only when its arc (cost -W) has negative reduced cost, i.e. when
  // W > pi(mentor j) - pi(mentee i) (incremental_assignment.h).
  auto price = [&](int i, int j) {
    return solver.LeftPotential(j) - solver.RightPotential(i);
  };
  while (true) {
    ++local_stats.rounds;
    const auto solve_start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(solver.Solve(cancelled));
    local_stats.solve_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      solve_start)
            .count();
    const int edges_before = solver.edge_count();
    for (auto& [id, group] : groups) {
      group.potential.resize(group.right_of.size());
      for (size_t k = 0; k < group.right_of.size(); ++k) {
        group.potential[k] = solver.LeftPotential(group.right_of[k]);
      }
    }
    RETURN_IF_ERROR(pass([&](int i, const Group& group) {
      if (!has_candidate[i]) return;
      const size_t kept = edges_of[i].size();
      const size_t count = options.added_edges > 0
                               ? static_cast<size_t>(options.added_edges)
                               : std::max(initial_edges, kept);
      // Marks the mentee's kept edges, which the selection skips.
      auto stamp_kept = [&] {
        for (int k : edges_of[i]) stamp[k] = i;
      };
      if (scaled_row == nullptr) {
        stamp_kept();
        add_best(i, group, count, [&](size_t k, double* key) {
          if (score[k] <= 0 || stamp[k] == i) return false;
          const int64_t v = Scaled(score[k]) - price(i, group.right_of[k]);
          *key = static_cast<double>(v);
          return v > 0;
        });
        return;
      }
      // With the kept weights: the row's largest violation first, without
      // branches (most rows have none once the first rounds are done; the
      // kept edges have none unless chosen, and a chosen pair's is 0 or
      // small), then the selection only where there may be one.
      const int64_t* potential = group.potential.data();
      const int64_t mentee_potential = solver.RightPotential(i);
      const size_t n = group.table->size();
      int64_t most = 0;
      for (size_t k = 0; k < n; ++k) {
        const int64_t w = scaled_row[k];
        const int64_t v = w - potential[k] + mentee_potential;
        most = std::max(most, w > 0 ? v : 0);
      }
      if (most <= 0) return;
      stamp_kept();
      add_best(i, group, count, [&](size_t k, double* key) {
        const int64_t w = scaled_row[k];
        const int64_t v = w - potential[k] + mentee_potential;
        if (w <= 0 || v <= 0 || stamp[k] == i) return false;
        *key = static_cast<double>(v);
        return true;
      });
    }));
    RETURN_IF_ERROR(add_status);
    if (solver.edge_count() == edges_before) break;
  }
  local_stats.edges = solver.edge_count();

  // No mutual pairs: break those of the optimum, then solve the restricted
  // problem over the pairs that can still be in one of its optima.
  std::vector<std::pair<int, int>> pairs;  // (mentee, mentor)
  for (const auto& [j, i] : solver.Pairs()) pairs.emplace_back(i, j);
  std::sort(pairs.begin(), pairs.end());
  std::string method = "min-cost-flow";
  bool exact = true;
  double total_weight = 0;  // added in pair order below
  double upper_bound = 0;
  bool restricted = false;
  if (options.no_mutual) {
    const int right_count = problem.right_count;
    auto key = [&](int i, int j) { return int64_t{i} * right_count + j; };
    absl::flat_hash_map<const PersonView*, int> as_mentee, as_mentor;
    for (int i = 0; i < left; ++i) as_mentee[mentees[i]] = i;
    for (int j = 0; j < right_count; ++j) as_mentor[right[j]] = j;
    // The pair (i', j') that is (i, j) the other way round, or (-1, -1).
    auto reverse = [&](int i, int j) -> std::pair<int, int> {
      auto a = as_mentee.find(right[j]);
      auto b = as_mentor.find(mentees[i]);
      if (a == as_mentee.end() || b == as_mentor.end()) return {-1, -1};
      return {a->second, b->second};
    };
    std::vector<int> mentor_of(left, -1);
    std::vector<int64_t> chosen_scaled(left, 0);
    for (const auto& [i, j] : pairs) mentor_of[i] = j;
    for (int e = 0; e < solver.edge_count(); ++e) {
      if (solver.EdgeChosen(e)) {
        chosen_scaled[solver.EdgeRight(e)] = solver.EdgeScaled(e);
      }
    }
    int64_t optimum = 0, loss = 0;
    std::vector<char> dropped(left, 0);
    for (const auto& [i, j] : pairs) {
      optimum += chosen_scaled[i];
      const auto [i2, j2] = reverse(i, j);
      if (i2 <= i || mentor_of[i2] != j2) continue;  // each mutual pair once
      const int lighter = chosen_scaled[i2] < chosen_scaled[i] ? i2 : i;
      dropped[lighter] = 1;
      loss += chosen_scaled[lighter];
    }
    if (loss > 0) {
      restricted = true;
      // Any assignment using pair e weighs at most optimum - slack(e), so
      // one better than the broken optimum (optimum - loss) uses only pairs
      // of slack < loss. The least-slack kMaxMutualCandidates are kept.
      struct Candidate {
        int64_t slack;
        int i, j;
        double weight;
      };
      auto by_slack = [](const Candidate& a, const Candidate& b) {
        return std::tie(a.slack, a.i, a.j) < std::tie(b.slack, b.i, b.j);
      };
      std::vector<Candidate> candidates;
      int64_t excluded_slack = INT64_MAX;  // least slack left out
      auto trim = [&] {
        const size_t keep = static_cast<size_t>(kMaxMutualCandidates);
        if (candidates.size() <= keep) return;
        std::nth_element(candidates.begin(), candidates.begin() + keep,
                         candidates.end(), by_slack);
        for (size_t c = keep; c < candidates.size(); ++c) {
          excluded_slack = std::min(excluded_slack, candidates[c].slack);
        }
        candidates.resize(keep);
      };
      RETURN_IF_ERROR(pass([&](int i, const Group& group) {
        if (!has_candidate[i]) return;
        const size_t n = group.table->size();
        for (size_t k = 0; k < n; ++k) {
          const double w = weight(k);
          if (w <= 0) continue;
          const int j = group.right_of[k];
          const int64_t slack = price(i, j) - Scaled(w);
          if (slack < loss) candidates.push_back({slack, i, j, w});
        }
        if (candidates.size() > 2 * static_cast<size_t>(kMaxMutualCandidates)) {
          trim();
        }
      }));
      trim();
      std::sort(candidates.begin(), candidates.end(),
                [](const Candidate& a, const Candidate& b) {
                  return std::tie(a.i, a.j) < std::tie(b.i, b.j);
                });

      // max sum w x  s.t. one mentor per mentee, capacities, x_AB + x_BA <= 1.
      optimization::MipProblem program;
      std::vector<optimization::MipProblem::Row> per_mentee(left),
          per_mentor(right_count);
      absl::flat_hash_map<int64_t, int> column_of;
      for (const Candidate& c : candidates) {
        const int x = program.AddColumn(static_cast<double>(Scaled(c.weight)),
                                        0, 1, true);
        per_mentee[c.i].terms.emplace_back(x, 1);
        per_mentor[c.j].terms.emplace_back(x, 1);
        column_of[key(c.i, c.j)] = x;
      }
      for (auto& row : per_mentee) {
        row.upper = 1;
        if (row.terms.size() > 1) program.rows.push_back(std::move(row));
      }
      for (int j = 0; j < right_count; ++j) {
        per_mentor[j].upper = problem.right_capacity[j];
        if (per_mentor[j].terms.size() >
            static_cast<size_t>(problem.right_capacity[j])) {
          program.rows.push_back(std::move(per_mentor[j]));
        }
      }
      for (const Candidate& c : candidates) {
        const auto [i2, j2] = reverse(c.i, c.j);
        if (i2 <= c.i) continue;
        auto other = column_of.find(key(i2, j2));
        if (other == column_of.end()) continue;
        optimization::MipProblem::Row row;
        row.terms = {{column_of[key(c.i, c.j)], 1}, {other->second, 1}};
        row.upper = 1;
        program.rows.push_back(std::move(row));
      }
      optimization::MipOptions mip;
      mip.solver = options.mip_solver;
      mip.time_limit = options.time_limit;
      mip.cancelled = cancelled;
      absl::StatusOr<optimization::MipSolution> solved =
          optimization::SolveMip(program, mip);
      if (solved.status().code() == absl::StatusCode::kCancelled) {
        return solved.status();
      }

      // The broken optimum, unless the program found better.
      int64_t best = optimum - loss;
      std::vector<std::pair<int, int>> broken;
      for (const auto& pair : pairs) {
        if (!dropped[pair.first]) broken.push_back(pair);
      }
      pairs = std::move(broken);
      double bound = static_cast<double>(optimum);
      exact = false;
      if (solved.ok()) {
        const double outside =
            excluded_slack == INT64_MAX
                ? -optimization::MipProblem::kInfinity
                : static_cast<double>(optimum - excluded_slack);
        bound = std::min(bound, std::max(solved->bound, outside));
        const int64_t found = std::llround(solved->objective);
        if (found >= best) {
          best = found;
          pairs.clear();
          for (size_t c = 0; c < candidates.size(); ++c) {
            if (solved->values[c] > 0.5) {
              pairs.emplace_back(candidates[c].i, candidates[c].j);
            }
          }
          method = "integer-program";
        }
        exact = solved->exact && static_cast<double>(best) >= bound - 0.5;
      }
      std::sort(pairs.begin(), pairs.end());
      upper_bound = bound / optimization::kAssignmentWeightScale;
    }
  }
  if (stats != nullptr) *stats = local_stats;

  // The response; explanations for the chosen pairs only.
  v1::MentorAssignment out;
  // Each pair's weight is the matcher's score, bit for bit (the solver and
  // the cache may hold it rounded to 1e-6).
  std::vector<double> pair_weight;
  std::vector<MenteeGaps> pair_gaps;
  for (const auto& [i, j] : pairs) {
    pair_gaps.push_back(plugins::mentor::GapsOf(*mentees[i], score_options));
    pair_weight.push_back(plugins::mentor::Score(pair_gaps.back(), *right[j]));
    total_weight += pair_weight.back();
  }
  upper_bound = exact ? total_weight : std::max(total_weight, upper_bound);
  std::vector<bool> matched(left);
  for (size_t p = 0; p < pairs.size(); ++p) {
    const auto [i, j] = pairs[p];
    matched[i] = true;
    v1::Pair* pair = out.add_pairs();
    pair->set_left(name_of(*mentees[i]));
    pair->set_right(name_of(*right[j]));
    pair->set_weight(pair_weight[p]);
    v1::MatchItem item;
    plugins::mentor::ExplainPair(pair_gaps[p], *right[j], 0, &item);
    pair->set_explanation(item.explanation());
  }
  for (int i = 0; i < left; ++i) {
    if (matched[i]) continue;
    v1::Unmatched* u = out.add_unmatched();
    u->set_name(name_of(*mentees[i]));
    u->set_reason(
        !has_gap[i] ? "no gap to mentor on"
        : !has_candidate[i]
            ? "no selected mentor with capacity covers any of the gaps"
        : restricted
            ? "every mentor who covers a gap is taken by mentees that weigh "
              "more, or is mentored by this mentee (no_mutual)"
            : "every mentor who covers a gap is taken by mentees that weigh "
              "more");
  }
  out.set_total_weight(total_weight);
  out.set_method(method);
  out.set_exact(exact);
  out.set_upper_bound(upper_bound);
  return out;
}

}  // namespace vakwijzer::core
