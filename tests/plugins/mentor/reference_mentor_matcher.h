// The mentor matcher before issue 8, as a reference for differential tests
// and "before" benchmarks.
#ifndef VAKWIJZER_TESTS_PLUGINS_MENTOR_REFERENCE_MENTOR_MATCHER_H_
#define VAKWIJZER_TESTS_PLUGINS_MENTOR_REFERENCE_MENTOR_MATCHER_H_

#include <memory>

#include "plugins/api/matcher.h"

namespace vakwijzer::plugins::reference {

std::unique_ptr<Matcher> NewReferenceMentorMatcher();

}  // namespace vakwijzer::plugins::reference

#endif  // VAKWIJZER_TESTS_PLUGINS_MENTOR_REFERENCE_MENTOR_MATCHER_H_
