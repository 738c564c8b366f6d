// The security model through the wire: every RPC of every service, called
// by every kind of caller, against a server with --auth=jwt. Each cell
// checks the status against the permission table of the README (written
// out again here, independently of services/core/access.cc), that nothing
// of data the caller may not see appears in anything it receives (streamed
// messages and error messages included), and that the audit trail holds
// exactly the event the call should leave.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/grpc/server.h"
#include "tests/test_util/jwt_mint.h"
#include "tests/test_util/temp_dir.h"
#include "vakwijzer/v1/service.grpc.pb.h"

namespace vakwijzer::grpc_api {
namespace {

using ::vakwijzer::testing::MintHs256;
using ::vakwijzer::testing::TempDir;

constexpr char kSecret[] = "a-test-secret-of-at-least-32-bytes-0123456789";
constexpr char kAcme[] = "organizations/acme";
constexpr char kP1[] = "organizations/acme/people/p1";
constexpr char kP2[] = "organizations/acme/people/p2";
// Text only the owner's data holds: evidence of p1 and p2, and everything
// of the other organisation.
constexpr char kP1Data[] = "MARK-p1-evidence";
constexpr char kP2Data[] = "MARK-p2-evidence";
constexpr char kAcmeName[] = "MARK-acme-name";
constexpr char kRivalData[] = "MARK-rival";

// ------------------------------------------------------------ callers

enum class Caller {
  kNoToken,
  kMalformed,
  kExpired,
  kBadSignature,
  kUnknownKey,
  kOtherOrg,
  kAdmin,
  kAssessor,
  kReader,
  kSelfOwn,    // self, person p1 (the person the calls name)
  kSelfOther,  // self, person p2
  kOperator,   // admin of "*"
};
constexpr Caller kCallers[] = {
    Caller::kNoToken,      Caller::kMalformed,  Caller::kExpired,
    Caller::kBadSignature, Caller::kUnknownKey, Caller::kOtherOrg,
    Caller::kAdmin,        Caller::kAssessor,   Caller::kReader,
    Caller::kSelfOwn,      Caller::kSelfOther,  Caller::kOperator};

const char* CallerName(Caller c) {
  switch (c) {
    case Caller::kNoToken:
      return "no-token";
    case Caller::kMalformed:
      return "malformed";
    case Caller::kExpired:
      return "expired";
    case Caller::kBadSignature:
      return "bad-signature";
    case Caller::kUnknownKey:
      return "unknown-key";
    case Caller::kOtherOrg:
      return "other-org";
    case Caller::kAdmin:
      return "admin";
    case Caller::kAssessor:
      return "assessor";
    case Caller::kReader:
      return "reader";
    case Caller::kSelfOwn:
      return "self-own";
    case Caller::kSelfOther:
      return "self-other";
    case Caller::kOperator:
      return "operator";
  }
  return "?";
}

std::string Claims(const std::string& sub, const std::string& org,
                   const std::string& roles, const std::string& person,
                   absl::Duration ttl) {
  return absl::StrCat("{\"sub\":\"", sub, "\",\"org\":\"", org,
                      "\",\"roles\":", roles,
                      person.empty() ? "" : ",\"person\":\"" + person + "\"",
                      ",\"exp\":", absl::ToUnixSeconds(absl::Now() + ttl), "}");
}

// The authorization metadata of `caller`, whose `sub` is `sub`; empty for
// none.
std::string Authorization(Caller caller, const std::string& sub) {
  const absl::Duration hour = absl::Hours(1);
  std::string token;
  switch (caller) {
    case Caller::kNoToken:
      return "";
    case Caller::kMalformed:
      return "Bearer not-a.jwt";
    case Caller::kExpired:
      token = MintHs256(
          kSecret, Claims(sub, "acme", "[\"admin\"]", "", -absl::Hours(2)));
      break;
    case Caller::kBadSignature: {
      token = MintHs256(kSecret, Claims(sub, "acme", "[\"admin\"]", "", hour));
      char& last = token.back();
      last = last == 'A' ? 'B' : 'A';
      break;
    }
    case Caller::kUnknownKey:
      token = MintHs256("another-secret-of-at-least-32-bytes-98765",
                        Claims(sub, "acme", "[\"admin\"]", "", hour),
                        "key-nobody-knows");
      break;
    case Caller::kOtherOrg:
      token = MintHs256(kSecret, Claims(sub, "rival", "[\"admin\"]", "", hour));
      break;
    case Caller::kAdmin:
      token = MintHs256(kSecret, Claims(sub, "acme", "[\"admin\"]", "", hour));
      break;
    case Caller::kAssessor:
      token =
          MintHs256(kSecret, Claims(sub, "acme", "[\"assessor\"]", "", hour));
      break;
    case Caller::kReader:
      token = MintHs256(kSecret, Claims(sub, "acme", "[\"reader\"]", "", hour));
      break;
    case Caller::kSelfOwn:
      token = MintHs256(kSecret, Claims(sub, "acme", "[\"self\"]", "p1", hour));
      break;
    case Caller::kSelfOther:
      token = MintHs256(kSecret, Claims(sub, "acme", "[\"self\"]", "p2", hour));
      break;
    case Caller::kOperator:
      token = MintHs256(kSecret, Claims(sub, "*", "[\"admin\"]", "", hour));
      break;
  }
  EXPECT_FALSE(token.empty());
  return "Bearer " + token;
}

// ------------------------------------------------------------ the table

// What an RPC needs, as the README's security section states it.
enum class Need {
  kOpen,           // frameworks: no token needed, but a sent one must verify
  kAuthenticated,  // any verified caller (ListMatchers)
  kReadPeople,     // reader, assessor, admin
  kReadPerson,     // those, or self on the named person
  kAssess,         // assessor, admin, or self on their own person
  kManage,         // admin
  kReadCatalog,    // any role, self included
  kExport,         // admin, or self on their own person
  kAudit,          // admin
};

grpc::StatusCode Expected(Caller caller, Need need) {
  using C = grpc::StatusCode;
  if (need == Need::kOpen && caller == Caller::kNoToken) return C::OK;
  switch (caller) {
    case Caller::kNoToken:
    case Caller::kMalformed:
    case Caller::kExpired:
    case Caller::kBadSignature:
    case Caller::kUnknownKey:
      return C::UNAUTHENTICATED;
    default:
      break;
  }
  if (need == Need::kAuthenticated || need == Need::kOpen) return C::OK;
  bool ok = false;
  switch (caller) {
    case Caller::kAdmin:
    case Caller::kOperator:
      ok = true;
      break;
    case Caller::kAssessor:
      ok = need == Need::kReadPeople || need == Need::kReadPerson ||
           need == Need::kAssess || need == Need::kReadCatalog;
      break;
    case Caller::kReader:
      ok = need == Need::kReadPeople || need == Need::kReadPerson ||
           need == Need::kReadCatalog;
      break;
    case Caller::kSelfOwn:
      ok = need == Need::kReadPerson || need == Need::kAssess ||
           need == Need::kExport || need == Need::kReadCatalog;
      break;
    case Caller::kSelfOther:
      ok = need == Need::kReadCatalog;
      break;
    default:
      ok = false;
  }
  return ok ? C::OK : C::PERMISSION_DENIED;
}

struct Stubs {
  std::unique_ptr<v1::FrameworkService::Stub> frameworks;
  std::unique_ptr<v1::ProfileService::Stub> profiles;
  std::unique_ptr<v1::CatalogService::Stub> catalog;
  std::unique_ptr<v1::MatchService::Stub> match;
  std::unique_ptr<v1::TeamService::Stub> team;
  std::unique_ptr<v1::AuditService::Stub> audit;
};

// What one call returned: its status and everything it received.
struct Outcome {
  grpc::Status status;
  std::string received;  // serialized responses, then the error message
};

// How one cell calls: its metadata, and a suffix for ids it creates.
struct CallSpec {
  std::string authorization;
  std::string request_id;
  std::string unique;  // unique per cell, for ids of created resources
  // Sets up what the call needs (with the operator's token).
  std::function<std::string()> operator_token;
};

void Prepare(const CallSpec& spec, grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  if (!spec.authorization.empty()) {
    context->AddMetadata("authorization", spec.authorization);
  }
  context->AddMetadata("x-request-id", spec.request_id);
}

template <typename Request, typename Response, typename Stub>
Outcome Unary(Stub* stub,
              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                           Response*),
              const CallSpec& spec, const Request& request) {
  grpc::ClientContext context;
  Prepare(spec, &context);
  Response response;
  Outcome out;
  out.status = (stub->*method)(&context, request, &response);
  out.received = response.SerializeAsString() + out.status.error_message();
  return out;
}

template <typename Response, typename Reader>
Outcome Stream(std::unique_ptr<Reader> reader) {
  Outcome out;
  Response part;
  while (reader->Read(&part)) out.received += part.SerializeAsString();
  out.status = reader->Finish();
  out.received += out.status.error_message();
  return out;
}

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

struct Rpc {
  std::string method;  // for messages and the audit check
  Need need;
  bool audited;  // touches personal data
  std::function<Outcome(Stubs&, const CallSpec&)> call;
};

// Requests that setup needs made by the operator.
void Must(const grpc::Status& status, absl::string_view what) {
  ASSERT_TRUE(status.ok()) << what << ": " << status.error_message();
}

std::vector<Rpc> AllRpcs() {
  std::vector<Rpc> rpcs;
  auto add = [&](std::string method, Need need, bool audited,
                 std::function<Outcome(Stubs&, const CallSpec&)> call) {
    rpcs.push_back({std::move(method), need, audited, std::move(call)});
  };
  const std::string module_text =
      "title: \"Module\" format: \"online\" language: \"nl\" hours: 4 "
      "cost: 100 framework: \"frameworks/sfd-2021\" "
      "develops { competency: \"1.1\" level: 3 }";
  const std::string role_text =
      "title: \"Role\" framework: \"frameworks/sfd-2021\" "
      "requirements { competency: \"1.1\" level: 3 }";
  const std::string case_text =
      "title: \"Case\" vaarwater: WOELIG framework: \"frameworks/sfd-2021\" "
      "workload: 1 requirements { competency: \"1.1\" level: 2 }";

  // FrameworkService
  add("FrameworkService/ListFrameworks", Need::kOpen, false,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.frameworks.get(),
                     &v1::FrameworkService::Stub::ListFrameworks, c,
                     Parse<v1::ListFrameworksRequest>("summary_only: true"));
      });
  add("FrameworkService/GetFramework", Need::kOpen, false,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.frameworks.get(), &v1::FrameworkService::Stub::GetFramework, c,
            Parse<v1::GetFrameworkRequest>("name: \"frameworks/sfd-2021\""));
      });

  // ProfileService
  add("ProfileService/CreateProfile", Need::kManage, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.profiles.get(), &v1::ProfileService::Stub::CreateProfile,
                     c,
                     Parse<v1::CreateProfileRequest>(absl::StrCat(
                         "parent: \"", kAcme, "\" profile_id: \"new-", c.unique,
                         "\" profile { track: \"hbo\" }")));
      });
  add("ProfileService/GetProfile", Need::kReadPerson, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.profiles.get(), &v1::ProfileService::Stub::GetProfile, c,
            Parse<v1::GetProfileRequest>(absl::StrCat("name: \"", kP1, "\"")));
      });
  add("ProfileService/UpdateProfile", Need::kManage, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.profiles.get(), &v1::ProfileService::Stub::UpdateProfile, c,
            Parse<v1::UpdateProfileRequest>(absl::StrCat(
                "profile { name: \"", kP1, "\" display_name: \"", kAcmeName,
                " p1\" } update_mask { paths: "
                "\"display_name\" }")));
      });
  add("ProfileService/DeleteProfile", Need::kManage, true,
      [](Stubs& s, const CallSpec& c) {
        // A person of its own to delete, made by the operator.
        CallSpec setup = c;
        setup.authorization = c.operator_token();
        Outcome made = Unary(s.profiles.get(),
                             &v1::ProfileService::Stub::CreateProfile, setup,
                             Parse<v1::CreateProfileRequest>(absl::StrCat(
                                 "parent: \"", kAcme, "\" profile_id: \"del-",
                                 c.unique, "\" profile { track: \"hbo\" }")));
        Must(made.status, "setup of DeleteProfile");
        return Unary(s.profiles.get(), &v1::ProfileService::Stub::DeleteProfile,
                     c,
                     Parse<v1::DeleteProfileRequest>(absl::StrCat(
                         "name: \"", kAcme, "/people/del-", c.unique, "\"")));
      });
  add("ProfileService/ListProfiles", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.profiles.get(), &v1::ProfileService::Stub::ListProfiles,
                     c,
                     Parse<v1::ListProfilesRequest>(
                         absl::StrCat("parent: \"", kAcme, "\"")));
      });
  add("ProfileService/RecordAssessment", Need::kAssess, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.profiles.get(), &v1::ProfileService::Stub::RecordAssessment, c,
            Parse<v1::RecordAssessmentRequest>(absl::StrCat(
                "parent: \"", kP1, "\" assessment_id: \"a-", c.unique,
                "\" assessment { rater_role: SELF rater: \"p1\" ratings { "
                "indicator: \"hbo-1.1-1\" level: 2 } }")));
      });
  add("ProfileService/ListAssessments", Need::kReadPerson, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.profiles.get(),
                     &v1::ProfileService::Stub::ListAssessments, c,
                     Parse<v1::ListAssessmentsRequest>(
                         absl::StrCat("parent: \"", kP1, "\"")));
      });
  add("ProfileService/GetGapReport", Need::kReadPerson, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.profiles.get(), &v1::ProfileService::Stub::GetGapReport,
                     c,
                     Parse<v1::GetGapReportRequest>(
                         absl::StrCat("name: \"", kP1, "\"")));
      });
  add("ProfileService/ExportPersonData", Need::kExport, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.profiles.get(),
                     &v1::ProfileService::Stub::ExportPersonData, c,
                     Parse<v1::ExportPersonDataRequest>(
                         absl::StrCat("name: \"", kP1, "\"")));
      });

  add("ProfileService/ImportRecords", Need::kManage, true,
      [](Stubs& s, const CallSpec& c) {
        grpc::ClientContext context;
        Prepare(c, &context);
        v1::ImportRecordsResponse response;
        auto writer = s.profiles->ImportRecords(&context, &response);
        writer->Write(Parse<v1::ImportRecordsRequest>(absl::StrCat(
            "parent: \"", kAcme,
            "\" records { assessment { person_id: \"p1\" assessment_id: "
            "\"i-",
            c.unique,
            "\" assessment { rater_role: MANAGER rater: \"m\" ratings { "
            "indicator: \"hbo-1.1-1\" level: 2 } } } }")));
        writer->WritesDone();
        Outcome out;
        out.status = writer->Finish();
        out.received =
            response.SerializeAsString() + out.status.error_message();
        if (out.status.ok()) {
          EXPECT_EQ(response.assessments_recorded(), 1);
          EXPECT_EQ(response.error_count(), 0);
        }
        return out;
      });

  // CatalogService: the same five calls for each kind.
  struct Kind {
    std::string singular;  // "Module"
    std::string plural;    // "modules"
    std::string field;     // "module"
    std::string text;
    Need read;
  };
  const Kind kinds[] = {
      {"Module", "modules", "module", module_text, Need::kReadCatalog},
      {"Role", "roles", "role", role_text, Need::kReadCatalog},
      {"Case", "cases", "case", case_text, Need::kReadPeople}};
  for (const Kind& k : kinds) {
    const std::string id_field = k.field + "_id";
    auto create = [k, id_field](Stubs& s, const CallSpec& c,
                                const std::string& id) -> Outcome {
      std::string text =
          absl::StrCat("parent: \"", kAcme, "\" ", id_field, ": \"", id, "\" ",
                       k.field, " { ", k.text, " }");
      if (k.singular == "Module") {
        return Unary(s.catalog.get(), &v1::CatalogService::Stub::CreateModule,
                     c, Parse<v1::CreateModuleRequest>(text));
      }
      if (k.singular == "Role") {
        return Unary(s.catalog.get(), &v1::CatalogService::Stub::CreateRole, c,
                     Parse<v1::CreateRoleRequest>(text));
      }
      return Unary(s.catalog.get(), &v1::CatalogService::Stub::CreateCase, c,
                   Parse<v1::CreateCaseRequest>(text));
    };
    add("CatalogService/Create" + k.singular, Need::kManage, false,
        [create](Stubs& s, const CallSpec& c) {
          return create(s, c, "new-" + c.unique);
        });
    const std::string item1 = absl::StrCat(kAcme, "/", k.plural, "/x1");
    auto get =
        Parse<v1::GetCatalogItemRequest>(absl::StrCat("name: \"", item1, "\""));
    add("CatalogService/Get" + k.singular, k.read, false,
        [k, get](Stubs& s, const CallSpec& c) {
          if (k.singular == "Module") {
            return Unary(s.catalog.get(), &v1::CatalogService::Stub::GetModule,
                         c, get);
          }
          if (k.singular == "Role") {
            return Unary(s.catalog.get(), &v1::CatalogService::Stub::GetRole, c,
                         get);
          }
          return Unary(s.catalog.get(), &v1::CatalogService::Stub::GetCase, c,
                       get);
        });
    const std::string update_text =
        absl::StrCat(k.field, " { name: \"", item1,
                     "\" title: \"Renamed\" } "
                     "update_mask { paths: \"title\" }");
    add("CatalogService/Update" + k.singular, Need::kManage, false,
        [k, update_text](Stubs& s, const CallSpec& c) {
          if (k.singular == "Module") {
            return Unary(s.catalog.get(),
                         &v1::CatalogService::Stub::UpdateModule, c,
                         Parse<v1::UpdateModuleRequest>(update_text));
          }
          if (k.singular == "Role") {
            return Unary(s.catalog.get(), &v1::CatalogService::Stub::UpdateRole,
                         c, Parse<v1::UpdateRoleRequest>(update_text));
          }
          return Unary(s.catalog.get(), &v1::CatalogService::Stub::UpdateCase,
                       c, Parse<v1::UpdateCaseRequest>(update_text));
        });
    add("CatalogService/Delete" + k.singular, Need::kManage, false,
        [k, create](Stubs& s, const CallSpec& c) {
          CallSpec setup = c;
          setup.authorization = c.operator_token();
          Must(create(s, setup, "del-" + c.unique).status, "setup of delete");
          auto del = Parse<v1::DeleteCatalogItemRequest>(absl::StrCat(
              "name: \"", kAcme, "/", k.plural, "/del-", c.unique, "\""));
          if (k.singular == "Module") {
            return Unary(s.catalog.get(),
                         &v1::CatalogService::Stub::DeleteModule, c, del);
          }
          if (k.singular == "Role") {
            return Unary(s.catalog.get(), &v1::CatalogService::Stub::DeleteRole,
                         c, del);
          }
          return Unary(s.catalog.get(), &v1::CatalogService::Stub::DeleteCase,
                       c, del);
        });
    auto list =
        Parse<v1::ListCatalogRequest>(absl::StrCat("parent: \"", kAcme, "\""));
    add("CatalogService/List" + k.singular + "s", k.read, false,
        [k, list](Stubs& s, const CallSpec& c) {
          if (k.singular == "Module") {
            return Unary(s.catalog.get(),
                         &v1::CatalogService::Stub::ListModules, c, list);
          }
          if (k.singular == "Role") {
            return Unary(s.catalog.get(), &v1::CatalogService::Stub::ListRoles,
                         c, list);
          }
          return Unary(s.catalog.get(), &v1::CatalogService::Stub::ListCases, c,
                       list);
        });
  }

  // MatchService
  add("MatchService/ListMatchers", Need::kAuthenticated, false,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.match.get(), &v1::MatchService::Stub::ListMatchers, c,
                     v1::ListMatchersRequest());
      });
  for (const char* matcher : {"training", "mentor", "role-fit"}) {
    add(absl::StrCat("MatchService/Match ", matcher, " of p1"),
        Need::kReadPerson, true, [matcher](Stubs& s, const CallSpec& c) {
          return Unary(s.match.get(), &v1::MatchService::Stub::Match, c,
                       Parse<v1::MatchRequest>(
                           absl::StrCat("parent: \"", kAcme, "\" matcher: \"",
                                        matcher, "\" subject: \"", kP1, "\"")));
        });
  }
  add("MatchService/Match role-fit of a role", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.match.get(), &v1::MatchService::Stub::Match, c,
            Parse<v1::MatchRequest>(absl::StrCat(
                "parent: \"", kAcme, "\" matcher: \"role-fit\" subject: \"",
                kAcme, "/roles/x1\"")));
      });
  add("MatchService/Match case-staffing", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.match.get(), &v1::MatchService::Stub::Match, c,
                     Parse<v1::MatchRequest>(absl::StrCat(
                         "parent: \"", kAcme,
                         "\" matcher: \"case-staffing\" subject: \"", kAcme,
                         "/cases/x1\"")));
      });
  auto batch = [](const std::string& text) {
    return [text](Stubs& s, const CallSpec& c) {
      grpc::ClientContext context;
      Prepare(c, &context);
      return Stream<v1::BatchMatchResponse>(
          s.match->BatchMatch(&context, Parse<v1::BatchMatchRequest>(text)));
    };
  };
  add("MatchService/BatchMatch of p1", Need::kReadPerson, true,
      batch(absl::StrCat("parent: \"", kAcme,
                         "\" matcher: \"mentor\" subjects: \"", kP1, "\"")));
  add("MatchService/BatchMatch of everyone", Need::kReadPeople, true,
      batch(absl::StrCat("parent: \"", kAcme, "\" matcher: \"training\"")));
  add("MatchService/BatchMatch of p1 and p2", Need::kReadPeople, true,
      batch(absl::StrCat("parent: \"", kAcme,
                         "\" matcher: \"training\" subjects: \"", kP1,
                         "\" subjects: \"", kP2, "\"")));

  // TeamService
  add("TeamService/ScoreTeam", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        grpc::ClientContext context;
        Prepare(c, &context);
        return Stream<v1::ScoreTeamResponse>(s.team->ScoreTeam(
            &context,
            Parse<v1::ScoreTeamRequest>(absl::StrCat(
                "selector { parent: \"", kAcme, "\" } include_people: true"))));
      });
  add("TeamService/AssignMentors", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.team.get(), &v1::TeamService::Stub::AssignMentors, c,
                     Parse<v1::AssignMentorsRequest>(
                         absl::StrCat("mentees { parent: \"", kAcme, "\" }")));
      });
  add("TeamService/StaffCases", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.team.get(), &v1::TeamService::Stub::StaffCases, c,
                     Parse<v1::StaffCasesRequest>(
                         absl::StrCat("parent: \"", kAcme, "\"")));
      });
  add("TeamService/PlanTeamTraining", Need::kReadPeople, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(
            s.team.get(), &v1::TeamService::Stub::PlanTeamTraining, c,
            Parse<v1::PlanTeamTrainingRequest>(absl::StrCat(
                "selector { parent: \"", kAcme, "\" } budget_cost: 1000")));
      });

  // AuditService
  add("AuditService/ListAuditEvents", Need::kAudit, true,
      [](Stubs& s, const CallSpec& c) {
        return Unary(s.audit.get(), &v1::AuditService::Stub::ListAuditEvents, c,
                     Parse<v1::ListAuditEventsRequest>(
                         absl::StrCat("parent: \"", kAcme, "\" page_size: 5")));
      });
  return rpcs;
}

