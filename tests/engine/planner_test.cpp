// The planner, one behaviour per case: actions, ordering constraints, no-diff rules, drift.
#include <doctest/doctest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "engine/diag_render.h"
#include "engine/manifest.h"
#include "engine/planner.h"

using namespace entragate::engine;
namespace json = boost::json;

namespace {

const std::string kTenant = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
const std::string kMi = "11111111-1111-1111-1111-111111111111";
const std::string kMi2 = "22222222-2222-2222-2222-222222222222";

const char* kManifest = R"(version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  centos-2: { managedIdentity: centos-2 }
apps:
  testapp:
    displayName: TestApp
    identifierUris: [ "api://{appId}" ]
    optionalClaims: { accessToken: [ idtyp ] }
    appRoles:
      App.Use: { displayName: AppUsers, description: Allow usage of app, allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access:
      App.Use: [ centos-1 ]
)";

DesiredState Desired(const std::string& text) {
  Diagnostics d;
  DesiredState s = LoadManifestTexts({{"m.yaml", text}}, d);
  REQUIRE_MESSAGE(!d.has_errors(), RenderDiagnostics(d, false));
  return s;
}

ObservedState Empty() {
  ObservedState o;
  o.tenant_id = kTenant;
  o.tenant_domains = {"contoso.onmicrosoft.com"};
  o.identities["centos-1"] = {"centos-1", kMi, "ServicePrincipal", "centos-1", ""};
  o.identities["centos-2"] = {"centos-2", kMi2, "ServicePrincipal", "centos-2", ""};
  return o;
}

// The tenant as it is after kManifest was applied (with server-set fields Graph adds).
ObservedState Applied(const DesiredState& d) {
  ObservedState o = Empty();
  ObservedApp app;
  app.object_id = "aaaaaaaa-0000-0000-0000-000000000001";
  app.app_id = "bbbbbbbb-0000-0000-0000-000000000001";
  app.unique_name = "testapp";
  std::string role_id = d.apps[0].app_roles->at(0).id;
  app.graph = json::object{
      {"id", app.object_id},
      {"appId", app.app_id},
      {"displayName", "TestApp"},
      {"description", nullptr},
      {"notes", nullptr},
      {"signInAudience", "AzureADMyOrg"},
      {"createdDateTime", "2026-11-29T10:00:00Z"},
      {"publisherDomain", "contoso.onmicrosoft.com"},
      {"tags", json::array{"entragate:managed"}},
      {"identifierUris", json::array{"API://" + app.app_id}},
      {"api", json::object{{"requestedAccessTokenVersion", nullptr}, {"oauth2PermissionScopes", json::array{}}}},
      {"optionalClaims",
       json::object{{"accessToken", json::array{json::object{
                                        {"name", "idtyp"}, {"essential", false}, {"source", nullptr}, {"additionalProperties", json::array{}}}}},
                    {"idToken", json::array{}},
                    {"saml2Token", json::array{}}}},
      {"appRoles", json::array{json::object{{"id", role_id},
                                            {"value", "App.Use"},
                                            {"displayName", "AppUsers"},
                                            {"description", "Allow usage of app"},
                                            {"allowedMemberTypes", json::array{"Application"}},
                                            {"isEnabled", true},
                                            {"origin", "Application"}}}}};
  app.service_principal = ObservedServicePrincipal{"cccccccc-0000-0000-0000-000000000001",
                                                   true,
                                                   {{"assign-1", role_id, kMi, "ServicePrincipal", "centos-1", "2026-11-29T10:00:01Z"}},
                                                   std::nullopt};
  o.apps["testapp"] = app;
  return o;
}

Plan PlanOf(const DesiredState& d, const ObservedState& o) {
  Diagnostics diags;
  Plan p = ComputePlan(d, o, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  return p;
}

size_t Pos(const Plan& p, const std::string& id) {
  for (size_t i = 0; i < p.changes.size(); ++i)
    if (p.changes[i].id == id) return i;
  FAIL("no step " << id);
  return 0;
}

bool DependsOn(const Plan& p, const std::string& step, const std::string& on) {
  const Change* c = p.Find(step);
  REQUIRE(c != nullptr);
  return std::find(c->after_steps.begin(), c->after_steps.end(), on) != c->after_steps.end();
}

}  // namespace

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

DesiredState Owned(const std::string& owner, bool prune) {
  DesiredState d = Desired(kManifest);
  d.settings.owner = owner;
  d.settings.prune_apps = prune;
  return d;
}

ObservedApp StaleApp(const std::string& key, std::vector<std::string> tags) {
  ObservedApp stale;
  stale.object_id = "dddddddd-0000-0000-0000-00000000000" + std::to_string(key.size() % 10);
  stale.app_id = "eeeeeeee-0000-0000-0000-00000000000" + std::to_string(key.size() % 10);
  stale.unique_name = key;
  json::array t;
  for (auto& x : tags) t.push_back(json::string(x));
  stale.graph = json::object{{"displayName", key},
                             {"tags", t},
                             {"appRoles", json::array{json::object{{"id", "0f0f0f0f-0000-0000-0000-000000000001"}, {"value", "Old.Use"}}}}};
  return stale;
}

TEST_CASE("prune deletes only the apps this set's owner marked, only when asked, and says what goes with them") {
  ObservedState o = Applied(Desired(kManifest));
  o.apps["testapp"].graph["tags"] = json::array{"entragate:managed", "entragate:managed:team-a"};
  o.prunable.push_back(StaleApp("old-app", {"entragate:managed", "entragate:managed:team-a"}));
  o.prunable.back().service_principal =
      ObservedServicePrincipal{"ffffffff-0000-0000-0000-000000000001",
                               true,
                               {{"a1", "0f0f0f0f-0000-0000-0000-000000000001", kMi, "ServicePrincipal", "centos-1", ""}},
                               std::nullopt};
  o.prunable.push_back(StaleApp("team-b-app", {"entragate:managed", "entragate:managed:team-b"}));
  o.prunable.push_back(StaleApp("legacy", {"entragate:managed"}));
  o.read_at = 1796112000;  // 2026-12-01
  CHECK(PlanOf(Owned("team-a", false), o).empty());
  Plan p = PlanOf(Owned("team-a", true), o);
  REQUIRE(p.changes.size() == 1);
  const Change& c = p.changes[0];
  CHECK(c.action == Action::kDelete);
  CHECK(c.address == "app.old-app");
  CHECK(c.before.at("servicePrincipal") == "ffffffff-0000-0000-0000-000000000001");
  auto has_note = [&](const std::string& text) {
    return std::any_of(c.notes.begin(), c.notes.end(), [&](const std::string& n) { return n.find(text) != std::string::npos; });
  };
  CHECK(has_note("its service principal and every app role assignment on it go with it"));
  CHECK(has_note("identities that lose access: centos-1 (Old.Use)"));
  CHECK(has_note("restorable for 30 days: until about 2026-12-31"));
}

TEST_CASE("a set without an owner never prunes, whatever the provider offers") {
  ObservedState o = Applied(Desired(kManifest));
  o.prunable.push_back(StaleApp("old-app", {"entragate:managed"}));
  CHECK(PlanOf(Owned("", true), o).empty());
}

TEST_CASE("an owned set claims the apps it lists that carry only the old marker, with a note") {
  Plan p = PlanOf(Owned("team-a", false), Applied(Desired(kManifest)));
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].payload.at("tags") == json::array{"entragate:managed", "entragate:managed:team-a"});
  CHECK(p.changes[0].notes.at(0).find("marks it as owned by 'team-a'") == 0);
}

