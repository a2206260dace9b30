#include "emulator/token_service.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "emulator/signing_key.h"
#include "net/http_message.h"
#include "tests/emulator/fake_token_directory.h"
#include "tests/emulator/json_test_helpers.h"

using namespace entragate::emulator::testing;

namespace {

using namespace entragate;
using emulator::ClientAuthMethod;
using emulator::SigningKey;
using emulator::TokenService;
using emulator::testing::FakeAssignment;
using emulator::testing::FakeTokenDirectory;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15 08:00:00Z
constexpr const char* kTimestamp = "2027-01-15 08:00:00Z";
constexpr const char* kAuthority = "https://127.0.0.1:8443";
constexpr const char* kTenantId = "6f2c1a3e-9b4d-4e8f-a1c2-3d4e5f607182";
constexpr const char* kDomain = "contoso.onmicrosoft.com";

constexpr const char* kClient = "3c1f0a52-7d4e-4b8a-9e21-5f6a7b8c9d01";
constexpr const char* kClientSp = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c01";
constexpr const char* kClientName = "payroll-worker";
constexpr const char* kSecret = "s3cret+value/with=chars&more";
constexpr const char* kExpiredSecret = "expired-secret";
constexpr const char* kOrphan = "a1627384-5e6f-4071-8283-9e0f10213206";  // app without an SP

constexpr const char* kApi = "5d2e3f40-1a2b-4c3d-8e4f-5a6b7c8d9e02";  // v1 tokens
constexpr const char* kApiSp = "d1e2f304-1a2b-4c3d-8e4f-5a6b7c8d9e02";
constexpr const char* kReadRole = "b0000000-0000-4000-8000-000000000001";
constexpr const char* kWriteRole = "b0000000-0000-4000-8000-000000000002";  // disabled
constexpr const char* kAdminRole = "b0000000-0000-4000-8000-000000000003";
constexpr const char* kLedger = "7e3f4051-2b3c-4d4e-9f50-6b7c8d9e0f03";  // v2 tokens, optional claims
constexpr const char* kLocked = "8f405162-3c4d-4e5f-a061-7c8d9e0f1004";  // assignment required
constexpr const char* kLockedSp = "e2f30415-3c4d-4e5f-a061-7c8d9e0f1004";
constexpr const char* kLockedRole = "c0000000-0000-4000-8000-000000000001";
constexpr const char* kGuidAud = "90516273-4d5e-4f60-b172-8d9e0f102105";  // v1 with aud use_guid

constexpr const char* kIssuer = "https://issuer.example.com/tenant-a";
constexpr const char* kSubject = "repo:contoso/payroll:ref:refs/heads/main";
constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// ---- Keys and certificates (RSA generation is slow: once per run)
// -----------------------------------

crypto::PKey NewKey() {
  auto key = crypto::GenerateRsaKey();
  REQUIRE(key.ok());
  return *key;
}

const SigningKey& TenantKey() {
  static const SigningKey key = [] {
    auto k = SigningKey::Generate(kNow);
    REQUIRE(k.ok());
    return *k;
  }();
  return key;
}

const crypto::PKey& ClientKey() {
  static const crypto::PKey key = NewKey();
  return key;
}

const crypto::PKey& IssuerKey() {
  static const crypto::PKey key = NewKey();
  return key;
}

crypto::Certificate MakeCert(const std::string& name, std::int64_t not_before, std::int64_t not_after) {
  crypto::CertSpec spec;
  spec.common_name = name;
  spec.not_before = not_before;
  spec.not_after = not_after;
  auto cert = crypto::CreateClientCert(ClientKey(), spec);
  REQUIRE(cert.ok());
  return *cert;
}

const crypto::Certificate& RegisteredCert() {
  static const crypto::Certificate cert = MakeCert("payroll-worker", kNow - 86400, kNow + 365 * 86400);
  return cert;
}

const crypto::Certificate& ExpiredCert() {
  static const crypto::Certificate cert = MakeCert("payroll-worker-old", kNow - 400 * 86400, kNow - 10);
  return cert;
}

const crypto::Certificate& UnregisteredCert() {
  static const crypto::Certificate cert = MakeCert("someone-else", kNow - 86400, kNow + 86400);
  return cert;
}

std::string Sha256Hex(std::string_view secret) { return crypto::HexEncode(crypto::Sha256(secret)); }

// ---- The tenant ------------------------------------------------------------------------------

FakeTokenDirectory StandardDirectory() {
  FakeTokenDirectory d;
  d.tenant = {kTenantId, {kDomain, "contoso.com"}, "EU"};

  emulator::ClientInfo client;
  client.app_id = kClient;
  client.display_name = kClientName;
  client.service_principal_id = kClientSp;
  client.secrets = {{"k1", Sha256Hex(kSecret), kNow + 86400}, {"k2", Sha256Hex(kExpiredSecret), kNow - 60}};
  client.certificates = {{"c1", RegisteredCert().Der(), 0}, {"c2", ExpiredCert().Der(), kNow - 10}};
  client.federated = {{"github-main", kIssuer, kSubject, {}}};
  d.clients.push_back(client);
  emulator::ClientInfo orphan;
  orphan.app_id = kOrphan;
  orphan.display_name = "orphan";
  orphan.secrets = {{"k", Sha256Hex(kSecret), 0}};
  d.clients.push_back(orphan);

  emulator::ResourceInfo api;
  api.service_principal_id = kApiSp;
  api.app_id = kApi;
  api.display_name = "payroll-api";
  api.identifiers = {"api://payroll", kApi};
  api.app_roles = {{kReadRole, "Payroll.Read", true}, {kWriteRole, "Payroll.Write", false}, {kAdminRole, "Payroll.Admin", true}};
  d.resources.push_back(api);

  emulator::ResourceInfo ledger;
  ledger.service_principal_id = "f3041526-4d5e-4f60-b172-8d9e0f102103";
  ledger.app_id = kLedger;
  ledger.display_name = "ledger-api";
  ledger.identifiers = {"api://ledger"};
  ledger.access_token_version = 2;
  ledger.access_token_claims = {{"idtyp", {}}, {"tenant_region_scope", {}}, {"aud", {"use_guid"}}};
  d.resources.push_back(ledger);

  emulator::ResourceInfo locked;
  locked.service_principal_id = kLockedSp;
  locked.app_id = kLocked;
  locked.display_name = "locked-api";
  locked.identifiers = {"api://locked"};
  locked.assignment_required = true;
  locked.app_roles = {{kLockedRole, "Locked.Use", true}};
  d.resources.push_back(locked);

  emulator::ResourceInfo guid_aud;
  guid_aud.service_principal_id = "04152637-5e6f-4071-8283-9e0f10213205";
  guid_aud.app_id = kGuidAud;
  guid_aud.display_name = "guid-aud-api";
  guid_aud.identifiers = {"api://guid-aud"};
  guid_aud.access_token_claims = {{"aud", {"use_guid"}}, {"idtyp", {}}};
  d.resources.push_back(guid_aud);

  // Resource order is Read, Write, Admin; assigned in another order, plus a role since deleted.
  d.assignments = {{kClientSp, kApiSp, kWriteRole}, {kClientSp, kApiSp, kReadRole}, {kClientSp, kApiSp, "b0000000-0000-4000-8000-0000000000ff"}};
  return d;
}

boost::json::object IssuerJwks() {
  auto jwk = crypto::PublicKeyToJwk(IssuerKey(), "issuer-key-1");
  REQUIRE(jwk.ok());
  return boost::json::object{{"keys", boost::json::array{*jwk}}};
}

net::Response JsonReply(const boost::json::object& body) {
  net::Response r;
  r.body = boost::json::serialize(body);
  return r;
}

// A tenant with its token service; the fetch lambda plays the external issuer.
struct Harness {
  FakeTokenDirectory directory = StandardDirectory();
  std::vector<std::string> fetched;
  bool issuer_down = false;
  TokenService service{directory, TenantKey(), Options()};

