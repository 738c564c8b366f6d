#include "plugins/external/external_matcher.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "framework/framework_registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "plugins/api/matcher.h"
#include "plugins/api/params.h"
#include "plugins/api/snapshot.h"
#include "plugins/external/vakwijzer_plugin.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::plugins {
namespace {

namespace fs = std::filesystem;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr float U = kUnknown;

// The mini framework's indicators in framework order, i.e. the index of
// each in PersonView::levels:
//   0 j-a1-1  1 j-a1-2  2 s-a1-1  3 j-a2-1  4 s-a2-1  5 j-b1-1  6 s-b1-1
// (A.1 First: 0-2, A.2 Second: 3-4, B.1 Third: 5-6.)
std::shared_ptr<const PersonView> Person(
    std::string id, const framework::FrameworkIndex* framework,
    std::string track, int target, std::vector<float> levels) {
  auto person = std::make_shared<PersonView>();
  person->id = std::move(id);
  person->framework = framework;
  person->track = std::move(track);
  person->target_level = target;
  person->levels = std::move(levels);
  return person;
}

// A folder of its own under the test's temporary directory.
std::string FreshDir(const std::string& name) {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) /
                 absl::StrCat("external_plugin_test.", test->name(), ".", name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string CopyInto(const std::string& dir, const std::string& from,
                     const std::string& name) {
  const std::string to = (fs::path(dir) / name).string();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  return to;
}

std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& text) {
  const std::string path = (fs::path(dir) / name).string();
  std::ofstream(path) << text;
  return path;
}

// Hosts from this build.
PluginHostOptions HostOptions() {
  PluginHostOptions options;
  options.host_binary = PLUGIN_HOST;
  return options;
}

std::vector<std::string> Names(const MatcherRegistry& registry) {
  std::vector<std::string> names;
  for (const Matcher* m : registry.All()) names.push_back(m->Info().name());
  return names;
}

class ExternalMatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(frameworks_,
                         framework::FrameworkRegistry::LoadDirectory(
                             VAKWIJZER_TEST_DATA_DIR "/frameworks"));
    mini_ = frameworks_->Find("mini");
    ASSERT_NE(mini_, nullptr);
    // A second framework (a copy of mini under another id) to see that only
    // people of the subject's framework are handed over.
    v1::Framework copy = mini_->proto();
    copy.clear_name();
    copy.set_id("mini2");
    ASSERT_OK_AND_ASSIGN(auto mini2, framework::FrameworkIndex::Create(copy));
    ASSERT_OK(frameworks_->Add(std::move(mini2)));
    mini2_ = frameworks_->Find("mini2");

    org_.org = "acme";
    //                                   0    1  2  3    4  5    6
    org_.people.push_back(
        Person("ann", mini_, "junior", 2, {0.5f, U, U, 1.0f, U, 2.0f, U}));
    org_.people.push_back(
        Person("bob", mini_, "junior", 2, {1, 1, U, 0, U, 1, U}));
    org_.people.push_back(
        Person("cy", mini_, "senior", 2, {U, U, 0, U, 2, U, 1.75f}));
    org_.people.push_back(
        Person("dee", mini2_, "junior", 1, {0, 0, U, 0, U, 0, U}));
    v1::Role role;
    role.set_name("organizations/acme/roles/lead");
    role.set_framework("frameworks/mini2");
    org_.roles.push_back(role);
    role.set_name("organizations/acme/roles/open");
    role.clear_framework();
    org_.roles.push_back(role);
  }

  // Runs `matcher` for `subject` with request parameters `parameters`.
  absl::StatusOr<v1::MatchResponse> Run(
      const Matcher& matcher, const std::string& subject,
      std::map<std::string, std::string> parameters = {}, int page_size = 10,
      bool cancelled = false) {
    v1::MatchRequest request;
    request.set_parent("organizations/acme");
    request.set_matcher(matcher.Info().name());
    request.set_subject(subject);
    request.set_page_size(page_size);
    for (const auto& [name, value] : parameters) {
      (*request.mutable_parameters())[name] = value;
    }
    absl::StatusOr<Params> params =
        Params::Parse(matcher.Info().parameters(), {}, request.parameters());
    if (!params.ok()) return params.status();
    const std::function<bool()> is_cancelled = [cancelled] {
      return cancelled;
    };
    return matcher.Match(
        MatchInput{org_, *frameworks_, request, *params, is_cancelled});
  }

  std::unique_ptr<Matcher> LoadTopGaps() {
    absl::StatusOr<std::unique_ptr<Matcher>> m =
        LoadExternalMatcher(TOP_GAPS_PLUGIN, HostOptions());
    EXPECT_OK(m);
    return m.ok() ? *std::move(m) : nullptr;
  }

  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  const framework::FrameworkIndex* mini_ = nullptr;
  const framework::FrameworkIndex* mini2_ = nullptr;
  OrgSnapshot org_;
};

