// SnapshotCache: person views, sorted copy-on-write snapshots, loading
// from a RocksDbStore, concurrency, and consistency with the managers that
// write through it.
//
// mini: ordinals over the whole framework are j-a1-1 0, j-a1-2 1, s-a1-1 2,
// j-a2-1 3, s-a2-1 4, j-b1-1 5, s-b1-1 6. Stages basic (1) and good (2,
// default); scale 0..3.
#include "services/core/snapshot_cache.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wire_format_lite.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "services/core/catalog_manager.h"
#include "services/core/profile_manager.h"
#include "storage/rocksdb_store.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::core {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::vakwijzer::plugins::OrgSnapshot;
using ::vakwijzer::plugins::PersonView;
using ::vakwijzer::testing::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

storage::StoredProfile Record(
    const std::string& id,
    const std::vector<std::pair<std::string, double>>& levels = {},
    const std::string& track = "junior", const std::string& stage = "good",
    const std::string& org = "acme") {
  storage::StoredProfile record;
  v1::Profile* p = record.mutable_profile();
  p->set_name(absl::StrCat("organizations/", org, "/people/", id));
  p->set_framework("frameworks/mini");
  p->set_track(track);
  p->set_target_stage(stage);
  for (const auto& [indicator, level] : levels) {
    record.mutable_derived()->add_indicator(indicator);
    record.mutable_derived()->add_level(level);
  }
  return record;
}

v1::TrainingModule Module(const std::string& id, const std::string& title = "M",
                          const std::string& org = "acme") {
  v1::TrainingModule m;
  m.set_name(absl::StrCat("organizations/", org, "/modules/", id));
  m.set_title(title);
  return m;
}

v1::Role Role(const std::string& id, const std::string& title = "R") {
  v1::Role r;
  r.set_name(absl::StrCat("organizations/acme/roles/", id));
  r.set_title(title);
  return r;
}

v1::ClientCase Case(const std::string& id, const std::string& title = "C") {
  v1::ClientCase c;
  c.set_name(absl::StrCat("organizations/acme/cases/", id));
  c.set_title(title);
  return c;
}

std::vector<std::string> PersonIds(const OrgSnapshot& snap) {
  std::vector<std::string> out;
  for (const auto& p : snap.people) out.push_back(p->id);
  return out;
}

template <typename Items>
std::vector<std::string> Names(const Items& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.name());
  return out;
}

bool SameLevel(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Field by field; levels compare NaN equal to NaN.
void ExpectSamePerson(const PersonView& a, const PersonView& b) {
  SCOPED_TRACE(a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.framework, b.framework);
  EXPECT_EQ(a.track, b.track);
  EXPECT_EQ(a.target_level, b.target_level);
  EXPECT_EQ(a.teams, b.teams);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.languages, b.languages);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.mentoring_capacity, b.mentoring_capacity);
  EXPECT_EQ(a.caseload_capacity, b.caseload_capacity);
  EXPECT_EQ(a.current_caseload, b.current_caseload);
  EXPECT_EQ(a.completed_modules, b.completed_modules);
  ASSERT_EQ(a.levels.size(), b.levels.size());
  for (size_t i = 0; i < a.levels.size(); ++i) {
    EXPECT_TRUE(SameLevel(a.levels[i], b.levels[i]))
        << "ordinal " << i << ": " << a.levels[i] << " vs " << b.levels[i];
  }
}

template <typename Items>
void ExpectSameItems(const Items& a, const Items& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(a[i], b[i]))
        << a[i].DebugString() << "\nvs\n"
        << b[i].DebugString();
  }
}

void ExpectSameSnapshot(const OrgSnapshot& a, const OrgSnapshot& b) {
  EXPECT_EQ(a.org, b.org);
  ASSERT_EQ(PersonIds(a), PersonIds(b));
  for (size_t i = 0; i < a.people.size(); ++i) {
    ExpectSamePerson(*a.people[i], *b.people[i]);
  }
  ExpectSameItems(a.modules, b.modules);
  ExpectSameItems(a.roles, b.roles);
  ExpectSameItems(a.cases, b.cases);
}

class SnapshotCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    mini_ = frameworks_->Find("mini");
    ASSERT_NE(mini_, nullptr);
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
  }

  int Ordinal(const std::string& indicator) const {
    const framework::IndicatorRef* ref = mini_->FindIndicator(indicator);
    EXPECT_NE(ref, nullptr) << indicator;
    return ref == nullptr ? -1 : ref->ordinal;
  }

  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  const framework::FrameworkIndex* mini_ = nullptr;
  std::unique_ptr<SnapshotCache> cache_;
};

// ------------------------------------------------------------ PersonView

