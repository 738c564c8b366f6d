// Opaque page tokens (AIP-158). A token carries the last id returned and a
// fingerprint of the listing it belongs to (parent and filter), so a token
// cannot be reused for another listing. It grants no access: the caller's
// parent decides what is listed.
#ifndef VAKWIJZER_SERVICES_CORE_PAGING_H_
#define VAKWIJZER_SERVICES_CORE_PAGING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vakwijzer::core {

std::string EncodePageToken(absl::string_view last_id,
                            absl::string_view listing);

// The last id of the previous page; "" for an empty token. INVALID_ARGUMENT
// naming page_token for a malformed token or one of another listing.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view listing);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_PAGING_H_
