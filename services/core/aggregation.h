// Derives current levels per indicator from a person's assessment history.
#ifndef VAKWIJZER_SERVICES_CORE_AGGREGATION_H_
#define VAKWIJZER_SERVICES_CORE_AGGREGATION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "vakwijzer/storage/records.pb.h"
#include "vakwijzer/v1/profile.pb.h"

namespace vakwijzer::core {

struct RoleWeights {
  double self = 0.5;
  double peer = 0.75;
  double manager = 1.0;
  double assessor = 1.0;

  double Of(v1::RaterRole role) const;
};

struct AggregationOptions {
  v1::AggregationPolicy policy = v1::WEIGHTED;
  RoleWeights weights;
  // DECAYING: the age, in days, at which a rating counts half.
  double half_life_days = 180;
  // A spread (max - min of the raters' latest ratings) at or above this
  // flags disagreement.
  double disagreement_spread = 2;
  // Self rating at least this far above the mean of the others' latest
  // ratings is a blind spot.
  double blind_spot_margin = 1;
  // Assessments after this time are ignored; DECAYING measures age from it.
  absl::Time as_of = absl::InfiniteFuture();
};

// INVALID_ARGUMENT naming the field when an option is out of range.
absl::Status ValidateOptions(const AggregationOptions& options);

// Current level of every indicator rated in `assessments` (in any order;
// ties in assess_time are broken by create_time, then by the assessment's
// name, then by position), keyed by indicator id. Indicators never rated
// are absent: they are unknown. Requires ValidateOptions(options).ok().
std::map<std::string, v1::IndicatorLevel> AggregateLevels(
    const std::vector<v1::Assessment>& assessments,
    const AggregationOptions& options);

// Incremental aggregation. A LevelState (storage/records.proto) keeps, per
// rated indicator, what its level depends on when every rating counts
// (options.as_of == InfiniteFuture()): the number of ratings, the lowest
// and highest level, the level sums per role and each rater's latest
// rating. Adding an assessment touches only the indicators it rates.
//
// Adds `assessment` (name, rater, times and ratings set; its indicators
// rated once each) to `state`. O(its ratings × (log indicators + raters)).
void AddToLevelState(const v1::Assessment& assessment,
                     storage::LevelState* state);

// The entry of `indicator` in state.indicators(); null when never rated.
const storage::IndicatorState* FindIndicatorState(
    const storage::LevelState& state, absl::string_view indicator);

// The level of `indicator` (an entry of state.indicators()): equal to
// AggregateLevels(history, options) for the indicator when `state` holds
// exactly the assessments of `history`, which must have distinct names,
// and options.as_of is InfiniteFuture().
v1::IndicatorLevel LevelFromState(const storage::LevelState& state,
                                  const storage::IndicatorState& indicator,
                                  const AggregationOptions& options);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_AGGREGATION_H_
