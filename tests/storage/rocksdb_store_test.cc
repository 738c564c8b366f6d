#include "storage/rocksdb_store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::storage {
namespace {

using ::vakwijzer::testing::HasStatus;

using ::google::protobuf::util::MessageDifferencer;
using ::vakwijzer::testing::TempDir;

StoredProfile MakeProfile(const PersonName& name, int64_t revision) {
  StoredProfile record;
  v1::Profile* profile = record.mutable_profile();
  profile->set_name(name.Format());
  profile->set_framework("frameworks/sfd-2021");
  profile->set_track("hbo");
  profile->set_target_stage("vakvolwassen");
  profile->add_teams("noord");
  profile->add_teams("zuid");
  profile->set_role("schuldhulpverlener");
  (*profile->mutable_attributes())["regio"] = "utrecht";
  profile->set_mentoring_capacity(2);
  profile->mutable_create_time()->set_seconds(1700000000);
  record.set_revision(revision);
  PersonLevels* derived = record.mutable_derived();
  derived->set_assessment_count(revision);
  derived->set_next_assessment_seq(revision + 10);
  derived->add_indicator("hbo-1.1-1");
  derived->add_level(2.5);
  return record;
}

v1::Assessment MakeAssessment(absl::string_view rater, int level) {
  v1::Assessment a;
  a.set_rater_role(v1::PEER);
  a.set_rater(std::string(rater));
  a.set_framework("frameworks/sfd-2021");
  a.mutable_assess_time()->set_seconds(1700000000 + level);
  v1::Rating* r = a.add_ratings();
  r->set_indicator("hbo-1.1-1");
  r->set_level(level);
  r->set_evidence("seen in a case review");
  return a;
}

std::unique_ptr<RocksDbStore> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RocksDbStore>> store =
      RocksDbStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Person ids of the organisation's profiles, in scan order.
std::vector<std::string> ScanPeople(RocksDbStore& store, absl::string_view org,
                                    absl::string_view start_after = "") {
  std::vector<std::string> out;
  absl::Status s =
      store.ScanProfiles(org, start_after, [&](const StoredProfile& record) {
        const std::string& name = record.profile().name();
        out.push_back(name.substr(name.rfind('/') + 1));
        return true;
      });
  EXPECT_OK(s);
  return out;
}

std::vector<std::string> ScanAssessmentIds(RocksDbStore& store,
                                           const PersonName& name,
                                           absl::string_view start_after = "") {
  std::vector<std::string> out;
  absl::Status s = store.ScanAssessments(
      name, start_after, [&](absl::string_view id, const v1::Assessment&) {
        out.emplace_back(id);
        return true;
      });
  EXPECT_OK(s);
  return out;
}

class RocksDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    store_ = OpenOrDie(path_);
    ASSERT_NE(store_, nullptr);
  }

  // Closes the database (the destructor flushes) and opens it again.
  void Reopen() {
    store_.reset();
    store_ = OpenOrDie(path_);
    ASSERT_NE(store_, nullptr);
  }

  // A profile with `n` assessments "a1".."an".
  void AddPerson(const PersonName& name, int n) {
    ASSERT_OK(store_->PutProfile(name, MakeProfile(name, 1), nullptr));
    for (int i = 1; i <= n; ++i) {
      ASSERT_OK(store_->AppendAssessment(
          name, "a" + std::to_string(i), MakeAssessment("r", i),
          MakeProfile(name, 1 + i).derived(), nullptr, nullptr));
    }
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<RocksDbStore> store_;
};

TEST(FromRocksDbTest, MapsStatusCodes) {
  EXPECT_OK(FromRocksDb(rocksdb::Status::OK()));
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotFound("x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Corruption("x")).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::IOError("x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Busy("x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::TimedOut("x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::InvalidArgument("x")).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotSupported("x")).code(),
            absl::StatusCode::kInternal);
}

TEST_F(RocksDbStoreTest, NewStoreIsEmptyAndHasCurrentSchemaVersion) {
  ASSERT_OK_AND_ASSIGN(bool empty, store_->IsEmpty());
  EXPECT_TRUE(empty);
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_EQ(version, kSchemaVersion);
}

TEST_F(RocksDbStoreTest, SchemaVersionSurvivesReopen) {
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_EQ(version, kSchemaVersion);
}

TEST_F(RocksDbStoreTest, StoreWithAProfileIsNotEmpty) {
  const PersonName ann{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  ASSERT_OK_AND_ASSIGN(bool empty, store_->IsEmpty());
  EXPECT_FALSE(empty);
}

TEST_F(RocksDbStoreTest, StoreIsEmptyAgainAfterItsOnlyProfileIsDeleted) {
  const PersonName ann{"acme", "ann"};
  AddPerson(ann, 2);
  ASSERT_OK(store_->DeleteProfile(ann, nullptr));
  ASSERT_OK_AND_ASSIGN(bool empty, store_->IsEmpty());
  EXPECT_TRUE(empty);
}

TEST_F(RocksDbStoreTest, GetMissingProfileIsNotFound) {
  EXPECT_TRUE(HasStatus(store_->GetProfile({"acme", "nobody"}),
                        absl::StatusCode::kNotFound,
                        "organizations/acme/people/nobody"));
}

TEST_F(RocksDbStoreTest, PutThenGetRoundTrips) {
  const PersonName ann{"acme", "ann"};
  const StoredProfile record = MakeProfile(ann, 3);
  ASSERT_OK(store_->PutProfile(ann, record, nullptr));
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store_->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, record)) << got.DebugString();
}