TEST_F(ExternalMatcherTest, LoadsTheExamplePluginsInfo) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  const v1::MatcherInfo& info = m->Info();
  EXPECT_EQ(info.name(), "top-gaps");
  EXPECT_EQ(info.version(), "1.0.0");
  EXPECT_EQ(info.subject(), "a person");
  EXPECT_TRUE(info.external());
  EXPECT_EQ(info.source(), TOP_GAPS_PLUGIN);
  ASSERT_THAT(info.parameters(), SizeIs(1));
  EXPECT_EQ(info.parameters(0).name(), "min_gap");
  EXPECT_EQ(info.parameters(0).type(), v1::ParameterSpec::NUMBER);
  EXPECT_EQ(info.parameters(0).default_value(), "0.5");
}

// The host links the generated vakwijzer.v1 code, the plugin its SDK copy:
// both live in this process, and the plugin registered nothing in the
// generated descriptor pool (its SDK is lite), so no clash is possible.
TEST_F(ExternalMatcherTest, HostAndPluginProtosCoexist) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  EXPECT_NE(pool->FindMessageTypeByName("vakwijzer.v1.ExternalMatchInput"),
            nullptr);
  EXPECT_EQ(pool->FindFileByName("vakwijzer_plugin_sdk/v1/match.proto"),
            nullptr);
  EXPECT_OK(Run(*m, "organizations/acme/people/ann"));
}

TEST_F(ExternalMatcherTest, RanksTheSubjectsGaps) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse r,
                       Run(*m, "organizations/acme/people/ann"));
  // ann, junior, target 2, min_gap 0.5 (default):
  //   j-a1-1 level 0.5 -> gap 1.5   listed
  //   j-a1-2 never rated            excluded
  //   j-a2-1 level 1   -> gap 1     listed
  //   j-b1-1 level 2   -> gap 0     at target, not listed
  // Senior indicators are not ann's. total_gap = 1.5 + 1 = 2.5.
  ASSERT_THAT(r.items(), SizeIs(2));
  EXPECT_EQ(r.items(0).name(), "j-a1-1");
  EXPECT_EQ(r.items(0).title(), "Junior A.1 one.");
  EXPECT_DOUBLE_EQ(r.items(0).score(), 1.5);
  EXPECT_EQ(r.items(0).rank(), 1);
  EXPECT_THAT(r.items(0).explanation(), HasSubstr("j-a1-1"));
  EXPECT_EQ(r.items(1).name(), "j-a2-1");
  EXPECT_EQ(r.items(1).title(), "Junior A.2 one.");
  EXPECT_DOUBLE_EQ(r.items(1).score(), 1.0);
  EXPECT_EQ(r.items(1).rank(), 2);
  EXPECT_EQ(r.summary(), "2 indicators below target");
  EXPECT_EQ(r.candidate_count(), 3);  // rated junior indicators
  EXPECT_THAT(r.excluded(), ElementsAre("j-a1-2: never rated"));
  EXPECT_DOUBLE_EQ(r.metrics().at("total_gap"), 2.5);
}

TEST_F(ExternalMatcherTest, BreaksTiesInFrameworkOrderAndHonoursPageSize) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  // bob, junior, target 2: gaps j-a1-1 1, j-a1-2 1, j-a2-1 2, j-b1-1 1.
  // By gap: j-a2-1; then the three ties in framework order j-a1-1, j-a1-2,
  // j-b1-1. Page size 3 drops j-b1-1; the summary counts all 4.
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse r,
      Run(*m, "organizations/acme/people/bob", {}, /*page_size=*/3));
  ASSERT_THAT(r.items(), SizeIs(3));
  EXPECT_EQ(r.items(0).name(), "j-a2-1");
  EXPECT_DOUBLE_EQ(r.items(0).score(), 2.0);
  EXPECT_EQ(r.items(1).name(), "j-a1-1");
  EXPECT_EQ(r.items(2).name(), "j-a1-2");
  EXPECT_EQ(r.items(2).rank(), 3);
  EXPECT_EQ(r.summary(), "4 indicators below target");
}

