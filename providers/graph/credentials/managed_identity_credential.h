#pragma once
// Managed identity: the platform hands out tokens for the identity attached to the machine or app
// (docs/graph-behaviour.md §8, §12). Two protocols:
//   App Service / Functions / Container Apps: GET {IDENTITY_ENDPOINT}?api-version=2019-08-01
//     &resource=…[&client_id=…] with header X-IDENTITY-HEADER: {IDENTITY_HEADER};
//   IMDS (VMs, scale sets, AKS nodes): GET {host}/metadata/identity/oauth2/token
//     ?api-version=2018-02-01&resource=…[&client_id=…] with header Metadata: true, where host is
//     AZURE_POD_IDENTITY_AUTHORITY_HOST or http://169.254.169.254.
// `resource` is the scope without "/.default"; client_id (a user-assigned identity) comes from
// AZURE_CLIENT_ID. Both answer with string-typed fields, which ParseTokenResponse accepts.

#include <optional>
#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

inline constexpr const char* kDefaultImdsHost = "http://169.254.169.254";

struct ManagedIdentityEndpoint {
  enum class Kind { kAppService, kImds };
  Kind kind = Kind::kImds;
  std::string url;     ///< App Service: IDENTITY_ENDPOINT verbatim; IMDS: the host root
  std::string secret;  ///< App Service: IDENTITY_HEADER (never logged); IMDS: empty

  static ManagedIdentityEndpoint AppService(std::string identity_endpoint, std::string identity_header);
  /// `host` without a scheme gets "http://"; a trailing '/' is dropped.
  static ManagedIdentityEndpoint Imds(std::string host);
};

class ManagedIdentityCredential : public Credential {
 public:
  /// `client_id` selects a user-assigned identity; nullopt: the system-assigned one (or the only
  /// one). `transport` must outlive the credential.
  ManagedIdentityCredential(Transport& transport, ManagedIdentityEndpoint endpoint, std::optional<std::string> client_id, Clock now);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "managed identity (App Service: IDENTITY_ENDPOINT)" or "managed identity (IMDS)".
  std::string Name() const override;

 private:
  net::Request TokenRequest(const std::string& scope) const;

  Transport& transport_;
  ManagedIdentityEndpoint endpoint_;
  std::optional<std::string> client_id_;
  Clock now_;
};

/// Whether an IMDS answers at `host`: sends a bare GET without the Metadata header, so no token is
/// requested (IMDS answers it 400 with its JSON error). No answer, or a 4xx that is not a token
/// endpoint's JSON — a link-local responder on a machine outside Azure, a proxy's refusal — is an
/// error saying so. Use a transport with a short connect timeout: off Azure, nothing listens there.
engine::Status ProbeImds(Transport& transport, const std::string& host);

/// Whether an IMDS token failure means there is no usable IMDS here (the chain then tries the next
/// source): no answer, a 4xx without the token endpoint's JSON error, or IMDS's 400 (this host has
/// no such identity).
bool ImdsUnavailable(const engine::Error& error);

/// Added to App Service's generic HTTP 500 refusal, which does not say why the token was refused.
inline constexpr const char* kAppServiceTokenFailedHint =
    "App Service does not pass the identity platform's reason on; the usual one is AADSTS501051: the "
    "resource requires an app role assignment that this identity does not hold";

}  // namespace entragate::graph
