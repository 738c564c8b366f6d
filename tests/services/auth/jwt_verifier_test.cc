#include "services/auth/jwt_verifier.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer::auth {
namespace {

using ::absl::StatusCode;

// ---------------------------------------------------------------------------
// Keys and tokens, made here with OpenSSL and libjwt.

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr NewRsaKey() {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
}
PkeyPtr NewEcKey(const char* curve = "P-256") {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(len));
  BIO_free(bio);
  return text;
}
std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  return BioText(bio);
}
std::string PrivatePem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioText(bio);
}
// "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1).
std::string Pkcs1PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(
      key, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
  OSSL_ENCODER_to_bio(ctx, bio);
  OSSL_ENCODER_CTX_free(ctx);
  return BioText(bio);
}

std::string B64Url(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8);
    for (int shift : {18, 12, 6}) out += kAlphabet[(v >> shift) & 63];
  }
  return out;
}

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// A token built by hand: base64url of `header` and `payload` as given,
// HS256-signed with `hmac_key`.
std::string HandToken(const std::string& header, const std::string& payload,
                      const std::string& hmac_key) {
  std::string input = absl::StrCat(B64Url(header), ".", B64Url(payload));
  return absl::StrCat(input, ".", B64Url(HmacSha256(hmac_key, input)));
}

// A token minted by libjwt; `key` is the secret or the private key PEM.
std::string Mint(jwt_alg_t alg, const std::string& key,
                 const std::string& claims_json, const std::string& kid = "") {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_grants_json(jwt, claims_json.c_str()), 0);
  if (!kid.empty()) {
    EXPECT_EQ(jwt_add_header(jwt, "kid", kid.c_str()), 0);
  }
  EXPECT_EQ(
      jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())),
      0);
  char* out = jwt_encode_str(jwt);
  std::string token = out != nullptr ? out : "";
  free(out);
  jwt_free(jwt);
  return token;
}

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr long kNowSeconds = 1700000000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

// Claims of a valid token, with `extra` members added (JSON text, e.g.
// "\"aud\":\"x\"").
std::string Claims(const std::string& extra = "",
                   long exp = kNowSeconds + 3600) {
  return absl::StrCat(R"({"sub":"alice","org":"acme","roles":["admin"],"exp":)",
                      exp, extra.empty() ? "" : ",", extra, "}");
}
// Claims without exp, for claim tests: `body` is the whole object.
std::string ClaimsWith(const std::string& body) {
  return absl::StrCat("{", body, ",\"exp\":", kNowSeconds + 3600, "}");
}

JwtKey Hmac(const std::string& secret, const std::string& kid = "") {
  return JwtKey{JwtKey::Type::kHmac, kid, secret};
}

// The RSA and EC keys are slow to make; one of each for the whole suite.
class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = NewRsaKey().release();
    rsa2_ = NewRsaKey().release();
    ec_ = NewEcKey().release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(rsa_);
    EVP_PKEY_free(rsa2_);
    EVP_PKEY_free(ec_);
  }

  static JwtVerifier HmacVerifier(JwtOptions options = {}) {
    return JwtVerifier({Hmac(kSecret)}, std::move(options));
  }
  // Verifies an HS256 token with `claims` against kSecret.
  static absl::StatusOr<Principal> VerifyHs(const std::string& claims,
                                            JwtOptions options = {}) {
    return HmacVerifier(std::move(options))
        .Verify(Mint(JWT_ALG_HS256, kSecret, claims), kNow);
  }

  static EVP_PKEY* rsa_;
  static EVP_PKEY* rsa2_;
  static EVP_PKEY* ec_;
};
EVP_PKEY* JwtVerifierTest::rsa_ = nullptr;
EVP_PKEY* JwtVerifierTest::rsa2_ = nullptr;
EVP_PKEY* JwtVerifierTest::ec_ = nullptr;

// ---------------------------------------------------------------------------
// Algorithms.

TEST_F(JwtVerifierTest, Hs256Valid) {
  ASSERT_OK_AND_ASSIGN(Principal p, VerifyHs(Claims()));
  EXPECT_EQ(p.subject, "alice");
  EXPECT_EQ(p.organization, "acme");
  EXPECT_EQ(p.roles, unsigned{kRoleAdmin});
  EXPECT_EQ(p.person, "");
}

TEST_F(JwtVerifierTest, Rs256Valid) {
  JwtVerifier v({{JwtKey::Type::kRsa, "", PublicPem(rsa_)}}, {});
  ASSERT_OK_AND_ASSIGN(
      Principal p,
      v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims()), kNow));
  EXPECT_EQ(p.subject, "alice");
}

