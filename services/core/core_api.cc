#include "services/core/core_api.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "services/core/field_checks.h"
#include "services/core/paging.h"

namespace vakwijzer::core {
namespace {

using Target = CoreApi::Target;

constexpr absl::string_view kOrgPrefix = "organizations/";

// The organisation of any resource name "organizations/{org}[/...]"; the
// rest of the name is the managers' to check.
absl::StatusOr<std::string> OrgOf(absl::string_view name,
                                  absl::string_view field) {
  if (!absl::StartsWith(name, kOrgPrefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be a resource name starting organizations/{org}"));
  }
  absl::string_view rest = name.substr(kOrgPrefix.size());
  absl::string_view org = rest.substr(0, rest.find('/'));
  RETURN_IF_ERROR(ValidateId(org, field));
  return std::string(org);
}

absl::StatusOr<Target> OrgTarget(absl::string_view name,
                                 absl::string_view field) {
  ASSIGN_OR_RETURN(std::string org, OrgOf(name, field));
  return Target{org, OrganizationName(org), ""};
}

absl::StatusOr<Target> PersonTarget(absl::string_view name,
                                    absl::string_view field) {
  ASSIGN_OR_RETURN(PersonName person, ParsePersonName(name, field));
  return Target{person.org, person.Format(), person.person};
}

// Whether `name` is a person of `org`, and which.
std::string PersonIn(absl::string_view name, absl::string_view org) {
  absl::StatusOr<PersonName> person = ParsePersonName(name, "subject");
  if (!person.ok() || person->org != org) return "";
  return person->person;
}

template <typename T>
absl::StatusOr<T> WithStatus(absl::Status status, T value) {
  if (!status.ok()) return status;
  return value;
}

}  // namespace

CoreApi::CoreApi(ProfileManager* profiles, CatalogManager* catalog,
                 const MatchManager* match, const TeamManager* team,
                 storage::AuditStore* audit, CoreApiOptions options,
                 std::function<absl::Time()> clock)
    : profiles_(profiles),
      catalog_(catalog),
      match_(match),
      team_(team),
      audit_(audit),
      options_(options),
      clock_(std::move(clock)) {}

absl::Status CoreApi::Admit(const Call& call, const Target& target,
                            Permission permission, bool audited) {
  absl::Status status =
      Authorize(call.principal, target.org, permission, target.person);
  if (!status.ok() && audited) Log(call, target, status).IgnoreError();
  return status;
}

v1::AuditEvent CoreApi::Event(const Call& call, const Target& target,
                              const absl::Status& outcome) const {
  v1::AuditEvent event;
  *event.mutable_time() = ToProto(clock_());
  event.set_caller(call.principal.subject);
  for (std::string& role : RoleNames(call.principal.roles)) {
    event.add_roles(std::move(role));
  }
  event.set_rpc(call.method);
  event.set_resource(target.resource);
  event.set_person(target.person);
  event.set_request_id(call.request_id);
  event.set_outcome_code(static_cast<int>(outcome.code()));
  event.set_outcome(absl::StatusCodeToString(outcome.code()));
  return event;
}

absl::Status CoreApi::Log(const Call& call, const Target& target,
                          const absl::Status& outcome) {
  absl::Status status = audit_->AppendAudit(
      target.org, Event(call, target, outcome), /*sync=*/false);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the audit trail cannot be written: ", status.message()));
  }
  return status;
}

template <typename T>
absl::StatusOr<T> CoreApi::AuditedRead(const Call& call, const Target& target,
                                       absl::StatusOr<T> result) {
  RETURN_IF_ERROR(Log(call, target, result.status()));
  return result;
}

template <typename T, typename Op>
T CoreApi::AuditedWrite(const Call& call, const Target& target, Op op) {
  const v1::AuditEvent event = Event(call, target, absl::OkStatus());
  T result = op(&event);
  absl::Status status;
  if constexpr (std::is_same_v<T, absl::Status>) {
    status = result;
  } else {
    status = result.status();
  }
  // Nothing was written, so the success event was not either.
  if (!status.ok()) Log(call, target, status).IgnoreError();
  return result;
}

// ---- Profiles ----

absl::StatusOr<v1::Profile> CoreApi::CreateProfile(
    const Call& call, const v1::CreateProfileRequest& request) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(ValidateId(request.profile_id(), "profile_id"));
  target.person = request.profile_id();
  target.resource = PersonName{target.org, target.person}.Format();
  RETURN_IF_ERROR(Admit(call, target, Permission::kManage));
  return AuditedWrite<absl::StatusOr<v1::Profile>>(
      call, target, [&](const v1::AuditEvent* event) {
        return profiles_->CreateProfile(request, event);
      });
}

