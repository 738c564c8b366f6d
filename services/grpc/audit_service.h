#ifndef VAKWIJZER_SERVICES_GRPC_AUDIT_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_AUDIT_SERVICE_H_

#include "services/core/core_api.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// AuditService over the CoreApi; synchronous API (a listing scans RocksDB).
class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  // `api` and `auth` must outlive the service.
  AuditServiceImpl(core::CoreApi* api, const CallAuthenticator* auth)
      : api_(api), auth_(auth) {}

  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override;

 private:
  core::CoreApi* api_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_AUDIT_SERVICE_H_
