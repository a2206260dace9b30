// The reconciler end to end against the local tenant: plan, apply, re-plan, through the real
// client stack. Each case is one behaviour the product promises.
#include <doctest/doctest.h>

#include "crypto/jwt.h"
#include "tests/e2e/rig.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Rig;

namespace {

std::string Manifest(const std::string& access = "[ centos-1 ]", const std::string& extra_roles = "", bool required = true) {
  return std::string(R"(version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  centos-2: { managedIdentity: centos-2 }
  ci-runner: { resourceId: /subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-runner }
apps:
  testapp:
    displayName: TestApp
    identifierUris: [ "api://{appId}" ]
    optionalClaims: { accessToken: [ idtyp, tenant_region_scope ] }
    appRoles:
      App.Use: { displayName: AppUsers, description: Allow usage of app, allowedMemberTypes: [ Application ] }
)") + extra_roles +
         "    assignmentRequired: " + (required ? "true" : "false") + "\n    access:\n      App.Use: " + access + "\n";
}

std::string AppId(Rig& rig) { return std::string(rig.Get("/applications(uniqueName='testapp')?$select=appId").at("appId").as_string()); }

json::value Claims(const net::Response& r) {
  auto jwt = crypto::DecodeJwt(std::string(json::parse(r.body).at("access_token").as_string()));
  REQUIRE(jwt.ok());
  return jwt->payload;
}

}  // namespace

TEST_CASE("create from empty, then a second apply writes nothing and the next plan is empty") {
  Rig rig;
  auto first = rig.Apply(Manifest());
  CHECK(first.ok());
  CHECK(first.done == 4);  // app, {appId} URIs, a service principal created closed, the grant
  uint64_t writes = rig.Writes();
  auto second = rig.Apply(Manifest());
  CHECK(second.steps.empty());
  CHECK(rig.Writes() == writes);  // zero requests that write
  CHECK(rig.PlanFor(Manifest()).plan.empty());
  json::value app = rig.Get("/applications(uniqueName='testapp')");
  CHECK(app.at("identifierUris").at(0).as_string() == "api://" + AppId(rig));
}

TEST_CASE("the policy works: the allowed identity's token carries the role, another identity is refused") {
  Rig rig;
  REQUIRE(rig.Apply(Manifest()).ok());
  std::string resource = "api://" + AppId(rig);
  net::Response allowed = rig.ManagedIdentityToken("centos-1", resource);
  REQUIRE_MESSAGE(allowed.status == 200, allowed.body);
  json::value claims = Claims(allowed);
  CHECK(claims.at("roles") == json::array{"App.Use"});
  CHECK(claims.at("aud").as_string() == resource);
  CHECK(claims.at("idtyp").as_string() == "app");
  CHECK(claims.at("tenant_region_scope").as_string() == "EU");
  net::Response refused = rig.ManagedIdentityToken("centos-2", resource);
  // The rig asks as App Service does, which answers every refusal with its generic 500 (no AADSTS text).
  CHECK(refused.status == 500);
  CHECK(refused.body.find("An unexpected error occured while fetching the AAD Token.") != std::string::npos);
}

TEST_CASE("loosening: adding an identity grants exactly one assignment, then its token works") {
  Rig rig;
  REQUIRE(rig.Apply(Manifest()).ok());
  auto p = rig.PlanFor(Manifest("[ centos-1, centos-2 ]"));
  REQUIRE(p.plan.changes.size() == 1);
  CHECK(p.plan.changes[0].address == "app.testapp.access[App.Use][centos-2]");
  REQUIRE(rig.Apply(Manifest("[ centos-1, centos-2 ]")).ok());
  CHECK(rig.ManagedIdentityToken("centos-2", "api://" + AppId(rig)).status == 200);
  CHECK(rig.PlanFor(Manifest("[ centos-1, centos-2 ]")).plan.empty());
}

