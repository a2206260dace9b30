// Refusals the local tenant reproduces as Entra answers them, seen over real HTTP by the clients a
// workload or entragate itself uses (docs/graph-behaviour.md §13.3): the managed-identity endpoints'
// answers to an unassigned caller, $filter's 15-expression limit, the second permission an
// assignment needs, advanced queries on appRoleAssignmentRequired, conflict details, the claims and
// ARM-id spelling of managed-identity tokens, the host IMDS answers as, and size limits.
#include <doctest/doctest.h>

#include <fstream>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "providers/graph/credentials/managed_identity_credential.h"
#include "tests/emulator/http_tenant.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Claims;
using entragate::testing::Tenant;

namespace {

const std::string kRole = "5b0c1d8a-0f3c-4c53-9d5b-1b2c3d4e5f70";
const std::string kGraphAppId = "00000003-0000-0000-c000-000000000000";

json::object Body(const net::Response& r) { return json::parse(r.body).as_object(); }
std::string Str(const json::object& o, const char* key) { return std::string(o.at(key).as_string()); }
std::string ErrorCode(const net::Response& r) { return Str(Body(r).at("error").as_object(), "code"); }
std::string ErrorMessage(const net::Response& r) { return Str(Body(r).at("error").as_object(), "message"); }

struct Api {
  std::string app_id, sp_id;
};

// An API with one application role that requires assignment.
Api MakeApi(Tenant& t, const std::string& key) {
  json::object role{
      {"id", kRole},      {"value", "App.Use"}, {"displayName", "Use"}, {"description", "Use"}, {"allowedMemberTypes", json::array{"Application"}},
      {"isEnabled", true}};
  net::Response app = t.Graph("PATCH", "/applications(uniqueName='" + key + "')", json::object{{"displayName", key}, {"appRoles", json::array{role}}},
                              {{"Prefer", "create-if-missing"}});
  REQUIRE_MESSAGE(app.status == 201, app.body);
  std::string app_id = Str(Body(app), "appId");
  REQUIRE(t.Graph("PATCH", "/applications(appId='" + app_id + "')", json::object{{"identifierUris", json::array{"api://" + app_id}}}).status == 204);
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", app_id}, {"appRoleAssignmentRequired", true}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  return {app_id, Str(Body(sp), "id")};
}

std::string SpIdByName(Tenant& t, const std::string& name) {
  net::Response r = t.Graph("GET", "/servicePrincipals?$filter=displayName%20eq%20'" + name + "'&$select=id");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return Str(Body(r).at("value").at(0).as_object(), "id");
}

json::object SpByName(Tenant& t, const std::string& name) {
  net::Response r = t.Graph("GET", "/servicePrincipals?$filter=displayName%20eq%20'" + name + "'");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return Body(r).at("value").at(0).as_object();
}

net::Response Imds(Tenant& t, const std::string& resource, const std::string& extra = "") {
  return t.Send("GET", t.e().imds + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + net::PercentEncode(resource) + extra, "",
                {{"Metadata", "true"}});
}

// A client application holding exactly `roles` on Microsoft Graph, and a Graph token for it.
std::string TokenWithRoles(Tenant& t, const std::string& name, const std::vector<std::string>& roles) {
  net::Response app =
      t.Graph("PATCH", "/applications(uniqueName='" + name + "')", json::object{{"displayName", name}}, {{"Prefer", "create-if-missing"}});
  REQUIRE_MESSAGE(app.status == 201, app.body);
  const std::string id = Str(Body(app), "id"), app_id = Str(Body(app), "appId");
  net::Response secret =
      t.Graph("POST", "/applications/" + id + "/addPassword", json::object{{"passwordCredential", json::object{{"displayName", "t"}}}});
  REQUIRE_MESSAGE(secret.status == 200, secret.body);
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", app_id}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  const std::string sp_id = Str(Body(sp), "id");
  net::Response graph = t.Graph("GET", "/servicePrincipals(appId='" + kGraphAppId + "')?$select=id,appRoles");
  REQUIRE(graph.status == 200);
  const json::object graph_sp = Body(graph);
  for (const auto& wanted : roles)
    for (const auto& r : graph_sp.at("appRoles").as_array())
      if (r.at("value") == json::value(wanted)) {
        net::Response granted = t.Graph("POST", "/servicePrincipals/" + Str(graph_sp, "id") + "/appRoleAssignedTo",
                                        json::object{{"principalId", sp_id}, {"resourceId", Str(graph_sp, "id")}, {"appRoleId", r.at("id")}});
        REQUIRE_MESSAGE(granted.status == 201, granted.body);
      }
  net::Response token = t.TokenRequest(app_id, Str(Body(secret), "secretText"), "https://graph.microsoft.com/.default");
  REQUIRE_MESSAGE(token.status == 200, token.body);
  return Str(Body(token), "access_token");
}

}  // namespace

