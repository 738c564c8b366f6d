// The ListProfiles filter (services/core/profile_filter.h): any text either
// parses or is refused with INVALID_ARGUMENT; a parsed filter can be matched.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/profile_filter.h"
#include "vakwijzer/v1/profile.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<vakwijzer::core::ProfileFilter> filter =
      vakwijzer::core::ProfileFilter::Parse(text);
  if (!filter.ok()) {
    if (filter.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  vakwijzer::v1::Profile profile;
  profile.add_teams("noord");
  profile.set_role("developer");
  profile.set_track("hbo");
  profile.set_target_stage("medior");
  (void)filter->Matches(profile);
  (void)filter->Matches(vakwijzer::v1::Profile());
  return 0;
}
