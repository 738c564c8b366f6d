#include "plugins/api/snapshot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vakwijzer::plugins {
namespace {

template <typename T>
const T* FindByName(const SharedVector<T>& items, absl::string_view name) {
  auto it = std::lower_bound(
      items.begin(), items.end(), name,
      [](const T& item, absl::string_view n) { return item.name() < n; });
  return it != items.end() && it->name() == name ? &*it : nullptr;
}

}  // namespace

void CompetencyLevels(const PersonView& person, double* out, size_t stride) {
  const framework::FrameworkIndex& fw = *person.framework;
  const int columns = fw.competency_count();
  // Sums and counts first, in out's slots and a small stack array.
  constexpr int kStack = 64;
  int stack_known[kStack];
  std::vector<int> heap_known;
  int* known = stack_known;
  if (columns > kStack) {
    heap_known.resize(columns);
    known = heap_known.data();
  }
  for (int c = 0; c < columns; ++c) {
    out[c * stride] = 0;
    known[c] = 0;
  }
  const float* levels = person.levels.data();
  const size_t n_levels = person.levels.size();
  for (const framework::IndicatorRef* ref :
       fw.IndicatorsOfTrack(person.track)) {
    if (static_cast<size_t>(ref->ordinal) >= n_levels) continue;
    float l = levels[ref->ordinal];
    if (IsKnown(l)) {
      out[ref->competency_index * stride] += l;
      ++known[ref->competency_index];
    }
  }
  for (int c = 0; c < columns; ++c) {
    out[c * stride] = known[c] > 0 ? out[c * stride] / known[c]
                                   : std::numeric_limits<double>::quiet_NaN();
  }
}

void TrackTally::Add(const PersonView& person) {
  const int bins = framework->max_level() + 1;
  const std::vector<const framework::IndicatorRef*>& refs =
      framework->IndicatorsOfTrack(track);
  if (indicators.empty()) {
    indicators.resize(refs.size());
    distribution.assign(refs.size() * bins, 0);
  }
  ++people;
  const double target = person.target_level;
  for (size_t j = 0; j < refs.size(); ++j) {
    Indicator& t = indicators[j];
    float level = person.levels[refs[j]->ordinal];
    if (!IsKnown(level)) {
      ++t.unknown;
      continue;
    }
    double gap = std::max(0.0, target - static_cast<double>(level));
    t.gap += gap;
    t.at_target += gap == 0;
    t.bus += level >= person.target_level;
    distribution[j * bins + std::clamp(static_cast<int>(std::floor(level)), 0,
                                       bins - 1)]++;
  }
}

std::vector<TrackTally> TallyTracks(
    const std::vector<const PersonView*>& people) {
  std::vector<TrackTally> out;
  for (const PersonView* p : people) {
    if (p->framework == nullptr) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const TrackTally& t) {
      return t.framework == p->framework && t.track == p->track;
    });
    if (it == out.end()) {
      it = out.emplace(out.end());
      it->framework = p->framework;
      it->track = p->track;
    }
    it->Add(*p);
  }
  return out;
}

PersonColumns::PersonColumns(
    const std::vector<std::shared_ptr<const PersonView>>& people) {
  const size_t n = people.size();
  framework_.reserve(n);
  mentoring_capacity_.reserve(n);
  for (const auto& p : people) {
    framework_.push_back(p->framework);
    mentoring_capacity_.push_back(p->mentoring_capacity);
    if (p->framework != nullptr) {
      competency_columns_ =
          std::max(competency_columns_, p->framework->competency_count());
    }
  }
  competency_levels_.assign(static_cast<size_t>(competency_columns_) * n,
                            std::numeric_limits<double>::quiet_NaN());
  std::vector<const PersonView*> rows;
  rows.reserve(n);
  for (size_t r = 0; r < n; ++r) {
    rows.push_back(people[r].get());
    if (people[r]->framework != nullptr) {
      CompetencyLevels(*people[r], competency_levels_.data() + r, n);
    }
  }
  tallies_ = TallyTracks(rows);
}

const PersonView* OrgSnapshot::FindPerson(absl::string_view id) const {
  size_t i =
      people.LowerBound(id, [](const std::shared_ptr<const PersonView>& p,
                               absl::string_view key) { return p->id < key; });
  return i < people.size() && people[i]->id == id ? people[i].get() : nullptr;
}

const v1::Role* OrgSnapshot::FindRole(absl::string_view name) const {
  return FindByName(roles, name);
}

const v1::ClientCase* OrgSnapshot::FindCase(absl::string_view name) const {
  return FindByName(cases, name);
}

ResolvedTarget Resolve(const framework::FrameworkIndex& framework,
                       absl::string_view track,
                       const v1::Requirement& requirement) {
  ResolvedTarget out;
  out.level = requirement.level();
  out.weight = requirement.weight() > 0 ? requirement.weight() : 1;
  out.must_have = requirement.must_have();
  if (requirement.has_indicator()) {
    out.key = requirement.indicator();
    const framework::IndicatorRef* ref =
        framework.FindIndicator(requirement.indicator());
    if (ref != nullptr && ref->indicator->track() == track) {
      out.ordinals.push_back(ref->ordinal);
    }
    return out;
  }
  out.key = requirement.competency();
  out.is_competency = true;
  for (const framework::IndicatorRef* ref :
       framework.IndicatorsOfTrack(track)) {
    if (ref->competency->code() == requirement.competency()) {
      out.ordinals.push_back(ref->ordinal);
      out.competency = ref->competency;
    }
  }
  return out;
}

float LevelOn(const PersonView& person, const ResolvedTarget& target) {
  if (target.ordinals.empty()) return kUnknown;
  if (!target.is_competency) return person.levels[target.ordinals[0]];
  double sum = 0;
  int known = 0;
  for (int ordinal : target.ordinals) {
    float level = person.levels[ordinal];
    if (IsKnown(level)) {
      sum += level;
      ++known;
    }
  }
  return known ? static_cast<float>(sum / known) : kUnknown;
}

}  // namespace vakwijzer::plugins
