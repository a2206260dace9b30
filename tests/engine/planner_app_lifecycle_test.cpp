// The planner and whole apps: which apps a set owns (prune, claims, another owner's apps) and apps in
// deleted items (restored, or purged and created anew).

#include "tests/engine/planner_test_support.h"

using namespace planner_test;

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
