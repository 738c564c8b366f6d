#include "services/core/profile_manager.h"

#include <algorithm>
#include <climits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/core/field_checks.h"
#include "services/core/gap_report.h"
#include "services/core/paging.h"
#include "services/core/profile_filter.h"

namespace vakwijzer::core {
namespace {

using ::google::protobuf::util::MessageDifferencer;

using google::protobuf::util::FieldMaskUtil;

constexpr int kMaxDisplayName = 200;
constexpr int kMaxText = 100;
constexpr int kMaxAttributes = 50;
constexpr int kMaxAttributeValue = 500;
constexpr int kMaxCapacity = 10000;

// Fields a client may set; the rest of Profile is output only.
const std::set<std::string>& MutableFields() {
  static const auto* fields = new std::set<std::string>{"display_name",
                                                        "framework",
                                                        "track",
                                                        "target_stage",
                                                        "teams",
                                                        "role",
                                                        "attributes",
                                                        "mentoring_capacity",
                                                        "caseload_capacity",
                                                        "languages",
                                                        "region",
                                                        "current_caseload",
                                                        "completed_modules"};
  return *fields;
}

std::string Etag(const storage::StoredProfile& record) {
  return absl::StrFormat(
      "%x-%d",
      record.profile().create_time().seconds() * 1000000000ll +
          record.profile().create_time().nanos(),
      record.revision());
}

v1::Profile Output(const storage::StoredProfile& record) {
  v1::Profile profile = record.profile();
  profile.set_etag(Etag(record));
  profile.set_assessment_count(record.derived().assessment_count());
  return profile;
}

absl::Status CheckEtag(absl::string_view given,
                       const storage::StoredProfile& record) {
  if (!given.empty() && given != Etag(record)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "etag: ", Quote(given), " is stale; the profile has changed (current ",
        Quote(Etag(record)), ")"));
  }
  return absl::OkStatus();
}

// Adds the error of record `index` to `response`: the managers' messages
// are "field: reason", and the field becomes a path within the record
// ("assessment" + ".assessment.ratings[0].level").
void AddImportError(int batch, int index, absl::string_view prefix,
                    const absl::Status& status, int max_errors,
                    v1::ImportRecordsResponse* response) {
  response->set_error_count(response->error_count() + 1);
  if (response->errors_size() >= max_errors) {
    response->set_errors_truncated(true);
    return;
  }
  v1::ImportRecordError* e = response->add_errors();
  e->set_batch_index(batch);
  e->set_record_index(index);
  e->set_code(static_cast<int>(status.code()));
  absl::string_view reason = status.message();
  const size_t colon = reason.find(": ");
  std::string field(prefix);
  if (colon != absl::string_view::npos &&
      reason.substr(0, colon).find(' ') == absl::string_view::npos) {
    absl::StrAppend(&field, ".", reason.substr(0, colon));
    reason.remove_prefix(colon + 2);
  }
  e->set_field(std::move(field));
  e->set_reason(std::string(reason));
}

// Holds several of the per-person locks, taken in address order so that
// two batches never wait for each other.
class MultiLock {
 public:
  explicit MultiLock(std::vector<absl::Mutex*> mutexes)
      : mutexes_(std::move(mutexes)) {
    std::sort(mutexes_.begin(), mutexes_.end());
    mutexes_.erase(std::unique(mutexes_.begin(), mutexes_.end()),
                   mutexes_.end());
    for (absl::Mutex* mu : mutexes_) mu->Lock();
  }
  ~MultiLock() {
    for (auto it = mutexes_.rbegin(); it != mutexes_.rend(); ++it) {
      (*it)->Unlock();
    }
  }
  MultiLock(const MultiLock&) = delete;
  MultiLock& operator=(const MultiLock&) = delete;

 private:
  std::vector<absl::Mutex*> mutexes_;
};

}  // namespace

ProfileManager::ProfileManager(const framework::FrameworkRegistry* frameworks,
                               storage::ProfileStore* store,
                               ProfileManagerOptions options,
                               std::function<absl::Time()> clock,
                               SnapshotCache* cache)
    : frameworks_(frameworks),
      store_(store),
      options_(std::move(options)),
      clock_(std::move(clock)),
      cache_(cache) {}

absl::Mutex& ProfileManager::LockFor(const PersonName& name) {
  return locks_[absl::HashOf(name.org, name.person) % locks_.size()];
}

absl::StatusOr<int> ProfileManager::PageSize(int requested) const {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", requested));
  }
  if (requested == 0) return options_.default_page_size;
  return std::min(requested, options_.max_page_size);
}

