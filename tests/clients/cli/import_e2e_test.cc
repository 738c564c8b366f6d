// End to end: imports and exports of the command-line client against the
// real vakwijzerd, started without the demo organisation.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/test_util/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer {
namespace {

using ::vakwijzer::testing::Cli;
using ::vakwijzer::testing::Result;
using ::vakwijzer::testing::Server;
using ::vakwijzer::testing::Stop;

// A server with an empty database and no demo organisation.
Server StartServer(const std::string& data_dir) {
  return testing::StartServer(
      {"--data_dir=" + data_dir,
       std::string("--framework_dir=") + VAKWIJZER_DATA_DIR "/frameworks",
       "--demo_file="});
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Exists(const Server& s, const std::string& person) {
  return Cli(s, "profiles get acme " + person).exit_code == 0;
}

// Rows of `assessments acme PERSON` (one per assessment).
int AssessmentCount(const Server& s, const std::string& person) {
  Result r = Cli(s, "assessments acme " + person);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  int count = 0;
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    if (absl::StrContains(line, " ratings")) ++count;
  }
  return count;
}

constexpr char kPeopleHeader[] =
    "person_id,display_name,track,target_stage,teams,role,languages,region,"
    "mentoring_capacity,caseload_capacity,current_caseload\r\n";

class ImportEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer(dir_.Sub("db"));
    ASSERT_GT(server_.port, 0) << server_.log;
    ASSERT_EQ(mkdir(dir_.Sub("bad").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(dir_.Sub("partial").c_str(), 0755), 0);
  }
  void TearDown() override {
    if (server_.pid > 0) {
      EXPECT_EQ(Stop(server_), 0);
    }
  }

  // Five people of acme: p-1..p-3 hbo in team noord, p-4..p-5 mbo.
  void ImportFive() {
    WriteFile(dir_.Sub("people.csv"),
              absl::StrCat("\xEF\xBB\xBF", kPeopleHeader,
                           "p-1,\"Jansen, Jan\",hbo,vakvolwassen,noord;zuid,"
                           "budgetcoach,nl;en,Utrecht,2,10,3\r\n"
                           "p-2,=1+1,hbo,,noord,,,,,,\r\n"
                           "p-3,,hbo,startbekwaam,noord,,,,1,,\r\n"
                           "p-4,,mbo,,zuid,,,,,,\r\n"
                           "p-5,,mbo,,zuid,,,,,,\r\n"));
    Result r = Cli(server_, "import people acme " + dir_.Sub("people.csv"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "created 5 profiles")) << r.output;
  }

  testing::TempDir dir_;
  Server server_;
};

TEST_F(ImportEndToEnd, PeopleFromCsv) {
  ImportFive();
  Result list = Cli(server_, "profiles list acme");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, "5 profiles")) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, "Jansen, Jan")) << list.output;
  Result p1 = Cli(server_, "profiles get acme p-1");
  EXPECT_TRUE(absl::StrContains(p1.output, "teams:         noord, zuid"))
      << p1.output;
  EXPECT_TRUE(absl::StrContains(p1.output, "mentoring 2, caseload 10"))
      << p1.output;

  // The same file again: every id exists, nothing is written.
  Result again = Cli(server_, "import people acme " + dir_.Sub("people.csv"));
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_TRUE(absl::StrContains(
      again.output,
      "people.csv:2:person_id: organizations/acme/people/p-1 already exists"))
      << again.output;
}

