/* The C ABI between the Vakwijzer server and a run-time matcher plugin.
 *
 * A plugin is a shared object that exports the functions declared below
 * (and nothing else: link it with plugins/external/vakwijzer_plugin.map).
 * The server loads it with dlopen, checks the ABI version, asks for its
 * MatcherInfo once and then calls VakwijzerPluginMatch for every match
 * request. Data crosses the boundary as serialized protocol buffers, so no
 * C++ type, allocator or protobuf descriptor is shared between server and
 * plugin:
 *
 *   VakwijzerPluginInfo   out: vakwijzer.v1.MatcherInfo
 *   VakwijzerPluginMatch  in:  vakwijzer.v1.ExternalMatchInput
 *                         out: vakwijzer.v1.MatchResponse
 *
 * Plugins compile the protos from the plugin SDK, a copy of
 * proto/vakwijzer/v1 re-packaged as vakwijzer_plugin_sdk.v1 (same field
 * numbers, so the bytes are the same); see plugins/external/CMakeLists.txt.
 *
 * Versioning: the major version changes when a function, a contract or a
 * message's meaning changes incompatibly; the server refuses a plugin of
 * another major version. The minor version grows with compatible additions
 * (new optional entry points, new proto fields); a server accepts plugins of
 * any minor version of its major version.
 *
 * Errors: functions that can fail return a VwError*, where NULL means
 * success. The error object is created by the plugin, read by the server
 * with VwErrorCode and VwErrorMessage, and released with VwErrorDelete,
 * all exported by the plugin (so it is freed by the allocator that made
 * it). On error no output buffer is returned.
 *
 * Thread-safety: every function may be called from any thread, and
 * VakwijzerPluginMatch concurrently from many; a plugin keeps no mutable
 * state across calls, or guards it.
 */
#ifndef VAKWIJZER_PLUGINS_EXTERNAL_VAKWIJZER_PLUGIN_H_
#define VAKWIJZER_PLUGINS_EXTERNAL_VAKWIJZER_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VAKWIJZER_PLUGIN_ABI_MAJOR 1
#define VAKWIJZER_PLUGIN_ABI_MINOR 1
/* The value VakwijzerPluginAbiVersion returns. */
#define VAKWIJZER_PLUGIN_ABI_VERSION \
  (((uint32_t)VAKWIJZER_PLUGIN_ABI_MAJOR << 16) | VAKWIJZER_PLUGIN_ABI_MINOR)

#if defined(__GNUC__)
#define VAKWIJZER_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define VAKWIJZER_PLUGIN_EXPORT
#endif

/* An error, defined by each plugin; opaque to the server. */
typedef struct VwError VwError;

/* The error's canonical code: the numbers of google.rpc.Code and
 * absl::StatusCode (3 INVALID_ARGUMENT, 5 NOT_FOUND, 9 FAILED_PRECONDITION,
 * 13 INTERNAL, ...). Never 0 (OK). */
VAKWIJZER_PLUGIN_EXPORT uint32_t VwErrorCode(const VwError* error);

/* A NUL-terminated UTF-8 message for people, in English, naming the request
 * field or parameter at fault (e.g. "subject: ..."). Owned by `error`; valid
 * until VwErrorDelete. */
VAKWIJZER_PLUGIN_EXPORT const char* VwErrorMessage(const VwError* error);

/* Releases `error`. NULL is a no-op. */
VAKWIJZER_PLUGIN_EXPORT void VwErrorDelete(VwError* error);

/* (major << 16) | minor of the ABI the plugin was built for; returns
 * VAKWIJZER_PLUGIN_ABI_VERSION. Called first, before any other function. */
VAKWIJZER_PLUGIN_EXPORT uint32_t VakwijzerPluginAbiVersion(void);

/* Describes the matcher: sets *out to a buffer of *out_len bytes holding a
 * serialized vakwijzer.v1.MatcherInfo (name, version, description, subject,
 * parameters; `external` and `source` are set by the server). The name must
 * be unique among the server's matchers. The result must not change while
 * the plugin is loaded. The buffer is owned by the caller from then on and
 * released with VakwijzerPluginFree. */
VAKWIJZER_PLUGIN_EXPORT VwError* VakwijzerPluginInfo(uint8_t** out,
                                                     size_t* out_len);

/* Runs one match. `in` is `in_len` bytes of a serialized
 * vakwijzer.v1.ExternalMatchInput, owned by the caller and valid during the
 * call only. On success sets *out to a buffer of *out_len bytes holding a
 * serialized vakwijzer.v1.MatchResponse with items (at most
 * request.page_size, ranked from 1), summary, metrics, residual, excluded
 * and candidate_count; the server fills matcher, matcher_version,
 * request_id and subject. The caller releases the buffer with
 * VakwijzerPluginFree. A pure function of `in`: deterministic, no I/O. */
VAKWIJZER_PLUGIN_EXPORT VwError* VakwijzerPluginMatch(const uint8_t* in,
                                                      size_t in_len,
                                                      uint8_t** out,
                                                      size_t* out_len);

/* Optional, since ABI 1.1: VakwijzerPluginMatch with its input in two
 * parts whose concatenation is the serialized vakwijzer.v1.ExternalMatchInput
 * VakwijzerPluginMatch would get (serialized protobuf messages concatenate
 * into their merge):
 *   `org`, `org_len` bytes: the fields that depend on the organisation and
 *     the subject's framework only (frameworks, people, modules, roles,
 *     cases); the same bytes whenever `org_key` is the same (for the life
 *     of the plugin's process), and usually the same for many calls;
 *   `request`, `request_len` bytes: the request and the parameters.
 * So a plugin may keep what it derives from `org` under `org_key` (guarded:
 * calls may be concurrent) instead of parsing it on every call; a plugin
 * without it is called with VakwijzerPluginMatch. Both buffers are owned by
 * the caller and valid during the call only; output and errors as for
 * VakwijzerPluginMatch. */
VAKWIJZER_PLUGIN_EXPORT VwError* VakwijzerPluginMatchParts(
    uint64_t org_key, const uint8_t* org, size_t org_len,
    const uint8_t* request, size_t request_len, uint8_t** out, size_t* out_len);

/* Releases a buffer returned by VakwijzerPluginInfo or VakwijzerPluginMatch.
 * NULL is a no-op. (A zero-length result may be returned as NULL.) */
VAKWIJZER_PLUGIN_EXPORT void VakwijzerPluginFree(void* buffer);

/* The entry points' types, for a host resolving them with dlsym. */
typedef uint32_t (*VwErrorCodeFn)(const VwError*);
typedef const char* (*VwErrorMessageFn)(const VwError*);
typedef void (*VwErrorDeleteFn)(VwError*);
typedef uint32_t (*VakwijzerPluginAbiVersionFn)(void);
typedef VwError* (*VakwijzerPluginInfoFn)(uint8_t**, size_t*);
typedef VwError* (*VakwijzerPluginMatchFn)(const uint8_t*, size_t, uint8_t**,
                                           size_t*);
typedef VwError* (*VakwijzerPluginMatchPartsFn)(uint64_t, const uint8_t*,
                                                size_t, const uint8_t*, size_t,
                                                uint8_t**, size_t*);
typedef void (*VakwijzerPluginFreeFn)(void*);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VAKWIJZER_PLUGINS_EXTERNAL_VAKWIJZER_PLUGIN_H_ */