TEST_CASE("an unassigned caller: App Service answers its own HTTP 500, IMDS relays AADSTS501051") {
  Tenant t;
  Api api = MakeApi(t, "locked-api");
  net::Response app_service = t.Send("GET", t.e().identity_endpoint + "?api-version=2019-08-01&resource=api://" + api.app_id, "",
                                     {{"X-IDENTITY-HEADER", t.e().identity_headers.at("centos-2")}});
  CHECK(app_service.status == 500);
  const json::object body = Body(app_service);
  CHECK(body.size() == 3);
  CHECK(body.at("statusCode").as_int64() == 500);
  CHECK(Str(body, "message") == "An unexpected error occured while fetching the AAD Token.");
  CHECK(crypto::ParseUuid(Str(body, "correlationId")).ok());
  CHECK(app_service.body.find("AADSTS") == std::string::npos);

  net::Response imds = Imds(t, "api://" + api.app_id);  // as centos-1, the seed's first host
  CHECK(imds.status == 400);
  CHECK(Str(Body(imds), "error") == "invalid_grant");
  CHECK(Str(Body(imds), "error_description").rfind("AADSTS501051: ", 0) == 0);

  SUBCASE("entragate's own credential says so clearly, with the likely reason") {
    auto transport = graph::MakeHttpTransport({});
    graph::ManagedIdentityCredential credential(
        *transport, graph::ManagedIdentityEndpoint::AppService(t.e().identity_endpoint, t.e().identity_headers.at("centos-2")), std::nullopt,
        [] { return std::int64_t{0}; });
    auto token = credential.GetToken("api://" + api.app_id + "/.default");
    REQUIRE_FALSE(token.ok());
    CAPTURE(token.error().message);
    CHECK(token.error().http_status == 500);
    CHECK(token.error().message.rfind("managed identity (App Service: IDENTITY_ENDPOINT): token request failed: HTTP 500: "
                                      "An unexpected error occured while fetching the AAD Token.",
                                      0) == 0);
    CHECK(token.error().message.find("AADSTS501051") != std::string::npos);
    CHECK(token.error().message.find(t.e().identity_headers.at("centos-2")) == std::string::npos);
  }
}

TEST_CASE("$filter: at most 15 in/or expressions without advanced-query headers, as Graph") {
  Tenant t;
  auto in_list = [](int n) {
    std::string text = "appId in (";
    for (int i = 0; i < n; ++i) text += (i ? ",'" : "'") + std::string("00000000-0000-0000-0000-") + fmt::format("{:012}", i) + "'";
    return net::PercentEncode(text + ")");
  };
  CHECK(t.Graph("GET", "/applications?$filter=" + in_list(15)).status == 200);
  net::Response refused = t.Graph("GET", "/applications?$filter=" + in_list(16));
  CHECK(refused.status == 400);
  CHECK(ErrorCode(refused) == "Request_UnsupportedQuery");
  CHECK(ErrorMessage(refused) == "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");

  std::string chain = "displayName eq 'a0'";
  for (int i = 1; i < 18; ++i) chain += " or displayName eq 'a" + std::to_string(i) + "'";
  net::Response ors = t.Graph("GET", "/applications?$filter=" + net::PercentEncode(chain));
  CHECK(ors.status == 400);
  CHECK(ErrorMessage(ors) == "Too many child clauses specified in search filter expression containing 'OR' operators: 18. Max allowed: 15.");
  // An `in` inside an `or` counts one per value.
  net::Response mixed =
      t.Graph("GET", "/applications?$filter=" +
                         net::PercentEncode("displayName eq 'x' or appId in ('1','2','3','4','5','6','7','8','9','10','11','12','13','14','15')"));
  CHECK(mixed.status == 400);
  CHECK(ErrorMessage(mixed).find("OR' operators: 16.") != std::string::npos);

  // Advanced queries are not held to it.
  net::Response advanced = t.Graph("GET", "/applications?$count=true&$filter=" + in_list(16), nullptr, {{"ConsistencyLevel", "eventual"}});
  CHECK_MESSAGE(advanced.status == 200, advanced.body);
}

