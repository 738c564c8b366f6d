// `vakwijzer token mint`: the printed token is decoded independently, with
// Python's PyJWT (Debian's python3-jwt), and the input errors exit with
// status 2 and a message naming the flag. Also the connection flags that
// fail before any call (no server needed).
#include "clients/cli/token.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/connection.h"
#include "gtest/gtest.h"
#include "tests/clients/cli/run_command.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer {
namespace {

using ::vakwijzer::testing::CommandResult;
using ::vakwijzer::testing::RunCommand;
using ::vakwijzer::testing::ShellQuote;
using ::vakwijzer::testing::WriteTextFile;

// 40 bytes; the file adds one newline, which the server (and mint) drop.
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-vw-dev";

// Decodes `token` with PyJWT and the secret in `secret_file`, verifying
// signature, exp and (when given) aud and iss, and prints the claims as
// "sub=.. org=.. roles=a,b person=.. ttl=N iss=.. aud=.. alg=..". Exit 3
// and the exception when verification fails.
constexpr char kDecode[] = R"PY(
import sys
import jwt
token, secret_file, audience, issuer = sys.argv[1:5]
secret = open(secret_file, "rb").read()
if secret.endswith(b"\n"):
    secret = secret[:-1]
if secret.endswith(b"\r"):
    secret = secret[:-1]
options = {"require": ["exp", "iat", "sub"]}
try:
    claims = jwt.decode(token, secret, algorithms=["HS256"],
                        audience=audience or None, issuer=issuer or None,
                        options=options)
except jwt.PyJWTError as e:
    print(type(e).__name__, e)
    sys.exit(3)
header = jwt.get_unverified_header(token)
assert isinstance(claims["roles"], list), claims
print("sub=%s org=%s roles=%s person=%s ttl=%d iss=%s aud=%s alg=%s" % (
    claims["sub"], claims["org"], ",".join(claims["roles"]),
    claims.get("person", "-"), claims["exp"] - claims["iat"],
    claims.get("iss", "-"), claims.get("aud", "-"), header["alg"]))
)PY";

class TokenMint : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = dir_.Sub("secret");
    WriteTextFile(secret_, std::string(kSecret) + "\n");
    WriteTextFile(dir_.Sub("decode.py"), kDecode);
  }

  CommandResult Mint(const std::string& flags) {
    return RunCommand(absl::StrCat(VAKWIJZER_CLI_BIN, " token mint ", flags));
  }

  // The decoded claims of `token` (see kDecode), or the PyJWT error.
  CommandResult Decode(const std::string& token, const std::string& secret_file,
                       const std::string& audience = "",
                       const std::string& issuer = "") {
    return RunCommand(absl::StrCat(
        VAKWIJZER_PYTHON3, " ", dir_.Sub("decode.py"), " ", ShellQuote(token),
        " ", secret_file, " ", ShellQuote(audience), " ", ShellQuote(issuer)));
  }

  testing::TempDir dir_;
  std::string secret_;
};

TEST_F(TokenMint, PyJwtDecodesTheClaims) {
  CommandResult mint =
      Mint("--secret_file=" + secret_ +
           " --org=demo --roles=reader,self --person=sw-001 --ttl=2h");
  ASSERT_EQ(mint.exit_code, 0) << mint.output;
  ASSERT_TRUE(absl::EndsWith(mint.output, "\n")) << mint.output;
  const std::string token = mint.output.substr(0, mint.output.size() - 1);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;

  CommandResult claims = Decode(token, secret_);
  EXPECT_EQ(claims.exit_code, 0) << claims.output;
  EXPECT_EQ(claims.output,
            "sub=cli org=demo roles=reader,self person=sw-001 ttl=7200 "
            "iss=- aud=- alg=HS256\n");
}

TEST_F(TokenMint, SubjectIssuerAudienceAndAnyOrganization) {
  CommandResult mint =
      Mint("--secret_file=" + secret_ +
           " --org='*' --roles=admin --sub=ops-1 --ttl=90s "
           "--issuer=https://idp.example --audience=vakwijzer");
  ASSERT_EQ(mint.exit_code, 0) << mint.output;
  const std::string token = mint.output.substr(0, mint.output.size() - 1);
  CommandResult claims =
      Decode(token, secret_, "vakwijzer", "https://idp.example");
  EXPECT_EQ(claims.exit_code, 0) << claims.output;
  EXPECT_EQ(claims.output,
            "sub=ops-1 org=* roles=admin person=- ttl=90 "
            "iss=https://idp.example aud=vakwijzer alg=HS256\n");

  // Another audience or another secret does not verify.
  EXPECT_EQ(Decode(token, secret_, "someone-else").exit_code, 3);
  WriteTextFile(dir_.Sub("other"), std::string(kSecret) + "X\n");
  CommandResult forged = Decode(token, dir_.Sub("other"));
  EXPECT_EQ(forged.exit_code, 3) << forged.output;
  EXPECT_TRUE(absl::StrContains(forged.output, "InvalidSignatureError"))
      << forged.output;
}

