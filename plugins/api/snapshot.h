// The read-only view of one organisation that matchers work on: every
// person's current levels as a dense vector, and the catalogue. Built and
// kept up to date by the service (services/core/snapshot_cache.h); matchers
// never read the store.
#ifndef VAKWIJZER_PLUGINS_API_SNAPSHOT_H_
#define VAKWIJZER_PLUGINS_API_SNAPSHOT_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "framework/framework_registry.h"
#include "plugins/api/shared_vector.h"
#include "vakwijzer/v1/catalog.pb.h"

namespace vakwijzer::plugins {

// The level of an indicator that was never rated.
inline constexpr float kUnknown = std::numeric_limits<float>::quiet_NaN();
inline bool IsKnown(float level) { return !std::isnan(level); }

// One person as matchers see them. Immutable once published.
struct PersonView {
  std::string id;  // the {person} id
  std::string display_name;
  const framework::FrameworkIndex* framework = nullptr;
  std::string track;
  int target_level = 0;  // of the person's target stage
  std::vector<std::string> teams;
  std::string role;
  std::vector<std::string> languages;
  std::string region;
  int mentoring_capacity = 0;
  int caseload_capacity = 0;
  int current_caseload = 0;
  std::vector<std::string> completed_modules;
  // Current level (default aggregation policy) per IndicatorRef::ordinal of
  // `framework`; kUnknown where never rated.
  std::vector<float> levels;
};

// A team summary's sums over the people of one framework and track, per
// indicator of the track (IndicatorsOfTrack order): with T a person's
// target level and l their level, a known level adds max(0, T − l) to the
// gap, 1 to at_target when l ≥ T (so the gap is 0), 1 to bus when l ≥ T,
// and 1 to the distribution bin floor(l) (clamped to the scale); an
// unknown one adds 1 to unknown. Gaps are summed in double in person order.
struct TrackTally {
  struct Indicator {
    int unknown = 0;
    int at_target = 0;
    int bus = 0;
    double gap = 0;
  };
  const framework::FrameworkIndex* framework = nullptr;
  std::string track;
  int people = 0;
  std::vector<Indicator> indicators;
  // [j * (framework->max_level() + 1) + bin] for indicator j.
  std::vector<int> distribution;

  // Adds `person`, who must be of this framework and track.
  void Add(const PersonView& person);
};

// The tallies of `people` (those with a framework), one per framework and
// track in order of first appearance.
std::vector<TrackTally> TallyTracks(
    const std::vector<const PersonView*>& people);

// The columns of one chunk of an organisation's people that scans read,
// row r being the chunk's r-th person: contiguous, column-major, so that a
// scan over the gap units of a mentee reads only those units' columns.
// Built on the first scan after the chunk changed (ChunkedVector).
class PersonColumns {
 public:
  explicit PersonColumns(
      const std::vector<std::shared_ptr<const PersonView>>& people);

  size_t rows() const { return framework_.size(); }
  const framework::FrameworkIndex* framework(size_t r) const {
    return framework_[r];
  }
  int mentoring_capacity(size_t r) const { return mentoring_capacity_[r]; }
  // Each row's level on competency index c of its own framework (NaN when
  // unknown or when its framework has no competency c), as
  // CompetencyLevels gives it; rows() values.
  const double* competency_levels(int c) const {
    return competency_levels_.data() + static_cast<size_t>(c) * rows();
  }
  int competency_columns() const { return competency_columns_; }
  // TallyTracks of the chunk's people.
  const std::vector<TrackTally>& tallies() const { return tallies_; }

 private:
  std::vector<const framework::FrameworkIndex*> framework_;
  std::vector<int> mentoring_capacity_;
  int competency_columns_ = 0;
  std::vector<double> competency_levels_;  // [c * rows() + r]
  std::vector<TrackTally> tallies_;
};

// The people of an organisation, sorted by id, with PersonColumns per chunk.
using PersonTable =
    ChunkedVector<std::shared_ptr<const PersonView>, PersonColumns>;

// The person's level on every competency of their framework (index order):
// the mean of their known levels on the competency's indicators of their
// own track, summed in double in framework order; NaN where none is known.
// Writes framework->competency_count() values to out[0], out[stride], ….
void CompetencyLevels(const PersonView& person, double* out, size_t stride);

// An organisation at one moment. Immutable once published; shared by
// concurrent matches. The service copies the snapshot for every write, so
// its parts are shared between copies: a write of one person copies one
// chunk of `people` and never the catalogue (shared_vector.h).
struct OrgSnapshot {
  std::string org;
  // Differs between any two snapshots of the organisation that the process
  // publishes, so that what is derived from one may be cached under it
  // (e.g. by external matchers); 0 for a snapshot nobody versions (tests,
  // an organisation without data), which is never cached.
  uint64_t version = 0;
  PersonTable people;
  // Sorted by name.
  SharedVector<v1::TrainingModule> modules;
  SharedVector<v1::Role> roles;
  SharedVector<v1::ClientCase> cases;

  // nullptr when absent. Binary searches.
  const PersonView* FindPerson(absl::string_view id) const;
  const v1::Role* FindRole(absl::string_view name) const;
  const v1::ClientCase* FindCase(absl::string_view name) const;
};

// One requirement resolved against a framework and track: the indicator
// ordinals it covers (one for an indicator, the track's indicators of the
// competency for a competency).
struct ResolvedTarget {
  std::vector<int> ordinals;
  int level = 0;
  int weight = 1;
  bool must_have = false;
  std::string key;  // the indicator id or competency code
  bool is_competency = false;
  const v1::Competency* competency = nullptr;  // when is_competency
};

// Resolves `requirement` for `track` of `framework`. Targets the framework
// lacks, or that have no indicator on the track, give empty ordinals.
ResolvedTarget Resolve(const framework::FrameworkIndex& framework,
                       absl::string_view track,
                       const v1::Requirement& requirement);

// The person's level on a resolved target: the indicator's level, or the
// competency level (mean of known indicator levels); kUnknown if unknown.
float LevelOn(const PersonView& person, const ResolvedTarget& target);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_API_SNAPSHOT_H_
