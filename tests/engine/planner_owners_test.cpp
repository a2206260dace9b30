// The planner and owners (owners, servicePrincipalOwners): added when their object exists, removed as
// drift, and the warnings a plan carries.

#include "tests/engine/planner_test_support.h"

using namespace planner_test;

namespace {

const std::string kAlice = "33333333-3333-3333-3333-333333333333";
const std::string kBob = "44444444-4444-4444-4444-444444444444";

// kManifest with owners: alice (a user) and the app's own caller `client` (an app of the set).
std::string WithOwners(const std::string& owners, const std::string& sp_owners) {
  std::string m = kManifest;
  m.replace(m.find("apps:\n"), 6, "  alice: { user: alice@contoso.com }\n  bob: { user: bob@contoso.com }\napps:\n");
  m += "    owners: " + owners + "\n";
  if (!sp_owners.empty()) m += "    servicePrincipalOwners: " + sp_owners + "\n";
  return m;
}

ObservedState WithPeople(ObservedState o) {
  o.identities["alice"] = {"alice", kAlice, "User", "Alice", ""};
  o.identities["bob"] = {"bob", kBob, "User", "Bob", ""};
  return o;
}

}  // namespace

TEST_CASE("owners of a new app are added once the app exists, service principal owners once it exists") {
  DesiredState d = Desired(WithOwners("[ alice ]", "[ alice, bob ]"));
  Plan p = PlanOf(d, WithPeople(Empty()));
  const Change* add = p.Find("app.testapp.owners[alice]");
  REQUIRE(add);
  CHECK(add->action == Action::kGrant);
  CHECK(add->kind == StepKind::kAddOwner);
  CHECK(add->payload.at("on") == "application");
  CHECK(add->payload.at("ownerId") == kAlice.c_str());
  CHECK(add->after.at("ownerType") == "User");
  CHECK(add->source.line == 17);  // the owners list, at alice
  CHECK(DependsOn(p, "app.testapp.owners[alice]", "app.testapp"));
  const Change* sp_add = p.Find("app.testapp.service_principal.owners[bob]");
  REQUIRE(sp_add);
  CHECK(sp_add->payload.at("on") == "servicePrincipal");
  CHECK(DependsOn(p, "app.testapp.service_principal.owners[bob]", "app.testapp.service_principal"));
  CHECK(p.Find("app.testapp.service_principal.owners[alice]"));
  CHECK(p.Summary().grant == 4);  // one assignment, three owners
}

TEST_CASE("an owner added out of band is removed as widening drift, after the new owners and every other step of the app") {
  DesiredState d = Desired(WithOwners("[ alice ]", ""));
  ObservedState o = WithPeople(Applied(d));
  o.apps["testapp"].owners =
      std::vector<ObservedOwner>{{kBob, "User", "Bob"}, {"55555555-5555-5555-5555-555555555555", "ServicePrincipal", "someone-else"}};
  o.apps["testapp"].graph["displayName"] = "Renamed";  // one more step of the app
  Plan p = PlanOf(d, o);
  const Change* add = p.Find("app.testapp.owners[alice]");
  const Change* bob = p.Find("app.testapp.owners[bob]");  // named as the manifest names it
  const Change* other = p.Find("app.testapp.owners[someone-else]");
  REQUIRE(add);
  REQUIRE(bob);
  REQUIRE(other);
  CHECK(bob->action == Action::kRevoke);
  CHECK(bob->kind == StepKind::kRemoveOwner);
  CHECK(bob->widens_access_drift);
  CHECK(bob->payload.at("ownerId") == kBob.c_str());
  CHECK(bob->before.at("ownerType") == "User");
  CHECK(DependsOn(p, "app.testapp.owners[bob]", "app.testapp.owners[alice]"));
  CHECK(DependsOn(p, "app.testapp.owners[bob]", "app.testapp"));
  CHECK(Pos(p, "app.testapp.owners[alice]") < Pos(p, "app.testapp.owners[bob]"));
  CHECK(Pos(p, "app.testapp") < Pos(p, "app.testapp.owners[someone-else]"));
  CHECK(bob->source.line == d.apps[0].LocOf("owners").line);
}

TEST_CASE("owners that match plan to nothing, and an app without owners in the manifest leaves them alone") {
  DesiredState d = Desired(WithOwners("[ alice ]", "[ bob ]"));
  ObservedState o = WithPeople(Applied(d));
  o.apps["testapp"].owners = std::vector<ObservedOwner>{{kAlice, "User", "Alice"}};
  o.apps["testapp"].service_principal->owners = std::vector<ObservedOwner>{{kBob, "User", "Bob"}};
  CHECK(PlanOf(d, o).empty());
  DesiredState without = Desired(kManifest);
  ObservedState o2 = Applied(without);
  o2.apps["testapp"].owners = std::vector<ObservedOwner>{{kBob, "User", "Bob"}};
  CHECK(PlanOf(without, o2).empty());
}

