#include "services/core/snapshot_cache.h"

#include <algorithm>

#include "common/names.h"
#include "common/status_macros.h"

namespace vakwijzer::core {
namespace {

// Inserts or replaces `item` in `items`, kept sorted by name.
template <typename T>
void Upsert(plugins::SharedVector<T>& shared, const T& item) {
  std::vector<T>& items = shared.Mutable();
  auto it = std::lower_bound(
      items.begin(), items.end(), item,
      [](const T& a, const T& b) { return a.name() < b.name(); });
  if (it != items.end() && it->name() == item.name()) {
    *it = item;
  } else {
    items.insert(it, item);
  }
}

template <typename T>
void EraseByName(plugins::SharedVector<T>& shared, absl::string_view name) {
  auto is_named = [&](const T& t) { return t.name() == name; };
  if (std::none_of(shared.begin(), shared.end(), is_named)) return;
  std::vector<T>& items = shared.Mutable();
  items.erase(std::remove_if(items.begin(), items.end(),
                             [&](const T& t) { return t.name() == name; }),
              items.end());
}

template <typename T>
absl::Status LoadItems(storage::CatalogStore* store, absl::string_view org,
                       storage::CatalogKind kind,
                       plugins::SharedVector<T>* out) {
  absl::Status parse = absl::OkStatus();
  RETURN_IF_ERROR(store->ScanItems(
      org, kind, "", [&](absl::string_view id, const std::string& value) {
        T item;
        if (!item.ParseFromString(value)) {
          parse = absl::DataLossError(
              absl::StrCat("unparsable catalogue item ", org, "/", id));
          return false;
        }
        out->push_back(std::move(item));
        return true;
      }));
  return parse;
}

}  // namespace

std::shared_ptr<const plugins::PersonView> SnapshotCache::MakePersonView(
    const storage::StoredProfile& record) const {
  const v1::Profile& p = record.profile();
  absl::StatusOr<std::string> framework_id =
      ParseFrameworkName(p.framework(), "framework");
  if (!framework_id.ok()) return nullptr;
  const framework::FrameworkIndex* fw = frameworks_->Find(*framework_id);
  if (fw == nullptr) return nullptr;
  auto view = std::make_shared<plugins::PersonView>();
  view->id = p.name().substr(p.name().rfind('/') + 1);
  view->display_name = p.display_name();
  view->framework = fw;
  view->track = p.track();
  view->target_level =
      fw->StageTarget(p.target_stage().empty() ? fw->proto().default_stage()
                                               : p.target_stage())
          .value_or(0);
  view->teams.assign(p.teams().begin(), p.teams().end());
  view->role = p.role();
  view->languages.assign(p.languages().begin(), p.languages().end());
  view->region = p.region();
  view->mentoring_capacity = p.mentoring_capacity();
  view->caseload_capacity = p.caseload_capacity();
  view->current_caseload = p.current_caseload();
  view->completed_modules.assign(p.completed_modules().begin(),
                                 p.completed_modules().end());
  int count = 0;
  for (const auto& c : fw->proto().clusters()) {
    for (const auto& k : c.competencies()) count += k.indicators_size();
  }
  view->levels.assign(count, plugins::kUnknown);
  const storage::PersonLevels& derived = record.derived();
  for (int i = 0; i < derived.indicator_size(); ++i) {
    const framework::IndicatorRef* ref =
        fw->FindIndicator(derived.indicator(i));
    if (ref != nullptr) view->levels[ref->ordinal] = derived.level(i);
  }
  return view;
}

absl::Status SnapshotCache::LoadAll(storage::ProfileStore* profiles,
                                    storage::CatalogStore* catalog) {
  std::vector<std::string> orgs;
  RETURN_IF_ERROR(catalog->ScanOrganizations(
      [&](absl::string_view org) { orgs.emplace_back(org); }));
  for (const std::string& org : orgs) {
    auto snap = std::make_shared<plugins::OrgSnapshot>();
    snap->org = org;
    RETURN_IF_ERROR(profiles->ScanProfiles(
        org, "", [&](const storage::StoredProfile& record) {
          if (auto view = MakePersonView(record)) {
            snap->people.push_back(std::move(view));
          }
          return true;
        }));
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kModule, &snap->modules));
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kRole, &snap->roles));
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kCase, &snap->cases));
    absl::MutexLock lock(&mu_);
    orgs_[org] = std::move(snap);
  }
  return absl::OkStatus();
}

