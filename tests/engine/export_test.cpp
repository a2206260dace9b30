// `entragate export`'s pure half: an ExportSource in, manifest text out. Exact text for a small case;
// then one behaviour per case, each export loaded back by the manifest loader without a diagnostic.
#include <doctest/doctest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "engine/diag_render.h"
#include "engine/export.h"
#include "engine/manifest.h"

using namespace entragate::engine;
namespace json = boost::json;

namespace {

const std::string kTenant = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
const std::string kAppId = "0a1b2c3d-0000-4000-8000-000000000001";
const std::string kRoleId = "307f360c-38ec-5764-b607-8af89cb98655";

json::object Role(const std::string& id, const std::string& value, json::array types, bool enabled = true) {
  return json::object{{"id", id},
                      {"value", value},
                      {"displayName", value + " role"},
                      {"description", "Lets one " + value},
                      {"allowedMemberTypes", std::move(types)},
                      {"isEnabled", enabled}};
}

json::object Claim(const std::string& name) {
  return json::object{{"name", name}, {"essential", false}, {"source", nullptr}, {"additionalProperties", json::array{}}};
}

ExportApp MakeApp(const std::string& unique_name, const std::string& display_name, const std::string& app_id, const std::string& sp_id) {
  ExportApp app;
  app.application = json::object{{"id", "a-" + app_id},
                                 {"appId", app_id},
                                 {"uniqueName", unique_name.empty() ? json::value(nullptr) : json::value(unique_name)},
                                 {"displayName", display_name},
                                 {"description", nullptr},
                                 {"notes", nullptr},
                                 {"signInAudience", "AzureADMyOrg"},
                                 {"api", json::object{{"requestedAccessTokenVersion", nullptr}}},
                                 {"tags", json::array{"entragate:managed"}},
                                 {"identifierUris", json::array{}},
                                 {"optionalClaims", nullptr},
                                 {"appRoles", json::array{}}};
  app.has_service_principal = !sp_id.empty();
  app.service_principal_id = sp_id;
  return app;
}

ExportPrincipal Mi(const std::string& id, const std::string& name, bool unique = true) {
  return {id, "ServicePrincipal", name, "ManagedIdentity", "9" + id.substr(1), "", unique};
}

ExportSource Source() {
  ExportSource s;
  s.tenant_id = kTenant;
  s.origin = "the local tenant";
  s.exported_at = "2025-01-02T03:04:05Z";
  return s;
}

// The small case: the README's testapp, read back from the tenant.
ExportSource TestApp() {
  ExportSource s = Source();
  ExportApp app = MakeApp("testapp", "TestApp", kAppId, "51000000-0000-4000-8000-000000000001");
  app.application["identifierUris"] = json::array{"api://" + kAppId};
  app.application["optionalClaims"] = json::object{
      {"accessToken", json::array{Claim("tenant_region_scope"), Claim("idtyp")}}, {"idToken", json::array{}}, {"saml2Token", json::array{}}};
  app.application["appRoles"] = json::array{json::object{{"id", kRoleId},
                                                         {"value", "App.Use"},
                                                         {"displayName", "AppUsers"},
                                                         {"description", "Allow usage of app"},
                                                         {"allowedMemberTypes", json::array{"Application"}},
                                                         {"isEnabled", true}}};
  app.assignment_required = true;
  app.assigned_to.push_back({kRoleId, "11111111-1111-4111-8111-111111111111", "ServicePrincipal", "centos-1"});
  s.apps.push_back(app);
  s.principals["11111111-1111-4111-8111-111111111111"] = Mi("11111111-1111-4111-8111-111111111111", "centos-1");
  return s;
}

DesiredState Load(const ExportOutput& out) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : out.files) texts.emplace_back(f.name, f.text);
  Diagnostics d;
  DesiredState state = LoadManifestTexts(texts, d);
  REQUIRE_MESSAGE(!d.has_errors(), RenderDiagnostics(d, false));
  return state;
}

const Identity& IdentityOf(const DesiredState& s, const std::string& name) {
  REQUIRE_MESSAGE(s.identities.count(name), name);
  return s.identities.at(name);
}

