// Imports of people and assessments (CSV, JSON) and exports of gap reports
// and team scores (CSV, JSON) for the command-line client. The file layouts,
// the error format and the all-or-nothing rule are in docs/csv.md.
//
// The parsers and row builders are pure functions, tested on their own; the
// ImportExport class runs them against a server.
#ifndef VAKWIJZER_CLIENTS_CLI_IMPORT_EXPORT_H_
#define VAKWIJZER_CLIENTS_CLI_IMPORT_EXPORT_H_

#include <iosfwd>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cli/csv.h"
#include "grpcpp/grpcpp.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::cli {

// One problem in an input file, formatted "FILE:LINE:COLUMN: ... (column
// K)" or "FILE:LINE: ...".
struct LineError {
  int line = 0;
  std::string message;
};

// The columns of a people file, in the documented order; person_id and
// track are required.
const std::vector<std::string>& PeopleColumns();
// The columns of an assessments file; person_id, assessment_id,
// rater_role, indicator and level are required.
const std::vector<std::string>& AssessmentColumns();

// A valid row of a people file.
struct PersonRow {
  int line = 0;
  std::string id;
  vakwijzer::v1::Profile profile;
};

struct PeopleCsv {
  CsvColumns columns;
  std::vector<PersonRow> rows;    // the valid rows, in file order
  std::vector<LineError> errors;  // problems of the other rows, by line
};

// Parses and checks a people file: ids, whole numbers, list entries, text
// lengths and control characters, ids that repeat within the file. Whatever
// needs the server (tracks, stages, ids that already exist) is not checked.
// A file that cannot be read as a table (see ParseCsvTable, CsvColumns::Map)
// is an error; problems of single rows are in `errors`.
absl::StatusOr<PeopleCsv> ParsePeopleCsv(absl::string_view text,
                                         absl::string_view file);

// The rows of one assessment: same person_id and assessment_id.
struct AssessmentGroup {
  int line = 0;  // the first row
  std::string person_id;
  std::string assessment_id;
  vakwijzer::v1::Assessment assessment;
  std::vector<int> rating_lines;  // the row of each rating
  bool valid = true;              // false: some row has an error
};

struct AssessmentsCsv {
  CsvColumns columns;
  std::vector<AssessmentGroup> groups;  // in order of first row
  std::vector<LineError> errors;
};

// Parses and checks an assessments file: ids, rater roles, RFC 3339 times
// not after `now`, whole-number levels, evidence; rows of one assessment
// must agree on assess_time, rater_role and rater and rate an indicator
// once. Indicators and levels are checked against a framework separately
// (CheckRatings).
absl::StatusOr<AssessmentsCsv> ParseAssessmentsCsv(absl::string_view text,
                                                   absl::string_view file,
                                                   absl::Time now);

// What an assessment file is checked against: the indicators of a
// framework and its scale.
class FrameworkCheck {
 public:
  explicit FrameworkCheck(const vakwijzer::v1::Framework& framework);

  // Appends an error for each rating of `group` whose indicator is unknown
  // or of a track other than `track`, or whose level is off the scale.
  // Returns whether there was none.
  bool CheckRatings(const AssessmentGroup& group, absl::string_view track,
                    const CsvColumns& columns, absl::string_view file,
                    std::vector<LineError>* errors) const;
  // The same for one rating, on `line`, of person `person_id`.
  bool CheckRating(const vakwijzer::v1::Rating& rating, int line,
                   absl::string_view track, absl::string_view person_id,
                   const CsvColumns& columns, absl::string_view file,
                   std::vector<LineError>* errors) const;

 private:
  std::string name_;
  std::map<std::string, std::string> track_of_;  // indicator -> track
  int min_level_ = 0;
  int max_level_ = 0;
};

// Errors sorted by line (stable), one per line of text, at most
// `max_shown` and then "... and N more".
std::string FormatErrors(std::vector<LineError> errors, size_t max_shown);

// A number as exported: at most 4 decimals, no trailing zeros ("2",
// "1.6667", "0.5").
std::string FormatNumber(double value);

// The export file of team people rows: ".people" before the extension of
// the last path component ("team.csv" -> "team.people.csv", "out" ->
// "out.people").
std::string PeopleFileName(absl::string_view out);

