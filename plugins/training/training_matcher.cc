// The "training" matcher: which training modules close most of a person's
// weighted gap within budgets of hours, money and module count.
//
// The value of a plan S is f(S) = Σ_i w_i · closed_i(S), where closed_i is
// how far the modules of S raise indicator i towards the person's target
// (never past it). f is monotone and submodular, so:
//  - greedy: lazy greedy (CELF, Leskovec et al. KDD 2007) on marginal gain
//    per normalised cost, plus the best single module and, for at most 60
//    candidates, every feasible pair completed greedily (partial
//    enumeration, Khuller, Moss & Naor 1999). An online upper bound on the
//    optimum (Leskovec et al.) is reported with it;
//  - exact: branch and bound over the candidates in name order, for small
//    candidate sets (its optimum is the lexicographically first); beyond
//    exact_limit candidates, in auto mode, branch and bound in ratio order
//    from the greedy plan within node_limit nodes; when that does not end
//    (or in auto mode when branch and bound in name order hits its node
//    limit, and in exact mode beyond exact_limit) an integer program
//    (optimization/mip.h) within time_limit_ms, the greedy plan kept when
//    it is not beaten. Both searches bound a subtree by the integer and
//    fractional knapsacks of the marginal gains under each budget and the
//    module count, and by what the remaining modules could close at all.
//    `exact` is set only when a search or solver proved the optimum, or
//    when the greedy plan meets its own upper bound; the metrics
//    `search_nodes` and `program` say which ran.
#include "plugins/training/training_matcher.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/names.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "optimization/mip.h"