TEST_F(SnapshotCacheTest, PersonViewPlacesLevelsAtTheirOrdinals) {
  std::shared_ptr<const PersonView> view = cache_->MakePersonView(
      Record("p1", {{"j-a1-2", 2.5}, {"j-b1-1", 1}, {"gone", 3}}));
  ASSERT_NE(view, nullptr);
  ASSERT_EQ(view->levels.size(), 7u);
  EXPECT_EQ(Ordinal("j-a1-2"), 1);
  EXPECT_EQ(Ordinal("j-b1-1"), 5);
  for (int i = 0; i < 7; ++i) {
    if (i == 1) {
      EXPECT_FLOAT_EQ(view->levels[i], 2.5f);
    } else if (i == 5) {
      EXPECT_FLOAT_EQ(view->levels[i], 1.0f);
    } else {
      EXPECT_TRUE(std::isnan(view->levels[i])) << i;
      EXPECT_FALSE(plugins::IsKnown(view->levels[i])) << i;
    }
  }
}

TEST_F(SnapshotCacheTest, PersonViewOfUnratedPersonIsAllUnknown) {
  std::shared_ptr<const PersonView> view =
      cache_->MakePersonView(Record("p1", {}, "senior"));
  ASSERT_NE(view, nullptr);
  ASSERT_EQ(view->levels.size(), 7u);
  for (float level : view->levels) EXPECT_TRUE(std::isnan(level));
}

TEST_F(SnapshotCacheTest, PersonViewKeepsLevelZeroDistinctFromUnknown) {
  std::shared_ptr<const PersonView> view =
      cache_->MakePersonView(Record("p1", {{"s-b1-1", 0}}, "senior"));
  ASSERT_NE(view, nullptr);
  EXPECT_TRUE(plugins::IsKnown(view->levels[6]));
  EXPECT_EQ(view->levels[6], 0.0f);
}

TEST_F(SnapshotCacheTest, PersonViewCopiesTheProfile) {
  storage::StoredProfile record = Record("p-7", {}, "senior", "basic");
  v1::Profile* p = record.mutable_profile();
  p->set_display_name("Ann");
  p->add_teams("noord");
  p->add_teams("zuid");
  p->set_role("coach");
  p->add_languages("nl");
  p->add_languages("tr");
  p->set_region("groningen");
  p->set_mentoring_capacity(2);
  p->set_caseload_capacity(12);
  p->set_current_caseload(5);
  p->add_completed_modules("m1");
  p->add_completed_modules("m9");
  std::shared_ptr<const PersonView> view = cache_->MakePersonView(record);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->id, "p-7");
  EXPECT_EQ(view->display_name, "Ann");
  EXPECT_EQ(view->framework, mini_);
  EXPECT_EQ(view->track, "senior");
  EXPECT_EQ(view->target_level, 1);
  EXPECT_EQ(view->teams, std::vector<std::string>({"noord", "zuid"}));
  EXPECT_EQ(view->role, "coach");
  EXPECT_EQ(view->languages, std::vector<std::string>({"nl", "tr"}));
  EXPECT_EQ(view->region, "groningen");
  EXPECT_EQ(view->mentoring_capacity, 2);
  EXPECT_EQ(view->caseload_capacity, 12);
  EXPECT_EQ(view->current_caseload, 5);
  EXPECT_EQ(view->completed_modules, std::vector<std::string>({"m1", "m9"}));
}

TEST_F(SnapshotCacheTest, PersonViewTargetLevelFollowsTheStage) {
  auto basic = cache_->MakePersonView(Record("p1", {}, "junior", "basic"));
  auto good = cache_->MakePersonView(Record("p1", {}, "junior", "good"));
  ASSERT_NE(basic, nullptr);
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(basic->target_level, 1);
  EXPECT_EQ(good->target_level, 2);
}

TEST_F(SnapshotCacheTest, PersonViewOfUnknownFrameworkIsNull) {
  storage::StoredProfile record = Record("p1", {{"j-a1-1", 1}});
  record.mutable_profile()->set_framework("frameworks/sfd-2021");
  EXPECT_EQ(cache_->MakePersonView(record), nullptr);
  record.mutable_profile()->set_framework("mini");  // malformed name
  EXPECT_EQ(cache_->MakePersonView(record), nullptr);
  record.mutable_profile()->clear_framework();
  EXPECT_EQ(cache_->MakePersonView(record), nullptr);
}

// The view of a record whose PersonLevels is handed over serialized, as
// the start-up rebuild reads it.
std::shared_ptr<const PersonView> FromBytes(const SnapshotCache& cache,
                                            storage::StoredProfile record,
                                            const std::string& levels) {
  record.clear_derived();
  absl::StatusOr<std::shared_ptr<const PersonView>> view =
      cache.MakePersonView(record, levels);
  EXPECT_OK(view.status());
  return view.ok() ? *view : nullptr;
}

