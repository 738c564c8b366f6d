#include "services/core/aggregation.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace vakwijzer::core {
namespace {

using google::protobuf::util::TimeUtil;

absl::Time ToAbsl(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

struct Entry {
  absl::Time time;
  absl::Time created;
  int position;
  v1::RaterRole role;
  const std::string* rater;
  int level;
  const google::protobuf::Timestamp* timestamp;
};

bool Before(const Entry& a, const Entry& b) {
  return std::tie(a.time, a.created, a.position) <
         std::tie(b.time, b.created, b.position);
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

v1::IndicatorLevel Aggregate(const std::string& indicator,
                             std::vector<Entry>& entries,
                             const AggregationOptions& options) {
  std::sort(entries.begin(), entries.end(), Before);
  v1::IndicatorLevel out;
  out.set_indicator(indicator);
  out.set_rating_count(static_cast<int>(entries.size()));
  *out.mutable_last_assess_time() = *entries.back().timestamp;

  // The latest rating of each rater (role and id), in order of first
  // appearance so that results do not depend on hashing.
  std::map<std::pair<int, std::string>, const Entry*> latest_of_rater;
  for (const Entry& e : entries) latest_of_rater[{e.role, *e.rater}] = &e;

  double lo = 1e300, hi = -1e300;
  std::map<int, std::vector<double>> latest_by_role;
  std::vector<double> others;
  const Entry* latest_self = nullptr;
  for (const auto& [key, e] : latest_of_rater) {
    lo = std::min(lo, static_cast<double>(e->level));
    hi = std::max(hi, static_cast<double>(e->level));
    latest_by_role[e->role].push_back(e->level);
    if (e->role == v1::SELF) {
      if (latest_self == nullptr || Before(*latest_self, *e)) latest_self = e;
    } else {
      others.push_back(e->level);
    }
  }
  out.set_spread(hi - lo);
  out.set_disagreement(hi - lo >= options.disagreement_spread);
  out.set_self_level(latest_self ? latest_self->level : -1);
  out.set_others_level(others.empty() ? -1 : Mean(others));
  out.set_blind_spot(latest_self != nullptr && !others.empty() &&
                     latest_self->level - Mean(others) >=
                         options.blind_spot_margin);

  double level = 0;
  switch (options.policy) {
    case v1::LATEST:
      level = entries.back().level;
      break;
    case v1::HIGHEST:
    case v1::LOWEST: {
      auto [min_it, max_it] = std::minmax_element(
          entries.begin(), entries.end(),
          [](const Entry& a, const Entry& b) { return a.level < b.level; });
      level = options.policy == v1::HIGHEST ? max_it->level : min_it->level;
      break;
    }
    case v1::DECAYING: {
      double num = 0, den = 0;
      for (const Entry& e : entries) {
        double age_days =
            std::max(0.0, absl::ToDoubleHours(options.as_of - e.time) / 24);
        if (options.as_of == absl::InfiniteFuture()) age_days = 0;
        double w = options.weights.Of(e.role) *
                   std::exp2(-age_days / options.half_life_days);
        num += w * e.level;
        den += w;
      }
      // Very old evidence underflows to weight 0: fall back to the latest.
      level = den > 0 ? num / den : entries.back().level;
      break;
    }
    case v1::WEIGHTED:
    default: {
      double num = 0, den = 0;
      for (const auto& [role, levels] : latest_by_role) {
        double w = options.weights.Of(static_cast<v1::RaterRole>(role));
        num += w * Mean(levels);
        den += w;
      }
      level = num / den;
      break;
    }
  }
  out.set_level(level);
  return out;
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
          time, ToAbsl(assessment.create_time()), a, assessment.rater_role(),
          &assessment.rater(), r.level(), &assessment.assess_time()});
    }
  }
  std::map<std::string, v1::IndicatorLevel> out;
  for (auto& [indicator, entries] : by_indicator) {
    out.emplace(indicator, Aggregate(indicator, entries, options));
  }
  return out;
}

}  // namespace vakwijzer::core
