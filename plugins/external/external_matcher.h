// Run-time matcher plugins: shared objects behind the C ABI of
// plugins/external/vakwijzer_plugin.h, each wrapped as one more Matcher.
//
// A plugin never runs in the server's process. Each runs in plugin hosts
// (plugin_host_main.cc): child processes that load it, under a memory
// limit and a CPU-time limit per match, and serve matches over a Unix
// socket (host_channel.h). A plugin that crashes, aborts, runs out of
// memory or CPU time, or hangs past the caller's deadline costs that call
// UNAVAILABLE or DEADLINE_EXCEEDED; its host is killed and started again
// for a later call, after a back-off that doubles with every failure in a
// row (100 ms up to 30 s). A plugin that fails while loading is reported
// and skipped.
//
// The organisation is not sent with every call: the part of the input that
// does not depend on the request is written once per snapshot version
// (OrgSnapshot::version) into a sealed memfd that the hosts map read-only;
// each call sends only the request part, and a plugin with
// VakwijzerPluginMatchParts (ABI 1.1) may keep the parsed organisation.
#ifndef VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_
#define VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "plugins/api/matcher.h"
#include "vakwijzer/v1/match.pb.h"
#include "vakwijzer/v1/plugin.pb.h"

namespace vakwijzer::plugins {

struct PluginHostOptions {
  // The vakwijzer_plugin_host executable. Required.
  std::string host_binary;
  // Hosts per plugin, i.e. matches of one plugin that run at once; more
  // wait for a free host (until their deadline).
  int processes = 2;
  // Address-space limit of a host (0: none). Not applied in sanitizer
  // builds, whose shadow memory needs terabytes of address space.
  int memory_mb = 2048;
  // CPU time a host may spend on one match (0: no limit); beyond it the
  // kernel stops the host (SIGXCPU) and the call is UNAVAILABLE.
  int cpu_seconds = 30;
  // How long a host may take to load its plugin and describe it.
  absl::Duration load_timeout = absl::Seconds(10);
};

// Starts a host for the plugin at `path` and returns the plugin as a
// Matcher whose Info() is the plugin's, with external set and source =
// `path`. Errors start with `path`: those of PluginLibrary::Load
// (plugin_library.h: NOT_FOUND, FAILED_PRECONDITION, the plugin's own code)
// as the host reports them; FAILED_PRECONDITION when the host dies while
// loading (naming the signal) or does not answer within load_timeout;
// FAILED_PRECONDITION when options.host_binary cannot be started.
//
// The returned Matcher's Match is thread-safe. Its errors are the plugin's
// (code as the plugin gave it, message "plugin NAME: ..."); INTERNAL for an
// unparsable response; UNAVAILABLE when the host died during the call
// (naming the signal, e.g. "SIGSEGV"), or is being restarted after a
// failure ("restarting in N ms"); CANCELLED when input.cancelled() is set
// before the call; DEADLINE_EXCEEDED when it is set during the call (the
// host is killed). Items beyond request.page_size are dropped.
absl::StatusOr<std::unique_ptr<Matcher>> LoadExternalMatcher(
    const std::string& path, const PluginHostOptions& options);

// Loads every "*.so" file of `dir`, in name order, and adds each to
// `registry`. A plugin that fails to load, or whose name is taken (by a
// built-in matcher or an earlier plugin), is skipped; so is everything
// that is not a .so file. Returns one warning per problem, naming the file
// (or `dir` when it cannot be read), for the server to log; the rest of the
// plugins are in `registry`.
std::vector<std::string> LoadPluginDirectory(const std::string& dir,
                                             const PluginHostOptions& options,
                                             MatcherRegistry* registry);

// What an external matcher hands its plugin for `input`, given the specs of
// the parameters the plugin declares. People are those of the subject's
// framework when the subject tells it (a person of the snapshot, or a role
// or case naming a known framework), else all; frameworks are those of the
// people sent, plus the subject's. Exposed for tests and harnesses; the
// matcher sends it in two parts, MakeOrgPart and MakeRequestPart, whose
// concatenated serializations parse as this message.
v1::ExternalMatchInput MakeExternalMatchInput(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs);

// The part of MakeExternalMatchInput that depends on the organisation and
// the subject's framework only (frameworks, people, modules, roles,
// cases).
v1::ExternalMatchInput MakeOrgPart(const MatchInput& input);

// The rest: the request and the parameters.
v1::ExternalMatchInput MakeRequestPart(
    const MatchInput& input,
    const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_EXTERNAL_EXTERNAL_MATCHER_H_