TEST_CASE("an app marked by another owner is an error, not a takeover") {
  ObservedState o = Applied(Desired(kManifest));
  o.apps["testapp"].graph["tags"] = json::array{"entragate:managed", "entragate:managed:team-b"};
  for (std::string owner : {"team-a", ""}) {
    CAPTURE(owner);
    Diagnostics diags;
    ComputePlan(Owned(owner, false), o, diags);
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].code == "E0305");
    CHECK(diags.items()[0].message.find("app 'testapp' belongs to the set owned by 'team-b' (tag entragate:managed:team-b)") == 0);
  }
}

TEST_CASE("a plan round-trips through JSON") {
  Plan p = PlanOf(Desired(kManifest), Empty());
  auto back = PlanFromJson(PlanToJson(p));
  REQUIRE(back.ok());
  CHECK(json::serialize(PlanToJson(back.value())) == json::serialize(PlanToJson(p)));
  CHECK(PlanToJson(p).at("format_version") == "1");
}

// The tenant after testapp was deleted: the app in deleted items, its service principal gone with it.
ObservedState Deleted(const DesiredState& d) {
  ObservedState o = Applied(d);
  ObservedApp app = o.apps.at("testapp");
  app.service_principal.reset();
  app.graph["deletedDateTime"] = "2026-11-30T10:00:00Z";
  o.apps.clear();
  o.deleted["testapp"] = app;
  return o;
}

