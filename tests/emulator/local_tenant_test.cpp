// The local tenant over real HTTP(S): the token endpoint, Graph, managed identities, the admin API,
// persistence across restarts, and each fault kind, driven through the provider's own transport.
#include <doctest/doctest.h>

#include <filesystem>

#include <unistd.h>

#include <boost/json.hpp>

#include "crypto/jwt.h"
#include "tests/emulator/http_tenant.h"

using namespace entragate;
namespace json = boost::json;
namespace fs = std::filesystem;
using entragate::testing::Claims;
using entragate::testing::Tenant;

namespace {

const std::string kRole = "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60";

// TestApp with App.Use, assignment required, App ID URI api://{appId}; returns {appId, sp id}.
std::pair<std::string, std::string> MakeProtectedApi(Tenant& t) {
  json::object role{{"id", kRole},
                    {"value", "App.Use"},
                    {"displayName", "AppUsers"},
                    {"description", "Allow usage of app"},
                    {"allowedMemberTypes", json::array{"Application"}},
                    {"isEnabled", true}};
  net::Response created = t.Graph(
      "PATCH", "/applications(uniqueName='testapp')",
      json::object{{"displayName", "TestApp"},
                   {"appRoles", json::array{role}},
                   {"optionalClaims",
                    json::object{{"accessToken", json::array{json::object{{"name", "idtyp"}}, json::object{{"name", "tenant_region_scope"}}}}}}},
      {{"Prefer", "create-if-missing"}});
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string app_id(json::parse(created.body).at("appId").as_string());
  REQUIRE(t.Graph("PATCH", "/applications(appId='" + app_id + "')", json::object{{"identifierUris", json::array{"api://" + app_id}}}).status == 204);
  net::Response sp = t.Graph("PATCH", "/servicePrincipals(appId='" + app_id + "')", json::object{{"appRoleAssignmentRequired", true}},
                             {{"Prefer", "create-if-missing"}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  return {app_id, std::string(json::parse(sp.body).at("id").as_string())};
}

std::string SpId(Tenant& t, const std::string& name) {
  net::Response r = t.Graph("GET", "/servicePrincipals?$filter=displayName%20eq%20'" + name + "'&$select=id");
  return std::string(json::parse(r.body).at("value").at(0).at("id").as_string());
}

}  // namespace

TEST_CASE("over HTTPS: the operator signs in and manages an application with Graph") {
  emulator::LocalTenantOptions o;
  o.tls = true;
  Tenant t(o);
  CHECK(t.e().graph.rfind("https://127.0.0.1:", 0) == 0);
  CHECK(fs::exists(t.e().ca_file));
  json::object claims = Claims(t.OperatorToken());
  CHECK(claims.at("aud").as_string() == "https://graph.microsoft.com");
  CHECK(claims.at("tid").as_string() == t.e().tenant_id);
  auto [app_id, sp_id] = MakeProtectedApi(t);
  net::Response list = t.Graph("GET", "/applications?$filter=appId%20eq%20'" + app_id + "'");
  CHECK(json::parse(list.body).at("value").as_array().size() == 1);
  CHECK(list.Header("request-id").has_value());
}

TEST_CASE("token refused with AADSTS501051 until the caller holds an assignment, roles and optional claims then") {
  Tenant t;
  auto [app_id, sp_id] = MakeProtectedApi(t);
  net::Response refused = t.TokenRequest(t.e().client_id, t.e().client_secret, "api://" + app_id + "/.default");
  CHECK(refused.status == 400);
  json::object err = json::parse(refused.body).as_object();
  CHECK(err.at("error").as_string() == "invalid_grant");
  CAPTURE(err.at("error_description").as_string());
  CHECK(std::string(err.at("error_description").as_string())
            .rfind("AADSTS501051: Application '" + t.e().client_id + "'(entragate-operator) is not assigned to a role for the application '" +
                       app_id + "'(TestApp).",
                   0) == 0);
  CHECK(err.at("error_codes").as_array()[0].as_int64() == 501051);
  // The managed identity of centos-1 gets App.Use; then its token carries the role.
  std::string mi = SpId(t, "centos-1");
  REQUIRE(t.Graph("POST", "/servicePrincipals/" + sp_id + "/appRoleAssignedTo",
                  json::object{{"principalId", mi}, {"resourceId", sp_id}, {"appRoleId", kRole}})
              .status == 201);
  net::Response imds =
      t.Send("GET", t.e().imds + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://" + app_id, "", {{"Metadata", "true"}});
  REQUIRE_MESSAGE(imds.status == 200, imds.body);
  json::object token = json::parse(imds.body).as_object();
  CHECK(token.at("expires_on").is_string());
  json::object claims = Claims(std::string(token.at("access_token").as_string()));
  CHECK(claims.at("roles").as_array() == json::array{"App.Use"});
  CHECK(claims.at("aud").as_string() == "api://" + app_id);
  CHECK(claims.at("idtyp").as_string() == "app");
  CHECK(claims.at("tenant_region_scope").as_string() == "EU");
  CHECK(claims.at("oid").as_string() == mi);
  // centos-2, through the App Service protocol, is refused with the platform's generic 500.
  net::Response other = t.Send("GET", t.e().identity_endpoint + "?api-version=2019-08-01&resource=api://" + app_id, "",
                               {{"X-IDENTITY-HEADER", t.e().identity_headers.at("centos-2")}});
  CHECK(other.status == 500);
  CHECK(other.body.find("AADSTS") == std::string::npos);
}

TEST_CASE("state persists across restarts, tokens issued before still verify") {
  std::string dir;
  std::string app_id, token;
  {
    Tenant t;
    dir = t.KeepState();
    app_id = MakeProtectedApi(t).first;
    token = t.OperatorToken();
  }
  Tenant again({}, dir);
  net::Response r = again.Send("GET", again.e().graph + "/applications(appId='" + app_id + "')", "", {{"Authorization", "Bearer " + token}});
  CHECK(r.status == 200);
  CHECK(json::parse(r.body).at("displayName").as_string() == "TestApp");
  fs::remove_all(dir);
}

TEST_CASE("admin stats count requests, batches once, writes and resource units") {
  Tenant t;
  t.OperatorToken();
  t.Admin("POST", "stats/reset");
  json::array requests{json::object{{"id", "1"}, {"method", "GET"}, {"url", "/applications"}},
                       json::object{{"id", "2"}, {"method", "GET"}, {"url", "/servicePrincipals"}}};
  REQUIRE(t.Graph("POST", "/$batch", json::object{{"requests", requests}}).status == 200);
  REQUIRE(t.Graph("POST", "/applications", json::object{{"displayName", "Counted"}}).status == 201);
  json::object stats = t.Admin("GET", "stats");
  CHECK(stats.at("requests").to_number<uint64_t>() == 2);
  CHECK(stats.at("batchSubrequests").to_number<uint64_t>() == 2);
  CHECK(stats.at("writes").to_number<uint64_t>() == 1);
  CHECK(stats.at("resourceUnits").to_number<uint64_t>() == 2 + 1 + 1);
  CHECK(stats.at("byRoute").at("POST /applications").to_number<uint64_t>() == 1);
}

TEST_CASE("faults: 429 with Retry-After, 503, 504, failing the Nth request") {
  Tenant t;
  t.OperatorToken();
  t.Admin("PUT", "faults", json::object{{"throttle", 1}, {"retry-after", "2.5"}});
  net::Response throttled = t.Graph("GET", "/applications");
  CHECK(throttled.status == 429);
  CHECK(throttled.Header("Retry-After") == "2.5");
  CHECK(json::parse(throttled.body).at("error").at("code").as_string() == "TooManyRequests");
  t.Admin("PUT", "faults", json::object{{"unavailable", 1}});
  CHECK(t.Graph("GET", "/applications").status == 503);
  t.Admin("PUT", "faults", json::object{{"gateway-timeout", 1}});
  CHECK(t.Graph("GET", "/applications").status == 504);
  t.Admin("PUT", "faults", json::object{{"fail-request", "2"}});
  CHECK(t.Graph("GET", "/applications").status == 200);
  CHECK(t.Graph("GET", "/applications").status == 500);
  CHECK(t.Graph("GET", "/applications").status == 200);
  json::object stats = t.Admin("GET", "stats");
  CHECK(stats.at("faults").at("failed").to_number<uint64_t>() == 1);
  CHECK(stats.at("faults").at("throttled").to_number<uint64_t>() == 1);
}

TEST_CASE("faults: a resource-unit bucket runs dry, a throttled batch sub-request fails alone") {
  Tenant t;
  t.OperatorToken();
  t.Admin("PUT", "faults", json::object{{"ru-bucket", "3/3600"}});
  CHECK(t.Graph("GET", "/applications").status == 200);       // 2 RU
  CHECK(t.Graph("GET", "/servicePrincipals").status == 200);  // 1 RU
  net::Response dry = t.Graph("GET", "/applications");
  CHECK(dry.status == 429);
  CHECK(std::stod(*dry.Header("Retry-After")) > 0);
  t.Admin("PUT", "faults", json::object{{"ru-bucket", "2/3600"}});
  json::array requests{json::object{{"id", "a"}, {"method", "GET"}, {"url", "/servicePrincipals"}},
                       json::object{{"id", "b"}, {"method", "GET"}, {"url", "/applications"}}};
  net::Response batch = t.Graph("POST", "/$batch", json::object{{"requests", requests}});
  REQUIRE(batch.status == 200);
  std::map<std::string, int64_t> status;
  json::value parsed = json::parse(batch.body);
  for (const auto& r : parsed.at("responses").as_array()) status[std::string(r.at("id").as_string())] = r.at("status").as_int64();
  CHECK(status["a"] == 200);
  CHECK(status["b"] == 429);
}

TEST_CASE("faults: the connection drops after a committed write, the write happened") {
  Tenant t;
  t.OperatorToken();
  t.Admin("PUT", "faults", json::object{{"drop-request", "1"}});
  net::Request r{"PATCH",
                 t.e().graph + "/applications(uniqueName='dropped')",
                 {{"Authorization", "Bearer " + t.token}, {"Prefer", "create-if-missing"}, {"Content-Type", "application/json"}},
                 json::serialize(json::object{{"displayName", "Dropped"}}),
                 ""};
  auto sent = t.http->Send(r);
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.error().kind == base::Error::Kind::kTransient);
  CHECK(t.Graph("GET", "/applications(uniqueName='dropped')").status == 200);
}

TEST_CASE("faults: replication lag hides a new object and its backing application for a while, latency only delays") {
  Tenant t;
  t.OperatorToken();
  t.Admin("PUT", "faults", json::object{{"lag", 60000}, {"latency", 5}});
  net::Response created = t.Graph("POST", "/applications", json::object{{"displayName", "Lagging"}});
  REQUIRE(created.status == 201);
  std::string id(json::parse(created.body).at("id").as_string());
  std::string app_id(json::parse(created.body).at("appId").as_string());
  CHECK(t.Graph("GET", "/applications/" + id).status == 404);
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", app_id}});
  CHECK(sp.status == 400);
  CHECK(sp.body.find("NoBackingApplicationObject") != std::string::npos);
  t.Admin("PUT", "faults", json::object{{"lag", 0}});
  CHECK(t.Graph("GET", "/applications/" + id).status == 200);
}

TEST_CASE("admin API: add a host with identities, a user and a group, reset returns to the seed") {
  Tenant t;
  t.OperatorToken();
  json::object identity = t.Admin(
      "POST", "identities",
      json::object{{"name", "batch-runner"},
                   {"resourceId", "/subscriptions/0/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch-runner"}});
  CHECK(identity.at("servicePrincipalType").as_string() == "ManagedIdentity");
  json::object host =
      t.Admin("POST", "hosts", json::object{{"name", "vm-3"}, {"systemAssigned", true}, {"userAssigned", json::array{"batch-runner"}}});
  CHECK(host.at("userAssigned").as_array().size() == 1);
  std::string header(host.at("identityHeader").as_string());
  t.Admin("POST", "users", json::object{{"userPrincipalName", "bob@contoso.onmicrosoft.com"}, {"displayName", "Bob"}});
  t.Admin("POST", "groups", json::object{{"displayName", "Auditors"}});
  CHECK(t.Graph("GET", "/users/bob@contoso.onmicrosoft.com").status == 200);
  CHECK(json::parse(t.Graph("GET", "/groups?$filter=displayName%20eq%20'Auditors'").body).at("value").as_array().size() == 1);
  // The new host's system-assigned identity gets tokens through App Service with its header.
  net::Response token =
      t.Send("GET", t.e().identity_endpoint + "?api-version=2019-08-01&resource=https://graph.microsoft.com", "", {{"X-IDENTITY-HEADER", header}});
  CHECK(token.status == 200);
  t.Admin("POST", "reset");
  t.token.clear();
  CHECK(t.Graph("GET", "/users/bob@contoso.onmicrosoft.com").status == 404);
  CHECK(t.Graph("GET", "/users/alice@contoso.onmicrosoft.com").status == 200);
}