namespace vakwijzer::plugins {
namespace {

// Gains are sums of products of quarter levels and weights; differences
// below this are rounding, not preference.
constexpr double kEps = 1e-9;
constexpr int kMaxExcluded = 100;
// Partial enumeration over pairs costs O(n² · greedy); beyond this many
// candidates the plain greedy and the best single module must do.
constexpr int kPairEnumerationLimit = 60;
constexpr int kCancelCheckEvery = 1024;
// Most branch-and-bound nodes in name order in auto mode (about a quarter
// second: a node builds its children's knapsack tables); past it auto
// turns to the integer program. Equal gain per hour across modules whose
// hours are not whole makes every relaxation loose by a fraction of a
// module, and the search then visits most subsets. mode=exact has no
// limit but the caller's deadline.
constexpr int64_t kAutoNodeLimit = 40000;
// Towards the node limits, a node over n candidates counts as
// 1 + n / kCandidatesPerNode nodes, so that a search over a catalogue of
// thousands gives up in milliseconds too.
constexpr int kCandidatesPerNode = 100;

constexpr char kBudgetHours[] = "budget_hours";
constexpr char kBudgetCost[] = "budget_cost";
constexpr char kMaxModules[] = "max_modules";
constexpr char kFormats[] = "formats";
constexpr char kLanguages[] = "languages";
constexpr char kIncludeUnknown[] = "include_unknown";
constexpr char kFocus[] = "focus";
constexpr char kFocusWeight[] = "focus_weight";
constexpr char kMode[] = "mode";
constexpr char kExactLimit[] = "exact_limit";
constexpr char kTimeLimitMs[] = "time_limit_ms";
constexpr char kNodeLimit[] = "node_limit";

absl::Status Cancelled() {
  return absl::CancelledError("training: the request was cancelled");
}

// "2.0", "1.25", "3": levels as people read them. Whole tenths and
// numbers (most of them) without StrFormat, which is slow next to the
// rest of a plan; the digits are the same.
std::string FormatLevel(double level) {
  if (std::abs(level * 10 - std::round(level * 10)) < 1e-6) {
    if (level >= 0 && level < 1e12) {
      const int64_t tenths = std::llround(level * 10);
      return absl::StrCat(tenths / 10, ".", tenths % 10);
    }
    return absl::StrFormat("%.1f", level);
  }
  return absl::StrFormat("%.2f", level);
}

// Whole numbers without decimals ("16", "450"), others with two.
std::string FormatAmount(double x) {
  if (std::abs(x - std::round(x)) < 1e-6) {
    if (x >= 0 && x < 1e15) return absl::StrCat(std::llround(x));
    return absl::StrFormat("%.0f", x);
  }
  return absl::StrFormat("%.2f", x);
}

std::string FormatGain(double x) { return absl::StrFormat("%.2f", x); }

std::string Plural(size_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

absl::string_view LastSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

bool ContainsIgnoreCase(const std::vector<std::string>& list,
                        absl::string_view value) {
  for (const std::string& item : list) {
    if (absl::EqualsIgnoreCase(item, value)) return true;
  }
  return false;
}

struct Settings {
  double budget_hours = 0;
  std::optional<double> budget_cost;
  int max_modules = 1;
  std::vector<std::string> formats;
  std::vector<std::string> languages;
  bool include_unknown = false;
  std::vector<std::string> focus;
  double focus_weight = 1;
  std::string mode;
  int exact_limit = 1;
  int time_limit_ms = 0;
  int64_t node_limit = 0;
};

// An indicator of the person's track with a gap to the target.
struct GapIndicator {
  const framework::IndicatorRef* ref = nullptr;
  double level = 0;  // current level; 0 for a never-rated one we count
  bool unknown = false;
  double target = 0;
  double weight = 1;
};

// An eligible module, as the solvers see it.
struct Candidate {
  const v1::TrainingModule* module = nullptr;
  double hours = 0;
  double cost = 0;
  // The denominator of the greedy ratio (see NormalisedCost).
  double unit_cost = 0;
  // (gap index, level reached capped at the target), by gap index; only
  // entries above the current level.
  std::vector<std::pair<int, double>> caps;
  double solo_gain = 0;  // f({m})
};

// The state of a partial plan.
struct Plan {
  std::vector<double> reached;  // per gap indicator, ≥ its level
  std::vector<char> taken;      // per candidate
  std::vector<int> chosen;      // candidate indices in the order added
  double hours = 0;
  double cost = 0;
};

class Problem {
 public:
  Problem(std::vector<GapIndicator> gaps, std::vector<Candidate> cands,
          const Settings& settings, const std::function<bool()>& cancelled)
      : gaps_(std::move(gaps)),
        cands_(std::move(cands)),
        settings_(settings),
        cancelled_(cancelled) {}

  const std::vector<GapIndicator>& gaps() const { return gaps_; }
  const std::vector<Candidate>& cands() const { return cands_; }
  const Settings& settings() const { return settings_; }
  int size() const { return static_cast<int>(cands_.size()); }
  bool cancelled() const { return cancelled_ && cancelled_(); }

  Plan Empty() const {
    Plan plan;
    plan.reached.reserve(gaps_.size());
    for (const GapIndicator& g : gaps_) plan.reached.push_back(g.level);
    plan.taken.assign(cands_.size(), 0);
    return plan;
  }

  // δ_c(plan): what adding candidate c would add to f.
  double Gain(const Plan& plan, int c) const {
    double gain = 0;
    for (const auto& [g, cap] : cands_[c].caps) {
      if (cap > plan.reached[g]) {
        gain += gaps_[g].weight * (cap - plan.reached[g]);
      }
    }
    return gain;
  }

  // Adds c; when `undo` is given, records the old values to restore.
  void Add(Plan* plan, int c,
           std::vector<std::pair<int, double>>* undo = nullptr) const {
    for (const auto& [g, cap] : cands_[c].caps) {
      if (cap > plan->reached[g]) {
        if (undo != nullptr) undo->emplace_back(g, plan->reached[g]);
        plan->reached[g] = cap;
      }
    }
    plan->taken[c] = 1;
    plan->chosen.push_back(c);
    plan->hours += cands_[c].hours;
    plan->cost += cands_[c].cost;
  }

  // f(plan), summed in framework order so that it does not depend on the
  // order the modules were added in.
  double Value(const Plan& plan) const {
    double value = 0;
    for (size_t g = 0; g < gaps_.size(); ++g) {
      value += gaps_[g].weight * (plan.reached[g] - gaps_[g].level);
    }
    return value;
  }

  bool FitsHours(const Plan& plan, int c) const {
    return plan.hours + cands_[c].hours <= settings_.budget_hours + kEps;
  }
  bool FitsCost(const Plan& plan, int c) const {
    return !settings_.budget_cost.has_value() ||
           plan.cost + cands_[c].cost <= *settings_.budget_cost + kEps;
  }
  bool FitsCount(const Plan& plan) const {
    return static_cast<int>(plan.chosen.size()) < settings_.max_modules;
  }
  bool Fits(const Plan& plan, int c) const {
    return FitsCount(plan) && FitsHours(plan, c) && FitsCost(plan, c);
  }

  Plan Build(const std::vector<int>& order) const {
    Plan plan = Empty();
    for (int c : order) Add(&plan, c);
    return plan;
  }

 private:
  std::vector<GapIndicator> gaps_;
  std::vector<Candidate> cands_;
  Settings settings_;
  const std::function<bool()>& cancelled_;
};

// The greedy ratio's denominator: the share of each binding budget the
// module uses, summed. Hours always count; money counts when there is a
// cost budget; 1/max_modules counts only when max_modules is below the
// number of candidates (otherwise it cannot bind, and leaving it out keeps
// the single-budget ratio of Khuller et al. intact). A budget of 0 admits
// only modules with 0 of it, whose share is 0.
double NormalisedCost(double hours, double cost, const Settings& s,
                      int candidates) {
  double unit = 0;
  if (s.budget_hours > 0) unit += hours / s.budget_hours;
  if (s.budget_cost.has_value() && *s.budget_cost > 0) {
    unit += cost / *s.budget_cost;
  }
  if (s.max_modules < candidates) unit += 1.0 / s.max_modules;
  return unit;
}

double Ratio(double gain, double unit_cost) {
  return gain / std::max(unit_cost, 1e-12);
}

// Lazy greedy (CELF): adds, while max_modules allows, the candidate with
// the best marginal gain per unit cost that still fits, ties by name. A
// candidate that no longer fits never will (budgets only shrink), and one
// without gain never regains it (submodularity), so both are dropped.
absl::Status CompleteGreedy(const Problem& p, Plan* plan) {
  struct Entry {
    double ratio;
    int c;
    size_t stamp;  // plan size when `ratio` was computed
  };
  auto worse = [](const Entry& a, const Entry& b) {
    if (a.ratio != b.ratio) return a.ratio < b.ratio;
    return a.c > b.c;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> queue(worse);
  for (int c = 0; c < p.size(); ++c) {
    if (plan->taken[c] || !p.Fits(*plan, c)) continue;
    double gain = p.Gain(*plan, c);
    if (gain > kEps) {
      queue.push({Ratio(gain, p.cands()[c].unit_cost), c, plan->chosen.size()});
    }
  }
  int pops = 0;
  while (!queue.empty() && p.FitsCount(*plan)) {
    if (++pops % kCancelCheckEvery == 0 && p.cancelled()) return Cancelled();
    Entry top = queue.top();
    queue.pop();
    if (!p.Fits(*plan, top.c)) continue;
    if (top.stamp != plan->chosen.size()) {
      double gain = p.Gain(*plan, top.c);
      if (gain > kEps) {
        queue.push({Ratio(gain, p.cands()[top.c].unit_cost), top.c,
                    plan->chosen.size()});
      }
      continue;
    }
    p.Add(plan, top.c);
  }
  return absl::OkStatus();
}

// Drops modules whose removal loses no gain (a later module covered what
// they did), then fills the freed budget greedily; repeats until stable.
// The value never decreases and rises with each repeat, so this ends.
absl::Status Tidy(const Problem& p, Plan* plan) {
  while (true) {
    double value = p.Value(*plan);
    for (size_t i = 0; i < plan->chosen.size();) {
      std::vector<int> rest = plan->chosen;
      rest.erase(rest.begin() + i);
      Plan without = p.Build(rest);
      if (p.Value(without) >= value - kEps) {
        *plan = std::move(without);
      } else {
        ++i;
      }
    }
    size_t before = plan->chosen.size();
    RETURN_IF_ERROR(CompleteGreedy(p, plan));
    if (plan->chosen.size() == before) return absl::OkStatus();
  }
}

// The best of: greedy from nothing, greedy from the best single module,
// and (for at most kPairEnumerationLimit candidates) greedy from every
// feasible pair. Khuller, Moss & Naor prove (1 − 1/e) for one budget with
// seeds of three; seeds of two are what stays affordable here, and the
// tests measure the ratio against brute force. Without `pairs` the pairs
// are left out: the quick first incumbent of auto mode, whose branch and
// bound then proves or improves it.
absl::StatusOr<Plan> SolveGreedy(const Problem& p, bool pairs = true) {
  Plan best = p.Empty();
  RETURN_IF_ERROR(CompleteGreedy(p, &best));
  double best_value = p.Value(best);
  auto consider = [&](Plan plan) {
    double value = p.Value(plan);
    if (value > best_value + kEps) {
      best = std::move(plan);
      best_value = value;
    }
  };
  int single = -1;
  for (int c = 0; c < p.size(); ++c) {
    if (single < 0 ||
        p.cands()[c].solo_gain > p.cands()[single].solo_gain + kEps) {
      single = c;
    }
  }
  if (single >= 0) {
    Plan plan = p.Empty();
    p.Add(&plan, single);
    RETURN_IF_ERROR(CompleteGreedy(p, &plan));
    consider(std::move(plan));
  }
  if (pairs && p.size() <= kPairEnumerationLimit &&
      p.settings().max_modules >= 2) {
    for (int a = 0; a < p.size(); ++a) {
      if (p.cancelled()) return Cancelled();
      for (int b = a + 1; b < p.size(); ++b) {
        Plan plan = p.Empty();
        // The pair in the order a greedy would take it.
        bool b_first = p.cands()[b].solo_gain > p.cands()[a].solo_gain + kEps;
        p.Add(&plan, b_first ? b : a);
        if (!p.Fits(plan, b_first ? a : b)) continue;
        p.Add(&plan, b_first ? a : b);
        RETURN_IF_ERROR(CompleteGreedy(p, &plan));
        consider(std::move(plan));
      }
    }
  }
  RETURN_IF_ERROR(Tidy(p, &best));
  return best;
}

// Σ of `items` (gain, size) taken best ratio first, the last one in part,
// into `capacity`, each gain less `price` (items then worth nothing left
// out): an upper bound on Σ (gain − price) over any selection that fits.
struct Item {
  double gain;
  double size;
};
double FractionalKnapsack(const std::vector<Item>& items, double price,
                          double capacity, std::vector<Item>* scratch) {
  double total = 0;
  std::vector<Item>& sized = *scratch;
  sized.clear();
  for (const Item& item : items) {
    const double gain = item.gain - price;
    if (gain <= 0) continue;
    if (item.size <= 0) {
      total += gain;
    } else {
      sized.push_back({gain, item.size});
    }
  }
  std::sort(sized.begin(), sized.end(), [](const Item& x, const Item& y) {
    return x.gain * y.size > y.gain * x.size;
  });
  for (const Item& item : sized) {
    if (capacity <= 0) break;
    if (item.size <= capacity) {
      total += item.gain;
      capacity -= item.size;
    } else {
      total += item.gain * capacity / item.size;
      capacity = 0;
    }
  }
  return total;
}

// Most Σ gain over at most `slots` items whose sizes fit `capacity`, by
// dynamic programming over the capacity in units of capacity / kKnapsackCells
// (or 1 when the capacity is smaller), each size rounded down to whole
// units: every selection that fits also fits after rounding down, so this
// is an upper bound, and the exact integer optimum for whole sizes within
// kKnapsackCells. Infinity when the table would exceed kKnapsackWork cells.
constexpr int kKnapsackCells = 128;
constexpr int64_t kKnapsackWork = 100000;
double IntegerKnapsack(const std::vector<Item>& items, int slots,
                       double capacity) {
  const int n = static_cast<int>(items.size());
  slots = std::min(slots, n);
  if (slots <= 0 || capacity < 0) return 0;
  const double unit = std::max(1.0, capacity / kKnapsackCells);
  // Rounding the capacity up by a little and the sizes down only relaxes:
  // Σ ⌊s_i⌋ ≤ ⌊Σ s_i⌋ ≤ ⌊capacity + kEps⌋.
  const int cells = static_cast<int>(std::floor(capacity / unit + 1e-6));
  // With the count not binding, one row of the table.
  const int rows = slots == n ? 1 : slots;
  if (static_cast<int64_t>(n) * rows * (cells + 1) > kKnapsackWork) {
    return std::numeric_limits<double>::infinity();
  }
  // best[k][w]: most gain of at most k + 1 items (any number with one
  // row) in w units.
  std::vector<double> best(static_cast<size_t>(rows) * (cells + 1), 0);
  auto at = [&](int k, int w) -> double& { return best[k * (cells + 1) + w]; };
  for (const Item& item : items) {
    const int size = static_cast<int>(std::floor(item.size / unit));
    if (size > cells) continue;
    for (int k = rows - 1; k >= 0; --k) {
      for (int w = cells; w >= size; --w) {
        const double below =
            rows == 1 ? at(0, w - size) : (k > 0 ? at(k - 1, w - size) : 0);
        at(k, w) = std::max(at(k, w), below + item.gain);
      }
    }
  }
  return at(rows - 1, cells);
}

// IntegerKnapsack's tables for every suffix of a list of items: what
// items[i..] can add in at most `count` items and `units` units, for
// every i at once (one pass from the end). A branch-and-bound node uses
// them to bound each child's subtree — the child's own gain plus the
// best of the later items in the units and count left after it — before
// visiting it.
class SuffixKnapsack {
 public:
  // False when the tables would exceed kKnapsackWork cells.
  bool Build(const std::vector<Item>& items, int slots, double capacity) {
    const int n = static_cast<int>(items.size());
    unit_ = std::max(1.0, std::max(0.0, capacity) / kKnapsackCells);
    cells_ =
        static_cast<int>(std::floor(std::max(0.0, capacity) / unit_ + 1e-6));
    // No more items fit than the smallest ones (in units, as the tables
    // count them) whose sum stays within the cells; a count at or above
    // that does not bind, and one row of any number of items does.
    sizes_.clear();
    for (const Item& item : items) sizes_.push_back(Units(item.size));
    std::sort(sizes_.begin(), sizes_.end());
    int fit = 0;
    for (int64_t sum = 0; fit < n && sum + sizes_[fit] <= cells_; ++fit) {
      sum += sizes_[fit];
    }
    any_count_ = slots >= fit;
    rows_ = any_count_ ? 1 : std::max(0, slots);
    if (static_cast<int64_t>(n) * rows_ * (cells_ + 1) > kKnapsackWork) {
      return false;
    }
    exact_ = unit_ == 1;
    const size_t layer = static_cast<size_t>(rows_) * (cells_ + 1);
    // Every layer but the last (nothing left: 0) is written in full.
    table_.resize((n + 1) * layer);
    std::fill(table_.begin() + n * layer, table_.end(), 0);
    for (int i = n - 1; i >= 0; --i) {
      const double* next = &table_[(i + 1) * layer];
      double* here = &table_[i * layer];
      std::copy(next, next + layer, here);
      const int size = Units(items[i].size);
      exact_ = exact_ && size == items[i].size;
      for (int k = 0; k < rows_; ++k) {
        for (int w = size; w <= cells_; ++w) {
          const double below = any_count_ ? next[w - size]
                               : k > 0 ? next[(k - 1) * (cells_ + 1) + w - size]
                                       : 0;
          here[k * (cells_ + 1) + w] =
              std::max(here[k * (cells_ + 1) + w], below + items[i].gain);
        }
      }
    }
    return true;
  }

  // Whether the tables are the integer optimum itself (whole sizes in
  // units of 1), which no fractional relaxation of the same budget and
  // count can improve on.
  bool exact() const { return exact_; }

  // Most gain of items[i..] in at most `count` items and `units` units
  // (any number of them when the count did not bind the whole list).
  double Best(int i, int count, int units) const {
    if (count <= 0 || rows_ == 0 || units < 0) return 0;
    const int k = any_count_ ? 0 : std::min(count, rows_) - 1;
    return table_[(static_cast<size_t>(i) * rows_ + k) * (cells_ + 1) +
                  std::min(units, cells_)];
  }
  // A size in whole units, rounded down (which only relaxes).
  int Units(double size) const {
    return static_cast<int>(std::floor(std::max(0.0, size) / unit_));
  }
  int cells() const { return cells_; }

 private:
  int rows_ = 0;
  int cells_ = 0;
  double unit_ = 1;
  bool exact_ = false;
  bool any_count_ = false;
  std::vector<int> sizes_;     // scratch of Build
  std::vector<double> table_;  // [i][k][w]: items[i..], ≤ k + 1 items, w
};

// An upper bound on f(S ∪ T) − f(S) over every T drawn from `deltas`
// (δ_c(S), hours, cost) that fits the remaining budgets and module count:
// by submodularity f(S ∪ T) ≤ f(S) + Σ_{c∈T} δ_c(S), and the linear
// relaxation of "most Σ δ_c within the count and one budget" bounds that
// sum. The count is priced out (Lagrangian): at a price λ per module,
// λ·slots + the fractional knapsack of the δ_c − λ under the budget is an
// upper bound for every λ ≥ 0; λ = 0 is the plain fractional knapsack and
// λ = the (slots+1)-th largest δ gives the sum of the `slots` largest, and
// the prices between (the next largest δ's) are tried too. No more modules
// fit than the cheapest ones whose sum stays in each budget, which can
// lower `slots`. The integer knapsacks (IntegerKnapsack) bound it too.
// Returns as soon as the bound is at most `enough` (the caller's cut).
// Without `hours_knapsack` the integer knapsack over hours is left out;
// with `hours_done` (the caller's was exact) every relaxation of hours.
struct Delta {
  double gain;
  double hours;
  double cost;
};
double BoundOnExtension(
    const std::vector<Delta>& deltas, int slots, double hours_left,
    std::optional<double> cost_left,
    double enough = -std::numeric_limits<double>::infinity(),
    bool hours_knapsack = true, bool hours_done = false) {
  if (slots <= 0 || deltas.empty()) return 0;
  if (hours_done && !cost_left.has_value()) {
    return std::numeric_limits<double>::infinity();
  }
  auto fitting = [&](auto size, double left) {
    std::vector<double> sizes;
    sizes.reserve(deltas.size());
    for (const Delta& d : deltas) sizes.push_back(size(d));
    std::sort(sizes.begin(), sizes.end());
    int count = 0;
    for (double x : sizes) {
      if (x > left + kEps) break;
      left -= x;
      ++count;
    }
    return count;
  };
  slots = std::min(slots,
                   fitting([](const Delta& d) { return d.hours; }, hours_left));
  if (cost_left.has_value()) {
    slots = std::min(
        slots, fitting([](const Delta& d) { return d.cost; }, *cost_left));
  }
  if (slots <= 0) return 0;
  std::vector<Item> by_hours, by_cost, scratch;
  by_hours.reserve(deltas.size());
  for (const Delta& d : deltas) {
    by_hours.push_back({d.gain, d.hours});
    if (cost_left.has_value()) by_cost.push_back({d.gain, d.cost});
  }
  // The integer knapsacks first: the tightest for whole hours (the
  // caller may have done the one over hours).
  double bound = hours_knapsack ? IntegerKnapsack(by_hours, slots, hours_left)
                                : std::numeric_limits<double>::infinity();
  if (bound <= enough) return bound;
  if (cost_left.has_value()) {
    bound = std::min(bound, IntegerKnapsack(by_cost, slots, *cost_left));
    if (bound <= enough) return bound;
  }
  // Prices: 0 and the δ's from the (slots − 1)-th to the (2·slots + 1)-th
  // largest (the optimal price of the count alone is the (slots+1)-th; a
  // binding budget moves it down the list).
  std::vector<double> gains;
  gains.reserve(deltas.size());
  for (const Delta& d : deltas) gains.push_back(d.gain);
  std::sort(gains.begin(), gains.end(), std::greater<double>());
  std::vector<double> prices = {0};
  const int n = static_cast<int>(gains.size());
  for (int k = std::max(0, slots - 2); k < std::min(n, 2 * slots + 1); ++k) {
    prices.push_back(gains[k]);
  }
  for (double price : prices) {
    double at = hours_done
                    ? std::numeric_limits<double>::infinity()
                    : FractionalKnapsack(by_hours, price, hours_left, &scratch);
    if (cost_left.has_value()) {
      at = std::min(at,
                    FractionalKnapsack(by_cost, price, *cost_left, &scratch));
    }
    bound = std::min(bound, price * slots + at);
    if (bound <= enough) return bound;
  }
  return bound;
}

// Branch and bound over subsets: a node is a plan, its children add one
// more candidate each, and the child that adds the k-th candidate of the
// node's list searches only among the candidates after it in that list,
// so every subset is visited once. Candidates that no longer fit or add
// no gain leave the list for good (budgets only shrink, and so do gains).
// A subtree is cut when the plan's value plus a bound on what the rest can
// add — the smaller of BoundOnExtension over the current marginal gains
// and the gap the rest could close with no budget at all — cannot beat
// the incumbent. A set becomes the incumbent only when strictly better and
// irredundant (every module adds gain).
//
// Two orders:
//  - by name: the lists keep candidate (name) order, so the search visits
//    subsets in preorder of the subset tree, the lexicographic order of the
//    sorted name lists, and its result is the lexicographically smallest
//    optimal plan without idle modules (mode=exact, and auto with at most
//    exact_limit candidates);
//  - by ratio: each node orders its list by marginal gain per unit cost,
//    best first, and the search starts from an incumbent plan (the greedy
//    one), which it keeps unless it finds a strictly better one. Good plans
//    come first and most of the tree is cut early (auto beyond
//    exact_limit).
class BranchAndBound {
 public:
  // `node_limit` 0: none. `incumbent`: a plan to beat (by ratio order), or
  // nullptr.
  BranchAndBound(const Problem& p, double lower_bound, int64_t node_limit,
                 bool by_ratio = false, const Plan* incumbent = nullptr)
      : p_(p),
        lower_bound_(lower_bound),
        node_limit_(node_limit),
        by_ratio_(by_ratio) {
    if (incumbent != nullptr) {
      found_ = true;
      best_ = p.Value(*incumbent);
      best_set_ = incumbent->chosen;
      lower_bound_ = std::max(lower_bound_, best_);
    }
  }

  // The optimal set; with `complete` false the best irredundant set seen
  // before the node limit stopped the search.
  struct Result {
    std::vector<int> set;
    bool complete = true;
    int64_t nodes = 0;
  };
  absl::StatusOr<Result> Run() {
    Plan plan = p_.Empty();
    std::vector<int> all(p_.size());
    for (int c = 0; c < p_.size(); ++c) all[c] = c;
    reach_.assign(p_.gaps().size(), 0);
    Visit(all, &plan, 0);
    if (cancelled_) return Cancelled();
    return Result{best_set_, !stopped_, nodes_};
  }

 private:
  bool Irredundant(const Plan& plan, double value) const {
    for (size_t i = 0; i < plan.chosen.size(); ++i) {
      std::vector<int> rest = plan.chosen;
      rest.erase(rest.begin() + i);
      if (p_.Value(p_.Build(rest)) >= value - kEps) return false;
    }
    return true;
  }

  // What the candidates `cands` could still add with no budget: per gap
  // indicator, the highest of their caps above the plan's level.
  double Coverable(const Plan& plan, const std::vector<int>& cands) {
    for (int c : cands) {
      for (const auto& [g, cap] : p_.cands()[c].caps) {
        reach_[g] = std::max(reach_[g], cap);
      }
    }
    double total = 0;
    for (int c : cands) {
      for (const auto& [g, cap] : p_.cands()[c].caps) {
        if (reach_[g] > plan.reached[g]) {
          total += p_.gaps()[g].weight * (reach_[g] - plan.reached[g]);
        }
        reach_[g] = 0;
      }
    }
    return total;
  }

  void Visit(const std::vector<int>& list, Plan* plan, double value) {
    if (cancelled_ || stopped_) return;
    if (++nodes_ % kCancelCheckEvery == 0 && p_.cancelled()) {
      cancelled_ = true;
      return;
    }
    // A node over many candidates costs more (marginal gains, bounds):
    // it counts as one per kCandidatesPerNode, at least one.
    work_ += 1 + static_cast<int64_t>(list.size()) / kCandidatesPerNode;
    if (node_limit_ > 0 && work_ > node_limit_) {
      stopped_ = true;
      return;
    }
    if ((!found_ || value > best_ + kEps) && Irredundant(*plan, value)) {
      found_ = true;
      best_ = value;
      best_set_ = plan->chosen;
    }
    lower_bound_ = std::max(lower_bound_, value);
    if (!p_.FitsCount(*plan)) return;
    struct Child {
      int c;
      double gain;
      double ratio;
    };
    std::vector<Child> children;
    std::vector<Delta> deltas;
    for (int c : list) {
      if (!p_.FitsHours(*plan, c) || !p_.FitsCost(*plan, c)) continue;
      double gain = p_.Gain(*plan, c);
      // A child without gain only adds an idle module to its subtree.
      if (gain <= kEps) continue;
      deltas.push_back({gain, p_.cands()[c].hours, p_.cands()[c].cost});
      children.push_back({c, gain, Ratio(gain, p_.cands()[c].unit_cost)});
    }
    if (children.empty()) return;
    std::vector<int> rest;
    rest.reserve(children.size());
    for (const Child& child : children) rest.push_back(child.c);
    const Settings& s = p_.settings();
    std::optional<double> cost_left;
    if (s.budget_cost.has_value()) cost_left = *s.budget_cost - plan->cost;
    const int slots = s.max_modules - static_cast<int>(plan->chosen.size());
    const double hours_left = s.budget_hours - plan->hours;
    double bound = value + Coverable(*plan, rest);
    // Nothing below can reach the known optimum's lower bound, or beat
    // the incumbent (a tie found later is lexicographically larger).
    auto hopeless = [&](double at) {
      return at < lower_bound_ - kEps || at <= best_ + kEps;
    };
    if (hopeless(bound)) return;
    if (by_ratio_) {
      std::stable_sort(
          children.begin(), children.end(),
          [](const Child& a, const Child& b) { return a.ratio > b.ratio; });
      for (size_t k = 0; k < children.size(); ++k) rest[k] = children[k].c;
    }
    // The integer knapsack over hours of every suffix of the children.
    const size_t depth = plan->chosen.size();
    while (tables_.size() <= depth) tables_.emplace_back();
    SuffixKnapsack& table = tables_[depth];
    std::vector<Item> items;
    items.reserve(children.size());
    for (const Child& child : children) {
      items.push_back({child.gain, p_.cands()[child.c].hours});
    }
    const bool tabled = table.Build(items, slots, hours_left);
    if (tabled) {
      bound = std::min(bound, value + table.Best(0, slots, table.cells()));
      if (hopeless(bound)) return;
    }
    const double enough =
        std::max(lower_bound_ - 2 * kEps, best_ + kEps / 2) - value;
    bound = std::min(
        bound,
        value + BoundOnExtension(deltas, slots, hours_left, cost_left, enough,
                                 /*hours_knapsack=*/!tabled,
                                 /*hours_done=*/tabled && table.exact()));
    if (hopeless(bound)) return;
    std::vector<std::pair<int, double>> undo;
    const double hours = plan->hours;
    const double cost = plan->cost;
    std::vector<int> later;
    for (size_t k = 0; k < children.size(); ++k) {
      const auto& [c, gain, ratio] = children[k];
      if (tabled) {
        // Nothing from here on, or nothing with this child.
        if (hopeless(value +
                     table.Best(static_cast<int>(k), slots, table.cells()))) {
          break;
        }
        const int room = table.cells() - table.Units(p_.cands()[c].hours);
        if (hopeless(value + gain +
                     table.Best(static_cast<int>(k) + 1, slots - 1, room))) {
          continue;
        }
      }
      undo.clear();
      p_.Add(plan, c, &undo);
      later.assign(rest.begin() + k + 1, rest.end());
      Visit(later, plan, value + gain);
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        plan->reached[it->first] = it->second;
      }
      plan->taken[c] = 0;
      plan->chosen.pop_back();
      plan->hours = hours;
      plan->cost = cost;
      if (cancelled_ || stopped_) return;
    }
  }

  const Problem& p_;
  double lower_bound_;
  bool found_ = false;
  double best_ = 0;
  std::vector<int> best_set_;
  const int64_t node_limit_;
  const bool by_ratio_;
  bool cancelled_ = false;
  bool stopped_ = false;
  int64_t nodes_ = 0;
  int64_t work_ = 0;           // nodes, weighed by their candidates
  std::vector<double> reach_;  // scratch of Coverable, all 0 between calls
  std::deque<SuffixKnapsack> tables_;  // per depth (stable addresses)
};

// Orders a set greedily by marginal gain (ties by name).
Plan OrderByGain(const Problem& p, std::vector<int> set) {
  Plan plan = p.Empty();
  while (!set.empty()) {
    size_t pick = 0;
    double pick_gain = -1;
    for (size_t i = 0; i < set.size(); ++i) {
      double gain = p.Gain(plan, set[i]);
      if (gain > pick_gain + kEps ||
          (std::abs(gain - pick_gain) <= kEps && set[i] < set[pick])) {
        pick = i;
        pick_gain = gain;
      }
    }
    p.Add(&plan, set[pick]);
    set.erase(set.begin() + pick);
  }
  return plan;
}

// The optimum ordered by gain; nullopt when the node limit stopped the
// search first. See BranchAndBound for `by_ratio` and `incumbent`;
// `*nodes` counts the nodes visited.
absl::StatusOr<std::optional<Plan>> SolveExact(
    const Problem& p, double lower_bound, int64_t node_limit, bool by_ratio,
    const Plan* incumbent, int64_t* nodes) {
  BranchAndBound search(p, lower_bound, node_limit, by_ratio, incumbent);
  ASSIGN_OR_RETURN(BranchAndBound::Result result, search.Run());
  *nodes += result.nodes;
  if (!result.complete) return std::nullopt;
  return OrderByGain(p, std::move(result.set));
}

// The integer program of the plan: x_c = 1 when candidate c is taken; per
// gap indicator g with levels L_1 < … < L_k that candidates reach above its
// level L_0, z_g,j ∈ [0, 1] is "g reaches L_j", worth w_g · (L_j − L_j−1) and
// at most the number of taken candidates reaching L_j. At the optimum z is 1
// exactly where a taken module reaches L_j, so the objective is f. Budgets of
// hours, money and module count are rows.
struct ProgramResult {
  std::optional<Plan> plan;  // none when no solution was found in time
  double bound = 0;
  bool exact = false;
};

absl::StatusOr<ProgramResult> SolveProgram(
    const Problem& p, absl::Duration time_limit,
    const std::function<bool()>& cancelled) {
  optimization::MipProblem program;
  const int n = p.size();
  for (int c = 0; c < n; ++c) program.AddColumn(0, 0, 1, true);
  std::vector<std::vector<std::pair<double, int>>> reach(p.gaps().size());
  for (int c = 0; c < n; ++c) {
    for (const auto& [g, cap] : p.cands()[c].caps)
      reach[g].emplace_back(cap, c);
  }
  for (size_t g = 0; g < reach.size(); ++g) {
    std::vector<std::pair<double, int>>& r = reach[g];
    std::sort(r.begin(), r.end());
    double below = p.gaps()[g].level;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i].first <= below + kEps) continue;  // a level already listed
      const double level = r[i].first;
      const int z =
          program.AddColumn(p.gaps()[g].weight * (level - below), 0, 1, false);
      optimization::MipProblem::Row row;  // z − Σ x_c (c reaches level) ≤ 0
      row.terms.emplace_back(z, 1.0);
      for (size_t k = i; k < r.size(); ++k)
        row.terms.emplace_back(r[k].second, -1.0);
      row.upper = 0;
      program.rows.push_back(std::move(row));
      below = level;
    }
  }
  const Settings& s = p.settings();
  optimization::MipProblem::Row hours, money, count;
  for (int c = 0; c < n; ++c) {
    hours.terms.emplace_back(c, p.cands()[c].hours);
    money.terms.emplace_back(c, p.cands()[c].cost);
    count.terms.emplace_back(c, 1.0);
  }
  hours.upper = s.budget_hours + kEps;
  program.rows.push_back(std::move(hours));
  if (s.budget_cost.has_value()) {
    money.upper = *s.budget_cost + kEps;
    program.rows.push_back(std::move(money));
  }
  count.upper = s.max_modules;
  program.rows.push_back(std::move(count));

