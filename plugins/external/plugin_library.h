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

  // The input of Match joined from two parts: the key of its organisation
  // part, and the bytes. One per calling thread.
  struct Joined {
    uint64_t org_key = 0;
    std::string bytes;
  };

  // The same with the input in two parts (vakwijzer_plugin.h): the
  // organisation part `org` under `org_key`, and the request part. Calls
  // VakwijzerPluginMatchParts when the plugin has it, else
  // VakwijzerPluginMatch with the parts joined in `*joined` (which keeps
  // the organisation part between calls with the same key, so it is copied
  // once per key).
  absl::StatusOr<std::string> MatchParts(uint64_t org_key,
                                         absl::string_view org,
                                         absl::string_view request,
                                         Joined* joined) const;

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
