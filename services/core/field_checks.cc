#include "services/core/field_checks.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/quote.h"
#include "common/status_macros.h"

namespace vakwijzer::core {
namespace {

bool HasControlChar(absl::string_view s, bool multiline) {
  for (unsigned char c : s) {
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts.seconds())) /
                                    absl::Nanoseconds(1)));
  return ts;
}

bool IsValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.seconds() >= -62135596800 && ts.seconds() <= 253402300799 &&
         ts.nanos() >= 0 && ts.nanos() <= 999999999;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::Status CheckText(absl::string_view value, absl::string_view field,
                       int max_length, bool required, bool multiline) {
  if (required && value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (static_cast<int>(value.size()) > max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", max_length, " bytes"));
  }
  if (HasControlChar(value, multiline)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": contains a control character"));
  }
  return absl::OkStatus();
}

absl::Status CheckDistinct(
    const google::protobuf::RepeatedPtrField<std::string>& values,
    absl::string_view field, int max_length) {
  if (values.size() > kMaxListSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": more than ", kMaxListSize, " entries"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < values.size(); ++i) {
    std::string at = absl::StrCat(field, "[", i, "]");
    RETURN_IF_ERROR(CheckText(values[i], at, max_length, true));
    if (!seen.insert(values[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ": duplicate ", Quote(values[i])));
    }
  }
  return absl::OkStatus();
}

}  // namespace vakwijzer::core
