#include "services/core/paging.h"

#include <cstdint>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace vakwijzer::core {
namespace {

constexpr char kVersion[] = "p1";

// A fingerprint that is stable across processes (absl::Hash is not).
uint64_t Fingerprint(absl::string_view s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// What the fingerprint covers: the listing and the id, so that a token of
// another listing or a truncated one is refused.
std::string Signed(absl::string_view listing, absl::string_view last_id) {
  return absl::StrCat(listing, std::string(1, '\0'), last_id);
}

absl::Status Bad() {
  return absl::InvalidArgumentError(
      "page_token: not a token of this listing (malformed, or the parent or "
      "filter changed)");
}

}  // namespace

std::string EncodePageToken(absl::string_view last_id,
                            absl::string_view listing) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      kVersion, "|", Fingerprint(Signed(listing, last_id)), "|", last_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view listing) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Bad();
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 2));
  uint64_t fingerprint = 0;
  if (parts.size() != 3 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &fingerprint) || parts[2].empty() ||
      fingerprint != Fingerprint(Signed(listing, parts[2]))) {
    return Bad();
  }
  return parts[2];
}

}  // namespace vakwijzer::core
