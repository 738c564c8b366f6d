#ifndef VAKWIJZER_PLUGINS_MENTOR_MENTOR_MATCHER_H_
#define VAKWIJZER_PLUGINS_MENTOR_MENTOR_MATCHER_H_

#include <memory>

#include "plugins/api/matcher.h"

namespace vakwijzer::plugins {

std::unique_ptr<Matcher> NewMentorMatcher();

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_MENTOR_MENTOR_MATCHER_H_
