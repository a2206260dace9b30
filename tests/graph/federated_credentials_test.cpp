// Federated credentials against the local tenant and a stand-in external issuer over HTTPS: a
// Kubernetes-style token file (re-read on every request) and the GitHub Actions ID-token
// endpoint.
#include <doctest/doctest.h>

#include "providers/graph/credentials/github_oidc_credential.h"
#include "providers/graph/credentials/workload_identity_credential.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

namespace {

AppIdentity Operator(TestTenant& t) { return {t.e().authority, t.e().tenant_id, t.e().client_id}; }

const std::string kPodSubject = "system:serviceaccount:payroll:reconciler";

}  // namespace

TEST_CASE("workload identity credential: the token file is read again for every request") {
  StandInIssuer issuer;
  TestTenant t(&issuer);
  t.RegisterFederated(issuer.url(), kPodSubject);
  const std::string file = t.dir().Write("azure-identity-token", issuer.Mint(kPodSubject) + "\n");
  WorkloadIdentityCredential credential(t.transport(), Operator(t), file, Now);
  CHECK(credential.Name() == "workload identity (AZURE_FEDERATED_TOKEN_FILE)");

  auto first = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  CHECK(Claims(first->token).at("tid").as_string() == t.e().tenant_id);

  // The kubelet rotates the projected token; one for a subject the app does not trust must now be
  // the one presented.
  const std::string foreign = issuer.Mint("system:serviceaccount:other:intruder");
  t.dir().Write("azure-identity-token", foreign);
  auto second = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(second.ok());
  CAPTURE(second.error().message);
  CHECK(second.error().message.find("AADSTS700213") != std::string::npos);
  CHECK(second.error().message.find(foreign) == std::string::npos);

  t.dir().Write("azure-identity-token", issuer.Mint(kPodSubject));
  auto third = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(third.ok(), (third.ok() ? "" : third.error().message));
}

TEST_CASE("workload identity credential: a missing or empty token file is an I/O error naming the path") {
  CannedTransport unused(net::Response{});
  TempDir dir;
  WorkloadIdentityCredential missing(unused, {"https://l", "t", "c"}, dir.path() + "/absent", Now);
  auto token = missing.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().kind == engine::Error::Kind::kIo);
  CHECK(token.error().message.find(dir.path() + "/absent") != std::string::npos);

  WorkloadIdentityCredential empty(unused, {"https://l", "t", "c"}, dir.Write("empty", " \n"), Now);
  token = empty.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message.find("is empty") != std::string::npos);
}

TEST_CASE("GitHub OIDC credential: the workflow's ID token becomes the client assertion") {
  StandInIssuer issuer;
  TestTenant t(&issuer);
  t.RegisterFederated(issuer.url(), StandInIssuer::kGitHubSubject);
  GitHubOidcCredential credential(t.transport(), Operator(t), issuer.id_token_request_url(), StandInIssuer::kRequestToken, Now);
  CHECK(credential.Name() == "GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL)");
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  CHECK(Claims(token->token).at("tid").as_string() == t.e().tenant_id);
  CHECK(issuer.id_token_requests() == 1);
  CHECK(issuer.last_audience() == "api://AzureADTokenExchange");
  // Every access token request presents a fresh ID token.
  REQUIRE(credential.GetToken(kGraphScope).ok());
  CHECK(issuer.id_token_requests() == 2);
}

TEST_CASE("GitHub OIDC credential: a refused request token is an auth error that does not quote it") {
  StandInIssuer issuer;
  TestTenant t(&issuer);
  const std::string wrong = "not-the-request-token-7d2";
  GitHubOidcCredential credential(t.transport(), Operator(t), issuer.id_token_request_url(), wrong, Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().kind == engine::Error::Kind::kAuth);
  CHECK(token.error().http_status == 401);
  CHECK(token.error().message.find("id-token: write") != std::string::npos);
  CHECK(token.error().message.find(wrong) == std::string::npos);
}

TEST_CASE("GitHub OIDC credential: an unregistered repository is refused by subject") {
  StandInIssuer issuer;
  TestTenant t(&issuer);
  t.RegisterFederated(issuer.url(), "repo:contoso/other:ref:refs/heads/main");
  GitHubOidcCredential credential(t.transport(), Operator(t), issuer.id_token_request_url(), StandInIssuer::kRequestToken, Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().message.find("AADSTS700213") != std::string::npos);
  CHECK(token.error().message.find(StandInIssuer::kRequestToken) == std::string::npos);
}
