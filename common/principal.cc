#include "common/principal.h"

#include "absl/strings/str_cat.h"

namespace vakwijzer {
namespace {

struct RoleEntry {
  absl::string_view name;
  Role role;
};
constexpr RoleEntry kRoles[] = {{"admin", kRoleAdmin},
                                {"assessor", kRoleAssessor},
                                {"reader", kRoleReader},
                                {"self", kRoleSelf}};

}  // namespace

Principal Principal::Unauthenticated() {
  Principal p;
  p.subject = "anonymous";
  p.organization = std::string(kAnyOrganization);
  p.roles = kRoleAdmin | kRoleAssessor | kRoleReader;
  return p;
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const RoleEntry& e : kRoles) {
    if (e.name == name) return e.role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name.substr(0, 32),
                   "\"; roles are admin, assessor, reader, self"));
}

std::vector<std::string> RoleNames(unsigned roles) {
  std::vector<std::string> names;
  for (const RoleEntry& e : kRoles) {
    if (roles & e.role) names.emplace_back(e.name);
  }
  return names;
}

}  // namespace vakwijzer
