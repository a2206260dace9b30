#include "emulator/identity/managed_identity_service.h"

#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "emulator/identity/signing_key.h"
#include "emulator/identity/token_service.h"
#include "net/http_message.h"
#include "tests/emulator/fake_token_directory.h"
#include "tests/emulator/json_test_helpers.h"

using namespace entragate::emulator::testing;

namespace {

using namespace entragate;
using emulator::HostInfo;
using emulator::ManagedIdentityInfo;
using emulator::ManagedIdentityService;
using emulator::SigningKey;
using emulator::TokenService;
using emulator::testing::FakeTokenDirectory;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kAuthority = "https://127.0.0.1:8443";
constexpr const char* kTenantId = "6f2c1a3e-9b4d-4e8f-a1c2-3d4e5f607182";
constexpr const char* kVault = "https://vault.azure.net";
constexpr const char* kLockedId = "8f405162-3c4d-4e5f-a061-7c8d9e0f1004";
constexpr const char* kLockedSp = "e2f30415-3c4d-4e5f-a061-7c8d9e0f1004";
constexpr const char* kLockedRole = "c0000000-0000-4000-8000-000000000001";
constexpr const char* kAppServiceSecret = "4f1c0a6e-2b7d-4c8e-9f10-a1b2c3d4e5f6";

const ManagedIdentityInfo kSystem{"0a000000-0000-4000-8000-0000000000a1", "0a000000-0000-4000-8000-0000000000c1",
                                  "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1", "vm-1"};
const ManagedIdentityInfo kUserA{"0b000000-0000-4000-8000-0000000000a2", "0b000000-0000-4000-8000-0000000000c2",
                                 "/subscriptions/s1/resourcegroups/rg/providers/Microsoft.ManagedIdentity/"
                                 "userAssignedIdentities/uai-a",
                                 "uai-a"};
const ManagedIdentityInfo kUserB{"0c000000-0000-4000-8000-0000000000a3", "0c000000-0000-4000-8000-0000000000c3",
                                 "/subscriptions/s1/resourcegroups/rg/providers/Microsoft.ManagedIdentity/"
                                 "userAssignedIdentities/uai-b",
                                 "uai-b"};

const SigningKey& TenantKey() {
  static const SigningKey key = [] {
    auto k = SigningKey::Generate(kNow);
    REQUIRE(k.ok());
    return *k;
  }();
  return key;
}

FakeTokenDirectory StandardDirectory() {
  FakeTokenDirectory d;
  d.tenant = {kTenantId, {"contoso.onmicrosoft.com"}, "EU"};
  emulator::ResourceInfo vault;
  vault.service_principal_id = "d0000000-0000-4000-8000-000000000001";
  vault.app_id = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
  vault.display_name = "Azure Key Vault";
  vault.identifiers = {kVault};
  d.resources.push_back(vault);
  emulator::ResourceInfo locked;
  locked.service_principal_id = kLockedSp;
  locked.app_id = kLockedId;
  locked.display_name = "locked-api";
  locked.identifiers = {"api://locked"};
  locked.assignment_required = true;
  locked.access_token_version = 2;
  locked.app_roles = {{kLockedRole, "Locked.Use", true}};
  d.resources.push_back(locked);

  d.hosts.push_back(HostInfo{"vm-1", "", kSystem, {kUserA, kUserB}, kSystem.resource_id});
  d.hosts.push_back(HostInfo{"vm-one-uai", "", std::nullopt, {kUserA}, ""});
  d.hosts.push_back(HostInfo{"vm-two-uai", "", std::nullopt, {kUserA, kUserB}, ""});
  d.hosts.push_back(HostInfo{"vm-none", "", std::nullopt, {}, ""});
  d.hosts.push_back(HostInfo{"web-1", kAppServiceSecret, kSystem, {kUserA}, ""});
  d.hosts.push_back(HostInfo{"web-uai-only", "e0e0e0e0-0000-4000-8000-000000000000", std::nullopt, {kUserA}, ""});
  return d;
}

struct Harness {
  explicit Harness(std::string imds_host = "vm-1") : mi(directory, tokens, std::move(imds_host), [] { return kNow; }) {}

