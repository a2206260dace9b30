// Golden renderings: the human diff, markdown, JUnit and JSON of one plan, pinned byte for byte.
// ENTRAGATE_UPDATE_GOLDEN=1 rewrites the files (review the diff before committing).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "engine/manifest.h"
#include "engine/planner.h"
#include "engine/render.h"

using namespace entragate::engine;
namespace json = boost::json;

namespace {

Plan SamplePlan() {
  Diagnostics d;
  DesiredState desired = LoadManifest("examples/restrict-managed-identities", d);
  REQUIRE_FALSE(d.has_errors());
  ObservedState o;
  o.tenant_id = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
  o.identities["centos-1"] = {"centos-1", "11111111-1111-1111-1111-111111111111", "ServicePrincipal", "centos-1", ""};
  Plan p = ComputePlan(desired, o, d);
  REQUIRE_FALSE(d.has_errors());
  p.target = {"local", o.tenant_id, "http://127.0.0.1:8080/v1.0", "contoso.onmicrosoft.com"};
  return p;
}

void CheckGolden(const std::string& name, const std::string& actual) {
  std::string path = "tests/engine/golden/" + name;
  if (const char* update = std::getenv("ENTRAGATE_UPDATE_GOLDEN"); update && std::string(update) == "1") std::ofstream(path) << actual;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in, "missing golden file " << path << " (run with ENTRAGATE_UPDATE_GOLDEN=1)");
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(expected.str() == actual, name << " differs; actual:\n" << actual);
}

}  // namespace

TEST_CASE("golden: text") { CheckGolden("plan.txt", RenderPlanText(SamplePlan(), {false, "plan", {}})); }
TEST_CASE("golden: markdown") { CheckGolden("plan.md", RenderPlanMarkdown(SamplePlan(), {false, "plan", {}})); }
TEST_CASE("golden: junit") { CheckGolden("drift.xml", RenderPlanJunit(SamplePlan(), {false, "drift", {"testapp", "unchanged-app"}})); }
TEST_CASE("golden: json") {
  json::object j = PlanToJson(SamplePlan());
  j.erase("observed_digest");  // a hash of the input: covered by the round-trip test
  CheckGolden("plan.json", json::serialize(j) + "\n");
}
TEST_CASE("an empty plan says so") {
  Plan p;
  p.target = {"graph", "t", "https://graph.microsoft.com/v1.0", ""};
  CHECK(RenderPlanText(p, {}).find("No changes. The tenant matches the manifest.") != std::string::npos);
  CHECK(RenderPlanMarkdown(p, {}).find("no changes") != std::string::npos);
}

namespace {

// N new apps, each with a role and two grants, in one manifest, planned against an empty tenant.
Plan ManyAppsPlan(int apps, const std::string& display_name = "App") {
  std::string m = "version: 1\nidentities:\n  centos-1: { managedIdentity: centos-1 }\n  centos-2: { managedIdentity: centos-2 }\napps:\n";
  for (int i = 0; i < apps; ++i)
    m += "  app-" + std::to_string(i) + ":\n    displayName: \"" + display_name +
         "\"\n    appRoles: { App.Use: { allowedMemberTypes: [ Application ] } }\n" +
         "    assignmentRequired: true\n    access: { App.Use: [ centos-1, centos-2 ] }\n";
  Diagnostics d;
  DesiredState desired = LoadManifestTexts({{"m.yaml", m}}, d);
  REQUIRE_FALSE(d.has_errors());
  ObservedState o;
  o.tenant_id = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
  o.identities["centos-1"] = {"centos-1", "11111111-1111-1111-1111-111111111111", "ServicePrincipal", "centos-1", ""};
  o.identities["centos-2"] = {"centos-2", "22222222-2222-2222-2222-222222222222", "ServicePrincipal", "centos-2", ""};
  Plan p = ComputePlan(desired, o, d);
  REQUIRE_FALSE(d.has_errors());
  p.target = {"local", o.tenant_id, "http://127.0.0.1:8080/v1.0", ""};
  return p;
}

}  // namespace

