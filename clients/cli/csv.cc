#include "clients/cli/csv.h"

#include <istream>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vakwijzer::cli {
namespace {

absl::Status Problem(absl::string_view file, int line,
                     absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(file, ":", line, ": ", problem));
}

// Offset of the first byte that does not belong to well-formed UTF-8
// (no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
size_t FirstInvalidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + extra >= s.size()) return i;  // cut short
    for (int k = 1; k <= extra; ++k) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      const unsigned char min = k == 1 ? lo : 0x80;
      const unsigned char max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return i;
    }
    i += extra + 1;
  }
  return absl::string_view::npos;
}

// 1-based line of byte `offset` (CRLF, LF and a lone CR end a line).
int LineOf(absl::string_view s, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < s.size(); ++i) {
    if (s[i] == '\n' ||
        (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) {
      ++line;
    }
  }
  return line;
}

// ParseCsv without skipping a byte order mark: CsvStreamReader parses the
// file in chunks, and a chunk after the first does not start the file.
absl::StatusOr<std::vector<CsvRecord>> ParseCsvRecords(absl::string_view text,
                                                       absl::string_view file) {
  if (size_t bad = FirstInvalidUtf8(text); bad != absl::string_view::npos) {
    return Problem(file, LineOf(text, bad), "not valid UTF-8 text");
  }
  std::vector<CsvRecord> records;
  const size_t n = text.size();
  size_t i = 0;
  int line = 1;
  // Consumes the line break at i (CRLF, LF or CR), if any.
  auto end_line = [&] {
    if (i < n && text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') {
      i += 2;
    } else {
      ++i;
    }
    ++line;
  };
  while (i < n) {
    if (text[i] == '\n' || text[i] == '\r') {  // an empty line
      end_line();
      continue;
    }
    CsvRecord record;
    record.line = line;
    while (true) {
      std::string field;
      const int column = static_cast<int>(record.fields.size()) + 1;
      if (i < n && text[i] == '"') {
        const int opened = line;
        ++i;
        while (true) {
          if (i >= n) {
            return Problem(file, opened,
                           absl::StrCat("the quoted field in column ", column,
                                        " is never closed (a \" is missing)"));
          }
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n' || (c == '\r' && (i + 1 >= n || text[i + 1] != '\n'))) {
            ++line;
          }
          field += c;
          ++i;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return Problem(
              file, line,
              absl::StrCat("text after the closing quote of column ", column,
                           "; a quote inside a quoted field is "
                           "written \"\""));
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            return Problem(
                file, line,
                absl::StrCat("a quote inside the unquoted field of column ",
                             column,
                             "; put the field in quotes and write the quote "
                             "as \"\""));
          }
          field += text[i++];
        }
      }
      record.fields.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < n) end_line();
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                absl::string_view file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return ParseCsvRecords(text, file);
}

absl::StatusOr<CsvTable> ParseCsvTable(absl::string_view text,
                                       absl::string_view file) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(text, file);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ":1: the file is empty; its first line must be the header"));
  }
  CsvTable table;
  for (const std::string& name : records->front().fields) {
    table.header.emplace_back(TrimBlanks(name));
  }
  for (size_t r = 1; r < records->size(); ++r) {
    CsvRecord& record = (*records)[r];
    if (record.fields.size() != table.header.size()) {
      return Problem(
          file, record.line,
          absl::StrCat(record.fields.size(),
                       record.fields.size() == 1 ? " field" : " fields",
                       ", but the header has ", table.header.size(),
                       table.header.size() == 1 ? " column" : " columns"));
    }
    table.rows.push_back(std::move(record));
  }
  return table;
}

CsvStreamReader::CsvStreamReader(std::istream* in, std::string file)
    : in_(in), file_(std::move(file)) {}

