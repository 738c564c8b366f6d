// CatalogManager over a real RocksDbStore, the "mini" test framework, a
// fake clock and a live SnapshotCache.
//
// mini: track junior has j-a1-1, j-a1-2 (competency A.1), j-a2-1 (A.2) and
// j-b1-1 (B.1); track senior has s-a1-1, s-a2-1, s-b1-1. Scale 0..3.
#include "services/core/catalog_manager.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/core/snapshot_cache.h"
#include "storage/rocksdb_store.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::core {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::vakwijzer::testing::TempDir;

// 2023-11-14T22:13:20Z.
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string Parent(const std::string& org = "acme") {
  return absl::StrCat("organizations/", org);
}

std::string ItemName(const std::string& collection, const std::string& id,
                     const std::string& org = "acme") {
  return absl::StrCat("organizations/", org, "/", collection, "/", id);
}

v1::Requirement IndicatorReq(const std::string& indicator, int level,
                             int weight = 0, bool must_have = false) {
  v1::Requirement r;
  r.set_indicator(indicator);
  r.set_level(level);
  r.set_weight(weight);
  r.set_must_have(must_have);
  return r;
}

v1::Requirement CompetencyReq(const std::string& competency, int level,
                              int weight = 0, bool must_have = false) {
  v1::Requirement r;
  r.set_competency(competency);
  r.set_level(level);
  r.set_weight(weight);
  r.set_must_have(must_have);
  return r;
}

v1::TrainingModule ValidModule() {
  v1::TrainingModule m;
  m.set_title("Budgetcoaching");
  m.set_description("Coaching citizens on their budget.");
  m.set_provider("Academie");
  m.set_format("klassikaal");
  m.set_language("nl");
  m.set_hours(8);
  m.set_cost(250);
  m.set_track("junior");
  *m.add_develops() = IndicatorReq("j-a1-1", 2);
  *m.add_develops() = CompetencyReq("B.1", 1);
  *m.add_prerequisites() = IndicatorReq("j-a2-1", 1);
  m.add_tags("budget");
  m.set_seats(12);
  return m;
}

v1::Role ValidRole() {
  v1::Role r;
  r.set_title("Schuldhulpverlener");
  r.set_description("Helps citizens out of debt.");
  r.set_track("junior");
  *r.add_requirements() = IndicatorReq("j-a1-1", 2, 3, true);
  *r.add_requirements() = CompetencyReq("B.1", 1, 1);
  return r;
}

v1::ClientCase ValidCase() {
  v1::ClientCase c;
  c.set_title("Gezin met betalingsachterstand");
  c.set_description("Arrears on rent and energy.");
  c.set_vaarwater(v1::WOELIG);
  *c.add_requirements() = CompetencyReq("A.1", 2, 2, true);
  *c.add_requirements() = IndicatorReq("s-b1-1", 1);
  c.set_workload(2);
  c.set_language("nl");
  c.set_region("noord");
  c.set_team("t1");
  return c;
}

// One page of a listing: the ids listed and the next token.
struct Page {
  std::vector<std::string> ids;
  std::string next;
};

// Of a repeated field, a vector or a snapshot's part.
template <typename Items>
std::vector<std::string> IdsOf(const Items& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    out.push_back(item.name().substr(item.name().rfind('/') + 1));
  }
  return out;
}

v1::ListCatalogRequest ListRequest(const std::string& parent, int page_size,
                                   const std::string& token) {
  v1::ListCatalogRequest request;
  request.set_parent(parent);
  request.set_page_size(page_size);
  request.set_page_token(token);
  return request;
}

v1::GetCatalogItemRequest GetRequest(const std::string& name) {
  v1::GetCatalogItemRequest request;
  request.set_name(name);
  return request;
}

v1::DeleteCatalogItemRequest DeleteRequest(const std::string& name,
                                           const std::string& etag = "") {
  v1::DeleteCatalogItemRequest request;
  request.set_name(name);
  request.set_etag(etag);
  return request;
}

google::protobuf::FieldMask Mask(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  return mask;
}

// What differs between the three kinds of catalogue item, for the typed
// tests of the standard methods.
struct ModuleKind {
  using Item = v1::TrainingModule;
  static constexpr const char* kCollection = "modules";
  static constexpr const char* kField = "module";
  static constexpr const char* kOtherCollection = "roles";
  static constexpr storage::CatalogKind kKind = storage::CatalogKind::kModule;
  static Item Valid() { return ValidModule(); }
  static absl::StatusOr<Item> Create(CatalogManager& m,
                                     const std::string& parent,
                                     const std::string& id, const Item& item) {
    v1::CreateModuleRequest request;
    request.set_parent(parent);
    request.set_module_id(id);
    *request.mutable_module() = item;
    return m.CreateModule(request);
  }
  static absl::StatusOr<Item> Get(CatalogManager& m, const std::string& name) {
    return m.GetModule(GetRequest(name));
  }
  static absl::StatusOr<Item> Update(CatalogManager& m, const Item& item,
                                     const std::vector<std::string>& paths) {
    v1::UpdateModuleRequest request;
    *request.mutable_module() = item;
    *request.mutable_update_mask() = Mask(paths);
    return m.UpdateModule(request);
  }
  static absl::Status Delete(CatalogManager& m, const std::string& name,
                             const std::string& etag) {
    return m.DeleteModule(DeleteRequest(name, etag));
  }
  static absl::StatusOr<Page> List(CatalogManager& m, const std::string& parent,
                                   int page_size, const std::string& token) {
    absl::StatusOr<v1::ListModulesResponse> r =
        m.ListModules(ListRequest(parent, page_size, token));
    if (!r.ok()) return r.status();
    return Page{IdsOf(r->modules()), r->next_page_token()};
  }
  static const plugins::SharedVector<Item>& Cached(
      const plugins::OrgSnapshot& s) {
    return s.modules;
  }
};

struct RoleKind {
  using Item = v1::Role;
  static constexpr const char* kCollection = "roles";
  static constexpr const char* kField = "role";
  static constexpr const char* kOtherCollection = "cases";
  static constexpr storage::CatalogKind kKind = storage::CatalogKind::kRole;
  static Item Valid() { return ValidRole(); }
  static absl::StatusOr<Item> Create(CatalogManager& m,
                                     const std::string& parent,
                                     const std::string& id, const Item& item) {
    v1::CreateRoleRequest request;
    request.set_parent(parent);
    request.set_role_id(id);
    *request.mutable_role() = item;
    return m.CreateRole(request);
  }
  static absl::StatusOr<Item> Get(CatalogManager& m, const std::string& name) {
    return m.GetRole(GetRequest(name));
  }
  static absl::StatusOr<Item> Update(CatalogManager& m, const Item& item,
                                     const std::vector<std::string>& paths) {
    v1::UpdateRoleRequest request;
    *request.mutable_role() = item;
    *request.mutable_update_mask() = Mask(paths);
    return m.UpdateRole(request);
  }
  static absl::Status Delete(CatalogManager& m, const std::string& name,
                             const std::string& etag) {
    return m.DeleteRole(DeleteRequest(name, etag));
  }
  static absl::StatusOr<Page> List(CatalogManager& m, const std::string& parent,
                                   int page_size, const std::string& token) {
    absl::StatusOr<v1::ListRolesResponse> r =
        m.ListRoles(ListRequest(parent, page_size, token));
    if (!r.ok()) return r.status();
    return Page{IdsOf(r->roles()), r->next_page_token()};
  }
  static const plugins::SharedVector<Item>& Cached(
      const plugins::OrgSnapshot& s) {
    return s.roles;
  }
};

