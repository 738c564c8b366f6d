// VakwijzerServer in-process, driven through the wire with the generated
// stubs (and, for health checking and reflection, whose C++ messages are not
// generated here, with a generic stub and hand-encoded messages).
#include "services/grpc/server.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/temp_dir.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {
namespace {

using ::vakwijzer::testing::TempDir;
using FrameworkStub = v1::FrameworkService::Stub;
using ProfileStub = v1::ProfileService::Stub;

constexpr char kOrg[] = "organizations/acme";

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

// One unary call through a generated stub.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  return (stub->*method)(&context, request, response);
}

::testing::AssertionResult HasCode(const grpc::Status& status,
                                   grpc::StatusCode code,
                                   absl::string_view substr) {
  if (status.error_code() != code ||
      !absl::StrContains(status.error_message(), substr)) {
    return ::testing::AssertionFailure()
           << "got code " << status.error_code() << " \""
           << status.error_message() << "\"; expected code " << code
           << " and a message containing \"" << substr << "\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOk(const grpc::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "code " << status.error_code() << ": " << status.error_message();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// ----------------------------------------------------- raw wire helpers

void* Tag(intptr_t i) { return reinterpret_cast<void*>(i); }

// Waits for the next event of `cq`, which must be `tag`; returns its ok.
bool Await(grpc::CompletionQueue* cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  if (!cq->Next(&got, &ok)) return false;
  EXPECT_EQ(got, tag);
  return ok;
}

void Drain(grpc::CompletionQueue* cq) {
  cq->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
  }
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// A serialized message with one length-delimited field.
std::string LengthDelimited(int number, const std::string& value) {
  google::protobuf::UnknownFieldSet fields;
  fields.AddLengthDelimited(number, value);
  std::string out;
  fields.SerializeToString(&out);
  return out;
}

// The values of the length-delimited fields `number` of a serialized
// message.
std::vector<std::string> LengthDelimitedFields(const std::string& bytes,
                                               int number) {
  google::protobuf::UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(bytes));
  std::vector<std::string> out;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& f = fields.field(i);
    if (f.number() == number &&
        f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

// A unary call of `method` with a serialized request.
grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel,
                      const std::string& method, const std::string& request,
                      std::string* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, method, ToBuffer(request), &cq);
  call->StartCall();
  grpc::ByteBuffer reply;
  grpc::Status status;
  call->Finish(&reply, &status, Tag(1));
  EXPECT_TRUE(Await(&cq, Tag(1)));
  if (status.ok()) *response = FromBuffer(reply);
  Drain(&cq);
  return status;
}

// A bidirectional stream of `method`: one response read per request.
grpc::Status RawBidi(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method,
                     const std::vector<std::string>& requests,
                     std::vector<std::string>* responses) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  call->StartCall(Tag(1));
  bool ok = Await(&cq, Tag(1));
  for (const std::string& request : requests) {
    if (!ok) break;
    call->Write(ToBuffer(request), Tag(2));
    ok = Await(&cq, Tag(2));
    if (!ok) break;
    grpc::ByteBuffer reply;
    call->Read(&reply, Tag(3));
    ok = Await(&cq, Tag(3));
    if (ok) responses->push_back(FromBuffer(reply));
  }
  call->WritesDone(Tag(4));
  Await(&cq, Tag(4));
  grpc::Status status;
  call->Finish(&status, Tag(5));
  Await(&cq, Tag(5));
  Drain(&cq);
  return status;
}

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr int kServing = 1;     // grpc.health.v1 ServingStatus
constexpr int kNotServing = 2;  // grpc.health.v1 ServingStatus

// The ServingStatus of `service`, or -1 when the call fails.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& service, grpc::Status* status) {
  // HealthCheckRequest { string service = 1; }
  std::string request = service.empty() ? "" : LengthDelimited(1, service);
  std::string response;
  *status = RawUnary(channel, kHealthCheck, request, &response);
  if (!status->ok()) return -1;
  // HealthCheckResponse { ServingStatus status = 1; }, 0 when absent.
  google::protobuf::UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(response));
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == 1) {
      return static_cast<int>(fields.field(i).varint());
    }
  }
  return 0;
}

// ------------------------------------------------------------- fixture

constexpr char kDemo[] = R"pb(
  organization: "demo-test"
  people {
    id: "d1"
    profile { display_name: "Demo one" track: "junior" teams: "noord" }
    assessments {
      rater_role: SELF
      ratings { indicator: "j-a1-1" level: 2 }
    }
  }
  people {
    id: "d2"
    profile { track: "senior" target_stage: "basic" }
    assessments {
      rater_role: MANAGER
      rater: "m1"
      assess_time { seconds: 1700000000 }
      ratings { indicator: "s-a1-1" level: LEVEL evidence: "Case review." }
    }
  }
)pb";

