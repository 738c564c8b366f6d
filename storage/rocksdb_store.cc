#include "storage/rocksdb_store.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace vakwijzer::storage {
namespace {

constexpr char kSchemaKey[] = "meta/schema_version";
constexpr char kAuditFamily[] = "audit";
constexpr char kOrgRoot[] = "o/";

// '!' sorts below every id character, so people scan in order of id.
std::string PersonPrefix(const PersonName& name) {
  return absl::StrCat("o/", name.org, "/p/", name.person, "!");
}
// The person's PersonLevels: right after the profile record, before the
// assessments ('!' < 'a'), so that a scan reads both in one step.
std::string DerivedKey(const PersonName& name) {
  return absl::StrCat(PersonPrefix(name), "!");
}
// The person's history: assessments and LevelState, in a key range of
// their own, so that a scan of the people reads their profiles and levels
// only (schema version 3).
std::string HistoryPrefix(const PersonName& name) {
  return absl::StrCat("o/", name.org, "/h/", name.person, "!");
}
std::string LevelStateKey(const PersonName& name) {
  return absl::StrCat(HistoryPrefix(name), "s");
}

std::string PeoplePrefix(absl::string_view org) {
  return absl::StrCat("o/", org, "/p/");
}
std::string AssessmentPrefix(const PersonName& name) {
  return absl::StrCat(HistoryPrefix(name), "a/");
}
// The first key after every key that starts with `prefix`, whose last
// character is '/' or '!'.
std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string AuditKey(absl::string_view org, absl::string_view id) {
  return absl::StrCat(org, "/", id);
}
// The smallest event id at `t` (clamped to the epoch and the id range).
std::string AuditTimeId(absl::Time t) {
  if (t <= absl::UnixEpoch()) return std::string(16, '0');
  if (t == absl::InfiniteFuture()) return std::string(16, 'g');
  return absl::StrFormat("%016x", static_cast<uint64_t>(absl::ToUnixMicros(t)));
}

std::string ItemPrefix(absl::string_view org, CatalogKind kind) {
  const char* letter = kind == CatalogKind::kModule ? "m"
                       : kind == CatalogKind::kRole ? "r"
                                                    : "c";
  return absl::StrCat("o/", org, "/", letter, "/");
}

// The profile record at `key` joined with the PersonLevels record
// (`derived`, null when there is none: a record of schema version 1, whose
// derived fields are moved into StoredProfile.derived).
absl::Status ParseProfile(const rocksdb::Slice& key,
                          const rocksdb::Slice& value,
                          const rocksdb::Slice* derived, StoredProfile* out,
                          bool parse_derived = true) {
  StoredProfile& record = *out;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("unparsable profile record at key ", key.ToString()));
  }
  PersonLevels* d = record.mutable_derived();
  if (derived != nullptr) {
    if (parse_derived &&
        (!d->ParseFromArray(derived->data(),
                            static_cast<int>(derived->size())) ||
         d->indicator_size() != d->level_size())) {
      return absl::DataLossError(absl::StrCat(
          "unparsable derived levels beside key ", key.ToString()));
    }
  } else {
    d->set_assessment_count(record.profile().assessment_count());
    d->set_next_assessment_seq(record.next_assessment_seq());
    for (const v1::IndicatorLevel& level : record.levels()) {
      d->add_indicator(level.indicator());
      d->add_level(static_cast<float>(level.level()));
    }
  }
  // Stale once a PersonLevels record exists beside them.
  record.clear_next_assessment_seq();
  record.clear_levels();
  record.mutable_profile()->clear_assessment_count();
  return absl::OkStatus();
}

