// Run-time matcher plugins: shared objects behind the C ABI of
// plugins/external/vakwijzer_plugin.h, each wrapped as one more Matcher.
//
// A plugin is loaded once at start, asked for its MatcherInfo, and then
// called for every match with a serialized v1.ExternalMatchInput (the
// request and a copy of the organisation's snapshot); its serialized
// v1.MatchResponse comes back. A plugin of another ABI major version, or
// one missing an entry point, is refused with an error naming the file.
#ifndef VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_
#define VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "plugins/api/matcher.h"
#include "vakwijzer/v1/match.pb.h"
#include "vakwijzer/v1/plugin.pb.h"

namespace vakwijzer::plugins {

// Loads the plugin at `path` (dlopen with RTLD_NOW | RTLD_LOCAL) and
// returns it as a Matcher whose Info() is the plugin's, with external set
// and source = `path`. The shared object stays loaded until the Matcher is
// destroyed. Errors start with `path`: NOT_FOUND when there is no such
// file; FAILED_PRECONDITION when it cannot be loaded, lacks an entry point
// ("missing symbol X"), was built for another ABI major version ("plugin
// ABI 2.0, host ABI 1.0") or describes itself badly (unparsable
// MatcherInfo, no name, invalid parameter defaults); the plugin's own code
// when VakwijzerPluginInfo fails.
//
// The returned Matcher's Match is thread-safe. Its errors are the plugin's
// (code as the plugin gave it, message "plugin NAME: ..."), INTERNAL for an
// unparsable response, or CANCELLED when input.cancelled() is set before
// or after the call (the ABI cannot interrupt a running plugin). Items
// beyond request.page_size are dropped.
absl::StatusOr<std::unique_ptr<Matcher>> LoadExternalMatcher(
    const std::string& path);

// Loads every "*.so" file of `dir`, in name order, and adds each to
// `registry`. A plugin that fails to load, or whose name is taken (by a
// built-in matcher or an earlier plugin), is skipped; so is everything
// that is not a .so file. Returns one warning per problem, naming the file
// (or `dir` when it cannot be read), for the server to log; the rest of the
// plugins are in `registry`.
std::vector<std::string> LoadPluginDirectory(const std::string& dir,
                                             MatcherRegistry* registry);

// What an external matcher hands its plugin for `input`, given the specs of
// the parameters the plugin declares. People are those of the subject's
// framework when the subject tells it (a person of the snapshot, or a role
// or case naming a known framework), else all; frameworks are those of the
// people sent, plus the subject's. Exposed for tests and harnesses.
v1::ExternalMatchInput MakeExternalMatchInput(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_