TEST_F(RocksDbStoreTest, PutOverwritesTheProfile) {
  const PersonName ann{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  StoredProfile second = MakeProfile(ann, 2);
  second.mutable_profile()->clear_teams();
  second.mutable_profile()->set_role("coach");
  ASSERT_OK(store_->PutProfile(ann, second, nullptr));
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store_->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, second)) << got.DebugString();
  EXPECT_EQ(ScanPeople(*store_, "acme"), std::vector<std::string>{"ann"});
}

TEST_F(RocksDbStoreTest, ProfilesOfOrganisationsAreSeparate) {
  const PersonName in_acme{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(in_acme, MakeProfile(in_acme, 1), nullptr));
  EXPECT_EQ(store_->GetProfile({"other", "ann"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(ScanPeople(*store_, "other").empty());
  EXPECT_TRUE(ScanPeople(*store_, "acm").empty());
}

TEST_F(RocksDbStoreTest, AppendAssessmentWritesBothRecordsDurably) {
  const PersonName ann{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  const v1::Assessment assessment = MakeAssessment("bob", 3);
  StoredProfile updated = MakeProfile(ann, 1);
  updated.mutable_derived()->set_assessment_count(2);
  updated.mutable_derived()->set_level(0, 3);
  updated.mutable_derived()->add_indicator("hbo-1.2-1");
  updated.mutable_derived()->add_level(1.5);
  ASSERT_OK(store_->AppendAssessment(ann, "a-1", assessment, updated.derived(),
                                     nullptr, nullptr));

  Reopen();
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store_->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, updated)) << got.DebugString();
  ASSERT_OK_AND_ASSIGN(bool has, store_->HasAssessment(ann, "a-1"));
  EXPECT_TRUE(has);
  std::vector<std::pair<std::string, v1::Assessment>> seen;
  ASSERT_OK(store_->ScanAssessments(
      ann, "", [&](absl::string_view id, const v1::Assessment& a) {
        seen.emplace_back(std::string(id), a);
        return true;
      }));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "a-1");
  EXPECT_TRUE(MessageDifferencer::Equals(seen[0].second, assessment))
      << seen[0].second.DebugString();
}

TEST_F(RocksDbStoreTest,
       LevelStateIsWrittenWithItsAssessmentAndDeletedWithThePerson) {
  const PersonName ann{"acme", "ann"};
  const PersonName bob{"acme", "bob"};
  LevelState got;
  EXPECT_EQ(store_->GetLevelState(ann, &got).code(),
            absl::StatusCode::kNotFound);
  LevelState state;
  state.set_assessment_count(1);
  state.add_sources()->set_name(
      "organizations/acme/people/ann/assessments/a-1");
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  ASSERT_OK(store_->AppendAssessment(ann, "a-1", MakeAssessment("r", 3),
                                     MakeProfile(ann, 2).derived(), &state,
                                     nullptr));
  PersonWrite write;
  write.name = bob;
  write.record = MakeProfile(bob, 1);
  write.state = state;
  write.state->set_assessment_count(7);
  ASSERT_OK(store_->WritePeople({write}));

  Reopen();
  ASSERT_OK(store_->GetLevelState(ann, &got));
  EXPECT_TRUE(MessageDifferencer::Equals(got, state)) << got.DebugString();
  LevelState got_bob;
  ASSERT_OK(store_->GetLevelState(bob, &got_bob));
  EXPECT_EQ(got_bob.assessment_count(), 7);
  // Neither a profile nor an assessment to the scans.
  EXPECT_EQ(ScanPeople(*store_, "acme").size(), 2u);
  int assessments = 0;
  ASSERT_OK(store_->ScanAssessments(
      ann, "", [&](absl::string_view, const v1::Assessment&) {
        ++assessments;
        return true;
      }));
  EXPECT_EQ(assessments, 1);
  // A later append without a state leaves it.
  ASSERT_OK(store_->AppendAssessment(ann, "a-2", MakeAssessment("r", 1),
                                     MakeProfile(ann, 3).derived(), nullptr,
                                     nullptr));
  ASSERT_OK(store_->GetLevelState(ann, &got));

  ASSERT_OK(store_->DeleteProfile(ann, nullptr));
  EXPECT_EQ(store_->GetLevelState(ann, &got).code(),
            absl::StatusCode::kNotFound);
  ASSERT_OK(store_->GetLevelState(bob, &got_bob));
}

TEST_F(RocksDbStoreTest, AppendAssessmentLeavesTheProfilePart) {
  const PersonName ann{"acme", "ann"};
  StoredProfile record = MakeProfile(ann, 1);
  ASSERT_OK(store_->PutProfile(ann, record, nullptr));
  const StoredProfile later = MakeProfile(ann, 5);
  ASSERT_OK(store_->AppendAssessment(ann, "a-1", MakeAssessment("bob", 3),
                                     later.derived(), nullptr, nullptr));
  *record.mutable_derived() = later.derived();
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store_->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, record)) << got.DebugString();
}

