#include "services/auth/jwt_verifier.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace vakwijzer::auth {
namespace {

using Json = nlohmann::json;

// Larger tokens are refused before any parsing.
constexpr size_t kMaxTokenSize = 8 * 1024;
// HS256 secrets shorter than the hash output are refused (RFC 7518 3.2).
constexpr size_t kMinSecretSize = 32;
constexpr int kMinRsaBits = 2048;
// The longest `sub` taken into a Principal (it ends up in the audit trail).
constexpr size_t kMaxSubjectSize = 256;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};
struct JwtFree {
  void operator()(jwt_t* p) const { jwt_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// ---------------------------------------------------------------------------
// base64url (RFC 4648 section 5), no padding.

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool IsBase64Url(absl::string_view s) {
  for (char c : s) {
    if (Base64UrlValue(c) < 0) return false;
  }
  return true;
}

// Strict: only the url-safe alphabet, no padding, no leftover bits.
std::optional<std::string> Base64UrlDecode(absl::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Parses `text` as JSON without exceptions; discarded (null) on error.
Json ParseJson(absl::string_view text) {
  return Json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                     /*allow_exceptions=*/false);
}

// ---------------------------------------------------------------------------
// Keys.

bool IsSupportedAlg(absl::string_view alg) {
  return alg == "HS256" || alg == "RS256" || alg == "ES256";
}

std::optional<JwtKey::Type> TypeForAlg(absl::string_view alg) {
  if (alg == "HS256") return JwtKey::Type::kHmac;
  if (alg == "RS256") return JwtKey::Type::kRsa;
  if (alg == "ES256") return JwtKey::Type::kEc;
  return std::nullopt;
}

jwt_alg_t JwtAlgForType(JwtKey::Type type) {
  switch (type) {
    case JwtKey::Type::kHmac:
      return JWT_ALG_HS256;
    case JwtKey::Type::kRsa:
      return JWT_ALG_RS256;
    case JwtKey::Type::kEc:
      return JWT_ALG_ES256;
  }
  return JWT_ALG_INVAL;
}

bool LooksLikePem(absl::string_view s) {
  return absl::StrContains(s, "-----BEGIN ");
}

// The key as SubjectPublicKeyInfo PEM, the form libjwt reads.
absl::StatusOr<std::string> PublicKeyPem(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    return absl::InternalError("cannot write a public key as PEM");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// Classifies an OpenSSL public key as RS256 or ES256 (P-256 only); the
// error says what is wrong with it, without a location.
absl::StatusOr<JwtKey::Type> ClassifyPublicKey(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
      return absl::InvalidArgumentError(
          absl::StrCat("RSA key shorter than ", kMinRsaBits, " bits"));
    }
    return JwtKey::Type::kRsa;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof group, &len) != 1 ||
        std::strcmp(group, SN_X9_62_prime256v1) != 0) {
      return absl::InvalidArgumentError("EC key not on curve P-256");
    }
    return JwtKey::Type::kEc;
  }
  return absl::InvalidArgumentError("neither an RSA nor an EC public key");
}

// Builds a public key from OpenSSL parameters of key type `name` ("RSA",
// "EC").
EvpPkeyPtr PublicKeyFromParams(const char* name, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr));
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return nullptr;
  }
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) !=
      1) {
    return nullptr;
  }
  return EvpPkeyPtr(pkey);
}

// A JWK member that must be a non-empty base64url string.
absl::StatusOr<std::string> JwkBytes(const Json& jwk, const char* member) {
  auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", member, "\" missing or not a string"));
  }
  absl::string_view text = it->get_ref<const std::string&>();
  // RFC 7518 forbids padding; tolerate it here since it is unambiguous.
  while (absl::ConsumeSuffix(&text, "=")) {
  }
  std::optional<std::string> bytes = Base64UrlDecode(text);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", member, "\" is not base64url"));
  }
  return *std::move(bytes);
}