  FakeTokenDirectory directory = StandardDirectory();
  TokenService tokens{directory, TenantKey(), {kAuthority, [] { return kNow; }, {}}};
  ManagedIdentityService mi;
};

net::Request Imds(std::string query, bool metadata = true, std::string path = "/metadata/identity/oauth2/token/") {
  net::Request r;
  r.method = "GET";
  r.target = path + (query.empty() ? "" : "?" + query);
  if (metadata) r.headers["Metadata"] = "true";
  return r;
}

std::string ImdsQuery(std::string extra = {}, std::string resource = kVault) {
  return "api-version=2018-02-01&resource=" + net::PercentEncode(resource) + extra;
}

net::Request AppService(std::string query, std::optional<std::string> secret = std::string(kAppServiceSecret)) {
  net::Request r;
  r.method = "GET";
  r.target = "/msi/token?" + query;
  if (secret) r.headers["X-IDENTITY-HEADER"] = *secret;
  return r;
}

std::string AppServiceQuery(std::string extra = {}, std::string resource = kVault) {
  return "api-version=2019-08-01&resource=" + net::PercentEncode(resource) + extra;
}

// IMDS's own errors: {"error", "error_description"}, and never a 404 for a missing identity.
void CheckImdsError(const net::Response& response, int status, std::string_view error, std::string_view text) {
  CAPTURE(response.body);
  CHECK(response.status == status);
  const auto body = Json(response);
  CHECK(Str(body, "error") == error);
  CHECK(Str(body, "error_description") == text);
}

// App Service's errors: {"statusCode", "message", "correlationId"}.
void CheckAppServiceError(const net::Response& response, int status, std::string_view message) {
  CAPTURE(response.body);
  CHECK(response.status == status);
  const auto body = Json(response);
  REQUIRE(body.if_contains("statusCode"));
  CHECK(body.at("statusCode").as_int64() == status);
  CHECK(Str(body, "message") == message);
  CHECK(crypto::ParseUuid(Str(body, "correlationId")).ok());
}

std::string NotAssigned(const ManagedIdentityInfo& identity) {
  return "AADSTS501051: Application '" + identity.client_id + "'(" + identity.display_name + ") is not assigned to a role for the application '" +
         kLockedId + "'(locked-api).";
}

}  // namespace

// ================================================================================================
// IMDS
// ================================================================================================

TEST_CASE("IMDS: the system-assigned identity's token, every value a string") {
  Harness h;
  const auto response = h.mi.HandleImds(Imds(ImdsQuery()));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(body.size() == 8);
  for (const auto& [name, value] : body) {
    CAPTURE(name);
    CHECK(value.is_string());
  }
  CHECK(Str(body, "client_id") == kSystem.client_id);
  CHECK(Str(body, "expires_in") == "86399");
  CHECK(Str(body, "ext_expires_in") == "86399");
  CHECK(Str(body, "expires_on") == std::to_string(kNow + 86399));
  CHECK(Str(body, "not_before") == std::to_string(kNow));
  CHECK(Str(body, "resource") == kVault);
  CHECK(Str(body, "token_type") == "Bearer");
  const auto claims = Claims(Str(body, "access_token"));
  CHECK(Str(claims, "aud") == kVault);
  CHECK(Str(claims, "appid") == kSystem.client_id);
  CHECK(Str(claims, "appidacr") == "2");
  CHECK(Str(claims, "oid") == kSystem.principal_id);
  CHECK(Str(claims, "sub") == kSystem.principal_id);
  CHECK(Str(claims, "xms_mirid") == kSystem.resource_id);
  CHECK(Str(claims, "tid") == kTenantId);

  SUBCASE("the path without msal's trailing slash works too") {
    CHECK(h.mi.HandleImds(Imds(ImdsQuery(), true, "/metadata/identity/oauth2/token")).status == 200);
  }
}

TEST_CASE("IMDS: selecting a user-assigned identity by client_id, object_id or msi_res_id") {
  Harness h;
  auto client_of = [&](const std::string& extra) {
    const auto response = h.mi.HandleImds(Imds(ImdsQuery(extra)));
    REQUIRE_MESSAGE(response.status == 200, response.body);
    return Str(Json(response), "client_id");
  };
  CHECK(client_of("&client_id=" + kUserB.client_id) == kUserB.client_id);
  CHECK(client_of("&object_id=" + kUserA.principal_id) == kUserA.client_id);
  CHECK(client_of("&msi_res_id=" + net::PercentEncode(kUserB.resource_id)) == kUserB.client_id);
  // ARM ids compare case-insensitively
  CHECK(client_of("&msi_res_id=" + net::PercentEncode("/SUBSCRIPTIONS/s1/resourceGroups/RG/providers/"
                                                      "Microsoft.ManagedIdentity/userAssignedIdentities/UAI-A")) == kUserA.client_id);
  CHECK(client_of("&client_id=" + kSystem.client_id) == kSystem.client_id);
  CHECK(Str(Claims(Str(Json(h.mi.HandleImds(Imds(ImdsQuery("&client_id=" + kUserB.client_id)))), "access_token")), "xms_mirid") ==
        kUserB.resource_id);
}

