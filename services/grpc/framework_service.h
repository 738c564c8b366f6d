#ifndef VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_

#include "framework/framework_registry.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// FrameworkService over a FrameworkRegistry. The frameworks are published
// text, so calls need no token; a token that is sent must still be valid.
class FrameworkServiceImpl final : public v1::FrameworkService::Service {
 public:
  // `registry` and `auth` must outlive the service.
  FrameworkServiceImpl(const framework::FrameworkRegistry* registry,
                       const CallAuthenticator* auth)
      : registry_(registry), auth_(auth) {}

  grpc::Status ListFrameworks(grpc::ServerContext* context,
                              const v1::ListFrameworksRequest* request,
                              v1::ListFrameworksResponse* response) override;
  grpc::Status GetFramework(grpc::ServerContext* context,
                            const v1::GetFrameworkRequest* request,
                            v1::Framework* response) override;

 private:
  const framework::FrameworkRegistry* registry_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_
