#include "plugins/external/external_matcher.h"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "plugins/api/params.h"
#include "plugins/external/vakwijzer_plugin.h"

namespace vakwijzer::plugins {
namespace {

namespace fs = std::filesystem;

// The entry points of one loaded plugin.
struct PluginApi {
  VwErrorCodeFn error_code = nullptr;
  VwErrorMessageFn error_message = nullptr;
  VwErrorDeleteFn error_delete = nullptr;
  VakwijzerPluginAbiVersionFn abi_version = nullptr;
  VakwijzerPluginInfoFn info = nullptr;
  VakwijzerPluginMatchFn match = nullptr;
  VakwijzerPluginFreeFn free = nullptr;
};

// Owns a dlopen handle.
class Library {
 public:
  explicit Library(void* handle) : handle_(handle) {}
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  ~Library() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  void* get() const { return handle_; }

 private:
  void* handle_;
};

template <typename Fn>
absl::Status Resolve(const Library& library, const std::string& path,
                     const char* symbol, Fn* fn) {
  void* address = dlsym(library.get(), symbol);
  if (address == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": missing symbol ", symbol));
  }
  *fn = reinterpret_cast<Fn>(address);
  return absl::OkStatus();
}

// Turns a plugin's error into a Status (and releases the error).
absl::Status TakeError(const PluginApi& api, VwError* error,
                       absl::string_view prefix) {
  const uint32_t code = api.error_code(error);
  const char* message = api.error_message(error);
  absl::Status status(
      code >= 1 && code <= 16 ? static_cast<absl::StatusCode>(code)
                              : absl::StatusCode::kUnknown,
      absl::StrCat(prefix, message != nullptr ? message : "(no message)"));
  api.error_delete(error);
  return status;
}

// A buffer the plugin returned, released with its VakwijzerPluginFree.
class PluginBuffer {
 public:
  explicit PluginBuffer(const PluginApi& api) : api_(api) {}
  PluginBuffer(const PluginBuffer&) = delete;
  PluginBuffer& operator=(const PluginBuffer&) = delete;
  ~PluginBuffer() { api_.free(data_); }

  uint8_t** data() { return &data_; }
  size_t* size() { return &size_; }

  // Parses the buffer into `message`; false when it is not one.
  bool ParseInto(google::protobuf::MessageLite* message) const {
    if (size_ > static_cast<size_t>(INT_MAX)) return false;
    if (data_ == nullptr) return size_ == 0 && message->ParseFromString("");
    return message->ParseFromArray(data_, static_cast<int>(size_));
  }