TEST_CASE("tightening: removing an identity revokes exactly its assignment, the other keeps access") {
  Rig rig;
  REQUIRE(rig.Apply(Manifest("[ centos-1, centos-2 ]")).ok());
  auto report = rig.Apply(Manifest("[ centos-2 ]"));
  REQUIRE(report.ok());
  REQUIRE(report.steps.size() == 1);
  CHECK(report.steps[0].change->action == engine::Action::kRevoke);
  CHECK(rig.ManagedIdentityToken("centos-1", "api://" + AppId(rig)).status == 500);  // App Service's refusal
  CHECK(rig.ManagedIdentityToken("centos-2", "api://" + AppId(rig)).status == 200);
}

TEST_CASE("a user-assigned identity by resource id, and updates of each kind") {
  Rig rig;
  REQUIRE(rig.Apply(Manifest("[ centos-1, ci-runner ]")).ok());
  std::string changed = Manifest("[ centos-1, ci-runner ]");
  changed.replace(changed.find("displayName: TestApp"), 20, "displayName: TestApp Renamed\n    notes: Owned by platform\n    tags: [ team-x ]");
  changed.replace(changed.find("idtyp, tenant_region_scope"), 26, "idtyp");
  REQUIRE(rig.Apply(changed).ok());
  json::value app = rig.Get("/applications(uniqueName='testapp')");
  CHECK(app.at("displayName").as_string() == "TestApp Renamed");
  CHECK(app.at("notes").as_string() == "Owned by platform");
  CHECK(app.at("tags") == json::array{"team-x", "entragate:managed"});
  CHECK(app.at("optionalClaims").at("accessToken").as_array().size() == 1);
  CHECK(rig.PlanFor(changed).plan.empty());
  REQUIRE(rig.Apply(Manifest("[ centos-1, ci-runner ]", "", false)).ok());
  CHECK_FALSE(rig.Get("/servicePrincipals(appId='" + AppId(rig) + "')").at("appRoleAssignmentRequired").as_bool());
}

TEST_CASE("removing an enabled role that has assignments: revoke, disable, remove — and the next plan is empty") {
  Rig rig;
  std::string two_roles = Manifest("[ centos-1 ]\n      App.Admin: [ centos-2 ]", "      App.Admin: { allowedMemberTypes: [ Application ] }\n");
  REQUIRE(rig.Apply(two_roles).ok());
  auto report = rig.Apply(Manifest());
  REQUIRE_MESSAGE(report.ok(), "a step failed");
  std::vector<std::string> kinds;
  for (const auto& s : report.steps) kinds.push_back(engine::ToString(s.change->kind));
  CHECK(kinds == std::vector<std::string>{"disable_roles", "revoke", "update_roles"});
  CHECK(rig.Get("/applications(uniqueName='testapp')").at("appRoles").as_array().size() == 1);
  CHECK(rig.PlanFor(Manifest()).plan.empty());
}