TEST_F(JwtVerifierTest, Es256Valid) {
  JwtVerifier v({{JwtKey::Type::kEc, "", PublicPem(ec_)}}, {});
  ASSERT_OK_AND_ASSIGN(
      Principal p,
      v.Verify(Mint(JWT_ALG_ES256, PrivatePem(ec_), Claims()), kNow));
  EXPECT_EQ(p.organization, "acme");
}

TEST_F(JwtVerifierTest, Es256SignatureIsRawRAndS) {
  // JOSE (RFC 7518 3.4) wants R || S, 64 bytes: 86 base64url characters.
  std::string token = Mint(JWT_ALG_ES256, PrivatePem(ec_), Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].size(), 86u);
}

TEST_F(JwtVerifierTest, TriesEveryKeyOfTheAlgorithm) {
  JwtVerifier v({{JwtKey::Type::kRsa, "", PublicPem(rsa_)},
                 {JwtKey::Type::kEc, "", PublicPem(ec_)},
                 {JwtKey::Type::kRsa, "", PublicPem(rsa2_)}},
                {});
  EXPECT_OK(v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa2_), Claims()), kNow));
}

TEST_F(JwtVerifierTest, OtherAlgorithmsRefused) {
  std::string hs512 = Mint(JWT_ALG_HS512, kSecret + kSecret, Claims());
  EXPECT_STATUS(HmacVerifier().Verify(hs512, kNow),
                StatusCode::kUnauthenticated, "unsupported algorithm");
}

TEST_F(JwtVerifierTest, AlgNoneRefused) {
  std::string input =
      absl::StrCat(B64Url(R"({"alg":"none"})"), ".", B64Url(Claims()));
  EXPECT_STATUS(HmacVerifier().Verify(input + ".", kNow),
                StatusCode::kUnauthenticated, "malformed");
  EXPECT_STATUS(HmacVerifier().Verify(input + ".AAAA", kNow),
                StatusCode::kUnauthenticated, "unsupported algorithm");
}

TEST_F(JwtVerifierTest, Hs256SignedWithRsaPublicKeyRefused) {
  // The classic confusion: the attacker knows the public key and uses its
  // PEM text as an HMAC secret.
  std::string pem = PublicPem(rsa_);
  std::string token =
      HandToken(R"({"alg":"HS256","typ":"JWT"})", Claims(), pem);
  JwtVerifier rsa_only({{JwtKey::Type::kRsa, "", pem}}, {});
  EXPECT_STATUS(rsa_only.Verify(token, kNow), StatusCode::kUnauthenticated,
                "no key for the token's algorithm");
  // Even a key wrongly typed as HMAC by its caller is not used.
  JwtVerifier mistyped({Hmac(pem)}, {});
  EXPECT_STATUS(mistyped.Verify(token, kNow), StatusCode::kUnauthenticated,
                "bad signature");
}

TEST_F(JwtVerifierTest, Rs256TokenWithOnlyHmacKeysRefused) {
  std::string token = Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims());
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated,
                "no key for the token's algorithm");
}

TEST_F(JwtVerifierTest, HandMadeHs256Accepted) {
  std::string token = HandToken(R"({"alg":"HS256"})", Claims(), kSecret);
  EXPECT_OK(HmacVerifier().Verify(token, kNow));
}

TEST_F(JwtVerifierTest, CritHeaderRefused) {
  std::string token =
      HandToken(R"({"alg":"HS256","crit":["exp"]})", Claims(), kSecret);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "critical");
}

// ---------------------------------------------------------------------------
// Signatures and key ids.

TEST_F(JwtVerifierTest, FlippedSignatureCharacterRefused) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims());
  size_t sig = token.rfind('.') + 1;
  token[sig] = token[sig] == 'A' ? 'B' : 'A';
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "bad signature");
}

TEST_F(JwtVerifierTest, ChangedPayloadRefused) {
  std::string token = Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[1] = B64Url(R"({"sub":"mallory","org":"*","roles":["admin"],"exp":)" +
                    std::to_string(kNowSeconds + 3600) + "}");
  JwtVerifier v({{JwtKey::Type::kRsa, "", PublicPem(rsa_)}}, {});
  EXPECT_STATUS(v.Verify(absl::StrJoin(parts, "."), kNow),
                StatusCode::kUnauthenticated, "bad signature");
}

