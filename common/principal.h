// Who is calling: the verified identity and grant every entry point hands
// to the core. The core decides what the principal may do; transports only
// establish who it is (services/auth verifies bearer tokens).
#ifndef VAKWIJZER_COMMON_PRINCIPAL_H_
#define VAKWIJZER_COMMON_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vakwijzer {

// Roles a grant can carry. Each of admin, assessor and reader includes the
// ones after it; self stands apart (one person's own data).
enum Role : unsigned {
  kRoleReader = 1u << 0,
  kRoleAssessor = 1u << 1,
  kRoleAdmin = 1u << 2,
  kRoleSelf = 1u << 3,
};

// The organisation value that grants every organisation (platform
// operators).
inline constexpr absl::string_view kAnyOrganization = "*";

struct Principal {
  // The caller's id (JWT `sub`); recorded in the audit trail.
  std::string subject;
  // One organisation id, or kAnyOrganization.
  std::string organization;
  // A set of Role bits.
  unsigned roles = 0;
  // The caller's own person id in `organization`, for kRoleSelf.
  std::string person;

  // Whether the grant covers organisation `org`.
  bool CoversOrganization(absl::string_view org) const {
    return organization == kAnyOrganization || organization == org;
  }
  bool Has(Role role) const { return (roles & role) != 0; }

  // Every role on every organisation: the caller of a server that runs
  // without authentication (--auth=none), and of in-process tools.
  static Principal Unauthenticated();
};

// "admin" -> kRoleAdmin etc.; INVALID_ARGUMENT naming the unknown role.
absl::StatusOr<Role> ParseRole(absl::string_view name);
// The role names of `roles`, in the order admin, assessor, reader, self.
std::vector<std::string> RoleNames(unsigned roles);

}  // namespace vakwijzer

#endif  // VAKWIJZER_COMMON_PRINCIPAL_H_
