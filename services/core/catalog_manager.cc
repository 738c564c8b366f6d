#include "services/core/catalog_manager.h"

#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/names.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/core/field_checks.h"
#include "services/core/paging.h"

namespace vakwijzer::core {
namespace {

using google::protobuf::util::FieldMaskUtil;
using storage::CatalogKind;

constexpr int kMaxTitle = 200;
constexpr int kMaxDescription = 4000;
constexpr int kMaxShort = 100;
constexpr int kMaxRequirements = 200;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

// What differs between the three kinds of catalogue item.
template <typename T>
struct Kind;

template <>
struct Kind<v1::TrainingModule> {
  static constexpr CatalogKind kKind = CatalogKind::kModule;
  static constexpr const char* kCollection = "modules";
  static constexpr const char* kField = "module";
};
template <>
struct Kind<v1::Role> {
  static constexpr CatalogKind kKind = CatalogKind::kRole;
  static constexpr const char* kCollection = "roles";
  static constexpr const char* kField = "role";
};
template <>
struct Kind<v1::ClientCase> {
  static constexpr CatalogKind kKind = CatalogKind::kCase;
  static constexpr const char* kCollection = "cases";
  static constexpr const char* kField = "case";
};

struct ItemName {
  std::string org;
  std::string id;
};

absl::StatusOr<ItemName> ParseItemName(absl::string_view name,
                                       absl::string_view collection,
                                       absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" ||
      parts[2] != collection) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": malformed resource name ", Quote(name),
                     "; expected organizations/{org}/", collection, "/{id}"));
  }
  RETURN_IF_ERROR(ValidateId(parts[1], field));
  RETURN_IF_ERROR(ValidateId(parts[3], field));
  return ItemName{std::string(parts[1]), std::string(parts[3])};
}

// Fields a client may set: all but the output-only ones.
template <typename T>
const std::set<std::string>& MutableFields() {
  static const auto* fields = [] {
    auto* out = new std::set<std::string>;
    const auto* desc = T::descriptor();
    for (int i = 0; i < desc->field_count(); ++i) {
      const std::string& n = desc->field(i)->name();
      if (n != "name" && n != "create_time" && n != "update_time" &&
          n != "etag") {
        out->insert(n);
      }
    }
    return out;
  }();
  return *fields;
}

absl::Status CheckRequirement(const framework::FrameworkIndex& fw,
                              absl::string_view track, const v1::Requirement& r,
                              const std::string& at, bool weighted) {
  if (r.has_indicator()) {
    const framework::IndicatorRef* ref = fw.FindIndicator(r.indicator());
    if (ref == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".indicator: unknown indicator ",
                       Quote(r.indicator()), " in ", fw.proto().name()));
    }
    if (!track.empty() && ref->indicator->track() != track) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".indicator: ", Quote(r.indicator()), " belongs to track ",
          ref->indicator->track(), ", the item to track ", track));
    }
  } else if (r.has_competency()) {
    bool found = false;
    for (const auto& c : fw.proto().clusters()) {
      for (const auto& k : c.competencies())
        found |= k.code() == r.competency();
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".competency: unknown competency ",
                       Quote(r.competency()), " in ", fw.proto().name()));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": set indicator or competency"));
  }
  if (r.level() < fw.min_level() || r.level() > fw.max_level()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ".level: ", r.level(), " is outside the scale ",
                     fw.min_level(), "..", fw.max_level()));
  }
  if (weighted) {
    if (r.weight() < 0 || r.weight() > 5) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".weight: must lie in 1..5 (0 means 1), got ", r.weight()));
    }
  } else if (r.weight() != 0 || r.must_have()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": weight and must_have apply to roles and cases"));
  }
  return absl::OkStatus();
}

absl::Status CheckRequirements(
    const framework::FrameworkIndex& fw, absl::string_view track,
    const google::protobuf::RepeatedPtrField<v1::Requirement>& reqs,
    const std::string& field, bool weighted, bool required) {
  if (required && reqs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at least one is required"));
  }
  if (reqs.size() > kMaxRequirements) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": more than ", kMaxRequirements));
  }
  for (int i = 0; i < reqs.size(); ++i) {
    RETURN_IF_ERROR(CheckRequirement(
        fw, track, reqs[i], absl::StrCat(field, "[", i, "]"), weighted));
  }
  return absl::OkStatus();
}