absl::StatusOr<std::string> RsaJwkToPem(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string n_bytes, JwkBytes(jwk, "n"));
  ASSIGN_OR_RETURN(std::string e_bytes, JwkBytes(jwk, "e"));
  BnPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes.data()),
                    static_cast<int>(n_bytes.size()), nullptr));
  BnPtr e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes.data()),
                    static_cast<int>(e_bytes.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (n == nullptr || e == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return absl::InternalError("cannot build an RSA key");
  }
  if (!BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) {
    return absl::InvalidArgumentError("not a valid RSA public key");
  }
  EvpPkeyPtr pkey = PublicKeyFromParams("RSA", bld.get());
  if (pkey == nullptr) {
    return absl::InvalidArgumentError("not a valid RSA public key");
  }
  RETURN_IF_ERROR(ClassifyPublicKey(pkey.get()).status());
  return PublicKeyPem(pkey.get());
}

absl::StatusOr<std::string> EcJwkToPem(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string x, JwkBytes(jwk, "x"));
  ASSIGN_OR_RETURN(std::string y, JwkBytes(jwk, "y"));
  if (x.size() != 32 || y.size() != 32) {
    return absl::InvalidArgumentError("\"x\" and \"y\" must be 32 bytes each");
  }
  std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::InternalError("cannot build an EC key");
  }
  EvpPkeyPtr pkey = PublicKeyFromParams("EC", bld.get());
  // fromdata decodes the point, which checks that it is on the curve;
  // the public check makes that explicit.
  std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree> check(
      pkey == nullptr
          ? nullptr
          : EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError("not a valid P-256 public key");
  }
  return PublicKeyPem(pkey.get());
}

absl::Status CheckSecret(absl::string_view secret) {
  if (secret.size() < kMinSecretSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("HS256 secret shorter than ", kMinSecretSize, " bytes"));
  }
  if (LooksLikePem(secret)) {
    return absl::InvalidArgumentError("HS256 secret must not be a PEM key");
  }
  return absl::OkStatus();
}

// One JWKS entry; nullopt when it is skipped (not for signing, another
// algorithm, an unsupported key type or curve).
absl::StatusOr<std::optional<JwtKey>> ParseJwk(const Json& jwk) {
  if (!jwk.is_object()) return absl::InvalidArgumentError("not an object");
  auto member = [&jwk](const char* name) -> const Json* {
    auto it = jwk.find(name);
    return it == jwk.end() ? nullptr : &*it;
  };
  const Json* kty = member("kty");
  if (kty == nullptr || !kty->is_string()) {
    return absl::InvalidArgumentError("\"kty\" missing or not a string");
  }
  const Json* use = member("use");
  if (use != nullptr) {
    if (!use->is_string()) {
      return absl::InvalidArgumentError("\"use\" is not a string");
    }
    if (*use != "sig") return std::nullopt;
  }
  const Json* alg = member("alg");
  if (alg != nullptr) {
    if (!alg->is_string()) {
      return absl::InvalidArgumentError("\"alg\" is not a string");
    }
    if (!IsSupportedAlg(alg->get_ref<const std::string&>())) {
      return std::nullopt;
    }
  }
  JwtKey key;
  if (const Json* kid = member("kid"); kid != nullptr) {
    if (!kid->is_string()) {
      return absl::InvalidArgumentError("\"kid\" is not a string");
    }
    key.kid = kid->get<std::string>();
  }
  const std::string& type = kty->get_ref<const std::string&>();
  if (type == "RSA") {
    key.type = JwtKey::Type::kRsa;
    if (member("d") != nullptr) {
      return absl::InvalidArgumentError(
          "holds a private key; give the public key");
    }
    ASSIGN_OR_RETURN(key.material, RsaJwkToPem(jwk));
  } else if (type == "EC") {
    key.type = JwtKey::Type::kEc;
    const Json* crv = member("crv");
    if (crv == nullptr || !crv->is_string()) {
      return absl::InvalidArgumentError("\"crv\" missing or not a string");
    }
    if (*crv != "P-256") return std::nullopt;
    if (member("d") != nullptr) {
      return absl::InvalidArgumentError(
          "holds a private key; give the public key");
    }
    ASSIGN_OR_RETURN(key.material, EcJwkToPem(jwk));
  } else if (type == "oct") {
    key.type = JwtKey::Type::kHmac;
    ASSIGN_OR_RETURN(key.material, JwkBytes(jwk, "k"));
    RETURN_IF_ERROR(CheckSecret(key.material));
  } else {
    return std::nullopt;  // e.g. OKP: not one of our algorithms
  }
  if (alg != nullptr && TypeForAlg(alg->get_ref<const std::string&>()) !=
                            std::optional<JwtKey::Type>(key.type)) {
    return absl::InvalidArgumentError("\"alg\" does not match \"kty\"");
  }
  return key;
}