std::string DemoBundle(int d2_level) {
  std::string text = kDemo;
  text.replace(text.find("LEVEL"), 5, std::to_string(d2_level));
  return text;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerOptions Options() const {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.Sub("data");
    options.framework_dir = VAKWIJZER_TEST_DATA_DIR "/frameworks";
    options.demo_file = "";
    options.demo_catalog_file = "";
    options.manager.default_framework = "mini";
    return options;
  }

  void StartServer(ServerOptions options) {
    ASSERT_OK_AND_ASSIGN(server_, VakwijzerServer::Start(std::move(options)));
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    frameworks_ = v1::FrameworkService::NewStub(channel_);
    profiles_ = v1::ProfileService::NewStub(channel_);
  }

  void StopServer() {
    frameworks_.reset();
    profiles_.reset();
    channel_.reset();
    server_.reset();
  }

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer(Options())); }

  grpc::Status CreateProfile(const std::string& id, const std::string& track,
                             v1::Profile* out, const std::string& team = "") {
    v1::CreateProfileRequest request;
    request.set_parent(kOrg);
    request.set_profile_id(id);
    request.mutable_profile()->set_track(track);
    if (!team.empty()) request.mutable_profile()->add_teams(team);
    return Call(profiles_.get(), &ProfileStub::CreateProfile, request, out);
  }

  grpc::Status GetProfile(const std::string& name, v1::Profile* out) {
    v1::GetProfileRequest request;
    request.set_name(name);
    return Call(profiles_.get(), &ProfileStub::GetProfile, request, out);
  }

  grpc::Status Record(const std::string& person, v1::RaterRole role,
                      const std::string& rater, const std::string& indicator,
                      int level, v1::Assessment* out,
                      const std::string& id = "") {
    v1::RecordAssessmentRequest request;
    request.set_parent(person);
    request.set_assessment_id(id);
    request.mutable_assessment()->set_rater_role(role);
    request.mutable_assessment()->set_rater(rater);
    v1::Rating* r = request.mutable_assessment()->add_ratings();
    r->set_indicator(indicator);
    r->set_level(level);
    return Call(profiles_.get(), &ProfileStub::RecordAssessment, request, out);
  }

  TempDir dir_;
  std::unique_ptr<VakwijzerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<FrameworkStub> frameworks_;
  std::unique_ptr<ProfileStub> profiles_;
};

// ---------------------------------------------------- FrameworkService

TEST_F(ServerTest, ListFrameworks) {
  v1::ListFrameworksResponse response;
  ASSERT_TRUE(IsOk(Call(frameworks_.get(), &FrameworkStub::ListFrameworks,
                        v1::ListFrameworksRequest(), &response)));
  ASSERT_EQ(response.frameworks_size(), 1);
  const v1::Framework& fw = response.frameworks(0);
  EXPECT_EQ(fw.name(), "frameworks/mini");
  EXPECT_EQ(fw.id(), "mini");
  EXPECT_EQ(fw.version(), "1");
  EXPECT_EQ(fw.scale().levels_size(), 4);
  EXPECT_EQ(fw.stages_size(), 2);
  EXPECT_EQ(fw.tracks_size(), 2);
  EXPECT_EQ(fw.clusters_size(), 2);
  EXPECT_EQ(fw.stage_comparison_size(), 1);
}

TEST_F(ServerTest, ListFrameworksSummaryOnlyStripsClusters) {
  v1::ListFrameworksRequest request;
  request.set_summary_only(true);
  v1::ListFrameworksResponse response;
  ASSERT_TRUE(IsOk(Call(frameworks_.get(), &FrameworkStub::ListFrameworks,
                        request, &response)));
  ASSERT_EQ(response.frameworks_size(), 1);
  const v1::Framework& fw = response.frameworks(0);
  EXPECT_EQ(fw.id(), "mini");
  EXPECT_EQ(fw.version(), "1");
  EXPECT_EQ(fw.scale().levels_size(), 4);
  EXPECT_EQ(fw.stages_size(), 2);
  EXPECT_EQ(fw.tracks_size(), 2);
  EXPECT_EQ(fw.default_stage(), "good");
  EXPECT_EQ(fw.clusters_size(), 0);
  EXPECT_EQ(fw.stage_comparison_size(), 0);
}

TEST_F(ServerTest, GetFrameworkWhole) {
  v1::GetFrameworkRequest request;
  request.set_name("frameworks/mini");
  v1::Framework fw;
  ASSERT_TRUE(IsOk(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw)));
  EXPECT_EQ(fw.name(), "frameworks/mini");
  int indicators = 0;
  for (const auto& cluster : fw.clusters()) {
    for (const auto& comp : cluster.competencies()) {
      indicators += comp.indicators_size();
    }
  }
  EXPECT_EQ(indicators, 7);
}

TEST_F(ServerTest, GetFrameworkTrackFilterKeepsOnlyThatTrack) {
  v1::GetFrameworkRequest request;
  request.set_name("frameworks/mini");
  request.set_track("senior");
  v1::Framework fw;
  ASSERT_TRUE(IsOk(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw)));
  std::vector<std::string> ids;
  for (const auto& cluster : fw.clusters()) {
    for (const auto& comp : cluster.competencies()) {
      for (const auto& ind : comp.indicators()) {
        EXPECT_EQ(ind.track(), "senior") << ind.id();
        ids.push_back(ind.id());
      }
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"s-a1-1", "s-a2-1", "s-b1-1"}));
  EXPECT_EQ(fw.tracks_size(), 2);
  EXPECT_EQ(fw.stages_size(), 2);
}

TEST_F(ServerTest, GetFrameworkErrors) {
  v1::GetFrameworkRequest request;
  v1::Framework fw;
  request.set_name("frameworks/nope");
  EXPECT_TRUE(HasCode(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw),
      grpc::StatusCode::NOT_FOUND, "name:"));
  request.set_name("mini");
  EXPECT_TRUE(HasCode(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw),
      grpc::StatusCode::INVALID_ARGUMENT, "name:"));
  request.set_name("");
  EXPECT_TRUE(HasCode(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw),
      grpc::StatusCode::INVALID_ARGUMENT, "name:"));
  request.set_name("frameworks/mini");
  request.set_track("hbo");
  EXPECT_TRUE(HasCode(
      Call(frameworks_.get(), &FrameworkStub::GetFramework, request, &fw),
      grpc::StatusCode::INVALID_ARGUMENT, "track:"));
}

