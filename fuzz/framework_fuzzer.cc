// The text-format framework loader (framework/framework_registry.h): any
// bytes either load as a validated framework or are refused with
// INVALID_ARGUMENT; a loaded framework answers its look-ups consistently.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "framework/framework_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vakwijzer::framework::FrameworkIndex;
  using vakwijzer::framework::FrameworkRegistry;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::unique_ptr<FrameworkIndex>> index =
      FrameworkRegistry::ParseFramework(text, "fuzz.textproto");
  if (!index.ok()) {
    if (index.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  const FrameworkIndex& fw = **index;
  if (fw.max_level() < 1) std::abort();
  for (const auto& track : fw.proto().tracks()) {
    if (!fw.HasTrack(track.id())) std::abort();
    for (const auto* ref : fw.IndicatorsOfTrack(track.id())) {
      if (fw.FindIndicator(ref->indicator->id()) != ref) std::abort();
    }
  }
  for (const auto& stage : fw.proto().stages()) {
    std::optional<int> target = fw.StageTarget(stage.id());
    if (!target || *target < fw.min_level() || *target > fw.max_level()) {
      std::abort();
    }
  }
  FrameworkRegistry registry;
  if (!registry.Add(*std::move(index)).ok()) std::abort();
  return 0;
}