absl::Status ProfileManager::NormalizeProfile(v1::Profile* p) const {
  RETURN_IF_ERROR(CheckText(p->display_name(), "profile.display_name",
                            kMaxDisplayName, false));
  if (p->framework().empty()) {
    p->set_framework(FrameworkName(options_.default_framework));
  }
  ASSIGN_OR_RETURN(std::string framework_id,
                   ParseFrameworkName(p->framework(), "profile.framework"));
  const framework::FrameworkIndex* fw = frameworks_->Find(framework_id);
  if (fw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile.framework: unknown framework ", Quote(p->framework())));
  }
  if (p->track().empty()) {
    return absl::InvalidArgumentError("profile.track: is required");
  }
  if (!fw->HasTrack(p->track())) {
    std::vector<std::string> tracks;
    for (const auto& t : fw->proto().tracks()) tracks.push_back(t.id());
    return absl::InvalidArgumentError(absl::StrCat(
        "profile.track: ", Quote(p->track()), " is not a track of ",
        p->framework(), " (", absl::StrJoin(tracks, ", "), ")"));
  }
  if (p->target_stage().empty()) {
    p->set_target_stage(fw->proto().default_stage());
  }
  if (!fw->StageTarget(p->target_stage())) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile.target_stage: ", Quote(p->target_stage()),
                     " is not a stage of ", p->framework()));
  }
  RETURN_IF_ERROR(CheckDistinct(p->teams(), "profile.teams", kMaxText));
  RETURN_IF_ERROR(CheckText(p->role(), "profile.role", kMaxText, false));
  if (p->attributes_size() > kMaxAttributes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile.attributes: more than ", kMaxAttributes, " entries"));
  }
  for (const auto& [key, value] : p->attributes()) {
    std::string field = absl::StrCat("profile.attributes[", Quote(key), "]");
    RETURN_IF_ERROR(ValidateId(key, field));
    RETURN_IF_ERROR(CheckText(value, field, kMaxAttributeValue, false));
  }
  RETURN_IF_ERROR(CheckDistinct(p->languages(), "profile.languages",
                                /*max_length=*/35));
  RETURN_IF_ERROR(CheckText(p->region(), "profile.region", kMaxText, false));
  for (int i = 0; i < p->completed_modules_size(); ++i) {
    RETURN_IF_ERROR(
        ValidateId(p->completed_modules(i),
                   absl::StrCat("profile.completed_modules[", i, "]")));
  }
  const std::pair<const char*, int> capacities[] = {
      {"profile.mentoring_capacity", p->mentoring_capacity()},
      {"profile.caseload_capacity", p->caseload_capacity()},
      {"profile.current_caseload", p->current_caseload()}};
  for (const auto& [field, value] : capacities) {
    if (value < 0 || value > kMaxCapacity) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": must lie in 0..", kMaxCapacity, ", got ", value));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Profile> ProfileManager::CreateProfile(
    const v1::CreateProfileRequest& request, const v1::AuditEvent* audit) {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  RETURN_IF_ERROR(ValidateId(request.profile_id(), "profile_id"));
  PersonName name{org, request.profile_id()};

  storage::StoredProfile record;
  v1::Profile* profile = record.mutable_profile();
  // Output-only fields of the request are ignored (AIP-203).
  *profile = request.profile();
  profile->clear_name();
  profile->clear_create_time();
  profile->clear_update_time();
  profile->clear_etag();
  profile->clear_assessment_count();
  RETURN_IF_ERROR(NormalizeProfile(profile));
  profile->set_name(name.Format());
  *profile->mutable_create_time() = ToProto(clock_());
  *profile->mutable_update_time() = profile->create_time();
  record.set_revision(1);
  record.mutable_derived()->set_next_assessment_seq(1);

  absl::MutexLock lock(&LockFor(name));
  absl::StatusOr<storage::StoredProfile> existing = store_->GetProfile(name);
  if (existing.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("profile_id: ", name.Format(), " already exists"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  RETURN_IF_ERROR(store_->PutProfile(name, record, audit));
  if (cache_) cache_->PutPerson(name.org, record);
  return Output(record);
}

absl::StatusOr<v1::Profile> ProfileManager::GetProfile(
    const v1::GetProfileRequest& request) {
  ASSIGN_OR_RETURN(PersonName name, ParsePersonName(request.name(), "name"));
  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  return Output(record);
}

absl::StatusOr<v1::Profile> ProfileManager::UpdateProfile(
    const v1::UpdateProfileRequest& request, const v1::AuditEvent* audit) {
  ASSIGN_OR_RETURN(PersonName name,
                   ParsePersonName(request.profile().name(), "profile.name"));
  google::protobuf::FieldMask mask = request.update_mask();
  if (mask.paths().empty()) {
    for (const std::string& field : MutableFields()) mask.add_paths(field);
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    if (!MutableFields().count(mask.paths(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask.paths[", i, "]: ", Quote(mask.paths(i)),
                       " is not a field that can be updated (",
                       absl::StrJoin(MutableFields(), ", "), ")"));
    }
  }

  absl::MutexLock lock(&LockFor(name));
  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  RETURN_IF_ERROR(CheckEtag(request.profile().etag(), record));
  v1::Profile updated = record.profile();
  FieldMaskUtil::MergeOptions merge;
  merge.set_replace_message_fields(true);
  merge.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(request.profile(), mask, merge, &updated);
  RETURN_IF_ERROR(NormalizeProfile(&updated));
  *updated.mutable_update_time() = ToProto(clock_());
  *record.mutable_profile() = std::move(updated);
  record.set_revision(record.revision() + 1);
  RETURN_IF_ERROR(store_->PutProfile(name, record, audit));
  if (cache_) cache_->PutPerson(name.org, record);
  return Output(record);
}

absl::Status ProfileManager::DeleteProfile(
    const v1::DeleteProfileRequest& request, const v1::AuditEvent* audit) {
  ASSIGN_OR_RETURN(PersonName name, ParsePersonName(request.name(), "name"));
  absl::MutexLock lock(&LockFor(name));
  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  RETURN_IF_ERROR(CheckEtag(request.etag(), record));
  RETURN_IF_ERROR(store_->DeleteProfile(name, audit));
  if (cache_) cache_->ErasePerson(name.org, name.person);
  return absl::OkStatus();
}

absl::StatusOr<v1::ListProfilesResponse> ProfileManager::ListProfiles(
    const v1::ListProfilesRequest& request) {
  ASSIGN_OR_RETURN(std::string org,
                   ParseOrganizationName(request.parent(), "parent"));
  ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  ASSIGN_OR_RETURN(ProfileFilter filter,
                   ProfileFilter::Parse(request.filter()));
  const std::string listing =
      absl::StrCat(request.parent(), "\n", request.filter());
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), listing));
  if (!after.empty()) RETURN_IF_ERROR(ValidateId(after, "page_token"));

  v1::ListProfilesResponse response;
  bool more = false;
  RETURN_IF_ERROR(store_->ScanProfiles(
      org, after, [&](const storage::StoredProfile& record) {
        if (!filter.Matches(record.profile())) return true;
        if (response.profiles_size() == page_size) {
          more = true;
          return false;
        }
        *response.add_profiles() = Output(record);
        return true;
      }));
  if (more) {
    const std::string& last =
        response.profiles(response.profiles_size() - 1).name();
    response.set_next_page_token(
        EncodePageToken(last.substr(last.rfind('/') + 1), listing));
  }
  return response;
}