// The profile part of `record`, as stored under the person's key.
std::string SerializeProfilePart(const StoredProfile& record) {
  StoredProfile part;
  *part.mutable_profile() = record.profile();
  part.mutable_profile()->clear_assessment_count();
  part.set_revision(record.revision());
  return part.SerializeAsString();
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat("storage: ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

RocksDbStore::RocksDbStore(std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : db_(std::move(db)), handles_(std::move(handles)) {}

RocksDbStore::~RocksDbStore() {
  if (db_ != nullptr) {
    db_->FlushWAL(/*sync=*/true);
    // Memtables to table files, so that the next open has no log to
    // replay (a failure here only costs that replay).
    db_->Flush(rocksdb::FlushOptions(), handles_).PermitUncheckedError();
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h);
    }
    db_->Close();
  }
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(
    const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // The audit column family came after schema version 1's first release;
  // it is added to such a database on open.
  options.create_missing_column_families = true;
  options.compression = rocksdb::kLZ4Compression;
  options.IncreaseParallelism(2);
  // A log is kept until every column family has flushed what it holds, and
  // the audit family fills slowly: without a cap its memtable kept every
  // log since the first audit event (a load of 100,000 people: 17 logs, 2 s
  // of replay at the next start). Beyond the cap, the families holding the
  // oldest log are flushed.
  options.max_total_wal_size = 128 << 20;
  rocksdb::ColumnFamilyOptions cf_options(options);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kAuditFamily, cf_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(options), path,
                                        families, &handles, &raw);
  if (!s.ok()) {
    return absl::Status(
        FromRocksDb(s).code(),
        absl::StrCat("cannot open database in ", path, ": ", s.ToString()));
  }
  std::unique_ptr<RocksDbStore> store(
      new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw), std::move(handles)));

  std::string value;
  s = store->db_->Get(rocksdb::ReadOptions(), kSchemaKey, &value);
  if (s.IsNotFound()) {
    rocksdb::WriteBatch batch;
    batch.Put(kSchemaKey, std::to_string(kSchemaVersion));
    if (absl::Status w = store->Write(&batch); !w.ok()) return w;
  } else if (!s.ok()) {
    return FromRocksDb(s);
  } else {
    int version = 0;
    if (!absl::SimpleAtoi(value, &version)) {
      return absl::DataLossError(absl::StrCat(
          "database in ", path, " has an unreadable schema version"));
    }
    if (version < 1 || version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("database in ", path, " has schema version ", version,
                       "; this server reads versions 1 to ", kSchemaVersion));
    }
    if (version < kSchemaVersion) {  // see kSchemaVersion
      RETURN_IF_ERROR(store->MoveHistory());
      rocksdb::WriteBatch batch;
      batch.Put(kSchemaKey, std::to_string(kSchemaVersion));
      if (absl::Status w = store->Write(&batch); !w.ok()) return w;
    }
  }
  return store;
}

absl::StatusOr<int> RocksDbStore::SchemaVersion() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kSchemaKey, &value);
  if (!s.ok()) return FromRocksDb(s);
  int version = 0;
  if (!absl::SimpleAtoi(value, &version)) {
    return absl::DataLossError("unreadable schema version");
  }
  return version;
}

absl::Status RocksDbStore::MoveHistory() {
  constexpr size_t kBatchBytes = 4 << 20;
  rocksdb::ReadOptions options;
  const std::string end = PrefixEnd(kOrgRoot);
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  rocksdb::WriteBatch batch;
  for (it->Seek(kOrgRoot); it->Valid(); it->Next()) {
    // o/{org}/p/{person}!{s | a/{assessment}} -> o/{org}/h/{person}!...
    absl::string_view key(it->key().data(), it->key().size());
    const size_t slash = key.find('/', 2);
    if (slash == absl::string_view::npos || key.substr(slash, 3) != "/p/") {
      continue;
    }
    const size_t bang = key.find('!', slash + 3);
    if (bang == absl::string_view::npos) continue;
    absl::string_view suffix = key.substr(bang + 1);
    if (suffix != "s" && !absl::StartsWith(suffix, "a/")) continue;
    const std::string moved =
        absl::StrCat(key.substr(0, slash), "/h/", key.substr(slash + 3));
    RETURN_IF_ERROR(FromRocksDb(batch.Put(moved, it->value())));
    RETURN_IF_ERROR(FromRocksDb(batch.Delete(it->key())));
    if (batch.GetDataSize() >= kBatchBytes) {
      RETURN_IF_ERROR(Write(&batch));
      batch.Clear();
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status()));
  if (batch.Count() > 0) RETURN_IF_ERROR(Write(&batch));
  // Once: the deletions above would otherwise slow every scan of the
  // people until compaction reaches them.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  return FromRocksDb(db_->CompactRange(compact, nullptr, nullptr));
}