  TokenService::Options Options() {
    return {kAuthority, [] { return kNow; }, [this](const net::Request& r) { return Serve(r); }};
  }

  base::Result<net::Response> Serve(const net::Request& request) {
    fetched.push_back(request.target);
    if (issuer_down) {
      base::Error e;
      e.kind = base::Error::Kind::kTransient;
      e.message = "connection refused";
      return e;
    }
    if (request.target == std::string(kIssuer) + "/.well-known/openid-configuration") {
      return JsonReply({{"issuer", kIssuer}, {"jwks_uri", std::string(kIssuer) + "/keys"}});
    }
    if (request.target == std::string(kIssuer) + "/keys") return JsonReply(IssuerJwks());
    net::Response missing;
    missing.status = 404;
    return missing;
  }

  net::Response Call(const net::Request& request) const { return service.Handle(request); }
};

// ---- Requests and answers ---------------------------------------------------------------------

net::Request Post(std::string target, const Fields& fields) {
  net::Request r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers["Content-Type"] = "application/x-www-form-urlencoded";
  r.body = net::EncodeForm(fields);
  return r;
}

net::Request Get(std::string target) {
  net::Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

std::string V2Token(std::string_view tenant = kTenantId) { return "/" + std::string(tenant) + "/oauth2/v2.0/token"; }
std::string V1Token(std::string_view tenant = kTenantId) { return "/" + std::string(tenant) + "/oauth2/token"; }

Fields SecretFields(std::string scope, std::string secret = kSecret) {
  return {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", std::move(secret)}, {"scope", std::move(scope)}};
}

std::vector<std::string> StrArray(const boost::json::object& object, std::string_view name) {
  std::vector<std::string> out;
  const auto* value = object.if_contains(name);
  if (value && value->is_array()) {
    for (const auto& item : value->get_array()) out.emplace_back(item.is_string() ? item.get_string() : "?");
  }
  return out;
}

crypto::DecodedJwt Decode(const std::string& token) {
  auto jwt = crypto::DecodeJwt(token);
  REQUIRE(jwt.ok());
  return *jwt;
}

// The access token of a successful token response.
crypto::DecodedJwt TokenOf(const net::Response& response) {
  REQUIRE_MESSAGE(response.status == 200, response.body);
  return Decode(Str(Json(response), "access_token"));
}

// Every part of the identity platform's error shape (docs/graph-behaviour.md §7.1).
void CheckStsError(const net::Response& response, int status, std::string_view error, int code, const std::string& message) {
  CAPTURE(response.body);
  CHECK(response.status == status);
  const auto body = Json(response);
  CHECK(Str(body, "error") == error);
  const auto* codes = body.if_contains("error_codes");
  REQUIRE(codes);
  CHECK(boost::json::serialize(*codes) == "[" + std::to_string(code) + "]");
  const std::string trace = Str(body, "trace_id");
  const std::string correlation = Str(body, "correlation_id");
  CHECK(crypto::ParseUuid(trace).ok());
  CHECK(crypto::ParseUuid(correlation).ok());
  CHECK(Str(body, "error_description") == message + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + kTimestamp);
  CHECK(Str(body, "timestamp") == kTimestamp);
  CHECK(Str(body, "error_uri") == std::string(kAuthority) + "/error?code=" + std::to_string(code));
  CHECK(response.Header("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
}

// ---- Client assertions --------------------------------------------------------------------------

boost::json::object AssertionClaims(std::string aud = std::string(kAuthority) + V2Token()) {
  return {{"aud", std::move(aud)}, {"iss", kClient},   {"sub", kClient}, {"jti", "5b1f0e0a-0000-4000-8000-000000000001"},
          {"nbf", kNow},           {"exp", kNow + 600}};
}

std::string Sign(const boost::json::object& header, const boost::json::object& claims, crypto::JwtAlg alg, const crypto::PKey& key) {
  auto token = crypto::SignJwt(header, claims, alg, key);
  REQUIRE(token.ok());
  return *token;
}

std::string Rs256Assertion(const boost::json::object& claims = AssertionClaims(), const crypto::Certificate& cert = RegisteredCert(),
                           const crypto::PKey& key = ClientKey()) {
  return Sign({{"x5t", crypto::X5t(cert)}}, claims, crypto::JwtAlg::kRs256, key);
}

std::string Ps256Assertion(const boost::json::object& claims = AssertionClaims()) {
  return Sign({{"x5t#S256", crypto::X5tS256(RegisteredCert())}}, claims, crypto::JwtAlg::kPs256, ClientKey());
}

Fields AssertionFields(std::string assertion, std::string scope = "api://payroll/.default") {
  return {{"grant_type", "client_credentials"},
          {"client_id", kClient},
          {"client_assertion_type", kJwtBearer},
          {"client_assertion", std::move(assertion)},
          {"scope", std::move(scope)}};
}

boost::json::object FederatedClaims() {
  return {{"iss", kIssuer}, {"sub", kSubject}, {"aud", "api://AzureADTokenExchange"}, {"iat", kNow}, {"nbf", kNow}, {"exp", kNow + 3600}};
}

std::string FederatedAssertion(const boost::json::object& claims = FederatedClaims(), const crypto::PKey& key = IssuerKey()) {
  return Sign({{"kid", "issuer-key-1"}}, claims, crypto::JwtAlg::kRs256, key);
}

std::string Upper(std::string_view bytes) { return crypto::HexEncode(bytes, crypto::HexCase::kUpper); }

std::string SeeKeys() {
  return std::string(
             "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
             "configured "
             "keys for app Id '") +
         kClient +
         "'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to "
         "determine "
         "the corresponding service endpoint and "
         "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http "
         "to build "
         "a query request URL, such as 'https://graph.microsoft.com/beta/applications/" +
         kClient + "'";
}

const std::string kCertDocs =
    "Review the documentation at "
    "https://docs.microsoft.com/azure/active-directory/develop/"
    "active-directory-certificate-credentials .";
const std::string kFederationDocs =
    "Check your federated identity credential Subject, Audience and Issuer against the presented "
    "assertion. "
    "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

}  // namespace

// ================================================================================================
// Success per authentication method
// ================================================================================================

TEST_CASE("a client secret in the body gets a v2 token response") {
  Harness h;
  const auto response = h.Call(Post(V2Token(), SecretFields("api://payroll/.default")));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(Str(body, "token_type") == "Bearer");
  CHECK(Int(body, "expires_in") == 3599);
  CHECK(Int(body, "ext_expires_in") == 3599);
  CHECK(body.size() == 4);
  CHECK(response.Header("Cache-Control") == std::optional<std::string>("no-store, no-cache"));
  CHECK(Str(Decode(Str(body, "access_token")).payload, "appidacr") == "1");
}

TEST_CASE("a client secret in HTTP Basic, form-encoded per RFC 6749 §2.3.1, is accepted") {
  Harness h;
  auto request = Post(V2Token(), {{"grant_type", "client_credentials"}, {"scope", "api://payroll/.default"}});
  const std::string user_pass = net::PercentEncode(kClient) + ":" + net::PercentEncode(kSecret);
  request.headers["Authorization"] = "Basic " + crypto::Base64Encode(user_pass);
  const auto token = TokenOf(h.Call(request));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "1");

  SUBCASE("a matching client_id in the body as well is fine") {
    auto with_id = Post(V2Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"scope", "api://payroll/.default"}});
    with_id.headers["Authorization"] = request.headers["Authorization"];
    CHECK(h.Call(with_id).status == 200);
  }
  SUBCASE("a wrong Basic password is a bad secret") {
    request.headers["Authorization"] = "Basic " + crypto::Base64Encode(std::string(kClient) + ":nope");
    CheckStsError(h.Call(request), 401, "invalid_client", 7000215,
                  std::string("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                              "request is the client secret value, not the client secret ID, for a secret added "
                              "to app '") +
                      kClient + "'.");
  }
}

TEST_CASE("an RS256 client assertion with x5t (SHA-1) authenticates with the registered certificate") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion()))));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "2");

  SUBCASE("the v1 token URL and a domain spelling of the tenant are accepted audiences") {
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(AssertionClaims(std::string(kAuthority) + V1Token()))))).status == 200);
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(AssertionClaims(std::string(kAuthority) + V2Token(kDomain)))))).status == 200);
  }
  SUBCASE("clock skew up to five minutes is tolerated") {
    auto claims = AssertionClaims();
    claims["exp"] = kNow - 200;
    claims["nbf"] = kNow - 800;
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(claims)))).status == 200);
  }
}