absl::StatusOr<std::vector<JwtKey>> ParseJwks(const std::string& path,
                                              const Json& doc) {
  auto keys_it = doc.find("keys");
  if (keys_it == doc.end() || !keys_it->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": JSON but not a JWKS document (no \"keys\" array)"));
  }
  std::vector<JwtKey> keys;
  for (size_t i = 0; i < keys_it->size(); ++i) {
    absl::StatusOr<std::optional<JwtKey>> key = ParseJwk((*keys_it)[i]);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": key ", i, ": ", key.status().message()));
    }
    if (key->has_value()) keys.push_back(**std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no signing key for HS256, RS256 or ES256 in the JWKS"));
  }
  return keys;
}

absl::StatusOr<std::vector<JwtKey>> ParsePem(const std::string& path,
                                             const std::string& content) {
  BioPtr bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (bio == nullptr) return absl::InternalError("out of memory");
  std::vector<JwtKey> keys;
  for (int index = 0;; ++index) {
    char* raw_name = nullptr;
    char* raw_header = nullptr;
    unsigned char* raw_data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &raw_name, &raw_header, &raw_data, &len) != 1) {
      break;  // end of input (or junk after the last block)
    }
    std::unique_ptr<char, OpenSslFree> name(raw_name);
    std::unique_ptr<char, OpenSslFree> header(raw_header);
    std::unique_ptr<unsigned char, OpenSslFree> data(raw_data);
    const std::string where = absl::StrCat(path, ": PEM block ", index, ": ");
    if (absl::StrContains(name.get(), "PRIVATE KEY")) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " holds a private key; give the public key"));
    }
    const unsigned char* p = data.get();
    EvpPkeyPtr pkey;
    if (std::strcmp(name.get(), PEM_STRING_PUBLIC) == 0) {
      pkey.reset(d2i_PUBKEY(nullptr, &p, len));
    } else if (std::strcmp(name.get(), PEM_STRING_RSA_PUBLIC) == 0) {
      pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "\"", absl::string_view(name.get()).substr(0, 40),
                       "\" is not a public key (expected BEGIN PUBLIC KEY)"));
    }
    if (pkey == nullptr || p != data.get() + len) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "cannot decode the public key"));
    }
    absl::StatusOr<JwtKey::Type> type = ClassifyPublicKey(pkey.get());
    if (!type.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, type.status().message()));
    }
    ASSIGN_OR_RETURN(std::string pem, PublicKeyPem(pkey.get()));
    keys.push_back(JwtKey{*type, "", std::move(pem)});
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no readable PEM public key"));
  }
  return keys;
}

// ---------------------------------------------------------------------------
// Claims.

absl::Status Reject(absl::string_view reason) {
  return absl::UnauthenticatedError(reason);
}

// A NumericDate claim as a time; nullopt when it is not a finite number.
std::optional<absl::Time> NumericDate(const Json& value) {
  if (!value.is_number()) return std::nullopt;
  double seconds = value.get<double>();
  if (!std::isfinite(seconds)) return std::nullopt;
  return absl::UnixEpoch() + absl::Seconds(seconds);
}

