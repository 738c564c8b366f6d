// Resource names (AIP-122) and the ids inside them.
#ifndef VAKWIJZER_COMMON_NAMES_H_
#define VAKWIJZER_COMMON_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vakwijzer {

inline constexpr int kMaxIdLength = 63;

// An id is 1..63 characters of [A-Za-z0-9._-], not starting with '.' or
// '-'. Returns INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateId(absl::string_view id, absl::string_view field);

struct PersonName {
  std::string org;
  std::string person;
  std::string Format() const;
};

struct AssessmentName {
  std::string org;
  std::string person;
  std::string assessment;
  std::string Format() const;
};

// "organizations/{org}" -> org.
absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name,
                                                  absl::string_view field);
// "organizations/{org}/people/{person}".
absl::StatusOr<PersonName> ParsePersonName(absl::string_view name,
                                           absl::string_view field);
// "frameworks/{framework}" -> framework id.
absl::StatusOr<std::string> ParseFrameworkName(absl::string_view name,
                                               absl::string_view field);

std::string OrganizationName(absl::string_view org);
std::string FrameworkName(absl::string_view id);

}  // namespace vakwijzer

#endif  // VAKWIJZER_COMMON_NAMES_H_