absl::StatusOr<std::vector<v1::Assessment>> ProfileManager::LoadAssessments(
    const PersonName& name) {
  std::vector<v1::Assessment> out;
  RETURN_IF_ERROR(store_->ScanAssessments(
      name, "", [&out](absl::string_view, const v1::Assessment& a) {
        out.push_back(a);
        return true;
      }));
  return out;
}

absl::Status ProfileManager::PrepareAssessment(const PersonName& name,
                                               absl::Time now,
                                               v1::Assessment* a) const {
  a->clear_name();
  a->clear_create_time();
  if (!v1::RaterRole_IsValid(a->rater_role()) ||
      a->rater_role() == v1::RATER_ROLE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "assessment.rater_role: must be SELF, PEER, MANAGER or ASSESSOR");
  }
  if (a->rater().empty() && a->rater_role() == v1::SELF) {
    a->set_rater(name.person);
  }
  RETURN_IF_ERROR(ValidateId(a->rater(), "assessment.rater"));
  if (a->has_assess_time()) {
    if (!IsValidTimestamp(a->assess_time())) {
      return absl::InvalidArgumentError(
          "assessment.assess_time: not a valid timestamp");
    }
    absl::Time t = FromProto(a->assess_time());
    if (t > now + options_.max_clock_skew) {
      return absl::InvalidArgumentError(
          absl::StrCat("assessment.assess_time: ", absl::FormatTime(t),
                       " lies in the future"));
    }
    if (t > now) *a->mutable_assess_time() = ToProto(now);
  } else {
    *a->mutable_assess_time() = ToProto(now);
  }
  *a->mutable_create_time() = ToProto(now);
  return absl::OkStatus();
}

