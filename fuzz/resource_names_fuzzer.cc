// Resource names and ids (common/names.h): every parser either refuses the
// text with INVALID_ARGUMENT or returns ids that pass ValidateId and format
// back to exactly the text parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/names.h"

namespace {

// Aborts unless `status` is OK or INVALID_ARGUMENT; returns whether OK.
bool Accepted(const absl::Status& status) {
  if (status.ok()) return true;
  if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
  return false;
}

void RequireValidId(absl::string_view id) {
  if (!vakwijzer::ValidateId(id, "id").ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view name(reinterpret_cast<const char*>(data), size);
  Accepted(vakwijzer::ValidateId(name, "id"));

  absl::StatusOr<std::string> org =
      vakwijzer::ParseOrganizationName(name, "parent");
  if (Accepted(org.status())) {
    RequireValidId(*org);
    if (vakwijzer::OrganizationName(*org) != name) std::abort();
  }
  absl::StatusOr<vakwijzer::PersonName> person =
      vakwijzer::ParsePersonName(name, "name");
  if (Accepted(person.status())) {
    RequireValidId(person->org);
    RequireValidId(person->person);
    if (person->Format() != name) std::abort();
  }
  absl::StatusOr<std::string> framework =
      vakwijzer::ParseFrameworkName(name, "name");
  if (Accepted(framework.status())) {
    RequireValidId(*framework);
    if (vakwijzer::FrameworkName(*framework) != name) std::abort();
  }
  return 0;
}