TEST_CASE("an app in deleted items is restored first, then its service principal is created closed and the grant follows") {
  DesiredState d = Desired(kManifest);
  Plan p = PlanOf(d, Deleted(d));
  REQUIRE(!p.changes.empty());
  const Change& restore = p.changes.front();
  CHECK(restore.action == Action::kRestore);
  CHECK(restore.kind == StepKind::kRestoreApp);
  CHECK(restore.address == "app.testapp");
  CHECK(restore.payload.at("objectId") == "aaaaaaaa-0000-0000-0000-000000000001");
  CHECK(restore.after.at("appId") == "bbbbbbbb-0000-0000-0000-000000000001");
  CHECK(restore.after.contains("appRoles"));
  CHECK_FALSE(p.Find("app.testapp"));  // no create Graph would refuse, no update: the app comes back as it was
  const Change* sp = p.Find("app.testapp.service_principal");
  REQUIRE(sp);
  CHECK(sp->action == Action::kCreate);
  CHECK(sp->payload.at("appRoleAssignmentRequired") == true);
  for (const Change& c : p.changes)
    if (&c != &restore) CHECK_MESSAGE(std::count(c.after_steps.begin(), c.after_steps.end(), restore.id) == 1, c.id);
  CHECK(p.Find("app.testapp.access[App.Use][centos-1]"));
  CHECK(p.Summary().restore == 1);
  CHECK(p.Summary().ToString().find("1 to restore") != std::string::npos);
  // The JSON form keeps the new action and kind.
  auto back = PlanFromJson(PlanToJson(p));
  REQUIRE(back.ok());
  CHECK(back->changes.front().action == Action::kRestore);
  CHECK(back->changes.front().kind == StepKind::kRestoreApp);
}

TEST_CASE("--purge-deleted deletes the deleted app for good before creating it anew") {
  DesiredState d = Desired(kManifest);
  d.settings.purge_deleted = true;
  Plan p = PlanOf(d, Deleted(d));
  const Change* purge = p.Find("app.testapp#purge");
  REQUIRE(purge);
  CHECK(purge->kind == StepKind::kPurgeDeletedApp);
  CHECK(purge->action == Action::kDelete);
  CHECK(purge->notes.at(0).find("for good") != std::string::npos);
  const Change* create = p.Find("app.testapp");
  REQUIRE(create);
  CHECK(create->kind == StepKind::kCreateApp);
  CHECK(std::count(create->after_steps.begin(), create->after_steps.end(), "app.testapp#purge") == 1);
  CHECK(p.changes.front().id == "app.testapp#purge");
}

// ---- owners and servicePrincipalOwners ----

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
