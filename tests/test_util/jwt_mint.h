// Mints HS256 JSON Web Tokens for tests with libjwt.
#ifndef VAKWIJZER_TESTS_TEST_UTIL_JWT_MINT_H_
#define VAKWIJZER_TESTS_TEST_UTIL_JWT_MINT_H_

#include <jwt.h>

#include <cstdlib>
#include <string>

namespace vakwijzer::testing {

// `claims` is a JSON object; `kid`, when not empty, goes into the header.
// Empty on failure.
inline std::string MintHs256(const std::string& secret,
                             const std::string& claims,
                             const std::string& kid = "") {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) return "";
  std::string token;
  if (jwt_add_grants_json(jwt, claims.c_str()) == 0 &&
      (kid.empty() || jwt_add_header(jwt, "kid", kid.c_str()) == 0) &&
      jwt_set_alg(jwt, JWT_ALG_HS256,
                  reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) == 0) {
    if (char* encoded = jwt_encode_str(jwt)) {
      token = encoded;
      free(encoded);
    }
  }
  jwt_free(jwt);
  return token;
}

}  // namespace vakwijzer::testing

#endif  // VAKWIJZER_TESTS_TEST_UTIL_JWT_MINT_H_