TEST_F(JwtVerifierTest, KeyNotInSetRefused) {
  JwtVerifier v({{JwtKey::Type::kRsa, "", PublicPem(rsa_)}}, {});
  std::string token = Mint(JWT_ALG_RS256, PrivatePem(rsa2_), Claims());
  EXPECT_STATUS(v.Verify(token, kNow), StatusCode::kUnauthenticated,
                "bad signature");
}

TEST_F(JwtVerifierTest, OtherSecretRefused) {
  std::string token =
      Mint(JWT_ALG_HS256, "another secret of at least 32 bytes!", Claims());
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "bad signature");
}

TEST_F(JwtVerifierTest, KidSelectsTheKey) {
  JwtVerifier v({{JwtKey::Type::kRsa, "k1", PublicPem(rsa_)},
                 {JwtKey::Type::kRsa, "k2", PublicPem(rsa2_)}},
                {});
  EXPECT_OK(
      v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa2_), Claims(), "k2"), kNow));
  // Signed by k1's key but naming k2: only k2 is tried.
  EXPECT_STATUS(
      v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims(), "k2"), kNow),
      StatusCode::kUnauthenticated, "bad signature");
}

TEST_F(JwtVerifierTest, UnknownKidRefused) {
  JwtVerifier v({{JwtKey::Type::kRsa, "k1", PublicPem(rsa_)}}, {});
  std::string token = Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims(), "k9");
  EXPECT_STATUS(v.Verify(token, kNow), StatusCode::kUnauthenticated,
                "unknown key id");
}

// Identity providers send a kid even where the server was given a bare
// PEM key or secret: such a key verifies tokens of any kid.
TEST_F(JwtVerifierTest, KeysWithoutKidVerifyAnyKid) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims(), "k1");
  EXPECT_OK(HmacVerifier().Verify(token, kNow));
  std::string forged =
      Mint(JWT_ALG_HS256, "another-secret-of-at-least-32-by", Claims(), "k1");
  EXPECT_STATUS(HmacVerifier().Verify(forged, kNow),
                StatusCode::kUnauthenticated, "bad signature");
}

TEST_F(JwtVerifierTest, KidOfNoJwksKeyRefused) {
  JwtVerifier v({{JwtKey::Type::kHmac, "k2", kSecret}}, {});
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims(), "k1");
  EXPECT_STATUS(v.Verify(token, kNow), StatusCode::kUnauthenticated,
                "unknown key id");
}

TEST_F(JwtVerifierTest, KidOfAKeyOfAnotherTypeRefused) {
  JwtVerifier v({{JwtKey::Type::kRsa, "k1", PublicPem(rsa_)}}, {});
  std::string token =
      HandToken(R"({"alg":"HS256","kid":"k1"})", Claims(), PublicPem(rsa_));
  EXPECT_STATUS(v.Verify(token, kNow), StatusCode::kUnauthenticated,
                "no key for the token's algorithm");
}

// ---------------------------------------------------------------------------
// Time and audience.

TEST_F(JwtVerifierTest, ExpiredBeyondLeewayRefused) {
  EXPECT_STATUS(VerifyHs(Claims("", kNowSeconds - 61)),
                StatusCode::kUnauthenticated, "token expired");
}

TEST_F(JwtVerifierTest, ExpiredWithinLeewayAccepted) {
  EXPECT_OK(VerifyHs(Claims("", kNowSeconds - 60)));
}

TEST_F(JwtVerifierTest, LeewayIsConfigurable) {
  JwtOptions strict;
  strict.leeway = absl::ZeroDuration();
  EXPECT_STATUS(VerifyHs(Claims("", kNowSeconds - 1), strict),
                StatusCode::kUnauthenticated, "token expired");
  EXPECT_OK(VerifyHs(Claims("", kNowSeconds), strict));
}

TEST_F(JwtVerifierTest, NotBefore) {
  EXPECT_STATUS(VerifyHs(Claims(absl::StrCat("\"nbf\":", kNowSeconds + 61))),
                StatusCode::kUnauthenticated, "not yet valid");
  EXPECT_OK(VerifyHs(Claims(absl::StrCat("\"nbf\":", kNowSeconds + 60))));
  EXPECT_STATUS(VerifyHs(Claims("\"nbf\":\"later\"")),
                StatusCode::kUnauthenticated, "claim nbf must be a number");
}

TEST_F(JwtVerifierTest, MissingExpRefused) {
  EXPECT_STATUS(VerifyHs(R"({"sub":"alice","org":"acme","roles":["admin"]})"),
                StatusCode::kUnauthenticated, "missing claim exp");
}

