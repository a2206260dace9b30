#pragma once
// The client-credentials request to the identity platform's v2.0 token endpoint (docs/graph-behaviour.md
// §7.1), shared by every source that authenticates an app registration: a secret, a
// certificate-signed assertion, or a federated assertion from another identity provider.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::graph {

/// Which app registration asks, and where.
struct AppIdentity {
  std::string authority;  ///< login host root, no trailing '/'
  std::string tenant_id;  ///< GUID or domain
  std::string client_id;  ///< the application (client) id
};

/// How the app proves it is itself. `value` is a secret or a signed JWT: it goes into the form
/// body and nowhere else.
struct ClientProof {
  enum class Kind { kSecret, kAssertion };
  Kind kind = Kind::kSecret;
  std::string value;
};

/// "{authority}/{tenant}/oauth2/v2.0/token": where the request goes, and the `aud` a
/// certificate assertion must carry.
std::string TokenEndpointUrl(const AppIdentity& app);

/// POSTs grant_type=client_credentials with `scope` and the proof. Errors name `who` and carry
/// the status and AADSTS line (token_response.h); the proof is redacted from every message.
engine::Result<AccessToken> RequestClientCredentialsToken(Transport& transport, const AppIdentity& app, const std::string& scope,
                                                          const ClientProof& proof, std::int64_t now, std::string_view who);

}  // namespace entragate::graph
