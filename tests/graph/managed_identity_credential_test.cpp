// Managed identity against the local tenant's identity endpoints: App Service (IDENTITY_ENDPOINT
// + IDENTITY_HEADER) and IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST), system- and user-assigned.
#include <doctest/doctest.h>

#include "providers/graph/credentials/managed_identity_credential.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

TEST_CASE("managed identity credential: App Service protocol with the host's identity header") {
  TestTenant t;
  ManagedIdentityCredential credential(
      t.transport(), ManagedIdentityEndpoint::AppService(t.e().identity_endpoint, t.e().identity_headers.at("centos-2")), std::nullopt, Now);
  CHECK(credential.Name() == "managed identity (App Service: IDENTITY_ENDPOINT)");
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  json::object claims = Claims(token->token);
  CHECK(claims.at("oid").as_string() == t.ServicePrincipal("centos-2").first);
  CHECK(claims.at("aud").as_string() == "https://graph.microsoft.com");
  CHECK(token->expires_on > Now());
}

TEST_CASE("managed identity credential: a wrong identity header is refused and not echoed") {
  TestTenant t;
  const std::string wrong = "0f0e0d0c-bad0-4bad-8bad-000000000000";
  ManagedIdentityCredential credential(t.transport(), ManagedIdentityEndpoint::AppService(t.e().identity_endpoint, wrong), std::nullopt, Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().http_status == 401);
  CHECK(token.error().message.find("X-IDENTITY-HEADER") != std::string::npos);
  CHECK(token.error().message.find(wrong) == std::string::npos);
}

TEST_CASE("managed identity credential: IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST, system- and user-assigned") {
  TestTenant t;
  ManagedIdentityCredential system(t.transport(), ManagedIdentityEndpoint::Imds(t.e().imds), std::nullopt, Now);
  CHECK(system.Name() == "managed identity (IMDS)");
  auto token = system.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  CHECK(Claims(token->token).at("oid").as_string() == t.ServicePrincipal("centos-1").first);

  auto [runner_id, runner_app_id] = t.ServicePrincipal("ci-runner");
  ManagedIdentityCredential user(t.transport(), ManagedIdentityEndpoint::Imds(t.e().imds + "/"), runner_app_id, Now);
  token = user.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  CHECK(Claims(token->token).at("oid").as_string() == runner_id);
}

TEST_CASE("managed identity credential: the requests as the protocols define them") {
  net::Response answer;
  answer.body = R"({"access_token":"at","expires_on":"1700000000","resource":"https://graph.microsoft.com","token_type":"Bearer"})";
  CannedTransport canned(answer);
  ManagedIdentityCredential imds(canned, ManagedIdentityEndpoint::Imds("127.0.0.1:9"), std::string("cid"), Now);
  auto token = imds.GetToken(kGraphScope);
  REQUIRE(token.ok());
  CHECK(token->expires_on == 1700000000);
  CHECK(canned.last().target ==
        "http://127.0.0.1:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com&client_id=cid");
  CHECK(canned.last().Header("Metadata") == std::optional<std::string>("true"));

  ManagedIdentityCredential app_service(canned, ManagedIdentityEndpoint::AppService("http://127.0.0.1:9/msi/token", "hdr"), std::nullopt, Now);
  REQUIRE(app_service.GetToken(kGraphScope).ok());
  CHECK(canned.last().target == "http://127.0.0.1:9/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com");
  CHECK(canned.last().Header("X-IDENTITY-HEADER") == std::optional<std::string>("hdr"));
  CHECK_FALSE(canned.last().Header("Metadata"));
}

TEST_CASE("managed identity credential: the IMDS probe answers only when something listens") {
  TestTenant t;
  CHECK(ProbeImds(t.transport(), t.e().imds).ok());
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  CHECK_FALSE(ProbeImds(t.transport(), "http://127.0.0.1:1").ok());
}

TEST_CASE("managed identity credential: a 4xx probe answer without a token endpoint's JSON is not an IMDS") {
  auto probe = [](int status, std::string body) {
    net::Response answer;
    answer.status = status;
    answer.body = std::move(body);
    CannedTransport canned(answer);
    return ProbeImds(canned, "127.0.0.1:9");
  };
  auto html = probe(403, "<html>Forbidden</html>");
  REQUIRE_FALSE(html.ok());
  CHECK(html.error().message == "it answered HTTP 403 without a token endpoint's JSON, so it is not an Azure IMDS");
  CHECK_FALSE(probe(404, R"({"message":"not found"})").ok());  // JSON, but not an OAuth error
  CHECK(probe(400, R"({"error":"invalid_request","error_description":"Required metadata header not specified"})").ok());
  CHECK(probe(403, R"({"error":"access_denied"})").ok());
  CHECK(probe(503, "<html>busy</html>").ok());  // IMDS is there, only busy: the token request retries
}

TEST_CASE("managed identity credential: which IMDS token failures mean 'no usable IMDS here'") {
  auto failure = [](int status, std::string body) {
    net::Response answer;
    answer.status = status;
    answer.body = std::move(body);
    CannedTransport canned(answer);
    ManagedIdentityCredential imds(canned, ManagedIdentityEndpoint::Imds("127.0.0.1:9"), std::nullopt, Now);
    auto token = imds.GetToken(kGraphScope);
    REQUIRE_FALSE(token.ok());
    return token.error();
  };
  CHECK(ImdsUnavailable(failure(403, "<html>Forbidden</html>")));
  CHECK(ImdsUnavailable(failure(400, R"({"error":"invalid_request","error_description":"Identity not found"})")));
  CHECK_FALSE(ImdsUnavailable(failure(403, R"({"error":"access_denied","error_description":"denied"})")));
  CHECK_FALSE(ImdsUnavailable(failure(200, R"({"no":"token"})")));
  engine::Error refused = engine::MakeError(engine::Error::Kind::kTransient, "connection refused");
  CHECK(ImdsUnavailable(refused));
}