bool IsPrintable(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::Status CheckTimes(const Json& claims, absl::Time now,
                        absl::Duration leeway) {
  auto exp_it = claims.find("exp");
  if (exp_it == claims.end()) return Reject("missing claim exp");
  std::optional<absl::Time> exp = NumericDate(*exp_it);
  if (!exp.has_value()) return Reject("claim exp must be a number");
  if (*exp + leeway < now) return Reject("token expired");
  if (auto nbf_it = claims.find("nbf"); nbf_it != claims.end()) {
    std::optional<absl::Time> nbf = NumericDate(*nbf_it);
    if (!nbf.has_value()) return Reject("claim nbf must be a number");
    if (*nbf - leeway > now) return Reject("token not yet valid");
  }
  return absl::OkStatus();
}

absl::Status CheckIssuerAndAudience(const Json& claims,
                                    const JwtOptions& options) {
  if (!options.issuer.empty()) {
    auto iss = claims.find("iss");
    if (iss == claims.end()) return Reject("missing claim iss");
    if (!iss->is_string() || *iss != options.issuer) {
      return Reject("wrong issuer (iss)");
    }
  }
  auto aud = claims.find("aud");
  if (aud == claims.end()) {
    if (!options.audience.empty()) return Reject("missing claim aud");
    return absl::OkStatus();
  }
  bool found = false;
  if (aud->is_string()) {
    found = *aud == options.audience;
  } else if (aud->is_array()) {
    for (const Json& a : *aud) {
      if (!a.is_string()) {
        return Reject("claim aud must be a string or strings");
      }
      if (a == options.audience) found = true;
    }
  } else {
    return Reject("claim aud must be a string or strings");
  }
  if (!options.audience.empty() && !found) {
    return Reject("wrong audience (aud)");
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> ClaimsToPrincipal(const Json& claims) {
  Principal principal;
  auto sub = claims.find("sub");
  if (sub == claims.end()) return Reject("missing claim sub");
  if (!sub->is_string() || sub->get_ref<const std::string&>().empty() ||
      sub->get_ref<const std::string&>().size() > kMaxSubjectSize ||
      !IsPrintable(sub->get_ref<const std::string&>())) {
    return Reject(absl::StrCat("claim sub must be a string of 1 to ",
                               kMaxSubjectSize, " printable characters"));
  }
  principal.subject = sub->get<std::string>();

  auto org = claims.find("org");
  if (org == claims.end()) return Reject("missing claim org");
  if (!org->is_string() ||
      (org->get_ref<const std::string&>() != kAnyOrganization &&
       !ValidateId(org->get_ref<const std::string&>(), "org").ok())) {
    return Reject("claim org must be an organisation id or \"*\"");
  }
  principal.organization = org->get<std::string>();

  auto roles = claims.find("roles");
  if (roles == claims.end()) return Reject("missing claim roles");
  if (!roles->is_array() || roles->empty()) {
    return Reject("claim roles must be a non-empty array of roles");
  }
  for (const Json& name : *roles) {
    // ParseRole's message quotes the name, a part of the token: not used.
    absl::StatusOr<Role> role =
        name.is_string() ? ParseRole(name.get_ref<const std::string&>())
                         : absl::InvalidArgumentError("");
    if (!role.ok()) {
      return Reject(
          "claim roles holds an unknown role; roles are admin, assessor, "
          "reader, self");
    }
    principal.roles |= *role;
  }

  auto person = claims.find("person");
  if (person != claims.end()) {
    if (!person->is_string() ||
        !ValidateId(person->get_ref<const std::string&>(), "person").ok()) {
      return Reject("claim person must be a person id");
    }
    principal.person = person->get<std::string>();
  }
  if (principal.Has(kRoleSelf) && principal.person.empty()) {
    return Reject("role self requires claim person");
  }
  return principal;
}

}  // namespace

absl::StatusOr<std::vector<JwtKey>> LoadJwtKeys(const std::string& path) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  }
  std::string content = std::move(buffer).str();
  if (content.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, " is empty"));
  }

  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(content);
  if (absl::StartsWith(trimmed, "{")) {
    // A broken JWKS must not silently become an HMAC secret.
    Json doc = ParseJson(content);
    if (!doc.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": starts like JSON but is not a JSON object"));
    }
    return ParseJwks(path, doc);
  }
  if (LooksLikePem(content)) return ParsePem(path, content);

  std::string secret = std::move(content);
  if (absl::EndsWith(secret, "\n")) secret.pop_back();
  if (absl::EndsWith(secret, "\r")) secret.pop_back();
  if (absl::Status s = CheckSecret(secret); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return std::vector<JwtKey>{
      JwtKey{JwtKey::Type::kHmac, "", std::move(secret)}};
}

