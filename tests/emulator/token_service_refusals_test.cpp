// The token service's refusals of the request itself: its shape, the tenant, the client, the scope
// or resource, and an assignment that is required but not held.

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

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
