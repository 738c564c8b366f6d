// Reading whole files and text-format protos with positioned errors.
#ifndef VAKWIJZER_FRAMEWORK_TEXT_IO_H_
#define VAKWIJZER_FRAMEWORK_TEXT_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace vakwijzer::framework {

// The whole file; NOT_FOUND or UNAVAILABLE naming the path on failure.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Parses `text` into `message`; on failure INVALID_ARGUMENT
// "source:line:column: problem". Records field locations into `locations`
// when given.
absl::Status ParseTextProto(
    absl::string_view text, absl::string_view source,
    google::protobuf::Message* message,
    google::protobuf::TextFormat::ParseInfoTree* locations = nullptr);

}  // namespace vakwijzer::framework

#endif  // VAKWIJZER_FRAMEWORK_TEXT_IO_H_
