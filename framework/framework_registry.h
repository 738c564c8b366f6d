// Loading, validating and indexing competency frameworks.
#ifndef VAKWIJZER_FRAMEWORK_FRAMEWORK_REGISTRY_H_
#define VAKWIJZER_FRAMEWORK_FRAMEWORK_REGISTRY_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "vakwijzer/v1/framework.pb.h"

namespace vakwijzer::framework {

// Where an indicator stands in its framework.
struct IndicatorRef {
  const v1::Indicator* indicator;
  const v1::Competency* competency;
  const v1::Cluster* cluster;
  int cluster_index;
  int competency_index;  // over the whole framework
  int ordinal;           // position over the whole framework
};

// A validated framework with look-up tables. Immutable, thread-safe.
class FrameworkIndex {
 public:
  // Validates `framework`; errors name the offending field path.
  static absl::StatusOr<std::unique_ptr<FrameworkIndex>> Create(
      v1::Framework framework);

  FrameworkIndex(const FrameworkIndex&) = delete;
  FrameworkIndex& operator=(const FrameworkIndex&) = delete;

  const v1::Framework& proto() const { return framework_; }
  const std::string& id() const { return framework_.id(); }

  // nullptr when the framework has no such indicator.
  const IndicatorRef* FindIndicator(absl::string_view id) const;
  // Every indicator, by ordinal (framework order).
  int indicator_count() const { return static_cast<int>(indicators_.size()); }
  const IndicatorRef& indicator(int ordinal) const {
    return indicators_[ordinal];
  }
  // The track's indicators in framework order; empty for an unknown track.
  const std::vector<const IndicatorRef*>& IndicatorsOfTrack(
      absl::string_view track) const;
  bool HasTrack(absl::string_view track) const;
  // The target level of a stage; nullopt for an unknown stage.
  std::optional<int> StageTarget(absl::string_view stage) const;
  int min_level() const { return 0; }
  int max_level() const { return framework_.scale().levels_size() - 1; }
  int competency_count() const { return competency_count_; }

 private:
  explicit FrameworkIndex(v1::Framework framework);
  absl::Status Build();

  v1::Framework framework_;
  std::vector<IndicatorRef> indicators_;
  absl::flat_hash_map<std::string, int> indicator_by_id_;
  std::map<std::string, std::vector<const IndicatorRef*>, std::less<>>
      by_track_;
  int competency_count_ = 0;
};

// The frameworks the server knows, by id. Immutable after loading.
class FrameworkRegistry {
 public:
  FrameworkRegistry() = default;
  FrameworkRegistry(const FrameworkRegistry&) = delete;
  FrameworkRegistry& operator=(const FrameworkRegistry&) = delete;

  // Loads every "*.textproto" file in `dir` (a text-format
  // vakwijzer.v1.Framework each). Any malformed file fails the whole load
  // with a message naming the file, and the line where one is known.
  static absl::StatusOr<std::unique_ptr<FrameworkRegistry>> LoadDirectory(
      const std::string& dir);

  // Parses one text-format framework; `source` names it in errors.
  static absl::StatusOr<std::unique_ptr<FrameworkIndex>> ParseFramework(
      absl::string_view text, absl::string_view source);

  // ALREADY_EXISTS when a framework with the same id is registered.
  absl::Status Add(std::unique_ptr<FrameworkIndex> framework);

  // nullptr when unknown.
  const FrameworkIndex* Find(absl::string_view id) const;
  // All frameworks ordered by id.
  std::vector<const FrameworkIndex*> All() const;

 private:
  std::map<std::string, std::unique_ptr<FrameworkIndex>, std::less<>>
      frameworks_;
};

}  // namespace vakwijzer::framework

#endif  // VAKWIJZER_FRAMEWORK_FRAMEWORK_REGISTRY_H_