TEST_F(RocksDbStoreTest, WritePeopleRewritesTheProfilePartOnlyWhenChanged) {
  const PersonName ann{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  PersonWrite write;
  write.name = ann;
  write.record = MakeProfile(ann, 4);
  write.record.mutable_profile()->set_role("coach");
  write.profile_changed = false;
  ASSERT_OK(store_->WritePeople({write}));
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store_->GetProfile(ann));
  EXPECT_EQ(got.revision(), 1);
  EXPECT_EQ(got.profile().role(), "schuldhulpverlener");
  EXPECT_EQ(got.derived().assessment_count(), 4);

  write.profile_changed = true;
  ASSERT_OK(store_->WritePeople({write}));
  ASSERT_OK_AND_ASSIGN(got, store_->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, write.record))
      << got.DebugString();
}

TEST_F(RocksDbStoreTest, HasAssessmentIsPerPersonAndId) {
  const PersonName ann{"acme", "ann"};
  AddPerson(ann, 2);  // a1, a2
  ASSERT_OK_AND_ASSIGN(bool a1, store_->HasAssessment(ann, "a1"));
  EXPECT_TRUE(a1);
  ASSERT_OK_AND_ASSIGN(bool a3, store_->HasAssessment(ann, "a3"));
  EXPECT_FALSE(a3);
  ASSERT_OK_AND_ASSIGN(bool prefix, store_->HasAssessment(ann, "a"));
  EXPECT_FALSE(prefix);
  ASSERT_OK_AND_ASSIGN(bool other,
                       store_->HasAssessment({"acme", "bob"}, "a1"));
  EXPECT_FALSE(other);
  ASSERT_OK_AND_ASSIGN(bool other_org,
                       store_->HasAssessment({"acme2", "ann"}, "a1"));
  EXPECT_FALSE(other_org);
}

