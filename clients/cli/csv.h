// CSV as the command-line client reads and writes it (RFC 4180), with the
// header checks shared by the importers and the formula escaping of the
// exports. The layouts themselves are in docs/csv.md.
#ifndef VAKWIJZER_CLIENTS_CLI_CSV_H_
#define VAKWIJZER_CLIENTS_CLI_CSV_H_

#include <deque>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vakwijzer::cli {

// One record of a CSV file.
struct CsvRecord {
  // The 1-based line on which the record starts (a quoted field may carry
  // line breaks, so a record can span several lines).
  int line = 0;
  std::vector<std::string> fields;
};

// Parses RFC 4180 text: fields separated by ',', records by CRLF or LF (a
// lone CR counts as a line break too), fields optionally in double quotes,
// within which ',', line breaks and "" (one quote) are literal. A UTF-8 byte
// order mark at the start is skipped; empty lines are skipped. Errors, as
// INVALID_ARGUMENT "FILE:LINE: problem": bytes that are not UTF-8, a quote
// inside an unquoted field, text after a closing quote, a quoted field that
// never ends (LINE is where it opened).
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                absl::string_view file);

// A CSV file whose first record is the header.
struct CsvTable {
  std::vector<std::string> header;  // names trimmed of spaces and tabs
  std::vector<CsvRecord> rows;      // every record after the header
};

// ParseCsv plus: the file has a header, and every row has as many fields as
// the header ("FILE:LINE: 3 fields, but the header has 4 columns").
absl::StatusOr<CsvTable> ParseCsvTable(absl::string_view text,
                                       absl::string_view file);

// Reads a CSV table record by record from a stream, as ParseCsvTable reads
// it whole (same syntax, same errors with the same FILE:LINE), holding only
// the record being read: memory stays bounded by the longest record (at
// most kMaxRecordBytes) whatever the size of the file. Not thread-safe.
class CsvStreamReader {
 public:
  static constexpr size_t kMaxRecordBytes = 1 << 20;

  // `in` must outlive the reader.
  CsvStreamReader(std::istream* in, std::string file);

  // Reads the header (the first record). INVALID_ARGUMENT for an empty file
  // or a syntax error.
  absl::Status ReadHeader();
  const std::vector<std::string>& header() const { return header_; }

  // The next row into `record`: false at the end of the file or on an
  // error (then status() is not OK). Checks the number of fields against
  // the header.
  bool Next(CsvRecord* record);
  const absl::Status& status() const { return status_; }

 private:
  // Parses the next chunk of whole records into pending_; false at the end.
  bool Fill();

  std::istream* in_;
  std::string file_;
  int next_line_ = 1;  // line number of the next physical line
  bool at_start_ = true;
  std::vector<std::string> header_;
  std::deque<CsvRecord> pending_;
  absl::Status status_;
};

// Where each known column is in a header.
class CsvColumns {
 public:
  // Checks `header` against a layout: every name must be one of `known`,
  // none may appear twice, every one of `required` must be there. Errors
  // are INVALID_ARGUMENT "FILE:1:NAME: ..." or "FILE:1: ...".
  static absl::StatusOr<CsvColumns> Map(
      const std::vector<std::string>& header,
      const std::vector<std::string>& known,
      const std::vector<std::string>& required, absl::string_view file);

  // 1-based position of `name`, 0 when the file has no such column.
  int Index(absl::string_view name) const;
  // The field of `name` in `record`, "" when the file has no such column.
  // The record must have as many fields as the header.
  const std::string& Get(const CsvRecord& record, absl::string_view name) const;

 private:
  std::map<std::string, int, std::less<>> index_;
};

// "FILE:LINE:COLUMN: problem (column K)", the format of every cell error;
// an `index` of 0 (a column the file lacks) says so instead of K.
std::string CellError(absl::string_view file, int line,
                      absl::string_view column, int index,
                      absl::string_view problem);

// Trims ASCII spaces and tabs at both ends.
absl::string_view TrimBlanks(absl::string_view s);

// True for a plain decimal number: optional sign, digits with an optional
// fraction, optional exponent ("-1", "+2.5", ".5", "1e-3").
bool IsPlainNumber(absl::string_view cell);

// One cell as written to a CSV file: a cell that starts with = + - @, a
// tab or a CR and is not a plain number gets a leading ' so that no
// spreadsheet reads it as a formula (OWASP "CSV injection"); then a cell
// holding ',', '"', CR or LF is quoted with its quotes doubled.
std::string CsvCell(absl::string_view cell);

// A record of CsvCell()s joined by ',' and ended by CRLF.
std::string CsvLine(const std::vector<std::string>& cells);

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_CSV_H_
