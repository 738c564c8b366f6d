// The client's CSV reader and writer, the row checks of the importers, the
// export rows and the progress line, on hand-made inputs.
#include "clients/cli/csv.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/import_export.h"
#include "clients/cli/progress.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace vakwijzer::cli {
namespace {

namespace v1 = vakwijzer::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::vector<std::string>> Fields(
    const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const CsvRecord& r : records) out.push_back(r.fields);
  return out;
}

std::vector<int> Lines(const std::vector<CsvRecord>& records) {
  std::vector<int> out;
  for (const CsvRecord& r : records) out.push_back(r.line);
  return out;
}

std::vector<std::string> Messages(const std::vector<LineError>& errors) {
  std::vector<std::string> out;
  for (const LineError& e : errors) out.push_back(e.message);
  return out;
}

// ---------------------------------------------------------------------------
// Reading.

TEST(ParseCsv, PlainFieldsAndLines) {
  auto records = ParseCsv("a,b\n1,2\n", "f.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));
  EXPECT_THAT(Lines(*records), ElementsAre(1, 2));
}

TEST(ParseCsv, QuotesCommasDoubledQuotesAndLineBreaksInsideQuotes) {
  auto records =
      ParseCsv("id,text\r\n1,\"a, \"\"b\"\"\r\nc\"\r\n2,\"\"\r\n", "f.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("id", "text"),
                                            ElementsAre("1", "a, \"b\"\r\nc"),
                                            ElementsAre("2", "")));
  // The second record spans lines 2 and 3.
  EXPECT_THAT(Lines(*records), ElementsAre(1, 2, 4));
}

TEST(ParseCsv, CrLfAndLfReadTheSame) {
  auto lf = ParseCsv("a,b\n1,2\n3,4", "f.csv");
  auto crlf = ParseCsv("a,b\r\n1,2\r\n3,4\r\n", "f.csv");
  ASSERT_TRUE(lf.ok() && crlf.ok());
  EXPECT_EQ(Fields(*lf), Fields(*crlf));
  EXPECT_EQ(Lines(*lf), Lines(*crlf));
}

TEST(ParseCsv, SkipsTheByteOrderMarkAndEmptyLines) {
  auto records = ParseCsv("\xEF\xBB\xBFid,naam\n\n1,Zoë\n\r\n", "f.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records),
              ElementsAre(ElementsAre("id", "naam"), ElementsAre("1", "Zoë")));
  EXPECT_THAT(Lines(*records), ElementsAre(1, 3));
}

TEST(ParseCsv, EmptyFieldsAtTheEnds) {
  auto records = ParseCsv(",a,\n", "f.csv");
  ASSERT_TRUE(records.ok());
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("", "a", "")));
}

TEST(ParseCsv, UnterminatedQuoteNamesTheLineWhereItOpened) {
  auto records = ParseCsv("a,b\n1,\"open\n2,3\n4,5\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message(),
            "f.csv:2: the quoted field in column 2 is never closed (a \" is "
            "missing)");
}

TEST(ParseCsv, QuoteInsideAnUnquotedFieldIsAnError) {
  auto records = ParseCsv("a,b\n1,2\n3,Jan \"JJ\" Jansen\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.status().message(),
              HasSubstr("f.csv:3: a quote inside the unquoted field of column "
                        "2"));
}

TEST(ParseCsv, TextAfterTheClosingQuoteIsAnError) {
  auto records = ParseCsv("a\n\"x\"y\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.status().message(),
              HasSubstr("f.csv:2: text after the closing quote of column 1"));
}