struct CaseKind {
  using Item = v1::ClientCase;
  static constexpr const char* kCollection = "cases";
  static constexpr const char* kField = "case";
  static constexpr const char* kOtherCollection = "modules";
  static constexpr storage::CatalogKind kKind = storage::CatalogKind::kCase;
  static Item Valid() { return ValidCase(); }
  static absl::StatusOr<Item> Create(CatalogManager& m,
                                     const std::string& parent,
                                     const std::string& id, const Item& item) {
    v1::CreateCaseRequest request;
    request.set_parent(parent);
    request.set_case_id(id);
    *request.mutable_case_() = item;
    return m.CreateCase(request);
  }
  static absl::StatusOr<Item> Get(CatalogManager& m, const std::string& name) {
    return m.GetCase(GetRequest(name));
  }
  static absl::StatusOr<Item> Update(CatalogManager& m, const Item& item,
                                     const std::vector<std::string>& paths) {
    v1::UpdateCaseRequest request;
    *request.mutable_case_() = item;
    *request.mutable_update_mask() = Mask(paths);
    return m.UpdateCase(request);
  }
  static absl::Status Delete(CatalogManager& m, const std::string& name,
                             const std::string& etag) {
    return m.DeleteCase(DeleteRequest(name, etag));
  }
  static absl::StatusOr<Page> List(CatalogManager& m, const std::string& parent,
                                   int page_size, const std::string& token) {
    absl::StatusOr<v1::ListCasesResponse> r =
        m.ListCases(ListRequest(parent, page_size, token));
    if (!r.ok()) return r.status();
    return Page{IdsOf(r->cases()), r->next_page_token()};
  }
  static const plugins::SharedVector<Item>& Cached(
      const plugins::OrgSnapshot& s) {
    return s.cases;
  }
};

class CatalogManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    ASSERT_OK_AND_ASSIGN(store_, storage::RocksDbStore::Open(dir_.Sub("db")));
    cache_ = std::make_unique<SnapshotCache>(frameworks_.get());
    manager_ = std::make_unique<CatalogManager>(frameworks_.get(), store_.get(),
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

  // Number of items of `kind` the store holds for `org`.
  int StoredCount(const std::string& org, storage::CatalogKind kind) {
    int n = 0;
    EXPECT_OK(store_->ScanItems(org, kind, "",
                                [&](absl::string_view, const std::string&) {
                                  ++n;
                                  return true;
                                }));
    return n;
  }

  // Nothing of any kind in the store or in the cache for `org`.
  void ExpectNothingWritten(const std::string& org = "acme") {
    EXPECT_EQ(StoredCount(org, storage::CatalogKind::kModule), 0);
    EXPECT_EQ(StoredCount(org, storage::CatalogKind::kRole), 0);
    EXPECT_EQ(StoredCount(org, storage::CatalogKind::kCase), 0);
    std::shared_ptr<const plugins::OrgSnapshot> snap = cache_->Get(org);
    EXPECT_TRUE(snap->modules.empty());
    EXPECT_TRUE(snap->roles.empty());
    EXPECT_TRUE(snap->cases.empty());
  }

  absl::StatusOr<v1::TrainingModule> CreateModule(
      const std::string& id, const v1::TrainingModule& m,
      const std::string& org = "acme") {
    return ModuleKind::Create(*manager_, Parent(org), id, m);
  }
  absl::StatusOr<v1::Role> CreateRole(const std::string& id, const v1::Role& r,
                                      const std::string& org = "acme") {
    return RoleKind::Create(*manager_, Parent(org), id, r);
  }
  absl::StatusOr<v1::ClientCase> CreateCase(const std::string& id,
                                            const v1::ClientCase& c,
                                            const std::string& org = "acme") {
    return CaseKind::Create(*manager_, Parent(org), id, c);
  }

  TempDir dir_;
  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<SnapshotCache> cache_;
  std::unique_ptr<CatalogManager> manager_;
  absl::Mutex clock_mu_;
  absl::Time now_ = kT0;
};

// ------------------------------------------- Standard methods, every kind

template <typename K>
class CatalogItemTest : public CatalogManagerTest {
 protected:
  using Item = typename K::Item;

  absl::StatusOr<Item> Create(const std::string& id,
                              const std::string& org = "acme") {
    return K::Create(*manager_, Parent(org), id, K::Valid());
  }
  absl::StatusOr<Item> Get(const std::string& name) {
    return K::Get(*manager_, name);
  }
  static std::string Name(const std::string& id,
                          const std::string& org = "acme") {
    return ItemName(K::kCollection, id, org);
  }
  // The item as the cache of `org` has it; nullptr when absent.
  const Item* Cached(const std::string& name, const std::string& org = "acme") {
    snapshot_ = cache_->Get(org);
    for (const Item& item : K::Cached(*snapshot_)) {
      if (item.name() == name) return &item;
    }
    return nullptr;
  }

  std::shared_ptr<const plugins::OrgSnapshot> snapshot_;
};

struct KindNames {
  template <typename K>
  static std::string GetName(int) {
    return K::kCollection;
  }
};

using Kinds = ::testing::Types<ModuleKind, RoleKind, CaseKind>;
TYPED_TEST_SUITE(CatalogItemTest, Kinds, KindNames);

TYPED_TEST(CatalogItemTest, CreateFillsDefaultsAndOutputFields) {
  using K = TypeParam;
  typename K::Item given = K::Valid();
  ASSERT_TRUE(given.framework().empty());
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));

  EXPECT_EQ(item.name(), this->Name("x1"));
  EXPECT_EQ(item.framework(), "frameworks/mini");
  EXPECT_EQ(item.title(), given.title());
  EXPECT_EQ(item.create_time().seconds(), 1700000000);
  EXPECT_EQ(item.create_time().nanos(), 0);
  EXPECT_TRUE(
      MessageDifferencer::Equals(item.update_time(), item.create_time()));
  EXPECT_FALSE(item.etag().empty());

  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, item)) << got.DebugString();

  // The returned item equals the given one apart from the output fields and
  // the framework default.
  typename K::Item expected = given;
  expected.set_name(item.name());
  expected.set_framework("frameworks/mini");
  *expected.mutable_create_time() = item.create_time();
  *expected.mutable_update_time() = item.update_time();
  expected.set_etag(item.etag());
  EXPECT_TRUE(MessageDifferencer::Equals(item, expected)) << item.DebugString();
}

TYPED_TEST(CatalogItemTest, CreateIgnoresOutputOnlyFieldsOfTheRequest) {
  using K = TypeParam;
  typename K::Item given = K::Valid();
  given.set_name(ItemName(K::kCollection, "other", "elsewhere"));
  given.set_etag("made-up");
  given.mutable_create_time()->set_seconds(5);
  given.mutable_update_time()->set_seconds(6);
  ASSERT_OK_AND_ASSIGN(typename K::Item item,
                       K::Create(*this->manager_, Parent(), "x1", given));
  EXPECT_EQ(item.name(), this->Name("x1"));
  EXPECT_NE(item.etag(), "made-up");
  EXPECT_EQ(item.create_time().seconds(), 1700000000);
  EXPECT_EQ(item.update_time().seconds(), 1700000000);
  EXPECT_STATUS(this->Get(ItemName(K::kCollection, "other", "elsewhere")),
                absl::StatusCode::kNotFound, "");
}

