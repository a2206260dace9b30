// `entragate export` end to end against the local tenant: apps with every feature, made through
// Graph, are exported, loaded back by the manifest loader and planned against the same tenant.
#include <doctest/doctest.h>

#include <algorithm>

#include "emulator/store/directory_store.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "engine/export.h"
#include "providers/graph/provider/export_reader.h"
#include "tests/e2e/rig.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Rig;

namespace {

const std::string kAgentA = "a9000000-0000-4000-8000-00000000000a";
const std::string kAgentB = "b9000000-0000-4000-8000-00000000000b";
const std::string kGraphAppId = "00000003-0000-0000-c000-000000000000";

// Everything a manifest can say: roles for users, groups and service principals, a disabled role, an
// explicit role id, long and short optional claims, {appId} and {tenantId} URIs, and two managed
// identities that share a display name (named by object id here, and they must be by export too).
std::string Manifest() {
  return R"(version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  centos-2: { managedIdentity: centos-2 }
  ci-runner: { resourceId: /subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-runner }
  alice: { user: alice@contoso.onmicrosoft.com }
  support: { group: Support Engineers }
  agent-a: { objectId: )" +
         kAgentA + R"( }
  agent-b: { objectId: )" +
         kAgentB + R"( }
apps:
  orders-api:
    displayName: Orders API
    description: Orders, for people and daemons
    notes: Owned by the orders team
    signInAudience: AzureADMultipleOrgs
    requestedAccessTokenVersion: 2
    tags: [ team-orders ]
    identifierUris: [ "api://{appId}", "api://{tenantId}/orders", "https://contoso.onmicrosoft.com/orders" ]
    optionalClaims:
      accessToken: [ idtyp ]
      idToken: [ { name: upn, essential: true, additionalProperties: [ include_externally_authenticated_upn ] }, email ]
    appRoles:
      Orders.Read: { displayName: Readers, description: Read orders, allowedMemberTypes: [ Application, User ] }
      Orders.Admin: { allowedMemberTypes: [ User ] }
      Orders.Write: { id: 6b0a4c6e-2d1f-4f7a-9c3b-5e8d7a6f4c21, allowedMemberTypes: [ Application ] }
      Orders.Legacy: { allowedMemberTypes: [ Application ], enabled: false }
    assignmentRequired: true
    access:
      Orders.Read: [ alice, support, centos-1 ]
      Orders.Admin: [ alice ]
      Orders.Write: [ agent-a, agent-b, ci-runner, client-app ]
  client-app:
    displayName: Client App
    identifierUris: [ "api://{appId}" ]
    appRoles:
      Client.Call: { allowedMemberTypes: [ Application ] }
    assignmentRequired: false
    access:
      Client.Call: [ centos-2 ]
)";
}

// A second managed identity with the display name of another is something Azure allows (two
// resource groups, one VM name) but the admin API does not make: put both in the store directly.
void AddTwinIdentities(Rig& rig) {
  auto written = rig.tenant().store().Write([](emulator::StoreTxn& txn) -> engine::Status {
    auto tenant = emulator::graph::ReadTenant(txn);
    for (const auto& [id, group] : {std::pair{kAgentA, "rg-a"}, std::pair{kAgentB, "rg-b"}})
      txn.Put(emulator::Collection::kServicePrincipals, id,
              emulator::NewManagedIdentityServicePrincipal(tenant, id, "c" + id.substr(1), "build-agent",
                                                           std::string("/subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/") +
                                                               group + "/providers/Microsoft.Compute/virtualMachines/build-agent",
                                                           false));
    return engine::Ok{};
  });
  REQUIRE(written.ok());
}

std::string Id(Rig& rig, const std::string& collection_query) {
  json::value found = rig.Get(collection_query);
  REQUIRE_MESSAGE(found.at("value").as_array().size() == 1, collection_query);
  return std::string(found.at("value").at(0).at("id").as_string());
}

json::value Send(Rig& rig, const std::string& method, const std::string& path, json::object body) {
  auto r = rig.client().Send({method, path, {}, json::value(std::move(body)), false, false});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r->body;
}

