// ProfileManager over a real RocksDbStore, the "mini" test framework and a
// fake clock, with hand-computed expectations.
//
// mini: track junior has j-a1-1, j-a1-2 (competency A.1), j-a2-1 (A.2),
// all in cluster A, and j-b1-1 (B.1, cluster B); track senior has s-a1-1,
// s-a2-1, s-b1-1. Stages basic (target 1) and good (target 2, default);
// scale 0..3.
#include "services/core/profile_manager.h"

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/core/aggregation.h"
#include "storage/rocksdb_store.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::core {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::vakwijzer::testing::TempDir;

// 2023-11-14T22:13:20Z.
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr double kEps = 1e-9;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts.seconds())) /
                                    absl::Nanoseconds(1)));
  return ts;
}

std::string Person(const std::string& id, const std::string& org = "acme") {
  return absl::StrCat("organizations/", org, "/people/", id);
}

v1::CreateProfileRequest CreateRequest(const std::string& id,
                                       const std::string& track = "junior",
                                       const std::string& org = "acme") {
  v1::CreateProfileRequest request;
  request.set_parent(absl::StrCat("organizations/", org));
  request.set_profile_id(id);
  request.mutable_profile()->set_track(track);
  return request;
}

v1::Assessment MakeAssessment(
    v1::RaterRole role, const std::string& rater,
    const std::vector<std::pair<std::string, int>>& ratings) {
  v1::Assessment a;
  a.set_rater_role(role);
  a.set_rater(rater);
  for (const auto& [indicator, level] : ratings) {
    v1::Rating* r = a.add_ratings();
    r->set_indicator(indicator);
    r->set_level(level);
  }
  return a;
}

v1::RecordAssessmentRequest RecordRequest(const std::string& person,
                                          v1::Assessment assessment,
                                          const std::string& id = "") {
  v1::RecordAssessmentRequest request;
  request.set_parent(person);
  request.set_assessment_id(id);
  *request.mutable_assessment() = std::move(assessment);
  return request;
}

std::vector<std::string> Names(const v1::ListProfilesResponse& response) {
  std::vector<std::string> out;
  for (const v1::Profile& p : response.profiles()) {
    out.push_back(p.name().substr(p.name().rfind('/') + 1));
  }
  return out;
}

std::vector<std::string> Ids(const v1::ListAssessmentsResponse& response) {
  std::vector<std::string> out;
  for (const v1::Assessment& a : response.assessments()) {
    out.push_back(a.name().substr(a.name().rfind('/') + 1));
  }
  return out;
}

const v1::IndicatorGap* FindGap(const v1::GapReport& report,
                                const std::string& indicator) {
  for (const v1::IndicatorGap& g : report.indicators()) {
    if (g.indicator() == indicator) return &g;
  }
  return nullptr;
}

class ProfileManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
    manager_ = NewManager(Options());
  }

  static ProfileManagerOptions Options() {
    ProfileManagerOptions options;
    options.default_framework = "mini";
    return options;
  }

  std::unique_ptr<ProfileManager> NewManager(ProfileManagerOptions options) {
    return std::make_unique<ProfileManager>(frameworks_.get(), store_.get(),
                                            std::move(options),
                                            [this] { return Now(); });
  }

  absl::Time Now() {
    absl::MutexLock lock(&clock_mu_);
    return now_;
  }
  void SetNow(absl::Time t) {
    absl::MutexLock lock(&clock_mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) { SetNow(Now() + d); }

  // Creates a profile (track junior, org acme by default) and returns it.
  v1::Profile Create(const std::string& id, const std::string& track = "junior",
                     const std::string& org = "acme") {
    absl::StatusOr<v1::Profile> p =
        manager_->CreateProfile(CreateRequest(id, track, org));
    EXPECT_OK(p);
    return p.ok() ? *p : v1::Profile();
  }

  absl::StatusOr<v1::Profile> Get(const std::string& name) {
    v1::GetProfileRequest request;
    request.set_name(name);
    return manager_->GetProfile(request);
  }

  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const std::string& person, int page_size = 0,
      const std::string& token = "") {
    v1::ListAssessmentsRequest request;
    request.set_parent(person);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return manager_->ListAssessments(request);
  }

  absl::StatusOr<v1::ListProfilesResponse> List(
      const std::string& org, int page_size, const std::string& token = "",
      const std::string& filter = "") {
    v1::ListProfilesRequest request;
    request.set_parent(absl::StrCat("organizations/", org));
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_filter(filter);
    return manager_->ListProfiles(request);
  }

  absl::StatusOr<storage::StoredProfile> Stored(
      const std::string& person, const std::string& org = "acme") {
    return store_->GetProfile(PersonName{org, person});
  }

  // The gap-report scenario: junior person p1 (target good = 2) with
  //   SELF    (rater p1) at kT0 - 20d: j-a1-1 3, j-a1-2 1, j-a2-1 2
  //   MANAGER (rater m1) at kT0 - 10d: j-a1-1 1, j-a1-2 3
  // and j-b1-1 never rated.
  void RecordScenario() {
    Create("p1");
    v1::Assessment self = MakeAssessment(
        v1::SELF, "", {{"j-a1-1", 3}, {"j-a1-2", 1}, {"j-a2-1", 2}});
    *self.mutable_assess_time() = ToTimestamp(kT0 - absl::Hours(20 * 24));
    ASSERT_OK(manager_->RecordAssessment(RecordRequest(Person("p1"), self)));
    v1::Assessment manager =
        MakeAssessment(v1::MANAGER, "m1", {{"j-a1-1", 1}, {"j-a1-2", 3}});
    *manager.mutable_assess_time() = ToTimestamp(kT0 - absl::Hours(10 * 24));
    ASSERT_OK(manager_->RecordAssessment(RecordRequest(Person("p1"), manager)));
  }

  absl::StatusOr<v1::GapReport> Report(v1::AggregationPolicy policy,
                                       int top_n = 0) {
    v1::GetGapReportRequest request;
    request.set_name(Person("p1"));
    request.set_policy(policy);
    request.set_top_n(top_n);
    return manager_->GetGapReport(request);
  }

  TempDir dir_;
  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<ProfileManager> manager_;
  absl::Mutex clock_mu_;
  absl::Time now_ = kT0;
};

// ---------------------------------------------------------------- Create

TEST_F(ProfileManagerTest, CreateFillsDefaultsAndOutputFields) {
  v1::CreateProfileRequest request = CreateRequest("p1");
  request.mutable_profile()->set_display_name("Ann");
  request.mutable_profile()->add_teams("noord");
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->CreateProfile(request));

  EXPECT_EQ(p.name(), "organizations/acme/people/p1");
  EXPECT_EQ(p.display_name(), "Ann");
  EXPECT_EQ(p.framework(), "frameworks/mini");
  EXPECT_EQ(p.track(), "junior");
  EXPECT_EQ(p.target_stage(), "good");
  EXPECT_EQ(p.teams_size(), 1);
  EXPECT_EQ(p.create_time().seconds(), 1700000000);
  EXPECT_EQ(p.create_time().nanos(), 0);
  EXPECT_TRUE(MessageDifferencer::Equals(p.update_time(), p.create_time()));
  EXPECT_FALSE(p.etag().empty());
  EXPECT_EQ(p.assessment_count(), 0);

  ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(p.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, p)) << got.DebugString();
}

TEST_F(ProfileManagerTest, CreateIgnoresOutputOnlyFields) {
  v1::CreateProfileRequest request = CreateRequest("p1");
  v1::Profile* in = request.mutable_profile();
  in->set_name("organizations/other/people/x");
  in->mutable_create_time()->set_seconds(5);
  in->mutable_update_time()->set_seconds(6);
  in->set_etag("client-etag");
  in->set_assessment_count(7);
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->CreateProfile(request));

  EXPECT_EQ(p.name(), "organizations/acme/people/p1");
  EXPECT_EQ(p.create_time().seconds(), 1700000000);
  EXPECT_EQ(p.update_time().seconds(), 1700000000);
  EXPECT_NE(p.etag(), "client-etag");
  EXPECT_EQ(p.assessment_count(), 0);
  EXPECT_TRUE(absl::IsNotFound(Get("organizations/other/people/x").status()));
}

TEST_F(ProfileManagerTest, CreateAcceptsBoundaryValues) {
  v1::CreateProfileRequest request = CreateRequest(std::string(63, 'a'));
  request.mutable_profile()->set_mentoring_capacity(10000);
  request.mutable_profile()->set_caseload_capacity(0);
  request.mutable_profile()->set_target_stage("basic");
  (*request.mutable_profile()->mutable_attributes())["region_1.x-y"] = "Noord";
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->CreateProfile(request));
  EXPECT_EQ(p.mentoring_capacity(), 10000);
  EXPECT_EQ(p.target_stage(), "basic");
  EXPECT_EQ(p.attributes().at("region_1.x-y"), "Noord");
}

