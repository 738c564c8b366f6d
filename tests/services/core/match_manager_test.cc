// MatchManager with a fresh MatcherRegistry holding a fake matcher that
// records what it was given, over a SnapshotCache and the "mini" test
// framework.
#include "services/core/match_manager.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "framework/framework_registry.h"
#include "gtest/gtest.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "services/core/snapshot_cache.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::core {
namespace {

bool IsHex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// What the fake matcher was given in its last call.
struct Seen {
  v1::MatchRequest request;
  const plugins::OrgSnapshot* org = nullptr;
  std::string org_id;
  std::vector<std::string> people;
  size_t modules = 0;
  const framework::FrameworkRegistry* frameworks = nullptr;
  int64_t k = -1;
  bool has_tags = false;
  std::vector<std::string> tags;
  const std::function<bool()>* cancelled_fn = nullptr;
  bool cancelled = false;
};

// A matcher with parameters k (INTEGER, default 3, 0..10) and tags
// (STRING_LIST) that records its input and returns `items` items.
class FakeMatcher : public plugins::Matcher {
 public:
  explicit FakeMatcher(std::string name = "fake", std::string version = "9.9") {
    info_.set_name(std::move(name));
    info_.set_version(std::move(version));
    info_.set_description("Records its input.");
    info_.set_subject("a person");
    *info_.add_parameters() =
        plugins::IntegerParam("k", "3", "How many.", 0, 10);
    *info_.add_parameters() = plugins::ListParam("tags", "Tags to match.");
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const plugins::MatchInput& input) const override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    seen_ = Seen();
    seen_.request = input.request;
    seen_.org = &input.org;
    seen_.org_id = input.org.org;
    for (const auto& p : input.org.people) seen_.people.push_back(p->id);
    seen_.modules = input.org.modules.size();
    seen_.frameworks = &input.frameworks;
    seen_.k = input.params.Integer("k");
    seen_.has_tags = input.params.Has("tags");
    seen_.tags = input.params.List("tags");
    seen_.cancelled_fn = &input.cancelled;
    seen_.cancelled = input.cancelled && input.cancelled();
    if (seen_.cancelled) return absl::CancelledError("gave up");
    if (!error_.ok()) return error_;
    v1::MatchResponse response;
    // The manager stamps these; what the matcher sets is overwritten.
    response.set_matcher("wrong");
    response.set_matcher_version("0");
    response.set_request_id("wrong");
    response.set_subject("wrong");
    response.set_summary("fake summary");
    response.set_candidate_count(items_);
    for (int i = 1; i <= items_; ++i) {
      v1::MatchItem* item = response.add_items();
      item->set_name(absl::StrCat("organizations/acme/modules/i", i));
      item->set_rank(i);
      item->set_score(1000 - i);
    }
    return response;
  }

  void set_items(int n) {
    absl::MutexLock lock(&mu_);
    items_ = n;
  }
  void set_error(absl::Status error) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }
  Seen seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  v1::MatcherInfo info_;
  mutable absl::Mutex mu_;
  mutable Seen seen_ ABSL_GUARDED_BY(mu_);
  mutable int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int items_ ABSL_GUARDED_BY(mu_) = 3;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

storage::StoredProfile Person(const std::string& org, const std::string& id) {
  storage::StoredProfile record;
  record.mutable_profile()->set_name(
      absl::StrCat("organizations/", org, "/people/", id));
  record.mutable_profile()->set_framework("frameworks/mini");
  record.mutable_profile()->set_track("junior");
  record.mutable_profile()->set_target_stage("good");
  return record;
}

class MatchManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    auto fake = std::make_unique<FakeMatcher>();
    fake_ = fake.get();
    ASSERT_OK(registry_.Add(std::move(fake)));
    manager_ = std::make_unique<MatchManager>(frameworks_.get(), &registry_,
                                              cache_.get());
  }

  // Adds a second matcher, "other".
  FakeMatcher* AddOther() {
    auto other = std::make_unique<FakeMatcher>("other", "1.0");
    FakeMatcher* raw = other.get();
    EXPECT_OK(registry_.Add(std::move(other)));
    return raw;
  }

  static v1::MatchRequest Request(
      const std::string& subject = "organizations/acme/people/p1") {
    v1::MatchRequest request;
    request.set_parent("organizations/acme");
    request.set_matcher("fake");
    request.set_subject(subject);
    return request;
  }

  absl::StatusOr<v1::MatchResponse> Match(const v1::MatchRequest& request) {
    return manager_->Match(request, not_cancelled_);
  }

  const v1::ParameterSpec* Spec(const v1::ListMatchersResponse& list,
                                const std::string& matcher,
                                const std::string& param) {
    for (const v1::MatcherInfo& info : list.matchers()) {
      if (info.name() != matcher) continue;
      for (const v1::ParameterSpec& spec : info.parameters()) {
        if (spec.name() == param) return &spec;
      }
    }
    return nullptr;
  }

  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<SnapshotCache> cache_;
  plugins::MatcherRegistry registry_;
  FakeMatcher* fake_ = nullptr;
  std::unique_ptr<MatchManager> manager_;
  std::function<bool()> not_cancelled_ = [] { return false; };
};

