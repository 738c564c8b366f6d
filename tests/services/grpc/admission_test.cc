#include "services/grpc/admission.h"

#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vakwijzer::grpc_api {
namespace {

using ::testing::HasSubstr;

constexpr char kUnary[] = "/vakwijzer.v1.ProfileService/GetProfile";
constexpr char kStream[] = "/vakwijzer.v1.MatchService/BatchMatch";
constexpr char kClientStream[] = "/vakwijzer.v1.ProfileService/ImportRecords";

Principal Of(const std::string& org) {
  Principal p;
  p.subject = "tester";
  p.organization = org;
  return p;
}

class AdmissionTest : public ::testing::Test {
 protected:
  // Admits a call on a fresh context; nullopt when refused, with the
  // status in *refusal.
  std::optional<AdmissionControl::Ticket> Admit(
      AdmissionControl& control, const char* method, const std::string& org,
      absl::Status* refusal = nullptr) {
    contexts_.push_back(std::make_unique<grpc::ServerContext>());
    absl::StatusOr<AdmissionControl::Ticket> ticket =
        control.Admit(contexts_.back().get(), method, Of(org));
    if (refusal != nullptr) *refusal = ticket.status();
    if (!ticket.ok()) return std::nullopt;
    return std::move(*ticket);
  }

  std::vector<std::unique_ptr<grpc::ServerContext>> contexts_;
};

TEST_F(AdmissionTest, RefusesCallsBeyondTheServerLimitUntilOneEnds) {
  AdmissionOptions options;
  options.max_calls = 2;
  AdmissionControl control(options);
  auto a = Admit(control, kUnary, "acme");
  auto b = Admit(control, kStream, "beta");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(control.load().calls, 2);
  absl::Status refusal;
  EXPECT_FALSE(Admit(control, kUnary, "gamma", &refusal));
  EXPECT_EQ(refusal.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refusal.message(),
              HasSubstr("limit of 2 calls in flight (--max_calls); retry "
                        "after 250 ms"));
  a.reset();
  EXPECT_EQ(control.load().calls, 1);
  EXPECT_TRUE(Admit(control, kUnary, "gamma"));
}

TEST_F(AdmissionTest, CountsStreamsApartFromUnaryCalls) {
  AdmissionOptions options;
  options.max_streams = 1;
  AdmissionControl control(options);
  auto stream = Admit(control, kClientStream, "acme");
  ASSERT_TRUE(stream);
  EXPECT_EQ(control.load().streams, 1);
  absl::Status refusal;
  EXPECT_FALSE(Admit(control, kStream, "beta", &refusal));
  EXPECT_THAT(refusal.message(), HasSubstr("(--max_streams)"));
  EXPECT_TRUE(Admit(control, kUnary, "beta"));  // not a stream
  EXPECT_EQ(control.load().streams, 1);
}

TEST_F(AdmissionTest, LimitsCallsThatComputeOverAnOrganisation) {
  AdmissionOptions options;
  options.max_heavy_calls = 1;
  AdmissionControl control(options);
  auto plan =
      Admit(control, "/vakwijzer.v1.TeamService/PlanTeamTraining", "acme");
  ASSERT_TRUE(plan);
  absl::Status refusal;
  EXPECT_FALSE(
      Admit(control, "/vakwijzer.v1.MatchService/Match", "beta", &refusal));
  EXPECT_THAT(refusal.message(),
              HasSubstr("limit of 1 computing calls in flight "
                        "(--max_heavy_calls)"));
  EXPECT_TRUE(Admit(control, kUnary, "beta"));  // a read is not heavy
  EXPECT_EQ(control.load().heavy, 1);
  plan.reset();
  EXPECT_TRUE(Admit(control, kStream, "beta"));  // BatchMatch
}

TEST_F(AdmissionTest, AComputingCallWaitsBrieflyForAPlace) {
  AdmissionOptions options;
  options.max_heavy_calls = 1;
  options.heavy_queue_wait = absl::Seconds(10);
  AdmissionControl control(options);
  auto first = Admit(control, "/vakwijzer.v1.MatchService/Match", "acme");
  ASSERT_TRUE(first);
  std::thread finisher([&] {
    absl::SleepFor(absl::Milliseconds(50));
    first.reset();
  });
  const absl::Time start = absl::Now();
  auto second = Admit(control, "/vakwijzer.v1.MatchService/Match", "acme");
  finisher.join();
  EXPECT_TRUE(second);  // admitted once the first ended, not refused
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
  EXPECT_EQ(control.load().heavy, 1);
}

TEST_F(AdmissionTest, LimitsEachOrganisationButNotPlatformOperators) {
  AdmissionOptions options;
  options.max_calls_per_org = 1;
  AdmissionControl control(options);
  auto acme = Admit(control, kUnary, "acme");
  ASSERT_TRUE(acme);
  absl::Status refusal;
  EXPECT_FALSE(Admit(control, kUnary, "acme", &refusal));
  EXPECT_THAT(refusal.message(),
              HasSubstr("calls in flight for organisation acme "
                        "(--max_calls_per_org)"));
  auto beta = Admit(control, kUnary, "beta");
  EXPECT_TRUE(beta);
  auto any1 = Admit(control, kUnary, "*");
  auto any2 = Admit(control, kUnary, "*");
  EXPECT_TRUE(any1 && any2);
  acme.reset();
  EXPECT_TRUE(Admit(control, kUnary, "acme"));
}

TEST_F(AdmissionTest, ACallPastTheDurationLimitEndsAsDeadlineExceeded) {
  AdmissionOptions options;
  options.max_call_duration = absl::Milliseconds(20);
  AdmissionControl control(options);
  auto ticket = Admit(control, kUnary, "acme");
  ASSERT_TRUE(ticket);
  EXPECT_FALSE(ticket->expired());
  EXPECT_EQ(ticket->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "x"))
                .error_code(),
            grpc::StatusCode::CANCELLED);  // the client gave up
  absl::SleepFor(absl::Milliseconds(40));
  EXPECT_TRUE(ticket->expired());
  grpc::Status ended =
      ticket->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "x"));
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(ended.error_message(), HasSubstr("--max_call_seconds"));
  EXPECT_TRUE(ticket->Finish(grpc::Status::OK).ok());
}

TEST_F(AdmissionTest, NoLimitsWhenZero) {
  AdmissionOptions options;
  options.max_calls = 0;
  options.max_streams = 0;
  options.max_calls_per_org = 0;
  AdmissionControl control(options);
  std::vector<AdmissionControl::Ticket> tickets;
  for (int i = 0; i < 1000; ++i) {
    auto t = Admit(control, i % 2 ? kStream : kUnary, "acme");
    ASSERT_TRUE(t);
    tickets.push_back(std::move(*t));
  }
  EXPECT_EQ(control.load().calls, 1000);
  EXPECT_EQ(control.load().streams, 500);
  tickets.clear();
  EXPECT_EQ(control.load().calls, 0);
}

}  // namespace
}  // namespace vakwijzer::grpc_api