// ------------------------------------------------------------ the fixture

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string secret_file = dir_.Sub("secret");
    FILE* f = fopen(secret_file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(kSecret, f);
    fclose(f);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.Sub("db");
    options.demo_file = "";
    options.security.auth = SecurityOptions::Auth::kJwt;
    options.security.jwt_keys = secret_file;
    auto server = VakwijzerServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials());
    stubs_.frameworks = v1::FrameworkService::NewStub(channel);
    stubs_.profiles = v1::ProfileService::NewStub(channel);
    stubs_.catalog = v1::CatalogService::NewStub(channel);
    stubs_.match = v1::MatchService::NewStub(channel);
    stubs_.team = v1::TeamService::NewStub(channel);
    stubs_.audit = v1::AuditService::NewStub(channel);
    Populate();
  }

  CallSpec Operator(const std::string& request_id = "setup") {
    CallSpec c;
    c.authorization = Authorization(Caller::kOperator, "operator");
    c.request_id = request_id;
    return c;
  }

  // acme: p1 and p2 with evidence only they may see, a module, a role and
  // a case "x1"; rival: one person whose data nobody in acme may see.
  void Populate() {
    const CallSpec op = Operator();
    for (const auto& [org, id, data] :
         {std::tuple{"acme", "p1", kP1Data}, std::tuple{"acme", "p2", kP2Data},
          std::tuple{"rival", "q1", kRivalData}}) {
      Must(Unary(
               stubs_.profiles.get(), &v1::ProfileService::Stub::CreateProfile,
               op,
               Parse<v1::CreateProfileRequest>(absl::StrCat(
                   "parent: \"organizations/", org, "\" profile_id: \"", id,
                   "\" profile { track: \"hbo\" display_name: \"",
                   std::string(org) == "acme" ? kAcmeName : kRivalData, " ", id,
                   "\" teams: \"t\" mentoring_capacity: 2 "
                   "caseload_capacity: 5 languages: \"nl\" }")))
               .status,
           "create profile");
      // p2 rated high (a mentor for p1), p1 low, both with evidence.
      int level = std::string(id) == "p1" ? 1 : 4;
      Must(Unary(stubs_.profiles.get(),
                 &v1::ProfileService::Stub::RecordAssessment, op,
                 Parse<v1::RecordAssessmentRequest>(absl::StrCat(
                     "parent: \"organizations/", org, "/people/", id,
                     "\" assessment { rater_role: MANAGER rater: \"m\" "
                     "ratings { indicator: \"hbo-1.1-1\" level: ",
                     level, " evidence: \"", data,
                     "\" } ratings { indicator: \"hbo-1.1-2\" level: ", level,
                     " evidence: \"", data, "\" } }")))
               .status,
           "record assessment");
    }
    Must(
        Unary(stubs_.catalog.get(), &v1::CatalogService::Stub::CreateModule, op,
              Parse<v1::CreateModuleRequest>(absl::StrCat(
                  "parent: \"", kAcme,
                  "\" module_id: \"x1\" module { title: "
                  "\"M\" format: \"online\" language: \"nl\" hours: 4 cost: "
                  "100 framework: \"frameworks/sfd-2021\" develops { "
                  "competency: \"1.1\" level: 3 } }")))
            .status,
        "module");
    Must(Unary(stubs_.catalog.get(), &v1::CatalogService::Stub::CreateRole, op,
               Parse<v1::CreateRoleRequest>(absl::StrCat(
                   "parent: \"", kAcme,
                   "\" role_id: \"x1\" role { title: "
                   "\"R\" framework: \"frameworks/sfd-2021\" requirements { "
                   "competency: \"1.1\" level: 3 } }")))
             .status,
         "role");
    Must(Unary(stubs_.catalog.get(), &v1::CatalogService::Stub::CreateCase, op,
               Parse<v1::CreateCaseRequest>(absl::StrCat(
                   "parent: \"", kAcme,
                   "\" case_id: \"x1\" case { title: "
                   "\"C\" vaarwater: WOELIG framework: \"frameworks/sfd-2021\" "
                   "workload: 1 requirements { competency: \"1.1\" level: 2 "
                   "} }")))
             .status,
         "case");
  }

  // The events of acme's trail made by `caller`.
  std::vector<v1::AuditEvent> EventsBy(const std::string& caller) {
    v1::ListAuditEventsRequest request;
    request.set_parent(kAcme);
    request.set_caller(caller);
    request.set_page_size(1000);
    Outcome out;
    grpc::ClientContext context;
    Prepare(Operator(), &context);
    v1::ListAuditEventsResponse response;
    grpc::Status status =
        stubs_.audit->ListAuditEvents(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  TempDir dir_;
  std::unique_ptr<VakwijzerServer> server_;
  Stubs stubs_;
};

TEST_F(SecurityTest, EveryRpcForEveryCaller) {
  const std::vector<Rpc> rpcs = AllRpcs();
  int cells = 0;
  for (size_t r = 0; r < rpcs.size(); ++r) {
    const Rpc& rpc = rpcs[r];
    for (Caller caller : kCallers) {
      SCOPED_TRACE(absl::StrCat(rpc.method, " by ", CallerName(caller)));
      const std::string sub = absl::StrCat("c", r, "-", CallerName(caller));
      CallSpec spec;
      spec.authorization = Authorization(caller, sub);
      spec.request_id = absl::StrCat("req-", sub);
      spec.unique = sub;
      spec.operator_token = [] {
        return Authorization(Caller::kOperator, "operator");
      };
      Outcome out = rpc.call(stubs_, spec);
      ++cells;
      const grpc::StatusCode expected = Expected(caller, rpc.need);
      EXPECT_EQ(out.status.error_code(), expected)
          << out.status.error_message();

      // Nothing of the other organisation, ever.
      EXPECT_FALSE(absl::StrContains(out.received, kRivalData));
      // Nothing of acme for callers that may not read it.
      if (expected != grpc::StatusCode::OK) {
        EXPECT_FALSE(absl::StrContains(out.received, kAcmeName));
        EXPECT_FALSE(absl::StrContains(out.received, kP1Data));
        EXPECT_FALSE(absl::StrContains(out.received, kP2Data));
      }
      // A self caller never sees another person's evidence.
      if (caller == Caller::kSelfOwn || caller == Caller::kSelfOther) {
        EXPECT_FALSE(absl::StrContains(out.received, kP2Data));
        if (caller == Caller::kSelfOther) {
          EXPECT_FALSE(absl::StrContains(out.received, kP1Data));
        }
      }
      // The token is never echoed.
      if (!spec.authorization.empty()) {
        EXPECT_FALSE(absl::StrContains(out.status.error_message(),
                                       spec.authorization.substr(7)));
      }

      // The audit trail: one event for a verified call on personal data,
      // with its outcome; none otherwise.
      std::vector<v1::AuditEvent> events = EventsBy(sub);
      const bool verified = expected != grpc::StatusCode::UNAUTHENTICATED;
      if (rpc.audited && verified) {
        ASSERT_EQ(events.size(), 1u);
        const v1::AuditEvent& e = events[0];
        EXPECT_EQ(e.request_id(), spec.request_id);
        EXPECT_EQ(e.outcome_code(), static_cast<int>(expected));
        EXPECT_TRUE(absl::StartsWith(
            e.rpc(),
            "/vakwijzer.v1." + rpc.method.substr(0, rpc.method.find(' '))))
            << e.rpc();
        EXPECT_TRUE(absl::StartsWith(e.resource(), kAcme)) << e.resource();
      } else {
        EXPECT_EQ(events.size(), 0u);
      }
    }
  }
  // Every RPC of every service is in the table (35), Match and BatchMatch
  // with several kinds of subject.
  EXPECT_EQ(rpcs.size(), 41u);
  EXPECT_EQ(cells, 41 * 12);
}

TEST_F(SecurityTest, SelfSeesMentorsByNameOnly) {
  CallSpec self;
  self.authorization = Authorization(Caller::kSelfOwn, "p1-self");
  self.request_id = "self-mentor";
  Outcome out = Unary(stubs_.match.get(), &v1::MatchService::Stub::Match, self,
                      Parse<v1::MatchRequest>(absl::StrCat(
                          "parent: \"", kAcme,
                          "\" matcher: \"mentor\" subject: \"", kP1, "\"")));
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  v1::MatchResponse response;
  ASSERT_TRUE(
      response.ParseFromString(out.received.substr(0, out.received.size())));
  ASSERT_EQ(response.items_size(), 1);
  EXPECT_EQ(response.items(0).name(), kP2);
  EXPECT_EQ(response.items(0).score(), 0);
  EXPECT_TRUE(response.items(0).explanation().empty());
  EXPECT_EQ(response.items(0).contributions_size(), 0);

  // The same call by a reader shows the mentor's score and reasons.
  CallSpec reader;
  reader.authorization = Authorization(Caller::kReader, "reader");
  reader.request_id = "reader-mentor";
  Outcome full =
      Unary(stubs_.match.get(), &v1::MatchService::Stub::Match, reader,
            Parse<v1::MatchRequest>(
                absl::StrCat("parent: \"", kAcme,
                             "\" matcher: \"mentor\" subject: \"", kP1, "\"")));
  ASSERT_TRUE(full.status.ok());
  ASSERT_TRUE(response.ParseFromString(full.received));
  ASSERT_EQ(response.items_size(), 1);
  EXPECT_GT(response.items(0).score(), 0);
  EXPECT_FALSE(response.items(0).explanation().empty());
}

TEST_F(SecurityTest, SelfRecordsOnlySelfRatings) {
  CallSpec self;
  self.authorization = Authorization(Caller::kSelfOwn, "p1-self");
  self.request_id = "self-rating";
  Outcome out = Unary(
      stubs_.profiles.get(), &v1::ProfileService::Stub::RecordAssessment, self,
      Parse<v1::RecordAssessmentRequest>(absl::StrCat(
          "parent: \"", kP1,
          "\" assessment { rater_role: MANAGER rater: "
          "\"p1\" ratings { indicator: \"hbo-1.1-1\" level: 4 } }")));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(out.status.error_message(), "self ratings"));
}

