#include "providers/graph/credentials/github_oidc_credential.h"

#include <boost/json.hpp>
#include <utility>

#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

namespace json = boost::json;
using engine::Error;

// GitHub's URL already carries a query (api-version=2.0); append to it.
std::string IdTokenUrl(const std::string& request_url) {
  const char separator = request_url.find('?') == std::string::npos ? '?' : '&';
  return request_url + separator + "audience=" + net::PercentEncode(kTokenExchangeAudience);
}

std::optional<std::string> ValueField(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::value* value = parsed.get_object().if_contains("value");
  if (!value || !value->is_string() || value->get_string().empty()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace

GitHubOidcCredential::GitHubOidcCredential(Transport& transport, AppIdentity app, std::string request_url, std::string request_token, Clock now)
    : transport_(transport),
      app_(std::move(app)),
      request_url_(std::move(request_url)),
      request_token_(std::move(request_token)),
      now_(std::move(now)) {}

engine::Result<std::string> GitHubOidcCredential::FetchIdToken() const {
  net::Request request;
  request.method = "GET";
  request.target = IdTokenUrl(request_url_);
  request.headers["Authorization"] = "bearer " + request_token_;
  request.headers["Accept"] = "application/json";
  auto response = transport_.Send(request);
  if (!response) return Prefixed(response.error(), Name());
  if (response->status != 200) {
    Error error = engine::MakeError(response->status >= 500 ? Error::Kind::kTransient : Error::Kind::kAuth,
                                    Name() + ": the ID token request failed: HTTP " + std::to_string(response->status) +
                                        " (does the workflow have `permissions: id-token: write`?)");
    error.http_status = response->status;
    return error;
  }
  auto token = ValueField(response->body);
  if (!token) {
    return engine::MakeError(Error::Kind::kAuth, Name() + ": the ID token answer has no \"value\"");
  }
  return std::move(*token);
}

engine::Result<AccessToken> GitHubOidcCredential::GetToken(const std::string& scope) {
  auto id_token = FetchIdToken();
  if (!id_token) return id_token.error();
  auto token = RequestClientCredentialsToken(transport_, app_, scope, {ClientProof::Kind::kAssertion, std::move(id_token).value()}, now_(), Name());
  if (token) return token;
  Error error = token.error();
  error.message = Redacted(std::move(error.message), {request_token_});
  return error;
}

std::string GitHubOidcCredential::Name() const { return "GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL)"; }

}  // namespace entragate::graph