TEST(ParseCsv, BytesThatAreNotUtf8NameTheirLine) {
  auto records = ParseCsv("a\nok\nbad \xC3\x28\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message(), "f.csv:3: not valid UTF-8 text");
  // Overlong forms and surrogates are not UTF-8 either.
  EXPECT_FALSE(ParseCsv("\xC0\xAF", "f.csv").ok());
  EXPECT_FALSE(ParseCsv("\xED\xA0\x80", "f.csv").ok());
  EXPECT_FALSE(ParseCsv("cut \xE2\x82", "f.csv").ok());
  EXPECT_TRUE(ParseCsv("€ 𝄞", "f.csv").ok());
}

TEST(ParseCsvTable, RaggedRowsNameTheirLine) {
  auto table = ParseCsvTable("a,b\n1,2\n3\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "f.csv:3: 1 field, but the header has 2 columns");
  table = ParseCsvTable("a,b\n1,2,3\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "f.csv:2: 3 fields, but the header has 2 columns");
}

TEST(ParseCsvTable, EmptyFileHasNoHeader) {
  auto table = ParseCsvTable("\xEF\xBB\xBF\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(),
              HasSubstr("f.csv:1: the file is empty"));
}

// Found by fuzz/csv_import_fuzzer: a byte order mark at the start of a
// later line made the stream reader fail ("a byte order mark inside the
// file") where ParseCsvTable reads it as text, and a chunk's leading mark
// must not be skipped either.
TEST(CsvStreamReader, ByteOrderMarkInsideTheFileIsTextAsInParseCsvTable) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string text = absl::StrCat(bom, "a,b\n", bom, "x,1\n2,3\n");
  auto table = ParseCsvTable(text, "f.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_THAT(table->rows[0].fields, ElementsAre(bom + "x", "1"));

  std::istringstream in(text);
  CsvStreamReader reader(&in, "f.csv");
  ASSERT_TRUE(reader.ReadHeader().ok()) << reader.status();
  EXPECT_EQ(reader.header(), table->header);
  CsvRecord record;
  for (const CsvRecord& row : table->rows) {
    ASSERT_TRUE(reader.Next(&record)) << reader.status();
    EXPECT_EQ(record.line, row.line);
    EXPECT_EQ(record.fields, row.fields);
  }
  EXPECT_FALSE(reader.Next(&record));
  EXPECT_TRUE(reader.status().ok()) << reader.status();
}

TEST(CsvColumns, MapsKnownColumnsInAnyOrder) {
  auto columns =
      CsvColumns::Map({"track", "person_id"}, {"person_id", "track", "role"},
                      {"person_id"}, "f.csv");
  ASSERT_TRUE(columns.ok()) << columns.status();
  EXPECT_EQ(columns->Index("person_id"), 2);
  EXPECT_EQ(columns->Index("track"), 1);
  EXPECT_EQ(columns->Index("role"), 0);
  CsvRecord record{2, {"hbo", "p-1"}};
  EXPECT_EQ(columns->Get(record, "person_id"), "p-1");
  EXPECT_EQ(columns->Get(record, "role"), "");
}

TEST(CsvColumns, UnknownDuplicateAndMissingColumns) {
  auto unknown = CsvColumns::Map({"person_id", "trak"}, {"person_id", "track"},
                                 {}, "f.csv");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "f.csv:1:trak: unknown column (column 2); the columns are "
            "person_id,track");
  auto twice = CsvColumns::Map({"person_id", "track", "track"},
                               {"person_id", "track"}, {}, "f.csv");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(),
            "f.csv:1:track: the column appears twice, also as column 2 "
            "(column 3)");
  auto missing = CsvColumns::Map({"person_id"}, {"person_id", "track"},
                                 {"person_id", "track"}, "f.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "f.csv:1: the header lacks the required column track");
  auto unnamed = CsvColumns::Map({"person_id", ""}, {"person_id"}, {}, "f.csv");
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.status().message(), "f.csv:1: column 2 has no name");
}

// ---------------------------------------------------------------------------
// Writing.

TEST(IsPlainNumber, SignsFractionsExponents) {
  for (const char* yes : {"0", "-1", "+1", "2.5", "-0.25", ".5", "5.", "1e5",
                          "-1E-3", "+2.5e+10"}) {
    EXPECT_TRUE(IsPlainNumber(yes)) << yes;
  }
  for (const char* no : {"", "-", "+", ".", "1e", "--1", "-1+2", "1,5", " 1",
                         "0x10", "-inf", "=1", "1-1"}) {
    EXPECT_FALSE(IsPlainNumber(no)) << no;
  }
}

TEST(CsvCell, QuotesWhatNeedsQuoting) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("Jansen, Jan"), "\"Jansen, Jan\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvCell("Zoë"), "Zoë");
}