// Fills the framework default and checks framework and track; returns the
// framework.
template <typename T>
absl::StatusOr<const framework::FrameworkIndex*> CheckFramework(
    const CatalogManager::Deps& deps, T* item, const std::string& prefix) {
  if (item->framework().empty()) {
    item->set_framework(FrameworkName(deps.default_framework));
  }
  ASSIGN_OR_RETURN(std::string id, ParseFrameworkName(item->framework(),
                                                      prefix + ".framework"));
  const framework::FrameworkIndex* fw = deps.frameworks->Find(id);
  if (fw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, ".framework: unknown framework ", Quote(item->framework())));
  }
  return fw;
}

absl::Status CheckTrack(const framework::FrameworkIndex& fw,
                        absl::string_view track, const std::string& field) {
  if (!track.empty() && !fw.HasTrack(track)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", Quote(track), " is not a track of ", fw.proto().name()));
  }
  return absl::OkStatus();
}

absl::Status CheckNumber(double value, double min, double max,
                         const std::string& field) {
  if (!std::isfinite(value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must lie in ", min, "..", max, ", got ", value));
  }
  return absl::OkStatus();
}

absl::Status Normalize(const CatalogManager::Deps& deps,
                       v1::TrainingModule* m) {
  const std::string p = "module";
  RETURN_IF_ERROR(CheckText(m->title(), p + ".title", kMaxTitle, true));
  RETURN_IF_ERROR(CheckText(m->description(), p + ".description",
                            kMaxDescription, false,
                            /*multiline=*/true));
  RETURN_IF_ERROR(CheckText(m->provider(), p + ".provider", kMaxShort, false));
  RETURN_IF_ERROR(CheckText(m->format(), p + ".format", kMaxShort, false));
  RETURN_IF_ERROR(CheckText(m->language(), p + ".language", kMaxShort, false));
  RETURN_IF_ERROR(CheckNumber(m->hours(), 0.01, 100000, p + ".hours"));
  RETURN_IF_ERROR(CheckNumber(m->cost(), 0, 1e9, p + ".cost"));
  RETURN_IF_ERROR(CheckNumber(m->seats(), 0, 100000, p + ".seats"));
  RETURN_IF_ERROR(CheckDistinct(m->tags(), p + ".tags", kMaxShort));
  ASSIGN_OR_RETURN(const framework::FrameworkIndex* fw,
                   CheckFramework(deps, m, p));
  RETURN_IF_ERROR(CheckTrack(*fw, m->track(), p + ".track"));
  RETURN_IF_ERROR(CheckRequirements(*fw, m->track(), m->develops(),
                                    p + ".develops", false, true));
  return CheckRequirements(*fw, m->track(), m->prerequisites(),
                           p + ".prerequisites", false, false);
}

absl::Status Normalize(const CatalogManager::Deps& deps, v1::Role* r) {
  const std::string p = "role";
  RETURN_IF_ERROR(CheckText(r->title(), p + ".title", kMaxTitle, true));
  RETURN_IF_ERROR(CheckText(r->description(), p + ".description",
                            kMaxDescription, false,
                            /*multiline=*/true));
  ASSIGN_OR_RETURN(const framework::FrameworkIndex* fw,
                   CheckFramework(deps, r, p));
  RETURN_IF_ERROR(CheckTrack(*fw, r->track(), p + ".track"));
  return CheckRequirements(*fw, r->track(), r->requirements(),
                           p + ".requirements", true, true);
}

absl::Status Normalize(const CatalogManager::Deps& deps, v1::ClientCase* c) {
  const std::string p = "case";
  RETURN_IF_ERROR(CheckText(c->title(), p + ".title", kMaxTitle, true));
  RETURN_IF_ERROR(CheckText(c->description(), p + ".description",
                            kMaxDescription, false,
                            /*multiline=*/true));
  if (!v1::Vaarwater_IsValid(c->vaarwater()) ||
      c->vaarwater() == v1::VAARWATER_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "case.vaarwater: must be RUSTIG, WOELIG or ONSTUIMIG");
  }
  RETURN_IF_ERROR(CheckNumber(c->workload(), 0, 1000, p + ".workload"));
  RETURN_IF_ERROR(CheckText(c->language(), p + ".language", kMaxShort, false));
  RETURN_IF_ERROR(CheckText(c->region(), p + ".region", kMaxShort, false));
  RETURN_IF_ERROR(CheckText(c->team(), p + ".team", kMaxShort, false));
  ASSIGN_OR_RETURN(const framework::FrameworkIndex* fw,
                   CheckFramework(deps, c, p));
  return CheckRequirements(*fw, "", c->requirements(), p + ".requirements",
                           true, true);
}

