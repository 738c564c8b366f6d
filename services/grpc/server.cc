#include "services/grpc/server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "plugins/external/external_matcher.h"
#include "services/core/demo_loader.h"

namespace vakwijzer::grpc_api {

absl::StatusOr<std::unique_ptr<VakwijzerServer>> VakwijzerServer::Start(
    ServerOptions options) {
  std::unique_ptr<VakwijzerServer> s(new VakwijzerServer());
  ASSIGN_OR_RETURN(s->frameworks_, core::FrameworkRegistry::LoadDirectory(
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
  if (!options.demo_file.empty()) {
    ASSIGN_OR_RETURN(bool empty, s->store_->IsEmpty());
    if (empty) {
      ASSIGN_OR_RETURN(
          core::LoadStats stats,
          core::LoadBundles(options.demo_file, options.demo_catalog_file,
                            s->manager_.get(), s->catalog_.get(),
                            s->store_.get()));
      s->demo_people_ = stats.people;
    }
  }
  RETURN_IF_ERROR(s->cache_->LoadAll(s->store_.get(), s->store_.get()));

  s->matchers_ = std::make_unique<plugins::MatcherRegistry>();
  RETURN_IF_ERROR(plugins::RegisterBuiltinMatchers(s->matchers_.get()));
  if (!options.plugin_dir.empty()) {
    s->warnings_ =
        plugins::LoadPluginDirectory(options.plugin_dir, s->matchers_.get());
  }
  RETURN_IF_ERROR(s->matchers_->Enable(options.enabled_matchers));
  for (const auto& [matcher, defaults] : options.matcher_defaults) {
    RETURN_IF_ERROR(s->matchers_->SetDefaults(matcher, defaults));
  }
  s->match_ = std::make_unique<core::MatchManager>(
      s->frameworks_.get(), s->matchers_.get(), s->cache_.get());
  s->team_ = std::make_unique<core::TeamManager>(
      s->frameworks_.get(), s->matchers_.get(), s->cache_.get());

  s->framework_service_ =
      std::make_unique<FrameworkServiceImpl>(s->frameworks_.get());
  s->profile_service_ = std::make_unique<ProfileServiceImpl>(s->manager_.get());
  s->catalog_service_ = std::make_unique<CatalogServiceImpl>(s->catalog_.get());
  s->match_service_ = std::make_unique<MatchServiceImpl>(s->match_.get());
  s->team_service_ = std::make_unique<TeamServiceImpl>(s->team_.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &s->port_);
  // Without this, gRPC sets SO_REUSEPORT and a second server on a busy port
  // starts too, sharing its connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(s->framework_service_.get());
  builder.RegisterService(s->profile_service_.get());
  builder.RegisterService(s->catalog_service_.get());
  builder.RegisterService(s->match_service_.get());
  builder.RegisterService(s->team_service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  return s;
}

void VakwijzerServer::Shutdown(absl::Duration grace) {
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