TEST_CASE("a PS256 client assertion with x5t#S256 authenticates, v2 tokens say azpacr 2") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(Ps256Assertion(), "api://ledger/.default"))));
  CHECK(Str(token.payload, "azp") == kClient);
  CHECK(Str(token.payload, "azpacr") == "2");
}

TEST_CASE("a federated assertion is verified with the issuer's JWKS, fetched once and cached") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion()))));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "2");
  CHECK(h.fetched == std::vector<std::string>{std::string(kIssuer) + "/.well-known/openid-configuration", std::string(kIssuer) + "/keys"});
  CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion()))).status == 200);
  CHECK(h.fetched.size() == 2);

  SUBCASE("an audience array (Kubernetes) and a configured audience are matched") {
    auto claims = FederatedClaims();
    claims["aud"] = boost::json::array{"other", "api://AzureADTokenExchange"};
    CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion(claims)))).status == 200);
    h.directory.Client(kClient).federated[0].audiences = {"api://custom"};
    claims["aud"] = "api://custom";
    CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion(claims)))).status == 200);
  }
}

// ================================================================================================
// Refusals: request shape, tenant, client
// ================================================================================================

TEST_CASE("client secret refusals: wrong, expired, missing") {
  Harness h;
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://payroll/.default", "wrong"))), 401, "invalid_client", 7000215,
                std::string("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                            "request is the client secret value, not the client secret ID, for a secret added to "
                            "app '") +
                    kClient + "'.");
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://payroll/.default", kExpiredSecret))), 401, "invalid_client", 7000222,
                std::string("AADSTS7000222: The provided client secret keys for app '") + kClient +
                    "' are expired. Visit the Azure portal to create new keys for your app: "
                    "https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
                    "security: https://aka.ms/certCreds.");
  CheckStsError(h.Call(Post(V2Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"scope", "api://payroll/.default"}})), 401,
                "invalid_client", 7000218,
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.");
}

