#include "plugins/api/matcher.h"
#include "plugins/case_staffing/case_staffing_matcher.h"
#include "plugins/mentor/mentor_matcher.h"
#include "plugins/role_fit/role_fit_matcher.h"
#include "plugins/training/training_matcher.h"

namespace vakwijzer::plugins {

absl::Status RegisterBuiltinMatchers(MatcherRegistry* registry) {
  for (auto* make : {&NewTrainingMatcher, &NewMentorMatcher, &NewRoleFitMatcher,
                     &NewCaseStaffingMatcher}) {
    if (absl::Status s = registry->Add(make()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace vakwijzer::plugins