TEST_CASE("markdown for a pull request: summary first, then access changes, then one collapsed section per app") {
  std::string md = RenderPlanMarkdown(ManyAppsPlan(2), {false, "plan", {}});
  size_t summary = md.find("### entragate plan: 4 to create"), access = md.find("#### Access changes (6)"), apps = md.find("#### Changes by app");
  REQUIRE(summary == 0);
  REQUIRE(access != std::string::npos);
  REQUIRE(apps != std::string::npos);
  CHECK(access < apps);
  CHECK(md.find("- ➕ **centos-1** gets **App.Use** on **app-0**") != std::string::npos);
  CHECK(md.find("- 🆕 **app-1** gets a service principal: assignment required") != std::string::npos);
  CHECK(md.find("<details><summary><b>app-0</b>: 2 to create, 0 to update, 0 to delete, 2 to grant, 0 to revoke</summary>") != std::string::npos);
  CHECK(md.find("drift") == std::string::npos);  // a plan's revokes and closings are what the manifest asks for
}

TEST_CASE("markdown for 300 new apps stays under GitHub's 65,536 characters and says what it left out and where") {
  RenderOptions options{false, "plan", {}};
  options.full_plan_hint = "the full plan is saved in `plan.json`";
  std::string md = RenderPlanMarkdown(ManyAppsPlan(300), options);
  CHECK(md.size() < 65536);
  CHECK(md.find("### entragate plan: 600 to create") == 0);
  CHECK(md.find("#### Access changes (900)") != std::string::npos);
  CHECK(md.find("more access changes not shown here (the full plan is saved in `plan.json`)") != std::string::npos);
  CHECK(md.find("app(s) are left out to keep this comment under GitHub's size limit: the full plan is saved in `plan.json`.") != std::string::npos);
}

TEST_CASE("markdown escapes HTML, links and @mentions that come from a manifest") {
  std::string md = RenderPlanMarkdown(ManyAppsPlan(1, "<img src=x onerror=alert(1)> @octocat [x](https://evil) `y` | z"), {false, "plan", {}});
  CHECK(md.find("<img") == std::string::npos);
  CHECK(md.find("@octocat") == std::string::npos);
  CHECK(md.find("[x](") == std::string::npos);
  CHECK(md.find("&lt;img src=x onerror=alert(1)&gt; &#64;octocat &#91;x&#93;(https://evil) &#96;y&#96; &#124; z") != std::string::npos);
}

TEST_CASE("drift markdown flags revokes as drift that widens access, a plan's are plain revokes") {
  Plan p = ManyAppsPlan(1);
  Change revoke{"app.app-0.access[App.Use][alice]",
                "app.app-0.access[App.Use][alice]",
                Action::kRevoke,
                StepKind::kRevoke,
                "app-0",
                json::object{{"principal", "alice"}, {"role", "App.Use"}},
                {},
                {},
                {},
                {},
                {},
                true};
  p.changes.push_back(revoke);
  std::string plan_md = RenderPlanMarkdown(p, {false, "plan", {}}), drift_md = RenderPlanMarkdown(p, {false, "drift", {}});
  CHECK(plan_md.find("- ➖ **alice** loses **App.Use** on **app-0**\n") != std::string::npos);
  CHECK(drift_md.find("- ➖ **alice** loses **App.Use** on **app-0** (granted outside the manifest: drift that widens access)") != std::string::npos);
  CHECK(drift_md.find("revert drift that widens access") != std::string::npos);
}

TEST_CASE("a step that takes access away says tokens already issued stay valid until they expire, with the latest time") {
  Change revoke;
  revoke.kind = StepKind::kRevoke;
  revoke.action = Action::kRevoke;
  revoke.app = "testapp";
  revoke.before = boost::json::object{{"principal", "centos-1"}, {"role", "App.Use"}};
  Change create;
  create.kind = StepKind::kCreateApp;
  create.action = Action::kCreate;
  create.app = "other";
  CHECK(TokenLifetimeNote({&create}, 1796112000).empty());
  std::string note = TokenLifetimeNote({&create, &revoke}, 1796083200);  // 2026-12-01 00:00 UTC
  CHECK(note.find("centos-1 (App.Use on app.testapp)") != std::string::npos);
  CHECK(note.find("up to 24 h for a managed identity") != std::string::npos);
  CHECK(note.find("until 2026-12-02 00:00 UTC at the latest") != std::string::npos);
}
