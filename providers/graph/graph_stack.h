#pragma once
// The client side of one connection to Microsoft Graph, assembled in one place for the CLI, the
// tests and the benchmarks: a credential, the Graph client that asks it for tokens, and the
// provider on top. The transport stays the caller's (it may log, or fail on purpose in a test).

#include <functional>
#include <memory>
#include <string>

#include "providers/graph/client/graph_client.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/token_endpoint.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::graph {

inline constexpr const char* kGraphScope = "https://graph.microsoft.com/.default";

struct GraphStack {
  std::unique_ptr<Credential> credential;
  std::unique_ptr<GraphClient> client;
  std::unique_ptr<GraphProvider> provider;
};

/// The bearer token a GraphClient sends: `credential`'s token for `scope` (`credential` must outlive the function).
std::function<engine::Result<std::string>()> BearerFrom(Credential& credential, std::string scope);

/// The stack over `transport` (which must outlive it). The client asks `credential` (not null) for `scope`; when
/// the credential caches, a 401 drops the cached token (unless `options` already says what to do).
GraphStack MakeGraphStack(Transport& transport, std::unique_ptr<Credential> credential, std::string scope, GraphClientOptions options);

/// The same, signing in as `app` with a client secret, cached: the local tenant's operator application.
GraphStack MakeSecretStack(Transport& transport, const AppIdentity& app, std::string secret, GraphClientOptions options,
                           std::string scope = kGraphScope);

}  // namespace entragate::graph