absl::Status RocksDbStore::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;  // an acknowledged write survives a crash
  return FromRocksDb(db_->Write(options, batch));
}

absl::Status RocksDbStore::AddAudit(absl::string_view org, v1::AuditEvent event,
                                    rocksdb::WriteBatch* batch) {
  int64_t micros =
      event.time().seconds() * 1000000 + event.time().nanos() / 1000;
  std::string id = absl::StrFormat(
      "%016x%08x", static_cast<uint64_t>(std::max<int64_t>(micros, 0)),
      audit_seq_.fetch_add(1, std::memory_order_relaxed));
  event.set_name(absl::StrCat("organizations/", org, "/auditEvents/", id));
  return FromRocksDb(
      batch->Put(handles_[1], AuditKey(org, id), event.SerializeAsString()));
}

absl::Status RocksDbStore::AppendAudit(absl::string_view org,
                                       v1::AuditEvent event, bool sync) {
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(AddAudit(org, std::move(event), &batch));
  return Write(&batch, sync);
}

absl::Status RocksDbStore::ScanAudit(absl::string_view org,
                                     absl::string_view start_after,
                                     absl::Time start, absl::Time end,
                                     const AuditVisitor& visit) {
  std::string first = AuditKey(org, AuditTimeId(start));
  std::string last = AuditKey(org, AuditTimeId(end));
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(last);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handles_[1]));
  std::string after = AuditKey(org, start_after);
  if (!start_after.empty() && after > first) {
    it->Seek(after);
    if (it->Valid() && it->key() == rocksdb::Slice(after)) it->Next();
  } else {
    it->Seek(first);
  }
  for (; it->Valid(); it->Next()) {
    v1::AuditEvent event;
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("unparsable audit event at key ", it->key().ToString()));
    }
    if (!visit(event)) return absl::OkStatus();
  }
  return FromRocksDb(it->status());
}

absl::Status RocksDbStore::DropAuditBefore(absl::Time cutoff) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[1]));
  rocksdb::WriteBatch batch;
  std::string cutoff_id = AuditTimeId(cutoff);
  for (it->SeekToFirst(); it->Valid();) {
    absl::string_view key(it->key().data(), it->key().size());
    std::string org(key.substr(0, key.find('/')));
    RETURN_IF_ERROR(FromRocksDb(batch.DeleteRange(
        handles_[1], AuditKey(org, ""), AuditKey(org, cutoff_id))));
    it->Seek(PrefixEnd(AuditKey(org, "")));  // the next organisation
  }
  RETURN_IF_ERROR(FromRocksDb(it->status()));
  return Write(&batch);
}

absl::StatusOr<StoredProfile> RocksDbStore::GetProfile(const PersonName& name) {
  const std::string key = PersonPrefix(name);
  const std::string derived_key = DerivedKey(name);
  // MultiGet reads both at one sequence number: never two versions mixed.
  const rocksdb::Slice keys[2] = {key, derived_key};
  rocksdb::PinnableSlice values[2];
  rocksdb::Status statuses[2];
  db_->MultiGet(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), 2, keys,
                values, statuses, /*sorted_input=*/true);
  const rocksdb::Status& s = statuses[0];
  const rocksdb::Status& d = statuses[1];
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("name: no profile ", name.Format()));
  }
  if (!s.ok()) return FromRocksDb(s);
  if (!d.ok() && !d.IsNotFound()) return FromRocksDb(d);
  const rocksdb::Slice value(values[0]);
  const rocksdb::Slice derived_slice(values[1]);
  StoredProfile record;
  RETURN_IF_ERROR(
      ParseProfile(key, value, d.ok() ? &derived_slice : nullptr, &record));
  return std::move(record);
}

absl::Status RocksDbStore::PutProfile(const PersonName& name,
                                      const StoredProfile& record,
                                      const v1::AuditEvent* audit) {
  rocksdb::WriteBatch batch;
  batch.Put(PersonPrefix(name), SerializeProfilePart(record));
  batch.Put(DerivedKey(name), record.derived().SerializeAsString());
  if (audit != nullptr) RETURN_IF_ERROR(AddAudit(name.org, *audit, &batch));
  return Write(&batch);
}

