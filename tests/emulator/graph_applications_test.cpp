// Graph /applications and /servicePrincipals on the emulator: status codes, Graph's rules, errors.
#include <doctest/doctest.h>

#include "tests/emulator/graph_test_tenant.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;
namespace net = entragate::net;

namespace {
const std::string kRoleA = "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60";
const std::string kRoleB = "6f1c2e9b-1a4d-4d64-8e6c-2c3d4e5f6a71";
}  // namespace

TEST_CASE("create, read by id, appId and uniqueName, update, delete") {
  GraphTestTenant t;
  json::object app = t.CreateApp("TestApp");
  std::string id(app.at("id").as_string()), app_id(app.at("appId").as_string());
  CHECK(app.at("@odata.context").as_string() == "https://graph.test/v1.0/$metadata#applications/$entity");
  CHECK(app.at("signInAudience").as_string() == "AzureADMyOrg");
  CHECK(app.at("identifierUris").as_array().empty());
  CHECK(t.Get("/applications/" + id).status == 200);
  CHECK(t.Get("/applications(appId='" + app_id + "')").obj().at("id").as_string() == id);
  CHECK(t.Patch("/applications/" + id, {{"notes", "hello"}}).status == 204);
  CHECK(t.Get("/applications/" + id + "?$select=notes").obj().at("notes").as_string() == "hello");
  CHECK(t.Get("/applications/" + id + "?$select=notes").obj().size() == 2);  // notes + @odata.context
  CHECK(t.Delete("/applications/" + id).status == 204);
  Reply gone = t.Get("/applications/" + id);
  CHECK(gone.status == 404);
  CHECK(gone.error_code() == "Request_ResourceNotFound");
  CHECK(gone.error_message() == "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present.");
  CHECK(gone.obj().at("error").at("innerError").at("request-id").as_string() == gone.headers.at("request-id"));
}

TEST_CASE("upsert by uniqueName: 201 with Prefer create-if-missing, then 204, 404 without the header") {
  GraphTestTenant t;
  net::Headers prefer{{"Prefer", "create-if-missing"}};
  Reply missing = t.Patch("/applications(uniqueName='testapp')", {{"displayName", "TestApp"}});
  CHECK(missing.status == 404);
  Reply created = t.Patch("/applications(uniqueName='testapp')", {{"displayName", "TestApp"}}, prefer);
  REQUIRE(created.status == 201);
  CHECK(created.obj().at("uniqueName").as_string() == "testapp");
  Reply updated = t.Patch("/applications(uniqueName='testapp')", {{"displayName", "TestApp 2"}}, prefer);
  CHECK(updated.status == 204);
  CHECK(updated.text.empty());
  Reply read = t.Get("/applications(uniqueName='testapp')");
  CHECK(read.obj().at("displayName").as_string() == "TestApp 2");
  CHECK(read.obj().at("id") == created.obj().at("id"));  // never a duplicate
  // A quote in the key is doubled, as OData literals require.
  CHECK(t.Patch("/applications(uniqueName='it''s')", {{"displayName", "Quote"}}, prefer).status == 201);
  CHECK(t.Get("/applications(uniqueName='it''s')").obj().at("displayName").as_string() == "Quote");
}

TEST_CASE("uniqueName is an alternate key only: $filter on it is refused like Graph does") {
  GraphTestTenant t;
  Reply r = t.Get("/applications?$filter=uniqueName eq 'testapp'");
  CHECK(r.status == 400);
  CHECK(r.error_code() == "Request_UnsupportedQuery");
  CHECK(r.error_message() == "Unsupported or invalid query filter clause specified for property 'uniqueName' of resource 'Application'.");
}

TEST_CASE("writes: read-only and unknown properties, wrong types and malformed JSON are refused") {
  GraphTestTenant t;
  Reply read_only = t.Post("/applications", {{"displayName", "X"}, {"appId", "11111111-1111-1111-1111-111111111111"}});
  CHECK(read_only.status == 400);
  CHECK(read_only.error_message() == "Property 'appId' is read-only and cannot be set.");
  Reply unknown = t.Post("/applications", {{"displayName", "X"}, {"colour", "blue"}});
  CHECK(unknown.error_message() == "Property 'colour' does not exist as a declared property or extension property.");
  Reply wrong = t.Post("/applications", {{"displayName", "X"}, {"tags", "not-a-list"}});
  CHECK(wrong.error_message() == "Invalid value specified for property 'tags' of resource 'Application'.");
  Reply malformed = t.Call("POST", "/applications", "{\"displayName\": ");
  CHECK(malformed.status == 400);
  CHECK(malformed.error_code() == "Request_BadRequest");
  Reply no_name = t.Post("/applications", {{"notes", "x"}});
  CHECK(no_name.status == 400);
}

