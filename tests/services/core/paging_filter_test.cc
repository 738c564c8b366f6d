#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/core/paging.h"
#include "services/core/profile_filter.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::core {
namespace {

using ::vakwijzer::testing::HasStatus;

constexpr char kListing[] = "organizations/acme|team = \"noord\"";

// ------------------------------------------------------------------------
// Page tokens

TEST(PagingTokenTest, RoundTrips) {
  for (const char* id : {"ann", "a", "ann.de-vries_2", "0042"}) {
    SCOPED_TRACE(id);
    const std::string token = EncodePageToken(id, kListing);
    EXPECT_FALSE(token.empty());
    ASSERT_OK_AND_ASSIGN(std::string last, DecodePageToken(token, kListing));
    EXPECT_EQ(last, id);
  }
}

TEST(PagingTokenTest, RoundTripsLongestId) {
  const std::string id(63, 'z');
  ASSERT_OK_AND_ASSIGN(
      std::string last,
      DecodePageToken(EncodePageToken(id, kListing), kListing));
  EXPECT_EQ(last, id);
}

TEST(PagingTokenTest, TokenIsUrlSafe) {
  const std::string token = EncodePageToken("ann.de-vries_2", kListing);
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_')
        << "character '" << c << "' in " << token;
  }
}

TEST(PagingTokenTest, EncodingIsDeterministic) {
  EXPECT_EQ(EncodePageToken("ann", kListing), EncodePageToken("ann", kListing));
  EXPECT_NE(EncodePageToken("ann", kListing), EncodePageToken("bob", kListing));
}

TEST(PagingTokenTest, EmptyTokenIsTheFirstPage) {
  ASSERT_OK_AND_ASSIGN(std::string last, DecodePageToken("", kListing));
  EXPECT_EQ(last, "");
  ASSERT_OK_AND_ASSIGN(std::string other, DecodePageToken("", "anything"));
  EXPECT_EQ(other, "");
}

TEST(PagingTokenTest, GarbageIsInvalid) {
  for (const char* token :
       {"not a token!", "AAAA", "====", "p1|0|ann", "%%%", "YWJj"}) {
    SCOPED_TRACE(token);
    EXPECT_TRUE(HasStatus(DecodePageToken(token, kListing),
                          absl::StatusCode::kInvalidArgument, "page_token"));
  }
}

TEST(PagingTokenTest, TokenOfAnotherListingIsInvalid) {
  const std::string token = EncodePageToken("ann", kListing);
  EXPECT_TRUE(HasStatus(DecodePageToken(token, "organizations/other"),
                        absl::StatusCode::kInvalidArgument, "page_token"));
  EXPECT_TRUE(HasStatus(DecodePageToken(token, "organizations/acme"),
                        absl::StatusCode::kInvalidArgument, "page_token"));
  EXPECT_TRUE(HasStatus(DecodePageToken(token, ""),
                        absl::StatusCode::kInvalidArgument, "page_token"));
}

TEST(PagingTokenTest, TamperedPayloadIsInvalid) {
  // The payload is "p1|{fingerprint}|{last id}" (paging.cc); rebuild it with
  // one part changed at a time.
  const std::string token = EncodePageToken("ann", kListing);
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  const std::vector<std::string> parts = absl::StrSplit(raw, '|');
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_EQ(parts[2], "ann");
  const std::string other_version =
      absl::WebSafeBase64Escape(absl::StrCat("p2|", parts[1], "|ann"));
  const std::string no_id =
      absl::WebSafeBase64Escape(absl::StrCat("p1|", parts[1], "|"));
  const std::string bad_fingerprint =
      absl::WebSafeBase64Escape(absl::StrCat("p1|x", parts[1], "|ann"));
  const std::string two_parts =
      absl::WebSafeBase64Escape(absl::StrCat("p1|", parts[1]));
  for (const std::string& t :
       {other_version, no_id, bad_fingerprint, two_parts}) {
    EXPECT_TRUE(HasStatus(DecodePageToken(t, kListing),
                          absl::StatusCode::kInvalidArgument, "page_token"));
  }
}