TEST_F(RocksDbStoreTest, DeleteProfileRemovesProfileAndAssessments) {
  const PersonName ann{"acme", "ann"};
  AddPerson(ann, 3);
  ASSERT_OK(store_->DeleteProfile(ann, nullptr));
  EXPECT_EQ(store_->GetProfile(ann).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(ScanAssessmentIds(*store_, ann).empty());
  ASSERT_OK_AND_ASSIGN(bool has, store_->HasAssessment(ann, "a1"));
  EXPECT_FALSE(has);

  Reopen();
  EXPECT_EQ(store_->GetProfile(ann).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(ScanAssessmentIds(*store_, ann).empty());
}

TEST_F(RocksDbStoreTest, DeleteProfileSparesPeopleWhoseIdSharesAPrefix) {
  // Ids on both sides of '/' (0x2F) and '0' (0x30), the bounds of the
  // deleted range: '-' 0x2D and '.' 0x2E sort below, '2' and '_' above.
  const PersonName ann{"org", "ann"};
  const std::vector<PersonName> neighbours = {
      {"org", "an"},   {"org", "ann-c"}, {"org", "ann.b"}, {"org", "ann0"},
      {"org", "ann2"}, {"org", "ann_d"}, {"org", "annx"},  {"org2", "ann"},
      {"or", "ann"},   {"org.x", "ann"}, {"org-x", "ann"},
  };
  AddPerson(ann, 2);
  for (const PersonName& p : neighbours) AddPerson(p, 2);

  ASSERT_OK(store_->DeleteProfile(ann, nullptr));

  EXPECT_EQ(store_->GetProfile(ann).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(ScanAssessmentIds(*store_, ann).empty());
  for (const PersonName& p : neighbours) {
    SCOPED_TRACE(p.Format());
    EXPECT_OK(store_->GetProfile(p));
    EXPECT_EQ(ScanAssessmentIds(*store_, p),
              (std::vector<std::string>{"a1", "a2"}));
  }
}

TEST_F(RocksDbStoreTest, ScanProfilesVisitsInOrderOfPersonId) {
  for (const char* id : {"carl", "ann", "bob", "Zed", "0042"}) {
    AddPerson({"acme", id}, 2);
  }
  AddPerson({"other", "aaa"}, 1);
  // Byte order: digits < upper case < lower case.
  EXPECT_EQ(ScanPeople(*store_, "acme"),
            (std::vector<std::string>{"0042", "Zed", "ann", "bob", "carl"}));
}

TEST_F(RocksDbStoreTest, ScanProfilesSkipsAssessmentRecords) {
  AddPerson({"acme", "ann"}, 5);
  AddPerson({"acme", "bob"}, 0);
  AddPerson({"acme", "carl"}, 3);
  int visits = 0;
  ASSERT_OK(store_->ScanProfiles("acme", "", [&](const StoredProfile& r) {
    ++visits;
    EXPECT_TRUE(r.has_profile());
    return true;
  }));
  EXPECT_EQ(visits, 3);
}

TEST_F(RocksDbStoreTest, ScanProfilesOrderWithIdsThatArePrefixes) {
  for (const char* id : {"ann2", "ann", "ann_d", "ann.b", "ann-c"}) {
    AddPerson({"acme", id}, 1);
  }
  // Byte order of the ids: "ann" is a prefix of the others, so it comes
  // first; then '-' (0x2D) < '.' (0x2E) < '2' (0x32) < '_' (0x5F).
  // A terminator after the id that sorted above '-' and '.' (as '/' does)
  // would put "ann-c" and "ann.b" before "ann".
  EXPECT_EQ(
      ScanPeople(*store_, "acme"),
      (std::vector<std::string>{"ann", "ann-c", "ann.b", "ann2", "ann_d"}));
}

TEST_F(RocksDbStoreTest, ScanProfilesStartsAfterTheGivenId) {
  for (const char* id : {"ann", "bob", "carl", "dora"}) {
    AddPerson({"acme", id}, 2);
  }
  EXPECT_EQ(ScanPeople(*store_, "acme", "bob"),
            (std::vector<std::string>{"carl", "dora"}));
  // An id that is not stored: starts at the next one.
  EXPECT_EQ(ScanPeople(*store_, "acme", "bz"),
            (std::vector<std::string>{"carl", "dora"}));
  EXPECT_EQ(ScanPeople(*store_, "acme", "a"),
            (std::vector<std::string>{"ann", "bob", "carl", "dora"}));
  EXPECT_TRUE(ScanPeople(*store_, "acme", "dora").empty());
  EXPECT_TRUE(ScanPeople(*store_, "acme", "zz").empty());
}

TEST_F(RocksDbStoreTest, ScanProfilesPagesWithoutGapsOrRepeats) {
  const std::vector<std::string> ids = {"a",  "a-1", "a.1", "a0", "a1",
                                        "ab", "b",   "b_",  "c"};
  for (const std::string& id : ids) AddPerson({"acme", id}, 1);
  // Pages of two, each starting after the last id of the page before.
  std::vector<std::string> all;
  std::string last;
  for (int page = 0; page < 20; ++page) {
    std::vector<std::string> got;
    ASSERT_OK(store_->ScanProfiles("acme", last, [&](const StoredProfile& r) {
      const std::string& name = r.profile().name();
      got.push_back(name.substr(name.rfind('/') + 1));
      return got.size() < 2;
    }));
    if (got.empty()) break;
    all.insert(all.end(), got.begin(), got.end());
    last = got.back();
  }
  std::vector<std::string> sorted_all = all;
  std::sort(sorted_all.begin(), sorted_all.end());
  EXPECT_EQ(sorted_all, ids);  // every id exactly once
}

TEST_F(RocksDbStoreTest, ScanProfilesStopsWhenVisitorReturnsFalse) {
  for (const char* id : {"ann", "bob", "carl"}) AddPerson({"acme", id}, 2);
  std::vector<std::string> seen;
  ASSERT_OK(store_->ScanProfiles("acme", "", [&](const StoredProfile& r) {
    seen.push_back(r.profile().name());
    return false;
  }));
  EXPECT_EQ(seen, std::vector<std::string>{"organizations/acme/people/ann"});
}

TEST_F(RocksDbStoreTest, ScanProfilesOfOrganisationWithPrefixName) {
  AddPerson({"org", "ann"}, 1);
  AddPerson({"org2", "bob"}, 1);
  AddPerson({"org.x", "carl"}, 1);
  EXPECT_EQ(ScanPeople(*store_, "org"), std::vector<std::string>{"ann"});
  EXPECT_EQ(ScanPeople(*store_, "org2"), std::vector<std::string>{"bob"});
  EXPECT_EQ(ScanPeople(*store_, "org.x"), std::vector<std::string>{"carl"});
}

TEST_F(RocksDbStoreTest, ScanProfileRecordsHandsOverTheLevelsUnparsed) {
  AddPerson({"acme", "ann"}, 2);
  AddPerson({"acme", "bob"}, 0);
  std::vector<std::pair<std::string, std::string>> seen;  // id, levels
  ASSERT_OK(store_->ScanProfileRecords(
      "acme", "", [&](const StoredProfile& r, absl::string_view levels) {
        EXPECT_EQ(r.derived().indicator_size(), 0);
        const std::string& name = r.profile().name();
        seen.emplace_back(name.substr(name.rfind('/') + 1), levels);
        return true;
      }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, "ann");
  EXPECT_EQ(seen[1].first, "bob");
  for (const auto& [id, levels] : seen) {
    ASSERT_OK_AND_ASSIGN(StoredProfile stored,
                         store_->GetProfile({"acme", id}));
    PersonLevels parsed;
    ASSERT_TRUE(parsed.ParseFromString(levels));
    EXPECT_TRUE(MessageDifferencer::Equals(parsed, stored.derived())) << id;
  }
}

// Three table files of people with disjoint ids (each close flushes one);
// the splits cut the scan into parts that visit every person once.
TEST_F(RocksDbStoreTest, SplitPeopleCutsTheScanIntoPartsThatCoverEveryone) {
  std::vector<std::string> all;
  for (int file = 0; file < 3; ++file) {
    for (int i = 0; i < 200; ++i) {
      const std::string id = absl::StrFormat("p%d%03d", file, i);
      all.push_back(id);
      StoredProfile record = MakeProfile({"acme", id}, 1);
      for (int k = 0; k < 40; ++k) {
        record.mutable_derived()->add_indicator(absl::StrCat("hbo-", k));
        record.mutable_derived()->add_level(k % 4);
      }
      ASSERT_OK(store_->PutProfile({"acme", id}, record, nullptr));
    }
    AddPerson({"other", absl::StrCat("x", file)}, 1);
    Reopen();
  }
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> one,
                       store_->SplitPeople("acme", 1));
  EXPECT_TRUE(one.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none,
                       store_->SplitPeople("nobody", 4));
  EXPECT_TRUE(none.empty());
  for (int parts : {2, 3, 8}) {
    SCOPED_TRACE(parts);
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> splits,
                         store_->SplitPeople("acme", parts));
    EXPECT_FALSE(splits.empty());
    EXPECT_LT(splits.size(), static_cast<size_t>(parts));
    std::vector<std::string> visited;
    for (size_t k = 0; k <= splits.size(); ++k) {
      ASSERT_TRUE(k == 0 || std::count(all.begin(), all.end(), splits[k - 1]))
          << splits[k - 1];
      std::vector<std::string> part = ScanPeople(
          *store_, "acme", k == 0 ? absl::string_view() : splits[k - 1]);
      if (k < splits.size()) {
        part.resize(std::upper_bound(part.begin(), part.end(), splits[k]) -
                    part.begin());
      }
      EXPECT_FALSE(part.empty());
      visited.insert(visited.end(), part.begin(), part.end());
    }
    EXPECT_EQ(visited, all);
  }
}

TEST_F(RocksDbStoreTest, ScanAssessmentsInOrderOfId) {
  const PersonName ann{"acme", "ann"};
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  for (const char* id : {"b", "a10", "a2", "a1", "A"}) {
    ASSERT_OK(store_->AppendAssessment(ann, id, MakeAssessment("r", 1),
                                       MakeProfile(ann, 1).derived(), nullptr,
                                       nullptr));
  }
  AddPerson({"acme", "ann2"}, 2);
  AddPerson({"acme", "ann.b"}, 2);
  // Byte order: 'A' < 'a'; "a1" < "a10" < "a2" < "b".
  EXPECT_EQ(ScanAssessmentIds(*store_, ann),
            (std::vector<std::string>{"A", "a1", "a10", "a2", "b"}));
}

TEST_F(RocksDbStoreTest, ScanAssessmentsStartsAfterTheGivenId) {
  const PersonName ann{"acme", "ann"};
  AddPerson(ann, 4);  // a1..a4
  EXPECT_EQ(ScanAssessmentIds(*store_, ann, "a2"),
            (std::vector<std::string>{"a3", "a4"}));
  EXPECT_EQ(ScanAssessmentIds(*store_, ann, "a"),
            (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(ScanAssessmentIds(*store_, ann, "a25"),
            (std::vector<std::string>{"a3", "a4"}));
  EXPECT_TRUE(ScanAssessmentIds(*store_, ann, "a4").empty());
}

TEST_F(RocksDbStoreTest, ScanAssessmentsStopsWhenVisitorReturnsFalse) {
  const PersonName ann{"acme", "ann"};
  AddPerson(ann, 4);
  std::vector<std::string> seen;
  ASSERT_OK(store_->ScanAssessments(
      ann, "a1", [&](absl::string_view id, const v1::Assessment& a) {
        seen.emplace_back(id);
        EXPECT_EQ(a.ratings(0).level(), 2);  // a2 was rated 2
        return false;
      }));
  EXPECT_EQ(seen, std::vector<std::string>{"a2"});
}

TEST_F(RocksDbStoreTest, ScanAssessmentsOfPersonWithoutAny) {
  EXPECT_TRUE(ScanAssessmentIds(*store_, {"acme", "nobody"}).empty());
}

TEST_F(RocksDbStoreTest, DataSurvivesReopen) {
  AddPerson({"acme", "ann"}, 2);
  AddPerson({"acme", "bob"}, 1);
  Reopen();
  EXPECT_EQ(ScanPeople(*store_, "acme"),
            (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(ScanAssessmentIds(*store_, {"acme", "ann"}),
            (std::vector<std::string>{"a1", "a2"}));
  ASSERT_OK_AND_ASSIGN(StoredProfile ann, store_->GetProfile({"acme", "ann"}));
  EXPECT_EQ(ann.revision(), 1);  // assessments leave the profile part
  EXPECT_EQ(ann.derived().assessment_count(), 3);  // from the second one
  ASSERT_OK_AND_ASSIGN(bool empty, store_->IsEmpty());
  EXPECT_FALSE(empty);
}

TEST_F(RocksDbStoreTest, SecondOpenOfAnOpenDatabaseFails) {
  absl::StatusOr<std::unique_ptr<RocksDbStore>> second =
      RocksDbStore::Open(path_);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
}

// Writes `key` = `value` with plain RocksDB into the database in `path`.
void WriteRaw(const std::string& path, const std::string& key,
              const std::string& value) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // Every column family of an existing database must be opened: the
  // default one and "audit".
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &names);
  if (!s.ok()) names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.push_back({name, options});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(options, path, families, &handles, &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write;
  write.sync = true;
  s = db->Put(write, key, value);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  s = db->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST(RocksDbStoreOpenTest, RefusesNewerSchemaVersion) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  WriteRaw(path, "meta/schema_version", std::to_string(kSchemaVersion + 1));
  EXPECT_TRUE(HasStatus(RocksDbStore::Open(path),
                        absl::StatusCode::kFailedPrecondition,
                        "schema version"));
}

TEST(RocksDbStoreOpenTest, RefusesOlderSchemaVersion) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  WriteRaw(path, "meta/schema_version", "0");
  EXPECT_TRUE(HasStatus(RocksDbStore::Open(path),
                        absl::StatusCode::kFailedPrecondition,
                        "schema version 0"));
}

TEST(RocksDbStoreOpenTest, RefusedDatabaseIsLeftUnchanged) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  WriteRaw(path, "meta/schema_version", "7");
  EXPECT_FALSE(RocksDbStore::Open(path).ok());
  // The refused store released the database, and did not rewrite the
  // version: a second attempt is refused the same way.
  EXPECT_TRUE(HasStatus(RocksDbStore::Open(path),
                        absl::StatusCode::kFailedPrecondition,
                        "schema version 7"));
}

TEST(RocksDbStoreOpenTest, UnreadableSchemaVersionIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  WriteRaw(path, "meta/schema_version", "one");
  EXPECT_EQ(RocksDbStore::Open(path).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RocksDbStoreOpenTest, AcceptsDatabaseOfCurrentSchemaVersion) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  WriteRaw(path, "meta/schema_version", std::to_string(kSchemaVersion));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RocksDbStore> store,
                       RocksDbStore::Open(path));
  ASSERT_OK_AND_ASSIGN(bool empty, store->IsEmpty());
  EXPECT_TRUE(empty);
}

TEST(RocksDbStoreOpenTest, UnparsableProfileRecordIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
  }
  // Key layout from rocksdb_store.h: o/{org}/p/{person}!. Three 0xFF
  // bytes are an unterminated varint tag: not a parsable message.
  WriteRaw(path, "o/acme/p/ann!", std::string("\xff\xff\xff", 3));
  std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetProfile({"acme", "ann"}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      store->ScanProfiles("acme", "", [](const StoredProfile&) { return true; })
          .code(),
      absl::StatusCode::kDataLoss);
}

TEST(RocksDbStoreOpenTest, UnparsableDerivedLevelsAreDataLoss) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const PersonName ann{"acme", "ann"};
  {
    std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->PutProfile(ann, MakeProfile(ann, 1), nullptr));
  }
  // o/{org}/p/{person}!! holds the PersonLevels.
  WriteRaw(path, "o/acme/p/ann!!", std::string("\xff\xff\xff", 3));
  std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(HasStatus(store->GetProfile(ann), absl::StatusCode::kDataLoss,
                        "derived levels"));
  EXPECT_EQ(
      store->ScanProfiles("acme", "", [](const StoredProfile&) { return true; })
          .code(),
      absl::StatusCode::kDataLoss);
}

