#include "providers/graph/credentials/token_endpoint.h"
#include "providers/graph/credentials/token_retry.h"

#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::string FormBody(const AppIdentity& app, const std::string& scope, const ClientProof& proof) {
  std::vector<std::pair<std::string, std::string>> fields{{"grant_type", "client_credentials"}, {"client_id", app.client_id}, {"scope", scope}};
  if (proof.kind == ClientProof::Kind::kSecret) {
    fields.emplace_back("client_secret", proof.value);
  } else {
    fields.emplace_back("client_assertion_type", kJwtBearer);
    fields.emplace_back("client_assertion", proof.value);
  }
  return net::EncodeForm(fields);
}

// The identity platform echoes client-request-id as the correlation id, which is what a user
// quotes to Microsoft support.
net::Request TokenRequest(const AppIdentity& app, const std::string& scope, const ClientProof& proof) {
  net::Request request;
  request.method = "POST";
  request.target = TokenEndpointUrl(app);
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.headers["Accept"] = "application/json";
  if (auto id = crypto::NewUuid4()) request.headers["client-request-id"] = *id;
  request.body = FormBody(app, scope, proof);
  return request;
}

}  // namespace

std::string TokenEndpointUrl(const AppIdentity& app) {
  std::string_view root = app.authority;
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return std::string(root) + "/" + net::PercentEncode(app.tenant_id) + "/oauth2/v2.0/token";
}

engine::Result<AccessToken> RequestClientCredentialsToken(Transport& transport, const AppIdentity& app, const std::string& scope,
                                                          const ClientProof& proof, std::int64_t now, std::string_view who) {
  auto response = SendTokenRequest(transport, TokenRequest(app, scope, proof));
  if (!response) return Prefixed(response.error(), who);
  auto token = ParseTokenResponse(*response, now, who);
  if (token) return token;
  engine::Error error = token.error();
  // Both the raw and the form-encoded spelling, in case a server quotes the body it received.
  error.message = Redacted(std::move(error.message), {proof.value, net::PercentEncode(proof.value)});
  return error;
}

}  // namespace entragate::graph