// Oracle: the view of the parsed message (protobuf's parser, a hash
// look-up per id). Random subsets of mini's ids in random order, unknown
// ids, repeats, and levels of any value.
TEST_F(SnapshotCacheTest, PersonViewFromSerializedLevelsEqualsTheParsedOne) {
  const std::vector<std::string> ids = {"j-a1-1", "j-a1-2", "s-a1-1",
                                        "j-a2-1", "s-a2-1", "j-b1-1",
                                        "s-b1-1", "gone",   ""};
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    SCOPED_TRACE(round);
    storage::StoredProfile record = Record("p1");
    storage::PersonLevels* derived = record.mutable_derived();
    derived->set_assessment_count(round);
    derived->set_next_assessment_seq(round * 3);
    const int n = std::uniform_int_distribution<int>(0, 10)(rng);
    const bool ordered = round % 2 == 0;
    for (int i = 0; i < n; ++i) {
      const int k =
          ordered ? std::min<int>(i, ids.size() - 1)
                  : std::uniform_int_distribution<int>(0, ids.size() - 1)(rng);
      derived->add_indicator(ids[k]);
      derived->add_level(std::uniform_int_distribution<int>(0, 12)(rng) / 4.0f);
    }
    std::shared_ptr<const PersonView> expected = cache_->MakePersonView(record);
    std::shared_ptr<const PersonView> decoded =
        FromBytes(*cache_, record, derived->SerializeAsString());
    ASSERT_NE(expected, nullptr);
    ASSERT_NE(decoded, nullptr);
    ExpectSamePerson(*decoded, *expected);
  }
}

// Levels written one float per field (valid wire format, if not what
// protobuf writes) and fields this version does not know are read too.
TEST_F(SnapshotCacheTest, PersonViewFromSerializedLevelsTakesAnyValidEncoding) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    using google::protobuf::internal::WireFormatLite;
    WireFormatLite::WriteInt64(1, 4, &coded);
    WireFormatLite::WriteString(3, "j-b1-1", &coded);
    WireFormatLite::WriteFloat(4, 1.5f, &coded);  // unpacked
    WireFormatLite::WriteString(99, "from a newer version", &coded);
    WireFormatLite::WriteString(3, "j-a1-1", &coded);
    WireFormatLite::WriteFloat(4, 3.0f, &coded);
  }
  std::shared_ptr<const PersonView> view =
      FromBytes(*cache_, Record("p1"), bytes);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->levels[Ordinal("j-b1-1")], 1.5f);
  EXPECT_EQ(view->levels[Ordinal("j-a1-1")], 3.0f);
  EXPECT_TRUE(std::isnan(view->levels[Ordinal("j-a1-2")]));
}

TEST_F(SnapshotCacheTest, PersonViewFromCorruptLevelsIsDataLoss) {
  storage::PersonLevels two;
  two.add_indicator("j-a1-1");
  two.add_indicator("j-a1-2");
  two.add_level(1);
  storage::PersonLevels one = two;
  one.add_level(2);
  const std::string whole = one.SerializeAsString();
  std::string odd_floats =
      "\x22\x03"
      "abc";  // field 4, 3 bytes
  for (const std::string& bytes :
       {two.SerializeAsString(), whole.substr(0, whole.size() - 1),
        whole.substr(0, 5), odd_floats, std::string("\xff")}) {
    SCOPED_TRACE(absl::CHexEscape(bytes));
    storage::StoredProfile record = Record("p1");
    absl::StatusOr<std::shared_ptr<const PersonView>> view =
        cache_->MakePersonView(record, bytes);
    EXPECT_EQ(view.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(view.status().message(),
                                  "organizations/acme/people/p1"))
        << view.status();
  }
}

// ------------------------------------------------------------------- People

TEST_F(SnapshotCacheTest, PutPersonInsertsSortedAndReplaces) {
  for (const char* id : {"c", "a", "b", "a-b", "B"}) {
    cache_->PutPerson("acme", Record(id));
  }
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get("acme");
  EXPECT_EQ(snap->org, "acme");
  EXPECT_EQ(PersonIds(*snap),
            std::vector<std::string>({"B", "a", "a-b", "b", "c"}));

  storage::StoredProfile again = Record("a-b", {{"j-a1-1", 3}});
  again.mutable_profile()->set_region("oost");
  cache_->PutPerson("acme", again);
  snap = cache_->Get("acme");
  EXPECT_EQ(PersonIds(*snap),
            std::vector<std::string>({"B", "a", "a-b", "b", "c"}));
  const PersonView* p = snap->FindPerson("a-b");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->region, "oost");
  EXPECT_EQ(p->levels[0], 3.0f);
  EXPECT_EQ(snap->FindPerson("zz"), nullptr);
}

TEST_F(SnapshotCacheTest, PutPersonWithUnloadedFrameworkDropsThePerson) {
  cache_->PutPerson("acme", Record("a"));
  cache_->PutPerson("acme", Record("b"));
  storage::StoredProfile moved = Record("a");
  moved.mutable_profile()->set_framework("frameworks/gone");
  cache_->PutPerson("acme", moved);
  EXPECT_EQ(PersonIds(*cache_->Get("acme")), std::vector<std::string>({"b"}));
  moved.mutable_profile()->set_name("organizations/acme/people/new");
  cache_->PutPerson("acme", moved);
  EXPECT_EQ(PersonIds(*cache_->Get("acme")), std::vector<std::string>({"b"}));
}

