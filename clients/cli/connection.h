// How the command-line client reaches the server: plaintext or TLS (with a
// client certificate for mutual TLS), and the bearer token every call
// carries.
#ifndef VAKWIJZER_CLIENTS_CLI_CONNECTION_H_
#define VAKWIJZER_CLIENTS_CLI_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace vakwijzer::cli {

struct ConnectionOptions {
  std::string target;  // HOST:PORT
  // A JWT sent as "authorization: Bearer <token>" on every call; none when
  // empty.
  std::string token;
  // PEM files. TLS when tls_ca is set (the root CA the server's certificate
  // must chain to); tls_cert and tls_key together add a client certificate.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// The token from `token_file` (the file's contents, surrounding whitespace
// stripped) when it is not empty, else `env_token` (VAKWIJZER_TOKEN, also
// stripped); "" when neither gives one. INVALID_ARGUMENT naming the file when
// it cannot be read or holds no token.
absl::StatusOr<std::string> ResolveToken(const std::string& token_file,
                                         const char* env_token);

// A channel to `options.target`. Every call on it, unary or streaming,
// carries the token as "authorization" metadata (added by a channel
// interceptor: gRPC sends call credentials over TLS only, and the token must
// also reach a plaintext server). INVALID_ARGUMENT naming the flag when one
// of --tls_cert/--tls_key is given without the other or without --tls_ca,
// and naming the file when a PEM file cannot be read or is empty.
//
// Over plaintext the token travels unencrypted: use TLS on any network but
// loopback.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const ConnectionOptions& options);

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_CONNECTION_H_