TEST_F(TokenMint, DefaultTtlIsOneHour) {
  CommandResult mint =
      Mint("--secret_file=" + secret_ + " --org=demo --roles=assessor");
  ASSERT_EQ(mint.exit_code, 0) << mint.output;
  CommandResult claims =
      Decode(mint.output.substr(0, mint.output.size() - 1), secret_);
  EXPECT_TRUE(absl::StrContains(claims.output, " ttl=3600 ")) << claims.output;
}

// Each bad input: exit 2, a message naming what is wrong, no token printed.
TEST_F(TokenMint, InputErrors) {
  WriteTextFile(dir_.Sub("short"), std::string(31, 's') + "\n");
  WriteTextFile(dir_.Sub("pem"),
                "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----"
                "\n");
  const std::string ok = "--secret_file=" + secret_ + " --org=demo ";
  const struct {
    std::string flags;
    std::string message;
  } kCases[] = {
      {ok + "--roles=reader,boss", "unknown role \"boss\""},
      {ok + "--roles=reader,reader", "\"reader\" is listed twice"},
      {ok + "--roles=self", "--roles=self needs --person"},
      {ok, "--roles is required"},
      {"--secret_file=" + secret_ + " --roles=reader", "--org is required"},
      {ok + "--roles=reader --ttl=soon", "--ttl=soon: not a duration"},
      {ok + "--roles=reader --ttl=1d", "--ttl=1d: not a duration"},
      {ok + "--roles=reader --ttl=0s", "--ttl must be positive"},
      {ok + "--roles=reader --ttl=-5m", "--ttl must be positive"},
      {ok + "--roles=reader --ttl=500ms", "--ttl must be at least 1s"},
      {ok + "--roles=reader --sub=", "--sub must not be empty"},
      {"--secret_file=" + dir_.Sub("short") + " --org=demo --roles=reader",
       "holds 31 bytes; an HS256 secret needs at least 32"},
      {"--secret_file=" + dir_.Sub("pem") + " --org=demo --roles=reader",
       "holds a PEM key"},
      {"--secret_file=" + dir_.Sub("missing") + " --org=demo --roles=reader",
       "--secret_file: cannot read " + dir_.Sub("missing")},
      {"--org=demo --roles=reader", "--secret_file is required"},
  };
  for (const auto& c : kCases) {
    CommandResult r = Mint(c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, c.message)) << c.flags << "\n"
                                                        << r.output;
    EXPECT_FALSE(absl::StrContains(r.output, "eyJ")) << r.output;
  }
  CommandResult bare = RunCommand(absl::StrCat(VAKWIJZER_CLI_BIN, " token"));
  EXPECT_EQ(bare.exit_code, 2) << bare.output;
  EXPECT_TRUE(absl::StrContains(bare.output, "usage: token mint"))
      << bare.output;
}

// The secret rule is the server's: one trailing newline is not part of it.
TEST(MintToken, SecretLengthAfterOneTrailingNewline) {
  testing::TempDir dir;
  WriteTextFile(dir.Sub("32"), std::string(32, 'k') + "\n");
  absl::StatusOr<std::string> secret = cli::ReadSecretFile(dir.Sub("32"));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, std::string(32, 'k'));
  WriteTextFile(dir.Sub("31"), std::string(31, 'k') + "\n\n");
  secret = cli::ReadSecretFile(dir.Sub("31"));
  ASSERT_TRUE(secret.ok()) << secret.status();  // 31 bytes and a newline
  EXPECT_EQ(*secret, std::string(31, 'k') + "\n");
  WriteTextFile(dir.Sub("crlf"), std::string(32, 'c') + "\r\n");
  secret = cli::ReadSecretFile(dir.Sub("crlf"));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, std::string(32, 'c'));
  // JSON is a JWKS to the server, never a secret, however long.
  WriteTextFile(
      dir.Sub("jwks"),
      " {\"keys\": [{\"kty\": \"oct\", \"k\": \"0123456789abcdef\"}]}");
  EXPECT_TRUE(absl::StrContains(
      cli::ReadSecretFile(dir.Sub("jwks")).status().message(), "is JSON"));
}

