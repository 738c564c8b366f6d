#include "plugins/external/plugin_library.h"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "plugins/api/params.h"
#include "plugins/external/vakwijzer_plugin.h"

namespace vakwijzer::plugins {

// The entry points of the loaded plugin.
struct PluginLibrary::Api {
  VwErrorCodeFn error_code = nullptr;
  VwErrorMessageFn error_message = nullptr;
  VwErrorDeleteFn error_delete = nullptr;
  VakwijzerPluginAbiVersionFn abi_version = nullptr;
  VakwijzerPluginInfoFn info = nullptr;
  VakwijzerPluginMatchFn match = nullptr;
  VakwijzerPluginMatchPartsFn match_parts = nullptr;  // optional (1.1)
  VakwijzerPluginFreeFn free = nullptr;
};

namespace {

namespace fs = std::filesystem;
using Api = PluginLibrary::Api;

// Owns a dlopen handle until released.
class Handle {
 public:
  explicit Handle(void* handle) : handle_(handle) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  void* get() const { return handle_; }
  void* release() { return std::exchange(handle_, nullptr); }

 private:
  void* handle_;
};

template <typename Fn>
absl::Status Resolve(const Handle& handle, const std::string& path,
                     const char* symbol, Fn* fn) {
  void* address = dlsym(handle.get(), symbol);
  if (address == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": missing symbol ", symbol));
  }
  *fn = reinterpret_cast<Fn>(address);
  return absl::OkStatus();
}

// Turns a plugin's error into a Status (and releases the error).
absl::Status TakeError(const Api& api, VwError* error,
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
  explicit PluginBuffer(const Api& api) : api_(api) {}
  PluginBuffer(const PluginBuffer&) = delete;
  PluginBuffer& operator=(const PluginBuffer&) = delete;
  ~PluginBuffer() { api_.free(data_); }

  uint8_t** data() { return &data_; }
  size_t* size() { return &size_; }
  absl::string_view view() const {
    return data_ == nullptr
               ? absl::string_view()
               : absl::string_view(reinterpret_cast<const char*>(data_), size_);
  }

 private:
  const Api& api_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

std::string AbiText(uint32_t version) {
  return absl::StrCat(version >> 16, ".", version & 0xffff);
}

}  // namespace

PluginLibrary::PluginLibrary(void* handle, std::unique_ptr<Api> api)
    : handle_(handle), api_(std::move(api)) {}

PluginLibrary::~PluginLibrary() { dlclose(handle_); }

absl::StatusOr<std::unique_ptr<PluginLibrary>> PluginLibrary::Load(
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
  Handle handle(dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (handle.get() == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": cannot load: ", why != nullptr ? why : "unknown error"));
  }

  auto api = std::make_unique<Api>();
  RETURN_IF_ERROR(
      Resolve(handle, path, "VakwijzerPluginAbiVersion", &api->abi_version));
  // Checked before the other symbols: another major version may well have
  // other entry points, and the version is the clearer message.
  const uint32_t version = api->abi_version();
  if ((version >> 16) != VAKWIJZER_PLUGIN_ABI_MAJOR) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": plugin ABI ", AbiText(version), ", host ABI ",
                     AbiText(VAKWIJZER_PLUGIN_ABI_VERSION)));
  }
  RETURN_IF_ERROR(Resolve(handle, path, "VwErrorCode", &api->error_code));
  RETURN_IF_ERROR(Resolve(handle, path, "VwErrorMessage", &api->error_message));
  RETURN_IF_ERROR(Resolve(handle, path, "VwErrorDelete", &api->error_delete));
  RETURN_IF_ERROR(Resolve(handle, path, "VakwijzerPluginInfo", &api->info));
  RETURN_IF_ERROR(Resolve(handle, path, "VakwijzerPluginMatch", &api->match));
  RETURN_IF_ERROR(Resolve(handle, path, "VakwijzerPluginFree", &api->free));
  api->match_parts = reinterpret_cast<VakwijzerPluginMatchPartsFn>(
      dlsym(handle.get(), "VakwijzerPluginMatchParts"));

  v1::MatcherInfo info;
  {
    PluginBuffer out(*api);
    if (VwError* error = api->info(out.data(), out.size())) {
      return TakeError(*api, error,
                       absl::StrCat(path, ": VakwijzerPluginInfo failed: "));
    }
    const absl::string_view bytes = out.view();
    if (!info.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        bytes.size() != *out.size()) {
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
  std::unique_ptr<PluginLibrary> library(
      new PluginLibrary(handle.release(), std::move(api)));
  library->info_ = std::move(info);
  return library;
}

namespace {

const uint8_t* Bytes(absl::string_view text) {
  return reinterpret_cast<const uint8_t*>(text.data());
}

// The result of a match call: the buffer, or the plugin's error.
absl::StatusOr<std::string> Result(const Api& api, VwError* error,
                                   const PluginBuffer& out, size_t size) {
  if (error != nullptr) return TakeError(api, error, "");
  if (out.view().size() != size) {
    return absl::InternalError(
        absl::StrCat("returned a null buffer of ", size, " bytes"));
  }
  return std::string(out.view());
}

}  // namespace

absl::StatusOr<std::string> PluginLibrary::Match(
    absl::string_view input) const {
  PluginBuffer out(*api_);
  VwError* error =
      api_->match(Bytes(input), input.size(), out.data(), out.size());
  return Result(*api_, error, out, *out.size());
}

absl::StatusOr<std::string> PluginLibrary::MatchParts(uint64_t org_key,
                                                      absl::string_view org,
                                                      absl::string_view request,
                                                      Joined* joined) const {
  if (api_->match_parts == nullptr) {
    if (joined->org_key != org_key || joined->org_key == 0) {
      joined->bytes.reserve(org.size() + (1 << 20));
      joined->bytes.assign(org.data(), org.size());
      joined->org_key = org_key;
    }
    joined->bytes.resize(org.size());
    joined->bytes.append(request.data(), request.size());
    return Match(joined->bytes);
  }
  PluginBuffer out(*api_);
  VwError* error =
      api_->match_parts(org_key, Bytes(org), org.size(), Bytes(request),
                        request.size(), out.data(), out.size());
  return Result(*api_, error, out, *out.size());
}

}  // namespace vakwijzer::plugins
