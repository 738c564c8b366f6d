#include "services/core/demo_loader.h"

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/core/text_io.h"
#include "vakwijzer/v1/import.pb.h"

namespace vakwijzer::core {
namespace {

absl::Status InFile(const std::string& path, absl::string_view where,
                    const absl::Status& s) {
  return absl::Status(s.code(),
                      absl::StrCat(path, ": ", where, ": ", s.message()));
}

}  // namespace

absl::StatusOr<LoadStats> LoadBundleFile(const std::string& path,
                                         ProfileManager* manager) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  v1::ImportBundle bundle;
  RETURN_IF_ERROR(ParseTextProto(text, path, &bundle));
  const std::string parent = OrganizationName(bundle.organization());
  LoadStats stats;
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
    ++stats.people;
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
      ++stats.assessments;
    }
  }
  return stats;
}

}  // namespace vakwijzer::core