TEST_F(ExternalMatcherTest, MinGapLeavesOutSmallGaps) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  // bob with min_gap 1.5: only j-a2-1 (gap 2) remains.
  ASSERT_OK_AND_ASSIGN(
      v1::MatchResponse bob,
      Run(*m, "organizations/acme/people/bob", {{"min_gap", "1.5"}}));
  ASSERT_THAT(bob.items(), SizeIs(1));
  EXPECT_EQ(bob.items(0).name(), "j-a2-1");
  EXPECT_EQ(bob.summary(), "1 indicator below target");
  // cy, senior, target 2: s-a1-1 0 -> gap 2, s-a2-1 2 -> gap 0,
  // s-b1-1 1.75 -> gap 0.25. Default min_gap 0.5 keeps s-a1-1 only;
  // min_gap 0 adds s-b1-1 (s-a2-1 is at target, never listed).
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse cy,
                       Run(*m, "organizations/acme/people/cy"));
  ASSERT_THAT(cy.items(), SizeIs(1));
  EXPECT_EQ(cy.items(0).name(), "s-a1-1");
  ASSERT_OK_AND_ASSIGN(
      cy, Run(*m, "organizations/acme/people/cy", {{"min_gap", "0"}}));
  ASSERT_THAT(cy.items(), SizeIs(2));
  EXPECT_EQ(cy.items(0).name(), "s-a1-1");
  EXPECT_EQ(cy.items(1).name(), "s-b1-1");
  EXPECT_DOUBLE_EQ(cy.items(1).score(), 0.25);
}

TEST_F(ExternalMatcherTest, PluginErrorsKeepTheirCode) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  EXPECT_STATUS(Run(*m, "organizations/acme/people/zed"),
                absl::StatusCode::kNotFound, "plugin top-gaps: subject: ");
  EXPECT_STATUS(Run(*m, "organizations/acme/roles/lead"),
                absl::StatusCode::kInvalidArgument,
                "plugin top-gaps: subject: malformed");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Matcher> failing,
                       LoadExternalMatcher(ALWAYS_FAILS_PLUGIN, HostOptions()));
  EXPECT_EQ(failing->Info().name(), "always-fails");
  absl::StatusOr<v1::MatchResponse> r =
      Run(*failing, "organizations/acme/people/ann");
  EXPECT_EQ(static_cast<int>(r.status().code()), 9);
  EXPECT_EQ(r.status().message(),
            "plugin always-fails: this test plugin refuses every match");
}

TEST_F(ExternalMatcherTest, CancelledBeforeTheCall) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  EXPECT_STATUS(Run(*m, "organizations/acme/people/ann", {}, 10,
                    /*cancelled=*/true),
                absl::StatusCode::kCancelled, "cancelled");
}

TEST_F(ExternalMatcherTest, ConcurrentMatchesAgree) {
  std::unique_ptr<Matcher> m = LoadTopGaps();
  ASSERT_NE(m, nullptr);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse expected,
                       Run(*m, "organizations/acme/people/bob"));
  std::vector<int> mismatches(4, 0);
  std::vector<std::string> first(4);  // each thread's first failed status
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        absl::StatusOr<v1::MatchResponse> r =
            Run(*m, "organizations/acme/people/bob");
        if (!r.ok() || !MessageDifferencer::Equals(*r, expected)) {
          if (mismatches[t]++ == 0) first[t] = r.status().ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0))
      << absl::StrJoin(first, " | ");
}

// Unloading and loading again runs the plugin's static initialisation a
// second time: fine for lite SDK code, fatal for full generated code.
TEST_F(ExternalMatcherTest, LoadsAgainAfterUnload) {
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<Matcher> m = LoadTopGaps();
    ASSERT_NE(m, nullptr);
    EXPECT_OK(Run(*m, "organizations/acme/people/ann"));
  }
}

