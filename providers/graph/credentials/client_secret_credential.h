#pragma once
// An app registration's client secret (AZURE_CLIENT_SECRET), sent in the token request body.

#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/credentials/token_endpoint.h"

namespace entragate::graph {

class ClientSecretCredential : public Credential {
 public:
  /// `transport` must outlive the credential.
  ClientSecretCredential(Transport& transport, AppIdentity app, std::string secret, Clock now);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "client secret (AZURE_CLIENT_SECRET)".
  std::string Name() const override;

 private:
  Transport& transport_;
  AppIdentity app_;
  std::string secret_;
  Clock now_;
};

}  // namespace entragate::graph