TEST(CsvCell, EscapesFormulasButNotNumbers) {
  EXPECT_EQ(CsvCell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
  EXPECT_EQ(CsvCell("=1+1"), "'=1+1");
  EXPECT_EQ(CsvCell("+1"), "+1");
  EXPECT_EQ(CsvCell("-1.5"), "-1.5");
  EXPECT_EQ(CsvCell("-x"), "'-x");
  EXPECT_EQ(CsvCell("+31 6 1234"), "'+31 6 1234");
  EXPECT_EQ(CsvCell("@x"), "'@x");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
  EXPECT_EQ(CsvCell("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvCell("a=b"), "a=b");  // only the first character counts
}

TEST(CsvLine, JoinsWithCommasAndEndsWithCrLf) {
  EXPECT_EQ(CsvLine({"a", "b,c", ""}), "a,\"b,c\",\r\n");
  EXPECT_EQ(CsvLine({}), "\r\n");
}

TEST(Csv, RoundTrip) {
  const std::vector<std::vector<std::string>> rows = {
      {"id", "text", "empty"},
      {"1", "Jansen, \"Jan\"", ""},
      {"2", "two\r\nlines\nand one", " spaced "},
      {"3", "Zoë €", "-2.5"}};
  std::string text;
  for (const auto& row : rows) text += CsvLine(row);
  auto records = ParseCsv(text, "round.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(Fields(*records), rows);
  EXPECT_THAT(Lines(*records), ElementsAre(1, 2, 3, 6));
}

// ---------------------------------------------------------------------------
// People rows.

constexpr char kPeopleHeader[] =
    "person_id,display_name,track,target_stage,teams,role,languages,region,"
    "mentoring_capacity,caseload_capacity,current_caseload\n";

TEST(ParsePeopleCsv, BuildsProfiles) {
  auto people = ParsePeopleCsv(
      absl::StrCat(kPeopleHeader,
                   "p-1,\"Jansen, Jan\",hbo,startbekwaam, noord ; zuid ;,"
                   "budgetcoach,nl;en,Utrecht,2,10,3\n"
                   "p-2,,mbo,,,,,,,,\n"),
      "people.csv");
  ASSERT_TRUE(people.ok()) << people.status();
  EXPECT_TRUE(people->errors.empty()) << Messages(people->errors)[0];
  ASSERT_EQ(people->rows.size(), 2u);
  const PersonRow& p1 = people->rows[0];
  EXPECT_EQ(p1.line, 2);
  EXPECT_EQ(p1.id, "p-1");
  EXPECT_EQ(p1.profile.display_name(), "Jansen, Jan");
  EXPECT_EQ(p1.profile.track(), "hbo");
  EXPECT_EQ(p1.profile.target_stage(), "startbekwaam");
  EXPECT_THAT(p1.profile.teams(), ElementsAre("noord", "zuid"));
  EXPECT_THAT(p1.profile.languages(), ElementsAre("nl", "en"));
  EXPECT_EQ(p1.profile.role(), "budgetcoach");
  EXPECT_EQ(p1.profile.region(), "Utrecht");
  EXPECT_EQ(p1.profile.mentoring_capacity(), 2);
  EXPECT_EQ(p1.profile.caseload_capacity(), 10);
  EXPECT_EQ(p1.profile.current_caseload(), 3);
  EXPECT_EQ(people->rows[1].profile.mentoring_capacity(), 0);
  EXPECT_TRUE(people->rows[1].profile.teams().empty());
}

TEST(ParsePeopleCsv, OnlyTheRequiredColumns) {
  auto people = ParsePeopleCsv("track,person_id\r\nhbo,p-1\r\n", "people.csv");
  ASSERT_TRUE(people.ok()) << people.status();
  ASSERT_EQ(people->rows.size(), 1u);
  EXPECT_EQ(people->rows[0].id, "p-1");
  EXPECT_FALSE(ParsePeopleCsv("person_id\np-1\n", "people.csv").ok());
}

TEST(ParsePeopleCsv, RowErrorsNameFileLineAndColumn) {
  auto people = ParsePeopleCsv(
      "person_id,track,mentoring_capacity,teams,display_name\n"
      "p-1,hbo,1,,\n"                 // line 2: fine
      "p-2,hbo,2,,\n"                 // line 3: fine
      "p-3,hbo,x,,\n"                 // line 4: not a number
      "p-1,mbo,0,,\n"                 // line 5: id repeats
      "p 6,,-1,a;a,\"two\nlines\"\n"  // line 6: everything wrong
      "-p,hbo,10001,,\n",             // line 8
      "people.csv");
  ASSERT_TRUE(people.ok()) << people.status();
  ASSERT_EQ(people->rows.size(), 2u);
  EXPECT_THAT(
      Messages(people->errors),
      ElementsAre(
          "people.csv:4:mentoring_capacity: \"x\" is not a whole number "
          "(column 3)",
          "people.csv:5:person_id: \"p-1\" is already on line 2 (column 1)",
          "people.csv:6:person_id: \"p 6\" has a character outside A-Z a-z "
          "0-9 . _ - (column 1)",
          "people.csv:6:track: is required (column 2)",
          "people.csv:6:display_name: contains a line break (column 5)",
          "people.csv:6:teams: \"a\" is listed twice (column 4)",
          "people.csv:6:mentoring_capacity: must lie in 0..10000, got -1 "
          "(column 3)",
          "people.csv:8:person_id: \"-p\" must not start with '.' or '-' "
          "(column 1)",
          "people.csv:8:mentoring_capacity: must lie in 0..10000, got 10001 "
          "(column 3)"));
  EXPECT_EQ(people->errors[0].line, 4);
}

// ---------------------------------------------------------------------------
// Assessment rows.

constexpr char kAssessmentHeader[] =
    "person_id,assessment_id,assess_time,rater_role,rater,indicator,level,"
    "evidence\n";

absl::Time Now() { return absl::FromUnixSeconds(1767225600); }  // 2026-01-01

TEST(ParseAssessmentsCsv, GroupsRowsIntoAssessments) {
  auto file = ParseAssessmentsCsv(
      absl::StrCat(kAssessmentHeader,
                   "p-1,a1,2024-03-01T09:00:00Z,manager,m-1,hbo-1.1-1,1,\n"
                   "p-2,a1,,SELF,,hbo-1.1-1,3,\"zegt \"\"goed\"\"\n"
                   "en meer\"\n"
                   "p-1,a1,2024-03-01T09:00:00Z,manager,m-1,hbo-1.1-2,2,x\n"),
      "a.csv", Now());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->errors.empty()) << Messages(file->errors)[0];
  ASSERT_EQ(file->groups.size(), 2u);
  const AssessmentGroup& a = file->groups[0];
  EXPECT_EQ(a.person_id, "p-1");
  EXPECT_EQ(a.assessment_id, "a1");
  EXPECT_EQ(a.line, 2);
  EXPECT_EQ(a.assessment.rater_role(), v1::MANAGER);
  EXPECT_EQ(a.assessment.rater(), "m-1");
  EXPECT_EQ(a.assessment.assess_time().seconds(), 1709283600);
  ASSERT_EQ(a.assessment.ratings_size(), 2);
  EXPECT_EQ(a.assessment.ratings(1).indicator(), "hbo-1.1-2");
  EXPECT_EQ(a.assessment.ratings(1).level(), 2);
  EXPECT_EQ(a.assessment.ratings(1).evidence(), "x");
  EXPECT_THAT(a.rating_lines, ElementsAre(2, 5));
  const AssessmentGroup& b = file->groups[1];
  EXPECT_EQ(b.assessment.rater_role(), v1::SELF);
  EXPECT_FALSE(b.assessment.has_assess_time());
  EXPECT_EQ(b.assessment.ratings(0).evidence(), "zegt \"goed\"\nen meer");
}

TEST(ParseAssessmentsCsv, RowErrorsNameFileLineAndColumn) {
  auto file = ParseAssessmentsCsv(
      absl::StrCat(
          kAssessmentHeader,
          "p-1,a1,2024-03-01T09:00:00Z,manager,m-1,hbo-1.1-1,1,\n"  // 2
          "p-1,a1,2024-03-02T09:00:00Z,manager,m-1,hbo-1.1-2,1,\n"  // 3
          "p-1,a1,2024-03-01T09:00:00Z,manager,m-1,hbo-1.1-1,2,\n"  // 4
          "p-2,a2,1 maart,boss,,hbo-1.1-1,two,\n"                   // 5
          "p-2,a3,2030-01-01T00:00:00Z,peer,,,3,\n"                 // 6
          "p-3,a4,,self,,hbo-1.1-1,2,ok\n"),                        // 7
      "a.csv", Now());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(
      Messages(file->errors),
      ElementsAre(
          "a.csv:3:assess_time: \"2024-03-02T09:00:00Z\" differs from "
          "\"2024-03-01T09:00:00Z\" on line 2, the first row of assessment "
          "a1 of p-1 (column 3)",
          "a.csv:4:indicator: \"hbo-1.1-1\" is rated twice in assessment a1 "
          "of p-1, also on line 2 (column 6)",
          "a.csv:5:assess_time: \"1 maart\" is not an RFC 3339 time such as "
          "2024-03-01T09:30:00Z (column 3)",
          "a.csv:5:rater_role: \"boss\" is not self, peer, manager or "
          "assessor (column 4)",
          "a.csv:5:level: \"two\" is not a whole number (column 7)",
          "a.csv:6:assess_time: \"2030-01-01T00:00:00Z\" lies in the future "
          "(column 3)",
          "a.csv:6:rater: is required for rater_role peer (column 5)",
          "a.csv:6:indicator: is required (column 6)"));
  // Only p-3's assessment is valid; a1 of p-1 is spoilt by lines 3 and 4.
  ASSERT_EQ(file->groups.size(), 4u);
  EXPECT_FALSE(file->groups[0].valid);
  EXPECT_FALSE(file->groups[1].valid);
  EXPECT_FALSE(file->groups[2].valid);
  EXPECT_TRUE(file->groups[3].valid);
}

TEST(ParseAssessmentsCsv, RaterColumnMissing) {
  auto file = ParseAssessmentsCsv(
      "person_id,assessment_id,rater_role,indicator,level\n"
      "p-1,a1,assessor,hbo-1.1-1,2\n"
      "p-1,a2,self,hbo-1.1-1,2\n",
      "a.csv", Now());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(Messages(file->errors),
              ElementsAre("a.csv:2:rater: is required for rater_role "
                          "assessor (the file has no such column)"));
}

v1::Framework MiniFramework() {
  v1::Framework fw;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "frameworks/mini"
        id: "mini"
        scale {
          levels { level: 0 }
          levels { level: 1 }
          levels { level: 2 }
          levels { level: 3 }
        }
        clusters {
          code: "1"
          competencies {
            code: "1.1"
            indicators { id: "hbo-1.1-1" track: "hbo" }
            indicators { id: "hbo-1.1-2" track: "hbo" }
            indicators { id: "mbo-1.1-1" track: "mbo" }
          }
        }
      )pb",
      &fw));
  return fw;
}

