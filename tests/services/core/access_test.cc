#include "services/core/access.h"

#include "gtest/gtest.h"

namespace vakwijzer::core {
namespace {

Principal Grant(const char* org, unsigned roles, const char* person = "") {
  Principal p;
  p.subject = "s";
  p.organization = org;
  p.roles = roles;
  p.person = person;
  return p;
}

bool Allowed(const Principal& p, const char* org, Permission permission,
             const char* person = "") {
  return Authorize(p, org, permission, person).ok();
}

TEST(AuthorizeTest, RolesNestAdminOverAssessorOverReader) {
  const Permission all[] = {
      Permission::kReadPeople,       Permission::kReadPerson,
      Permission::kRecordAssessment, Permission::kManage,
      Permission::kReadCatalog,      Permission::kExportPerson,
      Permission::kReadAudit};
  // Granted: reader 3 of 7, assessor 4, admin all 7.
  int reader = 0, assessor = 0, admin = 0;
  for (Permission permission : all) {
    reader += Allowed(Grant("acme", kRoleReader), "acme", permission, "p");
    assessor += Allowed(Grant("acme", kRoleAssessor), "acme", permission, "p");
    admin += Allowed(Grant("acme", kRoleAdmin), "acme", permission, "p");
  }
  EXPECT_EQ(reader, 3);
  EXPECT_EQ(assessor, 4);
  EXPECT_EQ(admin, 7);
  EXPECT_TRUE(Allowed(Grant("acme", kRoleAssessor), "acme",
                      Permission::kRecordAssessment, "p"));
  EXPECT_FALSE(Allowed(Grant("acme", kRoleReader), "acme",
                       Permission::kRecordAssessment, "p"));
}

TEST(AuthorizeTest, AnotherOrganisationIsRefusedWhateverTheRole) {
  const Principal admin = Grant("acme", kRoleAdmin);
  absl::Status s = Authorize(admin, "rival", Permission::kReadCatalog);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("organizations/rival"), absl::string_view::npos);
  EXPECT_NE(s.message().find("reader, assessor, admin or self"),
            absl::string_view::npos);
  EXPECT_TRUE(
      Allowed(Grant("*", kRoleReader), "rival", Permission::kReadPeople));
}

TEST(AuthorizeTest, SelfReachesOnlyTheirOwnPerson) {
  const Principal self = Grant("acme", kRoleSelf, "p1");
  EXPECT_TRUE(Allowed(self, "acme", Permission::kReadPerson, "p1"));
  EXPECT_TRUE(Allowed(self, "acme", Permission::kRecordAssessment, "p1"));
  EXPECT_TRUE(Allowed(self, "acme", Permission::kExportPerson, "p1"));
  EXPECT_TRUE(Allowed(self, "acme", Permission::kReadCatalog));
  EXPECT_FALSE(Allowed(self, "acme", Permission::kReadPerson, "p2"));
  EXPECT_FALSE(Allowed(self, "acme", Permission::kReadPerson, ""));
  EXPECT_FALSE(Allowed(self, "acme", Permission::kReadPeople));
  EXPECT_FALSE(Allowed(self, "acme", Permission::kManage));
  EXPECT_FALSE(Allowed(self, "rival", Permission::kReadPerson, "p1"));
  // A self grant on every organisation would name a person in all of them.
  EXPECT_FALSE(Allowed(Grant("*", kRoleSelf, "p1"), "acme",
                       Permission::kReadPerson, "p1"));
  EXPECT_TRUE(IsSelfOnly(self));
  EXPECT_FALSE(IsSelfOnly(Grant("acme", kRoleSelf | kRoleReader, "p1")));
}

TEST(AuthorizeTest, NoRolesNoAccess) {
  EXPECT_FALSE(Allowed(Grant("acme", 0), "acme", Permission::kReadCatalog));
}

}  // namespace
}  // namespace vakwijzer::core