void Publish(SnapshotCache* cache, absl::string_view org,
             const v1::TrainingModule& m) {
  cache->PutModule(org, m);
}
void Publish(SnapshotCache* cache, absl::string_view org, const v1::Role& r) {
  cache->PutRole(org, r);
}
void Publish(SnapshotCache* cache, absl::string_view org,
             const v1::ClientCase& c) {
  cache->PutCase(org, c);
}

// Etag "{create time in ns, hex}-{revision}": changes with every update and
// differs between an item and a re-created one of the same name.
std::string MakeEtag(const google::protobuf::Timestamp& created,
                     int64_t revision) {
  return absl::StrFormat(
      "%x-%d", created.seconds() * 1000000000ll + created.nanos(), revision);
}

int64_t RevisionOf(absl::string_view etag) {
  int64_t revision = 0;
  size_t dash = etag.rfind('-');
  if (dash != absl::string_view::npos) {
    (void)absl::SimpleAtoi(etag.substr(dash + 1), &revision);
  }
  return revision;
}

template <typename T>
absl::StatusOr<T> Load(const CatalogManager::Deps& deps, const ItemName& name,
                       const std::string& full_name) {
  absl::StatusOr<std::string> bytes =
      deps.store->GetItem(name.org, Kind<T>::kKind, name.id);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("name: no ", full_name));
  }
  if (!bytes.ok()) return bytes.status();
  T item;
  if (!item.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("unparsable ", full_name));
  }
  return item;
}

