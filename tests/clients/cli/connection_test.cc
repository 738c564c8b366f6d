// The command-line client's connection against an in-process fake server
// (no vakwijzerd, no server-side authentication): the bearer token reaches
// every kind of call (unary, server streaming, the HTML report, imports and
// exports), TLS and mutual TLS work with certificates made by openssl, and
// `export person` and `audit` print what the server returned.
#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/clients/cli/run_command.h"
#include "tests/test_util/temp_dir.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer {
namespace {

namespace v1 = ::vakwijzer::v1;
using ::vakwijzer::testing::CommandResult;
using ::vakwijzer::testing::ReadTextFile;
using ::vakwijzer::testing::RunCommand;

// One call the fake server answered: the method and its "authorization"
// metadata ("" when absent).
struct Seen {
  std::string method;
  std::string authorization;
};

class Recorder {
 public:
  void Add(const grpc::ServerContext& context, const std::string& method) {
    std::string authorization;
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      authorization.assign(it->second.data(), it->second.size());
    }
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back({method, authorization});
  }
  std::vector<Seen> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(seen_);
  }

 private:
  std::mutex mu_;
  std::vector<Seen> seen_;
};

class FakeFrameworks final : public v1::FrameworkService::Service {
 public:
  explicit FakeFrameworks(Recorder* r) : r_(r) {}
  grpc::Status ListFrameworks(grpc::ServerContext* context,
                              const v1::ListFrameworksRequest*,
                              v1::ListFrameworksResponse* response) override {
    r_->Add(*context, "ListFrameworks");
    v1::Framework* fw = response->add_frameworks();
    fw->set_name("frameworks/fake");
    fw->set_id("fake");
    return grpc::Status::OK;
  }

 private:
  Recorder* r_;
};

class FakeTeams final : public v1::TeamService::Service {
 public:
  explicit FakeTeams(Recorder* r) : r_(r) {}
  grpc::Status ScoreTeam(
      grpc::ServerContext* context, const v1::ScoreTeamRequest*,
      grpc::ServerWriter<v1::ScoreTeamResponse>* writer) override {
    r_->Add(*context, "ScoreTeam");
    v1::ScoreTeamResponse part;
    part.mutable_person()->set_person("organizations/demo/people/sw-001");
    writer->Write(part);
    part.mutable_summary()->set_people(1);
    writer->Write(part);
    return grpc::Status::OK;
  }
  grpc::Status AssignMentors(grpc::ServerContext* context,
                             const v1::AssignMentorsRequest*,
                             v1::MentorAssignment*) override {
    r_->Add(*context, "AssignMentors");
    return grpc::Status::OK;
  }

 private:
  Recorder* r_;
};

class FakeProfiles final : public v1::ProfileService::Service {
 public:
  explicit FakeProfiles(Recorder* r) : r_(r) {}
  grpc::Status GetGapReport(grpc::ServerContext* context,
                            const v1::GetGapReportRequest* request,
                            v1::GapReport* report) override {
    r_->Add(*context, "GetGapReport");
    report->set_person(request->name());
    return grpc::Status::OK;
  }
  grpc::Status ExportPersonData(grpc::ServerContext* context,
                                const v1::ExportPersonDataRequest* request,
                                v1::PersonDataExport* data) override {
    r_->Add(*context, "ExportPersonData");
    if (request->name() != "organizations/demo/people/sw-001") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no profile " + request->name());
    }
    data->mutable_profile()->set_name(request->name());
    data->mutable_profile()->set_display_name("Sam");
    data->add_assessments()->set_name(request->name() + "/assessments/a-1");
    data->add_audit_events()->set_rpc(
        "/vakwijzer.v1.ProfileService/GetGapReport");
    data->mutable_export_time()->set_seconds(1700000000);
    return grpc::Status::OK;
  }

 private:
  Recorder* r_;
};

// Three events over two pages; the last request is kept.
class FakeAudit final : public v1::AuditService::Service {
 public:
  explicit FakeAudit(Recorder* r) : r_(r) {}
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override {
    r_->Add(*context, "ListAuditEvents");
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = *request;
    }
    const bool second = request->page_token() == "page-2";
    for (int i = second ? 2 : 0; i < (second ? 3 : 2); ++i) {
      v1::AuditEvent* e = response->add_events();
      e->set_name(absl::StrCat(request->parent(), "/auditEvents/e", i));
      e->mutable_time()->set_seconds(1700000000 + i);
      // caller-1 tries to colour the terminal.
      e->set_caller(absl::StrCat("caller-", i, i == 1 ? "\x1b[31m" : ""));
      e->add_roles("reader");
      e->add_roles("self");
      e->set_rpc("/vakwijzer.v1.ProfileService/GetGapReport");
      e->set_resource("organizations/demo/people/sw-001");
      e->set_outcome(i == 2 ? "PERMISSION_DENIED" : "OK");
      e->set_outcome_code(i == 2 ? 7 : 0);
    }
    if (!second) response->set_next_page_token("page-2");
    return grpc::Status::OK;
  }
  v1::ListAuditEventsRequest last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  Recorder* r_;
  std::mutex mu_;
  v1::ListAuditEventsRequest last_;
};