// ------------------------------------------------------ ProfileService

TEST_F(ServerTest, CreateAndGetProfile) {
  v1::Profile created;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &created)));
  EXPECT_EQ(created.name(), "organizations/acme/people/p1");
  EXPECT_EQ(created.framework(), "frameworks/mini");
  EXPECT_EQ(created.target_stage(), "good");
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);

  v1::Profile got;
  ASSERT_TRUE(IsOk(GetProfile(created.name(), &got)));
  EXPECT_EQ(got.SerializeAsString(), created.SerializeAsString());
}

TEST_F(ServerTest, CreateProfileErrors) {
  v1::Profile out;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &out)));
  EXPECT_TRUE(HasCode(CreateProfile("p1", "junior", &out),
                      grpc::StatusCode::ALREADY_EXISTS, "profile_id:"));
  EXPECT_TRUE(HasCode(CreateProfile("p2", "", &out),
                      grpc::StatusCode::INVALID_ARGUMENT, "profile.track:"));
  EXPECT_TRUE(HasCode(CreateProfile("p2", "hbo", &out),
                      grpc::StatusCode::INVALID_ARGUMENT, "profile.track:"));
  EXPECT_TRUE(HasCode(CreateProfile("a/b", "junior", &out),
                      grpc::StatusCode::INVALID_ARGUMENT, "profile_id:"));
  v1::CreateProfileRequest request;
  request.set_parent("orgs/acme");
  request.set_profile_id("p3");
  request.mutable_profile()->set_track("junior");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::CreateProfile, request, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "parent:"));
  EXPECT_TRUE(HasCode(GetProfile("organizations/acme/people/p2", &out),
                      grpc::StatusCode::NOT_FOUND, "p2"));
}

TEST_F(ServerTest, GetProfileErrors) {
  v1::Profile out;
  EXPECT_TRUE(HasCode(GetProfile("organizations/acme/people/ghost", &out),
                      grpc::StatusCode::NOT_FOUND, "ghost"));
  EXPECT_TRUE(HasCode(GetProfile("organizations/acme/persons/p1", &out),
                      grpc::StatusCode::INVALID_ARGUMENT, "name:"));
}

// A string field that is not valid UTF-8 fails in gRPC's parsing, before
// the service; the caller gets INVALID_ARGUMENT, not INTERNAL.
TEST_F(ServerTest, InvalidUtf8IsInvalidArgument) {
  // GetProfileRequest.name (field 1, length-delimited) = "organizations/\xff".
  const std::string bad = "organizations/\xff";
  std::string request =
      std::string("\x0a") + static_cast<char>(bad.size()) + bad;
  std::string response;
  grpc::Status status = RawUnary(
      channel_, "/vakwijzer.v1.ProfileService/GetProfile", request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("UTF-8"));
}

// A name of a megabyte is INVALID_ARGUMENT quoting a short part of it (an
// echo of it all would overflow gRPC's metadata limit).
TEST_F(ServerTest, AHugeNameIsInvalidArgumentWithAShortMessage) {
  v1::Profile out;
  grpc::Status status = GetProfile(
      "organizations/acme/people/" + std::string(1 << 20, '#'), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message().substr(0, 300);
  EXPECT_LT(status.error_message().size(), 400u);
}

TEST_F(ServerTest, UpdateProfile) {
  v1::Profile first;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &first, "noord")));

  v1::UpdateProfileRequest request;
  request.mutable_profile()->set_name(first.name());
  request.mutable_profile()->set_etag(first.etag());
  request.mutable_profile()->set_display_name("Anna");
  request.mutable_update_mask()->add_paths("display_name");
  v1::Profile second;
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::UpdateProfile, request, &second)));
  EXPECT_EQ(second.display_name(), "Anna");
  ASSERT_EQ(second.teams_size(), 1);
  EXPECT_EQ(second.teams(0), "noord");
  EXPECT_NE(second.etag(), first.etag());

  // The first etag is now stale.
  request.mutable_profile()->set_display_name("Bea");
  v1::Profile out;
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::UpdateProfile, request, &out),
              grpc::StatusCode::FAILED_PRECONDITION, "etag:"));
  ASSERT_TRUE(IsOk(GetProfile(first.name(), &out)));
  EXPECT_EQ(out.display_name(), "Anna");

  request.mutable_profile()->clear_etag();
  request.mutable_update_mask()->set_paths(0, "etag");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::UpdateProfile, request, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "update_mask.paths[0]:"));

  request.mutable_update_mask()->set_paths(0, "target_stage");
  request.mutable_profile()->set_target_stage("expert");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::UpdateProfile, request, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "profile.target_stage:"));

  request.mutable_profile()->set_name("organizations/acme/people/ghost");
  request.mutable_profile()->set_target_stage("basic");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::UpdateProfile, request, &out),
              grpc::StatusCode::NOT_FOUND, "ghost"));
}

TEST_F(ServerTest, DeleteProfile) {
  v1::Profile p;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &p)));
  v1::Assessment a;
  ASSERT_TRUE(IsOk(Record(p.name(), v1::SELF, "", "j-a1-1", 1, &a)));

  v1::DeleteProfileRequest request;
  request.set_name(p.name());
  request.set_etag("stale");
  google::protobuf::Empty empty;
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::DeleteProfile, request, &empty),
      grpc::StatusCode::FAILED_PRECONDITION, "etag:"));
  request.set_etag(p.etag());
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::DeleteProfile, request, &empty)));
  v1::Profile out;
  EXPECT_TRUE(
      HasCode(GetProfile(p.name(), &out), grpc::StatusCode::NOT_FOUND, "p1"));
  v1::ListAssessmentsRequest list;
  list.set_parent(p.name());
  v1::ListAssessmentsResponse assessments;
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::ListAssessments, list, &assessments),
      grpc::StatusCode::NOT_FOUND, "p1"));
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::DeleteProfile, request, &empty),
      grpc::StatusCode::NOT_FOUND, "p1"));
  request.set_name("organizations/acme");
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::DeleteProfile, request, &empty),
      grpc::StatusCode::INVALID_ARGUMENT, "name:"));
}