template <typename T>
absl::StatusOr<T> Create(const CatalogManager::Deps& deps,
                         absl::string_view parent, absl::string_view id,
                         const T& given) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(parent, "parent"));
  RETURN_IF_ERROR(ValidateId(id, absl::StrCat(Kind<T>::kField, "_id")));
  T item = given;
  item.clear_name();
  item.clear_create_time();
  item.clear_update_time();
  item.clear_etag();
  RETURN_IF_ERROR(Normalize(deps, &item));
  item.set_name(
      absl::StrCat("organizations/", org, "/", Kind<T>::kCollection, "/", id));
  *item.mutable_create_time() = ToProto(deps.clock());
  *item.mutable_update_time() = item.create_time();
  item.set_etag(MakeEtag(item.create_time(), 1));

  absl::MutexLock lock(deps.mu);
  absl::StatusOr<std::string> existing =
      deps.store->GetItem(org, Kind<T>::kKind, id);
  if (existing.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat(Kind<T>::kField, "_id: ", item.name(), " already exists"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  RETURN_IF_ERROR(
      deps.store->PutItem(org, Kind<T>::kKind, id, item.SerializeAsString()));
  if (deps.cache) Publish(deps.cache, org, item);
  return item;
}

template <typename T>
absl::StatusOr<T> Get(const CatalogManager::Deps& deps,
                      const v1::GetCatalogItemRequest& request) {
  ASSIGN_OR_RETURN(ItemName name,
                   ParseItemName(request.name(), Kind<T>::kCollection, "name"));
  return Load<T>(deps, name, request.name());
}

template <typename T>
absl::StatusOr<T> Update(const CatalogManager::Deps& deps, const T& given,
                         const google::protobuf::FieldMask& given_mask) {
  const std::string field = Kind<T>::kField;
  ASSIGN_OR_RETURN(
      ItemName name,
      ParseItemName(given.name(), Kind<T>::kCollection, field + ".name"));
  google::protobuf::FieldMask mask = given_mask;
  if (mask.paths().empty()) {
    for (const std::string& f : MutableFields<T>()) mask.add_paths(f);
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    if (!MutableFields<T>().count(mask.paths(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask.paths[", i, "]: ", Quote(mask.paths(i)),
                       " is not a field that can be updated (",
                       absl::StrJoin(MutableFields<T>(), ", "), ")"));
    }
  }
  absl::MutexLock lock(deps.mu);
  ASSIGN_OR_RETURN(T item, Load<T>(deps, name, given.name()));
  if (!given.etag().empty() && given.etag() != item.etag()) {
    return absl::FailedPreconditionError(
        absl::StrCat("etag: ", Quote(given.etag()), " is stale (current ",
                     Quote(item.etag()), ")"));
  }
  FieldMaskUtil::MergeOptions merge;
  merge.set_replace_message_fields(true);
  merge.set_replace_repeated_fields(true);
  T updated = item;
  FieldMaskUtil::MergeMessageTo(given, mask, merge, &updated);
  RETURN_IF_ERROR(Normalize(deps, &updated));
  *updated.mutable_update_time() = ToProto(deps.clock());
  updated.set_etag(MakeEtag(item.create_time(), RevisionOf(item.etag()) + 1));
  RETURN_IF_ERROR(deps.store->PutItem(name.org, Kind<T>::kKind, name.id,
                                      updated.SerializeAsString()));
  if (deps.cache) Publish(deps.cache, name.org, updated);
  return updated;
}

template <typename T>
absl::Status Delete(const CatalogManager::Deps& deps,
                    const v1::DeleteCatalogItemRequest& request) {
  ASSIGN_OR_RETURN(ItemName name,
                   ParseItemName(request.name(), Kind<T>::kCollection, "name"));
  absl::MutexLock lock(deps.mu);
  ASSIGN_OR_RETURN(T item, Load<T>(deps, name, request.name()));
  if (!request.etag().empty() && request.etag() != item.etag()) {
    return absl::FailedPreconditionError(
        absl::StrCat("etag: ", Quote(request.etag()), " is stale (current ",
                     Quote(item.etag()), ")"));
  }
  RETURN_IF_ERROR(deps.store->DeleteItem(name.org, Kind<T>::kKind, name.id));
  if (deps.cache) deps.cache->EraseItem(name.org, request.name());
  return absl::OkStatus();
}

template <typename T, typename Response>
absl::StatusOr<Response> List(
    const CatalogManager::Deps& deps, const v1::ListCatalogRequest& request,
    google::protobuf::RepeatedPtrField<T>* (Response::*items)()) {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must not be negative, got ", request.page_size()));
  }
  const int page_size = request.page_size() == 0
                            ? kDefaultPageSize
                            : std::min(request.page_size(), kMaxPageSize);
  const std::string listing =
      absl::StrCat(request.parent(), "\n", Kind<T>::kCollection);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), listing));
  if (!after.empty()) RETURN_IF_ERROR(ValidateId(after, "page_token"));
  Response response;
  auto* out = (response.*items)();
  std::string last;
  bool more = false;
  absl::Status parse = absl::OkStatus();
  RETURN_IF_ERROR(deps.store->ScanItems(
      org, Kind<T>::kKind, after,
      [&](absl::string_view id, const std::string& value) {
        if (out->size() == page_size) {
          more = true;
          return false;
        }
        if (!out->Add()->ParseFromString(value)) {
          parse = absl::DataLossError(absl::StrCat("unparsable item ", id));
          return false;
        }
        last = std::string(id);
        return true;
      }));
  RETURN_IF_ERROR(parse);
  if (more) response.set_next_page_token(EncodePageToken(last, listing));
  return response;
}

}  // namespace