 private:
  const PluginApi& api_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

std::string AbiText(uint32_t version) {
  return absl::StrCat(version >> 16, ".", version & 0xffff);
}

// The shortest text that reads back as `value`.
std::string NumberText(double value) {
  for (int precision = 1; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, value);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

// A parameter's effective value as text (see ExternalMatchInput).
std::string ParameterText(const Params& params, const v1::ParameterSpec& spec) {
  const std::string& name = spec.name();
  if (!params.Has(name)) return "";
  switch (spec.type()) {
    case v1::ParameterSpec::NUMBER:
      return NumberText(params.Number(name));
    case v1::ParameterSpec::INTEGER:
      return absl::StrCat(params.Integer(name));
    case v1::ParameterSpec::BOOLEAN:
      return params.Bool(name) ? "true" : "false";
    case v1::ParameterSpec::STRING:
      return params.String(name);
    case v1::ParameterSpec::STRING_LIST:
      return absl::StrJoin(params.List(name), ",");
    default:
      return "";
  }
}

// The framework named by a role's or case's `framework` field, if known.
const framework::FrameworkIndex* NamedFramework(
    const framework::FrameworkRegistry& frameworks, const std::string& name) {
  if (name.empty()) return nullptr;
  absl::StatusOr<std::string> id = ParseFrameworkName(name, "framework");
  return id.ok() ? frameworks.Find(*id) : nullptr;
}

// The framework of the request's subject, when the subject tells it.
const framework::FrameworkIndex* SubjectFramework(const MatchInput& input) {
  const std::string& subject = input.request.subject();
  absl::StatusOr<PersonName> person = ParsePersonName(subject, "subject");
  if (person.ok()) {
    const PersonView* view = person->org == input.org.org
                                 ? input.org.FindPerson(person->person)
                                 : nullptr;
    return view != nullptr ? view->framework : nullptr;
  }
  if (const v1::Role* role = input.org.FindRole(subject)) {
    return NamedFramework(input.frameworks, role->framework());
  }
  if (const v1::ClientCase* c = input.org.FindCase(subject)) {
    return NamedFramework(input.frameworks, c->framework());
  }
  return nullptr;
}

class ExternalMatcher final : public Matcher {
 public:
  ExternalMatcher(std::unique_ptr<Library> library, PluginApi api,
                  v1::MatcherInfo info)
      : library_(std::move(library)), api_(api), info_(std::move(info)) {}

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override;

 private:
  bool Cancelled(const MatchInput& input) const {
    return input.cancelled && input.cancelled();
  }

  std::unique_ptr<Library> library_;
  PluginApi api_;
  v1::MatcherInfo info_;
};

absl::StatusOr<v1::MatchResponse> ExternalMatcher::Match(
    const MatchInput& input) const {
  const std::string prefix = absl::StrCat("plugin ", info_.name(), ": ");
  if (Cancelled(input)) return absl::CancelledError("match cancelled");
  std::string in;
  {
    v1::ExternalMatchInput message =
        MakeExternalMatchInput(input, info_.parameters());
    if (message.ByteSizeLong() > static_cast<size_t>(INT_MAX)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          prefix, "the organisation is too large to hand to a plugin (over ",
          INT_MAX, " bytes serialized)"));
    }
    if (!message.SerializeToString(&in)) {
      return absl::InternalError(
          absl::StrCat(prefix, "cannot serialize the match input"));
    }
  }
  PluginBuffer out(api_);
  if (VwError* error = api_.match(reinterpret_cast<const uint8_t*>(in.data()),
                                  in.size(), out.data(), out.size())) {
    return TakeError(api_, error, prefix);
  }
  v1::MatchResponse response;
  if (!out.ParseInto(&response)) {
    return absl::InternalError(
        absl::StrCat(prefix, "its result (", *out.size(),
                     " bytes) is not a serialized vakwijzer.v1.MatchResponse"));
  }
  if (Cancelled(input)) return absl::CancelledError("match cancelled");
  const int page_size =
      input.request.page_size() > 0 ? input.request.page_size() : 10;
  if (response.items_size() > page_size) {
    response.mutable_items()->DeleteSubrange(page_size,
                                             response.items_size() - page_size);
  }
  return response;
}

}  // namespace

v1::ExternalMatchInput MakeExternalMatchInput(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs) {
  v1::ExternalMatchInput out;
  *out.mutable_request() = input.request;
  for (const v1::ParameterSpec& spec : specs) {
    (*out.mutable_parameters())[spec.name()] =
        ParameterText(input.params, spec);
  }

  const framework::FrameworkIndex* subject_framework = SubjectFramework(input);
  std::map<std::string, const framework::FrameworkIndex*> frameworks;
  if (subject_framework != nullptr) {
    frameworks[subject_framework->id()] = subject_framework;
  }
  for (const auto& person : input.org.people) {
    const framework::FrameworkIndex* framework = person->framework;
    if (subject_framework != nullptr &&
        (framework == nullptr || framework->id() != subject_framework->id())) {
      continue;
    }
    v1::SnapshotPerson* p = out.add_people();
    p->set_id(person->id);
    p->set_display_name(person->display_name);
    if (framework != nullptr) {
      p->set_framework(FrameworkName(framework->id()));
      frameworks.emplace(framework->id(), framework);
    }
    p->set_track(person->track);
    p->set_target_level(person->target_level);
    for (const std::string& team : person->teams) p->add_teams(team);
    p->set_role(person->role);
    for (const std::string& language : person->languages) {
      p->add_languages(language);
    }
    p->set_region(person->region);
    p->set_mentoring_capacity(person->mentoring_capacity);
    p->set_caseload_capacity(person->caseload_capacity);
    p->set_current_caseload(person->current_caseload);
    for (const std::string& module : person->completed_modules) {
      p->add_completed_modules(module);
    }
    p->mutable_levels()->Add(person->levels.begin(), person->levels.end());
  }
  for (const auto& [id, framework] : frameworks) {
    v1::Framework* f = out.add_frameworks();
    *f = framework->proto();
    f->set_name(FrameworkName(id));
  }

  for (const v1::TrainingModule& module : input.org.modules) {
    *out.add_modules() = module;
  }
  for (const v1::Role& role : input.org.roles) *out.add_roles() = role;
  for (const v1::ClientCase& c : input.org.cases) *out.add_cases() = c;
  return out;
}

