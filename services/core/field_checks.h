// Checks of request fields shared by the managers, and timestamp
// conversion. Errors are INVALID_ARGUMENT naming the field.
#ifndef VAKWIJZER_SERVICES_CORE_FIELD_CHECKS_H_
#define VAKWIJZER_SERVICES_CORE_FIELD_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"

namespace vakwijzer::core {

inline constexpr int kMaxListSize = 50;

// At most `max_length` bytes, no control characters (but for line breaks
// and tabs when `multiline`); not empty when `required`.
absl::Status CheckText(absl::string_view value, absl::string_view field,
                       int max_length, bool required, bool multiline = false);

// At most kMaxListSize non-empty, distinct texts of at most `max_length`.
absl::Status CheckDistinct(
    const google::protobuf::RepeatedPtrField<std::string>& values,
    absl::string_view field, int max_length);

// Within 0001-01-01 .. 9999-12-31, as google.protobuf.Timestamp requires.
bool IsValidTimestamp(const google::protobuf::Timestamp& ts);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_FIELD_CHECKS_H_
