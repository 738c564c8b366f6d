// The CSV import reader of the command-line client (clients/cli/csv.h,
// clients/cli/import_export.h): RFC 4180 parsing, the whole-file and the
// streaming table readers, and the people and assessment importers' row
// checks. Beyond "no crash", the streaming reader must read what the
// whole-file reader reads: the same header and rows, and an error exactly
// when the whole-file reader has one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cli/csv.h"
#include "clients/cli/import_export.h"

namespace {

using vakwijzer::cli::CsvRecord;
using vakwijzer::cli::CsvStreamReader;
using vakwijzer::cli::CsvTable;

bool SameRecord(const CsvRecord& a, const CsvRecord& b) {
  return a.line == b.line && a.fields == b.fields;
}

// The streaming reader over `text` agrees with `table`.
void CheckStreamReader(const std::string& text,
                       const absl::StatusOr<CsvTable>& table) {
  std::istringstream in(text);
  CsvStreamReader reader(&in, "in.csv");
  if (!reader.ReadHeader().ok()) {
    if (table.ok()) std::abort();
    return;
  }
  if (table.ok() && reader.header() != table->header) std::abort();
  size_t row = 0;
  CsvRecord record;
  while (reader.Next(&record)) {
    if (table.ok() &&
        (row >= table->rows.size() || !SameRecord(record, table->rows[row]))) {
      std::abort();
    }
    ++row;
  }
  if (reader.status().ok() != table.ok()) std::abort();
  if (table.ok() && row != table->rows.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<CsvRecord>> records =
      vakwijzer::cli::ParseCsv(text, "in.csv");
  absl::StatusOr<CsvTable> table =
      vakwijzer::cli::ParseCsvTable(text, "in.csv");
  if (records.ok() != table.ok() && !(records.ok() && records->empty())) {
    // A table fails beyond the syntax only for an empty file or ragged rows.
    bool ragged = false;
    for (const CsvRecord& r : *records) {
      ragged |= r.fields.size() != records->front().fields.size();
    }
    if (!ragged) std::abort();
  }
  CheckStreamReader(text, table);

  absl::StatusOr<vakwijzer::cli::PeopleCsv> people =
      vakwijzer::cli::ParsePeopleCsv(text, "people.csv");
  if (people.ok()) {
    (void)vakwijzer::cli::FormatErrors(people->errors, 5);
  }
  absl::StatusOr<vakwijzer::cli::AssessmentsCsv> assessments =
      vakwijzer::cli::ParseAssessmentsCsv(text, "assessments.csv",
                                          absl::FromUnixSeconds(1767225600));
  if (assessments.ok()) {
    (void)vakwijzer::cli::FormatErrors(assessments->errors, 5);
  }
  return 0;
}
