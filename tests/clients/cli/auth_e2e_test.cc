// End to end: the command-line client with tokens it minted itself against
// the real vakwijzerd started with --auth=jwt and an HS256 secret file.
#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/clients/cli/run_command.h"
#include "tests/test_util/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace vakwijzer {
namespace {

using ::vakwijzer::testing::Cli;
using ::vakwijzer::testing::CommandResult;
using ::vakwijzer::testing::Result;
using ::vakwijzer::testing::RunCommand;
using ::vakwijzer::testing::Server;
using ::vakwijzer::testing::Stop;
using ::vakwijzer::testing::WriteTextFile;

constexpr char kSecret[] = "an-e2e-test-secret-of-more-than-32-bytes";

class AuthEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("VAKWIJZER_TOKEN");
    WriteTextFile(dir_.Sub("secret"), std::string(kSecret) + "\n");
  }
  void TearDown() override {
    unsetenv("VAKWIJZER_TOKEN");
    if (server_.pid > 0) {
      EXPECT_EQ(Stop(server_), 0) << server_.log;
    }
  }

  // vakwijzerd --auth=jwt with the demo and `extra` flags.
  void Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "--data_dir=" + dir_.Sub("db"),
        std::string("--framework_dir=") + VAKWIJZER_DATA_DIR "/frameworks",
        std::string("--demo_file=") + VAKWIJZER_DATA_DIR "/demo/demo.textproto",
        "--auth=jwt", "--jwt_keys=" + dir_.Sub("secret")};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = testing::StartServer(args);
    ASSERT_GT(server_.port, 0) << server_.log;
  }

  // Mints a token with `flags` into the file `name`; returns its path.
  std::string Mint(const std::string& name, const std::string& flags) {
    const std::string path = dir_.Sub(name);
    CommandResult r =
        RunCommand(absl::StrCat(VAKWIJZER_CLI_BIN, " token mint --secret_file=",
                                dir_.Sub("secret"), " ", flags, " >", path),
                   /*merge_stderr=*/false);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return path;
  }

  // The client against the server by the name in its certificate.
  CommandResult Localhost(const std::string& args) {
    return RunCommand(absl::StrCat(
        VAKWIJZER_CLI_BIN, " --timeout=10 --server=localhost:", server_.port,
        " ", args));
  }

  // A self-signed certificate for localhost: writes NAME.pem and NAME.key.
  void MakeCertificate(const std::string& name) {
    CommandResult r = RunCommand(absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj /CN=",
        name, " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ",
        dir_.Sub(name + ".key"), " -out ", dir_.Sub(name + ".pem")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  testing::TempDir dir_;
  Server server_;
};

TEST_F(AuthEndToEnd, MintedTokenReadsTheDemo) {
  Start();
  const std::string reader = Mint("reader.jwt", "--org=demo --roles=reader");
  Result gaps = Cli(server_, "--token_file=" + reader + " gaps demo sw-001");
  EXPECT_EQ(gaps.exit_code, 0) << gaps.output;
  EXPECT_TRUE(absl::StrContains(gaps.output,
                                "Gap report organizations/demo/people/sw-001"))
      << gaps.output;
  // Paged and streaming calls carry it too.
  Result list = Cli(
      server_, "--token_file=" + reader + " profiles list demo --page_size=5");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, "42 profiles")) << list.output;
  Result team = Cli(server_, "--token_file=" + reader +
                                 " team score demo --team=team-noord --people");
  EXPECT_EQ(team.exit_code, 0) << team.output;
  EXPECT_TRUE(absl::StrContains(team.output, "Team of 10 people"))
      << team.output;

  // The environment variable works as well.
  setenv("VAKWIJZER_TOKEN", testing::ReadTextFile(reader).c_str(), 1);
  Result env = Cli(server_, "gaps demo sw-001");
  EXPECT_EQ(env.exit_code, 0) << env.output;
}

TEST_F(AuthEndToEnd, NoTokenIsUnauthenticated) {
  Start();
  Result none = Cli(server_, "gaps demo sw-001");
  EXPECT_EQ(none.exit_code, 10 + 16) << none.output;
  EXPECT_TRUE(absl::StrContains(none.output, "UNAUTHENTICATED")) << none.output;

  // Signed with another secret: just as unknown. (gaps, not frameworks:
  // the frameworks are open to every caller and ignore tokens.)
  WriteTextFile(dir_.Sub("other"), std::string(kSecret) + "-other\n");
  CommandResult forged = RunCommand(absl::StrCat(
      VAKWIJZER_CLI_BIN, " token mint --secret_file=", dir_.Sub("other"),
      " --org=demo --roles=admin >", dir_.Sub("forged.jwt")));
  ASSERT_EQ(forged.exit_code, 0) << forged.output;
  Result bad = Cli(
      server_, "--token_file=" + dir_.Sub("forged.jwt") + " gaps demo sw-001");
  EXPECT_EQ(bad.exit_code, 10 + 16) << bad.output;
  EXPECT_TRUE(absl::StrContains(bad.output, "UNAUTHENTICATED")) << bad.output;
}