TEST_CASE("app roles: an enabled role can only be disabled, removal or change needs a prior disable") {
  GraphTestTenant t;
  json::object app = t.CreateApp("Roles", {{"appRoles", json::array{Role(kRoleA, "App.Use")}}});
  std::string url = "/applications/" + std::string(app.at("id").as_string());
  Reply remove = t.Patch(url, {{"appRoles", json::array{}}});
  CHECK(remove.status == 400);
  CHECK(remove.error_code() == "CannotDeleteOrUpdateEnabledEntitlement");
  CHECK(remove.error_message() == "Permission (scope or role) cannot be deleted or updated unless disabled first.");
  json::object renamed = Role(kRoleA, "App.Use");
  renamed["description"] = "changed";
  CHECK(t.Patch(url, {{"appRoles", json::array{renamed}}}).error_code() == "CannotDeleteOrUpdateEnabledEntitlement");
  CHECK(t.Patch(url, {{"appRoles", json::array{Role(kRoleA, "App.Use", false)}}}).status == 204);
  CHECK(t.Patch(url, {{"appRoles", json::array{}}}).status == 204);
  CHECK(t.Get(url).obj().at("appRoles").as_array().empty());
}

TEST_CASE("app role values, ids and member types follow Graph's rules") {
  GraphTestTenant t;
  CHECK(t.Post("/applications", {{"displayName", "X"}, {"appRoles", json::array{Role(kRoleA, "App Use")}}}).error_message() ==
        "Invalid value specified for property 'value' of resource 'AppRole'.");
  CHECK(t.Post("/applications", {{"displayName", "X"}, {"appRoles", json::array{Role(kRoleA, "A"), Role(kRoleA, "B")}}}).error_message() ==
        "Invalid value specified for property 'id' of resource 'AppRole'.");
  CHECK(t.Post("/applications", {{"displayName", "X"}, {"appRoles", json::array{Role(kRoleA, "A", true, json::array{"Robot"})}}}).error_message() ==
        "Invalid value specified for property 'allowedMemberTypes' of resource 'AppRole'.");
}

TEST_CASE("optional claims: unknown names for the token type are refused") {
  GraphTestTenant t;
  json::object good{{"accessToken", json::array{json::object{{"name", "idtyp"}, {"essential", false}}}}};
  CHECK(t.Post("/applications", {{"displayName", "X"}, {"optionalClaims", good}}).status == 201);
  json::object bad{{"idToken", json::array{json::object{{"name", "idtyp"}}}}};
  CHECK(t.Post("/applications", {{"displayName", "Y"}, {"optionalClaims", bad}}).error_message() ==
        "Invalid value specified for property 'name' of resource 'OptionalClaim'.");
}

TEST_CASE("identifier URIs: unique in the tenant, default tenant policy, verified https hosts") {
  GraphTestTenant t;
  json::object a = t.CreateApp("A");
  std::string url_a = "/applications/" + std::string(a.at("id").as_string());
  std::string own = "api://" + std::string(a.at("appId").as_string());
  CHECK(t.Patch(url_a, {{"identifierUris", json::array{own}}}).status == 204);
  Reply policy = t.Patch(url_a, {{"identifierUris", json::array{"api://orders"}}});
  CHECK(policy.status == 400);
  CHECK(policy.error_message() ==
        "Failed to add identifier URI api://orders. All newly added URIs must contain a tenant verified domain, tenant ID, or "
        "app ID, as per the default tenant policy of your organization. See https://aka.ms/identifier-uri-addition-error for "
        "more information on this error.");
  json::object v2_api{{"requestedAccessTokenVersion", 2}};
  CHECK(t.Patch(url_a, {{"api", v2_api}, {"identifierUris", json::array{"api://orders"}}}).status == 204);
  json::object b = t.CreateApp("B");
  std::string url_b = "/applications/" + std::string(b.at("id").as_string());
  Reply taken = t.Patch(url_b, {{"api", v2_api}, {"identifierUris", json::array{"api://ORDERS"}}});
  CHECK(taken.status == 400);
  CHECK(taken.error_message() == "Another object with the same value for property identifierUris already exists.");
  Reply unverified = t.Patch(url_b, {{"identifierUris", json::array{"https://fabrikam.com/orders"}}});
  CHECK(unverified.error_code() == "HostNameNotOnVerifiedDomain");
  CHECK(t.Patch(url_b, {{"identifierUris", json::array{"https://contoso.onmicrosoft.com/orders"}}}).status == 204);
}