TEST(FrameworkCheck, UnknownOtherTrackAndOffScale) {
  auto file = ParseAssessmentsCsv(
      absl::StrCat(kAssessmentHeader,
                   "p-1,a1,,self,,hbo-1.1-1,3,\n"     // 2: fine
                   "p-1,a1,,self,,hbo-1.1-2,4,\n"     // 3: off the scale
                   "p-1,a1,,self,,mbo-1.1-1,1,\n"     // 4: other track
                   "p-1,a1,,self,,hbo-9.9-9,-1,\n"),  // 5: unknown, off scale
      "a.csv", Now());
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->errors.empty());
  std::vector<LineError> errors;
  FrameworkCheck check(MiniFramework());
  EXPECT_FALSE(check.CheckRatings(file->groups[0], "hbo", file->columns,
                                  "a.csv", &errors));
  EXPECT_THAT(
      Messages(errors),
      ElementsAre(
          "a.csv:3:level: 4 is outside the scale 0..3 of frameworks/mini "
          "(column 7)",
          "a.csv:4:indicator: \"mbo-1.1-1\" belongs to track mbo, but p-1 is "
          "on track hbo (column 6)",
          "a.csv:5:indicator: unknown indicator \"hbo-9.9-9\" in "
          "frameworks/mini (column 6)",
          "a.csv:5:level: -1 is outside the scale 0..3 of frameworks/mini "
          "(column 7)"));
  errors.clear();
  auto good = ParseAssessmentsCsv(
      absl::StrCat(kAssessmentHeader, "p-1,a1,,self,,mbo-1.1-1,3,\n"), "a.csv",
      Now());
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(check.CheckRatings(good->groups[0], "mbo", good->columns, "a.csv",
                                 &errors));
  EXPECT_TRUE(errors.empty());
}

