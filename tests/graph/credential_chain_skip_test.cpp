// The chain on a machine that is not what it seems: an IMDS address that answers like a web server
// (a link-local responder, a proxy), an `az` that is installed but not signed in. Such a source is
// unavailable and the chain goes on, as Azure Identity's does; a configured source that fails is
// final; when every source fails, the error says what each one said. And --auth picks exactly one.
#include <doctest/doctest.h>

#include <functional>

#include "emulator/http_server.h"
#include "providers/graph/credentials/credential_chain.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

namespace {

using Vars = std::map<std::string, std::string>;

/// A plain-http server on loopback that answers every request through `answer`, counting them.
class Responder {
 public:
  explicit Responder(std::function<net::Response(const net::Request&)> answer) : answer_(std::move(answer)) {
    auto started = emulator::HttpServer::Start({}, [this](const net::Request& r) {
      ++requests_;
      return emulator::HandlerResult{answer_(r)};
    });
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    server_ = std::move(started).value();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int requests() const { return requests_; }

 private:
  std::function<net::Response(const net::Request&)> answer_;
  std::atomic<int> requests_{0};
  std::unique_ptr<emulator::HttpServer> server_;
};

net::Response Answer(int status, std::string content_type, std::string body) {
  net::Response r;
  r.status = status;
  r.headers["Content-Type"] = std::move(content_type);
  r.body = std::move(body);
  return r;
}

// What a captive portal or a corporate proxy says on 169.254.169.254.
net::Response Forbidden(const net::Request&) { return Answer(403, "text/html", "<html><body>403 Forbidden</body></html>"); }

// An `az` that is installed but has no signed-in account, worded as az words it.
std::string NotSignedInAz(const TempDir& bin) {
  const std::string az = bin.Write("az", "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
  fs::permissions(az, fs::perms::owner_all);
  return az;
}

std::string Message(const engine::Result<AccessToken>& r) { return r.ok() ? std::string() : r.error().message; }

}  // namespace

TEST_CASE("credential chain: an IMDS answering 403 without a token endpoint's JSON is skipped, so is az not signed in") {
  TestTenant tenant;
  Responder imds(Forbidden);
  TempDir bin;
  NotSignedInAz(bin);
  auto chain = DefaultCredentialChain(
      EnvFor(tenant, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()}, {"PATH", bin.path()}, {"ENTRAGATE_ACCESS_TOKEN", tenant.OperatorToken()}}));
  REQUIRE_MESSAGE(chain.ok(), (chain.ok() ? "" : chain.error().message));
  CHECK(imds.requests() == 1);                                                // the probe, and nothing more: no token is asked of it
  CHECK(chain.value()->Name() == "Azure CLI (az account get-access-token)");  // the first that applies
  auto token = chain.value()->GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), Message(token));
  CHECK(token->token == tenant.OperatorToken());
  CHECK(chain.value()->Name() == "access token (ENTRAGATE_ACCESS_TOKEN)");
  // Settled: the next token comes from the same source without asking az again.
  std::filesystem::remove(bin.path() + "/az");
  CHECK(chain.value()->GetToken(kGraphScope).ok());
}

TEST_CASE("credential chain: an IMDS without this identity (400 at the token request) gives way to the next source") {
  TestTenant tenant;
  Responder imds([](const net::Request& r) {
    if (!r.Header("Metadata"))
      return Answer(400, "application/json", R"({"error":"invalid_request","error_description":"Required metadata header not specified"})");
    return Answer(400, "application/json", R"({"error":"invalid_request","error_description":"Identity not found"})");
  });
  auto chain = DefaultCredentialChain(EnvFor(
      tenant, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()}, {"PATH", "/nonexistent"}, {"ENTRAGATE_ACCESS_TOKEN", tenant.OperatorToken()}}));
  REQUIRE(chain.ok());
  CHECK(chain.value()->Name() == "managed identity (IMDS)");  // the probe got IMDS's own JSON: it is there
  auto token = chain.value()->GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), Message(token));
  CHECK(chain.value()->Name() == "access token (ENTRAGATE_ACCESS_TOKEN)");
  CHECK(imds.requests() == 2);
}

