#ifndef VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_
#define VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_

#include <memory>

#include "plugins/api/matcher.h"

namespace vakwijzer::plugins {

std::unique_ptr<Matcher> NewTrainingMatcher();

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_