absl::StatusOr<const framework::FrameworkIndex*>
ProfileManager::CheckAgainstProfile(const PersonName& name,
                                    const v1::Profile& profile,
                                    v1::Assessment* a) const {
  if (a->framework().empty()) a->set_framework(profile.framework());
  if (a->framework() != profile.framework()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "assessment.framework: ", Quote(a->framework()), "; ", name.Format(),
        " is assessed against ", profile.framework()));
  }
  ASSIGN_OR_RETURN(std::string framework_id,
                   ParseFrameworkName(profile.framework(), "framework"));
  const framework::FrameworkIndex* fw = frameworks_->Find(framework_id);
  if (fw == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the profile's framework ", profile.framework(), " is not loaded"));
  }
  if (a->framework_version().empty()) {
    a->set_framework_version(fw->proto().version());
  }
  if (a->framework_version() != fw->proto().version()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "assessment.framework_version: ", Quote(a->framework_version()),
        "; the server has version \"", fw->proto().version(), "\""));
  }
  if (a->ratings().empty()) {
    return absl::InvalidArgumentError(
        "assessment.ratings: at least one rating is required");
  }
  const int track_size =
      static_cast<int>(fw->IndicatorsOfTrack(profile.track()).size());
  if (a->ratings_size() > track_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "assessment.ratings: ", a->ratings_size(), " ratings, but track ",
        profile.track(), " has only ", track_size, " indicators"));
  }
  std::vector<char> seen;  // by indicator ordinal
  for (int i = 0; i < a->ratings_size(); ++i) {
    const v1::Rating& r = a->ratings(i);
    std::string field = absl::StrCat("assessment.ratings[", i, "]");
    const framework::IndicatorRef* ref = fw->FindIndicator(r.indicator());
    if (ref == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".indicator: unknown indicator ",
                       Quote(r.indicator()), " in ", profile.framework()));
    }
    if (ref->indicator->track() != profile.track()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".indicator: ", Quote(r.indicator()),
                       " belongs to track ", ref->indicator->track(), ", but ",
                       name.Format(), " is on track ", profile.track()));
    }
    const size_t ordinal = static_cast<size_t>(ref->ordinal);
    if (ordinal >= seen.size()) seen.resize(ordinal + 1, 0);
    if (seen[ordinal]) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".indicator: ", Quote(r.indicator()), " is rated twice"));
    }
    seen[ordinal] = 1;
    if (r.level() < fw->min_level() || r.level() > fw->max_level()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".level: ", r.level(), " is outside the scale ",
                       fw->min_level(), "..", fw->max_level()));
    }
    RETURN_IF_ERROR(CheckText(r.evidence(), absl::StrCat(field, ".evidence"),
                              options_.max_evidence_length, false,
                              /*multiline=*/true));
  }
  return fw;
}

absl::Status ProfileManager::LoadLevelState(const PersonName& name,
                                            int64_t stored,
                                            storage::LevelState* state,
                                            bool* rebuilt) {
  const absl::Status got = store_->GetLevelState(name, state);
  if (got.ok() && state->assessment_count() == stored) {
    *rebuilt = false;
    return absl::OkStatus();
  }
  if (!got.ok() && !absl::IsNotFound(got)) return got;
  *rebuilt = true;
  state->Clear();
  if (stored > 0 || got.ok()) {
    ASSIGN_OR_RETURN(std::vector<v1::Assessment> history,
                     LoadAssessments(name));
    for (const v1::Assessment& a : history) AddToLevelState(a, state);
  }
  state->set_assessment_count(stored);
  return absl::OkStatus();
}

