// The mentor score, shared by the mentor matcher (one mentee against
// everyone) and by the team-wide mentor assignment in services/core (every
// mentee against every mentor): one definition of the gap units, the
// threshold and the voorbeeld factor (domain.md §5 "Mentors", §8 "Mentor
// credit"), so that both always weigh a pair the same, bit for bit.
//
// A unit u is an indicator of the mentee's track (granularity "indicator")
// or a competency (granularity "competency"). With T the mentee's target
// level, gap_u = max(0, T − mentee_level_u); a unit the mentee was never
// rated on has no gap (it is counted apart, never folded into a score).
//
//   score(m) = Σ_u gap_u · [ℓ_m,u ≥ threshold ∧ ℓ_m,u > ℓ_u] · (1 +
//   bonus·[ℓ_m,u ≥ max])
//
// summed in double in unit order, where ℓ_u is the mentee's own level: a
// mentor is credited on a unit only where they are above the mentee and at
// least at the threshold (domain.md §8), so a threshold set below the
// mentee's level never credits a mentor at or below it. At competency
// granularity ℓ is the mean of the person's known levels on the competency's
// indicators of their own track; at indicator granularity only a colleague on
// the mentee's track has a level on the mentee's indicators.
//
// Everything here is a pure function of its arguments; thread-compatible.
#ifndef VAKWIJZER_PLUGINS_MENTOR_MENTOR_SCORING_H_
#define VAKWIJZER_PLUGINS_MENTOR_MENTOR_SCORING_H_

#include <string>
#include <vector>

#include "framework/framework_registry.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::plugins::mentor {

// The scoring parameters of the mentor matcher.
struct MentorScoreOptions {
  bool by_competency = true;
  bool has_threshold = false;  // else the mentee's target level
  double threshold = 0;
  double voorbeeld_bonus = 0.5;

  // From the matcher's checked parameters ("granularity", "threshold",
  // "voorbeeld_bonus").
  static MentorScoreOptions From(const Params& params);
};

// One unit where the mentee has a gap.
struct GapUnit {
  std::string key;  // indicator id or competency code
  double mentee_level = 0;
  double gap = 0;
  // The unit's column in a MentorLevelTable: the competency index or the
  // indicator ordinal.
  int column = 0;
};

// For one track: per gap unit, the indicator ordinals whose known levels
// are averaged into a person's level on that unit (none: no level).
struct TrackUnits {
  std::string track;
  std::vector<int> ordinals;
  std::vector<int> start = {0};  // unit u: ordinals[start[u], start[u + 1])
};

// A mentee's gap units, ready to weigh mentors against.
struct MenteeGaps {
  const framework::FrameworkIndex* framework = nullptr;
  bool by_competency = true;
  double target = 0;
  double threshold = 0;
  double max_level = 0;
  double bonus = 0;
  std::vector<GapUnit> units;  // in framework order
  std::vector<double> gaps;    // units[u].gap, contiguous
  // The least level that credits a mentor on unit u: the threshold, or just
  // above the mentee's level when that is higher (a mentor's level l credits
  // iff l >= bars[u]).
  std::vector<double> bars;
  std::vector<TrackUnits> tracks;  // empty unless built with_tracks
  int unknown_units = 0;           // units of the mentee's never rated
  int rated_units = 0;
  double total_gap = 0;

  const TrackUnits* For(const std::string& track) const;
};

// The gap units of `mentee`, whose framework must be set. `with_tracks`
// builds the per-track ordinals that Score and Covers need; the dense
// MentorLevelTable does not.
MenteeGaps GapsOf(const PersonView& mentee, const MentorScoreOptions& options,
                  bool with_tracks = true);

// The score of `mentor` (of the mentee's framework) for `gaps` (built
// with_tracks). No allocation.
double Score(const MenteeGaps& gaps, const PersonView& mentor);

// Unit u as a mentor covers it.
struct Cover {
  int unit;
  double mentor_level;
  double value;
  bool voorbeeld;
};

// The units `mentor` covers, in unit order, appended to `covers`; returns
// their total (equal to Score).
double Covers(const MenteeGaps& gaps, const PersonView& mentor,
              std::vector<Cover>* covers);

// Adds gap unit u's value to out[k] for the k < n levels levels[k] (NaN:
// no level) of people on the mentee's framework: the hot loop of scoring
// by columns, compare-and-select only, which compilers vectorise. Summed
// over the units in order from 0, it gives Score bit for bit.
void AddUnitScores(const MenteeGaps& gaps, size_t u, const double* levels,
                   size_t n, double* out);

// Fills item.contributions and item.explanation for the pair, as the mentor
// matcher shows it: covered units by value, the mentor's places and teams;
// with `diversity_penalty` > 0 notes that the mentor shares a team with a
// higher-ranked one. Marks the covered units in `covered` when not null
// (sized gaps.units). Returns the number of covered units.
int ExplainPair(const MenteeGaps& gaps, const PersonView& mentor,
                double diversity_penalty, v1::MatchItem* item,
                std::vector<bool>* covered = nullptr);

// "3", "1.5", "2.33": levels, gaps and scores as people read them.
std::string Num(double v);

// Every person's level on every unit of one framework, column by column
// (structure of arrays), for scoring one mentee against many mentors in a
// tight loop: memory (units × people) doubles, built in one pass over the
// people's levels.
class MentorLevelTable {
 public:
  // `people` must all use `framework` (or one with its id and structure);
  // kept in this order. The pointers must outlive the table.
  MentorLevelTable(const framework::FrameworkIndex& framework,
                   bool by_competency, std::vector<const PersonView*> people);

  size_t size() const { return people_.size(); }
  const PersonView& person(size_t k) const { return *people_[k]; }
  const std::vector<const PersonView*>& people() const { return people_; }

  // out[k] = Score(gaps, person(k)) bit for bit, for every k (0 for a
  // person who covers nothing). `gaps` must come from this table's
  // framework and granularity; it need not be built with_tracks.
  void ScoreAll(const MenteeGaps& gaps, double* out) const;

 private:
  std::vector<const PersonView*> people_;
  int columns_ = 0;
  // levels_[c * size() + k]: person k's level on column c; NaN unknown.
  std::vector<double> levels_;
};

}  // namespace vakwijzer::plugins::mentor

#endif  // VAKWIJZER_PLUGINS_MENTOR_MENTOR_SCORING_H_
