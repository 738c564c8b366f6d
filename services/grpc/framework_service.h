#ifndef VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_

#include "framework/framework_registry.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// FrameworkService over a FrameworkRegistry. Answers from memory, so it
// uses the callback API.
class FrameworkServiceImpl final
    : public v1::FrameworkService::CallbackService {
 public:
  // `registry` must outlive the service.
  explicit FrameworkServiceImpl(const framework::FrameworkRegistry* registry)
      : registry_(registry) {}

  grpc::ServerUnaryReactor* ListFrameworks(
      grpc::CallbackServerContext* context,
      const v1::ListFrameworksRequest* request,
      v1::ListFrameworksResponse* response) override;
  grpc::ServerUnaryReactor* GetFramework(grpc::CallbackServerContext* context,
                                         const v1::GetFrameworkRequest* request,
                                         v1::Framework* response) override;

 private:
  const framework::FrameworkRegistry* registry_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_FRAMEWORK_SERVICE_H_