TYPED_TEST(CatalogItemTest, CreateKeepsAnExplicitFramework) {
  using K = TypeParam;
  typename K::Item given = K::Valid();
  given.set_framework("frameworks/mini");
  ASSERT_OK_AND_ASSIGN(typename K::Item item,
                       K::Create(*this->manager_, Parent(), "x1", given));
  EXPECT_EQ(item.framework(), "frameworks/mini");
}

TYPED_TEST(CatalogItemTest, CreateTwiceIsAlreadyExistsAndKeepsTheFirst) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item first, this->Create("x1"));
  typename K::Item second = K::Valid();
  second.set_title("Another title");
  this->Advance(absl::Seconds(1));
  EXPECT_STATUS(K::Create(*this->manager_, Parent(), "x1", second),
                absl::StatusCode::kAlreadyExists,
                absl::StrCat(K::kField, "_id"));
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(this->Name("x1")));
  EXPECT_TRUE(MessageDifferencer::Equals(got, first));
  const typename K::Item* cached = this->Cached(this->Name("x1"));
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(*cached, first));
}

TYPED_TEST(CatalogItemTest, CreateRejectsMalformedParentAndId) {
  using K = TypeParam;
  const std::string id_field = absl::StrCat(K::kField, "_id");
  for (const std::string& parent :
       {std::string("acme"), std::string("organizations/"),
        std::string("organizations/acme/modules"), std::string("orgs/acme"),
        std::string("organizations/ac me"), std::string("")}) {
    SCOPED_TRACE(parent);
    EXPECT_STATUS(K::Create(*this->manager_, parent, "x1", K::Valid()),
                  absl::StatusCode::kInvalidArgument, "parent");
  }
  for (const std::string& id :
       {std::string(""), std::string("a/b"), std::string("a b"),
        std::string("-a"), std::string(".a"), std::string(64, 'x')}) {
    SCOPED_TRACE(id);
    EXPECT_STATUS(K::Create(*this->manager_, Parent(), id, K::Valid()),
                  absl::StatusCode::kInvalidArgument, id_field);
  }
  this->ExpectNothingWritten();
}

TYPED_TEST(CatalogItemTest, CreateAcceptsLongestId) {
  using K = TypeParam;
  const std::string id(63, 'x');
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create(id));
  EXPECT_EQ(item.name(), this->Name(id));
}

TYPED_TEST(CatalogItemTest, GetUnknownIsNotFound) {
  EXPECT_STATUS(this->Get(this->Name("nope")), absl::StatusCode::kNotFound,
                "nope");
  ASSERT_OK(this->Create("x1"));
  // The same id in another organisation is another item.
  EXPECT_STATUS(this->Get(this->Name("x1", "other")),
                absl::StatusCode::kNotFound, "");
}

TYPED_TEST(CatalogItemTest, MalformedOrWrongCollectionNamesAreInvalidArgument) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  // An item of the same id exists, but a name of another collection never
  // reaches it.
  const std::vector<std::string> bad = {
      ItemName(K::kOtherCollection, "x1"),
      ItemName("people", "x1"),
      Parent(),
      absl::StrCat(this->Name("x1"), "/extra"),
      absl::StrCat("organisations/acme/", K::kCollection, "/x1"),
      absl::StrCat("organizations//", K::kCollection, "/x1"),
      absl::StrCat("organizations/acme/", K::kCollection, "/"),
      absl::StrCat("organizations/acme/", K::kCollection, "/x 1"),
      "",
  };
  for (const std::string& name : bad) {
    SCOPED_TRACE(name);
    EXPECT_STATUS(this->Get(name), absl::StatusCode::kInvalidArgument, "name");
    EXPECT_STATUS(K::Delete(*this->manager_, name, ""),
                  absl::StatusCode::kInvalidArgument, "name");
    typename K::Item update = item;
    update.set_name(name);
    update.set_title("changed");
    EXPECT_STATUS(K::Update(*this->manager_, update, {"title"}),
                  absl::StatusCode::kInvalidArgument,
                  absl::StrCat(K::kField, ".name"));
  }
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, item));
}

TYPED_TEST(CatalogItemTest, UpdateWithMaskChangesOnlyTheMaskedField) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  this->Advance(absl::Seconds(30));

  typename K::Item update;
  update.set_name(item.name());
  update.set_title("New title");
  update.set_description("not in the mask");
  ASSERT_OK_AND_ASSIGN(typename K::Item updated,
                       K::Update(*this->manager_, update, {"title"}));

  EXPECT_EQ(updated.title(), "New title");
  EXPECT_EQ(updated.description(), item.description());
  EXPECT_EQ(updated.framework(), item.framework());
  EXPECT_TRUE(
      MessageDifferencer::Equals(updated.create_time(), item.create_time()));
  EXPECT_EQ(updated.update_time().seconds(), 1700000030);
  EXPECT_NE(updated.etag(), item.etag());
  EXPECT_FALSE(updated.etag().empty());

  // Apart from title, update time and etag, nothing changed.
  typename K::Item expected = item;
  expected.set_title("New title");
  *expected.mutable_update_time() = updated.update_time();
  expected.set_etag(updated.etag());
  EXPECT_TRUE(MessageDifferencer::Equals(updated, expected))
      << updated.DebugString();

  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, updated));
  const typename K::Item* cached = this->Cached(item.name());
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(*cached, updated));
}

TYPED_TEST(CatalogItemTest, UpdateWithEmptyMaskReplacesEveryMutableField) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  ASSERT_FALSE(item.description().empty());
  this->Advance(absl::Seconds(1));

  // The full item with a new title and without description: the
  // description is cleared, the framework defaulted again.
  typename K::Item update = K::Valid();
  update.set_name(item.name());
  update.set_title("Replaced");
  update.clear_description();
  ASSERT_OK_AND_ASSIGN(typename K::Item updated,
                       K::Update(*this->manager_, update, {}));
  EXPECT_EQ(updated.title(), "Replaced");
  EXPECT_EQ(updated.description(), "");
  EXPECT_EQ(updated.framework(), "frameworks/mini");
  EXPECT_EQ(updated.name(), item.name());
  EXPECT_TRUE(
      MessageDifferencer::Equals(updated.create_time(), item.create_time()));
  EXPECT_NE(updated.etag(), item.etag());
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, updated));
}

TYPED_TEST(CatalogItemTest, UpdateIgnoresOutputOnlyFieldsOutsideTheMask) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  typename K::Item update = item;
  update.set_title("T2");
  update.mutable_create_time()->set_seconds(1);
  ASSERT_OK_AND_ASSIGN(typename K::Item updated,
                       K::Update(*this->manager_, update, {}));
  EXPECT_EQ(updated.title(), "T2");
  EXPECT_EQ(updated.create_time().seconds(), 1700000000);
}