// An application made outside entragate (no uniqueName, no marker tag), with a role held by a
// managed identity and by another app's service principal. Returns its appId.
std::string AddLegacyApp(Rig& rig) {
  json::object role{{"id", "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"},
                    {"value", "Legacy.Call"},
                    {"displayName", "Call legacy"},
                    {"description", "Call the legacy API"},
                    {"allowedMemberTypes", json::array{"Application"}},
                    {"isEnabled", true}};
  json::value app = Send(rig, "POST", "/applications", json::object{{"displayName", "Legacy Thing"}, {"appRoles", json::array{role}}});
  std::string app_id(app.at("appId").as_string());
  std::string sp(Send(rig, "POST", "/servicePrincipals", json::object{{"appId", app_id}}).at("id").as_string());
  for (const auto& who :
       {Id(rig, "/servicePrincipals?$filter=displayName%20eq%20'centos-1'"), Id(rig, "/servicePrincipals?$filter=displayName%20eq%20'Client%20App'")})
    Send(rig, "POST", "/servicePrincipals/" + sp + "/appRoleAssignedTo",
         json::object{{"principalId", who}, {"resourceId", sp}, {"appRoleId", "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}});
  return app_id;
}

void Seed(Rig& rig) {
  AddTwinIdentities(rig);
  auto applied = rig.Apply(Manifest());
  REQUIRE(applied.ok());
}

engine::ExportSource Read(Rig& rig, const engine::ExportSelection& selection) {
  auto source = rig.provider().ReadForExport(selection, "");
  REQUIRE_MESSAGE(source.ok(), (source.ok() ? "" : source.error().message));
  source->origin = "the local tenant";
  source->exported_at = "2025-01-02T03:04:05Z";
  return std::move(source).value();
}

struct Replanned {
  engine::DesiredState desired;
  engine::Plan plan;
  engine::ObservedState observed;
};

// The exported files as a manifest set, planned against the tenant they came from.
Replanned PlanExport(Rig& rig, const engine::ExportOutput& out) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : out.files) texts.emplace_back(f.name, f.text);
  engine::Diagnostics diags;
  Replanned r;
  r.desired = engine::LoadManifestTexts(texts, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), engine::RenderDiagnostics(diags, false));
  graph::GraphProvider provider(rig.client());
  auto observed = provider.Read(r.desired, {});
  REQUIRE(observed.ok());
  r.observed = std::move(observed).value();
  r.plan = engine::ComputePlan(r.desired, r.observed, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), engine::RenderDiagnostics(diags, false));
  return r;
}

std::string Text(const engine::ExportOutput& out) {
  std::string all;
  for (const auto& f : out.files) all += f.text;
  return all;
}