TEST_F(JwtVerifierTest, NonNumericExpRefused) {
  std::string token = HandToken(
      R"({"alg":"HS256"})",
      R"({"sub":"alice","org":"acme","roles":["admin"],"exp":"soon"})",
      kSecret);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "claim exp must be a number");
}

TEST_F(JwtVerifierTest, FractionalExpAccepted) {
  std::string token = HandToken(
      R"({"alg":"HS256"})",
      R"({"sub":"alice","org":"acme","roles":["admin"],"exp":1700000000.5})",
      kSecret);
  EXPECT_OK(HmacVerifier().Verify(token, kNow));
}

TEST_F(JwtVerifierTest, IssuerChecked) {
  JwtOptions options;
  options.issuer = "https://idp.example";
  EXPECT_OK(VerifyHs(Claims("\"iss\":\"https://idp.example\""), options));
  EXPECT_STATUS(VerifyHs(Claims("\"iss\":\"https://evil.example\""), options),
                StatusCode::kUnauthenticated, "wrong issuer");
  EXPECT_STATUS(VerifyHs(Claims(), options), StatusCode::kUnauthenticated,
                "missing claim iss");
}

TEST_F(JwtVerifierTest, IssuerNotConfiguredAcceptsAny) {
  EXPECT_OK(VerifyHs(Claims("\"iss\":\"https://anyone.example\"")));
}

TEST_F(JwtVerifierTest, AudienceChecked) {
  JwtOptions options;
  options.audience = "vakwijzer";
  EXPECT_OK(VerifyHs(Claims("\"aud\":\"vakwijzer\""), options));
  EXPECT_STATUS(VerifyHs(Claims("\"aud\":\"billing\""), options),
                StatusCode::kUnauthenticated, "wrong audience");
  EXPECT_STATUS(VerifyHs(Claims(), options), StatusCode::kUnauthenticated,
                "missing claim aud");
}

TEST_F(JwtVerifierTest, AudienceArray) {
  JwtOptions options;
  options.audience = "vakwijzer";
  EXPECT_OK(VerifyHs(Claims(R"("aud":["billing","vakwijzer"])"), options));
  EXPECT_STATUS(VerifyHs(Claims(R"("aud":["billing","hr"])"), options),
                StatusCode::kUnauthenticated, "wrong audience");
  EXPECT_STATUS(VerifyHs(Claims(R"("aud":["vakwijzer",7])"), options),
                StatusCode::kUnauthenticated, "claim aud must be");
}

TEST_F(JwtVerifierTest, AudienceNotConfiguredAcceptsAny) {
  EXPECT_OK(VerifyHs(Claims("\"aud\":\"billing\"")));
  EXPECT_OK(VerifyHs(Claims(R"("aud":["billing","hr"])")));
}

// ---------------------------------------------------------------------------
// Malformed tokens.

TEST_F(JwtVerifierTest, TwoPartsRefused) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims());
  token.resize(token.rfind('.'));
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "three parts");
}

TEST_F(JwtVerifierTest, FourPartsRefused) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims()) + ".AAAA";
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "three parts");
}

TEST_F(JwtVerifierTest, BadBase64Refused) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims());
  EXPECT_STATUS(
      HmacVerifier().Verify("e30=." + token.substr(token.find('.') + 1), kNow),
      StatusCode::kUnauthenticated, "not base64url");
  EXPECT_STATUS(
      HmacVerifier().Verify("A." + token.substr(token.find('.') + 1), kNow),
      StatusCode::kUnauthenticated, "not base64url");
}

TEST_F(JwtVerifierTest, NulInTokenRefused) {
  std::string token = Mint(JWT_ALG_HS256, kSecret, Claims());
  token += std::string("\0AAAA", 5);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "not base64url");
}

TEST_F(JwtVerifierTest, NonJsonPayloadRefused) {
  std::string token = HandToken(R"({"alg":"HS256"})", "not json", kSecret);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "payload is not a JSON object");
  token = HandToken(R"({"alg":"HS256"})", "[1,2]", kSecret);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "payload is not a JSON object");
}

TEST_F(JwtVerifierTest, NonJsonHeaderRefused) {
  std::string token = HandToken("HS256", Claims(), kSecret);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "header is not a JSON object");
}

TEST_F(JwtVerifierTest, DeeplyNestedPayloadRefused) {
  std::string payload = std::string(2500, '[') + std::string(2500, ']');
  std::string token = HandToken(R"({"alg":"HS256"})", payload, kSecret);
  ASSERT_LT(token.size(), 8u * 1024);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "payload is not a JSON object");
}

