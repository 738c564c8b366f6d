#ifndef VAKWIJZER_SERVICES_GRPC_MATCH_SERVICE_H_
#define VAKWIJZER_SERVICES_GRPC_MATCH_SERVICE_H_

#include "services/core/core_api.h"
#include "services/grpc/authn.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {

// MatchService over the CoreApi. Matches can take a while on a large
// organisation, so they run on the synchronous API's thread pool and stop
// when the call is cancelled or its deadline passes.
class MatchServiceImpl final : public v1::MatchService::Service {
 public:
  // `api` and `auth` must outlive the service.
  MatchServiceImpl(core::CoreApi* api, const CallAuthenticator* auth)
      : api_(api), auth_(auth) {}

  grpc::Status ListMatchers(grpc::ServerContext* context,
                            const v1::ListMatchersRequest* request,
                            v1::ListMatchersResponse* response) override;
  grpc::Status Match(grpc::ServerContext* context,
                     const v1::MatchRequest* request,
                     v1::MatchResponse* response) override;
  grpc::Status BatchMatch(
      grpc::ServerContext* context, const v1::BatchMatchRequest* request,
      grpc::ServerWriter<v1::BatchMatchResponse>* writer) override;

 private:
  core::CoreApi* api_;
  const CallAuthenticator* auth_;
};

}  // namespace vakwijzer::grpc_api

#endif  // VAKWIJZER_SERVICES_GRPC_MATCH_SERVICE_H_
