#include "services/grpc/server.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "plugins/external/external_matcher.h"
#include "services/core/demo_loader.h"

namespace vakwijzer::grpc_api {
namespace {

// Idle sync-server threads kept per completion queue (one queue per core).
constexpr int kIdleThreadsPerQueue = 32;

// gRPC answers a request it cannot parse (a string field that is not valid
// UTF-8, malformed wire data) with INTERNAL and an empty message, before
// any service code runs. The fault is the caller's, so it becomes
// INVALID_ARGUMENT; the service's own INTERNAL errors always carry a
// message. (In a client stream gRPC reports an unparsable message to the
// server as the end of the stream.)
class UnparsableRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL &&
          status.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "the request cannot be parsed: a string field that is not valid "
            "UTF-8, or malformed protobuf data"));
      }
    }
    methods->Proceed();
  }
};

class UnparsableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new UnparsableRequestInterceptor;
  }
};

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  if (!in || !(content << in.rdbuf())) {
    return absl::NotFoundError(
        absl::StrCat(flag, ": cannot read \"", path, "\""));
  }
  return content.str();
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
BioPtr Bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                &BIO_free);
}

// Checks what gRPC would only reject at its first handshake: that the
// files hold a certificate chain, its private key, and CA certificates.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const SecurityOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together: give both or neither");
  }
  if (options.tls_cert.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  ASSIGN_OR_RETURN(std::string cert, ReadPem(options.tls_cert, "--tls_cert"));
  ASSIGN_OR_RETURN(std::string key, ReadPem(options.tls_key, "--tls_key"));
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(Bio(cert).get(), nullptr, nullptr, nullptr),
      &X509_free);
  if (x509 == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert: \"", options.tls_cert, "\" holds no PEM certificate"));
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(Bio(key).get(), nullptr, nullptr, nullptr),
      &EVP_PKEY_free);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key: \"", options.tls_key,
                     "\" holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key: \"", options.tls_key,
        "\" is not the key of the certificate in \"", options.tls_cert, "\""));
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPem(options.tls_client_ca, "--tls_client_ca"));
    std::unique_ptr<X509, decltype(&X509_free)> ca(
        PEM_read_bio_X509(Bio(ssl.pem_root_certs).get(), nullptr, nullptr,
                          nullptr),
        &X509_free);
    if (ca == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_client_ca: \"", options.tls_client_ca,
                       "\" holds no PEM certificate"));
    }
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

bool IsLoopbackAddress(absl::string_view listen) {
  absl::string_view host = listen.substr(0, listen.rfind(':'));
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (host == "localhost" || host == "::1") return true;
  in_addr v4;
  std::string h(host);
  return inet_pton(AF_INET, h.c_str(), &v4) == 1 &&
         (ntohl(v4.s_addr) >> 24) == 127;
}

