// DefaultCredentialChain: with several sources configured the first in the documented order wins
// (and says so in Name()); with none, one error lists every source checked and how to set it up.
#include <doctest/doctest.h>

#include "providers/graph/credentials/caching_credential.h"
#include "providers/graph/credentials/credential_chain.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

namespace {

using Vars = std::map<std::string, std::string>;

// Everything configured at once, each source pointing at the local tenant (or the issuer).
struct Everything {
  StandInIssuer issuer;
  TestTenant tenant{&issuer};
  TempDir bin;
  Vars vars;

  Everything() {
    tenant.RegisterFederated(issuer.url(), "system:serviceaccount:payroll:reconciler");
    tenant.RegisterFederated(issuer.url(), StandInIssuer::kGitHubSubject);
    crypto::PKey key = crypto::GenerateRsaKey().value();
    crypto::Certificate cert = crypto::CreateClientCert(key, SpecFor("chain test")).value();
    REQUIRE(crypto::SaveCertAndKeyPemFile(cert, key, bin.path() + "/cert.pem").ok());
    tenant.RegisterCertificate(cert);
    const std::string az =
        bin.Write("az", "#!/bin/sh\ncat <<'EOF'\n" +
                            json::serialize(json::object{{"accessToken", tenant.OperatorToken()}, {"expires_on", Now() + 3000}}) + "\nEOF\n");
    fs::permissions(az, fs::perms::owner_all);
    const auto& e = tenant.e();
    vars = {{"AZURE_TENANT_ID", e.tenant_id},
            {"AZURE_CLIENT_ID", e.client_id},
            {"AZURE_CLIENT_SECRET", e.client_secret},
            {"AZURE_CLIENT_CERTIFICATE_PATH", bin.path() + "/cert.pem"},
            {"AZURE_FEDERATED_TOKEN_FILE", bin.Write("token", issuer.Mint("system:serviceaccount:payroll:reconciler"))},
            {"ACTIONS_ID_TOKEN_REQUEST_URL", issuer.id_token_request_url()},
            {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", StandInIssuer::kRequestToken},
            {"IDENTITY_ENDPOINT", e.identity_endpoint},
            {"IDENTITY_HEADER", e.identity_headers.at("centos-2")},
            {"AZURE_POD_IDENTITY_AUTHORITY_HOST", e.imds},
            {"PATH", "/nonexistent:" + bin.path()},
            {"ENTRAGATE_ACCESS_TOKEN", tenant.OperatorToken()}};
  }

  std::unique_ptr<Credential> Chain() {
    auto chain = DefaultCredentialChain(EnvFor(tenant, vars));
    REQUIRE_MESSAGE(chain.ok(), (chain.ok() ? "" : chain.error().message));
    return std::move(chain).value();
  }
};

}  // namespace

TEST_CASE("credential chain: the first configured source wins, in the documented order") {
  Everything all;
  const std::vector<std::pair<std::vector<std::string>, std::string>> steps{
      {{}, "client secret (AZURE_CLIENT_SECRET)"},
      {{"AZURE_CLIENT_SECRET"}, "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)"},
      {{"AZURE_CLIENT_CERTIFICATE_PATH"}, "workload identity (AZURE_FEDERATED_TOKEN_FILE)"},
      {{"AZURE_FEDERATED_TOKEN_FILE"}, "GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL)"},
      // Managed identity ignores the tenant, and uses AZURE_CLIENT_ID as a user-assigned id: drop it.
      {{"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AZURE_CLIENT_ID"}, "managed identity (App Service: IDENTITY_ENDPOINT)"},
      {{"IDENTITY_HEADER"}, "managed identity (IMDS)"},
      {{"AZURE_POD_IDENTITY_AUTHORITY_HOST"}, "Azure CLI (az account get-access-token)"},
      {{"PATH"}, "access token (ENTRAGATE_ACCESS_TOKEN)"},
  };
  for (const auto& [unset, expected] : steps) {
    for (const auto& name : unset) all.vars.erase(name);
    if (expected == "Azure CLI (az account get-access-token)") {
      // Nothing listens on port 1: the IMDS probe fails at once.
      all.vars["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = "http://127.0.0.1:1";
    }
    CAPTURE(expected);
    std::unique_ptr<Credential> chain = all.Chain();
    CHECK(chain->Name() == expected);
    auto token = chain->GetToken(kGraphScope);
    REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
    CHECK(Claims(token->token).at("tid").as_string() == all.tenant.e().tenant_id);
  }
}

TEST_CASE("credential chain: the chosen source is not cached itself, a CachingCredential around it is") {
  Everything all;
  std::unique_ptr<Credential> bare = all.Chain();
  int before = all.tenant.transport().count();
  REQUIRE(bare->GetToken(kGraphScope).ok());
  REQUIRE(bare->GetToken(kGraphScope).ok());
  CHECK(all.tenant.transport().count() == before + 2);
  CachingCredential chain(all.Chain(), Now);
  CHECK(chain.Name() == "client secret (AZURE_CLIENT_SECRET)");
  before = all.tenant.transport().count();
  REQUIRE(chain.GetToken(kGraphScope).ok());
  REQUIRE(chain.GetToken(kGraphScope).ok());
  CHECK(all.tenant.transport().count() == before + 1);
}

TEST_CASE("credential chain: a source that applies but is misconfigured is an error, not skipped") {
  Everything all;
  all.vars.erase("AZURE_CLIENT_SECRET");
  all.vars["AZURE_CLIENT_CERTIFICATE_PATH"] = all.bin.path() + "/missing.pem";
  auto chain = DefaultCredentialChain(EnvFor(all.tenant, all.vars));
  REQUIRE_FALSE(chain.ok());
  CHECK(chain.error().message.find("client certificate (AZURE_CLIENT_CERTIFICATE_PATH): cannot load '" + all.bin.path() + "/missing.pem'") == 0);

  all.vars["AZURE_CLIENT_CERTIFICATE_PATH"] = all.bin.path() + "/cert.pem";
  all.vars["ENTRAGATE_CLIENT_ASSERTION_ALG"] = "HS256";
  chain = DefaultCredentialChain(EnvFor(all.tenant, all.vars));
  REQUIRE_FALSE(chain.ok());
  CHECK(chain.error().message == "ENTRAGATE_CLIENT_ASSERTION_ALG must be RS256 or PS256, got 'HS256'");

  all.vars["ENTRAGATE_CLIENT_ASSERTION_ALG"] = "PS256";
  std::unique_ptr<Credential> ps256 = all.Chain();
  CHECK(ps256->Name() == "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)");
  CHECK(ps256->GetToken(kGraphScope).ok());
}

TEST_CASE("credential chain: with nothing configured, every source is listed with how to set it up") {
  TestTenant t;
  TempDir empty_bin;
  auto chain = DefaultCredentialChain(EnvFor(t, {{"AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"},
                                                 {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:1"},
                                                 {"PATH", empty_bin.path()}}));
  REQUIRE_FALSE(chain.ok());
  const engine::Error& error = chain.error();
  CAPTURE(error.message);
  CHECK(error.kind == engine::Error::Kind::kAuth);
  CHECK(error.code == "no_credential");
  CHECK(error.message.rfind("no credential is configured; checked, in order:\n", 0) == 0);
  const std::vector<std::string> expected_lines{
      "  1. client secret: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (not set: "
      "AZURE_TENANT_ID, AZURE_CLIENT_SECRET)",
      "  2. client certificate: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_CERTIFICATE_PATH",
      "  3. workload identity: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE",
      "  4. GitHub Actions OIDC: in a workflow with `permissions: id-token: write`",
      "  5. managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER are not both set",
      "  6. Azure CLI: `az` is not on PATH; install the Azure CLI and run `az login`",
      "  7. access token: set ENTRAGATE_ACCESS_TOKEN to a Microsoft Graph access token (not set)",
  };
  std::size_t at = 0;
  for (const auto& line : expected_lines) {
    CAPTURE(line);
    const auto found = error.message.find("\n" + line, at);
    CHECK(found != std::string::npos);
    if (found != std::string::npos) at = found + 1;
  }
  CHECK(error.message.find("there is no IMDS at http://127.0.0.1:1 (") != std::string::npos);
  CHECK(error.message.find("11111111-2222-3333-4444-555555555555") == std::string::npos);
}