// Writes a self-signed certificate for localhost/127.0.0.1 and its key.
void MakeCertificate(const std::string& cert, const std::string& key,
                     const std::string& name) {
  CommandResult r = RunCommand(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 2 -subj /CN=",
      name, " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ", key,
      " -out ", cert));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

class CliConnection : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Starts the fake server on a free loopback port.
  void Start(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterService(&frameworks_);
    builder.RegisterService(&teams_);
    builder.RegisterService(&profiles_);
    builder.RegisterService(&audit_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  // The client against the fake server; `env` goes before it (e.g.
  // VAKWIJZER_TOKEN=...), `host` names the server.
  CommandResult Cli(const std::string& args, const std::string& env = "",
                    const std::string& host = "127.0.0.1") {
    return RunCommand(
        absl::StrCat("env -u VAKWIJZER_TOKEN ", env, " ", VAKWIJZER_CLI_BIN,
                     " --timeout=10 --server=", host, ":", port_, " ", args));
  }

  testing::TempDir dir_;
  Recorder recorder_;
  FakeFrameworks frameworks_{&recorder_};
  FakeTeams teams_{&recorder_};
  FakeProfiles profiles_{&recorder_};
  FakeAudit audit_{&recorder_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(CliConnection, PlaintextSendsTheTokenOnEveryKindOfCall) {
  Start(grpc::InsecureServerCredentials());
  const std::string env = "VAKWIJZER_TOKEN=eyJenv.payload.sig";
  const std::string commands[] = {
      "frameworks",                                          // unary
      "team score demo --people",                            // stream
      "team report demo --html=" + dir_.Sub("report.html"),  // both
      "export gaps demo sw-001",                             // ImportExport
      "export person demo sw-001",
      "audit demo",  // two pages
  };
  for (const std::string& command : commands) {
    CommandResult r = Cli(command, env);
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  }
  std::vector<Seen> seen = recorder_.Take();
  std::vector<std::string> methods;
  for (const Seen& s : seen) {
    methods.push_back(s.method);
    EXPECT_EQ(s.authorization, "Bearer eyJenv.payload.sig") << s.method;
  }
  EXPECT_EQ(methods, (std::vector<std::string>{
                         "ListFrameworks", "ScoreTeam", "ScoreTeam",
                         "AssignMentors", "GetGapReport", "ExportPersonData",
                         "ListAuditEvents", "ListAuditEvents"}));

  // --token_file wins over the environment; whitespace around it goes.
  testing::WriteTextFile(dir_.Sub("token"), "\n  eyJfile.payload.sig  \n");
  CommandResult r = Cli("--token_file=" + dir_.Sub("token") + " frameworks",
                        "VAKWIJZER_TOKEN=eyJenv.payload.sig");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  seen = recorder_.Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "Bearer eyJfile.payload.sig");

  // No token: no authorization metadata at all.
  r = Cli("frameworks");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  seen = recorder_.Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "");
}

TEST_F(CliConnection, TlsWithTheRootCa) {
  const std::string cert = dir_.Sub("server.pem");
  const std::string key = dir_.Sub("server.key");
  MakeCertificate(cert, key, "localhost");
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({ReadTextFile(key), ReadTextFile(cert)});
  Start(grpc::SslServerCredentials(ssl));

  CommandResult ok = Cli("--tls_ca=" + cert + " frameworks",
                         "VAKWIJZER_TOKEN=eyJtls.payload.sig", "localhost");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(absl::StrContains(ok.output, "frameworks/fake")) << ok.output;
  std::vector<Seen> seen = recorder_.Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "Bearer eyJtls.payload.sig");

  // Plaintext against a TLS server, or a CA that did not sign it: the call
  // fails (UNAVAILABLE) and reaches no service.
  CommandResult plain = Cli("frameworks", "", "localhost");
  EXPECT_EQ(plain.exit_code, 10 + 14) << plain.output;
  EXPECT_TRUE(absl::StrContains(plain.output, "(UNAVAILABLE)")) << plain.output;
  MakeCertificate(dir_.Sub("other.pem"), dir_.Sub("other.key"), "localhost");
  CommandResult stranger =
      Cli("--tls_ca=" + dir_.Sub("other.pem") + " frameworks", "", "localhost");
  EXPECT_EQ(stranger.exit_code, 10 + 14) << stranger.output;
  EXPECT_TRUE(recorder_.Take().empty());
}