absl::StatusOr<v1::Profile> CoreApi::GetProfile(
    const Call& call, const v1::GetProfileRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.name(), "name"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPerson));
  return AuditedRead(call, target, profiles_->GetProfile(request));
}

absl::StatusOr<v1::Profile> CoreApi::UpdateProfile(
    const Call& call, const v1::UpdateProfileRequest& request) {
  ASSIGN_OR_RETURN(Target target,
                   PersonTarget(request.profile().name(), "profile.name"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kManage));
  return AuditedWrite<absl::StatusOr<v1::Profile>>(
      call, target, [&](const v1::AuditEvent* event) {
        return profiles_->UpdateProfile(request, event);
      });
}

absl::Status CoreApi::DeleteProfile(const Call& call,
                                    const v1::DeleteProfileRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.name(), "name"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kManage));
  return AuditedWrite<absl::Status>(
      call, target, [&](const v1::AuditEvent* event) {
        return profiles_->DeleteProfile(request, event);
      });
}

absl::StatusOr<v1::ListProfilesResponse> CoreApi::ListProfiles(
    const Call& call, const v1::ListProfilesRequest& request) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPeople));
  return AuditedRead(call, target, profiles_->ListProfiles(request));
}

absl::StatusOr<v1::Assessment> CoreApi::RecordAssessment(
    const Call& call, const v1::RecordAssessmentRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kRecordAssessment));
  const bool via_self =
      !call.principal.Has(kRoleAssessor) && !call.principal.Has(kRoleAdmin);
  if (via_self && request.assessment().rater_role() != v1::SELF) {
    absl::Status refused = absl::PermissionDeniedError(
        "permission denied: with role self only self ratings "
        "(assessment.rater_role SELF) can be recorded");
    Log(call, target, refused).IgnoreError();
    return refused;
  }
  return AuditedWrite<absl::StatusOr<v1::Assessment>>(
      call, target, [&](const v1::AuditEvent* event) {
        return profiles_->RecordAssessment(request, event);
      });
}

absl::StatusOr<v1::ListAssessmentsResponse> CoreApi::ListAssessments(
    const Call& call, const v1::ListAssessmentsRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPerson));
  return AuditedRead(call, target, profiles_->ListAssessments(request));
}

absl::StatusOr<v1::GapReport> CoreApi::GetGapReport(
    const Call& call, const v1::GetGapReportRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.name(), "name"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPerson));
  return AuditedRead(call, target, profiles_->GetGapReport(request));
}

absl::StatusOr<v1::PersonDataExport> CoreApi::ExportPersonData(
    const Call& call, const v1::ExportPersonDataRequest& request) {
  ASSIGN_OR_RETURN(Target target, PersonTarget(request.name(), "name"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kExportPerson));
  absl::StatusOr<v1::PersonDataExport> result =
      profiles_->ExportPersonData(request);
  if (result.ok()) {
    absl::Status scanned = audit_->ScanAudit(
        target.org, "", absl::UnixEpoch(), absl::InfiniteFuture(),
        [&](const v1::AuditEvent& event) {
          if (event.person() == target.person) {
            *result->add_audit_events() = event;
          }
          return true;
        });
    if (!scanned.ok()) result = scanned;
  }
  return AuditedRead(call, target, std::move(result));
}

