// vakwijzerd: the Vakwijzer gRPC server.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
ABSL_FLAG(std::string, plugin_host, "",
          "The vakwijzer_plugin_host executable that runs each plugin out of "
          "the server's process; empty: the one beside vakwijzerd");
ABSL_FLAG(int, plugin_processes, 2,
          "Plugin hosts per plugin: matches of one plugin that run at once");
ABSL_FLAG(int, plugin_memory_mb, 2048,
          "Address-space limit of a plugin host in MiB (0: none)");
ABSL_FLAG(int, plugin_cpu_seconds, 30,
          "CPU time a plugin may spend on one match before its host is "
          "stopped (0: no limit)");
ABSL_FLAG(std::string, auth, "none",
          "none (every caller may do everything; loopback only) or jwt "
          "(bearer JWTs verified with --jwt_keys)");
ABSL_FLAG(std::string, jwt_keys, "",
          "Key file for --auth=jwt: PEM public keys (RS256, ES256), a JWKS "
          "document, or an HS256 secret of at least 32 bytes");
ABSL_FLAG(std::string, jwt_issuer, "", "When set, tokens' iss must equal it");
ABSL_FLAG(std::string, jwt_audience, "",
          "When set, tokens' aud must contain it");
ABSL_FLAG(int, jwt_leeway_seconds, 60, "Clock skew allowed for exp and nbf");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: require client certificates they sign (mTLS)");
ABSL_FLAG(bool, allow_insecure_remote, false,
          "Serve a non-loopback address without authentication or TLS "
          "(behind a gateway that provides both)");
ABSL_FLAG(bool, self_sees_peer_detail, false,
          "Show callers with only role self other people's scores and "
          "explanations in match results (default: names and ids only)");
ABSL_FLAG(int, audit_retention_days, 0,
          "Drop audit events older than this many days; 0 keeps them");
ABSL_FLAG(int, grace_seconds, 10,
          "On SIGINT/SIGTERM, how long calls in flight may take to finish");
ABSL_FLAG(int, max_calls, 256,
          "Calls in flight over the server; more are refused with "
          "RESOURCE_EXHAUSTED and a retry hint (0: no limit)");
ABSL_FLAG(int, max_streams, 64,
          "Streaming calls (BatchMatch, ScoreTeam, ImportRecords) in flight "
          "(0: no limit)");
ABSL_FLAG(int, max_heavy_calls, 0,
          "Calls computing over an organisation (Match, BatchMatch, "
          "TeamService) in flight; 0: one per core");
ABSL_FLAG(int, heavy_queue_ms, 50,
          "How long a computing call waits for a place before it is "
          "refused");
ABSL_FLAG(int, max_calls_per_org, 32,
          "Calls in flight from the tokens of one organisation (0: no limit)");
ABSL_FLAG(int, max_call_seconds, 600,
          "No call runs longer, whatever its deadline (DEADLINE_EXCEEDED)");
ABSL_FLAG(int, stream_stall_seconds, 30,
          "A stream whose peer neither reads nor sends this long is ended");
ABSL_FLAG(int, scan_threads, 0,
          "Threads one scan of a large organisation (e.g. a mentor Match) "
          "may split over; 0: the number of cores");
ABSL_FLAG(int, grpc_memory_mb, 1024,
          "Transport buffer memory gRPC may use (its resource quota)");
ABSL_FLAG(bool, huge_pages, true,
          "Have glibc's malloc ask for transparent huge pages (the tunable "
          "glibc.malloc.hugetlb=1, set by re-executing the program once "
          "unless GLIBC_TUNABLES already names it): about a third of the "
          "page faults while the read model is built");

