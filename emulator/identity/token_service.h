#pragma once
// The emulator's login endpoints: the identity platform's token endpoints (client credentials
// only), OpenID discovery, JWKS and instance discovery (docs/graph-behaviour.md §7, §12). Request in, response
// out: no sockets, no clock of its own, no network except the injected `fetch` that federated
// credentials need. Answers and errors are shaped so that msal-node / @azure/identity cannot tell
// this from Entra.
//
// Routes (origin-form targets under the authority root; {tenant} is the tenant id, one of its
// domains, or `common`/`organizations` where Entra accepts them):
//   POST /{tenant}/oauth2/v2.0/token                 scope={resource}/.default
//   POST /{tenant}/oauth2/token                      resource={resource} (v1: all-string answer)
//   GET  /{tenant}/v2.0/.well-known/openid-configuration
//   GET  /{tenant}/.well-known/openid-configuration  (v1)
//   GET  /{tenant}/discovery/v2.0/keys
//   GET  /{tenant}/discovery/keys                    (v1; /common/discovery/keys is v1's jwks_uri)
//   GET  /common/discovery/instance?authorization_endpoint=…

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "emulator/identity/client_auth.h"
#include "emulator/identity/signing_key.h"
#include "emulator/identity/token_directory.h"
#include "base/result.h"
#include "net/http_message.h"
#include "emulator/identity/room.h"

namespace entragate::emulator {

/// Access tokens and `expires_in` as Entra states them for client credentials.
inline constexpr std::int64_t kAccessTokenLifetime = 3599;

/// The principal a token is issued to: an application's service principal, or a managed
/// identity's.
struct TokenRequester {
  std::string app_id;                        ///< appid (v1) / azp (v2)
  std::string display_name;                  ///< named in AADSTS501051
  std::string service_principal_id;          ///< oid and sub; whose app role assignments count
  std::string managed_identity_resource_id;  ///< xms_mirid; empty for an app registration
  std::string compute_resource_id;           ///< xms_az_rid: the VM a user-assigned identity runs on
};

struct IssuedToken {
  std::string access_token;
  std::string resource;         ///< the identifier as the caller asked for it (v1 and MI answers)
  std::int64_t not_before = 0;  ///< unix seconds
  std::int64_t expires_on = 0;  ///< unix seconds
  std::int64_t expires_in = 0;  ///< seconds
};

class TokenService {
 public:
  struct Options {
    /// e.g. "https://127.0.0.1:8443": issuer and endpoint URLs are spelled with it verbatim (a
    /// trailing '/' is dropped). Must be https: msal refuses anything else (§12).
    std::string authority;
    /// Unix seconds; the system clock when empty.
    std::function<std::int64_t()> now;
    /// HTTPS GET of external issuers' OIDC discovery and JWKS, for federated credentials; without
    /// it federated assertions are refused with AADSTS50166.
    Fetch fetch;
  };

  /// `directory` and `key` must outlive the service.
  TokenService(const TokenDirectory& directory, const SigningKey& key, Options options);

  net::Response Handle(const net::Request& request) const;

  /// Issues an access token for `requester` to the resource named by `resource_identifier` (an
  /// appId or servicePrincipalNames entry, without "/.default"), with the claims of the resource's
  /// requested token version. The same refusals as the token endpoint: AADSTS500011 (no such
  /// resource) and AADSTS501051 (assignment required, none held). Used by the token endpoint and
  /// by the managed-identity endpoints.
  base::Result<IssuedToken> MintForPrincipal(const TokenRequester& requester, std::string_view resource_identifier, ClientAuthMethod method,
                                             std::int64_t lifetime_seconds = kAccessTokenLifetime) const;

  /// The access token `claims` (a payload this service signed, "ver" telling v1 from v2) make,
  /// byte for byte the token issued then: RS256 signatures are deterministic. Lets a cache keep
  /// claims instead of tokens.
  base::Result<std::string> SignAgain(const boost::json::object& claims) const;

  const std::string& Authority() const { return options_.authority; }
  std::int64_t Now() const { return options_.now(); }

 private:
  enum class Version { kV1, kV2 };

  net::Response HandleToken(const net::Request& request, std::string_view tenant, Version version) const;
  base::Result<IssuedToken> IssueForRequest(const net::Request& request, std::string_view tenant, Version version) const;
  net::Response HandleOpenIdConfiguration(const net::Request& request, std::string_view tenant, Version version) const;
  net::Response HandleKeys(const net::Request& request, std::string_view tenant, Version version) const;
  net::Response HandleInstanceDiscovery(const net::Request& request, std::string_view query) const;
  base::Result<std::string> SignAccessToken(const boost::json::object& claims, Version version) const;

  const TokenDirectory& directory_;
  const SigningKey& key_;
  Options options_;
  ClientAuthenticator authenticator_;
};

}  // namespace entragate::emulator