TEST_F(ServerTest, ListProfilesPaginatesAndFilters) {
  v1::Profile out;
  for (const auto& [id, team] :
       std::vector<std::pair<std::string, std::string>>{{"p1", "noord"},
                                                        {"p2", "zuid"},
                                                        {"p3", "noord"},
                                                        {"p4", "zuid"},
                                                        {"p5", "noord"}}) {
    ASSERT_TRUE(IsOk(CreateProfile(id, "junior", &out, team)));
  }
  v1::ListProfilesRequest request;
  request.set_parent(kOrg);
  request.set_page_size(2);
  std::vector<std::string> seen;
  std::vector<int> sizes;
  do {
    v1::ListProfilesResponse page;
    ASSERT_TRUE(IsOk(
        Call(profiles_.get(), &ProfileStub::ListProfiles, request, &page)));
    sizes.push_back(page.profiles_size());
    for (const v1::Profile& p : page.profiles()) seen.push_back(p.name());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && sizes.size() < 10);
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 1}));
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], "organizations/acme/people/p1");
  EXPECT_EQ(seen[4], "organizations/acme/people/p5");

  request.set_page_size(0);
  request.set_filter("team = \"noord\"");
  v1::ListProfilesResponse noord;
  ASSERT_TRUE(
      IsOk(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &noord)));
  ASSERT_EQ(noord.profiles_size(), 3);
  EXPECT_EQ(noord.profiles(1).name(), "organizations/acme/people/p3");
  EXPECT_TRUE(noord.next_page_token().empty());

  v1::ListProfilesResponse bad;
  request.set_filter("team == noord");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &bad),
              grpc::StatusCode::INVALID_ARGUMENT, "filter:"));
  request.set_filter("");
  request.set_page_size(-1);
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &bad),
              grpc::StatusCode::INVALID_ARGUMENT, "page_size:"));
  request.set_page_size(1);
  request.set_page_token("not-a-token");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &bad),
              grpc::StatusCode::INVALID_ARGUMENT, "page_token:"));
  request.set_page_token("");
  request.set_parent("organizations/");
  EXPECT_TRUE(
      HasCode(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &bad),
              grpc::StatusCode::INVALID_ARGUMENT, "parent:"));
}

TEST_F(ServerTest, RecordAndListAssessments) {
  v1::Profile p;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &p)));
  for (int i = 1; i <= 3; ++i) {
    v1::Assessment a;
    ASSERT_TRUE(IsOk(Record(p.name(), v1::SELF, "", "j-a1-1", i, &a)));
    EXPECT_EQ(a.name(), absl::StrCat(p.name(), "/assessments/a00000000000", i));
    EXPECT_EQ(a.rater(), "p1");
    EXPECT_EQ(a.framework_version(), "1");
  }
  v1::Assessment a;
  ASSERT_TRUE(
      IsOk(Record(p.name(), v1::PEER, "peer-1", "j-a1-2", 2, &a, "client-1")));
  // A retry with the same content returns the stored assessment; one with
  // different content is ALREADY_EXISTS.
  v1::Assessment retried;
  ASSERT_TRUE(IsOk(
      Record(p.name(), v1::PEER, "peer-1", "j-a1-2", 2, &retried, "client-1")));
  EXPECT_EQ(retried.name(), a.name());
  EXPECT_EQ(retried.create_time().seconds(), a.create_time().seconds());
  EXPECT_EQ(retried.create_time().nanos(), a.create_time().nanos());
  EXPECT_TRUE(
      HasCode(Record(p.name(), v1::PEER, "peer-1", "j-a1-2", 3, &a, "client-1"),
              grpc::StatusCode::ALREADY_EXISTS, "assessment_id:"));
  EXPECT_TRUE(HasCode(Record(p.name(), v1::SELF, "", "j-a1-1", 4, &a),
                      grpc::StatusCode::INVALID_ARGUMENT,
                      "assessment.ratings[0].level:"));
  EXPECT_TRUE(HasCode(Record(p.name(), v1::SELF, "", "s-a1-1", 1, &a),
                      grpc::StatusCode::INVALID_ARGUMENT,
                      "assessment.ratings[0].indicator:"));
  EXPECT_TRUE(HasCode(Record(p.name(), v1::PEER, "", "j-a1-1", 1, &a),
                      grpc::StatusCode::INVALID_ARGUMENT, "assessment.rater:"));
  EXPECT_TRUE(HasCode(
      Record(p.name(), v1::RATER_ROLE_UNSPECIFIED, "x", "j-a1-1", 1, &a),
      grpc::StatusCode::INVALID_ARGUMENT, "assessment.rater_role:"));
  EXPECT_TRUE(HasCode(
      Record("organizations/acme/people/ghost", v1::SELF, "", "j-a1-1", 1, &a),
      grpc::StatusCode::NOT_FOUND, "ghost"));

  v1::Profile after;
  ASSERT_TRUE(IsOk(GetProfile(p.name(), &after)));
  EXPECT_EQ(after.assessment_count(), 4);

  v1::ListAssessmentsRequest request;
  request.set_parent(p.name());
  request.set_page_size(3);
  v1::ListAssessmentsResponse page1, page2;
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::ListAssessments, request, &page1)));
  ASSERT_EQ(page1.assessments_size(), 3);
  EXPECT_EQ(page1.assessments(2).ratings(0).level(), 3);
  ASSERT_FALSE(page1.next_page_token().empty());
  request.set_page_token(page1.next_page_token());
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::ListAssessments, request, &page2)));
  ASSERT_EQ(page2.assessments_size(), 1);
  EXPECT_EQ(page2.assessments(0).name(), p.name() + "/assessments/client-1");
  EXPECT_TRUE(page2.next_page_token().empty());

  v1::ListAssessmentsResponse bad;
  request.set_page_size(-1);
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::ListAssessments, request, &bad),
      grpc::StatusCode::INVALID_ARGUMENT, "page_size:"));
  request.set_page_size(1);
  request.set_parent("organizations/acme/people/other");
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::ListAssessments, request, &bad),
      grpc::StatusCode::INVALID_ARGUMENT, "page_token:"));
}