TYPED_TEST(CatalogItemTest, UpdateRejectsImmutableOrUnknownMaskPaths) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  typename K::Item update = item;
  update.set_title("changed");
  struct Case {
    std::vector<std::string> paths;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"name"}, "update_mask.paths[0]"},
      {{"etag"}, "update_mask.paths[0]"},
      {{"create_time"}, "update_mask.paths[0]"},
      {{"update_time"}, "update_mask.paths[0]"},
      {{"title", "no_such_field"}, "update_mask.paths[1]"},
      {{"title", "description", "title.x"}, "update_mask.paths[2]"},
      {{""}, "update_mask.paths[0]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    EXPECT_STATUS(K::Update(*this->manager_, update, c.paths),
                  absl::StatusCode::kInvalidArgument, c.expected);
  }
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, item));
}

TYPED_TEST(CatalogItemTest, UpdateChecksTheEtag) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item v1, this->Create("x1"));

  typename K::Item update = v1;
  update.set_title("second");
  ASSERT_OK_AND_ASSIGN(typename K::Item v2,
                       K::Update(*this->manager_, update, {"title"}));
  EXPECT_NE(v2.etag(), v1.etag());

  // v1's etag is stale now.
  update.set_title("third");
  update.set_etag(v1.etag());
  EXPECT_STATUS(K::Update(*this->manager_, update, {"title"}),
                absl::StatusCode::kFailedPrecondition, "etag");
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(v1.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, v2));
  const typename K::Item* cached = this->Cached(v1.name());
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->title(), "second");

  // The current etag is accepted, and no etag at all too.
  update.set_etag(v2.etag());
  ASSERT_OK_AND_ASSIGN(typename K::Item v3,
                       K::Update(*this->manager_, update, {"title"}));
  EXPECT_EQ(v3.title(), "third");
  EXPECT_NE(v3.etag(), v2.etag());
  EXPECT_NE(v3.etag(), v1.etag());
  update.clear_etag();
  update.set_title("fourth");
  ASSERT_OK_AND_ASSIGN(typename K::Item v4,
                       K::Update(*this->manager_, update, {"title"}));
  EXPECT_EQ(v4.title(), "fourth");
}

TYPED_TEST(CatalogItemTest, UpdateOfUnknownItemIsNotFound) {
  using K = TypeParam;
  typename K::Item update = K::Valid();
  update.set_name(this->Name("nope"));
  EXPECT_STATUS(K::Update(*this->manager_, update, {"title"}),
                absl::StatusCode::kNotFound, "");
  this->ExpectNothingWritten();
}

TYPED_TEST(CatalogItemTest, UpdateWithInvalidValueChangesNothing) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  typename K::Item update = item;
  update.clear_title();
  EXPECT_STATUS(K::Update(*this->manager_, update, {"title"}),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat(K::kField, ".title"));
  update = item;
  update.set_framework("frameworks/nope");
  EXPECT_STATUS(K::Update(*this->manager_, update, {"framework"}),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat(K::kField, ".framework"));
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(got, item));
  const typename K::Item* cached = this->Cached(item.name());
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(*cached, item));
}

TYPED_TEST(CatalogItemTest, DeleteErasesTheItem) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  ASSERT_OK(this->Create("x2"));
  ASSERT_NE(this->Cached(item.name()), nullptr);

  ASSERT_OK(K::Delete(*this->manager_, item.name(), ""));
  EXPECT_STATUS(this->Get(item.name()), absl::StatusCode::kNotFound, "");
  EXPECT_EQ(this->Cached(item.name()), nullptr);
  EXPECT_NE(this->Cached(this->Name("x2")), nullptr);
  EXPECT_STATUS(K::Delete(*this->manager_, item.name(), ""),
                absl::StatusCode::kNotFound, "");
  ASSERT_OK_AND_ASSIGN(Page page, K::List(*this->manager_, Parent(), 0, ""));
  EXPECT_EQ(page.ids, std::vector<std::string>({"x2"}));
}

TYPED_TEST(CatalogItemTest, DeleteChecksTheEtag) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item v1, this->Create("x1"));
  typename K::Item update = v1;
  update.set_title("second");
  ASSERT_OK_AND_ASSIGN(typename K::Item v2,
                       K::Update(*this->manager_, update, {"title"}));

  EXPECT_STATUS(K::Delete(*this->manager_, v1.name(), v1.etag()),
                absl::StatusCode::kFailedPrecondition, "etag");
  EXPECT_STATUS(K::Delete(*this->manager_, v1.name(), "garbage"),
                absl::StatusCode::kFailedPrecondition, "etag");
  ASSERT_OK(this->Get(v1.name()));
  EXPECT_NE(this->Cached(v1.name()), nullptr);

  ASSERT_OK(K::Delete(*this->manager_, v1.name(), v2.etag()));
  EXPECT_STATUS(this->Get(v1.name()), absl::StatusCode::kNotFound, "");
}

TYPED_TEST(CatalogItemTest, RecreatedItemHasAnotherEtag) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item old, this->Create("x1"));
  ASSERT_OK(K::Delete(*this->manager_, old.name(), ""));
  this->Advance(absl::Milliseconds(1));
  ASSERT_OK_AND_ASSIGN(typename K::Item fresh, this->Create("x1"));
  EXPECT_NE(fresh.etag(), old.etag());
  EXPECT_STATUS(K::Delete(*this->manager_, old.name(), old.etag()),
                absl::StatusCode::kFailedPrecondition, "etag");
}

TYPED_TEST(CatalogItemTest, ListPaginatesInOrderOfId) {
  using K = TypeParam;
  for (const char* id : {"d", "b", "e", "a", "c"}) ASSERT_OK(this->Create(id));

  ASSERT_OK_AND_ASSIGN(Page p1, K::List(*this->manager_, Parent(), 2, ""));
  EXPECT_EQ(p1.ids, std::vector<std::string>({"a", "b"}));
  ASSERT_FALSE(p1.next.empty());
  ASSERT_OK_AND_ASSIGN(Page p2, K::List(*this->manager_, Parent(), 2, p1.next));
  EXPECT_EQ(p2.ids, std::vector<std::string>({"c", "d"}));
  ASSERT_FALSE(p2.next.empty());
  ASSERT_OK_AND_ASSIGN(Page p3, K::List(*this->manager_, Parent(), 2, p2.next));
  EXPECT_EQ(p3.ids, std::vector<std::string>({"e"}));
  EXPECT_TRUE(p3.next.empty());

  // page_size 0: the default (50) takes all.
  ASSERT_OK_AND_ASSIGN(Page all, K::List(*this->manager_, Parent(), 0, ""));
  EXPECT_EQ(all.ids, std::vector<std::string>({"a", "b", "c", "d", "e"}));
  EXPECT_TRUE(all.next.empty());
  // A size above the maximum is clamped, not refused.
  ASSERT_OK_AND_ASSIGN(Page big, K::List(*this->manager_, Parent(), 5000, ""));
  EXPECT_EQ(big.ids.size(), 5u);
}

TYPED_TEST(CatalogItemTest, ListLastFullPageHasNoToken) {
  using K = TypeParam;
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_OK(this->Create(id));
  ASSERT_OK_AND_ASSIGN(Page p1, K::List(*this->manager_, Parent(), 2, ""));
  ASSERT_FALSE(p1.next.empty());
  ASSERT_OK_AND_ASSIGN(Page p2, K::List(*this->manager_, Parent(), 2, p1.next));
  EXPECT_EQ(p2.ids, std::vector<std::string>({"c", "d"}));
  EXPECT_TRUE(p2.next.empty());
}

