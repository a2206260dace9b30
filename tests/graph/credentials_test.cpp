// App-registration credentials against the local tenant: client secret, client certificate
// (RS256 + x5t and PS256 + x5t#S256), a static token, the token cache — and that no secret,
// assertion or token ever reaches an error message.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <thread>
#include <vector>

#include "providers/graph/credentials/caching_credential.h"
#include "providers/graph/credentials/client_certificate_credential.h"
#include "providers/graph/credentials/client_secret_credential.h"
#include "providers/graph/credentials/static_token_credential.h"
#include "providers/graph/credentials/token_endpoint.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

namespace {

AppIdentity Operator(TestTenant& t) { return {t.e().authority, t.e().tenant_id, t.e().client_id}; }

// A self-signed certificate with its key in one PEM file, as AZURE_CLIENT_CERTIFICATE_PATH wants.
struct ClientCert {
  crypto::Certificate cert;
  std::string path;
};

ClientCert MakeClientCert(const TempDir& dir) {
  crypto::PKey key = crypto::GenerateRsaKey().value();
  crypto::Certificate cert = crypto::CreateClientCert(key, SpecFor("entragate credential test")).value();
  const std::string path = dir.path() + "/client.pem";
  REQUIRE(crypto::SaveCertAndKeyPemFile(cert, key, path).ok());
  return {cert, path};
}

}  // namespace

TEST_CASE("client secret credential: a Graph token for the operator app") {
  TestTenant t;
  ClientSecretCredential credential(t.transport(), Operator(t), t.e().client_secret, Now);
  CHECK(credential.Name() == "client secret (AZURE_CLIENT_SECRET)");
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  json::object claims = Claims(token->token);
  CHECK(claims.at("aud").as_string() == "https://graph.microsoft.com");
  CHECK(claims.at("tid").as_string() == t.e().tenant_id);
  CHECK(token->expires_on > Now() + 3000);
  CHECK(token->expires_on <= Now() + 3600);
}

TEST_CASE("client secret credential: a refused secret is reported by AADSTS line and status, never echoed") {
  TestTenant t;
  const std::string wrong = "Wr0ng~Secret.Value_8Q~does-not-match";
  ClientSecretCredential credential(t.transport(), Operator(t), wrong, Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  const engine::Error& error = token.error();
  CAPTURE(error.message);
  CHECK(error.kind == engine::Error::Kind::kAuth);
  CHECK(error.http_status == 401);
  CHECK(error.code == "invalid_client");
  CHECK(error.message.rfind("client secret (AZURE_CLIENT_SECRET): token request failed: HTTP 401 "
                            "invalid_client: AADSTS7000215: Invalid client secret provided.",
                            0) == 0);
  CHECK(error.message.find("Trace ID") == std::string::npos);
  CHECK(error.message.find("Correlation ID") == std::string::npos);
  CHECK(error.message.find('\n') == std::string::npos);
  CHECK(error.message.find(wrong) == std::string::npos);
  CHECK(error.message.find(net::PercentEncode(wrong)) == std::string::npos);
  CHECK(error.message.find(t.e().client_secret) == std::string::npos);
  CHECK_FALSE(error.request_id.empty());
}

TEST_CASE("client secret credential: a server that echoes the secret has it redacted") {
  const std::string secret = "s3cr3t~value";
  net::Response echo;
  echo.status = 400;
  echo.body = json::serialize(
      json::object{{"error", "invalid_request"},
                   {"error_description", "AADSTS9999: you sent client_secret=" + secret + " and " + net::PercentEncode(secret) + "\r\nTrace ID: x"}});
  CannedTransport canned(echo);
  ClientSecretCredential credential(canned, {"https://login.example", "contoso.example", "app"}, secret, Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().message.find(secret) == std::string::npos);
  CHECK(token.error().message.find(net::PercentEncode(secret)) == std::string::npos);
  CHECK(token.error().message.find("[redacted]") != std::string::npos);
  CHECK(token.error().message.find("Trace ID") == std::string::npos);
  // What went out: the v2.0 endpoint of the tenant, a form body with the secret.
  net::Request sent = canned.last();
  CHECK(sent.method == "POST");
  CHECK(sent.target == "https://login.example/contoso.example/oauth2/v2.0/token");
  CHECK(sent.Header("Content-Type") == std::optional<std::string>("application/x-www-form-urlencoded"));
  auto form = net::ParseForm(sent.body);
  CHECK(std::count(form.begin(), form.end(), std::pair<std::string, std::string>{"client_secret", secret}) == 1);
  CHECK(std::count(form.begin(), form.end(), std::pair<std::string, std::string>{"grant_type", "client_credentials"}) == 1);
}

TEST_CASE("client credentials: throttling and server errors keep their kind, a non-JSON answer is named") {
  net::Response throttled;
  throttled.status = 429;
  throttled.body = R"({"error":"temporarily_unavailable","error_description":"AADSTS50196: loop detected"})";
  CannedTransport canned(throttled);
  ClientSecretCredential credential(canned, {"https://login.example", "t", "app"}, "x", Now);
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().kind == engine::Error::Kind::kThrottled);

  net::Response html;
  html.status = 502;
  html.body = "<html>bad gateway</html>";
  CannedTransport gateway(html);
  ClientSecretCredential behind_proxy(gateway, {"https://login.example", "t", "app"}, "x", Now);
  token = behind_proxy.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().kind == engine::Error::Kind::kTransient);
  CHECK(token.error().message ==
        "client secret (AZURE_CLIENT_SECRET): token request failed: HTTP 502 (the answer is not a "
        "token endpoint's JSON)");
}