// ------------------------------------------------------------- Response

TEST_F(MatchManagerTest, ResponseIsStampedWithMatcherRequestAndSubject) {
  v1::MatchRequest request = Request();
  request.set_request_id("req-1");
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse response, Match(request));
  EXPECT_EQ(response.matcher(), "fake");
  EXPECT_EQ(response.matcher_version(), "9.9");
  EXPECT_EQ(response.request_id(), "req-1");
  EXPECT_EQ(response.subject(), "organizations/acme/people/p1");
  EXPECT_EQ(response.summary(), "fake summary");
  EXPECT_EQ(response.candidate_count(), 3);
  ASSERT_EQ(response.items_size(), 3);
  EXPECT_EQ(response.items(0).name(), "organizations/acme/modules/i1");
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_EQ(fake_->seen().request.request_id(), "req-1");
  EXPECT_EQ(fake_->seen().request.subject(), "organizations/acme/people/p1");
}

TEST_F(MatchManagerTest, MatcherErrorsArePassedThrough) {
  fake_->set_error(absl::NotFoundError("subject: no such person"));
  EXPECT_STATUS(Match(Request()), absl::StatusCode::kNotFound,
                "subject: no such person");
}

// ---------------------------------------------------------- Request checks

TEST_F(MatchManagerTest, UnknownMatcherListsTheAvailableOnes) {
  AddOther();
  v1::MatchRequest request = Request();
  request.set_matcher("nope");
  absl::StatusOr<v1::MatchResponse> r = Match(request);
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "matcher");
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "nope");
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "fake, other");
  request.set_matcher("");
  EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument, "fake");
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(MatchManagerTest, UnknownMatcherOnAServerWithoutMatchers) {
  plugins::MatcherRegistry empty;
  MatchManager manager(frameworks_.get(), &empty, cache_.get());
  EXPECT_STATUS(manager.Match(Request(), not_cancelled_),
                absl::StatusCode::kInvalidArgument, "none");
  EXPECT_EQ(manager.ListMatchers().matchers_size(), 0);
}

TEST_F(MatchManagerTest, MalformedParentIsInvalidArgument) {
  for (const std::string& parent :
       {std::string(""), std::string("acme"), std::string("organizations/"),
        std::string("organizations/acme/people/p1"),
        std::string("organizations/a b")}) {
    v1::MatchRequest request = Request();
    request.set_parent(parent);
    SCOPED_TRACE(parent);
    EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument, "parent");
  }
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(MatchManagerTest, PageSizeOutsideZeroToThousandIsInvalidArgument) {
  for (int size : {-1, 1001, -1000, 1 << 30}) {
    v1::MatchRequest request = Request();
    request.set_page_size(size);
    SCOPED_TRACE(size);
    EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument,
                  "page_size");
  }
  EXPECT_EQ(fake_->calls(), 0);
  v1::MatchRequest request = Request();
  request.set_page_size(1000);
  ASSERT_OK(Match(request));
  EXPECT_EQ(fake_->seen().request.page_size(), 1000);
}

TEST_F(MatchManagerTest, PageSizeZeroMeansTenForTheMatcher) {
  fake_->set_items(25);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse response, Match(Request()));
  EXPECT_EQ(fake_->seen().request.page_size(), 10);
  ASSERT_EQ(response.items_size(), 10);
  EXPECT_EQ(response.items(9).rank(), 10);
}

