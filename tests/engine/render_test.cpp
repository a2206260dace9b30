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