TEST_CASE("identifier URIs: api or https with a host, and a verified domain counts only as the host or its parent") {
  GraphTestTenant t;
  json::object a = t.CreateApp("A");
  std::string url = "/applications/" + std::string(a.at("id").as_string());
  for (const char* uri : {"http://contoso.onmicrosoft.com/orders", "urn:contoso:orders", "api://orders a", "api://{appId}#x", "api:///x"}) {
    CAPTURE(uri);
    CHECK(t.Patch(url, {{"identifierUris", json::array{uri}}}).error_message() ==
          "Invalid value specified for property 'identifierUris' of resource 'Application'.");
  }
  Reply lookalike = t.Patch(url, {{"identifierUris", json::array{"api://notcontoso.onmicrosoft.com/orders"}}});
  CHECK(lookalike.error_message().starts_with("Failed to add identifier URI api://notcontoso.onmicrosoft.com/orders."));
  CHECK(t.Patch(url, {{"identifierUris", json::array{"api://orders.contoso.onmicrosoft.com/read"}}}).status == 204);
}

TEST_CASE("optional claims: SAML tokens offer only acct, email, groups and upn of the common set") {
  GraphTestTenant t;
  auto with = [](const char* member, const char* name) { return json::object{{member, json::array{json::object{{"name", name}}}}}; };
  CHECK(t.Post("/applications", {{"displayName", "A"}, {"optionalClaims", with("saml2Token", "upn")}}).status == 201);
  CHECK(t.Post("/applications", {{"displayName", "B"}, {"optionalClaims", with("saml2Token", "sid")}}).status == 400);
  CHECK(t.Post("/applications", {{"displayName", "C"}, {"optionalClaims", with("idToken", "vnet")}}).status == 201);
}

TEST_CASE("service principals: create, upsert by appId, mirrored roles, NoBackingApplicationObject") {
  GraphTestTenant t;
  json::object app = t.CreateApp("Api", {{"appRoles", json::array{Role(kRoleA, "App.Use")}}, {"tags", json::array{"team:x"}}});
  std::string app_id(app.at("appId").as_string());
  json::object sp = t.CreateSp(app_id);
  CHECK(sp.at("servicePrincipalType").as_string() == "Application");
  CHECK(sp.at("appRoles").as_array().size() == 1);
  CHECK(sp.at("appRoles").as_array()[0].at("origin").as_string() == "Application");
  CHECK(sp.at("tags").as_array()[0].as_string() == "team:x");
  CHECK(sp.at("servicePrincipalNames").as_array()[0].as_string() == app_id);
  net::Headers prefer{{"Prefer", "create-if-missing"}};
  CHECK(t.Patch("/servicePrincipals(appId='" + app_id + "')", {{"appRoleAssignmentRequired", true}}, prefer).status == 204);
  CHECK(t.Get("/servicePrincipals/" + std::string(sp.at("id").as_string())).obj().at("appRoleAssignmentRequired").as_bool());
  CHECK(t.Post("/servicePrincipals", {{"appId", app_id}}).status == 409);
  Reply orphan = t.Post("/servicePrincipals", {{"appId", "11111111-2222-3333-4444-555555555555"}});
  CHECK(orphan.status == 400);
  CHECK(orphan.error_code() == "Request_BadRequest");
  CHECK(orphan.obj().at("error").at("details").as_array()[0].at("code").as_string() == "NoBackingApplicationObject");
  CHECK(orphan.obj().at("error").at("details").as_array()[0].at("target").as_string() == "appId");
  json::object other = t.CreateApp("Other");
  Reply upserted = t.Patch("/servicePrincipals(appId='" + std::string(other.at("appId").as_string()) + "')", json::object{}, prefer);
  CHECK(upserted.status == 201);
}

TEST_CASE("replication lag never makes an upsert create a duplicate") {
  GraphTestTenant t;
  t.service().SetReplicationLagMs(5000);
  net::Headers prefer{{"Prefer", "create-if-missing"}};
  REQUIRE(t.Patch("/applications(uniqueName='lagged')", {{"displayName", "Lagged"}}, prefer).status == 201);
  CHECK(t.Get("/applications(uniqueName='lagged')").status == 404);                                           // the read lags …
  CHECK(t.Patch("/applications(uniqueName='lagged')", {{"displayName", "Lagged 2"}}, prefer).status == 204);  // … the upsert does not
  t.AdvanceMs(5000);
  CHECK(t.Get("/applications?$filter=startswith(displayName,'Lagged')").obj().at("value").as_array().size() == 1);
}

