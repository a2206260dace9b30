// The managed-identity token cache over real HTTP: like Azure's infrastructure, the local tenant
// hands a workload the token it already holds until 5 minutes before it expires, so a revoked
// assignment reaches it only then (or when its host's cache is flushed); refusals are not kept.
#include <doctest/doctest.h>

#include "tests/emulator/http_tenant.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Claims;
using entragate::testing::Tenant;

namespace {

const std::string kRole = "6a0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f61";

struct Api {
  std::string app_id, sp_id, mi;
};

// "cached-api" with App.Use and assignment required, held by centos-1's identity.
Api MakeApi(Tenant& t) {
  json::object role{{"id", kRole},
                    {"value", "App.Use"},
                    {"displayName", "AppUsers"},
                    {"description", "Use"},
                    {"allowedMemberTypes", json::array{"Application"}},
                    {"isEnabled", true}};
  net::Response app = t.Graph("PATCH", "/applications(uniqueName='cached-api')",
                              json::object{{"displayName", "CachedApi"}, {"appRoles", json::array{role}}}, {{"Prefer", "create-if-missing"}});
  REQUIRE_MESSAGE(app.status == 201, app.body);
  std::string app_id(json::parse(app.body).at("appId").as_string());
  REQUIRE(t.Graph("PATCH", "/applications(appId='" + app_id + "')", json::object{{"identifierUris", json::array{"api://" + app_id}}}).status == 204);
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", app_id}, {"appRoleAssignmentRequired", true}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  std::string sp_id(json::parse(sp.body).at("id").as_string());
  net::Response mi = t.Graph("GET", "/servicePrincipals?$filter=displayName%20eq%20'centos-1'&$select=id");
  return {app_id, sp_id, std::string(json::parse(mi.body).at("value").at(0).at("id").as_string())};
}

std::string Grant(Tenant& t, const Api& a) {
  net::Response r = t.Graph("POST", "/servicePrincipals/" + a.sp_id + "/appRoleAssignedTo",
                            json::object{{"principalId", a.mi}, {"resourceId", a.sp_id}, {"appRoleId", kRole}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(json::parse(r.body).at("id").as_string());
}

net::Response Imds(Tenant& t, const Api& a) {
  return t.Send("GET", t.e().imds + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://" + a.app_id, "", {{"Metadata", "true"}});
}

}  // namespace

TEST_CASE("a revoked managed identity keeps getting its cached token until 5 minutes before it expires") {
  Tenant t;
  Api a = MakeApi(t);
  net::Response refused = Imds(t, a);
  CHECK(refused.status == 400);  // not yet assigned: refused, and the refusal is not kept
  std::string assignment = Grant(t, a);
  net::Response first = Imds(t, a);
  REQUIRE_MESSAGE(first.status == 200, first.body);
  std::string token(json::parse(first.body).at("access_token").as_string());
  REQUIRE(t.Graph("DELETE", "/servicePrincipals/" + a.sp_id + "/appRoleAssignedTo/" + assignment).status == 204);

  net::Response cached = Imds(t, a);
  REQUIRE_MESSAGE(cached.status == 200, cached.body);
  CHECK(json::parse(cached.body).at("access_token").as_string() == token);
  CHECK(Claims(token).at("roles").as_array() == json::array{"App.Use"});
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 86399 - 400}});
  net::Response still = Imds(t, a);
  REQUIRE(still.status == 200);
  CHECK(json::parse(still.body).at("access_token").as_string() == token);
  CHECK(std::stoll(std::string(json::parse(still.body).at("expires_in").as_string())) <= 400);
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 200}});
  net::Response now = Imds(t, a);
  CHECK(now.status == 400);
  CHECK(std::string(json::parse(now.body).at("error_description").as_string()).rfind("AADSTS501051", 0) == 0);
}

TEST_CASE("flushing a host's token cache ends its cached tokens at once, and the cache can be switched off") {
  Tenant t;
  Api a = MakeApi(t);
  std::string assignment = Grant(t, a);
  REQUIRE(Imds(t, a).status == 200);
  REQUIRE(t.Graph("DELETE", "/servicePrincipals/" + a.sp_id + "/appRoleAssignedTo/" + assignment).status == 204);
  CHECK(Imds(t, a).status == 200);
  CHECK(t.Admin("POST", "hosts/centos-2/token-cache/flush").at("flushed").as_int64() == 0);
  CHECK(Imds(t, a).status == 200);
  CHECK(t.Admin("POST", "hosts/centos-1/token-cache/flush").at("flushed").as_int64() == 1);
  CHECK(Imds(t, a).status == 400);

  t.Admin("PUT", "token-cache", json::object{{"enabled", false}});
  assignment = Grant(t, a);
  REQUIRE(Imds(t, a).status == 200);
  REQUIRE(t.Graph("DELETE", "/servicePrincipals/" + a.sp_id + "/appRoleAssignedTo/" + assignment).status == 204);
  CHECK(Imds(t, a).status == 400);
}