TEST_CASE("unknown client, client without service principal") {
  Harness h;
  auto fields = SecretFields("api://payroll/.default");
  fields[1].second = "00000000-1111-4222-8333-444444444444";
  CheckStsError(h.Call(Post(V2Token(), fields)), 400, "unauthorized_client", 700016,
                std::string("AADSTS700016: Application with identifier '00000000-1111-4222-8333-444444444444' was "
                            "not found in the directory '") +
                    kTenantId +
                    "'. This can happen if the application has not been installed by the administrator of "
                    "the "
                    "tenant or consented to by any user in the tenant. You may have sent your authentication "
                    "request to the wrong tenant.");
  fields[1].second = kOrphan;
  CheckStsError(h.Call(Post(V2Token(), fields)), 400, "invalid_client", 7000229,
                std::string("AADSTS7000229: The client application ") + kOrphan + " is missing service principal in the tenant " + kTenantId +
                    ". See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119");
}

TEST_CASE("grant type, method and parameter refusals") {
  Harness h;
  auto no_grant = SecretFields("api://payroll/.default");
  no_grant.erase(no_grant.begin());
  CheckStsError(h.Call(Post(V2Token(), no_grant)), 400, "invalid_request", 900144,
                "AADSTS900144: The request body must contain the following parameter: 'grant_type'.");
  auto password = SecretFields("api://payroll/.default");
  password[0].second = "password";
  CheckStsError(h.Call(Post(V2Token(), password)), 400, "unsupported_grant_type", 70003,
                "AADSTS70003: The app requested an unsupported grant type 'password'.");
  CheckStsError(h.Call(Get(V2Token())), 400, "invalid_request", 900561,
                "AADSTS900561: The endpoint only accepts POST, OPTIONS requests. Received a GET request.");
  auto twice = SecretFields("api://payroll/.default");
  twice.emplace_back("scope", "api://ledger/.default");
  CheckStsError(h.Call(Post(V2Token(), twice)), 400, "invalid_request", 9000411,
                "AADSTS9000411: The request is not properly formatted. The parameter 'scope' is duplicated.");
  auto no_client = SecretFields("api://payroll/.default");
  no_client.erase(no_client.begin() + 1);
  CheckStsError(h.Call(Post(V2Token(), no_client)), 400, "invalid_request", 900144,
                "AADSTS900144: The request body must contain the following parameter: 'client_id'.");

  SUBCASE("a JSON body is not read") {
    auto request = Post(V2Token(), SecretFields("api://payroll/.default"));
    request.headers["Content-Type"] = "application/json";
    CheckStsError(h.Call(request), 400, "invalid_request", 900144,
                  "AADSTS900144: The request body must contain the following parameter: 'grant_type'.");
  }
  SUBCASE("HTTP Basic plus a body secret is one parameter sent twice") {
    auto request = Post(V2Token(), SecretFields("api://payroll/.default"));
    request.headers["Authorization"] = "Basic " + crypto::Base64Encode(std::string(kClient) + ":" + kSecret);
    CheckStsError(h.Call(request), 400, "invalid_request", 9000411,
                  "AADSTS9000411: The request is not properly formatted. The parameter 'client_secret' is "
                  "duplicated.");
  }
}

TEST_CASE("tenant spellings: id, domain, common, unknown") {
  Harness h;
  CHECK(h.Call(Post(V2Token(kDomain), SecretFields("api://payroll/.default"))).status == 200);
  CHECK(h.Call(Post(V2Token("6F2C1A3E-9B4D-4E8F-A1C2-3D4E5F607182"), SecretFields("api://payroll/.default"))).status == 200);
  const std::string no_tenant_info =
      "AADSTS50059: No tenant-identifying information found in either the request or implied by "
      "any provided "
      "credentials.";
  CheckStsError(h.Call(Post(V2Token("common"), SecretFields("api://payroll/.default"))), 400, "invalid_request", 50059, no_tenant_info);
  CheckStsError(h.Call(Post(V2Token("organizations"), SecretFields("api://payroll/.default"))), 400, "invalid_request", 50059, no_tenant_info);
  CheckStsError(h.Call(Post(V2Token("00000000-0000-4000-8000-000000000000"), SecretFields("api://payroll/.default"))), 400, "invalid_request", 90002,
                "AADSTS90002: Tenant '00000000-0000-4000-8000-000000000000' not found. Check to make sure "
                "you have "
                "the correct tenant ID and are signing into the correct cloud. Check with your subscription "
                "administrator, this may happen if there are no active subscriptions for the tenant.");
  CheckStsError(h.Call(Post(V2Token("fabrikam.com"), SecretFields("api://payroll/.default"))), 400, "invalid_request", 90002,
                "AADSTS90002: Tenant 'fabrikam.com' not found. Check to make sure you have the "
                "correct tenant ID "
                "and are signing into the correct cloud. Check with your subscription "
                "administrator, this may "
                "happen if there are no active subscriptions for the tenant.");
  CheckStsError(h.Call(Post(V2Token("nodots"), SecretFields("api://payroll/.default"))), 400, "invalid_request", 900023,
                "AADSTS900023: Specified tenant identifier 'nodots' is neither a valid DNS name, nor a valid "
                "external domain.");
}