// CSV of gap reports: the header, and a row per indicator of a report.
std::vector<std::string> GapCsvHeader();
std::vector<std::vector<std::string>> GapCsvRows(
    const vakwijzer::v1::GapReport& report);

// CSV of a team summary: a row per indicator with the distribution over
// levels 0..max_level.
std::vector<std::string> TeamCsvHeader(int max_level);
std::vector<std::vector<std::string>> TeamCsvRows(
    const vakwijzer::v1::TeamSummary& summary, int max_level);
// CSV of team members: competency gap columns for every code in `people`.
std::vector<std::vector<std::string>> TeamPeopleCsv(
    const std::vector<vakwijzer::v1::PersonScore>& people);

// The name of a gRPC status code: "NOT_FOUND", "UNAUTHENTICATED", ...
std::string CodeName(grpc::StatusCode code);

// How the commands run.
struct CommandOptions {
  double timeout_seconds = 30;
  bool partial = false;        // import what is valid, report the rest
  bool dry_run = false;        // check only, write nothing
  bool progress = false;       // draw a progress bar on stderr
  std::string format = "csv";  // exports: csv or json
  std::string out;             // exports: file, "" for stdout
  bool people = false;         // export team without --out: people rows
  vakwijzer::v1::AggregationPolicy policy =
      vakwijzer::v1::AGGREGATION_POLICY_UNSPECIFIED;
  double half_life_days = 0;
};

// The import and export commands. Each returns the exit status: 0 done; 1
// the file has errors or the server rejected some rows (each reported on
// `err` as FILE:LINE:...); 2 the file cannot be read or written; 10 + the
// gRPC code when a call failed for another reason than the data (e.g.
// UNAVAILABLE).
class ImportExport {
 public:
  ImportExport(std::shared_ptr<grpc::Channel> channel, CommandOptions options,
               std::ostream* out, std::ostream* err);

  // People from CSV, read twice as a stream (check, then send in batches
  // over one ProfileService.ImportRecords stream), so memory does not grow
  // with the rows' content (only an id and line per person are kept). All
  // or nothing unless partial: when the server rejects one, its batch is
  // not written and profiles of earlier batches are deleted again.
  int ImportPeople(const std::string& org, const std::string& file);
  // Assessments from CSV, likewise in two passes: every row is checked
  // against each person's framework before anything is written (keeping a
  // small summary per assessment, not its ratings), then the assessments
  // go in batches over one ImportRecords stream; assessment ids make a
  // re-run skip what is there.
  int ImportAssessments(const std::string& org, const std::string& file);
  // An ImportBundle in JSON: people with their assessments; all or nothing
  // unless partial (then per person).
  int ImportJson(const std::string& org, const std::string& file);
  // Gap reports of `people` (every person of the organisation when empty).
  int ExportGaps(const std::string& org, std::vector<std::string> people);
  // Team scores of a selector.
  int ExportTeam(const vakwijzer::v1::TeamSelector& selector);

 private:
  std::unique_ptr<grpc::ClientContext> Context() const;
  // Reads `path` into `text`; reports and returns false when it cannot.
  bool ReadInput(const std::string& path, std::string* text);
  // Writes `text` to `path`; reports and returns false when it cannot.
  bool WriteOutput(const std::string& path, const std::string& text);
  // The person ids of `org`.
  grpc::Status ExistingIds(const std::string& org, std::set<std::string>* ids);
  // Reports a failed call and returns its exit status.
  int CallFailed(const grpc::Status& status, absl::string_view what);
  // Deletes the profiles (name, etag) created by this run, newest first;
  // reports and returns false when some could not be deleted.
  bool RollBack(const std::vector<std::pair<std::string, std::string>>& made);

  std::unique_ptr<vakwijzer::v1::FrameworkService::Stub> frameworks_;
  std::unique_ptr<vakwijzer::v1::ProfileService::Stub> profiles_;
  std::unique_ptr<vakwijzer::v1::TeamService::Stub> team_;
  CommandOptions options_;
  std::ostream* out_;
  std::ostream* err_;
};

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_IMPORT_EXPORT_H_