TEST_F(ProfileManagerTest, CreateTwiceIsAlreadyExistsAndKeepsTheFirst) {
  v1::CreateProfileRequest request = CreateRequest("p1");
  request.mutable_profile()->set_display_name("First");
  ASSERT_OK(manager_->CreateProfile(request));
  request.mutable_profile()->set_display_name("Second");
  EXPECT_STATUS(manager_->CreateProfile(request),
                absl::StatusCode::kAlreadyExists, "profile_id:");
  ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(Person("p1")));
  EXPECT_EQ(got.display_name(), "First");
}

TEST_F(ProfileManagerTest, CreateRejectsEachInvalidFieldAndWritesNothing) {
  struct Case {
    std::string label;
    std::function<void(v1::CreateProfileRequest*)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"empty parent", [](auto* r) { r->set_parent(""); }, "parent:"},
      {"misspelt parent", [](auto* r) { r->set_parent("organisations/acme"); },
       "parent:"},
      {"person as parent",
       [](auto* r) { r->set_parent("organizations/acme/people/p0"); },
       "parent:"},
      {"bad org id", [](auto* r) { r->set_parent("organizations/a c"); },
       "parent:"},
      {"empty profile_id", [](auto* r) { r->set_profile_id(""); },
       "profile_id:"},
      {"64-char profile_id",
       [](auto* r) { r->set_profile_id(std::string(64, 'a')); }, "profile_id:"},
      {"slash in profile_id", [](auto* r) { r->set_profile_id("a/b"); },
       "profile_id:"},
      {"profile_id starting with '-'", [](auto* r) { r->set_profile_id("-a"); },
       "profile_id:"},
      {"missing track", [](auto* r) { r->mutable_profile()->clear_track(); },
       "profile.track:"},
      {"unknown track", [](auto* r) { r->mutable_profile()->set_track("hbo"); },
       "profile.track:"},
      {"unknown framework",
       [](auto* r) { r->mutable_profile()->set_framework("frameworks/sfd"); },
       "profile.framework:"},
      {"malformed framework",
       [](auto* r) { r->mutable_profile()->set_framework("mini"); },
       "profile.framework:"},
      {"unknown target_stage",
       [](auto* r) { r->mutable_profile()->set_target_stage("expert"); },
       "profile.target_stage:"},
      {"duplicate team",
       [](auto* r) {
         r->mutable_profile()->add_teams("noord");
         r->mutable_profile()->add_teams("noord");
       },
       "profile.teams[1]:"},
      {"empty team", [](auto* r) { r->mutable_profile()->add_teams(""); },
       "profile.teams[0]:"},
      {"negative mentoring_capacity",
       [](auto* r) { r->mutable_profile()->set_mentoring_capacity(-1); },
       "profile.mentoring_capacity:"},
      {"caseload_capacity above 10000",
       [](auto* r) { r->mutable_profile()->set_caseload_capacity(10001); },
       "profile.caseload_capacity:"},
      {"control character in display_name",
       [](auto* r) { r->mutable_profile()->set_display_name("Ann\nB"); },
       "profile.display_name:"},
      {"display_name too long",
       [](auto* r) {
         r->mutable_profile()->set_display_name(std::string(201, 'x'));
       },
       "profile.display_name:"},
      {"control character in role",
       [](auto* r) { r->mutable_profile()->set_role("coach\t"); },
       "profile.role:"},
      {"bad attribute key",
       [](auto* r) {
         (*r->mutable_profile()->mutable_attributes())["bad key"] = "v";
       },
       "profile.attributes[\"bad key\"]:"},
      {"control character in attribute value",
       [](auto* r) {
         (*r->mutable_profile()->mutable_attributes())["k"] = "a\x01";
       },
       "profile.attributes[\"k\"]:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    v1::CreateProfileRequest request = CreateRequest("p1");
    c.mutate(&request);
    EXPECT_STATUS(manager_->CreateProfile(request),
                  absl::StatusCode::kInvalidArgument, c.field);
    EXPECT_TRUE(absl::IsNotFound(Get(Person("p1")).status()));
    ASSERT_OK_AND_ASSIGN(bool empty, store_->IsEmpty());
    EXPECT_TRUE(empty);
  }
}

// ---------------------------------------------------------------- Get

TEST_F(ProfileManagerTest, GetUnknownIsNotFound) {
  Create("p1");
  EXPECT_STATUS(Get(Person("p2")), absl::StatusCode::kNotFound, "p2");
  EXPECT_STATUS(Get(Person("p1", "acme2")), absl::StatusCode::kNotFound,
                "acme2");
}

TEST_F(ProfileManagerTest, GetMalformedNameIsInvalidArgument) {
  for (const std::string name :
       {"", "organizations/acme", "organizations/acme/persons/p1",
        "organizations/acme/people/", "organizations/acme/people/p1/x",
        "organizations/acme/people/a b"}) {
    SCOPED_TRACE(name);
    EXPECT_STATUS(Get(name), absl::StatusCode::kInvalidArgument, "name:");
  }
}

// ---------------------------------------------------------------- Update

TEST_F(ProfileManagerTest, UpdateWithMaskChangesOnlyMaskedField) {
  v1::CreateProfileRequest create = CreateRequest("p1");
  create.mutable_profile()->set_display_name("Ann");
  create.mutable_profile()->add_teams("noord");
  create.mutable_profile()->set_role("coach");
  ASSERT_OK_AND_ASSIGN(v1::Profile created, manager_->CreateProfile(create));
  Advance(absl::Minutes(1));

  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  update.mutable_profile()->set_display_name("Anna");
  update.mutable_profile()->add_teams("zuid");
  update.mutable_profile()->set_track("senior");
  update.mutable_update_mask()->add_paths("display_name");
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->UpdateProfile(update));

  EXPECT_EQ(p.display_name(), "Anna");
  ASSERT_EQ(p.teams_size(), 1);
  EXPECT_EQ(p.teams(0), "noord");
  EXPECT_EQ(p.role(), "coach");
  EXPECT_EQ(p.track(), "junior");
  EXPECT_EQ(p.target_stage(), "good");
  EXPECT_EQ(p.create_time().seconds(), 1700000000);
  EXPECT_EQ(p.update_time().seconds(), 1700000060);
  EXPECT_NE(p.etag(), created.etag());
  ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(Person("p1")));
  EXPECT_TRUE(MessageDifferencer::Equals(got, p)) << got.DebugString();
}

TEST_F(ProfileManagerTest, UpdateMaskOnMapReplacesTheWholeMap) {
  v1::CreateProfileRequest create = CreateRequest("p1");
  (*create.mutable_profile()->mutable_attributes())["a"] = "1";
  (*create.mutable_profile()->mutable_attributes())["b"] = "2";
  ASSERT_OK(manager_->CreateProfile(create));

  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  (*update.mutable_profile()->mutable_attributes())["c"] = "3";
  update.mutable_update_mask()->add_paths("attributes");
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->UpdateProfile(update));
  ASSERT_EQ(p.attributes_size(), 1);
  EXPECT_EQ(p.attributes().at("c"), "3");
}

TEST_F(ProfileManagerTest, UpdateWithEmptyMaskReplacesAllMutableFields) {
  v1::CreateProfileRequest create = CreateRequest("p1");
  v1::Profile* in = create.mutable_profile();
  in->set_display_name("Ann");
  in->set_target_stage("basic");
  in->add_teams("noord");
  in->set_role("coach");
  (*in->mutable_attributes())["region"] = "noord";
  in->set_mentoring_capacity(2);
  in->set_caseload_capacity(30);
  ASSERT_OK(manager_->CreateProfile(create));
  ASSERT_OK(manager_->RecordAssessment(RecordRequest(
      Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));
  Advance(absl::Seconds(30));

  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  update.mutable_profile()->set_track("senior");
  update.mutable_profile()->set_role("lead");
  ASSERT_OK_AND_ASSIGN(v1::Profile p, manager_->UpdateProfile(update));

  EXPECT_EQ(p.display_name(), "");
  EXPECT_EQ(p.framework(), "frameworks/mini");  // default filled again
  EXPECT_EQ(p.track(), "senior");
  EXPECT_EQ(p.target_stage(), "good");  // default filled again
  EXPECT_EQ(p.teams_size(), 0);
  EXPECT_EQ(p.role(), "lead");
  EXPECT_EQ(p.attributes_size(), 0);
  EXPECT_EQ(p.mentoring_capacity(), 0);
  EXPECT_EQ(p.caseload_capacity(), 0);
  // Output-only fields are kept.
  EXPECT_EQ(p.name(), Person("p1"));
  EXPECT_EQ(p.create_time().seconds(), 1700000000);
  EXPECT_EQ(p.update_time().seconds(), 1700000030);
  EXPECT_EQ(p.assessment_count(), 1);
}

TEST_F(ProfileManagerTest, UpdateRejectsUnknownOrImmutableMaskPaths) {
  ASSERT_OK_AND_ASSIGN(v1::Profile before,
                       manager_->CreateProfile(CreateRequest("p1")));
  for (const std::string path :
       {"name", "etag", "create_time", "update_time", "assessment_count",
        "bogus", "attributes.region", ""}) {
    SCOPED_TRACE(path);
    v1::UpdateProfileRequest update;
    update.mutable_profile()->set_name(Person("p1"));
    update.mutable_profile()->set_display_name("X");
    update.mutable_update_mask()->add_paths("display_name");
    update.mutable_update_mask()->add_paths(path);
    EXPECT_STATUS(manager_->UpdateProfile(update),
                  absl::StatusCode::kInvalidArgument, "update_mask.paths[1]:");
    ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(Person("p1")));
    EXPECT_TRUE(MessageDifferencer::Equals(got, before));
  }
}