TEST_CASE("the client's client-request-id becomes the correlation id") {
  Harness h;
  auto request = Post(V2Token(), SecretFields("api://payroll/.default", "wrong"));
  request.headers["client-request-id"] = "0F1E2D3C-4B5A-4697-8899-AABBCCDDEEFF";
  const auto response = h.Call(request);
  CHECK(Str(Json(response), "correlation_id") == "0f1e2d3c-4b5a-4697-8899-aabbccddeeff");
  CHECK(response.Header("client-request-id") == std::optional<std::string>("0f1e2d3c-4b5a-4697-8899-aabbccddeeff"));
}

// ================================================================================================
// Refusals: scope and resource
// ================================================================================================

TEST_CASE("scope refusals and the v1 resource parameter") {
  Harness h;
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://payroll/Payroll.Read"))), 400, "invalid_scope", 1002012,
                "AADSTS1002012: The provided value for scope api://payroll/Payroll.Read is not valid. Client "
                "credential flows must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).");
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://payroll/.default api://ledger/.default"))), 400, "invalid_scope", 70011,
                "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope "
                "api://payroll/.default api://ledger/.default is not valid.");
  auto no_scope = SecretFields("x");
  no_scope.pop_back();
  CheckStsError(h.Call(Post(V2Token(), no_scope)), 400, "invalid_request", 900144,
                "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  CheckStsError(h.Call(Post(V1Token(), no_scope)), 400, "invalid_resource", 50001, "AADSTS50001: Resource identifier is not provided.");
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://nothing/.default"))), 400, "invalid_resource", 500011,
                std::string("AADSTS500011: The resource principal named api://nothing was not found in the tenant "
                            "named ") +
                    kTenantId +
                    ". This can happen if the application has not been installed by the administrator of the "
                    "tenant or consented to by any user in the tenant. You might have sent your "
                    "authentication "
                    "request to the wrong tenant.");
  SUBCASE("OpenID scopes next to the .default scope are ignored") {
    CHECK(h.Call(Post(V2Token(), SecretFields("openid api://payroll/.default offline_access profile"))).status == 200);
  }
}

// ================================================================================================
// Refusals: client assertions
// ================================================================================================

TEST_CASE("certificate assertion refusals") {
  Harness h;
  auto call = [&](const std::string& assertion) { return h.Call(Post(V2Token(), AssertionFields(assertion))); };

  SUBCASE("wrong assertion type") {
    auto fields = AssertionFields(Rs256Assertion());
    fields[2].second = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
    CheckStsError(h.Call(Post(V2Token(), fields)), 400, "invalid_request", 90011, "AADSTS90011: Unexpected client assertion type.");
  }
  SUBCASE("not a JWT") { CheckStsError(call("not.a.jwt"), 400, "invalid_request", 50027, "AADSTS50027: JWT token is invalid or malformed."); }
  SUBCASE("no thumbprint in the header") {
    CheckStsError(call(Sign({}, AssertionClaims(), crypto::JwtAlg::kRs256, ClientKey())), 401, "invalid_client", 50027,
                  "AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header.");
  }
  SUBCASE("certificate not registered") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), UnregisteredCert())), 401, "invalid_client", 700027,
                  "AADSTS700027: The certificate with identifier used to sign the client assertion is not "
                  "registered on application. [Reason - The key was not found., Thumbprint of key used by "
                  "client: '" +
                      Upper(crypto::Sha1(UnregisteredCert().Der())) + "', " + SeeKeys() + "]");
  }
  SUBCASE("signed by another key") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), RegisteredCert(), IssuerKey())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion contains an invalid signature. [Reason - Key was "
                  "found, but use of "
                  "the key to verify the signature failed., Thumbprint of key used by client: '" +
                      Upper(crypto::Sha1(RegisteredCert().Der())) + "', Found key 'Start=01/14/2027 08:00:00, End=01/15/2028 08:00:00', " +
                      SeeKeys() + "]");
  }
  SUBCASE("certificate expired") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), ExpiredCert())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key "
                  "used is expired., "
                  "Thumbprint of key used by client: '" +
                      Upper(crypto::Sha1(ExpiredCert().Der())) + "', Found key 'Start=12/11/2025 08:00:00, End=01/15/2027 07:59:50', " + SeeKeys() +
                      "]");
  }
  SUBCASE("audience of another authority") {
    CheckStsError(call(Rs256Assertion(AssertionClaims("https://login.microsoftonline.com/" + std::string(kTenantId) + "/oauth2/v2.0/token"))), 401,
                  "invalid_client", 700023, "AADSTS700023: Client assertion audience claim does not match Realm issuer. " + kCertDocs);
  }
  SUBCASE("audience as an array") {
    auto claims = AssertionClaims();
    claims["aud"] = boost::json::array{std::string(kAuthority) + V2Token()};
    CheckStsError(call(Rs256Assertion(claims)), 400, "invalid_request", 50027, "AADSTS50027: JWT token is invalid or malformed.");
  }
  SUBCASE("expired beyond the leeway") {
    auto claims = AssertionClaims();
    claims["nbf"] = kNow - 1000;
    claims["exp"] = kNow - 400;
    CheckStsError(call(Rs256Assertion(claims)), 401, "invalid_client", 700024,
                  "AADSTS700024: Client assertion is not within its valid time range. Current time: "
                  "2027-01-15T08:00:00.0000000Z, assertion valid from 2027-01-15T07:43:20.0000000Z, expiry "
                  "time of "
                  "assertion 2027-01-15T07:53:20.0000000Z. Review the documentation at "
                  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
  }
  SUBCASE("sub is not the client") {
    auto claims = AssertionClaims();
    claims["sub"] = "someone-else";
    CheckStsError(call(Rs256Assertion(claims)), 401, "invalid_client", 700021,
                  "AADSTS700021: Client assertion application identifier doesn't match 'client_id' "
                  "parameter. " +
                      kCertDocs);
  }
}

