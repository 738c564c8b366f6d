// Generated organisations for matcher tests and benchmarks: people with
// random levels, and a random catalogue, over any framework.
#ifndef VAKWIJZER_TESTS_TEST_UTIL_SYNTHETIC_ORG_H_
#define VAKWIJZER_TESTS_TEST_UTIL_SYNTHETIC_ORG_H_

#include <cstdint>

#include "framework/framework_registry.h"
#include "plugins/api/snapshot.h"

namespace vakwijzer::testing {

struct SyntheticOptions {
  int people = 100;
  int modules = 20;
  int roles = 5;
  int cases = 10;
  uint64_t seed = 1;
  // Share of indicators left unknown per person.
  double unknown_share = 0.1;
  // Requirements / developed targets per role, case and module.
  int targets_per_item = 4;
};

// Deterministic for a given framework, options and seed. People "p000001"…
// with a track of the framework chosen at random, teams "team-0".."team-4",
// languages "nl" (and sometimes "en"), regions "r0".."r2", capacities 0..3
// mentoring and 10..30 caseload. Modules "organizations/{org}/modules/m…"
// develop random indicators or competencies up to level 3 or 4, hours 2..40,
// cost 0..1500, some with prerequisites. Roles and cases have random
// requirements with weights 1..5, some must-have.
plugins::OrgSnapshot MakeSyntheticOrg(
    const framework::FrameworkIndex& framework, const SyntheticOptions& options,
    const std::string& org = "synthetic");

}  // namespace vakwijzer::testing

#endif  // VAKWIJZER_TESTS_TEST_UTIL_SYNTHETIC_ORG_H_