TYPED_TEST(CatalogItemTest, ListOfEmptyOrganisationIsEmpty) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(Page page, K::List(*this->manager_, Parent(), 10, ""));
  EXPECT_TRUE(page.ids.empty());
  EXPECT_TRUE(page.next.empty());
}

TYPED_TEST(CatalogItemTest, ListRejectsBadArguments) {
  using K = TypeParam;
  for (const char* id : {"a", "b", "c"}) ASSERT_OK(this->Create(id));
  ASSERT_OK(this->Create("a", "other"));
  ASSERT_OK(this->Create("b", "other"));
  ASSERT_OK_AND_ASSIGN(Page p1, K::List(*this->manager_, Parent(), 1, ""));
  ASSERT_FALSE(p1.next.empty());

  EXPECT_STATUS(K::List(*this->manager_, Parent(), -1, ""),
                absl::StatusCode::kInvalidArgument, "page_size");
  EXPECT_STATUS(K::List(*this->manager_, "acme", 1, ""),
                absl::StatusCode::kInvalidArgument, "parent");
  EXPECT_STATUS(K::List(*this->manager_, "organizations/a/b", 1, ""),
                absl::StatusCode::kInvalidArgument, "parent");
  for (const std::string& token :
       {std::string("garbage!"), std::string("cDF8MXwy"),
        p1.next.substr(0, p1.next.size() - 2), p1.next + "AA"}) {
    SCOPED_TRACE(token);
    EXPECT_STATUS(K::List(*this->manager_, Parent(), 1, token),
                  absl::StatusCode::kInvalidArgument, "page_token");
  }
  // A token of acme's listing is refused for another organisation.
  EXPECT_STATUS(K::List(*this->manager_, Parent("other"), 1, p1.next),
                absl::StatusCode::kInvalidArgument, "page_token");
}

TYPED_TEST(CatalogItemTest, OtherOrganisationsAreNeverListedOrCached) {
  using K = TypeParam;
  ASSERT_OK(this->Create("a"));
  ASSERT_OK(this->Create("b"));
  // Organisations whose ids share a prefix with acme's.
  ASSERT_OK(this->Create("a", "acme2"));
  ASSERT_OK(this->Create("c", "acm"));
  ASSERT_OK(this->Create("z", "acme.x"));

  ASSERT_OK_AND_ASSIGN(Page page, K::List(*this->manager_, Parent(), 100, ""));
  EXPECT_EQ(page.ids, std::vector<std::string>({"a", "b"}));
  ASSERT_OK_AND_ASSIGN(Page p1, K::List(*this->manager_, Parent(), 1, ""));
  ASSERT_OK_AND_ASSIGN(Page p2, K::List(*this->manager_, Parent(), 1, p1.next));
  EXPECT_EQ(p2.ids, std::vector<std::string>({"b"}));
  EXPECT_TRUE(p2.next.empty());

  EXPECT_EQ(IdsOf(K::Cached(*this->cache_->Get("acme"))),
            std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(IdsOf(K::Cached(*this->cache_->Get("acme2"))),
            std::vector<std::string>({"a"}));
  for (const auto& item : K::Cached(*this->cache_->Get("acme"))) {
    EXPECT_TRUE(absl::StartsWith(item.name(), "organizations/acme/"))
        << item.name();
  }
  // Deleting acme2's "a" leaves acme's.
  ASSERT_OK(K::Delete(*this->manager_, this->Name("a", "acme2"), ""));
  ASSERT_OK(this->Get(this->Name("a")));
  EXPECT_NE(this->Cached(this->Name("a")), nullptr);
}

TYPED_TEST(CatalogItemTest, CacheKeepsItemsSortedByName) {
  using K = TypeParam;
  for (const char* id : {"m3", "m1", "m2", "m10"}) ASSERT_OK(this->Create(id));
  EXPECT_EQ(IdsOf(K::Cached(*this->cache_->Get("acme"))),
            std::vector<std::string>({"m1", "m10", "m2", "m3"}));
}

TYPED_TEST(CatalogItemTest, SnapshotTakenBeforeAWriteIsUnchanged) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  std::shared_ptr<const plugins::OrgSnapshot> before =
      this->cache_->Get("acme");
  typename K::Item update = item;
  update.set_title("changed");
  ASSERT_OK(K::Update(*this->manager_, update, {"title"}));
  ASSERT_OK(this->Create("x2"));
  ASSERT_EQ(K::Cached(*before).size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(K::Cached(*before)[0], item));
  EXPECT_EQ(K::Cached(*this->cache_->Get("acme")).size(), 2u);
}

TYPED_TEST(CatalogItemTest, ConcurrentUpdatesWithTheSameEtagLetOneWin) {
  using K = TypeParam;
  ASSERT_OK_AND_ASSIGN(typename K::Item item, this->Create("x1"));
  constexpr int kThreads = 6;
  std::atomic<int> ok{0};
  std::atomic<int> stale{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      typename K::Item update = item;
      update.set_title(absl::StrCat("writer ", t));
      absl::StatusOr<typename K::Item> r =
          K::Update(*this->manager_, update, {"title"});
      if (r.ok()) {
        ++ok;
      } else if (absl::IsFailedPrecondition(r.status())) {
        ++stale;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(stale.load(), kThreads - 1);
  ASSERT_OK_AND_ASSIGN(typename K::Item got, this->Get(item.name()));
  const typename K::Item* cached = this->Cached(item.name());
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(*cached, got));
}

// ------------------------------------------------- Tokens across listings

TEST_F(CatalogManagerTest, TokenOfOneKindIsRefusedByAnother) {
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_OK(CreateModule(id, ValidModule()));
    ASSERT_OK(CreateRole(id, ValidRole()));
    ASSERT_OK(CreateCase(id, ValidCase()));
  }
  ASSERT_OK_AND_ASSIGN(v1::ListModulesResponse modules,
                       manager_->ListModules(ListRequest(Parent(), 1, "")));
  ASSERT_FALSE(modules.next_page_token().empty());
  EXPECT_STATUS(
      manager_->ListRoles(ListRequest(Parent(), 1, modules.next_page_token())),
      absl::StatusCode::kInvalidArgument, "page_token");
  EXPECT_STATUS(
      manager_->ListCases(ListRequest(Parent(), 1, modules.next_page_token())),
      absl::StatusCode::kInvalidArgument, "page_token");

  ASSERT_OK_AND_ASSIGN(v1::ListRolesResponse roles,
                       manager_->ListRoles(ListRequest(Parent(), 1, "")));
  EXPECT_STATUS(
      manager_->ListModules(ListRequest(Parent(), 1, roles.next_page_token())),
      absl::StatusCode::kInvalidArgument, "page_token");
  // The modules token still works for modules.
  ASSERT_OK_AND_ASSIGN(v1::ListModulesResponse next,
                       manager_->ListModules(ListRequest(
                           Parent(), 1, modules.next_page_token())));
  EXPECT_EQ(IdsOf(next.modules()), std::vector<std::string>({"b"}));
}