absl::StatusOr<std::unique_ptr<Matcher>> LoadExternalMatcher(
    const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  // A path without a slash would make dlopen search the library path.
  std::string absolute = fs::absolute(path, ec).string();
  if (ec || absolute.empty()) {
    absolute = path.find('/') == std::string::npos ? "./" + path : path;
  }
  dlerror();
  auto library = std::make_unique<Library>(
      dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (library->get() == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": cannot load: ", why != nullptr ? why : "unknown error"));
  }

  PluginApi api;
  RETURN_IF_ERROR(
      Resolve(*library, path, "VakwijzerPluginAbiVersion", &api.abi_version));
  // Checked before the other symbols: another major version may well have
  // other entry points, and the version is the clearer message.
  const uint32_t version = api.abi_version();
  if ((version >> 16) != VAKWIJZER_PLUGIN_ABI_MAJOR) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": plugin ABI ", AbiText(version), ", host ABI ",
                     AbiText(VAKWIJZER_PLUGIN_ABI_VERSION)));
  }
  RETURN_IF_ERROR(Resolve(*library, path, "VwErrorCode", &api.error_code));
  RETURN_IF_ERROR(
      Resolve(*library, path, "VwErrorMessage", &api.error_message));
  RETURN_IF_ERROR(Resolve(*library, path, "VwErrorDelete", &api.error_delete));
  RETURN_IF_ERROR(Resolve(*library, path, "VakwijzerPluginInfo", &api.info));
  RETURN_IF_ERROR(Resolve(*library, path, "VakwijzerPluginMatch", &api.match));
  RETURN_IF_ERROR(Resolve(*library, path, "VakwijzerPluginFree", &api.free));

  v1::MatcherInfo info;
  {
    PluginBuffer out(api);
    if (VwError* error = api.info(out.data(), out.size())) {
      return TakeError(api, error,
                       absl::StrCat(path, ": VakwijzerPluginInfo failed: "));
    }
    if (!out.ParseInto(&info)) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": VakwijzerPluginInfo returned ", *out.size(),
          " bytes that are not a serialized vakwijzer.v1.MatcherInfo"));
    }
  }
  if (info.name().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the plugin's MatcherInfo has no name"));
  }
  // Catches parameter specs whose own defaults do not pass.
  if (absl::StatusOr<Params> defaults =
          Params::Parse(info.parameters(), {}, {});
      !defaults.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": matcher ", info.name(),
        " declares a bad parameter: ", defaults.status().message()));
  }
  info.set_external(true);
  info.set_source(path);
  return std::unique_ptr<Matcher>(
      new ExternalMatcher(std::move(library), api, std::move(info)));
}

std::vector<std::string> LoadPluginDirectory(const std::string& dir,
                                             MatcherRegistry* registry) {
  std::vector<std::string> warnings;
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    warnings.push_back(absl::StrCat("plugin directory ", dir,
                                    " cannot be read: ", ec.message()));
    return warnings;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".so" && it->is_regular_file(ec)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    warnings.push_back(absl::StrCat("plugin directory ", dir,
                                    " cannot be read: ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    absl::StatusOr<std::unique_ptr<Matcher>> matcher =
        LoadExternalMatcher(file);
    if (!matcher.ok()) {
      warnings.push_back(
          absl::StrCat("skipped plugin ", matcher.status().message()));
      continue;
    }
    if (absl::Status added = registry->Add(*std::move(matcher)); !added.ok()) {
      warnings.push_back(
          absl::StrCat("skipped plugin ", file, ": ", added.message()));
    }
  }
  return warnings;
}

}  // namespace vakwijzer::plugins