TEST_CASE("federated assertion refusals") {
  Harness h;
  auto call = [&](const std::string& assertion) { return h.Call(Post(V2Token(), AssertionFields(assertion))); };
  auto claims = FederatedClaims();

  SUBCASE("no record for the issuer, and nothing fetched from it") {
    claims["iss"] = "https://evil.example.com";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700211,
                  "AADSTS700211: No matching federated identity record found for presented assertion issuer "
                  "'https://evil.example.com'. " +
                      kFederationDocs);
    CHECK(h.fetched.empty());
  }
  SUBCASE("subject mismatch") {
    claims["sub"] = "repo:contoso/payroll:ref:refs/heads/dev";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700213,
                  "AADSTS700213: No matching federated identity record found for presented assertion subject "
                  "'repo:contoso/payroll:ref:refs/heads/dev'. " +
                      kFederationDocs);
  }
  SUBCASE("subject differing only in case") {
    claims["sub"] = "repo:Contoso/Payroll:ref:refs/heads/main";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 7002138,
                  "AADSTS7002138: No matching federated identity record found for presented assertion "
                  "subject "
                  "'repo:Contoso/Payroll:ref:refs/heads/main'. The subject matches with case-insensitive "
                  "comparison, but not with case-sensitive comparison. " +
                      kFederationDocs);
  }
  SUBCASE("audience mismatch") {
    claims["aud"] = "api://somewhere-else";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700212,
                  "AADSTS700212: No matching federated identity record found for presented "
                  "assertion audience "
                  "'api://somewhere-else'. " +
                      kFederationDocs);
  }
  SUBCASE("signed by a key the issuer does not publish") {
    CheckStsError(call(FederatedAssertion(claims, ClientKey())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion failed signature validation.");
  }
  SUBCASE("issuer unreachable") {
    h.issuer_down = true;
    CheckStsError(call(FederatedAssertion(claims)), 400, "invalid_request", 50166, "AADSTS50166: Request to External OIDC endpoint failed.");
  }
  SUBCASE("expired") {
    claims["nbf"] = kNow - 1000;
    claims["exp"] = kNow - 400;
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700024,
                  "AADSTS700024: Client assertion is not within its valid time range. Current time: "
                  "2027-01-15T08:00:00.0000000Z, assertion valid from 2027-01-15T07:43:20.0000000Z, expiry "
                  "time of "
                  "assertion 2027-01-15T07:53:20.0000000Z. Review the documentation at "
                  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
  }
}

// ================================================================================================
// Assignment required (AADSTS501051)
// ================================================================================================

TEST_CASE("AADSTS501051 when assignment is required and none is held, gone once one is") {
  Harness h;
  const std::string text = std::string("AADSTS501051: Application '") + kClient + "'(" + kClientName +
                           ") is not assigned to a role for the application '" + kLocked + "'(locked-api).";
  CheckStsError(h.Call(Post(V2Token(), SecretFields("api://locked/.default"))), 400, "invalid_grant", 501051, text);
  CheckStsError(
      h.Call(Post(V1Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", kSecret}, {"resource", kLocked}})), 400,
      "invalid_grant", 501051, text);

  SUBCASE("an assignment to an enabled role") {
    h.directory.assignments.push_back({kClientSp, kLockedSp, kLockedRole});
    const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://locked/.default"))));
    CHECK(StrArray(token.payload, "roles") == std::vector<std::string>{"Locked.Use"});
  }
  SUBCASE("an existing assignment to a role disabled since still counts and still shows") {
    h.directory.Resource(kLocked).app_roles[0].enabled = false;
    h.directory.assignments.push_back({kClientSp, kLockedSp, kLockedRole});
    const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://locked/.default"))));
    CHECK(StrArray(token.payload, "roles") == std::vector<std::string>{"Locked.Use"});
  }
  SUBCASE("an assignment to the default-access role counts but adds no roles claim") {
    h.directory.assignments.push_back({kClientSp, kLockedSp, "00000000-0000-0000-0000-000000000000"});
    const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://locked/.default"))));
    CHECK(token.payload.if_contains("roles") == nullptr);
  }
}

// ================================================================================================
// Token contents
// ================================================================================================

TEST_CASE("v1 access token: header and every claim") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
  CHECK(Str(token.header, "typ") == "JWT");
  CHECK(Str(token.header, "alg") == "RS256");
  CHECK(Str(token.header, "kid") == TenantKey().Kid());
  CHECK(Str(token.header, "x5t") == TenantKey().Kid());
  const auto& c = token.payload;
  const std::string sts = std::string("https://sts.windows.net/") + kTenantId + "/";
  CHECK(Str(c, "aud") == "api://payroll");
  CHECK(Str(c, "iss") == sts);
  CHECK(Int(c, "iat") == kNow);
  CHECK(Int(c, "nbf") == kNow);
  CHECK(Int(c, "exp") == kNow + 3599);
  CHECK(Str(c, "appid") == kClient);
  CHECK(Str(c, "appidacr") == "1");
  CHECK(Str(c, "idp") == sts);
  CHECK(Str(c, "oid") == kClientSp);
  CHECK(Str(c, "sub") == kClientSp);
  CHECK(Str(c, "tid") == kTenantId);
  CHECK(Str(c, "ver") == "1.0");
  CHECK(StrArray(c, "roles") == std::vector<std::string>{"Payroll.Read", "Payroll.Write"});
  CHECK(Str(c, "uti").size() == 22);
  CHECK(Str(c, "rh").rfind("0.", 0) == 0);
  CHECK(Str(c, "aio").size() > 20);
  for (const char* absent : {"azp", "azpacr", "idtyp", "tenant_region_scope", "xms_mirid", "scp"}) {
    CAPTURE(absent);
    CHECK(c.if_contains(absent) == nullptr);
  }
  SUBCASE("each token has its own uti") {
    const auto again = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
    CHECK(Str(again.payload, "uti") != Str(c, "uti"));
  }
}

TEST_CASE("v1 aud is the identifier as the client spelled it") {
  Harness h;
  CHECK(Str(TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll//.default")))).payload, "aud") == "api://payroll/");
  CHECK(Str(TokenOf(h.Call(Post(V2Token(), SecretFields(std::string(kApi) + "/.default")))).payload, "aud") == kApi);
  SUBCASE("unless the resource asks for use_guid; idtyp marks an app-only token") {
    const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://guid-aud/.default"))));
    CHECK(Str(token.payload, "aud") == kGuidAud);
    CHECK(Str(token.payload, "idtyp") == "app");
    CHECK(Str(token.payload, "ver") == "1.0");
  }
}

TEST_CASE("v2 access token: header and every claim") {
  Harness h;
  const auto token = TokenOf(h.Call(
      Post(V1Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", kSecret}, {"resource", "api://ledger"}})));
  CHECK(Str(token.header, "typ") == "JWT");
  CHECK(Str(token.header, "alg") == "RS256");
  CHECK(Str(token.header, "kid") == TenantKey().Kid());
  CHECK(token.header.if_contains("x5t") == nullptr);
  const auto& c = token.payload;
  CHECK(Str(c, "aud") == kLedger);
  CHECK(Str(c, "iss") == std::string(kAuthority) + "/" + kTenantId + "/v2.0");
  CHECK(Int(c, "iat") == kNow);
  CHECK(Int(c, "nbf") == kNow);
  CHECK(Int(c, "exp") == kNow + 3599);
  CHECK(Str(c, "azp") == kClient);
  CHECK(Str(c, "azpacr") == "1");
  CHECK(Str(c, "idtyp") == "app");
  CHECK(Str(c, "oid") == kClientSp);
  CHECK(Str(c, "sub") == kClientSp);
  CHECK(Str(c, "tenant_region_scope") == "EU");
  CHECK(Str(c, "tid") == kTenantId);
  CHECK(Str(c, "ver") == "2.0");
  CHECK(Str(c, "uti").size() == 22);
  for (const char* absent : {"appid", "appidacr", "idp", "roles", "xms_mirid"}) {
    CAPTURE(absent);
    CHECK(c.if_contains(absent) == nullptr);
  }
}

TEST_CASE("the v1 endpoint answers all strings with expires_on, not_before and resource") {
  Harness h;
  const auto response = h.Call(
      Post(V1Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", kSecret}, {"resource", "api://payroll"}}));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(Str(body, "token_type") == "Bearer");
  CHECK(Str(body, "expires_in") == "3599");
  CHECK(Str(body, "ext_expires_in") == "3599");
  CHECK(Str(body, "expires_on") == std::to_string(kNow + 3599));
  CHECK(Str(body, "not_before") == std::to_string(kNow));
  CHECK(Str(body, "resource") == "api://payroll");
  CHECK(Str(Decode(Str(body, "access_token")).payload, "aud") == "api://payroll");
}

TEST_CASE("MintForPrincipal: managed-identity tokens carry xms_mirid and azpacr/appidacr 2") {
  Harness h;
  const emulator::TokenRequester mi{"11112222-3333-4444-8555-666677778888", "vm-identity", "99990000-1111-4222-8333-444455556666",
                                    "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm", ""};
  auto token = h.service.MintForPrincipal(mi, "api://payroll", ClientAuthMethod::kManagedIdentity, 86399);
  REQUIRE(token.ok());
  CHECK(token->expires_in == 86399);
  CHECK(token->expires_on == kNow + 86399);
  CHECK(token->not_before == kNow);
  CHECK(token->resource == "api://payroll");
  const auto claims = Decode(token->access_token).payload;
  CHECK(Str(claims, "appid") == mi.app_id);
  CHECK(Str(claims, "appidacr") == "2");
  CHECK(Str(claims, "oid") == mi.service_principal_id);
  CHECK(Str(claims, "xms_mirid") == mi.managed_identity_resource_id);
  CHECK(claims.if_contains("roles") == nullptr);
  auto refused = h.service.MintForPrincipal(mi, "api://locked", ClientAuthMethod::kManagedIdentity);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "invalid_grant");
  CHECK(refused.error().message ==
        "AADSTS501051: Application '11112222-3333-4444-8555-666677778888'(vm-identity) is not "
        "assigned to a role "
        "for the application '" +
            std::string(kLocked) + "'(locked-api).");
}

// ================================================================================================
// Discovery and keys
// ================================================================================================

TEST_CASE("v2 OpenID configuration: issuer and endpoints spelled like the authority") {
  Harness h;
  const std::string base = std::string(kAuthority) + "/" + kTenantId;
  for (const std::string& tenant : {std::string(kTenantId), std::string(kDomain)}) {
    CAPTURE(tenant);
    const auto response = h.Call(Get("/" + tenant + "/v2.0/.well-known/openid-configuration"));
    REQUIRE(response.status == 200);
    const auto doc = Json(response);
    CHECK(Str(doc, "issuer") == base + "/v2.0");
    CHECK(Str(doc, "token_endpoint") == base + "/oauth2/v2.0/token");
    CHECK(Str(doc, "authorization_endpoint") == base + "/oauth2/v2.0/authorize");
    CHECK(Str(doc, "jwks_uri") == base + "/discovery/v2.0/keys");
    CHECK(StrArray(doc, "token_endpoint_auth_methods_supported") ==
          std::vector<std::string>{"client_secret_post", "private_key_jwt", "client_secret_basic"});
    CHECK(StrArray(doc, "id_token_signing_alg_values_supported") == std::vector<std::string>{"RS256"});
    CHECK(Str(doc, "tenant_region_scope") == "EU");
    CHECK(Str(doc, "cloud_instance_name") == "microsoftonline.com");
    CHECK(response.Header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
  }
  SUBCASE("common keeps Entra's {tenantid} template and has no region") {
    const auto doc = Json(h.Call(Get("/common/v2.0/.well-known/openid-configuration")));
    CHECK(Str(doc, "issuer") == std::string(kAuthority) + "/{tenantid}/v2.0");
    CHECK(Str(doc, "token_endpoint") == std::string(kAuthority) + "/common/oauth2/v2.0/token");
    CHECK(doc.at("tenant_region_scope").is_null());
  }
  SUBCASE("an authority given with a trailing slash is spelled without it") {
    TokenService slash(h.directory, TenantKey(), {std::string(kAuthority) + "/", [] { return kNow; }, {}});
    CHECK(Str(Json(slash.Handle(Get("/" + std::string(kTenantId) + "/v2.0/.well-known/openid-configuration"))), "issuer") == base + "/v2.0");
  }
}

TEST_CASE("v1 OpenID configuration, and unknown tenants") {
  Harness h;
  const auto doc = Json(h.Call(Get("/" + std::string(kDomain) + "/.well-known/openid-configuration")));
  CHECK(Str(doc, "issuer") == std::string("https://sts.windows.net/") + kTenantId + "/");
  CHECK(Str(doc, "token_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/oauth2/token");
  CHECK(Str(doc, "authorization_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/oauth2/authorize");
  CHECK(Str(doc, "jwks_uri") == std::string(kAuthority) + "/common/discovery/keys");
  CheckStsError(h.Call(Get("/fabrikam.com/v2.0/.well-known/openid-configuration")), 400, "invalid_tenant", 90002,
                "AADSTS90002: Tenant 'fabrikam.com' not found. Check to make sure you have the "
                "correct tenant ID and "
                "are signing into the correct cloud. Check with your subscription administrator, "
                "this may happen "
                "if there are no active subscriptions for the tenant.");
  CHECK(h.Call(Get("/" + std::string(kTenantId) + "/oauth2/v2.0/nothing")).status == 404);
}

TEST_CASE("the JWKS verifies a minted token, v1 and v2 key sets alike") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
  for (const std::string& path : {std::string("/common/discovery/keys"), "/" + std::string(kTenantId) + "/discovery/keys",
                                  "/" + std::string(kTenantId) + "/discovery/v2.0/keys"}) {
    CAPTURE(path);
    const auto jwks = Json(h.Call(Get(path)));
    const auto& keys = jwks.at("keys").as_array();
    REQUIRE(keys.size() == 1);
    const auto& jwk = keys[0].as_object();
    CHECK(Str(jwk, "kty") == "RSA");
    CHECK(Str(jwk, "use") == "sig");
    CHECK(Str(jwk, "kid") == Str(token.header, "kid"));
    CHECK(Str(jwk, "x5t") == Str(jwk, "kid"));
    CHECK(StrArray(jwk, "x5c") == std::vector<std::string>{crypto::Base64Encode(TenantKey().Cert().Der())});
    const bool v2 = path.find("v2.0") != std::string::npos;
    CHECK(Str(jwk, "issuer") == (v2 ? std::string(kAuthority) + "/{tenantid}/v2.0" : "<absent>"));
    auto key = crypto::PublicKeyFromJwk(jwk);
    REQUIRE(key.ok());
    CHECK(crypto::VerifyJwtSignature(token, *key, crypto::JwtAlg::kRs256).ok());
  }
}

TEST_CASE("instance discovery points msal at this authority") {
  Harness h;
  const auto response = h.Call(Get("/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
                                   net::PercentEncode(std::string(kAuthority) + "/" + kTenantId + "/oauth2/v2.0/authorize")));
  REQUIRE(response.status == 200);
  const auto doc = Json(response);
  CHECK(Str(doc, "tenant_discovery_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/v2.0/.well-known/openid-configuration");
  CHECK(Str(doc, "api-version") == "1.1");
  CHECK(boost::json::serialize(doc.at("metadata")) ==
        R"([{"preferred_network":"127.0.0.1:8443","preferred_cache":"127.0.0.1:8443","aliases":["127.0.0.1:8443"]}])");
  CheckStsError(h.Call(Get("/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
                           net::PercentEncode("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"))),
                400, "invalid_instance", 50049, "AADSTS50049: Unknown or invalid instance.");
}

// ================================================================================================
// The signing key on disk
// ================================================================================================

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "signing-key-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("the signing key persists: a second load finds the same key, and old tokens verify") {
  TempDir dir;
  const std::string state = dir.path + "/state";  // created on demand
  auto first = SigningKey::LoadOrCreate(state, kNow);
  REQUIRE(first.ok());
  struct stat info {};
  REQUIRE(::stat((state + "/signing-key.pem").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  FakeTokenDirectory directory = StandardDirectory();
  TokenService before(directory, *first, {kAuthority, [] { return kNow; }, {}});
  const auto token = TokenOf(before.Handle(Post(V2Token(), SecretFields("api://payroll/.default"))));

  auto second = SigningKey::LoadOrCreate(state, kNow + 86400);
  REQUIRE(second.ok());
  CHECK(second->Kid() == first->Kid());
  CHECK(second->Cert().Der() == first->Cert().Der());
  auto key = crypto::PublicKeyFromJwk(second->Jwk());
  REQUIRE(key.ok());
  CHECK(crypto::VerifyJwtSignature(token, *key, crypto::JwtAlg::kRs256).ok());
  CHECK(std::distance(std::filesystem::directory_iterator(state), std::filesystem::directory_iterator()) == 1);

  SUBCASE("a file with only a key keeps the key and gains a certificate") {
    auto pem = crypto::PrivateKeyToPem(ClientKey());
    REQUIRE(pem.ok());
    REQUIRE(crypto::WritePemFile(state + "/signing-key.pem", *pem, crypto::FileSecrecy::kSecret).ok());
    auto loaded = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE(loaded.ok());
    auto expected = crypto::PublicKeyToJwk(ClientKey(), "x");
    REQUIRE(expected.ok());
    CHECK(Str(loaded->Jwk(), "n") == Str(*expected, "n"));
    CHECK(crypto::LoadCertAndKeyPemFile(state + "/signing-key.pem").ok());
    auto reloaded = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE(reloaded.ok());
    CHECK(reloaded->Kid() == loaded->Kid());
  }
  SUBCASE("an unreadable file is an error, not silently replaced") {
    REQUIRE(crypto::WritePemFile(state + "/signing-key.pem", "garbage", crypto::FileSecrecy::kSecret).ok());
    auto broken = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().kind == base::Error::Kind::kIo);
  }
}
