#include "clients/cli/import_export.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/progress.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "vakwijzer/v1/import.pb.h"

namespace vakwijzer::cli {

namespace v1 = vakwijzer::v1;

namespace {

// The server's limits (services/core/profile_manager.cc, field_checks.h),
// checked here so that a file fails before anything is written.
constexpr size_t kMaxIdLength = 63;
constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxText = 100;
constexpr size_t kMaxLanguage = 35;
constexpr size_t kMaxListSize = 50;
constexpr int kMaxCapacity = 10000;
constexpr size_t kMaxEvidence = 2000;
// A batch of ImportRecords: at most this many records (the server takes
// 1,000) and, once past this many bytes, sent (the server takes 16 MiB).
constexpr int kImportBatchRecords = 500;
constexpr size_t kImportBatchBytes = 2 << 20;

std::string PersonName(absl::string_view org, absl::string_view person) {
  return absl::StrCat("organizations/", org, "/people/", person);
}

absl::string_view LastSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

// "" when `id` is a valid id ([A-Za-z0-9._-], 1..63, not starting with '.'
// or '-', as common/names.h), else the problem.
std::string IdProblem(absl::string_view id) {
  if (id.empty()) return "is required";
  if (id.size() > kMaxIdLength) {
    return absl::StrCat("\"", id, "\" is longer than ", kMaxIdLength,
                        " characters");
  }
  if (id[0] == '.' || id[0] == '-') {
    return absl::StrCat("\"", id, "\" must not start with '.' or '-'");
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return absl::StrCat("\"", id,
                          "\" has a character outside A-Z a-z 0-9 . _ -");
    }
  }
  return "";
}

// "" when `value` is at most `max` bytes without control characters
// (line breaks and tabs allowed when `multiline`), else the problem.
std::string TextProblem(absl::string_view value, size_t max,
                        bool multiline = false) {
  if (value.size() > max) {
    return absl::StrCat("longer than ", max, " bytes (", value.size(), ")");
  }
  for (unsigned char c : value) {
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c == '\n' || c == '\r') return "contains a line break";
    if (c < 0x20 || c == 0x7f) return "contains a control character";
  }
  return "";
}

// A ';'-separated list: entries trimmed, empty ones dropped.
std::vector<std::string> SplitList(absl::string_view value) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(value, ';')) {
    part = TrimBlanks(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// "" or the problem of a ';'-separated list.
std::string ListProblem(const std::vector<std::string>& entries, size_t max) {
  if (entries.size() > kMaxListSize) {
    return absl::StrCat("more than ", kMaxListSize, " entries");
  }
  std::set<std::string> seen;
  for (const std::string& e : entries) {
    if (std::string p = TextProblem(e, max); !p.empty()) {
      return absl::StrCat("\"", e, "\": ", p);
    }
    if (!seen.insert(e).second) {
      return absl::StrCat("\"", e, "\" is listed twice");
    }
  }
  return "";
}

// Parses a capacity ("" is 0) into `out`; "" or the problem.
std::string CountProblem(absl::string_view value, int* out) {
  *out = 0;
  if (value.empty()) return "";
  if (!absl::SimpleAtoi(value, out)) {
    return absl::StrCat("\"", value, "\" is not a whole number");
  }
  if (*out < 0 || *out > kMaxCapacity) {
    return absl::StrCat("must lie in 0..", kMaxCapacity, ", got ", *out);
  }
  return "";
}

bool ParseRaterRole(absl::string_view text, v1::RaterRole* role) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "self") {
    *role = v1::SELF;
  } else if (lower == "peer") {
    *role = v1::PEER;
  } else if (lower == "manager") {
    *role = v1::MANAGER;
  } else if (lower == "assessor") {
    *role = v1::ASSESSOR;
  } else {
    return false;
  }
  return true;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Collects the cell errors of one row.
class RowErrors {
 public:
  RowErrors(absl::string_view file, const CsvColumns& columns, int line)
      : file_(file), columns_(columns), line_(line) {}

  void Add(absl::string_view column, absl::string_view problem) {
    if (problem.empty()) return;
    errors_.push_back({line_, CellError(file_, line_, column,
                                        columns_.Index(column), problem)});
  }
  bool empty() const { return errors_.empty(); }
  void MoveTo(std::vector<LineError>* out) {
    for (LineError& e : errors_) out->push_back(std::move(e));
    errors_.clear();
  }

 private:
  absl::string_view file_;
  const CsvColumns& columns_;
  int line_;
  std::vector<LineError> errors_;
};

// The cells of one row of an assessments file, each checked on its own.
struct AssessmentCells {
  std::string person, id, time_text, role_text, rater, indicator, evidence;
  google::protobuf::Timestamp time;
  v1::RaterRole role = v1::RATER_ROLE_UNSPECIFIED;
  int level = 0;
};

AssessmentCells CheckAssessmentCells(const CsvRecord& record,
                                     const CsvColumns& columns, absl::Time now,
                                     RowErrors* errors_out) {
  RowErrors& errors = *errors_out;
  auto cell = [&](absl::string_view column) {
    return std::string(TrimBlanks(columns.Get(record, column)));
  };
  AssessmentCells c;
  c.person = cell("person_id");
  c.id = cell("assessment_id");
  errors.Add("person_id", IdProblem(c.person));
  errors.Add("assessment_id", IdProblem(c.id));
  c.time_text = cell("assess_time");
  if (!c.time_text.empty()) {
    if (!google::protobuf::util::TimeUtil::FromString(c.time_text, &c.time)) {
      errors.Add("assess_time",
                 absl::StrCat("\"", c.time_text,
                              "\" is not an RFC 3339 time such as "
                              "2024-03-01T09:30:00Z"));
    } else if (FromProto(c.time) > now) {
      errors.Add("assess_time",
                 absl::StrCat("\"", c.time_text, "\" lies in the future"));
    }
  }
  c.role_text = absl::AsciiStrToLower(cell("rater_role"));
  if (c.role_text.empty()) {
    errors.Add("rater_role", "is required (self, peer, manager or assessor)");
  } else if (!ParseRaterRole(c.role_text, &c.role)) {
    errors.Add("rater_role",
               absl::StrCat("\"", c.role_text,
                            "\" is not self, peer, manager or assessor"));
  }
  c.rater = cell("rater");
  if (c.rater.empty()) {
    if (c.role != v1::SELF && c.role != v1::RATER_ROLE_UNSPECIFIED) {
      errors.Add("rater",
                 absl::StrCat("is required for rater_role ", c.role_text));
    }
  } else {
    errors.Add("rater", IdProblem(c.rater));
  }
  c.indicator = cell("indicator");
  errors.Add("indicator", c.indicator.empty()
                              ? "is required"
                              : TextProblem(c.indicator, kMaxText));
  const std::string level_text = cell("level");
  if (level_text.empty()) {
    errors.Add("level", "is required");
  } else if (!absl::SimpleAtoi(level_text, &c.level)) {
    errors.Add("level",
               absl::StrCat("\"", level_text, "\" is not a whole number"));
  }
  // Not trimmed: the evidence is the rater's text.
  c.evidence = columns.Get(record, "evidence");
  errors.Add("evidence", TextProblem(c.evidence, kMaxEvidence, true));
  return c;
}

// A row of a people file, its cells checked on their own and its id
// against the ids before it (`first_line`: id -> line, updated).
PersonRow CheckPersonRow(const CsvRecord& record, const CsvColumns& columns,
                         std::map<std::string, int>* first_line_out,
                         RowErrors* errors_out) {
  RowErrors& errors = *errors_out;
  std::map<std::string, int>& first_line = *first_line_out;
  auto cell = [&](absl::string_view column) {
    return std::string(TrimBlanks(columns.Get(record, column)));
  };
  PersonRow row;
  row.line = record.line;
  row.id = cell("person_id");
  if (std::string p = IdProblem(row.id); !p.empty()) {
    errors.Add("person_id", p);
  } else if (auto [it, added] = first_line.emplace(row.id, record.line);
             !added) {
    errors.Add("person_id", absl::StrCat("\"", row.id, "\" is already on line ",
                                         it->second));
  }
  v1::Profile& p = row.profile;
  p.set_track(cell("track"));
  errors.Add("track", p.track().empty() ? "is required"
                                        : TextProblem(p.track(), kMaxText));
  p.set_display_name(cell("display_name"));
  errors.Add("display_name", TextProblem(p.display_name(), kMaxDisplayName));
  p.set_target_stage(cell("target_stage"));
  errors.Add("target_stage", TextProblem(p.target_stage(), kMaxText));
  p.set_role(cell("role"));
  errors.Add("role", TextProblem(p.role(), kMaxText));
  p.set_region(cell("region"));
  errors.Add("region", TextProblem(p.region(), kMaxText));
  std::vector<std::string> teams = SplitList(cell("teams"));
  errors.Add("teams", ListProblem(teams, kMaxText));
  for (std::string& t : teams) p.add_teams(std::move(t));
  std::vector<std::string> languages = SplitList(cell("languages"));
  errors.Add("languages", ListProblem(languages, kMaxLanguage));
  for (std::string& l : languages) p.add_languages(std::move(l));
  int count = 0;
  errors.Add("mentoring_capacity",
             CountProblem(cell("mentoring_capacity"), &count));
  p.set_mentoring_capacity(count);
  errors.Add("caseload_capacity",
             CountProblem(cell("caseload_capacity"), &count));
  p.set_caseload_capacity(count);
  errors.Add("current_caseload",
             CountProblem(cell("current_caseload"), &count));
  p.set_current_caseload(count);
  return row;
}

// Codes that mean "this row's data is wrong", as opposed to a failing
// server or network.
bool IsDataError(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::ALREADY_EXISTS ||
         code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::FAILED_PRECONDITION ||
         code == grpc::StatusCode::OUT_OF_RANGE;
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_message(), " (",
                      CodeName(status.error_code()), ")");
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

// "1 error", "2 errors".
std::string Count(size_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string JsonArray(const std::vector<std::string>& items) {
  if (items.empty()) return "[]\n";
  return absl::StrCat("[\n", absl::StrJoin(items, ",\n"), "\n]\n");
}

// Orders competency codes "1.2" < "1.10" < "2.1".
bool CodeLess(const std::string& a, const std::string& b) {
  std::vector<absl::string_view> pa = absl::StrSplit(a, '.');
  std::vector<absl::string_view> pb = absl::StrSplit(b, '.');
  for (size_t k = 0; k < pa.size() && k < pb.size(); ++k) {
    int na, nb;
    if (absl::SimpleAtoi(pa[k], &na) && absl::SimpleAtoi(pb[k], &nb)) {
      if (na != nb) return na < nb;
    } else if (pa[k] != pb[k]) {
      return pa[k] < pb[k];
    }
  }
  return pa.size() < pb.size();
}

}  // namespace

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int c = static_cast<int>(code);
  return c >= 0 && c < static_cast<int>(std::size(kNames))
             ? kNames[c]
             : absl::StrCat("code ", c);
}