TEST_F(ProfileManagerTest, UpdateWithStaleEtagFailsAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(v1::Profile first,
                       manager_->CreateProfile(CreateRequest("p1")));
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  update.mutable_profile()->set_etag(first.etag());
  update.mutable_profile()->set_display_name("Second");
  update.mutable_update_mask()->add_paths("display_name");
  Advance(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(v1::Profile second, manager_->UpdateProfile(update));
  EXPECT_NE(second.etag(), first.etag());
  EXPECT_EQ(second.display_name(), "Second");

  // The same request again carries the etag of the first version.
  update.mutable_profile()->set_display_name("Third");
  EXPECT_STATUS(manager_->UpdateProfile(update),
                absl::StatusCode::kFailedPrecondition, "etag:");
  ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(Person("p1")));
  EXPECT_TRUE(MessageDifferencer::Equals(got, second));

  // The current etag works, and the etag changes again.
  update.mutable_profile()->set_etag(second.etag());
  ASSERT_OK_AND_ASSIGN(v1::Profile third, manager_->UpdateProfile(update));
  EXPECT_EQ(third.display_name(), "Third");
  EXPECT_NE(third.etag(), second.etag());
  EXPECT_NE(third.etag(), first.etag());
}

TEST_F(ProfileManagerTest, EtagOfRecreatedProfileDiffers) {
  ASSERT_OK_AND_ASSIGN(v1::Profile old,
                       manager_->CreateProfile(CreateRequest("p1")));
  v1::DeleteProfileRequest del;
  del.set_name(Person("p1"));
  ASSERT_OK(manager_->DeleteProfile(del));
  Advance(absl::Milliseconds(1));
  ASSERT_OK_AND_ASSIGN(v1::Profile fresh,
                       manager_->CreateProfile(CreateRequest("p1")));
  EXPECT_NE(fresh.etag(), old.etag());

  // The old incarnation's etag is stale for the new one.
  del.set_etag(old.etag());
  EXPECT_STATUS(manager_->DeleteProfile(del),
                absl::StatusCode::kFailedPrecondition, "etag:");
}

TEST_F(ProfileManagerTest, UpdateWithInvalidValueFailsAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(v1::Profile before,
                       manager_->CreateProfile(CreateRequest("p1")));
  Advance(absl::Seconds(1));
  struct Case {
    std::string path;
    std::function<void(v1::Profile*)> set;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"target_stage", [](auto* p) { p->set_target_stage("expert"); },
       "profile.target_stage:"},
      {"track", [](auto* p) { p->set_track("hbo"); }, "profile.track:"},
      {"track", [](auto* p) { p->clear_track(); }, "profile.track:"},
      {"framework", [](auto* p) { p->set_framework("frameworks/nope"); },
       "profile.framework:"},
      {"teams",
       [](auto* p) {
         p->add_teams("x");
         p->add_teams("x");
       },
       "profile.teams[1]:"},
      {"caseload_capacity", [](auto* p) { p->set_caseload_capacity(-5); },
       "profile.caseload_capacity:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    v1::UpdateProfileRequest update;
    update.mutable_profile()->set_name(Person("p1"));
    c.set(update.mutable_profile());
    update.mutable_update_mask()->add_paths(c.path);
    EXPECT_STATUS(manager_->UpdateProfile(update),
                  absl::StatusCode::kInvalidArgument, c.field);
    ASSERT_OK_AND_ASSIGN(v1::Profile got, Get(Person("p1")));
    EXPECT_TRUE(MessageDifferencer::Equals(got, before)) << got.DebugString();
  }
}

TEST_F(ProfileManagerTest, UpdateUnknownOrMalformedName) {
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("ghost"));
  update.mutable_profile()->set_track("junior");
  EXPECT_STATUS(manager_->UpdateProfile(update), absl::StatusCode::kNotFound,
                "ghost");
  update.mutable_profile()->set_name("organizations/acme");
  EXPECT_STATUS(manager_->UpdateProfile(update),
                absl::StatusCode::kInvalidArgument, "profile.name:");
}

// ---------------------------------------------------------------- Delete

TEST_F(ProfileManagerTest, DeleteErasesProfileAndAssessments) {
  Create("p1");
  Create("p2");
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(manager_->RecordAssessment(RecordRequest(
        Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", i}}))));
  }
  ASSERT_OK(manager_->RecordAssessment(RecordRequest(
      Person("p2"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));

  v1::DeleteProfileRequest del;
  del.set_name(Person("p1"));
  ASSERT_OK(manager_->DeleteProfile(del));
  EXPECT_TRUE(absl::IsNotFound(Get(Person("p1")).status()));
  EXPECT_TRUE(absl::IsNotFound(ListAssessments(Person("p1")).status()));
  EXPECT_STATUS(manager_->DeleteProfile(del), absl::StatusCode::kNotFound,
                "p1");

  // Another person is untouched.
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse other,
                       ListAssessments(Person("p2")));
  EXPECT_EQ(other.assessments_size(), 1);

  // A new profile under the same name starts from nothing.
  ASSERT_OK_AND_ASSIGN(v1::Profile fresh,
                       manager_->CreateProfile(CreateRequest("p1")));
  EXPECT_EQ(fresh.assessment_count(), 0);
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                       ListAssessments(Person("p1")));
  EXPECT_EQ(list.assessments_size(), 0);
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored("p1"));
  EXPECT_EQ(record.derived().level_size(), 0);
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment a,
      manager_->RecordAssessment(RecordRequest(
          Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));
  EXPECT_EQ(a.name(), Person("p1") + "/assessments/a000000000001");
}

TEST_F(ProfileManagerTest, DeleteChecksEtag) {
  ASSERT_OK_AND_ASSIGN(v1::Profile first,
                       manager_->CreateProfile(CreateRequest("p1")));
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  update.mutable_profile()->set_role("coach");
  update.mutable_update_mask()->add_paths("role");
  ASSERT_OK_AND_ASSIGN(v1::Profile second, manager_->UpdateProfile(update));

  v1::DeleteProfileRequest del;
  del.set_name(Person("p1"));
  del.set_etag(first.etag());
  EXPECT_STATUS(manager_->DeleteProfile(del),
                absl::StatusCode::kFailedPrecondition, "etag:");
  EXPECT_OK(Get(Person("p1")));
  del.set_etag(second.etag());
  EXPECT_OK(manager_->DeleteProfile(del));
  EXPECT_TRUE(absl::IsNotFound(Get(Person("p1")).status()));
}

TEST_F(ProfileManagerTest, DeleteMalformedNameIsInvalidArgument) {
  v1::DeleteProfileRequest del;
  del.set_name("organizations/acme/people");
  EXPECT_STATUS(manager_->DeleteProfile(del),
                absl::StatusCode::kInvalidArgument, "name:");
}

// ---------------------------------------------------------------- List

TEST_F(ProfileManagerTest, ListPaginatesInOrderOfId) {
  for (const char* id : {"p5", "p2", "p7", "p1", "p3", "p6", "p4"}) {
    Create(id);
  }
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page1, List("acme", 3));
  EXPECT_EQ(Names(page1), (std::vector<std::string>{"p1", "p2", "p3"}));
  ASSERT_FALSE(page1.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page2,
                       List("acme", 3, page1.next_page_token()));
  EXPECT_EQ(Names(page2), (std::vector<std::string>{"p4", "p5", "p6"}));
  ASSERT_FALSE(page2.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page3,
                       List("acme", 3, page2.next_page_token()));
  EXPECT_EQ(Names(page3), (std::vector<std::string>{"p7"}));
  EXPECT_TRUE(page3.next_page_token().empty());
  // Profiles carry their etag.
  EXPECT_FALSE(page1.profiles(0).etag().empty());
}

TEST_F(ProfileManagerTest, ListLastFullPageHasNoToken) {
  for (const char* id : {"a", "b", "c", "d"}) Create(id);
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page1, List("acme", 2));
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page2,
                       List("acme", 2, page1.next_page_token()));
  EXPECT_EQ(Names(page2), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(page2.next_page_token().empty());
}

// Regression (an earlier layout keyed a profile "o/{org}/p/{person}/"):
// '-' and '.' sort before '/', so "p1-x" and "p1.y" were listed before "p1"
// although ListProfiles promises order of id.
TEST_F(ProfileManagerTest, ListOrdersIdsWithPunctuationById) {
  for (const char* id : {"p1", "p1-x", "p1.y", "p1_z"}) Create(id);
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse all, List("acme", 0));
  EXPECT_EQ(Names(all),
            (std::vector<std::string>{"p1", "p1-x", "p1.y", "p1_z"}));
}

