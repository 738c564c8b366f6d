#include "plugins/api/snapshot.h"

#include <algorithm>

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