TEST(LoadExternalMatcherTest, RefusesAnotherAbiMajorVersion) {
  absl::StatusOr<std::unique_ptr<Matcher>> m =
      LoadExternalMatcher(ABI2_PLUGIN, HostOptions());
  EXPECT_STATUS(m, absl::StatusCode::kFailedPrecondition,
                absl::StrCat(ABI2_PLUGIN, ": plugin ABI 2.1, host ABI 1.1"));
}

TEST(LoadExternalMatcherTest, RefusesAMissingEntryPoint) {
  absl::StatusOr<std::unique_ptr<Matcher>> m =
      LoadExternalMatcher(NO_MATCH_PLUGIN, HostOptions());
  EXPECT_STATUS(
      m, absl::StatusCode::kFailedPrecondition,
      absl::StrCat(NO_MATCH_PLUGIN, ": missing symbol VakwijzerPluginMatch"));
}

TEST(LoadExternalMatcherTest, RefusesMissingAndBrokenFiles) {
  const std::string dir = FreshDir("files");
  const std::string missing = (fs::path(dir) / "nothing.so").string();
  EXPECT_STATUS(LoadExternalMatcher(missing, HostOptions()),
                absl::StatusCode::kNotFound,
                absl::StrCat(missing, ": no such file"));
  const std::string broken = WriteFile(dir, "broken.so", "not an ELF file");
  EXPECT_STATUS(LoadExternalMatcher(broken, HostOptions()),
                absl::StatusCode::kFailedPrecondition,
                absl::StrCat(broken, ": cannot load: "));
}

TEST(LoadPluginDirectoryTest, AddsGoodPluginsAndWarnsAboutTheRest) {
  const std::string dir = FreshDir("plugins");
  CopyInto(dir, TOP_GAPS_PLUGIN, "top_gaps.so");
  const std::string abi2 = CopyInto(dir, ABI2_PLUGIN, "abi2.so");
  const std::string no_match = CopyInto(dir, NO_MATCH_PLUGIN, "no_match.so");
  const std::string broken = WriteFile(dir, "broken.so", "not an ELF file");
  WriteFile(dir, "README.txt", "not a plugin");
  fs::create_directory(fs::path(dir) / "folder.so");

  MatcherRegistry registry;
  std::vector<std::string> warnings =
      LoadPluginDirectory(dir, HostOptions(), &registry);

  EXPECT_THAT(Names(registry), ElementsAre("top-gaps"));
  // In file name order: abi2.so, broken.so, no_match.so.
  ASSERT_THAT(warnings, SizeIs(3));
  EXPECT_THAT(warnings[0], HasSubstr(abi2 + ": plugin ABI 2.1, host ABI 1.1"));
  EXPECT_THAT(warnings[1], HasSubstr(broken + ": cannot load"));
  EXPECT_THAT(warnings[2],
              HasSubstr(no_match + ": missing symbol VakwijzerPluginMatch"));
  EXPECT_TRUE(registry.Find("top-gaps")->Info().external());
}

TEST(LoadPluginDirectoryTest, ANameClashIsAWarning) {
  // Two copies of one plugin are two shared objects with the same matcher
  // name: the first wins.
  const std::string dir = FreshDir("clash");
  const std::string first = CopyInto(dir, TOP_GAPS_PLUGIN, "a.so");
  const std::string second = CopyInto(dir, TOP_GAPS_PLUGIN, "b.so");
  MatcherRegistry registry;
  std::vector<std::string> warnings =
      LoadPluginDirectory(dir, HostOptions(), &registry);
  EXPECT_THAT(Names(registry), ElementsAre("top-gaps"));
  EXPECT_EQ(registry.Find("top-gaps")->Info().source(), first);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr(second));
  EXPECT_THAT(warnings[0], HasSubstr("already registered"));

  // The same file loaded into the same registry again.
  warnings = LoadPluginDirectory(dir, HostOptions(), &registry);
  EXPECT_THAT(warnings, SizeIs(2));
  EXPECT_THAT(warnings[0], HasSubstr(first));
  EXPECT_THAT(Names(registry), ElementsAre("top-gaps"));
}

TEST(LoadPluginDirectoryTest, AMissingDirectoryIsOneWarning) {
  const std::string dir = FreshDir("parent") + "/absent";
  MatcherRegistry registry;
  std::vector<std::string> warnings =
      LoadPluginDirectory(dir, HostOptions(), &registry);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr(dir));
  EXPECT_THAT(registry.All(), SizeIs(0));
}