  optimization::MipOptions options;
  options.time_limit = time_limit;
  options.cancelled = cancelled;
  absl::StatusOr<optimization::MipSolution> solution =
      optimization::SolveMip(program, options);
  ProgramResult result;
  if (absl::IsNotFound(solution.status())) return result;
  if (absl::IsCancelled(solution.status())) return Cancelled();
  RETURN_IF_ERROR(solution.status());
  std::vector<int> set;
  for (int c = 0; c < n; ++c) {
    if (solution->values[c] > 0.5) set.push_back(c);
  }
  result.plan = OrderByGain(p, std::move(set));
  result.bound = solution->bound;
  result.exact = solution->exact;
  return result;
}

// The greedy plan's bound on the optimum: the smallest of f(all
// candidates) and f(S) + each relaxation of Σ δ_c(S) over the full budgets
// (the optimum's modules fit them).
double GreedyUpperBound(const Problem& p, const Plan& plan, double value,
                        double coverable) {
  std::vector<Delta> deltas;
  for (int c = 0; c < p.size(); ++c) {
    if (plan.taken[c]) continue;
    double gain = p.Gain(plan, c);
    if (gain > 0)
      deltas.push_back({gain, p.cands()[c].hours, p.cands()[c].cost});
  }
  const Settings& s = p.settings();
  double bound = value + BoundOnExtension(std::move(deltas), s.max_modules,
                                          s.budget_hours, s.budget_cost);
  return std::max(value, std::min(coverable, bound));
}