const std::vector<std::string>& PeopleColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "person_id",         "display_name",    "track",
      "target_stage",      "teams",           "role",
      "languages",         "region",          "mentoring_capacity",
      "caseload_capacity", "current_caseload"};
  return *kColumns;
}

const std::vector<std::string>& AssessmentColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "person_id", "assessment_id", "assess_time", "rater_role",
      "rater",     "indicator",     "level",       "evidence"};
  return *kColumns;
}

absl::StatusOr<PeopleCsv> ParsePeopleCsv(absl::string_view text,
                                         absl::string_view file) {
  absl::StatusOr<CsvTable> table = ParseCsvTable(text, file);
  if (!table.ok()) return table.status();
  absl::StatusOr<CsvColumns> columns = CsvColumns::Map(
      table->header, PeopleColumns(), {"person_id", "track"}, file);
  if (!columns.ok()) return columns.status();
  PeopleCsv result;
  result.columns = *columns;
  std::map<std::string, int> first_line;
  for (const CsvRecord& record : table->rows) {
    RowErrors errors(file, *columns, record.line);
    PersonRow row = CheckPersonRow(record, *columns, &first_line, &errors);
    if (errors.empty()) {
      result.rows.push_back(std::move(row));
    } else {
      errors.MoveTo(&result.errors);
    }
  }
  return result;
}

absl::StatusOr<AssessmentsCsv> ParseAssessmentsCsv(absl::string_view text,
                                                   absl::string_view file,
                                                   absl::Time now) {
  absl::StatusOr<CsvTable> table = ParseCsvTable(text, file);
  if (!table.ok()) return table.status();
  absl::StatusOr<CsvColumns> columns = CsvColumns::Map(
      table->header, AssessmentColumns(),
      {"person_id", "assessment_id", "rater_role", "indicator", "level"}, file);
  if (!columns.ok()) return columns.status();
  AssessmentsCsv result;
  result.columns = *columns;
  // What the rows of one assessment must agree on, as first given.
  struct Shared {
    std::string time, role, rater;
    std::map<std::string, int> indicator_line;
  };
  std::map<std::pair<std::string, std::string>, size_t> group_of;
  std::vector<Shared> shared;
  for (const CsvRecord& record : table->rows) {
    RowErrors errors(file, *columns, record.line);
    AssessmentCells c = CheckAssessmentCells(record, *columns, now, &errors);
    const std::string& person = c.person;
    const std::string& id = c.id;
    const std::string& time_text = c.time_text;
    const google::protobuf::Timestamp& time = c.time;
    const std::string& role_text = c.role_text;
    const v1::RaterRole role = c.role;
    const std::string& rater = c.rater;
    const std::string& indicator = c.indicator;
    const int level = c.level;
    const std::string& evidence = c.evidence;
    if (!IdProblem(person).empty() || !IdProblem(id).empty()) {
      errors.MoveTo(&result.errors);
      continue;  // belongs to no assessment
    }
    auto [it, added] =
        group_of.emplace(std::make_pair(person, id), result.groups.size());
    if (added) {
      AssessmentGroup group;
      group.line = record.line;
      group.person_id = person;
      group.assessment_id = id;
      if (!time_text.empty()) *group.assessment.mutable_assess_time() = time;
      group.assessment.set_rater_role(role);
      group.assessment.set_rater(rater);
      result.groups.push_back(std::move(group));
      shared.push_back({time_text, role_text, rater, {}});
    }
    AssessmentGroup& group = result.groups[it->second];
    Shared& first = shared[it->second];
    auto agree = [&](absl::string_view column, const std::string& value,
                     const std::string& first_value) {
      if (value == first_value) return;
      errors.Add(column, absl::StrCat("\"", value, "\" differs from \"",
                                      first_value, "\" on line ", group.line,
                                      ", the first row of assessment ", id,
                                      " of ", person));
    };
    agree("assess_time", time_text, first.time);
    agree("rater_role", role_text, first.role);
    agree("rater", rater, first.rater);
    if (!indicator.empty()) {
      auto [at, fresh] = first.indicator_line.emplace(indicator, record.line);
      if (!fresh) {
        errors.Add(
            "indicator",
            absl::StrCat("\"", indicator, "\" is rated twice in assessment ",
                         id, " of ", person, ", also on line ", at->second));
      }
    }
    if (!errors.empty()) {
      group.valid = false;
      errors.MoveTo(&result.errors);
      continue;
    }
    v1::Rating* rating = group.assessment.add_ratings();
    rating->set_indicator(indicator);
    rating->set_level(level);
    rating->set_evidence(evidence);
    group.rating_lines.push_back(record.line);
  }
  return result;
}