TEST(FormatErrors, SortsByLineAndCuts) {
  std::vector<LineError> errors = {
      {5, "f:5: e"}, {2, "f:2: a"}, {5, "f:5: f"}, {3, "f:3: b"}};
  EXPECT_EQ(FormatErrors(errors, 10), "f:2: a\nf:3: b\nf:5: e\nf:5: f\n");
  EXPECT_EQ(FormatErrors(errors, 2), "f:2: a\nf:3: b\n... and 2 more errors\n");
}

// ---------------------------------------------------------------------------
// Export rows.

TEST(FormatNumber, AtMostFourDecimals) {
  EXPECT_EQ(FormatNumber(2), "2");
  EXPECT_EQ(FormatNumber(2.5 / 1.5), "1.6667");
  EXPECT_EQ(FormatNumber(0.5), "0.5");
  EXPECT_EQ(FormatNumber(-0.00001), "0");
  EXPECT_EQ(FormatNumber(10), "10");
}

TEST(PeopleFileName, DotPeopleBeforeTheExtension) {
  EXPECT_EQ(PeopleFileName("team.csv"), "team.people.csv");
  EXPECT_EQ(PeopleFileName("out/team.v2.csv"), "out/team.v2.people.csv");
  EXPECT_EQ(PeopleFileName("out"), "out.people");
  EXPECT_EQ(PeopleFileName("a.dir/out"), "a.dir/out.people");
  EXPECT_EQ(PeopleFileName(".hidden"), ".hidden.people");
}