TEST_F(SnapshotCacheTest, ErasePersonRemovesOnlyThatPerson) {
  for (const char* id : {"a", "b", "c"}) cache_->PutPerson("acme", Record(id));
  cache_->PutPerson("other", Record("b", {}, "junior", "good", "other"));
  cache_->ErasePerson("acme", "b");
  EXPECT_EQ(PersonIds(*cache_->Get("acme")),
            std::vector<std::string>({"a", "c"}));
  EXPECT_EQ(PersonIds(*cache_->Get("other")), std::vector<std::string>({"b"}));
  cache_->ErasePerson("acme", "nope");
  EXPECT_EQ(PersonIds(*cache_->Get("acme")),
            std::vector<std::string>({"a", "c"}));
}

// ---------------------------------------------------------------- Catalogue

TEST_F(SnapshotCacheTest, CatalogueItemsStaySortedByName) {
  for (const char* id : {"m3", "m1", "m2"})
    cache_->PutModule("acme", Module(id));
  for (const char* id : {"r2", "r1"}) cache_->PutRole("acme", Role(id));
  for (const char* id : {"c9", "c10", "c1"}) cache_->PutCase("acme", Case(id));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get("acme");
  EXPECT_EQ(Names(snap->modules),
            std::vector<std::string>({"organizations/acme/modules/m1",
                                      "organizations/acme/modules/m2",
                                      "organizations/acme/modules/m3"}));
  EXPECT_EQ(Names(snap->roles),
            std::vector<std::string>({"organizations/acme/roles/r1",
                                      "organizations/acme/roles/r2"}));
  EXPECT_EQ(Names(snap->cases),
            std::vector<std::string>({"organizations/acme/cases/c1",
                                      "organizations/acme/cases/c10",
                                      "organizations/acme/cases/c9"}));
  ASSERT_NE(snap->FindRole("organizations/acme/roles/r2"), nullptr);
  EXPECT_EQ(snap->FindCase("organizations/acme/cases/c10")->name(),
            "organizations/acme/cases/c10");
  EXPECT_EQ(snap->FindCase("organizations/acme/cases/c2"), nullptr);
}

TEST_F(SnapshotCacheTest, PutItemReplacesAndEraseItemRemovesByName) {
  for (const char* id : {"m1", "m2", "m3"})
    cache_->PutModule("acme", Module(id));
  cache_->PutRole("acme", Role("m2"));
  cache_->PutModule("acme", Module("m2", "renamed"));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get("acme");
  ASSERT_EQ(snap->modules.size(), 3u);
  EXPECT_EQ(snap->modules[1].title(), "renamed");

  // Only the item of that name goes; the role with the same id stays.
  cache_->EraseItem("acme", "organizations/acme/modules/m2");
  snap = cache_->Get("acme");
  EXPECT_EQ(Names(snap->modules),
            std::vector<std::string>({"organizations/acme/modules/m1",
                                      "organizations/acme/modules/m3"}));
  EXPECT_EQ(snap->roles.size(), 1u);
  cache_->EraseItem("acme", "organizations/acme/roles/m2");
  EXPECT_TRUE(cache_->Get("acme")->roles.empty());
  cache_->EraseItem("acme", "organizations/acme/modules/none");
  EXPECT_EQ(cache_->Get("acme")->modules.size(), 2u);
}

// ------------------------------------------------------------- Snapshots

TEST_F(SnapshotCacheTest, GetOfUnknownOrganisationIsEmptyWithOrgSet) {
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get("nobody");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->org, "nobody");
  EXPECT_TRUE(snap->people.empty());
  EXPECT_TRUE(snap->modules.empty());
  EXPECT_TRUE(snap->roles.empty());
  EXPECT_TRUE(snap->cases.empty());
  cache_->PutPerson("acme", Record("a"));
  EXPECT_TRUE(cache_->Get("nobody")->people.empty());
  EXPECT_EQ(cache_->Get("acme")->org, "acme");
}