TEST_F(ProfileManagerTest, ListPageSizeDefaultAndMaximum) {
  for (const char* id : {"a", "b", "c", "d", "e", "f", "g"}) Create(id);
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse all, List("acme", 0));
  EXPECT_EQ(all.profiles_size(), 7);  // default 50
  EXPECT_TRUE(all.next_page_token().empty());

  ProfileManagerOptions options = Options();
  options.default_page_size = 4;
  options.max_page_size = 5;
  std::unique_ptr<ProfileManager> small = NewManager(options);
  v1::ListProfilesRequest request;
  request.set_parent("organizations/acme");
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse by_default,
                       small->ListProfiles(request));
  EXPECT_EQ(Names(by_default), (std::vector<std::string>{"a", "b", "c", "d"}));
  request.set_page_size(1000);
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse clamped,
                       small->ListProfiles(request));
  EXPECT_EQ(clamped.profiles_size(), 5);
  EXPECT_FALSE(clamped.next_page_token().empty());
}

TEST_F(ProfileManagerTest, ListRejectsBadArguments) {
  Create("p1");
  Create("p2");
  EXPECT_STATUS(List("acme", -1), absl::StatusCode::kInvalidArgument,
                "page_size:");
  EXPECT_STATUS(List("acme", 1, "garbage!"), absl::StatusCode::kInvalidArgument,
                "page_token:");
  EXPECT_STATUS(List("a c", 1), absl::StatusCode::kInvalidArgument, "parent:");
  EXPECT_STATUS(List("acme", 1, "", "colour = \"red\""),
                absl::StatusCode::kInvalidArgument, "filter:");
  EXPECT_STATUS(List("acme", 1, "", "team = noord"),
                absl::StatusCode::kInvalidArgument, "filter:");

  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page, List("acme", 1));
  ASSERT_FALSE(page.next_page_token().empty());
  // The token belongs to (parent, filter): another filter or parent is
  // refused.
  EXPECT_STATUS(List("acme", 1, page.next_page_token(), "team = \"noord\""),
                absl::StatusCode::kInvalidArgument, "page_token:");
  EXPECT_STATUS(List("acme2", 1, page.next_page_token()),
                absl::StatusCode::kInvalidArgument, "page_token:");
  // A token of ListAssessments is not one of ListProfiles.
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(manager_->RecordAssessment(RecordRequest(
        Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));
  }
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse assessments,
                       ListAssessments(Person("p1"), 1));
  ASSERT_FALSE(assessments.next_page_token().empty());
  EXPECT_STATUS(List("acme", 1, assessments.next_page_token()),
                absl::StatusCode::kInvalidArgument, "page_token:");
}

TEST_F(ProfileManagerTest, ListFiltersAcrossPages) {
  // p1 noord/junior, p2 zuid/senior, p3 noord/senior, p4 zuid/junior,
  // p5 zuid/junior, p6 noord/junior, p7 zuid/senior.
  const std::vector<std::tuple<std::string, std::string, std::string>> people =
      {{"p1", "noord", "junior"}, {"p2", "zuid", "senior"},
       {"p3", "noord", "senior"}, {"p4", "zuid", "junior"},
       {"p5", "zuid", "junior"},  {"p6", "noord", "junior"},
       {"p7", "zuid", "senior"}};
  for (const auto& [id, team, track] : people) {
    v1::CreateProfileRequest request = CreateRequest(id, track);
    request.mutable_profile()->add_teams(team);
    request.mutable_profile()->add_teams("all");
    ASSERT_OK(manager_->CreateProfile(request));
  }

  const std::string noord = "team = \"noord\"";
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page1,
                       List("acme", 2, "", noord));
  EXPECT_EQ(Names(page1), (std::vector<std::string>{"p1", "p3"}));
  ASSERT_FALSE(page1.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse page2,
                       List("acme", 2, page1.next_page_token(), noord));
  EXPECT_EQ(Names(page2), (std::vector<std::string>{"p6"}));
  EXPECT_TRUE(page2.next_page_token().empty());

  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse senior,
                       List("acme", 0, "", "track = \"senior\""));
  EXPECT_EQ(Names(senior), (std::vector<std::string>{"p2", "p3", "p7"}));

  ASSERT_OK_AND_ASSIGN(
      v1::ListProfilesResponse both,
      List("acme", 0, "", "team = \"zuid\" AND track = \"junior\""));
  EXPECT_EQ(Names(both), (std::vector<std::string>{"p4", "p5"}));

  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse none,
                       List("acme", 0, "", "team = \"west\""));
  EXPECT_EQ(none.profiles_size(), 0);
  EXPECT_TRUE(none.next_page_token().empty());

  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse stage,
                       List("acme", 0, "", "target_stage = \"good\""));
  EXPECT_EQ(stage.profiles_size(), 7);
}

TEST_F(ProfileManagerTest, ListNeverShowsOtherOrganisations) {
  Create("p1", "junior", "acme");
  Create("p2", "junior", "acme");
  Create("p1", "senior", "acme2");
  Create("q", "junior", "acme2");
  Create("x", "junior", "acm");
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse acme, List("acme", 0));
  EXPECT_EQ(Names(acme), (std::vector<std::string>{"p1", "p2"}));
  for (const v1::Profile& p : acme.profiles()) {
    EXPECT_EQ(p.name().rfind("organizations/acme/", 0), 0u) << p.name();
    EXPECT_EQ(p.track(), "junior");
  }
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse acme2, List("acme2", 0));
  EXPECT_EQ(Names(acme2), (std::vector<std::string>{"p1", "q"}));
  ASSERT_OK_AND_ASSIGN(v1::ListProfilesResponse empty, List("nobody", 0));
  EXPECT_EQ(empty.profiles_size(), 0);
}

// ---------------------------------------------------------------- Record

TEST_F(ProfileManagerTest, RecordAssignsIncreasingIdsAndCounts) {
  Create("p1");
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(
        v1::Assessment a,
        manager_->RecordAssessment(RecordRequest(
            Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));
    EXPECT_EQ(a.name(),
              absl::StrCat(Person("p1"), "/assessments/a00000000000", i));
    ASSERT_OK_AND_ASSIGN(v1::Profile p, Get(Person("p1")));
    EXPECT_EQ(p.assessment_count(), i);
  }
}

TEST_F(ProfileManagerTest, RecordSkipsServerIdsAClientChose) {
  Create("p1");
  const v1::Assessment a = MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}});
  ASSERT_OK(manager_->RecordAssessment(
      RecordRequest(Person("p1"), a, "a000000000002")));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment first,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a)));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment second,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a)));
  EXPECT_EQ(first.name(), Person("p1") + "/assessments/a000000000001");
  EXPECT_EQ(second.name(), Person("p1") + "/assessments/a000000000003");
}

TEST_F(ProfileManagerTest, RecordWithClientIdIsIdempotent) {
  Create("p1");
  const v1::Assessment a = MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}});
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment first,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a, "evc-2024")));
  EXPECT_EQ(first.name(), Person("p1") + "/assessments/evc-2024");
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile before, Stored("p1"));

  // A retry with the same content, later: the stored assessment, nothing
  // written.
  Advance(absl::Seconds(30));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment retried,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a, "evc-2024")));
  EXPECT_TRUE(MessageDifferencer::Equals(retried, first))
      << retried.DebugString();
  // The defaults spelled out are the same content too.
  v1::Assessment explicit_defaults = a;
  explicit_defaults.set_rater("p1");
  explicit_defaults.set_framework("frameworks/mini");
  explicit_defaults.set_framework_version("1");
  *explicit_defaults.mutable_assess_time() = first.assess_time();
  explicit_defaults.set_name("ignored");
  ASSERT_OK_AND_ASSIGN(
      retried, manager_->RecordAssessment(
                   RecordRequest(Person("p1"), explicit_defaults, "evc-2024")));
  EXPECT_TRUE(MessageDifferencer::Equals(retried, first));

  // Different content: a level, the rater, the evidence, the time.
  v1::Assessment other = MakeAssessment(v1::SELF, "", {{"j-a1-1", 3}});
  EXPECT_STATUS(manager_->RecordAssessment(
                    RecordRequest(Person("p1"), other, "evc-2024")),
                absl::StatusCode::kAlreadyExists, "assessment_id:");
  v1::Assessment by_other = MakeAssessment(v1::SELF, "p2", {{"j-a1-1", 1}});
  EXPECT_STATUS(manager_->RecordAssessment(
                    RecordRequest(Person("p1"), by_other, "evc-2024")),
                absl::StatusCode::kAlreadyExists, "assessment_id:");
  v1::Assessment with_evidence = a;
  with_evidence.mutable_ratings(0)->set_evidence("seen");
  EXPECT_STATUS(manager_->RecordAssessment(
                    RecordRequest(Person("p1"), with_evidence, "evc-2024")),
                absl::StatusCode::kAlreadyExists, "assessment_id:");
  v1::Assessment earlier = a;
  *earlier.mutable_assess_time() = ToTimestamp(kT0 - absl::Hours(1));
  EXPECT_STATUS(manager_->RecordAssessment(
                    RecordRequest(Person("p1"), earlier, "evc-2024")),
                absl::StatusCode::kAlreadyExists, "assessment_id:");

  ASSERT_OK_AND_ASSIGN(storage::StoredProfile after, Stored("p1"));
  EXPECT_TRUE(MessageDifferencer::Equals(before, after));
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                       ListAssessments(Person("p1")));
  ASSERT_EQ(list.assessments_size(), 1);
  EXPECT_EQ(list.assessments(0).ratings(0).level(), 1);

  EXPECT_STATUS(
      manager_->RecordAssessment(RecordRequest(Person("p1"), a, "bad/id")),
      absl::StatusCode::kInvalidArgument, "assessment_id:");
}