// A database of schema version 1 kept the derived levels, the count and the
// id sequence inside the profile record: it is read as it is, into the
// same form as a record of today, and marked the current version.
TEST(RocksDbStoreOpenTest, ReadsSchemaVersion1Records) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const PersonName ann{"acme", "ann"};
  StoredProfile old;
  *old.mutable_profile() = MakeProfile(ann, 3).profile();
  old.mutable_profile()->set_assessment_count(3);
  old.set_revision(3);
  old.set_next_assessment_seq(12);
  v1::IndicatorLevel* level = old.add_levels();
  level->set_indicator("hbo-1.1-1");
  level->set_level(2.25);
  level->set_rating_count(3);
  level = old.add_levels();
  level->set_indicator("hbo-1.2-1");
  level->set_level(4);
  WriteRaw(path, "meta/schema_version", "1");
  WriteRaw(path, "o/acme/p/ann!", old.SerializeAsString());
  WriteRaw(path, "o/acme/p/bob!", old.SerializeAsString());

  StoredProfile expected;
  *expected.mutable_profile() = MakeProfile(ann, 3).profile();
  expected.set_revision(3);
  PersonLevels* derived = expected.mutable_derived();
  derived->set_assessment_count(3);
  derived->set_next_assessment_seq(12);
  derived->add_indicator("hbo-1.1-1");
  derived->add_level(2.25);
  derived->add_indicator("hbo-1.2-1");
  derived->add_level(4);
  {
    std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK_AND_ASSIGN(int version, store->SchemaVersion());
    EXPECT_EQ(version, kSchemaVersion);
    ASSERT_OK_AND_ASSIGN(StoredProfile got, store->GetProfile(ann));
    EXPECT_TRUE(MessageDifferencer::Equals(got, expected)) << got.DebugString();
    int scanned = 0;
    ASSERT_OK(store->ScanProfiles("acme", "", [&](const StoredProfile& r) {
      EXPECT_TRUE(MessageDifferencer::Equals(r.derived(), expected.derived()))
          << r.DebugString();
      EXPECT_EQ(r.levels_size(), 0);
      ++scanned;
      return true;
    }));
    EXPECT_EQ(scanned, 2);
    // A new assessment leaves the old profile record, whose stale fields
    // are no longer read.
    derived->set_assessment_count(4);
    ASSERT_OK(store->AppendAssessment(ann, "a1", MakeAssessment("r", 2),
                                      *derived, nullptr, nullptr));
  }
  std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(StoredProfile got, store->GetProfile(ann));
  EXPECT_TRUE(MessageDifferencer::Equals(got, expected)) << got.DebugString();
}