FrameworkCheck::FrameworkCheck(const v1::Framework& framework)
    : name_(framework.name().empty()
                ? absl::StrCat("frameworks/", framework.id())
                : framework.name()) {
  for (const v1::Cluster& cluster : framework.clusters()) {
    for (const v1::Competency& competency : cluster.competencies()) {
      for (const v1::Indicator& indicator : competency.indicators()) {
        track_of_[indicator.id()] = indicator.track();
      }
    }
  }
  bool first = true;
  for (const v1::ScaleLevel& level : framework.scale().levels()) {
    min_level_ = first ? level.level() : std::min(min_level_, level.level());
    max_level_ = first ? level.level() : std::max(max_level_, level.level());
    first = false;
  }
}

bool FrameworkCheck::CheckRating(const v1::Rating& r, int line,
                                 absl::string_view track,
                                 absl::string_view person_id,
                                 const CsvColumns& columns,
                                 absl::string_view file,
                                 std::vector<LineError>* errors) const {
  bool ok = true;
  auto bad = [&](absl::string_view column, std::string problem) {
    errors->push_back(
        {line, CellError(file, line, column, columns.Index(column), problem)});
    ok = false;
  };
  auto it = track_of_.find(r.indicator());
  if (it == track_of_.end()) {
    bad("indicator",
        absl::StrCat("unknown indicator \"", r.indicator(), "\" in ", name_));
  } else if (it->second != track) {
    bad("indicator",
        absl::StrCat("\"", r.indicator(), "\" belongs to track ", it->second,
                     ", but ", person_id, " is on track ", track));
  }
  if (r.level() < min_level_ || r.level() > max_level_) {
    bad("level", absl::StrCat(r.level(), " is outside the scale ", min_level_,
                              "..", max_level_, " of ", name_));
  }
  return ok;
}

bool FrameworkCheck::CheckRatings(const AssessmentGroup& group,
                                  absl::string_view track,
                                  const CsvColumns& columns,
                                  absl::string_view file,
                                  std::vector<LineError>* errors) const {
  bool ok = true;
  for (int k = 0; k < group.assessment.ratings_size(); ++k) {
    ok &= CheckRating(group.assessment.ratings(k), group.rating_lines[k], track,
                      group.person_id, columns, file, errors);
  }
  return ok;
}

std::string FormatErrors(std::vector<LineError> errors, size_t max_shown) {
  std::stable_sort(
      errors.begin(), errors.end(),
      [](const LineError& a, const LineError& b) { return a.line < b.line; });
  std::string text;
  for (size_t k = 0; k < errors.size() && k < max_shown; ++k) {
    absl::StrAppend(&text, errors[k].message, "\n");
  }
  if (errors.size() > max_shown) {
    absl::StrAppend(&text, "... and ", errors.size() - max_shown,
                    " more errors\n");
  }
  return text;
}

