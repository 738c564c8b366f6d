#include "common/names.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/quote.h"
#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer {
namespace {

using ::vakwijzer::testing::HasStatus;

// Every error names the field it is about, at the start of the message.
void ExpectInvalidNaming(const absl::Status& status, absl::string_view field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ": ")))
      << status.message();
}

TEST(ValidateIdTest, AcceptsIdsOfAllowedCharacters) {
  EXPECT_OK(ValidateId("a", "id"));
  EXPECT_OK(ValidateId("ann", "id"));
  EXPECT_OK(ValidateId("Ann.de-Vries_2", "id"));
  EXPECT_OK(ValidateId("0042", "id"));
  EXPECT_OK(ValidateId("_hidden", "id"));
  EXPECT_OK(ValidateId("sfd-2021", "id"));
  EXPECT_OK(ValidateId("ends.with.", "id"));
  EXPECT_OK(ValidateId("ends-", "id"));
}

TEST(ValidateIdTest, RejectsEmpty) {
  absl::Status s = ValidateId("", "profile_id");
  ExpectInvalidNaming(s, "profile_id");
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInvalidArgument, "empty"));
}

TEST(ValidateIdTest, AcceptsSixtyThreeCharacters) {
  EXPECT_EQ(kMaxIdLength, 63);
  EXPECT_OK(ValidateId(std::string(63, 'x'), "id"));
}

TEST(ValidateIdTest, RejectsSixtyFourCharacters) {
  absl::Status s = ValidateId(std::string(64, 'x'), "profile_id");
  ExpectInvalidNaming(s, "profile_id");
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInvalidArgument, "63"));
}

TEST(ValidateIdTest, RejectsLeadingDotOrDash) {
  ExpectInvalidNaming(ValidateId(".ann", "profile_id"), "profile_id");
  ExpectInvalidNaming(ValidateId("-ann", "profile_id"), "profile_id");
  ExpectInvalidNaming(ValidateId(".", "profile_id"), "profile_id");
  ExpectInvalidNaming(ValidateId("-", "profile_id"), "profile_id");
}

TEST(ValidateIdTest, RejectsCharactersOutsideTheSet) {
  for (const char* id :
       {"a/b", "a b", "caf\xC3\xA9" /* café in UTF-8 */, "a+b", "a:b", "a\\b",
        "a\"b", "a*", "tab\t", "a\nb", "x@y", "50%"}) {
    SCOPED_TRACE(id);
    absl::Status s = ValidateId(id, "assessment_id");
    ExpectInvalidNaming(s, "assessment_id");
    EXPECT_TRUE(
        HasStatus(s, absl::StatusCode::kInvalidArgument, "[A-Za-z0-9._-]"));
  }
}

TEST(ValidateIdTest, RejectsEmbeddedNul) {
  const std::string id("a\0b", 3);
  ExpectInvalidNaming(ValidateId(id, "id"), "id");
}

TEST(ParseOrganizationNameTest, ParsesWellFormedName) {
  ASSERT_OK_AND_ASSIGN(std::string org,
                       ParseOrganizationName("organizations/acme", "parent"));
  EXPECT_EQ(org, "acme");
}

TEST(ParseOrganizationNameTest, RejectsMalformedNames) {
  for (const char* name :
       {"", "acme", "organizations", "organisations/acme", "Organizations/acme",
        "people/acme", "organizations/acme/people/ann", "organizations/acme/",
        "/organizations/acme", "organizations//acme", "frameworks/acme"}) {
    SCOPED_TRACE(name);
    absl::StatusOr<std::string> org = ParseOrganizationName(name, "parent");
    ExpectInvalidNaming(org.status(), "parent");
  }
}

TEST(ParseOrganizationNameTest, MalformedNameErrorQuotesNameAndPattern) {
  EXPECT_TRUE(HasStatus(ParseOrganizationName("orgs/acme", "parent"),
                        absl::StatusCode::kInvalidArgument,
                        "\"orgs/acme\"; expected organizations/{org}"));
}

TEST(ParseOrganizationNameTest, RejectsEmptyOrBadId) {
  ExpectInvalidNaming(
      ParseOrganizationName("organizations/", "parent").status(), "parent");
  ExpectInvalidNaming(
      ParseOrganizationName("organizations/a b", "parent").status(), "parent");
  ExpectInvalidNaming(
      ParseOrganizationName("organizations/.acme", "parent").status(),
      "parent");
  ExpectInvalidNaming(
      ParseOrganizationName("organizations/" + std::string(64, 'a'), "parent")
          .status(),
      "parent");
}

TEST(ParsePersonNameTest, ParsesWellFormedName) {
  ASSERT_OK_AND_ASSIGN(
      PersonName name,
      ParsePersonName("organizations/acme/people/ann.de-vries", "name"));
  EXPECT_EQ(name.org, "acme");
  EXPECT_EQ(name.person, "ann.de-vries");
}