TEST(PagingTokenTest, TruncatedInsideTheFingerprintIsInvalid) {
  const std::string token = EncodePageToken("ann", kListing);
  // 8 characters decode to 6 bytes: "p1|" and 3 digits of the fingerprint.
  EXPECT_TRUE(HasStatus(DecodePageToken(token.substr(0, 8), kListing),
                        absl::StatusCode::kInvalidArgument, "page_token"));
  EXPECT_TRUE(HasStatus(DecodePageToken(token.substr(0, 1), kListing),
                        absl::StatusCode::kInvalidArgument, "page_token"));
}

TEST(PagingTokenTest, EveryTruncationIsInvalid) {
  const std::string token =
      EncodePageToken("person-with-a-long-id-0042", kListing);
  std::vector<std::string> accepted;
  for (size_t n = 1; n < token.size(); ++n) {
    absl::StatusOr<std::string> last =
        DecodePageToken(token.substr(0, n), kListing);
    if (last.ok()) {
      accepted.push_back(absl::StrCat(n, " chars -> \"", *last, "\""));
    } else {
      EXPECT_EQ(last.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  // A token cut short inside the last id would decode to a shorter id and
  // resume paging from the wrong place, were the id not fingerprinted too.
  EXPECT_TRUE(accepted.empty())
      << "truncated tokens accepted: " << absl::StrJoin(accepted, "; ");
}

// ------------------------------------------------------------------------
// ProfileFilter

v1::Profile MakeProfile(std::vector<std::string> teams, const std::string& role,
                        const std::string& track,
                        const std::string& target_stage) {
  v1::Profile p;
  for (const std::string& t : teams) p.add_teams(t);
  p.set_role(role);
  p.set_track(track);
  p.set_target_stage(target_stage);
  return p;
}

bool Matches(const std::string& filter, const v1::Profile& profile) {
  absl::StatusOr<ProfileFilter> f = ProfileFilter::Parse(filter);
  EXPECT_TRUE(f.ok()) << filter << ": " << f.status();
  return f.ok() && f->Matches(profile);
}

TEST(ProfileFilterTest, EmptyFilterMatchesEverything) {
  const v1::Profile anyone =
      MakeProfile({"noord"}, "coach", "hbo", "vakvolwassen");
  EXPECT_TRUE(Matches("", anyone));
  EXPECT_TRUE(Matches("   \t ", anyone));
  EXPECT_TRUE(Matches("", v1::Profile()));
}

TEST(ProfileFilterTest, TeamIsMembershipAmongSeveralTeams) {
  const std::string filter = R"(team = "noord")";
  EXPECT_TRUE(Matches(filter, MakeProfile({"noord"}, "", "hbo", "")));
  EXPECT_TRUE(
      Matches(filter, MakeProfile({"zuid", "oost", "noord"}, "", "hbo", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({"zuid", "oost"}, "", "hbo", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({}, "", "hbo", "")));
  // Exact, case-sensitive equality of one team.
  EXPECT_FALSE(Matches(filter, MakeProfile({"noord-oost"}, "", "hbo", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({"Noord"}, "", "hbo", "")));
}

TEST(ProfileFilterTest, TwoTeamTermsNeedBothTeams) {
  const std::string filter = R"(team = "noord" AND team = "zuid")";
  EXPECT_TRUE(Matches(filter, MakeProfile({"zuid", "noord"}, "", "", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({"noord"}, "", "", "")));
}

TEST(ProfileFilterTest, ConjunctionOfTeamAndTrack) {
  const std::string filter = R"(team = "noord" AND track = "hbo")";
  EXPECT_TRUE(Matches(filter, MakeProfile({"noord"}, "coach", "hbo", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({"noord"}, "coach", "mbo", "")));
  EXPECT_FALSE(Matches(filter, MakeProfile({"zuid"}, "coach", "hbo", "")));
}

TEST(ProfileFilterTest, RoleTrackAndTargetStage) {
  const v1::Profile p =
      MakeProfile({"noord"}, "schuldhulpverlener", "mbo", "startbekwaam");
  EXPECT_TRUE(Matches(R"(role = "schuldhulpverlener")", p));
  EXPECT_FALSE(Matches(R"(role = "Schuldhulpverlener")", p));
  EXPECT_FALSE(Matches(R"(role = "schuldhulp")", p));
  EXPECT_TRUE(Matches(R"(track = "mbo")", p));
  EXPECT_FALSE(Matches(R"(track = "hbo")", p));
  EXPECT_TRUE(Matches(R"(target_stage = "startbekwaam")", p));
  EXPECT_FALSE(Matches(R"(target_stage = "vakvolwassen")", p));
  EXPECT_TRUE(Matches(R"(team = "noord" AND role = "schuldhulpverlener" AND )"
                      R"(track = "mbo" AND target_stage = "startbekwaam")",
                      p));
}

TEST(ProfileFilterTest, EmptyValueMatchesEmptyField) {
  EXPECT_TRUE(Matches(R"(role = "")", MakeProfile({}, "", "hbo", "")));
  EXPECT_FALSE(Matches(R"(role = "")", MakeProfile({}, "coach", "hbo", "")));
}

TEST(ProfileFilterTest, SpacesAroundTokensAreOptional) {
  const v1::Profile p = MakeProfile({"noord"}, "", "hbo", "");
  EXPECT_TRUE(Matches(R"(team="noord")", p));
  EXPECT_TRUE(Matches(R"(  team   =   "noord"   AND   track="hbo"  )", p));
}

TEST(ProfileFilterTest, EscapesInValues) {
  // The value is: a "b" \ c
  EXPECT_TRUE(Matches(R"(role = "a \"b\" \\ c")",
                      MakeProfile({}, R"(a "b" \ c)", "", "")));
  EXPECT_FALSE(Matches(R"(role = "a \"b\" \\ c")",
                       MakeProfile({}, R"(a \"b\" \\ c)", "", "")));
}

TEST(ProfileFilterTest, OperatorsInsideQuotesAreText) {
  EXPECT_TRUE(Matches(R"(role = "x = y AND z")",
                      MakeProfile({}, "x = y AND z", "", "")));
}

// Expects INVALID_ARGUMENT mentioning "filter" and the 1-based position.
void ExpectFilterError(const std::string& filter, int position) {
  SCOPED_TRACE(filter);
  absl::StatusOr<ProfileFilter> f = ProfileFilter::Parse(filter);
  EXPECT_TRUE(HasStatus(f, absl::StatusCode::kInvalidArgument, "filter"));
  EXPECT_TRUE(HasStatus(f, absl::StatusCode::kInvalidArgument,
                        absl::StrCat("character ", position, ":")));
}

TEST(ProfileFilterTest, UnknownField) {
  ExpectFilterError(R"(colour = "red")", 1);
  // t0..m3 ' '4 '='5 ' '6 '"'7 a8 '"'9 ' '10 A11 N12 D13 ' '14 c15.
  ExpectFilterError(R"(team = "a" AND colour = "b")", 16);
  ExpectFilterError(R"(teams = "a")", 1);
  ExpectFilterError(R"(= "a")", 1);
}

TEST(ProfileFilterTest, MissingEquals) {
  // t0..m3 ' '4 '"'5.
  ExpectFilterError(R"(team "noord")", 6);
  ExpectFilterError("team", 5);  // at the end
}

TEST(ProfileFilterTest, UnquotedValue) {
  // '='5 ' '6 n7.
  ExpectFilterError("team = noord", 8);
  ExpectFilterError("team = 'noord'", 8);
  ExpectFilterError("team =", 7);
}

TEST(ProfileFilterTest, UnterminatedString) {
  // The opening quote is at index 7.
  ExpectFilterError(R"(team = "noord)", 8);
  // An escaped quote does not close the string.
  ExpectFilterError(R"(team = "noord\")", 8);
  ExpectFilterError(R"(team = "noord\)", 8);
}

TEST(ProfileFilterTest, UnknownEscape) {
  // r0 o1 l2 e3 ' '4 '='5 ' '6 '"'7 a8 '\'9.
  ExpectFilterError(R"(role = "a\nb")", 10);
}

TEST(ProfileFilterTest, TrailingGarbage) {
  // '"'7 n8..d12 '"'13 ' '14 x15.
  ExpectFilterError(R"(team = "noord" x)", 16);
  ExpectFilterError(R"(team = "noord" "zuid")", 16);
  ExpectFilterError(R"(team = "noord" OR track = "hbo")", 16);
}

TEST(ProfileFilterTest, LowercaseAndIsAnError) {
  ExpectFilterError(R"(team = "noord" and track = "hbo")", 16);
}

TEST(ProfileFilterTest, DanglingAnd) {
  // 18 characters; the missing field is at index 18.
  ExpectFilterError(R"(team = "noord" AND)", 19);
  ExpectFilterError(R"(team = "noord" AND )", 20);
}

}  // namespace
}  // namespace vakwijzer::core