TEST_CASE("client certificate credential: RS256 with x5t and PS256 with x5t#S256, both accepted") {
  TestTenant t;
  ClientCert client = MakeClientCert(t.dir());
  t.RegisterCertificate(client.cert);
  for (crypto::JwtAlg alg : {crypto::JwtAlg::kRs256, crypto::JwtAlg::kPs256}) {
    CAPTURE(crypto::JwtAlgName(alg));
    auto credential = ClientCertificateCredential::FromPemFile(t.transport(), Operator(t), client.path, "", alg, Now);
    REQUIRE_MESSAGE(credential.ok(), (credential.ok() ? "" : credential.error().message));
    CHECK((*credential)->Name() == "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)");
    auto token = (*credential)->GetToken(kGraphScope);
    REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
    json::object claims = Claims(token->token);
    CHECK(claims.at("tid").as_string() == t.e().tenant_id);
    // 2: a certificate-class credential, not a secret.
    const json::value* acr = claims.if_contains("azpacr") ? claims.if_contains("azpacr") : claims.if_contains("appidacr");
    REQUIRE(acr != nullptr);
    CHECK(acr->as_string() == "2");
  }
}

TEST_CASE("client certificate credential: the assertion's header and claims") {
  TempDir dir;
  ClientCert client = MakeClientCert(dir);
  crypto::CertAndKey pair = crypto::LoadCertAndKeyPemFile(client.path).value();
  const std::string aud = "https://login.example/t/oauth2/v2.0/token";
  auto rs = crypto::DecodeJwt(BuildClientAssertion(pair, "app-1", aud, crypto::JwtAlg::kRs256, 1000).value()).value();
  CHECK(rs.header.at("alg").as_string() == "RS256");
  CHECK(rs.header.at("x5t").as_string() == crypto::X5t(client.cert));
  CHECK(rs.header.at("kid").as_string() == crypto::ThumbprintHex(client.cert));
  CHECK_FALSE(rs.header.contains("x5t#S256"));
  CHECK(crypto::VerifyJwtSignature(rs, client.cert.PublicKey(), crypto::JwtAlg::kRs256).ok());
  CHECK(rs.payload.at("aud").as_string() == aud);
  CHECK(rs.payload.at("iss").as_string() == "app-1");
  CHECK(rs.payload.at("sub").as_string() == "app-1");
  CHECK(rs.payload.at("nbf").as_int64() == 1000);
  CHECK(rs.payload.at("exp").as_int64() == 1000 + kClientAssertionLifetime);
  CHECK(crypto::ParseUuid(rs.payload.at("jti").as_string()).ok());
  auto ps = crypto::DecodeJwt(BuildClientAssertion(pair, "app-1", aud, crypto::JwtAlg::kPs256, 1000).value()).value();
  CHECK(ps.header.at("alg").as_string() == "PS256");
  CHECK(ps.header.at("x5t#S256").as_string() == crypto::X5tS256(client.cert));
  CHECK_FALSE(ps.header.contains("x5t"));
  CHECK(crypto::VerifyJwtSignature(ps, client.cert.PublicKey(), crypto::JwtAlg::kPs256).ok());
  CHECK(ps.payload.at("jti") != rs.payload.at("jti"));
}