void ProfileManager::AddAssessments(
    const framework::FrameworkIndex* fw,
    absl::Span<const v1::Assessment* const> added, bool all,
    storage::LevelState* state, storage::PersonLevels* derived) const {
  for (const v1::Assessment* a : added) AddToLevelState(*a, state);
  AggregationOptions derive = options_.aggregation;
  derive.as_of = absl::InfiniteFuture();

  std::vector<const storage::IndicatorState*> touched;
  if (all) {
    derived->clear_indicator();
    derived->clear_level();
    for (const storage::IndicatorState& ind : state->indicators()) {
      touched.push_back(&ind);
    }
  } else {
    for (const v1::Assessment* a : added) {
      for (const v1::Rating& r : a->ratings()) {
        touched.push_back(FindIndicatorState(*state, r.indicator()));
      }
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  }
  auto& ids = *derived->mutable_indicator();
  auto& levels = *derived->mutable_level();
  const int kept = ids.size();
  for (const storage::IndicatorState* ind : touched) {
    const float level =
        static_cast<float>(LevelFromState(*state, *ind, derive).level());
    auto it = std::find(ids.begin(), ids.begin() + kept, ind->indicator());
    if (it != ids.begin() + kept) {
      levels.Set(static_cast<int>(it - ids.begin()), level);
    } else {
      ids.Add()->assign(ind->indicator());
      levels.Add(level);
    }
  }
  // Framework order, as records.proto promises; indicators the framework
  // lacks (the profile changed framework) last, by id. Checked, not
  // assumed: the profile may have changed framework since the last write.
  // Each indicator is looked up once: (ordinal, id, position).
  std::vector<std::tuple<int, absl::string_view, int>> rank;
  rank.reserve(ids.size());
  for (int i = 0; i < ids.size(); ++i) {
    const framework::IndicatorRef* ref = fw->FindIndicator(ids.Get(i));
    rank.emplace_back(ref ? ref->ordinal : INT_MAX, ids.Get(i), i);
  }
  if (!std::is_sorted(rank.begin(), rank.end())) {
    std::sort(rank.begin(), rank.end());
    storage::PersonLevels sorted;
    for (const auto& [ordinal, id, i] : rank) {
      sorted.add_indicator(std::string(id));
      sorted.add_level(levels.Get(i));
    }
    ids.Swap(sorted.mutable_indicator());
    levels.Swap(sorted.mutable_level());
  }
}

namespace {

// OK when a retry of assessment `id` carries what the stored one holds
// (service.proto, RecordAssessmentRequest.assessment_id): the fields a
// client sets, after the server's defaults (`prepared`); an assess_time the
// retry leaves out matches any, and one that was in the future was clamped
// to the recording time. ALREADY_EXISTS naming assessment_id otherwise.
absl::Status SameContent(const PersonName& name, const std::string& id,
                         const v1::Assessment& sent,
                         const v1::Assessment& prepared,
                         const v1::Assessment& stored) {
  bool same = prepared.rater_role() == stored.rater_role() &&
              prepared.rater() == stored.rater() &&
              prepared.framework() == stored.framework() &&
              prepared.framework_version() == stored.framework_version() &&
              prepared.ratings_size() == stored.ratings_size();
  for (int i = 0; same && i < prepared.ratings_size(); ++i) {
    same = MessageDifferencer::Equals(prepared.ratings(i), stored.ratings(i));
  }
  if (same && sent.has_assess_time() &&
      !MessageDifferencer::Equals(sent.assess_time(), stored.assess_time())) {
    same = MessageDifferencer::Equals(stored.assess_time(),
                                      stored.create_time()) &&
           FromProto(sent.assess_time()) >= FromProto(stored.create_time());
  }
  if (same) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat("assessment_id: ", name.Format(), "/assessments/", id,
                   " already exists with different content"));
}

}  // namespace

absl::StatusOr<v1::Assessment> ProfileManager::RecordAssessment(
    const v1::RecordAssessmentRequest& request, const v1::AuditEvent* audit) {
  ASSIGN_OR_RETURN(PersonName name,
                   ParsePersonName(request.parent(), "parent"));
  if (!request.assessment_id().empty()) {
    RETURN_IF_ERROR(ValidateId(request.assessment_id(), "assessment_id"));
  }
  v1::Assessment a = request.assessment();
  RETURN_IF_ERROR(PrepareAssessment(name, clock_(), &a));

  absl::MutexLock lock(&LockFor(name));
  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  ASSIGN_OR_RETURN(const framework::FrameworkIndex* fw,
                   CheckAgainstProfile(name, record.profile(), &a));

  std::string id = request.assessment_id();
  if (!id.empty()) {
    absl::StatusOr<v1::Assessment> stored = store_->GetAssessment(name, id);
    if (stored.ok()) {
      // A retry: the stored assessment when the content is the same.
      RETURN_IF_ERROR(SameContent(name, id, request.assessment(), a, *stored));
      return stored;
    }
    if (!absl::IsNotFound(stored.status())) return stored.status();
  } else {
    // Server-assigned ids sort in recording order; skip any that a client
    // happened to choose.
    storage::PersonLevels* derived = record.mutable_derived();
    while (true) {
      id = absl::StrFormat("a%012d", derived->next_assessment_seq());
      derived->set_next_assessment_seq(derived->next_assessment_seq() + 1);
      ASSIGN_OR_RETURN(bool exists, store_->HasAssessment(name, id));
      if (!exists) break;
    }
  }
  a.set_name(AssessmentName{name.org, name.person, id}.Format());

  // The state is parsed and dropped on an arena: a few hundred small
  // messages, few allocations.
  google::protobuf::Arena arena;
  auto* state =
      google::protobuf::Arena::CreateMessage<storage::LevelState>(&arena);
  bool rebuilt = false;
  storage::PersonLevels* derived = record.mutable_derived();
  RETURN_IF_ERROR(
      LoadLevelState(name, derived->assessment_count(), state, &rebuilt));
  AddAssessments(fw, {&a}, rebuilt, state, derived);
  derived->set_assessment_count(derived->assessment_count() + 1);
  RETURN_IF_ERROR(
      store_->AppendAssessment(name, id, a, *derived, state, audit));
  if (cache_) cache_->PutPerson(name.org, record);
  return a;
}