CatalogManager::CatalogManager(const framework::FrameworkRegistry* frameworks,
                               storage::CatalogStore* store,
                               SnapshotCache* cache,
                               std::string default_framework,
                               std::function<absl::Time()> clock)
    : deps_{frameworks,       store, cache, std::move(default_framework),
            std::move(clock), &mu_} {}

absl::StatusOr<v1::TrainingModule> CatalogManager::CreateModule(
    const v1::CreateModuleRequest& r) {
  return Create(deps_, r.parent(), r.module_id(), r.module());
}
absl::StatusOr<v1::TrainingModule> CatalogManager::GetModule(
    const v1::GetCatalogItemRequest& r) {
  return Get<v1::TrainingModule>(deps_, r);
}
absl::StatusOr<v1::TrainingModule> CatalogManager::UpdateModule(
    const v1::UpdateModuleRequest& r) {
  return Update(deps_, r.module(), r.update_mask());
}
absl::Status CatalogManager::DeleteModule(
    const v1::DeleteCatalogItemRequest& r) {
  return Delete<v1::TrainingModule>(deps_, r);
}
absl::StatusOr<v1::ListModulesResponse> CatalogManager::ListModules(
    const v1::ListCatalogRequest& r) {
  return List(deps_, r, &v1::ListModulesResponse::mutable_modules);
}

absl::StatusOr<v1::Role> CatalogManager::CreateRole(
    const v1::CreateRoleRequest& r) {
  return Create(deps_, r.parent(), r.role_id(), r.role());
}
absl::StatusOr<v1::Role> CatalogManager::GetRole(
    const v1::GetCatalogItemRequest& r) {
  return Get<v1::Role>(deps_, r);
}
absl::StatusOr<v1::Role> CatalogManager::UpdateRole(
    const v1::UpdateRoleRequest& r) {
  return Update(deps_, r.role(), r.update_mask());
}
absl::Status CatalogManager::DeleteRole(const v1::DeleteCatalogItemRequest& r) {
  return Delete<v1::Role>(deps_, r);
}
absl::StatusOr<v1::ListRolesResponse> CatalogManager::ListRoles(
    const v1::ListCatalogRequest& r) {
  return List(deps_, r, &v1::ListRolesResponse::mutable_roles);
}

absl::StatusOr<v1::ClientCase> CatalogManager::CreateCase(
    const v1::CreateCaseRequest& r) {
  return Create(deps_, r.parent(), r.case_id(), r.case_());
}
absl::StatusOr<v1::ClientCase> CatalogManager::GetCase(
    const v1::GetCatalogItemRequest& r) {
  return Get<v1::ClientCase>(deps_, r);
}
absl::StatusOr<v1::ClientCase> CatalogManager::UpdateCase(
    const v1::UpdateCaseRequest& r) {
  return Update(deps_, r.case_(), r.update_mask());
}
absl::Status CatalogManager::DeleteCase(const v1::DeleteCatalogItemRequest& r) {
  return Delete<v1::ClientCase>(deps_, r);
}
absl::StatusOr<v1::ListCasesResponse> CatalogManager::ListCases(
    const v1::ListCatalogRequest& r) {
  return List(deps_, r, &v1::ListCasesResponse::mutable_cases);
}

absl::Status CatalogManager::LoadBundle(const v1::CatalogBundle& bundle) {
  const std::string parent = OrganizationName(bundle.organization());
  auto in = [](absl::string_view what, absl::string_view id,
               const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat(what, " ", id, ": ", s.message()));
  };
  for (const auto& m : bundle.modules()) {
    auto r = Create(deps_, parent, m.id(), m.module());
    if (!r.ok()) return in("module", m.id(), r.status());
  }
  for (const auto& role : bundle.roles()) {
    auto r = Create(deps_, parent, role.id(), role.role());
    if (!r.ok()) return in("role", role.id(), r.status());
  }
  for (const auto& c : bundle.cases()) {
    auto r = Create(deps_, parent, c.id(), c.case_());
    if (!r.ok()) return in("case", c.id(), r.status());
  }
  return absl::OkStatus();
}

}  // namespace vakwijzer::core