// The first of hours, cost and max_modules that keeps a module with
// positive marginal gain out of the plan; empty when none is left.
std::string BindingConstraint(const Problem& p, const Plan& plan) {
  bool hours = false, cost = false, count = false;
  for (int c = 0; c < p.size(); ++c) {
    if (plan.taken[c] || p.Gain(plan, c) <= kEps) continue;
    hours = hours || !p.FitsHours(plan, c);
    cost = cost || !p.FitsCost(plan, c);
    count = count || !p.FitsCount(plan);
  }
  const Settings& s = p.settings();
  if (hours) {
    return absl::StrCat("hours (", FormatAmount(plan.hours), " of ",
                        FormatAmount(s.budget_hours), " h)");
  }
  if (cost) {
    return absl::StrCat("cost (€ ", FormatAmount(plan.cost), " of € ",
                        FormatAmount(*s.budget_cost), ")");
  }
  if (count) {
    return absl::StrCat("max_modules (", plan.chosen.size(), " of ",
                        s.max_modules, ")");
  }
  return "";
}

Settings ReadSettings(const Params& params) {
  Settings s;
  s.budget_hours = params.Number(kBudgetHours);
  if (params.Has(kBudgetCost)) s.budget_cost = params.Number(kBudgetCost);
  s.max_modules = static_cast<int>(params.Integer(kMaxModules));
  s.formats = params.List(kFormats);
  s.languages = params.List(kLanguages);
  s.include_unknown = params.Bool(kIncludeUnknown);
  s.focus = params.List(kFocus);
  s.focus_weight = params.Number(kFocusWeight);
  s.mode = params.String(kMode);
  s.exact_limit = static_cast<int>(params.Integer(kExactLimit));
  s.time_limit_ms = static_cast<int>(params.Integer(kTimeLimitMs));
  s.node_limit = params.Integer(kNodeLimit);
  return s;
}