TEST_F(MatchManagerTest, ItemsBeyondPageSizeAreCutInOrder) {
  fake_->set_items(7);
  v1::MatchRequest request = Request();
  request.set_page_size(3);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse response, Match(request));
  EXPECT_EQ(fake_->seen().request.page_size(), 3);
  ASSERT_EQ(response.items_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(response.items(i).rank(), i + 1);
  // Other figures of the result are kept.
  EXPECT_EQ(response.candidate_count(), 7);

  request.set_page_size(7);
  ASSERT_OK_AND_ASSIGN(response, Match(request));
  EXPECT_EQ(response.items_size(), 7);
  request.set_page_size(50);
  ASSERT_OK_AND_ASSIGN(response, Match(request));
  EXPECT_EQ(response.items_size(), 7);
}

TEST_F(MatchManagerTest, RequestIdIsEchoedOrGenerated) {
  v1::MatchRequest request = Request();
  request.set_request_id("Client_42.a-b");
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse echoed, Match(request));
  EXPECT_EQ(echoed.request_id(), "Client_42.a-b");

  ASSERT_OK_AND_ASSIGN(v1::MatchResponse first, Match(Request()));
  EXPECT_TRUE(IsHex16(first.request_id())) << first.request_id();
  // The matcher saw the id the response reports.
  EXPECT_EQ(fake_->seen().request.request_id(), first.request_id());
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse second, Match(Request()));
  EXPECT_TRUE(IsHex16(second.request_id())) << second.request_id();
  EXPECT_NE(first.request_id(), second.request_id());
}

TEST_F(MatchManagerTest, MalformedRequestIdIsInvalidArgument) {
  for (const std::string& id :
       {std::string("has space"), std::string("a/b"), std::string("-x"),
        std::string(".x"), std::string(64, 'a'), std::string("é")}) {
    v1::MatchRequest request = Request();
    request.set_request_id(id);
    SCOPED_TRACE(id);
    EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument,
                  "request_id");
  }
  EXPECT_EQ(fake_->calls(), 0);
  v1::MatchRequest request = Request();
  request.set_request_id(std::string(63, 'a'));
  EXPECT_OK(Match(request));
}

TEST_F(MatchManagerTest, SubjectOutsideTheParentIsInvalidArgument) {
  for (const std::string& subject :
       {std::string(""), std::string("organizations/other/people/p1"),
        std::string("organizations/acme2/people/p1"),
        std::string("organizations/acme"), std::string("people/p1"),
        std::string("p1")}) {
    SCOPED_TRACE(subject);
    EXPECT_STATUS(Match(Request(subject)), absl::StatusCode::kInvalidArgument,
                  "subject");
  }
  EXPECT_EQ(fake_->calls(), 0);
  EXPECT_OK(Match(Request("organizations/acme/roles/r1")));
  EXPECT_OK(Match(Request("organizations/acme/cases/c1")));
}

// ------------------------------------------------------------- Parameters

TEST_F(MatchManagerTest, UnknownParameterIsInvalidArgumentNamingIt) {
  v1::MatchRequest request = Request();
  (*request.mutable_parameters())["x"] = "1";
  absl::StatusOr<v1::MatchResponse> r = Match(request);
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "parameters[\"x\"]");
  // The message lists what the matcher takes.
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "k, tags");
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(MatchManagerTest, WrongTypeOrOutOfRangeParameterIsInvalidArgument) {
  for (const std::string& value :
       {std::string("abc"), std::string("2.5"), std::string("11"),
        std::string("-1"), std::string("1e3")}) {
    v1::MatchRequest request = Request();
    (*request.mutable_parameters())["k"] = value;
    SCOPED_TRACE(value);
    EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument,
                  "parameters[\"k\"]");
  }
  EXPECT_EQ(fake_->calls(), 0);
  for (const char* value : {"0", "10", " 4 "}) {
    v1::MatchRequest request = Request();
    (*request.mutable_parameters())["k"] = value;
    EXPECT_OK(Match(request)) << value;
  }
  EXPECT_EQ(fake_->seen().k, 4);
}