TEST_F(SnapshotCacheTest, SnapshotTakenBeforeAWriteIsUnchanged) {
  cache_->PutPerson("acme", Record("a", {{"j-a1-1", 1}}));
  cache_->PutPerson("acme", Record("b"));
  cache_->PutModule("acme", Module("m1"));
  cache_->PutRole("acme", Role("r1"));
  cache_->PutCase("acme", Case("c1"));
  std::shared_ptr<const OrgSnapshot> before = cache_->Get("acme");
  const PersonView* a_before = before->FindPerson("a");
  ASSERT_NE(a_before, nullptr);

  cache_->PutPerson("acme", Record("a", {{"j-a1-1", 3}}));
  cache_->PutPerson("acme", Record("c"));
  cache_->ErasePerson("acme", "b");
  cache_->PutModule("acme", Module("m1", "changed"));
  cache_->PutModule("acme", Module("m0"));
  cache_->EraseItem("acme", "organizations/acme/roles/r1");
  cache_->PutCase("acme", Case("c2"));

  EXPECT_EQ(PersonIds(*before), std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(before->FindPerson("a"), a_before);
  EXPECT_EQ(a_before->levels[0], 1.0f);
  ASSERT_EQ(before->modules.size(), 1u);
  EXPECT_EQ(before->modules[0].title(), "M");
  EXPECT_EQ(before->roles.size(), 1u);
  EXPECT_EQ(before->cases.size(), 1u);

  std::shared_ptr<const OrgSnapshot> after = cache_->Get("acme");
  EXPECT_NE(after, before);
  EXPECT_EQ(PersonIds(*after), std::vector<std::string>({"a", "c"}));
  EXPECT_EQ(after->FindPerson("a")->levels[0], 3.0f);
  EXPECT_EQ(after->modules.size(), 2u);
  EXPECT_TRUE(after->roles.empty());
  EXPECT_EQ(after->cases.size(), 2u);
}

TEST_F(SnapshotCacheTest, WriteToOneOrganisationLeavesOthersSnapshotAlone) {
  cache_->PutPerson("acme", Record("a"));
  cache_->PutPerson("beta", Record("a", {}, "junior", "good", "beta"));
  std::shared_ptr<const OrgSnapshot> beta = cache_->Get("beta");
  cache_->PutPerson("acme", Record("b"));
  cache_->PutModule("acme", Module("m1"));
  EXPECT_EQ(cache_->Get("beta"), beta);
  // Reading does not copy.
  EXPECT_EQ(cache_->Get("acme"), cache_->Get("acme"));
}

// ---------------------------------------------------------------- LoadAll

class SnapshotCacheStoreTest : public SnapshotCacheTest {
 protected:
  void SetUp() override {
    SnapshotCacheTest::SetUp();
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
    ProfileManagerOptions options;
    options.default_framework = "mini";
    profiles_ = std::make_unique<ProfileManager>(
        frameworks_.get(), store_.get(), options, [this] { return Now(); },
        cache_.get());
    catalog_ = std::make_unique<CatalogManager>(frameworks_.get(), store_.get(),
                                                cache_.get(), "mini",
                                                [this] { return Now(); });
  }

  absl::Time Now() {
    absl::MutexLock lock(&clock_mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&clock_mu_);
    now_ += d;
  }

  absl::StatusOr<v1::Profile> CreateProfile(const std::string& org,
                                            const std::string& id,
                                            const std::string& track) {
    v1::CreateProfileRequest request;
    request.set_parent(absl::StrCat("organizations/", org));
    request.set_profile_id(id);
    request.mutable_profile()->set_track(track);
    request.mutable_profile()->set_display_name(absl::StrCat("Name ", id));
    request.mutable_profile()->add_teams("noord");
    request.mutable_profile()->add_languages("nl");
    request.mutable_profile()->set_region("groningen");
    request.mutable_profile()->set_mentoring_capacity(1);
    request.mutable_profile()->set_caseload_capacity(10);
    request.mutable_profile()->set_current_caseload(3);
    request.mutable_profile()->add_completed_modules("m1");
    return profiles_->CreateProfile(request);
  }

  absl::StatusOr<v1::Assessment> Rate(
      const std::string& person, v1::RaterRole role, const std::string& rater,
      const std::vector<std::pair<std::string, int>>& ratings) {
    v1::RecordAssessmentRequest request;
    request.set_parent(person);
    v1::Assessment* a = request.mutable_assessment();
    a->set_rater_role(role);
    a->set_rater(rater);
    for (const auto& [indicator, level] : ratings) {
      v1::Rating* r = a->add_ratings();
      r->set_indicator(indicator);
      r->set_level(level);
    }
    Advance(absl::Hours(1));
    return profiles_->RecordAssessment(request);
  }

  absl::StatusOr<v1::TrainingModule> CreateModule(const std::string& org,
                                                  const std::string& id,
                                                  const std::string& track) {
    v1::CreateModuleRequest request;
    request.set_parent(absl::StrCat("organizations/", org));
    request.set_module_id(id);
    v1::TrainingModule* m = request.mutable_module();
    m->set_title(absl::StrCat("Module ", id));
    m->set_hours(4);
    m->set_track(track);
    v1::Requirement* r = m->add_develops();
    r->set_competency("A.1");
    r->set_level(2);
    return catalog_->CreateModule(request);
  }

  TempDir dir_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<ProfileManager> profiles_;
  std::unique_ptr<CatalogManager> catalog_;
  absl::Mutex clock_mu_;
  absl::Time now_ = kT0;
};

TEST_F(SnapshotCacheStoreTest, LoadAllEqualsTheCacheUpdatedWriteByWrite) {
  // acme: three people with assessments, one updated, one deleted; a full
  // catalogue with an update and a delete. beta: one person and a module.
  ASSERT_OK(CreateProfile("acme", "p2", "junior"));
  ASSERT_OK(CreateProfile("acme", "p1", "senior"));
  ASSERT_OK(CreateProfile("acme", "p3", "junior"));
  ASSERT_OK(CreateProfile("acme", "gone", "junior"));
  ASSERT_OK(Rate("organizations/acme/people/p2", v1::SELF, "",
                 {{"j-a1-1", 3}, {"j-b1-1", 1}}));
  ASSERT_OK(Rate("organizations/acme/people/p2", v1::MANAGER, "m1",
                 {{"j-a1-1", 1}, {"j-a2-1", 2}}));
  ASSERT_OK(Rate("organizations/acme/people/p1", v1::PEER, "x",
                 {{"s-a1-1", 2}, {"s-b1-1", 0}}));
  ASSERT_OK(
      Rate("organizations/acme/people/gone", v1::SELF, "", {{"j-a1-1", 2}}));
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name("organizations/acme/people/p3");
  update.mutable_profile()->set_target_stage("basic");
  update.mutable_profile()->add_teams("oost");
  update.mutable_update_mask()->add_paths("target_stage");
  update.mutable_update_mask()->add_paths("teams");
  ASSERT_OK(profiles_->UpdateProfile(update));
  v1::DeleteProfileRequest del;
  del.set_name("organizations/acme/people/gone");
  ASSERT_OK(profiles_->DeleteProfile(del));

  ASSERT_OK(CreateModule("acme", "m2", "junior"));
  ASSERT_OK(CreateModule("acme", "m1", "senior"));
  ASSERT_OK(CreateModule("acme", "m3", ""));
  v1::CreateRoleRequest role;
  role.set_parent("organizations/acme");
  role.set_role_id("r1");
  role.mutable_role()->set_title("Role");
  role.mutable_role()->add_requirements()->set_indicator("j-a1-1");
  ASSERT_OK(catalog_->CreateRole(role));
  v1::CreateCaseRequest c;
  c.set_parent("organizations/acme");
  c.set_case_id("c1");
  c.mutable_case_()->set_title("Case");
  c.mutable_case_()->set_vaarwater(v1::ONSTUIMIG);
  c.mutable_case_()->add_requirements()->set_competency("B.1");
  ASSERT_OK(catalog_->CreateCase(c));
  v1::UpdateModuleRequest module_update;
  module_update.mutable_module()->set_name("organizations/acme/modules/m2");
  module_update.mutable_module()->set_cost(12.5);
  module_update.mutable_update_mask()->add_paths("cost");
  ASSERT_OK(catalog_->UpdateModule(module_update));
  v1::DeleteCatalogItemRequest del_module;
  del_module.set_name("organizations/acme/modules/m3");
  ASSERT_OK(catalog_->DeleteModule(del_module));

  ASSERT_OK(CreateProfile("beta", "q1", "senior"));
  ASSERT_OK(
      Rate("organizations/beta/people/q1", v1::SELF, "", {{"s-a2-1", 1}}));
  ASSERT_OK(CreateModule("beta", "m1", "senior"));

  // The live cache is what the writes made it.
  std::shared_ptr<const OrgSnapshot> live = cache_->Get("acme");
  EXPECT_EQ(PersonIds(*live), std::vector<std::string>({"p1", "p2", "p3"}));
  EXPECT_EQ(Names(live->modules),
            std::vector<std::string>({"organizations/acme/modules/m1",
                                      "organizations/acme/modules/m2"}));
  EXPECT_EQ(live->FindPerson("p3")->target_level, 1);
  EXPECT_EQ(live->FindPerson("p3")->teams, std::vector<std::string>({"oost"}));
  EXPECT_EQ(live->FindPerson("p1")->levels[Ordinal("s-a1-1")], 2.0f);
  EXPECT_EQ(live->FindPerson("p1")->levels[Ordinal("s-b1-1")], 0.0f);
  EXPECT_TRUE(std::isnan(live->FindPerson("p1")->levels[Ordinal("s-a2-1")]));
  EXPECT_TRUE(
      plugins::IsKnown(live->FindPerson("p2")->levels[Ordinal("j-a2-1")]));

  // The stored levels are the live ones.
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile p2,
                       store_->GetProfile(PersonName{"acme", "p2"}));
  ASSERT_EQ(p2.derived().indicator_size(), 3);
  for (int i = 0; i < p2.derived().indicator_size(); ++i) {
    const std::string& id = p2.derived().indicator(i);
    EXPECT_EQ(live->FindPerson("p2")->levels[Ordinal(id)],
              p2.derived().level(i))
        << id;
  }

  SnapshotCache loaded(frameworks_.get());
  ASSERT_OK(loaded.LoadAll(store_.get(), store_.get()));
  for (const char* org : {"acme", "beta"}) {
    SCOPED_TRACE(org);
    ExpectSameSnapshot(*loaded.Get(org), *cache_->Get(org));
  }
  EXPECT_EQ(loaded.Get("beta")->people.size(), 1u);
  EXPECT_EQ(loaded.Get("beta")->modules.size(), 1u);
}