// A future assess_time (within the allowed skew) is recorded as the
// recording time; its retry, later, is the same content.
TEST_F(ProfileManagerTest, RetryOfAClampedAssessTimeIsTheSameContent) {
  Create("p1");
  v1::Assessment a = MakeAssessment(v1::PEER, "r1", {{"j-a1-1", 2}});
  *a.mutable_assess_time() = ToTimestamp(Now() + absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment first,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a, "x")));
  EXPECT_EQ(first.assess_time().seconds(), absl::ToUnixSeconds(Now()));
  Advance(absl::Seconds(10));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment retried,
      manager_->RecordAssessment(RecordRequest(Person("p1"), a, "x")));
  EXPECT_TRUE(MessageDifferencer::Equals(retried, first));
}

TEST_F(ProfileManagerTest, RecordFillsDefaults) {
  Create("p1");
  Advance(absl::Seconds(42));
  v1::Assessment in = MakeAssessment(v1::SELF, "", {{"j-a1-1", 2}});
  in.set_name("organizations/x/people/y/assessments/z");
  in.mutable_create_time()->set_seconds(1);
  ASSERT_OK_AND_ASSIGN(v1::Assessment a, manager_->RecordAssessment(
                                             RecordRequest(Person("p1"), in)));
  EXPECT_EQ(a.name(), Person("p1") + "/assessments/a000000000001");
  EXPECT_EQ(a.rater(), "p1");
  EXPECT_EQ(a.rater_role(), v1::SELF);
  EXPECT_EQ(a.framework(), "frameworks/mini");
  EXPECT_EQ(a.framework_version(), "1");
  EXPECT_EQ(a.assess_time().seconds(), 1700000042);
  EXPECT_EQ(a.create_time().seconds(), 1700000042);

  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                       ListAssessments(Person("p1")));
  ASSERT_EQ(list.assessments_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(list.assessments(0), a));
  ASSERT_OK_AND_ASSIGN(v1::Profile p, Get(Person("p1")));
  EXPECT_EQ(p.assessment_count(), 1);
}

TEST_F(ProfileManagerTest, RecordKeepsPastTimeAndClampsSmallFutureSkew) {
  Create("p1");
  v1::Assessment past = MakeAssessment(v1::MANAGER, "m1", {{"j-a1-1", 2}});
  *past.mutable_assess_time() = ToTimestamp(kT0 - absl::Hours(24));
  ASSERT_OK_AND_ASSIGN(
      v1::Assessment a,
      manager_->RecordAssessment(RecordRequest(Person("p1"), past)));
  EXPECT_EQ(a.assess_time().seconds(), 1700000000 - 86400);

  for (absl::Duration ahead : {absl::Minutes(1), absl::Minutes(5)}) {
    SCOPED_TRACE(absl::FormatDuration(ahead));
    v1::Assessment future = past;
    *future.mutable_assess_time() = ToTimestamp(kT0 + ahead);
    ASSERT_OK_AND_ASSIGN(
        v1::Assessment b,
        manager_->RecordAssessment(RecordRequest(Person("p1"), future)));
    EXPECT_EQ(b.assess_time().seconds(), 1700000000);
    EXPECT_EQ(b.assess_time().nanos(), 0);
  }
}

TEST_F(ProfileManagerTest, RecordRejectsEachInvalidFieldAndWritesNothing) {
  Create("p1");
  Create("s1", "senior");
  ASSERT_OK(manager_->RecordAssessment(RecordRequest(
      Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))));
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile before, Stored("p1"));

  struct Case {
    std::string label;
    std::function<void(v1::RecordAssessmentRequest*)> mutate;
    std::string field;
  };
  auto ratings = [](std::vector<std::pair<std::string, int>> list) {
    return [list](v1::RecordAssessmentRequest* r) {
      r->mutable_assessment()->clear_ratings();
      for (const auto& [indicator, level] : list) {
        v1::Rating* rating = r->mutable_assessment()->add_ratings();
        rating->set_indicator(indicator);
        rating->set_level(level);
      }
    };
  };
  const std::vector<Case> cases = {
      {"bad parent", [](auto* r) { r->set_parent("organizations/acme/p1"); },
       "parent:"},
      {"unspecified rater_role",
       [](auto* r) {
         r->mutable_assessment()->set_rater_role(v1::RATER_ROLE_UNSPECIFIED);
       },
       "assessment.rater_role:"},
      {"unknown rater_role",
       [](auto* r) {
         r->mutable_assessment()->set_rater_role(
             static_cast<v1::RaterRole>(99));
       },
       "assessment.rater_role:"},
      {"PEER without rater",
       [](auto* r) { r->mutable_assessment()->set_rater_role(v1::PEER); },
       "assessment.rater:"},
      {"malformed rater",
       [](auto* r) {
         r->mutable_assessment()->set_rater_role(v1::PEER);
         r->mutable_assessment()->set_rater("peer one");
       },
       "assessment.rater:"},
      {"no ratings", [](auto* r) { r->mutable_assessment()->clear_ratings(); },
       "assessment.ratings:"},
      {"more ratings than the track has",
       ratings({{"j-a1-1", 1},
                {"j-a1-2", 1},
                {"j-a2-1", 1},
                {"j-b1-1", 1},
                {"j-a1-1", 1}}),
       "assessment.ratings:"},
      {"unknown indicator", ratings({{"j-a1-1", 1}, {"nope", 1}}),
       "assessment.ratings[1].indicator:"},
      {"indicator of the other track", ratings({{"s-a1-1", 1}}),
       "assessment.ratings[0].indicator: \"s-a1-1\" belongs to track"},
      {"level -1", ratings({{"j-a1-1", -1}}), "assessment.ratings[0].level:"},
      {"level 4", ratings({{"j-a1-1", 3}, {"j-a1-2", 4}}),
       "assessment.ratings[1].level:"},
      {"duplicate indicator", ratings({{"j-a1-1", 1}, {"j-a1-1", 2}}),
       "assessment.ratings[1].indicator:"},
      {"evidence of 2001 bytes",
       [](auto* r) {
         r->mutable_assessment()->mutable_ratings(0)->set_evidence(
             std::string(2001, 'e'));
       },
       "assessment.ratings[0].evidence:"},
      {"wrong framework",
       [](auto* r) {
         r->mutable_assessment()->set_framework("frameworks/sfd-2021");
       },
       "assessment.framework:"},
      {"wrong framework_version",
       [](auto* r) { r->mutable_assessment()->set_framework_version("2"); },
       "assessment.framework_version:"},
      {"assess_time more than 5 minutes ahead",
       [](auto* r) {
         *r->mutable_assessment()->mutable_assess_time() =
             ToTimestamp(kT0 + absl::Minutes(5) + absl::Seconds(1));
       },
       "assessment.assess_time:"},
      {"negative nanos",
       [](auto* r) {
         r->mutable_assessment()->mutable_assess_time()->set_seconds(
             1600000000);
         r->mutable_assessment()->mutable_assess_time()->set_nanos(-1);
       },
       "assessment.assess_time:"},
      {"year 10000",
       [](auto* r) {
         r->mutable_assessment()->mutable_assess_time()->set_seconds(
             253402300800);
       },
       "assessment.assess_time:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    v1::RecordAssessmentRequest request = RecordRequest(
        Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-2", 2}}));
    c.mutate(&request);
    EXPECT_STATUS(manager_->RecordAssessment(request),
                  absl::StatusCode::kInvalidArgument, c.field);
    ASSERT_OK_AND_ASSIGN(storage::StoredProfile after, Stored("p1"));
    EXPECT_TRUE(MessageDifferencer::Equals(before, after));
    EXPECT_EQ(after.derived().assessment_count(), 1);
    ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                         ListAssessments(Person("p1")));
    EXPECT_EQ(list.assessments_size(), 1);
  }
  // The other person was never touched either.
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse other,
                       ListAssessments(Person("s1")));
  EXPECT_EQ(other.assessments_size(), 0);
}

TEST_F(ProfileManagerTest, RecordAcceptsEvidenceOfExactly2000Bytes) {
  Create("p1");
  v1::Assessment a = MakeAssessment(v1::PEER, "peer-1", {{"j-a1-1", 1}});
  a.mutable_ratings(0)->set_evidence(std::string(2000, 'e'));
  ASSERT_OK_AND_ASSIGN(v1::Assessment out, manager_->RecordAssessment(
                                               RecordRequest(Person("p1"), a)));
  EXPECT_EQ(out.ratings(0).evidence().size(), 2000u);
  EXPECT_EQ(out.rater(), "peer-1");
}