// Two batches over one stream: the first creates p1 and rates it, the
// second has one bad record (level 7 off the 0..3 scale) among valid ones.
TEST_F(ServerTest, ImportRecordsStreamsBatches) {
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::ImportRecordsResponse response;
  auto writer = profiles_->ImportRecords(&context, &response);
  v1::ImportRecordsRequest batch;
  batch.set_parent(kOrg);
  v1::ImportRecord* person = batch.add_records();
  person->mutable_person()->set_profile_id("p1");
  person->mutable_person()->mutable_profile()->set_track("junior");
  auto rate = [](v1::ImportRecordsRequest* b, const std::string& id,
                 const std::string& indicator, int level) {
    v1::ImportAssessmentRecord* a = b->add_records()->mutable_assessment();
    a->set_person_id("p1");
    a->set_assessment_id(id);
    a->mutable_assessment()->set_rater_role(v1::SELF);
    v1::Rating* r = a->mutable_assessment()->add_ratings();
    r->set_indicator(indicator);
    r->set_level(level);
  };
  rate(&batch, "a1", "j-a1-1", 2);
  ASSERT_TRUE(writer->Write(batch));
  batch.clear_records();
  rate(&batch, "a2", "j-a1-2", 7);
  rate(&batch, "a3", "j-a2-1", 1);
  rate(&batch, "a1", "j-a1-1", 3);  // already there: skipped
  ASSERT_TRUE(writer->Write(batch));
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_TRUE(IsOk(writer->Finish()));
  EXPECT_EQ(response.people_created(), 1);
  EXPECT_EQ(response.assessments_recorded(), 2);
  EXPECT_EQ(response.assessments_skipped(), 1);
  EXPECT_EQ(response.batches_written(), 2);
  ASSERT_EQ(response.errors_size(), 1);
  EXPECT_EQ(response.errors(0).batch_index(), 1);
  EXPECT_EQ(response.errors(0).record_index(), 0);
  EXPECT_EQ(response.errors(0).field(),
            "assessment.assessment.ratings[0].level");
  EXPECT_EQ(response.errors(0).code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));

  v1::Profile p;
  ASSERT_TRUE(IsOk(GetProfile(absl::StrCat(kOrg, "/people/p1"), &p)));
  EXPECT_EQ(p.assessment_count(), 2);
}

