// The cost of authentication per call, over gRPC on loopback: GetGapReport
// of one demo person on a server without authentication and on one that
// verifies an HS256 bearer token on every call (then authorises it in the
// core and audits the read, as every read of personal data is), beside
// ListFrameworks, a call that needs neither (the floor).
// Run: build/benchmarks/api_benchmarks
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "grpcpp/create_channel.h"
#include "services/grpc/server.h"
#include "tests/test_util/jwt_mint.h"
#include "tests/test_util/temp_dir.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {
namespace {

constexpr char kSecret[] = "benchmark-secret-of-at-least-32-bytes-000";

struct Served {
  testing::TempDir dir;
  std::unique_ptr<VakwijzerServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::string authorization;
};

std::unique_ptr<Served> Serve(bool jwt) {
  auto s = std::make_unique<Served>();
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = s->dir.Sub("db");
  if (jwt) {
    std::string keys = s->dir.Sub("secret");
    FILE* f = fopen(keys.c_str(), "w");
    fputs(kSecret, f);
    fclose(f);
    options.security.auth = SecurityOptions::Auth::kJwt;
    options.security.jwt_keys = keys;
    s->authorization =
        "Bearer " +
        testing::MintHs256(
            kSecret,
            absl::StrCat("{\"sub\":\"bench\",\"org\":\"demo\",\"roles\":["
                         "\"reader\"],\"exp\":",
                         absl::ToUnixSeconds(absl::Now() + absl::Hours(2)),
                         "}"));
  }
  auto server = VakwijzerServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    std::abort();
  }
  s->server = *std::move(server);
  s->channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", s->server->port()),
                          grpc::InsecureChannelCredentials());
  return s;
}

// Times each call; reports the p50 and p99 in microseconds.
template <typename Fn>
void Measure(benchmark::State& state, Fn call) {
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    if (!call()) {
      state.SkipWithError("call failed");
      return;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start)
                         .count());
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
}

void BM_GapReport(benchmark::State& state) {
  std::unique_ptr<Served> s = Serve(/*jwt=*/state.range(0) == 1);
  auto stub = v1::ProfileService::NewStub(s->channel);
  v1::GetGapReportRequest request;
  request.set_name("organizations/demo/people/sw-001");
  Measure(state, [&] {
    grpc::ClientContext context;
    if (!s->authorization.empty()) {
      context.AddMetadata("authorization", s->authorization);
    }
    v1::GapReport report;
    return stub->GetGapReport(&context, request, &report).ok();
  });
  state.SetLabel(state.range(0) == 1 ? "jwt HS256" : "auth none");
}
BENCHMARK(BM_GapReport)->Arg(0)->Arg(1)->Iterations(3000)->UseRealTime();

void BM_ListFrameworksFloor(benchmark::State& state) {
  std::unique_ptr<Served> s = Serve(/*jwt=*/false);
  auto stub = v1::FrameworkService::NewStub(s->channel);
  v1::ListFrameworksRequest request;
  request.set_summary_only(true);
  Measure(state, [&] {
    grpc::ClientContext context;
    v1::ListFrameworksResponse response;
    return stub->ListFrameworks(&context, request, &response).ok();
  });
}
BENCHMARK(BM_ListFrameworksFloor)->Iterations(3000)->UseRealTime();

}  // namespace
}  // namespace vakwijzer::grpc_api