bool HasNote(const ExportOutput& out, const std::string& part) {
  return std::any_of(out.notes.begin(), out.notes.end(), [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("the README's app comes out as the README writes it") {
  ExportOutput out = ExportManifests(TestApp(), ExportLayout::kOneFile);
  REQUIRE(out.files.size() == 1);
  CHECK(out.notes.empty());
  CHECK(out.files[0].text == R"(# yaml-language-server: $schema=https://entragate.dev/schemas/manifest.v1.schema.json
version: 1
# Applications exported by `entragate export` from the local tenant at 2025-01-02T03:04:05Z.
# `entragate plan` on the export finds nothing to change, except where a note above an app says so.
tenant: 7e8c5963-8c6b-472e-b9c9-43118267cdbf

identities:
  centos-1: {managedIdentity: centos-1}

apps:
  testapp:
    displayName: TestApp
    identifierUris: ["api://{appId}"]
    optionalClaims:
      accessToken: [idtyp, tenant_region_scope]
    appRoles:
      App.Use:
        id: 307f360c-38ec-5764-b607-8af89cb98655
        displayName: AppUsers
        description: Allow usage of app
        allowedMemberTypes: [Application]
    assignmentRequired: true
    access:
      App.Use: [centos-1]
)");
  DesiredState s = Load(out);
  REQUIRE(s.apps.size() == 1);
  CHECK(s.apps[0].app_roles->at(0).id == kRoleId);
  CHECK_FALSE(s.apps[0].app_roles->at(0).id_derived);
}

TEST_CASE("identities: by a name people know, by object id, with a suffix, where the name is not unique") {
  ExportSource s = TestApp();
  ExportApp& app = s.apps[0];
  app.application["appRoles"].as_array().push_back(Role("40000000-0000-4000-8000-000000000002", "App.Read", json::array{"Application", "User"}));
  const std::string role = "40000000-0000-4000-8000-000000000002";
  const std::string a = "a1000000-0000-4000-8000-000000000001", b = "b2000000-0000-4000-8000-000000000002";
  const std::string alice = "c3000000-0000-4000-8000-000000000003", group = "d4000000-0000-4000-8000-000000000004";
  const std::string billing = "e5000000-0000-4000-8000-000000000005", named_like_app = "f6000000-0000-4000-8000-000000000006";
  s.principals[a] = Mi(a, "build-agent", false);
  s.principals[b] = Mi(b, "build-agent", false);
  s.principals[alice] = {alice, "User", "Alice", "", "", "alice@contoso.onmicrosoft.com", false};
  s.principals[group] = {group, "Group", "Support Engineers", "", "", "", true};
  s.principals[billing] = {billing, "ServicePrincipal", "Billing API", "Application", "12345678-0000-4000-8000-00000000000b", "", false};
  s.principals[named_like_app] = Mi(named_like_app, "TestApp");
  for (const auto& id : {a, b, billing, named_like_app}) app.assigned_to.push_back({role, id, "ServicePrincipal", s.principals[id].display_name});
  app.assigned_to.push_back({role, alice, "User", "Alice"});
  app.assigned_to.push_back({role, group, "Group", "Support Engineers"});
  DesiredState d = Load(ExportManifests(s, ExportLayout::kOneFile));
  CHECK(IdentityOf(d, "build-agent-a1000000").selector == IdentitySelector::kObjectId);
  CHECK(IdentityOf(d, "build-agent-a1000000").value == a);
  CHECK(IdentityOf(d, "build-agent-b2000000").value == b);
  CHECK(IdentityOf(d, "alice").selector == IdentitySelector::kUser);
  CHECK(IdentityOf(d, "alice").value == "alice@contoso.onmicrosoft.com");
  CHECK(IdentityOf(d, "support-engineers").selector == IdentitySelector::kGroup);
  CHECK(IdentityOf(d, "support-engineers").value == "Support Engineers");
  CHECK(IdentityOf(d, "billing-api").selector == IdentitySelector::kAppId);
  CHECK(IdentityOf(d, "testapp-2").value == "TestApp");  // the app key testapp is taken
  CHECK(IdentityOf(d, "centos-1").selector == IdentitySelector::kManagedIdentity);
  std::vector<std::string> holders;
  for (const auto& g : *d.apps[0].access)
    if (g.role == "App.Read") holders.push_back(g.principal);
  CHECK(holders ==
        std::vector<std::string>{"alice", "billing-api", "build-agent-a1000000", "build-agent-b2000000", "support-engineers", "testapp-2"});
}

TEST_CASE("{appId} and {tenantId} are put back, a URI validate would refuse is left out, in a comment") {
  ExportSource s = TestApp();
  std::string upper = kAppId;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  s.apps[0].application["identifierUris"] = json::array{"api://" + upper, "api://" + kTenant + "/orders", "https://contoso.onmicrosoft.com/orders"};
  DesiredState d = Load(ExportManifests(s, ExportLayout::kOneFile));
  std::vector<std::string> uris;
  for (const auto& u : *d.apps[0].identifier_uris) uris.push_back(u.text);
  CHECK(uris == std::vector<std::string>{"api://{appId}", "api://{tenantId}/orders", "https://contoso.onmicrosoft.com/orders"});

  s.apps[0].application["identifierUris"] = json::array{"api://" + kAppId, "api://legacy"};
  ExportOutput out = ExportManifests(s, ExportLayout::kOneFile);
  d = Load(out);
  CHECK_FALSE(d.apps[0].identifier_uris.has_value());  // not managed: left as it is
  CHECK(out.files[0].text.find("  # In the tenant: identifierUris: [api://" + kAppId + ", api://legacy]\n  testapp:") != std::string::npos);
  CHECK(HasNote(out, "app 'testapp': identifierUris are left out"));
  CHECK(HasNote(out, "E0211"));
}

TEST_CASE("assignments a manifest cannot state are left out with a note, the rest is exported") {
  ExportSource s = TestApp();
  ExportApp& app = s.apps[0];
  app.application["appRoles"].as_array().push_back(Role("50000000-0000-4000-8000-000000000005", "App.Old", json::array{"Application"}, false));
  app.assigned_to.push_back({"50000000-0000-4000-8000-000000000005", "11111111-1111-4111-8111-111111111111", "ServicePrincipal", "centos-1"});
  app.assigned_to.push_back({kDefaultAccessRoleId, "11111111-1111-4111-8111-111111111111", "ServicePrincipal", "centos-1"});
  app.assigned_to.push_back({kRoleId, "99999999-9999-4999-8999-999999999999", "ServicePrincipal", "gone"});
  ExportOutput out = ExportManifests(s, ExportLayout::kOneFile);
  DesiredState d = Load(out);
  REQUIRE(d.apps[0].access->size() == 1);
  CHECK(d.apps[0].app_roles->at(0).value == "App.Old");
  CHECK_FALSE(d.apps[0].app_roles->at(0).enabled);
  CHECK(HasNote(out, "holds the disabled role 'App.Old', which a manifest cannot state: plan will revoke it"));
  CHECK(HasNote(out, "holds default access (an assignment without a role)"));
  CHECK(HasNote(out, "'gone' (99999999-9999-4999-8999-999999999999) holds 'App.Use' but is not in the tenant any more"));
  CHECK(out.files[0].text.find("  # 'centos-1' (11111111-1111-4111-8111-111111111111) holds the disabled role") != std::string::npos);
}

TEST_CASE("one file per app: adopt without a uniqueName, another app named by its key, shared identities once") {
  ExportSource s = TestApp();
  ExportApp legacy = MakeApp("", "Legacy Client!", "22222222-2222-4222-8222-222222222222", "52000000-0000-4000-8000-000000000002");
  legacy.application["tags"] = json::array{"team-x"};
  legacy.application["appRoles"] = json::array{Role("60000000-0000-4000-8000-000000000006", "Legacy.Call", json::array{"Application"})};
  legacy.assigned_to.push_back({"60000000-0000-4000-8000-000000000006", "11111111-1111-4111-8111-111111111111", "ServicePrincipal", "centos-1"});
  legacy.assigned_to.push_back({"60000000-0000-4000-8000-000000000006", "51000000-0000-4000-8000-000000000001", "ServicePrincipal", "TestApp"});
  s.apps.push_back(legacy);
  s.apps.push_back(MakeApp("no-sp", "No SP", "33333333-3333-4333-8333-333333333333", ""));
  ExportOutput out = ExportManifests(s, ExportLayout::kFilePerApp);
  std::vector<std::string> names;
  for (const auto& f : out.files) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"_identities.yaml", "legacy-client.yaml", "no-sp.yaml", "testapp.yaml"});
  for (const auto& f : out.files)
    CHECK(f.text.rfind("# yaml-language-server: $schema=https://entragate.dev/schemas/manifest.v1.schema.json\nversion: 1\n", 0) == 0);
  DesiredState d = Load(out);
  const App* adopted = d.FindApp("legacy-client");
  REQUIRE(adopted);
  REQUIRE(adopted->adopt);
  CHECK(adopted->adopt->id == "22222222-2222-4222-8222-222222222222");
  CHECK(*adopted->tags == std::vector<std::string>{"team-x"});
  std::vector<std::string> holders;
  for (const auto& g : *adopted->access) holders.push_back(g.principal + (g.principal_is_app ? " (app)" : ""));
  CHECK(holders == std::vector<std::string>{"centos-1", "testapp (app)"});
  CHECK(HasNote(out, "app 'legacy-client': made outside entragate: adopted by appId (managed from now on, never pruned)"));
  const App* no_sp = d.FindApp("no-sp");
  REQUIRE(no_sp);
  CHECK_FALSE(no_sp->access.has_value());
  CHECK_FALSE(no_sp->assignment_required.has_value());
  CHECK(HasNote(out, "app 'no-sp': has no service principal"));
}

TEST_CASE("tags that YAML 1.2 or YAML 1.1 would read as other types are quoted, plain words are not") {
  ExportSource s = TestApp();
  s.apps[0].application["tags"] = json::array{"entragate:managed", "yes", "Off", "0x1F", ".inf", "~", "1e3", "plain"};
  ExportOutput out = ExportManifests(s, ExportLayout::kOneFile);
  CHECK(out.files[0].text.find("tags: [\"yes\", \"Off\", \"0x1F\", \".inf\", \"~\", \"1e3\", plain]") != std::string::npos);
}

TEST_CASE("strings YAML would read as something else are quoted, defaults are not written") {
  ExportSource s = TestApp();
  s.apps[0].application["displayName"] = "2024";
  s.apps[0].application["tags"] = json::array{"entragate:managed", "true", "null", "1.5"};
  s.apps[0].application["description"] = "line one\nline two: with # and 'quotes'";
  s.apps[0].application["signInAudience"] = "AzureADMultipleOrgs";
  s.apps[0].application["api"] = json::object{{"requestedAccessTokenVersion", 2}};
  s.apps[0].application["appRoles"] = json::array{json::object{{"id", kRoleId},
                                                               {"value", "App.Use"},
                                                               {"displayName", "App.Use"},
                                                               {"description", "App.Use"},
                                                               {"allowedMemberTypes", json::array{"User", "Application"}},
                                                               {"isEnabled", true}}};
  s.apps[0].application["optionalClaims"] =
      json::object{{"idToken", json::array{json::object{{"name", "upn"},
                                                        {"essential", true},
                                                        {"source", nullptr},
                                                        {"additionalProperties", json::array{"include_externally_authenticated_upn"}}},
                                           Claim("email")}}};
  ExportOutput out = ExportManifests(s, ExportLayout::kOneFile);
  const std::string& text = out.files[0].text;
  CHECK(text.find("displayName: \"2024\"") != std::string::npos);
  CHECK(text.find("tags: [\"true\", \"null\", \"1.5\"]") != std::string::npos);
  CHECK(text.find("      App.Use:\n        id: 307f360c-38ec-5764-b607-8af89cb98655\n        allowedMemberTypes: [Application, User]\n") !=
        std::string::npos);
  CHECK(
      text.find("idToken:\n        - email\n        - {name: upn, essential: true, additionalProperties: [include_externally_authenticated_upn]}") !=
      std::string::npos);
  DesiredState d = Load(out);
  const App& app = d.apps[0];
  CHECK(app.display_name == "2024");
  CHECK(*app.description == "line one\nline two: with # and 'quotes'");
  CHECK(*app.tags == std::vector<std::string>{"true", "null", "1.5"});
  CHECK(app.sign_in_audience == "AzureADMultipleOrgs");
  CHECK(app.requested_access_token_version == 2);
  REQUIRE(app.optional_claims->id_token.size() == 2);
  CHECK(app.optional_claims->id_token[1].essential);
}

TEST_CASE("nothing to export: no files, the reader's notes kept") {
  ExportSource s = Source();
  s.notes.push_back("'centos-1' (appId x) is a managed identity, not an application: skipped");
  ExportOutput out = ExportManifests(s, ExportLayout::kFilePerApp);
  CHECK(out.files.empty());
  CHECK(out.notes == s.notes);
}

TEST_CASE("slugs are valid local names") {
  CHECK(ExportSlug("Support Engineers") == "support-engineers");
  CHECK(ExportSlug("  --Zürich API v2.0!  ") == "z-rich-api-v2.0");
  CHECK(ExportSlug("日本") == "");
  CHECK(ExportSlug(std::string(300, 'a')).size() == 100);
}
