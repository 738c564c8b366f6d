#include "clients/cli/connection.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/client_interceptor.h"

namespace vakwijzer::cli {

namespace {

// The whole file, or INVALID_ARGUMENT naming it (`what`: "--tls_ca" etc.).
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot read ", path));
  }
  return text.str();
}

// Adds "authorization: Bearer <token>" to the initial metadata of a call.
class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string header) : header_(std::move(header)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) final {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", header_);
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class BearerInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(absl::string_view token)
      : header_(absl::StrCat("Bearer ", token)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) final {
    return new BearerInterceptor(header_);
  }

 private:
  const std::string header_;
};

}  // namespace

absl::StatusOr<std::string> ResolveToken(const std::string& token_file,
                                         const char* env_token) {
  if (!token_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(token_file, "--token_file");
    if (!text.ok()) return text.status();
    std::string token(absl::StripAsciiWhitespace(*text));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token_file: ", token_file, " is empty"));
    }
    return token;
  }
  if (env_token == nullptr) return std::string();
  return std::string(absl::StripAsciiWhitespace(env_token));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const ConnectionOptions& options) {
  const bool cert = !options.tls_cert.empty();
  const bool key = !options.tls_key.empty();
  if (cert != key) {
    return absl::InvalidArgumentError(
        cert ? "--tls_cert needs --tls_key (the certificate's private key)"
             : "--tls_key needs --tls_cert (the client certificate)");
  }
  if (cert && options.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key need --tls_ca (a client certificate is "
        "only sent over TLS)");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    const std::pair<const std::string*, std::string*> files[] = {
        {&options.tls_ca, &ssl.pem_root_certs},
        {&options.tls_cert, &ssl.pem_cert_chain},
        {&options.tls_key, &ssl.pem_private_key}};
    const char* const flags[] = {"--tls_ca", "--tls_cert", "--tls_key"};
    for (int i = 0; i < 3; ++i) {
      const std::string& path = *files[i].first;
      if (path.empty()) continue;
      absl::StatusOr<std::string> pem = ReadFile(path, flags[i]);
      if (!pem.ok()) return pem.status();
      if (pem->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(flags[i], ": ", path, " is empty"));
      }
      *files[i].second = *std::move(pem);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  if (options.token.empty()) {
    return grpc::CreateChannel(options.target, credentials);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<BearerInterceptorFactory>(options.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, credentials, grpc::ChannelArguments(),
      std::move(interceptors));
}

}  // namespace vakwijzer::cli
