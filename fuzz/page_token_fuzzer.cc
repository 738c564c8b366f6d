// Page tokens (services/core/paging.h). The input is split at its first
// newline into a token and a listing: decoding any token either fails with
// INVALID_ARGUMENT or yields a non-empty id, and a token encoded for an id
// decodes to that id for the same listing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/paging.h"

namespace {

void CheckDecode(absl::string_view token, absl::string_view listing) {
  absl::StatusOr<std::string> id =
      vakwijzer::core::DecodePageToken(token, listing);
  if (!id.ok()) {
    if (id.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  if (id->empty() != token.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view first = input.substr(0, newline);
  const absl::string_view rest = newline == absl::string_view::npos
                                     ? absl::string_view()
                                     : input.substr(newline + 1);
  CheckDecode(first, rest);
  CheckDecode(input, "");

  // Round trip: the first part as a last id.
  if (!first.empty()) {
    const std::string token = vakwijzer::core::EncodePageToken(first, rest);
    absl::StatusOr<std::string> id =
        vakwijzer::core::DecodePageToken(token, rest);
    if (!id.ok() || *id != first) std::abort();
  }
  return 0;
}
