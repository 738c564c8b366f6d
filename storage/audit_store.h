// Storage of the audit trail: per organisation, in order of time, apart
// from the data it describes so that erasing a person or an organisation
// keeps the events about them (they hold pseudonymous ids only).
#ifndef VAKWIJZER_STORAGE_AUDIT_STORE_H_
#define VAKWIJZER_STORAGE_AUDIT_STORE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "vakwijzer/v1/audit.pb.h"

namespace vakwijzer::storage {

// Thread-safe.
class AuditStore {
 public:
  AuditStore() = default;
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;
  virtual ~AuditStore() = default;

  // Appends `event` to organisation `org`'s trail, naming it
  // "organizations/{org}/auditEvents/{id}" where the id orders events by
  // `event.time` (then by arrival). With `sync` the event is durable once
  // this returns; without, it survives a crash of the process (it is in
  // the write-ahead log) but maybe not one of the machine.
  virtual absl::Status AppendAudit(absl::string_view org, v1::AuditEvent event,
                                   bool sync) = 0;

  using AuditVisitor = std::function<bool(const v1::AuditEvent&)>;

  // Visits `org`'s events with start <= time < end, oldest first, starting
  // after the event with id `start_after` (empty: from the first), until
  // `visit` returns false.
  virtual absl::Status ScanAudit(absl::string_view org,
                                 absl::string_view start_after,
                                 absl::Time start, absl::Time end,
                                 const AuditVisitor& visit) = 0;

  // Erases every organisation's events older than `cutoff`.
  virtual absl::Status DropAuditBefore(absl::Time cutoff) = 0;
};

}  // namespace vakwijzer::storage

#endif  // VAKWIJZER_STORAGE_AUDIT_STORE_H_