TEST_F(JwtVerifierTest, OversizedTokenRefused) {
  std::string token = Mint(
      JWT_ALG_HS256, kSecret,
      Claims(absl::StrCat("\"pad\":\"", std::string(9 * 1024, 'x'), "\"")));
  ASSERT_GT(token.size(), 9u * 1024);
  EXPECT_STATUS(HmacVerifier().Verify(token, kNow),
                StatusCode::kUnauthenticated, "token too large");
}

// ---------------------------------------------------------------------------
// Claims.

TEST_F(JwtVerifierTest, MissingSubRefused) {
  EXPECT_STATUS(VerifyHs(ClaimsWith(R"("org":"acme","roles":["admin"])")),
                StatusCode::kUnauthenticated, "missing claim sub");
}

TEST_F(JwtVerifierTest, EmptySubRefused) {
  EXPECT_STATUS(
      VerifyHs(ClaimsWith(R"("sub":"","org":"acme","roles":["admin"])")),
      StatusCode::kUnauthenticated, "claim sub must be");
}

TEST_F(JwtVerifierTest, BadOrgRefused) {
  for (const char* org : {R"("acme corp")", R"("-acme")", R"("")", "7"}) {
    SCOPED_TRACE(org);
    EXPECT_STATUS(VerifyHs(ClaimsWith(absl::StrCat(
                      R"("sub":"alice","roles":["admin"],"org":)", org))),
                  StatusCode::kUnauthenticated,
                  "claim org must be an organisation id or \"*\"");
  }
  EXPECT_STATUS(VerifyHs(ClaimsWith(R"("sub":"alice","roles":["admin"])")),
                StatusCode::kUnauthenticated, "missing claim org");
}

TEST_F(JwtVerifierTest, AnyOrganization) {
  ASSERT_OK_AND_ASSIGN(
      Principal p,
      VerifyHs(ClaimsWith(R"("sub":"op","org":"*","roles":["reader"])")));
  EXPECT_EQ(p.organization, "*");
  EXPECT_TRUE(p.CoversOrganization("acme"));
}

TEST_F(JwtVerifierTest, SeveralRoles) {
  ASSERT_OK_AND_ASSIGN(
      Principal p,
      VerifyHs(ClaimsWith(
          R"("sub":"bob","org":"acme","roles":["assessor","reader"])")));
  EXPECT_EQ(p.roles, unsigned{kRoleAssessor | kRoleReader});
}

TEST_F(JwtVerifierTest, UnknownRoleRefused) {
  EXPECT_STATUS(
      VerifyHs(ClaimsWith(R"("sub":"bob","org":"acme","roles":["root"])")),
      StatusCode::kUnauthenticated, "unknown role");
  EXPECT_STATUS(VerifyHs(ClaimsWith(R"("sub":"bob","org":"acme","roles":[1])")),
                StatusCode::kUnauthenticated, "unknown role");
}

TEST_F(JwtVerifierTest, EmptyOrMissingRolesRefused) {
  EXPECT_STATUS(VerifyHs(ClaimsWith(R"("sub":"bob","org":"acme","roles":[])")),
                StatusCode::kUnauthenticated, "non-empty array");
  EXPECT_STATUS(
      VerifyHs(ClaimsWith(R"("sub":"bob","org":"acme","roles":"admin")")),
      StatusCode::kUnauthenticated, "non-empty array");
  EXPECT_STATUS(VerifyHs(ClaimsWith(R"("sub":"bob","org":"acme")")),
                StatusCode::kUnauthenticated, "missing claim roles");
}

TEST_F(JwtVerifierTest, SelfRequiresPerson) {
  EXPECT_STATUS(
      VerifyHs(ClaimsWith(R"("sub":"carol","org":"acme","roles":["self"])")),
      StatusCode::kUnauthenticated, "role self requires claim person");
  ASSERT_OK_AND_ASSIGN(
      Principal p,
      VerifyHs(ClaimsWith(
          R"("sub":"carol","org":"acme","roles":["self"],"person":"p42")")));
  EXPECT_EQ(p.roles, unsigned{kRoleSelf});
  EXPECT_EQ(p.person, "p42");
}

TEST_F(JwtVerifierTest, BadPersonRefused) {
  EXPECT_STATUS(
      VerifyHs(ClaimsWith(
          R"("sub":"c","org":"acme","roles":["self"],"person":"a b")")),
      StatusCode::kUnauthenticated, "claim person must be");
}

