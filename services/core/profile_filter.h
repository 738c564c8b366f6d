// The filter of ListProfiles: equalities joined by AND, e.g.
//   team = "noord" AND track = "hbo"
// Fields: team (the profile is in that team), role, track, target_stage.
// Values are double-quoted strings with \" and \\ escapes.
#ifndef VAKWIJZER_SERVICES_CORE_PROFILE_FILTER_H_
#define VAKWIJZER_SERVICES_CORE_PROFILE_FILTER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "vakwijzer/v1/profile.pb.h"

namespace vakwijzer::core {

class ProfileFilter {
 public:
  // INVALID_ARGUMENT naming `filter` and the position of the problem.
  static absl::StatusOr<ProfileFilter> Parse(absl::string_view text);

  bool Matches(const v1::Profile& profile) const;

 private:
  std::vector<std::pair<std::string, std::string>> terms_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_PROFILE_FILTER_H_
