#include "services/core/aggregation.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace vakwijzer::core {
namespace {

using google::protobuf::util::TimeUtil;

absl::Time ToAbsl(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The order of "latest": assess_time, then create_time, then the
// assessment's name (unique within a person), then the position in the
// input.
struct Key {
  absl::Time time;
  absl::Time created;
  absl::string_view name;
  int position = 0;

  bool operator<(const Key& o) const {
    return std::tie(time, created, name, position) <
           std::tie(o.time, o.created, o.name, o.position);
  }
};

// One rater's latest rating of an indicator.
struct RaterLatest {
  int role;
  absl::string_view rater;
  int level;
  Key key;
  const google::protobuf::Timestamp* assess_time;
};

// What the level of one indicator depends on, from either the history
// (AggregateLevels) or a LevelState (LevelFromState).
struct Inputs {
  int rating_count = 0;
  int min_level = 0;
  int max_level = 0;
  std::array<int64_t, v1::RaterRole_ARRAYSIZE> role_level_sum{};
  std::array<int64_t, v1::RaterRole_ARRAYSIZE> role_count{};
  std::vector<RaterLatest> raters;  // by (role, rater)
  // DECAYING's weighted mean when options.as_of limits (ages count), else
  // computed from the role sums.
  std::optional<double> decaying;
};

v1::IndicatorLevel Summarise(const std::string& indicator, const Inputs& in,
                             const AggregationOptions& options) {
  const RaterLatest* latest = &in.raters.front();
  for (const RaterLatest& r : in.raters) {
    if (latest->key < r.key) latest = &r;
  }
  v1::IndicatorLevel out;
  out.set_indicator(indicator);
  out.set_rating_count(in.rating_count);
  *out.mutable_last_assess_time() = *latest->assess_time;

  // Levels are small integers, so these sums are exact and the means do
  // not depend on the order of the raters.
  int lo = INT_MAX, hi = INT_MIN;
  std::array<int64_t, v1::RaterRole_ARRAYSIZE> role_sum{}, role_raters{};
  int64_t others_sum = 0, others = 0;
  const RaterLatest* latest_self = nullptr;
  for (const RaterLatest& r : in.raters) {
    lo = std::min(lo, r.level);
    hi = std::max(hi, r.level);
    if (v1::RaterRole_IsValid(r.role)) {
      role_sum[r.role] += r.level;
      ++role_raters[r.role];
    }
    if (r.role == v1::SELF) {
      if (latest_self == nullptr || latest_self->key < r.key) latest_self = &r;
    } else {
      others_sum += r.level;
      ++others;
    }
  }
  const double others_mean = others == 0 ? -1
                                         : static_cast<double>(others_sum) /
                                               static_cast<double>(others);
  out.set_spread(hi - lo);
  out.set_disagreement(hi - lo >= options.disagreement_spread);
  out.set_self_level(latest_self ? latest_self->level : -1);
  out.set_others_level(others_mean);
  out.set_blind_spot(latest_self != nullptr && others > 0 &&
                     latest_self->level - others_mean >=
                         options.blind_spot_margin);

  double level = 0;
  switch (options.policy) {
    case v1::LATEST:
      level = latest->level;
      break;
    case v1::HIGHEST:
      level = in.max_level;
      break;
    case v1::LOWEST:
      level = in.min_level;
      break;
    case v1::DECAYING: {
      if (in.decaying.has_value()) {
        level = *in.decaying;
        break;
      }
      double num = 0, den = 0;
      for (int role = 0; role < v1::RaterRole_ARRAYSIZE; ++role) {
        double w = options.weights.Of(static_cast<v1::RaterRole>(role));
        num += w * static_cast<double>(in.role_level_sum[role]);
        den += w * static_cast<double>(in.role_count[role]);
      }
      level = den > 0 ? num / den : latest->level;
      break;
    }
    case v1::WEIGHTED:
    default: {
      double num = 0, den = 0;
      for (int role = 0; role < v1::RaterRole_ARRAYSIZE; ++role) {
        if (role_raters[role] == 0) continue;
        double w = options.weights.Of(static_cast<v1::RaterRole>(role));
        num += w * (static_cast<double>(role_sum[role]) /
                    static_cast<double>(role_raters[role]));
        den += w;
      }
      level = num / den;
      break;
    }
  }
  out.set_level(level);
  return out;
}

struct Entry {
  Key key;
  v1::RaterRole role;
  const std::string* rater;
  int level;
  const google::protobuf::Timestamp* timestamp;
};

v1::IndicatorLevel Aggregate(const std::string& indicator,
                             std::vector<Entry>& entries,
                             const AggregationOptions& options) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  Inputs in;
  in.rating_count = static_cast<int>(entries.size());
  in.min_level = in.max_level = entries.front().level;
  // The latest rating of each rater (role and id).
  std::map<std::pair<int, absl::string_view>, const Entry*> latest_of_rater;
  for (const Entry& e : entries) {
    latest_of_rater[{e.role, *e.rater}] = &e;
    in.min_level = std::min(in.min_level, e.level);
    in.max_level = std::max(in.max_level, e.level);
    if (v1::RaterRole_IsValid(e.role)) {
      in.role_level_sum[e.role] += e.level;
      ++in.role_count[e.role];
    }
  }
  for (const auto& [who, e] : latest_of_rater) {
    in.raters.push_back(
        RaterLatest{who.first, who.second, e->level, e->key, e->timestamp});
  }
  if (options.policy == v1::DECAYING &&
      options.as_of != absl::InfiniteFuture()) {
    double num = 0, den = 0;
    for (const Entry& e : entries) {
      double age_days =
          std::max(0.0, absl::ToDoubleHours(options.as_of - e.key.time) / 24);
      double w = options.weights.Of(e.role) *
                 std::exp2(-age_days / options.half_life_days);
      num += w * e.level;
      den += w;
    }
    // Very old evidence underflows to weight 0: fall back to the latest.
    in.decaying = den > 0 ? num / den : entries.back().level;
  }
  return Summarise(indicator, in, options);
}

// The key of a rating from `source`.
Key KeyOf(const storage::RatingSource& source) {
  return Key{ToAbsl(source.assess_time()), ToAbsl(source.create_time()),
             source.name(), 0};
}

}  // namespace

