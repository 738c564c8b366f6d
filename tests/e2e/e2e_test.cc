// End to end: starts the real vakwijzerd binary and drives it with the real
// command-line client, as a user would.
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/test_util/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer {
namespace {

using ::vakwijzer::testing::Cli;
using ::vakwijzer::testing::Result;
using ::vakwijzer::testing::Server;
using ::vakwijzer::testing::Stop;

// A server with the shipped frameworks and the demo organisation.
Server StartServer(const std::string& data_dir) {
  return testing::StartServer(
      {"--data_dir=" + data_dir,
       std::string("--framework_dir=") + VAKWIJZER_DATA_DIR "/frameworks",
       std::string("--demo_file=") + VAKWIJZER_DATA_DIR
           "/demo/demo.textproto"});
}

TEST(EndToEnd, DemoGapReportThroughTheClient) {
  testing::TempDir dir;
  Server s = StartServer(dir.Sub("db"));
  ASSERT_GT(s.port, 0) << s.log;
  EXPECT_TRUE(absl::StrContains(s.log, "loaded 42 demo people")) << s.log;

  Result frameworks = Cli(s, "frameworks");
  EXPECT_EQ(frameworks.exit_code, 0) << frameworks.output;
  EXPECT_TRUE(absl::StrContains(frameworks.output, "frameworks/sfd-2021"));

  Result gaps = Cli(s, "gaps demo sw-001");
  EXPECT_EQ(gaps.exit_code, 0) << gaps.output;
  EXPECT_TRUE(absl::StrContains(gaps.output,
                                "Gap report organizations/demo/people/sw-001"))
      << gaps.output;
  EXPECT_TRUE(absl::StrContains(gaps.output, "track hbo, target vakvolwassen"))
      << gaps.output;
  EXPECT_TRUE(absl::StrContains(gaps.output, "Top gaps")) << gaps.output;

  Result missing = Cli(s, "gaps demo nobody");
  EXPECT_EQ(missing.exit_code, 10 + 5) << missing.output;  // NOT_FOUND
  EXPECT_TRUE(absl::StrContains(missing.output, "no profile"))
      << missing.output;

  Result bad = Cli(s,
                   "assess demo sw-001 --rater_role=manager --rater=m1 "
                   "hbo-1.1-1=9");
  EXPECT_EQ(bad.exit_code, 10 + 3) << bad.output;  // INVALID_ARGUMENT
  EXPECT_TRUE(absl::StrContains(bad.output, "ratings[0].level")) << bad.output;

  EXPECT_EQ(Stop(s, SIGTERM), 0);
  EXPECT_TRUE(absl::StrContains(s.log, "stopped")) << s.log;
}

TEST(EndToEnd, MatchersAnswerOnTheDemoThroughTheClient) {
  testing::TempDir dir;
  Server s = StartServer(dir.Sub("db"));
  ASSERT_GT(s.port, 0) << s.log;

  Result plan = Cli(s, "training demo sw-001 --param=budget_hours=24");
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_TRUE(absl::StrContains(plan.output,
                                "training 1.0.0 for "
                                "organizations/demo/people/"
                                "sw-001"))
      << plan.output;
  EXPECT_TRUE(absl::StrContains(plan.output, "binding constraint"))
      << plan.output;

  Result mentors = Cli(s, "mentors demo sw-001 --page_size=2");
  EXPECT_EQ(mentors.exit_code, 0) << mentors.output;
  EXPECT_TRUE(absl::StrContains(mentors.output, "  1. sw-")) << mentors.output;
  EXPECT_FALSE(absl::StrContains(mentors.output, "  3. ")) << mentors.output;

  Result fit = Cli(s, "rolefit demo roles/schuldhulpverlener --json");
  EXPECT_EQ(fit.exit_code, 0) << fit.output;
  EXPECT_TRUE(absl::StrContains(fit.output, "\"matcher\": \"role-fit\""))
      << fit.output;

  Result staff = Cli(s, "staff demo o-dreigende-ontruiming");
  EXPECT_EQ(staff.exit_code, 0) << staff.output;
  EXPECT_TRUE(absl::StrContains(staff.output, "onstuimig")) << staff.output;

  Result one_way = Cli(s, "team mentors demo --no_mutual");
  EXPECT_EQ(one_way.exit_code, 0) << one_way.output;
  EXPECT_TRUE(absl::StrContains(one_way.output, "total weight"))
      << one_way.output;

  Result batch = Cli(s, "batch demo training people/sw-001 people/nobody");
  EXPECT_EQ(batch.exit_code, 0) << batch.output;
  EXPECT_TRUE(absl::StrContains(batch.output, "2 subjects, 1 failed"))
      << batch.output;
  EXPECT_TRUE(absl::StrContains(batch.output, "error NOT_FOUND: "))
      << batch.output;

  // --json over several pages is one document, not one per page.
  Result list = Cli(s, "profiles list demo --json --page_size=10");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (size_t at = list.output.find(needle); at != std::string::npos;
         at = list.output.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("\"profiles\""), 1) << list.output;
  EXPECT_EQ(count("\"name\": \"organizations/demo/people/"), 42);
  EXPECT_EQ(count("nextPageToken"), 0);
  EXPECT_EQ(list.output.front(), '{') << list.output;

  const std::string module = dir.Sub("module.txtpb");
  FILE* f = fopen(module.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(
      "title: \"Kort geding\" hours: 6 cost: 250\n"
      "develops { competency: \"6.3\" level: 3 }\n",
      f);
  fclose(f);
  Result created = Cli(s, "modules create demo kort-geding " + module);
  EXPECT_EQ(created.exit_code, 0) << created.output;
  Result updated = Cli(
      s, "modules update demo kort-geding " + module + " --update_mask=hours");
  EXPECT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_TRUE(absl::StrContains(updated.output, "-2)")) << updated.output;

  Result bad = Cli(s, "training demo sw-001 --param=budget_hours=-1");
  EXPECT_EQ(bad.exit_code, 10 + 3) << bad.output;
  EXPECT_TRUE(absl::StrContains(bad.output, "parameters[\"budget_hours\"]"))
      << bad.output;
  EXPECT_EQ(Stop(s, SIGTERM), 0);
}

TEST(EndToEnd, AcknowledgedWritesSurviveKillNine) {
  testing::TempDir dir;
  Server s = StartServer(dir.Sub("db"));
  ASSERT_GT(s.port, 0) << s.log;

  Result created = Cli(s, "profiles create acme p-1 --track=mbo --teams=zuid");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  Result assessed = Cli(s,
                        "assess acme p-1 --rater_role=manager --rater=m-7 "
                        "--assessment_id=intake mbo-1.1-1=1 mbo-1.1-2=3");
  ASSERT_EQ(assessed.exit_code, 0) << assessed.output;
  EXPECT_EQ(Stop(s, SIGKILL), -SIGKILL);

  Server again = StartServer(dir.Sub("db"));
  ASSERT_GT(again.port, 0) << again.log;
  EXPECT_FALSE(absl::StrContains(again.log, "demo people")) << again.log;
  Result listed = Cli(again, "assessments acme p-1");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_TRUE(absl::StrContains(listed.output, "intake")) << listed.output;
  EXPECT_TRUE(absl::StrContains(listed.output, "MANAGER")) << listed.output;

  Result report = Cli(again, "gaps acme p-1 --all --json");
  EXPECT_EQ(report.exit_code, 0) << report.output;
  // mbo-1.1-1 rated 1 against vakvolwassen (3): a gap of 2.
  EXPECT_TRUE(absl::StrContains(report.output, "\"gap\": 2")) << report.output;
  EXPECT_EQ(Stop(again, SIGINT), 0);
}

}  // namespace
}  // namespace vakwijzer