TEST_CASE("client certificate credential: an unregistered certificate is refused, the assertion is not echoed") {
  TestTenant t;
  ClientCert client = MakeClientCert(t.dir());
  auto credential = ClientCertificateCredential::FromPemFile(t.transport(), Operator(t), client.path, "", crypto::JwtAlg::kRs256, Now);
  REQUIRE(credential.ok());
  auto token = (*credential)->GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().kind == engine::Error::Kind::kAuth);
  CHECK(token.error().message.find("AADSTS700027") != std::string::npos);
  CHECK(token.error().message.find("eyJ") == std::string::npos);  // no JWT of any kind
}

TEST_CASE("client certificate credential: a missing file is an error naming the path") {
  CannedTransport unused(net::Response{});
  auto credential =
      ClientCertificateCredential::FromPemFile(unused, {"https://l", "t", "c"}, "/nonexistent/cert.pem", "", crypto::JwtAlg::kRs256, Now);
  REQUIRE_FALSE(credential.ok());
  CHECK(credential.error().message.find("/nonexistent/cert.pem") != std::string::npos);
}

TEST_CASE("static token credential: ENTRAGATE_ACCESS_TOKEN, expiring at its exp claim") {
  TestTenant t;
  const std::string jwt = t.OperatorToken();
  StaticTokenCredential credential(jwt, Now);
  CHECK(credential.Name() == "access token (ENTRAGATE_ACCESS_TOKEN)");
  auto token = credential.GetToken("https://anything/.default");
  REQUIRE(token.ok());
  CHECK(token->token == jwt);
  CHECK(token->expires_on == Claims(jwt).at("exp").to_number<std::int64_t>());

  StaticTokenCredential opaque("opaque-token-value", Now);
  REQUIRE(opaque.GetToken(kGraphScope).ok());
  CHECK(opaque.GetToken(kGraphScope)->expires_on == std::numeric_limits<std::int64_t>::max());

  crypto::PKey key = crypto::GenerateRsaKey().value();
  const std::string expired = crypto::SignJwt({}, json::object{{"exp", 1700000000}, {"tid", "t"}}, crypto::JwtAlg::kRs256, key).value();
  auto refused = StaticTokenCredential(expired, Now).GetToken(kGraphScope);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "access token (ENTRAGATE_ACCESS_TOKEN): the token expired at 2023-11-14T22:13:20Z");
}

TEST_CASE("caching credential: the second GetToken sends nothing, another scope or near-expiry fetches again") {
  TestTenant t;
  std::int64_t skew = 0;
  Clock clock = [&skew] { return Now() + skew; };
  CachingCredential cached(std::make_unique<ClientSecretCredential>(t.transport(), Operator(t), t.e().client_secret, clock), clock);
  CHECK(cached.Name() == "client secret (AZURE_CLIENT_SECRET)");
  auto first = cached.GetToken(kGraphScope);
  REQUIRE(first.ok());
  CHECK(t.transport().count() == 1);
  auto second = cached.GetToken(kGraphScope);
  REQUIRE(second.ok());
  CHECK(t.transport().count() == 1);
  CHECK(second->token == first->token);
  // Another resource is another cache entry (the emulator's Graph app id names Graph too).
  REQUIRE(cached.GetToken("00000003-0000-0000-c000-000000000000/.default").ok());
  CHECK(t.transport().count() == 2);
  // Inside the last five minutes the token is renewed.
  skew = first->expires_on - Now() - kTokenRefreshMargin + 1;
  REQUIRE(cached.GetToken(kGraphScope).ok());
  CHECK(t.transport().count() == 3);
}

namespace {

// Counts calls and hands out a token valid for an hour; slow enough that threads overlap.
class CountingSource : public Credential {
 public:
  engine::Result<AccessToken> GetToken(const std::string& scope) override {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (fail) return engine::MakeError(engine::Error::Kind::kAuth, "refused");
    return AccessToken{"token-for-" + scope, Now() + 3600};
  }
  std::string Name() const override { return "counting"; }
  std::atomic<int> calls{0};
  bool fail = false;
};

}  // namespace

TEST_CASE("caching credential: concurrent callers share one fetch, errors are not cached") {
  auto source = std::make_unique<CountingSource>();
  CountingSource* inner = source.get();
  CachingCredential cached(std::move(source), Now);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto token = cached.GetToken("a/.default");
      if (token.ok() && token->token == "token-for-a/.default") ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == 8);
  CHECK(inner->calls == 1);

  inner->fail = true;
  CHECK_FALSE(cached.GetToken("b/.default").ok());
  CHECK_FALSE(cached.GetToken("b/.default").ok());
  CHECK(inner->calls == 3);
  CHECK(cached.GetToken("a/.default").ok());  // still cached
  CHECK(inner->calls == 3);
}
