// App role assignments on the emulator: grant, duplicate, member types, disabled roles, revoke.
#include <doctest/doctest.h>

#include "tests/emulator/graph_test_tenant.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;

namespace {

const std::string kAppRole = "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60";
const std::string kUserRole = "6f1c2e9b-1a4d-4d64-8e6c-2c3d4e5f6a71";

struct Api {
  std::string app_url, sp_id;
};

Api MakeApi(GraphTestTenant& t) {
  json::object app =
      t.CreateApp("Api", {{"appRoles", json::array{Role(kAppRole, "App.Use"), Role(kUserRole, "Orders.Read", true, json::array{"User"})}}});
  json::object sp = t.CreateSp(std::string(app.at("appId").as_string()));
  return {"/applications/" + std::string(app.at("id").as_string()), std::string(sp.at("id").as_string())};
}

json::object Grant(const std::string& principal, const std::string& resource, const std::string& role) {
  return json::object{{"principalId", principal}, {"resourceId", resource}, {"appRoleId", role}};
}

}  // namespace

TEST_CASE("grant, list, read, revoke an assignment") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  std::string mi = t.SpIdByName("centos-1");
  Reply granted = t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kAppRole));
  REQUIRE_MESSAGE(granted.status == 201, granted.text);
  const json::object& a = granted.obj();
  CHECK(a.at("principalType").as_string() == "ServicePrincipal");
  CHECK(a.at("principalDisplayName").as_string() == "centos-1");
  CHECK(a.at("resourceDisplayName").as_string() == "Api");
  CHECK(a.at("id").as_string().size() == 43);  // 32 bytes, base64url without padding
  CHECK(a.at("@odata.context").as_string() == "https://graph.test/v1.0/$metadata#servicePrincipals('" + api.sp_id + "')/appRoleAssignedTo/$entity");
  Reply list = t.Get("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo");
  REQUIRE(list.obj().at("value").as_array().size() == 1);
  Reply mine = t.Get("/servicePrincipals/" + mi + "/appRoleAssignments");
  CHECK(mine.obj().at("value").as_array().size() == 1);
  std::string id(a.at("id").as_string());
  CHECK(t.Delete("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo/" + id).status == 204);
  Reply again = t.Delete("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo/" + id);
  CHECK(again.status == 400);
  CHECK(again.error_message() == "EntitlementGrant being updated or deleted is not found.");
}

TEST_CASE("a duplicate assignment is refused and never doubled") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  std::string mi = t.SpIdByName("centos-1");
  REQUIRE(t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kAppRole)).status == 201);
  Reply dup = t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kAppRole));
  CHECK(dup.status == 400);
  CHECK(dup.error_message() == "Permission being assigned already exists on the object");
  CHECK(t.Get("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo").obj().at("value").as_array().size() == 1);
}

TEST_CASE("assignment validation: unknown role, member type, disabled role, unknown principal, mismatched resource") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  std::string mi = t.SpIdByName("centos-1");
  std::string url = "/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo";
  Reply unknown_role = t.Post(url, Grant(mi, api.sp_id, "99999999-9999-9999-9999-999999999999"));
  CHECK(unknown_role.error_message().rfind("Permission being assigned was not found on application '", 0) == 0);
  CHECK(t.Post(url, Grant(mi, api.sp_id, kUserRole)).error_message() ==
        "Permission being assigned is not allowed for principals of type 'ServicePrincipal'.");
  Reply ghost = t.Post(url, Grant("12345678-1234-1234-1234-123456789012", api.sp_id, kAppRole));
  CHECK(ghost.status == 400);
  CHECK(ghost.error_code() == "Request_BadRequest");
  CHECK(ghost.error_message() == "Not a valid reference update.");
  CHECK(t.Post(url, Grant(mi, "12345678-1234-1234-1234-123456789012", kAppRole)).error_message() ==
        "Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.");
  REQUIRE(
      t.Patch(api.app_url, {{"appRoles", json::array{Role(kAppRole, "App.Use", false), Role(kUserRole, "Orders.Read", true, json::array{"User"})}}})
          .status == 204);
  CHECK(t.Post(url, Grant(mi, api.sp_id, kAppRole)).error_message() == "Permission being assigned is disabled and cannot be assigned.");
}

TEST_CASE("users and groups hold User roles") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  Reply group = t.Get("/groups?$filter=displayName eq 'Support Engineers'");
  REQUIRE(group.obj().at("value").as_array().size() == 1);
  std::string group_id(group.obj().at("value").as_array()[0].at("id").as_string());
  Reply granted = t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(group_id, api.sp_id, kUserRole));
  REQUIRE(granted.status == 201);
  CHECK(granted.obj().at("principalType").as_string() == "Group");
  Reply user = t.Get("/users/alice@contoso.onmicrosoft.com");
  REQUIRE(user.status == 200);
  CHECK(t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(std::string(user.obj().at("id").as_string()), api.sp_id, kUserRole))
            .obj()
            .at("principalType")
            .as_string() == "User");
}

TEST_CASE("removing a disabled role drops its assignments, deleting an app removes its principal's assignments") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  std::string mi = t.SpIdByName("centos-1");
  REQUIRE(t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kAppRole)).status == 201);
  REQUIRE(
      t.Patch(api.app_url, {{"appRoles", json::array{Role(kAppRole, "App.Use", false), Role(kUserRole, "Orders.Read", true, json::array{"User"})}}})
          .status == 204);
  // Existing assignments of a disabled role stay (docs/graph-behaviour.md §2.5).
  CHECK(t.Get("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo").obj().at("value").as_array().size() == 1);
  REQUIRE(t.Patch(api.app_url, {{"appRoles", json::array{Role(kUserRole, "Orders.Read", true, json::array{"User"})}}}).status == 204);
  CHECK(t.Get("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo").obj().at("value").as_array().empty());
  CHECK(t.Get("/servicePrincipals/" + mi + "/appRoleAssignments").obj().at("value").as_array().empty());
  CHECK(t.Delete(api.app_url).status == 204);
  CHECK(t.Get("/servicePrincipals/" + api.sp_id).status == 404);
}

TEST_CASE("replication lag: a role just added cannot be assigned until it has replicated") {
  GraphTestTenant t;
  Api api = MakeApi(t);
  std::string mi = t.SpIdByName("centos-1");
  t.AdvanceMs(10000);  // the app itself has replicated long ago
  t.service().SetReplicationLagMs(5000);
  const std::string kNew = "7a2d3f0c-2b5e-4e75-9f7d-3d4e5f6a7b82";
  REQUIRE(t.Patch(api.app_url, {{"appRoles", json::array{Role(kAppRole, "App.Use"), Role(kUserRole, "Orders.Read", true, json::array{"User"}),
                                                         Role(kNew, "App.New")}}})
              .status == 204);
  Reply early = t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kNew));
  CHECK(early.status == 400);
  CHECK(early.error_message().rfind("Permission being assigned was not found on application '", 0) == 0);
  t.AdvanceMs(5000);
  CHECK(t.Post("/servicePrincipals/" + api.sp_id + "/appRoleAssignedTo", Grant(mi, api.sp_id, kNew)).status == 201);
}