// Every key of the default column family of the closed database in `path`.
std::vector<std::string> RawKeys(const std::string& path) {
  rocksdb::Options options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, options}, {"audit", options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(options, path, families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  it.reset();
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  return keys;
}

// Schema version 2 kept a person's assessments and LevelState inside the
// person's range: on open they move to the history range, whole, and the
// catalogue and profiles stay. One assessment was already moved by an
// earlier, interrupted open: it is not duplicated.
TEST(RocksDbStoreOpenTest, MovesTheHistoryOfSchemaVersion2) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const PersonName ann{"acme", "ann"};
  const PersonName bob{"acme", "bob"};
  const StoredProfile ann_record = MakeProfile(ann, 2);
  const StoredProfile bob_record = MakeProfile(bob, 1);
  LevelState state;
  state.set_assessment_count(2);
  const v1::Assessment a1 = MakeAssessment("r1", 1);
  const v1::Assessment a2 = MakeAssessment("r2", 2);
  const v1::Assessment b1 = MakeAssessment("r3", 3);
  auto profile_part = [](StoredProfile record) {
    record.clear_derived();
    return record.SerializeAsString();
  };
  WriteRaw(path, "meta/schema_version", "2");
  WriteRaw(path, "o/acme/m/intro", "module bytes");
  WriteRaw(path, "o/acme/p/ann!", profile_part(ann_record));
  WriteRaw(path, "o/acme/p/ann!!", ann_record.derived().SerializeAsString());
  WriteRaw(path, "o/acme/h/ann!a/a1", a1.SerializeAsString());  // moved
  WriteRaw(path, "o/acme/p/ann!a/a2", a2.SerializeAsString());
  WriteRaw(path, "o/acme/p/ann!s", state.SerializeAsString());
  WriteRaw(path, "o/acme/p/bob!", profile_part(bob_record));
  WriteRaw(path, "o/acme/p/bob!!", bob_record.derived().SerializeAsString());
  WriteRaw(path, "o/acme/p/bob!a/b1", b1.SerializeAsString());
  {
    std::unique_ptr<RocksDbStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK_AND_ASSIGN(int version, store->SchemaVersion());
    EXPECT_EQ(version, 3);
    std::vector<std::string> ids;
    ASSERT_OK(store->ScanAssessments(
        ann, "", [&](absl::string_view id, const v1::Assessment& a) {
          ids.emplace_back(id);
          EXPECT_TRUE(MessageDifferencer::Equals(a, id == "a1" ? a1 : a2));
          return true;
        }));
    EXPECT_EQ(ids, (std::vector<std::string>{"a1", "a2"}));
    ASSERT_OK_AND_ASSIGN(v1::Assessment got_b1,
                         store->GetAssessment(bob, "b1"));
    EXPECT_TRUE(MessageDifferencer::Equals(got_b1, b1));
    LevelState got_state;
    ASSERT_OK(store->GetLevelState(ann, &got_state));
    EXPECT_TRUE(MessageDifferencer::Equals(got_state, state));
    std::vector<std::string> people;
    ASSERT_OK(store->ScanProfiles("acme", "", [&](const StoredProfile& r) {
      people.push_back(r.profile().name());
      EXPECT_TRUE(MessageDifferencer::Equals(
          r, r.profile().name() == ann_record.profile().name() ? ann_record
                                                               : bob_record))
          << r.DebugString();
      return true;
    }));
    EXPECT_EQ(people.size(), 2u);
    ASSERT_OK_AND_ASSIGN(std::string item,
                         store->GetItem("acme", CatalogKind::kModule, "intro"));
    EXPECT_EQ(item, "module bytes");
    // Deleting a person deletes their history too.
    ASSERT_OK(store->DeleteProfile(bob, nullptr));
  }
  EXPECT_EQ(RawKeys(path),
            (std::vector<std::string>{"meta/schema_version",
                                      "o/acme/h/ann!a/a1", "o/acme/h/ann!a/a2",
                                      "o/acme/h/ann!s", "o/acme/m/intro",
                                      "o/acme/p/ann!", "o/acme/p/ann!!"}));
}

