#ifndef VAKWIJZER_PLUGINS_CASE_STAFFING_CASE_STAFFING_MATCHER_H_
#define VAKWIJZER_PLUGINS_CASE_STAFFING_CASE_STAFFING_MATCHER_H_

#include <memory>

#include "plugins/api/matcher.h"

namespace vakwijzer::plugins {

std::unique_ptr<Matcher> NewCaseStaffingMatcher();

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_CASE_STAFFING_CASE_STAFFING_MATCHER_H_