TEST_CASE("an empty owners list removes every owner and says the app is left without one") {
  DesiredState d = Desired(WithOwners("[]", ""));
  ObservedState o = WithPeople(Applied(d));
  o.apps["testapp"].owners = std::vector<ObservedOwner>{{kBob, "User", "Bob"}};
  Plan p = PlanOf(d, o);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].kind == StepKind::kRemoveOwner);
  bool said = std::any_of(p.changes[0].notes.begin(), p.changes[0].notes.end(),
                          [](const std::string& n) { return n.find("has no owners") != std::string::npos; });
  CHECK(said);
}

TEST_CASE("an app of the set as owner waits for its service principal, and an objectId owner that is a group is refused") {
  std::string m = WithOwners("[ client ]", "");
  m.replace(m.find("apps:\n"), 6, "  team: { objectId: 66666666-6666-6666-6666-666666666666 }\napps:\n  client: { displayName: Client }\n");
  DesiredState d = Desired(m);
  Plan p = PlanOf(d, WithPeople(Empty()));
  CHECK(DependsOn(p, "app.testapp.owners[client]", "app.client.service_principal"));
  CHECK(p.Find("app.testapp.owners[client]")->payload.at("principalIsApp") == true);

  std::string mg = WithOwners("[ team ]", "");
  mg.replace(mg.find("apps:\n"), 6, "  team: { objectId: 66666666-6666-6666-6666-666666666666 }\napps:\n");
  DesiredState g = Desired(mg);
  ObservedState o = WithPeople(Empty());
  o.identities["team"] = {"team", "66666666-6666-6666-6666-666666666666", "Group", "Team", ""};
  Diagnostics diags;
  ComputePlan(g, o, diags);
  REQUIRE(diags.error_count() == 1);
  CHECK(diags.items()[0].code == "E0307");
}

TEST_CASE("a plan carries the manifest's warnings, and an objectId group granted a role for both kinds is warned about at plan time") {
  std::string m = R"(version: 1
identities:
  team: { objectId: 66666666-6666-6666-6666-666666666666 }
  staff: { group: Staff }
apps:
  testapp:
    displayName: TestApp
    appRoles:
      App.Use: { allowedMemberTypes: [ Application, User ] }
    assignmentRequired: true
    access:
      App.Use: [ staff, team ]
)";
  Diagnostics load;
  DesiredState d = LoadManifestTexts({{"m.yaml", m}}, load);
  REQUIRE_FALSE(load.has_errors());
  REQUIRE(d.warnings.size() == 1);  // staff: a group by selector, known without the tenant
  CHECK(d.warnings[0].code == "W0230");
  CHECK(d.warnings[0].loc.line == 12);
  ObservedState o = Empty();
  o.identities["team"] = {"team", "66666666-6666-6666-6666-666666666666", "Group", "Team", ""};
  o.identities["staff"] = {"staff", "77777777-7777-7777-7777-777777777777", "Group", "Staff", ""};
  Diagnostics diags;
  Plan p = ComputePlan(d, o, diags);
  CHECK_FALSE(diags.has_errors());
  REQUIRE(diags.warning_count() == 1);  // team: an objectId that turned out to be a group
  REQUIRE(p.warnings.size() == 2);
  CHECK(p.warnings[0].find("m.yaml:12:18: [W0230] app role 'App.Use' of app 'testapp' allows Application members, but it is granted to "
                           "group 'staff'") == 0);
  CHECK(p.warnings[1].find("[W0230]") != std::string::npos);
  CHECK(p.warnings[1].find("group 'team'") != std::string::npos);
  CHECK(p.Summary().grant == 2);  // a warning, not a refusal
}

TEST_CASE("planning some apps: an owner that is an unselected app without a service principal is E0306 at the owner") {
  std::string m = WithOwners("[ client ]", "");
  m.replace(m.find("apps:\n"), 6, "apps:\n  client: { displayName: Client }\n");
  DesiredState d = Desired(m);
  d.only_apps = {"testapp"};
  Diagnostics diags;
  Plan p = ComputePlan(d, WithPeople(Empty()), diags);
  REQUIRE(diags.error_count() == 1);
  CHECK(diags.items()[0].code == "E0306");
  CHECK(diags.items()[0].loc.line == 18);
  CHECK_FALSE(p.Find("app.testapp.owners[client]"));
}
