#pragma once
// Shared by the token service tests, which call emulator::TokenService directly against a fake
// directory: the tenant's keys and certificates (generated at run time, RSA once per process), the
// directory, request builders and the exact refusals the identity platform answers with.

#include "emulator/identity/token_service.h"

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
#include "emulator/identity/signing_key.h"
#include "net/http_message.h"
#include "tests/emulator/fake_token_directory.h"
#include "tests/emulator/json_test_helpers.h"

namespace token_service_test {

using namespace entragate::emulator::testing;

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

inline crypto::PKey NewKey() {
  auto key = crypto::GenerateRsaKey();
  REQUIRE(key.ok());
  return *key;
}

inline const SigningKey& TenantKey() {
  static const SigningKey key = [] {
    auto k = SigningKey::Generate(kNow);
    REQUIRE(k.ok());
    return *k;
  }();
  return key;
}

inline const crypto::PKey& ClientKey() {
  static const crypto::PKey key = NewKey();
  return key;
}

inline const crypto::PKey& IssuerKey() {
  static const crypto::PKey key = NewKey();
  return key;
}

inline crypto::Certificate MakeCert(const std::string& name, std::int64_t not_before, std::int64_t not_after) {
  crypto::CertSpec spec;
  spec.common_name = name;
  spec.not_before = not_before;
  spec.not_after = not_after;
  auto cert = crypto::CreateClientCert(ClientKey(), spec);
  REQUIRE(cert.ok());
  return *cert;
}

inline const crypto::Certificate& RegisteredCert() {
  static const crypto::Certificate cert = MakeCert("payroll-worker", kNow - 86400, kNow + 365 * 86400);
  return cert;
}

inline const crypto::Certificate& ExpiredCert() {
  static const crypto::Certificate cert = MakeCert("payroll-worker-old", kNow - 400 * 86400, kNow - 10);
  return cert;
}

inline const crypto::Certificate& UnregisteredCert() {
  static const crypto::Certificate cert = MakeCert("someone-else", kNow - 86400, kNow + 86400);
  return cert;
}

inline std::string Sha256Hex(std::string_view secret) { return crypto::HexEncode(crypto::Sha256(secret)); }

// ---- The tenant ------------------------------------------------------------------------------

inline FakeTokenDirectory StandardDirectory() {
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

inline boost::json::object IssuerJwks() {
  auto jwk = crypto::PublicKeyToJwk(IssuerKey(), "issuer-key-1");
  REQUIRE(jwk.ok());
  return boost::json::object{{"keys", boost::json::array{*jwk}}};
}

inline net::Response JsonReply(const boost::json::object& body) {
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

inline net::Request Post(std::string target, const Fields& fields) {
  net::Request r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers["Content-Type"] = "application/x-www-form-urlencoded";
  r.body = net::EncodeForm(fields);
  return r;
}

inline net::Request Get(std::string target) {
  net::Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

inline std::string V2Token(std::string_view tenant = kTenantId) { return "/" + std::string(tenant) + "/oauth2/v2.0/token"; }
inline std::string V1Token(std::string_view tenant = kTenantId) { return "/" + std::string(tenant) + "/oauth2/token"; }

inline Fields SecretFields(std::string scope, std::string secret = kSecret) {
  return {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", std::move(secret)}, {"scope", std::move(scope)}};
}

inline std::vector<std::string> StrArray(const boost::json::object& object, std::string_view name) {
  std::vector<std::string> out;
  const auto* value = object.if_contains(name);
  if (value && value->is_array()) {
    for (const auto& item : value->get_array()) out.emplace_back(item.is_string() ? item.get_string() : "?");
  }
  return out;
}

inline crypto::DecodedJwt Decode(const std::string& token) {
  auto jwt = crypto::DecodeJwt(token);
  REQUIRE(jwt.ok());
  return *jwt;
}

// The access token of a successful token response.
inline crypto::DecodedJwt TokenOf(const net::Response& response) {
  REQUIRE_MESSAGE(response.status == 200, response.body);
  return Decode(Str(Json(response), "access_token"));
}

// Every part of the identity platform's error shape (docs/graph-behaviour.md §7.1).
inline void CheckStsError(const net::Response& response, int status, std::string_view error, int code, const std::string& message) {
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

inline boost::json::object AssertionClaims(std::string aud = std::string(kAuthority) + V2Token()) {
  return {{"aud", std::move(aud)}, {"iss", kClient},   {"sub", kClient}, {"jti", "5b1f0e0a-0000-4000-8000-000000000001"},
          {"nbf", kNow},           {"exp", kNow + 600}};
}

inline std::string Sign(const boost::json::object& header, const boost::json::object& claims, crypto::JwtAlg alg, const crypto::PKey& key) {
  auto token = crypto::SignJwt(header, claims, alg, key);
  REQUIRE(token.ok());
  return *token;
}

inline std::string Rs256Assertion(const boost::json::object& claims = AssertionClaims(), const crypto::Certificate& cert = RegisteredCert(),
                                  const crypto::PKey& key = ClientKey()) {
  return Sign({{"x5t", crypto::X5t(cert)}}, claims, crypto::JwtAlg::kRs256, key);
}

inline std::string Ps256Assertion(const boost::json::object& claims = AssertionClaims()) {
  return Sign({{"x5t#S256", crypto::X5tS256(RegisteredCert())}}, claims, crypto::JwtAlg::kPs256, ClientKey());
}

inline Fields AssertionFields(std::string assertion, std::string scope = "api://payroll/.default") {
  return {{"grant_type", "client_credentials"},
          {"client_id", kClient},
          {"client_assertion_type", kJwtBearer},
          {"client_assertion", std::move(assertion)},
          {"scope", std::move(scope)}};
}

inline boost::json::object FederatedClaims() {
  return {{"iss", kIssuer}, {"sub", kSubject}, {"aud", "api://AzureADTokenExchange"}, {"iat", kNow}, {"nbf", kNow}, {"exp", kNow + 3600}};
}

inline std::string FederatedAssertion(const boost::json::object& claims = FederatedClaims(), const crypto::PKey& key = IssuerKey()) {
  return Sign({{"kid", "issuer-key-1"}}, claims, crypto::JwtAlg::kRs256, key);
}

inline std::string Upper(std::string_view bytes) { return crypto::HexEncode(bytes, crypto::HexCase::kUpper); }

inline std::string SeeKeys() {
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

}  // namespace token_service_test