TEST_F(ImportEndToEnd, BadLineImportsNothingUnlessPartial) {
  const std::string rows = absl::StrCat(kPeopleHeader,
                                        "b-1,,hbo,,,,,,,,\r\n"
                                        "b-2,,hbo,,,,,,,,\r\n"
                                        "b-3,,hbo,,,,,,veel,,\r\n"
                                        "b-4,,mbo,,,,,,,,\r\n"
                                        "b-5,,mbo,,,,,,,,\r\n");
  WriteFile(dir_.Sub("bad/people.csv"), rows);
  Result bad = Cli(server_, "import people acme " + dir_.Sub("bad/people.csv"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_TRUE(absl::StrContains(
      bad.output,
      "people.csv:4:mentoring_capacity: \"veel\" is not a whole number "
      "(column 9)"))
      << bad.output;
  EXPECT_TRUE(absl::StrContains(bad.output, "nothing imported")) << bad.output;
  for (const char* id : {"b-1", "b-2", "b-3", "b-4", "b-5"}) {
    EXPECT_FALSE(Exists(server_, id)) << id;
  }

  Result dry = Cli(
      server_, "import people acme --dry_run " + dir_.Sub("bad/people.csv"));
  EXPECT_EQ(dry.exit_code, 1) << dry.output;
  EXPECT_TRUE(absl::StrContains(dry.output, "people.csv:4:")) << dry.output;
  EXPECT_FALSE(Exists(server_, "b-1"));

  WriteFile(dir_.Sub("partial/people.csv"), rows);
  Result partial = Cli(server_, "import people acme --partial " +
                                    dir_.Sub("partial/people.csv"));
  EXPECT_EQ(partial.exit_code, 1) << partial.output;
  EXPECT_TRUE(absl::StrContains(partial.output, "people.csv:4:"))
      << partial.output;
  EXPECT_TRUE(absl::StrContains(partial.output, "created 4 profiles"))
      << partial.output;
  for (const char* id : {"b-1", "b-2", "b-4", "b-5"}) {
    EXPECT_TRUE(Exists(server_, id)) << id;
  }
  EXPECT_FALSE(Exists(server_, "b-3"));
}

TEST_F(ImportEndToEnd, ServerRejectionRollsBack) {
  WriteFile(dir_.Sub("tracks.csv"),
            "person_id,track\n"
            "c-1,hbo\n"
            "c-2,mbo\n"
            "c-3,wo\n"
            "c-4,hbo\n");
  Result r = Cli(server_, "import people acme " + dir_.Sub("tracks.csv"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output,
                                "tracks.csv:4: the server rejected "
                                "organizations/acme/people/c-3"))
      << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "profile.track")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "rolled back the 2 profiles"))
      << r.output;
  for (const char* id : {"c-1", "c-2", "c-3", "c-4"}) {
    EXPECT_FALSE(Exists(server_, id)) << id;
  }
  Result list = Cli(server_, "profiles list acme");
  EXPECT_TRUE(absl::StrContains(list.output, "0 profiles")) << list.output;

  // A dry run finds the track in no loaded framework.
  Result dry =
      Cli(server_, "import people acme --dry_run " + dir_.Sub("tracks.csv"));
  EXPECT_EQ(dry.exit_code, 1) << dry.output;
  EXPECT_TRUE(absl::StrContains(dry.output, "tracks.csv:4:track: \"wo\""))
      << dry.output;
}

