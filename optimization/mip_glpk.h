// The GLPK back end of SolveMip (mip.h); internal to the optimization layer.
#ifndef VAKWIJZER_OPTIMIZATION_MIP_GLPK_H_
#define VAKWIJZER_OPTIMIZATION_MIP_GLPK_H_

#include "absl/status/statusor.h"
#include "optimization/mip.h"

namespace vakwijzer::optimization::internal {

// SolveMip's contract for a `problem` that has passed its validation and has
// at least one column.
absl::StatusOr<MipSolution> SolveWithGlpk(const MipProblem& problem,
                                          const MipOptions& options);

}  // namespace vakwijzer::optimization::internal

#endif  // VAKWIJZER_OPTIMIZATION_MIP_GLPK_H_