absl::Status ProfileManager::ImportBatch(
    absl::string_view org, v1::ImportRecordsRequest* batch, int batch_index,
    const std::function<v1::AuditEvent(const PersonName&)>& audit,
    v1::ImportRecordsResponse* response) {
  if (batch->records_size() > options_.max_import_batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "records: ", batch->records_size(), " records in batch ", batch_index,
        "; at most ", options_.max_import_batch, " per batch"));
  }
  if (!v1::ImportMode_IsValid(batch->mode())) {
    return absl::InvalidArgumentError(
        absl::StrCat("mode: unknown import mode ", batch->mode()));
  }
  const bool all_or_nothing = batch->mode() == v1::ALL_OR_NOTHING;

  // Every person the batch names, locked for the whole batch.
  std::vector<absl::Mutex*> mutexes;
  for (const v1::ImportRecord& r : batch->records()) {
    const std::string& id =
        r.has_person() ? r.person().profile_id() : r.assessment().person_id();
    mutexes.push_back(&LockFor(PersonName{std::string(org), id}));
  }
  MultiLock lock(std::move(mutexes));

  // The people as the batch leaves them.
  struct Working {
    PersonName name;
    bool in_store = false;         // had a profile before the batch
    bool exists = false;           // has one now
    bool touched = false;          // to be written
    bool profile_changed = false;  // the profile part too
    storage::StoredProfile record;
    std::vector<std::pair<std::string, v1::Assessment>> added;
    std::set<std::string> added_ids;
  };
  std::map<std::string, Working> people;
  auto load = [&](const std::string& id) -> absl::StatusOr<Working*> {
    auto [it, fresh] = people.try_emplace(id);
    Working& w = it->second;
    if (fresh) {
      w.name = PersonName{std::string(org), id};
      absl::StatusOr<storage::StoredProfile> got = store_->GetProfile(w.name);
      if (got.ok()) {
        w.record = *std::move(got);
        w.in_store = w.exists = true;
      } else if (!absl::IsNotFound(got.status())) {
        people.erase(it);
        return got.status();
      }
    }
    return &w;
  };

  const absl::Time now = clock_();
  int64_t created = 0, updated = 0, recorded = 0, skipped = 0;
  int errors = 0;
  auto fail = [&](int index, absl::string_view prefix,
                  const absl::Status& status) {
    ++errors;
    AddImportError(batch_index, index, prefix, status,
                   options_.max_import_errors, response);
  };

  for (int i = 0; i < batch->records_size(); ++i) {
    const v1::ImportRecord& r = batch->records(i);
    if (r.has_person()) {
      const v1::ImportPersonRecord& in = r.person();
      if (absl::Status s = ValidateId(in.profile_id(), "profile_id"); !s.ok()) {
        fail(i, "person", s);
        continue;
      }
      ASSIGN_OR_RETURN(Working * w, load(in.profile_id()));
      if (w->exists && in.create_only()) {
        fail(i, "person",
             absl::AlreadyExistsError(absl::StrCat(
                 "profile_id: ", w->name.Format(), " already exists")));
        continue;
      }
      storage::StoredProfile candidate;
      v1::Profile given = in.profile();
      given.clear_name();
      given.clear_create_time();
      given.clear_update_time();
      given.clear_etag();
      given.clear_assessment_count();
      if (w->exists) {
        candidate = w->record;
        v1::Profile merged = candidate.profile();
        google::protobuf::FieldMask mask;
        for (const std::string& field : MutableFields()) mask.add_paths(field);
        FieldMaskUtil::MergeOptions merge;
        merge.set_replace_message_fields(true);
        merge.set_replace_repeated_fields(true);
        FieldMaskUtil::MergeMessageTo(given, mask, merge, &merged);
        if (absl::Status s = NormalizeProfile(&merged); !s.ok()) {
          fail(i, "person", s);
          continue;
        }
        *merged.mutable_update_time() = ToProto(now);
        *candidate.mutable_profile() = std::move(merged);
        candidate.set_revision(candidate.revision() + 1);
      } else {
        if (absl::Status s = NormalizeProfile(&given); !s.ok()) {
          fail(i, "person", s);
          continue;
        }
        given.set_name(w->name.Format());
        *given.mutable_create_time() = ToProto(now);
        *given.mutable_update_time() = given.create_time();
        *candidate.mutable_profile() = std::move(given);
        candidate.set_revision(1);
        candidate.mutable_derived()->set_next_assessment_seq(1);
      }
      (w->exists ? updated : created) += 1;
      w->record = std::move(candidate);
      w->exists = w->touched = w->profile_changed = true;
    } else if (r.has_assessment()) {
      const v1::ImportAssessmentRecord& in = r.assessment();
      if (absl::Status s = ValidateId(in.person_id(), "person_id"); !s.ok()) {
        fail(i, "assessment", s);
        continue;
      }
      absl::Status id_ok =
          in.assessment_id().empty()
              ? absl::InvalidArgumentError(
                    "assessment_id: is required (it makes a re-import "
                    "idempotent)")
              : ValidateId(in.assessment_id(), "assessment_id");
      if (!id_ok.ok()) {
        fail(i, "assessment", id_ok);
        continue;
      }
      const PersonName name{std::string(org), in.person_id()};
      // Taken from the batch (each record is read once).
      v1::Assessment a = std::move(*batch->mutable_records(i)
                                        ->mutable_assessment()
                                        ->mutable_assessment());
      if (absl::Status s = PrepareAssessment(name, now, &a); !s.ok()) {
        fail(i, "assessment", s);
        continue;
      }
      ASSIGN_OR_RETURN(Working * w, load(in.person_id()));
      if (!w->exists) {
        fail(i, "assessment",
             absl::NotFoundError(absl::StrCat("person_id: no profile ",
                                              name.Format(),
                                              "; import the person first")));
        continue;
      }
      absl::StatusOr<const framework::FrameworkIndex*> fw =
          CheckAgainstProfile(name, w->record.profile(), &a);
      if (!fw.ok()) {
        fail(i, "assessment", fw.status());
        continue;
      }
      const std::string& id = in.assessment_id();
      bool exists = w->added_ids.count(id) > 0;
      if (!exists && w->in_store) {
        ASSIGN_OR_RETURN(exists, store_->HasAssessment(name, id));
      }
      if (exists) {
        ++skipped;  // a re-import: the id is there, whatever it holds
        continue;
      }
      a.set_name(AssessmentName{name.org, name.person, id}.Format());
      w->added.emplace_back(id, std::move(a));
      w->added_ids.insert(id);
      w->record.mutable_derived()->set_assessment_count(
          w->record.derived().assessment_count() + 1);
      w->touched = true;
      ++recorded;
    } else {
      fail(i, "record",
           absl::InvalidArgumentError(
               "record: neither a person nor an assessment"));
    }
  }

  if (all_or_nothing && errors > 0) {
    response->set_batches_rejected(response->batches_rejected() + 1);
    return absl::OkStatus();
  }
  std::vector<storage::PersonWrite> writes;
  for (auto& [id, w] : people) {
    if (!w.touched) continue;
    std::optional<storage::LevelState> state;
    if (!w.added.empty()) {
      const int64_t stored = w.record.derived().assessment_count() -
                             static_cast<int64_t>(w.added.size());
      bool rebuilt = true;
      state.emplace();
      if (w.in_store) {
        RETURN_IF_ERROR(LoadLevelState(w.name, stored, &*state, &rebuilt));
      }
      ASSIGN_OR_RETURN(
          std::string framework_id,
          ParseFrameworkName(w.record.profile().framework(), "framework"));
      const framework::FrameworkIndex* fw = frameworks_->Find(framework_id);
      if (fw == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("the profile's framework ",
                         w.record.profile().framework(), " is not loaded"));
      }
      std::vector<const v1::Assessment*> added;
      for (const auto& [aid, a] : w.added) added.push_back(&a);
      AddAssessments(fw, added, rebuilt, &*state, w.record.mutable_derived());
    }
    storage::PersonWrite write;
    write.name = w.name;
    write.record = std::move(w.record);
    write.profile_changed = w.profile_changed;
    write.assessments = std::move(w.added);
    write.state = std::move(state);
    write.audit.push_back(audit(w.name));
    writes.push_back(std::move(write));
  }
  RETURN_IF_ERROR(store_->WritePeople(writes));
  if (cache_ && !writes.empty()) {
    std::vector<storage::StoredProfile> records;
    records.reserve(writes.size());
    for (storage::PersonWrite& w : writes) {
      records.push_back(std::move(w.record));
    }
    cache_->PutPeople(org, records);
  }
  response->set_people_created(response->people_created() + created);
  response->set_people_updated(response->people_updated() + updated);
  response->set_assessments_recorded(response->assessments_recorded() +
                                     recorded);
  response->set_assessments_skipped(response->assessments_skipped() + skipped);
  response->set_batches_written(response->batches_written() + 1);
  return absl::OkStatus();
}