TEST_F(ExternalMatcherTest, InputHoldsThePeopleOfTheSubjectsFramework) {
  v1::MatchRequest request;
  request.set_parent("organizations/acme");
  Params params;
  const std::function<bool()> never = [] { return false; };
  google::protobuf::RepeatedPtrField<v1::ParameterSpec> no_specs;
  auto people_and_frameworks = [&](const std::string& subject) {
    request.set_subject(subject);
    v1::ExternalMatchInput in = MakeExternalMatchInput(
        MatchInput{org_, *frameworks_, request, params, never}, no_specs);
    std::vector<std::string> out;
    for (const v1::SnapshotPerson& p : in.people()) out.push_back(p.id());
    for (const v1::Framework& f : in.frameworks()) out.push_back(f.name());
    return out;
  };
  // A person of mini: the three mini people.
  EXPECT_THAT(people_and_frameworks("organizations/acme/people/bob"),
              ElementsAre("ann", "bob", "cy", "frameworks/mini"));
  // A role naming mini2: dee only.
  EXPECT_THAT(people_and_frameworks("organizations/acme/roles/lead"),
              ElementsAre("dee", "frameworks/mini2"));
  // No framework to tell (a role without one, an unknown subject): all.
  EXPECT_THAT(people_and_frameworks("organizations/acme/roles/open"),
              ElementsAre("ann", "bob", "cy", "dee", "frameworks/mini",
                          "frameworks/mini2"));
  EXPECT_THAT(people_and_frameworks("organizations/acme/people/zed"),
              SizeIs(6));
}

TEST_F(ExternalMatcherTest, InputCopiesThePerson) {
  auto ann = std::make_shared<PersonView>(*org_.people[0]);
  ann->display_name = "Ann";
  ann->teams = {"t1", "t2"};
  ann->role = "coach";
  ann->languages = {"nl"};
  ann->region = "north";
  ann->mentoring_capacity = 2;
  ann->caseload_capacity = 20;
  ann->current_caseload = 7;
  ann->completed_modules = {"m1"};
  org_.people.Set(0, ann);
  v1::TrainingModule module;
  module.set_name("organizations/acme/modules/m1");
  org_.modules.push_back(module);

  v1::MatchRequest request;
  request.set_parent("organizations/acme");
  request.set_subject("organizations/acme/people/ann");
  Params params;
  const std::function<bool()> never = [] { return false; };
  v1::ExternalMatchInput in = MakeExternalMatchInput(
      MatchInput{org_, *frameworks_, request, params, never}, {});
  EXPECT_EQ(in.request().subject(), "organizations/acme/people/ann");
  ASSERT_THAT(in.people(), SizeIs(3));
  const v1::SnapshotPerson& p = in.people(0);
  EXPECT_EQ(p.id(), "ann");
  EXPECT_EQ(p.display_name(), "Ann");
  EXPECT_EQ(p.framework(), "frameworks/mini");
  EXPECT_EQ(p.track(), "junior");
  EXPECT_EQ(p.target_level(), 2);
  EXPECT_THAT(p.teams(), ElementsAre("t1", "t2"));
  EXPECT_EQ(p.role(), "coach");
  EXPECT_THAT(p.languages(), ElementsAre("nl"));
  EXPECT_EQ(p.region(), "north");
  EXPECT_EQ(p.mentoring_capacity(), 2);
  EXPECT_EQ(p.caseload_capacity(), 20);
  EXPECT_EQ(p.current_caseload(), 7);
  EXPECT_THAT(p.completed_modules(), ElementsAre("m1"));
  ASSERT_THAT(p.levels(), SizeIs(7));
  EXPECT_EQ(p.levels(0), 0.5f);
  EXPECT_TRUE(std::isnan(p.levels(1)));
  EXPECT_EQ(p.levels(5), 2.0f);
  ASSERT_THAT(in.modules(), SizeIs(1));
  EXPECT_THAT(in.roles(), SizeIs(2));
  EXPECT_THAT(in.cases(), SizeIs(0));
  ASSERT_THAT(in.frameworks(), SizeIs(1));
  EXPECT_EQ(in.frameworks(0).id(), "mini");
}