absl::Status RocksDbStore::DeleteProfile(const PersonName& name,
                                         const v1::AuditEvent* audit) {
  rocksdb::WriteBatch batch;
  for (const std::string& prefix : {PersonPrefix(name), HistoryPrefix(name)}) {
    RETURN_IF_ERROR(FromRocksDb(batch.DeleteRange(prefix, PrefixEnd(prefix))));
  }
  if (audit != nullptr) RETURN_IF_ERROR(AddAudit(name.org, *audit, &batch));
  return Write(&batch);
}

absl::Status RocksDbStore::WritePeople(absl::Span<const PersonWrite> writes) {
  rocksdb::WriteBatch batch;
  for (const PersonWrite& w : writes) {
    if (w.profile_changed) {
      RETURN_IF_ERROR(FromRocksDb(
          batch.Put(PersonPrefix(w.name), SerializeProfilePart(w.record))));
    }
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(DerivedKey(w.name), w.record.derived().SerializeAsString())));
    if (w.state.has_value()) {
      RETURN_IF_ERROR(FromRocksDb(
          batch.Put(LevelStateKey(w.name), w.state->SerializeAsString())));
    }
    const std::string prefix = AssessmentPrefix(w.name);
    for (const auto& [id, assessment] : w.assessments) {
      RETURN_IF_ERROR(FromRocksDb(
          batch.Put(absl::StrCat(prefix, id), assessment.SerializeAsString())));
    }
    for (const v1::AuditEvent& event : w.audit) {
      RETURN_IF_ERROR(AddAudit(w.name.org, event, &batch));
    }
  }
  if (batch.Count() == 0) return absl::OkStatus();
  return Write(&batch);
}

absl::StatusOr<bool> RocksDbStore::HasAssessment(const PersonName& name,
                                                 absl::string_view id) {
  std::string value;
  rocksdb::Status s = db_->Get(
      rocksdb::ReadOptions(), absl::StrCat(AssessmentPrefix(name), id), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocksDb(s);
  return true;
}

absl::Status RocksDbStore::GetLevelState(const PersonName& name,
                                         LevelState* state) {
  const std::string key = LevelStateKey(name);
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), key, &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("no level state for ", name.Format()));
  }
  if (!s.ok()) return FromRocksDb(s);
  if (!state->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("unparsable level state at key ", key));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Assessment> RocksDbStore::GetAssessment(
    const PersonName& name, absl::string_view id) {
  std::string value;
  rocksdb::Status s = db_->Get(
      rocksdb::ReadOptions(), absl::StrCat(AssessmentPrefix(name), id), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat(
        "assessment_id: no assessment ", name.Format(), "/assessments/", id));
  }
  if (!s.ok()) return FromRocksDb(s);
  v1::Assessment assessment;
  if (!assessment.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat(
        "unparsable assessment ", name.Format(), "/assessments/", id));
  }
  return std::move(assessment);
}

absl::Status RocksDbStore::AppendAssessment(const PersonName& name,
                                            absl::string_view id,
                                            const v1::Assessment& assessment,
                                            const PersonLevels& derived,
                                            const LevelState* state,
                                            const v1::AuditEvent* audit) {
  rocksdb::WriteBatch batch;
  batch.Put(absl::StrCat(AssessmentPrefix(name), id),
            assessment.SerializeAsString());
  batch.Put(DerivedKey(name), derived.SerializeAsString());
  if (state != nullptr) {
    batch.Put(LevelStateKey(name), state->SerializeAsString());
  }
  if (audit != nullptr) RETURN_IF_ERROR(AddAudit(name.org, *audit, &batch));
  return Write(&batch);
}

absl::Status RocksDbStore::ScanProfiles(absl::string_view org,
                                        absl::string_view start_after,
                                        const ProfileVisitor& visit) {
  return ScanPeople(org, start_after, /*parse_levels=*/true,
                    [&](const StoredProfile& record, absl::string_view) {
                      return visit(record);
                    });
}

