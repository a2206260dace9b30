// The planner, one behaviour per case: actions, ordering constraints, no-diff rules, drift,
// identities that do not resolve, and a plan's JSON. Roles, owners and the life of whole apps (prune,
// deleted items) have files of their own.

#include "tests/engine/planner_test_support.h"

using namespace planner_test;

TEST_CASE("from an empty tenant: create app, {appId} URIs, a service principal that is closed from the start, then grant") {
  DesiredState d = Desired(kManifest);
  Plan p = PlanOf(d, Empty());
  CHECK(p.Summary().ToString() == "2 to create, 1 to update, 0 to delete, 1 to grant, 0 to revoke");
  const Change* create = p.Find("app.testapp");
  REQUIRE(create);
  CHECK(create->action == Action::kCreate);
  CHECK(create->payload.at("tags") == json::array{"entragate:managed"});
  CHECK_FALSE(create->payload.contains("identifierUris"));  // needs the appId first
  CHECK(create->source.line == 6);
  CHECK(DependsOn(p, "app.testapp.identifier_uris", "app.testapp"));
  CHECK(p.Find("app.testapp.identifier_uris")->payload.at("identifierUris") == json::array{"api://{appId}"});
  // Closed in the create itself: at no moment of the apply (or after a crash) can an identity the
  // manifest does not name get a token for the new app.
  CHECK(p.Find("app.testapp.service_principal")->payload.at("appRoleAssignmentRequired") == true);
  CHECK_FALSE(p.Find("app.testapp.service_principal#required"));
  CHECK(DependsOn(p, "app.testapp.access[App.Use][centos-1]", "app.testapp.service_principal"));
  CHECK(DependsOn(p, "app.testapp.access[App.Use][centos-1]", "app.testapp"));  // the role exists with the app
  CHECK(Pos(p, "app.testapp") < Pos(p, "app.testapp.service_principal"));
  CHECK(Pos(p, "app.testapp.service_principal") < Pos(p, "app.testapp.access[App.Use][centos-1]"));
}

TEST_CASE("an existing open service principal is closed only after the grants of those who stay allowed") {
  ObservedState o = Applied(Desired(kManifest));
  o.apps["testapp"].service_principal->assignment_required = false;
  o.apps["testapp"].service_principal->assigned_to.clear();
  Plan p = PlanOf(Desired(kManifest), o);
  REQUIRE(p.changes.size() == 2);
  CHECK(DependsOn(p, "app.testapp.service_principal", "app.testapp.access[App.Use][centos-1]"));
  CHECK(p.Find("app.testapp.service_principal")->widens_access_drift);
}

TEST_CASE("opening a service principal waits until the revokes have narrowed access") {
  std::string text = kManifest;
  text.replace(text.find("assignmentRequired: true"), 24, "assignmentRequired: false");
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  REQUIRE(p.changes.size() == 2);
  CHECK(DependsOn(p, "app.testapp.service_principal", "app.testapp.access[App.Use][centos-1]"));
}

TEST_CASE("an applied tenant plans to nothing: read-only fields, URI case and claim defaults cause no diff") {
  DesiredState d = Desired(kManifest);
  Plan p = PlanOf(d, Applied(d));
  CHECK(p.empty());
}

TEST_CASE("updates: display name, tags keep the marker, optional claims") {
  DesiredState d = Desired(std::string(kManifest).replace(std::string(kManifest).find("TestApp"), 7, "TestApp2"));
  ObservedState o = Applied(Desired(kManifest));
  Plan p = PlanOf(d, o);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].address == "app.testapp");
  CHECK(p.changes[0].before.at("displayName") == "TestApp");
  CHECK(p.changes[0].after.at("displayName") == "TestApp2");
  CHECK(p.changes[0].source.line == 7);
  o.apps["testapp"].graph["tags"] = json::array{"entragate:managed", "someone-else"};
  Plan tags = PlanOf(Desired(kManifest), o);
  CHECK(tags.empty());  // tags absent from the manifest: not managed, only the marker is ensured
}