TEST_F(ServerTest, ImportRecordsRefusesABatchOverTheLimit) {
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::ImportRecordsResponse response;
  auto writer = profiles_->ImportRecords(&context, &response);
  v1::ImportRecordsRequest batch;
  batch.set_parent(kOrg);
  for (int i = 0; i < 1001; ++i) {
    v1::ImportPersonRecord* p = batch.add_records()->mutable_person();
    p->set_profile_id(absl::StrCat("q", i));
    p->mutable_profile()->set_track("junior");
  }
  writer->Write(batch);
  writer->WritesDone();
  EXPECT_TRUE(HasCode(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT,
                      "records: 1001 records in batch 0; at most 1000"));
  v1::Profile p;
  EXPECT_EQ(GetProfile(absl::StrCat(kOrg, "/people/q0"), &p).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Admission control on a server of one call: while a stream holds the
// place, another call is RESOURCE_EXHAUSTED with a retry hint; the stream,
// whose client sends nothing, is ended after the stall limit, and the
// place is free again.
TEST_F(ServerTest, AdmissionRefusesBeyondTheLimitAndEndsStalledStreams) {
  StopServer();
  ServerOptions options = Options();
  options.admission.max_calls = 1;
  options.admission.max_stream_stall = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServer(std::move(options)));
  auto wait_for_calls = [&](int calls) {
    for (int i = 0; i < 1000 && server_->admission().load().calls != calls;
         ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return server_->admission().load().calls;
  };

  grpc::ClientContext stream_context;
  stream_context.set_deadline(Deadline());
  v1::ImportRecordsResponse response;
  auto writer = profiles_->ImportRecords(&stream_context, &response);
  ASSERT_EQ(wait_for_calls(1), 1);
  EXPECT_EQ(server_->admission().load().streams, 1);

  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::GetProfileRequest request;
  request.set_name(absl::StrCat(kOrg, "/people/p1"));
  v1::Profile profile;
  EXPECT_TRUE(HasCode(profiles_->GetProfile(&context, request, &profile),
                      grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "limit of 1 calls in flight (--max_calls); retry after "
                      "250 ms"));
  auto hint =
      context.GetServerTrailingMetadata().find("grpc-retry-pushback-ms");
  ASSERT_NE(hint, context.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(hint->second.data(), hint->second.size()), "250");

  EXPECT_FALSE(writer->Finish().ok());  // ended by the server
  ASSERT_EQ(wait_for_calls(0), 0);
  EXPECT_EQ(GetProfile(request.name(), &profile).error_code(),
            grpc::StatusCode::NOT_FOUND);  // admitted again
}

TEST_F(ServerTest, GetGapReport) {
  v1::Profile p;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &p)));
  v1::Assessment a;
  ASSERT_TRUE(IsOk(Record(p.name(), v1::SELF, "", "j-a1-1", 3, &a)));
  ASSERT_TRUE(IsOk(Record(p.name(), v1::MANAGER, "m1", "j-a1-1", 1, &a)));

  v1::GetGapReportRequest request;
  request.set_name(p.name());
  v1::GapReport report;
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report)));
  EXPECT_EQ(report.person(), p.name());
  EXPECT_EQ(report.policy(), v1::WEIGHTED);
  EXPECT_EQ(report.target_level(), 2);
  EXPECT_EQ(report.assessment_count(), 2);
  ASSERT_EQ(report.indicators_size(), 4);
  // (0.5 * 3 + 1 * 1) / 1.5
  EXPECT_NEAR(report.indicators(0).current().level(), 5.0 / 3, 1e-9);
  EXPECT_EQ(report.unknown_indicators_size(), 3);
  ASSERT_EQ(report.top_gaps_size(), 1);
  EXPECT_EQ(report.top_gaps(0), "j-a1-1");

  request.set_policy(v1::HIGHEST);
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report)));
  EXPECT_DOUBLE_EQ(report.indicators(0).current().level(), 3);
  EXPECT_EQ(report.top_gaps_size(), 0);

  request.set_top_n(1001);
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report),
      grpc::StatusCode::INVALID_ARGUMENT, "top_n:"));
  request.set_top_n(0);
  request.set_half_life_days(-2);
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report),
      grpc::StatusCode::INVALID_ARGUMENT, "half_life_days:"));
  request.set_half_life_days(0);
  request.set_policy(static_cast<v1::AggregationPolicy>(99));
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report),
      grpc::StatusCode::INVALID_ARGUMENT, "policy:"));
  request.set_policy(v1::LATEST);
  request.set_name("organizations/acme/people/ghost");
  EXPECT_TRUE(HasCode(
      Call(profiles_.get(), &ProfileStub::GetGapReport, request, &report),
      grpc::StatusCode::NOT_FOUND, "ghost"));
}

// ------------------------------------------------ health and reflection

// While the read model loads, the port is open: health says NOT_SERVING
// and calls are refused; once Start returns, both serve.
TEST_F(ServerTest, PortOpensBeforeLoadingWithHealthNotServing) {
  server_.reset();
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("starting");
  int health_while_loading = -1;
  grpc::Status call_while_loading;
  int port_seen = 0;
  options.on_listening = [&](int port) {
    port_seen = port;
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    grpc::Status status;
    health_while_loading = HealthStatus(channel, "", &status);
    auto stub = v1::ProfileService::NewStub(channel);
    v1::ListProfilesRequest request;
    request.set_parent(kOrg);
    v1::ListProfilesResponse response;
    call_while_loading =
        Call(stub.get(), &ProfileStub::ListProfiles, request, &response);
  };
  ASSERT_OK_AND_ASSIGN(server_, VakwijzerServer::Start(std::move(options)));
  EXPECT_EQ(port_seen, server_->port());
  EXPECT_EQ(health_while_loading, kNotServing);
  EXPECT_TRUE(HasCode(call_while_loading, grpc::StatusCode::UNAVAILABLE,
                      "being loaded"));
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  grpc::Status status;
  EXPECT_EQ(HealthStatus(channel, "", &status), kServing);
}