// INVALID_ARGUMENT for a focus code that is neither a competency nor a
// cluster of the framework: a typo would otherwise silently weigh nothing.
absl::Status CheckFocus(const framework::FrameworkIndex& framework,
                        const std::vector<std::string>& focus) {
  for (const std::string& code : focus) {
    bool known = false;
    for (const v1::Cluster& cluster : framework.proto().clusters()) {
      known = known || cluster.code() == code;
      for (const v1::Competency& competency : cluster.competencies()) {
        known = known || competency.code() == code;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameters[", Quote(kFocus), "]: ", Quote(code),
          " is neither a competency nor a cluster code of framework ",
          framework.id()));
    }
  }
  return absl::OkStatus();
}

// Requirements resolved on the person's track (develops targets and
// prerequisites): Resolve()d once per indicator id or competency code,
// since a catalogue repeats them and resolving a competency scans the
// whole track.
class TargetCache {
 public:
  TargetCache(const framework::FrameworkIndex& framework, std::string track)
      : framework_(framework), track_(std::move(track)) {}

  // `requirement` must outlive the cache (keys point into it).
  const ResolvedTarget& Target(const v1::Requirement& requirement) {
    auto& memo = requirement.has_indicator() ? indicators_ : competencies_;
    absl::string_view key = requirement.has_indicator()
                                ? absl::string_view(requirement.indicator())
                                : absl::string_view(requirement.competency());
    auto it = memo.find(key);
    if (it == memo.end()) {
      it = memo.emplace(key, Resolve(framework_, track_, requirement)).first;
    }
    return it->second;
  }
  const std::vector<int>& Ordinals(const v1::Requirement& requirement) {
    return Target(requirement).ordinals;
  }