TEST(MintToken, ExpiryIsIssuedAtPlusTtl) {
  cli::MintOptions options;
  options.secret = std::string(kSecret);
  options.organization = "demo";
  options.roles = {"reader"};
  options.ttl = absl::Minutes(30);
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<std::string> a = cli::MintToken(options, now);
  absl::StatusOr<std::string> b = cli::MintToken(options, now);
  ASSERT_TRUE(a.ok()) << a.status();
  // Deterministic for the same claims and time (HS256 has no randomness).
  EXPECT_EQ(*a, *b);
  options.secret = "too short";
  EXPECT_EQ(cli::MintToken(options, now).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ResolveToken, FileWinsOverEnvironmentAndIsStripped) {
  testing::TempDir dir;
  WriteTextFile(dir.Sub("token"), "  \n eyJfile.x.y \r\n");
  absl::StatusOr<std::string> token =
      cli::ResolveToken(dir.Sub("token"), "eyJenv.x.y");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "eyJfile.x.y");
  token = cli::ResolveToken("", " eyJenv.x.y\n");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "eyJenv.x.y");
  token = cli::ResolveToken("", nullptr);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "");
  WriteTextFile(dir.Sub("empty"), " \n");
  EXPECT_TRUE(absl::StrContains(
      cli::ResolveToken(dir.Sub("empty"), "x").status().message(), "is empty"));
  EXPECT_TRUE(absl::StrContains(
      cli::ResolveToken(dir.Sub("none"), "x").status().message(),
      dir.Sub("none")));
}

TEST(Connect, FlagErrorsNameTheFlagOrFile) {
  testing::TempDir dir;
  WriteTextFile(dir.Sub("ca.pem"), "not checked before the first call");
  cli::ConnectionOptions options;
  options.target = "127.0.0.1:1";
  options.tls_cert = dir.Sub("ca.pem");
  EXPECT_TRUE(absl::StrContains(cli::Connect(options).status().message(),
                                "--tls_cert needs --tls_key"));
  options.tls_cert.clear();
  options.tls_key = dir.Sub("ca.pem");
  EXPECT_TRUE(absl::StrContains(cli::Connect(options).status().message(),
                                "--tls_key needs --tls_cert"));
  options.tls_cert = dir.Sub("ca.pem");
  EXPECT_TRUE(absl::StrContains(cli::Connect(options).status().message(),
                                "need --tls_ca"));
  options.tls_ca = dir.Sub("missing.pem");
  absl::Status missing = cli::Connect(options).status();
  EXPECT_TRUE(absl::StrContains(missing.message(), "--tls_ca: cannot read"))
      << missing;
  EXPECT_TRUE(absl::StrContains(missing.message(), dir.Sub("missing.pem")))
      << missing;
  options = cli::ConnectionOptions();
  options.target = "127.0.0.1:1";
  options.token = "eyJx.y.z";
  EXPECT_TRUE(cli::Connect(options).ok());  // plaintext with a token
}

// The same rules through the binary: exit 2 before any connection.
TEST(ConnectionFlags, UsageErrorsExitTwo) {
  testing::TempDir dir;
  WriteTextFile(dir.Sub("x.pem"), "x");
  const std::string cli =
      absl::StrCat(VAKWIJZER_CLI_BIN, " --server=127.0.0.1:1 ");
  const struct {
    std::string flags;
    std::string message;
  } kCases[] = {
      {"--tls_cert=" + dir.Sub("x.pem"), "--tls_cert needs --tls_key"},
      {"--tls_key=" + dir.Sub("x.pem"), "--tls_key needs --tls_cert"},
      {"--tls_cert=" + dir.Sub("x.pem") + " --tls_key=" + dir.Sub("x.pem"),
       "need --tls_ca"},
      {"--tls_ca=" + dir.Sub("nope.pem"),
       "--tls_ca: cannot read " + dir.Sub("nope.pem")},
      {"--tls_ca=" + dir.Sub("x.pem") + " --tls_cert=" + dir.Sub("no.pem") +
           " --tls_key=" + dir.Sub("x.pem"),
       "--tls_cert: cannot read " + dir.Sub("no.pem")},
      {"--token_file=" + dir.Sub("no.jwt"),
       "--token_file: cannot read " + dir.Sub("no.jwt")},
  };
  for (const auto& c : kCases) {
    CommandResult r = RunCommand(cli + c.flags + " frameworks");
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, c.message)) << c.flags << "\n"
                                                        << r.output;
  }
}

}  // namespace
}  // namespace vakwijzer