TEST_F(JwtVerifierTest, ErrorsNeverQuoteTheToken) {
  const std::string marker = "zzmarkerzz";
  std::vector<std::string> tokens = {
      // Bad claims in a well-signed token.
      Mint(JWT_ALG_HS256, kSecret,
           ClaimsWith(absl::StrCat(R"("sub":"s","org":"acme","roles":[")",
                                   marker, "\"]"))),
      Mint(JWT_ALG_HS256, kSecret,
           ClaimsWith(absl::StrCat(R"("sub":"s","roles":["admin"],"org":")",
                                   marker, " x\""))),
      Mint(JWT_ALG_HS256, kSecret,
           ClaimsWith(absl::StrCat(
               R"("sub":"s","org":"a","roles":["self"],"person":")", marker,
               " x\""))),
      Mint(JWT_ALG_HS256, kSecret,
           Claims(absl::StrCat("\"aud\":\"", marker, "\""), kNowSeconds - 999)),
      // Signed with another secret, a foreign kid and an unknown alg.
      Mint(JWT_ALG_HS256, std::string(40, 'k'), Claims()),
      Mint(JWT_ALG_HS256, kSecret, Claims(), marker),
      HandToken(absl::StrCat(R"({"alg":")", marker, "\"}"), Claims(), kSecret),
  };
  JwtOptions options;
  options.audience = "vakwijzer";
  JwtVerifier v({Hmac(kSecret)}, options);
  for (const std::string& token : tokens) {
    absl::StatusOr<Principal> result = v.Verify(token, kNow);
    ASSERT_FALSE(result.ok());
    std::string message(result.status().message());
    SCOPED_TRACE(message);
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(message.find(marker), std::string::npos);
    for (const std::string& part : parts) {
      EXPECT_EQ(message.find(part), std::string::npos);
      EXPECT_EQ(message.find(part.substr(0, 12)), std::string::npos);
    }
  }
}

TEST_F(JwtVerifierTest, ConcurrentVerifications) {
  JwtVerifier v({Hmac(kSecret), {JwtKey::Type::kEc, "", PublicPem(ec_)}}, {});
  const std::string good = Mint(JWT_ALG_ES256, PrivatePem(ec_), Claims());
  const std::string bad = Mint(JWT_ALG_HS256, kSecret, Claims("", 1));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!v.Verify(good, kNow).ok()) ++failures;
        if (v.Verify(bad, kNow).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---------------------------------------------------------------------------
// LoadJwtKeys.

std::string WriteFile(const testing::TempDir& dir, const std::string& name,
                      const std::string& content) {
  std::string path = dir.Sub(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string bytes(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return B64Url(bytes);
}

std::string RsaJwk(EVP_PKEY* key, const std::string& extra) {
  return absl::StrCat(R"({"kty":"RSA","n":")",
                      BnParam(key, OSSL_PKEY_PARAM_RSA_N), R"(","e":")",
                      BnParam(key, OSSL_PKEY_PARAM_RSA_E), "\"", extra, "}");
}

std::string EcJwk(EVP_PKEY* key, const std::string& extra) {
  unsigned char point[65];
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point,
                                  sizeof point, &len);
  EXPECT_EQ(len, 65u);
  std::string x(reinterpret_cast<char*>(point) + 1, 32);
  std::string y(reinterpret_cast<char*>(point) + 33, 32);
  return absl::StrCat(R"({"kty":"EC","crv":"P-256","x":")", B64Url(x),
                      R"(","y":")", B64Url(y), "\"", extra, "}");
}

class LoadJwtKeysTest : public JwtVerifierTest {
 protected:
  testing::TempDir dir_;
};

TEST_F(LoadJwtKeysTest, PemOneRsaKey) {
  std::string path = WriteFile(dir_, "k.pem", PublicPem(rsa_));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kRsa);
  EXPECT_EQ(keys[0].kid, "");
  EXPECT_EQ(keys[0].material, PublicPem(rsa_));
}

TEST_F(LoadJwtKeysTest, PemTwoKeys) {
  std::string path = WriteFile(
      dir_, "k.pem", absl::StrCat(PublicPem(ec_), "\n", PublicPem(rsa_)));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kEc);
  EXPECT_EQ(keys[1].type, JwtKey::Type::kRsa);
  JwtVerifier v(keys, {});
  EXPECT_OK(v.Verify(Mint(JWT_ALG_ES256, PrivatePem(ec_), Claims()), kNow));
  EXPECT_OK(v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims()), kNow));
}