TEST(GapCsvRows, KnownAndUnknownIndicators) {
  v1::GapReport report;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        person: "organizations/acme/people/p-1"
        track: "hbo"
        target_stage: "vakvolwassen"
        indicators {
          indicator: "hbo-1.1-1"
          competency: "1.1"
          cluster: "1"
          target: 3
          known: true
          gap: 1.3333333
          current {
            level: 1.6666667
            rating_count: 2
            spread: 2
            disagreement: true
            blind_spot: true
          }
        }
        indicators {
          indicator: "hbo-1.1-2"
          competency: "1.1"
          cluster: "1"
          target: 3
        }
      )pb",
      &report));
  EXPECT_EQ(GapCsvHeader().size(), 14u);
  EXPECT_THAT(GapCsvRows(report),
              ElementsAre(ElementsAre("p-1", "hbo", "vakvolwassen", "hbo-1.1-1",
                                      "1.1", "1", "1.6667", "3", "1.3333",
                                      "true", "2", "2", "true", "true"),
                          ElementsAre("p-1", "hbo", "vakvolwassen", "hbo-1.1-2",
                                      "1.1", "1", "", "3", "", "false", "0", "",
                                      "false", "false")));
}

TEST(TeamCsv, DistributionColumnsAndPeople) {
  v1::TeamSummary summary;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        indicators {
          indicator: "hbo-1.1-1"
          competency: "1.1"
          cluster: "1"
          people: 3
          unknown: 1
          mean_gap: 1.5
          share_at_target: 0.5
          distribution: [ 0, 1, 0, 1 ]
          bus_factor: 1
        }
        indicators { indicator: "hbo-1.1-2" people: 3 unknown: 3 }
      )pb",
      &summary));
  EXPECT_THAT(
      TeamCsvHeader(4),
      ElementsAre("indicator", "competency", "cluster", "people", "unknown",
                  "mean_gap", "share_at_target", "bus_factor", "dist_0",
                  "dist_1", "dist_2", "dist_3", "dist_4"));
  EXPECT_THAT(TeamCsvRows(summary, 4),
              ElementsAre(ElementsAre("hbo-1.1-1", "1.1", "1", "3", "1", "1.5",
                                      "0.5", "1", "0", "1", "0", "1", "0"),
                          ElementsAre("hbo-1.1-2", "", "", "3", "3", "", "",
                                      "0", "0", "0", "0", "0", "0")));
  v1::PersonScore a, b;
  a.set_person("organizations/acme/people/p-1");
  a.set_display_name("=1+1");
  a.set_track("hbo");
  a.set_target_level(3);
  a.set_mean_gap(1);
  a.set_readiness(0.75);
  a.set_coverage(0.1);
  (*a.mutable_competency_gaps())["1.10"] = 2;
  (*a.mutable_competency_gaps())["1.2"] = 0.5;
  b.set_person("organizations/acme/people/p-2");
  (*b.mutable_competency_gaps())["1.2"] = 1;
  auto rows = TeamPeopleCsv({a, b});
  EXPECT_THAT(
      rows,
      ElementsAre(ElementsAre("person_id", "display_name", "track",
                              "target_level", "mean_gap", "readiness",
                              "coverage", "gap_1.2", "gap_1.10"),
                  ElementsAre("p-1", "=1+1", "hbo", "3", "1", "0.75", "0.1",
                              "0.5", "2"),
                  ElementsAre("p-2", "", "", "0", "0", "0", "0", "1", "")));
  // Escaped when written.
  EXPECT_EQ(CsvLine(rows[1]), "p-1,'=1+1,hbo,3,1,0.75,0.1,0.5,2\r\n");
}