TEST_F(ImportEndToEnd, AssessmentsAreIdempotentAndCheckedFirst) {
  ImportFive();
  // p-1: self 3 and manager 1 on hbo-1.1-1, manager 2 on hbo-1.1-2.
  WriteFile(dir_.Sub("assessments.csv"),
            "person_id,assessment_id,assess_time,rater_role,rater,indicator,"
            "level,evidence\n"
            "p-1,intake-self,2024-03-01T09:00:00Z,self,,hbo-1.1-1,3,\"ik "
            "kan dit, \"\"echt\"\"\"\n"
            "p-1,intake-mgr,2024-03-02T09:00:00Z,manager,m-1,hbo-1.1-1,1,\n"
            "p-1,intake-mgr,2024-03-02T09:00:00Z,manager,m-1,hbo-1.1-2,2,\n"
            "p-4,intake-mgr,2024-03-02T09:00:00Z,manager,m-1,mbo-1.1-1,2,\n");
  Result first =
      Cli(server_, "import assessments acme " + dir_.Sub("assessments.csv"));
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(absl::StrContains(first.output, "recorded 3 assessments"))
      << first.output;
  EXPECT_EQ(AssessmentCount(server_, "p-1"), 2);
  EXPECT_EQ(AssessmentCount(server_, "p-4"), 1);

  Result again =
      Cli(server_, "import assessments acme " + dir_.Sub("assessments.csv"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(absl::StrContains(again.output, "recorded 0 assessments"))
      << again.output;
  EXPECT_TRUE(absl::StrContains(again.output, "3 already imported"))
      << again.output;
  EXPECT_EQ(AssessmentCount(server_, "p-1"), 2);

  // Line 6 rates an MBO indicator of an HBO person: nothing is written,
  // not even the assessments of lines 2-5.
  WriteFile(dir_.Sub("other-track.csv"),
            "person_id,assessment_id,rater_role,rater,indicator,level\n"
            "p-2,x1,peer,c-9,hbo-1.1-1,2\n"
            "p-2,x1,peer,c-9,hbo-1.1-2,2\n"
            "p-3,x1,self,,hbo-1.1-1,3\n"
            "p-3,x2,assessor,a-1,hbo-1.1-1,2\n"
            "p-3,x2,assessor,a-1,mbo-1.1-1,2\n");
  Result bad =
      Cli(server_, "import assessments acme " + dir_.Sub("other-track.csv"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_TRUE(absl::StrContains(
      bad.output,
      "other-track.csv:6:indicator: \"mbo-1.1-1\" belongs to track mbo, but "
      "p-3 is on track hbo (column 5)"))
      << bad.output;
  EXPECT_EQ(AssessmentCount(server_, "p-2"), 0);
  EXPECT_EQ(AssessmentCount(server_, "p-3"), 0);

  // With --partial the other assessments go in.
  Result partial = Cli(server_, "import assessments acme --partial " +
                                    dir_.Sub("other-track.csv"));
  EXPECT_EQ(partial.exit_code, 1) << partial.output;
  EXPECT_TRUE(absl::StrContains(partial.output, "recorded 2 assessments"))
      << partial.output;
  EXPECT_EQ(AssessmentCount(server_, "p-2"), 1);
  EXPECT_EQ(AssessmentCount(server_, "p-3"), 1);

  // Someone the organisation does not have.
  WriteFile(dir_.Sub("nobody.csv"),
            "person_id,assessment_id,rater_role,indicator,level\n"
            "p-9,x1,self,hbo-1.1-1,2\n");
  Result nobody =
      Cli(server_, "import assessments acme " + dir_.Sub("nobody.csv"));
  EXPECT_EQ(nobody.exit_code, 1) << nobody.output;
  EXPECT_TRUE(absl::StrContains(nobody.output,
                                "nobody.csv:2:person_id: no profile "
                                "organizations/acme/people/p-9"))
      << nobody.output;
}

// A file several times larger than the memory bound: 400 people with one
// assessment of 150 ratings each, every rating with 1,500 bytes of
// evidence (about 92 MB). The client reads it twice as a stream, so its
// peak resident set (ru_maxrss of the waited-for children; vakwijzerd is
// not waited for until TearDown) stays far below the file's size.
TEST_F(ImportEndToEnd, LargeFileImportsInBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(VW_SANITIZE_THREAD)
  // ASan's quarantine keeps freed memory resident (and adds shadow memory),
  // so the client's peak RSS says nothing there (nor under TSan, whose
  // shadow memory is resident too); the plain build checks it.
  GTEST_SKIP() << "peak memory is not measurable under sanitizers";
#endif
  constexpr int kPeople = 400;
  constexpr int kRatings = 150;
  std::string people = "person_id,track\n";
  for (int i = 0; i < kPeople; ++i) absl::StrAppend(&people, "m-", i, ",hbo\n");
  WriteFile(dir_.Sub("many.csv"), people);
  Result made = Cli(server_, "import people acme " + dir_.Sub("many.csv"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_TRUE(absl::StrContains(made.output, "created 400 profiles"))
      << made.output;

  // The first 150 hbo indicators of the shipped framework.
  std::vector<std::string> indicators;
  for (absl::string_view line : absl::StrSplit(
           ReadFile(VAKWIJZER_DATA_DIR "/frameworks/sfd-2021.textproto"),
           '\n')) {
    const size_t at = line.find("id: \"hbo-");
    if (at == absl::string_view::npos || indicators.size() == kRatings) {
      continue;
    }
    absl::string_view id = line.substr(at + 5);
    indicators.emplace_back(id.substr(0, id.find('"')));
  }
  ASSERT_EQ(indicators.size(), static_cast<size_t>(kRatings));

  const std::string evidence(1500, 'e');
  {
    std::ofstream out(dir_.Sub("big.csv"), std::ios::binary);
    out << "person_id,assessment_id,rater_role,rater,indicator,level,"
           "evidence\n";
    for (int i = 0; i < kPeople; ++i) {
      for (int k = 0; k < kRatings; ++k) {
        out << "m-" << i << ",big,manager,boss," << indicators[k] << ","
            << (i + k) % 5 << "," << evidence << "\n";
      }
    }
    ASSERT_TRUE(out.good());
  }
  struct stat st;
  ASSERT_EQ(stat(dir_.Sub("big.csv").c_str(), &st), 0);
  ASSERT_GT(st.st_size, 80 << 20);

  Result r = Cli(server_, "import assessments acme " + dir_.Sub("big.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "recorded 400 assessments"))
      << r.output;
  struct rusage usage;
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  const long peak_kib = usage.ru_maxrss;
  RecordProperty("cli_peak_kib", static_cast<int>(peak_kib));
  // Far below the 92 MB file (the whole-file reader held the text, the
  // parsed table and the assessments at once).
  EXPECT_LT(peak_kib, 48 * 1024) << "peak resident set " << peak_kib << " KiB";
  EXPECT_LT(peak_kib * 1024, st.st_size / 2);
  EXPECT_EQ(AssessmentCount(server_, "m-7"), 1);

  // Again: every assessment is there, so all are skipped.
  Result again = Cli(server_, "import assessments acme " + dir_.Sub("big.csv"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(absl::StrContains(again.output, "400 already imported"))
      << again.output;
}

TEST_F(ImportEndToEnd, ExportGapsAndTeam) {
  ImportFive();
  WriteFile(dir_.Sub("assessments.csv"),
            "person_id,assessment_id,rater_role,rater,indicator,level\n"
            "p-1,s,self,,hbo-1.1-1,3\n"
            "p-1,m,manager,m-1,hbo-1.1-1,1\n"
            "p-1,m,manager,m-1,hbo-1.1-2,2\n");
  ASSERT_EQ(
      Cli(server_, "import assessments acme " + dir_.Sub("assessments.csv"))
          .exit_code,
      0);

  Result csv = Cli(server_, "export gaps acme p-1");
  EXPECT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_TRUE(absl::StartsWith(
      csv.output,
      "person_id,track,target_stage,indicator,competency,cluster,level,target,"
      "gap,known,rating_count,spread,disagreement,blind_spot\r\n"))
      << csv.output;
  // Weighted: (0.5 * 3 + 1 * 1) / 1.5 = 1.6667, gap 3 - 1.6667; the self
  // rating is 2 above the manager: spread 2, disagreement, blind spot.
  EXPECT_TRUE(absl::StrContains(
      csv.output,
      "\r\np-1,hbo,vakvolwassen,hbo-1.1-1,1.1,1,1.6667,3,1.3333,true,2,2,"
      "true,true\r\n"))
      << csv.output;
  EXPECT_TRUE(absl::StrContains(csv.output,
                                "\r\np-1,hbo,vakvolwassen,hbo-1.1-2,1.1,1,2,3,"
                                "1,true,1,0,false,false\r\n"))
      << csv.output;
  EXPECT_TRUE(absl::StrContains(
      csv.output, "\r\np-1,hbo,vakvolwassen,hbo-1.1-3,1.1,1,,3,,false,0,,"))
      << csv.output;

  Result json = Cli(server_, "export gaps acme p-1 p-4 --format=json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_TRUE(absl::StartsWith(json.output, "[\n{")) << json.output;
  EXPECT_TRUE(absl::StrContains(
      json.output, "\"person\": \"organizations/acme/people/p-4\""))
      << json.output;

  // Everyone, into a file.
  const std::string all = dir_.Sub("gaps.csv");
  Result everyone = Cli(server_, "export gaps acme --out=" + all);
  EXPECT_EQ(everyone.exit_code, 0) << everyone.output;
  EXPECT_TRUE(absl::StrContains(everyone.output, "gap reports of 5 people"))
      << everyone.output;
  const std::string gaps = ReadFile(all);
  for (const char* row : {"\r\np-1,", "\r\np-2,", "\r\np-5,mbo,"}) {
    EXPECT_TRUE(absl::StrContains(gaps, row)) << row;
  }

  // Team noord (p-1..p-3): a summary file and a people file, where p-2's
  // display name "=1+1" is escaped.
  const std::string team = dir_.Sub("team.csv");
  Result t = Cli(server_, "export team acme --team=noord --out=" + team);
  EXPECT_EQ(t.exit_code, 0) << t.output;
  const std::string summary = ReadFile(team);
  EXPECT_TRUE(absl::StartsWith(
      summary,
      "indicator,competency,cluster,people,unknown,mean_gap,share_at_target,"
      "bus_factor,dist_0,dist_1,dist_2,dist_3,dist_4\r\n"))
      << summary;
  // hbo-1.1-1: 3 hbo members, 2 unrated, p-1 at 1.67 (level 1), gap 1.3333.
  EXPECT_TRUE(absl::StrContains(
      summary, "\r\nhbo-1.1-1,1.1,1,3,2,1.3333,0,0,0,1,0,0,0\r\n"))
      << summary;
  const std::string people = ReadFile(dir_.Sub("team.people.csv"));
  EXPECT_TRUE(absl::StrContains(people, "\r\np-2,'=1+1,hbo,")) << people;
  EXPECT_TRUE(absl::StrContains(people, "\r\np-1,\"Jansen, Jan\",hbo,3,"))
      << people;
  EXPECT_FALSE(absl::StrContains(people, "p-4")) << people;

  Result team_json =
      Cli(server_, "export team acme --team=noord --format=json");
  EXPECT_EQ(team_json.exit_code, 0) << team_json.output;
  EXPECT_TRUE(absl::StrContains(team_json.output, "\"summary\": {"))
      << team_json.output;
}

TEST_F(ImportEndToEnd, JsonBundleAllOrNothing) {
  // j-2 is MBO but rated on an HBO indicator: the server refuses, and j-1,
  // created before, goes again.
  const std::string bad = R"({
    "organization": "acme",
    "people": [
      {"id": "j-1", "profile": {"track": "hbo", "display_name": "Eén"},
       "assessments": [{"rater_role": "MANAGER", "rater": "m-1",
                        "ratings": [{"indicator": "hbo-1.1-1", "level": 2}]}]},
      {"id": "j-2", "profile": {"track": "mbo"},
       "assessments": [{"rater_role": "SELF",
                        "ratings": [{"indicator": "hbo-1.1-1", "level": 2}]}]}
    ]})";
  WriteFile(dir_.Sub("bundle.json"), bad);
  Result r = Cli(server_, "import json acme " + dir_.Sub("bundle.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "people[1] (j-2).assessments[0]"))
      << r.output;
  EXPECT_FALSE(Exists(server_, "j-1"));
  EXPECT_FALSE(Exists(server_, "j-2"));

  Result other = Cli(server_, "import json elders " + dir_.Sub("bundle.json"));
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_TRUE(absl::StrContains(other.output, "organization: \"acme\""))
      << other.output;

  WriteFile(dir_.Sub("good.json"),
            R"({"people": [{"id": "j-1", "profile": {"track": "hbo"},
                "assessments": [{"rater_role": "SELF", "ratings": [
                  {"indicator": "hbo-1.1-1", "level": 2}]}]}]})");
  Result good = Cli(server_, "import json acme " + dir_.Sub("good.json"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_TRUE(
      absl::StrContains(good.output, "created 1 profile with 1 assessment"))
      << good.output;
  EXPECT_EQ(AssessmentCount(server_, "j-1"), 1);

  WriteFile(dir_.Sub("broken.json"), R"({"people": [{"idd": "x"}]})");
  Result broken = Cli(server_, "import json acme " + dir_.Sub("broken.json"));
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_TRUE(absl::StrContains(broken.output,
                                "not a vakwijzer.v1.ImportBundle in JSON"))
      << broken.output;
}

TEST_F(ImportEndToEnd, TeamReportHtml) {
  ImportFive();
  const std::string html = dir_.Sub("report.html");
  Result r = Cli(server_, "team report acme --team=noord --html=" + html);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "team report of 3 people"))
      << r.output;
  const std::string page = ReadFile(html);
  EXPECT_TRUE(absl::StartsWith(page, "<!DOCTYPE html>")) << page.substr(0, 200);
  EXPECT_TRUE(absl::StrContains(page, "=1+1")) << "p-2's display name";
  EXPECT_EQ(Cli(server_, "team report acme").exit_code, 2);
}

TEST_F(ImportEndToEnd, UsageErrors) {
  EXPECT_EQ(Cli(server_, "import people acme").exit_code, 2);
  EXPECT_EQ(Cli(server_, "import folks acme f.csv").exit_code, 2);
  EXPECT_EQ(Cli(server_, "export gaps acme --format=xml").exit_code, 2);
  Result missing = Cli(server_, "import people acme " + dir_.Sub("none.csv"));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(absl::StrContains(missing.output, "cannot read"))
      << missing.output;
  Result help = Cli(server_, "--help");
  EXPECT_TRUE(absl::StrContains(help.output, "import people ORG FILE.csv"))
      << help.output;
  EXPECT_TRUE(absl::StrContains(help.output, "docs/csv.md")) << help.output;
}

}  // namespace
}  // namespace vakwijzer