TEST_F(SecurityTest, FailedWriteIsAuditedAndChangesNothing) {
  CallSpec assessor;
  assessor.authorization = Authorization(Caller::kAssessor, "assessor-1");
  assessor.request_id = "bad-level";
  auto list =
      Parse<v1::ListAssessmentsRequest>(absl::StrCat("parent: \"", kP1, "\""));
  v1::ListAssessmentsResponse before;
  ASSERT_TRUE(before.ParseFromString(
      Unary(stubs_.profiles.get(), &v1::ProfileService::Stub::ListAssessments,
            Operator(), list)
          .received));
  Outcome out =
      Unary(stubs_.profiles.get(), &v1::ProfileService::Stub::RecordAssessment,
            assessor,
            Parse<v1::RecordAssessmentRequest>(absl::StrCat(
                "parent: \"", kP1,
                "\" assessment { rater_role: ASSESSOR rater: "
                "\"a\" ratings { indicator: \"hbo-1.1-1\" level: 9 } }")));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListAssessmentsResponse after;
  ASSERT_TRUE(after.ParseFromString(
      Unary(stubs_.profiles.get(), &v1::ProfileService::Stub::ListAssessments,
            Operator(), list)
          .received));
  EXPECT_EQ(after.assessments_size(), before.assessments_size());
  std::vector<v1::AuditEvent> events = EventsBy("assessor-1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome(), "INVALID_ARGUMENT");
  EXPECT_EQ(events[0].person(), "p1");
  EXPECT_EQ(events[0].rpc(), "/vakwijzer.v1.ProfileService/RecordAssessment");
  EXPECT_EQ(events[0].request_id(), "bad-level");
}

TEST_F(SecurityTest, ErasureKeepsTheAuditTrailAndExportShowsIt) {
  CallSpec admin;
  admin.authorization = Authorization(Caller::kAdmin, "admin-1");
  admin.request_id = "export";
  Outcome exported = Unary(
      stubs_.profiles.get(), &v1::ProfileService::Stub::ExportPersonData, admin,
      Parse<v1::ExportPersonDataRequest>(absl::StrCat("name: \"", kP2, "\"")));
  ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
  v1::PersonDataExport data;
  ASSERT_TRUE(data.ParseFromString(exported.received));
  EXPECT_EQ(data.profile().name(), kP2);
  ASSERT_EQ(data.assessments_size(), 1);
  EXPECT_EQ(data.assessments(0).ratings(0).evidence(), kP2Data);
  // Created and assessed by the operator during set-up.
  ASSERT_EQ(data.audit_events_size(), 2);
  EXPECT_EQ(data.audit_events(0).rpc(),
            "/vakwijzer.v1.ProfileService/CreateProfile");
  EXPECT_EQ(data.audit_events(1).rpc(),
            "/vakwijzer.v1.ProfileService/RecordAssessment");

  admin.request_id = "erase";
  ASSERT_TRUE(Unary(stubs_.profiles.get(),
                    &v1::ProfileService::Stub::DeleteProfile, admin,
                    Parse<v1::DeleteProfileRequest>(
                        absl::StrCat("name: \"", kP2, "\"")))
                  .status.ok());
  v1::ListAuditEventsRequest request;
  request.set_parent(kAcme);
  request.set_person("p2");
  grpc::ClientContext context;
  Prepare(Operator(), &context);
  v1::ListAuditEventsResponse trail;
  ASSERT_TRUE(stubs_.audit->ListAuditEvents(&context, request, &trail).ok());
  // Create, assess, export, erase: all kept, none holding personal data.
  ASSERT_EQ(trail.events_size(), 4);
  EXPECT_EQ(trail.events(3).rpc(),
            "/vakwijzer.v1.ProfileService/DeleteProfile");
  EXPECT_FALSE(absl::StrContains(trail.SerializeAsString(), kP2Data));
  EXPECT_FALSE(absl::StrContains(trail.SerializeAsString(), kAcmeName));
}

TEST_F(SecurityTest, AuditListingPagesAndFiltersByTime) {
  v1::ListAuditEventsRequest request;
  request.set_parent(kAcme);
  request.set_page_size(2);
  request.set_caller("operator");
  std::vector<std::string> names;
  do {
    grpc::ClientContext context;
    Prepare(Operator("pager"), &context);
    v1::ListAuditEventsResponse page;
    ASSERT_TRUE(stubs_.audit->ListAuditEvents(&context, request, &page).ok());
    ASSERT_LE(page.events_size(), 2);
    for (const auto& e : page.events()) names.push_back(e.name());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  // Set-up: 2 profiles and 2 assessments in acme by the operator, then the
  // listings themselves (each audited once the page is read).
  ASSERT_GE(names.size(), 4u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());

  // Nothing lies before the epoch plus one second.
  v1::ListAuditEventsRequest early;
  early.set_parent(kAcme);
  early.mutable_end_time()->set_seconds(1);
  grpc::ClientContext context;
  Prepare(Operator(), &context);
  v1::ListAuditEventsResponse none;
  ASSERT_TRUE(stubs_.audit->ListAuditEvents(&context, early, &none).ok());
  EXPECT_EQ(none.events_size(), 0);
}

// ------------------------------------------------------------ start-up

ServerOptions Minimal(const TempDir& dir) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("db");
  options.demo_file = "";
  return options;
}

TEST(InsecureRemoteTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.3.2.1:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.1.2.3:50051"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:50051"));
  EXPECT_FALSE(IsLoopbackAddress("vakwijzer.example:443"));
}