TEST_F(CatalogManagerTest, ListDefaultPageSizeIsFifty) {
  for (int i = 0; i < 51; ++i) {
    ASSERT_OK(CreateModule(absl::StrFormat("m%02d", i), ValidModule()));
  }
  ASSERT_OK_AND_ASSIGN(v1::ListModulesResponse first,
                       manager_->ListModules(ListRequest(Parent(), 0, "")));
  EXPECT_EQ(first.modules_size(), 50);
  ASSERT_FALSE(first.next_page_token().empty());
  ASSERT_OK_AND_ASSIGN(
      v1::ListModulesResponse rest,
      manager_->ListModules(ListRequest(Parent(), 0, first.next_page_token())));
  EXPECT_EQ(IdsOf(rest.modules()), std::vector<std::string>({"m50"}));
  EXPECT_TRUE(rest.next_page_token().empty());
}

TEST_F(CatalogManagerTest, ConcurrentCreatesOfOneIdLetOneWin) {
  constexpr int kThreads = 6;
  std::atomic<int> ok{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      v1::Role r = ValidRole();
      r.set_title(absl::StrCat("writer ", t));
      absl::StatusOr<v1::Role> created = CreateRole("r1", r);
      if (created.ok()) {
        ++ok;
      } else if (absl::IsAlreadyExists(created.status())) {
        ++exists;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  ASSERT_OK_AND_ASSIGN(v1::Role got,
                       manager_->GetRole(GetRequest(ItemName("roles", "r1"))));
  ASSERT_EQ(cache_->Get("acme")->roles.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(cache_->Get("acme")->roles[0], got));
}

TEST_F(CatalogManagerTest, KindsAreSeparateCollections) {
  ASSERT_OK(CreateModule("same", ValidModule()));
  ASSERT_OK(CreateRole("same", ValidRole()));
  ASSERT_OK(CreateCase("same", ValidCase()));
  ASSERT_OK(manager_->DeleteRole(DeleteRequest(ItemName("roles", "same"))));
  EXPECT_OK(manager_->GetModule(GetRequest(ItemName("modules", "same"))));
  EXPECT_OK(manager_->GetCase(GetRequest(ItemName("cases", "same"))));
  std::shared_ptr<const plugins::OrgSnapshot> snap = cache_->Get("acme");
  EXPECT_EQ(snap->modules.size(), 1u);
  EXPECT_EQ(snap->roles.size(), 0u);
  EXPECT_EQ(snap->cases.size(), 1u);
}

// ---------------------------------------------------------- Module checks

struct InvalidCase {
  std::string description;
  std::function<void(v1::TrainingModule*)> mutate;
  std::string expected;
};

TEST_F(CatalogManagerTest,
       CreateModuleRejectsEachInvalidFieldAndWritesNothing) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  const std::vector<InvalidCase> cases = {
      {"no title", [](auto* m) { m->clear_title(); }, "module.title"},
      {"title with newline", [](auto* m) { m->set_title("a\nb"); },
       "module.title"},
      {"title too long", [](auto* m) { m->set_title(std::string(201, 'x')); },
       "module.title"},
      {"hours 0", [](auto* m) { m->set_hours(0); }, "module.hours"},
      {"hours negative", [](auto* m) { m->set_hours(-2); }, "module.hours"},
      {"hours NaN", [&](auto* m) { m->set_hours(kNaN); }, "module.hours"},
      {"hours infinite", [&](auto* m) { m->set_hours(kInf); }, "module.hours"},
      {"cost -1", [](auto* m) { m->set_cost(-1); }, "module.cost"},
      {"cost NaN", [&](auto* m) { m->set_cost(kNaN); }, "module.cost"},
      {"seats negative", [](auto* m) { m->set_seats(-1); }, "module.seats"},
      {"duplicate tags", [](auto* m) { m->add_tags("budget"); }, "module.tags"},
      {"develops empty", [](auto* m) { m->clear_develops(); },
       "module.develops"},
      {"unknown indicator",
       [](auto* m) { m->mutable_develops(0)->set_indicator("x-9"); },
       "module.develops[0].indicator"},
      {"unknown competency",
       [](auto* m) { m->mutable_develops(1)->set_competency("Z.9"); },
       "module.develops[1].competency"},
      {"indicator of the other track",
       [](auto* m) { m->mutable_develops(0)->set_indicator("s-a1-1"); },
       "belongs to track"},
      {"indicator of the other track names the field",
       [](auto* m) { m->mutable_develops(0)->set_indicator("s-a1-1"); },
       "module.develops[0].indicator"},
      {"level 4", [](auto* m) { m->mutable_develops(0)->set_level(4); },
       "module.develops[0].level"},
      {"level -1", [](auto* m) { m->mutable_develops(1)->set_level(-1); },
       "module.develops[1].level"},
      {"no target", [](auto* m) { m->add_develops()->set_level(1); },
       "module.develops[2]"},
      {"weight on a module",
       [](auto* m) { m->mutable_develops(0)->set_weight(2); },
       "apply to roles and cases"},
      {"must_have on a module",
       [](auto* m) { m->mutable_develops(1)->set_must_have(true); },
       "apply to roles and cases"},
      {"weight on a prerequisite",
       [](auto* m) { m->mutable_prerequisites(0)->set_weight(1); },
       "module.prerequisites[0]"},
      {"prerequisite level 4",
       [](auto* m) { m->mutable_prerequisites(0)->set_level(4); },
       "module.prerequisites[0].level"},
      {"prerequisite of the other track",
       [](auto* m) { m->mutable_prerequisites(0)->set_indicator("s-a2-1"); },
       "module.prerequisites[0].indicator"},
      {"unknown track", [](auto* m) { m->set_track("medior"); },
       "module.track"},
      {"unknown framework",
       [](auto* m) { m->set_framework("frameworks/nope"); },
       "module.framework"},
      {"malformed framework", [](auto* m) { m->set_framework("mini"); },
       "module.framework"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.description);
    v1::TrainingModule m = ValidModule();
    c.mutate(&m);
    EXPECT_STATUS(CreateModule("m1", m), absl::StatusCode::kInvalidArgument,
                  c.expected);
  }
  ExpectNothingWritten();
}

TEST_F(CatalogManagerTest, CreateModuleAcceptsBoundaryValues) {
  v1::TrainingModule m = ValidModule();
  m.set_hours(0.01);
  m.set_cost(0);
  m.set_seats(0);
  m.mutable_develops(0)->set_level(3);
  m.mutable_prerequisites(0)->set_level(0);
  m.set_title(std::string(200, 't'));
  ASSERT_OK(CreateModule("m1", m));

  // A module for every track may name indicators of any track.
  v1::TrainingModule any = ValidModule();
  any.clear_track();
  *any.add_develops() = IndicatorReq("s-a1-1", 2);
  ASSERT_OK(CreateModule("m2", any));

  // Senior module with senior indicators.
  v1::TrainingModule senior = ValidModule();
  senior.set_track("senior");
  senior.clear_develops();
  senior.clear_prerequisites();
  *senior.add_develops() = IndicatorReq("s-b1-1", 1);
  ASSERT_OK(CreateModule("m3", senior));
  EXPECT_EQ(cache_->Get("acme")->modules.size(), 3u);
}

TEST_F(CatalogManagerTest, UpdateOfModuleTrackRechecksItsRequirements) {
  ASSERT_OK_AND_ASSIGN(v1::TrainingModule m, CreateModule("m1", ValidModule()));
  v1::TrainingModule update;
  update.set_name(m.name());
  update.set_track("senior");
  // Its develops and prerequisites name junior indicators.
  EXPECT_STATUS(manager_->UpdateModule([&] {
    v1::UpdateModuleRequest r;
    *r.mutable_module() = update;
    *r.mutable_update_mask() = Mask({"track"});
    return r;
  }()),
                absl::StatusCode::kInvalidArgument, "belongs to track");
  ASSERT_OK_AND_ASSIGN(v1::TrainingModule got,
                       manager_->GetModule(GetRequest(m.name())));
  EXPECT_EQ(got.track(), "junior");

  // Changing develops alone to a senior indicator fails the same way.
  update = m;
  update.clear_develops();
  *update.add_develops() = IndicatorReq("s-a1-1", 1);
  v1::UpdateModuleRequest request;
  *request.mutable_module() = update;
  *request.mutable_update_mask() = Mask({"develops"});
  EXPECT_STATUS(manager_->UpdateModule(request),
                absl::StatusCode::kInvalidArgument,
                "module.develops[0].indicator");

  // A masked repeated field is replaced, not appended to.
  update.clear_develops();
  *update.add_develops() = IndicatorReq("j-b1-1", 3);
  *request.mutable_module() = update;
  ASSERT_OK_AND_ASSIGN(v1::TrainingModule updated,
                       manager_->UpdateModule(request));
  ASSERT_EQ(updated.develops_size(), 1);
  EXPECT_EQ(updated.develops(0).indicator(), "j-b1-1");
  EXPECT_EQ(updated.prerequisites_size(), 1);
  ASSERT_EQ(cache_->Get("acme")->modules.size(), 1u);
  EXPECT_TRUE(
      MessageDifferencer::Equals(cache_->Get("acme")->modules[0], updated));
}

// ------------------------------------------------------------ Role checks

TEST_F(CatalogManagerTest, CreateRoleRejectsEachInvalidFieldAndWritesNothing) {
  struct Case {
    std::string description;
    std::function<void(v1::Role*)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"no title", [](auto* r) { r->clear_title(); }, "role.title"},
      {"weight 6", [](auto* r) { r->mutable_requirements(0)->set_weight(6); },
       "role.requirements[0].weight"},
      {"weight -1", [](auto* r) { r->mutable_requirements(1)->set_weight(-1); },
       "role.requirements[1].weight"},
      {"no requirements", [](auto* r) { r->clear_requirements(); },
       "role.requirements"},
      {"level 4", [](auto* r) { r->mutable_requirements(0)->set_level(4); },
       "role.requirements[0].level"},
      {"unknown indicator",
       [](auto* r) { r->mutable_requirements(0)->set_indicator("nope"); },
       "role.requirements[0].indicator"},
      {"indicator of the other track",
       [](auto* r) { r->mutable_requirements(0)->set_indicator("s-a1-1"); },
       "belongs to track"},
      {"unknown competency",
       [](auto* r) { r->mutable_requirements(1)->set_competency("C.1"); },
       "role.requirements[1].competency"},
      {"unknown track", [](auto* r) { r->set_track("medior"); }, "role.track"},
      {"unknown framework", [](auto* r) { r->set_framework("frameworks/x"); },
       "role.framework"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.description);
    v1::Role r = ValidRole();
    c.mutate(&r);
    EXPECT_STATUS(CreateRole("r1", r), absl::StatusCode::kInvalidArgument,
                  c.expected);
  }
  ExpectNothingWritten();
}