TEST_CASE("creating an assignment needs AppRoleAssignment.ReadWrite.All and Application.Read.All") {
  Tenant t;
  Api api = MakeApi(t, "assign-api");
  const std::string mi = SpIdByName(t, "centos-2");
  const json::object grant{{"principalId", mi}, {"resourceId", api.sp_id}, {"appRoleId", kRole}};
  const std::string url = t.e().graph + "/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo";

  const std::string only_assign = TokenWithRoles(t, "only-assign", {"AppRoleAssignment.ReadWrite.All"});
  net::Response refused = t.Send("POST", url, json::serialize(grant), {{"Authorization", "Bearer " + only_assign}});
  CHECK(refused.status == 403);
  CHECK(ErrorCode(refused) == "Authorization_RequestDenied");
  CHECK(ErrorMessage(refused) == "Insufficient privileges to complete the operation.");

  const std::string both = TokenWithRoles(t, "assign-and-read", {"AppRoleAssignment.ReadWrite.All", "Application.Read.All"});
  net::Response granted = t.Send("POST", url, json::serialize(grant), {{"Authorization", "Bearer " + both}});
  CHECK_MESSAGE(granted.status == 201, granted.body);
}

TEST_CASE("granting to a principal that does not exist or has not replicated: 400 Not a valid reference update.") {
  Tenant t;
  Api api = MakeApi(t, "reference-api");
  t.Admin("PUT", "faults", json::object{{"spec", "lag=500"}});    // writes replicate for 500 ms of tenant time
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 1}});  // the API has replicated
  const std::string url = "/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo";
  auto grant = [&](const std::string& principal) {
    return t.Graph("POST", url, json::object{{"principalId", principal}, {"resourceId", api.sp_id}, {"appRoleId", kRole}});
  };
  net::Response ghost = grant("12345678-1234-4234-8234-123456789012");
  CHECK(ghost.status == 400);
  CHECK(ErrorCode(ghost) == "Request_BadRequest");
  CHECK(ErrorMessage(ghost) == "Not a valid reference update.");

  // A client created a moment ago is such a principal until it has replicated.
  net::Response client =
      t.Graph("PATCH", "/applications(uniqueName='fresh-client')", json::object{{"displayName", "fresh"}}, {{"Prefer", "create-if-missing"}});
  REQUIRE(client.status == 201);
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 1}});
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", Str(Body(client), "appId")}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  net::Response early = grant(Str(Body(sp), "id"));
  CHECK(early.status == 400);
  CHECK(ErrorMessage(early) == "Not a valid reference update.");
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 1}});
  CHECK(grant(Str(Body(sp), "id")).status == 201);
}

TEST_CASE("$filter=appRoleAssignmentRequired eq true needs the advanced-query headers on v1.0") {
  Tenant t;
  Api api = MakeApi(t, "required-api");
  const std::string filter = "/servicePrincipals?$filter=" + net::PercentEncode("appRoleAssignmentRequired eq true");
  net::Response plain = t.Graph("GET", filter);
  CHECK(plain.status == 400);
  CHECK(ErrorCode(plain) == "Request_UnsupportedQuery");
  CHECK(ErrorMessage(plain) ==
        "Unsupported or invalid query filter clause specified for property 'appRoleAssignmentRequired' of resource 'ServicePrincipal'.");
  CHECK(t.Graph("GET", filter + "&$count=true").status == 400);  // the header is needed too
  net::Response advanced = t.Graph("GET", filter + "&$count=true", nullptr, {{"ConsistencyLevel", "eventual"}});
  REQUIRE_MESSAGE(advanced.status == 200, advanced.body);
  bool found = false;
  const json::object listed = Body(advanced);
  for (const auto& sp : listed.at("value").as_array()) found = found || sp.at("id") == json::value(api.sp_id);
  CHECK(found);
}

