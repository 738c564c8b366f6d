// vakwijzerd: the Vakwijzer gRPC server.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "services/grpc/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT to serve on; port 0 picks a free port, which is printed");
ABSL_FLAG(std::string, data_dir, "vakwijzer-data",
          "Folder of the RocksDB database (created when missing)");
ABSL_FLAG(std::string, framework_dir, VAKWIJZER_DATA_DIR "/frameworks",
          "Folder of *.textproto frameworks to load");
ABSL_FLAG(std::string, default_framework, "sfd-2021",
          "Framework id for profiles that name none");
ABSL_FLAG(std::string, demo_file, VAKWIJZER_DATA_DIR "/demo/demo.textproto",
          "People and assessments loaded into a new database; empty for none");
ABSL_FLAG(std::string, demo_catalog_file,
          VAKWIJZER_DATA_DIR "/demo/catalog.textproto",
          "The demo organisation's catalogue, loaded with --demo_file");
ABSL_FLAG(std::vector<std::string>, matchers, {},
          "Matchers to serve (comma-separated); empty for all");
ABSL_FLAG(std::vector<std::string>, matcher_defaults, {},
          "Default matcher parameters, MATCHER.PARAM=VALUE (comma-separated), "
          "e.g. training.budget_hours=24,mentor.lambda=0.7");
ABSL_FLAG(std::string, plugin_dir, "",
          "Folder of run-time matcher plugins (*.so); empty for none");
ABSL_FLAG(int, grace_seconds, 10,
          "On SIGINT/SIGTERM, how long calls in flight may take to finish");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves Vakwijzer's gRPC API (vakwijzer.v1) until SIGINT or SIGTERM.\n"
      "  vakwijzerd --listen=127.0.0.1:50051 --data_dir=PATH "
      "--framework_dir=PATH");
  absl::ParseCommandLine(argc, argv);

  // Block the shutdown signals in every thread (gRPC's threads inherit the
  // mask), then wait for them synchronously below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  vakwijzer::grpc_api::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.framework_dir = absl::GetFlag(FLAGS_framework_dir);
  options.demo_file = absl::GetFlag(FLAGS_demo_file);
  options.demo_catalog_file = absl::GetFlag(FLAGS_demo_catalog_file);
  options.manager.default_framework = absl::GetFlag(FLAGS_default_framework);
  options.enabled_matchers = absl::GetFlag(FLAGS_matchers);
  options.plugin_dir = absl::GetFlag(FLAGS_plugin_dir);
  for (const std::string& entry : absl::GetFlag(FLAGS_matcher_defaults)) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    size_t dot = kv.first.find('.');
    if (dot == std::string::npos || kv.second.empty()) {
      std::cerr << "vakwijzerd: --matcher_defaults: \"" << entry
                << "\" is not MATCHER.PARAM=VALUE" << std::endl;
      return 2;
    }
    options
        .matcher_defaults[kv.first.substr(0, dot)][kv.first.substr(dot + 1)] =
        kv.second;
  }
  auto server = vakwijzer::grpc_api::VakwijzerServer::Start(options);
  if (!server.ok()) {
    std::cerr << "vakwijzerd: " << server.status().message() << std::endl;
    return 1;
  }
  for (const std::string& warning : (*server)->warnings()) {
    std::cerr << "vakwijzerd: warning: " << warning << std::endl;
  }
  if ((*server)->demo_people_loaded() > 0) {
    std::cout << "vakwijzerd: new database in " << options.data_dir
              << ": loaded " << (*server)->demo_people_loaded()
              << " demo people into organizations/demo" << std::endl;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::cout << "vakwijzerd: listening on " << host << ":" << (*server)->port()
            << std::endl;

  int signal = 0;
  sigwait(&signals, &signal);
  std::cout << "vakwijzerd: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining calls in flight" << std::endl;
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_grace_seconds)));
  server->reset();  // closes RocksDB
  std::cout << "vakwijzerd: stopped" << std::endl;
  return 0;
}