TEST_F(LoadJwtKeysTest, PemRsaPublicKeyPkcs1) {
  std::string pkcs1 = Pkcs1PublicPem(rsa_);
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos) << pkcs1;
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys,
                       LoadJwtKeys(WriteFile(dir_, "k.pem", pkcs1)));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kRsa);
  EXPECT_EQ(keys[0].material, PublicPem(rsa_));  // normalised to SPKI
}

TEST_F(LoadJwtKeysTest, PemEcOtherCurveRefused) {
  PkeyPtr p384 = NewEcKey("P-384");
  std::string path = WriteFile(dir_, "k.pem", PublicPem(p384.get()));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, "P-256");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, path);
}

TEST_F(LoadJwtKeysTest, PemPrivateKeyRefused) {
  for (EVP_PKEY* key : {rsa_, ec_}) {
    std::string path = WriteFile(dir_, "k.pem", PrivatePem(key));
    EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                  "holds a private key; give the public key");
  }
  // Also after a public key in the same file.
  std::string path =
      WriteFile(dir_, "k.pem", PublicPem(rsa_) + PrivatePem(rsa_));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                "holds a private key");
}

TEST_F(LoadJwtKeysTest, PemGarbageRefused) {
  std::string path =
      WriteFile(dir_, "k.pem",
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, path);
}

TEST_F(LoadJwtKeysTest, JwksRsa) {
  std::string path = WriteFile(
      dir_, "jwks.json",
      absl::StrCat(R"({"keys":[)",
                   RsaJwk(rsa_, R"(,"kid":"r1","use":"sig","alg":"RS256")"),
                   "]}"));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kRsa);
  EXPECT_EQ(keys[0].kid, "r1");
  EXPECT_EQ(keys[0].material, PublicPem(rsa_));
  JwtVerifier v(keys, {});
  EXPECT_OK(
      v.Verify(Mint(JWT_ALG_RS256, PrivatePem(rsa_), Claims(), "r1"), kNow));
}

TEST_F(LoadJwtKeysTest, JwksEc) {
  std::string path = WriteFile(
      dir_, "jwks.json",
      absl::StrCat(R"({"keys":[)", EcJwk(ec_, R"(,"kid":"e1")"), "]}"));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kEc);
  EXPECT_EQ(keys[0].material, PublicPem(ec_));
  JwtVerifier v(keys, {});
  EXPECT_OK(
      v.Verify(Mint(JWT_ALG_ES256, PrivatePem(ec_), Claims(), "e1"), kNow));
}

TEST_F(LoadJwtKeysTest, JwksEcPointOffCurveRefused) {
  std::string jwk = EcJwk(ec_, "");
  // Replace y by x: almost surely not on the curve.
  size_t x = jwk.find(R"("x":")") + 5;
  std::string x_value = jwk.substr(x, 43);
  size_t y = jwk.find(R"("y":")") + 5;
  jwk.replace(y, 43, x_value);
  std::string path =
      WriteFile(dir_, "jwks.json", absl::StrCat(R"({"keys":[)", jwk, "]}"));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, "key 0");
}

TEST_F(LoadJwtKeysTest, JwksOct) {
  std::string path =
      WriteFile(dir_, "jwks.json",
                absl::StrCat(R"({"keys":[{"kty":"oct","kid":"h1","k":")",
                             B64Url(kSecret), R"("}]})"));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kHmac);
  EXPECT_EQ(keys[0].kid, "h1");
  EXPECT_EQ(keys[0].material, kSecret);
}

TEST_F(LoadJwtKeysTest, JwksSkipsEncryptionAndOtherAlgorithms) {
  std::string path = WriteFile(
      dir_, "jwks.json",
      absl::StrCat(R"({"keys":[)", RsaJwk(rsa_, R"(,"kid":"enc","use":"enc")"),
                   ",", RsaJwk(rsa2_, R"(,"kid":"ps","alg":"PS256")"), ",",
                   R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"},)",
                   EcJwk(ec_, R"(,"kid":"sig","use":"sig")"), "]}"));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "sig");
}

TEST_F(LoadJwtKeysTest, JwksMalformedKeyNamed) {
  std::string path = WriteFile(dir_, "jwks.json",
                               absl::StrCat(R"({"keys":[)", RsaJwk(rsa_, ""),
                                            R"(,{"kty":"RSA","e":"AQAB"}]})"));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                path + ": key 1: \"n\" missing");
}

TEST_F(LoadJwtKeysTest, JwksPrivateKeyRefused) {
  std::string path = WriteFile(
      dir_, "jwks.json",
      absl::StrCat(R"({"keys":[)", RsaJwk(rsa_, R"(,"d":"AAAA")"), "]}"));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                "key 0: holds a private key");
}

