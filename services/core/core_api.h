// The core's one entry point for every transport (gRPC today, HTTP later):
// each call names its principal, is authorised against the organisation
// and person it names (services/core/access.h) before anything is read,
// and every access to a person's data leaves an event in the audit trail
// — in the same write batch as the change it records, where there is one.
// The managers behind it do the work; nothing else should call them on a
// caller's behalf.
#ifndef VAKWIJZER_SERVICES_CORE_CORE_API_H_
#define VAKWIJZER_SERVICES_CORE_CORE_API_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/principal.h"
#include "services/core/access.h"
#include "services/core/catalog_manager.h"
#include "services/core/match_manager.h"
#include "services/core/profile_manager.h"
#include "services/core/team_manager.h"
#include "storage/audit_store.h"
#include "vakwijzer/v1/service.pb.h"

namespace vakwijzer::core {

// One call: who makes it, and how the audit trail names it.
struct Call {
  Principal principal;
  // The full method name, e.g. "/vakwijzer.v1.ProfileService/GetProfile".
  std::string method;
  std::string request_id;
  // Whether the caller gave up (long calls stop early).
  std::function<bool()> cancelled = [] { return false; };
};

struct CoreApiOptions {
  // Whether a caller whose only role is self sees other people's scores,
  // explanations and exclusion reasons in its match results (mentors,
  // say). By default it sees their names and ids only, never anything
  // derived from their levels.
  bool self_sees_peer_detail = false;
  int default_audit_page_size = 50;
  int max_audit_page_size = 1000;
};

// Thread-safe. PERMISSION_DENIED (access.h) before any other error about
// the named resources; INVALID_ARGUMENT when the organisation or person
// cannot be read from the request; then the managers' own errors. Refused
// and failed calls on personal data are audited with their outcome. When
// the audit trail cannot be written, a read returns UNAVAILABLE instead of
// the data.
class CoreApi {
 public:
  // Pointers must outlive the object.
  CoreApi(ProfileManager* profiles, CatalogManager* catalog,
          const MatchManager* match, const TeamManager* team,
          storage::AuditStore* audit, CoreApiOptions options = {},
          std::function<absl::Time()> clock = absl::Now);

  absl::StatusOr<v1::Profile> CreateProfile(
      const Call& call, const v1::CreateProfileRequest& request);
  absl::StatusOr<v1::Profile> GetProfile(const Call& call,
                                         const v1::GetProfileRequest& request);
  absl::StatusOr<v1::Profile> UpdateProfile(
      const Call& call, const v1::UpdateProfileRequest& request);
  absl::Status DeleteProfile(const Call& call,
                             const v1::DeleteProfileRequest& request);
  absl::StatusOr<v1::ListProfilesResponse> ListProfiles(
      const Call& call, const v1::ListProfilesRequest& request);
  // A caller with role self (and neither assessor nor admin) records only
  // self ratings on their own person.
  absl::StatusOr<v1::Assessment> RecordAssessment(
      const Call& call, const v1::RecordAssessmentRequest& request);
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const Call& call, const v1::ListAssessmentsRequest& request);
  absl::StatusOr<v1::GapReport> GetGapReport(
      const Call& call, const v1::GetGapReportRequest& request);
  // The profile, every assessment and every audit event about the person.
  absl::StatusOr<v1::PersonDataExport> ExportPersonData(
      const Call& call, const v1::ExportPersonDataRequest& request);
  // Bulk import: `next` fills the next batch and returns false at the end
  // of the stream. Needs kManage (admin) in the first batch's parent, which
  // every batch must repeat. Each batch is written (or rejected) before the
  // next is read, with one audit event per person written; a batch with
  // rejected records also leaves one event for the organisation (outcome
  // INVALID_ARGUMENT). A rejected ALL_OR_NOTHING batch ends the import: the
  // answer is OK with its errors, and later batches are not read. Between
  // batches a cancelled call stops with CANCELLED; the batches before stay.
  // A stream without batches is OK and does nothing.
  absl::StatusOr<v1::ImportRecordsResponse> ImportRecords(
      const Call& call,
      const std::function<bool(v1::ImportRecordsRequest*)>& next);