TEST_CASE("an identifier URI conflict carries ObjectConflict and ConflictingObjects details") {
  Tenant t;
  Api first = MakeApi(t, "first-api");
  net::Response second =
      t.Graph("PATCH", "/applications(uniqueName='second-api')", json::object{{"displayName", "second"}}, {{"Prefer", "create-if-missing"}});
  REQUIRE(second.status == 201);
  const std::string shared = "api://contoso.onmicrosoft.com/shared";
  REQUIRE(
      t.Graph("PATCH", "/applications(appId='" + first.app_id + "')", json::object{{"identifierUris", json::array{"api://" + first.app_id, shared}}})
          .status == 204);
  net::Response conflict = t.Graph("PATCH", "/applications/" + Str(Body(second), "id"), json::object{{"identifierUris", json::array{shared}}});
  CHECK(conflict.status == 400);
  CHECK(ErrorCode(conflict) == "Request_BadRequest");
  const std::string message = "Another object with the same value for property identifierUris already exists.";
  CHECK(ErrorMessage(conflict) == message);
  net::Response app = t.Graph("GET", "/applications(appId='" + first.app_id + "')?$select=id");
  const json::array details = Body(conflict).at("error").at("details").as_array();
  REQUIRE(details.size() == 2);
  CHECK(json::serialize(details[0]) == json::serialize(json::object{{"code", "ObjectConflict"}, {"message", message}, {"target", "identifierUris"}}));
  CHECK(Str(details[1].as_object(), "code") == "ConflictingObjects");
  CHECK(Str(details[1].as_object(), "target") == "Application_" + Str(Body(app), "id"));
}

TEST_CASE("managed-identity tokens: xms_az_rid for a user-assigned identity on a VM, ARM ids write resourcegroups") {
  Tenant t;
  const std::string vm =
      "/subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourcegroups/vms/providers/Microsoft.Compute/virtualMachines/centos-1";
  const std::string uai =
      "/subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourcegroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-runner";
  const json::object runner = SpByName(t, "ci-runner");
  CHECK(json::serialize(runner.at("alternativeNames")) == json::serialize(json::array{"isExplicit=True", uai}));
  CHECK(json::serialize(SpByName(t, "centos-1").at("alternativeNames")) == json::serialize(json::array{"isExplicit=False", vm}));

  net::Response user = Imds(t, "https://graph.microsoft.com", "&client_id=" + Str(runner, "appId"));
  REQUIRE_MESSAGE(user.status == 200, user.body);
  const json::object user_claims = Claims(Str(Body(user), "access_token"));
  CHECK(Str(user_claims, "xms_mirid") == uai);
  CHECK(Str(user_claims, "xms_az_rid") == vm);

  net::Response system = Imds(t, "https://graph.microsoft.com");
  REQUIRE_MESSAGE(system.status == 200, system.body);
  const json::object system_claims = Claims(Str(Body(system), "access_token"));
  CHECK(Str(system_claims, "xms_mirid") == vm);
  CHECK_FALSE(system_claims.contains("xms_az_rid"));

  // Selecting by the ARM id still works whatever the caller's casing.
  std::string upper = uai;
  upper.replace(upper.find("resourcegroups"), 14, "resourceGroups");
  CHECK(Imds(t, "https://graph.microsoft.com", "&msi_res_id=" + net::PercentEncode(upper)).status == 200);
}

TEST_CASE("IMDS answers as the seed's first host, not the alphabetically first") {
  const auto seed = std::filesystem::temp_directory_path() / ("entragate-seed-order-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(seed);
    out << "tenant: { id: 3d7e0b52-4a8e-4c1e-9b7a-2f5d1c0e9a11, domains: [contoso.onmicrosoft.com] }\n"
           "hosts:\n"
           "  - { name: zulu-vm, systemAssigned: true }\n"
           "  - { name: alpha-vm, systemAssigned: true }\n";
  }
  emulator::LocalTenantOptions options;
  options.seed_file = seed.string();
  Tenant t(options);
  std::filesystem::remove(seed);
  net::Response r = Imds(t, "https://graph.microsoft.com");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(Str(Claims(Str(Body(r), "access_token")), "oid") == SpIdByName(t, "zulu-vm"));
}

