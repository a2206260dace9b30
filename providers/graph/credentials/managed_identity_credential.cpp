#include "providers/graph/credentials/managed_identity_credential.h"
#include "providers/graph/credentials/token_retry.h"

#include <utility>

#include <boost/json.hpp>

#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

// {"error": …} as IMDS and the identity platform send it.
bool IsTokenEndpointError(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  return !ec && value.is_object() && value.get_object().contains("error");
}

constexpr const char* kImdsPath = "/metadata/identity/oauth2/token";

// The App Service platform's whole answer when the identity platform refused it (Microsoft's spelling).
constexpr const char* kAppServiceTokenFailed = "An unexpected error occured while fetching the AAD Token.";

std::string HostRoot(std::string host) {
  if (host.find("://") == std::string::npos) host.insert(0, "http://");
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host;
}

std::string Query(const std::string& api_version, const std::string& resource, const std::optional<std::string>& client_id) {
  std::string query = "api-version=" + api_version + "&resource=" + net::PercentEncode(resource);
  if (client_id) query += "&client_id=" + net::PercentEncode(*client_id);
  return query;
}

std::string WithQuery(const std::string& url, const std::string& query) { return url + (url.find('?') == std::string::npos ? '?' : '&') + query; }

}  // namespace

ManagedIdentityEndpoint ManagedIdentityEndpoint::AppService(std::string identity_endpoint, std::string identity_header) {
  return {Kind::kAppService, std::move(identity_endpoint), std::move(identity_header)};
}

ManagedIdentityEndpoint ManagedIdentityEndpoint::Imds(std::string host) { return {Kind::kImds, HostRoot(std::move(host)), {}}; }

ManagedIdentityCredential::ManagedIdentityCredential(Transport& transport, ManagedIdentityEndpoint endpoint, std::optional<std::string> client_id,
                                                     Clock now)
    : transport_(transport), endpoint_(std::move(endpoint)), client_id_(std::move(client_id)), now_(std::move(now)) {}

net::Request ManagedIdentityCredential::TokenRequest(const std::string& scope) const {
  const std::string resource = ScopeToResource(scope);
  net::Request request;
  request.method = "GET";
  request.headers["Accept"] = "application/json";
  if (endpoint_.kind == ManagedIdentityEndpoint::Kind::kAppService) {
    request.target = WithQuery(endpoint_.url, Query("2019-08-01", resource, client_id_));
    request.headers["X-IDENTITY-HEADER"] = endpoint_.secret;
  } else {
    request.target = WithQuery(endpoint_.url + kImdsPath, Query("2018-02-01", resource, client_id_));
    request.headers["Metadata"] = "true";
  }
  return request;
}

engine::Result<AccessToken> ManagedIdentityCredential::GetToken(const std::string& scope) {
  auto response =
      SendTokenRequest(transport_, TokenRequest(scope), endpoint_.kind == ManagedIdentityEndpoint::Kind::kImds ? ImdsRetry() : TokenRetry{});
  if (!response) return Prefixed(response.error(), Name());
  auto token = ParseTokenResponse(*response, now_(), Name());
  if (token) return token;
  engine::Error error = token.error();
  error.message = Redacted(std::move(error.message), {endpoint_.secret});
  // App Service hides the identity platform's reason behind a generic 500 (docs/graph-behaviour.md
  // §13.3); without a hint the user would look for an outage.
  if (endpoint_.kind == ManagedIdentityEndpoint::Kind::kAppService && response->status == 500 &&
      response->body.find(kAppServiceTokenFailed) != std::string::npos) {
    error.message += std::string(" (") + kAppServiceTokenFailedHint + ")";
  }
  return error;
}

std::string ManagedIdentityCredential::Name() const {
  return endpoint_.kind == ManagedIdentityEndpoint::Kind::kAppService ? "managed identity (App Service: IDENTITY_ENDPOINT)"
                                                                      : "managed identity (IMDS)";
}

engine::Status ProbeImds(Transport& transport, const std::string& host) {
  net::Request request;
  request.method = "GET";
  request.target = HostRoot(host) + kImdsPath;
  auto response = transport.Send(request);
  if (!response) return response.error();
  if (response->status >= 400 && response->status < 500 && !IsTokenEndpointError(response->body)) {
    engine::Error error = engine::MakeError(engine::Error::Kind::kAuth, "it answered HTTP " + std::to_string(response->status) +
                                                                            " without a token endpoint's JSON, so it is not an Azure IMDS");
    error.http_status = response->status;
    return error;
  }
  return engine::Ok{};
}

bool ImdsUnavailable(const engine::Error& error) {
  if (error.http_status == 0) return error.kind == engine::Error::Kind::kTransient;
  if (error.http_status == 400) return true;
  // TokenResponseError leaves `code` empty when the body carried no OAuth error.
  return error.http_status > 400 && error.http_status < 500 && error.code.empty();
}

}  // namespace entragate::graph