TEST_F(AuthEndToEnd, OtherOrganizationIsPermissionDenied) {
  Start();
  const std::string other = Mint("other.jwt", "--org=other --roles=admin");
  Result denied = Cli(server_, "--token_file=" + other + " gaps demo sw-001");
  EXPECT_EQ(denied.exit_code, 10 + 7) << denied.output;
  EXPECT_TRUE(absl::StrContains(denied.output, "PERMISSION_DENIED"))
      << denied.output;
  Result list = Cli(server_, "--token_file=" + other + " profiles list demo");
  EXPECT_EQ(list.exit_code, 10 + 7) << list.output;
}

TEST_F(AuthEndToEnd, SelfExportsOwnDataAndAdminReadsTheAudit) {
  Start();
  const std::string self =
      Mint("self.jwt", "--org=demo --roles=self --person=sw-001 --sub=sam");
  const std::string out = dir_.Sub("sw-001.json");
  Result own = Cli(server_, "--token_file=" + self +
                                " export person demo sw-001 --out=" + out);
  EXPECT_EQ(own.exit_code, 0) << own.output;
  const std::string json = testing::ReadTextFile(out);
  EXPECT_TRUE(
      absl::StrContains(json, "\"name\": \"organizations/demo/people/sw-001\""))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "\"exportTime\"")) << json;
  struct stat st;
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  Result other =
      Cli(server_, "--token_file=" + self + " export person demo sw-002");
  EXPECT_EQ(other.exit_code, 10 + 7) << other.output;
  EXPECT_TRUE(absl::StrContains(other.output, "PERMISSION_DENIED"))
      << other.output;
  // The audit trail is the admin's.
  Result audit_as_self = Cli(server_, "--token_file=" + self + " audit demo");
  EXPECT_EQ(audit_as_self.exit_code, 10 + 7) << audit_as_self.output;

  const std::string admin =
      Mint("admin.jwt", "--org=demo --roles=admin --sub=dpo");
  Result audit = Cli(server_, "--token_file=" + admin +
                                  " audit demo --caller=sam --person=sw-001");
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_TRUE(absl::StrContains(audit.output, "ExportPersonData"))
      << audit.output;
  EXPECT_TRUE(absl::StrContains(audit.output, "sam")) << audit.output;
  Result json_audit =
      Cli(server_, "--token_file=" + admin + " --json audit demo --caller=sam");
  EXPECT_EQ(json_audit.exit_code, 0) << json_audit.output;
  EXPECT_TRUE(absl::StrContains(json_audit.output, "\"PERMISSION_DENIED\""))
      << json_audit.output;
}

TEST_F(AuthEndToEnd, TlsAndMutualTls) {
  MakeCertificate("server");
  MakeCertificate("client");
  Start({"--tls_cert=" + dir_.Sub("server.pem"),
         "--tls_key=" + dir_.Sub("server.key"),
         "--tls_client_ca=" + dir_.Sub("client.pem")});
  const std::string reader = Mint("reader.jwt", "--org=demo --roles=reader");
  const std::string tls = absl::StrCat("--token_file=", reader,
                                       " --tls_ca=", dir_.Sub("server.pem"),
                                       " --tls_cert=", dir_.Sub("client.pem"),
                                       " --tls_key=", dir_.Sub("client.key"));
  CommandResult ok = Localhost(tls + " gaps demo sw-001");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(absl::StrContains(ok.output, "Gap report")) << ok.output;

  CommandResult no_client_cert =
      Localhost("--token_file=" + reader +
                " --tls_ca=" + dir_.Sub("server.pem") + " gaps demo sw-001");
  EXPECT_EQ(no_client_cert.exit_code, 10 + 14) << no_client_cert.output;
  CommandResult plaintext =
      Localhost("--token_file=" + reader + " gaps demo sw-001");
  EXPECT_EQ(plaintext.exit_code, 10 + 14) << plaintext.output;
  // TLS does not replace the token.
  CommandResult no_token = Localhost(
      absl::StrCat("--tls_ca=", dir_.Sub("server.pem"),
                   " --tls_cert=", dir_.Sub("client.pem"),
                   " --tls_key=", dir_.Sub("client.key"), " gaps demo sw-001"));
  EXPECT_EQ(no_token.exit_code, 10 + 16) << no_token.output;
  EXPECT_TRUE(absl::StrContains(no_token.output, "UNAUTHENTICATED"))
      << no_token.output;
}

}  // namespace
}  // namespace vakwijzer