TEST_F(ProfileManagerTest, RecordForUnknownPersonIsNotFound) {
  Create("p1");
  EXPECT_STATUS(
      manager_->RecordAssessment(RecordRequest(
          Person("ghost"), MakeAssessment(v1::SELF, "", {{"j-a1-1", 1}}))),
      absl::StatusCode::kNotFound, "ghost");
  EXPECT_TRUE(absl::IsNotFound(Get(Person("ghost")).status()));
}

// ----------------------------------------------------------------
// ListAssessments

TEST_F(ProfileManagerTest, ListAssessmentsPaginates) {
  Create("p1");
  Create("p2");
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(manager_->RecordAssessment(RecordRequest(
        Person("p1"), MakeAssessment(v1::SELF, "", {{"j-a1-1", i % 4}}))));
  }
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse page1,
                       ListAssessments(Person("p1"), 2));
  EXPECT_EQ(Ids(page1),
            (std::vector<std::string>{"a000000000001", "a000000000002"}));
  ASSERT_FALSE(page1.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(
      v1::ListAssessmentsResponse page2,
      ListAssessments(Person("p1"), 2, page1.next_page_token()));
  EXPECT_EQ(Ids(page2),
            (std::vector<std::string>{"a000000000003", "a000000000004"}));
  ASSERT_FALSE(page2.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(
      v1::ListAssessmentsResponse page3,
      ListAssessments(Person("p1"), 2, page2.next_page_token()));
  EXPECT_EQ(Ids(page3), (std::vector<std::string>{"a000000000005"}));
  EXPECT_TRUE(page3.next_page_token().empty());
  EXPECT_EQ(page3.assessments(0).ratings(0).level(), 0);  // 4 % 4

  EXPECT_STATUS(ListAssessments(Person("p2"), 2, page1.next_page_token()),
                absl::StatusCode::kInvalidArgument, "page_token:");
  EXPECT_STATUS(ListAssessments(Person("p1"), -1),
                absl::StatusCode::kInvalidArgument, "page_size:");
  EXPECT_STATUS(ListAssessments(Person("p1"), 2, "%%%"),
                absl::StatusCode::kInvalidArgument, "page_token:");
  EXPECT_STATUS(ListAssessments("organizations/acme"),
                absl::StatusCode::kInvalidArgument, "parent:");
  EXPECT_STATUS(ListAssessments(Person("ghost")), absl::StatusCode::kNotFound,
                "ghost");
}

// ---------------------------------------------------------------- Gap report

TEST_F(ProfileManagerTest, GapReportWeightedByDefault) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  ASSERT_OK_AND_ASSIGN(v1::GapReport r,
                       Report(v1::AGGREGATION_POLICY_UNSPECIFIED));

  EXPECT_EQ(r.person(), Person("p1"));
  EXPECT_EQ(r.framework(), "frameworks/mini");
  EXPECT_EQ(r.framework_version(), "1");
  EXPECT_EQ(r.track(), "junior");
  EXPECT_EQ(r.target_stage(), "good");
  EXPECT_EQ(r.target_level(), 2);
  EXPECT_EQ(r.policy(), v1::WEIGHTED);
  EXPECT_EQ(r.as_of().seconds(), 1700000000);
  EXPECT_EQ(r.assessment_count(), 2);

  // Latest per rater, mean per role, weights self 0.5 and manager 1:
  //   j-a1-1 (0.5*3 + 1*1) / 1.5 = 5/3, gap 1/3
  //   j-a1-2 (0.5*1 + 1*3) / 1.5 = 7/3, gap 0
  //   j-a2-1 self only: 2, gap 0
  ASSERT_EQ(r.indicators_size(), 4);
  const std::vector<std::string> order = {"j-a1-1", "j-a1-2", "j-a2-1",
                                          "j-b1-1"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.indicators(i).indicator(), order[i]);
    EXPECT_EQ(r.indicators(i).target(), 2);
  }
  const v1::IndicatorGap& a11 = r.indicators(0);
  EXPECT_TRUE(a11.known());
  EXPECT_EQ(a11.competency(), "A.1");
  EXPECT_EQ(a11.cluster(), "A");
  EXPECT_EQ(a11.text(), "Junior A.1 one.");
  EXPECT_NEAR(a11.current().level(), 5.0 / 3, kEps);
  EXPECT_NEAR(a11.gap(), 1.0 / 3, kEps);
  EXPECT_EQ(a11.current().rating_count(), 2);
  EXPECT_DOUBLE_EQ(a11.current().spread(), 2);
  EXPECT_TRUE(a11.current().disagreement());
  EXPECT_TRUE(a11.current().blind_spot());  // self 3 vs others 1
  EXPECT_DOUBLE_EQ(a11.current().self_level(), 3);
  EXPECT_DOUBLE_EQ(a11.current().others_level(), 1);
  EXPECT_EQ(a11.current().last_assess_time().seconds(),
            1700000000 - 10 * 86400);

  const v1::IndicatorGap& a12 = r.indicators(1);
  EXPECT_NEAR(a12.current().level(), 7.0 / 3, kEps);
  EXPECT_DOUBLE_EQ(a12.gap(), 0);
  EXPECT_TRUE(a12.current().disagreement());
  EXPECT_FALSE(a12.current().blind_spot());

  const v1::IndicatorGap& a21 = r.indicators(2);
  EXPECT_DOUBLE_EQ(a21.current().level(), 2);
  EXPECT_DOUBLE_EQ(a21.gap(), 0);
  EXPECT_DOUBLE_EQ(a21.current().others_level(), -1);
  EXPECT_FALSE(a21.current().disagreement());

  EXPECT_FALSE(r.indicators(3).known());
  EXPECT_DOUBLE_EQ(r.indicators(3).gap(), 0);

  EXPECT_EQ(std::vector<std::string>(r.unknown_indicators().begin(),
                                     r.unknown_indicators().end()),
            std::vector<std::string>{"j-b1-1"});
  EXPECT_EQ(std::vector<std::string>(r.top_gaps().begin(), r.top_gaps().end()),
            std::vector<std::string>{"j-a1-1"});

  const v1::GapSummary& o = r.overall();
  EXPECT_EQ(o.code(), "overall");
  EXPECT_EQ(o.indicator_count(), 4);
  EXPECT_EQ(o.known_count(), 3);
  EXPECT_EQ(o.unknown_count(), 1);
  EXPECT_NEAR(o.mean_gap(), 1.0 / 9, kEps);
  EXPECT_NEAR(o.share_at_target(), 2.0 / 3, kEps);
  EXPECT_NEAR(o.readiness(), 1 - (1.0 / 3) / 6, kEps);  // 17/18
  EXPECT_DOUBLE_EQ(o.coverage(), 0.75);
  EXPECT_EQ(o.disagreement_count(), 2);
  EXPECT_EQ(o.blind_spot_count(), 1);

  ASSERT_EQ(r.clusters_size(), 2);
  EXPECT_EQ(r.clusters(0).code(), "A");
  EXPECT_EQ(r.clusters(0).title(), "Alpha");
  EXPECT_EQ(r.clusters(0).indicator_count(), 3);
  EXPECT_NEAR(r.clusters(0).readiness(), 17.0 / 18, kEps);
  EXPECT_EQ(r.clusters(1).code(), "B");
  EXPECT_EQ(r.clusters(1).known_count(), 0);
  EXPECT_EQ(r.clusters(1).unknown_count(), 1);
  EXPECT_DOUBLE_EQ(r.clusters(1).coverage(), 0);

  ASSERT_EQ(r.competencies_size(), 3);
  EXPECT_EQ(r.competencies(0).code(), "A.1");
  EXPECT_NEAR(r.competencies(0).readiness(), 1 - (1.0 / 3) / 4, kEps);
  EXPECT_NEAR(r.competencies(0).mean_gap(), 1.0 / 6, kEps);
  EXPECT_EQ(r.competencies(1).code(), "A.2");
  EXPECT_DOUBLE_EQ(r.competencies(1).readiness(), 1);
  EXPECT_EQ(r.competencies(2).code(), "B.1");
}

TEST_F(ProfileManagerTest, GapReportFollowsTargetStage) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(Person("p1"));
  update.mutable_profile()->set_target_stage("basic");
  update.mutable_update_mask()->add_paths("target_stage");
  ASSERT_OK(manager_->UpdateProfile(update));

  ASSERT_OK_AND_ASSIGN(v1::GapReport r, Report(v1::LOWEST));
  EXPECT_EQ(r.target_stage(), "basic");
  EXPECT_EQ(r.target_level(), 1);
  // LOWEST: 1, 1, 2: every known indicator is at target 1.
  for (const v1::IndicatorGap& g : r.indicators()) {
    EXPECT_EQ(g.target(), 1);
    EXPECT_DOUBLE_EQ(g.gap(), 0);
  }
  EXPECT_EQ(r.top_gaps_size(), 0);
  EXPECT_DOUBLE_EQ(r.overall().readiness(), 1);
  EXPECT_DOUBLE_EQ(r.overall().share_at_target(), 1);
  EXPECT_EQ(r.unknown_indicators_size(), 1);
}