double RoleWeights::Of(v1::RaterRole role) const {
  switch (role) {
    case v1::SELF:
      return self;
    case v1::PEER:
      return peer;
    case v1::MANAGER:
      return manager;
    case v1::ASSESSOR:
      return assessor;
    default:
      return 0;
  }
}

absl::Status ValidateOptions(const AggregationOptions& options) {
  if (!v1::AggregationPolicy_IsValid(options.policy) ||
      options.policy == v1::AGGREGATION_POLICY_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy: unknown aggregation policy ", options.policy));
  }
  const std::pair<const char*, double> weights[] = {
      {"self", options.weights.self},
      {"peer", options.weights.peer},
      {"manager", options.weights.manager},
      {"assessor", options.weights.assessor}};
  for (const auto& [role, w] : weights) {
    if (!(w > 0) || !std::isfinite(w)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "role_weights.", role, ": must be a positive number, got ", w));
    }
  }
  if (!(options.half_life_days > 0) || !std::isfinite(options.half_life_days)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "half_life_days: must be positive, got ", options.half_life_days));
  }
  return absl::OkStatus();
}

std::map<std::string, v1::IndicatorLevel> AggregateLevels(
    const std::vector<v1::Assessment>& assessments,
    const AggregationOptions& options) {
  std::map<std::string, std::vector<Entry>> by_indicator;
  for (int a = 0; a < static_cast<int>(assessments.size()); ++a) {
    const v1::Assessment& assessment = assessments[a];
    absl::Time time = ToAbsl(assessment.assess_time());
    if (time > options.as_of) continue;
    for (const v1::Rating& r : assessment.ratings()) {
      by_indicator[r.indicator()].push_back(Entry{
          Key{time, ToAbsl(assessment.create_time()), assessment.name(), a},
          assessment.rater_role(), &assessment.rater(), r.level(),
          &assessment.assess_time()});
    }
  }
  std::map<std::string, v1::IndicatorLevel> out;
  for (auto& [indicator, entries] : by_indicator) {
    out.emplace(indicator, Aggregate(indicator, entries, options));
  }
  return out;
}