absl::Status RocksDbStore::ScanProfileRecords(
    absl::string_view org, absl::string_view start_after,
    const ProfileRecordVisitor& visit) {
  return ScanPeople(org, start_after, /*parse_levels=*/false, visit);
}

absl::Status RocksDbStore::ScanPeople(absl::string_view org,
                                      absl::string_view start_after,
                                      bool parse_levels,
                                      const ProfileRecordVisitor& visit) {
  const std::string prefix = PeoplePrefix(org);
  const std::string end = PrefixEnd(prefix);
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  if (!parse_levels) {
    // The whole range in one pass (the start-up rebuild): read ahead, and
    // keep the block cache for the blocks that calls will ask for again.
    options.readahead_size = 2 << 20;
    options.fill_cache = false;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  // A person's keys here are their profile record and, right after it, its
  // PersonLevels (none in schema version 1): the scan reads them in turn.
  google::protobuf::Arena arena;
  it->Seek(start_after.empty() ? prefix
                               : absl::StrCat(prefix, start_after, "\""));
  std::string profile_key;
  std::string value;
  while (it->Valid()) {
    const rocksdb::Slice key = it->key();
    if (key.size() < prefix.size() + 2 || key[key.size() - 1] != '!' ||
        key[key.size() - 2] == '!') {
      return absl::DataLossError(
          absl::StrCat("unexpected key ", key.ToString()));
    }
    profile_key.assign(key.data(), key.size());
    value.assign(it->value().data(), it->value().size());
    it->Next();
    const bool joined = it->Valid() &&
                        it->key().size() == profile_key.size() + 1 &&
                        it->key().starts_with(profile_key);
    const rocksdb::Slice derived = joined ? it->value() : rocksdb::Slice();
    // On an arena reset per person: a record is a few hundred small
    // objects (one per indicator id), freed together.
    auto* record =
        google::protobuf::Arena::CreateMessage<StoredProfile>(&arena);
    RETURN_IF_ERROR(ParseProfile(
        profile_key, value, joined ? &derived : nullptr, record, parse_levels));
    const bool more =
        visit(*record, parse_levels
                           ? absl::string_view()
                           : absl::string_view(derived.data(), derived.size()));
    arena.Reset();
    if (!more) return absl::OkStatus();
    if (joined) it->Next();
  }
  return FromRocksDb(it->status());
}

absl::StatusOr<std::vector<std::string>> RocksDbStore::SplitPeople(
    absl::string_view org, int parts) {
  std::vector<std::string> splits;
  if (parts < 2) return splits;
  const std::string prefix = PeoplePrefix(org);
  // Candidates: the people at the edges of the table files.
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  std::set<std::string> ids;
  for (const rocksdb::LiveFileMetaData& file : files) {
    if (file.column_family_name != rocksdb::kDefaultColumnFamilyName) continue;
    for (const std::string* key : {&file.smallestkey, &file.largestkey}) {
      if (key->size() <= prefix.size() ||
          key->compare(0, prefix.size(), prefix) != 0) {
        continue;
      }
      const size_t bang = key->find('!', prefix.size());
      if (bang == std::string::npos || bang == prefix.size()) continue;
      ids.insert(key->substr(prefix.size(), bang - prefix.size()));
    }
  }
  if (ids.empty()) return splits;
  const std::vector<std::string> candidates(ids.begin(), ids.end());
  // The bytes on disk up to each candidate's last key, and in all.
  std::vector<std::string> bounds;
  for (const std::string& id : candidates) {
    bounds.push_back(absl::StrCat(prefix, id, "\""));  // '"' follows '!'
  }
  bounds.push_back(PrefixEnd(prefix));
  std::vector<rocksdb::Range> ranges;
  for (const std::string& bound : bounds) ranges.emplace_back(prefix, bound);
  std::vector<uint64_t> sizes(ranges.size());
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  RETURN_IF_ERROR(FromRocksDb(db_->GetApproximateSizes(
      options, db_->DefaultColumnFamily(), ranges.data(),
      static_cast<int>(ranges.size()), sizes.data())));
  const uint64_t total = sizes.back();
  size_t i = 0;
  for (int k = 1; k < parts; ++k) {
    const uint64_t goal = total / parts * k;
    while (i < candidates.size() && sizes[i] < goal) ++i;
    if (i == candidates.size() || sizes[i] >= total) break;
    splits.push_back(candidates[i++]);
  }
  return splits;
}

absl::Status RocksDbStore::ScanAssessments(const PersonName& name,
                                           absl::string_view start_after,
                                           const AssessmentVisitor& visit) {
  const std::string prefix = AssessmentPrefix(name);
  const std::string end = PrefixEnd(prefix);
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  it->Seek(prefix);
  if (!start_after.empty()) {
    std::string after = absl::StrCat(prefix, start_after);
    it->Seek(after);
    if (it->Valid() && it->key() == rocksdb::Slice(after)) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    absl::string_view id(it->key().data() + prefix.size(),
                         it->key().size() - prefix.size());
    v1::Assessment assessment;
    if (!assessment.ParseFromArray(it->value().data(),
                                   static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("unparsable assessment at key ", it->key().ToString()));
    }
    if (!visit(id, assessment)) return absl::OkStatus();
  }
  return FromRocksDb(it->status());
}

absl::Status RocksDbStore::DeleteOrganization(absl::string_view org) {
  std::string prefix = absl::StrCat(kOrgRoot, org, "/");
  rocksdb::WriteBatch batch;
  batch.DeleteRange(prefix, PrefixEnd(prefix));
  return Write(&batch);
}

absl::StatusOr<bool> RocksDbStore::IsEmpty() {
  rocksdb::ReadOptions options;
  std::string end = PrefixEnd(kOrgRoot);
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  it->Seek(kOrgRoot);
  if (!it->status().ok()) return FromRocksDb(it->status());
  return !it->Valid();
}

absl::StatusOr<std::string> RocksDbStore::GetItem(absl::string_view org,
                                                  CatalogKind kind,
                                                  absl::string_view id) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(),
                               absl::StrCat(ItemPrefix(org, kind), id), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("name: no such item \"", id, "\""));
  }
  if (!s.ok()) return FromRocksDb(s);
  return value;
}