// Three table files (each close of the store flushes one), so that the
// people split into parts; read in parallel they make the same snapshot.
TEST_F(SnapshotCacheStoreTest, LoadAllInPartsEqualsOneScan) {
  std::mt19937 rng(11);
  const std::vector<std::string> ids = {"j-a1-1", "j-a1-2", "s-a1-1", "j-a2-1",
                                        "s-a2-1", "j-b1-1", "s-b1-1"};
  profiles_.reset();
  catalog_.reset();
  for (int file = 0; file < 3; ++file) {
    for (int i = 0; i < 300; ++i) {
      const std::string id = absl::StrFormat("p%d%03d", file, i);
      storage::StoredProfile record =
          Record(id, {}, i % 2 ? "junior" : "senior");
      for (const std::string& indicator : ids) {
        if (rng() % 3 == 0) continue;
        record.mutable_derived()->add_indicator(indicator);
        record.mutable_derived()->add_level(rng() % 4);
      }
      if (i % 50 == 7)
        record.mutable_profile()->set_framework("frameworks/retired");
      ASSERT_OK(store_->PutProfile(PersonName{"acme", id}, record, nullptr));
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> splits,
                       store_->SplitPeople("acme", 2));
  ASSERT_FALSE(splits.empty());
  SnapshotCache one(frameworks_.get());
  ASSERT_OK(one.LoadAll(store_.get(), store_.get()));
  EXPECT_EQ(one.Get("acme")->people.size(), 3u * (300 - 6));
  for (int threads : {2, 3, 5}) {
    SCOPED_TRACE(threads);
    ScanPool pool(threads);
    SnapshotCache parts(frameworks_.get());
    ASSERT_OK(parts.LoadAll(store_.get(), store_.get(), &pool));
    ExpectSameSnapshot(*parts.Get("acme"), *one.Get("acme"));
  }
}

TEST_F(SnapshotCacheStoreTest, LoadAllOfCorruptLevelsIsDataLoss) {
  ASSERT_OK(CreateProfile("acme", "p1", "junior"));
  profiles_.reset();
  catalog_.reset();
  store_.reset();
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"audit", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(
        rocksdb::DB::Open(options, dir_.Sub("db"), families, &handles, &raw)
            .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put({}, "o/acme/p/p1!!",
                        "\x22\x03"
                        "abc")
                    .ok());
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  }
  ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
  SnapshotCache loaded(frameworks_.get());
  absl::Status s = loaded.LoadAll(store_.get(), store_.get());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "people/p1")) << s;
}

