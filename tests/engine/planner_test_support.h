#pragma once
// Shared by the planner tests: one small manifest, the tenant before and after it was applied, and
// questions about a plan (where a step is, what it waits for).

#include <doctest/doctest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "engine/diag_render.h"
#include "engine/manifest.h"
#include "engine/planner.h"

namespace planner_test {

using namespace entragate::engine;
namespace json = boost::json;

const std::string kTenant = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
const std::string kMi = "11111111-1111-1111-1111-111111111111";
const std::string kMi2 = "22222222-2222-2222-2222-222222222222";

const char* const kManifest = R"(version: 1
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

inline DesiredState Desired(const std::string& text) {
  Diagnostics d;
  DesiredState s = LoadManifestTexts({{"m.yaml", text}}, d);
  REQUIRE_MESSAGE(!d.has_errors(), RenderDiagnostics(d, false));
  return s;
}

inline ObservedState Empty() {
  ObservedState o;
  o.tenant_id = kTenant;
  o.tenant_domains = {"contoso.onmicrosoft.com"};
  o.identities["centos-1"] = {"centos-1", kMi, "ServicePrincipal", "centos-1", ""};
  o.identities["centos-2"] = {"centos-2", kMi2, "ServicePrincipal", "centos-2", ""};
  return o;
}

// The tenant as it is after kManifest was applied (with server-set fields Graph adds).
inline ObservedState Applied(const DesiredState& d) {
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

inline Plan PlanOf(const DesiredState& d, const ObservedState& o) {
  Diagnostics diags;
  Plan p = ComputePlan(d, o, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  return p;
}

inline size_t Pos(const Plan& p, const std::string& id) {
  for (size_t i = 0; i < p.changes.size(); ++i)
    if (p.changes[i].id == id) return i;
  FAIL("no step " << id);
  return 0;
}

inline bool DependsOn(const Plan& p, const std::string& step, const std::string& on) {
  const Change* c = p.Find(step);
  REQUIRE(c != nullptr);
  return std::find(c->after_steps.begin(), c->after_steps.end(), on) != c->after_steps.end();
}

}  // namespace planner_test