TEST_CASE("drift: an extra assignment is revoked as access-widening drift, after grants") {
  DesiredState d = Desired(kManifest);
  ObservedState o = Applied(d);
  std::string role_id = d.apps[0].app_roles->at(0).id;
  o.apps["testapp"].service_principal->assigned_to.push_back({"assign-2", role_id, kMi2, "ServicePrincipal", "centos-2", "2026-11-29T11:00:00Z"});
  Plan p = PlanOf(d, o);
  REQUIRE(p.changes.size() == 1);
  const Change& revoke = p.changes[0];
  CHECK(revoke.address == "app.testapp.access[App.Use][centos-2]");
  CHECK(revoke.action == Action::kRevoke);
  CHECK(revoke.widens_access_drift);
  CHECK(revoke.payload.at("assignmentId") == "assign-2");
  CHECK(revoke.source.line == 14);  // the access line that disagrees
}

TEST_CASE("drift: assignment required switched off out of band is widening drift") {
  DesiredState d = Desired(kManifest);
  ObservedState o = Applied(d);
  o.apps["testapp"].service_principal->assignment_required = false;
  Plan p = PlanOf(d, o);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].kind == StepKind::kUpdateServicePrincipal);
  CHECK(p.changes[0].widens_access_drift);
}

TEST_CASE("loosening access: the new identity is granted, nothing else changes") {
  std::string text = kManifest;
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ centos-1, centos-2 ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].address == "app.testapp.access[App.Use][centos-2]");
  CHECK(p.changes[0].payload.at("principalId") == json::value(kMi2));
}

TEST_CASE("replacing one identity by another: the revoke does not wait for somebody else's grant") {
  std::string text = kManifest;
  text.replace(text.find("App.Use: [ centos-1 ]"), 21, "App.Use: [ centos-2 ]");
  Plan p = PlanOf(Desired(text), Applied(Desired(kManifest)));
  REQUIRE(p.changes.size() == 2);
  CHECK(p.Find("app.testapp.access[App.Use][centos-1]")->after_steps.empty());
}

TEST_CASE("identities that do not resolve and a foreign tenant are reported at their manifest lines") {
  DesiredState d = Desired(std::string("tenant: fabrikam.onmicrosoft.com\n") + kManifest);
  ObservedState o = Empty();
  o.identities["centos-1"] = {"centos-1", "", "", "", "no managed identity named 'centos-1' (found 0)"};
  Diagnostics diags;
  ComputePlan(d, o, diags);
  REQUIRE(diags.error_count() == 2);
  CHECK(diags.items()[0].code == "E0301");
  CHECK(diags.items()[1].code == "E0302");
  CHECK(diags.items()[1].message == "identity 'centos-1' cannot be resolved in the tenant: no managed identity named 'centos-1' (found 0)");
}

TEST_CASE("a plan round-trips through JSON") {
  Plan p = PlanOf(Desired(kManifest), Empty());
  auto back = PlanFromJson(PlanToJson(p));
  REQUIRE(back.ok());
  CHECK(json::serialize(PlanToJson(back.value())) == json::serialize(PlanToJson(p)));
  CHECK(PlanToJson(p).at("format_version") == "1");
}

// A saved plan carries this digest and apply compares it with the tenant read again: a digest that
// changed its form between versions would refuse every plan saved by the previous one.
TEST_CASE("the observed digest keeps its form: the same state hashes as it did before") {
  ObservedState o = Applied(Desired(kManifest));
  auto& sp = *o.apps["testapp"].service_principal;
  sp.assigned_to.push_back({"id \"quoted\" \\ and\ttab \x01 ünï", "r", "p", "User", "Name", "2026-01-01T00:00:00Z"});
  o.apps["testapp"].owners = std::vector<ObservedOwner>{{"owner-1", "User", "Ann"}};
  o.apps["odd \"key\""] = o.apps["testapp"];
  o.prunable.push_back(o.apps["testapp"]);
  o.deleted["gone"] = o.apps["testapp"];
  CHECK(ObservedDigest(o) == "fe3080b6a00d0f826bca118b6b08982cccc114d298dace3a6877808006ba0698");
}
