#include "services/core/access.h"

#include "absl/strings/str_cat.h"

namespace vakwijzer::core {
namespace {

constexpr unsigned kReaders = kRoleReader | kRoleAssessor | kRoleAdmin;

struct Rule {
  absl::string_view what;   // for the message
  unsigned roles;           // roles that grant it on the whole organisation
  bool self_on_own_person;  // whether self grants it on their own person
  absl::string_view needs;  // for the message
};

Rule RuleFor(Permission permission) {
  switch (permission) {
    case Permission::kReadPeople:
      return {"reading people's data", kReaders, false,
              "reader, assessor or admin"};
    case Permission::kReadPerson:
      return {"reading this person's data", kReaders, true,
              "reader, assessor or admin, or self on one's own person"};
    case Permission::kRecordAssessment:
      return {"recording assessments", kRoleAssessor | kRoleAdmin, true,
              "assessor or admin, or self on one's own person"};
    case Permission::kManage:
      return {"changing profiles and the catalogue", kRoleAdmin, false,
              "admin"};
    case Permission::kReadCatalog:
      return {"reading the catalogue", kReaders | kRoleSelf, false,
              "reader, assessor, admin or self"};
    case Permission::kExportPerson:
      return {"exporting a person's data", kRoleAdmin, true,
              "admin, or self on one's own person"};
    case Permission::kReadAudit:
      return {"reading the audit trail", kRoleAdmin, false, "admin"};
  }
  return {"this call", 0, false, "a role"};
}

}  // namespace

absl::Status Authorize(const Principal& principal, absl::string_view org,
                       Permission permission, absl::string_view person) {
  const Rule rule = RuleFor(permission);
  if (principal.CoversOrganization(org)) {
    if (principal.roles & rule.roles) return absl::OkStatus();
    if (rule.self_on_own_person && principal.Has(kRoleSelf) &&
        principal.organization == org && !person.empty() &&
        principal.person == person) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("permission denied: ", rule.what, " in organizations/", org,
                   " needs role ", rule.needs, " there"));
}

bool IsSelfOnly(const Principal& principal) {
  return (principal.roles & kReaders) == 0;
}

}  // namespace vakwijzer::core