bool CsvStreamReader::Fill() {
  // Whole physical lines until the quotes balance: then the chunk ends
  // with a whole record, and ParseCsv reads it as it would read the file.
  std::string chunk, line;
  size_t quotes = 0;
  const int first_line = next_line_;
  while (std::getline(*in_, line)) {
    const bool newline = !in_->eof();
    for (char c : line) quotes += c == '"';
    chunk += line;
    if (newline) chunk += '\n';
    if (chunk.size() > kMaxRecordBytes) {
      status_ = Problem(file_, first_line,
                        absl::StrCat("a record longer than ", kMaxRecordBytes,
                                     " bytes (a quote is missing?)"));
      return false;
    }
    if (quotes % 2 == 0) break;
  }
  if (chunk.empty()) return false;
  // Line breaks as ParseCsv counts them: LF, CRLF and a lone CR.
  int breaks = 0;
  for (size_t i = 0; i < chunk.size(); ++i) {
    if (chunk[i] == '\n' ||
        (chunk[i] == '\r' && (i + 1 == chunk.size() || chunk[i + 1] != '\n'))) {
      ++breaks;
    }
  }
  next_line_ += breaks;
  // A byte order mark is skipped only at the very start of the file;
  // elsewhere it is text, as in ParseCsv.
  absl::StatusOr<std::vector<CsvRecord>> records =
      at_start_ ? ParseCsv(chunk, "") : ParseCsvRecords(chunk, "");
  at_start_ = false;
  if (!records.ok()) {
    // ":LINE: problem", LINE counted from the chunk.
    absl::string_view message = records.status().message();
    message.remove_prefix(1);
    const size_t colon = message.find(':');
    int line = 1;
    if (!absl::SimpleAtoi(message.substr(0, colon), &line)) line = 1;
    status_ = absl::InvalidArgumentError(
        absl::StrCat(file_, ":", first_line + line - 1, message.substr(colon)));
    return false;
  }
  for (CsvRecord& r : *records) {
    r.line += first_line - 1;
    pending_.push_back(std::move(r));
  }
  return true;
}

absl::Status CsvStreamReader::ReadHeader() {
  while (pending_.empty()) {
    if (!Fill()) {
      if (!status_.ok()) return status_;
      return status_ = absl::InvalidArgumentError(absl::StrCat(
                 file_,
                 ":1: the file is empty; its first line must be the header"));
    }
  }
  for (const std::string& name : pending_.front().fields) {
    header_.emplace_back(TrimBlanks(name));
  }
  pending_.pop_front();
  return absl::OkStatus();
}

bool CsvStreamReader::Next(CsvRecord* record) {
  if (!status_.ok()) return false;
  while (pending_.empty()) {
    if (!Fill()) return false;
  }
  *record = std::move(pending_.front());
  pending_.pop_front();
  if (record->fields.size() != header_.size()) {
    status_ =
        Problem(file_, record->line,
                absl::StrCat(record->fields.size(),
                             record->fields.size() == 1 ? " field" : " fields",
                             ", but the header has ", header_.size(),
                             header_.size() == 1 ? " column" : " columns"));
    return false;
  }
  return true;
}

absl::StatusOr<CsvColumns> CsvColumns::Map(
    const std::vector<std::string>& header,
    const std::vector<std::string>& known,
    const std::vector<std::string>& required, absl::string_view file) {
  const std::set<std::string, std::less<>> allowed(known.begin(), known.end());
  CsvColumns columns;
  for (size_t k = 0; k < header.size(); ++k) {
    const std::string& name = header[k];
    const int index = static_cast<int>(k) + 1;
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":1: column ", index, " has no name"));
    }
    if (!allowed.count(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(CellError(file, 1, name, index, "unknown column"),
                       "; the columns are ", absl::StrJoin(known, ",")));
    }
    auto [it, inserted] = columns.index_.emplace(name, index);
    if (!inserted) {
      return absl::InvalidArgumentError(
          CellError(file, 1, name, index,
                    absl::StrCat("the column appears twice, also as column ",
                                 it->second)));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& name : required) {
    if (!columns.index_.count(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ":1: the header lacks the required column",
        missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", ")));
  }
  return columns;
}

int CsvColumns::Index(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? 0 : it->second;
}

const std::string& CsvColumns::Get(const CsvRecord& record,
                                   absl::string_view name) const {
  static const std::string* const kEmpty = new std::string();
  const int index = Index(name);
  if (index == 0 || index > static_cast<int>(record.fields.size())) {
    return *kEmpty;
  }
  return record.fields[index - 1];
}

std::string CellError(absl::string_view file, int line,
                      absl::string_view column, int index,
                      absl::string_view problem) {
  if (index <= 0) {
    return absl::StrCat(file, ":", line, ":", column, ": ", problem,
                        " (the file has no such column)");
  }
  return absl::StrCat(file, ":", line, ":", column, ": ", problem, " (column ",
                      index, ")");
}

absl::string_view TrimBlanks(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsPlainNumber(absl::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::string CsvCell(absl::string_view cell) {
  std::string value;
  if (!cell.empty() &&
      absl::string_view("=+-@\t\r").find(cell.front()) !=
          absl::string_view::npos &&
      !IsPlainNumber(cell)) {
    value = "'";
  }
  value.append(cell.data(), cell.size());
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t k = 0; k < cells.size(); ++k) {
    if (k > 0) line += ',';
    line += CsvCell(cells[k]);
  }
  line += "\r\n";
  return line;
}

}  // namespace vakwijzer::cli
