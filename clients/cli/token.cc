#include "clients/cli/token.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal.h"

namespace vakwijzer::cli {

namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

absl::Status LibjwtError(int error, absl::string_view what) {
  return absl::InternalError(
      absl::StrCat("libjwt: ", what, ": ", std::strerror(error)));
}

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--secret_file: cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  // The server's rules (services/auth LoadJwtKeys): a file that starts
  // like JSON is a JWKS, one with a PEM block holds public keys, anything
  // else is the secret without one trailing newline (LF or CRLF).
  if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(secret), "{")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--secret_file: ", path,
        " is JSON, which the server reads as a JWKS document; token mint "
        "signs with an HS256 secret only"));
  }
  if (absl::EndsWith(secret, "\n")) secret.pop_back();
  if (absl::EndsWith(secret, "\r")) secret.pop_back();
  if (absl::StrContains(secret, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--secret_file: ", path,
        " holds a PEM key; token mint signs with an HS256 secret only"));
  }
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--secret_file: ", path, " holds ", secret.size(),
        " bytes; an HS256 secret needs at least ", kMinSecretBytes));
  }
  return secret;
}

absl::StatusOr<std::string> MintToken(const MintOptions& options,
                                      absl::Time now) {
  if (options.subject.empty()) {
    return absl::InvalidArgumentError("--sub must not be empty");
  }
  if (options.organization.empty()) {
    return absl::InvalidArgumentError(
        "--org is required: an organisation id, or * for every one");
  }
  if (options.roles.empty()) {
    return absl::InvalidArgumentError(
        "--roles is required: a comma-separated list of admin, assessor, "
        "reader, self");
  }
  std::set<std::string> seen;
  for (const std::string& role : options.roles) {
    if (absl::StatusOr<Role> parsed = ParseRole(role); !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--roles: ", parsed.status().message()));
    }
    if (!seen.insert(role).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--roles: \"", role, "\" is listed twice"));
    }
  }
  if (seen.count("self") && options.person.empty()) {
    return absl::InvalidArgumentError(
        "--roles=self needs --person (the caller's own person id)");
  }
  if (options.ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--ttl must be positive, got ", absl::FormatDuration(options.ttl)));
  }
  const int64_t ttl_seconds = absl::ToInt64Seconds(options.ttl);
  if (ttl_seconds < 1) {
    return absl::InvalidArgumentError(
        "--ttl must be at least 1s: exp and iat are whole seconds");
  }
  if (options.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the HS256 secret holds ", options.secret.size(),
                     " bytes; it needs at least ", kMinSecretBytes));
  }

  jwt_t* raw = nullptr;
  if (int e = jwt_new(&raw); e != 0) return LibjwtError(e, "jwt_new");
  JwtPtr jwt(raw);
  const std::pair<const char*, const std::string*> strings[] = {
      {"sub", &options.subject},
      {"org", &options.organization},
      {"person", &options.person},
      {"iss", &options.issuer},
      {"aud", &options.audience}};
  for (const auto& [claim, value] : strings) {
    if (value->empty()) continue;
    if (int e = jwt_add_grant(jwt.get(), claim, value->c_str()); e != 0) {
      return LibjwtError(e, absl::StrCat("jwt_add_grant ", claim));
    }
  }
  // The role names are checked above, so they need no JSON escaping.
  const std::string roles = absl::StrCat(
      "{\"roles\":[\"", absl::StrJoin(options.roles, "\",\""), "\"]}");
  if (int e = jwt_add_grants_json(jwt.get(), roles.c_str()); e != 0) {
    return LibjwtError(e, "jwt_add_grants_json roles");
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  if (int e = jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(iat));
      e != 0) {
    return LibjwtError(e, "jwt_add_grant_int iat");
  }
  if (int e = jwt_add_grant_int(jwt.get(), "exp",
                                static_cast<long>(iat + ttl_seconds));
      e != 0) {
    return LibjwtError(e, "jwt_add_grant_int exp");
  }
  if (int e = jwt_set_alg(
          jwt.get(), JWT_ALG_HS256,
          reinterpret_cast<const unsigned char*>(options.secret.data()),
          static_cast<int>(options.secret.size()));
      e != 0) {
    return LibjwtError(e, "jwt_set_alg HS256");
  }
  std::unique_ptr<char, FreeDeleter> encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return LibjwtError(errno, "jwt_encode_str");
  return std::string(encoded.get());
}

}  // namespace vakwijzer::cli
