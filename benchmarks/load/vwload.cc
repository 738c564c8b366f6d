// vwload: a closed-loop load generator for vakwijzerd over gRPC, so that
// the client is not what is measured (the Python client tops out at a few
// thousand calls per second). CLIENTS threads each send one call at a time
// for SECONDS and the tool prints one JSON line: calls, calls per second,
// latency percentiles and the count of each non-OK status.
//
//   vwload --target=127.0.0.1:50051 --call=record --clients=16 --seconds=10
//          [--org=demo] [--channels=1] [--people=2000] [--ratings=5]
//          [--matcher=mentor] [--token=JWT]
//
// Calls:
//   health  grpc.health.v1.Health/Check (the no-op floor);
//   gap     ProfileService.GetGapReport of a random person;
//   match   MatchService.Match of --matcher for a random person;
//   record  ProfileService.RecordAssessment of --ratings random ratings
//           (peer rater, random levels 0..4) on a random person, each with a
//           new assessment_id. This writes: use a scratch database.
// The people are the organisation's first --people profiles (ListProfiles),
// each with the indicators of its track (GetGapReport).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "vakwijzer/v1/service.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "host:port of vakwijzerd");
ABSL_FLAG(std::string, call, "health", "health, gap, match or record");
ABSL_FLAG(int, clients, 16, "threads, each with one call in flight");
ABSL_FLAG(int, channels, 1, "gRPC channels (connections) shared round-robin");
ABSL_FLAG(double, seconds, 10, "how long to send");
ABSL_FLAG(std::string, org, "demo", "organisation id");
ABSL_FLAG(int, people, 2000, "most people to draw subjects from");
ABSL_FLAG(int, ratings, 5, "ratings per recorded assessment");
ABSL_FLAG(std::string, matcher, "mentor", "matcher of --call=match");
ABSL_FLAG(std::string, token, "", "bearer token sent with every call");

