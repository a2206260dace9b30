#pragma once
// The managed-identity token endpoints a workload on Azure calls instead of the login endpoints
// (graph-facts §8, §12): Azure IMDS as a VM sees it, and the App Service / Functions / Container
// Apps "2019-08-01" protocol. Tokens come from TokenService::MintForPrincipal, so assignment
// rules (AADSTS501051) and claims are the same as for app registrations; refusals keep the
// identity platform's text inside each endpoint's own error shape.
//
//   IMDS:        GET /metadata/identity/oauth2/token[/]?api-version=…&resource=…
//                    [&client_id=…|&object_id=…|&msi_res_id=…]          header Metadata: true
//   App Service: GET /msi/token?api-version=2019-08-01&resource=…
//                    [&client_id=…|&principal_id=…|&object_id=…|&mi_res_id=…]
//                                                                       header X-IDENTITY-HEADER
//
// "No such identity" is a 400 with an error body, never a 404: the SDKs retry a 404 on these
// paths for about 20 s (§12).

#include <cstdint>
#include <functional>
#include <string>

#include "emulator/token_directory.h"
#include "emulator/token_service.h"
#include "net/http_message.h"

namespace entragate::emulator {

/// Managed-identity tokens live a day, as Azure's do (the platform caches them); msal refreshes
/// them half-way through.
inline constexpr std::int64_t kManagedIdentityTokenLifetime = 86399;

class ManagedIdentityService {
 public:
  /// `imds_host_name` names the host (a HostInfo of the directory) whose identities IMDS serves.
  /// `now` (unix seconds) dates error bodies; the token service's clock when empty.
  /// `directory` and `tokens` must outlive the service.
  ManagedIdentityService(const TokenDirectory& directory, const TokenService& tokens,
                         std::string imds_host_name, std::function<std::int64_t()> now);

  net::Response HandleImds(const net::Request& request) const;
  net::Response HandleAppService(const net::Request& request) const;

 private:
  net::Response ImdsToken(const net::Request& request, std::string_view query) const;
  net::Response AppServiceToken(const net::Request& request, std::string_view query) const;

  const TokenDirectory& directory_;
  const TokenService& tokens_;
  std::string imds_host_name_;
  std::function<std::int64_t()> now_;
};

}  // namespace entragate::emulator