TEST_CASE("credential chain: when every source fails, the error lists what each one said") {
  TestTenant tenant;
  TempDir bin;
  NotSignedInAz(bin);
  // The probe gets IMDS's JSON, the token request a web server's 403 (not 404 or 5xx, which IMDS
  // uses for "updating" and which are retried with real waits).
  Responder probe_then_403([](const net::Request& r) {
    if (!r.Header("Metadata")) return Answer(400, "application/json", R"({"error":"invalid_request"})");
    return Forbidden(r);
  });
  auto chain = DefaultCredentialChain(EnvFor(tenant, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", probe_then_403.url()}, {"PATH", bin.path()}}));
  REQUIRE(chain.ok());
  auto token = chain.value()->GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  const engine::Error& error = token.error();
  CAPTURE(error.message);
  CHECK(error.code == "no_credential");
  CHECK(error.message.rfind("no credential source could get a token; tried, in order:\n", 0) == 0);
  CHECK(error.message.find("\n  1. client secret: set AZURE_TENANT_ID") != std::string::npos);
  CHECK(error.message.find("\n  5. managed identity (IMDS): token request failed: HTTP 403 (the answer is not a token endpoint's JSON)") !=
        std::string::npos);
  CHECK(error.message.find("\n  6. Azure CLI (az account get-access-token): az exited with status 1: ERROR: Please run 'az login'") !=
        std::string::npos);
  CHECK(error.message.find("\n  7. access token: set ENTRAGATE_ACCESS_TOKEN") != std::string::npos);

  // An IMDS address that answers 403 HTML to the probe is not an IMDS at all: skipped up front.
  Responder quick(Forbidden);
  chain = DefaultCredentialChain(EnvFor(tenant, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", quick.url()}, {"PATH", "/nonexistent"}}));
  REQUIRE_FALSE(chain.ok());
  CHECK(chain.error().message.find("it answered HTTP 403 without a token endpoint's JSON, so it is not an Azure IMDS") != std::string::npos);
}

TEST_CASE("credential chain: a configured source that fails is final, the sources after it are not tried") {
  TestTenant tenant;
  const auto& e = tenant.e();
  auto chain = DefaultCredentialChain(EnvFor(tenant, {{"AZURE_TENANT_ID", e.tenant_id},
                                                      {"AZURE_CLIENT_ID", e.client_id},
                                                      {"AZURE_CLIENT_SECRET", "Wr0ng-Secret-Value-4711"},
                                                      {"PATH", "/nonexistent"},
                                                      {"ENTRAGATE_ACCESS_TOKEN", tenant.OperatorToken()}}));
  REQUIRE(chain.ok());
  auto token = chain.value()->GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message.find("AADSTS7000215") != std::string::npos);
  CHECK(token.error().message.find("Wr0ng-Secret-Value-4711") == std::string::npos);
  CHECK(chain.value()->Name() == "client secret (AZURE_CLIENT_SECRET)");
}

TEST_CASE("--auth: exactly the named source, nothing else") {
  TestTenant tenant;
  const auto& e = tenant.e();
  TempDir bin;
  NotSignedInAz(bin);
  const Vars all{{"AZURE_TENANT_ID", e.tenant_id},
                 {"AZURE_CLIENT_ID", e.client_id},
                 {"AZURE_CLIENT_SECRET", e.client_secret},
                 {"AZURE_POD_IDENTITY_AUTHORITY_HOST", e.imds},
                 {"PATH", bin.path()},
                 {"ENTRAGATE_ACCESS_TOKEN", tenant.OperatorToken()}};
  CHECK(CredentialSourceNames() ==
        std::vector<std::string>{"secret", "certificate", "workload-identity", "github", "managed-identity", "azure-cli", "token"});

  auto token_only = SelectedCredential(EnvFor(tenant, all), "token");
  REQUIRE(token_only.ok());
  CHECK(token_only.value()->Name() == "access token (ENTRAGATE_ACCESS_TOKEN)");
  CHECK(token_only.value()->GetToken(kGraphScope).ok());

  // Managed identity, picked by name, asks IMDS for a token without probing it first.
  Vars mi = all;
  mi.erase("AZURE_CLIENT_ID");
  auto imds = SelectedCredential(EnvFor(tenant, mi), "managed-identity");
  REQUIRE(imds.ok());
  CHECK(imds.value()->Name() == "managed identity (IMDS)");
  auto mi_token = imds.value()->GetToken(kGraphScope);
  REQUIRE_MESSAGE(mi_token.ok(), Message(mi_token));
  CHECK(Claims(mi_token->token).at("oid").as_string() == tenant.ServicePrincipal("centos-1").first);

  // az not signed in: with --auth azure-cli that is the answer, not a reason to use another source.
  auto az = SelectedCredential(EnvFor(tenant, all), "azure-cli");
  REQUIRE(az.ok());
  auto az_token = az.value()->GetToken(kGraphScope);
  REQUIRE_FALSE(az_token.ok());
  CHECK(az_token.error().message.find("Please run 'az login'") != std::string::npos);

  // A source picked by name must be configured; the error says what is missing.
  auto certificate = SelectedCredential(EnvFor(tenant, all), "certificate");
  REQUIRE_FALSE(certificate.ok());
  CHECK(certificate.error().code == "no_credential");
  CHECK(certificate.error().message.rfind("--auth certificate: client certificate: set AZURE_TENANT_ID", 0) == 0);
  CHECK(certificate.error().message.find("(not set: AZURE_CLIENT_CERTIFICATE_PATH)") != std::string::npos);
  CHECK(certificate.error().message.find(e.client_secret) == std::string::npos);

  auto unknown = SelectedCredential(EnvFor(tenant, all), "kerberos");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message ==
        "unknown credential source 'kerberos': use one of secret, certificate, workload-identity, github, "
        "managed-identity, azure-cli, token");
}