// ---------------------------------------------------------------------------
// Progress.

TEST(FormatProgressLine, BarCountsUnitAndPercent) {
  EXPECT_EQ(FormatProgressLine(123, 456, "people", 10),
            "[##........] 123/456 people 26%");
  EXPECT_EQ(FormatProgressLine(0, 4, "people", 4), "[....] 0/4 people 0%");
  EXPECT_EQ(FormatProgressLine(2, 4, "assessments", 4),
            "[##..] 2/4 assessments 50%");
  EXPECT_EQ(FormatProgressLine(4, 4, "people", 4), "[####] 4/4 people 100%");
  // Never 100% before the end.
  EXPECT_EQ(FormatProgressLine(999, 1000, "x", 10),
            "[#########.] 999/1000 x 99%");
  EXPECT_EQ(FormatProgressLine(7, 4, "people", 4), "[####] 4/4 people 100%");
  EXPECT_EQ(FormatProgressLine(0, 0, "people", 3), "[###] 0/0 people 100%");
}

TEST(ProgressBar, RedrawsAtMostEveryHundredMillisecondsAndEndsTheLine) {
  std::ostringstream out;
  absl::Time now = absl::UnixEpoch();
  {
    ProgressBar bar(
        100, "people", true, &out, [&] { return now; }, 4);
    for (int done = 1; done <= 100; ++done) {
      now += absl::Milliseconds(10);  // 1 s in all
      bar.Update(done);
    }
    // The first update, then every 100 ms (10), the last one; the final
    // draw of Finish.
    EXPECT_LE(bar.redraws(), 12);
    EXPECT_GE(bar.redraws(), 10);
    bar.Finish();
    bar.Finish();  // once
  }
  const std::string text = out.str();
  EXPECT_EQ(text.substr(0, 1), "\r");
  EXPECT_THAT(text, HasSubstr("\r[####] 100/100 people 100%\n"));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(ProgressBar, ClearBlanksTheLine) {
  std::ostringstream out;
  ProgressBar bar(
      2, "people", true, &out, [] { return absl::UnixEpoch(); }, 2);
  bar.Update(1);
  bar.Clear();
  EXPECT_EQ(out.str(), "\r[#.] 1/2 people 50%\r" + std::string(19, ' ') + "\r");
  bar.Update(1);  // drawn again at once after a Clear
  EXPECT_EQ(bar.redraws(), 2);
}

TEST(ProgressBar, DisabledWritesNothing) {
  std::ostringstream out;
  {
    ProgressBar bar(3, "people", false, &out);
    bar.Update(1);
    bar.Clear();
    bar.Update(3);
  }
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace vakwijzer::cli