TEST_F(LoadJwtKeysTest, JwksAlgMustMatchKty) {
  std::string path = WriteFile(
      dir_, "jwks.json",
      absl::StrCat(R"({"keys":[)", RsaJwk(rsa_, R"(,"alg":"ES256")"), "]}"));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                "key 0: \"alg\" does not match");
}

TEST_F(LoadJwtKeysTest, JwksShortOctRefused) {
  std::string path = WriteFile(dir_, "jwks.json",
                               absl::StrCat(R"({"keys":[{"kty":"oct","k":")",
                                            B64Url("short"), R"("}]})"));
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                "key 0: HS256 secret shorter than 32 bytes");
}

TEST_F(LoadJwtKeysTest, JwksWithoutUsableKeysRefused) {
  std::string path = WriteFile(dir_, "jwks.json", R"({"keys":[]})");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, path);
}

TEST_F(LoadJwtKeysTest, BrokenJsonRefused) {
  std::string path = WriteFile(dir_, "jwks.json", R"({"keys":[ )");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, path);
  path = WriteFile(dir_, "jwk.json", RsaJwk(rsa_, ""));  // no "keys"
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                "not a JWKS document");
}

TEST_F(LoadJwtKeysTest, Secret) {
  std::string path = WriteFile(dir_, "secret", kSecret + "\n");
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].type, JwtKey::Type::kHmac);
  EXPECT_EQ(keys[0].kid, "");
  EXPECT_EQ(keys[0].material, kSecret);
}

TEST_F(LoadJwtKeysTest, ShortSecretRefused) {
  // 31 bytes and a newline.
  std::string path = WriteFile(dir_, "secret", kSecret.substr(1) + "\n");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument,
                path + ": HS256 secret shorter than 32 bytes");
}

TEST_F(LoadJwtKeysTest, MissingFile) {
  std::string path = dir_.Sub("absent.pem");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kNotFound, path);
}

TEST_F(LoadJwtKeysTest, DirectoryRefused) {
  EXPECT_STATUS(LoadJwtKeys(dir_.path()), StatusCode::kNotFound, dir_.path());
}

TEST_F(LoadJwtKeysTest, EmptyFile) {
  std::string path = WriteFile(dir_, "empty", "");
  EXPECT_STATUS(LoadJwtKeys(path), StatusCode::kInvalidArgument, path);
}

// ---------------------------------------------------------------------------
// Interoperability: ES256 and RS256 tokens minted by PyJWT in another
// process.

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool HavePyJwt() {
  int code = 0;
  RunCommand("/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null",
             &code);
  return code == 0;
}

// Mints a token with PyJWT; `key_path` holds the private key PEM.
std::string PyJwtMint(const std::string& alg, const std::string& key_path) {
  std::string command = absl::StrCat(
      "/usr/bin/python3 -c 'import jwt, sys; "
      "print(jwt.encode({\"sub\": \"py\", \"org\": \"acme\", "
      "\"roles\": [\"reader\"], \"exp\": ",
      kNowSeconds + 3600, "}, open(sys.argv[1]).read(), algorithm=\"", alg,
      "\", headers={\"kid\": \"py1\"}))' '", key_path, "'");
  int code = 0;
  std::string out = RunCommand(command, &code);
  EXPECT_EQ(code, 0) << out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

TEST_F(LoadJwtKeysTest, PyJwtEs256AndRs256Verify) {
  if (!HavePyJwt()) GTEST_SKIP() << "/usr/bin/python3 lacks jwt";
  std::string jwks =
      WriteFile(dir_, "jwks.json",
                absl::StrCat(R"({"keys":[)", EcJwk(ec_, R"(,"kid":"py1")"), ",",
                             RsaJwk(rsa_, R"(,"kid":"py1")"), "]}"));
  ASSERT_OK_AND_ASSIGN(std::vector<JwtKey> keys, LoadJwtKeys(jwks));
  JwtVerifier v(keys, {});
  for (auto [alg, key] : {std::pair{"ES256", ec_}, std::pair{"RS256", rsa_}}) {
    SCOPED_TRACE(alg);
    std::string token =
        PyJwtMint(alg, WriteFile(dir_, "private.pem", PrivatePem(key)));
    ASSERT_OK_AND_ASSIGN(Principal p, v.Verify(token, kNow));
    EXPECT_EQ(p.subject, "py");
    EXPECT_EQ(p.roles, unsigned{kRoleReader});
  }
}

}  // namespace
}  // namespace vakwijzer::auth