bool HasNote(const engine::ExportOutput& out, const std::string& part) {
  return std::any_of(out.notes.begin(), out.notes.end(), [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("export, then plan on the export: nothing to change, for apps with every feature") {
  Rig rig;
  Seed(rig);
  engine::ExportSelection selection;
  selection.unique_names = {"orders-api", "client-app"};
  uint64_t before = rig.client().stats().http_requests;
  engine::ExportSource source = Read(rig, selection);
  CHECK(rig.client().stats().http_requests - before <= 6);  // a few batched rounds, not a request per object
  for (auto layout : {engine::ExportLayout::kOneFile, engine::ExportLayout::kFilePerApp}) {
    engine::ExportOutput out = engine::ExportManifests(source, layout);
    CHECK(out.notes.empty());
    Replanned r = PlanExport(rig, out);
    CHECK_MESSAGE(r.plan.empty(), Text(out));
    const engine::App* orders = r.desired.FindApp("orders-api");
    REQUIRE(orders);
    CHECK_FALSE(orders->adopt);
    CHECK(orders->FindRole("Orders.Write")->id == "6b0a4c6e-2d1f-4f7a-9c3b-5e8d7a6f4c21");
    CHECK_FALSE(orders->FindRole("Orders.Legacy")->enabled);
    std::vector<std::string> writers;
    for (const auto& g : *orders->access)
      if (g.role == "Orders.Write") writers.push_back(g.principal);
    CHECK(writers == std::vector<std::string>{"build-agent-a9000000", "build-agent-b9000000", "ci-runner", "client-app"});
    CHECK(r.desired.identities.at("build-agent-a9000000").selector == engine::IdentitySelector::kObjectId);
    CHECK(r.desired.identities.at("alice").selector == engine::IdentitySelector::kUser);
    CHECK(r.desired.identities.at("support-engineers").selector == engine::IdentitySelector::kGroup);
    CHECK(r.desired.identities.at("centos-1").selector == engine::IdentitySelector::kManagedIdentity);
  }
  std::string text = Text(engine::ExportManifests(source, engine::ExportLayout::kOneFile));
  CHECK(text.find("identifierUris:\n      - api://{appId}\n      - api://{tenantId}/orders\n      - https://contoso.onmicrosoft.com/orders\n") !=
        std::string::npos);
}

TEST_CASE("an app made elsewhere is exported with adopt, and the plan on the export is empty") {
  Rig rig;
  Seed(rig);
  std::string legacy = AddLegacyApp(rig);
  engine::ExportSelection selection;
  selection.app_ids = {legacy};
  selection.unique_names = {"client-app"};  // the legacy role's holder, named by its app key
  engine::ExportOutput out = engine::ExportManifests(Read(rig, selection), engine::ExportLayout::kFilePerApp);
  CHECK(HasNote(out, "app 'legacy-thing': made outside entragate: adopted by appId (managed from now on, never pruned)"));
  Replanned r = PlanExport(rig, out);
  const engine::App* adopted = r.desired.FindApp("legacy-thing");
  REQUIRE(adopted);
  REQUIRE(adopted->adopt);
  CHECK(adopted->adopt->id == legacy);
  CHECK_MESSAGE(r.plan.empty(), Text(out));  // adopted apps are not marked: nothing to change
  // Exported again in one file: the same, still nothing to change.
  engine::ExportOutput again = engine::ExportManifests(Read(rig, selection), engine::ExportLayout::kOneFile);
  CHECK(PlanExport(rig, again).plan.empty());
}

TEST_CASE("--all: every application of the tenant, and no managed identity or Microsoft app among them") {
  Rig rig;
  Seed(rig);
  AddLegacyApp(rig);
  engine::ExportSelection all;
  all.all = true;
  engine::ExportOutput out = engine::ExportManifests(Read(rig, all), engine::ExportLayout::kFilePerApp);
  std::vector<std::string> names;
  for (const auto& f : out.files) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"_identities.yaml", "client-app.yaml", "entragate-operator.yaml", "legacy-thing.yaml", "orders-api.yaml"});
  Replanned r = PlanExport(rig, out);
  CHECK(r.plan.empty());  // the two apps entragate did not make are adopted, not marked
  CHECK(r.desired.FindApp("entragate-operator")->adopt.has_value());
  CHECK(r.desired.FindApp("legacy-thing")->adopt.has_value());
}

TEST_CASE("managed identities, Microsoft's apps and unknown ids are skipped, each with a note") {
  Rig rig;
  Seed(rig);
  std::string mi_app_id(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'centos-1'&$select=appId").at("value").at(0).at("appId").as_string());
  engine::ExportSelection selection;
  selection.app_ids = {mi_app_id, kGraphAppId, "0c0c0c0c-0000-4000-8000-000000000000"};
  selection.display_names = {"centos-2", "Microsoft Graph", "No Such App", "build-agent"};
  selection.unique_names = {"no-such-key"};
  engine::ExportSource source = Read(rig, selection);
  CHECK(source.apps.empty());
  engine::ExportOutput out = engine::ExportManifests(source, engine::ExportLayout::kOneFile);
  CHECK(out.files.empty());
  CHECK(HasNote(out, "'centos-1' (appId " + mi_app_id + ") is a managed identity, not an application: skipped"));
  CHECK(HasNote(out, "'centos-2' (appId"));
  CHECK(HasNote(out, "'Microsoft Graph' (appId " + kGraphAppId + ") is a Microsoft first-party application: skipped"));
  CHECK(HasNote(out, "no application with appId 0c0c0c0c-0000-4000-8000-000000000000 is registered in this tenant"));
  CHECK(HasNote(out, "no application named 'No Such App' is registered in this tenant"));
  CHECK(HasNote(out, "no application has uniqueName 'no-such-key'"));
  CHECK(std::count_if(out.notes.begin(), out.notes.end(), [](const std::string& n) { return n.find("'build-agent'") != std::string::npos; }) == 2);
  CHECK(out.notes.size() == 9);  // Microsoft Graph twice: asked for by appId and by name
}

TEST_CASE("default access cannot be stated: the export says so, and the plan revokes exactly that") {
  Rig rig;
  json::value app = Send(rig, "POST", "/applications", json::object{{"displayName", "Plain"}});
  std::string sp(Send(rig, "POST", "/servicePrincipals", json::object{{"appId", app.at("appId")}}).at("id").as_string());
  std::string alice = Id(rig, "/users?$filter=userPrincipalName%20eq%20'alice@contoso.onmicrosoft.com'");
  Send(rig, "POST", "/servicePrincipals/" + sp + "/appRoleAssignedTo",
       json::object{{"principalId", alice}, {"resourceId", sp}, {"appRoleId", engine::kDefaultAccessRoleId}});
  engine::ExportSelection selection;
  selection.display_names = {"Plain"};
  engine::ExportOutput out = engine::ExportManifests(Read(rig, selection), engine::ExportLayout::kOneFile);
  CHECK(HasNote(out, "app 'plain': 'Alice' (" + alice +
                         ") holds default access (an assignment without a role), which a manifest cannot state: plan will revoke it"));
  Replanned r = PlanExport(rig, out);
  std::vector<engine::Action> actions;
  for (const auto& c : r.plan.changes) actions.push_back(c.action);
  CHECK(actions == std::vector<engine::Action>{engine::Action::kRevoke});  // exactly that assignment
}