JwtVerifier::JwtVerifier(std::vector<JwtKey> keys, JwtOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {}

absl::StatusOr<Principal> JwtVerifier::Verify(absl::string_view token,
                                              absl::Time now) const {
  if (token.size() > kMaxTokenSize) return Reject("token too large");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Reject("malformed token: expected three parts");
  }
  for (absl::string_view part : parts) {
    // Also keeps NULs out of the string libjwt reads.
    if (part.empty() || !IsBase64Url(part)) {
      return Reject("malformed token: a part is not base64url");
    }
  }

  std::optional<std::string> header_text = Base64UrlDecode(parts[0]);
  std::optional<std::string> payload_text = Base64UrlDecode(parts[1]);
  if (!header_text.has_value() || !payload_text.has_value() ||
      !Base64UrlDecode(parts[2]).has_value()) {
    return Reject("malformed token: a part is not base64url");
  }
  Json header = ParseJson(*header_text);
  if (!header.is_object()) {
    return Reject("malformed token: header is not a JSON object");
  }
  Json claims = ParseJson(*payload_text);
  if (!claims.is_object()) {
    return Reject("malformed token: payload is not a JSON object");
  }

  // The algorithm and key type are decided here, not by libjwt.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return Reject("malformed token: header lacks alg");
  }
  std::optional<JwtKey::Type> type =
      TypeForAlg(alg->get_ref<const std::string&>());
  if (!type.has_value()) {
    return Reject("unsupported algorithm; use HS256, RS256 or ES256");
  }
  if (header.contains("crit")) {
    return Reject("unsupported critical header parameters");
  }
  if (auto typ = header.find("typ"); typ != header.end()) {
    // libjwt refuses any other typ; say so instead of "bad signature".
    if (!typ->is_string() ||
        !absl::EqualsIgnoreCase(typ->get_ref<const std::string&>(), "JWT")) {
      return Reject("unsupported token type; expected JWT");
    }
  }

  std::vector<const JwtKey*> candidates;
  auto kid = header.find("kid");
  if (kid != header.end()) {
    if (!kid->is_string()) {
      return Reject("malformed token: kid is not a string");
    }
    // A JWKS key answers to its own kid only; a key from a PEM file or a
    // secret, which has none, to every kid (identity providers send one).
    bool known = false;
    for (const JwtKey& key : keys_) {
      if (!key.kid.empty() && key.kid != *kid) continue;
      known = known || !key.kid.empty();
      if (key.type == *type) candidates.push_back(&key);
    }
    if (!known && candidates.empty()) return Reject("unknown key id");
  } else {
    for (const JwtKey& key : keys_) {
      if (key.type == *type) candidates.push_back(&key);
    }
  }
  if (candidates.empty()) {
    return Reject("no key for the token's algorithm");
  }

  const std::string token_string(token);
  bool verified = false;
  for (const JwtKey* key : candidates) {
    // Never an HMAC over a public key's PEM text, even if the caller built
    // such a JwtKey by hand.
    if (key->type == JwtKey::Type::kHmac && LooksLikePem(key->material)) {
      continue;
    }
    jwt_t* raw = nullptr;
    int rc =
        jwt_decode(&raw, token_string.c_str(),
                   reinterpret_cast<const unsigned char*>(key->material.data()),
                   static_cast<int>(key->material.size()));
    std::unique_ptr<jwt_t, JwtFree> jwt(raw);
    // libjwt parses the header again; it must have seen the same alg.
    if (rc == 0 && jwt != nullptr &&
        jwt_get_alg(jwt.get()) == JwtAlgForType(*type)) {
      verified = true;
      break;
    }
  }
  if (!verified) return Reject("bad signature");

  RETURN_IF_ERROR(CheckTimes(claims, now, options_.leeway));
  RETURN_IF_ERROR(CheckIssuerAndAudience(claims, options_));
  return ClaimsToPrincipal(claims);
}

}  // namespace vakwijzer::auth