absl::StatusOr<std::unique_ptr<VakwijzerServer>> VakwijzerServer::Start(
    ServerOptions options) {
  std::unique_ptr<VakwijzerServer> s(new VakwijzerServer());
  const SecurityOptions& security = options.security;
  // Security settings are checked before anything is opened.
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   TlsCredentials(security));
  const bool jwt = security.auth == SecurityOptions::Auth::kJwt;
  if (jwt) {
    if (security.jwt_keys.empty()) {
      return absl::InvalidArgumentError("--auth=jwt needs --jwt_keys=FILE");
    }
    ASSIGN_OR_RETURN(std::vector<auth::JwtKey> keys,
                     auth::LoadJwtKeys(security.jwt_keys));
    s->verifier_ =
        std::make_unique<auth::JwtVerifier>(std::move(keys), security.jwt);
  }
  std::vector<std::string> insecure;
  if (!jwt) insecure.push_back("without authentication (--auth=none)");
  if (security.tls_cert.empty()) insecure.push_back("without TLS");
  if (!insecure.empty() && !IsLoopbackAddress(options.listen)) {
    std::string what = absl::StrJoin(insecure, " and ");
    if (!security.allow_insecure_remote) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve ", what, " on ", options.listen,
          ", which is not a loopback address: anyone who reaches it could "
          "read and change every organisation's data. Use --auth=jwt and "
          "--tls_cert/--tls_key, or --allow_insecure_remote behind a gateway "
          "that authenticates and encrypts"));
    }
    s->warnings_.push_back(
        absl::StrCat("serving ", what, " on the non-loopback address ",
                     options.listen, " (--allow_insecure_remote)"));
  }
  ASSIGN_OR_RETURN(s->frameworks_, framework::FrameworkRegistry::LoadDirectory(
                                       options.framework_dir));
  if (s->frameworks_->Find(options.manager.default_framework) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("default framework \"", options.manager.default_framework,
                     "\" is not in ", options.framework_dir));
  }
  ASSIGN_OR_RETURN(s->store_, storage::RocksDbStore::Open(options.data_dir));
  s->cache_ = std::make_unique<core::SnapshotCache>(s->frameworks_.get());
  s->manager_ = std::make_unique<core::ProfileManager>(
      s->frameworks_.get(), s->store_.get(), options.manager, absl::Now,
      s->cache_.get());
  s->catalog_ = std::make_unique<core::CatalogManager>(
      s->frameworks_.get(), s->store_.get(), s->cache_.get(),
      options.manager.default_framework);

  s->matchers_ = std::make_unique<plugins::MatcherRegistry>();
  RETURN_IF_ERROR(plugins::RegisterBuiltinMatchers(s->matchers_.get()));
  if (!options.plugin_dir.empty()) {
    plugins::PluginHostOptions host = options.plugin_host;
    if (host.host_binary.empty()) {
      std::error_code ec;
      const std::filesystem::path self =
          std::filesystem::read_symlink("/proc/self/exe", ec);
      host.host_binary =
          (self.parent_path() / "vakwijzer_plugin_host").string();
    }
    for (std::string& warning : plugins::LoadPluginDirectory(
             options.plugin_dir, host, s->matchers_.get())) {
      s->warnings_.push_back(std::move(warning));
    }
  }
  RETURN_IF_ERROR(s->matchers_->Enable(options.enabled_matchers));
  for (const auto& [matcher, defaults] : options.matcher_defaults) {
    RETURN_IF_ERROR(s->matchers_->SetDefaults(matcher, defaults));
  }
  s->scan_pool_ = std::make_unique<ScanPool>(std::max(1, options.scan_threads));
  s->match_ = std::make_unique<core::MatchManager>(
      s->frameworks_.get(), s->matchers_.get(), s->cache_.get(),
      s->scan_pool_.get());
  s->team_ = std::make_unique<core::TeamManager>(
      s->frameworks_.get(), s->matchers_.get(), s->cache_.get());

  s->api_ = std::make_unique<core::CoreApi>(
      s->manager_.get(), s->catalog_.get(), s->match_.get(), s->team_.get(),
      s->store_.get(), security.core);
  s->admission_ = std::make_unique<AdmissionControl>(options.admission);
  s->authenticator_ = std::make_unique<CallAuthenticator>(s->verifier_.get(),
                                                          s->admission_.get());
  s->authenticator_->SetReady(false);
  if (security.audit_retention_days > 0) {
    const absl::Duration keep = absl::Hours(24) * security.audit_retention_days;
    storage::AuditStore* audit = s->store_.get();
    absl::Notification* stop = &s->stop_retention_;
    s->retention_ = std::thread([audit, keep, stop] {
      do {
        absl::Status dropped = audit->DropAuditBefore(absl::Now() - keep);
        if (!dropped.ok()) {
          std::cerr << "vakwijzerd: audit retention: " << dropped.message()
                    << std::endl;
        }
      } while (!stop->WaitForNotificationWithTimeout(absl::Hours(1)));
    });
  }

  core::CoreApi* api = s->api_.get();
  const CallAuthenticator* authn = s->authenticator_.get();
  s->framework_service_ =
      std::make_unique<FrameworkServiceImpl>(s->frameworks_.get(), authn);
  s->profile_service_ = std::make_unique<ProfileServiceImpl>(api, authn);
  s->catalog_service_ = std::make_unique<CatalogServiceImpl>(api, authn);
  s->match_service_ = std::make_unique<MatchServiceImpl>(api, authn);
  s->team_service_ = std::make_unique<TeamServiceImpl>(api, authn);
  s->audit_service_ = std::make_unique<AuditServiceImpl>(api, authn);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &s->port_);
  // Without this, gRPC sets SO_REUSEPORT and a second server on a busy port
  // starts too, sharing its connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // The backstop behind admission control: a burst that opens calls faster
  // than they are refused cannot take more threads or buffer memory than
  // this (gRPC answers RESOURCE_EXHAUSTED itself beyond it).
  grpc::ResourceQuota quota("vakwijzerd");
  if (options.admission.max_calls > 0) {
    quota.SetMaxThreads(options.admission.max_calls + 32);
  }
  if (options.grpc_memory_bytes > 0) {
    quota.Resize(static_cast<size_t>(options.grpc_memory_bytes));
  }
  builder.SetResourceQuota(quota);
  // The sync server keeps at most MAX_POLLERS idle threads per completion
  // queue and ends the rest after each call (default 2): under steady
  // concurrency that creates and joins a thread per call. Keep a pool.
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kIdleThreadsPerQueue);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<UnparsableRequestInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(s->framework_service_.get());
  builder.RegisterService(s->profile_service_.get());
  builder.RegisterService(s->catalog_service_.get());
  builder.RegisterService(s->match_service_.get());
  builder.RegisterService(s->team_service_.get());
  builder.RegisterService(s->audit_service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }

  // The port is open from here on: health reports NOT_SERVING and calls
  // are refused as UNAVAILABLE until the read model is loaded.
  grpc::HealthCheckServiceInterface* health =
      s->server_->GetHealthCheckService();
  health->SetServingStatus(false);
  if (options.on_listening) options.on_listening(s->port_);
  if (!options.demo_file.empty()) {
    ASSIGN_OR_RETURN(
        std::optional<core::LoadStats> stats,
        core::LoadBundlesOnce(options.demo_file, options.demo_catalog_file,
                              absl::StrCat(options.data_dir, "/DEMO_LOADING"),
                              s->manager_.get(), s->catalog_.get(),
                              s->store_.get()));
    if (stats.has_value()) s->demo_people_ = stats->people;
  }
  RETURN_IF_ERROR(s->cache_->LoadAll(s->store_.get(), s->store_.get(),
                                     s->scan_pool_.get()));
  s->authenticator_->SetReady(true);
  health->SetServingStatus(true);
  return s;
}

void VakwijzerServer::Shutdown(absl::Duration grace) {
  if (retention_.joinable()) {
    stop_retention_.Notify();
    retention_.join();
  }
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) {
    health->Shutdown();  // every service reports NOT_SERVING from now on
  }
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoSeconds(grace));
  server_->Wait();
}

VakwijzerServer::~VakwijzerServer() {
  Shutdown(absl::Seconds(5));
  // Members are destroyed in reverse order: services, manager, then the
  // store, which flushes and closes RocksDB.
}

}  // namespace vakwijzer::grpc_api