 private:
  const framework::FrameworkIndex& framework_;
  const std::string track_;
  absl::flat_hash_map<absl::string_view, ResolvedTarget> indicators_;
  absl::flat_hash_map<absl::string_view, ResolvedTarget> competencies_;
};

// ModuleBarrier with the person's targets resolved through `targets`.
std::string Barrier(const v1::TrainingModule& module, const PersonView& person,
                    TargetCache* targets) {
  const framework::FrameworkIndex& fw = *person.framework;
  absl::string_view named = module.framework();
  if (!named.empty() &&
      !(absl::ConsumePrefix(&named, "frameworks/") && named == fw.id())) {
    return absl::StrCat("for framework ", module.framework(),
                        ", the person's is ", FrameworkName(fw.id()));
  }
  if (!module.track().empty() && module.track() != person.track) {
    return absl::StrCat("for track ", module.track(), ", the person's is ",
                        person.track);
  }
  absl::string_view id = LastSegment(module.name());
  for (const std::string& done : person.completed_modules) {
    if (done == id || done == module.name()) return "already completed";
  }
  for (const v1::Requirement& req : module.prerequisites()) {
    const ResolvedTarget& target = targets->Target(req);
    if (target.ordinals.empty()) {
      return absl::StrCat("prerequisite ", target.key, " at level ",
                          req.level(), " is not on track ", person.track);
    }
    float level = LevelOn(person, target);
    if (!IsKnown(level)) {
      return absl::StrCat("prerequisite ", target.key, " at level ",
                          req.level(), " not met (never rated)");
    }
    if (level < req.level()) {
      return absl::StrCat("prerequisite ", target.key, " at level ",
                          req.level(), " not met (level ", FormatLevel(level),
                          ")");
    }
  }
  return "";
}

}  // namespace

std::string ModuleBarrier(const v1::TrainingModule& module,
                          const PersonView& person) {
  TargetCache targets(*person.framework, person.track);
  return Barrier(module, person, &targets);
}

