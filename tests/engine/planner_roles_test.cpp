// The planner's steps for app roles: moves between roles, renames, removals and disabling, each
// ordered so that access never widens on the way.

#include "tests/engine/planner_test_support.h"

using namespace planner_test;

TEST_CASE("an identity moving between roles gets the new role before it loses the old one") {
  std::string text = kManifest;
  text.replace(text.find("    assignmentRequired"), 0, "      App.Admin: { allowedMemberTypes: [ Application ] }\n");
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ ]\n      App.Admin: [ centos-1 ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  CHECK(DependsOn(p, "app.testapp.access[App.Use][centos-1]", "app.testapp.access[App.Admin][centos-1]"));
  CHECK(DependsOn(p, "app.testapp.access[App.Admin][centos-1]", "app.testapp.roles"));
}

TEST_CASE("renaming a role that has holders: add the new role, grant, revoke, disable and remove the old one") {
  std::string text = kManifest;
  text.replace(text.find("App.Use: { displayName"), 8, "App.Call:");
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Call: [ centos-1 ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  const std::string grant = "app.testapp.access[App.Call][centos-1]", revoke = "app.testapp.access[App.Use][centos-1]";
  REQUIRE(p.Find("app.testapp.roles#add"));
  REQUIRE(p.Find("app.testapp.roles#disable"));
  REQUIRE(p.Find("app.testapp.roles"));
  CHECK(DependsOn(p, grant, "app.testapp.roles#add"));
  CHECK(DependsOn(p, revoke, grant));
  CHECK(DependsOn(p, "app.testapp.roles#disable", "app.testapp.roles#add"));
  CHECK(DependsOn(p, "app.testapp.roles", "app.testapp.roles#disable"));
  CHECK(DependsOn(p, "app.testapp.roles", revoke));
  CHECK(Pos(p, "app.testapp.roles#add") < Pos(p, grant));
  CHECK(Pos(p, grant) < Pos(p, revoke));
  CHECK(Pos(p, revoke) < Pos(p, "app.testapp.roles"));
  // Each request sends a whole collection Graph accepts: the old role stays enabled until step 2.
  const auto& added = p.Find("app.testapp.roles#add")->payload.at("appRoles").as_array();
  REQUIRE(added.size() == 2);
  CHECK(added[0].at("value") == "App.Use");
  CHECK(added[0].at("isEnabled") == true);
  CHECK(added[1].at("value") == "App.Call");
  const auto& disabled = p.Find("app.testapp.roles#disable")->payload.at("appRoles").as_array();
  CHECK(disabled.size() == 2);
  CHECK(disabled[0].at("isEnabled") == false);
  CHECK(disabled[1].at("isEnabled") == true);
  CHECK(p.Find("app.testapp.roles")->payload.at("appRoles").as_array().size() == 1);
}

TEST_CASE("a grant to a role that is about to change lands while the role is still enabled") {
  std::string text = kManifest;
  text.replace(text.find("Allow usage of app"), 18, "Use the app");
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ centos-1, centos-2 ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  const std::string grant = "app.testapp.access[App.Use][centos-2]";
  CHECK(DependsOn(p, "app.testapp.roles#disable", grant));
  CHECK(p.Find(grant)->after_steps.empty());
  CHECK_FALSE(p.Find("app.testapp.roles#add"));
}

TEST_CASE("removing an enabled role with assignments: revoke, disable, then remove") {
  std::string text = R"(version: 1
apps:
  testapp:
    displayName: TestApp
    identifierUris: [ "api://{appId}" ]
    optionalClaims: { accessToken: [ idtyp ] }
    appRoles:
      Other.Role: { allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access: {}
)";
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  const Change* disable = p.Find("app.testapp.roles#disable");
  const Change* roles = p.Find("app.testapp.roles");
  REQUIRE(disable);
  REQUIRE(roles);
  CHECK(disable->kind == StepKind::kDisableRoles);
  CHECK(disable->payload.at("appRoles").at(0).at("isEnabled") == false);
  CHECK(roles->payload.at("appRoles").as_array().size() == 1);
  CHECK(roles->payload.at("appRoles").at(0).at("value") == "Other.Role");
  CHECK(DependsOn(p, "app.testapp.roles", "app.testapp.roles#disable"));
  CHECK(DependsOn(p, "app.testapp.roles", "app.testapp.access[App.Use][centos-1]"));
  CHECK(Pos(p, "app.testapp.access[App.Use][centos-1]") < Pos(p, "app.testapp.roles"));
}

TEST_CASE("a role only being disabled takes one step, a new role is enabled before grants that use it") {
  std::string disabled = kManifest;
  disabled.replace(disabled.find("allowedMemberTypes: [ Application ] }"), 37, "allowedMemberTypes: [ Application ], enabled: false }");
  disabled.replace(disabled.find("    access:\n      App.Use: [ centos-1 ]\n"), std::string("    access:\n      App.Use: [ centos-1 ]\n").size(), "");
  Plan p = PlanOf(Desired(disabled), Applied(Desired(kManifest)));
  CHECK_FALSE(p.Find("app.testapp.roles#disable"));
  REQUIRE(p.Find("app.testapp.roles"));
  std::string added = kManifest;
  added.replace(added.find("    assignmentRequired"), 0, "      App.Admin: { allowedMemberTypes: [ Application ] }\n");
  added.replace(added.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ centos-1 ]\n      App.Admin: [ centos-2 ]");
  Plan q = PlanOf(Desired(added), Applied(Desired(kManifest)));
  CHECK(DependsOn(q, "app.testapp.access[App.Admin][centos-2]", "app.testapp.roles"));
}