namespace {

// Re-executes the program with glibc.malloc.hugetlb=1 added to
// GLIBC_TUNABLES, which glibc reads only when a program starts. Returns if
// the tunable is set already (also by the user, to any value) or the exec
// fails.
void ReexecWithHugePages(char** argv) {
#ifdef __GLIBC__
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::string value = tunables == nullptr ? "" : tunables;
  if (absl::StrContains(value, "glibc.malloc.hugetlb")) return;
  value = value.empty() ? "glibc.malloc.hugetlb=1"
                        : absl::StrCat(value, ":glibc.malloc.hugetlb=1");
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  std::cerr << "vakwijzerd: --huge_pages: cannot re-execute ("
            << std::strerror(errno) << "); going on without" << std::endl;
#else
  (void)argv;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves Vakwijzer's gRPC API (vakwijzer.v1) until SIGINT or SIGTERM.\n"
      "  vakwijzerd --listen=127.0.0.1:50051 --data_dir=PATH "
      "--framework_dir=PATH");
  // Abseil lists the flags of files named after the program; ours live in
  // main.cc.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "vakwijzerd/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_huge_pages)) ReexecWithHugePages(argv);

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
  options.plugin_host.host_binary = absl::GetFlag(FLAGS_plugin_host);
  options.plugin_host.processes = absl::GetFlag(FLAGS_plugin_processes);
  options.plugin_host.memory_mb = absl::GetFlag(FLAGS_plugin_memory_mb);
  options.plugin_host.cpu_seconds = absl::GetFlag(FLAGS_plugin_cpu_seconds);
  if (options.plugin_host.processes < 1 || options.plugin_host.memory_mb < 0 ||
      options.plugin_host.cpu_seconds < 0) {
    std::cerr << "vakwijzerd: --plugin_processes must be at least 1, "
                 "--plugin_memory_mb and --plugin_cpu_seconds at least 0\n";
    return 2;
  }
  vakwijzer::grpc_api::SecurityOptions& security = options.security;
  const std::string auth = absl::GetFlag(FLAGS_auth);
  if (auth == "jwt") {
    security.auth = vakwijzer::grpc_api::SecurityOptions::Auth::kJwt;
  } else if (auth != "none") {
    std::cerr << "vakwijzerd: --auth: \"" << auth
              << "\" is neither none nor jwt" << std::endl;
    return 2;
  }
  security.jwt_keys = absl::GetFlag(FLAGS_jwt_keys);
  security.jwt.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  security.jwt.audience = absl::GetFlag(FLAGS_jwt_audience);
  security.jwt.leeway = absl::Seconds(absl::GetFlag(FLAGS_jwt_leeway_seconds));
  security.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  security.tls_key = absl::GetFlag(FLAGS_tls_key);
  security.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  security.allow_insecure_remote = absl::GetFlag(FLAGS_allow_insecure_remote);
  security.core.self_sees_peer_detail =
      absl::GetFlag(FLAGS_self_sees_peer_detail);
  security.audit_retention_days = absl::GetFlag(FLAGS_audit_retention_days);
  vakwijzer::grpc_api::AdmissionOptions& admission = options.admission;
  admission.max_calls = absl::GetFlag(FLAGS_max_calls);
  admission.max_streams = absl::GetFlag(FLAGS_max_streams);
  admission.max_calls_per_org = absl::GetFlag(FLAGS_max_calls_per_org);
  admission.max_heavy_calls = absl::GetFlag(FLAGS_max_heavy_calls);
  admission.heavy_queue_wait =
      absl::Milliseconds(std::max(0, absl::GetFlag(FLAGS_heavy_queue_ms)));
  if (admission.max_heavy_calls == 0) {
    admission.max_heavy_calls =
        std::max(1u, std::thread::hardware_concurrency());
  }
  admission.max_call_duration =
      absl::Seconds(absl::GetFlag(FLAGS_max_call_seconds));
  admission.max_stream_stall =
      absl::Seconds(absl::GetFlag(FLAGS_stream_stall_seconds));
  options.grpc_memory_bytes = int64_t{absl::GetFlag(FLAGS_grpc_memory_mb)}
                              << 20;
  options.scan_threads = absl::GetFlag(FLAGS_scan_threads);
  if (options.scan_threads == 0) {
    options.scan_threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (admission.max_calls < 0 || admission.max_streams < 0 ||
      options.scan_threads < 0 || admission.max_heavy_calls < 0 ||
      admission.max_calls_per_org < 0 ||
      absl::GetFlag(FLAGS_max_call_seconds) <= 0 ||
      absl::GetFlag(FLAGS_stream_stall_seconds) <= 0 ||
      absl::GetFlag(FLAGS_grpc_memory_mb) <= 0) {
    std::cerr << "vakwijzerd: --max_calls, --max_streams, "
                 "--max_heavy_calls, --max_calls_per_org and --scan_threads "
                 "must not be "
                 "negative; "
                 "--max_call_seconds, --stream_stall_seconds and "
                 "--grpc_memory_mb must be positive"
              << std::endl;
    return 2;
  }
  if (security.audit_retention_days < 0 ||
      absl::GetFlag(FLAGS_jwt_leeway_seconds) < 0) {
    std::cerr << "vakwijzerd: --audit_retention_days and "
                 "--jwt_leeway_seconds must not be negative"
              << std::endl;
    return 2;
  }
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
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  absl::Time port_open = absl::InfinitePast();
  options.on_listening = [&host, &port_open](int port) {
    port_open = absl::Now();
    std::cout << "vakwijzerd: port " << host << ":" << port
              << " open; loading (health: NOT_SERVING until listening)"
              << std::endl;
  };
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
  std::cout << "vakwijzerd: read model loaded in "
            << absl::FormatDuration(absl::Now() - port_open) << std::endl;
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
