#pragma once
// The Azure CLI's signed-in account: `az account get-access-token --resource <resource> --output
// json`, run without a shell. Its standard output holds a token, so it is parsed and dropped,
// never logged or quoted in an error.

#include <cstdint>
#include <string>
#include <string_view>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

/// The token in az's JSON: `accessToken`, with expiry from `expires_on` (unix seconds, number or
/// string; az 2.54 and later) or else `expiresOn` ("YYYY-MM-DD HH:MM:SS[.ffffff]" in local time,
/// older versions). Error messages never include `output`.
engine::Result<AccessToken> ParseAzureCliToken(std::string_view output, std::string_view who);

/// Whether az failed because no account is signed in (its standard error asks for `az login` or
/// `az account set`): then the chain tries the next source, as Azure Identity does.
bool AzureCliNotSignedIn(const engine::Error& error);

class AzureCliCredential : public Credential {
 public:
  /// `az_path` is the executable found on PATH (FindOnPath).
  AzureCliCredential(RunProgram run, std::string az_path);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "Azure CLI (az account get-access-token)".
  std::string Name() const override;

 private:
  RunProgram run_;
  std::string az_path_;
};

}  // namespace entragate::graph