TEST_F(ExternalMatcherTest, InputHasEveryParameterAsText) {
  google::protobuf::RepeatedPtrField<v1::ParameterSpec> specs;
  *specs.Add() = NumberParam("x", "0.1", "", 0, 1);
  *specs.Add() = NumberParam("y", "", "", 0, 1e9);
  *specs.Add() = NumberParam("z", "", "", 0, 1);  // no value at all
  *specs.Add() = IntegerParam("n", "42", "", 0, 100);
  *specs.Add() = BoolParam("b", "false", "");
  *specs.Add() = StringParam("s", "abc", "");
  *specs.Add() = ListParam("l", "");
  v1::MatchRequest request;
  request.set_parent("organizations/acme");
  (*request.mutable_parameters())["b"] = "true";
  (*request.mutable_parameters())["l"] = " a, b ,c";
  (*request.mutable_parameters())["y"] = "1234567.25";
  ASSERT_OK_AND_ASSIGN(Params params,
                       Params::Parse(specs, {}, request.parameters()));
  const std::function<bool()> never = [] { return false; };
  v1::ExternalMatchInput in = MakeExternalMatchInput(
      MatchInput{org_, *frameworks_, request, params, never}, specs);
  const auto& p = in.parameters();
  EXPECT_EQ(p.size(), 7u);
  EXPECT_EQ(p.at("x"), "0.1");  // shortest text that reads back as 0.1
  EXPECT_EQ(p.at("y"), "1234567.25");
  EXPECT_EQ(p.at("z"), "");
  EXPECT_EQ(p.at("n"), "42");
  EXPECT_EQ(p.at("b"), "true");
  EXPECT_EQ(p.at("s"), "abc");
  EXPECT_EQ(p.at("l"), "a,b,c");
}

// The two parts the matcher sends concatenate into the whole input.
TEST_F(ExternalMatcherTest, OrgAndRequestPartsConcatenateIntoTheInput) {
  v1::MatchRequest request;
  request.set_parent("organizations/acme");
  request.set_subject("organizations/acme/people/bob");
  google::protobuf::RepeatedPtrField<v1::ParameterSpec> specs;
  *specs.Add() = NumberParam("x", "0.5", "", 0, 1);
  ASSERT_OK_AND_ASSIGN(Params params, Params::Parse(specs, {}, {}));
  const std::function<bool()> never = [] { return false; };
  const MatchInput input{org_, *frameworks_, request, params, never};
  v1::ExternalMatchInput joined;
  ASSERT_TRUE(joined.ParseFromString(
      MakeOrgPart(input).SerializeAsString() +
      MakeRequestPart(input, specs).SerializeAsString()));
  // Deterministic bytes (maps in key order), not MessageDifferencer:
  // unknown levels are NaN.
  auto bytes = [](const v1::ExternalMatchInput& message) {
    std::string out;
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
    coded.Trim();
    return out;
  };
  EXPECT_EQ(bytes(joined), bytes(MakeExternalMatchInput(input, specs)));
  EXPECT_EQ(joined.people_size(), 3);
  EXPECT_EQ(joined.parameters().at("x"), "0.5");
}

#if defined(__SANITIZE_ADDRESS__) || defined(VW_SANITIZE_THREAD)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// How a host that segfaults ends: ASan's handler reports the fault and,
// with abort_on_error=1 (scripts/test.sh), aborts.
constexpr const char* kSegfaulted =
    kSanitized ? "killed by SIGABRT" : "killed by SIGSEGV";

// Out of process: what a plugin does to its host does not reach the server.
class PluginHostTest : public ExternalMatcherTest {
 protected:
  std::unique_ptr<Matcher> LoadMisbehaving(PluginHostOptions options) {
    absl::StatusOr<std::unique_ptr<Matcher>> m =
        LoadExternalMatcher(MISBEHAVES_PLUGIN, options);
    EXPECT_OK(m);
    return m.ok() ? *std::move(m) : nullptr;
  }
  static PluginHostOptions OneHost() {
    PluginHostOptions options = HostOptions();
    options.processes = 1;
    return options;
  }
  absl::StatusOr<v1::MatchResponse> Do(const Matcher& m,
                                       const std::string& what) {
    return Run(m, "organizations/acme/people/ann", {{"do", what}});
  }
};