namespace vakwijzer {
namespace {

using Clock = std::chrono::steady_clock;

struct Person {
  std::string name;
  std::vector<std::string> indicators;
};

void Authorize(grpc::ClientContext* context) {
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

// The subjects: up to --people profiles with their track's indicators.
bool LoadPeople(const std::shared_ptr<grpc::Channel>& channel,
                bool need_indicators, std::vector<Person>* people) {
  auto profiles = v1::ProfileService::NewStub(channel);
  const std::string org =
      absl::StrCat("organizations/", absl::GetFlag(FLAGS_org));
  const int limit = absl::GetFlag(FLAGS_people);
  std::string token;
  do {
    grpc::ClientContext context;
    Authorize(&context);
    v1::ListProfilesRequest request;
    request.set_parent(org);
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListProfilesResponse response;
    grpc::Status s = profiles->ListProfiles(&context, request, &response);
    if (!s.ok()) {
      std::fprintf(stderr, "ListProfiles: %s\n", s.error_message().c_str());
      return false;
    }
    for (const v1::Profile& p : response.profiles()) {
      if (static_cast<int>(people->size()) < limit) {
        people->push_back({p.name(), {}});
      }
    }
    token = response.next_page_token();
  } while (!token.empty() && static_cast<int>(people->size()) < limit);
  if (people->empty()) {
    std::fprintf(stderr, "no people in %s\n", org.c_str());
    return false;
  }
  if (!need_indicators) return true;
  for (Person& person : *people) {
    grpc::ClientContext context;
    Authorize(&context);
    v1::GetGapReportRequest request;
    request.set_name(person.name);
    v1::GapReport report;
    grpc::Status s = profiles->GetGapReport(&context, request, &report);
    if (!s.ok()) {
      std::fprintf(stderr, "GetGapReport %s: %s\n", person.name.c_str(),
                   s.error_message().c_str());
      return false;
    }
    for (const v1::IndicatorGap& g : report.indicators()) {
      person.indicators.push_back(g.indicator());
    }
  }
  return true;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)];
}

int Run() {
  const std::string call = absl::GetFlag(FLAGS_call);
  if (call != "health" && call != "gap" && call != "match" &&
      call != "record") {
    std::fprintf(stderr, "--call: health, gap, match or record, not %s\n",
                 call.c_str());
    return 2;
  }
  const int clients = std::max(1, absl::GetFlag(FLAGS_clients));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    // A distinct argument keeps each channel on its own connection.
    grpc::ChannelArguments own = args;
    own.SetInt("vwload.channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), own));
  }
  std::vector<Person> people;
  if (call != "health" && !LoadPeople(channels[0], call == "record", &people)) {
    return 1;
  }

  const auto deadline =
      Clock::now() +
      std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds)));
  std::vector<std::vector<double>> latencies(clients);
  std::mutex errors_mu;
  std::map<std::string, int> errors;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const auto& channel = channels[c % channels.size()];
      grpc::GenericStub generic(channel);
      auto profiles = v1::ProfileService::NewStub(channel);
      auto match = v1::MatchService::NewStub(channel);
      std::mt19937_64 rng(1000 + c);
      const int ratings = absl::GetFlag(FLAGS_ratings);
      for (int k = 0; Clock::now() < deadline; ++k) {
        grpc::ClientContext context;
        Authorize(&context);
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(60));
        const Person* person =
            people.empty() ? nullptr : &people[rng() % people.size()];
        grpc::Status s;
        const auto t0 = Clock::now();
        if (call == "health") {
          grpc::ByteBuffer request, response;
          grpc::Slice empty("");
          request = grpc::ByteBuffer(&empty, 1);
          std::mutex mu;
          std::condition_variable cv;
          bool done = false;
          generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                            grpc::StubOptions(), &request, &response,
                            [&](grpc::Status status) {
                              std::lock_guard<std::mutex> lock(mu);
                              s = status;
                              done = true;
                              cv.notify_one();
                            });
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return done; });
        } else if (call == "gap") {
          v1::GetGapReportRequest request;
          request.set_name(person->name);
          v1::GapReport response;
          s = profiles->GetGapReport(&context, request, &response);
        } else if (call == "match") {
          v1::MatchRequest request;
          request.set_parent(
              absl::StrCat("organizations/", absl::GetFlag(FLAGS_org)));
          request.set_matcher(absl::GetFlag(FLAGS_matcher));
          request.set_subject(person->name);
          v1::MatchResponse response;
          s = match->Match(&context, request, &response);
        } else {
          v1::RecordAssessmentRequest request;
          request.set_parent(person->name);
          request.set_assessment_id(absl::StrCat(
              "l", c, "-", k, "-",
              std::chrono::system_clock::now().time_since_epoch().count()));
          v1::Assessment* a = request.mutable_assessment();
          a->set_rater_role(v1::PEER);
          a->set_rater(absl::StrCat("peer-", c));
          std::vector<std::string> pick = person->indicators;
          std::shuffle(pick.begin(), pick.end(), rng);
          pick.resize(std::min<size_t>(pick.size(), ratings));
          for (const std::string& indicator : pick) {
            v1::Rating* r = a->add_ratings();
            r->set_indicator(indicator);
            r->set_level(static_cast<int>(rng() % 5));
          }
          v1::Assessment response;
          s = profiles->RecordAssessment(&context, request, &response);
        }
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - t0)
                .count();
        if (s.ok()) {
          latencies[c].push_back(ms);
        } else {
          std::lock_guard<std::mutex> lock(errors_mu);
          ++errors[absl::StrCat(s.error_code())];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::vector<std::string> error_parts;
  for (const auto& [code, n] : errors) {
    error_parts.push_back(absl::StrCat("\"", code, "\": ", n));
  }
  std::printf(
      "{\"call\": \"%s\", \"clients\": %d, \"calls\": %zu, \"seconds\": %.3f, "
      "\"per_s\": %.1f, \"p50_ms\": %.4f, \"p90_ms\": %.4f, \"p99_ms\": %.4f, "
      "\"errors\": {%s}}\n",
      call.c_str(), clients, all.size(), seconds,
      static_cast<double>(all.size()) / seconds, Percentile(all, 0.5),
      Percentile(all, 0.9), Percentile(all, 0.99),
      absl::StrJoin(error_parts, ", ").c_str());
  return errors.empty() ? 0 : 1;
}

}  // namespace
}  // namespace vakwijzer

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return vakwijzer::Run();
}