// ------------------------------------------------------------ audit trail

v1::AuditEvent Event(int64_t unix_seconds, const std::string& person) {
  v1::AuditEvent e;
  e.mutable_time()->set_seconds(unix_seconds);
  e.set_caller("c");
  e.set_person(person);
  return e;
}

std::vector<v1::AuditEvent> Trail(RocksDbStore* store, const std::string& org,
                                  absl::Time start = absl::UnixEpoch(),
                                  absl::Time end = absl::InfiniteFuture(),
                                  const std::string& after = "") {
  std::vector<v1::AuditEvent> out;
  EXPECT_OK(
      store->ScanAudit(org, after, start, end, [&](const v1::AuditEvent& e) {
        out.push_back(e);
        return true;
      }));
  return out;
}

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenOrDie(dir_.Sub("db")); }
  TempDir dir_;
  std::unique_ptr<RocksDbStore> store_;
};

TEST_F(AuditStoreTest, EventsAreNamedAndListedInTimeOrderPerOrganisation) {
  ASSERT_OK(store_->AppendAudit("acme", Event(200, "b"), false));
  ASSERT_OK(store_->AppendAudit("acme", Event(100, "a"), true));
  ASSERT_OK(store_->AppendAudit("acme-x", Event(150, "x"), false));
  std::vector<v1::AuditEvent> acme = Trail(store_.get(), "acme");
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].person(), "a");
  EXPECT_EQ(acme[1].person(), "b");
  // 100 s = 100,000,000 us = 0x5f5e100.
  EXPECT_TRUE(absl::StartsWith(
      acme[0].name(), "organizations/acme/auditEvents/0000000005f5e100"))
      << acme[0].name();
  EXPECT_EQ(Trail(store_.get(), "acme-x").size(), 1u);
  EXPECT_TRUE(Trail(store_.get(), "acm").empty());
}