absl::StatusOr<v1::ImportRecordsResponse> CoreApi::ImportRecords(
    const Call& call,
    const std::function<bool(v1::ImportRecordsRequest*)>& next) {
  v1::ImportRecordsResponse response;
  v1::ImportRecordsRequest batch;
  std::string parent;
  Target target;
  for (int index = 0;; ++index) {
    // A stream cut by the client ends reads too: either way the batches
    // before stay and nothing of a later one is written.
    const bool more = !(index > 0 && call.cancelled()) && next(&batch);
    if (index > 0 && call.cancelled()) {
      absl::Status cancelled = absl::CancelledError(
          absl::StrCat("the import was cancelled after ", index,
                       " batches; those batches stay written"));
      Log(call, target, cancelled).IgnoreError();
      return cancelled;
    }
    if (!more) break;
    if (index == 0) {
      ASSIGN_OR_RETURN(target, OrgTarget(batch.parent(), "parent"));
      RETURN_IF_ERROR(Admit(call, target, Permission::kManage));
      parent = batch.parent();
    } else if (batch.parent() != parent) {
      absl::Status mixed = absl::InvalidArgumentError(
          absl::StrCat("parent: ", Quote(batch.parent()), " in batch ", index,
                       ", but the stream began with ", Quote(parent),
                       "; one stream imports into one organisation"));
      Log(call, target, mixed).IgnoreError();
      return mixed;
    }
    const int64_t errors_before = response.error_count();
    const v1::ImportMode mode = batch.mode();
    absl::Status status = profiles_->ImportBatch(
        target.org, &batch, index,
        [&](const PersonName& person) {
          return Event(call, Target{person.org, person.Format(), person.person},
                       absl::OkStatus());
        },
        &response);
    if (!status.ok()) {
      Log(call, target, status).IgnoreError();
      return status;
    }
    if (response.error_count() > errors_before) {
      absl::Status rejected = absl::InvalidArgumentError(
          absl::StrCat(response.error_count() - errors_before,
                       " records of batch ", index, " rejected"));
      Log(call, target, rejected).IgnoreError();
      // An all-or-nothing batch that failed ends the import: the batches
      // before stay, nothing after it is read.
      if (mode == v1::ALL_OR_NOTHING) break;
    }
  }
  return response;
}

// ---- Catalogue: not personal data, so authorised but not audited ----

#define VW_CATALOG_CALL(Method, Request, field, permission)            \
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.field, #field));   \
  RETURN_IF_ERROR(Admit(call, target, permission, /*audited=*/false)); \
  return catalog_->Method(request)

absl::StatusOr<v1::TrainingModule> CoreApi::CreateModule(
    const Call& call, const v1::CreateModuleRequest& request) {
  VW_CATALOG_CALL(CreateModule, request, parent(), Permission::kManage);
}
absl::StatusOr<v1::TrainingModule> CoreApi::GetModule(
    const Call& call, const v1::GetCatalogItemRequest& request) {
  VW_CATALOG_CALL(GetModule, request, name(), Permission::kReadCatalog);
}
absl::StatusOr<v1::TrainingModule> CoreApi::UpdateModule(
    const Call& call, const v1::UpdateModuleRequest& request) {
  VW_CATALOG_CALL(UpdateModule, request, module().name(), Permission::kManage);
}
absl::Status CoreApi::DeleteModule(
    const Call& call, const v1::DeleteCatalogItemRequest& request) {
  VW_CATALOG_CALL(DeleteModule, request, name(), Permission::kManage);
}
absl::StatusOr<v1::ListModulesResponse> CoreApi::ListModules(
    const Call& call, const v1::ListCatalogRequest& request) {
  VW_CATALOG_CALL(ListModules, request, parent(), Permission::kReadCatalog);
}
absl::StatusOr<v1::Role> CoreApi::CreateRole(
    const Call& call, const v1::CreateRoleRequest& request) {
  VW_CATALOG_CALL(CreateRole, request, parent(), Permission::kManage);
}
absl::StatusOr<v1::Role> CoreApi::GetRole(
    const Call& call, const v1::GetCatalogItemRequest& request) {
  VW_CATALOG_CALL(GetRole, request, name(), Permission::kReadCatalog);
}
absl::StatusOr<v1::Role> CoreApi::UpdateRole(
    const Call& call, const v1::UpdateRoleRequest& request) {
  VW_CATALOG_CALL(UpdateRole, request, role().name(), Permission::kManage);
}
absl::Status CoreApi::DeleteRole(const Call& call,
                                 const v1::DeleteCatalogItemRequest& request) {
  VW_CATALOG_CALL(DeleteRole, request, name(), Permission::kManage);
}
absl::StatusOr<v1::ListRolesResponse> CoreApi::ListRoles(
    const Call& call, const v1::ListCatalogRequest& request) {
  VW_CATALOG_CALL(ListRoles, request, parent(), Permission::kReadCatalog);
}
absl::StatusOr<v1::ClientCase> CoreApi::CreateCase(
    const Call& call, const v1::CreateCaseRequest& request) {
  VW_CATALOG_CALL(CreateCase, request, parent(), Permission::kManage);
}
absl::StatusOr<v1::ClientCase> CoreApi::GetCase(
    const Call& call, const v1::GetCatalogItemRequest& request) {
  VW_CATALOG_CALL(GetCase, request, name(), Permission::kReadPeople);
}
absl::StatusOr<v1::ClientCase> CoreApi::UpdateCase(
    const Call& call, const v1::UpdateCaseRequest& request) {
  VW_CATALOG_CALL(UpdateCase, request, case_().name(), Permission::kManage);
}
absl::Status CoreApi::DeleteCase(const Call& call,
                                 const v1::DeleteCatalogItemRequest& request) {
  VW_CATALOG_CALL(DeleteCase, request, name(), Permission::kManage);
}
absl::StatusOr<v1::ListCasesResponse> CoreApi::ListCases(
    const Call& call, const v1::ListCatalogRequest& request) {
  VW_CATALOG_CALL(ListCases, request, parent(), Permission::kReadPeople);
}

