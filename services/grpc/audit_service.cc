#include "services/grpc/audit_service.h"

#include "services/grpc/status_util.h"

namespace vakwijzer::grpc_api {

VW_UNARY_RPC(AuditService, ListAuditEvents, v1::ListAuditEventsRequest,
             v1::ListAuditEventsResponse)

}  // namespace vakwijzer::grpc_api
