// One run-time matcher plugin loaded into the calling process: the dlopen
// side of the C ABI of plugins/external/vakwijzer_plugin.h. The server never
// loads a plugin itself; the plugin host (plugin_host_main.cc) does, so that
// a plugin that crashes, hangs or exhausts memory takes only its host down
// (external_matcher.h).
#ifndef VAKWIJZER_PLUGINS_EXTERNAL_PLUGIN_LIBRARY_H_
#define VAKWIJZER_PLUGINS_EXTERNAL_PLUGIN_LIBRARY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::plugins {

class PluginLibrary {
 public:
  // Loads the plugin at `path` (dlopen with RTLD_NOW | RTLD_LOCAL) and asks
  // for its MatcherInfo, with external set and source = `path`. Errors
  // start with `path`: NOT_FOUND when there is no such file;
  // FAILED_PRECONDITION when it cannot be loaded, lacks an entry point
  // ("missing symbol X"), was built for another ABI major version ("plugin
  // ABI 2.0, host ABI 1.0") or describes itself badly (unparsable
  // MatcherInfo, no name, invalid parameter defaults); the plugin's own
  // code when VakwijzerPluginInfo fails.
  static absl::StatusOr<std::unique_ptr<PluginLibrary>> Load(
      const std::string& path);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const v1::MatcherInfo& info() const { return info_; }

  // Calls VakwijzerPluginMatch with `input` (a serialized
  // v1.ExternalMatchInput) and returns its serialized v1.MatchResponse, or
  // the plugin's error with its code and message. Thread-safe.
  absl::StatusOr<std::string> Match(absl::string_view input) const;

  // The plugin's entry points (plugin_library.cc).
  struct Api;

 private:
  PluginLibrary(void* handle, std::unique_ptr<Api> api);

  void* handle_;
  std::unique_ptr<Api> api_;
  v1::MatcherInfo info_;
};

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_EXTERNAL_PLUGIN_LIBRARY_H_
