// Quoting what a caller sent inside an error message: at most
// kMaxQuotedBytes of it, cut at a UTF-8 character boundary, so that an
// error never echoes a megabyte of input (nor overflows gRPC's metadata
// limit, which would turn INVALID_ARGUMENT into RESOURCE_EXHAUSTED).
#ifndef VAKWIJZER_COMMON_QUOTE_H_
#define VAKWIJZER_COMMON_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace vakwijzer {

inline constexpr size_t kMaxQuotedBytes = 200;

// `text` in double quotes; when longer than kMaxQuotedBytes, its first
// bytes up to a character boundary, then "…" and how many bytes are left
// out: "abc…" (5000 more bytes).
std::string Quote(absl::string_view text);

// `text` cut to at most `max_bytes` at a UTF-8 character boundary, with
// " … (N more bytes)" appended when cut.
std::string Truncate(absl::string_view text, size_t max_bytes);

}  // namespace vakwijzer

#endif  // VAKWIJZER_COMMON_QUOTE_H_