absl::Status RocksDbStore::PutItem(absl::string_view org, CatalogKind kind,
                                   absl::string_view id,
                                   const std::string& value) {
  rocksdb::WriteBatch batch;
  batch.Put(absl::StrCat(ItemPrefix(org, kind), id), value);
  return Write(&batch);
}

absl::Status RocksDbStore::DeleteItem(absl::string_view org, CatalogKind kind,
                                      absl::string_view id) {
  rocksdb::WriteBatch batch;
  batch.Delete(absl::StrCat(ItemPrefix(org, kind), id));
  return Write(&batch);
}

absl::Status RocksDbStore::ScanItems(absl::string_view org, CatalogKind kind,
                                     absl::string_view start_after,
                                     const ItemVisitor& visit) {
  const std::string prefix = ItemPrefix(org, kind);
  const std::string end = PrefixEnd(prefix);
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  std::string after = absl::StrCat(prefix, start_after);
  it->Seek(after);
  if (!start_after.empty() && it->Valid() &&
      it->key() == rocksdb::Slice(after)) {
    it->Next();
  }
  for (; it->Valid(); it->Next()) {
    absl::string_view id(it->key().data() + prefix.size(),
                         it->key().size() - prefix.size());
    if (!visit(id, it->value().ToString())) return absl::OkStatus();
  }
  return FromRocksDb(it->status());
}

absl::Status RocksDbStore::ScanOrganizations(
    const std::function<void(absl::string_view org)>& visit) {
  rocksdb::ReadOptions options;
  std::string end = PrefixEnd(kOrgRoot);
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  it->Seek(kOrgRoot);
  while (it->Valid()) {
    absl::string_view rest(it->key().data() + 2, it->key().size() - 2);
    absl::string_view org = rest.substr(0, rest.find('/'));
    visit(org);
    it->Seek(PrefixEnd(absl::StrCat(kOrgRoot, org, "/")));
  }
  return FromRocksDb(it->status());
}

}  // namespace vakwijzer::storage