TEST_F(AuditStoreTest, ScanHonoursTimeRangeAndStartAfter) {
  for (int t : {10, 20, 30, 40}) {
    ASSERT_OK(store_->AppendAudit("acme", Event(t, std::to_string(t)), false));
  }
  std::vector<v1::AuditEvent> mid =
      Trail(store_.get(), "acme", absl::FromUnixSeconds(20),
            absl::FromUnixSeconds(40));
  ASSERT_EQ(mid.size(), 2u);  // 20 and 30: start inclusive, end exclusive
  EXPECT_EQ(mid[0].person(), "20");
  std::string id = mid[0].name().substr(mid[0].name().rfind('/') + 1);
  std::vector<v1::AuditEvent> rest = Trail(
      store_.get(), "acme", absl::UnixEpoch(), absl::InfiniteFuture(), id);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].person(), "30");
}

TEST_F(AuditStoreTest, DropBeforeCutoffInEveryOrganisation) {
  ASSERT_OK(store_->AppendAudit("acme", Event(10, "old"), false));
  ASSERT_OK(store_->AppendAudit("acme", Event(30, "new"), false));
  ASSERT_OK(store_->AppendAudit("beta", Event(15, "old"), false));
  ASSERT_OK(store_->DropAuditBefore(absl::FromUnixSeconds(20)));
  std::vector<v1::AuditEvent> acme = Trail(store_.get(), "acme");
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0].person(), "new");
  EXPECT_TRUE(Trail(store_.get(), "beta").empty());
}

TEST_F(AuditStoreTest, WritesCarryTheirEventAndErasureKeepsIt) {
  const PersonName ann{"acme", "ann"};
  v1::AuditEvent created = Event(50, "ann");
  ASSERT_OK(store_->PutProfile(ann, MakeProfile(ann, 1), &created));
  v1::AuditEvent assessed = Event(60, "ann");
  ASSERT_OK(store_->AppendAssessment(ann, "a1", MakeAssessment("r", 2),
                                     MakeProfile(ann, 2).derived(), nullptr,
                                     &assessed));
  v1::AuditEvent erased = Event(70, "ann");
  ASSERT_OK(store_->DeleteProfile(ann, &erased));
  EXPECT_EQ(store_->GetProfile(ann).status().code(),
            absl::StatusCode::kNotFound);
  // The trail survives the erasure, and a reopen.
  store_.reset();
  store_ = OpenOrDie(dir_.Sub("db"));
  EXPECT_EQ(Trail(store_.get(), "acme").size(), 3u);
}

}  // namespace
}  // namespace vakwijzer::storage
