// `vakwijzer token mint`: HS256 JSON Web Tokens for development and tests,
// signed with the same secret file the server verifies with
// (vakwijzerd --auth=jwt --jwt_keys=FILE). Production tokens come from an
// identity provider, not from here.
#ifndef VAKWIJZER_CLIENTS_CLI_TOKEN_H_
#define VAKWIJZER_CLIENTS_CLI_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vakwijzer::cli {

// The shortest HS256 secret accepted, in bytes (as the server's).
inline constexpr size_t kMinSecretBytes = 32;

struct MintOptions {
  std::string secret;  // the HMAC key (ReadSecretFile)
  std::string subject = "cli";
  std::string organization;        // an organisation id or "*"
  std::vector<std::string> roles;  // admin, assessor, reader, self
  std::string person;              // required with role self
  absl::Duration ttl = absl::Hours(1);
  std::string issuer;    // `iss` when not empty
  std::string audience;  // `aud` when not empty
};

// The HS256 secret in `path`: its bytes with one trailing newline (LF or
// CRLF) removed, as the server reads it. INVALID_ARGUMENT naming the file
// when it cannot be read, is shorter than kMinSecretBytes, or holds a PEM
// key or starts like JSON (which the server reads as public keys or a
// JWKS document, not as a secret).
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// A signed compact JWT with claims sub, org, roles (a JSON array), person
// (when set), iat = `now`, exp = `now` + ttl (whole seconds), iss and aud
// (when set). INVALID_ARGUMENT naming the flag (--org, --roles, --person,
// --ttl, --sub) when an option is missing or wrong: an unknown or repeated
// role, self without person, a ttl that is not positive, a secret shorter
// than kMinSecretBytes.
absl::StatusOr<std::string> MintToken(const MintOptions& options,
                                      absl::Time now);

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_TOKEN_H_