  absl::StatusOr<v1::TrainingModule> CreateModule(
      const Call& call, const v1::CreateModuleRequest& request);
  absl::StatusOr<v1::TrainingModule> GetModule(
      const Call& call, const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::TrainingModule> UpdateModule(
      const Call& call, const v1::UpdateModuleRequest& request);
  absl::Status DeleteModule(const Call& call,
                            const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListModulesResponse> ListModules(
      const Call& call, const v1::ListCatalogRequest& request);
  absl::StatusOr<v1::Role> CreateRole(const Call& call,
                                      const v1::CreateRoleRequest& request);
  absl::StatusOr<v1::Role> GetRole(const Call& call,
                                   const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::Role> UpdateRole(const Call& call,
                                      const v1::UpdateRoleRequest& request);
  absl::Status DeleteRole(const Call& call,
                          const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListRolesResponse> ListRoles(
      const Call& call, const v1::ListCatalogRequest& request);
  // Client cases are read by readers (they describe whom a case needs),
  // not by self.
  absl::StatusOr<v1::ClientCase> CreateCase(
      const Call& call, const v1::CreateCaseRequest& request);
  absl::StatusOr<v1::ClientCase> GetCase(
      const Call& call, const v1::GetCatalogItemRequest& request);
  absl::StatusOr<v1::ClientCase> UpdateCase(
      const Call& call, const v1::UpdateCaseRequest& request);
  absl::Status DeleteCase(const Call& call,
                          const v1::DeleteCatalogItemRequest& request);
  absl::StatusOr<v1::ListCasesResponse> ListCases(
      const Call& call, const v1::ListCatalogRequest& request);

  // Open to every authenticated caller: it holds no personal data.
  v1::ListMatchersResponse ListMatchers(const Call& call) const;
  // A person subject needs kReadPerson on them; any other subject (a role
  // or case, whose results rank people) kReadPeople.
  absl::StatusOr<v1::MatchResponse> Match(const Call& call,
                                          const v1::MatchRequest& request);
  // kReadPeople, or kReadPerson when every subject named is that person.
  absl::Status BatchMatch(
      const Call& call, const v1::BatchMatchRequest& request,
      const std::function<bool(const v1::BatchMatchResponse&)>& emit);

  absl::Status ScoreTeam(
      const Call& call, const v1::ScoreTeamRequest& request,
      const std::function<bool(const v1::ScoreTeamResponse&)>& emit);
  absl::StatusOr<v1::MentorAssignment> AssignMentors(
      const Call& call, const v1::AssignMentorsRequest& request);
  absl::StatusOr<v1::CaseStaffing> StaffCases(
      const Call& call, const v1::StaffCasesRequest& request);
  absl::StatusOr<v1::TeamTrainingPlan> PlanTeamTraining(
      const Call& call, const v1::PlanTeamTrainingRequest& request);

  // Oldest first; page tokens as elsewhere (AIP-158).
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const Call& call, const v1::ListAuditEventsRequest& request);

  // What a call is about: its organisation, and for the audit trail the
  // resource and person (empty for organisation-wide calls).
  struct Target {
    std::string org;
    std::string resource;
    std::string person;
  };

 private:
  // Authorises; a refusal is audited when `audited`.
  absl::Status Admit(const Call& call, const Target& target,
                     Permission permission, bool audited = true);
  v1::AuditEvent Event(const Call& call, const Target& target,
                       const absl::Status& outcome) const;
  // Appends the event of a call that wrote nothing (a read, a refusal or a
  // failed write).
  absl::Status Log(const Call& call, const Target& target,
                   const absl::Status& outcome);
  // Audits a read: its result, or UNAVAILABLE when the event cannot be
  // stored.
  template <typename T>
  absl::StatusOr<T> AuditedRead(const Call& call, const Target& target,
                                absl::StatusOr<T> result);
  // Runs a write whose success event goes into its own batch; a failure is
  // logged apart.
  template <typename T, typename Op>
  T AuditedWrite(const Call& call, const Target& target, Op op);
  // Withholds what a self-only caller may not see of other people.
  void Redact(const Call& call, v1::MatchResponse* response) const;

  ProfileManager* profiles_;
  CatalogManager* catalog_;
  const MatchManager* match_;
  const TeamManager* team_;
  storage::AuditStore* audit_;
  const CoreApiOptions options_;
  const std::function<absl::Time()> clock_;
};

}  // namespace vakwijzer::core

#endif  // VAKWIJZER_SERVICES_CORE_CORE_API_H_
