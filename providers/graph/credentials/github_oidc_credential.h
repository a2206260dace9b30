#pragma once
// GitHub Actions OIDC: a workflow with `permissions: id-token: write` gets
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. We ask that endpoint for an ID
// token whose audience is api://AzureADTokenExchange and present it as the client assertion of a
// federated credential on the app (docs/graph-behaviour.md §7.4). A fresh ID token is fetched for every access
// token: they are short-lived, and the access token is what gets cached.

#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/credentials/token_endpoint.h"

namespace entragate::graph {

/// The audience federated credentials expect by default.
inline constexpr const char* kTokenExchangeAudience = "api://AzureADTokenExchange";

class GitHubOidcCredential : public Credential {
 public:
  /// `request_token` is a secret (it can mint ID tokens for this workflow run); it is sent as a
  /// bearer token to `request_url` only. `transport` must outlive the credential.
  GitHubOidcCredential(Transport& transport, AppIdentity app, std::string request_url, std::string request_token, Clock now);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL)".
  std::string Name() const override;

 private:
  /// GET {request_url}&audience=api%3A%2F%2FAzureADTokenExchange → {"value": "<jwt>"}.
  engine::Result<std::string> FetchIdToken() const;

  Transport& transport_;
  AppIdentity app_;
  std::string request_url_;
  std::string request_token_;
  Clock now_;
};

}  // namespace entragate::graph
