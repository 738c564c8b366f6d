#include "services/core/demo_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(errno)));
}

// fsync of the folder holding `path`, so that creating or removing the file
// is durable.
absl::Status SyncFolder(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoError("open", dir);
  absl::Status status =
      ::fsync(fd) == 0 ? absl::OkStatus() : ErrnoError("sync", dir);
  ::close(fd);
  return status;
}

absl::Status CreateMarker(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoError("create", path);
  static constexpr char kText[] =
      "Demo or seed data is being loaded. While this file exists the next "
      "start erases that data and loads it again.\n";
  absl::Status status = ::write(fd, kText, sizeof kText - 1) ==
                                    static_cast<ssize_t>(sizeof kText - 1) &&
                                ::fsync(fd) == 0
                            ? absl::OkStatus()
                            : ErrnoError("write", path);
  ::close(fd);
  RETURN_IF_ERROR(status);
  return SyncFolder(path);
}

// The organisations the bundles name (without loading them).
absl::StatusOr<std::set<std::string>> BundleOrganizations(
    const std::string& people_file, const std::string& catalog_file) {
  std::set<std::string> orgs;
  ASSIGN_OR_RETURN(std::string people_text, framework::ReadFile(people_file));
  v1::ImportBundle people;
  RETURN_IF_ERROR(framework::ParseTextProto(people_text, people_file, &people));
  orgs.insert(people.organization());
  if (!catalog_file.empty()) {
    ASSIGN_OR_RETURN(std::string catalog_text,
                     framework::ReadFile(catalog_file));
    v1::CatalogBundle items;
    RETURN_IF_ERROR(
        framework::ParseTextProto(catalog_text, catalog_file, &items));
    orgs.insert(items.organization());
  }
  return orgs;
}

}  // namespace

absl::StatusOr<std::optional<LoadStats>> LoadBundlesOnce(
    const std::string& people_file, const std::string& catalog_file,
    const std::string& marker, ProfileManager* profiles,
    CatalogManager* catalog, storage::ProfileStore* store) {
  if (::access(marker.c_str(), F_OK) == 0) {
    ASSIGN_OR_RETURN(std::set<std::string> orgs,
                     BundleOrganizations(people_file, catalog_file));
    for (const std::string& org : orgs) {
      if (ValidateId(org, "organization").ok()) {
        RETURN_IF_ERROR(store->DeleteOrganization(org));
      }
    }
  } else {
    ASSIGN_OR_RETURN(bool empty, store->IsEmpty());
    if (!empty) return std::nullopt;
    RETURN_IF_ERROR(CreateMarker(marker));
  }
  ASSIGN_OR_RETURN(LoadStats stats, LoadBundles(people_file, catalog_file,
                                                profiles, catalog, store));
  if (::unlink(marker.c_str()) != 0) return ErrnoError("remove", marker);
  RETURN_IF_ERROR(SyncFolder(marker));
  return stats;
}

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