#undef VW_CATALOG_CALL

// ---- Matches ----

v1::ListMatchersResponse CoreApi::ListMatchers(const Call&) const {
  return match_->ListMatchers();
}

void CoreApi::Redact(const Call& call, v1::MatchResponse* response) const {
  if (options_.self_sees_peer_detail || !IsSelfOnly(call.principal)) return;
  const std::string own =
      PersonName{call.principal.organization, call.principal.person}.Format();
  auto other_person = [&](absl::string_view text) {
    return absl::StrContains(text, "/people/") && !absl::StartsWith(text, own);
  };
  bool withheld = false;
  for (v1::MatchItem& item : *response->mutable_items()) {
    if (!other_person(item.name())) continue;
    item.set_score(0);
    item.clear_explanation();
    item.clear_contributions();
    item.clear_unmet();
    withheld = true;
  }
  auto* excluded = response->mutable_excluded();
  for (int i = excluded->size() - 1; i >= 0; --i) {
    if (other_person(excluded->Get(i))) {
      excluded->DeleteSubrange(i, 1);
      withheld = true;
    }
  }
  if (withheld) {
    response->set_summary(
        "Scores, explanations and reasons about other people are withheld "
        "for a caller with role self; their names are shown in rank order.");
  }
}

absl::StatusOr<v1::MatchResponse> CoreApi::Match(
    const Call& call, const v1::MatchRequest& request) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  Permission permission = Permission::kReadPeople;
  if (std::string person = PersonIn(request.subject(), target.org);
      !person.empty()) {
    target.person = person;
    target.resource = request.subject();
    permission = Permission::kReadPerson;
  }
  RETURN_IF_ERROR(Admit(call, target, permission));
  v1::MatchRequest stamped = request;
  if (stamped.request_id().empty()) stamped.set_request_id(call.request_id);
  absl::StatusOr<v1::MatchResponse> result =
      match_->Match(stamped, call.cancelled);
  if (result.ok()) Redact(call, &*result);
  return AuditedRead(call, target, std::move(result));
}

absl::Status CoreApi::BatchMatch(
    const Call& call, const v1::BatchMatchRequest& request,
    const std::function<bool(const v1::BatchMatchResponse&)>& emit) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  // One person named, perhaps more than once: that person's grant serves.
  Permission permission = Permission::kReadPeople;
  if (!request.subjects().empty()) {
    std::string person = PersonIn(request.subjects(0), target.org);
    for (const std::string& subject : request.subjects()) {
      if (PersonIn(subject, target.org) != person) person.clear();
    }
    if (!person.empty()) {
      target.person = person;
      target.resource = request.subjects(0);
      permission = Permission::kReadPerson;
    }
  }
  RETURN_IF_ERROR(Admit(call, target, permission));
  absl::Status status = match_->BatchMatch(
      request,
      [&](const v1::BatchMatchResponse& part) {
        if (!part.has_response()) return emit(part);
        v1::BatchMatchResponse redacted = part;
        Redact(call, redacted.mutable_response());
        return emit(redacted);
      },
      call.cancelled);
  RETURN_IF_ERROR(Log(call, target, status));
  return status;
}

