#include "services/core/demo_loader.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "framework/text_io.h"
#include "vakwijzer/v1/import.pb.h"

namespace vakwijzer::core {
namespace {

absl::Status InFile(const std::string& path, absl::string_view where,
                    const absl::Status& s) {
  return absl::Status(s.code(),
                      absl::StrCat(path, ": ", where, ": ", s.message()));
}

absl::Status LoadPeople(const v1::ImportBundle& bundle, const std::string& path,
                        ProfileManager* manager, LoadStats* stats) {
  const std::string parent = OrganizationName(bundle.organization());
  for (const v1::ImportPerson& person : bundle.people()) {
    v1::CreateProfileRequest create;
    create.set_parent(parent);
    create.set_profile_id(person.id());
    *create.mutable_profile() = person.profile();
    absl::StatusOr<v1::Profile> profile = manager->CreateProfile(create);
    if (!profile.ok()) {
      return InFile(path, absl::StrCat("person ", person.id()),
                    profile.status());
    }
    ++stats->people;
    for (int i = 0; i < person.assessments_size(); ++i) {
      v1::RecordAssessmentRequest record;
      record.set_parent(profile->name());
      *record.mutable_assessment() = person.assessments(i);
      absl::StatusOr<v1::Assessment> a = manager->RecordAssessment(record);
      if (!a.ok()) {
        return InFile(
            path, absl::StrCat("person ", person.id(), " assessments[", i, "]"),
            a.status());
      }
      ++stats->assessments;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadStats> LoadBundles(const std::string& people_file,
                                      const std::string& catalog_file,
                                      ProfileManager* profiles,
                                      CatalogManager* catalog,
                                      storage::ProfileStore* store) {
  ASSIGN_OR_RETURN(std::string people_text, framework::ReadFile(people_file));
  v1::ImportBundle people;
  RETURN_IF_ERROR(framework::ParseTextProto(people_text, people_file, &people));
  v1::CatalogBundle items;
  if (!catalog_file.empty()) {
    ASSIGN_OR_RETURN(std::string catalog_text,
                     framework::ReadFile(catalog_file));
    RETURN_IF_ERROR(
        framework::ParseTextProto(catalog_text, catalog_file, &items));
  }
  RETURN_IF_ERROR(ValidateId(people.organization(),
                             absl::StrCat(people_file, ": organization")));

  LoadStats stats;
  absl::Status status = LoadPeople(people, people_file, profiles, &stats);
  if (status.ok() && !catalog_file.empty()) {
    status = catalog->LoadBundle(items);
    if (!status.ok()) status = InFile(catalog_file, "catalogue", status);
    stats.catalog_items =
        items.modules_size() + items.roles_size() + items.cases_size();
  }
  if (!status.ok()) {
    // Leave no half-loaded organisation behind.
    std::set<std::string> orgs = {people.organization()};
    if (!items.organization().empty()) orgs.insert(items.organization());
    for (const std::string& org : orgs) {
      if (ValidateId(org, "organization").ok()) {
        (void)store->DeleteOrganization(org);
      }
    }
    return status;
  }
  return stats;
}

}  // namespace vakwijzer::core
