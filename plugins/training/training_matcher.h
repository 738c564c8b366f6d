#ifndef VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_
#define VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_

#include <memory>
#include <string>

#include "plugins/api/matcher.h"
#include "plugins/api/snapshot.h"

namespace vakwijzer::plugins {

std::unique_ptr<Matcher> NewTrainingMatcher();

// Why `person` can never take `module`, whatever a call's budgets and
// filters: it is for another framework or track, the person completed it,
// or a prerequisite is not met (never rated counts as not met). Empty when
// they can. The one eligibility rule of the training matcher and of team
// training plans.
std::string ModuleBarrier(const v1::TrainingModule& module,
                          const PersonView& person);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_TRAINING_TRAINING_MATCHER_H_