TEST_F(MatchManagerTest, SpecDefaultsApplyWithoutServerDefaults) {
  ASSERT_OK(Match(Request()));
  EXPECT_EQ(fake_->seen().k, 3);
  EXPECT_FALSE(fake_->seen().has_tags);
  EXPECT_TRUE(fake_->seen().tags.empty());

  v1::ListMatchersResponse list = manager_->ListMatchers();
  const v1::ParameterSpec* k = Spec(list, "fake", "k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->default_value(), "3");
  EXPECT_EQ(k->type(), v1::ParameterSpec::INTEGER);
  EXPECT_TRUE(k->has_min());
  EXPECT_EQ(k->max(), 10);
  const v1::ParameterSpec* tags = Spec(list, "fake", "tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->default_value(), "");
}

TEST_F(MatchManagerTest, ServerDefaultsAreUsedAndListed) {
  ASSERT_OK(registry_.SetDefaults("fake", {{"k", "7"}, {"tags", "a, b"}}));
  ASSERT_OK(Match(Request()));
  EXPECT_EQ(fake_->seen().k, 7);
  EXPECT_TRUE(fake_->seen().has_tags);
  EXPECT_EQ(fake_->seen().tags, std::vector<std::string>({"a", "b"}));

  v1::ListMatchersResponse list = manager_->ListMatchers();
  ASSERT_NE(Spec(list, "fake", "k"), nullptr);
  EXPECT_EQ(Spec(list, "fake", "k")->default_value(), "7");
  EXPECT_EQ(Spec(list, "fake", "tags")->default_value(), "a, b");
  // The matcher's own info keeps its declared default.
  EXPECT_EQ(fake_->Info().parameters(0).default_value(), "3");
}

TEST_F(MatchManagerTest, RequestValuesOverrideServerDefaults) {
  ASSERT_OK(registry_.SetDefaults("fake", {{"k", "7"}, {"tags", "a,b"}}));
  v1::MatchRequest request = Request();
  (*request.mutable_parameters())["k"] = "1";
  (*request.mutable_parameters())["tags"] = " x ,, y ";
  ASSERT_OK(Match(request));
  EXPECT_EQ(fake_->seen().k, 1);
  EXPECT_EQ(fake_->seen().tags, std::vector<std::string>({"x", "y"}));
  // Only the overridden one changes.
  request.mutable_parameters()->erase("tags");
  ASSERT_OK(Match(request));
  EXPECT_EQ(fake_->seen().tags, std::vector<std::string>({"a", "b"}));
  // A request value is checked even when a default exists.
  (*request.mutable_parameters())["k"] = "12";
  EXPECT_STATUS(Match(request), absl::StatusCode::kInvalidArgument,
                "parameters[\"k\"]");
}

TEST_F(MatchManagerTest, DefaultsOfOneMatcherDoNotLeakToAnother) {
  FakeMatcher* other = AddOther();
  ASSERT_OK(registry_.SetDefaults("fake", {{"k", "9"}}));
  v1::MatchRequest request = Request();
  request.set_matcher("other");
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse response, Match(request));
  EXPECT_EQ(response.matcher(), "other");
  EXPECT_EQ(response.matcher_version(), "1.0");
  EXPECT_EQ(other->seen().k, 3);
  EXPECT_EQ(fake_->calls(), 0);
  EXPECT_EQ(Spec(manager_->ListMatchers(), "other", "k")->default_value(), "3");
}

TEST_F(MatchManagerTest, SetDefaultsRejectsInvalidValuesAndKeepsTheOldOnes) {
  ASSERT_OK(registry_.SetDefaults("fake", {{"k", "5"}}));
  absl::Status s = registry_.SetDefaults("fake", {{"k", "11"}});
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "parameters[\"k\"]");
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "fake");
  EXPECT_STATUS(registry_.SetDefaults("fake", {{"k", "many"}}),
                absl::StatusCode::kInvalidArgument, "parameters[\"k\"]");
  EXPECT_STATUS(registry_.SetDefaults("fake", {{"x", "1"}}),
                absl::StatusCode::kInvalidArgument, "parameters[\"x\"]");
  EXPECT_STATUS(registry_.SetDefaults("nope", {{"k", "1"}}),
                absl::StatusCode::kNotFound, "nope");

  ASSERT_OK(Match(Request()));
  EXPECT_EQ(fake_->seen().k, 5);
  EXPECT_EQ(Spec(manager_->ListMatchers(), "fake", "k")->default_value(), "5");
}

// ------------------------------------------------------- Input passed on