TEST_F(ServerTest, HealthCheckReportsServingUntilShutdown) {
  ASSERT_NE(server_->grpc_server()->GetHealthCheckService(), nullptr);
  grpc::Status status;
  EXPECT_EQ(HealthStatus(channel_, "", &status), kServing);
  EXPECT_TRUE(IsOk(status));
  EXPECT_EQ(HealthStatus(channel_, "no.such.Service", &status), -1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  // The first step of VakwijzerServer::Shutdown: health NOT_SERVING.
  server_->grpc_server()->GetHealthCheckService()->Shutdown();
  EXPECT_EQ(HealthStatus(channel_, "", &status), kNotServing);

  server_->Shutdown(absl::Seconds(1));
  server_->Shutdown(absl::Seconds(1));  // idempotent
  EXPECT_EQ(HealthStatus(channel_, "", &status), -1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// A run-time plugin runs in a host process: when it segfaults, that call
// fails, the server keeps serving, and the host comes back.
TEST_F(ServerTest, APluginThatCrashesCostsOneCallNotTheServer) {
  StopServer();
  ServerOptions options = Options();
  options.plugin_dir = dir_.Sub("plugins");
  std::filesystem::create_directories(options.plugin_dir);
  std::filesystem::copy_file(MISBEHAVES_PLUGIN,
                             options.plugin_dir + "/misbehaves.so");
  options.plugin_host.host_binary = PLUGIN_HOST;
  options.plugin_host.processes = 1;
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  v1::Profile profile;
  ASSERT_TRUE(IsOk(CreateProfile("ann", "junior", &profile)));
  v1::Assessment assessment;
  ASSERT_TRUE(IsOk(Record(absl::StrCat(kOrg, "/people/ann"), v1::SELF, "",
                          "j-a1-1", 1, &assessment)));
  auto match = v1::MatchService::NewStub(channel_);
  auto run = [&](const std::string& what) {
    v1::MatchRequest request;
    request.set_parent(kOrg);
    request.set_matcher("misbehaves");
    request.set_subject(absl::StrCat(kOrg, "/people/ann"));
    (*request.mutable_parameters())["do"] = what;
    v1::MatchResponse response;
    return Call(match.get(), &v1::MatchService::Stub::Match, request,
                &response);
  };
  EXPECT_TRUE(IsOk(run("")));
  EXPECT_TRUE(HasCode(run("segfault"), grpc::StatusCode::UNAVAILABLE,
                      "plugin misbehaves: its host killed by SIG"));
  grpc::Status health;
  EXPECT_EQ(HealthStatus(channel_, "", &health), kServing);
  absl::SleepFor(absl::Milliseconds(150));  // the first back-off
  EXPECT_TRUE(IsOk(run("")));
}

TEST_F(ServerTest, ReflectionListsServicesAndServesDescriptors) {
  // ServerReflectionRequest: list_services = 7, file_containing_symbol = 4.
  // ServerReflectionResponse: file_descriptor_response = 4 (its
  // file_descriptor_proto = 1), list_services_response = 6 (its service =
  // 1, whose name = 1).
  std::vector<std::string> responses;
  grpc::Status status =
      RawBidi(channel_,
              "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
              {LengthDelimited(7, ""),
               LengthDelimited(4, "vakwijzer.v1.ProfileService")},
              &responses);
  ASSERT_TRUE(IsOk(status));
  ASSERT_EQ(responses.size(), 2u);

  std::vector<std::string> services;
  for (const std::string& list : LengthDelimitedFields(responses[0], 6)) {
    for (const std::string& service : LengthDelimitedFields(list, 1)) {
      for (const std::string& name : LengthDelimitedFields(service, 1)) {
        services.push_back(name);
      }
    }
  }
  EXPECT_THAT(services,
              ::testing::IsSupersetOf(
                  {"vakwijzer.v1.FrameworkService",
                   "vakwijzer.v1.ProfileService", "grpc.health.v1.Health",
                   "grpc.reflection.v1alpha.ServerReflection"}));

  bool found = false;
  for (const std::string& files : LengthDelimitedFields(responses[1], 4)) {
    for (const std::string& bytes : LengthDelimitedFields(files, 1)) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      if (file.name() != "vakwijzer/v1/service.proto") continue;
      for (const google::protobuf::ServiceDescriptorProto& service :
           file.service()) {
        if (service.name() != "ProfileService") continue;
        found = true;
        EXPECT_EQ(service.method_size(), 10);  // ImportRecords the last
        EXPECT_EQ(service.method(0).name(), "CreateProfile");
      }
    }
  }
  EXPECT_TRUE(found) << "no ProfileService in vakwijzer/v1/service.proto";
}

// ------------------------------------------------------ lifecycle

TEST_F(ServerTest, DataPersistsAcrossRestart) {
  v1::Profile p;
  ASSERT_TRUE(IsOk(CreateProfile("p1", "junior", &p)));
  v1::Assessment a;
  ASSERT_TRUE(IsOk(Record(p.name(), v1::SELF, "", "j-a1-1", 2, &a)));

  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer(Options()));
  EXPECT_EQ(server_->demo_people_loaded(), 0);

  v1::Profile got;
  ASSERT_TRUE(IsOk(GetProfile(p.name(), &got)));
  EXPECT_EQ(got.etag(), p.etag());
  EXPECT_EQ(got.assessment_count(), 1);
  v1::ListAssessmentsRequest request;
  request.set_parent(p.name());
  v1::ListAssessmentsResponse list;
  ASSERT_TRUE(IsOk(
      Call(profiles_.get(), &ProfileStub::ListAssessments, request, &list)));
  ASSERT_EQ(list.assessments_size(), 1);
  EXPECT_EQ(list.assessments(0).name(), a.name());
  // Server-assigned ids continue after a restart.
  ASSERT_TRUE(IsOk(Record(p.name(), v1::SELF, "", "j-a1-1", 3, &a)));
  EXPECT_EQ(a.name(), p.name() + "/assessments/a000000000002");
}

TEST_F(ServerTest, DemoIsLoadedIntoANewDatabaseOnly) {
  StopServer();
  const std::string demo = dir_.Sub("demo.textproto");
  ASSERT_NO_FATAL_FAILURE(WriteFile(demo, DemoBundle(1)));
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("demo-data");
  options.demo_file = demo;
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  EXPECT_EQ(server_->demo_people_loaded(), 2);

  v1::ListProfilesRequest request;
  request.set_parent("organizations/demo-test");
  v1::ListProfilesResponse list;
  ASSERT_TRUE(
      IsOk(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &list)));
  ASSERT_EQ(list.profiles_size(), 2);
  EXPECT_EQ(list.profiles(0).name(), "organizations/demo-test/people/d1");
  EXPECT_EQ(list.profiles(0).display_name(), "Demo one");
  EXPECT_EQ(list.profiles(0).assessment_count(), 1);
  EXPECT_EQ(list.profiles(1).name(), "organizations/demo-test/people/d2");
  EXPECT_EQ(list.profiles(1).target_stage(), "basic");
  EXPECT_EQ(list.profiles(1).assessment_count(), 1);

  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  EXPECT_EQ(server_->demo_people_loaded(), 0);
  ASSERT_TRUE(
      IsOk(Call(profiles_.get(), &ProfileStub::ListProfiles, request, &list)));
  EXPECT_EQ(list.profiles_size(), 2);
  EXPECT_EQ(list.profiles(0).assessment_count(), 1);
}