TEST_CASE("drift is planned back, and an out-of-band grant is flagged as widening access") {
  Rig rig;
  REQUIRE(rig.Apply(Manifest()).ok());
  std::string sp = std::string(rig.Get("/servicePrincipals(appId='" + AppId(rig) + "')?$select=id").at("id").as_string());
  std::string centos2 =
      std::string(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'centos-2'&$select=id").at("value").at(0).at("id").as_string());
  json::value role = rig.Get("/applications(uniqueName='testapp')?$select=appRoles").at("appRoles").at(0).at("id");
  auto granted = rig.client().Send({"POST",
                                    "/servicePrincipals/" + sp + "/appRoleAssignedTo",
                                    {},
                                    json::value(json::object{{"principalId", centos2}, {"resourceId", sp}, {"appRoleId", role}}),
                                    false,
                                    false});
  REQUIRE(granted.ok());
  REQUIRE(rig.client()
              .Send({"PATCH", "/servicePrincipals/" + sp, {}, json::value(json::object{{"appRoleAssignmentRequired", false}}), false, true})
              .ok());
  auto p = rig.PlanFor(Manifest());
  REQUIRE(p.plan.changes.size() == 2);
  for (const auto& c : p.plan.changes) CHECK(c.widens_access_drift);
  REQUIRE(rig.Apply(Manifest()).ok());
  CHECK(rig.PlanFor(Manifest()).plan.empty());
  CHECK(rig.ManagedIdentityToken("centos-2", "api://" + AppId(rig)).status == 500);  // App Service's answer to a refusal
}

TEST_CASE("adopting an existing application by appId, prune deletes only its own owner's apps, when asked") {
  Rig rig;
  auto legacy = rig.client().Send({"POST", "/applications", {}, json::value(json::object{{"displayName", "Legacy"}}), false, false});
  REQUIRE(legacy.ok());
  std::string legacy_app_id(legacy->body.at("appId").as_string());
  std::string adopt = "version: 1\napps:\n  legacy:\n    displayName: Legacy Adopted\n    adopt: { appId: " + legacy_app_id + " }\n";
  auto p = rig.PlanFor(adopt);
  REQUIRE_FALSE(p.plan.empty());
  CHECK(p.plan.changes[0].notes[0] == "adopting an existing application");
  REQUIRE(rig.Apply(adopt).ok());
  CHECK(rig.Get("/applications(appId='" + legacy_app_id + "')").at("displayName").as_string() == "Legacy Adopted");
  CHECK(rig.PlanFor(adopt).plan.empty());
  // testapp is created by team A's set, then dropped from it: only A's own prune deletes it.
  const std::string team_a = "settings: { owner: team-a }\n", team_a_pruning = "settings: { owner: team-a, prune: { apps: true } }\n";
  const std::string team_b_pruning = "version: 1\napps:\n  other:\n    displayName: Other\nsettings: { owner: team-b, prune: { apps: true } }\n";
  REQUIRE(rig.Apply(Manifest() + team_a).ok());
  CHECK(rig.PlanFor(adopt).plan.empty());
  auto b = rig.PlanFor(team_b_pruning);
  REQUIRE(b.plan.changes.size() == 2);  // other's app and service principal; never team A's app
  for (const auto& c : b.plan.changes) CHECK(c.action == engine::Action::kCreate);
  REQUIRE(rig.Apply(team_b_pruning).ok());
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'TestApp'") == 1);
  auto pruning = rig.PlanFor(adopt + team_a_pruning);
  REQUIRE(pruning.plan.changes.size() == 1);  // the adopted app stays: it is in the manifest
  CHECK(pruning.plan.changes[0].action == engine::Action::kDelete);
  CHECK(pruning.plan.changes[0].address == "app.testapp");
  REQUIRE(rig.Apply(adopt + team_a_pruning).ok());
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'TestApp'") == 0);
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'Legacy%20Adopted'") == 1);
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'Other'") == 1);
}

TEST_CASE("an identity that does not resolve is reported at its manifest line, nothing is written") {
  Rig rig;
  std::string m = Manifest("[ ghost ]");
  m.replace(m.find("identities:\n"), 12, "identities:\n  ghost: { managedIdentity: no-such-vm }\n");
  auto p = rig.PlanFor(m);
  REQUIRE(p.diags.has_errors());
  CHECK(p.diags.items()[0].code == "E0302");
  CHECK(p.diags.items()[0].message ==
        "identity 'ghost' cannot be resolved in the tenant: nothing in the tenant matches managedIdentity 'no-such-vm'");
}

TEST_CASE("the tenant guard refuses another tenant") {
  Rig rig;
  auto p = rig.PlanFor("tenant: fabrikam.onmicrosoft.com\n" + Manifest());
  REQUIRE(p.diags.has_errors());
  CHECK(p.diags.items()[0].code == "E0301");
  auto ok = rig.PlanFor("tenant: contoso.onmicrosoft.com\n" + Manifest());
  CHECK_FALSE(ok.diags.has_errors());
}
