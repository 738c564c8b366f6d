#include "services/core/snapshot_cache.h"

#include <algorithm>

#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

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

// The person id of a profile record.
absl::string_view PersonId(const storage::StoredProfile& record) {
  absl::string_view name = record.profile().name();
  return name.substr(name.rfind('/') + 1);
}

// Reads the indicator and level columns of a serialized PersonLevels into
// `levels` (by ordinal) without building the message: the start-up
// rebuild's hot loop. The ids come in framework order, so each is first
// compared with the indicator after the previous one; a hash look-up only
// when that fails. Unknown ids are skipped, as by MakePersonView.
bool DecodeLevels(absl::string_view bytes, const framework::FrameworkIndex& fw,
                  std::vector<float>* levels) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  // Thread-local scratch: no allocation per person once warm.
  thread_local std::vector<int> ordinals;
  thread_local std::vector<float> values;
  ordinals.clear();
  values.clear();
  int next = 0;
  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (field == storage::PersonLevels::kIndicatorFieldNumber &&
        type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t size;
      if (!in.ReadVarint32(&size)) return false;
      const void* data = "";
      int available = 0;
      if (size > 0 && (!in.GetDirectBufferPointer(&data, &available) ||
                       static_cast<uint32_t>(available) < size)) {
        return false;
      }
      absl::string_view id(static_cast<const char*>(data), size);
      int ordinal = -1;
      if (next < fw.indicator_count() &&
          fw.indicator(next).indicator->id() == id) {
        ordinal = next;
      } else if (const framework::IndicatorRef* ref = fw.FindIndicator(id)) {
        ordinal = ref->ordinal;
      }
      if (ordinal >= 0) next = ordinal + 1;
      ordinals.push_back(ordinal);
      if (!in.Skip(static_cast<int>(size))) return false;
    } else if (field == storage::PersonLevels::kLevelFieldNumber &&
               type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t size;
      if (!in.ReadVarint32(&size) || size % sizeof(float) != 0) return false;
      // Packed little-endian floats, as this (x86-64, ARM64) host holds
      // them.
      const size_t first = values.size();
      values.resize(first + size / sizeof(float));
      if (!in.ReadRaw(values.data() + first, static_cast<int>(size))) {
        return false;
      }
    } else if (field == storage::PersonLevels::kLevelFieldNumber &&
               type == WireFormatLite::WIRETYPE_FIXED32) {
      uint32_t raw;
      if (!in.ReadLittleEndian32(&raw)) return false;
      values.push_back(WireFormatLite::DecodeFloat(raw));
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  if (!in.ConsumedEntireMessage() || ordinals.size() != values.size()) {
    return false;
  }
  for (size_t i = 0; i < ordinals.size(); ++i) {
    if (ordinals[i] >= 0) (*levels)[ordinals[i]] = values[i];
  }
  return true;
}

}  // namespace

std::shared_ptr<plugins::PersonView> SnapshotCache::NewPersonView(
    const v1::Profile& p) const {
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
  view->levels.assign(fw->indicator_count(), plugins::kUnknown);
  return view;
}

std::shared_ptr<const plugins::PersonView> SnapshotCache::MakePersonView(
    const storage::StoredProfile& record) const {
  std::shared_ptr<plugins::PersonView> view = NewPersonView(record.profile());
  if (view == nullptr) return nullptr;
  const storage::PersonLevels& derived = record.derived();
  for (int i = 0; i < derived.indicator_size(); ++i) {
    const framework::IndicatorRef* ref =
        view->framework->FindIndicator(derived.indicator(i));
    if (ref != nullptr) view->levels[ref->ordinal] = derived.level(i);
  }
  return view;
}

absl::StatusOr<std::shared_ptr<const plugins::PersonView>>
SnapshotCache::MakePersonView(const storage::StoredProfile& record,
                              absl::string_view levels) const {
  if (levels.empty()) return MakePersonView(record);
  std::shared_ptr<plugins::PersonView> view = NewPersonView(record.profile());
  if (view == nullptr) return nullptr;
  if (!DecodeLevels(levels, *view->framework, &view->levels)) {
    return absl::DataLossError(
        absl::StrCat("unparsable derived levels of ", record.profile().name()));
  }
  return view;
}

absl::Status SnapshotCache::LoadAll(storage::ProfileStore* profiles,
                                    storage::CatalogStore* catalog,
                                    const ScanPool* pool) {
  std::vector<std::string> orgs;
  RETURN_IF_ERROR(catalog->ScanOrganizations(
      [&](absl::string_view org) { orgs.emplace_back(org); }));
  const int threads = pool == nullptr ? 1 : pool->threads();
  for (const std::string& org : orgs) {
    auto snap = std::make_shared<plugins::OrgSnapshot>();
    snap->org = org;
    // Parts of the key range scanned in parallel, concatenated in order.
    ASSIGN_OR_RETURN(std::vector<std::string> splits,
                     profiles->SplitPeople(org, threads));
    const size_t parts = splits.size() + 1;
    std::vector<std::vector<std::shared_ptr<const plugins::PersonView>>> views(
        parts);
    std::vector<absl::Status> status(parts);
    auto scan = [&](size_t k) {
      const std::string start = k == 0 ? "" : splits[k - 1];
      const std::string* last = k < splits.size() ? &splits[k] : nullptr;
      absl::Status decoded;
      status[k] = profiles->ScanProfileRecords(
          org, start,
          [&](const storage::StoredProfile& record, absl::string_view levels) {
            if (last != nullptr && PersonId(record) > *last) return false;
            absl::StatusOr<std::shared_ptr<const plugins::PersonView>> view =
                MakePersonView(record, levels);
            if (!view.ok()) {
              decoded = view.status();
              return false;
            }
            if (*view != nullptr) views[k].push_back(*std::move(view));
            return true;
          });
      if (status[k].ok()) status[k] = decoded;
    };
    if (pool != nullptr && parts > 1) {
      pool->ParallelFor(parts, scan);
    } else {
      for (size_t k = 0; k < parts; ++k) scan(k);
    }
    for (size_t k = 0; k < parts; ++k) {
      RETURN_IF_ERROR(status[k]);
      for (auto& view : views[k]) snap->people.push_back(std::move(view));
    }
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kModule, &snap->modules));
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kRole, &snap->roles));
    RETURN_IF_ERROR(
        LoadItems(catalog, org, storage::CatalogKind::kCase, &snap->cases));
    absl::MutexLock lock(&mu_);
    snap->version = next_version_++;
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
  next->version = next_version_++;
  orgs_[std::string(org)] = std::move(next);
}

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