// ---- Teams: results over many people ----

absl::Status CoreApi::ScoreTeam(
    const Call& call, const v1::ScoreTeamRequest& request,
    const std::function<bool(const v1::ScoreTeamResponse&)>& emit) {
  ASSIGN_OR_RETURN(Target target,
                   OrgTarget(request.selector().parent(), "selector.parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPeople));
  absl::Status status = team_->ScoreTeam(request, emit);
  RETURN_IF_ERROR(Log(call, target, status));
  return status;
}

absl::StatusOr<v1::MentorAssignment> CoreApi::AssignMentors(
    const Call& call, const v1::AssignMentorsRequest& request) {
  ASSIGN_OR_RETURN(Target target,
                   OrgTarget(request.mentees().parent(), "mentees.parent"));
  if (!request.mentors().parent().empty()) {
    ASSIGN_OR_RETURN(std::string mentors_org,
                     OrgOf(request.mentors().parent(), "mentors.parent"));
    if (mentors_org != target.org) {
      return absl::InvalidArgumentError(
          "mentors.parent: must be empty or equal mentees.parent");
    }
  }
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPeople));
  return AuditedRead(call, target,
                     team_->AssignMentors(request, call.cancelled));
}

absl::StatusOr<v1::CaseStaffing> CoreApi::StaffCases(
    const Call& call, const v1::StaffCasesRequest& request) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPeople));
  return AuditedRead(call, target, team_->StaffCases(request, call.cancelled));
}

absl::StatusOr<v1::TeamTrainingPlan> CoreApi::PlanTeamTraining(
    const Call& call, const v1::PlanTeamTrainingRequest& request) {
  ASSIGN_OR_RETURN(Target target,
                   OrgTarget(request.selector().parent(), "selector.parent"));
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadPeople));
  return AuditedRead(call, target,
                     team_->PlanTeamTraining(request, call.cancelled));
}

// ---- Audit trail ----

absl::StatusOr<v1::ListAuditEventsResponse> CoreApi::ListAuditEvents(
    const Call& call, const v1::ListAuditEventsRequest& request) {
  ASSIGN_OR_RETURN(Target target, OrgTarget(request.parent(), "parent"));
  RETURN_IF_ERROR(ParseOrganizationName(request.parent(), "parent").status());
  RETURN_IF_ERROR(Admit(call, target, Permission::kReadAudit));
  if (!request.person().empty()) {
    RETURN_IF_ERROR(ValidateId(request.person(), "person"));
  }
  int page_size = request.page_size();
  if (page_size < 0 || page_size > options_.max_audit_page_size) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must lie in 0..",
                                                   options_.max_audit_page_size,
                                                   ", got ", page_size));
  }
  if (page_size == 0) page_size = options_.default_audit_page_size;
  absl::Time start = request.has_start_time() ? FromProto(request.start_time())
                                              : absl::UnixEpoch();
  absl::Time end = request.has_end_time() ? FromProto(request.end_time())
                                          : absl::InfiniteFuture();
  if (end < start) {
    return absl::InvalidArgumentError(
        "end_time: must not lie before start_time");
  }
  const std::string listing = absl::StrCat(
      request.parent(), "\n", request.person(), "\n", request.caller(), "\n",
      absl::FormatTime(start), "\n", absl::FormatTime(end));
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), listing));

  v1::ListAuditEventsResponse response;
  bool more = false;
  absl::Status scanned = audit_->ScanAudit(
      target.org, after, start, end, [&](const v1::AuditEvent& event) {
        if (!request.person().empty() && event.person() != request.person()) {
          return true;
        }
        if (!request.caller().empty() && event.caller() != request.caller()) {
          return true;
        }
        if (response.events_size() == page_size) {
          more = true;
          return false;
        }
        *response.add_events() = event;
        return true;
      });
  if (scanned.ok() && more) {
    const std::string& last = response.events(page_size - 1).name();
    response.set_next_page_token(
        EncodePageToken(last.substr(last.rfind('/') + 1), listing));
  }
  return AuditedRead(call, target, WithStatus(scanned, std::move(response)));
}

}  // namespace vakwijzer::core