absl::StatusOr<v1::ListAssessmentsResponse> ProfileManager::ListAssessments(
    const v1::ListAssessmentsRequest& request) {
  ASSIGN_OR_RETURN(PersonName name,
                   ParsePersonName(request.parent(), "parent"));
  ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), request.parent()));
  if (!after.empty()) RETURN_IF_ERROR(ValidateId(after, "page_token"));
  // NOT_FOUND for an unknown person rather than an empty list.
  RETURN_IF_ERROR(store_->GetProfile(name).status());

  v1::ListAssessmentsResponse response;
  std::string last_id;
  bool more = false;
  RETURN_IF_ERROR(store_->ScanAssessments(
      name, after, [&](absl::string_view id, const v1::Assessment& a) {
        if (response.assessments_size() == page_size) {
          more = true;
          return false;
        }
        *response.add_assessments() = a;
        last_id = std::string(id);
        return true;
      }));
  if (more) {
    response.set_next_page_token(EncodePageToken(last_id, request.parent()));
  }
  return response;
}

absl::StatusOr<v1::PersonDataExport> ProfileManager::ExportPersonData(
    const v1::ExportPersonDataRequest& request) {
  ASSIGN_OR_RETURN(PersonName name, ParsePersonName(request.name(), "name"));
  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  v1::PersonDataExport out;
  *out.mutable_profile() = Output(record);
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> assessments,
                   LoadAssessments(name));
  for (v1::Assessment& a : assessments) *out.add_assessments() = std::move(a);
  *out.mutable_export_time() = ToProto(clock_());
  return out;
}