namespace {

// Why `module` cannot be in the person's plan; empty when it can.
// Fills `cand` for an eligible module, except unit_cost.
std::string Ineligible(const v1::TrainingModule& module,
                       const PersonView& person, const Settings& s,
                       const std::vector<GapIndicator>& gaps,
                       const std::vector<int>& gap_of, TargetCache* targets,
                       Candidate* cand) {
  std::string barrier = Barrier(module, person, targets);
  if (!barrier.empty()) return barrier;
  if (!s.formats.empty() && !ContainsIgnoreCase(s.formats, module.format())) {
    return absl::StrCat("format ", Quote(module.format()), " is not one of ",
                        absl::StrJoin(s.formats, ", "));
  }
  if (!s.languages.empty() &&
      !ContainsIgnoreCase(s.languages, module.language())) {
    return absl::StrCat("language ", Quote(module.language()),
                        " is not one of ", absl::StrJoin(s.languages, ", "));
  }
  const double hours = std::max(0.0, module.hours());
  const double cost = std::max(0.0, module.cost());
  if (hours > s.budget_hours + kEps) {
    return absl::StrCat(FormatAmount(hours), " h alone exceed the budget of ",
                        FormatAmount(s.budget_hours), " h");
  }
  if (s.budget_cost.has_value() && cost > *s.budget_cost + kEps) {
    return absl::StrCat("€ ", FormatAmount(cost),
                        " alone exceeds the budget of € ",
                        FormatAmount(*s.budget_cost));
  }
  std::vector<std::pair<int, double>> caps;
  for (const v1::Requirement& req : module.develops()) {
    for (int ordinal : targets->Ordinals(req)) {
      int g = ordinal < static_cast<int>(gap_of.size()) ? gap_of[ordinal] : -1;
      if (g < 0) continue;
      double cap = std::min(gaps[g].target, static_cast<double>(req.level()));
      if (cap > gaps[g].level + kEps) caps.emplace_back(g, cap);
    }
  }
  std::sort(caps.begin(), caps.end());
  // Keep the highest cap per indicator (the last of each run).
  std::vector<std::pair<int, double>> merged;
  for (const auto& entry : caps) {
    if (!merged.empty() && merged.back().first == entry.first) {
      merged.back().second = entry.second;
    } else {
      merged.push_back(entry);
    }
  }
  double solo = 0;
  for (const auto& [g, cap] : merged) {
    solo += gaps[g].weight * (cap - gaps[g].level);
  }
  if (solo <= kEps) return "closes no gap";
  cand->module = &module;
  cand->hours = hours;
  cand->cost = cost;
  cand->caps = std::move(merged);
  cand->solo_gain = solo;
  return "";
}

class TrainingMatcher final : public Matcher {
 public:
  TrainingMatcher() {
    info_.set_name("training");
    info_.set_version("1.0.0");
    info_.set_description(
        "Recommends training modules that close the most weighted gap of a "
        "person to their target level, within budgets of hours, money and "
        "module count. Greedy with partial enumeration and an upper bound on "
        "the optimum, improved to the proven optimum by branch and bound "
        "or, when that does not end within its limits, an integer "
        "program.");
    info_.set_subject("a person");
    auto* p = info_.mutable_parameters();
    *p->Add() = NumberParam(kBudgetHours, "40",
                            "Most study hours the plan may take.", 0, 100000);
    *p->Add() =
        NumberParam(kBudgetCost, "",
                    "Most euros the plan may cost; empty: no limit.", 0, 1e9);
    *p->Add() =
        IntegerParam(kMaxModules, "5", "Most modules in the plan.", 1, 100);
    *p->Add() = ListParam(kFormats,
                          "Allowed module formats, e.g. online,blended; "
                          "empty: any.");
    *p->Add() =
        ListParam(kLanguages, "Allowed module languages, e.g. nl; empty: any.");
    *p->Add() = BoolParam(kIncludeUnknown, "false",
                          "Count never-rated indicators as level 0 (a full "
                          "gap); otherwise they are left out.");
    *p->Add() = ListParam(kFocus,
                          "Competency codes (e.g. 6.1) or cluster codes "
                          "(e.g. 6) whose indicators weigh focus_weight.");
    *p->Add() =
        NumberParam(kFocusWeight, "2",
                    "Weight of the focus indicators; others weigh 1.", 1, 100);
    *p->Add() = StringParam(
        kMode, "auto",
        "auto: the greedy plan unless its bound proves it optimal, improved "
        "by branch and bound (in name order up to exact_limit eligible "
        "modules, else in ratio order within node_limit nodes) or the "
        "integer program (within time_limit_ms); greedy: the greedy plan "
        "and its bound only; exact: the proven optimum, however long it "
        "takes (bounded by the call's deadline).",
        {"auto", "greedy", "exact"});
    *p->Add() = IntegerParam(
        kExactLimit, "20",
        "Most eligible modules for branch and bound in name order (the "
        "first optimum by name); beyond it auto mode searches in ratio order "
        "(node_limit), then the integer program.",
        1, 25);
    *p->Add() = IntegerParam(
        kTimeLimitMs, "200",
        "Most milliseconds the integer program searches in auto mode; 0: "
        "none (greedy and branch and bound only).",
        0, 60000);
    *p->Add() = IntegerParam(
        kNodeLimit, "500",
        "Most branch-and-bound nodes auto mode visits beyond exact_limit "
        "eligible modules before it turns to the integer program (a node "
        "over n candidates counts as 1 + n/100); 0: the integer program at "
        "once.",
        0, 10000000);
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override;

 private:
  v1::MatcherInfo info_;
};

absl::StatusOr<v1::MatchResponse> TrainingMatcher::Match(
    const MatchInput& input) const {
  ASSIGN_OR_RETURN(PersonName subject,
                   ParsePersonName(input.request.subject(), "subject"));
  if (subject.org != input.org.org) {
    return absl::InvalidArgumentError(
        absl::StrCat("subject: ", input.request.subject(), " is not in ",
                     OrganizationName(input.org.org)));
  }
  const PersonView* person = input.org.FindPerson(subject.person);
  if (person == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("subject: no person ", input.request.subject()));
  }
  if (person->framework == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "subject: ", input.request.subject(), " has no framework"));
  }
  const framework::FrameworkIndex& fw = *person->framework;
  const Settings settings = ReadSettings(input.params);
  RETURN_IF_ERROR(CheckFocus(fw, settings.focus));

  // The indicators with a gap, in framework order.
  std::vector<GapIndicator> gaps;
  std::vector<int> gap_of(person->levels.size(), -1);
  int unknown = 0;
  double total_gap = 0;
  for (const framework::IndicatorRef* ref :
       fw.IndicatorsOfTrack(person->track)) {
    float raw = ref->ordinal < static_cast<int>(person->levels.size())
                    ? person->levels[ref->ordinal]
                    : kUnknown;
    GapIndicator g;
    g.ref = ref;
    g.target = person->target_level;
    if (!IsKnown(raw)) {
      ++unknown;
      if (!settings.include_unknown) continue;
      g.unknown = true;
    } else {
      g.level = raw;
    }
    if (g.target - g.level <= kEps) continue;
    if (ContainsIgnoreCase(settings.focus, ref->competency->code()) ||
        ContainsIgnoreCase(settings.focus, ref->cluster->code())) {
      g.weight = settings.focus_weight;
    }
    total_gap += g.weight * (g.target - g.level);
    if (ref->ordinal < static_cast<int>(gap_of.size())) {
      gap_of[ref->ordinal] = static_cast<int>(gaps.size());
    }
    gaps.push_back(g);
  }

  v1::MatchResponse response;
  std::vector<Candidate> cands;
  std::vector<std::string> excluded;
  TargetCache targets(fw, person->track);
  for (size_t i = 0; i < input.org.modules.size(); ++i) {
    if (i % kCancelCheckEvery == 0 && input.cancelled && input.cancelled()) {
      return Cancelled();
    }
    const v1::TrainingModule& module = input.org.modules[i];
    Candidate cand;
    std::string why =
        Ineligible(module, *person, settings, gaps, gap_of, &targets, &cand);
    if (why.empty()) {
      cands.push_back(std::move(cand));
    } else {
      excluded.push_back(absl::StrCat(module.name(), ": ", why));
    }
  }
  const int n = static_cast<int>(cands.size());
  for (Candidate& c : cands) {
    c.unit_cost = NormalisedCost(c.hours, c.cost, settings, n);
  }

  Problem problem(std::move(gaps), std::move(cands), settings, input.cancelled);
  // Auto mode starts from the quick greedy plan (no pair seeds): branch
  // and bound proves or beats it, and the pairs run only when that fails.
  const bool quick = settings.mode == "auto";
  ASSIGN_OR_RETURN(Plan plan, SolveGreedy(problem, /*pairs=*/!quick));
  std::vector<int> everything(n);
  for (int c = 0; c < n; ++c) everything[c] = c;
  const Plan all = problem.Build(everything);
  const double coverable = problem.Value(all);
  double upper_bound =
      GreedyUpperBound(problem, plan, problem.Value(plan), coverable);
  // Branch and bound in name order over few candidates (its optimum is
  // the first in name order among plans of equal gain); beyond that the
  // greedy plan, proven optimal when it meets its own bound, else (auto)
  // branch and bound in ratio order from the greedy plan within
  // node_limit nodes, else improved by the integer program within the
  // time limit.
  bool exact = false;
  bool unproven = false;  // a search ran and could not prove the optimum
  bool program_ran = false;
  int64_t nodes = 0;
  if (settings.mode != "greedy" && n <= settings.exact_limit) {
    ASSIGN_OR_RETURN(
        std::optional<Plan> optimum,
        SolveExact(problem, problem.Value(plan),
                   settings.mode == "auto" ? kAutoNodeLimit : 0,
                   /*by_ratio=*/false, /*incumbent=*/nullptr, &nodes));
    if (optimum.has_value()) {
      plan = std::move(*optimum);
      exact = true;
    } else {
      unproven = true;
    }
  } else {
    exact = upper_bound <= problem.Value(plan) + kEps;
    if (!exact && quick && settings.node_limit > 0) {
      ASSIGN_OR_RETURN(std::optional<Plan> optimum,
                       SolveExact(problem, problem.Value(plan),
                                  settings.node_limit, /*by_ratio=*/true,
                                  /*incumbent=*/&plan, &nodes));
      if (optimum.has_value()) {
        // The greedy plan, in its own order, unless strictly beaten.
        if (problem.Value(*optimum) > problem.Value(plan) + kEps) {
          plan = std::move(*optimum);
        }
        exact = true;
      } else {
        unproven = true;
      }
    }
  }
  if (!exact && quick) {
    // As mode=exact and before auto's branch and bound: the full greedy
    // plan, proven when it meets its bound, for the integer program to
    // beat.
    ASSIGN_OR_RETURN(plan, SolveGreedy(problem));
    upper_bound = std::min(
        upper_bound,
        GreedyUpperBound(problem, plan, problem.Value(plan), coverable));
    if (n > settings.exact_limit) {
      exact = upper_bound <= problem.Value(plan) + kEps;
      unproven = unproven && !exact;
    }
  }
  const absl::Duration limit = settings.mode == "exact"
                                   ? absl::InfiniteDuration()
                                   : absl::Milliseconds(settings.time_limit_ms);
  if (!exact && settings.mode != "greedy" && limit > absl::ZeroDuration()) {
    ASSIGN_OR_RETURN(ProgramResult program,
                     SolveProgram(problem, limit, input.cancelled));
    program_ran = true;
    if (program.plan.has_value()) {
      if (problem.Value(*program.plan) > problem.Value(plan) + kEps) {
        plan = std::move(*program.plan);
      }
      exact = program.exact;
      upper_bound = std::min(upper_bound, program.bound);
    }
    unproven = !exact;
  }
  const double total_gain = problem.Value(plan);
  upper_bound = exact ? total_gain : std::max(total_gain, upper_bound);
  const std::string binding = BindingConstraint(problem, plan);
  const auto& pg = problem.gaps();

  // Items: the plan replayed in order, each module with what it closes.
  const int page_size =
      input.request.page_size() > 0 ? input.request.page_size() : 10;
  Plan replay = problem.Empty();
  for (int c : plan.chosen) {
    const Candidate& cand = problem.cands()[c];
    v1::MatchItem item;
    item.set_name(cand.module->name());
    item.set_title(cand.module->title());
    double gain = 0;
    int closed = 0;
    std::vector<std::string> codes;
    for (const auto& [g, cap] : cand.caps) {
      double from = replay.reached[g];
      if (cap <= from + kEps) continue;
      double value = pg[g].weight * (cap - from);
      gain += value;
      ++closed;
      v1::Contribution* contribution = item.add_contributions();
      contribution->set_key(pg[g].ref->indicator->id());
      contribution->set_value(value);
      std::string from_text = pg[g].unknown && from == pg[g].level
                                  ? std::string("never rated (counted as 0)")
                                  : FormatLevel(from);
      contribution->set_note(absl::StrCat(
          from_text, " → ", FormatAmount(cap), " (target ",
          FormatAmount(pg[g].target), ")",
          pg[g].weight != 1
              ? absl::StrCat(", weight ", FormatAmount(pg[g].weight))
              : ""));
      const std::string& code = pg[g].ref->competency->code();
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        codes.push_back(code);
      }
    }
    problem.Add(&replay, c);
    item.set_score(gain);
    item.set_explanation(
        absl::StrCat("Closes ", FormatGain(gain), " weighted gap on ",
                     Plural(closed, "indicator", "indicators"), " of ",
                     absl::StrJoin(codes, ", "), "; ", FormatAmount(cand.hours),
                     " h, € ", FormatAmount(cand.cost)));
    if (response.items_size() < page_size) {
      item.set_rank(response.items_size() + 1);
      *response.add_items() = std::move(item);
    }
  }

  // Residual gaps, largest first, ties in framework order.
  std::vector<int> left;
  for (size_t g = 0; g < pg.size(); ++g) {
    if (pg[g].target - plan.reached[g] > kEps) left.push_back(g);
  }
  std::stable_sort(left.begin(), left.end(), [&](int a, int b) {
    return pg[a].weight * (pg[a].target - plan.reached[a]) >
           pg[b].weight * (pg[b].target - plan.reached[b]);
  });
  for (int g : left) {
    v1::Contribution* r = response.add_residual();
    r->set_key(pg[g].ref->indicator->id());
    r->set_value(pg[g].weight * (pg[g].target - plan.reached[g]));
    std::string now =
        plan.reached[g] > pg[g].level
            ? absl::StrCat("raised to ", FormatLevel(plan.reached[g]))
        : pg[g].unknown ? std::string("never rated (counted as 0)")
                        : absl::StrCat("at ", FormatLevel(pg[g].level));
    std::string reach = all.reached[g] > pg[g].level + kEps
                            ? absl::StrCat("eligible modules reach ",
                                           FormatLevel(all.reached[g]))
                            : std::string("no eligible module develops it");
    r->set_note(absl::StrCat(now, " of target ", FormatAmount(pg[g].target),
                             " (", pg[g].ref->competency->code(), "); ",
                             reach));
  }

  int more = 0;
  for (std::string& why : excluded) {
    if (response.excluded_size() < kMaxExcluded) {
      response.add_excluded(std::move(why));
    } else {
      ++more;
    }
  }
  if (more > 0) response.add_excluded(absl::StrCat("… and ", more, " more"));
  response.set_candidate_count(n);

  auto& m = *response.mutable_metrics();
  m["total_gain"] = total_gain;
  m["total_gap"] = total_gap;
  m["coverable_gap"] = coverable;
  m["upper_bound"] = upper_bound;
  m["hours_used"] = plan.hours;
  m["cost_used"] = plan.cost;
  m["modules"] = static_cast<double>(plan.chosen.size());
  m["exact"] = exact ? 1 : 0;
  m["program"] = program_ran ? 1 : 0;
  m["search_nodes"] = static_cast<double>(nodes);
  m["candidates"] = n;
  m["unknown_indicators"] = unknown;

  std::string summary;
  if (total_gap <= kEps) {
    summary = absl::StrCat("No weighted gap to close on track ", person->track,
                           " (target ", person->target_level, ")");
  } else if (n == 0) {
    summary = absl::StrCat("No eligible module closes any of ",
                           FormatGain(total_gap), " weighted gap (",
                           Plural(excluded.size(), "module", "modules"),
                           " excluded)");
  } else {
    summary = absl::StrCat(
        Plural(plan.chosen.size(), "module closes", "modules close"), " ",
        FormatGain(total_gain), " of ", FormatGain(total_gap),
        " weighted gap (",
        absl::StrFormat("%.0f", 100 * total_gain / total_gap), "%), ",
        exact ? absl::StrCat("the optimum over ",
                             Plural(n, "candidate", "candidates"))
              : absl::StrCat("at most ", FormatGain(upper_bound), " reachable"),
        "; binding constraint: ", binding.empty() ? "none" : binding);
    if (unproven) {
      absl::StrAppend(&summary,
                      "; optimum not proven within the search limits "
                      "(time_limit_ms = ",
                      settings.time_limit_ms, ")");
    }
  }
  if (unknown > 0) {
    absl::StrAppend(&summary, "; ", Plural(unknown, "indicator", "indicators"),
                    " never rated",
                    settings.include_unknown
                        ? " counted as level 0"
                        : " left out (include_unknown=false)");
  }
  response.set_summary(std::move(summary));
  return response;
}

}  // namespace

std::unique_ptr<Matcher> NewTrainingMatcher() {
  return std::make_unique<TrainingMatcher>();
}

}  // namespace vakwijzer::plugins
