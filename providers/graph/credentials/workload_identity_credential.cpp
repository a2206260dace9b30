#include "providers/graph/credentials/workload_identity_credential.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

using engine::Error;

// A service-account token is a few KiB; the cap keeps a wrong path (a device, a huge log) from
// being read whole.
constexpr std::size_t kMaxTokenFileBytes = 64 << 10;

std::string Trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

WorkloadIdentityCredential::WorkloadIdentityCredential(Transport& transport, AppIdentity app, std::string token_file, Clock now)
    : transport_(transport), app_(std::move(app)), token_file_(std::move(token_file)), now_(std::move(now)) {}

engine::Result<std::string> WorkloadIdentityCredential::ReadAssertion() const {
  std::ifstream in(token_file_, std::ios::binary);
  if (!in) {
    return engine::MakeError(Error::Kind::kIo, Name() + ": cannot read '" + token_file_ + "': " + std::strerror(errno));
  }
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxTokenFileBytes) {
      return engine::MakeError(Error::Kind::kIo, Name() + ": '" + token_file_ + "' is larger than a token can be");
    }
  }
  text = Trimmed(std::move(text));
  if (text.empty()) {
    return engine::MakeError(Error::Kind::kIo, Name() + ": '" + token_file_ + "' is empty");
  }
  return text;
}

engine::Result<AccessToken> WorkloadIdentityCredential::GetToken(const std::string& scope) {
  auto assertion = ReadAssertion();
  if (!assertion) return assertion.error();
  return RequestClientCredentialsToken(transport_, app_, scope, {ClientProof::Kind::kAssertion, std::move(assertion).value()}, now_(), Name());
}

std::string WorkloadIdentityCredential::Name() const { return "workload identity (AZURE_FEDERATED_TOKEN_FILE)"; }

}  // namespace entragate::graph