TEST_CASE("a managed identity's service principal cannot be modified") {
  GraphTestTenant t;
  std::string mi = t.SpIdByName("centos-1");
  Reply r = t.Patch("/servicePrincipals/" + mi, {{"notes", "x"}});
  CHECK(r.status == 400);
  CHECK(r.error_message() == "Service principals of type ManagedIdentity cannot be updated or deleted directly.");
  CHECK(t.Delete("/servicePrincipals/" + mi).status == 400);
  Reply alt = t.Get(
      "/servicePrincipals?$filter=alternativeNames/any(a:a eq '/subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-runner')");
  REQUIRE(alt.status == 200);
  REQUIRE(alt.obj().at("value").as_array().size() == 1);
  CHECK(alt.obj().at("value").as_array()[0].at("displayName").as_string() == "ci-runner");
}

TEST_CASE("replication lag: a new app is briefly invisible and cannot yet back a service principal") {
  GraphTestTenant t;
  t.service().SetReplicationLagMs(5000);
  json::object app = t.CreateApp("Fresh");
  CHECK(t.Get("/applications/" + std::string(app.at("id").as_string())).status == 404);
  Reply early = t.Post("/servicePrincipals", {{"appId", app.at("appId")}});
  CHECK(early.obj().at("error").at("details").as_array()[0].at("code").as_string() == "NoBackingApplicationObject");
  t.AdvanceMs(5000);
  CHECK(t.Get("/applications/" + std::string(app.at("id").as_string())).status == 200);
  CHECK(t.Post("/servicePrincipals", {{"appId", app.at("appId")}}).status == 201);
}

TEST_CASE("authorization: no token 401, foreign token 401, missing permission 403") {
  GraphTestTenant t;
  Reply none = t.Call("GET", "/applications", "", "");
  CHECK(none.status == 401);
  CHECK(none.error_code() == "InvalidAuthenticationToken");
  CHECK(none.error_message() == "Access token is empty.");
  CHECK(t.Get("/applications", "forged").status == 401);
  Reply denied = t.Get("/applications", "noroles");
  CHECK(denied.status == 403);
  CHECK(denied.error_code() == "Authorization_RequestDenied");
  CHECK(denied.error_message() == "Insufficient privileges to complete the operation.");
  CHECK(t.Get("/applications", "reader").status == 200);
  CHECK(t.Call("POST", "/applications", R"({"displayName":"x"})", "reader").status == 403);
}

TEST_CASE("an application PATCH keeps its service principal in step, and a PATCH of nothing it mirrors leaves it as it was") {
  GraphTestTenant t;
  json::object app = t.CreateApp("Api", {{"appRoles", json::array{Role(kRoleA, "App.Use")}}});
  std::string id(app.at("id").as_string()), app_id(app.at("appId").as_string());
  std::string sp_url = "/servicePrincipals/" + std::string(t.CreateSp(app_id).at("id").as_string());
  REQUIRE(t.Patch("/applications/" + id, {{"displayName", "Api 2"}, {"tags", json::array{"team:y"}}}).status == 204);
  REQUIRE(t.Patch("/applications/" + id, {{"appRoles", json::array{Role(kRoleA, "App.Use"), Role(kRoleB, "App.Read")}}}).status == 204);
  REQUIRE(t.Patch("/applications/" + id, {{"identifierUris", json::array{"api://" + app_id}}}).status == 204);
  json::object sp = t.Get(sp_url).obj();
  CHECK(sp.at("appDisplayName").as_string() == "Api 2");
  CHECK(sp.at("displayName").as_string() == "Api");  // its own name is not mirrored
  CHECK(sp.at("tags") == json::array{"team:y"});
  CHECK(sp.at("appRoles").as_array().size() == 2);
  CHECK(sp.at("servicePrincipalNames") == json::array{json::string(app_id), json::string("api://" + app_id)});
  REQUIRE(t.Patch("/applications/" + id, {{"notes", "unrelated"}}).status == 204);
  CHECK(t.Get("/applications/" + id + "?$select=notes").obj().at("notes").as_string() == "unrelated");
  CHECK(t.Get(sp_url).obj() == sp);
}