TEST(ParsePersonNameTest, RejectsWrongCollectionsAndSegmentCounts) {
  for (const char* name :
       {"", "organizations/acme", "organizations/acme/people",
        "organizations/acme/persons/ann", "organisations/acme/people/ann",
        "people/acme/organizations/ann", "frameworks/acme/people/ann",
        "organizations/acme/people/ann/assessments/a1",
        "organizations/acme/people/ann/", "/organizations/acme/people/ann",
        "organizations/acme/people/ann/extra"}) {
    SCOPED_TRACE(name);
    ExpectInvalidNaming(ParsePersonName(name, "name").status(), "name");
  }
}

TEST(ParsePersonNameTest, RejectsEmptyIds) {
  ExpectInvalidNaming(
      ParsePersonName("organizations/acme/people/", "name").status(), "name");
  ExpectInvalidNaming(
      ParsePersonName("organizations//people/ann", "name").status(), "name");
  EXPECT_TRUE(HasStatus(ParsePersonName("organizations/acme/people/", "name"),
                        absl::StatusCode::kInvalidArgument, "empty"));
}

TEST(ParsePersonNameTest, RejectsBadCharactersInEitherId) {
  ExpectInvalidNaming(
      ParsePersonName("organizations/acme/people/ann%20b", "parent").status(),
      "parent");
  ExpectInvalidNaming(
      ParsePersonName("organizations/ac me/people/ann", "parent").status(),
      "parent");
  ExpectInvalidNaming(
      ParsePersonName("organizations/acme/people/-ann", "parent").status(),
      "parent");
}

TEST(ParseFrameworkNameTest, ParsesWellFormedName) {
  ASSERT_OK_AND_ASSIGN(std::string id,
                       ParseFrameworkName("frameworks/sfd-2021", "framework"));
  EXPECT_EQ(id, "sfd-2021");
}

TEST(ParseFrameworkNameTest, RejectsMalformedNames) {
  for (const char* name :
       {"", "sfd-2021", "framework/sfd-2021", "frameworks",
        "frameworks/sfd-2021/extra", "organizations/sfd-2021",
        "frameworks/sfd-2021/", "/frameworks/sfd-2021"}) {
    SCOPED_TRACE(name);
    ExpectInvalidNaming(ParseFrameworkName(name, "framework").status(),
                        "framework");
  }
}

TEST(ParseFrameworkNameTest, RejectsEmptyOrBadId) {
  ExpectInvalidNaming(ParseFrameworkName("frameworks/", "framework").status(),
                      "framework");
  ExpectInvalidNaming(
      ParseFrameworkName("frameworks/sfd 2021", "framework").status(),
      "framework");
}

TEST(FormatTest, FormatsNames) {
  EXPECT_EQ((PersonName{"acme", "ann"}).Format(),
            "organizations/acme/people/ann");
  EXPECT_EQ((AssessmentName{"acme", "ann", "a-1"}).Format(),
            "organizations/acme/people/ann/assessments/a-1");
  EXPECT_EQ(OrganizationName("acme"), "organizations/acme");
  EXPECT_EQ(FrameworkName("sfd-2021"), "frameworks/sfd-2021");
}

TEST(FormatTest, ParseInvertsFormat) {
  const PersonName person{"org.1", "p_2"};
  ASSERT_OK_AND_ASSIGN(PersonName parsed,
                       ParsePersonName(person.Format(), "name"));
  EXPECT_EQ(parsed.org, person.org);
  EXPECT_EQ(parsed.person, person.person);

  ASSERT_OK_AND_ASSIGN(std::string org,
                       ParseOrganizationName(OrganizationName("x-y"), "p"));
  EXPECT_EQ(org, "x-y");
  ASSERT_OK_AND_ASSIGN(std::string fw,
                       ParseFrameworkName(FrameworkName("mini"), "f"));
  EXPECT_EQ(fw, "mini");
}

// Errors quote at most kMaxQuotedBytes of what the caller sent, cut at a
// character boundary.
TEST(QuoteTest, QuotesShortTextWholeAndCutsLongText) {
  EXPECT_EQ(Quote("ann"), "\"ann\"");
  EXPECT_EQ(Quote(std::string(200, 'x')),
            absl::StrCat("\"", std::string(200, 'x'), "\""));
  EXPECT_EQ(Quote(std::string(1000, 'x')),
            absl::StrCat("\"", std::string(200, 'x'), "…\" (800 more bytes)"));
  // 199 ASCII bytes, then "é" (2 bytes) straddling the limit: cut before it.
  const std::string text = std::string(199, 'a') + "é" + "zz";
  EXPECT_EQ(Quote(text),
            absl::StrCat("\"", std::string(199, 'a'), "…\" (4 more bytes)"));
  EXPECT_EQ(Truncate("abcdef", 3), "abc … (3 more bytes)");
  EXPECT_EQ(Truncate("abc", 3), "abc");
}

TEST(QuoteTest, AMalformedNameOfAMegabyteIsQuotedShortly) {
  const std::string name = "organizations/" + std::string(1 << 20, '#');
  absl::Status s = ParseOrganizationName(name, "parent").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 300u) << s.message().substr(0, 400);
  EXPECT_EQ(s.message().substr(0, 8), "parent: ");
}

}  // namespace
}  // namespace vakwijzer
