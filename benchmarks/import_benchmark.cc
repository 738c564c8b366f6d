// Bulk loading through ProfileService.ImportRecords: N people on track hbo
// of sfd-2021, each with one assessment of 150 ratings, streamed in
// batches to an in-process server over loopback (a fresh RocksDB database
// in a temporary folder, synced writes as in production). Prints the wall
// time and people and ratings per second.
//
// Run: build/benchmarks/import_benchmark [PEOPLE [PEOPLE_PER_BATCH]]
// (defaults 10000 and 250; a batch holds each person and its assessment,
// so 2 records per person).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "services/grpc/server.h"
#include "tests/test_util/temp_dir.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer {
namespace {

int Run(int people, int per_batch) {
  testing::TempDir dir;
  grpc_api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("db");
  options.framework_dir = VAKWIJZER_DATA_DIR "/frameworks";
  options.demo_file = "";
  options.demo_catalog_file = "";
  auto server = grpc_api::VakwijzerServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto frameworks = v1::FrameworkService::NewStub(channel);
  auto profiles = v1::ProfileService::NewStub(channel);

  // The first 150 indicators of track hbo.
  std::vector<std::string> indicators;
  {
    grpc::ClientContext context;
    v1::GetFrameworkRequest request;
    request.set_name("frameworks/sfd-2021");
    request.set_track("hbo");
    v1::Framework framework;
    grpc::Status s = frameworks->GetFramework(&context, request, &framework);
    if (!s.ok()) {
      std::fprintf(stderr, "GetFramework: %s\n", s.error_message().c_str());
      return 1;
    }
    for (const auto& cluster : framework.clusters()) {
      for (const auto& competency : cluster.competencies()) {
        for (const auto& indicator : competency.indicators()) {
          if (indicators.size() < 150) indicators.push_back(indicator.id());
        }
      }
    }
  }
  if (indicators.size() < 150) {
    std::fprintf(stderr, "track hbo has only %zu indicators\n",
                 indicators.size());
    return 1;
  }

  const auto start = std::chrono::steady_clock::now();
  grpc::ClientContext context;
  v1::ImportRecordsResponse response;
  auto writer = profiles->ImportRecords(&context, &response);
  v1::ImportRecordsRequest batch;
  batch.set_parent("organizations/bench");
  batch.set_mode(v1::PER_RECORD);
  for (int i = 0; i < people; ++i) {
    const std::string id = absl::StrCat("p", 1000000 + i);
    v1::ImportPersonRecord* person = batch.add_records()->mutable_person();
    person->set_profile_id(id);
    person->mutable_profile()->set_track("hbo");
    person->mutable_profile()->add_teams(absl::StrCat("team-", i % 20));
    v1::ImportAssessmentRecord* a = batch.add_records()->mutable_assessment();
    a->set_person_id(id);
    a->set_assessment_id("intake");
    a->mutable_assessment()->set_rater_role(v1::MANAGER);
    a->mutable_assessment()->set_rater(absl::StrCat("m", i % 50));
    a->mutable_assessment()->mutable_assess_time()->set_seconds(1700000000);
    for (size_t k = 0; k < indicators.size(); ++k) {
      v1::Rating* r = a->mutable_assessment()->add_ratings();
      r->set_indicator(indicators[k]);
      r->set_level(static_cast<int>((i + k) % 5));
    }
    if (batch.records_size() >= 2 * per_batch || i + 1 == people) {
      if (!writer->Write(batch)) break;
      batch.clear_records();
    }
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!status.ok() || response.error_count() != 0) {
    std::fprintf(stderr, "ImportRecords: %s; %lld errors\n",
                 status.error_message().c_str(),
                 static_cast<long long>(response.error_count()));
    return 1;
  }
  std::printf(
      "%d people x 150 ratings in %d batches of %d people: %.2f s, "
      "%.0f people/s, %.0f ratings/s (created %lld, recorded %lld)\n",
      people, response.batches_written(), per_batch, seconds, people / seconds,
      people * 150.0 / seconds,
      static_cast<long long>(response.people_created()),
      static_cast<long long>(response.assessments_recorded()));
  return 0;
}

}  // namespace
}  // namespace vakwijzer

int main(int argc, char** argv) {
  const int people = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int per_batch = argc > 2 ? std::atoi(argv[2]) : 250;
  if (people <= 0 || per_batch <= 0 || per_batch > 500) {
    std::fprintf(stderr, "usage: import_benchmark [PEOPLE [1..500]]\n");
    return 2;
  }
  return vakwijzer::Run(people, per_batch);
}
