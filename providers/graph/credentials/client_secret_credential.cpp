#include "providers/graph/credentials/client_secret_credential.h"

#include <utility>

namespace entragate::graph {

ClientSecretCredential::ClientSecretCredential(Transport& transport, AppIdentity app, std::string secret, Clock now)
    : transport_(transport), app_(std::move(app)), secret_(std::move(secret)), now_(std::move(now)) {}

engine::Result<AccessToken> ClientSecretCredential::GetToken(const std::string& scope) {
  return RequestClientCredentialsToken(transport_, app_, scope, {ClientProof::Kind::kSecret, secret_}, now_(), Name());
}

std::string ClientSecretCredential::Name() const { return "client secret (AZURE_CLIENT_SECRET)"; }

}  // namespace entragate::graph