TEST_F(MatchManagerTest, MatcherSeesTheOrganisationsSnapshotFromTheCache) {
  cache_->PutPerson("acme", Person("acme", "p2"));
  cache_->PutPerson("acme", Person("acme", "p1"));
  cache_->PutPerson("beta", Person("beta", "q1"));
  v1::TrainingModule module;
  module.set_name("organizations/acme/modules/m1");
  cache_->PutModule("acme", module);

  std::shared_ptr<const plugins::OrgSnapshot> snap = cache_->Get("acme");
  ASSERT_OK(Match(Request()));
  Seen seen = fake_->seen();
  EXPECT_EQ(seen.org, snap.get());
  EXPECT_EQ(seen.org_id, "acme");
  EXPECT_EQ(seen.people, std::vector<std::string>({"p1", "p2"}));
  EXPECT_EQ(seen.modules, 1u);
  EXPECT_EQ(seen.frameworks, frameworks_.get());

  // A later write is seen by the next match.
  cache_->PutPerson("acme", Person("acme", "p0"));
  ASSERT_OK(Match(Request()));
  EXPECT_EQ(fake_->seen().people, std::vector<std::string>({"p0", "p1", "p2"}));

  // An organisation without data gives an empty snapshot of that org.
  v1::MatchRequest request = Request("organizations/gamma/people/x");
  request.set_parent("organizations/gamma");
  ASSERT_OK(Match(request));
  EXPECT_EQ(fake_->seen().org_id, "gamma");
  EXPECT_TRUE(fake_->seen().people.empty());
}

TEST_F(MatchManagerTest, CancelledCallbackIsPassedThrough) {
  int asked = 0;
  std::function<bool()> cancelled = [&asked] {
    ++asked;
    return true;
  };
  EXPECT_STATUS(manager_->Match(Request(), cancelled),
                absl::StatusCode::kCancelled, "gave up");
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(fake_->seen().cancelled_fn, &cancelled);
  EXPECT_TRUE(fake_->seen().cancelled);

  ASSERT_OK(manager_->Match(Request(), not_cancelled_));
  EXPECT_EQ(fake_->seen().cancelled_fn, &not_cancelled_);
  EXPECT_FALSE(fake_->seen().cancelled);
}

// ------------------------------------------------------- Registry content

TEST_F(MatchManagerTest, ListMatchersReportsEveryMatcherByName) {
  AddOther();
  v1::ListMatchersResponse list = manager_->ListMatchers();
  ASSERT_EQ(list.matchers_size(), 2);
  EXPECT_EQ(list.matchers(0).name(), "fake");
  EXPECT_EQ(list.matchers(0).version(), "9.9");
  EXPECT_EQ(list.matchers(0).subject(), "a person");
  EXPECT_EQ(list.matchers(0).parameters_size(), 2);
  EXPECT_EQ(list.matchers(1).name(), "other");
  EXPECT_EQ(list.matchers(1).version(), "1.0");
}

TEST_F(MatchManagerTest, AddingATakenNameIsAlreadyExists) {
  EXPECT_STATUS(registry_.Add(std::make_unique<FakeMatcher>()),
                absl::StatusCode::kAlreadyExists, "fake");
  EXPECT_EQ(manager_->ListMatchers().matchers_size(), 1);
}

TEST_F(MatchManagerTest, EnableDropsTheOtherMatchers) {
  AddOther();
  ASSERT_OK(registry_.Enable({}));  // empty: keep all
  EXPECT_EQ(manager_->ListMatchers().matchers_size(), 2);

  EXPECT_STATUS(registry_.Enable({"fake", "nope"}), absl::StatusCode::kNotFound,
                "nope");
  EXPECT_EQ(manager_->ListMatchers().matchers_size(), 2);

  ASSERT_OK(registry_.Enable({"fake"}));
  v1::ListMatchersResponse list = manager_->ListMatchers();
  ASSERT_EQ(list.matchers_size(), 1);
  EXPECT_EQ(list.matchers(0).name(), "fake");
  EXPECT_EQ(registry_.Find("other"), nullptr);

  v1::MatchRequest request = Request();
  request.set_matcher("other");
  absl::StatusOr<v1::MatchResponse> r = Match(request);
  EXPECT_STATUS(r, absl::StatusCode::kInvalidArgument, "this server has fake");
  EXPECT_FALSE(absl::StrContains(r.status().message(), ", other"));
  EXPECT_OK(Match(Request()));
}

// ------------------------------------------------------------ Concurrency

