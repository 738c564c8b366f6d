#include "common/names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/quote.h"

namespace vakwijzer {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

absl::Status BadName(absl::string_view field, absl::string_view name,
                     absl::string_view pattern) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": malformed resource name ", Quote(name),
                   "; expected ", pattern));
}

}  // namespace

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  if (id.size() > static_cast<size_t>(kMaxIdLength)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kMaxIdLength, " characters"));
  }
  if (id[0] == '.' || id[0] == '-') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not start with '.' or '-'"));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", Quote(id), " has a character outside [A-Za-z0-9._-]"));
    }
  }
  return absl::OkStatus();
}

std::string PersonName::Format() const {
  return absl::StrCat("organizations/", org, "/people/", person);
}

std::string AssessmentName::Format() const {
  return absl::StrCat("organizations/", org, "/people/", person,
                      "/assessments/", assessment);
}

std::string OrganizationName(absl::string_view org) {
  return absl::StrCat("organizations/", org);
}

std::string FrameworkName(absl::string_view id) {
  return absl::StrCat("frameworks/", id);
}

absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name,
                                                  absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "organizations") {
    return BadName(field, name, "organizations/{org}");
  }
  if (absl::Status s = ValidateId(parts[1], field); !s.ok()) return s;
  return std::string(parts[1]);
}

absl::StatusOr<PersonName> ParsePersonName(absl::string_view name,
                                           absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" ||
      parts[2] != "people") {
    return BadName(field, name, "organizations/{org}/people/{person}");
  }
  if (absl::Status s = ValidateId(parts[1], field); !s.ok()) return s;
  if (absl::Status s = ValidateId(parts[3], field); !s.ok()) return s;
  return PersonName{std::string(parts[1]), std::string(parts[3])};
}

absl::StatusOr<std::string> ParseFrameworkName(absl::string_view name,
                                               absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "frameworks") {
    return BadName(field, name, "frameworks/{framework}");
  }
  if (absl::Status s = ValidateId(parts[1], field); !s.ok()) return s;
  return std::string(parts[1]);
}

}  // namespace vakwijzer