TEST_F(ServerTest, InvalidDemoFailsStartNamingFileAndPerson) {
  StopServer();
  const std::string demo = dir_.Sub("bad-demo.textproto");
  ASSERT_NO_FATAL_FAILURE(WriteFile(demo, DemoBundle(7)));  // scale 0..3
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("demo-data");
  options.demo_file = demo;
  absl::StatusOr<std::unique_ptr<VakwijzerServer>> server =
      VakwijzerServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_STATUS(server, absl::StatusCode::kInvalidArgument, demo);
  EXPECT_STATUS(server, absl::StatusCode::kInvalidArgument, "person d2");
  EXPECT_STATUS(server, absl::StatusCode::kInvalidArgument, "ratings[0].level");

  // Each case on a new database: the demo is only loaded into one.
  ASSERT_NO_FATAL_FAILURE(WriteFile(demo, "organization: \"x\" people {"));
  options.data_dir = dir_.Sub("demo-data-2");
  server = VakwijzerServer::Start(options);
  EXPECT_STATUS(server, absl::StatusCode::kInvalidArgument, demo);

  options.demo_file = dir_.Sub("missing.textproto");
  options.data_dir = dir_.Sub("demo-data-3");
  server = VakwijzerServer::Start(options);
  EXPECT_STATUS(server, absl::StatusCode::kNotFound, "missing.textproto");
}

// Regression: a demo that failed half-way left the people
// loaded before the failure in the database; the database was then no
// longer empty, so once the file was fixed the next start silently skipped
// the demo and served a half-loaded one.
TEST_F(ServerTest, FailedDemoLoadDoesNotBlockTheFixedDemo) {
  StopServer();
  const std::string demo = dir_.Sub("demo.textproto");
  ASSERT_NO_FATAL_FAILURE(WriteFile(demo, DemoBundle(7)));
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("demo-data");
  options.demo_file = demo;
  ASSERT_FALSE(VakwijzerServer::Start(options).ok());

  ASSERT_NO_FATAL_FAILURE(WriteFile(demo, DemoBundle(1)));
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  EXPECT_EQ(server_->demo_people_loaded(), 2);
  // d2's profile was written before its assessment was refused.
  v1::Profile d2;
  ASSERT_TRUE(IsOk(GetProfile("organizations/demo-test/people/d2", &d2)));
  EXPECT_EQ(d2.assessment_count(), 1);
}

TEST_F(ServerTest, MalformedFrameworkDirFailsStartNamingFile) {
  StopServer();
  const std::string frameworks = dir_.Sub("frameworks");
  std::filesystem::create_directory(frameworks);
  const std::string mini = frameworks + "/mini.textproto";
  std::filesystem::copy_file(
      VAKWIJZER_TEST_DATA_DIR "/frameworks/mini.textproto", mini);
  const std::string broken = frameworks + "/broken.textproto";
  ASSERT_NO_FATAL_FAILURE(
      WriteFile(broken, "id: \"broken\"\nnot_a_field: 1\n"));
  ServerOptions options = Options();
  options.framework_dir = frameworks;
  EXPECT_STATUS(VakwijzerServer::Start(options),
                absl::StatusCode::kInvalidArgument, "broken.textproto:2");

  // Parses, but is no valid framework (no scale, stages, ...).
  ASSERT_NO_FATAL_FAILURE(
      WriteFile(broken, "id: \"broken\"\nversion: \"1\"\ntitle: \"B\"\n"));
  EXPECT_STATUS(VakwijzerServer::Start(options),
                absl::StatusCode::kInvalidArgument, "broken.textproto");

  std::filesystem::remove(broken);
  options.framework_dir = dir_.Sub("no-such-dir");
  EXPECT_STATUS(VakwijzerServer::Start(options), absl::StatusCode::kNotFound,
                "no-such-dir");

  options.framework_dir = frameworks;
  options.manager.default_framework = "sfd-2021";
  EXPECT_STATUS(VakwijzerServer::Start(options), absl::StatusCode::kNotFound,
                "sfd-2021");

  // The same folder without the broken file starts.
  options.manager.default_framework = "mini";
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
}

TEST_F(ServerTest, DataDirThatIsAFileFailsStart) {
  StopServer();
  const std::string file = dir_.Sub("plain-file");
  ASSERT_NO_FATAL_FAILURE(WriteFile(file, "not a database"));
  ServerOptions options = Options();
  options.data_dir = file;
  absl::StatusOr<std::unique_ptr<VakwijzerServer>> server =
      VakwijzerServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_TRUE(absl::StrContains(server.status().message(), file))
      << server.status();
}

TEST_F(ServerTest, UnusableListenAddressFailsStart) {
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("other-data");
  options.listen = "not an address";
  options.security.allow_insecure_remote = true;
  EXPECT_STATUS(VakwijzerServer::Start(options), absl::StatusCode::kUnavailable,
                "cannot listen");
}

// Regression: gRPC sets SO_REUSEPORT by default, so a
// second server on a port already serving started too, and the kernel
// spread connections over both, each with its own database. Fixed with
// GRPC_ARG_ALLOW_REUSEPORT = 0.
TEST_F(ServerTest, PortInUseFailsStart) {
  ServerOptions options = Options();
  options.data_dir = dir_.Sub("other-data");
  options.listen = absl::StrCat("127.0.0.1:", server_->port());
  EXPECT_STATUS(VakwijzerServer::Start(options), absl::StatusCode::kUnavailable,
                "cannot listen");
}

}  // namespace
}  // namespace vakwijzer::grpc_api