TEST_F(MatchManagerTest, ConcurrentMatchesGetDistinctRequestIds) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &ids] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<v1::MatchResponse> r = Match(Request());
        ids[t].push_back(r.ok() ? r->request_id() : "error");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> distinct;
  for (const auto& list : ids) {
    for (const std::string& id : list) {
      EXPECT_TRUE(IsHex16(id)) << id;
      distinct.insert(id);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(fake_->calls(), kThreads * kEach);
}

// ------------------------------------------------------------- BatchMatch

// Puts people with the given ids into organisation acme.
void AddPeople(SnapshotCache* cache, const std::vector<std::string>& ids) {
  for (const std::string& id : ids)
    cache->PutPerson("acme", Person("acme", id));
}

std::vector<v1::BatchMatchResponse> Batch(const MatchManager& manager,
                                          const v1::BatchMatchRequest& request,
                                          absl::Status* status) {
  std::vector<v1::BatchMatchResponse> parts;
  *status = manager.BatchMatch(
      request,
      [&](const v1::BatchMatchResponse& part) {
        parts.push_back(part);
        return true;
      },
      [] { return false; });
  return parts;
}

TEST_F(MatchManagerTest, BatchMatchRunsEveryPersonWhenNoSubjectIsGiven) {
  AddPeople(cache_.get(), {"p2", "p1", "p3"});
  v1::BatchMatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("fake");
  request.set_page_size(2);
  absl::Status status;
  std::vector<v1::BatchMatchResponse> parts =
      Batch(*manager_, request, &status);
  ASSERT_OK(status);
  ASSERT_EQ(parts.size(), 3u);  // in order of person id
  EXPECT_EQ(parts[0].subject(), "organizations/acme/people/p1");
  EXPECT_EQ(parts[2].subject(), "organizations/acme/people/p3");
  EXPECT_EQ(parts[1].response().subject(), "organizations/acme/people/p2");
  EXPECT_EQ(parts[1].response().items_size(), 2);  // page_size applies
  EXPECT_EQ(parts[1].error_code(), 0);
  EXPECT_EQ(fake_->calls(), 3);
}

TEST_F(MatchManagerTest, BatchMatchReportsASubjectsErrorAndGoesOn) {
  v1::BatchMatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("fake");
  request.add_subjects("organizations/acme/people/p1");
  request.add_subjects("organizations/other/people/p2");  // not in acme
  request.add_subjects("organizations/acme/people/p3");
  absl::Status status;
  std::vector<v1::BatchMatchResponse> parts =
      Batch(*manager_, request, &status);
  ASSERT_OK(status);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].error_code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(parts[1].error_message().find("subject"), std::string::npos);
  EXPECT_FALSE(parts[1].has_response());
  EXPECT_TRUE(parts[2].has_response());
}

TEST_F(MatchManagerTest, BatchMatchRefusesTooManyOrRepeatedSubjects) {
  v1::BatchMatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("fake");
  for (int i = 0; i <= kMaxBatchSubjects; ++i) {
    request.add_subjects(absl::StrCat("organizations/acme/people/p", i));
  }
  absl::Status status;
  EXPECT_TRUE(Batch(*manager_, request, &status).empty());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().substr(0, 49),
            "subjects: 10001 subjects; at most 10000 per call ");

  request.clear_subjects();
  request.add_subjects("organizations/acme/people/p1");
  request.add_subjects("organizations/acme/people/p2");
  request.add_subjects("organizations/acme/people/p1");
  EXPECT_TRUE(Batch(*manager_, request, &status).empty());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "subjects[2]: duplicate of subjects[0] "
            "\"organizations/acme/people/p1\"");
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(MatchManagerTest, BatchMatchFailsWholeOnARequestWideError) {
  v1::BatchMatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("fake");
  request.add_subjects("organizations/acme/people/p1");
  (*request.mutable_parameters())["k"] = "11";  // outside 0..10
  absl::Status status;
  EXPECT_TRUE(Batch(*manager_, request, &status).empty());
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "parameters[\"k\"]");
  request.clear_parameters();
  request.set_matcher("nope");
  EXPECT_TRUE(Batch(*manager_, request, &status).empty());
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument, "matcher");
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(MatchManagerTest, BatchMatchStopsWhenTheClientGoesAway) {
  AddPeople(cache_.get(), {"p1", "p2", "p3"});
  v1::BatchMatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("fake");
  int emitted = 0;
  EXPECT_STATUS(manager_->BatchMatch(
                    request,
                    [&](const v1::BatchMatchResponse&) {
                      ++emitted;
                      return false;
                    },
                    [] { return false; }),
                absl::StatusCode::kCancelled, "");
  EXPECT_EQ(emitted, 1);
}

}  // namespace
}  // namespace vakwijzer::core
