// The access review end to end: the real Graph client reads the local tenant (owners added and
// removed through owners/$ref as Graph documents it, group members, Graph's own assignments), and
// the engine says who can obtain tokens, who can change that, and what a plan does to it.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "engine/access_render.h"
#include "engine/access_review.h"
#include "tests/e2e/rig.h"
#include "tests/graph/recording_transport.h"

namespace entragate::testing {
namespace {

const char* kManifest = R"(version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  support: { group: Support Engineers }
apps:
  testapp:
    displayName: TestApp
    appRoles:
      App.Use: { allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access:
      App.Use: [ centos-1 ]
  reports:
    displayName: Reports
    appRoles:
      Reports.Read: { allowedMemberTypes: [ User ] }
    assignmentRequired: true
    access:
      Reports.Read: [ support ]
)";

const engine::AccessAppReview& AppOf(const engine::AccessReview& r, const std::string& key) {
  auto it = std::find_if(r.apps.begin(), r.apps.end(), [&](const engine::AccessAppReview& a) { return a.key == key; });
  REQUIRE_MESSAGE(it != r.apps.end(), "no app " << key);
  return *it;
}

bool Changer(const engine::AccessAppReview& a, const std::string& name, const std::string& why) {
  return std::any_of(a.changers.begin(), a.changers.end(),
                     [&](const engine::AccessChanger& c) { return c.who.display_name == name && c.why == why; });
}

engine::AccessSnapshot Snapshot(Rig& rig) {
  graph::GraphProvider provider(rig.client());
  auto s = provider.ReadAccess({});
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(s).value();
}

int Status(Rig& rig, const std::string& method, const std::string& path, std::optional<json::value> body = std::nullopt) {
  auto r = rig.client().Send({method, path, {}, std::move(body), false, true});
  return r.ok() ? r->status : r.error().http_status;
}

// Removes the operator's assignments of these Graph permissions (the next token it gets lacks them).
void RevokeFromOperator(Rig& rig, const std::set<std::string>& permissions) {
  json::value graph_sp = rig.Get("/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')");
  std::string graph_id(graph_sp.at("id").as_string());
  std::map<std::string, std::string> value_of;  // app role id → permission
  for (const auto& r : graph_sp.at("appRoles").as_array()) value_of[std::string(r.at("id").as_string())] = r.at("value").as_string();
  int revoked = 0;
  json::value assigned = rig.Get("/servicePrincipals/" + graph_id + "/appRoleAssignedTo?$top=999");
  for (const auto& a : assigned.at("value").as_array()) {
    if (a.at("principalDisplayName") != "entragate-operator" || !permissions.count(value_of[std::string(a.at("appRoleId").as_string())])) continue;
    REQUIRE(Status(rig, "DELETE", "/servicePrincipals/" + graph_id + "/appRoleAssignedTo/" + std::string(a.at("id").as_string())) == 204);
    ++revoked;
  }
  REQUIRE(revoked == static_cast<int>(permissions.size()));
}

}  // namespace

TEST_CASE("access review: owners through owners/$ref, users through groups, the operator as one who can change access") {
  Rig rig;
  REQUIRE(rig.Apply(kManifest).ok());
  std::string app = std::string(rig.Get("/applications(uniqueName='testapp')").at("id").as_string());
  std::string alice = std::string(rig.Get("/users/alice@contoso.onmicrosoft.com").at("id").as_string());
  auto sps = rig.Get("/servicePrincipals?$filter=displayName%20eq%20'centos-2'").at("value").as_array();
  REQUIRE(sps.size() == 1);
  std::string centos2 = std::string(sps[0].at("id").as_string());
  std::string testapp_sp =
      std::string(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'TestApp'").at("value").as_array()[0].at("id").as_string());
  std::string root = rig.tenant().endpoints().graph;

  CHECK(Status(rig, "POST", "/applications/" + app + "/owners/$ref", json::object{{"@odata.id", root + "/directoryObjects/" + alice}}) == 204);
  CHECK(Status(rig, "POST", "/applications/" + app + "/owners/$ref", json::object{{"@odata.id", root + "/directoryObjects/" + alice}}) == 400);
  CHECK(Status(rig, "POST", "/applications/" + app + "/owners/$ref",
               json::object{{"@odata.id", root + "/directoryObjects/11111111-2222-3333-4444-555555555555"}}) == 404);
  CHECK(Status(rig, "POST", "/servicePrincipals/" + testapp_sp + "/owners/$ref",
               json::object{{"@odata.id", root + "/directoryObjects/" + centos2}}) == 204);
  auto owners = rig.Get("/applications/" + app + "/owners").at("value").as_array();
  REQUIRE(owners.size() == 1);
  CHECK(owners[0].at("@odata.type") == "#microsoft.graph.user");
  CHECK(owners[0].at("userPrincipalName") == "alice@contoso.onmicrosoft.com");

  engine::AccessReview review = engine::BuildAccessReview(Snapshot(rig));
  const auto& testapp = AppOf(review, "testapp");
  REQUIRE(testapp.entries.size() == 1);
  CHECK(testapp.entries[0].identity.display_name == "centos-1");
  CHECK(testapp.entries[0].role == "App.Use");
  CHECK(Changer(testapp, "Alice", "owner of the application"));
  CHECK(Changer(testapp, "centos-2", "owner of the service principal"));
  for (const auto& a : review.apps) CHECK_MESSAGE(Changer(a, "entragate-operator", "holds Application.ReadWrite.All on Microsoft Graph"), a.key);
  const auto& reports = AppOf(review, "reports");
  auto via = std::find_if(reports.entries.begin(), reports.entries.end(), [](const engine::AccessEntry& e) { return e.how == "group"; });
  REQUIRE(via != reports.entries.end());
  CHECK(via->identity.upn == "alice@contoso.onmicrosoft.com");
  CHECK(via->group.display_name == "Support Engineers");
  // The default seed makes Alice Cloud Application Administrator: she can change every app's access.
  for (const auto& a : review.apps) CHECK_MESSAGE(Changer(a, "Alice", "Cloud Application Administrator"), a.key);
  CHECK(std::none_of(review.notes.begin(), review.notes.end(), [](const std::string& n) { return n.find("were not read") != std::string::npos; }));

  std::string ambiguous;
  auto who = engine::FindReviewPrincipal(Snapshot(rig), "alice@contoso.onmicrosoft.com", ambiguous);
  REQUIRE(who);
  auto reach = engine::ReachOf(review, *who);
  REQUIRE(reach.size() == 1);
  CHECK(reach[0].app_key == "reports");
  CHECK(reach[0].why.find("member of group Support Engineers") != std::string::npos);

  CHECK(Status(rig, "DELETE", "/applications/" + app + "/owners/" + alice + "/$ref") == 204);
  CHECK(Status(rig, "DELETE", "/applications/" + app + "/owners/" + alice + "/$ref") == 404);
  CHECK(AppOf(engine::BuildAccessReview(Snapshot(rig)), "testapp").app.app_owners.empty());
}

TEST_CASE("access review of a plan: gains, losses, drift that widened access, the cached-token note") {
  Rig rig;
  REQUIRE(rig.Apply(kManifest).ok());
  // An identity the next manifest does not know holds a role: granted outside it.
  std::string widened = kManifest;
  widened.replace(widened.find("  support:"), 0, "  ci-runner: { managedIdentity: ci-runner }\n  centos-2: { managedIdentity: centos-2 }\n");
  widened.replace(widened.find("[ centos-1 ]"), 12, "[ centos-1, ci-runner ]");
  REQUIRE(rig.Apply(widened).ok());
  std::string next = kManifest;
  next.replace(next.find("  support:"), 0, "  centos-2: { managedIdentity: centos-2 }\n");
  next.replace(next.find("[ centos-1 ]"), 12, "[ centos-2 ]");
  auto planned = rig.PlanFor(next);
  engine::AccessReview review = engine::BuildAccessReview(Snapshot(rig), &planned.plan, &planned.observed);
  const auto& testapp = AppOf(review, "testapp");
  std::map<std::string, const engine::AccessEntry*> by;
  for (const auto& e : testapp.entries) by[e.identity.display_name] = &e;
  REQUIRE(by.count("centos-1"));
  REQUIRE(by.count("centos-2"));
  REQUIRE(by.count("ci-runner"));
  CHECK(by["centos-2"]->mark == engine::AccessMark::kGained);
  CHECK(by["centos-1"]->mark == engine::AccessMark::kLost);
  CHECK_FALSE(by["centos-1"]->widening);
  CHECK(by["ci-runner"]->mark == engine::AccessMark::kLost);
  CHECK(by["ci-runner"]->widening);
  CHECK(review.gained == 1);
  CHECK(review.lost == 2);
  CHECK(review.widening == 1);
  CHECK(review.token_note.find("up to 24 h") != std::string::npos);
  CHECK(review.token_note.find("UTC at the latest") != std::string::npos);
  std::string html = engine::RenderAccessHtml(review);
  CHECK(html.find("data-change=\"gained\"") != std::string::npos);
  CHECK(html.find("data-widening=\"1\"") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);  // nothing to fetch
  CHECK(html.find("https://") == std::string::npos);
}

TEST_CASE("access review: directory-role holders are read from /directoryRoles, their members without $top") {
  Rig rig;
  REQUIRE(rig.Apply(kManifest).ok());
  RecordingTransport recording(rig.transport());
  Rig::Stack stack = rig.StackThrough(recording);
  auto snapshot = stack.provider->ReadAccess({});
  REQUIRE_MESSAGE(snapshot.ok(), (snapshot.ok() ? "" : snapshot.error().message));
  CHECK(snapshot->directory_roles_read);
  REQUIRE(snapshot->directory_role_holders.size() == 1);
  CHECK(snapshot->directory_role_holders[0].who.upn == "alice@contoso.onmicrosoft.com");
  CHECK(snapshot->directory_role_holders[0].who.type == "User");
  CHECK(snapshot->directory_role_holders[0].why == "Cloud Application Administrator");
  // Graph documents no $top on a directory role's members (docs/graph-behaviour.md §14).
  std::string sent;  // a $batch names its sub-requests' URLs in its body
  for (const auto& r : recording.Take()) sent += r.target + "\n" + r.body + "\n";
  std::regex member_url(R"(directoryRoles/[0-9a-f-]+/members[^"\s]*)");
  int urls = 0;
  for (auto it = std::sregex_iterator(sent.begin(), sent.end(), member_url); it != std::sregex_iterator(); ++it, ++urls) {
    CAPTURE(it->str());
    CHECK(it->str().find("$select=") != std::string::npos);
    CHECK(it->str().find("$top") == std::string::npos);
  }
  CHECK(urls == 1);
}

TEST_CASE("access review: an operator refused /directoryRoles gets a note saying so, and the rest of the review") {
  Rig rig;
  REQUIRE(rig.Apply(kManifest).ok());
  // Without Directory.Read.All and RoleManagement.Read.Directory, Graph refuses /directoryRoles.
  RevokeFromOperator(rig, {"Directory.Read.All", "RoleManagement.Read.Directory"});
  Rig::Stack fresh = rig.StackThrough(rig.transport());  // a new token, without the revoked roles
  auto snapshot = fresh.provider->ReadAccess({});
  REQUIRE_MESSAGE(snapshot.ok(), (snapshot.ok() ? "" : snapshot.error().message));
  CHECK_FALSE(snapshot->directory_roles_read);
  CHECK(snapshot->directory_role_holders.empty());
  engine::AccessReview review = engine::BuildAccessReview(*snapshot);
  auto note =
      std::find_if(review.notes.begin(), review.notes.end(), [](const std::string& n) { return n.find("were not read") != std::string::npos; });
  REQUIRE(note != review.notes.end());
  CHECK(note->find("directory roles (Global, Privileged Role, Application and Cloud Application Administrator)") == 0);
  CHECK(note->find("Insufficient privileges to complete the operation.") != std::string::npos);
  for (const auto& a : review.apps) {
    CHECK_FALSE(Changer(a, "Alice", "Cloud Application Administrator"));
    CHECK(Changer(a, "entragate-operator", "holds Application.ReadWrite.All on Microsoft Graph"));
  }
  CHECK(AppOf(review, "testapp").entries.size() == 1);  // the rest of the review is read as before
}

}  // namespace entragate::testing
