#ifndef VAKWIJZER_PLUGINS_ROLE_FIT_ROLE_FIT_MATCHER_H_
#define VAKWIJZER_PLUGINS_ROLE_FIT_ROLE_FIT_MATCHER_H_

#include <memory>

#include "plugins/api/matcher.h"

namespace vakwijzer::plugins {

std::unique_ptr<Matcher> NewRoleFitMatcher();

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_ROLE_FIT_ROLE_FIT_MATCHER_H_