std::shared_ptr<const plugins::OrgSnapshot> SnapshotCache::Get(
    absl::string_view org) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = orgs_.find(org);
    if (it != orgs_.end()) return it->second;
  }
  auto empty = std::make_shared<plugins::OrgSnapshot>();
  empty->org = std::string(org);
  return empty;
}

void SnapshotCache::Update(absl::string_view org, const Mutation& mutate) {
  absl::MutexLock lock(&mu_);
  auto it = orgs_.find(org);
  auto next = it != orgs_.end()
                  ? std::make_shared<plugins::OrgSnapshot>(*it->second)
                  : std::make_shared<plugins::OrgSnapshot>();
  next->org = std::string(org);
  mutate(next.get());
  orgs_[std::string(org)] = std::move(next);
}

namespace {

// The person id of a profile record.
std::string PersonId(const storage::StoredProfile& record) {
  const std::string& name = record.profile().name();
  return name.substr(name.rfind('/') + 1);
}

}  // namespace

void SnapshotCache::PutPerson(absl::string_view org,
                              const storage::StoredProfile& record) {
  std::vector<NamedView> views;
  views.emplace_back(PersonId(record), MakePersonView(record));
  PutViews(org, std::move(views));
}

void SnapshotCache::PutPeople(
    absl::string_view org, absl::Span<const storage::StoredProfile> records) {
  std::vector<NamedView> views;
  views.reserve(records.size());
  for (const storage::StoredProfile& record : records) {
    views.emplace_back(PersonId(record), MakePersonView(record));
  }
  PutViews(org, std::move(views));
}

void SnapshotCache::PutViews(absl::string_view org,
                             std::vector<NamedView> views) {
  Update(org, [&](plugins::OrgSnapshot* snap) {
    for (auto& [id, view] : views) {
      auto& people = snap->people;
      size_t i = people.LowerBound(
          id, [](const std::shared_ptr<const plugins::PersonView>& p,
                 const std::string& key) { return p->id < key; });
      bool present = i < people.size() && people[i]->id == id;
      if (view == nullptr) {
        if (present) people.Erase(i);
      } else if (present) {
        people.Set(i, std::move(view));
      } else {
        people.Insert(i, std::move(view));
      }
    }
  });
}

void SnapshotCache::ErasePerson(absl::string_view org,
                                absl::string_view person) {
  Update(org, [&](plugins::OrgSnapshot* snap) {
    auto& people = snap->people;
    size_t i = people.LowerBound(
        person, [](const std::shared_ptr<const plugins::PersonView>& p,
                   absl::string_view key) { return p->id < key; });
    if (i < people.size() && people[i]->id == person) people.Erase(i);
  });
}

void SnapshotCache::PutModule(absl::string_view org,
                              const v1::TrainingModule& module) {
  Update(org,
         [&](plugins::OrgSnapshot* snap) { Upsert(snap->modules, module); });
}

void SnapshotCache::PutRole(absl::string_view org, const v1::Role& role) {
  Update(org, [&](plugins::OrgSnapshot* snap) { Upsert(snap->roles, role); });
}

void SnapshotCache::PutCase(absl::string_view org, const v1::ClientCase& c) {
  Update(org, [&](plugins::OrgSnapshot* snap) { Upsert(snap->cases, c); });
}

void SnapshotCache::EraseItem(absl::string_view org, absl::string_view name) {
  Update(org, [&](plugins::OrgSnapshot* snap) {
    EraseByName(snap->modules, name);
    EraseByName(snap->roles, name);
    EraseByName(snap->cases, name);
  });
}

}  // namespace vakwijzer::core