TEST_CASE("IMDS: the selector rules without a selector") {
  SUBCASE("one user-assigned identity and no system one: it is used") {
    Harness h("vm-one-uai");
    const auto response = h.mi.HandleImds(Imds(ImdsQuery()));
    REQUIRE(response.status == 200);
    CHECK(Str(Json(response), "client_id") == kUserA.client_id);
  }
  SUBCASE("several user-assigned identities and no selector: refused") {
    Harness h("vm-two-uai");
    CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery())), 400, "invalid_request",
                   "Multiple user assigned identities exist, please specify the clientId / resourceId of the "
                   "identity in the token request");
  }
  SUBCASE("no identity at all") {
    Harness h("vm-none");
    CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery())), 400, "invalid_request", "Identity not found");
  }
  SUBCASE("a host the directory does not know") {
    Harness h("vm-unknown");
    CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery())), 400, "invalid_request", "Identity not found");
  }
}

TEST_CASE("IMDS: an unknown identity is a 400 with an error body, never a 404") {
  Harness h;
  CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery("&client_id=99999999-0000-4000-8000-000000000000"))), 400, "invalid_request", "Identity not found");
  CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery("&object_id=" + kUserA.client_id))), 400, "invalid_request", "Identity not found");
}

TEST_CASE("IMDS: the Metadata header, and a bare probe still gets an answer") {
  Harness h;
  CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery(), false)), 400, "bad_request_102", "Required metadata header not specified");
  auto wrong = Imds(ImdsQuery(), false);
  wrong.headers["Metadata"] = "false";
  CheckImdsError(h.mi.HandleImds(wrong), 400, "bad_request_102", "Required metadata header not specified");
  // DefaultAzureCredential's probe: no query, no header
  CheckImdsError(h.mi.HandleImds(Imds("", false, "/metadata/identity/oauth2/token")), 400, "bad_request_102",
                 "Required metadata header not specified");
}

TEST_CASE("IMDS: request refusals") {
  Harness h;
  CheckImdsError(h.mi.HandleImds(Imds("resource=" + net::PercentEncode(kVault))), 400, "invalid_request",
                 "Required query variable 'api-version' is missing");
  CheckImdsError(h.mi.HandleImds(Imds("api-version=2018-02-01")), 400, "invalid_request", "Required audience parameter not specified");
  CheckImdsError(h.mi.HandleImds(Imds(ImdsQuery("&client_id=" + kUserA.client_id + "&object_id=" + kUserA.principal_id))), 400, "invalid_request",
                 "Only one of client_id, object_id or msi_res_id may be specified");
  auto post = Imds(ImdsQuery());
  post.method = "POST";
  const auto not_allowed = h.mi.HandleImds(post);
  CHECK(not_allowed.status == 405);
  CHECK(not_allowed.Header("Allow") == std::optional<std::string>("GET"));
  CHECK(h.mi.HandleImds(Imds(ImdsQuery(), true, "/metadata/instance")).status == 404);
}

TEST_CASE("IMDS relays the identity platform's refusals in its error body") {
  Harness h;
  const auto unknown = h.mi.HandleImds(Imds(ImdsQuery({}, "https://nothing.example.com")));
  CHECK(unknown.status == 400);
  const auto body = Json(unknown);
  CHECK(Str(body, "error") == "invalid_resource");
  CHECK(Str(body, "error_description")
            .rfind(std::string("AADSTS500011: The resource principal named https://nothing.example.com was not "
                               "found in the tenant named ") +
                       kTenantId + ".",
                   0) == 0);
  CHECK(boost::json::serialize(body.at("error_codes")) == "[500011]");

  SUBCASE("AADSTS501051 applies to managed identities, and is lifted by an assignment") {
    const auto refused = h.mi.HandleImds(Imds(ImdsQuery({}, "api://locked")));
    CHECK(refused.status == 400);
    const auto refusal = Json(refused);
    CHECK(Str(refusal, "error") == "invalid_grant");
    CHECK(Str(refusal, "error_description").rfind(NotAssigned(kSystem) + "\r\nTrace ID: ", 0) == 0);
    h.directory.assignments.push_back({kSystem.principal_id, kLockedSp, kLockedRole});
    const auto granted = h.mi.HandleImds(Imds(ImdsQuery({}, "api://locked")));
    REQUIRE_MESSAGE(granted.status == 200, granted.body);
    const auto claims = Claims(Str(Json(granted), "access_token"));
    CHECK(Str(claims, "aud") == kLockedId);
    CHECK(Str(claims, "azp") == kSystem.client_id);
    CHECK(Str(claims, "azpacr") == "2");
    CHECK(boost::json::serialize(claims.at("roles")) == R"(["Locked.Use"])");
  }
}