TEST_F(PluginHostTest, ACrashCostsOneCallAndTheHostComesBack) {
  std::unique_ptr<Matcher> m = LoadMisbehaving(OneHost());
  ASSERT_NE(m, nullptr);
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse before, Do(*m, ""));
  EXPECT_STATUS(Do(*m, "segfault"), absl::StatusCode::kUnavailable,
                absl::StrCat("plugin misbehaves: its host ", kSegfaulted,
                             " during the call"));
  // Within the first back-off (100 ms) the only host is not restarted.
  EXPECT_STATUS(Do(*m, ""), absl::StatusCode::kUnavailable,
                "plugin misbehaves: its host failed and is restarting in ");
  absl::SleepFor(absl::Milliseconds(150));
  ASSERT_OK_AND_ASSIGN(v1::MatchResponse after, Do(*m, ""));
  EXPECT_TRUE(MessageDifferencer::Equals(before, after));
}

TEST_F(PluginHostTest, FailuresInARowDoubleTheBackOff) {
  std::unique_ptr<Matcher> m = LoadMisbehaving(OneHost());
  ASSERT_NE(m, nullptr);
  EXPECT_STATUS(Do(*m, "abort"), absl::StatusCode::kUnavailable,
                "killed by SIGABRT");
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_STATUS(Do(*m, "abort"), absl::StatusCode::kUnavailable,
                "killed by SIGABRT");
  // 200 ms now: still waiting after 150.
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_STATUS(Do(*m, ""), absl::StatusCode::kUnavailable, "restarting in");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_OK(Do(*m, ""));
  // A success resets it: the next failure waits 100 ms again.
  EXPECT_STATUS(Do(*m, "abort"), absl::StatusCode::kUnavailable,
                "killed by SIGABRT");
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_OK(Do(*m, ""));
}

TEST_F(PluginHostTest, AnotherHostServesWhileOneRestarts) {
  std::unique_ptr<Matcher> m = LoadMisbehaving(HostOptions());  // 2 hosts
  ASSERT_NE(m, nullptr);
  EXPECT_STATUS(Do(*m, "segfault"), absl::StatusCode::kUnavailable,
                kSegfaulted);
  EXPECT_OK(Do(*m, ""));
}

TEST_F(PluginHostTest, AHangEndsAtTheCallersDeadline) {
  std::unique_ptr<Matcher> m = LoadMisbehaving(OneHost());
  ASSERT_NE(m, nullptr);
  v1::MatchRequest request;
  request.set_parent("organizations/acme");
  request.set_matcher("misbehaves");
  request.set_subject("organizations/acme/people/ann");
  (*request.mutable_parameters())["do"] = "hang";
  ASSERT_OK_AND_ASSIGN(Params params, Params::Parse(m->Info().parameters(), {},
                                                    request.parameters()));
  const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
  const std::function<bool()> past = [&] { return absl::Now() > deadline; };
  EXPECT_STATUS(m->Match(MatchInput{org_, *frameworks_, request, params, past}),
                absl::StatusCode::kDeadlineExceeded,
                "plugin misbehaves: no answer before the call's deadline");
  EXPECT_LT(absl::Now() - deadline, absl::Seconds(2));
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_OK(Do(*m, ""));
}

TEST_F(PluginHostTest, ACpuHogIsStoppedByItsLimit) {
  PluginHostOptions options = OneHost();
  options.cpu_seconds = 1;
  std::unique_ptr<Matcher> m = LoadMisbehaving(options);
  ASSERT_NE(m, nullptr);
  EXPECT_STATUS(Do(*m, "spin"), absl::StatusCode::kUnavailable,
                "killed by SIGXCPU");
}

TEST_F(PluginHostTest, MemoryIsLimited) {
  if (kSanitized) GTEST_SKIP() << "no address-space limit under sanitizers";
  PluginHostOptions options = OneHost();
  options.memory_mb = 256;
  std::unique_ptr<Matcher> m = LoadMisbehaving(options);
  ASSERT_NE(m, nullptr);
  // The plugin's malloc fails inside the host's 256 MiB; the plugin says
  // so and the host lives on.
  absl::StatusOr<v1::MatchResponse> r = Do(*m, "allocate");
  EXPECT_STATUS(r, absl::StatusCode::kResourceExhausted, "MiB, then no more");
  int mib = 0;
  ASSERT_EQ(std::sscanf(std::string(r.status().message()).c_str(),
                        "plugin misbehaves: allocated %d MiB", &mib),
            1);
  EXPECT_LT(mib, 256);
  EXPECT_OK(Do(*m, ""));
}