TEST_F(CatalogManagerTest, CreateRoleAcceptsWeightsZeroToFive) {
  for (int w = 0; w <= 5; ++w) {
    v1::Role r = ValidRole();
    r.mutable_requirements(0)->set_weight(w);
    EXPECT_OK(CreateRole(absl::StrCat("r", w), r)) << w;
  }
  EXPECT_EQ(cache_->Get("acme")->roles.size(), 6u);
}

// ------------------------------------------------------------ Case checks

TEST_F(CatalogManagerTest, CreateCaseRejectsEachInvalidFieldAndWritesNothing) {
  struct Case {
    std::string description;
    std::function<void(v1::ClientCase*)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"no title", [](auto* c) { c->clear_title(); }, "case.title"},
      {"vaarwater unspecified",
       [](auto* c) { c->set_vaarwater(v1::VAARWATER_UNSPECIFIED); },
       "case.vaarwater"},
      {"vaarwater out of the enum",
       [](auto* c) { c->set_vaarwater(static_cast<v1::Vaarwater>(9)); },
       "case.vaarwater"},
      {"workload -1", [](auto* c) { c->set_workload(-1); }, "case.workload"},
      {"no requirements", [](auto* c) { c->clear_requirements(); },
       "case.requirements"},
      {"weight 6", [](auto* c) { c->mutable_requirements(0)->set_weight(6); },
       "case.requirements[0].weight"},
      {"level 4", [](auto* c) { c->mutable_requirements(1)->set_level(4); },
       "case.requirements[1].level"},
      {"unknown indicator",
       [](auto* c) { c->mutable_requirements(1)->set_indicator("zz"); },
       "case.requirements[1].indicator"},
      {"language with control character",
       [](auto* c) { c->set_language("n\tl"); }, "case.language"},
      {"unknown framework", [](auto* c) { c->set_framework("frameworks/x"); },
       "case.framework"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.description);
    v1::ClientCase item = ValidCase();
    c.mutate(&item);
    EXPECT_STATUS(CreateCase("c1", item), absl::StatusCode::kInvalidArgument,
                  c.expected);
  }
  ExpectNothingWritten();
}

TEST_F(CatalogManagerTest, CreateCaseAcceptsIndicatorsOfEitherTrack) {
  v1::ClientCase c = ValidCase();
  c.clear_requirements();
  *c.add_requirements() = IndicatorReq("j-a1-1", 2, 5, true);
  *c.add_requirements() = IndicatorReq("s-a1-1", 0, 0);
  c.set_workload(0);
  ASSERT_OK_AND_ASSIGN(v1::ClientCase created, CreateCase("c1", c));
  EXPECT_EQ(created.requirements_size(), 2);
  EXPECT_EQ(created.vaarwater(), v1::WOELIG);
}

// ------------------------------------------------------------- LoadBundle

v1::CatalogBundle ValidBundle() {
  v1::CatalogBundle bundle;
  bundle.set_organization("acme");
  for (const char* id : {"m1", "m2"}) {
    v1::CatalogModule* m = bundle.add_modules();
    m->set_id(id);
    *m->mutable_module() = ValidModule();
  }
  v1::CatalogRole* r = bundle.add_roles();
  r->set_id("r1");
  *r->mutable_role() = ValidRole();
  v1::CatalogCase* c = bundle.add_cases();
  c->set_id("c1");
  *c->mutable_case_() = ValidCase();
  return bundle;
}