TEST(InsecureRemoteTest, RefusedWithoutAuthOrTlsUnlessAllowed) {
  TempDir dir;
  ServerOptions options = Minimal(dir);
  // Port 0 on every interface: nothing is opened before the refusal.
  options.listen = "0.0.0.0:0";
  auto refused = VakwijzerServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "without authentication (--auth=none) and "
                                "without TLS on 0.0.0.0:0"))
      << refused.status();
  EXPECT_FALSE(std::filesystem::exists(options.data_dir));

  options.security.allow_insecure_remote = true;
  // A plugin folder (empty here) must not drop the warning.
  options.plugin_dir = dir.Sub("plugins");
  std::filesystem::create_directories(options.plugin_dir);
  auto allowed = VakwijzerServer::Start(options);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  ASSERT_EQ((*allowed)->warnings().size(), 1u);
  EXPECT_TRUE(
      absl::StrContains((*allowed)->warnings()[0], "--allow_insecure_remote"));
}

TEST(InsecureRemoteTest, JwtWithoutTlsIsStillRefused) {
  TempDir dir;
  ServerOptions options = Minimal(dir);
  options.listen = "0.0.0.0:0";
  const std::string secret = dir.Sub("secret");
  std::ofstream(secret) << kSecret;
  options.security.auth = SecurityOptions::Auth::kJwt;
  options.security.jwt_keys = secret;
  auto refused = VakwijzerServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "refusing to serve without TLS"))
      << refused.status();
}