TEST_F(CliConnection, MutualTlsNeedsTheClientCertificate) {
  const std::string cert = dir_.Sub("server.pem");
  const std::string key = dir_.Sub("server.key");
  const std::string client_cert = dir_.Sub("client.pem");
  const std::string client_key = dir_.Sub("client.key");
  MakeCertificate(cert, key, "localhost");
  MakeCertificate(client_cert, client_key, "vakwijzer-cli");
  grpc::SslServerCredentialsOptions ssl(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ReadTextFile(client_cert);
  ssl.pem_key_cert_pairs.push_back({ReadTextFile(key), ReadTextFile(cert)});
  Start(grpc::SslServerCredentials(ssl));

  CommandResult ok =
      Cli(absl::StrCat("--tls_ca=", cert, " --tls_cert=", client_cert,
                       " --tls_key=", client_key, " frameworks"),
          "", "localhost");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  CommandResult anonymous =
      Cli("--tls_ca=" + cert + " frameworks", "", "localhost");
  EXPECT_EQ(anonymous.exit_code, 10 + 14) << anonymous.output;
  EXPECT_EQ(recorder_.Take().size(), 1u);
}

TEST_F(CliConnection, ExportPersonWritesCanonicalJson) {
  Start(grpc::InsecureServerCredentials());
  CommandResult out = Cli("export person demo sw-001");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  // Canonical JSON: lowerCamelCase names, RFC 3339 timestamps.
  EXPECT_TRUE(absl::StrContains(
      out.output, "\"name\": \"organizations/demo/people/sw-001\""))
      << out.output;
  EXPECT_TRUE(absl::StrContains(out.output, "\"displayName\": \"Sam\""))
      << out.output;
  EXPECT_TRUE(absl::StrContains(out.output, "\"auditEvents\": ["))
      << out.output;
  EXPECT_TRUE(
      absl::StrContains(out.output, "\"exportTime\": \"2023-11-14T22:13:20Z\""))
      << out.output;

  const std::string file = dir_.Sub("sw-001.json");
  testing::WriteTextFile(file,
                         "old contents that are longer than the export "
                         "will be? no, but they must go");
  chmod(file.c_str(), 0644);
  CommandResult written = Cli("export person demo sw-001 --out=" + file);
  ASSERT_EQ(written.exit_code, 0) << written.output;
  EXPECT_TRUE(absl::StrContains(written.output,
                                "(1 assessments, 1 audit events) to " + file))
      << written.output;
  EXPECT_EQ(ReadTextFile(file), out.output);
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  CommandResult missing = Cli("export person demo nobody");
  EXPECT_EQ(missing.exit_code, 10 + 5) << missing.output;
  EXPECT_TRUE(absl::StrContains(missing.output, "(NOT_FOUND)"))
      << missing.output;
  CommandResult usage = Cli("export person demo");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

TEST_F(CliConnection, AuditFollowsPagesAndPassesFilters) {
  Start(grpc::InsecureServerCredentials());
  CommandResult all = Cli("audit demo");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "2023-11-14T22:13:20Z"))
      << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "caller-0")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "reader,self")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output,
                                "/vakwijzer.v1.ProfileService/GetGapReport"))
      << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "PERMISSION_DENIED")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "\n3 events\n")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "caller-1?[31m")) << all.output;
  EXPECT_FALSE(absl::StrContains(all.output, "\x1b")) << all.output;
  v1::ListAuditEventsRequest last = audit_.last();
  EXPECT_EQ(last.parent(), "organizations/demo");
  EXPECT_EQ(last.page_token(), "page-2");
  EXPECT_FALSE(last.has_start_time());
  EXPECT_FALSE(last.has_end_time());

  CommandResult filtered = Cli(
      "audit demo --person=sw-001 --caller=cli --since=2025-01-31T09:30:00Z "
      "--until=2025-02-01T00:00:00.5+01:00 --limit=2");
  ASSERT_EQ(filtered.exit_code, 0) << filtered.output;
  EXPECT_TRUE(absl::StrContains(filtered.output, "2 events (--limit reached)"))
      << filtered.output;
  EXPECT_FALSE(absl::StrContains(filtered.output, "caller-2"))
      << filtered.output;
  last = audit_.last();
  EXPECT_EQ(last.person(), "sw-001");
  EXPECT_EQ(last.caller(), "cli");
  EXPECT_EQ(last.page_size(), 2);
  EXPECT_EQ(last.start_time().seconds(), 1738315800);
  EXPECT_EQ(last.end_time().seconds(), 1738368000 - 3600);
  EXPECT_EQ(last.end_time().nanos(), 500000000);

  CommandResult json = Cli("--json audit demo");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  v1::ListAuditEventsResponse parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.output, &parsed).ok())
      << json.output;
  EXPECT_EQ(parsed.events_size(), 3);
  EXPECT_EQ(parsed.events(2).outcome(), "PERMISSION_DENIED");

  CommandResult bad = Cli("audit demo --since=yesterday");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_TRUE(absl::StrContains(bad.output, "--since=yesterday")) << bad.output;
}

}  // namespace
}  // namespace vakwijzer
