#pragma once
// Client authentication at the token endpoint (docs/graph-behaviour.md §7.1, §7.3, §7.4): a client secret, a
// certificate-signed client assertion, or a federated assertion issued by an external identity
// provider. Pure apart from `fetch`, which retrieves external issuers' discovery documents and
// signing keys; those keys are cached per issuer.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "crypto/jwt.h"
#include "emulator/identity/token_directory.h"
#include "base/result.h"
#include "net/http_message.h"
#include "emulator/identity/room.h"

namespace entragate::emulator {

/// How the caller proved who it is; decides appidacr/azpacr.
enum class ClientAuthMethod {
  kSecret,           ///< "1"
  kCertificate,      ///< "2"
  kFederated,        ///< "2": Entra counts any assertion as a certificate-class credential
  kManagedIdentity,  ///< "2": the platform authenticates the identity with a certificate
};

/// "1" for a secret, "2" otherwise (never "0": public clients cannot use client credentials).
const char* AuthMethodClaim(ClientAuthMethod method);

inline constexpr const char* kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
inline constexpr const char* kDefaultFederatedAudience = "api://AzureADTokenExchange";
/// Clock skew tolerated on assertions' exp and nbf.
inline constexpr std::int64_t kAssertionLeewaySeconds = 5 * 60;

/// What the request presented, after the body and an HTTP Basic header were merged.
struct PresentedCredential {
  std::optional<std::string> secret;
  std::optional<std::string> assertion_type;
  std::optional<std::string> assertion;
};

using Fetch = std::function<base::Result<net::Response>(const net::Request&)>;

class ClientAuthenticator {
 public:
  /// `authority` is "https://host:port" without a trailing slash; client assertions must name
  /// this authority's token endpoint as their audience.
  ClientAuthenticator(std::string authority, Fetch fetch);

  base::Result<ClientAuthMethod> Authenticate(const ClientInfo& client, const PresentedCredential& presented, const TenantInfo& tenant,
                                              std::int64_t now) const;

 private:
  struct JwksCache;

  base::Result<ClientAuthMethod> CheckSecret(const ClientInfo& client, const std::string& secret, std::int64_t now) const;
  base::Result<ClientAuthMethod> CheckAssertion(const ClientInfo& client, const PresentedCredential& presented, const TenantInfo& tenant,
                                                std::int64_t now) const;
  base::Result<ClientAuthMethod> CheckCertificateAssertion(const ClientInfo& client, const crypto::DecodedJwt& jwt, const TenantInfo& tenant,
                                                           std::int64_t now) const;
  base::Result<ClientAuthMethod> CheckFederatedAssertion(const ClientInfo& client, const crypto::DecodedJwt& jwt, std::int64_t now) const;
  base::Status VerifyWithIssuerKeys(const std::string& issuer, const crypto::DecodedJwt& jwt) const;
  /// The issuer's signing keys: from the cache, or fetched (again, when `refresh`).
  base::Result<std::vector<boost::json::object>> IssuerKeys(const std::string& issuer, bool refresh) const;
  base::Result<std::vector<boost::json::object>> FetchIssuerKeys(const std::string& issuer) const;
  bool IsOwnTokenEndpoint(std::string_view aud, const TenantInfo& tenant) const;

  std::string authority_;
  Fetch fetch_;
  std::shared_ptr<JwksCache> cache_;  ///< shared so the authenticator stays copyable
};

}  // namespace entragate::emulator
