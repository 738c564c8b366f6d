// Wires frameworks, storage, the core and the gRPC services into one
// running server. Used by vakwijzerd and by in-process tests.
#ifndef VAKWIJZER_SERVICES_GRPC_SERVER_H_
#define VAKWIJZER_SERVICES_GRPC_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/scan_pool.h"
#include "framework/framework_registry.h"
#include "grpcpp/server.h"
#include "plugins/api/matcher.h"
#include "plugins/external/external_matcher.h"
#include "services/auth/jwt_verifier.h"
#include "services/core/catalog_manager.h"
#include "services/core/core_api.h"
#include "services/core/match_manager.h"
#include "services/core/profile_manager.h"
#include "services/core/snapshot_cache.h"
#include "services/core/team_manager.h"
#include "services/grpc/admission.h"
#include "services/grpc/audit_service.h"
#include "services/grpc/authn.h"
#include "services/grpc/catalog_service.h"
#include "services/grpc/framework_service.h"
#include "services/grpc/match_service.h"
#include "services/grpc/profile_service.h"
#include "services/grpc/team_service.h"
#include "storage/rocksdb_store.h"

namespace vakwijzer::grpc_api {

// Who may connect and call, and how calls are audited.
struct SecurityOptions {
  enum class Auth { kNone, kJwt };
  // kNone: every call is made by Principal::Unauthenticated() (the loopback
  // demo). kJwt: every call but FrameworkService, health and reflection
  // needs a bearer JWT verified with `jwt_keys`.
  Auth auth = Auth::kNone;
  std::string jwt_keys;  // a key file (see auth::LoadJwtKeys)
  auth::JwtOptions jwt;
  // PEM files. With cert and key the server speaks TLS; with client_ca it
  // also requires and verifies client certificates (mTLS).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // Without authentication or without TLS, a non-loopback listen address
  // is refused unless this is set (and then warned about).
  bool allow_insecure_remote = false;
  core::CoreApiOptions core;
  // Audit events older than this are dropped (at start, then hourly);
  // 0 keeps them forever.
  int audit_retention_days = 0;
};

struct ServerOptions {
  // HOST:PORT; port 0 picks a free port (see VakwijzerServer::port()).
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "vakwijzer-data";
  std::string framework_dir = VAKWIJZER_DATA_DIR "/frameworks";
  // Loaded into a new, empty database; empty for none.
  std::string demo_file = VAKWIJZER_DATA_DIR "/demo/demo.textproto";
  // The demo organisation's catalogue, loaded with demo_file.
  std::string demo_catalog_file = VAKWIJZER_DATA_DIR "/demo/catalog.textproto";
  // Matchers to serve; empty for all.
  std::vector<std::string> enabled_matchers;
  // Default parameter values per matcher name.
  std::map<std::string, std::map<std::string, std::string>> matcher_defaults;
  // Folder of run-time matcher plugins (*.so); empty for none. Each runs
  // in plugin hosts (plugins/external/external_matcher.h); an empty
  // plugin_host.host_binary means vakwijzer_plugin_host beside the running
  // executable.
  std::string plugin_dir;
  plugins::PluginHostOptions plugin_host;
  int max_message_bytes = 16 << 20;
  // Calls in flight, streams, call duration and stalled streams (see
  // admission.h). gRPC's own resource quota backs it: at most
  // max_calls + 32 server threads (0 calls: no limit) and
  // grpc_memory_bytes of transport buffers.
  AdmissionOptions admission;
  int64_t grpc_memory_bytes = int64_t{1} << 30;
  // Threads one scan of a large organisation may split over (the calling
  // thread included); 1: no split.
  int scan_threads = 1;
  core::ProfileManagerOptions manager;
  SecurityOptions security;
  // Called once the port is open, before the demo and the read model are
  // loaded (meanwhile health reports NOT_SERVING and calls UNAVAILABLE).
  std::function<void(int port)> on_listening;
};

// Whether HOST:PORT names a loopback address (127.0.0.0/8, ::1,
// localhost).
bool IsLoopbackAddress(absl::string_view listen);

class VakwijzerServer {
 public:
  // Loads the frameworks, opens the database, opens the port, loads the
  // demo into a new database and the read model, and then serves. Fails
  // (and stops serving) if any of it fails.
  static absl::StatusOr<std::unique_ptr<VakwijzerServer>> Start(
      ServerOptions options);

  // Shuts down (if not yet done) and closes the database.
  ~VakwijzerServer();

  int port() const { return port_; }
  // Demo people loaded at start (0 when the database was not new).
  int demo_people_loaded() const { return demo_people_; }
  // Problems with plugins that were skipped (the server runs without
  // them), and insecure settings that were allowed.
  const std::vector<std::string>& warnings() const { return warnings_; }
  grpc::Server* grpc_server() { return server_.get(); }
  const AdmissionControl& admission() const { return *admission_; }

  // Reports NOT_SERVING to health checks, stops accepting calls and waits
  // up to `grace` for calls in flight, then cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  VakwijzerServer() = default;

  std::unique_ptr<framework::FrameworkRegistry> frameworks_;
  std::unique_ptr<storage::RocksDbStore> store_;
  std::unique_ptr<core::SnapshotCache> cache_;
  std::unique_ptr<core::ProfileManager> manager_;
  std::unique_ptr<core::CatalogManager> catalog_;
  std::unique_ptr<plugins::MatcherRegistry> matchers_;
  std::unique_ptr<ScanPool> scan_pool_;
  std::unique_ptr<core::MatchManager> match_;
  std::unique_ptr<core::TeamManager> team_;
  std::unique_ptr<core::CoreApi> api_;
  std::unique_ptr<auth::JwtVerifier> verifier_;
  std::unique_ptr<AdmissionControl> admission_;
  std::unique_ptr<CallAuthenticator> authenticator_;
  std::unique_ptr<FrameworkServiceImpl> framework_service_;
  std::unique_ptr<ProfileServiceImpl> profile_service_;
  std::unique_ptr<CatalogServiceImpl> catalog_service_;
  std::unique_ptr<MatchServiceImpl> match_service_;
  std::unique_ptr<TeamServiceImpl> team_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::vector<std::string> warnings_;
  // Drops audit events past their retention; stopped by Shutdown.
  std::thread retention_;
  absl::Notification stop_retention_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int demo_people_ = 0;
  bool shut_down_ = false;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_SERVER_H_