TEST_F(SnapshotCacheStoreTest, LoadAllOfAnEmptyStoreLeavesEveryOrgEmpty) {
  SnapshotCache loaded(frameworks_.get());
  ASSERT_OK(loaded.LoadAll(store_.get(), store_.get()));
  EXPECT_TRUE(loaded.Get("acme")->people.empty());
  EXPECT_TRUE(loaded.Get("acme")->modules.empty());
}

TEST_F(SnapshotCacheStoreTest, LoadAllSkipsPeopleOfUnloadedFrameworks) {
  ASSERT_OK(CreateProfile("acme", "p1", "junior"));
  storage::StoredProfile orphan = Record("p0");
  orphan.mutable_profile()->set_framework("frameworks/retired");
  ASSERT_OK(store_->PutProfile(PersonName{"acme", "p0"}, orphan, nullptr));
  SnapshotCache loaded(frameworks_.get());
  ASSERT_OK(loaded.LoadAll(store_.get(), store_.get()));
  EXPECT_EQ(PersonIds(*loaded.Get("acme")), std::vector<std::string>({"p1"}));
}

TEST_F(SnapshotCacheStoreTest, LoadAllFindsOrganisationsWithOnlyCatalogue) {
  ASSERT_OK(CreateModule("gamma", "m1", "junior"));
  SnapshotCache loaded(frameworks_.get());
  ASSERT_OK(loaded.LoadAll(store_.get(), store_.get()));
  EXPECT_EQ(loaded.Get("gamma")->modules.size(), 1u);
  EXPECT_TRUE(loaded.Get("gamma")->people.empty());
}

// ---------------------------------- Consistency with the ProfileManager