// ================================================================================================
// App Service
// ================================================================================================

TEST_CASE("App Service: a token for the system-assigned identity") {
  Harness h;
  const auto response = h.mi.HandleAppService(AppService(AppServiceQuery()));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(body.size() == 5);
  CHECK(Str(body, "expires_on") == std::to_string(kNow + 86399));
  CHECK(Str(body, "resource") == kVault);
  CHECK(Str(body, "token_type") == "Bearer");
  CHECK(Str(body, "client_id") == kSystem.client_id);
  const auto claims = Claims(Str(body, "access_token"));
  CHECK(Str(claims, "appid") == kSystem.client_id);
  CHECK(Str(claims, "oid") == kSystem.principal_id);
}

TEST_CASE("App Service: selectors client_id, principal_id, object_id, mi_res_id") {
  Harness h;
  auto client_of = [&](const std::string& extra) {
    const auto response = h.mi.HandleAppService(AppService(AppServiceQuery(extra)));
    REQUIRE_MESSAGE(response.status == 200, response.body);
    return Str(Json(response), "client_id");
  };
  CHECK(client_of("&client_id=" + kUserA.client_id) == kUserA.client_id);
  CHECK(client_of("&principal_id=" + kUserA.principal_id) == kUserA.client_id);
  CHECK(client_of("&object_id=" + kUserA.principal_id) == kUserA.client_id);
  CHECK(client_of("&mi_res_id=" + net::PercentEncode(kUserA.resource_id)) == kUserA.client_id);
  CHECK(client_of("&principal_id=" + kSystem.principal_id) == kSystem.client_id);
}

TEST_CASE("App Service: identity header, api-version, resource and identity refusals") {
  Harness h;
  CheckAppServiceError(h.mi.HandleAppService(AppService(AppServiceQuery(), std::nullopt)), 400, "The X-IDENTITY-HEADER header is required.");
  CheckAppServiceError(h.mi.HandleAppService(AppService(AppServiceQuery(), "not-the-secret")), 401,
                       "The X-IDENTITY-HEADER header value is not valid.");
  CheckAppServiceError(h.mi.HandleAppService(AppService("api-version=2017-09-01&resource=" + net::PercentEncode(kVault))), 400,
                       "The api-version parameter must be 2019-08-01.");
  CheckAppServiceError(h.mi.HandleAppService(AppService("api-version=2019-08-01")), 400, "The resource parameter is required.");
  CheckAppServiceError(h.mi.HandleAppService(AppService(AppServiceQuery("&client_id=" + kUserA.client_id + "&mi_res_id=x"))), 400,
                       "Only one of client_id, principal_id, object_id or mi_res_id may be specified.");
  CheckAppServiceError(h.mi.HandleAppService(AppService(AppServiceQuery("&client_id=" + kUserB.client_id))), 400,
                       "Unable to load the proper Managed Identity.");
  CHECK(h.mi.HandleAppService(AppService(AppServiceQuery())).status == 200);

  SUBCASE("without a selector only a system-assigned identity is used") {
    CheckAppServiceError(h.mi.HandleAppService(AppService(AppServiceQuery(), "e0e0e0e0-0000-4000-8000-000000000000")), 400,
                         "Unable to load the proper Managed Identity.");
  }
  SUBCASE("other paths and methods") {
    net::Request other = AppService(AppServiceQuery());
    other.target = "/msi/other";
    CHECK(h.mi.HandleAppService(other).status == 404);
    other = AppService(AppServiceQuery());
    other.method = "POST";
    CHECK(h.mi.HandleAppService(other).status == 405);
  }
}

TEST_CASE("App Service answers the identity platform's refusals with its own HTTP 500, without the AADSTS text") {
  Harness h;
  const auto refused = h.mi.HandleAppService(AppService(AppServiceQuery({}, "api://locked")));
  CheckAppServiceError(refused, 500, "An unexpected error occured while fetching the AAD Token.");
  CHECK(refused.body.find("AADSTS") == std::string::npos);
  CHECK(Json(refused).size() == 3);
  h.directory.assignments.push_back({kSystem.principal_id, kLockedSp, kLockedRole});
  CHECK(h.mi.HandleAppService(AppService(AppServiceQuery({}, "api://locked"))).status == 200);
}