TEST_CASE("size limits: displayName 256 characters and the other documented lengths, oversized bodies 413") {
  Tenant t;
  auto create = [&](const std::string& key, const json::object& body) {
    return t.Graph("PATCH", "/applications(uniqueName='" + key + "')", body, {{"Prefer", "create-if-missing"}});
  };
  std::string e_acute_256;
  for (int i = 0; i < 256; ++i) e_acute_256 += "\xc3\xa9";  // 256 characters, 512 bytes
  CHECK(create("name-256", json::object{{"displayName", std::string(256, 'x')}}).status == 201);
  CHECK(create("name-256-utf8", json::object{{"displayName", e_acute_256}}).status == 201);
  net::Response long_name = create("name-257", json::object{{"displayName", std::string(257, 'x')}});
  CHECK(long_name.status == 400);
  CHECK(ErrorMessage(long_name) == "Invalid value specified for property 'displayName' of resource 'Application'.");
  CHECK(t.Graph("GET", "/applications(uniqueName='name-257')").status == 404);  // nothing stored

  net::Response big = t.Graph("PATCH", "/applications(uniqueName='big')", json::object{{"displayName", std::string(3 << 20, 'x')}},
                              {{"Prefer", "create-if-missing"}});
  CHECK(big.status == 400);
  net::Response description = create("description", json::object{{"displayName", "d"}, {"description", std::string(1025, 'x')}});
  CHECK(ErrorMessage(description) == "Invalid value specified for property 'description' of resource 'Application'.");
  json::object scope{{"id", "4b0c1d8a-0f3c-4c53-9d5b-1b2c3d4e5f70"}, {"value", std::string(121, 's')}, {"isEnabled", true}, {"type", "User"}};
  net::Response scope_value =
      create("scope", json::object{{"displayName", "s"}, {"api", json::object{{"oauth2PermissionScopes", json::array{scope}}}}});
  CHECK(ErrorMessage(scope_value) == "Invalid value specified for property 'value' of resource 'PermissionScope'.");

  Api api = MakeApi(t, "sized-api");
  net::Response notes = t.Graph("PATCH", "/servicePrincipals/" + api.sp_id, json::object{{"notes", std::string(1025, 'n')}});
  CHECK(ErrorMessage(notes) == "Invalid value specified for property 'notes' of resource 'ServicePrincipal'.");
  net::Response app = t.Graph("GET", "/applications(appId='" + api.app_id + "')?$select=id");
  net::Response fic = t.Graph("POST", "/applications/" + Str(Body(app), "id") + "/federatedIdentityCredentials",
                              json::object{{"name", std::string(121, 'f')},
                                           {"issuer", "https://issuer.example"},
                                           {"subject", "s"},
                                           {"audiences", json::array{"api://AzureADTokenExchange"}}});
  CHECK(fic.status == 400);
  CHECK(ErrorMessage(fic) == "Invalid value specified for property 'name' of resource 'FederatedIdentityCredential'.");

  // A body past 4 MiB ($batch or not) is refused before it is read, with Graph's error shape.
  json::array requests;
  for (int i = 0; i < 5; ++i)
    requests.push_back(json::object{{"id", std::to_string(i)},
                                    {"method", "PATCH"},
                                    {"url", "/applications(uniqueName='b" + std::to_string(i) + "')"},
                                    {"headers", json::object{{"Content-Type", "application/json"}, {"Prefer", "create-if-missing"}}},
                                    {"body", json::object{{"displayName", std::string(1 << 20, 'x')}}}});
  net::Response batch = t.Graph("POST", "/$batch", json::object{{"requests", requests}});
  CHECK(batch.status == 413);
  CHECK(ErrorCode(batch) == "RequestEntityTooLarge");
}