TEST_F(PluginHostTest, APluginThatAbortsWhileLoadingIsSkipped) {
  EXPECT_STATUS(LoadExternalMatcher(ABORT_AT_LOAD_PLUGIN, HostOptions()),
                absl::StatusCode::kFailedPrecondition,
                absl::StrCat(ABORT_AT_LOAD_PLUGIN,
                             ": the plugin host killed by SIGABRT while "
                             "loading the plugin"));
  const std::string dir = FreshDir("plugins");
  CopyInto(dir, ABORT_AT_LOAD_PLUGIN, "a_aborts.so");
  CopyInto(dir, TOP_GAPS_PLUGIN, "b_top_gaps.so");
  MatcherRegistry registry;
  std::vector<std::string> warnings =
      LoadPluginDirectory(dir, HostOptions(), &registry);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("a_aborts.so: the plugin host killed by "
                                     "SIGABRT"));
  EXPECT_THAT(Names(registry), ElementsAre("top-gaps"));
}

TEST_F(PluginHostTest, AMissingHostBinaryIsAnError) {
  PluginHostOptions options;
  options.host_binary = "/nonexistent/vakwijzer_plugin_host";
  EXPECT_STATUS(LoadExternalMatcher(TOP_GAPS_PLUGIN, options),
                absl::StatusCode::kFailedPrecondition,
                "cannot start the plugin host /nonexistent/");
}

// A versioned snapshot's organisation goes to the host once: a changed
// snapshot under the same version still gets the first answer, a new
// version the new one. Alike for a plugin that takes the input in parts
// (and keeps the parsed organisation) and one that takes it whole.
TEST_F(PluginHostTest, TheOrganisationIsSentOncePerVersion) {
  const OrgSnapshot initial = org_;
  for (const char* path : {TOP_GAPS_PLUGIN, WHOLE_INPUT_PLUGIN}) {
    SCOPED_TRACE(path);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Matcher> m,
                         LoadExternalMatcher(path, HostOptions()));
    org_ = initial;
    org_.version = 7;
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse first,
                         Run(*m, "organizations/acme/people/ann"));
    auto changed = std::make_shared<PersonView>(*org_.people[0]);
    changed->levels[0] = 2.0f;  // ann's gap on j-a1-1 closes
    org_.people.Set(0, changed);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse cached,
                         Run(*m, "organizations/acme/people/ann"));
    EXPECT_TRUE(MessageDifferencer::Equals(first, cached));
    org_.version = 8;
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse fresh,
                         Run(*m, "organizations/acme/people/ann"));
    EXPECT_FALSE(MessageDifferencer::Equals(first, fresh));
    EXPECT_EQ(fresh.items(0).name(), "j-a2-1");  // gap 1.0, now the largest
    // Version 0 is never cached.
    org_.version = 0;
    changed = std::make_shared<PersonView>(*org_.people[0]);
    changed->levels[0] = 0.5f;
    org_.people.Set(0, changed);
    ASSERT_OK_AND_ASSIGN(v1::MatchResponse unversioned,
                         Run(*m, "organizations/acme/people/ann"));
    EXPECT_TRUE(MessageDifferencer::Equals(first, unversioned));
  }
}

// Both ways of taking the input give the same answers, for every subject.
TEST_F(PluginHostTest, PartsAndWholeInputAgree) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Matcher> parts,
                       LoadExternalMatcher(TOP_GAPS_PLUGIN, HostOptions()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Matcher> whole,
                       LoadExternalMatcher(WHOLE_INPUT_PLUGIN, HostOptions()));
  org_.version = 3;
  for (const char* person : {"ann", "bob", "cy", "dee", "zed"}) {
    const std::string subject =
        absl::StrCat("organizations/acme/people/", person);
    absl::StatusOr<v1::MatchResponse> a = Run(*parts, subject, {}, 2);
    absl::StatusOr<v1::MatchResponse> b = Run(*whole, subject, {}, 2);
    ASSERT_EQ(a.status(), b.status()) << subject;
    if (a.ok()) {
      EXPECT_TRUE(MessageDifferencer::Equals(*a, *b)) << subject;
    }
  }
}

}  // namespace
}  // namespace vakwijzer::plugins
