// Verifies bearer JSON Web Tokens (RFC 7519) and turns their claims into a
// Principal. Signatures are checked with libjwt; which key and algorithm
// may verify a token is decided here, before libjwt sees it, so a token
// cannot choose its own key type (no "alg": "none", no HS256 signed with a
// public key).
#ifndef VAKWIJZER_SERVICES_AUTH_JWT_VERIFIER_H_
#define VAKWIJZER_SERVICES_AUTH_JWT_VERIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal.h"

namespace vakwijzer::auth {

struct JwtOptions {
  // When not empty, `iss` must equal it.
  std::string issuer;
  // When not empty, `aud` (a string or an array of strings) must hold it.
  std::string audience;
  // Leeway for `exp` and `nbf` against the server clock.
  absl::Duration leeway = absl::Seconds(60);
};

// One verification key.
struct JwtKey {
  enum class Type { kHmac, kRsa, kEc };
  Type type;
  // `kid` from a JWKS document, which then verifies only tokens with that
  // kid; empty for a key from a PEM file or a secret, which verifies any
  // token of its algorithm, whatever its kid.
  std::string kid;
  // The HMAC secret, or the public key as PEM.
  std::string material;
};

// Parses a key file: a JWKS document ({"keys": [...]}, RSA and EC P-256
// public keys, "oct" secrets), one or more PEM public keys (RSA or EC
// P-256), or, for any other content, an HS256 secret (the file's bytes,
// one trailing newline removed; at least 32 bytes). INVALID_ARGUMENT naming
// `path` and what is wrong; NOT_FOUND when the file cannot be read.
absl::StatusOr<std::vector<JwtKey>> LoadJwtKeys(const std::string& path);

// Thread-safe once constructed.
class JwtVerifier {
 public:
  JwtVerifier(std::vector<JwtKey> keys, JwtOptions options);

  // UNAUTHENTICATED with a short reason when `token` is malformed, signed
  // with an algorithm other than HS256/RS256/ES256 or by no known key
  // (a token's `kid` selects the JWKS keys with that kid; keys without a
  // kid are tried for every token of their algorithm), lacks `exp` or has
  // expired, is not yet valid (`nbf`), has the wrong `iss` or `aud`, or its
  // claims do not make a principal: `sub` (string, required), `org` (an
  // organisation id or "*"), `roles` (array of admin/assessor/reader/self, at
  // least one), `person` (required with role self). The message never contains
  // the token.
  absl::StatusOr<Principal> Verify(absl::string_view token,
                                   absl::Time now) const;

 private:
  std::vector<JwtKey> keys_;
  JwtOptions options_;
};

}  // namespace vakwijzer::auth

#endif  // VAKWIJZER_SERVICES_AUTH_JWT_VERIFIER_H_