namespace {

// The index of rater (role, rater) in `state`'s entry, or where it would
// be inserted, and whether it is there.
std::pair<int, bool> FindRater(const storage::LevelState& state,
                               const storage::IndicatorState& ind,
                               v1::RaterRole role, absl::string_view rater) {
  int lo = 0, hi = ind.rater_source_size();
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    const storage::RatingSource& s = state.sources(ind.rater_source(mid));
    if (std::make_pair(static_cast<int>(s.rater_role()),
                       absl::string_view(s.rater())) <
        std::make_pair(static_cast<int>(role), rater)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const bool found = lo < ind.rater_source_size() &&
                     state.sources(ind.rater_source(lo)).rater_role() == role &&
                     state.sources(ind.rater_source(lo)).rater() == rater;
  return {lo, found};
}

// Inserts `value` at `index` of a repeated scalar field.
void InsertAt(google::protobuf::RepeatedField<int32_t>* field, int index,
              int32_t value) {
  field->Add(value);
  for (int i = field->size() - 1; i > index; --i) field->SwapElements(i, i - 1);
}

// Drops the sources no rater entry refers to any more.
void DropUnusedSources(storage::LevelState* state) {
  std::vector<int> remap(state->sources_size(), -1);
  for (const storage::IndicatorState& ind : state->indicators()) {
    for (int source : ind.rater_source()) remap[source] = 0;
  }
  int kept = 0;
  for (int i = 0; i < state->sources_size(); ++i) {
    if (remap[i] < 0) continue;
    remap[i] = kept;
    if (kept != i) state->mutable_sources()->SwapElements(kept, i);
    ++kept;
  }
  if (kept == state->sources_size()) return;
  state->mutable_sources()->DeleteSubrange(kept, state->sources_size() - kept);
  for (storage::IndicatorState& ind : *state->mutable_indicators()) {
    for (int32_t& source : *ind.mutable_rater_source()) {
      source = remap[source];
    }
  }
}

}  // namespace

void AddToLevelState(const v1::Assessment& assessment,
                     storage::LevelState* state) {
  const int source = state->sources_size();
  storage::RatingSource* s = state->add_sources();
  s->set_name(assessment.name());
  s->set_rater_role(assessment.rater_role());
  s->set_rater(assessment.rater());
  *s->mutable_assess_time() = assessment.assess_time();
  *s->mutable_create_time() = assessment.create_time();
  const Key key = KeyOf(*s);
  const v1::RaterRole role = assessment.rater_role();
  const bool valid_role = v1::RaterRole_IsValid(role);

  // Indicators new to the state are appended and sorted in at the end (an
  // assessment rates each indicator once).
  auto* indicators = state->mutable_indicators();
  const int sorted = indicators->size();
  for (const v1::Rating& r : assessment.ratings()) {
    // Fresh iterators: Add() may move the pointer array.
    const auto sorted_end = indicators->pointer_begin() + sorted;
    auto it = std::lower_bound(
        indicators->pointer_begin(), sorted_end, r.indicator(),
        [](const storage::IndicatorState* a, const std::string& id) {
          return a->indicator() < id;
        });
    storage::IndicatorState* ind;
    if (it != sorted_end && (*it)->indicator() == r.indicator()) {
      ind = *it;
    } else {
      ind = indicators->Add();
      ind->set_indicator(r.indicator());
      ind->set_min_level(r.level());
      ind->set_max_level(r.level());
      ind->mutable_role_level_sum()->Resize(v1::RaterRole_ARRAYSIZE, 0);
      ind->mutable_role_count()->Resize(v1::RaterRole_ARRAYSIZE, 0);
    }
    ind->set_rating_count(ind->rating_count() + 1);
    ind->set_min_level(std::min(ind->min_level(), r.level()));
    ind->set_max_level(std::max(ind->max_level(), r.level()));
    if (valid_role) {
      ind->set_role_level_sum(role, ind->role_level_sum(role) + r.level());
      ind->set_role_count(role, ind->role_count(role) + 1);
    }
    auto [at, found] = FindRater(*state, *ind, role, assessment.rater());
    if (!found) {
      InsertAt(ind->mutable_rater_source(), at, source);
      InsertAt(ind->mutable_rater_level(), at, r.level());
    } else if (KeyOf(state->sources(ind->rater_source(at))) < key) {
      ind->set_rater_source(at, source);
      ind->set_rater_level(at, r.level());
    }
  }
  if (indicators->size() > sorted) {
    std::sort(
        indicators->pointer_begin(), indicators->pointer_end(),
        [](const storage::IndicatorState* a, const storage::IndicatorState* b) {
          return a->indicator() < b->indicator();
        });
  }
  state->set_assessment_count(state->assessment_count() + 1);
  DropUnusedSources(state);
}

const storage::IndicatorState* FindIndicatorState(
    const storage::LevelState& state, absl::string_view indicator) {
  auto it = std::lower_bound(
      state.indicators().begin(), state.indicators().end(), indicator,
      [](const storage::IndicatorState& a, absl::string_view id) {
        return a.indicator() < id;
      });
  return it != state.indicators().end() && it->indicator() == indicator
             ? &*it
             : nullptr;
}

v1::IndicatorLevel LevelFromState(const storage::LevelState& state,
                                  const storage::IndicatorState& indicator,
                                  const AggregationOptions& options) {
  Inputs in;
  in.rating_count = indicator.rating_count();
  in.min_level = indicator.min_level();
  in.max_level = indicator.max_level();
  for (int role = 0; role < v1::RaterRole_ARRAYSIZE &&
                     role < indicator.role_level_sum_size() &&
                     role < indicator.role_count_size();
       ++role) {
    in.role_level_sum[role] = indicator.role_level_sum(role);
    in.role_count[role] = indicator.role_count(role);
  }
  in.raters.reserve(indicator.rater_source_size());
  for (int i = 0; i < indicator.rater_source_size(); ++i) {
    const storage::RatingSource& s = state.sources(indicator.rater_source(i));
    in.raters.push_back(RaterLatest{s.rater_role(), s.rater(),
                                    indicator.rater_level(i), KeyOf(s),
                                    &s.assess_time()});
  }
  return Summarise(indicator.indicator(), in, options);
}

}  // namespace vakwijzer::core