TEST_F(ProfileManagerTest, GapReportPolicies) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  struct Expected {
    v1::AggregationPolicy policy;
    double a11, a12, a21;
    std::vector<std::string> top_gaps;
    double readiness;  // 1 - sum(gap) / (3 known * target 2)
  };
  const std::vector<Expected> cases = {
      // The manager's rating is the most recent.
      {v1::LATEST, 1, 3, 2, {"j-a1-1"}, 1 - 1.0 / 6},
      {v1::HIGHEST, 3, 3, 2, {}, 1},
      // Ties in framework order.
      {v1::LOWEST, 1, 1, 2, {"j-a1-1", "j-a1-2"}, 1 - 2.0 / 6},
      {v1::WEIGHTED, 5.0 / 3, 7.0 / 3, 2, {"j-a1-1"}, 1 - (1.0 / 3) / 6},
  };
  for (const Expected& e : cases) {
    SCOPED_TRACE(v1::AggregationPolicy_Name(e.policy));
    ASSERT_OK_AND_ASSIGN(v1::GapReport r, Report(e.policy));
    EXPECT_EQ(r.policy(), e.policy);
    EXPECT_NEAR(FindGap(r, "j-a1-1")->current().level(), e.a11, kEps);
    EXPECT_NEAR(FindGap(r, "j-a1-2")->current().level(), e.a12, kEps);
    EXPECT_NEAR(FindGap(r, "j-a2-1")->current().level(), e.a21, kEps);
    EXPECT_FALSE(FindGap(r, "j-b1-1")->known());
    EXPECT_EQ(
        std::vector<std::string>(r.top_gaps().begin(), r.top_gaps().end()),
        e.top_gaps);
    EXPECT_NEAR(r.overall().readiness(), e.readiness, kEps);
  }

  ASSERT_OK_AND_ASSIGN(v1::GapReport top1, Report(v1::LOWEST, 1));
  EXPECT_EQ(
      std::vector<std::string>(top1.top_gaps().begin(), top1.top_gaps().end()),
      std::vector<std::string>{"j-a1-1"});
}

TEST_F(ProfileManagerTest, GapReportDecaying) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  v1::GetGapReportRequest request;
  request.set_name(Person("p1"));
  request.set_policy(v1::DECAYING);

  // Half-life 10 days, as of kT0: self (20 days old) weighs 0.5 * 2^-2 =
  // 0.125, manager (10 days old) 1 * 2^-1 = 0.5.
  request.set_half_life_days(10);
  *request.mutable_as_of() = ToTimestamp(kT0);
  ASSERT_OK_AND_ASSIGN(v1::GapReport r, manager_->GetGapReport(request));
  EXPECT_EQ(r.policy(), v1::DECAYING);
  EXPECT_NEAR(FindGap(r, "j-a1-1")->current().level(),
              (0.125 * 3 + 0.5 * 1) / 0.625, kEps);  // 1.4
  EXPECT_NEAR(FindGap(r, "j-a1-1")->gap(), 0.6, kEps);
  EXPECT_NEAR(FindGap(r, "j-a1-2")->current().level(),
              (0.125 * 1 + 0.5 * 3) / 0.625, kEps);  // 2.6
  EXPECT_NEAR(FindGap(r, "j-a2-1")->current().level(), 2, kEps);

  // Half-life 5 days: self 0.5 * 2^-4 = 1/32, manager 2^-2 = 1/4.
  request.set_half_life_days(5);
  ASSERT_OK_AND_ASSIGN(r, manager_->GetGapReport(request));
  EXPECT_NEAR(FindGap(r, "j-a1-1")->current().level(),
              (3.0 / 32 + 1.0 / 4) / (1.0 / 32 + 1.0 / 4), kEps);  // 11/9

  // Default half-life 180 days, as of the clock (kT0).
  request.clear_half_life_days();
  request.clear_as_of();
  ASSERT_OK_AND_ASSIGN(r, manager_->GetGapReport(request));
  EXPECT_EQ(r.as_of().seconds(), 1700000000);
  const double w_self = 0.5 * std::exp2(-20.0 / 180);
  const double w_manager = std::exp2(-10.0 / 180);
  EXPECT_NEAR(FindGap(r, "j-a1-1")->current().level(),
              (w_self * 3 + w_manager * 1) / (w_self + w_manager), kEps);

  // As of 15 days ago only the self assessment counts.
  request.set_half_life_days(10);
  *request.mutable_as_of() = ToTimestamp(kT0 - absl::Hours(15 * 24));
  ASSERT_OK_AND_ASSIGN(r, manager_->GetGapReport(request));
  EXPECT_EQ(r.assessment_count(), 1);
  EXPECT_NEAR(FindGap(r, "j-a1-1")->current().level(), 3, kEps);
  EXPECT_NEAR(FindGap(r, "j-a1-2")->current().level(), 1, kEps);
  EXPECT_EQ(r.as_of().seconds(), 1700000000 - 15 * 86400);
}

TEST_F(ProfileManagerTest, GapReportAsOfBeforeAnyAssessment) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  v1::GetGapReportRequest request;
  request.set_name(Person("p1"));
  *request.mutable_as_of() = ToTimestamp(kT0 - absl::Hours(30 * 24));
  ASSERT_OK_AND_ASSIGN(v1::GapReport r, manager_->GetGapReport(request));
  EXPECT_EQ(r.assessment_count(), 0);
  EXPECT_EQ(r.unknown_indicators_size(), 4);
  EXPECT_EQ(r.top_gaps_size(), 0);
  for (const v1::IndicatorGap& g : r.indicators()) EXPECT_FALSE(g.known());
  EXPECT_EQ(r.overall().known_count(), 0);
  EXPECT_DOUBLE_EQ(r.overall().coverage(), 0);
  EXPECT_DOUBLE_EQ(r.overall().readiness(), 0);

  // The boundary is inclusive: as of the self assessment's time it counts.
  *request.mutable_as_of() = ToTimestamp(kT0 - absl::Hours(20 * 24));
  ASSERT_OK_AND_ASSIGN(r, manager_->GetGapReport(request));
  EXPECT_EQ(r.assessment_count(), 1);
  EXPECT_EQ(r.unknown_indicators_size(), 1);
}

TEST_F(ProfileManagerTest, GapReportRejectsInvalidRequests) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  struct Case {
    std::string label;
    std::function<void(v1::GetGapReportRequest*)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"top_n -1", [](auto* r) { r->set_top_n(-1); }, "top_n:"},
      {"top_n 1001", [](auto* r) { r->set_top_n(1001); }, "top_n:"},
      {"negative half_life_days",
       [](auto* r) {
         r->set_policy(v1::DECAYING);
         r->set_half_life_days(-1);
       },
       "half_life_days:"},
      {"NaN half_life_days",
       [](auto* r) { r->set_half_life_days(std::nan("")); }, "half_life_days:"},
      {"unknown policy",
       [](auto* r) { r->set_policy(static_cast<v1::AggregationPolicy>(99)); },
       "policy:"},
      {"invalid as_of", [](auto* r) { r->mutable_as_of()->set_nanos(-1); },
       "as_of:"},
      {"malformed name", [](auto* r) { r->set_name("people/p1"); }, "name:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    v1::GetGapReportRequest request;
    request.set_name(Person("p1"));
    c.mutate(&request);
    EXPECT_STATUS(manager_->GetGapReport(request),
                  absl::StatusCode::kInvalidArgument, c.field);
  }

  v1::GetGapReportRequest request;
  request.set_name(Person("p1"));
  request.set_top_n(1000);
  EXPECT_OK(manager_->GetGapReport(request));
  request.set_name(Person("ghost"));
  EXPECT_STATUS(manager_->GetGapReport(request), absl::StatusCode::kNotFound,
                "ghost");
}

// ---------------------------------------------------------------- Derived

TEST_F(ProfileManagerTest, StoredLevelsEqualAggregationOfHistory) {
  ASSERT_NO_FATAL_FAILURE(RecordScenario());
  v1::Assessment peer =
      MakeAssessment(v1::PEER, "peer-1", {{"j-a1-1", 2}, {"j-b1-1", 0}});
  *peer.mutable_assess_time() = ToTimestamp(kT0 - absl::Hours(24));
  ASSERT_OK(manager_->RecordAssessment(RecordRequest(Person("p1"), peer)));

  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                       ListAssessments(Person("p1")));
  std::vector<v1::Assessment> history(list.assessments().begin(),
                                      list.assessments().end());
  const std::map<std::string, v1::IndicatorLevel> expected =
      AggregateLevels(history, AggregationOptions());

  ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored("p1"));
  EXPECT_EQ(record.derived().assessment_count(), 3);
  std::map<std::string, float> stored;
  for (int i = 0; i < record.derived().indicator_size(); ++i) {
    stored[record.derived().indicator(i)] = record.derived().level(i);
  }
  ASSERT_EQ(stored.size(), expected.size());
  ASSERT_EQ(stored.size(), 4u);
  for (const auto& [indicator, level] : expected) {
    SCOPED_TRACE(indicator);
    ASSERT_EQ(stored.count(indicator), 1u);
    EXPECT_EQ(stored[indicator], static_cast<float>(level.level()));
  }
  // By hand: j-a1-1 (0.5*3 + 0.75*2 + 1*1) / 2.25 = 16/9; j-b1-1 peer 0.
  EXPECT_NEAR(stored["j-a1-1"], 16.0 / 9, 1e-6);
  EXPECT_EQ(stored["j-b1-1"], 0);
}

