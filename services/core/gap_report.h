// Gaps between a person's current levels and the target of their stage.
#ifndef VAKWIJZER_SERVICES_CORE_GAP_REPORT_H_
#define VAKWIJZER_SERVICES_CORE_GAP_REPORT_H_

#include <map>
#include <string>

#include "framework/framework_registry.h"
#include "vakwijzer/v1/profile.pb.h"

namespace vakwijzer::core {

// Builds the report over the indicators of `track` with every indicator's
// target `target_level`. `levels` holds the known levels by indicator id;
// indicators of the track missing from it are unknown. Fills indicators,
// competencies, clusters, overall, top_gaps (at most `top_n`) and
// unknown_indicators; the caller fills the identifying fields.
v1::GapReport BuildGapReport(
    const framework::FrameworkIndex& framework, const std::string& track,
    int target_level, const std::map<std::string, v1::IndicatorLevel>& levels,
    int top_n);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_GAP_REPORT_H_