TEST_F(SnapshotCacheStoreTest, ProfileWritesReachTheCacheBeforeTheyReturn) {
  ASSERT_OK(CreateProfile("acme", "p1", "junior"));
  const PersonView* p = cache_->Get("acme")->FindPerson("p1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->target_level, 2);
  for (float level : p->levels) EXPECT_TRUE(std::isnan(level));

  ASSERT_OK(
      Rate("organizations/acme/people/p1", v1::SELF, "", {{"j-a1-2", 3}}));
  std::shared_ptr<const OrgSnapshot> snap = cache_->Get("acme");
  EXPECT_EQ(snap->FindPerson("p1")->levels[Ordinal("j-a1-2")], 3.0f);
  EXPECT_TRUE(std::isnan(snap->FindPerson("p1")->levels[Ordinal("j-a1-1")]));

  ASSERT_OK(Rate("organizations/acme/people/p1", v1::SELF, "",
                 {{"j-a1-2", 1}, {"j-b1-1", 2}}));
  snap = cache_->Get("acme");
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile stored,
                       store_->GetProfile(PersonName{"acme", "p1"}));
  ExpectSamePerson(*snap->FindPerson("p1"), *cache_->MakePersonView(stored));
  EXPECT_EQ(snap->FindPerson("p1")->levels[Ordinal("j-b1-1")], 2.0f);

  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name("organizations/acme/people/p1");
  update.mutable_profile()->set_target_stage("basic");
  update.mutable_update_mask()->add_paths("target_stage");
  ASSERT_OK(profiles_->UpdateProfile(update));
  EXPECT_EQ(cache_->Get("acme")->FindPerson("p1")->target_level, 1);
  // Levels survive a profile update.
  EXPECT_EQ(cache_->Get("acme")->FindPerson("p1")->levels[Ordinal("j-b1-1")],
            2.0f);

  // A failed write leaves the cache alone.
  update.mutable_profile()->set_target_stage("expert");
  EXPECT_FALSE(profiles_->UpdateProfile(update).ok());
  EXPECT_EQ(cache_->Get("acme")->FindPerson("p1")->target_level, 1);

  v1::DeleteProfileRequest del;
  del.set_name("organizations/acme/people/p1");
  ASSERT_OK(profiles_->DeleteProfile(del));
  EXPECT_EQ(cache_->Get("acme")->FindPerson("p1"), nullptr);
}

// ------------------------------------------------------------ Concurrency

TEST_F(SnapshotCacheTest, ConcurrentWritersAndReadersSeeConsistentSnapshots) {
  constexpr int kWriters = 4;
  constexpr int kEach = 100;
  const int ordinal = Ordinal("j-a1-1");
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> bad{0};
  std::atomic<int> snapshots{0};

  // Every person "w{t}-{i}" has region "r{t}" and level t on j-a1-1, set
  // twice (insert, then replace with caseload i).
  auto writer = [&](int t) {
    for (int i = 0; i < kEach; ++i) {
      const std::string id = absl::StrFormat("w%d-%03d", t, i);
      storage::StoredProfile record = Record(id, {{"j-a1-1", t}});
      record.mutable_profile()->set_region(absl::StrCat("r", t));
      cache_->PutPerson("acme", record);
      record.mutable_profile()->set_current_caseload(i);
      cache_->PutPerson("acme", record);
      if (i % 10 == 0) {
        cache_->PutModule("acme", Module(absl::StrCat("m", t, "-", i)));
      }
    }
    --writers_left;
  };
  auto reader = [&] {
    size_t last_size = 0;
    bool done = false;
    while (!done) {
      done = writers_left.load() == 0;  // one more pass after the writers
      std::shared_ptr<const OrgSnapshot> snap = cache_->Get("acme");
      ++snapshots;
      if (snap->people.size() < last_size) ++bad;  // only inserts happen
      last_size = snap->people.size();
      for (size_t i = 0; i < snap->people.size(); ++i) {
        const PersonView& p = *snap->people[i];
        if (i > 0 && !(snap->people[i - 1]->id < p.id)) ++bad;
        int t = p.id[1] - '0';
        if (p.levels.size() != 7 ||
            p.levels[ordinal] != static_cast<float>(t) ||
            p.region != absl::StrCat("r", t)) {
          ++bad;
        }
      }
      for (size_t i = 1; i < snap->modules.size(); ++i) {
        if (!(snap->modules[i - 1].name() < snap->modules[i].name())) ++bad;
      }
    }
  };

  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) threads.emplace_back(reader);
  for (int t = 0; t < kWriters; ++t) threads.emplace_back(writer, t);
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(snapshots.load(), 2);
  std::shared_ptr<const OrgSnapshot> final_snap = cache_->Get("acme");
  ASSERT_EQ(final_snap->people.size(), static_cast<size_t>(kWriters * kEach));
  for (int t = 0; t < kWriters; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const PersonView* p =
          final_snap->FindPerson(absl::StrFormat("w%d-%03d", t, i));
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(p->current_caseload, i);
    }
  }
  EXPECT_EQ(final_snap->modules.size(), static_cast<size_t>(kWriters * 10));
}

}  // namespace
}  // namespace vakwijzer::core