absl::StatusOr<v1::GapReport> ProfileManager::GetGapReport(
    const v1::GetGapReportRequest& request) {
  ASSIGN_OR_RETURN(PersonName name, ParsePersonName(request.name(), "name"));
  AggregationOptions options = options_.aggregation;
  if (request.policy() != v1::AGGREGATION_POLICY_UNSPECIFIED) {
    if (!v1::AggregationPolicy_IsValid(request.policy())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy: unknown aggregation policy ", request.policy()));
    }
    options.policy = request.policy();
  }
  if (request.half_life_days() != 0) {
    options.half_life_days = request.half_life_days();
  }
  RETURN_IF_ERROR(ValidateOptions(options));
  if (request.top_n() < 0 || request.top_n() > options_.max_top_n) {
    return absl::InvalidArgumentError(absl::StrCat("top_n: must lie in 0..",
                                                   options_.max_top_n, ", got ",
                                                   request.top_n()));
  }
  const int top_n = request.top_n() == 0 ? 10 : request.top_n();
  if (request.has_as_of()) {
    if (!IsValidTimestamp(request.as_of())) {
      return absl::InvalidArgumentError("as_of: not a valid timestamp");
    }
    options.as_of = FromProto(request.as_of());
  } else {
    options.as_of = clock_();
  }

  ASSIGN_OR_RETURN(storage::StoredProfile record, store_->GetProfile(name));
  const v1::Profile& profile = record.profile();
  ASSIGN_OR_RETURN(std::string framework_id,
                   ParseFrameworkName(profile.framework(), "framework"));
  const framework::FrameworkIndex* fw = frameworks_->Find(framework_id);
  if (fw == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the profile's framework ", profile.framework(), " is not loaded"));
  }
  std::optional<int> target = fw->StageTarget(profile.target_stage());
  if (!target) {
    return absl::FailedPreconditionError(
        absl::StrCat("the profile's target stage ", profile.target_stage(),
                     " is not a stage of ", profile.framework()));
  }
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> history, LoadAssessments(name));
  int counted = 0;
  for (const v1::Assessment& a : history) {
    if (FromProto(a.assess_time()) <= options.as_of) ++counted;
  }
  v1::GapReport report = BuildGapReport(
      *fw, profile.track(), *target, AggregateLevels(history, options), top_n);
  report.set_person(profile.name());
  report.set_framework(profile.framework());
  report.set_framework_version(fw->proto().version());
  report.set_track(profile.track());
  report.set_target_stage(profile.target_stage());
  report.set_policy(options.policy);
  *report.mutable_as_of() = ToProto(options.as_of);
  report.set_assessment_count(counted);
  return report;
}

}  // namespace vakwijzer::core