TEST_F(CatalogManagerTest, LoadBundleCreatesEveryItem) {
  ASSERT_OK(manager_->LoadBundle(ValidBundle()));
  EXPECT_OK(manager_->GetModule(GetRequest(ItemName("modules", "m1"))));
  EXPECT_OK(manager_->GetModule(GetRequest(ItemName("modules", "m2"))));
  ASSERT_OK_AND_ASSIGN(v1::Role role,
                       manager_->GetRole(GetRequest(ItemName("roles", "r1"))));
  EXPECT_EQ(role.framework(), "frameworks/mini");
  EXPECT_OK(manager_->GetCase(GetRequest(ItemName("cases", "c1"))));
  std::shared_ptr<const plugins::OrgSnapshot> snap = cache_->Get("acme");
  EXPECT_EQ(IdsOf(snap->modules), std::vector<std::string>({"m1", "m2"}));
  EXPECT_EQ(IdsOf(snap->roles), std::vector<std::string>({"r1"}));
  EXPECT_EQ(IdsOf(snap->cases), std::vector<std::string>({"c1"}));

  // Loading it again: every item exists.
  EXPECT_STATUS(manager_->LoadBundle(ValidBundle()),
                absl::StatusCode::kAlreadyExists, "module m1");
}

TEST_F(CatalogManagerTest, LoadBundleStopsAtTheFirstBadModule) {
  v1::CatalogBundle bundle = ValidBundle();
  v1::CatalogModule* bad = bundle.add_modules();
  bad->set_id("m3");
  *bad->mutable_module() = ValidModule();
  bad->mutable_module()->set_hours(0);
  // m3 comes between m1 and m2 in the bundle.
  bundle.mutable_modules()->SwapElements(1, 2);
  absl::Status s = manager_->LoadBundle(bundle);
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "module m3");
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "module.hours");
  EXPECT_OK(manager_->GetModule(GetRequest(ItemName("modules", "m1"))));
  EXPECT_STATUS(manager_->GetModule(GetRequest(ItemName("modules", "m2"))),
                absl::StatusCode::kNotFound, "");
  EXPECT_STATUS(manager_->GetRole(GetRequest(ItemName("roles", "r1"))),
                absl::StatusCode::kNotFound, "");
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kCase), 0);
}

TEST_F(CatalogManagerTest, LoadBundleNamesTheBadRole) {
  v1::CatalogBundle bundle = ValidBundle();
  bundle.mutable_roles(0)->mutable_role()->mutable_requirements(0)->set_weight(
      6);
  EXPECT_STATUS(manager_->LoadBundle(bundle),
                absl::StatusCode::kInvalidArgument, "role r1");
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kModule), 2);
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kRole), 0);
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kCase), 0);
}

TEST_F(CatalogManagerTest, LoadBundleNamesTheBadCase) {
  v1::CatalogBundle bundle = ValidBundle();
  bundle.mutable_cases(0)->mutable_case_()->set_vaarwater(
      v1::VAARWATER_UNSPECIFIED);
  absl::Status s = manager_->LoadBundle(bundle);
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "case c1");
  EXPECT_STATUS(s, absl::StatusCode::kInvalidArgument, "case.vaarwater");
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kRole), 1);
  EXPECT_EQ(StoredCount("acme", storage::CatalogKind::kCase), 0);
}

TEST_F(CatalogManagerTest, LoadBundleNamesABadId) {
  v1::CatalogBundle bundle = ValidBundle();
  bundle.mutable_modules(0)->set_id("bad id");
  EXPECT_STATUS(manager_->LoadBundle(bundle),
                absl::StatusCode::kInvalidArgument, "module bad id");
  ExpectNothingWritten();
}

// ------------------------------------------------------------------ Cache

TEST_F(CatalogManagerTest, CacheReflectsEveryWriteImmediately) {
  ASSERT_OK_AND_ASSIGN(v1::TrainingModule m, CreateModule("m1", ValidModule()));
  ASSERT_EQ(cache_->Get("acme")->modules.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(cache_->Get("acme")->modules[0], m));

  ASSERT_OK_AND_ASSIGN(v1::Role r, CreateRole("r1", ValidRole()));
  ASSERT_EQ(cache_->Get("acme")->roles.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(cache_->Get("acme")->roles[0], r));
  EXPECT_EQ(cache_->Get("acme")->FindRole(r.name()),
            &cache_->Get("acme")->roles[0]);

  ASSERT_OK_AND_ASSIGN(v1::ClientCase c, CreateCase("c1", ValidCase()));
  ASSERT_EQ(cache_->Get("acme")->cases.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(cache_->Get("acme")->cases[0], c));

  v1::UpdateCaseRequest update;
  *update.mutable_case_() = c;
  update.mutable_case_()->set_workload(7);
  *update.mutable_update_mask() = Mask({"workload"});
  ASSERT_OK(manager_->UpdateCase(update));
  EXPECT_EQ(cache_->Get("acme")->cases[0].workload(), 7);

  ASSERT_OK(manager_->DeleteModule(DeleteRequest(m.name())));
  EXPECT_TRUE(cache_->Get("acme")->modules.empty());
  EXPECT_EQ(cache_->Get("acme")->roles.size(), 1u);
  EXPECT_STATUS(manager_->DeleteCase(DeleteRequest(c.name(), "stale")),
                absl::StatusCode::kFailedPrecondition, "etag");
  EXPECT_EQ(cache_->Get("acme")->cases.size(), 1u);
  EXPECT_TRUE(cache_->Get("other")->roles.empty());
}

TEST_F(CatalogManagerTest, CacheLoadedFromTheStoreEqualsTheLiveCache) {
  ASSERT_OK(manager_->LoadBundle(ValidBundle()));
  v1::UpdateModuleRequest update;
  update.mutable_module()->set_name(ItemName("modules", "m2"));
  update.mutable_module()->set_cost(99);
  *update.mutable_update_mask() = Mask({"cost"});
  ASSERT_OK(manager_->UpdateModule(update));
  ASSERT_OK(manager_->DeleteModule(DeleteRequest(ItemName("modules", "m1"))));

  SnapshotCache loaded(frameworks_.get());
  ASSERT_OK(loaded.LoadAll(store_.get(), store_.get()));
  std::shared_ptr<const plugins::OrgSnapshot> live = cache_->Get("acme");
  std::shared_ptr<const plugins::OrgSnapshot> fresh = loaded.Get("acme");
  ASSERT_EQ(fresh->modules.size(), live->modules.size());
  for (size_t i = 0; i < live->modules.size(); ++i) {
    EXPECT_TRUE(
        MessageDifferencer::Equals(fresh->modules[i], live->modules[i]));
  }
  ASSERT_EQ(fresh->roles.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(fresh->roles[0], live->roles[0]));
  ASSERT_EQ(fresh->cases.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(fresh->cases[0], live->cases[0]));
}

TEST_F(CatalogManagerTest, WorksWithoutACache) {
  CatalogManager bare(frameworks_.get(), store_.get(), nullptr, "mini",
                      [this] { return Now(); });
  v1::CreateModuleRequest request;
  request.set_parent(Parent());
  request.set_module_id("m1");
  *request.mutable_module() = ValidModule();
  ASSERT_OK_AND_ASSIGN(v1::TrainingModule m, bare.CreateModule(request));
  ASSERT_OK(bare.DeleteModule(DeleteRequest(m.name(), m.etag())));
  EXPECT_TRUE(cache_->Get("acme")->modules.empty());
}

}  // namespace
}  // namespace vakwijzer::core