// The stored levels are kept incrementally (a LevelState per person): after
// random assessments, imports (with ties in assess_time and create_time,
// backdated ratings and client-chosen ids) and states made stale behind
// the manager's back (a database from before level states), every stored
// level equals the aggregation of the whole history, exactly.
TEST_F(ProfileManagerTest, IncrementalLevelsEqualAggregationOfHistory) {
  std::mt19937 rng(7);
  const std::vector<std::string> people = {"p1", "p2", "p3"};
  for (const std::string& p : people) Create(p);
  const std::vector<std::string> indicators = {"j-a1-1", "j-a1-2", "j-a2-1",
                                               "j-b1-1"};
  auto random_assessment = [&] {
    const v1::RaterRole roles[] = {v1::SELF, v1::PEER, v1::MANAGER,
                                   v1::ASSESSOR};
    const v1::RaterRole role = roles[rng() % 4];
    std::vector<std::pair<std::string, int>> ratings;
    for (const std::string& i : indicators) {
      if (rng() % 2) ratings.emplace_back(i, static_cast<int>(rng() % 4));
    }
    if (ratings.empty()) ratings.emplace_back(indicators[0], 1);
    v1::Assessment a = MakeAssessment(
        role, role == v1::SELF ? "" : absl::StrCat("r", rng() % 2), ratings);
    *a.mutable_assess_time() =
        ToTimestamp(kT0 - absl::Hours(24 * static_cast<int>(rng() % 3)));
    return a;
  };
  for (int step = 0; step < 150; ++step) {
    if (rng() % 4 == 0) Advance(absl::Seconds(1));
    const std::string& person = people[rng() % people.size()];
    switch (rng() % 5) {
      case 0: {  // an import batch of two assessments of one person
        v1::ImportRecordsRequest batch;
        for (int k = 0; k < 2; ++k) {
          v1::ImportAssessmentRecord* in =
              batch.add_records()->mutable_assessment();
          in->set_person_id(person);
          in->set_assessment_id(absl::StrCat("imp-", step, "-", k));
          *in->mutable_assessment() = random_assessment();
        }
        v1::ImportRecordsResponse response;
        ASSERT_OK(manager_->ImportBatch(
            "acme", &batch, 0,
            [](const PersonName&) { return v1::AuditEvent(); }, &response));
        ASSERT_EQ(response.errors_size(), 0) << response.DebugString();
        break;
      }
      case 1: {  // a stale state, as an older server leaves it
        ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored(person));
        storage::PersonWrite write;
        write.name = PersonName{"acme", person};
        write.record = record;
        write.state.emplace();
        write.state->set_assessment_count(record.derived().assessment_count() +
                                          5);
        ASSERT_OK(store_->WritePeople({write}));
        break;
      }
      default: {
        const std::string id =
            rng() % 2 ? absl::StrCat("c", rng() % 1000, "-", step) : "";
        ASSERT_OK(manager_->RecordAssessment(
            RecordRequest(Person(person), random_assessment(), id)));
      }
    }
  }
  for (const std::string& person : people) {
    SCOPED_TRACE(person);
    ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                         ListAssessments(Person(person), 1000));
    ASSERT_TRUE(list.next_page_token().empty());
    std::vector<v1::Assessment> history(list.assessments().begin(),
                                        list.assessments().end());
    AggregationOptions options;
    options.as_of = absl::InfiniteFuture();
    const std::map<std::string, v1::IndicatorLevel> expected =
        AggregateLevels(history, options);
    ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored(person));
    const storage::PersonLevels& derived = record.derived();
    EXPECT_EQ(derived.assessment_count(), static_cast<int64_t>(history.size()));
    ASSERT_EQ(static_cast<size_t>(derived.indicator_size()), expected.size());
    for (int i = 0; i < derived.indicator_size(); ++i) {
      auto it = expected.find(derived.indicator(i));
      ASSERT_NE(it, expected.end()) << derived.indicator(i);
      EXPECT_EQ(derived.level(i), static_cast<float>(it->second.level()))
          << derived.indicator(i);
    }
    // The stored state gives every field of every level exactly (unless
    // the last step left it stale, to be rebuilt by the next write).
    storage::LevelState state;
    ASSERT_OK(store_->GetLevelState(PersonName{"acme", person}, &state));
    if (state.assessment_count() != derived.assessment_count()) continue;
    ASSERT_EQ(static_cast<size_t>(state.indicators_size()), expected.size());
    for (const storage::IndicatorState& ind : state.indicators()) {
      auto it = expected.find(ind.indicator());
      ASSERT_NE(it, expected.end()) << ind.indicator();
      const v1::IndicatorLevel level = LevelFromState(state, ind, options);
      EXPECT_TRUE(MessageDifferencer::Equals(level, it->second))
          << "from the state:\n"
          << level.DebugString() << "aggregated:\n"
          << it->second.DebugString();
    }
  }
}

// Regression: records.proto documents the stored levels (now PersonLevels)
// "in framework order of the rated indicators", but RecordAssessment copied
// them from the std::map of AggregateLevels, i.e. in order of indicator id.
// The "order" framework lists its indicators against the order of their
// ids.
TEST_F(ProfileManagerTest, StoredLevelsAreInFrameworkOrder) {
  const std::string text = R"pb(
    id: "order"
    version: "1"
    title: "Order"
    scale {
      levels { level: 0 label: "no" }
      levels { level: 1 label: "yes" }
    }
    stages { id: "s" title: "S" target_level: 1 }
    default_stage: "s"
    tracks { id: "t" title: "T" }
    clusters {
      code: "1"
      title: "One"
      competencies {
        code: "1.1"
        title: "C"
        indicators { id: "z-first" track: "t" text: "First." }
        indicators { id: "a-second" track: "t" text: "Second." }
      }
    }
  )pb";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<framework::FrameworkIndex> index,
      framework::FrameworkRegistry::ParseFramework(text, "order"));
  framework::FrameworkRegistry registry;
  ASSERT_OK(registry.Add(std::move(index)));
  ProfileManagerOptions options;
  options.default_framework = "order";
  ProfileManager manager(&registry, store_.get(), options,
                         [this] { return Now(); });
  ASSERT_OK(manager.CreateProfile(CreateRequest("p1", "t")));
  ASSERT_OK(manager.RecordAssessment(RecordRequest(
      Person("p1"),
      MakeAssessment(v1::SELF, "", {{"z-first", 1}, {"a-second", 0}}))));

  ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored("p1"));
  ASSERT_EQ(record.derived().indicator_size(), 2);
  EXPECT_EQ(record.derived().indicator(0), "z-first");
  EXPECT_EQ(record.derived().indicator(1), "a-second");
  EXPECT_EQ(record.derived().level(0), 1);
  EXPECT_EQ(record.derived().level(1), 0);
}

// ---------------------------------------------------------------- Threads

TEST_F(ProfileManagerTest, ConcurrentRecordingLosesNothing) {
  Create("p1");
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<std::string>> names(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &names, &failures] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<v1::Assessment> a =
            manager_->RecordAssessment(RecordRequest(
                Person("p1"), MakeAssessment(v1::PEER, absl::StrCat("peer-", t),
                                             {{"j-a1-1", (t + i) % 4}})));
        if (a.ok()) {
          names[t].push_back(a->name());
        } else {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  std::set<std::string> distinct;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    distinct.insert(names[t].begin(), names[t].end());
  }
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_EQ(*distinct.begin(), Person("p1") + "/assessments/a000000000001");
  EXPECT_EQ(*distinct.rbegin(), Person("p1") + "/assessments/a000000000100");

  ASSERT_OK_AND_ASSIGN(v1::Profile p, Get(Person("p1")));
  EXPECT_EQ(p.assessment_count(), 100);
  ASSERT_OK_AND_ASSIGN(v1::ListAssessmentsResponse list,
                       ListAssessments(Person("p1"), 1000));
  EXPECT_EQ(list.assessments_size(), 100);
  ASSERT_OK_AND_ASSIGN(storage::StoredProfile record, Stored("p1"));
  ASSERT_EQ(record.derived().level_size(), 1);
  storage::LevelState state;
  ASSERT_OK(store_->GetLevelState(PersonName{"acme", "p1"}, &state));
  EXPECT_EQ(state.assessment_count(), 100);
  ASSERT_EQ(state.indicators_size(), 1);
  EXPECT_EQ(state.indicators(0).rating_count(), 100);
}

}  // namespace
}  // namespace vakwijzer::core
