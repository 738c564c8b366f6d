#include "common/quote.h"

#include "absl/strings/str_cat.h"

namespace vakwijzer {
namespace {

// The longest prefix of `text` of at most `max_bytes` that does not end
// inside a UTF-8 sequence (continuation bytes are 10xxxxxx).
absl::string_view Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

}  // namespace

std::string Quote(absl::string_view text) {
  absl::string_view shown = Prefix(text, kMaxQuotedBytes);
  if (shown.size() == text.size()) return absl::StrCat("\"", text, "\"");
  return absl::StrCat("\"", shown, "…\" (", text.size() - shown.size(),
                      " more bytes)");
}

std::string Truncate(absl::string_view text, size_t max_bytes) {
  absl::string_view shown = Prefix(text, max_bytes);
  if (shown.size() == text.size()) return std::string(text);
  return absl::StrCat(shown, " … (", text.size() - shown.size(),
                      " more bytes)");
}

}  // namespace vakwijzer