std::string FormatNumber(double value) {
  std::string text = absl::StrFormat("%.4f", value);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string PeopleFileName(absl::string_view out) {
  const size_t slash = out.rfind('/');
  const size_t base = slash == absl::string_view::npos ? 0 : slash + 1;
  const size_t dot = out.rfind('.');
  if (dot == absl::string_view::npos || dot <= base) {
    return absl::StrCat(out, ".people");
  }
  return absl::StrCat(out.substr(0, dot), ".people", out.substr(dot));
}

std::vector<std::string> GapCsvHeader() {
  return {"person_id",    "track",  "target_stage", "indicator", "competency",
          "cluster",      "level",  "target",       "gap",       "known",
          "rating_count", "spread", "disagreement", "blind_spot"};
}

std::vector<std::vector<std::string>> GapCsvRows(const v1::GapReport& report) {
  std::vector<std::vector<std::string>> rows;
  const std::string person(LastSegment(report.person()));
  for (const v1::IndicatorGap& g : report.indicators()) {
    const v1::IndicatorLevel& c = g.current();
    rows.push_back(
        {person, report.track(), report.target_stage(), g.indicator(),
         g.competency(), g.cluster(), g.known() ? FormatNumber(c.level()) : "",
         absl::StrCat(g.target()), g.known() ? FormatNumber(g.gap()) : "",
         g.known() ? "true" : "false", absl::StrCat(c.rating_count()),
         g.known() ? FormatNumber(c.spread()) : "",
         c.disagreement() ? "true" : "false",
         c.blind_spot() ? "true" : "false"});
  }
  return rows;
}

std::vector<std::string> TeamCsvHeader(int max_level) {
  std::vector<std::string> header = {
      "indicator", "competency", "cluster",         "people",
      "unknown",   "mean_gap",   "share_at_target", "bus_factor"};
  for (int level = 0; level <= max_level; ++level) {
    header.push_back(absl::StrCat("dist_", level));
  }
  return header;
}

std::vector<std::vector<std::string>> TeamCsvRows(
    const v1::TeamSummary& summary, int max_level) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::IndicatorTeamScore& s : summary.indicators()) {
    const bool rated = s.people() > s.unknown();
    std::vector<std::string> row = {
        s.indicator(),
        s.competency(),
        s.cluster(),
        absl::StrCat(s.people()),
        absl::StrCat(s.unknown()),
        rated ? FormatNumber(s.mean_gap()) : "",
        rated ? FormatNumber(s.share_at_target()) : "",
        absl::StrCat(s.bus_factor())};
    for (int level = 0; level <= max_level; ++level) {
      row.push_back(absl::StrCat(
          level < s.distribution_size() ? s.distribution(level) : 0));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::vector<std::string>> TeamPeopleCsv(
    const std::vector<v1::PersonScore>& people) {
  std::set<std::string> codes_set;
  for (const v1::PersonScore& p : people) {
    for (const auto& [code, gap] : p.competency_gaps()) codes_set.insert(code);
  }
  std::vector<std::string> codes(codes_set.begin(), codes_set.end());
  std::sort(codes.begin(), codes.end(), CodeLess);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {
      "person_id", "display_name", "track",   "target_level",
      "mean_gap",  "readiness",    "coverage"};
  for (const std::string& code : codes) header.push_back("gap_" + code);
  rows.push_back(std::move(header));
  for (const v1::PersonScore& p : people) {
    std::vector<std::string> row = {std::string(LastSegment(p.person())),
                                    p.display_name(),
                                    p.track(),
                                    absl::StrCat(p.target_level()),
                                    FormatNumber(p.mean_gap()),
                                    FormatNumber(p.readiness()),
                                    FormatNumber(p.coverage())};
    for (const std::string& code : codes) {
      auto it = p.competency_gaps().find(code);
      row.push_back(it == p.competency_gaps().end() ? ""
                                                    : FormatNumber(it->second));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Commands.

ImportExport::ImportExport(std::shared_ptr<grpc::Channel> channel,
                           CommandOptions options, std::ostream* out,
                           std::ostream* err)
    : frameworks_(v1::FrameworkService::NewStub(channel)),
      profiles_(v1::ProfileService::NewStub(channel)),
      team_(v1::TeamService::NewStub(channel)),
      options_(std::move(options)),
      out_(out),
      err_(err) {}

std::unique_ptr<grpc::ClientContext> ImportExport::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(
                            options_.timeout_seconds * 1000)));
  return context;
}

bool ImportExport::ReadInput(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err_ << "vakwijzer: cannot read " << path << ": " << std::strerror(errno)
          << "\n";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return true;
}

bool ImportExport::WriteOutput(const std::string& path,
                               const std::string& text) {
  if (path.empty()) {
    *out_ << text << std::flush;
    return true;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    *err_ << "vakwijzer: cannot write " << path << ": " << std::strerror(errno)
          << "\n";
    return false;
  }
  return true;
}

grpc::Status ImportExport::ExistingIds(const std::string& org,
                                       std::set<std::string>* ids) {
  v1::ListProfilesRequest request;
  request.set_parent(absl::StrCat("organizations/", org));
  request.set_page_size(1000);
  do {
    v1::ListProfilesResponse response;
    grpc::Status status =
        profiles_->ListProfiles(Context().get(), request, &response);
    if (!status.ok()) return status;
    for (const v1::Profile& p : response.profiles()) {
      ids->emplace(LastSegment(p.name()));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

int ImportExport::CallFailed(const grpc::Status& status,
                             absl::string_view what) {
  *err_ << "vakwijzer: " << what << ": " << Describe(status) << "\n";
  return 10 + static_cast<int>(status.error_code());
}

bool ImportExport::RollBack(
    const std::vector<std::pair<std::string, std::string>>& made) {
  std::vector<std::string> left;
  for (auto it = made.rbegin(); it != made.rend(); ++it) {
    v1::DeleteProfileRequest request;
    request.set_name(it->first);
    request.set_etag(it->second);
    google::protobuf::Empty empty;
    grpc::Status status =
        profiles_->DeleteProfile(Context().get(), request, &empty);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
      *err_ << "vakwijzer: could not roll back " << it->first << ": "
            << Describe(status) << "\n";
      left.push_back(it->first);
    }
  }
  if (!left.empty()) {
    *err_ << "vakwijzer: rollback incomplete; these profiles of this run "
             "remain: "
          << absl::StrJoin(left, ", ") << "\n";
  }
  return left.empty();
}

int ImportExport::ImportPeople(const std::string& org,
                               const std::string& file) {
  // Pass 1 checks the file row by row, keeping only each id's line; pass 2
  // reads it again and sends the people in batches over one ImportRecords
  // stream (create_only: existing profiles are never changed).
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *err_ << "vakwijzer: cannot read " << file << ": " << std::strerror(errno)
          << "\n";
    return 2;
  }
  CsvStreamReader reader(&in, file);
  absl::StatusOr<CsvColumns> columns = absl::InvalidArgumentError("");
  if (absl::Status s = reader.ReadHeader(); !s.ok()) {
    columns = s;
  } else {
    columns = CsvColumns::Map(reader.header(), PeopleColumns(),
                              {"person_id", "track"}, file);
  }
  if (!columns.ok()) {
    *err_ << columns.status().message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }
  std::set<std::string> existing;
  if (grpc::Status s = ExistingIds(org, &existing); !s.ok()) {
    return CallFailed(s, absl::StrCat("listing organizations/", org));
  }
  // Tracks and stages are the server's to check; a dry run at least looks
  // for them in every loaded framework.
  std::set<std::string> tracks, stages;
  if (options_.dry_run) {
    v1::ListFrameworksRequest request;
    request.set_summary_only(true);
    v1::ListFrameworksResponse frameworks;
    grpc::Status s =
        frameworks_->ListFrameworks(Context().get(), request, &frameworks);
    if (!s.ok()) return CallFailed(s, "listing the frameworks");
    for (const v1::Framework& fw : frameworks.frameworks()) {
      for (const v1::Track& t : fw.tracks()) tracks.insert(t.id());
      for (const v1::Stage& st : fw.stages()) stages.insert(st.id());
    }
  }
  // id -> line of every row (the duplicate check), and whether the row is
  // to be sent.
  std::map<std::string, int> first_line;
  std::set<int> bad_lines;
  constexpr size_t kKeptErrors = 1000;
  std::vector<LineError> errors;
  size_t error_count = 0;
  std::vector<LineError> row_errors;
  size_t todo = 0;
  CsvRecord record;
  while (reader.Next(&record)) {
    RowErrors errs(file, *columns, record.line);
    PersonRow row = CheckPersonRow(record, *columns, &first_line, &errs);
    if (errs.empty() && existing.count(row.id)) {
      errs.Add("person_id",
               absl::StrCat(PersonName(org, row.id), " already exists"));
    }
    if (errs.empty() && options_.dry_run) {
      if (!tracks.count(row.profile.track())) {
        errs.Add("track", absl::StrCat("\"", row.profile.track(),
                                       "\" is not a track of any loaded "
                                       "framework (",
                                       absl::StrJoin(tracks, ", "), ")"));
      }
      if (!row.profile.target_stage().empty() &&
          !stages.count(row.profile.target_stage())) {
        errs.Add("target_stage",
                 absl::StrCat("\"", row.profile.target_stage(),
                              "\" is not a stage of any loaded "
                              "framework (",
                              absl::StrJoin(stages, ", "), ")"));
      }
    }
    if (errs.empty()) {
      ++todo;
      continue;
    }
    bad_lines.insert(record.line);
    errs.MoveTo(&row_errors);
    for (LineError& e : row_errors) {
      ++error_count;
      if (errors.size() < kKeptErrors) errors.push_back(std::move(e));
    }
    row_errors.clear();
  }
  if (!reader.status().ok()) {
    *err_ << reader.status().message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }
  if (options_.dry_run) {
    *err_ << FormatErrors(errors, 100);
    *out_ << "dry run: " << todo
          << " profiles could be created in organizations/" << org << "; "
          << Count(error_count, "error", "errors") << "; nothing written\n";
    return error_count == 0 ? 0 : 1;
  }
  if (error_count > 0) {
    *err_ << FormatErrors(errors, 100);
    if (!options_.partial) {
      *err_ << "vakwijzer: nothing imported: "
            << Count(error_count, "error", "errors") << " in " << file
            << " (--partial imports the valid rows)\n";
      return 1;
    }
  }

  // Pass 2.
  in.clear();
  in.seekg(0);
  CsvStreamReader again(&in, file);
  if (absl::Status s = again.ReadHeader(); !s.ok()) {
    *err_ << s.message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }
  grpc::ClientContext context;  // no deadline: the stream lasts the import
  v1::ImportRecordsResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRecordsRequest>> writer =
      profiles_->ImportRecords(&context, &response);
  v1::ImportRecordsRequest batch;
  batch.set_parent(absl::StrCat("organizations/", org));
  batch.set_mode(options_.partial ? v1::PER_RECORD : v1::ALL_OR_NOTHING);
  std::vector<std::vector<int>> sent;  // (batch, record) -> line
  std::vector<int> in_batch;
  ProgressBar bar(static_cast<int64_t>(todo), "people", options_.progress,
                  err_);
  int64_t done = 0;
  bool stream_ok = true;
  auto flush = [&]() {
    if (batch.records_size() == 0 || !stream_ok) return;
    stream_ok = writer->Write(batch);
    done += batch.records_size();
    sent.push_back(std::move(in_batch));
    in_batch.clear();
    batch.clear_records();
    if (stream_ok) bar.Update(done);
  };
  while (stream_ok && again.Next(&record)) {
    if (bad_lines.count(record.line)) continue;
    RowErrors errs(file, *columns, record.line);
    std::map<std::string, int> alone;  // checked in pass 1
    PersonRow row = CheckPersonRow(record, *columns, &alone, &errs);
    v1::ImportPersonRecord* p = batch.add_records()->mutable_person();
    p->set_profile_id(row.id);
    *p->mutable_profile() = std::move(row.profile);
    p->set_create_only(true);
    in_batch.push_back(record.line);
    if (batch.records_size() >= kImportBatchRecords) flush();
  }
  if (!again.status().ok()) {
    context.TryCancel();
    writer->Finish().IgnoreError();
    bar.Finish();
    *err_ << again.status().message()
          << "\nvakwijzer: the file changed while it was imported\n";
    return 1;
  }
  flush();
  if (stream_ok) writer->WritesDone();
  grpc::Status status = writer->Finish();
  bar.Finish();
  // The ids sent in batches before `batch_index`, newest first, for a
  // rollback.
  auto written_before = [&](size_t batch_index) {
    std::set<int> lines;
    for (size_t b = 0; b < batch_index && b < sent.size(); ++b) {
      lines.insert(sent[b].begin(), sent[b].end());
    }
    std::vector<std::pair<int, std::string>> by_line;
    for (const auto& [id, line] : first_line) {
      if (lines.count(line)) by_line.emplace_back(line, id);
    }
    std::sort(by_line.begin(), by_line.end());
    std::vector<std::pair<std::string, std::string>> made;
    for (const auto& [line, id] : by_line) {
      made.emplace_back(PersonName(org, id), "");
    }
    return made;
  };
  if (!status.ok()) {
    *err_ << "vakwijzer: importing into organizations/" << org << ": "
          << Describe(status) << "\n";
    if (!options_.partial) {
      // Which batches the server committed is unknown: undo every one.
      std::vector<std::pair<std::string, std::string>> made =
          written_before(sent.size());
      if (RollBack(made)) {
        *err_ << "vakwijzer: nothing imported: rolled back the "
              << Count(made.size(), "profile", "profiles")
              << " sent by this run\n";
      }
    } else {
      *err_ << "vakwijzer: stopped; the profiles created before stay\n";
    }
    return IsDataError(status.error_code())
               ? 1
               : 10 + static_cast<int>(status.error_code());
  }
  int first_bad_line = 0;
  std::map<int, std::string> id_at;
  if (response.errors_size() > 0) {
    for (const auto& [id, line] : first_line) id_at[line] = id;
  }
  for (const v1::ImportRecordError& e : response.errors()) {
    int line = 0;
    std::string id;
    if (e.batch_index() >= 0 &&
        e.batch_index() < static_cast<int>(sent.size()) &&
        e.record_index() >= 0 &&
        e.record_index() < static_cast<int>(sent[e.batch_index()].size())) {
      line = sent[e.batch_index()][e.record_index()];
    }
    if (auto it = id_at.find(line); it != id_at.end()) id = it->second;
    if (first_bad_line == 0) first_bad_line = line;
    if (e.code() == static_cast<int>(grpc::StatusCode::ALREADY_EXISTS)) {
      *err_ << CellError(file, line, "person_id", columns->Index("person_id"),
                         absl::StrCat(PersonName(org, id), " already exists"))
            << "\n";
    } else {
      *err_ << file << ":" << line << ": the server rejected "
            << PersonName(org, id) << ": " << e.field() << ": " << e.reason()
            << " (" << CodeName(static_cast<grpc::StatusCode>(e.code()))
            << ")\n";
    }
  }
  if (response.batches_rejected() > 0) {
    // All or nothing: the rejected batch wrote nothing; the batches before
    // it are undone here.
    const int rejected = static_cast<int>(response.batches_written());
    std::vector<std::pair<std::string, std::string>> made =
        written_before(rejected);
    int undone = static_cast<int>(made.size());
    if (rejected < static_cast<int>(sent.size())) {
      for (int line : sent[rejected]) {
        if (line < first_bad_line) ++undone;
      }
    }
    if (RollBack(made)) {
      *err_ << "vakwijzer: nothing imported: rolled back the "
            << Count(undone, "profile", "profiles") << " created before line "
            << first_bad_line << "\n";
    }
    return 1;
  }
  *out_ << "created " << Count(response.people_created(), "profile", "profiles")
        << " in organizations/" << org;
  const size_t not_imported = error_count + response.error_count();
  if (not_imported > 0) {
    *out_ << "; " << Count(not_imported, "error", "errors")
          << ", those rows not imported";
  }
  *out_ << "\n";
  return not_imported > 0 ? 1 : 0;
}

int ImportExport::ImportAssessments(const std::string& org,
                                    const std::string& file) {
  // Pass 1 checks the file row by row and keeps per assessment only a
  // summary (AssessmentIndex); pass 2 reads it again and sends the
  // assessments in batches over one ImportRecords stream. Neither holds
  // more of the file than one batch.
  const absl::Time now = absl::Now();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *err_ << "vakwijzer: cannot read " << file << ": " << std::strerror(errno)
          << "\n";
    return 2;
  }
  CsvStreamReader reader(&in, file);
  absl::StatusOr<CsvColumns> columns = absl::InvalidArgumentError("");
  if (absl::Status s = reader.ReadHeader(); !s.ok()) {
    columns = s;
  } else {
    columns = CsvColumns::Map(
        reader.header(), AssessmentColumns(),
        {"person_id", "assessment_id", "rater_role", "indicator", "level"},
        file);
  }
  if (!columns.ok()) {
    *err_ << columns.status().message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }

  // What the rows of one assessment must agree on, as first given.
  struct Summary {
    int line = 0;       // first row
    int last_line = 0;  // last row
    std::string person_id, assessment_id, time, role, rater;
    int ratings = 0;
    bool valid = true;
  };
  std::vector<Summary> groups;
  std::map<std::pair<std::string, std::string>, int> group_of;
  // Indicators of the assessment whose rows are being read one after the
  // other (a rating given twice in such a run is caught here; across runs
  // of an assessment split in the file, by the server).
  int run = -1;
  std::map<std::string, int> run_indicators;
  // Each person's track and framework check (or absence), fetched once.
  struct PersonInfo {
    bool exists = false;
    std::string track;
    const FrameworkCheck* check = nullptr;
  };
  std::map<std::string, PersonInfo> people;
  std::map<std::string, FrameworkCheck> checks;
  // At most kKeptErrors are kept (the first by line); the rest counted.
  constexpr size_t kKeptErrors = 1000;
  std::vector<LineError> errors;
  size_t error_count = 0;
  auto keep = [&](std::vector<LineError>* more) {
    for (LineError& e : *more) {
      ++error_count;
      if (errors.size() < kKeptErrors) errors.push_back(std::move(e));
    }
    more->clear();
  };
  std::vector<LineError> row_errors;
  CsvRecord record;
  while (reader.Next(&record)) {
    RowErrors errs(file, *columns, record.line);
    AssessmentCells c = CheckAssessmentCells(record, *columns, now, &errs);
    if (!IdProblem(c.person).empty() || !IdProblem(c.id).empty()) {
      errs.MoveTo(&row_errors);
      keep(&row_errors);
      continue;  // belongs to no assessment
    }
    auto [it, added] = group_of.emplace(std::make_pair(c.person, c.id),
                                        static_cast<int>(groups.size()));
    if (added) {
      Summary g;
      g.line = record.line;
      g.person_id = c.person;
      g.assessment_id = c.id;
      g.time = c.time_text;
      g.role = c.role_text;
      g.rater = c.rater;
      groups.push_back(std::move(g));
    }
    const int gi = it->second;
    Summary& group = groups[gi];
    group.last_line = record.line;
    auto agree = [&](absl::string_view column, const std::string& value,
                     const std::string& first_value) {
      if (value == first_value) return;
      errs.Add(column, absl::StrCat("\"", value, "\" differs from \"",
                                    first_value, "\" on line ", group.line,
                                    ", the first row of assessment ", c.id,
                                    " of ", c.person));
    };
    agree("assess_time", c.time_text, group.time);
    agree("rater_role", c.role_text, group.role);
    agree("rater", c.rater, group.rater);
    if (run != gi) {
      run = gi;
      run_indicators.clear();
    }
    if (!c.indicator.empty()) {
      auto [at, fresh] = run_indicators.emplace(c.indicator, record.line);
      if (!fresh) {
        errs.Add("indicator",
                 absl::StrCat("\"", c.indicator,
                              "\" is rated twice in assessment ", c.id, " of ",
                              c.person, ", also on line ", at->second));
      }
    }
    // The person's profile and framework, the first time they appear.
    auto [pit, first_time] = people.try_emplace(c.person);
    PersonInfo& info = pit->second;
    if (first_time) {
      v1::GetProfileRequest request;
      request.set_name(PersonName(org, c.person));
      v1::Profile profile;
      grpc::Status s =
          profiles_->GetProfile(Context().get(), request, &profile);
      if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
        info.exists = false;
      } else if (!s.ok()) {
        return CallFailed(s, absl::StrCat("reading ", request.name()));
      } else {
        info.exists = true;
        info.track = profile.track();
        auto check = checks.find(profile.framework());
        if (check == checks.end()) {
          v1::GetFrameworkRequest fw_request;
          fw_request.set_name(profile.framework());
          v1::Framework framework;
          grpc::Status f = frameworks_->GetFramework(Context().get(),
                                                     fw_request, &framework);
          if (!f.ok()) {
            return CallFailed(f, absl::StrCat("reading ", profile.framework()));
          }
          check = checks.emplace(profile.framework(), FrameworkCheck(framework))
                      .first;
        }
        info.check = &check->second;
      }
    }
    if (!info.exists) {
      if (added) {
        errs.Add("person_id",
                 absl::StrCat("no profile ", PersonName(org, c.person),
                              "; import the people first"));
      }
      group.valid = false;
    }
    errs.MoveTo(&row_errors);
    if (info.exists && row_errors.empty()) {
      v1::Rating rating;
      rating.set_indicator(c.indicator);
      rating.set_level(c.level);
      info.check->CheckRating(rating, record.line, info.track, c.person,
                              *columns, file, &row_errors);
    }
    if (!row_errors.empty()) group.valid = false;
    ++group.ratings;
    keep(&row_errors);
  }
  if (!reader.status().ok()) {
    *err_ << reader.status().message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }

  size_t todo = 0;
  int64_t ratings = 0;
  std::set<std::string> people_todo;
  for (const Summary& g : groups) {
    if (!g.valid) continue;
    ++todo;
    ratings += g.ratings;
    people_todo.insert(g.person_id);
  }
  if (error_count > 0) {
    *err_ << FormatErrors(errors, 100);
    if (error_count > errors.size() && errors.size() >= 100) {
      // FormatErrors counted only the kept ones.
      *err_ << "(" << error_count << " errors in all)\n";
    }
    if (!options_.partial && !options_.dry_run) {
      *err_ << "vakwijzer: nothing imported: "
            << Count(error_count, "error", "errors") << " in " << file
            << " (--partial imports the valid assessments)\n";
      return 1;
    }
  }
  if (options_.dry_run) {
    *out_ << "dry run: " << todo << " of "
          << Count(groups.size(), "assessment", "assessments") << " ("
          << Count(ratings, "rating", "ratings") << ") of "
          << people_todo.size() << " people could be recorded in organizations/"
          << org << "; nothing written\n";
    return error_count == 0 ? 0 : 1;
  }

  // Pass 2: the valid assessments, assembled from their rows, in batches.
  in.clear();
  in.seekg(0);
  CsvStreamReader again(&in, file);
  if (absl::Status s = again.ReadHeader(); !s.ok()) {
    *err_ << s.message() << "\nvakwijzer: nothing imported\n";
    return 1;
  }
  grpc::ClientContext context;  // no deadline: the stream lasts the import
  v1::ImportRecordsResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRecordsRequest>> writer =
      profiles_->ImportRecords(&context, &response);
  v1::ImportRecordsRequest batch;
  batch.set_parent(absl::StrCat("organizations/", org));
  batch.set_mode(options_.partial ? v1::PER_RECORD : v1::ALL_OR_NOTHING);
  size_t batch_bytes = 0;
  // The assessment behind each record sent: (batch, record) -> group.
  std::vector<std::vector<int>> sent;
  std::vector<int> in_batch;
  // Assessments whose rows are not all read yet (one, when the file keeps
  // each assessment's rows together).
  std::map<int, v1::ImportAssessmentRecord> open;
  ProgressBar bar(static_cast<int64_t>(todo), "assessments", options_.progress,
                  err_);
  int64_t done = 0;
  bool stream_ok = true;
  auto flush = [&]() {
    if (batch.records_size() == 0 || !stream_ok) return;
    stream_ok = writer->Write(batch);
    done += batch.records_size();
    sent.push_back(std::move(in_batch));
    in_batch.clear();
    batch.clear_records();
    batch_bytes = 0;
    if (stream_ok) bar.Update(done);
  };
  while (stream_ok && again.Next(&record)) {
    auto cell = [&](absl::string_view column) {
      return std::string(TrimBlanks(columns->Get(record, column)));
    };
    auto it = group_of.find({cell("person_id"), cell("assessment_id")});
    if (it == group_of.end() || !groups[it->second].valid) continue;
    const int gi = it->second;
    const Summary& g = groups[gi];
    auto [oit, fresh] = open.try_emplace(gi);
    v1::ImportAssessmentRecord& a = oit->second;
    if (fresh) {
      a.set_person_id(g.person_id);
      a.set_assessment_id(g.assessment_id);
      v1::RaterRole role = v1::RATER_ROLE_UNSPECIFIED;
      ParseRaterRole(g.role, &role);
      a.mutable_assessment()->set_rater_role(role);
      a.mutable_assessment()->set_rater(g.rater);
      if (!g.time.empty()) {
        google::protobuf::util::TimeUtil::FromString(
            g.time, a.mutable_assessment()->mutable_assess_time());
      }
    }
    v1::Rating* r = a.mutable_assessment()->add_ratings();
    r->set_indicator(cell("indicator"));
    int level = 0;
    (void)absl::SimpleAtoi(cell("level"), &level);
    r->set_level(level);
    r->set_evidence(columns->Get(record, "evidence"));
    if (record.line != g.last_line) continue;
    batch_bytes += a.ByteSizeLong();
    *batch.add_records()->mutable_assessment() = std::move(a);
    open.erase(oit);
    in_batch.push_back(gi);
    if (batch.records_size() >= kImportBatchRecords ||
        batch_bytes >= kImportBatchBytes) {
      flush();
    }
  }
  if (!again.status().ok()) {
    // The file changed between the passes.
    context.TryCancel();
    writer->Finish().IgnoreError();
    bar.Finish();
    *err_ << again.status().message()
          << "\nvakwijzer: the file changed while it was imported; "
             "the batches sent before stay (run the import again: what is "
             "there is skipped)\n";
    return 1;
  }
  flush();
  if (stream_ok) writer->WritesDone();
  grpc::Status status = writer->Finish();
  bar.Finish();
  if (!status.ok()) {
    *err_ << "vakwijzer: importing into organizations/" << org << ": "
          << Describe(status) << "\n";
    *err_ << "vakwijzer: stopped; the batches written before stay "
             "(assessments cannot be deleted); run the import again once "
             "fixed: what is there is skipped\n";
    return IsDataError(status.error_code())
               ? 1
               : 10 + static_cast<int>(status.error_code());
  }
  for (const v1::ImportRecordError& e : response.errors()) {
    int line = 0;
    std::string what = "an assessment";
    if (e.batch_index() >= 0 &&
        e.batch_index() < static_cast<int>(sent.size()) &&
        e.record_index() >= 0 &&
        e.record_index() < static_cast<int>(sent[e.batch_index()].size())) {
      const Summary& g = groups[sent[e.batch_index()][e.record_index()]];
      line = g.line;
      what = absl::StrCat("assessment ", g.assessment_id, " of ",
                          PersonName(org, g.person_id));
    }
    *err_ << file << ":" << line << ": the server rejected " << what << ": "
          << e.field() << ": " << e.reason() << " ("
          << CodeName(static_cast<grpc::StatusCode>(e.code())) << ")\n";
  }
  if (response.batches_rejected() > 0) {
    *err_ << "vakwijzer: stopped at that batch; "
          << Count(response.assessments_recorded(), "assessment", "assessments")
          << " recorded before it stay (assessments cannot be deleted); run "
             "the import again once fixed: what is there is skipped\n";
    return 1;
  }
  *out_ << "recorded "
        << Count(response.assessments_recorded(), "assessment", "assessments")
        << " in organizations/" << org;
  if (response.assessments_skipped() > 0) {
    *out_ << "; " << response.assessments_skipped()
          << " already imported (skipped)";
  }
  const size_t not_imported = error_count + response.error_count();
  if (not_imported > 0) {
    *out_ << "; " << Count(not_imported, "error", "errors")
          << ", those assessments not imported";
  }
  *out_ << "\n";
  return not_imported > 0 ? 1 : 0;
}

int ImportExport::ImportJson(const std::string& org, const std::string& file) {
  std::string text;
  if (!ReadInput(file, &text)) return 2;
  v1::ImportBundle bundle;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  if (auto s =
          google::protobuf::util::JsonStringToMessage(text, &bundle, parse);
      !s.ok()) {
    *err_ << file
          << ": not a vakwijzer.v1.ImportBundle in JSON: " << s.message()
          << "\nvakwijzer: nothing imported\n";
    return 1;
  }
  if (!bundle.organization().empty() && bundle.organization() != org) {
    *err_ << file << ": organization: \"" << bundle.organization()
          << "\", but the import is into \"" << org
          << "\"\nvakwijzer: nothing imported\n";
    return 1;
  }
  std::set<std::string> existing;
  if (grpc::Status s = ExistingIds(org, &existing); !s.ok()) {
    return CallFailed(s, absl::StrCat("listing organizations/", org));
  }
  // Checked here: what a row of the CSV layouts is checked for.
  std::vector<std::string> errors;
  std::vector<int> todo;
  std::set<std::string> seen;
  for (int i = 0; i < bundle.people_size(); ++i) {
    const v1::ImportPerson& person = bundle.people(i);
    const std::string where = absl::StrCat(file, ": people[", i, "]");
    std::vector<std::string> problems;
    auto bad = [&](absl::string_view field, absl::string_view problem) {
      if (!problem.empty()) {
        problems.push_back(absl::StrCat(where, ".", field, ": ", problem));
      }
    };
    bad("id", IdProblem(person.id()));
    if (IdProblem(person.id()).empty()) {
      if (!seen.insert(person.id()).second) {
        bad("id", absl::StrCat("\"", person.id(), "\" appears twice"));
      } else if (existing.count(person.id())) {
        bad("id",
            absl::StrCat(PersonName(org, person.id()), " already exists"));
      }
    }
    const v1::Profile& p = person.profile();
    if (p.track().empty()) bad("profile.track", "is required");
    bad("profile.display_name", TextProblem(p.display_name(), kMaxDisplayName));
    const std::pair<const char*, int> counts[] = {
        {"profile.mentoring_capacity", p.mentoring_capacity()},
        {"profile.caseload_capacity", p.caseload_capacity()},
        {"profile.current_caseload", p.current_caseload()}};
    for (const auto& [field, value] : counts) {
      if (value < 0 || value > kMaxCapacity) {
        bad(field,
            absl::StrCat("must lie in 0..", kMaxCapacity, ", got ", value));
      }
    }
    for (int j = 0; j < person.assessments_size(); ++j) {
      const v1::Assessment& a = person.assessments(j);
      const std::string field = absl::StrCat("assessments[", j, "]");
      if (a.rater_role() == v1::RATER_ROLE_UNSPECIFIED) {
        bad(field + ".rater_role", "is required");
      }
      if (a.ratings().empty()) bad(field + ".ratings", "is empty");
    }
    if (problems.empty()) {
      todo.push_back(i);
    } else {
      for (std::string& e : problems) errors.push_back(std::move(e));
    }
  }
  if (!errors.empty()) {
    *err_ << absl::StrJoin(errors, "\n") << "\n";
    if (!options_.partial && !options_.dry_run) {
      *err_ << "vakwijzer: nothing imported: "
            << Count(errors.size(), "error", "errors") << " in " << file
            << "\n";
      return 1;
    }
  }
  if (options_.dry_run) {
    *out_ << "dry run: " << todo.size() << " of " << bundle.people_size()
          << " people could be created in organizations/" << org
          << " (the server checks tracks, indicators and levels); nothing "
             "written\n";
    return errors.empty() ? 0 : 1;
  }
  std::vector<std::pair<std::string, std::string>> made;
  int failed = 0, assessments = 0;
  ProgressBar bar(static_cast<int64_t>(todo.size()), "people",
                  options_.progress, err_);
  for (size_t k = 0; k < todo.size(); ++k) {
    const int i = todo[k];
    const v1::ImportPerson& person = bundle.people(i);
    const std::string where =
        absl::StrCat(file, ": people[", i, "] (", person.id(), ")");
    v1::CreateProfileRequest create;
    create.set_parent(absl::StrCat("organizations/", org));
    create.set_profile_id(person.id());
    *create.mutable_profile() = person.profile();
    v1::Profile created;
    grpc::Status status =
        profiles_->CreateProfile(Context().get(), create, &created);
    std::string failure;
    int person_assessments = 0;
    const bool profile_made = status.ok();
    if (!status.ok()) {
      failure = absl::StrCat(where, ": ", Describe(status));
    } else {
      for (int j = 0; j < person.assessments_size(); ++j) {
        v1::RecordAssessmentRequest record;
        record.set_parent(created.name());
        *record.mutable_assessment() = person.assessments(j);
        v1::Assessment out;
        status = profiles_->RecordAssessment(Context().get(), record, &out);
        if (!status.ok()) {
          failure =
              absl::StrCat(where, ".assessments[", j, "]: ", Describe(status));
          break;
        }
        ++person_assessments;
      }
      // Even the person's own assessments are undone with the profile.
      made.emplace_back(created.name(), "");
    }
    if (failure.empty()) {
      assessments += person_assessments;
      bar.Update(static_cast<int64_t>(k + 1));
      continue;
    }
    bar.Clear();
    *err_ << failure << "\n";
    if (!options_.partial) {
      bar.Finish();
      if (RollBack(made)) {
        *err_ << "vakwijzer: nothing imported: rolled back the "
              << Count(made.size(), "profile", "profiles")
              << " created by this run\n";
      }
      return IsDataError(status.error_code())
                 ? 1
                 : 10 + static_cast<int>(status.error_code());
    }
    // --partial: this person goes (with the assessments recorded so far),
    // the others stay.
    if (profile_made) {
      RollBack({made.back()});
      made.pop_back();
    }
    if (!IsDataError(status.error_code())) {
      bar.Finish();
      *err_ << "vakwijzer: stopped at " << where << "; the " << made.size()
            << " people created before stay\n";
      return 10 + static_cast<int>(status.error_code());
    }
    ++failed;
  }
  bar.Finish();
  *out_ << "created " << Count(made.size(), "profile", "profiles") << " with "
        << Count(assessments, "assessment", "assessments")
        << " in organizations/" << org;
  const size_t not_imported = errors.size() + failed;
  if (not_imported > 0) {
    *out_ << "; " << Count(not_imported, "error", "errors")
          << ", those people not imported";
  }
  *out_ << "\n";
  return not_imported > 0 ? 1 : 0;
}

int ImportExport::ExportGaps(const std::string& org,
                             std::vector<std::string> people) {
  if (people.empty()) {
    std::set<std::string> ids;
    if (grpc::Status s = ExistingIds(org, &ids); !s.ok()) {
      return CallFailed(s, absl::StrCat("listing organizations/", org));
    }
    people.assign(ids.begin(), ids.end());
  }
  const bool json = options_.format == "json";
  std::string text = json ? "" : CsvLine(GapCsvHeader());
  std::vector<std::string> reports;
  ProgressBar bar(static_cast<int64_t>(people.size()), "people",
                  options_.progress && people.size() > 1, err_);
  for (size_t k = 0; k < people.size(); ++k) {
    v1::GetGapReportRequest request;
    request.set_name(PersonName(org, people[k]));
    request.set_policy(options_.policy);
    request.set_half_life_days(options_.half_life_days);
    v1::GapReport report;
    grpc::Status s = profiles_->GetGapReport(Context().get(), request, &report);
    if (!s.ok()) {
      bar.Clear();
      return CallFailed(s, absl::StrCat("gap report of ", request.name()));
    }
    if (json) {
      reports.push_back(Json(report));
    } else {
      for (const auto& row : GapCsvRows(report)) text += CsvLine(row);
    }
    bar.Update(static_cast<int64_t>(k + 1));
  }
  bar.Finish();
  if (json) text = JsonArray(reports);
  if (!WriteOutput(options_.out, text)) return 2;
  if (!options_.out.empty()) {
    *out_ << "wrote the gap reports of " << people.size() << " people to "
          << options_.out << "\n";
  }
  return 0;
}

int ImportExport::ExportTeam(const v1::TeamSelector& selector) {
  v1::ScoreTeamRequest request;
  *request.mutable_selector() = selector;
  request.set_include_people(true);
  auto context = Context();
  auto reader = team_->ScoreTeam(context.get(), request);
  std::vector<std::string> parts;
  std::vector<v1::PersonScore> people;
  v1::TeamSummary summary;
  v1::ScoreTeamResponse part;
  while (reader->Read(&part)) {
    parts.push_back(Json(part));
    if (part.has_person()) people.push_back(part.person());
    if (part.has_summary()) summary = part.summary();
  }
  if (grpc::Status s = reader->Finish(); !s.ok()) {
    return CallFailed(s,
                      absl::StrCat("scoring the team of ", selector.parent()));
  }
  if (options_.format == "json") {
    if (!WriteOutput(options_.out, JsonArray(parts))) return 2;
    if (!options_.out.empty()) {
      *out_ << "wrote " << Count(parts.size(), "part", "parts") << " to "
            << options_.out << "\n";
    }
    return 0;
  }
  // The distribution columns run over the framework's scale.
  int max_level = 0;
  for (const auto& s : summary.indicators()) {
    max_level = std::max(max_level, s.distribution_size() - 1);
  }
  v1::ListFrameworksRequest list;
  list.set_summary_only(true);
  v1::ListFrameworksResponse frameworks;
  if (frameworks_->ListFrameworks(Context().get(), list, &frameworks).ok()) {
    for (const v1::Framework& fw : frameworks.frameworks()) {
      if (fw.name() != summary.framework()) continue;
      for (const v1::ScaleLevel& l : fw.scale().levels()) {
        max_level = std::max(max_level, l.level());
      }
    }
  }
  std::string summary_csv = CsvLine(TeamCsvHeader(max_level));
  for (const auto& row : TeamCsvRows(summary, max_level)) {
    summary_csv += CsvLine(row);
  }
  std::string people_csv;
  for (const auto& row : TeamPeopleCsv(people)) people_csv += CsvLine(row);
  if (options_.out.empty()) {
    *out_ << (options_.people ? people_csv : summary_csv) << std::flush;
    return 0;
  }
  const std::string people_file = PeopleFileName(options_.out);
  if (!WriteOutput(options_.out, summary_csv) ||
      !WriteOutput(people_file, people_csv)) {
    return 2;
  }
  *out_ << "wrote "
        << Count(summary.indicators_size(), "indicator", "indicators") << " to "
        << options_.out << " and " << people.size() << " people to "
        << people_file << "\n";
  return 0;
}

}  // namespace vakwijzer::cli