// Certificates made with the openssl command: a CA, a server certificate
// for localhost and a client certificate, both signed by the CA; and a
// second CA that signed nothing the server trusts.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string d = dir_.path();
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    std::string script = absl::StrCat(
        "set -e; cd ", d, "\n", "openssl req -x509 ", ec,
        " -days 1 -subj /CN=test-ca -keyout ca.key "
        "-out ca.pem\n",
        "openssl req -x509 ", ec,
        " -days 1 -subj /CN=rogue-ca -keyout "
        "rogue.key -out rogue.pem\n",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext\n",
        "openssl req ", ec,
        " -subj /CN=localhost -keyout server.key -out "
        "server.csr\n",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -days 1 -extfile san.ext -out server.pem\n",
        "openssl req ", ec,
        " -subj /CN=client -keyout client.key -out "
        "client.csr\n",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -days 1 -out client.pem\n",
        "openssl req ", ec,
        " -subj /CN=intruder -keyout intruder.key -out "
        "intruder.csr\n",
        "openssl x509 -req -in intruder.csr -CA rogue.pem -CAkey rogue.key "
        "-CAcreateserial -days 1 -out intruder.pem\n");
    std::ofstream(dir_.Sub("make.sh")) << script;
    ASSERT_EQ(std::system(
                  absl::StrCat("bash ", dir_.Sub("make.sh"), " >/dev/null 2>&1")
                      .c_str()),
              0);
  }

  std::string Read(const std::string& name) {
    std::ifstream in(dir_.Sub(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::unique_ptr<VakwijzerServer> StartTls(bool mutual) {
    ServerOptions options = Minimal(dir_);
    options.security.tls_cert = dir_.Sub("server.pem");
    options.security.tls_key = dir_.Sub("server.key");
    if (mutual) options.security.tls_client_ca = dir_.Sub("ca.pem");
    auto server = VakwijzerServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  // ListFrameworks through `credentials`, which must reach "localhost".
  grpc::Status Call(int port,
                    std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = v1::FrameworkService::NewStub(grpc::CreateChannel(
        absl::StrCat("localhost:", port), std::move(credentials)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::ListFrameworksResponse response;
    return stub->ListFrameworks(&context, v1::ListFrameworksRequest(),
                                &response);
  }

  std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& cert = "",
                                                const std::string& key = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read("ca.pem");
    if (!cert.empty()) {
      ssl.pem_cert_chain = Read(cert);
      ssl.pem_private_key = Read(key);
    }
    return grpc::SslCredentials(ssl);
  }

  TempDir dir_;
};

TEST_F(TlsTest, TlsServesTlsClientsAndRefusesPlaintext) {
  std::unique_ptr<VakwijzerServer> server = StartTls(/*mutual=*/false);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Call(server->port(), Tls()).ok());
  grpc::Status plain = Call(server->port(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE)
      << plain.error_message();
}

TEST_F(TlsTest, MutualTlsNeedsACertificateOfTheClientCa) {
  std::unique_ptr<VakwijzerServer> server = StartTls(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Call(server->port(), Tls("client.pem", "client.key")).ok());
  EXPECT_EQ(Call(server->port(), Tls()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      Call(server->port(), Tls("intruder.pem", "intruder.key")).error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, BadFilesStopStartUpNamingThem) {
  struct Case {
    std::string cert, key, ca, message;
  };
  const std::string missing = dir_.Sub("missing.pem");
  const std::vector<Case> cases = {
      {missing, dir_.Sub("server.key"), "",
       absl::StrCat("--tls_cert: cannot read \"", missing, "\"")},
      {dir_.Sub("server.key"), dir_.Sub("server.key"), "",
       "holds no PEM certificate"},
      {dir_.Sub("server.pem"), dir_.Sub("server.pem"), "",
       "holds no unencrypted PEM private key"},
      {dir_.Sub("server.pem"), dir_.Sub("client.key"), "",
       "is not the key of the certificate"},
      {dir_.Sub("server.pem"), dir_.Sub("server.key"), dir_.Sub("san.ext"),
       "--tls_client_ca"},
      {dir_.Sub("server.pem"), "", "", "--tls_cert and --tls_key go together"},
  };
  for (const Case& c : cases) {
    ServerOptions options = Minimal(dir_);
    options.security.tls_cert = c.cert;
    options.security.tls_key = c.key;
    options.security.tls_client_ca = c.ca;
    auto server = VakwijzerServer::Start(options);
    ASSERT_FALSE(server.ok()) << c.message;
    EXPECT_TRUE(absl::StrContains(server.status().message(), c.message))
        << server.status();
  }
}

TEST(JwtStartTest, AuthJwtNeedsAReadableKeyFile) {
  TempDir dir;
  ServerOptions options = Minimal(dir);
  options.security.auth = SecurityOptions::Auth::kJwt;
  auto no_keys = VakwijzerServer::Start(options);
  ASSERT_FALSE(no_keys.ok());
  EXPECT_TRUE(absl::StrContains(no_keys.status().message(), "--jwt_keys"));
  options.security.jwt_keys = dir.Sub("absent");
  auto absent = VakwijzerServer::Start(options);
  ASSERT_FALSE(absent.ok());
  EXPECT_TRUE(absl::StrContains(absent.status().message(), dir.Sub("absent")))
      << absent.status();
}

}  // namespace
}  // namespace vakwijzer::grpc_api
