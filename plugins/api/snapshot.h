// The read-only view of one organisation that matchers work on: every
// person's current levels as a dense vector, and the catalogue. Built and
// kept up to date by the service (services/core/snapshot_cache.h); matchers
// never read the store.
#ifndef VAKWIJZER_PLUGINS_API_SNAPSHOT_H_
#define VAKWIJZER_PLUGINS_API_SNAPSHOT_H_

#include <cmath>
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

// An organisation at one moment. Immutable once published; shared by
// concurrent matches. The service copies the snapshot for every write, so
// its parts are shared between copies: a write of one person copies one
// chunk of `people` and never the catalogue (shared_vector.h).
struct OrgSnapshot {
  std::string org;
  // Sorted by id.
  ChunkedVector<std::shared_ptr<const PersonView>> people;
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
