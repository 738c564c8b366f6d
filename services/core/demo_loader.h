// Loads a bundle of people and assessments (vakwijzer.v1.ImportBundle in
// text format) through the ProfileManager, so that it is validated like any
// request.
#ifndef VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_
#define VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/core/profile_manager.h"

namespace vakwijzer::core {

struct LoadStats {
  int people = 0;
  int assessments = 0;
};

// Reads `path` and records every person and assessment in it. Errors name
// the file and, for parse errors, the line; for a rejected record, the
// person and the field.
absl::StatusOr<LoadStats> LoadBundleFile(const std::string& path,
                                         ProfileManager* manager);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_DEMO_LOADER_H_
