#pragma once
// Workload identity federation from a token file (docs/graph-behaviour.md §7.4): Kubernetes (the AKS
// workload-identity webhook) projects a service-account token into AZURE_FEDERATED_TOKEN_FILE
// and rotates it; the token is presented as the client assertion. The file is read again for
// every request, so a rotated token is picked up without a restart.

#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/credentials/token_endpoint.h"

namespace entragate::graph {

class WorkloadIdentityCredential : public Credential {
 public:
  /// `transport` must outlive the credential. The file is not read here.
  WorkloadIdentityCredential(Transport& transport, AppIdentity app, std::string token_file, Clock now);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "workload identity (AZURE_FEDERATED_TOKEN_FILE)".
  std::string Name() const override;

 private:
  engine::Result<std::string> ReadAssertion() const;

  Transport& transport_;
  AppIdentity app_;
  std::string token_file_;
  Clock now_;
};

}  // namespace entragate::graph
