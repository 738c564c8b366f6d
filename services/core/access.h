// What a principal may do: the one table of permissions every entry point
// shares (through CoreApi). Decisions use only the organisation and person
// named in a request, never stored data, so a refusal cannot tell whether
// another organisation's resource exists.
#ifndef VAKWIJZER_SERVICES_CORE_ACCESS_H_
#define VAKWIJZER_SERVICES_CORE_ACCESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/principal.h"

namespace vakwijzer::core {

enum class Permission {
  // Any person's data of the organisation, and results over many people:
  // lists, matches, team calls. reader, assessor, admin.
  kReadPeople,
  // One person's profile, assessments, gap report and matches about them:
  // reader, assessor, admin, or self on their own person.
  kReadPerson,
  // RecordAssessment: assessor, admin, or self on their own person (the
  // caller then checks that the rating is a self rating).
  kRecordAssessment,
  // Profiles created, changed or erased, the catalogue changed: admin.
  kManage,
  // Training modules and roles, which hold nobody's personal data: every
  // role, self included.
  kReadCatalog,
  // Everything stored about a person: admin, or self on their own person.
  kExportPerson,
  // The organisation's audit trail: admin.
  kReadAudit,
};

// PERMISSION_DENIED naming the permission, the organisation and the roles
// that would grant it, when `principal` may not do `permission` in `org`
// (on `person`, for the per-person permissions); OK otherwise. A self grant
// never covers every organisation.
absl::Status Authorize(const Principal& principal, absl::string_view org,
                       Permission permission, absl::string_view person = {});

// Whether the principal reaches other people's data only through self (so
// match results about others are shown to it redacted).
bool IsSelfOnly(const Principal& principal);

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_ACCESS_H_
